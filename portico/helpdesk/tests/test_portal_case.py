"""The portal's case pages: create, detail, live updates, reply, close, reopen, rate, edit, deflection, scope."""

from datetime import timedelta
from types import SimpleNamespace

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format

from portico.access.tests.factories import PortalAccessFactory
from portico.core.models import AuditEntry, OutboxMessage
from portico.crm.tests.factories import ContactFactory
from portico.helpdesk import selectors, services
from portico.helpdesk.models import Case, CaseDeflection, CaseMessage, Priority, Source, Status
from portico.helpdesk.tests.factories import CategoryFactory, give_cases, open_case, png_upload, text_upload
from portico.knowledge.tests.factories import ArticleFactory, grant_knowledge
from portico.portal.editing import claim_submission

CREATE = reverse("portal:case_create")


def url(name, case):
    return reverse(f"portal:{name}", args=[case.pk])


def page(client, case):
    return client.get(url("case", case)).content.decode()


# --- create ---------------------------------------------------------------------------------------------------


def test_a_new_case_is_opened_for_the_principal_whatever_else_is_posted(portal_client, bob_cases, carol, agent):
    response = portal_client(bob_cases).post(
        CREATE,
        {
            "subject": "Printer jammed",
            "description": "Paper everywhere.",
            "priority": "3",
            "contact": carol.contact_id,
            "account": carol.contact.account_id,
            "status": "closed",
            "assignee": bob_cases.user.pk,
        },
    )
    case = Case.objects.get()
    assert response["Location"] == url("case", case)
    assert (case.contact, case.account, case.status, case.priority, case.assignee, case.source) == (
        bob_cases.contact,
        bob_cases.contact.account,
        Status.NEW,
        Priority.HIGH,
        agent,
        "portal",
    )


def test_the_form_holds_category_and_priority_only_when_the_profile_makes_them_editable(portal_client, bob):
    give_cases(bob, editable=("priority",))
    client = portal_client(bob)
    assert set(client.get(CREATE).context["form"].fields) == {
        "subject",
        "description",
        "priority",
        "submission",
        "attachments",
    }
    give_cases(bob, edit=False)
    assert "priority" not in client.get(CREATE).context["form"].fields
    client.post(CREATE, {"subject": "S", "description": "D", "priority": "4", "category": CategoryFactory().pk})
    assert (Case.objects.get().priority, Case.objects.get().category) == (Priority.NORMAL, None)


def test_several_files_go_with_the_new_case(portal_client, bob_cases):
    portal_client(bob_cases).post(
        CREATE, {"subject": "S", "description": "D", "attachments": [png_upload(), text_upload()]}
    )
    assert Case.objects.get().messages.get().attachments.count() == 2


def test_a_bad_case_shows_the_form_again_with_the_message_and_stores_nothing(portal_client, bob_cases):
    response = portal_client(bob_cases).post(CREATE, {"subject": "", "description": "D"})
    assert response.status_code == 400 and "This field is required." in response.content.decode()
    response = portal_client(bob_cases).post(
        CREATE, {"subject": "S", "description": "D", "attachments": [text_upload("a.png", b"<svg onload=alert(1)>")]}
    )
    assert response.status_code == 400 and "a.png" in response.content.decode()
    assert not Case.objects.exists()


def test_a_double_submit_opens_one_case(portal_client, bob_cases):
    client = portal_client(bob_cases)
    token = client.get(CREATE).context["form"]["submission"].value()
    data = {"subject": "S", "description": "D", "submission": token}
    first, second = client.post(CREATE, data), client.post(CREATE, data)
    assert Case.objects.count() == 1 and first["Location"] == second["Location"]


def test_a_submit_of_a_form_still_being_saved_opens_nothing_and_says_so(portal_client, bob_cases):
    """A double click: the first request holds the form's token while its case is saved."""
    client = portal_client(bob_cases)
    token = client.get(CREATE).context["form"]["submission"].value()
    assert claim_submission(SimpleNamespace(user=bob_cases.user), token)  # the first request, not finished
    response = client.post(CREATE, {"subject": "S", "description": "D", "submission": token}, follow=True)
    assert Case.objects.count() == 0
    assert "This form is already being sent." in response.content.decode()


def test_a_refused_case_may_be_sent_again_with_the_same_form(portal_client, bob_cases):
    client = portal_client(bob_cases)
    token = client.get(CREATE).context["form"]["submission"].value()
    disguised = SimpleUploadedFile("shot.png", b"MZ\x90\x00" + bytes(200), content_type="image/png")  # a program
    refused = client.post(CREATE, {"subject": "S", "description": "D", "submission": token, "attachments": disguised})
    assert refused.status_code == 400 and Case.objects.count() == 0  # refused by the service, after the claim
    client.post(CREATE, {"subject": "S", "description": "D", "submission": token})
    assert Case.objects.count() == 1


