"""The vendor API's payloads: one strict schema per payload, separate in and out.

Dates inside records are strings on purpose: a record with a date that is not a real date is
rejected with the reason ``invalid_date`` (and the rest of the batch goes on), while a body
whose shape is wrong is refused whole with 422.

Inputs are strict: JSON types as declared (``"2"`` is not a number, ``0`` not a boolean),
unknown fields refused, no control characters in any string (``Text``), and no CPR-shaped
value in an identifier that is not a CPR field (``Identifier``: ``source_id``, ``user_id``).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from ninja import Schema
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field
from pydantic.json_schema import JsonDict

from sentinel.api.protocol import MAX_RECORDS
from sentinel.clinics.models import RegionCode, Speciale
from sentinel.lib.cpr import contains_cpr
from sentinel.lib.reasons import Reason
from sentinel.lib.text import TEXT_PATTERN
from sentinel.projects.checks import State

CourseType = Literal[
    "cervical_radiculopathy",
    "lumbar_radiculopathy",
    "lumbar_spinal_stenosis",
    "hip_osteoarthritis",
    "knee_osteoarthritis",
    "low_back_pain",
]


def _no_cpr(value: str) -> str:
    if contains_cpr(value):
        raise ValueError("must not hold a CPR number; use the practice system's own id")
    return value


Text = Annotated[str, Field(pattern=TEXT_PATTERN)]
"""A string without control characters (NUL, line breaks, tabs, C1 controls)."""

Identifier = Annotated[Text, AfterValidator(_no_cpr)]
"""An identifier of the vendor's that must never be (or hold) a CPR number."""


def _integral(value: Any) -> Any:
    if type(value) is float and value.is_integer():
        return int(value)
    return value


Integer = Annotated[int, BeforeValidator(_integral)]
"""A JSON integer: ``2`` and ``2.0`` (JSON has one number type), never ``"2"`` or ``true``."""


class Strict(BaseModel):
    """An input payload: unknown fields are refused (422), never silently ignored.

    A plain pydantic model, not ninja's ``Schema``: inputs are dicts parsed from JSON, so
    ninja's Django-object resolution is not needed, and it costs ~30× the validation time on a
    1,000-record batch (the ingest hot path). Strict: JSON types exactly as declared."""

    model_config = ConfigDict(extra="forbid", strict=True)


class ErrorField(Schema):
    field: str
    message: str


class ErrorBody(Schema):
    code: str
    message: str
    fields: list[ErrorField] = []


class ErrorOut(Schema):
    """The one error body of the API."""

    error: ErrorBody


class DiagnosisIn(Strict):  # verification_status: collection.validation.VERIFICATION_STATUSES
    code: Text = Field(max_length=10)
    recorded_at: Text = Field(max_length=40, description="ISO 8601 date-time")
    source: Literal["clinician", "referral"] = "clinician"
    verification_status: (
        Literal[
            "unconfirmed", "provisional", "differential", "confirmed", "refuted", "entered-in-error"
        ]
        | None
    ) = Field(
        default=None,
        description=(
            "FHIR's Condition.verificationStatus. A `refuted` or `entered-in-error` code is "
            "kept in the course's history but never counts as its code."
        ),
    )


class ServiceIn(Strict):
    code: Text = Field(max_length=20)
    date: Text = Field(max_length=10)


class RecordIn(Strict):
    type: Literal["episode"]
    source_id: Identifier = Field(min_length=1, max_length=100)
    version: Integer = Field(ge=1, le=2_000_000_000)
    patient_cpr: Text | None = Field(default=None, max_length=11)
    speciale: Text | None = Field(default=None, max_length=2)
    course_type: CourseType | None = None
    start_date: Text = Field(max_length=10, description="YYYY-MM-DD")
    end_date: Text | None = Field(default=None, max_length=10)
    practitioner_initials: Text | None = Field(default=None, max_length=20)
    patient_opt_out: bool = False
    diagnoses: list[DiagnosisIn] = Field(default_factory=list, max_length=200)
    services: list[ServiceIn] | None = Field(default=None, max_length=500)


class OutcomeItemIn(Strict):
    item: Text = Field(min_length=1, max_length=10, description="the item's number, e.g. `1`")
    score: float | None = None


class OutcomeIn(Strict):
    """An outcome record: one questionnaire's or test's score in a structured course.

    `episode_source_id` is the `source_id` of the course (an `episode` record sent before,
    or earlier in the same batch). `instrument` is one of `nprs`, `psfs`, `chair_stand_30s`,
    `walk_40m_fast` (free-to-use instruments only; another is refused with
    `unknown_instrument`). `timepoint`: `baseline`, `end_of_course`, `follow_up_3m`,
    `follow_up_12m`. `answered_by`: `patient`, `therapist`, `proxy`. Single-score
    instruments send `score`; PSFS sends `items` (`item` 1 to 5, each scored 0 to 10) and
    Sentinel computes the score (their mean). Each value is checked per instrument, with its
    own reason code, record by record."""

    type: Literal["outcome"]
    source_id: Identifier = Field(min_length=1, max_length=100)
    version: Integer = Field(ge=1, le=2_000_000_000)
    episode_source_id: Identifier = Field(min_length=1, max_length=100)
    patient_cpr: Text | None = Field(default=None, max_length=11)
    instrument: Text = Field(max_length=40)
    timepoint: Text = Field(max_length=20)
    date: Text = Field(max_length=10, description="YYYY-MM-DD: the day of the measurement")
    answered_by: Text = Field(max_length=10)
    score: float | None = None
    items: list[OutcomeItemIn] | None = Field(default=None, max_length=20)
    patient_opt_out: bool = False


