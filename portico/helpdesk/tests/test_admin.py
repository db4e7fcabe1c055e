"""The back office: the case queue, its filters and actions, the case page with replies and notes, settings."""

from datetime import timedelta

import pytest
import time_machine
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

from portico.core.models import AuditEntry, OutboxMessage
from portico.helpdesk import services
from portico.helpdesk.models import Case, CaseMessage, HelpdeskSettings, MessageKind, Priority, Status
from portico.helpdesk.tests.factories import StaffFactory, TeamFactory, open_case, png_upload, text_upload
from portico.portal.models import PortalSettings

QUEUE = reverse("admin:helpdesk_case_changelist")


@pytest.fixture
def staff_client(client, sam):
    client.force_login(sam)
    return client


def change_url(case):
    return reverse("admin:helpdesk_case_change", args=[case.pk])


def listed(response) -> list[str]:
    return [c.number for c in response.context["cl"].result_list]


def test_the_queue_shows_active_cases_by_default(staff_client, bob, agent):
    active = open_case(bob)
    resolved = open_case(bob)
    services.change_status(case=resolved, status=Status.RESOLVED, actor=agent)
    assert listed(staff_client.get(QUEUE)) == [active.number]
    assert sorted(listed(staff_client.get(QUEUE, {"status": "all"}))) == sorted([active.number, resolved.number])
    assert listed(staff_client.get(QUEUE, {"status": "resolved"})) == [resolved.number]


def test_the_queue_filters_by_priority_assignee_and_team(staff_client, sam, bob, agent):
    team = TeamFactory()
    urgent = open_case(bob, priority=Priority.URGENT)
    teamed = open_case(bob, source="staff", team=team)
    mine = open_case(bob)
    services.assign_case(case=mine, actor=sam, assignee=sam)
    assert listed(staff_client.get(QUEUE, {"priority__exact": "4"})) == [urgent.number]
    assert listed(staff_client.get(QUEUE, {"assignee": "me"})) == [mine.number]
    assert listed(staff_client.get(QUEUE, {"assignee": "none"})) == [teamed.number]
    assert listed(staff_client.get(QUEUE, {"assignee": str(agent.pk)})) == [urgent.number]
    assert listed(staff_client.get(QUEUE, {"team__id__exact": str(team.pk)})) == [teamed.number]
    assert staff_client.get(QUEUE, {"assignee": "'; DROP"}).status_code == 200


def test_the_queue_filters_breached_and_soon_due_cases(staff_client, sam, bob, agent):
    with time_machine.travel("2026-11-25T08:00:00Z", tick=False):  # Wednesday 10:00 in Helsinki
        high = open_case(bob, priority=Priority.HIGH)  # first response due in 1 business hour
        low = open_case(bob, priority=Priority.LOW)  # first response due in 8 business hours
    with time_machine.travel("2026-11-25T08:30:00Z", tick=False):
        staff_client.force_login(sam)  # the sign-in of the real day has timed out
        assert listed(staff_client.get(QUEUE, {"sla": "1"})) == [high.number]
        assert listed(staff_client.get(QUEUE, {"sla": "breached"})) == []
    with time_machine.travel("2026-11-25T09:30:00Z", tick=False):
        staff_client.force_login(sam)  # the sign-in of the real day has timed out
        assert listed(staff_client.get(QUEUE, {"sla": "breached"})) == [high.number]
        assert listed(staff_client.get(QUEUE, {"sla": "24"})) == [low.number]
        services.add_staff_reply(case=high, user=agent, body="Late, sorry")
        assert listed(staff_client.get(QUEUE, {"sla": "breached"})) == [high.number]  # the resolution still runs


def test_the_queue_searches_numbers_subjects_contacts_and_companies(staff_client, bob, carol):
    printer = open_case(bob, subject="Printer jammed")
    globex = open_case(carol, subject="Scanner")
    assert listed(staff_client.get(QUEUE, {"q": "jammed"})) == [printer.number]
    assert listed(staff_client.get(QUEUE, {"q": globex.number})) == [globex.number]
    assert listed(staff_client.get(QUEUE, {"q": str(int(globex.number[3:]))})) == [globex.number]
    assert listed(staff_client.get(QUEUE, {"q": "globex"})) == [globex.number]


