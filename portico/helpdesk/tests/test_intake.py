"""Email intake: real MIME messages become case messages or new cases, or are refused and logged, never crash."""

import io

import pytest
from django.urls import reverse

from portico.core.models import OutboxMessage
from portico.helpdesk import services
from portico.helpdesk.intake.models import InboundEmail, Outcome, Reason
from portico.helpdesk.intake.services import receive_email
from portico.helpdesk.models import Case, CaseAttachment, CaseMessage, Source, Status
from portico.helpdesk.tests.factories import give_cases, open_case, png_bytes
from portico.helpdesk.tests.mail import build, load
from portico.portal.models import PortalSettings

pytestmark = pytest.mark.django_db


@pytest.fixture
def bob_case(bob_cases, agent):
    """Bob's case about the printer, assigned to the agent."""
    return open_case(bob_cases)


def portal_user(account, first, *, scope="own"):
    """Another portal user at a company, with the Cases module at a scope."""
    from portico.access.tests.factories import PortalAccessFactory, ProfileFactory
    from portico.crm.tests.factories import ContactFactory

    contact = ContactFactory(first_name=first, account=account, email=f"{first.lower()}@acme.example")
    access = PortalAccessFactory(contact=contact, profile=ProfileFactory(name=f"{first}'s profile"))
    return give_cases(access, scope=scope)


def customer_messages(case):
    return list(CaseMessage.objects.filter(case=case, kind="customer").order_by("pk"))


def test_a_reply_with_the_case_number_in_the_subject_joins_the_case_without_the_quote(bob_case, agent):
    OutboxMessage.objects.all().delete()
    result = receive_email(load("thunderbird_reply.eml", CASE=bob_case.number, PARENT="unknown@portico.example"))
    assert result.outcome == Outcome.ACCEPTED and result.case == bob_case
    message = customer_messages(bob_case)[-1]
    assert message.body == "Thanks, the smoke stopped after I unplugged it.\nThe paper tray still jams, though."
    assert message.source == Source.EMAIL and message.author_contact == bob_case.contact
    assert message.email_message_id == "<5f1c7a2e-0b4d-4c1e-9a57-3d2b0c8e1f11@acme.example>"
    assert OutboxMessage.objects.filter(to=agent.email, kind="case_customer_message").count() == 1
    log = InboundEmail.objects.get()
    assert (log.outcome, log.sender, log.case) == (Outcome.ACCEPTED, "bob@acme.example", bob_case)


def test_a_new_email_from_a_portal_user_opens_a_case_with_its_attachments(bob_cases, agent):
    bob = bob_cases
    result = receive_email(load("new_case_attachments.eml"))
    case = result.case
    assert result.outcome == Outcome.ACCEPTED
    assert case.source == Source.EMAIL and case.contact == bob.contact and case.assignee == agent
    assert case.subject == "Tulostin ei tulosta – ääkköset & €"
    assert case.description.startswith("The printer in the second floor says “PC LOAD LETTER”.")
    names = sorted(a.name for a in CaseAttachment.objects.filter(message__case=case))
    assert names == ["huoltoraporttiä.pdf", "screen shot.png"]
    assert OutboxMessage.objects.filter(to="bob@acme.example", kind="case_received").exists()


def test_the_customer_answers_the_staff_reply_email_and_the_answer_joins_the_case(bob_case, agent):
    services.add_staff_reply(case=bob_case, user=agent, body="Please unplug it.")
    sent = OutboxMessage.objects.get(kind="case_reply", to="bob@acme.example")
    quoted = "\n".join(f"> {line}" for line in sent.body_text.splitlines())
    text = f"Unplugged, the smoke is gone.\n\nOn 24.11.2026 Portico wrote:\n{quoted}"
    answer = build(subject=f"Re: {sent.subject}", text=text)
    result = receive_email(answer)
    assert result.outcome == Outcome.ACCEPTED and result.case == bob_case
    assert customer_messages(bob_case)[-1].body == "Unplugged, the smoke is gone."


