"""Background tasks of the helpdesk."""

from django_tasks import task

from portico.helpdesk import services


@task()
def close_resolved_cases() -> int:
    """Close the resolved cases whose reopen window has passed; return how many."""
    return services.close_resolved_cases()
