"""Danish FHIR content as it comes (HL7 Denmark's dk-core, hl7dk/dk-core on GitHub): an
Organization with the ydernummer written without its leading zero, a Patient, a Condition
with the ICPC-2 slice beside SNOMED CT and a date-only recordedDate, an EpisodeOfCare that
names its clinic by reference alone and starts with a dateTime — posted as one transaction.

The Organization is dk-core's example instance ``LaegerneHasserisBymidte`` and the Patient
its MedCom test patient ``Einer`` (input/fsh/DkCoreOrganization.fsh, TestPatienter.fsh at
commit 8322003), written out as FHIR JSON; the Condition follows dk-core's
``ConditionPressureUlcer`` with the profile's ``ICPC2code`` slice (input/fsh/DkCoreCondition.fsh).
The CPR number is replaced by a generated one (tests/api/conftest.synthetic_cpr)."""

from __future__ import annotations

import httpx
import pytest

from sentinel.clinics.models import Clinic
from sentinel.collection.models import DiagnosisEvent, Episode
from tests.api.conftest import onboard, synthetic_cpr
from tests.factories import valid_cvr

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
FHIR = {"Content-Type": "application/fhir+json"}
CPR_SYSTEM = "urn:oid:1.2.208.176.1.2"


def organization() -> dict:
    return {
        "resourceType": "Organization",
        "id": "LaegerneHasserisBymidte",
        "identifier": [
            {"system": "urn:oid:1.2.208.176.1.1", "value": "61741000016007"},
            {"system": "urn:oid:1.2.208.176.1.4", "value": "77410"},
        ],
        "name": "Lægerne Hasseris Bymidte",
        "telecom": [{"system": "phone", "value": "98182233"}],
        "type": [{"coding": [{"system": "http://snomed.info/sct", "code": "394761003"}]}],
    }


def patient(cpr: str) -> dict:
    return {
        "resourceType": "Patient",
        "id": "einer",
        "identifier": [{"system": CPR_SYSTEM, "value": cpr}],
        "name": [{"use": "official", "family": "Lauridsen", "given": ["Einer", "Test"]}],
        "gender": "male",
        "birthDate": "1960-01-02",
        "address": [
            {
                "line": ["Testgrusgraven 3, 3.th"],
                "postalCode": "3400",
                "extension": [
                    {
                        "url": "http://hl7.dk/fhir/core/StructureDefinition/dk-core-municipalityCodes",
                        "valueCodeableConcept": {
                            "coding": [
                                {
                                    "system": "urn:oid:1.2.208.176.3.2",
                                    "code": "0219",
                                }
                            ]
                        },
                    }
                ],
            }
        ],
    }


def condition(**changes) -> dict:
    resource = {
        "resourceType": "Condition",
        "id": "einer-knee",
        "meta": {"profile": ["http://hl7.dk/fhir/core/StructureDefinition/dk-core-condition"]},
        "extension": [
            {
                "url": "http://hl7.dk/fhir/core/StructureDefinition/ConditionLastAssertedDate",
                "valueDateTime": "2026-02-05",
            }
        ],
        "clinicalStatus": {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                    "code": "active",
                }
            ]
        },
        "category": [
            {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/condition-category",
                        "code": "problem-list-item",
                    }
                ]
            }
        ],
        "code": {
            "coding": [
                {"system": "urn:oid:1.2.208.176.2.31", "code": "L90", "display": "Knæartrose"},
                {"system": "http://snomed.info/sct", "code": "239873007"},
            ]
        },
        "subject": {"reference": "Patient/einer"},
        "recordedDate": "2026-02-05",
    }
    resource.update(changes)
    return resource


def episode_of_care(**changes) -> dict:
    resource = {
        "resourceType": "EpisodeOfCare",
        "id": "einer-course",
        "identifier": [{"system": "https://praksis.example/forloeb", "value": "DK-1"}],
        "status": "active",
        "type": [
            {
                "coding": [
                    {"system": "https://sentinel-data.dk/fhir/CodeSystem/speciale", "code": "51"}
                ]
            }
        ],
        "patient": {"reference": "Patient/einer"},
        "managingOrganization": {"reference": "Organization/LaegerneHasserisBymidte"},
        "period": {"start": "2026-02-01T23:30:00Z"},  # 2 February in Danish time
        "diagnosis": [{"condition": {"reference": "Condition/einer-knee"}}],
    }
    resource.update(changes)
    return resource


def transaction(*resources: dict) -> dict:
    return {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            {
                "fullUrl": f"https://praksis.example/fhir/{r['resourceType']}/{r['id']}",
                "resource": r,
                "request": {"method": "PUT", "url": f"{r['resourceType']}/{r['id']}"},
            }
            for r in resources
        ],
    }


@pytest.fixture
def hasseris(api) -> Clinic:
    """dk-core's example practice (ydernummer 77410, i.e. 077410), served by ``api``."""
    response = api.activate("077410", cvr=valid_cvr(77410), municipality_code="0851")
    assert response.status_code == 200, response.text
    clinic = Clinic.objects.get(ydernummer="077410")
    onboard(clinic)
    return clinic


def post(api, bundle: dict) -> httpx.Response:
    return api.http.post("/fhir", json=bundle, headers=FHIR)