def test_view_only_profiles_cannot_open_cases(portal_client, bob):
    give_cases(bob, create=False)
    assert portal_client(bob).get(CREATE).status_code == 403
    assert portal_client(bob).post(CREATE, {"subject": "S", "description": "D"}).status_code == 403


def test_the_subject_asks_the_knowledge_base_for_suggestions_when_it_is_installed(portal_client, bob_cases):
    grant_knowledge(bob_cases)
    content = portal_client(bob_cases).get(CREATE).content.decode()
    assert f'hx-get="{reverse("portal:kb_suggest")}"' in content
    assert reverse("portal:case_deflection") in content


def test_without_the_knowledge_base_the_form_has_no_suggestions(portal_client, bob_cases, monkeypatch):
    from portico.helpdesk.portal import views

    grant_knowledge(bob_cases)
    monkeypatch.setattr(views, "kb_suggest_url", lambda principal: "")
    content = portal_client(bob_cases).get(CREATE).content.decode()
    assert "hx-get" not in content and "kb-suggestions" not in content


def test_without_the_knowledge_module_in_the_profile_the_form_asks_for_no_suggestions(portal_client, bob_cases):
    content = portal_client(bob_cases).get(CREATE).content.decode()
    assert "hx-get" not in content and "kb-suggestions" not in content
    assert reverse("portal:case_deflection") not in content


def test_an_opened_suggestion_is_recorded_and_linked_to_the_case_still_submitted(portal_client, bob_cases):
    grant_knowledge(bob_cases)
    ArticleFactory(slug="reset-the-printer")
    client = portal_client(bob_cases)
    opened = client.post(
        reverse("portal:case_deflection"), {"article": "/portal/kb/reset-the-printer/?from=case", "q": "printer"}
    )
    assert opened.status_code == 204
    deflection = CaseDeflection.objects.get()
    assert (deflection.article_slug, deflection.query, deflection.contact, deflection.case) == (
        "reset-the-printer",
        "printer",
        bob_cases.contact,
        None,
    )
    client.post(CREATE, {"subject": "Printer", "description": "Still broken"})
    deflection.refresh_from_db()
    assert deflection.case == Case.objects.get()


@pytest.mark.parametrize("article", ["https://evil.example/", "/portal/cases/", "/portal/kb/", "", "/portal/kb/a b/"])
def test_only_links_to_knowledge_base_articles_are_recorded(portal_client, bob_cases, article):
    response = portal_client(bob_cases).post(reverse("portal:case_deflection"), {"article": article})
    assert response.status_code == 400 and not CaseDeflection.objects.exists()


@pytest.mark.parametrize("article", ["no-such-article", "draft", "for-key-contacts"])
def test_an_opened_article_the_principal_may_not_read_is_not_recorded(portal_client, bob_cases, alice, article):
    grant_knowledge(bob_cases)
    ArticleFactory(slug="draft", status="draft")
    ArticleFactory(slug="for-key-contacts", visibility="profiles").profiles.add(alice.profile)
    response = portal_client(bob_cases).post(reverse("portal:case_deflection"), {"article": f"/portal/kb/{article}/"})
    assert response.status_code == 204 and not CaseDeflection.objects.exists()


def test_an_opened_article_is_not_recorded_without_the_knowledge_module(portal_client, bob_cases):
    ArticleFactory(slug="reset-the-printer")
    response = portal_client(bob_cases).post(
        reverse("portal:case_deflection"), {"article": "/portal/kb/reset-the-printer/"}
    )
    assert response.status_code == 204 and not CaseDeflection.objects.exists()


# --- detail ---------------------------------------------------------------------------------------------------


def test_the_case_page_shows_the_conversation_attachments_history_and_due_times(portal_client, bob_cases, agent):
    case = open_case(bob_cases, attachments=[png_upload()])
    services.add_staff_reply(case=case, user=agent, body="We are on it.", attachments=[text_upload("fix.txt")])
    content = page(portal_client(bob_cases), case)
    assert "It smokes." in content and "We are on it." in content
    attachment = case.messages.first().attachments.get()
    assert f'src="{reverse("portal:case_attachment", args=[attachment.pk])}?preview=1"' in content
    assert "fix.txt" in content and "Status history" in content and "Aku" in content
    assert "due by" in content  # the resolution is due; the first response was given
    assert "answered" in content


