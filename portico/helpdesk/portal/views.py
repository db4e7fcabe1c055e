"""Portal pages of the Cases module. Cases come only from the access engine; writes go through the services."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.template.defaultfilters import filesizeformat
from django.urls import NoReverseMatch, Resolver404, resolve, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from portico.access import engine
from portico.core.dates import datetime_formatter
from portico.core.urltags import pk_url
from portico.helpdesk import selectors, services
from portico.helpdesk.models import PUBLIC_KINDS, CaseAttachment, HelpdeskSettings, MessageKind, Source, Status
from portico.helpdesk.portal.forms import CaseCreateForm, CaseEditForm, RatingForm, ReplyForm
from portico.helpdesk.sla import stands_still
from portico.portal.editing import (
    SUBMISSION_BUSY,
    add_errors,
    claim_submission,
    creatable_fields,
    earlier_result,
    new_submission,
    release_submission,
    remember_result,
)
from portico.portal.records import AttachmentDownloadView, RecordDetailMixin, RecordExportView, RecordListView
from portico.portal.views import PortalView

SESSION_DEFLECTIONS = "helpdesk_deflections"
KEEP = 20  # opened articles remembered per session
POLL_SECONDS = 15  # how often an open case page asks whether something new arrived


KNOWLEDGE = "knowledge"  # the knowledge base's module key


def kb_suggest_url(principal) -> str:
    """The knowledge base's suggestion partial, when that module is installed and the principal may read it."""
    if not principal.grant(KNOWLEDGE).view:
        return ""
    try:
        return reverse("portal:kb_suggest")
    except NoReverseMatch:
        return ""


# --- List and export --------------------------------------------------------------------------------------


class CasesView(PortalView):
    module_key = "cases"


class CaseListView(RecordListView):
    """The principal's cases: filter by status and priority, search number and subject, Mine / Company."""

    module_key = "cases"
    list_fields = ("number", "subject", "status", "priority", "contact", "created_at", "public_updated_at")
    link_fields = ("number", "subject")
    badge_fields = ("status",)
    filter_fields = ("status", "priority")
    search_fields = ("number", "subject")
    sort_fields = ("number", "subject", "priority", "created_at", "public_updated_at")
    default_sort = "-public_updated_at"
    detail_url_name = "portal:case"
    create_url_name = "portal:case_create"
    create_label = gettext_lazy("New case")
    export_url_name = "portal:cases_export"
    search_placeholder = gettext_lazy("Number or subject")
    empty_text = gettext_lazy("There are no cases yet.")
    no_match_text = gettext_lazy("No cases match.")

    def count_text(self, total: int) -> str:
        return ngettext("%(count)d case", "%(count)d cases", total) % {"count": total}


class CaseExportView(RecordExportView, CaseListView):
    export_filename = "cases.csv"


# --- Create -----------------------------------------------------------------------------------------------


class CaseCreateView(CasesView):
    """Open a case; while the subject is typed, matching knowledge-base articles are suggested."""

    def form(self, data=None, files=None):
        editable = creatable_fields(self.principal, self.module)
        initial = {"submission": new_submission()}
        return CaseCreateForm(data, files, editable=editable, initial=initial)

    def get(self, request):
        engine.require(self.principal, self.module, "create")
        return self.render_form(self.form())

    def post(self, request):
        engine.require(self.principal, self.module, "create")
        form = self.form(request.POST, request.FILES)
        if not form.is_valid():
            return self.render_form(form, status=400)
        token = form.cleaned_data["submission"]
        done = earlier_result(request, token)
        if done:
            return HttpResponseRedirect(reverse("portal:case", args=[done]))
        if not claim_submission(request, token):
            messages.info(request, SUBMISSION_BUSY)
            return HttpResponseRedirect(reverse("portal:cases"))
        data = form.cleaned_data
        try:
            case = services.create_case(
                contact=self.principal.contact,
                subject=data["subject"],
                description=data["description"],
                actor=request.user,
                source=Source.PORTAL,
                category=data.get("category"),
                priority=data.get("priority"),
                attachments=data.get("attachments") or (),
            )
        except ValidationError as exc:
            release_submission(request, token)
            add_errors(form, exc)
            return self.render_form(form, status=400)
        services.link_deflections(case=case, ids=request.session.pop(SESSION_DEFLECTIONS, []))
        remember_result(request, token, case.pk)
        messages.success(
            request, _("Case %(number)s was opened. We will answer you here and by email.") % {"number": case.number}
        )
        return HttpResponseRedirect(reverse("portal:case", args=[case.pk]))

    def render_form(self, form, status=200):
        context = self.context(form=form, kb_suggest_url=kb_suggest_url(self.principal))
        return render(self.request, "portal/cases/case_form.html", context, status=status)


