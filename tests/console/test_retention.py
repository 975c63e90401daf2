"""Retention: ``sentinel retention run`` deletes exactly the courses past the project's
retention (by start date) and the data of clinics unenrolled longer ago than the grace
period — boundary days included — keeps the report aggregates consistent, audits counts only,
deletes nothing in a dry run and nothing more when run again.

Data arrives through the ingest pipeline; the day of the run is given to the service.
"""

from __future__ import annotations

import datetime as dt
import io
from collections import Counter
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from sentinel.audit.models import AuditEvent
from sentinel.clinics.models import Clinic
from sentinel.collection.models import DiagnosisEvent, Episode
from sentinel.projects.actions import enrol, unenrol
from sentinel.projects.models import Project
from sentinel.reports.models import ReportCell
from sentinel.sharing import retention
from sentinel.sharing.recipients import set_retention
from tests.conftest import SYSTEM
from tests.console.test_exports import course, send
from tests.factories import ClinicFactory
from tests.reports.conftest import clinic_signer, onboard_for_reports

pytestmark = pytest.mark.django_db

ENROLLED = dt.date(2025, 7, 1)
RUN_ON = dt.date(2026, 11, 20)
"""With 12 months' retention the cutoff is 20.11.2025; with 30 days' grace, clinics
unenrolled before 21.10.2026 lose their data."""


def cells() -> Counter[tuple[Any, ...]]:
    return Counter(
        {
            (c.clinic_id, c.project_id, c.month, c.speciale, c.course_type, c.code): c.episodes
            for c in ReportCell.objects.all()
        }
    )


def counted_from_episodes() -> Counter[tuple[Any, ...]]:
    """The report cells the stored episodes call for."""
    expected: Counter[tuple[Any, ...]] = Counter()
    for e in Episode.objects.all():
        month = e.start_date.replace(day=1)
        expected[(e.clinic_id, e.project_id, month, e.speciale, e.course_type, e.current_code)] += 1
    return expected


def kept(clinic: Clinic) -> list[str]:
    return sorted(Episode.objects.filter(clinic=clinic).values_list("source_id", flat=True))


def with_two_codes(source_id: str, start: dt.date) -> dict[str, Any]:
    record = course(source_id, start, code="L90")
    record["diagnoses"].append({"code": "L89", "recorded_at": f"{start}T10:30:00+01:00"})
    return record


@pytest.fixture
def nation(project, vendor) -> dict[str, Clinic]:
    """Four clinics enrolled in Diagnosekodning on 1 July 2025 (12 months' retention, 30
    days' grace):

    - ``a`` enrolled throughout: courses on 19.11.2025 (two codes), 20.11.2025, 01.05.2026;
    - ``b`` unenrolled on 21.10.2026 (30 days before the run: within the grace);
    - ``c`` unenrolled on 20.10.2026 (31 days before: past it);
    - ``d`` unenrolled on 10.01.2026 but enrolled again on 01.02.2026.
    """
    set_retention(by=SYSTEM, project=project, retention_months=12, unenrolment_grace_days=30)
    project.refresh_from_db()
    clinics = {}
    for name in "abcd":
        clinics[name] = ClinicFactory()
        onboard_for_reports(clinics[name], project, enrolled=ENROLLED, vendor=vendor)
    send(
        vendor,
        clinics["a"],
        [
            with_two_codes("A-1119", dt.date(2025, 11, 19)),
            course("A-1120", dt.date(2025, 11, 20), code="L03", course_type="low_back_pain"),
            course("A-0501", dt.date(2026, 5, 1)),
        ],
    )
    send(
        vendor,
        clinics["b"],
        [course("B-1201", dt.date(2025, 12, 1)), course("B-0301", dt.date(2026, 3, 1))],
    )
    send(
        vendor,
        clinics["c"],
        [
            course("C-0801", dt.date(2025, 8, 1)),
            course("C-0201", dt.date(2026, 2, 1)),
            course("C-0901", dt.date(2026, 9, 1)),
        ],
    )
    send(vendor, clinics["d"], [course("D-0801", dt.date(2025, 8, 1))])
    signer = clinic_signer(clinics["b"])
    unenrol(by=signer.actor, clinic=clinics["b"], project=project, on=dt.date(2026, 10, 21))
    unenrol(by=signer.actor, clinic=clinics["c"], project=project, on=dt.date(2026, 10, 20))
    unenrol(by=signer.actor, clinic=clinics["d"], project=project, on=dt.date(2026, 1, 10))
    enrol(by=signer.actor, clinic=clinics["d"], project=project, on=dt.date(2026, 2, 1))
    send(vendor, clinics["d"], [course("D-0301", dt.date(2026, 3, 1))])
    assert Episode.objects.count() == 10
    return clinics


