"""Which clinics a vendor reaches: the one rule every vendor door calls.

A vendor (systemhus) is a data processor for the clinics that chose it, never for the others.
It reaches a clinic — its status, subscriptions, reports, launch links and submissions, over
JSON and FHIR — only while an ``Activation`` of it for that clinic is in force. An activation
exists only once it took effect: at once for a new clinic, otherwise when the clinic's owner
approved the vendor's request (``collection.approvals``). A pending, refused or ended vendor,
like a stranger, reaches nothing, and the doors answer it exactly as for an unknown clinic.

Within a clinic a vendor sees only what it sent itself (``Episode.vendor``): the worklist in
the JSON report and in a launch session that vendor opened lists only its own courses.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet
from django.utils import timezone

from sentinel.clinics.models import Activation, Clinic, Vendor


def reachable_clinics(vendor: Vendor, at: dt.datetime | None = None) -> QuerySet[Clinic]:
    """The clinics ``vendor`` reaches at the moment ``at`` (now by default)."""
    in_force = Activation.objects.in_force(at or timezone.now()).filter(vendor=vendor)
    return Clinic.objects.filter(pk__in=in_force.values("clinic_id"))


def reaches(vendor: Vendor | int, clinic: Clinic | int, at: dt.datetime | None = None) -> bool:
    """Whether ``vendor`` reaches ``clinic`` at the moment ``at`` (now by default)."""
    vendor_id = vendor if isinstance(vendor, int) else vendor.pk
    clinic_id = clinic if isinstance(clinic, int) else clinic.pk
    return (
        Activation.objects.in_force(at or timezone.now())
        .filter(vendor_id=vendor_id, clinic_id=clinic_id)
        .exists()
    )
