"""Projects in the console: create, edit, publish; new data specification versions through a
structured form with a preview of what changes. Every write is audited with the staff actor."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from sentinel.audit.models import AuditEvent
from sentinel.projects.models import DataSpecification, Project
from tests.console.conftest import staff_rows

pytestmark = pytest.mark.django_db

NEW_PROJECT = {
    "code": "ryg",
    "name": "Rygforløb",
    "summary_da": "Forløb for lændesmerter.",
    "description_da": "Der opsamles diagnosekoder på rygforløb.",
    "description_en": "",
    "recipients_da": "Klinikken selv.",
    "reports_open_from": "2027-01-01",
    "first_report_delay_months": "2",
}


def spec_form(**overrides: object) -> dict[str, object]:
    form: dict[str, object] = {
        "record_types": ["episode"],
        "data_fields": ["patient_cpr", "speciale", "start_date", "diagnoses"],
        "specialities": ["51"],
        "icpc2_chapters": ["L"],
        "icpc2_codes": "",
        "effective_from": timezone.localdate().isoformat(),
    }
    form.update(overrides)
    return form


@pytest.fixture
def diagnosekodning() -> Project:
    return Project.objects.get(code="diagnosekodning")


def spec_url(project: Project) -> str:
    return reverse("console:projects_project_specification", args=[project.pk])


def test_a_project_manager_creates_a_project_unpublished_and_audited(project_manager) -> None:
    client, person = project_manager

    response = client.post(reverse("console:projects_project_add"), NEW_PROJECT)

    assert response.status_code == 302, response.content.decode()[:3000]
    project = Project.objects.get(code="ryg")
    assert not project.is_published
    assert project.reports_open_from == dt.date(2027, 1, 1)
    [row] = staff_rows(person, AuditEvent.Action.PROJECT_CREATED)
    assert row.object_id == str(project.pk)
    assert row.details == {"project": "ryg", "name": "Rygforløb"}


def test_a_duplicate_project_code_is_refused(project_manager) -> None:
    client, person = project_manager

    response = client.post(
        reverse("console:projects_project_add"), {**NEW_PROJECT, "code": "diagnosekodning"}
    )

    assert response.status_code == 200
    assert Project.objects.filter(code="diagnosekodning").count() == 1
    assert not staff_rows(person, AuditEvent.Action.PROJECT_CREATED)


def test_editing_a_project_is_audited_with_what_changed(project_manager, diagnosekodning) -> None:
    client, person = project_manager
    url = reverse("console:projects_project_change", args=[diagnosekodning.pk])
    data = {**NEW_PROJECT, "code": "other", "name": "Diagnosekodning (ICPC-2)"}
    data["description_da"] = diagnosekodning.description_da
    data["reports_open_from"] = diagnosekodning.reports_open_from.isoformat()

    response = client.post(url, data)

    assert response.status_code == 302, response.content.decode()[:3000]
    diagnosekodning.refresh_from_db()
    assert diagnosekodning.name == "Diagnosekodning (ICPC-2)"
    assert diagnosekodning.code == "diagnosekodning"  # the code never changes
    [row] = staff_rows(person, AuditEvent.Action.PROJECT_UPDATED)
    assert row.details["changed"] == [
        "description_en",
        "name",
        "recipients_da",
        "summary_da",
    ]
    assert row.details["values"] == {
        "name": {"from": "Diagnosekodning", "to": "Diagnosekodning (ICPC-2)"}
    }


def test_a_project_is_published_only_with_a_specification(project_manager) -> None:
    client, person = project_manager
    client.post(reverse("console:projects_project_add"), NEW_PROJECT)
    project = Project.objects.get(code="ryg")
    publish = reverse("console:projects_project_publish", args=[project.pk])

    refused = client.post(publish, follow=True)
    assert "har ingen dataspecifikation" in refused.content.decode()
    project.refresh_from_db()
    assert not project.is_published

    preview = client.post(spec_url(project), spec_form())
    client.post(spec_url(project), spec_form(confirm=preview.context["fingerprint"]))
    client.post(publish)

    project.refresh_from_db()
    assert project.is_published
    assert project.specifications.get().version == 1
    assert staff_rows(person, AuditEvent.Action.PROJECT_PUBLISHED)


def test_the_specification_form_starts_from_the_version_in_force(
    project_manager, diagnosekodning
) -> None:
    client, _person = project_manager

    response = client.get(spec_url(diagnosekodning))

    assert response.status_code == 200
    form = response.context["form"]
    assert form.initial["data_fields"] == [
        "patient_cpr",
        "speciale",
        "course_type",
        "start_date",
        "end_date",
        "diagnoses",
    ]
    assert form.initial["person_identifiable_worklist"] is True
    content = response.content.decode()
    assert 'value="practitioner_initials"' in content  # every field the pipeline knows
    assert 'value="L"' in content  # ICPC-2 chapters


def test_publishing_a_new_version_previews_the_changes_then_publishes(
    project_manager, diagnosekodning
) -> None:
    client, person = project_manager
    effective = timezone.localdate() + dt.timedelta(days=14)
    data = spec_form(
        data_fields=["patient_cpr", "speciale", "start_date", "diagnoses", "practitioner_initials"],
        specialities=["51", "57"],
        icpc2_codes="l03, K86",
        person_identifiable_worklist="on",
        effective_from=effective.isoformat(),
    )

    preview = client.post(spec_url(diagnosekodning), data)

    assert preview.status_code == 200
    assert diagnosekodning.specifications.count() == 1  # nothing published yet
    changes = {c.part: c for c in preview.context["changes"]}
    assert changes["fields"].added == ("practitioner_initials",)
    assert changes["fields"].removed == ("course_type", "end_date")
    assert changes["icpc2_chapters"].added == ("L",)
    assert changes["icpc2_codes"].added == ("L03", "K86")
    assert changes["icpc2_filter"].after == "kun de valgte koder"
    assert "practitioner_initials" in preview.content.decode()

    done = client.post(
        spec_url(diagnosekodning), {**data, "confirm": preview.context["fingerprint"]}
    )

    assert done.status_code == 302
    v2 = diagnosekodning.specifications.get(version=2)
    assert v2.effective_from == effective
    assert v2.spec["icpc2_filter"] == {"chapters": ["L"], "codes": ["L03", "K86"]}
    assert v2.spec["fields"] == [
        "patient_cpr",
        "speciale",
        "start_date",
        "diagnoses",
        "practitioner_initials",
    ]
    [row] = staff_rows(person, AuditEvent.Action.SPECIFICATION_PUBLISHED)
    assert row.details["version"] == 2
    # Version 1 is untouched and still in force until the effective date.
    assert diagnosekodning.specification().version == 1
    assert diagnosekodning.specification(effective).version == 2
    page = client.get(reverse("console:projects_project_change", args=[diagnosekodning.pk]))
    content = page.content.decode()
    assert "Version 2" in content and "kommende" in content
    assert "<code>practitioner_initials</code>" in content


def test_a_confirmation_publishes_only_what_was_previewed(project_manager, diagnosekodning) -> None:
    client, _person = project_manager
    preview = client.post(spec_url(diagnosekodning), spec_form())

    changed = client.post(
        spec_url(diagnosekodning),
        spec_form(icpc2_chapters=["K"], confirm=preview.context["fingerprint"]),
    )

    assert changed.status_code == 200  # a new preview, not a publication
    assert diagnosekodning.specifications.count() == 1
    assert changed.context["changes"] is not None


def test_preview_button_never_publishes(project_manager, diagnosekodning) -> None:
    client, _person = project_manager
    preview = client.post(spec_url(diagnosekodning), spec_form())

    client.post(
        spec_url(diagnosekodning),
        spec_form(confirm=preview.context["fingerprint"], preview="Vis ændringer"),
    )

    assert diagnosekodning.specifications.count() == 1


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"icpc2_codes": "L00, L03"}, "Ukendte ICPC-2-koder (ICPC-2-DK): L00"),
        ({"icpc2_codes": "XYZ"}, "Ukendte ICPC-2-koder (ICPC-2-DK): XYZ"),
        ({"specialities": []}, "Dette felt er påkrævet"),
        ({"data_fields": ["patient_cpr", "invented_field"]}, "invented_field"),
        ({"icpc2_chapters": ["Q"]}, "Q"),
        ({"course_types": ["ankle_sprain"]}, "Ukendt forløbstype: ankle_sprain."),
        (
            {
                "record_types": ["episode", "outcome"],
                "data_fields": ["speciale", "start_date", "instrument", "score"],
                "course_types": ["low_back_pain"],
            },
            "skal feltet course_type (forløbets type) opsamles",
        ),
        (
            {"effective_from": (timezone.localdate() - dt.timedelta(days=1)).isoformat()},
            "gælder fra i dag",
        ),
        (
            {
                "data_fields": [
                    "patient_cpr",
                    "speciale",
                    "course_type",
                    "start_date",
                    "end_date",
                    "diagnoses",
                ],
                "specialities": ["51", "57"],
                "icpc2_chapters": [],
                "person_identifiable_worklist": "on",
            },
            "er den samme som version 1",
        ),
    ],
)
def test_invalid_specifications_are_refused(
    project_manager, diagnosekodning, overrides, message
) -> None:
    client, person = project_manager

    response = client.post(spec_url(diagnosekodning), spec_form(**overrides))

    assert response.status_code == 200
    assert response.context["changes"] is None
    assert message in response.content.decode()
    assert DataSpecification.objects.filter(project=diagnosekodning).count() == 1
    assert not staff_rows(person, AuditEvent.Action.SPECIFICATION_PUBLISHED)


def test_a_new_version_limits_the_course_types(project_manager, diagnosekodning) -> None:
    """The structured courses are chosen among the known course types; the preview and the
    project's history say which, and the published JSON names them."""
    client, _person = project_manager
    data = spec_form(course_types=["hip_osteoarthritis", "knee_osteoarthritis"])

    preview = client.post(spec_url(diagnosekodning), data)

    assert preview.status_code == 200, preview.content.decode()
    changes = {c.part: c for c in preview.context["changes"]}
    assert changes["course_types"].added == ("hip_osteoarthritis", "knee_osteoarthritis")
    assert changes["course_type_filter"].after == "kun de valgte forløbstyper"
    content = preview.content.decode()
    assert "Hofteartrose" in content  # the choices carry the Danish names
    done = client.post(
        spec_url(diagnosekodning), {**data, "confirm": preview.context["fingerprint"]}
    )
    assert done.status_code == 302
    v2 = diagnosekodning.specifications.get(version=2)
    assert v2.spec["course_types"] == ["hip_osteoarthritis", "knee_osteoarthritis"]
    page = client.get(reverse("console:projects_project_change", args=[diagnosekodning.pk]))
    assert "forløbstyper: hip_osteoarthritis, knee_osteoarthritis" in page.content.decode()
    form = client.get(spec_url(diagnosekodning)).context["form"]
    assert form.initial["course_types"] == ["hip_osteoarthritis", "knee_osteoarthritis"]
