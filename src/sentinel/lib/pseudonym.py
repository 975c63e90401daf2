"""Patient identity without plain CPR.

- ``pseudonym``: HMAC-SHA256 of the CPR under a secret key — stable, so records of one patient
  link and count, but irreversible without the key.
- ``CprCipher``: AES-GCM encryption of the CPR, only where a project shows the clinic a
  person-identifiable worklist. Each ciphertext carries the id of the key that made it, so keys
  can rotate: new data uses the newest key, old data stays readable while its key is kept.
  The clinic id is bound in as associated data: a ciphertext moved to another clinic's row
  does not decrypt.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from collections.abc import Sequence
from dataclasses import dataclass

from cryptography.hazmat.primitives.ciphers.aead import AESGCM


def pseudonym(key: bytes, cpr: str) -> str:
    """The keyed pseudonym of a (normalised, 10-digit) CPR: 64 hex characters."""
    return hmac.new(key, cpr.encode("ascii"), hashlib.sha256).hexdigest()


def decode_key(text: str, *, name: str) -> bytes:
    """A 32-byte key from its urlsafe base64 text; raises ValueError naming the setting."""
    try:
        key = base64.urlsafe_b64decode(text.encode("ascii") + b"=" * (-len(text) % 4))
    except (ValueError, UnicodeEncodeError):
        raise ValueError(f"{name} is not valid base64") from None
    if len(key) != 32:
        raise ValueError(f"{name} must be 32 bytes (base64), got {len(key)}")
    return key


def new_key_text() -> str:
    return base64.urlsafe_b64encode(os.urandom(32)).decode("ascii").rstrip("=")


@dataclass(frozen=True)
class CprCipher:
    """AES-GCM with a key ring: ``keys`` maps key id → 32-byte key; ``current`` encrypts."""

    keys: dict[str, bytes]
    current: str

    def encrypt(self, cpr: str, *, clinic_id: int) -> tuple[bytes, str]:
        return self.encrypt_many([cpr], clinic_id=clinic_id)[0]

    def encrypt_many(self, cprs: Sequence[str], *, clinic_id: int) -> list[tuple[bytes, str]]:
        """``encrypt`` for each of ``cprs`` (a batch): every ciphertext has its own random
        96-bit nonce, all read from the OS in one call, under one key schedule."""
        if not cprs:
            return []
        aead = AESGCM(self.keys[self.current])
        bound = str(clinic_id).encode()
        nonces = os.urandom(12 * len(cprs))
        sealed = []
        for i, cpr in enumerate(cprs):
            nonce = nonces[12 * i : 12 * i + 12]
            sealed.append((nonce + aead.encrypt(nonce, cpr.encode("ascii"), bound), self.current))
        return sealed

    def decrypt(self, blob: bytes, *, key_id: str, clinic_id: int) -> str:
        key = self.keys.get(key_id)
        if key is None:
            raise KeyError(f"CPR key {key_id!r} is not configured")
        plain = AESGCM(key).decrypt(bytes(blob[:12]), bytes(blob[12:]), str(clinic_id).encode())
        return plain.decode("ascii")
