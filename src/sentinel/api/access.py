"""Who is calling the vendor API, and which clinics they reach.

A request authenticates with a vendor credential (``VendorBearer``: ``request.auth`` is the
vendor). Every clinic endpoint (JSON, FHIR, reports, launch) loads its clinic through
``reachable_clinic``, which asks the one rule (``clinics.reach``); a clinic the vendor may not
reach — unknown, another vendor's, pending, refused or ended — answers the same 404, status
and body, as a clinic that does not exist.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from ninja.errors import HttpError
from ninja.security import HttpBearer

from sentinel.clinics.credentials import authenticate
from sentinel.clinics.models import Clinic, Vendor
from sentinel.clinics.reach import reachable_clinics
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


def not_found(ydernummer: str) -> HttpError:
    """The one answer for a clinic this credential does not reach, whatever the reason."""
    shown = ydernummer if ydernummer.isascii() and ydernummer.isdigit() else "?"
    return HttpError(404, f"no clinic {shown[:6]} for this credential")


def reachable_clinic(vendor: Vendor, ydernummer: str) -> Clinic:
    """The clinic, if this vendor reaches it now (``clinics.reach``); 404 otherwise."""
    try:
        number = validate_ydernummer(ydernummer)
    except InvalidIdentifier:
        raise not_found(ydernummer) from None
    clinic = reachable_clinics(vendor).filter(ydernummer=number).first()
    if clinic is None:
        raise not_found(number)
    return clinic
