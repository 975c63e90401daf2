"""The guided path ("Sentinel – kom godt i gang"): the seed guide's steps read from the status
check, and the one step that comes next.

The clinic's own part is three steps — sign the DPA, approve the consent, enrol ("Trin 2 af
3") — between what the systemhus does first (activate Sentinel) and what follows by itself
(data arrives, the reports open). The next step is the one holding the first line of the status
check that is not in order, in the seed's order, so Kom godt i gang, the menu's "Næste trin",
a receipt and the enrolment confirmation all say the same thing. Nothing here re-derives the
clinic's standing: every state is a line of ``collection.status.check_status``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.urls import reverse
from django.utils.translation import gettext as _

from sentinel.clinics.models import Clinic
from sentinel.collection.status import Check, StatusReport, check_status
from sentinel.portal.templatetags.portal import pick
from sentinel.projects.models import Project

OWNER_STEPS = ("dpa", "consent", "enrolment")
"""What the clinic itself does, in the seed guide's order ("2 af 3")."""

STEP_CHECKS = {
    "activation": ("activation", "vendor_approval"),
    "dpa": ("dpa",),
    "consent": ("consent",),
    "enrolment": ("enrolment",),
    "data_flow": ("data_flow",),
    "report": ("report",),
}
"""Each step and the status check's lines it is made of."""


def check_link(clinic: Clinic, check: Check) -> tuple[str, str]:
    """Where the clinic fixes what ``check`` says (or, for an open report, reads it), and the
    link's words ("" when there is nowhere to go)."""
    yd = clinic.ydernummer
    if check.check == "report" and check.project and check.ok:
        return reverse("portal:report_tab", args=[yd, check.project]), _("Se rapporten")
    if check.ok or check.state == "waiting":
        return "", ""
    if check.check == "dpa":
        return reverse("portal:dpa", args=[yd]), _("Gå til databehandleraftalen")
    if check.check == "consent":
        return reverse("portal:consent", args=[yd]), _("Gå til praksis samtykke")
    if check.check == "enrolment":
        return reverse("portal:administer", args=[yd]), _("Gå til Administrer")
    if check.check == "vendor_approval":
        return reverse("portal:administer", args=[yd]) + "#vendors", _("Se anmodningen")
    return "", ""


@dataclass(frozen=True)
class CheckRow:
    """A line of the status check with where the clinic acts on it (or reads its report)."""

    check: Check
    href: str
    link_text: str


def rows(clinic: Clinic, report: StatusReport) -> list[CheckRow]:
    return [CheckRow(c, *check_link(clinic, c)) for c in report.checks]


@dataclass(frozen=True)
class Step:
    key: str
    title: str
    text: str
    checks: list[CheckRow] = field(default_factory=list)
    number: int | None = None
    """1–3 for the clinic's own steps (``OWNER_STEPS``), None for the others."""

    @property
    def total(self) -> int:
        """How many steps are the clinic's own (the "3" of "Trin 2 af 3")."""
        return len(OWNER_STEPS)

    @property
    def label(self) -> str:
        """Where the step stands on the path: "Trin 2 af 3", "Før du går i gang", …"""
        if self.number is not None:
            return _("Trin %(n)s af %(total)s") % {"n": self.number, "total": self.total}
        if self.key == "activation":
            return _("Før du går i gang")
        if self.key == "data_flow":
            return _("Derefter")
        return _("Til sidst")

    @property
    def open_checks(self) -> list[CheckRow]:
        """The step's lines that are not in order (what the guided path shows)."""
        return [r for r in self.checks if not r.check.ok]

    @property
    def state(self) -> str:
        states = {r.check.state for r in self.checks}
        if "action_needed" in states:
            return "action_needed"
        if "waiting" in states or not self.checks:
            return "waiting"
        return "ok"

    @property
    def link(self) -> tuple[str, str]:
        """Where to go for this step (the first line that has somewhere), else ("", "")."""
        for row in self.open_checks or self.checks:
            if row.href:
                return row.href, row.link_text
        return "", ""

    @property
    def first_open(self) -> CheckRow | None:
        return next(iter(self.open_checks), None)

    @property
    def summary(self) -> str:
        """The first open line's words: what it is and what to do."""
        first = self.first_open
        if first is None:
            return ""
        return f"{pick(first.check, 'detail')} {pick(first.check, 'action')}".strip()


@dataclass(frozen=True)
class Guide:
    steps: list[Step]
    report: StatusReport

    @property
    def current(self) -> Step | None:
        """The step holding the first line that is not in order; None when all are."""
        first = next((c for c in self.report.checks if not c.ok), None)
        if first is None:
            return None
        return next(s for s in self.steps if first.check in STEP_CHECKS[s.key])


def first_report_text() -> str:
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


def guide(clinic: Clinic, report: StatusReport | None = None) -> Guide:
    """The seed guide's six steps for ``clinic``, each with its lines of the status check."""
    report = report or check_status(clinic)
    found = rows(clinic, report)

    def of(key: str) -> list[CheckRow]:
        return [r for r in found if r.check.check in STEP_CHECKS[key]]

    texts = {
        "activation": (
            _("Dit systemhus aktiverer Sentinel"),
            _(
                "Dit praksissystem skal have Sentinel aktiveret, før der kan overføres data. "
                "Har du ikke et menupunkt til Sentinel, skal du kontakte dit systemhus."
            ),
        ),
        "dpa": (
            _("Underskriv databehandleraftalen"),
            _(
                "Du underskriver som dataansvarlig med dit virksomheds-MitID: direkte her hos "
                "Sentinel eller via menupunktet 'Underskriv ny databehandleraftale' i "
                "Sentinel-menuen i dit praksissystem (sundhed.dk)."
            ),
        ),
        "consent": (
            _("Godkend samtykkeerklæringen (Praksis samtykke)"),
            _("Du godkender samtykkeerklæringen som dataansvarlig."),
        ),
        "enrolment": (
            _("Tilmeld dig projekter under Administrer"),
            _(
                "Et projekt er en opsamling af data med et bestemt formål. Under hvert projekt "
                "kan du se, hvilke data der opsamles, og med hvem de må deles."
            ),
        ),
        "data_flow": (
            _("Dit praksissystem sender data"),
            _(
                "Når alt ovenfor er på plads, sender dit praksissystem data til de projekter, "
                "du er tilmeldt, fra tilmeldingsdagen."
            ),
        ),
        "report": (_("Se dine rapporter"), first_report_text()),
    }
    steps = [
        Step(
            key,
            title,
            text,
            of(key),
            OWNER_STEPS.index(key) + 1 if key in OWNER_STEPS else None,
        )
        for key, (title, text) in texts.items()
    ]
    return Guide(steps, report)


def next_step_text(clinic: Clinic) -> str:
    """What comes next, in one sentence or two (the message after enrolling)."""
    step = guide(clinic).current
    if step is None:
        return _("Alt er i orden: der opsamles data, og dine rapporter er åbne.")
    if step.number is not None:
        return (
            _("Trin %(n)s af %(total)s: %(title)s.")
            % {
                "n": step.number,
                "total": len(OWNER_STEPS),
                "title": step.title,
            }
            + f" {step.summary}"
        )
    return step.summary
