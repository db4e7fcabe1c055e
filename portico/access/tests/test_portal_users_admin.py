"""The back office's list of every portal user."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from portico.access.models import PortalAccess
from portico.core.models import OutboxMessage


def test_portal_user_list_filters_by_access_window(client, sam, alice, bob):
    bob.portal_end = timezone.localdate() + timedelta(days=5)
    bob.save()
    alice.portal_end = timezone.localdate() + timedelta(days=200)
    alice.save()
    client.force_login(sam)
    response = client.get(reverse("admin:access_portalaccess_changelist"), {"window": "ending"})
    assert response.status_code == 200
    assert b"bob@acme.example" in response.content
    assert b"alice@acme.example" not in response.content


def test_portal_user_list_actions_resend_and_revoke(client, sam, alice, bob):
    client.force_login(sam)
    url = reverse("admin:access_portalaccess_changelist")
    response = client.post(url, {"action": "resend_invitation", "_selected_action": [alice.pk, bob.pk]}, follow=True)
    assert response.status_code == 200
    assert sorted(OutboxMessage.objects.values_list("to", flat=True)) == ["alice@acme.example", "bob@acme.example"]
    client.post(url, {"action": "revoke", "_selected_action": [bob.pk]})
    assert list(PortalAccess.objects.filter(is_active=True).values_list("pk", flat=True)) == [alice.pk]