def test_mail_from_the_helpdesks_own_address_is_a_loop_and_ignored(bob_cases, settings):
    settings.DEFAULT_FROM_EMAIL = "Acme Support <bob@acme.example>"
    result = receive_email(build(subject="Reply to your case"))
    assert (result.outcome, result.reason) == (Outcome.IGNORED, Reason.OWN)
    assert not Case.objects.exists()


def test_a_reply_is_found_by_its_thread_when_the_subject_has_no_case_number(bob_cases, agent):
    case = receive_email(load("new_case_attachments.eml")).case
    reply = build(
        subject="Re: Tulostin ei tulosta",
        text="It works again.\n\nOn Tue, 24 Nov 2026 at 11:19, Bob wrote:\n> The printer...",
        headers={"In-Reply-To": "<CAF3nEw-case-1234567890abcdef@mail.acme.example>"},
    )
    result = receive_email(reply)
    assert result.outcome == Outcome.ACCEPTED and result.case == case
    assert customer_messages(case)[-1].body == "It works again."
    assert Case.objects.count() == 1


def test_a_reply_whose_subject_lost_the_case_number_joins_the_case_by_our_emails_message_id(bob_case, agent):
    services.add_staff_reply(case=bob_case, user=agent, body="Please unplug it.")
    our_reply = OutboxMessage.objects.get(kind="case_reply", to="bob@acme.example")
    answer = build(subject="Re: your printer", text="Unplugged it.", headers={"In-Reply-To": our_reply.message_id})
    result = receive_email(answer)
    assert result.outcome == Outcome.ACCEPTED and result.case == bob_case
    assert customer_messages(bob_case)[-1].body == "Unplugged it."
    assert Case.objects.count() == 1


def test_a_reply_referencing_another_companys_case_email_is_refused_and_logged(bob_case, carol_cases):
    bobs_email = OutboxMessage.objects.get(kind="case_received", to="bob@acme.example")
    raw = build(
        sender="carol@globex.example",
        subject="Re: your case",
        text="Let me in.",
        headers={"References": f"<older@globex.example> {bobs_email.message_id}"},
    )
    result = receive_email(raw)
    assert (result.outcome, result.reason) == (Outcome.REJECTED, Reason.NOT_ALLOWED)
    assert bob_case.number in result.detail
    assert len(customer_messages(bob_case)) == 1 and Case.objects.count() == 1
    log = InboundEmail.objects.get()
    assert (log.sender, log.reason, log.case) == ("carol@globex.example", Reason.NOT_ALLOWED, None)


def test_the_answer_to_a_case_opened_by_email_threads_with_the_customers_email(bob_cases, agent):
    case = receive_email(load("new_case_attachments.eml")).case
    received = OutboxMessage.objects.get(kind="case_received", to="bob@acme.example")
    customer_email = case.messages.get().email_message_id
    assert (received.in_reply_to, received.references) == (customer_email, customer_email)


def test_a_colleague_with_company_scope_replies_in_html_from_outlook_in_finnish(bob_case, alice_cases):
    result = receive_email(load("outlook_reply_fi.eml", CASE=bob_case.number))
    assert result.outcome == Outcome.ACCEPTED, result.detail
    message = customer_messages(bob_case)[-1]
    assert message.author_contact == alice_cases.contact
    assert 'liitteenä kuvakaappaus virheilmoituksesta. Tulostin näyttää "E-42" & sammuu.' in message.body
    assert "alert" not in message.body and "margin" not in message.body
    assert "Lähettäjä" not in message.body and "voisitko" not in message.body
    assert [a.name for a in message.attachments.all()] == ["kuvakaappaus.png"]
    subject = f"VS: [{bob_case.number}] Vastaus tapaukseesi: Tulostin ei toimi – älä huoli, Åsa"
    assert InboundEmail.objects.get().subject == subject


