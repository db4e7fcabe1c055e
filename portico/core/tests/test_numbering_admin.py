"""Staff may move a numbering series forward in the back office, never back."""

from django.urls import reverse

from portico.core.models import NumberSequence
from portico.core.numbering import next_number


def test_staff_move_a_series_forward_and_the_next_number_follows(admin_client):
    next_number("case", prefix="CS-")
    sequence = NumberSequence.objects.get(series="case")
    url = reverse("admin:core_numbersequence_change", args=[sequence.pk])
    response = admin_client.post(url, {"last_value": 5000})
    assert response.status_code == 302
    assert next_number("case", prefix="CS-") == "CS-005001"


def test_moving_a_series_back_is_refused_with_a_message_and_changes_nothing(admin_client):
    for _ in range(3):
        next_number("case", prefix="CS-")
    sequence = NumberSequence.objects.get(series="case")
    url = reverse("admin:core_numbersequence_change", args=[sequence.pk])
    response = admin_client.post(url, {"last_value": 1})
    assert response.status_code == 200
    assert "can only move forward" in response.content.decode()
    sequence.refresh_from_db()
    assert sequence.last_value == 3


def test_series_cannot_be_added_or_deleted_by_hand(admin_client):
    assert admin_client.get(reverse("admin:core_numbersequence_add")).status_code == 403
