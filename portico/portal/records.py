"""Generic pages of a record module: a list with filters, search, sort, pages and Mine/Company; its CSV export;
one record; a file download. A module's views subclass these and name their fields; records come only from
the access engine, and filters, search, sort and export reach only the fields the principal may see.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date, datetime

from django.core.paginator import Paginator
from django.db import models
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import escape
from django.utils.http import urlencode
from django.utils.safestring import SafeString
from django.utils.translation import get_language, gettext, ngettext, pgettext
from django.utils.translation import gettext_lazy as _

from portico.access import engine
from portico.access.models import Scope
from portico.core.attachments import attachment_response
from portico.core.csvexport import csv_response
from portico.core.dates import datetime_formatter
from portico.core.urltags import pk_url
from portico.portal.views import PortalView

SEARCH_MAX = 100
MINE, ALL = "mine", "all"


@dataclass(frozen=True)
class ListFilter:
    """One choice filter of a list: the field, its label and its choices (value, label)."""

    name: str
    label: str
    choices: list[tuple[str, str]]
    value: str


@dataclass(frozen=True)
class SortLink:
    """One sortable column: the field, its label, the query string that sorts by it, and its current order."""

    name: str
    label: str
    query: str
    order: str  # "ascending", "descending" or "" (not sorted by it)


@dataclass
class ListState:
    """What the list was asked for, after validation; invalid values are dropped, never an error page."""

    query: str = ""
    filters: dict[str, str] | None = None
    sort: str = ""
    scope: str = ALL

    def params(self, **overrides) -> dict[str, str]:
        values = {"q": self.query, **(self.filters or {}), "sort": self.sort, "scope": self.scope, **overrides}
        return {k: v for k, v in values.items() if v}


_choice_labels: dict[tuple[models.Field, str | None], dict[str, str]] = {}


def choice_labels(field: models.Field) -> dict[str, str]:
    """A field's choices as {value as text: label} in the active language, kept per language."""
    key = (field, get_language())
    labels = _choice_labels.get(key)
    if labels is None:
        labels = _choice_labels[key] = {str(value): str(label) for value, label in field.flatchoices}
    return labels


def clean_query(text: str) -> str:
    """Search words as typed, on one line, without control characters (PostgreSQL refuses NUL in text)."""
    return " ".join("".join(ch for ch in text if unicodedata.category(ch) != "Cc").split())[:SEARCH_MAX]


def display_value(obj: models.Model, name: str) -> object:
    """A field's value as people read it: the label of a choice, the text of a related record, the value itself."""
    field, value = obj._meta.get_field(name), getattr(obj, name)
    if getattr(field, "choices", None) and value is not None:
        return choice_labels(field).get(str(value), value)  # labels kept per language, not rebuilt per record
    return value


def shown_text(value: object, *, long: bool = False) -> str:
    """A value as a portal page shows it: dates and times local and in the page's language, Yes/No, records
    as their text, empty as "". `long` writes dates and times out in full (a record's page), else short (a list).
    """
    if value is None:
        return ""
    if isinstance(value, datetime):
        return date_format(timezone.localtime(value), "DATETIME_FORMAT" if long else "SHORT_DATETIME_FORMAT")
    if isinstance(value, date):
        return date_format(value, "DATE_FORMAT" if long else "SHORT_DATE_FORMAT")
    if isinstance(value, bool):
        return gettext("Yes") if value else gettext("No")
    return str(value)


def cell_text(value: object) -> object:
    """A value for a CSV cell: dates and times in the local time zone, records as text, empty as blank."""
    if value is None:
        return ""
    if hasattr(value, "tzinfo") and hasattr(value, "hour"):
        return date_format(timezone.localtime(value), "Y-m-d H:i")
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, bool):
        return str(_("Yes") if value else _("No"))
    return value if isinstance(value, (int, float)) else str(value)


