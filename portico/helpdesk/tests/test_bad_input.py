"""Bad input at every case form and query string: a clear message or an ignored value, never a 500, nothing stored."""

import pytest
from django.urls import reverse
from django.utils.html import escape

from portico.helpdesk.models import Case, CaseMessage
from portico.helpdesk.tests.factories import open_case

MB = "x" * 1_000_000
HOSTILE = ["<script>alert(1)</script>", "'; DROP TABLE helpdesk_case; --", "{{ 7*7 }}{% debug %}", "\u202egnp.exe"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"subject": MB, "description": "D"}, "Ensure this value has at most 200 characters"),
        ({"subject": "S", "description": MB}, "Ensure this value has at most 20000 characters"),
        ({"subject": "S\x00", "description": "D"}, "Null characters are not allowed."),
        ({"subject": "S", "description": "D\x00"}, "Null characters are not allowed."),
        ({"subject": "Bell\x07", "description": "D"}, "Use a single line of plain text."),
        ({"subject": "S", "description": "Escape \x1b[31m red"}, "Use plain text without control characters."),
        ({"subject": "S", "description": "D", "priority": "urgent"}, "Select a valid choice."),
        ({"subject": "S", "description": "D", "category": "999999"}, "Select a valid choice."),
        ({"subject": "S", "description": "D", "category": "1 OR 1=1"}, "Select a valid choice."),
    ],
    ids=[
        "huge subject",
        "huge description",
        "NUL subject",
        "NUL description",
        "bell",
        "ANSI escape",
        "priority word",
        "unknown category",
        "SQL-ish category",
    ],
)
def test_bad_new_cases_get_a_message_and_store_nothing(portal_client, bob_cases, data, message):
    response = portal_client(bob_cases).post(reverse("portal:case_create"), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Case.objects.exists()


@pytest.mark.parametrize("text", HOSTILE[:3])
def test_hostile_text_is_stored_as_text_and_shown_escaped(portal_client, bob_cases, text):
    client = portal_client(bob_cases)
    client.post(reverse("portal:case_create"), {"subject": f"Subject {text}", "description": f"Body {text}"})
    case = Case.objects.get()
    assert (case.subject, case.description) == (f"Subject {text}", f"Body {text}")
    page = client.get(reverse("portal:case", args=[case.pk])).content.decode()
    assert f"Body {escape(text)}" in page and f"Subject {escape(text)}" in page
    if "<" in text:
        assert text not in page


def test_a_bidi_override_in_the_subject_is_refused(portal_client, bob_cases):
    response = portal_client(bob_cases).post(reverse("portal:case_create"), {"subject": HOSTILE[3], "description": "D"})
    assert response.status_code == 400 and not Case.objects.exists()


@pytest.mark.parametrize(
    "data",
    [{"body": MB}, {"body": "\x00"}, {"body": "a\x1bb"}, {"body": ""}, {}],
    ids=["huge", "NUL", "escape", "empty", "nothing"],
)
def test_bad_replies_get_a_message_and_add_nothing(portal_client, bob_cases, data):
    case = open_case(bob_cases)
    response = portal_client(bob_cases).post(reverse("portal:case_reply", args=[case.pk]), data)
    assert response.status_code == 400
    assert CaseMessage.objects.filter(case=case).count() == 1


@pytest.mark.parametrize(
    "data", [{"rating": "0"}, {"rating": "6"}, {"rating": "x"}, {"rating": "5", "comment": MB}, {}]
)
def test_bad_ratings_are_refused(portal_client, bob_cases, agent, data):
    from portico.helpdesk import services

    case = open_case(bob_cases)
    services.change_status(case=case, status="resolved", actor=agent)
    assert portal_client(bob_cases).post(reverse("portal:case_rate", args=[case.pk]), data).status_code == 400
    assert Case.objects.get().rating is None


@pytest.mark.parametrize(
    "params",
    [
        {"q": MB[:5000]},
        {"q": "\x00"},
        {"page": "-1"},
        {"page": "9" * 30},
        {"sort": "password"},
        {"sort": "-" * 50},
        {"status": MB[:2000]},
        {"priority": "1e9"},
        {"scope": "everyone"},
    ],
    ids=lambda p: next(iter(p)),
)
def test_bad_query_strings_are_ignored(portal_client, bob_cases, params):
    open_case(bob_cases)
    client = portal_client(bob_cases)
    assert client.get(reverse("portal:cases"), params).status_code == 200
    assert client.get(reverse("portal:cases_export"), params).status_code == 200


@pytest.mark.parametrize("since", ["", "abc", "9" * 100, "-1", "\x00"])
def test_a_bad_version_in_the_live_update_just_gets_the_fresh_part(portal_client, bob_cases, since):
    case = open_case(bob_cases)
    assert (
        portal_client(bob_cases).get(reverse("portal:case_updates", args=[case.pk]), {"since": since}).status_code
        == 200
    )


@pytest.mark.parametrize(
    "params", [{"sla": "x"}, {"assignee": "9" * 40}, {"status": "gone"}, {"q": "CS-" + "9" * 300}, {"q": "a\x00b"}]
)
def test_bad_queue_filters_never_break_the_back_office(client, sam, bob, params):
    client.force_login(sam)
    open_case(bob)
    assert client.get(reverse("admin:helpdesk_case_changelist"), params).status_code in (200, 302)


def test_an_opened_article_with_a_hostile_typed_subject_is_recorded_cleanly(portal_client, bob_cases):
    from portico.helpdesk.models import CaseDeflection
    from portico.knowledge.tests.factories import ArticleFactory, grant_knowledge

    grant_knowledge(bob_cases)
    ArticleFactory(slug="paper-jams")
    response = portal_client(bob_cases).post(
        reverse("portal:case_deflection"), {"article": "/portal/kb/paper-jams/", "q": "jam\x00\x1b[31m" + MB[:500]}
    )
    assert response.status_code == 204
    assert CaseDeflection.objects.get().query.startswith("jam[31m")
