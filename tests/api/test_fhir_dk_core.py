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
    assert [e["response"]["status"] for e in answer["entry"]] == ["201 Created"] * 4
    stored = Episode.objects.get(clinic=hasseris, source_id="DK-1")
    assert stored.start_date.isoformat() == "2026-02-02"
    assert stored.current_code == "L90"
    (event,) = DiagnosisEvent.objects.filter(episode=stored)
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