class RecordListView(PortalView):
    """A module's records, filtered, searched, sorted and paged in the database; HTMX gets only the results.

    Subclasses name `list_fields` (the columns, in order), and may name `filter_fields` (fields with choices),
    `search_fields` and `sort_fields` (fields of the module): each counts only while the principal may see
    it. `default_sort` orders the list otherwise (a tiebreaker on the primary key is always added).
    `link_fields`: the first of these the principal sees links to the record's page (`detail_url_name`);
    when none is seen, a last column holds the link. `badge_fields` are drawn as a status badge (CSS class
    `status status-<value>`). Cells are plain text prepared here (`cell_value` formats one field), so the
    generic templates `portal/records/list.html` and `results.html` need no per-module markup; a module
    names its texts (`count_text`, `empty_text`, `no_match_text`, `search_placeholder`) and its create page.
    """

    template_name = "portal/records/list.html"
    results_template_name = "portal/records/results.html"
    list_fields: tuple[str, ...] = ()
    link_fields: tuple[str, ...] = ()
    badge_fields: tuple[str, ...] = ()
    filter_fields: tuple[str, ...] = ()
    search_fields: tuple[str, ...] = ()
    sort_fields: tuple[str, ...] = ()
    default_sort = "-pk"
    page_size = 25
    detail_url_name = ""
    create_url_name = ""
    create_label = _("New")
    export_url_name = ""
    search_placeholder = ""
    empty_text = _("There is nothing here yet.")
    no_match_text = _("Nothing matches.")

    def count_text(self, total: int) -> str:
        return ngettext("%(count)d record", "%(count)d records", total) % {"count": total}

    def get_queryset(self) -> models.QuerySet:
        return engine.visible(self.principal, self.module)

    @property
    def shown(self) -> list[str]:
        if not hasattr(self, "_shown"):
            self._shown = engine.shown_fields(self.principal, self.module)
        return self._shown

    def has_scope_switch(self) -> bool:
        """Mine / Company: offered when the principal's scope is wider than their own records."""
        return bool(self.module.contact_lookup) and self.principal.grant(self.module).scope != Scope.OWN

    def read_state(self, params) -> ListState:
        """Validate the query string: unknown filters, values, sorts and scopes are ignored."""
        filters = {}
        for name in self.filter_fields:
            value = params.get(name, "")
            if name in self.shown and value in choice_labels(self.model_field(name)):
                filters[name] = value
        sort = params.get("sort", "")
        if sort.removeprefix("-") not in self.sortable():
            sort = ""
        scope = params.get("scope", "")
        scope = MINE if scope == MINE and self.has_scope_switch() else ALL
        return ListState(query=clean_query(params.get("q", "")), filters=filters, sort=sort, scope=scope)

    def model_field(self, name: str) -> models.Field:
        return self.module.model._meta.get_field(name)

    def is_text(self, name: str) -> bool:
        field = self.model_field(name)
        return isinstance(field, models.CharField | models.TextField) and not field.choices

    def sortable(self) -> list[str]:
        return [name for name in self.sort_fields if name in self.shown]

    def apply(self, queryset: models.QuerySet, state: ListState) -> models.QuerySet:
        """The records the state asks for, ordered."""
        if state.scope == MINE:
            queryset = queryset.filter(**{self.module.contact_lookup: self.principal.contact.pk})
        if state.filters:
            queryset = queryset.filter(**state.filters)
        searched = [name for name in self.search_fields if name in self.shown]
        if state.query and searched:
            condition = models.Q()
            for name in searched:
                condition |= models.Q(**{f"{name}__icontains": state.query})
            queryset = queryset.filter(condition)
        sort = state.sort or self.default_sort
        return queryset.order_by(sort, "-pk" if sort.startswith("-") else "pk")

    def list_filters(self, state: ListState) -> list[ListFilter]:
        return [
            ListFilter(
                name=name,
                label=self.module.field_label(name),
                choices=list(choice_labels(self.model_field(name)).items()),
                value=(state.filters or {}).get(name, ""),
            )
            for name in self.filter_fields
            if name in self.shown
        ]

    def sort_links(self, state: ListState) -> dict[str, SortLink]:
        links = {}
        for name in self.sortable():
            current = state.sort or self.default_sort
            order = ""
            if current.removeprefix("-") == name:
                order = "descending" if current.startswith("-") else "ascending"
            target = name if order == "descending" else f"-{name}"
            if order == "" and self.is_text(name):
                target = name  # text sorts first from A to Z; dates and choices newest or highest first
            links[name] = SortLink(name, self.module.field_label(name), urlencode(state.params(sort=target)), order)
        return links

    def list_columns(self) -> list[str]:
        """The columns the principal sees, in order."""
        shown = set(self.shown)
        return [name for name in self.list_fields if name in shown]

    def link_column(self, names: list[str]) -> str | None:
        return next((name for name in self.link_fields if name in names), None)

    def columns(self, state: ListState, names: list[str]) -> list[dict]:
        """The table's header: a label per column and, for a sortable one, its sort link."""
        links = self.sort_links(state)
        columns = [{"label": self.module.field_label(name), "sort": links.get(name)} for name in names]
        if self.detail_url_name and self.link_column(names) is None:
            columns.append({"label": gettext("Link"), "sort": None})
        return columns

    _labels: dict[str, dict[str, str]] = {}  # per page: the choice labels of the columns (set by rows())
    _when = staticmethod(shown_text)  # per page: the date and time writer (set by rows())

    def cell_value(self, obj: models.Model, name: str) -> str:
        """One field of a record as the list shows it; modules override this for fields of their own."""
        value = getattr(obj, name)
        if value is None:
            return ""
        labels = self._labels.get(name)
        if labels is not None:
            return labels.get(str(value), str(value))
        if isinstance(value, datetime):
            return self._when(value)
        return shown_text(value)

    def rows(self, records, names: list[str]) -> list[list[str]]:
        """The page's rows as cells of text (links and badges as ready HTML): labels looked up and dates
        formatted once here, so the template only writes them out."""
        self._labels = {
            name: choice_labels(field) for name in names if getattr(field := self.model_field(name), "choices", None)
        }
        self._when = datetime_formatter()
        url = pk_url(self.detail_url_name) if self.detail_url_name else None
        link = self.link_column(names)
        badges = set(self.badge_fields)
        open_label = pgettext("link to a record", "Open")
        rows = []
        for obj in records:
            record_url = url(obj.pk) if url else ""
            cells = []
            for name in names:
                text = self.cell_value(obj, name)
                if name == link and record_url:
                    text = SafeString(f'<a href="{record_url}">{escape(text)}</a>')
                elif name in badges:
                    text = SafeString(f'<span class="status status-{escape(getattr(obj, name))}">{escape(text)}</span>')
                cells.append(text)
            if url and link is None:
                cells.append(SafeString(f'<a href="{record_url}">{escape(open_label)}</a>'))
            rows.append(cells)
        return rows

    def get(self, request):
        state = self.read_state(request.GET)
        queryset = self.apply(self.get_queryset(), state)
        page = Paginator(queryset, self.page_size).get_page(request.GET.get("page"))
        names = self.list_columns()
        grant = self.principal.grant(self.module)
        context = self.context(
            page=page,
            columns=self.columns(state, names),
            rows=self.rows(page.object_list, names),
            count_text=self.count_text(page.paginator.count),
            empty_text=self.no_match_text if state.query or state.filters else self.empty_text,
            state=state,
            query=urlencode(state.params()),
            filters=self.list_filters(state),
            scope_switch=self.has_scope_switch(),
            search=bool([name for name in self.search_fields if name in self.shown]),
            search_placeholder=self.search_placeholder,
            grant=grant,
            create_url_name=self.create_url_name if grant.create and not self.principal.viewing_as else "",
            create_label=self.create_label,
            export_url_name=self.export_url_name,
            results_template=self.results_template_name,
            **self.extra_context(),
        )
        template = self.results_template_name if request.htmx else self.template_name
        return render(request, template, context)

    def extra_context(self) -> dict:
        return {}


