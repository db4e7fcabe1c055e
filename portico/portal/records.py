"""Generic pages of a record module: a list with filters, search, sort, pages and Mine/Company; its CSV export;
one record; a file download. A module's views subclass these and name their fields; records come only from
the access engine, and filters, search, sort and export reach only the fields the principal may see.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from django.core.paginator import Paginator
from django.db import models
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from portico.access import engine
from portico.access.models import Scope
from portico.core.attachments import attachment_response
from portico.core.csvexport import csv_response
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


def clean_query(text: str) -> str:
    """Search words as typed, on one line, without control characters (PostgreSQL refuses NUL in text)."""
    return " ".join("".join(ch for ch in text if unicodedata.category(ch) != "Cc").split())[:SEARCH_MAX]


def display_value(obj: models.Model, name: str) -> object:
    """A field's value as people read it: the label of a choice, the text of a related record, the value itself."""
    field = obj._meta.get_field(name)
    if getattr(field, "choices", None):
        return getattr(obj, f"get_{name}_display")()
    return getattr(obj, name)


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

    Subclasses name `template_name` and `results_template_name`, and may name `filter_fields` (fields with
    choices), `search_fields` and `sort_fields` (fields of the module): each counts only while the principal
    may see it. `default_sort` orders the list otherwise (a tiebreaker on the primary key is always added).
    """

    template_name: str
    results_template_name: str
    filter_fields: tuple[str, ...] = ()
    search_fields: tuple[str, ...] = ()
    sort_fields: tuple[str, ...] = ()
    default_sort = "-pk"
    page_size = 25
    export_url_name = ""

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
            choices = {str(v) for v, _label in self.model_field(name).choices}
            if name in self.shown and value in choices:
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
                choices=[(str(v), str(label)) for v, label in self.model_field(name).choices],
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

    def get(self, request):
        state = self.read_state(request.GET)
        queryset = self.apply(self.get_queryset(), state)
        page = Paginator(queryset, self.page_size).get_page(request.GET.get("page"))
        context = self.context(
            page=page,
            rows=self.rows(page.object_list),
            state=state,
            query=urlencode(state.params()),
            filters=self.list_filters(state),
            sort_links=self.sort_links(state),
            scope_switch=self.has_scope_switch(),
            shown=set(self.shown),
            grant=self.principal.grant(self.module),
            export_url_name=self.export_url_name,
            **self.extra_context(),
        )
        template = self.results_template_name if request.htmx else self.template_name
        return render(request, template, context)

    def rows(self, records) -> list:
        return list(records)

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

    def get_object(self, pk):
        return engine.get_visible_object(self.principal, self.module, pk=pk)


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
