"""A synthetic nation of clinics for the demo: every onboarding state, every status outcome.

Everything is generated and deterministic for a given seed. CVR numbers start with 0 (no
real company has one), ydernumre start with 9, people are "Demo klinikejer N", and no
patient data is made here. Every change goes through the real actions, so the audit log,
validation and history are exactly what production would write; dates are set back in time
relative to ``today`` so the demo always shows every state.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from sentinel.agreements import actions as agreements
from sentinel.agreements.models import AssuranceLevel, Channel, Document, DocumentKind
from sentinel.audit.actors import Actor
from sentinel.clinics import actions as clinics
from sentinel.clinics.models import Clinic, Speciale, Vendor
from sentinel.lib import refdata
from sentinel.lib.identifiers import cvr_check_digit
from sentinel.projects import actions as projects
from sentinel.projects.models import Project

DEMO = Actor.system("demo")

VENDORS = [
    {
        "slug": "fysiodata",
        "name": "Fysiodata Demo A/S",
        "menu_help_da": "I Fysiodata finder du Sentinel under Funktioner → Kvalitet → Sentinel.",
        "menu_help_en": "In Fysiodata, Sentinel is under Functions → Quality → Sentinel.",
        "support_phone": "7000 1001",
        "support_email": "support@fysiodata.example",
    },
    {
        "slug": "praksisplus",
        "name": "PraksisPlus Demo ApS",
        "menu_help_da": (
            "I PraksisPlus klikker du på tandhjulet øverst til højre og vælger Sentinel."
        ),
        "menu_help_en": "In PraksisPlus, click the cog at the top right and choose Sentinel.",
        "support_phone": "7000 2002",
        "support_email": "hjaelp@praksisplus.example",
    },
    {
        "slug": "kliniksystem",
        "name": "KlinikSystem Demo A/S",
        "menu_help_da": "I KlinikSystem ligger Sentinel i venstremenuen under Indberetninger.",
        "menu_help_en": "In KlinikSystem, Sentinel is in the left menu under Reporting.",
        "support_phone": "7000 3003",
        "support_email": "support@kliniksystem.example",
    },
]

# Share of clinics in each onboarding story (the rest are fully onboarded with open reports).
STORIES: list[tuple[str, float]] = [
    ("not_activated", 0.05),
    ("deactivated", 0.03),
    ("no_dpa", 0.06),
    ("dpa_outdated", 0.05),
    ("no_consent", 0.05),
    ("consent_outdated", 0.04),
    ("not_enrolled", 0.06),
    ("unenrolled", 0.03),
    ("re_enrolled", 0.03),
    ("no_data", 0.05),
    ("data_stopped", 0.04),
    ("waiting_for_data", 0.04),
    ("report_pending", 0.10),
]

NAME_PATTERNS = [
    "Fysioterapi {town}",
    "{town} Fysioterapi & Træning",
    "Klinik for Fysioterapi {town}",
    "{town} Fysio",
    "FysioCenter {town}",
    "{town} Ridefysioterapi",
]


@dataclass
class Story:
    """The dates of one clinic's onboarding, relative to today."""

    rng: random.Random
    today: dt.date

    def days_ago(self, low: int, high: int) -> dt.date:
        return self.today - dt.timedelta(days=self.rng.randint(low, high))


def _at(day: dt.date, rng: random.Random) -> dt.datetime:
    moment = dt.datetime.combine(day, dt.time(rng.randint(8, 16), rng.randint(0, 59)))
    return timezone.make_aware(moment)


def _cvr(rng: random.Random, taken: set[str]) -> str:
    while True:
        first7 = "0" + "".join(str(rng.randint(0, 9)) for _ in range(6))
        digit = cvr_check_digit(first7)
        if digit is not None and (cvr := f"{first7}{digit}") not in taken:
            taken.add(cvr)
            return cvr