class CaseDeflectionView(CasesView):
    """POST (from the new-case form): the customer opened a suggested article. Answers 204.

    Only an article the principal may read is recorded; any other slug is answered alike and stored nowhere.
    """

    http_method_names = ["post"]

    def post(self, request):
        engine.require(self.principal, self.module, "create")
        slug = article_slug(request.POST.get("article", ""))
        if slug is None:
            return HttpResponse(status=400)
        if not may_read_article(self.principal, slug):
            return HttpResponse(status=204)
        deflection = services.record_deflection(
            contact=self.principal.contact, article_slug=slug, query=request.POST.get("q", "")
        )
        opened = [*request.session.get(SESSION_DEFLECTIONS, []), deflection.pk][-KEEP:]
        request.session[SESSION_DEFLECTIONS] = opened
        return HttpResponse(status=204)


def article_slug(link: str) -> str | None:
    """The slug of a knowledge-base article from its portal link ("/portal/kb/<slug>/?from=case"), else None."""
    path = link.split("?", 1)[0].split("#", 1)[0][:500]
    try:
        match = resolve(path)
    except Resolver404:
        return None
    if match.view_name != "portal:kb_article":
        return None
    return match.kwargs.get("slug")


def may_read_article(principal, slug: str) -> bool:
    """Whether the knowledge base holds a published article of this slug that the principal may read."""
    if not principal.grant(KNOWLEDGE).view:
        return False
    return engine.visible(principal, KNOWLEDGE).filter(slug=slug).exists()


# --- One case ---------------------------------------------------------------------------------------------


class CaseView(RecordDetailMixin, CasesView):
    """Base of the pages of one case: the case inside the principal's scope, and what they may do with it."""

    def dispatch(self, request, *args, **kwargs):
        self.helpdesk_settings = HelpdeskSettings.load()
        return super().dispatch(request, *args, **kwargs)

    def abilities(self, case) -> dict[str, bool]:
        grant = self.principal.grant(self.module)
        acts = grant.actions and not getattr(self.principal, "viewing_as", False)
        reopen = services.can_reopen(case, self.helpdesk_settings)
        return {
            "reply": acts and services.can_reply(case, self.helpdesk_settings),
            "close": acts and case.status != Status.CLOSED,
            "reopen": acts and reopen,
            "rate": acts and case.resolved_at is not None and not (case.is_closed and case.rating is not None),
            "edit": bool(engine.editable_fields(self.principal, self.module)) and not case.is_closed,
        }

    def require_action(self) -> None:
        engine.require(self.principal, self.module, "actions")

    def back(self, case):
        return HttpResponseRedirect(reverse("portal:case", args=[case.pk]))

    def refuse(self, request, case, exc: ValidationError):
        for message in exc.messages:
            messages.error(request, message)
        return self.back(case)


def sla_lines(case, shown, when) -> list[tuple[str, str]]:
    """(label, text) of the SLA the customer sees: when a first response and a resolution are (or were) due.

    While the case waits for the customer a due time shows as paused, unless it had passed before the wait.
    """
    lines = []
    if "first_response_due" in shown and case.first_response_due:
        if case.first_responded_at:
            text = _("answered %(when)s") % {"when": when(case.first_responded_at)}
        elif stands_still(case, case.first_response_due):
            text = _("paused while we wait for your reply")
        else:
            text = _("due by %(when)s") % {"when": when(case.first_response_due)}
        lines.append((_("First response"), text))
    if "resolution_due" in shown and case.resolution_due:
        if case.resolved_at:
            text = _("resolved %(when)s") % {"when": when(case.resolved_at)}
        elif case.status == Status.CLOSED:
            text = _("closed")
        elif stands_still(case, case.resolution_due):
            text = _("paused while we wait for your reply")
        else:
            text = _("due by %(when)s") % {"when": when(case.resolution_due)}
        lines.append((_("Resolution"), text))
    return lines