def test_a_dry_run_counts_what_would_go_and_deletes_nothing(nation, project) -> None:
    before = (Episode.objects.count(), DiagnosisEvent.objects.count(), cells())

    [plan] = retention.run(on=RUN_ON, projects=["diagnosekodning"])

    assert not plan.applied
    assert (plan.cutoff, plan.unenrolled_before) == (dt.date(2025, 11, 20), dt.date(2026, 10, 21))
    assert (plan.past_retention_episodes, plan.past_retention_diagnoses) == (2, 3)
    assert (plan.unenrolled_clinics, plan.unenrolled_episodes, plan.unenrolled_diagnoses) == (
        1,
        3,
        3,
    )
    assert "would delete 2 courses" in plan.summary()
    assert (Episode.objects.count(), DiagnosisEvent.objects.count(), cells()) == before
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.RETENTION_DELETED).exists()


def test_retention_deletes_exactly_what_it_should_on_the_boundary_days(nation, project) -> None:
    planned = retention.plan(on=RUN_ON)

    [done] = retention.run(apply=True, on=RUN_ON, batch_size=2, projects=["diagnosekodning"])

    assert kept(nation["a"]) == ["A-0501", "A-1120"]  # 19.11.2025 went, 20.11.2025 stays
    assert kept(nation["b"]) == ["B-0301", "B-1201"]  # unenrolled 30 days ago: kept
    assert kept(nation["c"]) == []  # unenrolled 31 days ago: all of it gone
    assert kept(nation["d"]) == ["D-0301"]  # enrolled again: only past retention goes
    assert not DiagnosisEvent.objects.filter(episode__source_id="A-1119").exists()
    assert DiagnosisEvent.objects.count() == Episode.objects.count() == 5
    assert (done.episodes, done.diagnoses, done.unenrolled_clinics) == (5, 6, 1)
    [plan] = [p for p in planned if p.project == project]
    assert (plan.episodes, plan.diagnoses) == (done.episodes, done.diagnoses)


def test_the_next_day_moves_both_boundaries_by_one_day(nation, project) -> None:
    retention.run(apply=True, on=RUN_ON)

    [done] = retention.run(
        apply=True, on=RUN_ON + dt.timedelta(days=1), projects=["diagnosekodning"]
    )

    assert kept(nation["a"]) == ["A-0501"]  # 20.11.2025 is now past 12 months
    assert kept(nation["b"]) == []  # 31 days since unenrolment now
    assert (done.past_retention_episodes, done.unenrolled_clinics, done.unenrolled_episodes) == (
        1,
        1,
        2,
    )


def test_report_aggregates_match_the_remaining_data(nation, project) -> None:
    assert cells() == counted_from_episodes()

    retention.run(apply=True, on=RUN_ON, batch_size=1)

    assert cells() == counted_from_episodes()
    assert not ReportCell.objects.filter(clinic=nation["c"]).exists()
    months = set(
        ReportCell.objects.filter(clinic=nation["a"]).values_list("month", "code", "episodes")
    )
    assert months == {(dt.date(2025, 11, 1), "L03", 1), (dt.date(2026, 5, 1), "L90", 1)}


def test_each_project_gets_one_audit_row_with_counts_only(nation, project) -> None:
    retention.run(apply=True, on=RUN_ON)

    [row] = AuditEvent.objects.filter(action=AuditEvent.Action.RETENTION_DELETED)
    assert (row.actor_kind, row.actor_id) == ("system", "retention")
    assert (row.object_type, row.object_id, row.clinic_id) == (
        "projects.project",
        str(project.pk),
        None,
    )
    assert row.details == {
        "project": "diagnosekodning",
        "on": "2026-11-20",
        "retention_months": 12,
        "cutoff": "2025-11-20",
        "past_retention": {"episodes": 2, "diagnoses": 3},
        "unenrolment_grace_days": 30,
        "unenrolled_before": "2026-10-21",
        "unenrolled": {"clinics": 1, "episodes": 3, "diagnoses": 3},
        # each clinic's share, which its ledger shows (courses 19.11.2025 of a, 01.08.2025 of d)
        "by_clinic": {
            str(nation["a"].pk): {"rule": "past_retention", "episodes": 1, "diagnoses": 2},
            str(nation["d"].pk): {"rule": "past_retention", "episodes": 1, "diagnoses": 1},
            str(nation["c"].pk): {"rule": "unenrolled", "episodes": 3, "diagnoses": 3},
        },
    }