def test_while_the_case_waits_for_the_customer_its_resolution_clock_shows_paused(portal_client, bob_cases, agent):
    case = open_case(bob_cases)
    services.add_staff_reply(case=case, user=agent, body="Which printer is it?")
    services.change_status(case=case, status=Status.WAITING, actor=agent)
    content = page(portal_client(bob_cases), case)
    assert "paused while we wait for your reply" in content and "due by" not in content
    services.add_customer_message(
        case=case, contact=bob_cases.contact, body="The one upstairs.", actor=bob_cases.user, source=Source.PORTAL
    )
    assert "due by" in page(portal_client(bob_cases), case)


def test_a_due_time_missed_before_the_wait_is_not_shown_as_paused(portal_client, bob_cases, agent):
    case = open_case(bob_cases)
    services.add_staff_reply(case=case, user=agent, body="Which printer is it?")
    case.refresh_from_db()
    with time_machine.travel(case.resolution_due + timedelta(hours=1)):
        services.change_status(case=case, status=Status.WAITING, actor=agent)
        content = page(portal_client(bob_cases), case)
    assert "due by" in content and "paused while we wait for your reply" not in content


def test_the_fields_and_the_conversation_are_written_in_the_readers_language(portal_client, bob_cases, agent):
    case = open_case(bob_cases)
    services.add_staff_reply(case=case, user=agent, body="We are on it.")
    bob_cases.user.language = "fi"
    bob_cases.user.save(update_fields=["language"])
    content = page(portal_client(bob_cases), case)
    with translation.override("fi"):
        created = date_format(timezone.localtime(case.created_at), "DATETIME_FORMAT")
        history = f"{Status.NEW.label} → {Status.OPEN.label}"
    assert created in content and "Keskustelu" in content  # "Conversation"
    assert str(history) in content


def test_the_case_page_escapes_hostile_text(portal_client, bob_cases):
    case = open_case(bob_cases, subject="<script>alert(1)</script>", description="<img src=x onerror=alert(1)>")
    content = page(portal_client(bob_cases), case)
    assert "<script>alert(1)</script>" not in content and "&lt;script&gt;alert(1)&lt;/script&gt;" in content
    assert "<img src=x" not in content


def test_due_times_are_hidden_when_the_profile_hides_them(portal_client, bob):
    give_cases(bob, hidden=("first_response_due", "resolution_due"))
    content = page(portal_client(bob), open_case(bob))
    assert "due by" not in content


def test_another_companys_case_is_404_everywhere(portal_client, carol_cases, bob, agent):
    case = open_case(bob)
    client = portal_client(carol_cases)
    for name in ("case", "case_updates", "case_edit"):
        assert client.get(url(name, case)).status_code == 404
    for name in ("case_reply", "case_close", "case_reopen", "case_rate", "case_edit"):
        assert client.post(url(name, case), {"body": "x", "rating": "5", "priority": "1"}).status_code == 404
    assert Case.objects.get().status == Status.NEW and CaseMessage.objects.count() == 1


def test_a_colleagues_case_is_404_with_an_own_scope(portal_client, bob_cases, alice):
    assert portal_client(bob_cases).get(url("case", open_case(alice))).status_code == 404


def test_a_person_in_two_companies_is_asked_to_switch_for_the_other_companys_case(portal_client, bob_cases, globex):
    other = PortalAccessFactory(contact=ContactFactory(account=globex, email=bob_cases.user.email), user=bob_cases.user)
    give_cases(other, scope="own")
    globex_case = open_case(other, subject="Globex printer")
    client = portal_client(bob_cases)
    client.get(reverse("portal:home"))
    response = client.get(url("case", globex_case))
    assert response.status_code == 409 and "Globex printer" not in response.content.decode()
    assert globex_case.number not in client.get(reverse("portal:cases")).content.decode()
    client.post(reverse("portal:switch_company"), {"contact": other.contact_id})
    assert client.get(url("case", globex_case)).status_code == 200


def test_live_updates_answer_204_when_nothing_changed_and_the_new_part_otherwise(portal_client, bob_cases, agent):
    case = open_case(bob_cases)
    client = portal_client(bob_cases)
    version = selectors.version(Case.objects.get(pk=case.pk))
    assert client.get(url("case_updates", case), {"since": version}).status_code == 204
    with time_machine.travel(timezone.now() + timedelta(seconds=5)):
        services.add_staff_reply(case=case, user=agent, body="Fresh answer")
    response = client.get(url("case_updates", case), {"since": version})
    content = response.content.decode()
    assert response.status_code == 200 and "Fresh answer" in content and "<html" not in content
    assert selectors.version(Case.objects.get(pk=case.pk)) in content