def live_context(case, shown) -> dict:
    """The live part of a case page (state, conversation, history) with its texts prepared: names chosen, dates
    written and file links built here once, so the template only writes them out."""
    page = selectors.case_page(case)
    when, short = datetime_formatter("DATETIME_FORMAT"), datetime_formatter()
    file_url = pk_url("portal:case_attachment")
    support, customer = _("Support"), _("Customer")
    conversation = []
    for message in page["conversation"]:
        reply = message.kind == MessageKind.REPLY
        if reply:
            author = (message.author_user.get_full_name() if message.author_user else "") or support
        else:
            author = (message.author_contact.full_name if message.author_contact else "") or customer
        conversation.append(
            {
                "id": message.pk,
                "kind": message.kind,
                "reply": reply,
                "author": author,
                "iso": timezone.localtime(message.created_at).isoformat(),
                "when": when(message.created_at),
                "body": message.body,
                "files": [
                    {
                        "url": file_url(f.pk),
                        "name": f.name,
                        "size": filesizeformat(f.size),
                        "image": f.is_image,
                    }
                    for f in message.attachments.all()
                ],
            }
        )
    statuses = dict(Status.choices)
    history = []
    for change in page["history"]:
        new = statuses.get(change.new_status, change.new_status)
        if change.old_status:
            text = _("%(old)s → %(new)s") % {"old": statuses.get(change.old_status, change.old_status), "new": new}
        else:
            text = _("Opened: %(new)s") % {"new": new}
        actor = change.actor_contact.full_name if change.actor_contact else (support if change.actor_id else "")
        history.append(
            {
                "iso": timezone.localtime(change.created_at).isoformat(),
                "when": short(change.created_at),
                "text": text,
                "actor": actor,
            }
        )
    return {**page, "conversation": conversation, "history": history, "sla_lines": sla_lines(case, shown, when)}


# Fields the case page shows in its heading and live state rather than in its list of fields.
HEADER_FIELDS = frozenset({"number", "subject", "status", "first_response_due", "resolution_due"})


class CaseDetailView(CaseView):
    """The case: its fields, the conversation without internal notes, attachments, status history and SLA."""

    def get(self, request, pk):
        case = self.get_object(pk)
        return self.render_page(case)

    def detail_text(self, name, value):
        if name == "rating":
            return _("%(rating)s of 5") % {"rating": value}
        return super().detail_text(name, value)

    def render_page(self, case, reply_form=None, rating_form=None, status=200):
        abilities = self.abilities(case)
        if rating_form is None and abilities["rate"]:
            rating_form = RatingForm(initial={"rating": case.rating, "comment": case.rating_comment})
        shown = set(engine.shown_fields(self.principal, self.module))
        context = self.context(
            case=case,
            rows=self.detail_rows(case, exclude=HEADER_FIELDS),
            shown=shown,
            abilities=abilities,
            reply_form=reply_form or ReplyForm(initial={"submission": new_submission()}),
            rating_form=rating_form,
            reopen_days=self.helpdesk_settings.reopen_days,
            merged_into=selectors.visible_merge_target(self.principal, self.module, case),
            can_create=self.principal.grant(self.module).create,
            poll_seconds=POLL_SECONDS,
            **live_context(case, shown),
        )
        return render(self.request, "portal/cases/case_detail.html", context, status=status)


class CaseUpdatesView(CaseView):
    """HTMX poll: the live part of the case page, or 204 (nothing to do) when nothing the customer sees changed."""

    def get(self, request, pk):
        case = self.get_object(pk)
        if request.GET.get("since") == selectors.version(case):
            return HttpResponse(status=204)
        page_status = request.GET.get("page_status")  # the status the open page was drawn with
        shown = set(engine.shown_fields(self.principal, self.module))
        context = self.context(
            case=case,
            shown=shown,
            poll_seconds=POLL_SECONDS,
            page_status=page_status if page_status in Status.values else None,
            **live_context(case, shown),
        )
        return render(request, "portal/cases/case_live.html", context)


