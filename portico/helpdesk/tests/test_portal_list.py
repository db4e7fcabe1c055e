"""The portal's case list and its CSV export: scope, Mine/Company, filters, search, sort, pages, field rules."""

import csv
import io

from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format

from portico.helpdesk import services
from portico.helpdesk.models import Case, Priority, Status
from portico.helpdesk.tests.factories import give_cases, open_case

LIST = reverse("portal:cases")
EXPORT = reverse("portal:cases_export")


def numbers(response) -> list[str]:
    return [case.number for case in response.context["page"].object_list]


def csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))


def test_own_scope_lists_only_the_contacts_own_cases(portal_client, bob_cases, alice):
    mine, theirs = open_case(bob_cases), open_case(alice)
    response = portal_client(bob_cases).get(LIST)
    assert numbers(response) == [mine.number]
    assert theirs.number not in response.content.decode()


def test_company_scope_lists_the_companys_cases_and_never_another_companys(portal_client, alice_cases, bob, carol):
    bobs = open_case(bob)
    open_case(carol, subject="Globex secret")
    response = portal_client(alice_cases).get(LIST)
    assert numbers(response) == [bobs.number]
    assert "Globex secret" not in response.content.decode()


def test_mine_company_switch_appears_only_when_the_scope_is_wider_than_own(portal_client, alice_cases, bob_cases):
    assert portal_client(alice_cases).get(LIST).context["scope_switch"]
    assert 'name="scope"' not in portal_client(bob_cases).get(LIST).content.decode()


def test_mine_narrows_a_company_scope_to_the_contacts_own_cases(portal_client, alice_cases, bob):
    hers, bobs = open_case(alice_cases), open_case(bob)
    client = portal_client(alice_cases)
    assert numbers(client.get(LIST, {"scope": "mine"})) == [hers.number]
    assert sorted(numbers(client.get(LIST, {"scope": "all"}))) == sorted([hers.number, bobs.number])


def test_mine_cannot_widen_an_own_scope(portal_client, bob_cases, alice):
    open_case(alice)
    assert numbers(portal_client(bob_cases).get(LIST, {"scope": "all"})) == []


def test_status_and_priority_filters(portal_client, bob_cases, agent):
    urgent = open_case(bob_cases, priority=Priority.URGENT)
    resolved = open_case(bob_cases)
    services.change_status(case=resolved, status=Status.RESOLVED, actor=agent)
    client = portal_client(bob_cases)
    assert numbers(client.get(LIST, {"priority": "4"})) == [urgent.number]
    assert numbers(client.get(LIST, {"status": "resolved"})) == [resolved.number]
    assert len(numbers(client.get(LIST, {"status": "nonsense", "priority": "99"}))) == 2  # ignored, not an error


def test_search_finds_number_and_subject(portal_client, bob_cases):
    printer = open_case(bob_cases, subject="Printer jammed")
    scanner = open_case(bob_cases, subject="Scanner offline")
    client = portal_client(bob_cases)
    assert numbers(client.get(LIST, {"q": "jammed"})) == [printer.number]
    assert numbers(client.get(LIST, {"q": scanner.number})) == [scanner.number]
    assert numbers(client.get(LIST, {"q": "%"})) == []


def test_sort_by_priority_and_by_number(portal_client, bob_cases):
    low = open_case(bob_cases, priority=Priority.LOW)
    urgent = open_case(bob_cases, priority=Priority.URGENT)
    client = portal_client(bob_cases)
    assert numbers(client.get(LIST, {"sort": "-priority"})) == [urgent.number, low.number]
    assert numbers(client.get(LIST, {"sort": "number"})) == [low.number, urgent.number]
    assert numbers(client.get(LIST, {"sort": "contact__account__vat_number"})) == [urgent.number, low.number]
    for hostile in ("--priority", "-", "---number", "-pk", "priority "):  # ignored: the default order, never a 500
        assert numbers(client.get(LIST, {"sort": hostile})) == [urgent.number, low.number]
        assert client.get(reverse("portal:cases_export"), {"sort": hostile}).status_code == 200


def test_newest_activity_comes_first(portal_client, bob_cases):
    older, newer = open_case(bob_cases), open_case(bob_cases)
    services.add_customer_message(
        case=older, contact=bob_cases.contact, body="Bump", actor=bob_cases.user, source="portal"
    )
    assert numbers(portal_client(bob_cases).get(LIST)) == [older.number, newer.number]


def test_the_list_is_paged_25_at_a_time(portal_client, bob_cases):
    for n in range(27):
        open_case(bob_cases, subject=f"Case {n}")
    client = portal_client(bob_cases)
    first = client.get(LIST)
    assert len(numbers(first)) == 25 and first.context["page"].paginator.num_pages == 2
    assert len(numbers(client.get(LIST, {"page": "2"}))) == 2
    assert len(numbers(client.get(LIST, {"page": "999"}))) == 2
    assert len(numbers(client.get(LIST, {"page": "x"}))) == 25


