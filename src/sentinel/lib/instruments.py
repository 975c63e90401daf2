"""The outcome instruments Sentinel takes: free-to-use questionnaires and tests only.

Each instrument declares what a record of it must hold and which values are possible; the
pipeline's outcome validation (``collection.outcomes``) applies these rules, the FHIR door maps
them (``code``/``loinc``), and the report engine reads ``direction`` and ``mic``. The licence
of each instrument, and why others are absent, is in ``docs/adr/0015-outcome-records.md``.
No instrument's text (questions, instructions) is part of the product: only its name, its
scoring range and, for a multi-item instrument, the item *numbers*.

- ``single``: one score (``score``), e.g. NPRS 0–10 or the chair-stand count.
- ``items``: a list of item scores (``items``: ``[{"item": "1", "score": 6}, …]``) with at
  least ``min_items`` and at most ``max_items`` items; Sentinel computes the instrument's score
  (the mean, rounded to 2 decimals); a ``score`` sent with it must equal that mean.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class Instrument:
    code: str
    name: str
    name_da: str
    kind: str  # "questionnaire" | "test"
    shape: str  # "single" | "items"
    minimum: Decimal
    maximum: Decimal
    integer: bool
    unit: str  # UCUM, for FHIR Observation.valueQuantity
    direction: str  # "higher" | "lower": which is better
    #: the minimal important change (absolute), None where none is documented for these
    #: patients (see the ADRs for the sources): on the instrument's scale, or, for a timed walk
    #: with ``mic_distance`` set, on the walking speed in m/s
    mic: Decimal | None
    loinc: str = ""  # an Observation.code where LOINC has one
    item_codes: tuple[str, ...] = ()
    min_items: int = 0
    max_items: int = 0
    #: a timed walk over this many metres whose ``mic`` is on the speed (distance / seconds)
    mic_distance: Decimal | None = None

    @property
    def fhir_resource(self) -> str:
        """The FHIR door: tests and single scores as Observation, questionnaires with items as
        QuestionnaireResponse."""
        return "QuestionnaireResponse" if self.shape == "items" else "Observation"


INSTRUMENTS: dict[str, Instrument] = {
    i.code: i
    for i in (
        Instrument(
            code="nprs",
            name="Numeric Pain Rating Scale (0-10)",
            name_da="Smerte på numerisk skala (NPRS 0-10)",
            kind="questionnaire",
            shape="single",
            minimum=Decimal(0),
            maximum=Decimal(10),
            integer=True,
            unit="{score}",
            direction="lower",
            mic=Decimal(2),
            loinc="72514-3",
        ),
        Instrument(
            code="psfs",
            name="Patient-Specific Functional Scale",
            name_da="Patientspecifik funktionsskala (PSFS)",
            kind="questionnaire",
            shape="items",
            minimum=Decimal(0),
            maximum=Decimal(10),
            integer=True,
            unit="{score}",
            direction="higher",
            mic=Decimal(2),
            item_codes=("1", "2", "3", "4", "5"),
            min_items=1,
            max_items=5,
        ),
        Instrument(
            code="chair_stand_30s",
            name="30-second chair stand test",
            name_da="30 sekunders rejse-sætte-sig-test",
            kind="test",
            shape="single",
            minimum=Decimal(0),
            maximum=Decimal(60),
            integer=True,
            unit="{#}",
            direction="higher",
            mic=Decimal(2),
        ),
        Instrument(
            code="walk_40m_fast",
            name="40-m fast-paced walk test (4 x 10 m), seconds",
            name_da="40 m hurtig gangtest (4 x 10 m), sekunder",
            kind="test",
            shape="single",
            minimum=Decimal(5),
            maximum=Decimal(300),
            integer=False,
            unit="s",
            direction="lower",
            mic=Decimal("0.2"),
            mic_distance=Decimal(40),
        ),
    )
}

TIMEPOINTS: dict[str, str] = {
    "baseline": "Ved forløbets start",
    "end_of_course": "Ved forløbets afslutning",
    "follow_up_3m": "Opfølgning efter 3 måneder",
    "follow_up_12m": "Opfølgning efter 12 måneder",
}

RESPONDENTS: dict[str, str] = {
    "patient": "Patienten selv",
    "therapist": "Fysioterapeuten",
    "proxy": "En pårørende eller anden stedfortræder",
}


def mean_score(scores: list[Decimal]) -> Decimal:
    """A multi-item instrument's score: the mean of its items, to 2 decimals."""
    return (sum(scores, Decimal(0)) / len(scores)).quantize(Decimal("0.01"))


def improvement(instrument: Instrument, change: Decimal) -> Decimal:
    """A change (end − baseline) turned the way the instrument counts better: positive is
    better for every instrument (NPRS and the walk time fall when the patient gets better)."""
    return change if instrument.direction == "higher" else -change


def speed(distance: Decimal, seconds: Decimal) -> Decimal:
    """Walking speed in m/s over ``distance`` metres walked in ``seconds``."""
    return distance / seconds


def reaches_mic(instrument: Instrument, baseline: Decimal, end: Decimal) -> bool | None:
    """Whether a course's pair (the baseline's and the end's score) reaches the instrument's
    minimal important change in its better direction (``mic``; the sources in
    docs/adr/0015-outcome-records.md and 0016-outcome-report.md); None where no threshold is
    held. A timed walk's threshold is on its speed: 40 m in 50 s (0.8 m/s) to 40 s (1.0 m/s)
    is 0.2 m/s faster, whatever the seconds."""
    if instrument.mic is None:
        return None
    if instrument.mic_distance is not None:
        if baseline <= 0 or end <= 0:
            return None
        gained = speed(instrument.mic_distance, end) - speed(instrument.mic_distance, baseline)
        return gained >= instrument.mic
    return improvement(instrument, end - baseline) >= instrument.mic
