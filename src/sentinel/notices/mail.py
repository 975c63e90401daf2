"""One mail to one address through Django's mail framework (the SMTP server of the
``SENTINEL_SMTP_*`` settings), with the stop link in every notice."""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMessage
from django.urls import reverse

from sentinel.notices.models import Contact

_STOP_SALT = "sentinel.notices.stop"


def absolute(path: str, base_url: str = "") -> str:
    """``path`` on ``SENTINEL_PUBLIC_URL`` when it is set, else on ``base_url``."""
    base = settings.SENTINEL_PUBLIC_URL or base_url.rstrip("/") or "http://127.0.0.1:8000"
    return f"{base}{path}"


def stop_token(contact: Contact) -> str:
    """The token of the contact's stop link: signed, single purpose (it can only stop this
    address's notices), and valid as long as the address is."""
    return signing.dumps({"contact": contact.pk, "email": contact.email}, salt=_STOP_SALT)


def contact_for_stop_token(token: str) -> Contact | None:
    try:
        data = signing.loads(token, salt=_STOP_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("contact"), int):
        return None
    return Contact.objects.filter(pk=data["contact"], email=data.get("email", "")).first()


def stop_url(contact: Contact, base_url: str = "") -> str:
    return absolute(reverse("portal:notice_stop", args=[stop_token(contact)]), base_url)


def send(*, to: str, subject: str, body: str, stop: str = "", fail_silently: bool = False) -> None:
    """Send one plain-text mail; ``stop`` (a URL) is added as the mail's last lines and as its
    List-Unsubscribe header (one click, RFC 8058)."""
    headers = {}
    if stop:
        body = f"{body.rstrip()}\n\n-- \n{stop}\n"
        headers = {
            "List-Unsubscribe": f"<{stop}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        }
    message = EmailMessage(
        subject=subject,
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
        headers=headers,
    )
    message.send(fail_silently=fail_silently)