def test_a_closed_case_has_no_comment_box_and_stops_polling(portal_client, bob_cases):
    case = open_case(bob_cases)
    services.close_case(case=case, actor=bob_cases.user, contact=bob_cases.contact)
    content = page(portal_client(bob_cases), case)
    assert url("case_reply", case) not in content and "hx-trigger" not in content
    assert "This case is closed" in content


def test_a_closed_case_offers_a_new_case_when_the_profile_may_open_one(portal_client, bob_cases, bob):
    case = open_case(bob_cases)
    services.close_case(case=case, actor=bob_cases.user, contact=bob_cases.contact)
    assert f'href="{CREATE}"' in page(portal_client(bob_cases), case)
    give_cases(bob, create=False)
    assert f'href="{CREATE}"' not in page(portal_client(bob), case)


def test_a_case_resolved_too_long_ago_offers_a_new_case(portal_client, bob_cases, agent):
    case = open_case(bob_cases)
    services.change_status(case=case, status=Status.RESOLVED, actor=agent)
    with time_machine.travel(timezone.now() + timedelta(days=8)):
        content = page(portal_client(bob_cases), case)
    assert "too long ago to reopen" in content and f'href="{CREATE}"' in content


def test_a_read_only_profile_sees_the_case_without_any_action(portal_client, bob):
    give_cases(bob, actions=False, edit=False)
    case = open_case(bob)
    content = page(portal_client(bob), case)
    for name in ("case_reply", "case_close", "case_edit"):
        assert url(name, case) not in content
    assert portal_client(bob).post(url("case_reply", case), {"body": "x"}).status_code == 403


# --- writes ----------------------------------------------------------------------------------------------------


def test_the_customer_replies_with_files(portal_client, bob_cases, agent):
    case = open_case(bob_cases)
    response = portal_client(bob_cases).post(
        url("case_reply", case), {"body": "Here is a photo", "attachments": [png_upload("photo.png")]}
    )
    assert response.status_code == 302
    message = case.messages.order_by("pk").last()
    assert (message.body, message.author_contact, message.attachments.get().name) == (
        "Here is a photo",
        bob_cases.contact,
        "photo.png",
    )
    assert OutboxMessage.objects.filter(kind="case_customer_message", to=agent.email).exists()


def test_a_double_submitted_reply_is_added_once(portal_client, bob_cases):
    case = open_case(bob_cases)
    client = portal_client(bob_cases)
    token = client.get(url("case", case)).context["reply_form"]["submission"].value()
    for _ in range(2):
        client.post(url("case_reply", case), {"body": "Once", "submission": token})
    assert case.messages.filter(body="Once").count() == 1


def test_an_empty_reply_shows_the_message_and_adds_nothing(portal_client, bob_cases):
    case = open_case(bob_cases)
    response = portal_client(bob_cases).post(url("case_reply", case), {"body": "   "})
    assert response.status_code == 400 and "Write a message" in response.content.decode()
    assert case.messages.count() == 1


def test_the_customer_marks_the_case_as_closed(portal_client, bob_cases):
    case = open_case(bob_cases)
    portal_client(bob_cases).post(url("case_close", case))
    assert Case.objects.get(pk=case.pk).status == Status.CLOSED
    assert AuditEntry.objects.filter(action="case.closed", source="portal", actor_contact=bob_cases.contact).exists()


def test_closing_twice_says_so_and_changes_nothing(portal_client, bob_cases):
    case = open_case(bob_cases)
    client = portal_client(bob_cases)
    client.post(url("case_close", case))
    response = client.post(url("case_close", case), follow=True)
    assert "already closed" in response.content.decode()


def test_reopen_is_offered_within_the_window_and_refused_after_it(portal_client, bob_cases, agent):
    case = open_case(bob_cases)
    services.change_status(case=case, status=Status.RESOLVED, actor=agent)
    client = portal_client(bob_cases)
    assert url("case_reopen", case) in page(client, case)
    with time_machine.travel(timezone.now() + timedelta(days=8)):
        client = portal_client(bob_cases)  # signed in again: the session from a week ago has timed out
        content = page(client, case)
        assert url("case_reopen", case) not in content and url("case_reply", case) not in content
        assert "too long ago to reopen" in client.post(url("case_reopen", case), follow=True).content.decode()
    assert Case.objects.get(pk=case.pk).status == Status.RESOLVED
    client = portal_client(bob_cases)
    client.post(url("case_reopen", case))
    assert Case.objects.get(pk=case.pk).status == Status.OPEN


