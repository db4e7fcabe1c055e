"""WSGI entry point for benchmark runs: the product for every URL, Django's default middleware for the bare pages."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

from django.core.handlers.wsgi import WSGIHandler  # noqa: E402
from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.test.utils import override_settings  # noqa: E402

BARE_PREFIX = "/bench/bare/"


class BareHandler(WSGIHandler):
    """Django's request handler with the middleware `startproject` writes, instead of the product's."""

    def load_middleware(self, is_async=False):
        from bench.bare import BARE_MIDDLEWARE

        with override_settings(MIDDLEWARE=BARE_MIDDLEWARE):
            super().load_middleware(is_async)


portal_application = get_wsgi_application()
bare_application = BareHandler()


def application(environ, start_response):
    """Send /bench/bare/ to the bare handler and everything else to the product's handler."""
    if environ.get("PATH_INFO", "").startswith(BARE_PREFIX):
        return bare_application(environ, start_response)
    return portal_application(environ, start_response)
