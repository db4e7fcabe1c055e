"""Staff view the portal as a contact: what they see, what they cannot do, who may start it, and how it ends."""

from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from portico.access.models import PortalAccess
from portico.access.tests.factories import PortalAccessFactory
from portico.access.view_as import SESSION_VIEW_AS
from portico.core.models import AuditEntry, OutboxMessage
from portico.crm.models import Account, Contact
from portico.crm.tests.factories import ContactFactory
from portico.users.models import User

BANNER = "You are viewing the portal as"
READ_ONLY = "nothing can be changed"


def start_url(access):
    return reverse("admin:crm_contact_view_as", args=[access.contact_id])


def change_url(access):
    return reverse("admin:crm_contact_change", args=[access.contact_id])


def staff_in(group_name):
    user = User.objects.create_user(email=f"{group_name.lower()}@portico.example", is_staff=True)
    user.groups.add(Group.objects.get(name=group_name))
    return user


@pytest.fixture
def viewing(client, sam):
    """Return a function that signs sam in and starts viewing the portal as a persona."""

    def view_as(access, staff=None):
        client.force_login(staff or sam)
        response = client.post(start_url(access))
        assert response.status_code == 302, response.content
        assert response["Location"] == reverse("portal:home")
        return client

    return view_as


def portal_routes():
    """(URL name, route) of every URL under /portal/."""
    found = []

    def walk(patterns, prefix, namespace):
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                inner = f"{namespace}:{pattern.namespace}" if namespace and pattern.namespace else pattern.namespace
                walk(pattern.url_patterns, route, inner or namespace)
            elif isinstance(pattern, URLPattern) and route.startswith("portal/") and pattern.name:
                found.append((f"{namespace}:{pattern.name}" if namespace else pattern.name, route))

    walk(get_resolver().url_patterns, "", None)
    return found


def portal_urls(colleague_pk):
    """One concrete URL per portal route; a record id in it names a colleague of the viewed contact."""
    urls = {}
    for name, route in portal_routes():
        kwargs = {}
        for part in route.split("<")[1:]:
            converter, _, key = part.split(">")[0].rpartition(":")
            kwargs[key] = colleague_pk if converter == "int" else "x"
        urls[name] = reverse(name, kwargs=kwargs)
    return urls


def snapshot():
    """Everything a request in the portal could change."""
    return {
        "accounts": list(Account.objects.order_by("pk").values()),
        "contacts": list(Contact.objects.order_by("pk").values()),
        "users": list(User.objects.order_by("pk").values("pk", "email", "password", "language", "is_active")),
        "emails": list(EmailAddress.objects.order_by("pk").values()),
        "accesses": list(PortalAccess.objects.order_by("pk").values()),
        "audit": AuditEntry.objects.count(),
        "outbox": OutboxMessage.objects.count(),
    }


# ---------------------------------------------------------------- what staff see


def test_viewing_as_a_contact_shows_their_own_details_and_menu(viewing, dave, bob):
    client = viewing(dave)
    home = client.get(reverse("portal:home")).content.decode()
    assert reverse("portal:my_details") in home
    assert reverse("portal:my_company") not in home  # dave's profile lacks My company
    details = client.get(reverse("portal:my_details")).content.decode()
    assert "dave@acme.example" in details
    assert "bob@acme.example" not in details
    assert client.get(reverse("portal:my_company")).status_code == 404


def test_viewing_as_follows_the_contacts_field_rules_and_company(viewing, bob, carol, acme):
    Account.objects.filter(pk=acme.pk).update(vat_number="FI-SECRET-VAT", city="Espoo")
    client = viewing(bob)
    company = client.get(reverse("portal:my_company")).content.decode()
    assert "Acme Oy" in company and "Espoo" in company
    assert "FI-SECRET-VAT" not in company  # bob's profile hides the VAT number
    assert "Globex" not in company
    assert client.get(reverse("portal:my_company_edit")).status_code == 403  # bob sees Acme read-only


