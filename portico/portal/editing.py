"""Helpers for a portal module's create and edit views: which fields the customer sets, a service's errors on
the form, and protection from double submits.

A module's create view uses them like this (the Cases module's `CaseCreateView` is the worked example)::

    def form(self, data=None, files=None):
        editable = creatable_fields(self.principal, self.module)  # the profile's editable fields only
        return ThingForm(data, files, editable=editable, initial={"submission": new_submission()})

    def post(self, request):
        engine.require(self.principal, self.module, "create")
        form = self.form(request.POST, request.FILES)
        if not form.is_valid():
            return self.render_form(form, status=400)
        token = form.cleaned_data["submission"]  # a hidden field carrying new_submission()
        done = earlier_result(request, token)
        if done:  # the same form sent twice: show what the first submit made, create nothing
            return HttpResponseRedirect(reverse("portal:thing", args=[done]))
        try:
            thing = services.create_thing(contact=self.principal.contact, actor=request.user, ...)
        except ValidationError as exc:
            add_errors(form, exc)  # the service's messages, on their fields or at the top
            return self.render_form(form, status=400)
        remember_result(request, token, thing.pk)
        return HttpResponseRedirect(reverse("portal:thing", args=[thing.pk]))

An edit view or a reply form uses `add_errors` the same way, and the submission token when a repeat would
add something twice (a reply).
"""

from __future__ import annotations

import uuid

from django.core.exceptions import ValidationError

from portico.access.models import FieldMode

SESSION_SUBMISSIONS = "portal_submissions"
KEEP = 20  # submissions remembered per session


def add_errors(form, exc: ValidationError) -> None:
    """Put a service's errors on the form's fields where it has them, else at the top."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


def creatable_fields(principal, module) -> list[str]:
    """The module's fields the customer sets on a new record: editable in their profile."""
    grant = principal.grant(module)
    return [name for name in module.fields if grant.fields.get(name) == FieldMode.EDIT]


# --- Double submits ---------------------------------------------------------------------------------------


def new_submission() -> str:
    """A fresh token for a form's hidden `submission` field."""
    return uuid.uuid4().hex


def earlier_result(request, token: str):
    """The result a form with this token already produced in this session (a double submit), or None."""
    return request.session.get(SESSION_SUBMISSIONS, {}).get(token) if token else None


def remember_result(request, token: str, value) -> None:
    """Remember what a form with this token produced (e.g. the new record's id), for the last KEEP forms."""
    if not token:
        return
    done = dict(request.session.get(SESSION_SUBMISSIONS, {}))
    done[token] = value
    request.session[SESSION_SUBMISSIONS] = dict(list(done.items())[-KEEP:])
