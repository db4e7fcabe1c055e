"""The access engine's helper for child records: visible only through a parent the principal may see."""

import pytest
from django.http import Http404

from portico.access import engine
from portico.access.models import PortalAccess, Scope
from portico.access.principal import Principal
from portico.access.tests.factories import PortalAccessFactory, ProfileFactory, grants
from portico.crm.models import Contact
from portico.crm.tests.factories import ContactFactory


def principal(access):
    return Principal(user=access.user, access=access)


@pytest.fixture
def globex_people(globex):
    return ContactFactory.create_batch(2, account=globex)


def test_children_are_those_whose_parent_the_principal_may_see(bob, alice, carol, globex_people):
    contacts = engine.visible_through(principal(bob), "my_company", Contact.objects.all(), "account")
    assert set(contacts) == {alice.contact, bob.contact}
    assert carol.contact not in contacts


def test_the_other_company_sees_only_its_own_children(bob, carol, globex_people):
    contacts = engine.visible_through(principal(carol), "my_company", Contact.objects.all(), "account")
    assert set(contacts) == {carol.contact, *globex_people}


def test_children_are_a_404_when_the_module_is_not_granted(dave):
    with pytest.raises(Http404):
        engine.visible_through(principal(dave), "my_company", Contact.objects.all(), "account")


def test_the_path_may_cross_several_relations(alice, bob, carol):
    accesses = engine.visible_through(principal(bob), "my_company", PortalAccess.objects.all(), "contact__account")
    assert set(accesses) == {alice, bob}


def test_the_parents_record_scope_applies_to_its_children(alice, bob):
    accesses = engine.visible_through(principal(bob), "my_details", PortalAccess.objects.all(), "contact")
    assert list(accesses) == [bob]  # My details is scoped to the principal's own contact


def test_children_of_subsidiaries_follow_a_company_and_subsidiaries_grant(alice, acme_sub, carol):
    colleagues = grants(colleagues="read")
    colleagues["colleagues"]["scope"] = Scope.COMPANY_AND_SUBSIDIARIES
    admin = PortalAccessFactory(
        contact=ContactFactory(account=alice.contact.account),
        profile=ProfileFactory(grants=colleagues),
        is_company_admin=True,
    )
    subsidiary = PortalAccessFactory(contact=ContactFactory(account=acme_sub))
    accesses = engine.visible_through(principal(admin), "colleagues", PortalAccess.objects.all(), "contact")
    assert set(accesses) == {alice, admin, subsidiary}


def test_the_children_are_fetched_in_one_query(bob, django_assert_num_queries):
    contacts = engine.visible_through(principal(bob), "my_company", Contact.objects.all(), "account")
    with django_assert_num_queries(1):
        assert len(list(contacts)) == 1
