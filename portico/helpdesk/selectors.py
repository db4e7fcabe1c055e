"""Reads of the helpdesk for its screens: each loads what a page shows in a fixed number of queries."""

from __future__ import annotations

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from portico.access import engine
from portico.helpdesk.models import Case, CaseAttachment, CaseDeflection, CaseMessage, CaseStatusChange
from portico.helpdesk.sla import sla_state


def version(case: Case) -> str:
    """A token that changes whenever something the customer sees on the case changes (never for a note)."""
    return str(int(case.public_updated_at.timestamp() * 1_000_000))


def _messages(queryset: QuerySet) -> list[CaseMessage]:
    return list(
        queryset.select_related("author_user", "author_contact").prefetch_related(
            Prefetch("attachments", queryset=CaseAttachment.objects.order_by("pk"))
        )
    )


def public_conversation(case: Case) -> list[CaseMessage]:
    """The customer's messages and the public replies with their attachments, oldest first: never a note."""
    return _messages(CaseMessage.objects.public().filter(case=case).order_by("created_at", "pk"))


def staff_conversation(case: Case) -> list[CaseMessage]:
    """Every message of a case, internal notes included, for the back office."""
    return _messages(CaseMessage.objects.filter(case=case).order_by("created_at", "pk"))


def status_history(case: Case) -> list[CaseStatusChange]:
    return list(
        CaseStatusChange.objects.filter(case=case).select_related("actor", "actor_contact").order_by("created_at", "pk")
    )


def case_page(case: Case) -> dict:
    """What the portal's case page shows besides the case itself: conversation, history, SLA, live token."""
    return {
        "conversation": public_conversation(case),
        "history": status_history(case),
        "sla": sla_state(case),
        "version": version(case),
        "now": timezone.now(),
    }


def visible_merge_target(principal, module, case: Case) -> Case | None:
    """The case a duplicate was merged into, when the principal may see it."""
    if not case.merged_into_id:
        return None
    return engine.visible(principal, module).filter(pk=case.merged_into_id).first()


def deflection_summary(queryset: QuerySet | None = None) -> dict[str, int]:
    """How many suggested articles were opened from the new-case form, and how many led to no case."""
    queryset = CaseDeflection.objects.all() if queryset is None else queryset
    return queryset.aggregate(opened=Count("pk"), deflected=Count("pk", filter=Q(case__isnull=True)))
