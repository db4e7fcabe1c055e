"""Settings for the test suite: production settings with test-friendly defaults."""

import os
import tempfile
from pathlib import Path

os.environ.setdefault("SECRET_KEY", "test-secret-key-not-for-production-0123456789abcdefghijklmnop")
os.environ.setdefault("HTTPS", "0")
os.environ.setdefault("PORTICO_DATA_DIR", "/tmp/portico-test-data")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
os.environ.setdefault("EMAIL_URL", "smtp://127.0.0.1:9")

from portico.config.settings import *  # noqa: E402,F403
from portico.config.settings import STORAGES  # noqa: E402

# Fast hashing in tests; the production hasher (Argon2) is asserted by its own test.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", "django.contrib.auth.hashers.Argon2PasswordHasher"]
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
# Private files (attachments) in a temporary directory; the `private_media` fixture gives a test its own.
PRIVATE_MEDIA_ROOT = Path(tempfile.gettempdir()) / "portico-test-private"
