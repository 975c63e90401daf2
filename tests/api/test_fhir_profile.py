"""The profile published as conformance resources (compiled by SUSHI from fhir/*.fsh), over
real HTTP: served without a credential, valid R4, referenced by the CapabilityStatement, tied
to the systems and element names the door reads and speaks; and its examples, posted as they
are published, stored."""

from __future__ import annotations

import copy

import httpx
import pytest
from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.structuredefinition import StructureDefinition
from fhir.resources.R4B.valueset import ValueSet

from sentinel.api.fhir import (
    COURSE_TYPE_SYSTEM,
    CPR_SYSTEM,
    DIAGNOSIS_SOURCE_SYSTEM,
    ICPC2_SYSTEM,
    INITIALS_URL,
    OPT_OUT_URL,
    SPECIALE_SYSTEM,
    TAKEN_RESOURCES,
    YDERNUMMER_SYSTEM,
)
from sentinel.api.fhir.elements import ELEMENTS
from sentinel.api.fhir.measures import TIMEPOINT_URL
from sentinel.api.fhir.published import examples, structure_definitions, value_sets
from sentinel.clinics.models import Clinic
from sentinel.collection.models import DiagnosisEvent, Episode
from tests.api.conftest import onboard, synthetic_cpr
from tests.factories import valid_cvr

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
FHIR = {"Content-Type": "application/fhir+json"}
PROFILES = {
    "EpisodeOfCare",
    "Condition",
    "Patient",
    "Organization",
    "Observation",
    "QuestionnaireResponse",
}


def get(live_server, path: str) -> httpx.Response:
    return httpx.get(f"{live_server.url}/api/v1/fhir/{path}")


def fixed_systems() -> set[str]:
    return {
        value
        for definition in structure_definitions().values()
        for element in definition["differential"]["element"]
        for key, value in element.items()
        if key in ("fixedUri", "patternUri")
    }


def test_every_structure_definition_and_value_set_is_served_as_valid_r4(live_server):
    served = [("StructureDefinition", StructureDefinition, structure_definitions())]
    served.append(("ValueSet", ValueSet, value_sets()))
    for kind, model, resources in served:
        assert resources, kind
        for name, resource in resources.items():
            response = get(live_server, f"{kind}/{name}")

            assert response.status_code == 200, response.text[:300]
            assert response.headers["Content-Type"].startswith("application/fhir+json")
            assert response.json() == resource
            model.model_validate(resource)  # raises when it is not valid FHIR
            assert resource["url"] == f"https://sentinel-data.dk/fhir/{kind}/{name}"


@pytest.mark.parametrize("path", ["StructureDefinition/nope", "ValueSet/nope"])
def test_an_unknown_conformance_resource_is_a_404_operation_outcome(live_server, path):
    response = get(live_server, path)

    assert response.status_code == 404
    assert response.json()["issue"][0]["code"] == "not-found"


def test_the_capability_statement_names_a_served_profile_for_every_resource(live_server):
    (rest,) = get(live_server, "metadata").json()["rest"]

    profiles = {r["type"]: r["supportedProfile"] for r in rest["resource"]}
    assert set(profiles) == set(TAKEN_RESOURCES) == PROFILES
    for resource_type, (url,) in profiles.items():
        definition = get(live_server, f"StructureDefinition/{url.rsplit('/', 1)[1]}").json()
        assert (definition["url"], definition["type"]) == (url, resource_type)
        assert definition["baseDefinition"] == (
            f"http://hl7.org/fhir/StructureDefinition/{resource_type}"
        )


def test_the_profile_fixes_the_systems_the_door_reads():
    assert {
        CPR_SYSTEM,
        YDERNUMMER_SYSTEM,
        ICPC2_SYSTEM,
        SPECIALE_SYSTEM,
        COURSE_TYPE_SYSTEM,
        DIAGNOSIS_SOURCE_SYSTEM,
    } <= fixed_systems()
    extensions = {d["url"] for d in structure_definitions().values() if d["type"] == "Extension"}
    assert extensions == {OPT_OUT_URL, INITIALS_URL, TIMEPOINT_URL}


def test_every_value_set_is_bound_and_draws_on_a_served_code_system(live_server):
    bound = {
        element["binding"]["valueSet"]
        for definition in structure_definitions().values()
        for element in definition["differential"]["element"]
        if "binding" in element
    }
    for value_set in value_sets().values():
        (include,) = value_set["compose"]["include"]
        system = include["system"]
        response = get(live_server, f"CodeSystem/{system.rsplit('/', 1)[1]}")
        assert response.status_code == 200 and response.json()["url"] == system
        if value_set["id"] != "reason":  # the reason is in answers, not in a resource sent
            assert value_set["url"] in bound


def test_every_element_the_door_names_is_an_element_of_the_profile():
    ids = {
        element["id"]
        for definition in structure_definitions().values()
        for element in definition["differential"]["element"]
    }
    named = {e.name for field, e in ELEMENTS.items() if field != "services"}
    assert named <= ids, named - ids


def test_every_example_is_valid_r4_and_claims_its_profile():
    assert {e["resourceType"] for e in examples().values()} == PROFILES | {"Bundle"}
    for example in examples().values():
        get_fhir_model_class(example["resourceType"]).model_validate(example)
        if example["resourceType"] != "Bundle":
            (profile,) = example["meta"]["profile"]
            assert profile.rsplit("/", 1)[1] in structure_definitions()


@pytest.fixture
def example_clinic(api) -> Clinic:
    """The examples' clinic (ydernummer 12345, i.e. 012345), served by ``api``."""
    response = api.activate("012345", cvr=valid_cvr(12345), municipality_code="0851")
    assert response.status_code == 200, response.text
    clinic = Clinic.objects.get(ydernummer="012345")
    onboard(clinic)
    return clinic


def the_example_transaction(cpr: str | None) -> dict:
    bundle = copy.deepcopy(examples()["example-transaction"])
    if cpr is not None:
        (patient,) = [e for e in bundle["entry"] if e["resource"]["resourceType"] == "Patient"]
        (identifier,) = patient["resource"]["identifier"]
        assert identifier["value"] == "0001001000"  # the placeholder: day 00 is no CPR
        identifier["value"] = cpr
    return bundle


def test_the_example_transaction_is_stored(api, example_clinic):
    response = api.http.post("/fhir", json=the_example_transaction(synthetic_cpr()), headers=FHIR)

    assert response.status_code == 200, response.text[:800]
    answer = response.json()
    assert answer["type"] == "transaction-response"
    statuses = [e["response"]["status"] for e in answer["entry"]]
    assert statuses == ["200 OK", "200 OK", "201 Created", "201 Created", "201 Created"]
    course = Episode.objects.get(clinic=example_clinic, source_id="EX-1")
    assert (course.version, course.current_code, course.course_type) == (
        2,
        "L86",
        "lumbar_radiculopathy",
    )
    assert answer["entry"][4]["response"]["location"] == f"EpisodeOfCare/{course.pk}/_history/2"
    assert DiagnosisEvent.objects.filter(episode=course).count() == 2


def test_the_example_as_published_is_refused_at_its_placeholder_cpr(api, example_clinic):
    response = api.http.post("/fhir", json=the_example_transaction(None), headers=FHIR)

    assert response.status_code == 422, response.text[:500]
    (error, _nothing_stored) = response.json()["issue"]
    assert error["details"]["coding"][0]["code"] == "invalid_cpr"
    assert error["expression"] == ["Bundle.entry[1].resource.identifier[0].value"]
    assert not Episode.objects.exists()
