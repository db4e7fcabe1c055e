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
        if not claim_submission(request, token):  # the same form, still being saved by another request
            messages.info(request, SUBMISSION_BUSY)
            return HttpResponseRedirect(reverse("portal:things"))
        try:
            thing = services.create_thing(contact=self.principal.contact, actor=request.user, ...)
        except ValidationError as exc:
            release_submission(request, token)  # corrected, the same form may be sent again
            add_errors(form, exc)  # the service's messages, on their fields or at the top
            return self.render_form(form, status=400)
        remember_result(request, token, thing.pk)
        return HttpResponseRedirect(reverse("portal:thing", args=[thing.pk]))

An edit view or a reply form uses `add_errors` the same way, and the submission token when a repeat would
add something twice (a reply).

Submissions are kept in the cache (shared by every server process), per signed-in user: a double click sends
two requests at once, and `claim_submission` (an atomic `cache.add`) lets only one of them run the service.
The other is told the form is on its way; a later repeat finds the first result.
"""

from __future__ import annotations

import uuid

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from portico.access.models import FieldMode


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

CLAIM_SECONDS = 120  # how long a submit may take before the same form may be sent again
RESULT_SECONDS = 24 * 3600  # how long a repeat of a finished form still finds its first result
_PENDING = "pending"
SUBMISSION_BUSY = _("This form is already being sent. Please wait a moment.")


def new_submission() -> str:
    """A fresh token for a form's hidden `submission` field."""
    return uuid.uuid4().hex


def _key(request, token: str) -> str:
    return f"portico:submission:{request.user.pk}:{token}"


def earlier_result(request, token: str):
    """The result a form with this token already produced for this user (a double submit), or None."""
    if not token:
        return None
    value = cache.get(_key(request, token))
    return None if value in (None, _PENDING) else value


def claim_submission(request, token: str) -> bool:
    """Take the form's token for this request; False while another request with the same token runs."""
    return not token or cache.add(_key(request, token), _PENDING, CLAIM_SECONDS)


def release_submission(request, token: str) -> None:
    """Give the token back (the service refused the form): the corrected form may be sent again."""
    if token:
        cache.delete(_key(request, token))


def remember_result(request, token: str, value) -> None:
    """Remember what a form with this token produced (e.g. the new record's id)."""
    if token:
        cache.set(_key(request, token), value, RESULT_SECONDS)
