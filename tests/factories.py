"""Factories for test data. Identifiers are generated and valid; nothing resembles a person."""

from __future__ import annotations

import itertools

import factory

from sentinel.clinics.models import Clinic, Speciale, Vendor
from sentinel.lib.identifiers import cvr_check_digit

_numbers = itertools.count(1)


def valid_cvr(n: int) -> str:
    """A valid CVR starting with 0 (never issued to a real company)."""
    for k in itertools.count(n * 7):
        first7 = f"0{k % 1_000_000:06d}"
        digit = cvr_check_digit(first7)
        if digit is not None:
            return f"{first7}{digit}"
    raise AssertionError("unreachable")


class VendorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Vendor

    slug = factory.Sequence(lambda n: f"vendor-{n}")
    name = factory.Sequence(lambda n: f"Testsystemhus {n} A/S")
    menu_help_da = "Sentinel ligger under Funktioner."
    menu_help_en = "Sentinel is under Functions."
    support_phone = "7000 0000"
    support_email = "support@vendor.example"


class ClinicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Clinic

    ydernummer = factory.LazyFunction(lambda: f"8{next(_numbers):05d}")
    cvr = factory.LazyFunction(lambda: valid_cvr(next(_numbers)))
    name = factory.Sequence(lambda n: f"Testklinik {n}")
    speciale = Speciale.ALMEN_FYSIOTERAPI
    region_code = "DK-84"
    municipality_code = "0101"
