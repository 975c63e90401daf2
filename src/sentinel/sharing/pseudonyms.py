"""Recipient-specific pseudonyms: a recipient's own key, derived from Sentinel's pseudonym key,
the project and the recipient, so no two recipients' pseudonyms can be linked.
"""

from __future__ import annotations

import hashlib
import hmac

from django.conf import settings

from sentinel.projects.models import Project, Recipient

_KEY_CONTEXT = "sentinel-export/v1"


def recipient_key(project: Project, recipient: Recipient) -> bytes:
    """The recipient's own pseudonym key: derived from Sentinel's pseudonym key, the project
    and the recipient (HMAC-SHA256), so no two recipients' pseudonyms can be linked."""
    label = f"{_KEY_CONTEXT}/{project.code}/{recipient.code}".encode()
    return hmac.new(settings.SENTINEL_PSEUDONYM_KEY, label, hashlib.sha256).digest()


def recipient_pseudonym(key: bytes, kind: str, value: str) -> str:
    """The pseudonym of ``value`` (a stored patient pseudonym, a ydernummer, a course id) of
    ``kind`` (``patient``, ``clinic``, ``episode``) under a recipient's key: 64 hex digits."""
    return hmac.new(key, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()