def _signer(rng: random.Random, cvr: str, number: int) -> agreements.Signer:
    return agreements.Signer(
        person_uuid=uuid.UUID(int=rng.getrandbits(128), version=4),
        name=f"Demo klinikejer {number}",
        cvr=cvr,
        assurance_level=rng.choice([AssuranceLevel.SUBSTANTIAL, AssuranceLevel.HIGH]),
        may_sign=True,
    )


def ensure_vendors() -> list[Vendor]:
    vendors = []
    for data in VENDORS:
        vendor = Vendor.objects.filter(slug=data["slug"]).first()
        vendors.append(vendor or clinics.create_vendor(by=DEMO, **data))
    return vendors


def ensure_second_versions(today: dt.date) -> dict[str, Document]:
    """Publish demo version 2 of the DPA and the consent (90 and 75 days ago), once."""
    published: dict[str, Document] = {}
    for kind, days in ((DocumentKind.DPA, 90), (DocumentKind.CONSENT, 75)):
        existing = Document.objects.filter(kind=kind, version__gte=2).order_by("version").first()
        if existing is None:
            first = Document.objects.get(kind=kind, version=1)
            existing = agreements.publish_document(
                by=DEMO,
                kind=kind,
                title=first.title.replace("(eksempel)", "v2 (eksempel)"),
                text=first.text + "\n6. Ændring (version 2)\nPrøvetekst: opdateret for demoen.\n",
                published_on=today - dt.timedelta(days=days),
                is_sample=True,
            )
        published[kind] = existing
    return published


def _onboard(
    *,
    story_name: str,
    clinic: Clinic,
    vendor: Vendor,
    project: Project,
    signer: agreements.Signer,
    second: dict[str, Document],
    s: Story,
    outcomes: Project | None = None,
) -> None:
    """Onboard ``clinic`` as its story says; clinics whose story is "ok" (speciale 51) also
    enrol in Forløbsresultater (``outcomes``), two in three of them."""
    rng = s.rng
    recent = story_name in {"report_pending", "waiting_for_data", "re_enrolled"}
    if story_name == "waiting_for_data":
        start = s.days_ago(3, 9)
    elif recent:
        start = s.days_ago(25, 50)
    else:
        start = s.days_ago(150, 480)

    if story_name != "not_activated":
        clinics.activate(by=Actor.vendor(vendor), vendor=vendor, clinic=clinic, at=_at(start, rng))
    if story_name == "no_dpa":
        return

    channel = Channel.SENTINEL if story_name == "not_activated" else rng.choice(list(Channel))
    signed_on = min(start + dt.timedelta(days=rng.randint(0, 2)), s.today)
    agreements.sign_dpa(clinic=clinic, signer=signer, channel=channel, at=_at(signed_on, rng))
    if story_name != "no_consent":
        agreements.approve_consent(
            clinic=clinic, signer=signer, channel=channel, at=_at(signed_on, rng)
        )
    # Re-sign the second versions, except where the story is about not having done so.
    for kind, document in second.items():
        if signed_on >= document.published_on:
            continue
        if (kind == DocumentKind.DPA and story_name == "dpa_outdated") or (
            kind == DocumentKind.CONSENT and story_name in {"consent_outdated", "no_consent"}
        ):
            continue
        resign = _at(document.published_on + dt.timedelta(days=rng.randint(0, 20)), rng)
        if kind == DocumentKind.DPA:
            agreements.sign_dpa(clinic=clinic, signer=signer, channel=channel, at=resign)
        else:
            agreements.approve_consent(clinic=clinic, signer=signer, channel=channel, at=resign)
    if story_name == "not_enrolled":
        return

    enrolled_on = min(signed_on + dt.timedelta(days=rng.randint(0, 3)), s.today)
    if story_name == "re_enrolled":
        first = s.days_ago(200, 400)
        projects.enrol(by=signer.actor, clinic=clinic, project=project, on=first)
        projects.unenrol(
            by=signer.actor, clinic=clinic, project=project, on=first + dt.timedelta(days=60)
        )
    projects.enrol(by=signer.actor, clinic=clinic, project=project, on=enrolled_on)
    # Two in three of them: the rest take part in Diagnosekodning only.
    in_outcomes = story_name == "ok" and clinic.speciale == "51" and int(clinic.ydernummer) % 3
    if outcomes is not None and in_outcomes:
        projects.enrol(by=signer.actor, clinic=clinic, project=outcomes, on=enrolled_on)
    if story_name == "unenrolled":
        projects.unenrol(by=signer.actor, clinic=clinic, project=project, on=s.days_ago(10, 40))
        return
    if story_name == "deactivated":
        clinics.deactivate(
            by=Actor.vendor(vendor), vendor=vendor, clinic=clinic, at=_at(s.days_ago(5, 30), rng)
        )
    # Data arrives through the API afterwards (demo/vendor.py), as it does in production.


