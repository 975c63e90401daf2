"""The report targets page ("Mål for rapportens indikatorer"): a project manager sets an
indicator's target range and direction for a data specification version with structured
fields (a Danish decimal comma too), audited with the staff actor; the page shows the target
in force, the report default and the history; bad input is refused in Danish with nothing
stored; support reads the page but may not change it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from sentinel.audit.models import AuditEvent
from sentinel.projects.actions import publish_specification
from sentinel.projects.models import Project
from sentinel.reports.engine import definition_for
from sentinel.reports.models import IndicatorTarget
from sentinel.reports.targets import TargetsInForce
from tests.console.conftest import ADMIN_CLI, staff_rows
from tests.console.test_labels import visible_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def diagnosekodning() -> Project:
    return Project.objects.get(code="diagnosekodning")


def targets_url(project: Project) -> str:
    return reverse("console:projects_project_targets", args=[project.pk])


def target_form(**overrides: object) -> dict[str, object]:
    form: dict[str, object] = {
        "indicator": "completeness",
        "version": "1",
        "better": "higher",
        "low": "92,5",
        "high": "100",
    }
    form.update(overrides)
    return form


def test_a_project_manager_sets_a_target_and_sees_it_in_force_and_in_the_history(
    project_manager, diagnosekodning
) -> None:
    client, person = project_manager
    url = targets_url(diagnosekodning)
    before = visible_text(client.get(url).content)
    assert "Gældende nu: Højere er bedre · Mål: 95,00–100,00 % · rapportens standard." in before

    response = client.post(url, target_form())

    assert response.status_code == 302, visible_text(response.content)[:3000]
    assert response["Location"] == url
    [stored] = IndicatorTarget.objects.all()
    assert (stored.indicator, stored.specification.version, stored.better) == (
        "completeness",
        1,
        "higher",
    )
    assert (stored.low, stored.high) == (Decimal("92.50"), Decimal("100.00"))
    assert stored.set_by == "Test Medarbejder"
    [row] = staff_rows(person, AuditEvent.Action.INDICATOR_TARGET_SET)
    assert row.details["to"] == {"better": "higher", "target": ["92.50", "100.00"]}
    # What the reports read now.
    indicator = next(
        i for i in definition_for("diagnosekodning").indicators if i.key == "completeness"
    )
    shown = TargetsInForce.read(diagnosekodning, timezone.localdate()).indicator(indicator)
    assert (shown.target, shown.target_version) == ((Decimal("92.50"), Decimal("100.00")), 1)

    page = visible_text(client.get(url).content)
    assert "Gældende nu: Højere er bedre · Mål: 92,50–100,00 % · sat for version 1 af Test " in page
    assert "Mål og retning for »Kodningsgrad, strukturerede forløb« er gemt for version 1" in page
    history = page[page.index("Historik") :]
    assert "1 (fra 30.06.2025) Højere er bedre 92,50–100,00 % Test Medarbejder" in history
    # The audit log names the action in Danish.
    log = visible_text(client.get(reverse("console:audit_auditevent_changelist")).content)
    assert "Mål og retning for en rapportindikator sat" in log


def test_a_second_change_and_a_coming_version_are_both_shown(
    project_manager, diagnosekodning
) -> None:
    client, _person = project_manager
    url = targets_url(diagnosekodning)
    coming = timezone.localdate() + dt.timedelta(days=30)
    publish_specification(
        by=ADMIN_CLI,
        project=diagnosekodning,
        spec={**diagnosekodning.specification().spec, "specialities": ["51"]},
        effective_from=coming,
    )

    assert client.post(url, target_form()).status_code == 302
    assert client.post(url, target_form(better="lower", low="", high="")).status_code == 302
    assert client.post(url, target_form(version="2", low="97", high="100")).status_code == 302

    page = visible_text(client.get(url).content)
    assert "Gældende nu: Lavere er bedre · intet mål (kun retning) · sat for version 1" in page
    assert f"Kommende: fra version 2 ({coming:%d.%m.%Y}): Højere er bedre · mål 97,00–100,00 %" in (
        page
    )
    history = page[page.index("Historik") :]
    assert history.count("Test Medarbejder") == 3


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (
            {"low": "96", "high": "95"},
            "Målets nedre grænse (96,00 %) er højere end den øvre (95,00 %).",
        ),
        ({"high": "101"}, "Et mål for en andel skal ligge mellem 0 og 100 %, ikke 101 %."),
        ({"low": "-5"}, "Et mål for en andel skal ligge mellem 0 og 100 %, ikke -5 %."),
        ({"high": ""}, "Et målinterval skal have både en nedre og en øvre grænse"),
        ({"low": "90,125"}, "Et mål har højst to decimaler, ikke 90,125."),
        ({"indicator": "waiting_time"}, "Marker en gyldig valgmulighed."),
        ({"indicator": "top_code"}, "Marker en gyldig valgmulighed."),
        ({"better": "sideways"}, "Marker en gyldig valgmulighed."),
        ({"low": "høj"}, "Indtast et tal."),
        ({"low": "95", "high": "100"}, "Mål og retning er de samme som dem, der gælder for"),
    ],
)
def test_bad_input_is_refused_in_danish_and_nothing_is_stored(
    project_manager, diagnosekodning, fields, message
) -> None:
    client, person = project_manager

    response = client.post(targets_url(diagnosekodning), target_form(**fields))

    assert response.status_code == 200
    assert message in visible_text(response.content)
    assert not IndicatorTarget.objects.exists()
    assert not staff_rows(person, AuditEvent.Action.INDICATOR_TARGET_SET)


def test_a_replaced_version_is_not_offered_and_is_refused(project_manager, diagnosekodning):
    client, _person = project_manager
    publish_specification(
        by=ADMIN_CLI,
        project=diagnosekodning,
        spec={**diagnosekodning.specification().spec, "specialities": ["51"]},
        effective_from=timezone.localdate(),
    )

    page = client.get(targets_url(diagnosekodning)).content.decode()
    response = client.post(targets_url(diagnosekodning), target_form(version="1"))

    assert 'value="2"' in page and 'value="1"' not in page
    assert response.status_code == 200
    assert "Marker en gyldig valgmulighed." in visible_text(response.content)
    assert not IndicatorTarget.objects.exists()


def test_support_reads_the_targets_but_may_not_set_one(support, diagnosekodning) -> None:
    client, _person = support

    page = client.get(targets_url(diagnosekodning))
    response = client.post(targets_url(diagnosekodning), target_form())

    assert page.status_code == 200
    text = visible_text(page.content)
    assert "Gældende nu: Højere er bedre · Mål: 95,00–100,00 %" in text
    assert "Sæt mål og retning" not in text and 'name="low"' not in page.content.decode()
    assert response.status_code == 403
    assert not IndicatorTarget.objects.exists()
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.INDICATOR_TARGET_SET).exists()


def test_the_project_page_links_to_the_targets(support, diagnosekodning) -> None:
    client, _person = support

    page = client.get(reverse("console:projects_project_change", args=[diagnosekodning.pk]))

    assert targets_url(diagnosekodning) in page.content.decode()
