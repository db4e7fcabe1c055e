"""Test helpers for portal settings: images made on the fly and branding set without the back office."""

from __future__ import annotations

import io

from django import forms
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse_lazy

from portico.portal.models import BRANDING_FIELDS, PortalSettings

SETTINGS_URL = reverse_lazy("admin:portal_portalsettings_change", args=[PortalSettings.SINGLETON])


def image_bytes(fmt: str = "PNG", size: tuple[int, int] = (4, 4), colour=(11, 92, 173)) -> bytes:
    """A small real image in a Pillow format (PNG, JPEG, WEBP, GIF ...)."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, fmt)
    return buffer.getvalue()


def upload(name: str, content: bytes, content_type: str = "image/png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def set_branding_image(kind: str, name: str | None = None) -> PortalSettings:
    """Give the portal a logo or sign-in background (a small PNG stored once under a fixed name)."""
    name = name or f"branding/test-{kind}.png"
    if not default_storage.exists(name):
        default_storage.save(name, ContentFile(image_bytes()))
    portal_settings, _created = PortalSettings.objects.get_or_create(pk=PortalSettings.SINGLETON)
    setattr(portal_settings, BRANDING_FIELDS[kind], name)
    portal_settings.save()
    return portal_settings


def form_data(response) -> dict:
    """What a browser posts back from the settings page when nothing is changed."""
    data = {}

    def add(form, name, field):
        value = form[name].value()
        if isinstance(field, forms.FileField):
            return
        if isinstance(field, forms.BooleanField):
            if value:
                data[form.add_prefix(name)] = "on"
            return
        data[form.add_prefix(name)] = "" if value is None else value

    main = response.context["adminform"].form
    for name, field in main.fields.items():
        add(main, name, field)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        for name, field in formset.management_form.fields.items():
            add(formset.management_form, name, field)
        for form in formset.forms:
            for name, field in form.fields.items():
                add(form, name, field)
    return data