def test_the_banner_names_the_contact_and_company_on_every_portal_page(viewing, alice, bob):
    client = viewing(alice)
    urls = portal_urls(colleague_pk=bob.contact_id)
    shown = []
    for name, url in urls.items():
        response = client.get(url)
        if response.status_code != 200 or not response["Content-Type"].startswith("text/html"):
            continue
        content = response.content.decode()
        assert f"{BANNER} Alice Admin (Acme Oy). Read-only." in content, name
        assert reverse("portal:view_as_end") in content, name
        shown.append(name)
    assert {"portal:home", "portal:my_details", "portal:my_company", "account_change_password"} <= set(shown)
    assert len(shown) >= 8


def test_the_contact_never_sees_the_banner(portal_client, viewing, bob):
    viewing(bob)
    content = portal_client(bob).get(reverse("portal:home")).content.decode()
    assert BANNER not in content


def test_viewing_as_costs_at_most_one_query_more_than_the_contacts_own_page(
    client, sam, bob, django_assert_max_num_queries
):
    client.force_login(bob.user)
    client.get(reverse("portal:home"))
    with CaptureQueriesContext(connection) as captured:
        assert client.get(reverse("portal:home")).status_code == 200
    own = len(captured)  # read now: the next request clears the connection's query log
    client.force_login(sam)
    client.post(start_url(bob))
    client.get(reverse("portal:home"))
    with django_assert_max_num_queries(own + 1):
        assert client.get(reverse("portal:home")).status_code == 200


# ---------------------------------------------------------------- read-only


def test_every_post_in_the_portal_is_refused_while_viewing_and_nothing_changes(viewing, alice, bob):
    client = viewing(alice)
    urls = portal_urls(colleague_pk=bob.contact_id)
    allowed = {"portal:view_as_end", "account_logout"}
    before = snapshot()
    for name, url in urls.items():
        if name in allowed:
            continue
        response = client.post(url, {"first_name": "Hacked", "language": "fi", "contact": alice.contact_id})
        assert response.status_code == 403, name
        assert READ_ONLY in response.content.decode(), name
        assert BANNER in response.content.decode(), name
    assert snapshot() == before
    assert client.session[SESSION_VIEW_AS] == alice.contact_id


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_other_writing_methods_are_refused_too(viewing, bob, method):
    client = viewing(bob)
    before = snapshot()
    response = getattr(client, method)(reverse("portal:my_details_edit"), "first_name=Hacked")
    assert response.status_code == 403
    assert snapshot() == before


