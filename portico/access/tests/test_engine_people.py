"""The access engine's people: the contacts a module may name to a principal, never another company's."""

import pytest
from django.http import Http404

from portico.access import engine
from portico.access.models import Scope
from portico.access.principal import Principal
from portico.access.tests.factories import PortalAccessFactory, ProfileFactory, grants
from portico.crm.tests.factories import ContactFactory


def principal(access):
    return Principal(user=access.user, access=access)


@pytest.fixture
def globex_people(globex):
    """Two more Globex contacts, one with an Acme person's email address."""
    return [ContactFactory(account=globex, email="bob@acme.example"), ContactFactory(account=globex)]


@pytest.fixture
def group_admin(alice, acme_sub):
    """Company admin at Acme whose Colleagues grant reaches Acme's subsidiaries."""
    colleagues = grants(colleagues="read")
    colleagues["colleagues"]["scope"] = Scope.COMPANY_AND_SUBSIDIARIES
    return PortalAccessFactory(
        contact=ContactFactory(account=alice.contact.account),
        profile=ProfileFactory(grants=colleagues),
        is_company_admin=True,
    )


def test_company_people_are_the_principals_companys_contacts(alice, bob, carol, globex_people):
    people = engine.company_people(principal(alice), "colleagues")
    assert set(people) == {alice.contact, bob.contact}


def test_company_people_of_the_other_company_are_its_own(alice, bob, carol, globex_people):
    carol.profile.grants = grants(colleagues="read")
    carol.profile.save()
    carol.is_company_admin = True
    people = engine.company_people(principal(carol), "colleagues")
    assert set(people) == {carol.contact, *globex_people}


def test_company_people_follow_an_own_records_scope(alice, bob, carol):
    assert list(engine.company_people(principal(bob), "my_details")) == [bob.contact]


def test_company_people_follow_a_company_and_subsidiaries_grant(group_admin, alice, acme_sub, carol):
    subsidiary = ContactFactory(account=acme_sub)
    people = engine.company_people(principal(group_admin), "colleagues")
    assert set(people) == {alice.contact, group_admin.contact, subsidiary}


def test_company_people_are_a_404_when_the_module_is_not_granted(bob, dave):
    with pytest.raises(Http404):
        engine.company_people(principal(dave), "my_company")
    with pytest.raises(Http404):
        engine.company_people(principal(bob), "colleagues")  # company admins only


def test_company_people_cost_one_query_when_read_and_none_before(alice, bob, django_assert_num_queries):
    who = principal(alice)
    who.grant("colleagues"), who.account  # loaded by the middleware before any portal view runs
    with django_assert_num_queries(0):
        people = engine.company_people(who, "colleagues").filter(portal_access__isnull=False)
    with django_assert_num_queries(1):
        assert set(people) == {alice.contact, bob.contact}


def test_company_contacts_are_those_of_the_one_company_acted_for(group_admin, alice, bob, acme_sub, globex_people):
    ContactFactory(account=acme_sub)
    contacts = engine.company_contacts(principal(group_admin))
    assert set(contacts) == {alice.contact, bob.contact, group_admin.contact}


def test_an_email_at_another_company_is_not_one_of_the_company_contacts(
    alice, bob, globex_people, django_assert_num_queries
):
    who = principal(alice)
    with django_assert_num_queries(1):
        assert engine.company_contacts(who).filter(email__iexact="BOB@acme.example").count() == 1
    assert not engine.company_contacts(who).filter(email__iexact=globex_people[1].email).exists()


def test_company_contacts_of_a_subsidiary_in_the_principals_tree_and_never_of_another_company(
    group_admin, acme_sub, globex_people
):
    sub_contact = ContactFactory(account=acme_sub)
    who = principal(group_admin)
    assert set(engine.company_contacts(who, acme_sub.pk)) == {sub_contact}
    assert set(engine.company_contacts(who, who.account.pk)) == set(engine.company_contacts(who))
    with pytest.raises(Http404):
        engine.company_contacts(who, globex_people[0].account_id)