def test_a_contact_of_another_company_cannot_write_to_the_case(bob_case, carol_cases):
    raw = build(sender="carol@globex.example", subject=f"Re: [{bob_case.number}] hello", text="Let me in.")
    result = receive_email(raw)
    assert (result.outcome, result.reason) == (Outcome.REJECTED, Reason.NOT_ALLOWED)
    assert len(customer_messages(bob_case)) == 1
    assert InboundEmail.objects.get().reason == Reason.NOT_ALLOWED


def test_a_colleague_who_sees_only_own_cases_cannot_write_to_anothers_case(bob_case, acme):
    dora = portal_user(acme, "Dora")
    raw = build(sender=dora.contact.email, subject=f"[{bob_case.number}] me too", text="Same here.")
    assert receive_email(raw).reason == Reason.NOT_ALLOWED
    assert len(customer_messages(bob_case)) == 1


def test_a_portal_user_without_the_cases_module_cannot_open_a_case_by_email(dave):
    result = receive_email(build(sender="dave@acme.example", subject="Help", text="Please."))
    assert (result.outcome, result.reason) == (Outcome.REJECTED, Reason.NOT_ALLOWED)
    assert not Case.objects.exists()


def test_an_unknown_sender_is_rejected_and_logged(bob_cases):
    result = receive_email(build(sender="stranger@nowhere.example", subject="Hi", text="Open a case for me."))
    assert (result.outcome, result.reason) == (Outcome.REJECTED, Reason.UNKNOWN_SENDER)
    assert not Case.objects.exists()
    log = InboundEmail.objects.get()
    assert (log.sender, log.subject, log.outcome) == ("stranger@nowhere.example", "Hi", Outcome.REJECTED)
    assert "From: stranger@nowhere.example" in log.headers


def test_staff_logins_cannot_write_as_customers(sam, bob_case):
    raw = build(sender=sam.email, subject=f"[{bob_case.number}] as staff", text="Hello.")
    assert receive_email(raw).reason == Reason.UNKNOWN_SENDER


def test_an_exe_named_png_and_an_svg_named_png_are_refused_and_listed_never_stored(bob_case, private_media):
    result = receive_email(load("disguised_attachments.eml", CASE=bob_case.number))
    assert result.outcome == Outcome.ACCEPTED
    message = customer_messages(bob_case)[-1]
    assert [a.name for a in message.attachments.all()] == ["real.png"]
    assert [item["name"] for item in result.refused] == ["invoice.png", "logo.png"]
    assert "Attachments not accepted:" in message.body
    assert "- invoice.png: " in message.body and "- logo.png: " in message.body
    assert [item["name"] for item in InboundEmail.objects.get().refused_attachments] == ["invoice.png", "logo.png"]
    assert CaseAttachment.objects.count() == 1
    stored = [p.read_bytes() for p in private_media.rglob("*") if p.is_file()]
    assert len(stored) == 1 and not any(b.startswith(b"MZ") or b"<script" in b for b in stored)


def test_an_oversized_attachment_is_refused_and_the_message_kept(bob_case):
    PortalSettings.objects.update_or_create(pk=PortalSettings.SINGLETON, defaults={"attachment_max_mb": 1})
    big = b"log line\n" * 150_000  # 1.3 MB
    raw = build(
        subject=f"[{bob_case.number}] logs",
        text="The full log and a screenshot.",
        attachments=(("full.log", big, "text/plain"), ("shot.png", png_bytes(), "image/png")),
    )
    result = receive_email(raw)
    assert result.outcome == Outcome.ACCEPTED
    assert [a.name for a in result.message.attachments.all()] == ["shot.png"]
    assert [item["name"] for item in result.refused] == ["full.log"]


def test_a_zip_bomb_an_svg_with_script_and_a_web_page_are_refused(bob_case, private_media):
    import zipfile

    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("zeros.bin", b"\0" * (64 * 1024 * 1024))
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    raw = build(
        subject=f"[{bob_case.number}] files",
        text="Three files.",
        attachments=(
            ("logs.zip", bomb.getvalue(), "application/zip"),
            ("logo.svg", svg, "image/svg+xml"),
            ("page.html", b"<html><script>alert(1)</script></html>", "text/html"),
        ),
    )
    result = receive_email(raw)
    assert result.outcome == Outcome.ACCEPTED
    assert [item["name"] for item in result.refused] == ["logs.zip", "logo.svg", "page.html"]
    assert not CaseAttachment.objects.exists() and not any(p.is_file() for p in private_media.rglob("*"))


