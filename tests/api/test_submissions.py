"""Submissions over real HTTP: every reason code, minimisation, replay, atomicity."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.utils import timezone

from sentinel.agreements.actions import Signer, approve_consent, publish_document, sign_dpa
from sentinel.agreements.models import AssuranceLevel
from sentinel.clinics.models import Clinic
from sentinel.collection import pipeline
from sentinel.collection.models import DataFlow, DiagnosisEvent, Episode, Submission
from sentinel.lib.dataspec import KNOWN_FIELDS
from sentinel.projects.actions import enrol, unenrol
from sentinel.projects.models import Project
from sentinel.projects.publishing import publish_specification_version
from tests.api.conftest import ENROLLED_ON, OPERATOR, episode

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def reasons(response) -> list[str]:
    return [r["reason"] for r in response.json()["rejected"]]


def test_submission_happy_path_stores_minimised_episode_and_diagnoses(api, ready_clinic):
    record = episode(
        "E-100",
        practitioner_initials="MK",
        services=[{"code": "2101", "date": "2026-02-02"}],
        diagnoses=[
            {"code": "L03", "recorded_at": "2026-02-02T09:30:00+01:00"},
            {"code": "L90", "recorded_at": "2026-02-16T10:00:00+01:00", "source": "referral"},
        ],
    )

    response = api.submit(ready_clinic.ydernummer, [record])

    assert response.status_code == 200, response.text
    assert response.json() == {
        "accepted": 1,
        "rejected": [],
        "dropped_fields": ["practitioner_initials", "services"],
    }
    stored = Episode.objects.get(clinic=ready_clinic, source_id="E-100")
    assert stored.practitioner_initials == ""
    assert stored.services is None
    assert stored.current_code == "L90"
    assert stored.course_type == "knee_osteoarthritis"
    assert len(stored.patient_pseudonym) == 64
    assert record["patient_cpr"] not in stored.patient_pseudonym
    assert bytes(stored.patient_cpr_encrypted)  # Diagnosekodning shows a worklist: kept encrypted
    events = list(DiagnosisEvent.objects.filter(episode=stored).order_by("recorded_at"))
    assert [(e.code, e.source) for e in events] == [("L03", "clinician"), ("L90", "referral")]
    flow = DataFlow.objects.get(clinic=ready_clinic)
    assert flow.records_received == 1


def test_submission_stores_every_field_a_specification_collects_as_sent(api, ready_clinic):
    project = Project.objects.get(code="diagnosekodning")
    spec = project.specifications.order_by("-version").first().parsed.as_json()
    spec["fields"] = sorted(KNOWN_FIELDS["episode"])
    today = timezone.localdate()
    publish_specification_version(by=OPERATOR, project=project, spec=spec, effective_from=today)
    services = [{"code": "2101", "date": today.isoformat()}, {"code": "2102", "date": "2026-01-05"}]
    record = episode(
        "E-ALL",
        start_date=today.isoformat(),
        end_date=today.isoformat(),
        practitioner_initials="MK",
        services=services,
        diagnoses=[{"code": "L90", "recorded_at": f"{today}T09:30:15.25+01:00"}],
    )

    response = api.submit(ready_clinic.ydernummer, [record])

    assert response.json() == {"accepted": 1, "rejected": [], "dropped_fields": []}
    stored = Episode.objects.get(clinic=ready_clinic, source_id="E-ALL")
    assert (stored.start_date, stored.end_date) == (today, today)
    assert (stored.practitioner_initials, stored.services) == ("MK", services)
    assert (stored.speciale, stored.course_type) == ("51", "knee_osteoarthritis")
    assert (stored.version, stored.current_code) == (1, "L90")
    (event,) = DiagnosisEvent.objects.filter(episode=stored)
    assert event.recorded_at == dt.datetime.combine(
        today, dt.time(9, 30, 15, 250000), dt.timezone(dt.timedelta(hours=1))
    )
    assert stored.received_at == stored.updated_at <= timezone.now()


@pytest.mark.parametrize(
    ("override", "reason"),
    [
        ({"patient_opt_out": True, "patient_cpr": "not-a-cpr"}, "patient_opted_out"),
        ({"patient_cpr": "3102801234"}, "invalid_cpr"),  # 31 February
        ({"patient_cpr": "12345"}, "invalid_cpr"),
        (
            {"diagnoses": [{"code": "L99X", "recorded_at": "2026-02-02T09:00:00"}]},
            "unknown_icpc2_code",
        ),
        (
            {"diagnoses": [{"code": "Q01", "recorded_at": "2026-02-02T09:00:00"}]},
            "unknown_icpc2_code",
        ),
        ({"start_date": "2026-02-30"}, "invalid_date"),
        ({"start_date": "2026-03-01", "end_date": "2026-02-01"}, "invalid_date"),
        ({"diagnoses": [{"code": "L03", "recorded_at": "yesterday"}]}, "invalid_date"),
        ({"start_date": "2025-12-31"}, "before_enrolment"),
        ({"speciale": "57", "course_type": None, "start_date": "2026-02-03"}, None),
    ],
)
def test_submission_record_level_reasons(api, ready_clinic, override, reason):
    response = api.submit(ready_clinic.ydernummer, [episode("E-1", **override)])

    assert response.status_code == 200
    if reason is None:
        assert response.json()["accepted"] == 1
        return
    (rejection,) = response.json()["rejected"]
    assert rejection == {**rejection, "index": 0, "source_id": "E-1", "reason": reason}
    assert rejection["message"]
    assert not Episode.objects.exists()
    assert not DiagnosisEvent.objects.exists()


def test_submission_speciale_outside_the_specification(api, ready_clinic):
    response = api.submit(ready_clinic.ydernummer, [episode(speciale="62")])

    assert reasons(response) == ["not_in_data_specification"]


def test_submission_gate_reasons_follow_the_clinics_onboarding(api, other_api):
    yd = "814444"
    api.activate(yd)
    clinic = Clinic.objects.get(ydernummer=yd)
    signer = Signer(uuid.uuid4(), "Ejer", clinic.cvr, AssuranceLevel.HIGH, True)
    project = Project.objects.get(code="diagnosekodning")

    assert reasons(api.submit(yd, [episode()])) == ["no_dpa"]
    sign_dpa(clinic=clinic, signer=signer, channel="sentinel")
    assert reasons(api.submit(yd, [episode()])) == ["no_consent"]
    approve_consent(clinic=clinic, signer=signer, channel="sentinel")
    assert reasons(api.submit(yd, [episode()])) == ["not_enrolled"]
    enrol(by=signer.actor, clinic=clinic, project=project, on=ENROLLED_ON)
    assert api.submit(yd, [episode()]).json()["accepted"] == 1

    today = timezone.localdate()
    publish_document(by=OPERATOR, kind="dpa", title="v2", text="ny", published_on=today)
    assert reasons(api.submit(yd, [episode("E-2")])) == ["dpa_outdated"]
    sign_dpa(clinic=clinic, signer=signer, channel="sentinel")
    publish_document(by=OPERATOR, kind="consent", title="v2", text="ny", published_on=today)
    assert reasons(api.submit(yd, [episode("E-2")])) == ["consent_outdated"]
    approve_consent(clinic=clinic, signer=signer, channel="sentinel")

    unenrol(by=signer.actor, clinic=clinic, project=project, on=dt.date(2026, 3, 1))
    response = api.submit(
        yd, [episode("E-3", start_date="2026-02-27"), episode("E-4", start_date="2026-03-01")]
    )
    assert reasons(response) == ["after_unenrolment"]
    assert response.json()["accepted"] == 1

    other_api.activate("815555")
    assert reasons(other_api.submit("815555", [episode()])) == ["no_dpa"]
    api.http.delete(f"/clinics/{yd}/activation")
    assert api.submit(yd, [episode("E-5")]).status_code == 404  # the vendor reaches it no more


def test_submission_versions_replay_stale_and_history(api, ready_clinic):
    yd = ready_clinic.ydernummer
    v1 = episode("E-9", version=1)
    cpr = v1["patient_cpr"]
    assert api.submit(yd, [v1]).json()["accepted"] == 1

    replay = api.submit(yd, [v1])
    v2 = episode(
        "E-9",
        version=2,
        patient_cpr=cpr,
        diagnoses=[*v1["diagnoses"], {"code": "L89", "recorded_at": "2026-03-01T08:00:00+01:00"}],
    )
    newer = api.submit(yd, [v2])
    stale = api.submit(yd, [episode("E-9", version=1, patient_cpr=cpr)])
    rewritten = api.submit(
        yd,
        [
            episode(
                "E-9",
                version=3,
                patient_cpr=cpr,
                diagnoses=[{"code": "L89", "recorded_at": "2026-03-01T08:00:00+01:00"}],
            )
        ],
    )

    assert replay.json()["accepted"] == 1
    assert newer.json()["accepted"] == 1
    assert reasons(stale) == ["stale_version"]
    assert reasons(rewritten) == ["diagnosis_history_rewritten"]
    stored = Episode.objects.get(source_id="E-9")
    assert stored.version == 2
    assert stored.current_code == "L89"
    assert list(DiagnosisEvent.objects.order_by("recorded_at").values_list("code", flat=True)) == [
        "L90",
        "L89",
    ]
    submissions = list(Submission.objects.order_by("id").values_list("accepted", "stored"))
    assert submissions == [(1, 1), (1, 0), (1, 1), (0, 0), (0, 0)]


def test_submission_with_idempotency_key_can_be_retried(api, ready_clinic):
    records = [episode(f"E-{i}") for i in range(3)]
    first = api.submit(ready_clinic.ydernummer, records, **{"Idempotency-Key": "batch-1"})
    retry = api.submit(ready_clinic.ydernummer, records, **{"Idempotency-Key": "batch-1"})

    assert first.json() == retry.json()
    assert Episode.objects.count() == 3
    assert DataFlow.objects.get(clinic=ready_clinic).records_received == 3


def test_submission_mixed_batch_keeps_the_good_records(api, ready_clinic):
    records = [episode("A"), episode("B", patient_cpr="000000"), episode("C", patient_opt_out=True)]

    response = api.submit(ready_clinic.ydernummer, records)

    body = response.json()
    assert body["accepted"] == 1
    assert [(r["index"], r["source_id"], r["reason"]) for r in body["rejected"]] == [
        (1, "B", "invalid_cpr"),
        (2, "C", "patient_opted_out"),
    ]
    assert list(Episode.objects.values_list("source_id", flat=True)) == ["A"]
    assert Submission.objects.get().rejected_by_reason == {"invalid_cpr": 1, "patient_opted_out": 1}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"records": [{**episode(), "version": "three"}]}, "records.0.version"),
        ({"records": [{**episode(), "colour": "blue"}]}, "records.0.colour"),
        ({"records": [{**episode(), "type": "invoice"}]}, "records.0.type"),
        ({"rows": []}, "records"),
    ],
)
def test_submission_malformed_body_is_422_with_the_field(api, ready_clinic, body, field):
    response = api.http.post(f"/clinics/{ready_clinic.ydernummer}/submissions", json=body)

    assert response.status_code == 422
    error = response.json()["error"]
    assert field in [f["field"] for f in error["fields"]]
    assert episode()["patient_cpr"][:6] not in response.text
    assert not Episode.objects.exists()
    assert not Submission.objects.exists()


def test_submission_fault_mid_batch_stores_nothing(api, ready_clinic, monkeypatch):
    def explode(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(
        pipeline, "record_received", explode
    )  # after episodes and events are written
    response = api.submit(ready_clinic.ydernummer, [episode(f"E-{i}") for i in range(5)])

    assert response.status_code == 500
    assert response.json()["error"]["code"] == "server_error"
    assert not Episode.objects.exists()
    assert not DiagnosisEvent.objects.exists()
    assert not Submission.objects.exists()
    monkeypatch.undo()
    assert api.submit(ready_clinic.ydernummer, [episode("E-1")]).json()["accepted"] == 1


def test_submission_opt_out_later_deletes_what_was_stored(api, ready_clinic):
    yd = ready_clinic.ydernummer
    first = episode("E-1")
    other_course = episode("E-2", patient_cpr=first["patient_cpr"])
    someone_else = episode("E-3")
    api.submit(yd, [first, other_course, someone_else])
    assert Episode.objects.count() == 3

    response = api.submit(yd, [{**first, "version": 2, "patient_opt_out": True}])

    assert reasons(response) == ["patient_opted_out"]
    assert list(Episode.objects.values_list("source_id", flat=True)) == ["E-3"]
    assert DiagnosisEvent.objects.filter(episode__source_id__in=["E-1", "E-2"]).count() == 0


def test_submission_opt_out_in_the_same_batch_keeps_nothing_of_that_patient(api, ready_clinic):
    first = episode("E-1")
    same_patient = episode("E-2", patient_cpr=first["patient_cpr"])
    opt_out = {**episode("E-1"), "patient_cpr": first["patient_cpr"], "patient_opt_out": True}

    response = api.submit(ready_clinic.ydernummer, [first, same_patient, opt_out, episode("E-4")])

    assert response.status_code == 200
    assert list(Episode.objects.values_list("source_id", flat=True)) == ["E-4"]
    assert DiagnosisEvent.objects.count() == 1


def test_a_refuted_code_is_kept_in_the_history_but_is_not_the_course_code(api, ready_clinic):
    diagnoses = [
        {"code": "L03", "recorded_at": "2026-02-02T09:30:00+01:00"},
        {"code": "L90", "recorded_at": "2026-02-10T09:30:00+01:00"},
    ]
    first = api.submit(ready_clinic.ydernummer, [episode("R-1", diagnoses=diagnoses)])
    assert first.json()["accepted"] == 1
    assert Episode.objects.get(source_id="R-1").current_code == "L90"

    diagnoses[1] = {**diagnoses[1], "verification_status": "refuted"}
    same_version = api.submit(ready_clinic.ydernummer, [episode("R-1", diagnoses=diagnoses)])
    assert [r["reason"] for r in same_version.json()["rejected"]] == ["stale_version"]

    second = api.submit(ready_clinic.ydernummer, [episode("R-1", version=2, diagnoses=diagnoses)])

    assert second.json()["accepted"] == 1, second.text
    stored = Episode.objects.get(source_id="R-1")
    assert stored.current_code == "L03"
    assert sorted(
        DiagnosisEvent.objects.filter(episode=stored).values_list("code", "verification_status")
    ) == [("L03", ""), ("L90", "refuted")]
