"""Who is calling the vendor API, and which clinics they reach.

A request authenticates with a vendor credential (``VendorBearer``: ``request.auth`` is the
vendor). Every clinic endpoint (JSON, FHIR, reports) loads its clinic through
``reachable_clinic``; a clinic the vendor may not reach answers 404, exactly like a clinic
that does not exist.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from ninja.errors import HttpError
from ninja.security import HttpBearer

from sentinel.clinics.credentials import authenticate
from sentinel.clinics.models import Clinic, Vendor
from sentinel.lib.identifiers import InvalidIdentifier, validate_ydernummer


class VendorRequest(HttpRequest):
    """A request that passed ``VendorBearer``: ``auth`` is the vendor."""

    auth: Vendor


class VendorBearer(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Vendor | None:
        credential = authenticate(token)
        return credential.vendor if credential else None


def error(
    status: int, code: str, message: str, fields: list[dict[str, str]] | None = None
) -> HttpResponse:
    body = {"error": {"code": code, "message": message, "fields": fields or []}}
    return JsonResponse(body, status=status)


def reachable_clinic(vendor: Vendor, ydernummer: str) -> Clinic:
    """The clinic, if this vendor has ever activated it; 404 otherwise."""
    try:
        number = validate_ydernummer(ydernummer)
    except InvalidIdentifier as exc:
        raise HttpError(404, f"no clinic {ydernummer!r} for this credential ({exc})") from None
    clinic = Clinic.objects.filter(ydernummer=number, activations__vendor=vendor).distinct().first()
    if clinic is None:
        raise HttpError(404, f"no clinic {number} for this credential")
    return clinic