def test_an_htmx_post_is_refused_as_well(viewing, bob):
    client = viewing(bob)
    before = snapshot()
    response = client.post(reverse("portal:my_details_edit"), {"first_name": "Hacked"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 403
    assert snapshot() == before


def test_switching_company_and_language_change_nothing_of_the_contact(viewing, sam, alice, globex):
    second = PortalAccessFactory(
        contact=ContactFactory(first_name="Alice", last_name="Admin", account=globex, email=alice.contact.email),
        user=alice.user,
    )
    client = viewing(alice)
    assert b'name="contact"' in client.get(reverse("portal:home")).content  # the switcher is there, as for alice
    before = snapshot()
    assert client.post(reverse("portal:switch_company"), {"contact": second.contact_id}).status_code == 403
    assert client.post(reverse("portal:set_language"), {"language": "fi"}).status_code == 403
    assert snapshot() == before
    assert b"Acme Oy" in client.get(reverse("portal:my_company")).content


# ---------------------------------------------------------------- starting it


def test_starting_writes_an_audit_entry_naming_the_staff_user_and_the_contact(viewing, sam, bob):
    viewing(bob)
    entry = AuditEntry.objects.get(action="portal.view_as_started")
    assert entry.actor == sam
    assert (entry.content_type.model, entry.object_id) == ("contact", str(bob.contact_id))


def test_the_contact_screen_offers_the_button_only_for_a_contact_who_may_sign_in(client, sam, bob, carol):
    PortalAccess.objects.filter(pk=carol.pk).update(is_active=False)
    client.force_login(sam)
    assert start_url(bob).encode() in client.get(change_url(bob)).content
    assert start_url(carol).encode() not in client.get(change_url(carol)).content


def test_support_staff_may_view_the_portal_as_a_contact(viewing, bob):
    client = viewing(bob, staff=staff_in("Support"))
    assert BANNER.encode() in client.get(reverse("portal:home")).content


def test_staff_without_the_permission_are_refused(client, bob):
    sales = staff_in("Sales")
    client.force_login(sales)
    assert start_url(bob).encode() not in client.get(change_url(bob)).content
    assert client.post(start_url(bob)).status_code == 403
    assert SESSION_VIEW_AS not in client.session
    assert not AuditEntry.objects.filter(action="portal.view_as_started").exists()
    assert client.get(reverse("portal:home")).status_code == 403  # staff have no portal of their own


def test_a_portal_user_cannot_start_it(portal_client, bob, alice):
    client = portal_client(alice)
    response = client.post(start_url(bob))
    assert response.status_code == 302 and reverse("admin:login") in response["Location"]
    assert SESSION_VIEW_AS not in client.session


def test_starting_needs_a_post(client, sam, bob):
    client.force_login(sam)
    assert client.get(start_url(bob)).status_code == 405
    assert SESSION_VIEW_AS not in client.session


def _ended(access):
    yesterday = timezone.localdate() - timedelta(days=1)
    PortalAccess.objects.filter(pk=access.pk).update(support_start=yesterday - timedelta(days=9), portal_end=yesterday)


def _not_started(access):
    PortalAccess.objects.filter(pk=access.pk).update(support_start=timezone.localdate() + timedelta(days=1))


@pytest.mark.parametrize(
    "spoil",
    [
        pytest.param(lambda a: PortalAccess.objects.filter(pk=a.pk).update(is_active=False), id="inactive"),
        pytest.param(_ended, id="ended"),
        pytest.param(_not_started, id="not-started"),
        pytest.param(lambda a: Account.objects.filter(pk=a.contact.account_id).update(is_active=False), id="account"),
        pytest.param(lambda a: PortalAccess.objects.filter(pk=a.pk).delete(), id="no-access"),
    ],
)
def test_a_contact_without_valid_portal_access_cannot_be_viewed(client, sam, bob, spoil):
    spoil(bob)
    client.force_login(sam)
    response = client.post(start_url(bob))
    assert response.status_code == 302 and response["Location"] == change_url(bob)
    assert "no portal access that is active today" in " ".join(str(m) for m in get_messages(response.wsgi_request))
    assert SESSION_VIEW_AS not in client.session
    assert not AuditEntry.objects.filter(action="portal.view_as_started").exists()


def test_an_unknown_contact_is_a_404(client, sam):
    client.force_login(sam)
    assert client.post(reverse("admin:crm_contact_view_as", args=[999999])).status_code == 404
    assert client.post(reverse("admin:crm_contact_view_as", args=["not-a-number"])).status_code == 404


# ---------------------------------------------------------------- ending it


def test_ending_returns_to_the_contact_in_the_back_office(viewing, sam, bob):
    client = viewing(bob)
    response = client.post(reverse("portal:view_as_end"))
    assert response.status_code == 302 and response["Location"] == change_url(bob)
    assert SESSION_VIEW_AS not in client.session
    assert AuditEntry.objects.filter(action="portal.view_as_ended", actor=sam, object_id=str(bob.contact_id)).exists()
    assert client.get(reverse("portal:home")).status_code == 403  # sam is himself again: no portal of his own
    assert client.get(change_url(bob)).status_code == 200


def test_signing_out_ends_it(viewing, bob):
    client = viewing(bob)
    response = client.post(reverse("account_logout"))
    assert response.status_code == 302
    assert SESSION_VIEW_AS not in client.session
    assert "_auth_user_id" not in client.session


def test_it_ends_when_the_contact_loses_access_meanwhile(viewing, bob):
    client = viewing(bob)
    PortalAccess.objects.filter(pk=bob.pk).update(is_active=False)
    response = client.get(reverse("portal:my_details"))
    assert response.status_code == 403
    assert b"bob@acme.example" not in response.content
    assert SESSION_VIEW_AS not in client.session


def test_it_ends_when_the_staff_user_loses_the_permission_meanwhile(viewing, bob):
    support = staff_in("Support")
    client = viewing(bob, staff=support)
    support.groups.clear()
    response = client.get(reverse("portal:my_details"))
    assert response.status_code == 403
    assert b"bob@acme.example" not in response.content
    assert SESSION_VIEW_AS not in client.session
