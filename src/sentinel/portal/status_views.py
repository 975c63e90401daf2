"""Tjek status and Kom godt i gang."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from sentinel.clinics.contacts import SENTINEL_SUPPORT, SUNDHED_DK_SUPPORT
from sentinel.clinics.models import Clinic
from sentinel.collection.status import Check, StatusReport, check_status
from sentinel.portal.access import PortalUser, clinic_page
from sentinel.portal.clinic_pages import check_link, page_context
from sentinel.portal.templatetags.portal import english
from sentinel.projects.models import Project

# --- Tjek status and Kom godt i gang ----------------------------------------------------------


@dataclass(frozen=True)
class CheckRow:
    check: Check
    href: str
    link_text: str


def _rows(clinic: Clinic, report: StatusReport) -> list[CheckRow]:
    return [CheckRow(c, *check_link(clinic, c)) for c in report.checks]


@require_GET
@clinic_page
def status(request: HttpRequest, clinic: Clinic, user: PortalUser) -> HttpResponse:
    report = check_status(clinic)
    return render(
        request,
        "portal/status_check.html",
        page_context(
            clinic,
            user,
            "status",
            report=report,
            rows=_rows(clinic, report),
            menu_help=report.vendor_menu_help_en if english() else report.vendor_menu_help_da,
            sentinel=SENTINEL_SUPPORT,
            sundhed_dk=SUNDHED_DK_SUPPORT,
        ),
    )


@dataclass(frozen=True)
class Step:
    number: int
    title: str
    text: str
    checks: list[CheckRow]
    href: str = ""
    link_text: str = ""

    @property
    def open_checks(self) -> list[CheckRow]:
        """The step's checks that are not in order (what the guided path shows)."""
        return [r for r in self.checks if not r.check.ok]

    @property
    def state(self) -> str:
        states = {r.check.state for r in self.checks}
        if "action_needed" in states:
            return "action_needed"
        if "waiting" in states or not self.checks:
            return "waiting"
        return "ok"


def _first_report_text() -> str:
    """When the first reports open, from the projects' own first-report delays."""
    delays = sorted(
        set(
            Project.objects.filter(is_published=True).values_list(
                "first_report_delay_months", flat=True
            )
        )
    )
    if len(delays) == 1:
        when = _("%(months)s måneder") % {"months": delays[0]}
    elif delays:
        when = _("%(low)s–%(high)s måneder (det står under hvert projekt)") % {
            "low": delays[0],
            "high": delays[-1],
        }
    else:
        when = _("nogle måneder")
    return _(
        "De første rapporter åbner %(when)s efter, at databehandleraftale, samtykke og "
        "tilmelding er på plads. Der er et faneblad for hvert projekt, du er tilmeldt, og "
        "rapporten viser data fra din tilmelding."
    ) % {"when": when}


@require_GET
@clinic_page
def help_page(request: HttpRequest, clinic: Clinic, user: PortalUser) -> HttpResponse:
    """The seed guide's steps ("Sentinel – kom godt i gang"), each against the clinic's state."""
    report = check_status(clinic)
    rows = _rows(clinic, report)

    def of(*names: str) -> list[CheckRow]:
        return [r for r in rows if r.check.check in names]

    yd = clinic.ydernummer
    steps = [
        Step(
            1,
            _("Dit systemhus aktiverer Sentinel"),
            _(
                "Dit praksissystem skal have Sentinel aktiveret, før der kan overføres data. "
                "Har du ikke et menupunkt til Sentinel, skal du kontakte dit systemhus."
            ),
            of("activation", "vendor_approval"),
        ),
        Step(
            2,
            _("Underskriv databehandleraftalen"),
            _(
                "Du underskriver som dataansvarlig med dit virksomheds-MitID: direkte her hos "
                "Sentinel eller via menupunktet 'Underskriv ny databehandleraftale' i "
                "Sentinel-menuen i dit praksissystem (sundhed.dk)."
            ),
            of("dpa"),
            reverse("portal:dpa", args=[yd]),
            _("Gå til databehandleraftalen"),
        ),
        Step(
            3,
            _("Godkend samtykkeerklæringen (Praksis samtykke)"),
            _("Du godkender samtykkeerklæringen som dataansvarlig."),
            of("consent"),
            reverse("portal:consent", args=[yd]),
            _("Gå til praksis samtykke"),
        ),
        Step(
            4,
            _("Tilmeld dig projekter under Administrer"),
            _(
                "Et projekt er en opsamling af data med et bestemt formål. Under hvert projekt "
                "kan du se, hvilke data der opsamles, og med hvem de må deles."
            ),
            of("enrolment"),
            reverse("portal:administer", args=[yd]),
            _("Gå til Administrer"),
        ),
        Step(
            5,
            _("Dit praksissystem sender data"),
            _(
                "Når alt ovenfor er på plads, sender dit praksissystem data til de projekter, "
                "du er tilmeldt, fra tilmeldingsdagen."
            ),
            of("data_flow"),
        ),
        Step(
            6,
            _("Se dine rapporter"),
            _first_report_text(),
            of("report"),
            reverse("portal:reports", args=[yd]),
            _("Gå til Rapporter"),
        ),
    ]
    return render(
        request,
        "portal/help.html",
        page_context(
            clinic,
            user,
            "help",
            steps=steps,
            current=next((s for s in steps if s.state != "ok"), None),
            first_report=_first_report_text(),
            vendor_contact=report.vendor_contact,
            menu_help=report.vendor_menu_help_en if english() else report.vendor_menu_help_da,
            sentinel=SENTINEL_SUPPORT,
            sundhed_dk=SUNDHED_DK_SUPPORT,
        ),
    )
