"""Case attachments: checked by content, stored privately, downloaded only through the access engine, safely."""

import io
import zipfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from portico.helpdesk.models import Case, CaseAttachment
from portico.helpdesk.tests.factories import open_case, png_bytes, png_upload, text_upload
from portico.portal.models import PortalSettings


def download(client, attachment, **params):
    return client.get(reverse("portal:case_attachment", args=[attachment.pk]), params)


def upload(name, content, content_type="application/octet-stream"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def zip_bomb() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("zeros.txt", b"\0" * (50 * 1024 * 1024))
    return buffer.getvalue()


def test_a_file_downloads_as_an_attachment_with_nosniff(portal_client, bob_cases):
    case = open_case(bob_cases, attachments=[text_upload("notes.txt", b"hello")])
    response = download(portal_client(bob_cases), case.messages.get().attachments.get())
    assert response.status_code == 200
    assert (
        response["Content-Disposition"].startswith("attachment;")
        and 'filename="notes.txt"' in response["Content-Disposition"]
    )
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == b"hello"


def test_a_verified_image_previews_inline_only_when_asked(portal_client, bob_cases):
    case = open_case(bob_cases, attachments=[png_upload()])
    attachment = case.messages.get().attachments.get()
    client = portal_client(bob_cases)
    assert download(client, attachment, preview="1")["Content-Disposition"].startswith("inline;")
    assert download(client, attachment)["Content-Disposition"].startswith("attachment;")


def test_a_preview_of_something_other_than_an_image_is_still_a_download(portal_client, bob_cases):
    case = open_case(bob_cases, attachments=[text_upload()])
    response = download(portal_client(bob_cases), case.messages.get().attachments.get(), preview="1")
    assert response["Content-Disposition"].startswith("attachment;")


def test_another_companys_attachment_is_404(portal_client, bob_cases, carol_cases):
    case = open_case(bob_cases, attachments=[png_upload()])
    attachment = case.messages.get().attachments.get()
    assert download(portal_client(carol_cases), attachment).status_code == 404
    assert download(portal_client(carol_cases), attachment, preview="1").status_code == 404


def test_a_colleagues_attachment_is_404_with_an_own_scope_and_200_with_a_company_scope(
    portal_client, bob_cases, alice_cases
):
    case = open_case(alice_cases, attachments=[png_upload()])
    attachment = case.messages.get().attachments.get()
    assert download(portal_client(bob_cases), attachment).status_code == 404
    assert download(portal_client(alice_cases), attachment).status_code == 200


def test_an_unknown_attachment_is_404(portal_client, bob_cases):
    response = portal_client(bob_cases).get(reverse("portal:case_attachment", args=[999999]))
    assert response.status_code == 404


def test_files_are_stored_outside_the_web_root_under_a_random_name(bob, settings):
    case = open_case(bob, attachments=[upload("../../etc/passwd.txt", b"root:x:0:0")])
    attachment = case.messages.get().attachments.get()
    stored = Path(attachment.file.path)
    assert stored.is_relative_to(settings.PRIVATE_MEDIA_ROOT)
    assert not stored.is_relative_to(settings.STORAGES["default"]["OPTIONS"]["location"])
    assert "passwd" not in stored.name
    assert attachment.name == "passwd.txt"


def test_file_names_are_sanitised(bob):
    case = open_case(bob, attachments=[upload("inv\u202eoice<>.txt", b"text")])
    assert case.messages.get().attachments.get().name == "invoice__.txt"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("invoice.png", b"MZ\x90\x00\x03\x00\x00\x00" + b"\0" * 200, "Programs and scripts cannot be uploaded."),
        ("script.sh", b"#!/bin/sh\nrm -rf /\n", "not allowed"),
        ("run.txt", b"#!/bin/sh\nrm -rf /\n", "Programs and scripts cannot be uploaded."),
        ("logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "not allowed"),
        ("logo.png", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "SVG"),
        ("page.txt", b"<html><script>alert(1)</script></html>", "Web pages"),
        ("photo.jpg", png_bytes(), "does not match its name"),
        ("archive.zip", zip_bomb(), "unpacks to far more"),
        ("empty.txt", b"", "empty"),
    ],
    ids=[
        "exe named png",
        "shell script",
        "script named txt",
        "svg",
        "svg named png",
        "html named txt",
        "png named jpg",
        "zip bomb",
        "empty",
    ],
)
def test_disguised_or_dangerous_files_are_refused_with_a_clear_message(
    portal_client, bob_cases, name, content, message
):
    response = portal_client(bob_cases).post(
        reverse("portal:case_create"), {"subject": "S", "description": "D", "attachments": [upload(name, content)]}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert message in page
    assert name in page or not content  # an empty file is refused by the form before the checks name it
    assert not Case.objects.exists() and not CaseAttachment.objects.exists()


def test_a_file_over_the_size_limit_is_refused(portal_client, bob_cases):
    PortalSettings.objects.update_or_create(pk=1, defaults={"attachment_max_mb": 1})
    big = upload("big.txt", b"a" * (1024 * 1024 + 1))
    case = open_case(bob_cases)
    response = portal_client(bob_cases).post(
        reverse("portal:case_reply", args=[case.pk]), {"body": "x", "attachments": [big]}
    )
    assert response.status_code == 400 and "too large" in response.content.decode()
    assert case.messages.count() == 1


def test_a_reply_with_a_file_over_the_portal_limit_is_refused_with_a_clear_message(portal_client, bob_cases):
    PortalSettings.objects.update_or_create(pk=PortalSettings.SINGLETON, defaults={"attachment_max_mb": 2})
    case = open_case(bob_cases)
    client = portal_client(bob_cases)
    assert "each at most 2 MB" in client.get(reverse("portal:case", args=[case.pk])).content.decode()
    big = upload("server.log", b"a" * (2 * 1024 * 1024 + 1))
    response = client.post(reverse("portal:case_reply", args=[case.pk]), {"body": "The log", "attachments": [big]})
    assert response.status_code == 400
    assert "server.log: The file is too large. The limit is 2.0\xa0MB." in response.content.decode()
    assert case.messages.count() == 1 and not CaseAttachment.objects.exists()


def test_only_the_allowed_types_are_accepted(portal_client, bob_cases):
    PortalSettings.objects.update_or_create(pk=1, defaults={"attachment_types": ["pdf"]})
    response = portal_client(bob_cases).post(
        reverse("portal:case_create"), {"subject": "S", "description": "D", "attachments": [png_upload()]}
    )
    assert response.status_code == 400 and "Allowed types: pdf" in response.content.decode()
    assert 'accept=".pdf"' in portal_client(bob_cases).get(reverse("portal:case_create")).content.decode()


def test_a_deleted_message_takes_its_files_with_it_once_the_deletion_commits(bob, django_capture_on_commit_callbacks):
    case = open_case(bob, attachments=[png_upload()])
    path = Path(case.messages.get().attachments.get().file.path)
    assert path.exists()
    with django_capture_on_commit_callbacks(execute=True):
        case.messages.all().delete()
    assert not path.exists()