def test_the_queue_costs_the_same_queries_for_many_cases(staff_client, bob, django_assert_max_num_queries):
    open_case(bob)
    staff_client.get(QUEUE)
    for _ in range(20):
        open_case(bob)
    with django_assert_max_num_queries(16):
        staff_client.get(QUEUE)


def action(client, name, cases, **extra):
    data = {"action": name, ACTION_CHECKBOX_NAME: [c.pk for c in cases], **extra}
    return client.post(QUEUE + "?status=all", data, follow=True)


def test_assign_to_me_and_assign_to_someone(staff_client, sam, bob):
    first, second = open_case(bob), open_case(bob)
    action(staff_client, "assign_to_me", [first])
    assert Case.objects.get(pk=first.pk).assignee == sam
    other, team = StaffFactory(), TeamFactory()
    form = action(staff_client, "assign", [first, second])
    assert "Assign" in form.content.decode()
    action(staff_client, "assign", [first, second], apply="1", assignee=other.pk, team=team.pk)
    assert set(Case.objects.values_list("assignee", "team")) == {(other.pk, team.pk)}
    assert OutboxMessage.objects.filter(kind="case_assigned", to=other.email).count() == 2


def test_status_actions_go_through_the_services(staff_client, bob):
    case = open_case(bob)
    action(staff_client, "mark_resolved", [case])
    assert Case.objects.get(pk=case.pk).status == Status.RESOLVED
    assert OutboxMessage.objects.filter(kind="case_resolved").count() == 1
    action(staff_client, "mark_closed", [case])
    response = action(staff_client, "mark_open", [case], status="all")
    assert Case.objects.get(pk=case.pk).status == Status.CLOSED
    assert "final" in response.content.decode()


def test_merge_action_keeps_the_chosen_case(staff_client, bob):
    keep, duplicate = open_case(bob, subject="Keep me"), open_case(bob, subject="Duplicate")
    page = action(staff_client, "merge", [keep, duplicate])
    assert "Case to keep" in page.content.decode()
    action(staff_client, "merge", [keep, duplicate], apply="1", target=keep.pk)
    duplicate.refresh_from_db()
    assert (duplicate.status, duplicate.merged_into) == (Status.CLOSED, keep)


def test_merge_refuses_cases_of_two_contacts_with_the_reason(staff_client, bob, alice):
    first, second = open_case(bob), open_case(alice)
    response = action(staff_client, "merge", [first, second], apply="1", target=first.pk)
    assert "opened by another contact" in response.content.decode()
    assert not Case.objects.filter(merged_into__isnull=False).exists()


def test_merge_refuses_cases_of_different_companies(staff_client, bob, carol):
    acme, globex = open_case(bob), open_case(carol)
    response = action(staff_client, "merge", [acme, globex], apply="1", target=acme.pk)
    assert "another company" in response.content.decode()
    assert not Case.objects.filter(merged_into__isnull=False).exists()


def test_the_case_page_shows_the_whole_conversation_notes_included(staff_client, bob, agent):
    case = open_case(bob, attachments=[png_upload()])
    services.add_staff_reply(case=case, user=agent, body="Internal thought", internal=True)
    content = staff_client.get(change_url(case)).content.decode()
    assert "It smokes." in content and "Internal thought" in content and "Internal note" in content
    attachment = case.messages.first().attachments.get()
    download = staff_client.get(reverse("admin:helpdesk_case_attachment", args=[attachment.pk]))
    assert download.status_code == 200 and download["Content-Disposition"].startswith("attachment;")


def test_staff_reply_publicly_with_files_from_the_case_page(staff_client, sam, bob):
    case = open_case(bob)
    response = staff_client.post(
        reverse("admin:helpdesk_case_reply", args=[case.pk]),
        {
            "kind": "reply",
            "body": "Try turning it off.",
            "status": "waiting",
            "attachments": [text_upload("howto.txt")],
        },
    )
    assert response.status_code == 302
    reply = CaseMessage.objects.get(kind=MessageKind.REPLY)
    assert (reply.author_user, reply.attachments.get().name) == (sam, "howto.txt")
    case.refresh_from_db()
    assert (case.status, case.first_responded_at is not None) == (Status.WAITING, True)
    assert OutboxMessage.objects.filter(kind="case_reply", to="bob@acme.example").count() == 1


