"""Factories and helpers for cases: grants of the Cases module, cases opened through the service, uploads."""

from __future__ import annotations

import io

import factory
from django.core.files.uploadedfile import SimpleUploadedFile

from portico.access.registry import get_module
from portico.helpdesk import services
from portico.helpdesk.models import CaseCategory, Source, Team
from portico.users.models import User

CASE_FIELDS = get_module("cases").fields


def cases_grant(*, scope="own", create=True, edit=True, actions=True, hidden=(), editable=("priority", "category")):
    """A grant of the Cases module: every field readable except `hidden`, `editable` editable (with edit)."""
    return {
        "view": True,
        "create": create,
        "edit": edit,
        "actions": actions,
        "scope": scope,
        "fields": {
            name: "hidden" if name in hidden else ("edit" if name in editable else "read") for name in CASE_FIELDS
        },
    }


def give_cases(access, **kwargs):
    """Add the Cases module to a persona's profile (each persona has a profile of its own)."""
    access.profile.grants["cases"] = cases_grant(**kwargs)
    access.profile.save(update_fields=["grants"])
    return access


class StaffFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"agent{n}@portico.example")
    first_name = factory.Sequence(lambda n: f"Agent{n}")
    last_name = "Support"
    is_staff = True
    language = "en"


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team

    name = factory.Sequence(lambda n: f"Team {n}")


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CaseCategory

    name = factory.Sequence(lambda n: f"Category {n}")


def open_case(access_or_contact, *, subject="Printer is on fire", description="It smokes.", **kwargs):
    """Open a case through the service, as the persona (or contact) would from the portal."""
    contact = getattr(access_or_contact, "contact", access_or_contact)
    user = getattr(access_or_contact, "user", None)
    kwargs.setdefault("source", Source.PORTAL)
    return services.create_case(contact=contact, subject=subject, description=description, actor=user, **kwargs)


def png_bytes(size=(4, 4)) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", size, (11, 92, 173)).save(buffer, "PNG")
    return buffer.getvalue()


def png_upload(name="screenshot.png", size=(4, 4)) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, png_bytes(size), content_type="image/png")


def text_upload(name="log.txt", content=b"line one\nline two\n") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="text/plain")
