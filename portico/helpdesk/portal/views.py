"""Portal pages of the Cases module. Cases come only from the access engine; writes go through the services."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import NoReverseMatch, Resolver404, resolve, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from portico.access import engine
from portico.access.models import FieldMode
from portico.core.urltags import pk_url
from portico.helpdesk import selectors, services
from portico.helpdesk.models import PUBLIC_KINDS, CaseAttachment, HelpdeskSettings, Priority, Source, Status
from portico.helpdesk.portal.forms import CaseCreateForm, CaseEditForm, RatingForm, ReplyForm
from portico.portal.records import AttachmentDownloadView, RecordDetailMixin, RecordExportView, RecordListView
from portico.portal.views import PortalView

SESSION_DEFLECTIONS = "helpdesk_deflections"
SESSION_SUBMISSIONS = "helpdesk_submissions"
KEEP = 20  # submissions and opened articles remembered per session
POLL_SECONDS = 15  # how often an open case page asks whether something new arrived


def add_errors(form, exc: ValidationError) -> None:
    """Put a service's errors on the form's fields where it has them, else at the top."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


KNOWLEDGE = "knowledge"  # the knowledge base's module key


def kb_suggest_url(principal) -> str:
    """The knowledge base's suggestion partial, when that module is installed and the principal may read it."""
    if not principal.grant(KNOWLEDGE).view:
        return ""
    try:
        return reverse("portal:kb_suggest")
    except NoReverseMatch:
        return ""


def creatable_fields(principal, module) -> list[str]:
    """The module's fields the customer sets on a new case: editable in their profile."""
    grant = principal.grant(module)
    return [name for name in module.fields if grant.fields.get(name) == FieldMode.EDIT]


# --- Double submits ---------------------------------------------------------------------------------------


def new_submission() -> str:
    return uuid.uuid4().hex


def earlier_result(request, token: str):
    """The result a form with this token already produced in this session (a double submit), or None."""
    return request.session.get(SESSION_SUBMISSIONS, {}).get(token) if token else None


def remember_result(request, token: str, value) -> None:
    if not token:
        return
    done = dict(request.session.get(SESSION_SUBMISSIONS, {}))
    done[token] = value
    request.session[SESSION_SUBMISSIONS] = dict(list(done.items())[-KEEP:])


# --- List and export --------------------------------------------------------------------------------------


class CasesView(PortalView):
    module_key = "cases"


class CaseListView(RecordListView):
    """The principal's cases: filter by status and priority, search number and subject, Mine / Company."""

    module_key = "cases"
    template_name = "portal/cases/case_list.html"
    results_template_name = "portal/cases/case_results.html"
    filter_fields = ("status", "priority")
    search_fields = ("number", "subject")
    sort_fields = ("number", "subject", "priority", "created_at", "public_updated_at")
    default_sort = "-public_updated_at"
    export_url_name = "portal:cases_export"

    def rows(self, records) -> list[dict]:
        """The page's rows as plain values: labels looked up and dates formatted once here, not by tags per row."""
        url = pk_url("portal:case")
        statuses, priorities = dict(Status.choices), dict(Priority.choices)

        def when(value):
            return date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT") if value else ""

        return [
            {
                "url": url(case.pk),
                "number": case.number,
                "subject": case.subject,
                "status": case.status,
                "status_label": statuses.get(case.status, case.status),
                "priority_label": priorities.get(case.priority, case.priority),
                "contact": case.contact.full_name if "contact" in self.shown else "",
                "created_at": when(case.created_at),
                "public_updated_at": when(case.public_updated_at),
            }
            for case in records
        ]


class CaseExportView(RecordExportView, CaseListView):
    export_filename = "cases.csv"


# --- Create -----------------------------------------------------------------------------------------------


class CaseCreateView(CasesView):
    """Open a case; while the subject is typed, matching knowledge-base articles are suggested."""

    def dispatch(self, request, *args, **kwargs):
        self.helpdesk_settings = HelpdeskSettings.load()
        return super().dispatch(request, *args, **kwargs)

    def form(self, data=None, files=None):
        editable = creatable_fields(self.principal, self.module)
        initial = {"submission": new_submission()}
        return CaseCreateForm(data, files, editable=editable, helpdesk_settings=self.helpdesk_settings, initial=initial)

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


class CaseDetailView(CaseView):
    """The case: its fields, the conversation without internal notes, attachments, status history and SLA."""

    def get(self, request, pk):
        case = self.get_object(pk)
        return self.render_page(case)

    def render_page(self, case, reply_form=None, rating_form=None, status=200):
        abilities = self.abilities(case)
        context = self.context(
            case=case,
            rows=engine.display_rows(self.principal, self.module, case),
            shown=set(engine.shown_fields(self.principal, self.module)),
            abilities=abilities,
            reply_form=reply_form
            or ReplyForm(helpdesk_settings=self.helpdesk_settings, initial={"submission": new_submission()}),
            rating_form=rating_form or RatingForm(initial={"rating": case.rating, "comment": case.rating_comment}),
            reopen_days=self.helpdesk_settings.reopen_days,
            merged_into=selectors.visible_merge_target(self.principal, self.module, case),
            can_create=self.principal.grant(self.module).create,
            poll_seconds=POLL_SECONDS,
            **selectors.case_page(case),
        )
        return render(self.request, "portal/cases/case_detail.html", context, status=status)


class CaseUpdatesView(CaseView):
    """HTMX poll: the live part of the case page, or 204 (nothing to do) when nothing the customer sees changed."""

    def get(self, request, pk):
        case = self.get_object(pk)
        if request.GET.get("since") == selectors.version(case):
            return HttpResponse(status=204)
        page_status = request.GET.get("page_status")  # the status the open page was drawn with
        context = self.context(
            case=case,
            shown=set(engine.shown_fields(self.principal, self.module)),
            poll_seconds=POLL_SECONDS,
            page_status=page_status if page_status in Status.values else None,
            **selectors.case_page(case),
        )
        return render(request, "portal/cases/case_live.html", context)


class CaseReplyView(CaseDetailView):
    """POST: the customer's message (with attachments); reopens a resolved case within the reopen window."""

    http_method_names = ["post"]

    def post(self, request, pk):
        case = self.get_object(pk)
        self.require_action()
        form = ReplyForm(request.POST, request.FILES, helpdesk_settings=self.helpdesk_settings)
        if not form.is_valid():
            return self.render_page(case, reply_form=form, status=400)
        token = form.cleaned_data["submission"]
        if earlier_result(request, token):
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