def demo_ydernummer(number: int) -> str:
    return f"9{number:05d}"


def story_names(clinics_count: int, rng: random.Random) -> list[str]:
    """Each demo clinic's story, in ydernummer order (``rng`` is the nation's, seeded)."""
    stories = [name for name, share in STORIES for _ in range(round(share * clinics_count))]
    stories += ["ok"] * (clinics_count - len(stories))
    rng.shuffle(stories)
    return stories


def stories_by_ydernummer(clinics_count: int, seed: int = 2026) -> dict[str, str]:
    """The story each demo clinic was built with — the same whatever has happened since (a
    signature, an enrolment), so the demo's users keep their clinics."""
    names = story_names(clinics_count, random.Random(seed))
    return {demo_ydernummer(n): name for n, name in enumerate(names, start=1)}


def build_nation(
    *,
    today: dt.date | None = None,
    clinics_count: int = 320,
    seed: int = 2026,
    progress: Callable[[str], None] = lambda _: None,
) -> dict[str, str]:
    """Create the demo nation; running it again adds nothing that is already there.

    Returns the story of each clinic created, by ydernummer (empty on a second run).
    """
    day = today or timezone.localdate()
    rng = random.Random(seed)
    municipalities = [m for m in refdata.municipalities().values() if m.region_code]
    project = Project.objects.get(code="diagnosekodning")
    outcomes = Project.objects.filter(code="forlobsresultater").first()
    with transaction.atomic():
        vendors = ensure_vendors()
        second = ensure_second_versions(day)
    existing = set(Clinic.objects.values_list("ydernummer", flat=True))
    taken_cvrs = set(Clinic.objects.values_list("cvr", flat=True))
    created: dict[str, str] = {}
    stories = story_names(clinics_count, rng)
    for number, story_name in enumerate(stories, start=1):
        # Draw every random value even for existing clinics, so a rerun stays in step.
        clinic_rng = random.Random(rng.getrandbits(64))
        ydernummer = demo_ydernummer(number)
        if ydernummer in existing:
            continue
        municipality = clinic_rng.choice(municipalities)
        speciale = (
            Speciale.RIDEFYSIOTERAPI if clinic_rng.random() < 0.08 else Speciale.ALMEN_FYSIOTERAPI
        )
        pattern = clinic_rng.choice(NAME_PATTERNS[:-1])
        if speciale == Speciale.RIDEFYSIOTERAPI:
            pattern = NAME_PATTERNS[-1]
        with transaction.atomic():
            clinic = clinics.register_clinic(
                by=DEMO,
                ydernummer=ydernummer,
                cvr=_cvr(clinic_rng, taken_cvrs),
                name=f"{pattern.format(town=municipality.name)} ({number})",
                speciale=speciale,
                sor_id=str(clinic_rng.randint(10**14, 10**15 - 1))
                if clinic_rng.random() < 0.6
                else "",
                municipality_code=municipality.code,
            )
            _onboard(
                story_name=story_name,
                clinic=clinic,
                vendor=clinic_rng.choice(vendors),
                project=project,
                signer=_signer(clinic_rng, clinic.cvr, number),
                second=second,
                s=Story(clinic_rng, day),
                outcomes=outcomes,
            )
        created[ydernummer] = story_name
        if number % 50 == 0 or number == len(stories):
            progress(f"  {number}/{len(stories)} clinics")
    return created
