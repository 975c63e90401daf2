"""The registry of record types the pipeline knows: one entry per type.

Each entry declares its fields (with the Danish words of the portal's plain-language list),
the code systems and allowed values of its coded fields, which field dates the record (the
enrolment and specification in force on that day decide whether it is collected), which
fields the pipeline *derives* rather than stores as sent (an age band from the CPR), and its
FHIR mapping (the resources the FHIR door reads into it). A project's data specification
(``lib.dataspec``) names record types and fields from here; the rules live in their homes
and are found by the type's name: validation and minimisation in ``collection`` (the
pipeline's ``VALIDATORS`` and writers), the FHIR reading in ``api.fhir``.

Adding a record type: an entry here, its validator and writer in ``collection``, its FHIR
mapping in ``api.fhir``, and a JSON schema in ``api.schemas``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sentinel.lib import agebands, instruments


@dataclass(frozen=True)
class Field:
    name: str
    label_da: str
    #: the sent field this one is computed from at ingest (the sent value is then not kept
    #: unless the specification names it too)
    derived_from: str = ""


@dataclass(frozen=True)
class RecordType:
    name: str
    label_da: str
    fields: tuple[Field, ...]
    #: the field whose date decides enrolment and specification version
    date_field: str
    #: whether the record carries a speciale the specification filters on
    has_speciale: bool
    #: coded fields: field name → code system (URI or name)
    code_systems: dict[str, str] = field(default_factory=dict)
    #: fields with a closed set of values: field name → the values
    allowed_values: dict[str, tuple[str, ...]] = field(default_factory=dict)
    #: FHIR R4 resources the FHIR door reads into records of this type
    fhir_resources: tuple[str, ...] = ()

    @property
    def field_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)

    def label(self, name: str) -> str:
        return next(f.label_da for f in self.fields if f.name == name)

    def derived(self) -> dict[str, str]:
        """Derived field → the sent field it is computed from."""
        return {f.name: f.derived_from for f in self.fields if f.derived_from}


EPISODE = RecordType(
    name="episode",
    label_da="Forløb med diagnosekoder",
    fields=(
        Field("patient_cpr", "Patientens CPR-nummer (gemmes kun pseudonymiseret eller krypteret)"),
        Field("speciale", "Speciale (fx 51 almen fysioterapi)"),
        Field("course_type", "Type af struktureret forløb"),
        Field("start_date", "Forløbets startdato"),
        Field("end_date", "Forløbets slutdato"),
        Field("diagnoses", "ICPC-2-diagnosekoder med tidspunkt for registrering"),
        Field("practitioner_initials", "Behandlerens initialer"),
        Field("services", "Ydelser (ydelseskode og dato)"),
    ),
    date_field="start_date",
    has_speciale=True,
    code_systems={"diagnoses": "ICPC-2-DK (urn:oid:1.2.208.176.2.31)"},
    allowed_values={
        "speciale": ("51", "57"),
        "course_type": (
            "cervical_radiculopathy",
            "lumbar_radiculopathy",
            "lumbar_spinal_stenosis",
            "hip_osteoarthritis",
            "knee_osteoarthritis",
            "low_back_pain",
        ),
    },
    fhir_resources=("EpisodeOfCare", "Condition", "Patient", "Organization"),
)

OUTCOME = RecordType(
    name="outcome",
    label_da="Resultatmål (spørgeskemaer og test) i strukturerede forløb",
    fields=(
        Field("episode_source_id", "Forløbet, målingen hører til (praksissystemets forløbs-id)"),
        Field("instrument", "Hvilket spørgeskema eller hvilken test (fx NPRS, PSFS)"),
        Field("timepoint", "Tidspunkt: start, afslutning, opfølgning efter 3 og 12 måneder"),
        Field("date", "Datoen for målingen"),
        Field("score", "Scoren (for spørgeskemaer med flere spørgsmål: gennemsnittet)"),
        Field("items", "Scoren på hvert enkelt spørgsmål (kun numre og tal, ingen tekst)"),
        Field("answered_by", "Hvem der svarede: patienten, fysioterapeuten eller en pårørende"),
        Field("patient_cpr", "Patientens CPR-nummer (gemmes kun pseudonymiseret eller krypteret)"),
        Field(
            "age_band",
            "Patientens aldersgruppe (fx 60-69 år), beregnet ud fra CPR-nummeret ved "
            "modtagelsen; hverken CPR-nummer eller fødselsdato gemmes",
            derived_from="patient_cpr",
        ),
    ),
    date_field="date",
    has_speciale=False,
    code_systems={"instrument": "Sentinel outcome instruments (lib.instruments)"},
    allowed_values={
        "instrument": tuple(instruments.INSTRUMENTS),
        "timepoint": tuple(instruments.TIMEPOINTS),
        "answered_by": tuple(instruments.RESPONDENTS),
        "age_band": agebands.LABELS,
    },
    fhir_resources=("Observation", "QuestionnaireResponse"),
)

RECORD_TYPES: dict[str, RecordType] = {t.name: t for t in (EPISODE, OUTCOME)}
