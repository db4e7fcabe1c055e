"""Signed, expiring, single-use invitation links."""

from django.conf import settings
from django.core import signing
from django.utils.crypto import constant_time_compare, salted_hmac

from portico.access.models import PortalAccess

SALT = "portico.access.invitation"


def _state(access: PortalAccess) -> str:
    """A fingerprint of everything that must invalidate an invitation when it changes.

    Setting a password (single use), a new invitation (resend), a changed email or a revoked access all
    change the fingerprint, so older links stop working at once.
    """
    user = access.user
    parts = [
        str(access.pk),
        access.contact.email,
        str(access.invitation_sent_at),
        str(access.is_active),
        str(user.pk if user else ""),
        user.password if user else "",
        user.email if user else "",
    ]
    return salted_hmac(SALT, "|".join(parts), algorithm="sha256").hexdigest()[:32]


def make_invitation_token(access: PortalAccess) -> str:
    return signing.TimestampSigner(salt=SALT).sign(f"{access.pk}.{_state(access)}")


def check_invitation_token(token: str) -> PortalAccess | None:
    """Return the access an invitation token belongs to, or None when it is forged, expired or used."""
    try:
        value = signing.TimestampSigner(salt=SALT).unsign(token, max_age=settings.PORTAL_INVITATION_TIMEOUT)
        access_id, state = value.split(".", 1)
        access = PortalAccess.objects.select_related("contact__account", "user", "profile").get(pk=int(access_id))
    except (signing.BadSignature, ValueError, PortalAccess.DoesNotExist):
        return None
    if not access.is_active or access.user is None or not constant_time_compare(state, _state(access)):
        return None
    return access
