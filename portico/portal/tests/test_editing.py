"""Helpers of the portal's create and edit views: a service's errors on the form, the fields a customer sets on a
new record, and double submits answered with the first result."""

import pytest
from django import forms
from django.contrib.sessions.backends.db import SessionStore
from django.core.exceptions import ValidationError
from django.test import RequestFactory

from portico.access.principal import Principal
from portico.access.registry import get_module
from portico.helpdesk.tests.factories import give_cases
from portico.portal import editing
from portico.portal.editing import add_errors, creatable_fields, earlier_result, new_submission, remember_result


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
def request_with_session():
    request = RequestFactory().post("/")
    request.session = SessionStore()
    return request


def test_a_double_submit_gets_the_first_result(request_with_session):
    token = new_submission()
    assert earlier_result(request_with_session, token) is None
    remember_result(request_with_session, token, 42)
    assert earlier_result(request_with_session, token) == 42
    assert earlier_result(request_with_session, new_submission()) is None  # another form is new
    assert request_with_session.session[editing.SESSION_SUBMISSIONS] == {token: 42}


def test_a_form_without_a_token_is_never_taken_for_a_double_submit(request_with_session):
    remember_result(request_with_session, "", 1)
    assert earlier_result(request_with_session, "") is None
    assert editing.SESSION_SUBMISSIONS not in request_with_session.session


def test_only_the_latest_submissions_are_remembered(request_with_session):
    tokens = [new_submission() for _ in range(editing.KEEP + 1)]
    for n, token in enumerate(tokens):
        remember_result(request_with_session, token, n)
    assert earlier_result(request_with_session, tokens[0]) is None
    assert earlier_result(request_with_session, tokens[-1]) == editing.KEEP
    assert len(request_with_session.session[editing.SESSION_SUBMISSIONS]) == editing.KEEP


def test_a_new_record_takes_only_the_fields_the_profile_makes_editable(bob):
    give_cases(bob, editable=("priority",))
    assert creatable_fields(Principal(user=bob.user, access=bob), get_module("cases")) == ["priority"]
    give_cases(bob, editable=("priority", "category"), edit=False)  # without the edit right nothing is editable
    assert creatable_fields(Principal(user=bob.user, access=bob), get_module("cases")) == []