def test_htmx_gets_only_the_results(portal_client, bob_cases):
    open_case(bob_cases, subject="Printer jammed")
    response = portal_client(bob_cases).get(LIST, {"q": "printer"}, HTTP_HX_REQUEST="true")
    content = response.content.decode()
    assert "Printer jammed" in content and "<html" not in content


def test_hidden_fields_are_not_shown_filterable_searchable_or_sortable(portal_client, bob, alice):
    give_cases(bob, hidden=("priority", "subject"))
    case = open_case(bob, subject="Subject nobody sees", priority=Priority.URGENT)
    client = portal_client(bob)
    content = client.get(LIST).content.decode()
    assert case.number in content and "Subject nobody sees" not in content and "Urgent" not in content
    assert numbers(client.get(LIST, {"q": "nobody"})) == []  # the subject is not searched
    assert numbers(client.get(LIST, {"priority": "1"})) == [case.number]  # the priority filter is ignored
    assert client.get(LIST, {"sort": "priority"}).context["state"].sort == ""


def test_a_list_without_the_module_is_404(portal_client, bob):
    assert portal_client(bob).get(LIST).status_code == 404


def test_the_csv_holds_exactly_the_fields_the_profile_shows(portal_client, bob):
    give_cases(bob, hidden=("priority", "contact", "rating"))
    case = open_case(bob, subject="Printer jammed")
    rows = csv_rows(portal_client(bob).get(EXPORT))
    header = rows[0]
    assert "Priority" not in header and "Contact" not in header and "Rating" not in header
    assert header[:3] == ["Number", "Subject", "Status"]
    assert rows[1][:3] == [case.number, "Printer jammed", "New"]
    assert len(rows) == 2


def test_the_csv_follows_the_lists_filters_and_scope(portal_client, alice_cases, bob, carol):
    hers = open_case(alice_cases, priority=Priority.HIGH)
    open_case(bob, priority=Priority.LOW)
    open_case(carol, priority=Priority.HIGH)
    rows = csv_rows(portal_client(alice_cases).get(EXPORT, {"priority": "3"}))
    assert [r[0] for r in rows[1:]] == [hers.number]


def test_the_csv_is_safe_against_formula_injection(portal_client, bob_cases):
    open_case(bob_cases, subject='=HYPERLINK("http://evil.example","click")')
    open_case(bob_cases, subject="@SUM(1+1)*cmd|' /C calc'!A0")
    response = portal_client(bob_cases).get(EXPORT)
    assert response["Content-Disposition"].startswith("attachment;")
    subjects = [row[1] for row in csv_rows(response)[1:]]
    assert sorted(subjects) == sorted(['\'=HYPERLINK("http://evil.example","click")', "'@SUM(1+1)*cmd|' /C calc'!A0"])


def test_the_csv_of_another_company_never_holds_a_foreign_case(portal_client, carol_cases, bob):
    open_case(bob, subject="Acme only")
    assert "Acme only" not in b"".join(portal_client(carol_cases).get(EXPORT).streaming_content).decode()


def test_category_shows_in_the_readers_language(portal_client, bob_cases):
    from portico.helpdesk.tests.factories import CategoryFactory

    category = CategoryFactory(name="Billing", labels={"fi": "Laskutus"})
    open_case(bob_cases, category=category)
    bob_cases.user.language = "fi"
    bob_cases.user.save()
    rows = csv_rows(portal_client(bob_cases).get(EXPORT, HTTP_ACCEPT_LANGUAGE="fi"))
    assert "Laskutus" in rows[1]
    assert Case.objects.count() == 1


def test_without_number_and_subject_each_row_still_links_to_its_case(portal_client, bob):
    give_cases(bob, hidden=("number", "subject"))
    case = open_case(bob, subject="Subject nobody sees")
    content = portal_client(bob).get(LIST).content.decode()
    assert f'<a href="{reverse("portal:case", args=[case.pk])}">Open</a>' in content
    assert case.number not in content and "Subject nobody sees" not in content
    assert '<th scope="col">Link</th>' in content  # every column has a header


def test_cells_are_escaped_and_the_status_is_a_badge(portal_client, bob_cases):
    case = open_case(bob_cases, subject='<img src=x onerror="alert(1)">')
    content = portal_client(bob_cases).get(LIST).content.decode()
    assert "<img src=x" not in content and "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in content
    assert f'<a href="{reverse("portal:case", args=[case.pk])}">{case.number}</a>' in content
    assert '<span class="status status-new">New</span>' in content


def test_dates_are_written_in_the_readers_language(portal_client, bob_cases):
    case = open_case(bob_cases)
    client = portal_client(bob_cases)
    client.cookies["django_language"] = "fi"
    content = client.get(LIST, HTTP_ACCEPT_LANGUAGE="fi").content.decode()
    with translation.override("fi"):
        assert date_format(timezone.localtime(case.created_at), "SHORT_DATETIME_FORMAT") in content