def test_a_bounce_never_opens_a_case_nor_gets_an_answer(bob_cases):
    OutboxMessage.objects.all().delete()
    result = receive_email(load("bounce_dsn.eml"))
    assert (result.outcome, result.reason) == (Outcome.IGNORED, Reason.BOUNCE)
    assert not Case.objects.exists() and not OutboxMessage.objects.exists()
    assert InboundEmail.objects.get().reason == Reason.BOUNCE


def test_an_out_of_office_reply_never_joins_the_case_nor_loops(bob_case):
    OutboxMessage.objects.all().delete()
    result = receive_email(load("out_of_office.eml", CASE=bob_case.number))
    assert (result.outcome, result.reason) == (Outcome.IGNORED, Reason.AUTO_REPLY)
    assert len(customer_messages(bob_case)) == 1 and not OutboxMessage.objects.exists()


def test_mailing_list_mail_is_ignored(bob_cases):
    assert receive_email(load("mailing_list.eml")).reason == Reason.BULK
    assert not Case.objects.exists()


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        ({"Auto-Submitted": "auto-generated"}, Reason.AUTO_REPLY),
        ({"Auto-Submitted": "auto-replied; owner-email=bob@acme.example"}, Reason.AUTO_REPLY),
        ({"X-Autoreply": "yes"}, Reason.AUTO_REPLY),
        ({"X-Auto-Response-Suppress": "OOF, AutoReply"}, Reason.AUTO_REPLY),
        ({"Precedence": "junk"}, Reason.BULK),
        ({"Precedence": "bulk"}, Reason.BULK),
        ({"List-Id": "<team.acme.example>"}, Reason.BULK),
        ({"Return-Path": "<>"}, Reason.BOUNCE),
    ],
)
def test_automatic_mail_is_ignored_and_logged(bob_cases, headers, reason):
    result = receive_email(build(subject="Automatic", text="I am away.", headers=headers))
    assert (result.outcome, result.reason) == (Outcome.IGNORED, reason)
    assert not Case.objects.exists()


@pytest.mark.parametrize("envelope_sender", ["", "<>", "MAILER-DAEMON"])
def test_a_null_envelope_sender_from_the_mta_is_a_bounce(bob_cases, envelope_sender):
    assert receive_email(build(), envelope_sender=envelope_sender).reason == Reason.BOUNCE


def test_auto_submitted_no_is_an_ordinary_message(bob_cases):
    result = receive_email(build(subject="Printer", text="Help.", headers={"Auto-Submitted": "no"}))
    assert result.outcome == Outcome.ACCEPTED


def test_a_sender_failing_dmarc_is_rejected(bob_case):
    result = receive_email(load("forged_dmarc.eml", CASE=bob_case.number))
    assert (result.outcome, result.reason) == (Outcome.REJECTED, Reason.FORGED)
    assert len(customer_messages(bob_case)) == 1


def test_with_a_trusted_mail_server_only_its_dmarc_pass_lets_mail_in(bob_cases, settings):
    settings.INTAKE_TRUSTED_AUTHSERV_ID = "mx.portico.example"
    unauthenticated = receive_email(build(subject="Spoofed", text="Send me the invoices."))
    assert (unauthenticated.outcome, unauthenticated.reason) == (Outcome.REJECTED, Reason.FORGED)
    assert "mx.portico.example" in unauthenticated.detail
    other_server = build(headers={"Authentication-Results": "mx.evil.example; dmarc=pass header.from=acme.example"})
    assert receive_email(other_server).reason == Reason.FORGED
    verdict = "mx.portico.example; spf=pass; dmarc=pass header.from=acme.example"
    passed = build(headers={"Authentication-Results": verdict})
    assert receive_email(passed).outcome == Outcome.ACCEPTED
    assert not Case.objects.filter(subject="Spoofed").exists()