class CaseReplyView(CaseDetailView):
    """POST: the customer's message (with attachments); reopens a resolved case within the reopen window."""

    http_method_names = ["post"]

    def post(self, request, pk):
        case = self.get_object(pk)
        self.require_action()
        form = ReplyForm(request.POST, request.FILES)
        if not form.is_valid():
            return self.render_page(case, reply_form=form, status=400)
        token = form.cleaned_data["submission"]
        if earlier_result(request, token):
            return self.back(case)
        if not claim_submission(request, token):
            messages.info(request, SUBMISSION_BUSY)
            return self.back(case)
        try:
            services.add_customer_message(
                case=case,
                contact=self.principal.contact,
                body=form.cleaned_data["body"],
                actor=request.user,
                source=Source.PORTAL,
                attachments=form.cleaned_data.get("attachments") or (),
            )
        except ValidationError as exc:
            release_submission(request, token)
            add_errors(form, exc)
            return self.render_page(case, reply_form=form, status=400)
        remember_result(request, token, case.pk)
        messages.success(request, _("Your message was added."))
        return self.back(case)


class CaseCloseView(CaseView):
    http_method_names = ["post"]

    def post(self, request, pk):
        case = self.get_object(pk)
        self.require_action()
        try:
            services.close_case(case=case, actor=request.user, contact=self.principal.contact)
        except ValidationError as exc:
            return self.refuse(request, case, exc)
        messages.success(request, _("The case is closed."))
        return self.back(case)


class CaseReopenView(CaseView):
    http_method_names = ["post"]

    def post(self, request, pk):
        case = self.get_object(pk)
        self.require_action()
        try:
            services.reopen_case(case=case, actor=request.user, contact=self.principal.contact)
        except ValidationError as exc:
            return self.refuse(request, case, exc)
        messages.success(request, _("The case is open again. Tell us what is still wrong."))
        return self.back(case)


class CaseRateView(CaseDetailView):
    http_method_names = ["post"]

    def post(self, request, pk):
        case = self.get_object(pk)
        self.require_action()
        form = RatingForm(request.POST)
        if not form.is_valid():
            return self.render_page(case, rating_form=form, status=400)
        try:
            services.rate_case(
                case=case,
                contact=self.principal.contact,
                rating=form.cleaned_data["rating"],
                comment=form.cleaned_data["comment"],
                actor=request.user,
            )
        except ValidationError as exc:
            add_errors(form, exc)
            return self.render_page(case, rating_form=form, status=400)
        messages.success(request, _("Thank you for rating our help."))
        return self.back(case)


class CaseEditView(CaseView):
    """Change the editable fields of an open case (category, priority, as the profile allows)."""

    def form(self, case, data=None):
        """The form of the editable fields; 404 (for GET and POST alike) when the profile makes none editable."""
        editable = engine.editable_fields(self.principal, self.module)
        initial = {"category": case.category_id, "priority": case.priority}
        form = CaseEditForm(data, editable=editable, initial=initial)
        if not form.fields:
            raise Http404
        return form

    def get(self, request, pk):
        case = self.get_object(pk)
        engine.require(self.principal, self.module, "edit")
        if case.is_closed:
            return self.refuse(request, case, ValidationError(_("A closed case is final; open a new case instead.")))
        return self.render_form(case, self.form(case))

    def post(self, request, pk):
        case = self.get_object(pk)
        engine.require(self.principal, self.module, "edit")
        if case.is_closed:
            return self.refuse(request, case, ValidationError(_("A closed case is final; open a new case instead.")))
        form = self.form(case, request.POST)
        if not form.is_valid():
            return self.render_form(case, form, status=400)
        try:
            changes = services.update_case(
                case=case, actor=request.user, contact=self.principal.contact, **form.cleaned_data
            )
        except ValidationError as exc:
            add_errors(form, exc)
            return self.render_form(case, form, status=400)
        messages.success(request, _("Your changes were saved.") if changes else _("Nothing was changed."))
        return self.back(case)

    def render_form(self, case, form, status=200):
        context = self.context(case=case, form=form)
        return render(self.request, "portal/cases/case_edit.html", context, status=status)


class CaseAttachmentView(AttachmentDownloadView):
    """A file of a customer message or a public reply; files of internal notes do not exist here."""

    module_key = "cases"
    parent_path = "message__case"

    def get_attachments(self):
        return CaseAttachment.objects.filter(message__kind__in=PUBLIC_KINDS)


case_deflection = require_POST(CaseDeflectionView.as_view())