def test_staff_add_an_internal_note_that_emails_nobody(staff_client, bob):
    case = open_case(bob)
    outbox = OutboxMessage.objects.count()
    staff_client.post(reverse("admin:helpdesk_case_reply", args=[case.pk]), {"kind": "note", "body": "Hmm."})
    assert CaseMessage.objects.filter(kind=MessageKind.NOTE, body="Hmm.").exists()
    assert OutboxMessage.objects.count() == outbox


def test_a_bad_reply_says_why_and_adds_nothing(staff_client, bob):
    case = open_case(bob)
    response = staff_client.post(
        reverse("admin:helpdesk_case_reply", args=[case.pk]),
        {"kind": "reply", "body": "", "attachments": [text_upload("x.png", b"MZ\x90\x00" + b"\0" * 50)]},
        follow=True,
    )
    assert "x.png: programs and scripts cannot be uploaded." in response.content.decode().lower()
    assert case.messages.count() == 1


def test_the_reply_view_needs_post_and_the_change_permission(client, bob):
    case = open_case(bob)
    viewer = StaffFactory()
    client.force_login(viewer)
    assert (
        client.post(reverse("admin:helpdesk_case_reply", args=[case.pk]), {"kind": "reply", "body": "x"}).status_code
        == 403
    )


def test_editing_the_case_form_goes_through_the_services(staff_client, sam, bob):
    case = open_case(bob)
    page = staff_client.get(change_url(case))
    form = page.context["adminform"].form
    data = {name: form[name].value() or "" for name in form.fields}
    data.update({"priority": "4", "status": "resolved", "assignee": sam.pk, "subject": "Renamed"})
    response = staff_client.post(change_url(case), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    case.refresh_from_db()
    assert (case.priority, case.status, case.assignee, case.subject) == (
        Priority.URGENT,
        Status.RESOLVED,
        sam,
        "Renamed",
    )
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"case.updated", "case.assigned", "case.status_changed"} <= actions
    assert case.first_response_due == case.created_at + timedelta(minutes=30)


def test_a_closed_case_keeps_its_status_in_the_form(staff_client, sam, bob):
    case = open_case(bob)
    services.close_case(case=case, actor=sam)
    page = staff_client.get(change_url(case))
    form = page.context["adminform"].form
    data = {name: form[name].value() or "" for name in form.fields}
    data["status"] = "open"
    response = staff_client.post(change_url(case), data)
    assert response.status_code == 200 and "final" in response.content.decode()
    assert Case.objects.get(pk=case.pk).status == Status.CLOSED


def test_staff_open_a_case_for_a_contact(staff_client, sam, bob):
    response = staff_client.post(
        reverse("admin:helpdesk_case_add"),
        {"contact": bob.contact_id, "subject": "Phoned in", "description": "Customer called.", "priority": "2"},
    )
    assert response.status_code == 302
    case = Case.objects.get()
    assert (case.source, case.contact, case.account, case.number) == (
        "staff",
        bob.contact,
        bob.contact.account,
        "CS-000001",
    )
    assert case.messages.get().author_user == sam


def test_the_settings_page_is_one_screen(staff_client, agent):
    response = staff_client.get(reverse("admin:helpdesk_helpdesksettings_changelist"))
    assert response.status_code == 302
    page = staff_client.get(response["Location"])
    assert page.status_code == 200 and "Business hours" in page.content.decode()
    form = page.context["adminform"].form
    data = {name: form[name].value() for name in form.fields}
    data.update(
        {
            "reopen_days": "14",
            "business_days": ["0", "1", "2", "3"],
            "business_start": "09:00",
            "business_end": "17:00",
            "time_zone": "Europe/Stockholm",
            "default_assignee": agent.pk,
            "default_team": "",
        }
    )
    saved = staff_client.post(response["Location"], data)
    assert saved.status_code == 302
    settings = HelpdeskSettings.load()
    assert (settings.reopen_days, settings.business_days, settings.time_zone, settings.default_assignee) == (
        14,
        [0, 1, 2, 3],
        "Europe/Stockholm",
        agent,
    )