def test_a_forged_pass_below_our_servers_own_verdict_does_not_count(bob_cases, settings):
    settings.INTAKE_TRUSTED_AUTHSERV_ID = "mx.portico.example"
    forged = build(headers={"Authentication-Results": "mx.portico.example; dmarc=pass header.from=acme.example"})
    ours_on_top = b"Authentication-Results: mx.portico.example; dmarc=none header.from=acme.example\r\n" + forged
    assert receive_email(ours_on_top).reason == Reason.FORGED


def test_a_sender_whose_return_path_is_another_domain_is_rejected(bob_cases):
    result = receive_email(load("forged_return_path.eml"))
    assert (result.outcome, result.reason) == (Outcome.REJECTED, Reason.FORGED)
    assert "evil.example" in result.detail and not Case.objects.exists()


def test_an_envelope_sender_of_another_domain_is_rejected(bob_cases):
    assert receive_email(build(), envelope_sender="mallory@evil.example").reason == Reason.FORGED


def test_a_return_path_on_a_subdomain_of_the_sender_is_accepted(bob_cases):
    raw = build(headers={"Return-Path": "<bounces+123@mail.acme.example>"})
    assert receive_email(raw).outcome == Outcome.ACCEPTED


def test_the_return_path_check_can_be_switched_off(bob_cases, settings):
    settings.INTAKE_CHECK_RETURN_PATH = False
    assert receive_email(build(), envelope_sender="bounce@esp.example").outcome == Outcome.ACCEPTED


def test_the_same_message_delivered_twice_is_processed_once(bob_case):
    raw = load("thunderbird_reply.eml", CASE=bob_case.number, PARENT="x@y")
    assert receive_email(raw).outcome == Outcome.ACCEPTED
    again = receive_email(raw)
    assert again.duplicate and again.outcome == Outcome.IGNORED
    assert len(customer_messages(bob_case)) == 2 and InboundEmail.objects.count() == 1


def test_a_rejected_message_delivered_twice_is_logged_once(bob_cases):
    raw = build(sender="stranger@nowhere.example")
    receive_email(raw)
    assert receive_email(raw).duplicate
    assert InboundEmail.objects.count() == 1


def test_a_message_without_message_id_is_deduplicated_by_its_content(bob_cases):
    raw = b"From: bob@acme.example\r\nTo: support@portico.example\r\nSubject: No id\r\n\r\nHello.\r\n"
    assert receive_email(raw).outcome == Outcome.ACCEPTED
    assert receive_email(raw).duplicate
    assert Case.objects.count() == 1


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"\x00\xff\xfe garbage \x00",
        b"This is not an email at all\n",
        load("no_from.eml"),
        b"From: a@b.example, c@d.example\r\nSubject: two senders\r\n\r\nx\r\n",
        b"From: not an address\r\nSubject: x\r\n\r\nx\r\n",
        b"From: <bob@acme.example>\r\nFrom: <alice@acme.example>\r\nSubject: x\r\n\r\nx\r\n",
        b"From: bob@acme.example\r\nContent-Type: multipart/mixed; boundary=a\r\n\r\n"
        + b"--a\r\nContent-Type: multipart/mixed; boundary=a\r\n\r\n" * 400,
        b"From: bob@acme.example\r\nSubject: " + b"A" * 100_000 + b"\r\n\r\nbody\r\n",
    ],
    ids=[
        "empty",
        "binary",
        "no-headers",
        "no-from",
        "two-senders",
        "bad-address",
        "two-from",
        "mime-bomb",
        "huge-subject",
    ],
)
def test_malformed_messages_are_rejected_or_handled_and_logged_never_a_crash(bob_cases, raw):
    result = receive_email(raw)
    assert result.outcome in (Outcome.REJECTED, Outcome.ACCEPTED)
    assert InboundEmail.objects.count() == 1
    if result.outcome == Outcome.ACCEPTED:
        assert len(result.case.subject) <= 200


