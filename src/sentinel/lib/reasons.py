"""The fixed reason codes of the vendor API (API.md) and what each means to a developer.

One list for every door: the pipeline rejects records with them, the participation model
(``projects.participation``) names the clinic-wide ones that block collection."""

from __future__ import annotations

from enum import StrEnum


class Reason(StrEnum):
    CLINIC_NOT_ACTIVATED = "clinic_not_activated"
    NO_DPA = "no_dpa"
    DPA_OUTDATED = "dpa_outdated"
    NO_CONSENT = "no_consent"
    CONSENT_OUTDATED = "consent_outdated"
    NOT_ENROLLED = "not_enrolled"
    PATIENT_OPTED_OUT = "patient_opted_out"
    BEFORE_ENROLMENT = "before_enrolment"
    AFTER_UNENROLMENT = "after_unenrolment"
    INVALID_CPR = "invalid_cpr"
    INVALID_TEXT = "invalid_text"  # a control character, or a CPR outside patient_cpr
    UNKNOWN_ICPC2_CODE = "unknown_icpc2_code"
    INVALID_DATE = "invalid_date"
    NOT_IN_DATA_SPECIFICATION = "not_in_data_specification"
    STALE_VERSION = "stale_version"
    DIAGNOSIS_HISTORY_REWRITTEN = "diagnosis_history_rewritten"
    COURSE_ENTERED_IN_ERROR = "course_entered_in_error"  # withdrawn by the practice system
    # outcome records (lib.recordtypes.OUTCOME, lib.instruments)
    UNKNOWN_INSTRUMENT = "unknown_instrument"  # not one of the free instruments Sentinel takes
    MISSING_SCORE = "missing_score"  # no score, or fewer items than the instrument needs
    SCORE_OUT_OF_RANGE = "score_out_of_range"  # outside the instrument's scale
    INVALID_SCORE = "invalid_score"  # not a number, a fraction where whole, or a wrong total
    INVALID_ITEM = "invalid_item"  # an item the instrument does not have, or one twice
    INVALID_TIMEPOINT = "invalid_timepoint"
    INVALID_RESPONDENT = "invalid_respondent"  # answered_by: patient, therapist or proxy
    UNKNOWN_COURSE = "unknown_course"  # episode_source_id names no course sent for the project


GATE_MESSAGES = {
    Reason.CLINIC_NOT_ACTIVATED: "Sentinel is not activated for this clinic in your system; "
    "PUT /api/v1/clinics/{ydernummer}/activation first",
    Reason.NO_DPA: "the clinic has not signed the data processing agreement; nothing is "
    "collected until it does (see GET /status)",
    Reason.DPA_OUTDATED: "a new version of the data processing agreement is in force and the "
    "clinic has not signed it yet; collection resumes when it does",
    Reason.NO_CONSENT: "the clinic has not approved the practice consent; nothing is collected "
    "until it does",
    Reason.CONSENT_OUTDATED: "a new version of the practice consent is in force and the clinic "
    "has not approved it yet",
    Reason.NOT_ENROLLED: "the clinic is not enrolled in any project; see GET /subscriptions",
}