class RecordExportView(RecordListView):
    """The list as CSV: the same records as the list (all pages), exactly the columns the principal may see."""

    export_filename = "export.csv"

    def get(self, request):
        state = self.read_state(request.GET)
        queryset = self.apply(self.get_queryset(), state)
        columns = self.export_columns()
        header = [label for _name, label in columns]
        rows = ([cell_text(display_value(obj, name)) for name, _label in columns] for obj in queryset.iterator(2000))
        return csv_response(self.export_filename, header, rows)

    def export_columns(self) -> list[tuple[str, str]]:
        return [(name, str(self.module.field_label(name))) for name in self.shown]


class RecordDetailMixin:
    """Look a record up inside the principal's scope: 404 outside it, the switch page for another company."""

    _when = staticmethod(lambda value: shown_text(value, long=True))  # per page: set by detail_rows()

    def get_object(self, pk):
        return engine.get_visible_object(self.principal, self.module, pk=pk)

    def detail_rows(self, obj: models.Model, exclude: frozenset[str] | set[str] = frozenset()) -> list[tuple[str, str]]:
        """(label, text) of every field the principal may see on the record, but those shown elsewhere on the
        page; dates and times written out in full, empty values as a dash. `detail_text` formats one field."""
        self._when = datetime_formatter("DATETIME_FORMAT")
        return [
            (label, self.detail_text(name, value) if value is not None and value != "" else "—")
            for name, label, value in engine.display_rows(self.principal, self.module, obj)
            if name not in exclude
        ]

    def detail_text(self, name: str, value: object) -> str:
        """One field's value on the record's page; modules override this for fields of their own."""
        return self._when(value) if isinstance(value, datetime) else shown_text(value, long=True)


class AttachmentDownloadView(PortalView):
    """Stream a file whose parent record the principal may see; 404 for anything else.

    `get_attachments()` returns the files that may ever be downloaded (e.g. never those of internal notes);
    `parent_path` is the ORM path from a file to its record of the module. A verified raster image is shown
    inline only when asked for a preview (`?preview=1`); everything else is a download.
    """

    parent_path: str

    def get_attachments(self) -> models.QuerySet:
        raise NotImplementedError

    def get(self, request, pk):
        files = engine.visible_through(self.principal, self.module, self.get_attachments(), self.parent_path)
        attachment = files.filter(pk=pk).first()
        if attachment is None:
            raise Http404
        return attachment_response(attachment, inline_ok=request.GET.get("preview") == "1")
