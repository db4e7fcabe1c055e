"""Environment for `portico demo`: a data folder with an SQLite database and a kept secret key."""

import os
import secrets
from pathlib import Path


def prepare_demo_environment() -> Path:
    """Fill in the settings the demo needs, without overriding anything the caller set."""
    data_dir = Path(os.environ.get("PORTICO_DATA_DIR", Path.cwd() / "data")).resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    key_file = data_dir / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    os.environ.setdefault("PORTICO_DATA_DIR", str(data_dir))
    os.environ.setdefault("SECRET_KEY", key_file.read_text().strip())
    os.environ.setdefault("HTTPS", "0")  # the demo is served on plain http://127.0.0.1:8000
    os.environ.setdefault("SITE_URL", "http://127.0.0.1:8000")
    os.environ.setdefault("EMAIL_URL", "smtp://127.0.0.1:1025")
    return data_dir
