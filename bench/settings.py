"""Settings for benchmark runs: the product's settings, plain HTTP, no debug, the bench URLs and bare template."""

import os
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent

# Set before the product settings are read: they derive HTTPS, the data folder and the database from these.
os.environ["HTTPS"] = "0"  # served on http://127.0.0.1; HTTPS would redirect every request
os.environ["DEBUG"] = "0"
os.environ.setdefault("SECRET_KEY", "bench-only-key-for-a-throwaway-database")
os.environ.setdefault("PORTICO_DATA_DIR", str(BENCH_DIR / ".data"))
os.environ.setdefault("DATABASE_URL", f"sqlite:///{BENCH_DIR / '.data' / 'bench.sqlite3'}")
os.environ.setdefault("LOG_LEVEL", "WARNING")

from portico.config.settings import *  # noqa: E402, F403
from portico.config.settings import TEMPLATES  # noqa: E402

DEBUG = False
ROOT_URLCONF = "bench.urls"
WSGI_APPLICATION = "bench.wsgi.application"

# The bare pages render through their own engine: cached loader, the context processors `startproject` writes.
TEMPLATES = [
    *TEMPLATES,
    {
        "NAME": "bare",
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BENCH_DIR / "templates"],
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
            "loaders": [("django.template.loaders.cached.Loader", ["django.template.loaders.filesystem.Loader"])],
        },
    },
]