def test_rating_after_resolution(portal_client, bob_cases, agent):
    case = open_case(bob_cases)
    client = portal_client(bob_cases)
    assert url("case_rate", case) not in page(client, case)
    services.change_status(case=case, status=Status.RESOLVED, actor=agent)
    assert url("case_rate", case) in page(client, case)
    client.post(url("case_rate", case), {"rating": "5", "comment": "Great <b>help</b>"})
    case.refresh_from_db()
    assert (case.rating, case.rating_comment) == (5, "Great <b>help</b>")
    assert client.post(url("case_rate", case), {"rating": "7"}).status_code == 400
    assert Case.objects.get(pk=case.pk).rating == 5


def test_the_customer_changes_priority_and_category_of_an_open_case(portal_client, bob_cases):
    case = open_case(bob_cases)
    category = CategoryFactory()
    client = portal_client(bob_cases)
    response = client.post(url("case_edit", case), {"priority": "4", "category": category.pk, "subject": "Hijack"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert (case.priority, case.category, case.subject) == (Priority.URGENT, category, "Printer is on fire")
    assert client.post(url("case_edit", case), {"priority": "9"}).status_code == 400


def test_a_closed_case_cannot_be_edited(portal_client, bob_cases):
    case = open_case(bob_cases)
    services.close_case(case=case, actor=bob_cases.user, contact=bob_cases.contact)
    response = portal_client(bob_cases).post(url("case_edit", case), {"priority": "4"})
    assert response.status_code == 302 and Case.objects.get().priority == Priority.NORMAL


def test_without_editable_fields_the_edit_page_is_404_for_get_and_post_alike(portal_client, bob):
    give_cases(bob, editable=())
    case = open_case(bob)
    client = portal_client(bob)
    assert client.get(url("case_edit", case)).status_code == 404
    assert client.post(url("case_edit", case), {"priority": "4"}).status_code == 404
    assert Case.objects.get().priority == Priority.NORMAL


def test_without_the_edit_right_there_is_no_edit_page(portal_client, bob):
    give_cases(bob, edit=False)
    assert portal_client(bob).get(url("case_edit", open_case(bob))).status_code == 403


def test_a_merged_case_points_to_the_case_it_went_into(portal_client, bob_cases, agent):
    target, duplicate = open_case(bob_cases), open_case(bob_cases)
    services.merge_cases(target=target, duplicates=[duplicate], actor=agent)
    content = page(portal_client(bob_cases), duplicate)
    assert f"merged into {target.number}" in content and url("case", target) in content


def test_the_dashboard_widget_counts_open_cases_and_lists_the_latest(portal_client, bob_cases, alice, agent):
    cases = [open_case(bob_cases, subject=f"Case {n}") for n in range(6)]
    open_case(alice, subject="Case of Alice")
    services.close_case(case=cases[-1], actor=agent)
    content = " ".join(portal_client(bob_cases).get(reverse("portal:home")).content.decode().split())
    assert 'id="w-cases"' in content and "5 open cases" in content
    assert "Case of Alice" not in content
    assert f'href="{url("case", cases[0])}"' not in content  # the oldest of six is not among the latest five
    assert f'href="{url("case", cases[-1])}"' in content


def test_the_live_part_says_when_the_status_changed_and_offers_a_reload(portal_client, bob_cases, agent):
    case = open_case(bob_cases)
    client = portal_client(bob_cases)
    version = selectors.version(Case.objects.get(pk=case.pk))
    assert f"page_status={Status.NEW}" in page(client, case)  # the poll carries the status the page was drawn with
    with time_machine.travel(timezone.now() + timedelta(seconds=5)):
        services.add_staff_reply(case=case, user=agent, body="Fixed it", status=Status.RESOLVED)
    content = client.get(url("case_updates", case), {"since": version, "page_status": Status.NEW}).content.decode()
    assert "Reload the page to see what you can do now." in content
    assert f"page_status={Status.NEW}" in content  # the notice stays until the customer reloads
    unchanged = client.get(url("case_updates", case), {"since": version, "page_status": Status.RESOLVED})
    assert "Reload the page" not in unchanged.content.decode()
    hostile = client.get(url("case_updates", case), {"since": version, "page_status": "<script>"})
    assert hostile.status_code == 200 and "<script>" not in hostile.content.decode()