def test_dk_core_examples_in_one_transaction_are_stored(api, hasseris):
    bundle = transaction(organization(), patient(synthetic_cpr()), condition(), episode_of_care())

    response = post(api, bundle)

    assert response.status_code == 200, response.text[:800]
    answer = response.json()
    assert answer["type"] == "transaction-response"
    statuses = [e["response"]["status"] for e in answer["entry"]]
    # Organization and Patient are used, not kept as resources; the course and its diagnosis
    # are created, each with the location Sentinel resolves them by.
    assert statuses == ["200 OK", "200 OK", "201 Created", "201 Created"]
    stored = Episode.objects.get(clinic=hasseris, source_id="DK-1")
    (event,) = DiagnosisEvent.objects.filter(episode=stored)
    assert answer["entry"][3]["response"]["location"] == f"EpisodeOfCare/{stored.pk}/_history/1"
    assert answer["entry"][2]["response"]["location"] == f"Condition/{event.pk}/_history/1"
    assert stored.start_date.isoformat() == "2026-02-02"
    assert stored.current_code == "L90"
    assert event.recorded_at.isoformat() == "2026-02-04T23:00:00+00:00"  # Danish midnight


def test_a_patient_and_a_subject_by_identifier_need_no_patient_entry(api, hasseris):
    cpr = synthetic_cpr()
    by_cpr = {"identifier": {"system": CPR_SYSTEM, "value": cpr}}
    bundle = transaction(organization(), condition(subject=by_cpr), episode_of_care(patient=by_cpr))

    response = post(api, bundle)

    assert response.status_code == 200, response.text[:800]
    assert Episode.objects.get(source_id="DK-1").patient_pseudonym
    assert cpr not in response.text


def test_a_missing_recorded_date_takes_the_course_start_with_a_warning(api, hasseris):
    bundle = transaction(organization(), patient(synthetic_cpr()), condition(), episode_of_care())
    del bundle["entry"][2]["resource"]["recordedDate"]

    response = post(api, bundle)

    assert response.status_code == 200, response.text[:800]
    issue = response.json()["entry"][2]["response"]["outcome"]["issue"][0]
    assert issue["severity"] == "warning"
    assert "recordedDate is missing" in issue["diagnostics"]
    (event,) = DiagnosisEvent.objects.all()
    assert event.recorded_at.date().isoformat() == "2026-02-01"  # 2 Feb 00:00 Danish, in UTC


def test_an_organization_no_course_refers_to_is_ignored_with_an_informational_issue(api, hasseris):
    other = {**organization(), "id": "another", "identifier": []}
    del other["identifier"]
    bundle = transaction(
        organization(), other, patient(synthetic_cpr()), condition(), episode_of_care()
    )

    response = post(api, bundle)

    assert response.status_code == 200, response.text[:800]
    issue = response.json()["entry"][1]["response"]["outcome"]["issue"][0]
    assert issue["severity"] == "information"
    assert "not used" in issue["diagnostics"]
    assert Episode.objects.filter(source_id="DK-1").exists()


def test_a_ydernummer_without_its_leading_zero_in_the_identifier_is_the_clinic(api, hasseris):
    course = episode_of_care(
        managingOrganization={"identifier": {"system": "urn:oid:1.2.208.176.1.4", "value": "77410"}}
    )
    bundle = transaction(patient(synthetic_cpr()), condition(), course)

    response = post(api, bundle)

    assert response.status_code == 200, response.text[:800]
    assert Episode.objects.get(source_id="DK-1").clinic == hasseris


def _with_verification(code: str) -> dict:
    return {
        "coding": [
            {"system": "http://terminology.hl7.org/CodeSystem/condition-ver-status", "code": code}
        ]
    }


@pytest.mark.parametrize("status", ["entered-in-error", "refuted"])
def test_a_condition_entered_in_error_or_refuted_is_kept_marked_and_never_the_code(
    api, hasseris, status
):
    cpr = synthetic_cpr()
    later = condition(
        id="einer-knee-2",
        code={"coding": [{"system": "urn:oid:1.2.208.176.2.31", "code": "L86"}]},
        recordedDate="2026-02-09",
    )
    course = episode_of_care(
        diagnosis=[
            {"condition": {"reference": "Condition/einer-knee"}},
            {"condition": {"reference": "Condition/einer-knee-2"}},
        ]
    )
    first = post(api, transaction(organization(), patient(cpr), condition(), later, course))
    assert first.status_code == 200, first.text[:500]
    assert Episode.objects.get(source_id="DK-1").current_code == "L86"

    later["verificationStatus"] = _with_verification(status)
    course["meta"] = {"versionId": "2"}
    second = post(api, transaction(organization(), patient(cpr), condition(), later, course))

    assert second.status_code == 200, second.text[:500]
    stored = Episode.objects.get(source_id="DK-1")
    assert stored.current_code == "L90"  # the marked code no longer counts
    marked = DiagnosisEvent.objects.get(episode=stored, code="L86")
    assert marked.verification_status == status  # kept: the history is append-only
    assert DiagnosisEvent.objects.filter(episode=stored).count() == 2


def test_an_episode_entered_in_error_withdraws_what_was_stored_of_the_course(api, hasseris):
    cpr = synthetic_cpr()
    bundle = transaction(organization(), patient(cpr), condition(), episode_of_care())
    assert post(api, bundle).status_code == 200
    assert Episode.objects.filter(source_id="DK-1").exists()

    withdrawn = transaction(
        organization(), patient(cpr), condition(), episode_of_care(status="entered-in-error")
    )
    response = post(api, withdrawn)

    assert response.status_code == 200, response.text[:500]
    issue = response.json()["entry"][3]["response"]["outcome"]["issue"][0]
    assert issue["details"]["coding"][0]["code"] == "course_entered_in_error"
    assert issue["severity"] == "information"
    assert not Episode.objects.filter(source_id="DK-1").exists()
    assert not DiagnosisEvent.objects.exists()
