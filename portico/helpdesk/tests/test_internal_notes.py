"""Internal notes never reach the portal or a customer in any form: pages, fragments, CSV, files, emails, counts."""

import pytest
from django.urls import reverse

from portico.core.models import AuditEntry, OutboxMessage
from portico.helpdesk import selectors, services
from portico.helpdesk.models import Case
from portico.helpdesk.tests.factories import open_case, text_upload

SECRET = "SECRET-NOTE-7f3a"


@pytest.fixture
def noted(alice_cases, bob_cases, agent):
    """Bob's case with a public reply and an internal note (with a file) that must stay in the back office."""
    case = open_case(bob_cases, subject="Printer")
    services.add_staff_reply(case=case, user=agent, body="Public answer")
    before = Case.objects.get(pk=case.pk)
    note = services.add_staff_reply(
        case=case,
        user=agent,
        body=f"{SECRET}: customer misuses the printer",
        internal=True,
        attachments=[text_upload(f"{SECRET}.txt", SECRET.encode())],
    )
    return case, note, before


def everything_the_portal_shows(client, case) -> str:
    pages = [
        reverse("portal:home"),
        reverse("portal:cases"),
        reverse("portal:cases") + "?q=SECRET",
        reverse("portal:cases_export"),
        reverse("portal:case", args=[case.pk]),
        reverse("portal:case_updates", args=[case.pk]) + "?since=0",
        reverse("portal:case_edit", args=[case.pk]),
        reverse("portal:activity"),
    ]
    text = []
    for url in pages:
        response = client.get(url, HTTP_HX_REQUEST="true" if "updates" in url or "?q=" in url else "")
        content = b"".join(response.streaming_content) if response.streaming else response.content  # the CSV streams
        text.append(content.decode(errors="replace"))
    return "\n".join(text)


@pytest.mark.parametrize("persona", ["bob_cases", "alice_cases"])
def test_no_portal_page_fragment_or_export_shows_a_note(portal_client, noted, persona, request):
    case, _note, _before = noted
    content = everything_the_portal_shows(portal_client(request.getfixturevalue(persona)), case)
    assert "Public answer" in content
    assert SECRET not in content


def test_a_notes_file_cannot_be_downloaded_from_the_portal(portal_client, noted):
    _case, note, _before = noted
    attachment = note.attachments.get()
    assert (
        portal_client(noted[0].contact.portal_access)
        .get(reverse("portal:case_attachment", args=[attachment.pk]))
        .status_code
        == 404
    )


def test_no_email_to_the_customer_mentions_a_note(noted):
    for message in OutboxMessage.objects.exclude(to__endswith="@portico.example"):
        assert SECRET not in message.subject + message.body_text + message.body_html


def test_a_note_changes_neither_the_live_version_nor_the_list_order(portal_client, noted):
    case, _note, before = noted
    after = Case.objects.get(pk=case.pk)
    assert selectors.version(after) == selectors.version(before)
    client = portal_client(case.contact.portal_access)
    assert (
        client.get(reverse("portal:case_updates", args=[case.pk]), {"since": selectors.version(before)}).status_code
        == 204
    )


def test_the_conversation_counts_only_public_messages(portal_client, noted):
    case, _note, _before = noted
    response = portal_client(case.contact.portal_access).get(reverse("portal:case", args=[case.pk]))
    assert len(response.context["conversation"]) == 2  # the description and the public answer


def test_a_notes_audit_entry_is_a_back_office_entry_without_its_text(noted):
    entry = AuditEntry.objects.get(action="case.note_added")
    assert entry.source == "backoffice" and SECRET not in str(entry.changes)


def test_merging_keeps_notes_internal(portal_client, bob_cases, agent):
    target, duplicate = open_case(bob_cases), open_case(bob_cases)
    services.add_staff_reply(case=duplicate, user=agent, body=SECRET, internal=True)
    services.merge_cases(target=target, duplicates=[duplicate], actor=agent)
    content = everything_the_portal_shows(portal_client(bob_cases), target)
    assert SECRET not in content
