"""Helpers of the portal's create and edit views: a service's errors on the form, the fields a customer sets on a
new record, and double submits answered with the first result."""

from types import SimpleNamespace

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.test import RequestFactory

from portico.access.principal import Principal
from portico.access.registry import get_module
from portico.helpdesk.tests.factories import give_cases
from portico.portal.editing import (
    add_errors,
    claim_submission,
    creatable_fields,
    earlier_result,
    new_submission,
    release_submission,
    remember_result,
)


class ThingForm(forms.Form):
    subject = forms.CharField(required=False)
    body = forms.CharField(required=False)


def bound_form() -> ThingForm:
    form = ThingForm({"subject": "S", "body": "B"})
    assert form.is_valid()
    return form


def test_a_services_field_errors_go_on_their_fields_and_the_others_at_the_top():
    form = bound_form()
    add_errors(form, ValidationError({"subject": "Give it a subject.", "contact": "Not yours."}))
    assert form.errors["subject"] == ["Give it a subject."]
    assert form.non_field_errors() == ["Not yours."]
    assert "contact" not in form.errors


def test_a_services_plain_error_goes_at_the_top():
    form = bound_form()
    add_errors(form, ValidationError(["The case is closed.", "Open a new one."]))
    assert form.non_field_errors() == ["The case is closed.", "Open a new one."]
    assert not form.has_error("subject") and not form.has_error("body")


@pytest.fixture
def request_of(db):
    def make(user_pk):
        request = RequestFactory().post("/")
        request.user = SimpleNamespace(pk=user_pk)
        return request

    return make


def test_a_double_submit_gets_the_first_result(request_of):
    request, token = request_of(1), new_submission()
    assert earlier_result(request, token) is None and claim_submission(request, token)
    remember_result(request, token, 42)
    assert earlier_result(request, token) == 42
    assert earlier_result(request, new_submission()) is None  # another form is new
    assert earlier_result(request_of(2), token) is None  # another user's form is theirs


def test_a_submit_while_the_same_form_is_being_saved_is_held_back(request_of):
    """A double click: two requests with one token at once; only the first may run the service."""
    first, second, token = request_of(1), request_of(1), new_submission()
    assert claim_submission(first, token)
    assert not claim_submission(second, token) and earlier_result(second, token) is None
    remember_result(first, token, 7)
    assert earlier_result(second, token) == 7


def test_a_refused_form_may_be_sent_again_once_corrected(request_of):
    request, token = request_of(1), new_submission()
    assert claim_submission(request, token)
    release_submission(request, token)
    assert claim_submission(request, token)


def test_a_form_without_a_token_is_never_taken_for_a_double_submit(request_of):
    request = request_of(1)
    remember_result(request, "", 1)
    assert earlier_result(request, "") is None and claim_submission(request, "") and claim_submission(request, "")


def test_a_new_record_takes_only_the_fields_the_profile_makes_editable(bob):
    give_cases(bob, editable=("priority",))
    assert creatable_fields(Principal(user=bob.user, access=bob), get_module("cases")) == ["priority"]
    give_cases(bob, editable=("priority", "category"), edit=False)  # without the edit right nothing is editable
    assert creatable_fields(Principal(user=bob.user, access=bob), get_module("cases")) == []
