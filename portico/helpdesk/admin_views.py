"""Back-office screens and actions of the case queue that the plain admin does not have: the conversation with a
reply box (public reply or internal note, with attachments), attachment downloads, assign, status and merge.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from portico.core.attachments import attachment_response
from portico.core.uploads import attachment_rules, attachments_field
from portico.helpdesk import selectors, services
from portico.helpdesk.models import BODY_MAX, Case, CaseAttachment, Status, Team


class StaffReplyForm(forms.Form):
    """A public reply (emailed to the customer) or an internal note (staff only), a status after it, and files."""

    KIND_CHOICES = [("reply", _("Public reply to the customer")), ("note", _("Internal note (staff only)"))]

    kind = forms.ChoiceField(label=_("Kind"), choices=KIND_CHOICES, initial="reply", widget=forms.RadioSelect)
    body = forms.CharField(
        label=_("Message"), required=False, max_length=BODY_MAX, widget=forms.Textarea(attrs={"rows": 6, "cols": 80})
    )
    status = forms.ChoiceField(label=_("Then set the status to"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", _("(unchanged)"))] + [
            (value, label) for value, label in Status.choices if value != Status.NEW
        ]
        self.fields["attachments"] = attachments_field(attachment_rules())


class AssignForm(forms.Form):
    assignee = forms.ModelChoiceField(label=_("Assignee"), queryset=None, required=False)
    team = forms.ModelChoiceField(label=_("Team"), queryset=Team.objects.all(), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = get_user_model().objects.filter(is_staff=True, is_active=True)


class CaseAdminViews:
    """Mixed into CaseAdmin."""

    # --- the change page: conversation and reply box ---------------------------------------------------------

    def change_view(self, request, object_id, form_url="", extra_context=None):
        case = Case.objects.filter(pk=object_id).first() if str(object_id).isdecimal() else None
        extra = dict(extra_context or {})
        if case is not None and self.has_view_or_change_permission(request, case):
            extra.update(self.conversation_context(request, case))
        return super().change_view(request, object_id, form_url, extra)

    def conversation_context(self, request, case, form=None) -> dict:
        return {
            "case": case,
            "conversation": selectors.staff_conversation(case),
            "history": selectors.status_history(case),
            "reply_form": form or StaffReplyForm(),
            "can_reply": self.has_change_permission(request, case),
            "reply_url": reverse("admin:helpdesk_case_reply", args=[case.pk]),
        }

    def reply_view(self, request, pk: int):
        """POST: add a public reply or an internal note to a case, optionally changing its status."""
        case = get_object_or_404(Case, pk=pk)
        if request.method != "POST" or not self.has_change_permission(request, case):
            raise PermissionDenied
        form = StaffReplyForm(request.POST, request.FILES)
        change_url = reverse("admin:helpdesk_case_change", args=[case.pk])
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.add_staff_reply(
                    case=case,
                    user=request.user,
                    body=data["body"],
                    internal=data["kind"] == "note",
                    attachments=data.get("attachments") or (),
                    status=data.get("status") or None,
                )
            except ValidationError as exc:
                for message in exc.messages:
                    self.message_user(request, message, messages.ERROR)
            else:
                done = _("The internal note was added.") if data["kind"] == "note" else _("The reply was sent.")
                self.message_user(request, done, messages.SUCCESS)
                return HttpResponseRedirect(change_url)
        else:
            for errors in form.errors.values():
                for message in errors:
                    self.message_user(request, message, messages.ERROR)
        return HttpResponseRedirect(change_url)

    def attachment_view(self, request, pk: int):
        """Download (or preview, for a verified image) any attachment of a case, notes' included: staff only."""
        attachment = CaseAttachment.objects.select_related("message__case").filter(pk=pk).first()
        if attachment is None:
            raise Http404
        if not self.has_view_or_change_permission(request, attachment.message.case):
            raise PermissionDenied
        return attachment_response(attachment, inline_ok=request.GET.get("preview") == "1")

    # --- actions -------------------------------------------------------------------------------------------

    def _each(self, request, queryset, func, done_message) -> None:
        done, errors = 0, []
        for case in queryset.select_related("contact", "account", "assignee", "team"):
            try:
                with transaction.atomic():
                    func(case)
                done += 1
            except ValidationError as exc:
                errors.append(f"{case.number}: {' '.join(exc.messages)}")
        if done:
            self.message_user(request, done_message(done), messages.SUCCESS)
        for error in errors:
            self.message_user(request, error, messages.ERROR)

    @admin.action(description=_("Assign to me"), permissions=["change"])
    def assign_to_me(self, request, queryset):
        self._each(
            request,
            queryset,
            lambda case: services.assign_case(case=case, actor=request.user, assignee=request.user, team=case.team),
            lambda n: ngettext("%(count)d case assigned to you.", "%(count)d cases assigned to you.", n) % {"count": n},
        )

    @admin.action(description=_("Assign to a person or team…"), permissions=["change"])
    def assign(self, request, queryset):
        if "apply" in request.POST:
            form = AssignForm(request.POST)
            if form.is_valid():
                data = form.cleaned_data
                self._each(
                    request,
                    queryset,
                    lambda case: services.assign_case(
                        case=case, actor=request.user, assignee=data["assignee"], team=data["team"]
                    ),
                    lambda n: ngettext("%(count)d case assigned.", "%(count)d cases assigned.", n) % {"count": n},
                )
                return None
        else:
            form = AssignForm()
        return self._intermediate(request, queryset, "admin/helpdesk/case/assign.html", _("Assign cases"), form=form)

    def _status_action(self, request, queryset, status):
        self._each(
            request,
            queryset,
            lambda case: services.change_status(case=case, status=status, actor=request.user),
            lambda n: ngettext("%(count)d case changed.", "%(count)d cases changed.", n) % {"count": n},
        )

    @admin.action(description=_("Mark as open"), permissions=["change"])
    def mark_open(self, request, queryset):
        self._status_action(request, queryset, Status.OPEN)

    @admin.action(description=_("Mark as waiting for customer"), permissions=["change"])
    def mark_waiting(self, request, queryset):
        self._status_action(request, queryset, Status.WAITING)

    @admin.action(description=_("Mark as resolved"), permissions=["change"])
    def mark_resolved(self, request, queryset):
        self._status_action(request, queryset, Status.RESOLVED)

    @admin.action(description=_("Close"), permissions=["change"])
    def mark_closed(self, request, queryset):
        self._status_action(request, queryset, Status.CLOSED)

    @admin.action(description=_("Merge duplicates into one case…"), permissions=["change"])
    def merge(self, request, queryset):
        cases = list(queryset.select_related("contact", "account").order_by("created_at", "pk"))
        if len(cases) < 2:
            self.message_user(request, _("Choose at least two cases to merge."), messages.ERROR)
            return None
        if "apply" in request.POST:
            target = next((c for c in cases if str(c.pk) == request.POST.get("target")), None)
            if target is None:
                self.message_user(request, _("Choose the case to keep."), messages.ERROR)
            else:
                try:
                    services.merge_cases(target=target, duplicates=cases, actor=request.user)
                except ValidationError as exc:
                    for message in exc.messages:
                        self.message_user(request, message, messages.ERROR)
                    return None
                self.message_user(
                    request,
                    ngettext(
                        "%(count)d case was merged into %(target)s.",
                        "%(count)d cases were merged into %(target)s.",
                        len(cases) - 1,
                    )
                    % {"count": len(cases) - 1, "target": target.number},
                    messages.SUCCESS,
                )
                return None
        return self._intermediate(request, queryset, "admin/helpdesk/case/merge.html", _("Merge cases"), cases=cases)

    def _intermediate(self, request, queryset, template, title, **extra):
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "opts": self.model._meta,
            "queryset": queryset,
            "action": request.POST.get("action", ""),
            "selected": request.POST.getlist(admin.helpers.ACTION_CHECKBOX_NAME),
            **extra,
        }
        return TemplateResponse(request, template, context)