def test_running_again_deletes_nothing_more_and_writes_no_audit_row(nation, project) -> None:
    retention.run(apply=True, on=RUN_ON)
    remaining = (Episode.objects.count(), DiagnosisEvent.objects.count(), cells())

    [again] = retention.run(apply=True, on=RUN_ON, projects=["diagnosekodning"])

    assert (again.episodes, again.diagnoses, again.unenrolled_clinics) == (0, 0, 0)
    assert (Episode.objects.count(), DiagnosisEvent.objects.count(), cells()) == remaining
    assert AuditEvent.objects.filter(action=AuditEvent.Action.RETENTION_DELETED).count() == 1


def test_other_projects_keep_their_data(nation, project, vendor) -> None:
    other = Project.objects.create(
        code="andet",
        name="Andet",
        summary_da="x",
        description_da="x",
        reports_open_from=ENROLLED,
        retention_months=600,
    )

    results = {r.project.code: r for r in retention.run(apply=True, on=RUN_ON)}

    assert results["andet"].episodes == 0
    assert results["diagnosekodning"].episodes == 5
    assert [
        r.details["project"]
        for r in AuditEvent.objects.filter(action=AuditEvent.Action.RETENTION_DELETED)
    ] == ["diagnosekodning"]
    assert other.pk


# --- the command -------------------------------------------------------------------------


def run_command(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("retention", "run", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_the_command_is_a_dry_run_unless_told_to_apply(project, vendor) -> None:
    today = timezone.localdate()
    set_retention(by=SYSTEM, project=project, retention_months=1, unenrolment_grace_days=90)
    clinic = ClinicFactory()
    onboard_for_reports(clinic, project, enrolled=ENROLLED, vendor=vendor)
    old, recent = today - dt.timedelta(days=45), today - dt.timedelta(days=5)
    send(vendor, clinic, [course("OLD", old), course("RECENT", recent)])

    dry_out, dry_err = run_command("--project", "diagnosekodning")
    assert "diagnosekodning: would delete 1 courses" in dry_out
    assert "Dry run: nothing was deleted" in dry_err
    assert kept(clinic) == ["OLD", "RECENT"]

    out, _err = run_command("--apply", "--by", "cron")
    assert "diagnosekodning: deleted 1 courses" in out
    assert kept(clinic) == ["RECENT"]
    [row] = AuditEvent.objects.filter(action=AuditEvent.Action.RETENTION_DELETED)
    assert row.actor_id == "cron"

    again, _err = run_command("--apply")
    assert "diagnosekodning: deleted 0 courses" in again
    assert AuditEvent.objects.filter(action=AuditEvent.Action.RETENTION_DELETED).count() == 1


def test_the_command_refuses_an_unknown_project(db) -> None:
    err = io.StringIO()
    with pytest.raises(SystemExit) as exit_code:
        call_command("retention", "run", "--project", "ukendt", stdout=io.StringIO(), stderr=err)

    assert exit_code.value.code == 1
    assert "no project ukendt" in err.getvalue()


def test_a_course_answered_as_an_exception_goes_with_its_answer(nation, project, vendor) -> None:
    from sentinel.reports.models import OpenItemException

    gone = Episode.objects.get(source_id="C-0201")
    stays = Episode.objects.get(source_id="B-0301")
    for episode in (gone, stays):
        OpenItemException.objects.create(
            clinic_id=episode.clinic_id,
            project=project,
            episode=episode,
            vendor=vendor,
            kind=OpenItemException.Kind.MISSING_REQUIRED_CODE,
            reason=OpenItemException.Reason.PATIENT_DECLINED,
        )

    retention.run(apply=True, on=RUN_ON)

    assert list(OpenItemException.objects.values_list("episode_id", flat=True)) == [stays.pk]
