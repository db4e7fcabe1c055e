"""The portal's public branding images (logo, sign-in background), streamed from storage."""

from __future__ import annotations

from pathlib import PurePath

from django.http import Http404, HttpResponse
from django.views.decorators.http import require_GET

from portico.portal.models import BRANDING_FIELDS, CONTENT_TYPES, PortalSettings

ONE_YEAR = 365 * 24 * 3600


@require_GET
def branding_image(request, kind: str):
    """Serve the logo or the sign-in background to anyone; 404 when none is set. The URL carries a version."""
    field = BRANDING_FIELDS.get(kind)
    image = getattr(PortalSettings.load(), field) if field else None
    if not image:
        raise Http404
    content_type = CONTENT_TYPES.get(PurePath(image.name).suffix.lower().lstrip("."))
    if content_type is None:
        raise Http404
    try:
        with image.storage.open(image.name, "rb") as handle:
            content = handle.read()  # at most 2 MB, checked on upload
    except OSError:
        raise Http404 from None
    response = HttpResponse(content, content_type=content_type)
    response["Cache-Control"] = f"public, max-age={ONE_YEAR}, immutable"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'"
    response["Content-Disposition"] = "inline"
    return response