def test_the_settings_page_links_to_the_portals_attachment_rules_instead_of_keeping_its_own(staff_client):
    PortalSettings.objects.update_or_create(pk=PortalSettings.SINGLETON, defaults={"attachment_max_mb": 7})
    page = staff_client.get(reverse("admin:helpdesk_helpdesksettings_change", args=[1]))
    content = page.content.decode()
    assert not {"attachment_max_mb", "allowed_types"} & set(page.context["adminform"].form.fields)
    assert "Files of at most 7 MB, up to 10 per message" in content
    settings_list = reverse("admin:portal_portalsettings_changelist")
    assert f'href="{settings_list}#attachments"' in content
    opened = staff_client.get(settings_list)  # the list of a settings page opens its one record
    assert opened.url == reverse("admin:portal_portalsettings_change", args=[PortalSettings.SINGLETON])
    assert 'id="attachments"' in staff_client.get(opened.url).content.decode()


def test_settings_refuse_an_unknown_time_zone_and_hours_that_end_before_they_start(staff_client):
    url = reverse("admin:helpdesk_helpdesksettings_change", args=[1])
    page = staff_client.get(url)
    form = page.context["adminform"].form
    data = {name: form[name].value() or "" for name in form.fields}
    data.update(
        {"time_zone": "Mars/Olympus", "business_start": "17:00", "business_end": "09:00", "business_days": ["0"]}
    )
    response = staff_client.post(url, data)
    assert response.status_code == 200
    assert "Unknown time zone" in response.content.decode() and "end after they start" in response.content.decode()


def test_sla_policies_and_categories_have_their_screens(staff_client):
    assert staff_client.get(reverse("admin:helpdesk_slapolicy_changelist")).status_code == 200
    response = staff_client.post(
        reverse("admin:helpdesk_casecategory_add"),
        {
            "name": "Billing",
            "label_fi": "Laskutus",
            "label_sv": "",
            "label_nb": "",
            "label_es": "",
            "label_en": "",
            "order": "10",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    from portico.helpdesk.models import CaseCategory

    assert CaseCategory.objects.get().labels == {"fi": "Laskutus"}


def test_staff_see_how_many_cases_were_deflected(staff_client, bob):
    services.record_deflection(contact=bob.contact, article_slug="reset-printer")
    services.record_deflection(contact=bob.contact, article_slug="toner")
    case = open_case(bob)
    services.link_deflections(case=case, ids=[services.record_deflection(contact=bob.contact, article_slug="x").pk])
    content = staff_client.get(reverse("admin:helpdesk_casedeflection_changelist")).content.decode()
    assert "3 suggested articles opened; 2 without a case following (deflected)." in content
    assert "x" in staff_client.get(change_url(case)).content.decode()


def test_every_helpdesk_screen_answers(staff_client, bob):
    case = open_case(bob)
    for name in ("team", "casecategory", "slapolicy", "casedeflection", "case"):
        assert staff_client.get(reverse(f"admin:helpdesk_{name}_changelist")).status_code == 200
    assert staff_client.get(change_url(case)).status_code == 200
    assert staff_client.get(reverse("admin:helpdesk_case_add")).status_code == 200


def test_support_staff_work_the_queue_but_only_read_the_settings(client, bob):
    from django.contrib.auth.models import Group

    support = StaffFactory()
    support.groups.add(Group.objects.get(name="Support"))
    client.force_login(support)
    case = open_case(bob)
    assert client.get(QUEUE).status_code == 200
    client.post(reverse("admin:helpdesk_case_reply", args=[case.pk]), {"kind": "reply", "body": "On it."})
    assert case.messages.filter(author_user=support, body="On it.").exists()
    settings_url = reverse("admin:helpdesk_helpdesksettings_change", args=[1])
    assert client.get(settings_url).status_code == 200
    assert client.post(settings_url, {"reopen_days": "1"}).status_code == 403
    assert HelpdeskSettings.load().reopen_days == 7