def test_a_broken_mime_message_neither_crashes_nor_stores_a_file_outside_its_place(bob_cases, private_media):
    result = receive_email(load("broken_mime.eml"))
    assert result.outcome == Outcome.ACCEPTED
    assert "broken" in result.case.subject
    assert [(a.name, a.content_type) for a in CaseAttachment.objects.all()] == [("passwd.txt", "text/plain")]
    assert all(private_media in p.parents for p in private_media.rglob("*"))


def test_a_message_larger_than_the_limit_is_rejected(bob_cases, settings):
    settings.INTAKE_MAX_MESSAGE_BYTES = 1000
    result = receive_email(build(text="x" * 2000))
    assert (result.outcome, result.reason) == (Outcome.REJECTED, Reason.TOO_LARGE)


def test_hostile_subjects_and_bodies_become_plain_text(bob_cases):
    subject = "=?utf-8?q?Hi_=E2=80=AE=00_<script>alert(1)</script>_?=" + " x" * 300
    raw = build(subject="placeholder", text="Body \x1b[31mred\x1b[0m \u202egnp.exe\n<img src=x onerror=alert(1)>")
    raw = raw.replace(b"Subject: placeholder", b"Subject: " + subject.encode())
    case = receive_email(raw).case
    assert "\u202e" not in case.subject and "\x00" not in case.subject and len(case.subject) <= 200
    assert "\x1b" not in case.description and "\u202e" not in case.description
    assert "<img src=x onerror=alert(1)>" in case.description  # kept as text; the templates escape it


def test_a_long_body_is_cut_to_the_longest_message_a_case_takes(bob_cases):
    case = receive_email(build(text="word " * 10_000)).case
    assert len(case.description) <= 20_000 and case.description.endswith("…")


def test_a_subject_naming_two_cases_is_rejected_as_ambiguous(bob_case):
    other = open_case(bob_case.contact.portal_access)
    raw = build(subject=f"[{bob_case.number}] and [{other.number}]")
    assert receive_email(raw).reason == Reason.AMBIGUOUS


def test_a_subject_naming_a_missing_case_is_rejected(bob_cases):
    assert receive_email(build(subject="Re: [CS-999999] hello")).reason == Reason.UNKNOWN_CASE
    assert not Case.objects.exists()


def test_a_thread_and_a_subject_pointing_to_different_cases_are_rejected(bob_cases):
    first = receive_email(build(subject="First", message_id="<first@mail.acme.example>")).case
    second = receive_email(build(subject="Second")).case
    raw = build(subject=f"Re: [{second.number}] x", headers={"In-Reply-To": "<first@mail.acme.example>"})
    assert first != second
    assert receive_email(raw).reason == Reason.AMBIGUOUS


def test_a_reply_to_a_closed_case_is_rejected_and_logged(bob_case, agent):
    services.close_case(case=bob_case, actor=agent)
    result = receive_email(build(subject=f"Re: [{bob_case.number}] one more thing"))
    assert (result.outcome, result.reason) == (Outcome.REJECTED, Reason.REFUSED)
    assert "closed" in result.detail
    bob_case.refresh_from_db()
    assert bob_case.status == Status.CLOSED and len(customer_messages(bob_case)) == 1


def test_a_reply_to_a_merged_case_joins_the_case_it_was_merged_into(bob_case, agent):
    target = open_case(bob_case.contact.portal_access, subject="Printer, again")
    services.merge_cases(target=target, duplicates=[bob_case], actor=agent)
    result = receive_email(build(subject=f"Re: [{bob_case.number}] still smoking"))
    assert result.outcome == Outcome.ACCEPTED and result.case == target


def test_a_reply_to_a_case_waiting_for_the_customer_opens_it_again(bob_case, agent):
    services.change_status(case=bob_case, status=Status.WAITING, actor=agent)
    receive_email(build(subject=f"Re: [{bob_case.number}] here you go", text="The serial is 42."))
    bob_case.refresh_from_db()
    assert bob_case.status == Status.OPEN