AnyRecordIn = Annotated[RecordIn | OutcomeIn, Field(discriminator="type")]


# API.md's "A submission" (its CPR is the documented example number) and its answer.
EXAMPLE_SUBMISSION: JsonDict = {
    "records": [
        {
            "type": "episode",
            "source_id": "E-100234",
            "version": 3,
            "patient_cpr": "0101901234",
            "speciale": "51",
            "course_type": "knee_osteoarthritis",
            "start_date": "2026-01-12",
            "end_date": None,
            "practitioner_initials": "MK",
            "patient_opt_out": False,
            "diagnoses": [
                {"code": "L03", "recorded_at": "2026-01-12T09:30:00+01:00"},
                {"code": "L90", "recorded_at": "2026-01-26T10:00:00+01:00", "source": "clinician"},
            ],
            "services": [{"code": "2101", "date": "2026-01-12"}],
        },
        {"type": "episode", "source_id": "E-100235", "version": 1, "start_date": "2026-02-31"},
    ]
}
EXAMPLE_ANSWER: JsonDict = {
    "accepted": 1,
    "rejected": [
        {
            "index": 1,
            "source_id": "E-100235",
            "reason": "invalid_date",
            "message": "start_date is not a real date as YYYY-MM-DD",
        }
    ],
    "dropped_fields": ["practitioner_initials", "services"],  # not in the specification
}


class SubmissionIn(Strict):
    model_config = ConfigDict(
        extra="forbid", strict=True, json_schema_extra={"examples": [EXAMPLE_SUBMISSION]}
    )

    records: list[AnyRecordIn] = Field(max_length=MAX_RECORDS)


class RejectedOut(Schema):
    index: int
    source_id: str = Field(description="empty when the source_id itself was unusable")
    reason: Reason
    message: str


class SubmissionOut(Schema):
    model_config = ConfigDict(json_schema_extra={"examples": [EXAMPLE_ANSWER]})

    accepted: int
    rejected: list[RejectedOut]
    dropped_fields: list[str]


class ActivationIn(Strict):
    """The clinic as the vendor knows it. The CVR's modulus-11 check digit and the municipality
    code (one of Denmark's and Greenland's, `shared/data`) are checked by the server: `422`
    with `invalid_cvr` / `invalid_municipality_code` naming the field. (The document states
    each identifier's shape through ``json_schema_extra``; the domain checks it, with its own
    reason code.)"""

    cvr: Text = Field(
        max_length=10,
        description="8 digits (spaces are ignored)",
        json_schema_extra={"pattern": r"^[0-9 ]*$"},
    )
    name: Text = Field(min_length=1, max_length=200)
    speciale: Text = Field(max_length=2, json_schema_extra={"enum": list(Speciale.values)})
    sor_id: Text | None = Field(
        default=None,
        max_length=20,
        description="11 to 18 digits (spaces are ignored)",
        json_schema_extra={"pattern": r"^[0-9 ]*$"},
    )
    region_code: Text | None = Field(
        default=None, max_length=5, json_schema_extra={"enum": [*RegionCode.values, ""]}
    )
    municipality_code: Text | None = Field(
        default=None, max_length=4, json_schema_extra={"pattern": r"^([0-9]{4})?$"}
    )


class ActivationOut(Schema):
    ydernummer: str
    cvr: str
    name: str
    activated: bool
    activated_at: dt.datetime | None
    pending_approval: bool = False


class ActivationPendingOut(Schema):
    """The clinic's owner must approve this vendor in the portal first; until then every
    clinic endpoint answers as for an unknown clinic."""

    ydernummer: str
    activated: Literal[False] = False
    pending_approval: Literal[True] = True


class LaunchIn(Strict):
    user_id: Identifier = Field(min_length=1, max_length=200)
    user_name: Text = Field(min_length=1, max_length=200)


class LaunchOut(Schema):
    url: str
    expires_at: dt.datetime


class SpecificationOut(Schema):
    version: int
    effective_from: dt.date
    record_types: list[str]
    fields: list[str]
    specialities: list[str]
    icpc2_filter: dict[str, list[str]]
    course_types: list[CourseType] = Field(
        default_factory=list,
        description="The structured courses collected; empty: every course, typed or not. "
        "An outcome record is collected only when its course's type is among them.",
    )
    person_identifiable_worklist: bool


class ProjectOut(Schema):
    code: str
    name: str
    summary_da: str
    description_da: str
    description_en: str
    recipients_da: str
    reports_open_from: dt.date
    first_report_delay_months: int
    specification: SpecificationOut | None


class SubscriptionOut(Schema):
    project: str
    name: str
    collect_from: dt.date
    collect_until: dt.date | None
    specification: SpecificationOut | None


class SubscriptionsOut(Schema):
    ydernummer: str
    collecting: bool
    blocked_by: Reason | None
    blocked_message: str | None
    subscriptions: list[SubscriptionOut]


CheckName = Literal[
    "activation", "vendor_approval", "dpa", "consent", "enrolment", "data_flow", "report"
]
"""The status check's names (``projects.checks.TITLES``; a test holds the two together)."""


class CheckOut(Schema):
    check: CheckName
    project: str | None
    ok: bool
    state: State
    detail: str
    action: str
    contact: dict[str, Any] | None


class ProjectStatusOut(Schema):
    project: str
    name: str
    enrolled_on: dt.date
    collect_from: dt.date
    reports_open_on: dt.date | None
    report_period_from: dt.date
    last_received_at: dt.datetime | None


class StatusOut(Schema):
    ydernummer: str
    clinic: str
    checked_on: dt.date
    ok: bool
    checks: list[CheckOut]
    projects: list[ProjectStatusOut]
    reports_open_on: dict[str, dt.date | None]
    menu_help: str