def test_reply_prefixes_are_dropped_from_a_new_cases_subject(bob_cases):
    case = receive_email(build(subject="VS: SV: Fwd: RE: Printer")).case
    assert case.subject == "Printer"


def test_an_email_with_no_text_and_no_subject_still_opens_a_readable_case(bob_cases):
    raw = b"From: bob@acme.example\r\nTo: support@portico.example\r\nMessage-ID: <e@x>\r\n\r\n"
    case = receive_email(raw).case
    assert case.subject == "(no subject)" and case.description == "(The email had no text.)"


def test_a_login_sees_its_own_portal_contact_by_contact_email(acme):
    erik = portal_user(acme, "Erik")
    erik.contact.email = "erik.else@acme.example"
    erik.contact.save(update_fields=["email"])
    assert receive_email(build(sender="erik.else@acme.example")).case.contact == erik.contact


def test_a_person_at_two_companies_writes_to_the_case_of_the_company_it_belongs_to(bob_case, globex):
    from portico.access.tests.factories import PortalAccessFactory, ProfileFactory
    from portico.crm.tests.factories import ContactFactory

    contact = ContactFactory(first_name="Bob", account=globex, email="bob@acme.example")
    globex_bob = give_cases(PortalAccessFactory(contact=contact, profile=ProfileFactory(name="Globex Bob")))
    assert globex_bob.user == bob_case.contact.portal_access.user
    globex_case = open_case(globex_bob, subject="Globex printer")
    result = receive_email(build(subject=f"Re: [{globex_case.number}] update", text="Fixed."))
    assert result.case == globex_case and result.message.author_contact == contact
    result = receive_email(build(subject=f"Re: [{bob_case.number}] update", text="Also fixed."))
    assert result.case == bob_case and result.message.author_contact == bob_case.contact


def test_staff_see_received_emails_in_the_back_office(client, sam, bob_cases):
    receive_email(build(sender="stranger@nowhere.example", subject="<b>Spam</b>"))
    receive_email(load("disguised_attachments.eml", CASE="CS-000404"))
    client.force_login(sam)
    response = client.get(reverse("admin:helpdesk_intake_inboundemail_changelist") + "?outcome=rejected")
    assert response.status_code == 200
    assert b"stranger@nowhere.example" in response.content and b"&lt;b&gt;Spam&lt;/b&gt;" in response.content
    entry = InboundEmail.objects.get(sender="stranger@nowhere.example")
    page = client.get(reverse("admin:helpdesk_intake_inboundemail_change", args=[entry.pk]))
    assert page.status_code == 200 and b"Sender is not a portal user" in page.content


def test_a_person_at_two_companies_gets_the_new_case_where_they_last_opened_one(bob_cases, globex):
    from portico.access.tests.factories import PortalAccessFactory
    from portico.crm.tests.factories import ContactFactory

    other = PortalAccessFactory(
        contact=ContactFactory(account=globex, email=bob_cases.contact.email), user=bob_cases.user
    )
    give_cases(other, scope="own")
    open_case(other, subject="Earlier at Globex")
    result = receive_email(build(subject="Toner again", text="Please send toner."))
    assert result.outcome == Outcome.ACCEPTED
    assert Case.objects.get(subject="Toner again").account == globex


def test_a_person_at_two_companies_writing_from_one_companys_address_gets_the_case_there(bob_cases, globex):
    from portico.access.tests.factories import PortalAccessFactory
    from portico.crm.tests.factories import ContactFactory

    other = PortalAccessFactory(contact=ContactFactory(account=globex, email="bob@globex.example"), user=bob_cases.user)
    give_cases(other, scope="own")
    open_case(bob_cases, subject="Earlier at Acme")
    result = receive_email(build(sender="Bob <bob@globex.example>", subject="Globex question", text="Hi."))
    assert result.outcome == Outcome.ACCEPTED
    assert Case.objects.get(subject="Globex question").account == globex
