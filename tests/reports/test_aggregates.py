"""Report aggregates: incremental clinic cells, rebuild from raw, the journal, the benchmark
and its incremental and full refresh.

Expected tables are written out by hand. "Rebuilt equals incremental" (clinic cells) and
"incremental refresh equals full recompute" (benchmark) are checked for random sequences of
changes applied the way the pipeline does, and through the pipeline itself.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
import re

import pytest
from django.db import transaction
from django.utils import timezone

from sentinel.clinics.models import Clinic
from sentinel.collection.models import Episode
from sentinel.collection.pipeline import ingest
from sentinel.projects.models import Project
from sentinel.reports import aggregates
from sentinel.reports.aggregates import cell_key, net_changes
from sentinel.reports.models import (
    NATION,
    BenchmarkCell,
    BenchmarkContributor,
    BenchmarkState,
    CellChange,
    DeclaredIndicator,
    ReportCell,
)
from tests.api.conftest import synthetic_cpr
from tests.factories import ClinicFactory, VendorFactory
from tests.reports.conftest import onboard_for_reports, store_episode


@pytest.fixture(autouse=True)
def only_diagnosekodning(db) -> None:
    """These tests count the projects a refresh covers and are about Diagnosekodning's
    figures alone: the second migrated project (Forløbsresultater, no report here) is
    removed for them (nothing is enrolled in it)."""
    from sentinel.projects.models import Project

    project = Project.objects.get(code="forlobsresultater")
    project.recipients.all().delete()
    DeclaredIndicator.objects.filter(project=project).delete()
    project.specifications.all().delete()
    project.delete()


D = dt.date
JAN, FEB, MAR, APR = D(2026, 1, 1), D(2026, 2, 1), D(2026, 3, 1), D(2026, 4, 1)


def cells(**filters) -> dict[tuple, int]:
    """The clinic cells as {(clinic, project, month, speciale, course_type, code): episodes}."""
    return {
        (c.clinic_id, c.project_id, c.month, c.speciale, c.course_type, c.code): c.episodes
        for c in ReportCell.objects.filter(**filters)
    }


def benchmark(project) -> dict[tuple, int]:
    return {
        (b.scope, b.month, b.speciale, b.course_type, b.code): b.episodes
        for b in BenchmarkCell.objects.filter(project=project)
    }


def contributors(project) -> set[tuple]:
    return {
        (c.month, c.region_code, c.clinic_id)
        for c in BenchmarkContributor.objects.filter(project=project)
    }


def journal() -> list[tuple]:
    """The journal in order: (clinic, project, month, speciale, course_type, code, delta)."""
    return [
        (c.clinic_id, c.project_id, c.month, c.speciale, c.course_type, c.code, c.delta)
        for c in CellChange.objects.order_by("id")
    ]


def rebuilt_equals_incremental() -> None:
    """A rebuild of every clinic (by name, so it journals its difference) changes nothing."""
    incremental, journalled = cells(), journal()
    aggregates.rebuild(clinic_ids=list(Clinic.objects.values_list("pk", flat=True)))
    assert cells() == incremental
    assert journal() == journalled


def incremental_equals_full(*projects) -> None:
    """Refresh incrementally, then recompute in full: the full recompute finds nothing to
    write, and the journal is empty after each."""
    result = aggregates.refresh_benchmark()
    assert result.recomputed == 0, result
    assert not CellChange.objects.exists()
    tables = {p.pk: (benchmark(p), contributors(p)) for p in projects}
    full = aggregates.refresh_benchmark(full=True)
    assert full.written == 0, "the incremental refresh left work for a full one"
    assert {p.pk: (benchmark(p), contributors(p)) for p in projects} == tables


def other_project() -> Project:
    return Project.objects.create(
        code="andet",
        name="Andet projekt",
        summary_da="Et andet projekt til test.",
        description_da="Et andet projekt til test.",
        reports_open_from=D(2025, 1, 1),
        is_published=True,
    )


def key_of(episode: Episode) -> tuple:
    return cell_key(episode.start_date, episode.speciale, episode.course_type, episode.current_code)


# --- cell keys and net changes -----------------------------------------------------------


def test_cell_key_is_the_first_of_the_start_month_and_blank_for_missing_values():
    assert cell_key(D(2026, 3, 31), "51", None, None) == (MAR, "51", "", "")
    assert cell_key(D(2026, 3, 1), None, "low_back_pain", "L03") == (
        MAR,
        "",
        "low_back_pain",
        "L03",
    )


def test_net_changes_cancels_moves_out_and_back():
    a, b = (JAN, "51", "", "L03"), (JAN, "51", "", "L02")
    assert net_changes(added=[a, b, a], removed=[a, b]) == {a: 1}
    assert net_changes(added=[a], removed=[a]) == {}
    assert net_changes(removed=[b]) == {b: -1}


# --- apply_changes -----------------------------------------------------------------------


def test_apply_changes_adds_and_increments_cells(clinic, project):
    l03, l90 = (JAN, "51", "", "L03"), (FEB, "51", "knee_osteoarthritis", "L90")
    aggregates.apply_changes(clinic_id=clinic.pk, project_id=project.pk, changes={l03: 2, l90: 1})
    aggregates.apply_changes(clinic_id=clinic.pk, project_id=project.pk, changes={l03: 3})
    assert cells() == {
        (clinic.pk, project.pk, JAN, "51", "", "L03"): 5,
        (clinic.pk, project.pk, FEB, "51", "knee_osteoarthritis", "L90"): 1,
    }


def test_apply_changes_decrements_and_removes_cells_that_reach_zero(clinic, project):
    l03, l02 = (JAN, "51", "", "L03"), (JAN, "51", "", "L02")
    aggregates.apply_changes(clinic_id=clinic.pk, project_id=project.pk, changes={l03: 2, l02: 1})
    # One episode moves from L02 to L03, another leaves L03 for an uncoded cell.
    aggregates.apply_changes(
        clinic_id=clinic.pk,
        project_id=project.pk,
        changes={l02: -1, l03: 0, (JAN, "51", "", ""): 1},
    )
    aggregates.apply_changes(clinic_id=clinic.pk, project_id=project.pk, changes={l03: -2})
    assert cells() == {(clinic.pk, project.pk, JAN, "51", "", ""): 1}


def test_apply_changes_normalises_the_month_and_adds_up_keys_of_one_cell(clinic, project):
    aggregates.apply_changes(
        clinic_id=clinic.pk,
        project_id=project.pk,
        changes={(D(2026, 1, 5), "51", "", "L03"): 1, (D(2026, 1, 31), "51", "", "L03"): 1},
    )
    assert cells() == {(clinic.pk, project.pk, JAN, "51", "", "L03"): 2}


def test_apply_changes_never_leaves_a_cell_for_a_decrement_of_nothing(clinic, project):
    aggregates.apply_changes(
        clinic_id=clinic.pk, project_id=project.pk, changes={(JAN, "51", "", "L03"): -1}
    )
    assert cells() == {}


def test_apply_changes_touches_only_its_clinic_and_project(clinic, project):
    other_clinic, second = ClinicFactory(), other_project()
    key = (JAN, "51", "", "L03")
    for c, p in ((clinic, project), (other_clinic, project), (clinic, second)):
        aggregates.apply_changes(clinic_id=c.pk, project_id=p.pk, changes={key: 1})
    aggregates.apply_changes(clinic_id=clinic.pk, project_id=project.pk, changes={key: -1})
    assert cells() == {
        (other_clinic.pk, project.pk, JAN, "51", "", "L03"): 1,
        (clinic.pk, second.pk, JAN, "51", "", "L03"): 1,
    }


def test_apply_changes_journals_every_change_it_makes(clinic, project):
    l03, l02 = (JAN, "51", "", "L03"), (FEB, "51", "", "L02")
    aggregates.apply_changes(clinic_id=clinic.pk, project_id=project.pk, changes={l03: 2, l02: 1})
    aggregates.apply_changes(
        clinic_id=clinic.pk,
        project_id=project.pk,
        changes={(D(2026, 1, 9), "51", "", "L03"): -1, l02: 0},
    )
    c, p = clinic.pk, project.pk
    assert journal() == [
        (c, p, JAN, "51", "", "L03", 2),
        (c, p, FEB, "51", "", "L02", 1),
        (c, p, JAN, "51", "", "L03", -1),  # the month normalised, the zero left out
    ]
    assert not BenchmarkState.objects.exists()  # a batch writes no shared row


def test_apply_changes_journals_what_a_cell_moved_not_below_zero(clinic, project):
    """A decrement of more than a cell holds removes the cell; the journal holds what the
    cell really lost, so the benchmark stays the sum of the cells."""
    l03, l02 = (JAN, "51", "", "L03"), (JAN, "51", "", "L02")
    aggregates.apply_changes(clinic_id=clinic.pk, project_id=project.pk, changes={l03: 2})
    aggregates.apply_changes(clinic_id=clinic.pk, project_id=project.pk, changes={l03: -5, l02: -1})
    assert cells() == {}
    assert journal() == [
        (clinic.pk, project.pk, JAN, "51", "", "L03", 2),
        (clinic.pk, project.pk, JAN, "51", "", "L03", -2),
    ]


def test_apply_changes_with_nothing_to_change_writes_nothing(clinic, project):
    aggregates.apply_changes(clinic_id=clinic.pk, project_id=project.pk, changes={})
    aggregates.apply_changes(
        clinic_id=clinic.pk, project_id=project.pk, changes={(JAN, "51", "", "L03"): 0}
    )
    assert cells() == {}
    assert journal() == []
    assert not BenchmarkState.objects.exists()


def test_apply_changes_writes_nothing_when_the_transaction_rolls_back(clinic, project):
    with pytest.raises(RuntimeError), transaction.atomic():
        aggregates.apply_changes(
            clinic_id=clinic.pk, project_id=project.pk, changes={(JAN, "51", "", "L03"): 1}
        )
        raise RuntimeError("the batch failed after its cells moved")
    assert cells() == {}
    assert journal() == []


# --- rebuild -----------------------------------------------------------------------------


def test_rebuild_counts_the_episodes_per_cell(clinic, project, vendor):
    store_episode(clinic, project, vendor, "a", D(2026, 1, 3), "L03")
    store_episode(clinic, project, vendor, "b", D(2026, 1, 31), "L03")
    store_episode(clinic, project, vendor, "c", D(2026, 1, 9), "L90", "knee_osteoarthritis")
    store_episode(clinic, project, vendor, "d", D(2026, 2, 1), "", "low_back_pain")
    store_episode(clinic, project, vendor, "e", D(2026, 2, 14), "N01", speciale="57")
    written = aggregates.rebuild()
    assert written == 4
    assert cells() == {
        (clinic.pk, project.pk, JAN, "51", "", "L03"): 2,
        (clinic.pk, project.pk, JAN, "51", "knee_osteoarthritis", "L90"): 1,
        (clinic.pk, project.pk, FEB, "51", "low_back_pain", ""): 1,
        (clinic.pk, project.pk, FEB, "57", "", "N01"): 1,
    }
    # Every clinic recounted: no journal, the next refresh recomputes in full.
    assert journal() == []
    assert BenchmarkState.objects.get(project=project).full_needed_since is not None
    assert aggregates.benchmark_due(project, interval=0)


def test_rebuild_replaces_wrong_cells_only_in_its_scope(clinic, project, vendor):
    other_clinic = ClinicFactory()
    store_episode(clinic, project, vendor, "a", D(2026, 1, 3), "L03")
    store_episode(other_clinic, project, vendor, "a", D(2026, 1, 3), "L03")
    for c in (clinic, other_clinic):  # both wrong: a count too many, a cell with no episode
        aggregates.apply_changes(
            clinic_id=c.pk,
            project_id=project.pk,
            changes={(JAN, "51", "", "L03"): 2, (MAR, "51", "", "L99"): 1},
        )
    aggregates.rebuild(clinic_ids=[clinic.pk])
    assert cells(clinic=clinic) == {(clinic.pk, project.pk, JAN, "51", "", "L03"): 1}
    assert cells(clinic=other_clinic) == {
        (other_clinic.pk, project.pk, JAN, "51", "", "L03"): 2,
        (other_clinic.pk, project.pk, MAR, "51", "", "L99"): 1,
    }


def test_rebuild_of_some_clinics_journals_the_difference(clinic, project, vendor):
    other_clinic = ClinicFactory()
    store_episode(clinic, project, vendor, "a", D(2026, 1, 3), "L03")
    store_episode(clinic, project, vendor, "b", D(2026, 2, 3), "L02")
    aggregates.apply_changes(
        clinic_id=clinic.pk,
        project_id=project.pk,
        changes={(JAN, "51", "", "L03"): 2, (MAR, "51", "", "L99"): 1},
    )
    aggregates.apply_changes(
        clinic_id=other_clinic.pk, project_id=project.pk, changes={(JAN, "51", "", "L03"): 4}
    )
    CellChange.objects.all().delete()
    aggregates.rebuild(clinic_ids=[clinic.pk, other_clinic.pk])
    c, o, p = clinic.pk, other_clinic.pk, project.pk
    assert sorted(journal()) == [
        (c, p, JAN, "51", "", "L03", -1),
        (c, p, FEB, "51", "", "L02", 1),
        (c, p, MAR, "51", "", "L99", -1),
        (o, p, JAN, "51", "", "L03", -4),
    ]
    assert not BenchmarkState.objects.filter(full_needed_since__isnull=False).exists()
    CellChange.objects.all().delete()
    aggregates.rebuild(clinic_ids=[clinic.pk])  # nothing to correct: nothing journalled
    assert journal() == []


def test_rebuild_of_one_project_leaves_the_others(clinic, project, vendor):
    second = other_project()
    store_episode(clinic, project, vendor, "a", D(2026, 1, 3), "L03")
    aggregates.apply_changes(
        clinic_id=clinic.pk, project_id=second.pk, changes={(JAN, "51", "", "L02"): 7}
    )
    aggregates.rebuild(project_ids=[project.pk])
    assert cells() == {
        (clinic.pk, project.pk, JAN, "51", "", "L03"): 1,
        (clinic.pk, second.pk, JAN, "51", "", "L02"): 7,
    }


def test_rebuild_reports_progress_per_chunk_of_clinics(clinic, project, vendor):
    lines: list[str] = []
    aggregates.rebuild(progress=lines.append)
    assert lines and lines[-1].startswith("  clinics 1/1: 0 cells")


def test_rebuild_equals_incremental_after_a_sequence_of_changes(project):
    """Episodes created, recoded, moved to another month or course type and deleted at
    random, each change applied as the pipeline applies it (net deltas per clinic)."""
    rng = random.Random(20_261_126)
    vendor = VendorFactory()
    clinics = [ClinicFactory(region_code=r) for r in ("DK-81", "DK-84", "DK-84")]
    second = other_project()
    codes = ["L03", "L02", "L90", "L86", "N01", ""]
    types = ["", "", "knee_osteoarthritis", "low_back_pain"]
    stored: list[Episode] = []
    for step in range(150):
        clinic, target = rng.choice(clinics), rng.choice([project, project, second])
        mine = [e for e in stored if e.clinic_id == clinic.pk and e.project_id == target.pk]
        action = rng.choice(["new", "new", "recode", "move", "delete"]) if mine else "new"
        changes = {}
        if action == "new":
            episode = store_episode(
                clinic,
                target,
                vendor,
                f"S{step}",
                D(2026, 1, 1) + dt.timedelta(days=rng.randrange(120)),
                rng.choice(codes),
                rng.choice(types),
            )
            stored.append(episode)
            changes = net_changes(added=[key_of(episode)])
        else:
            episode = rng.choice(mine)
            before = key_of(episode)
            if action == "delete":
                episode.delete()
                stored.remove(episode)
                changes = net_changes(removed=[before])
            else:
                if action == "recode":
                    episode.current_code = rng.choice(codes)
                else:
                    episode.start_date = D(2026, 1, 1) + dt.timedelta(days=rng.randrange(120))
                    episode.course_type = rng.choice(types)
                episode.save()
                changes = net_changes(added=[key_of(episode)], removed=[before])
        aggregates.apply_changes(clinic_id=clinic.pk, project_id=target.pk, changes=changes)
    incremental = cells()
    assert sum(incremental.values()) == len(stored)
    aggregates.rebuild()
    assert cells() == incremental


# --- refresh_benchmark -------------------------------------------------------------------


@pytest.fixture
def regions(project):
    """Clinic cells of speciale 51 (episodes):

    ======  =======  ==============  ==============  ===============  ==============
    clinic  region   Jan L03         Jan L90 (knee)  Jan uncoded      Feb L03
    ======  =======  ==============  ==============  ===============  ==============
    h1      DK-84    3               1                                1
    h2      DK-84    2
    n1      DK-81    1                               2
    x       (none)   4
    ======  =======  ==============  ==============  ===============  ==============
    """
    h1, h2 = ClinicFactory(region_code="DK-84"), ClinicFactory(region_code="DK-84")
    n1 = ClinicFactory(region_code="DK-81", municipality_code="0851")
    x = ClinicFactory(region_code="", municipality_code="")
    knee = (JAN, "51", "knee_osteoarthritis", "L90")
    for clinic, changes in (
        (h1, {(JAN, "51", "", "L03"): 3, knee: 1, (FEB, "51", "", "L03"): 1}),
        (h2, {(JAN, "51", "", "L03"): 2}),
        (n1, {(JAN, "51", "", "L03"): 1, (JAN, "51", "", ""): 2}),
        (x, {(JAN, "51", "", "L03"): 4}),
    ):
        aggregates.apply_changes(clinic_id=clinic.pk, project_id=project.pk, changes=changes)
    return {"h1": h1, "h2": h2, "n1": n1, "x": x}


def test_refresh_benchmark_sums_by_nation_and_region(project, regions):
    result = aggregates.refresh_benchmark()
    assert benchmark(project) == {
        (NATION, JAN, "51", "", "L03"): 10,  # 3 + 2 + 1 + 4
        (NATION, JAN, "51", "knee_osteoarthritis", "L90"): 1,
        (NATION, JAN, "51", "", ""): 2,
        (NATION, FEB, "51", "", "L03"): 1,
        ("DK-84", JAN, "51", "", "L03"): 5,  # 3 + 2
        ("DK-84", JAN, "51", "knee_osteoarthritis", "L90"): 1,
        ("DK-84", FEB, "51", "", "L03"): 1,
        ("DK-81", JAN, "51", "", "L03"): 1,
        ("DK-81", JAN, "51", "", ""): 2,
    }
    assert (result.cells, result.contributors, result.written) == (9, 5, 14)


def test_refresh_benchmark_counts_contributors_per_month(project, regions):
    aggregates.refresh_benchmark()
    h1, h2, n1, x = (regions[k].pk for k in ("h1", "h2", "n1", "x"))
    assert contributors(project) == {
        (JAN, "DK-84", h1),
        (JAN, "DK-84", h2),
        (JAN, "DK-81", n1),
        (JAN, "", x),  # counts for the nation only
        (FEB, "DK-84", h1),
    }


def test_refresh_benchmark_full_writes_only_what_changed(project, regions):
    aggregates.refresh_benchmark()
    unchanged = aggregates.refresh_benchmark(full=True)
    assert (unchanged.written, unchanged.recomputed) == (0, 1)
    # h2's January L03 goes away, n1 codes one course in March.
    aggregates.apply_changes(
        clinic_id=regions["h2"].pk, project_id=project.pk, changes={(JAN, "51", "", "L03"): -2}
    )
    aggregates.apply_changes(
        clinic_id=regions["n1"].pk, project_id=project.pk, changes={(MAR, "51", "", "L02"): 1}
    )
    result = aggregates.refresh_benchmark(full=True)
    assert journal() == []
    table = benchmark(project)
    assert table[(NATION, JAN, "51", "", "L03")] == 8
    assert table[("DK-84", JAN, "51", "", "L03")] == 3
    assert table[(NATION, MAR, "51", "", "L02")] == table[("DK-81", MAR, "51", "", "L02")] == 1
    assert (JAN, "DK-84", regions["h2"].pk) not in contributors(project)
    assert (MAR, "DK-81", regions["n1"].pk) in contributors(project)
    # Cells: DK + DK-84 updated, DK + DK-81 inserted; contributors: one out, one in.
    assert result.written == 6


def test_refresh_benchmark_first_recomputes_then_adds_the_journal(project, regions):
    first = aggregates.refresh_benchmark()
    assert (first.recomputed, first.changes, first.how) == (1, 0, "full recompute")
    assert journal() == []  # the recompute took the journal it covered
    h2, n1 = regions["h2"].pk, regions["n1"].pk
    aggregates.apply_changes(
        clinic_id=h2, project_id=project.pk, changes={(JAN, "51", "", "L03"): -1}
    )
    aggregates.apply_changes(
        clinic_id=n1, project_id=project.pk, changes={(JAN, "51", "", "L03"): 1}
    )
    aggregates.apply_changes(
        clinic_id=n1, project_id=project.pk, changes={(MAR, "51", "", "L02"): 1}
    )
    result = aggregates.refresh_benchmark()
    assert (result.recomputed, result.changes) == (0, 3)
    assert result.how == "incremental, 3 journal changes"
    table = benchmark(project)
    assert table[(NATION, JAN, "51", "", "L03")] == 10  # -1 and +1 in two regions
    assert table[("DK-84", JAN, "51", "", "L03")] == 4
    assert table[("DK-81", JAN, "51", "", "L03")] == 2
    assert table[(NATION, MAR, "51", "", "L02")] == table[("DK-81", MAR, "51", "", "L02")] == 1
    assert (MAR, "DK-81", n1) in contributors(project)
    # Cells: DK-84 and DK-81 January updated (DK nets to 0: untouched), DK and DK-81 March
    # inserted; contributors: n1 in March.
    assert result.written == 5
    assert journal() == []
    assert (result.cells, result.contributors) == (11, 6)
    incremental_equals_full(project)


def test_refresh_benchmark_incremental_with_an_empty_journal_writes_nothing(project, regions):
    aggregates.refresh_benchmark()
    result = aggregates.refresh_benchmark()
    assert (result.recomputed, result.changes, result.written) == (0, 0, 0)
    assert (result.cells, result.contributors) == (9, 5)


def test_refresh_benchmark_removes_cells_no_clinic_has_any_more(project, regions):
    aggregates.refresh_benchmark()
    aggregates.apply_changes(
        clinic_id=regions["h1"].pk, project_id=project.pk, changes={(FEB, "51", "", "L03"): -1}
    )
    aggregates.refresh_benchmark()
    assert not BenchmarkCell.objects.filter(month=FEB).exists()
    assert not BenchmarkContributor.objects.filter(month=FEB).exists()
    incremental_equals_full(project)


def test_refresh_benchmark_contributors_follow_a_clinics_first_and_last_episode(project, regions):
    aggregates.refresh_benchmark()
    h2 = regions["h2"]
    assert (FEB, "DK-84", h2.pk) not in contributors(project)
    aggregates.apply_changes(
        clinic_id=h2.pk, project_id=project.pk, changes={(FEB, "51", "", "L02"): 1}
    )
    aggregates.refresh_benchmark()
    assert (FEB, "DK-84", h2.pk) in contributors(project)
    # A second episode in the month, then the first leaves: still contributing.
    aggregates.apply_changes(
        clinic_id=h2.pk, project_id=project.pk, changes={(FEB, "51", "low_back_pain", ""): 1}
    )
    aggregates.apply_changes(
        clinic_id=h2.pk, project_id=project.pk, changes={(FEB, "51", "", "L02"): -1}
    )
    aggregates.refresh_benchmark()
    assert (FEB, "DK-84", h2.pk) in contributors(project)
    assert ("DK-84", FEB, "51", "", "L02") not in benchmark(project)  # reached zero: removed
    # The last one leaves; an episode of another month arrives in the same refresh.
    aggregates.apply_changes(
        clinic_id=h2.pk,
        project_id=project.pk,
        changes={(FEB, "51", "low_back_pain", ""): -1, (MAR, "51", "", "L03"): 1},
    )
    aggregates.refresh_benchmark()
    assert (FEB, "DK-84", h2.pk) not in contributors(project)
    assert (MAR, "DK-84", h2.pk) in contributors(project)
    assert (JAN, "DK-84", h2.pk) in contributors(project)  # other months untouched
    incremental_equals_full(project)


def test_refresh_benchmark_incremental_equals_full_after_random_changes(project):
    """apply_changes and rebuilds of one clinic (as after an opt-out) at random, in two
    projects and five clinics (one without a region), refreshed incrementally at random
    moments: after each refresh a full recompute finds nothing to write."""
    second = other_project()
    vendor = VendorFactory()
    clinics = [
        ClinicFactory(region_code=r, municipality_code="")
        for r in ("DK-81", "DK-84", "DK-84", "DK-85", "")
    ]
    codes, types = ["L03", "L02", "L90", ""], ["", "knee_osteoarthritis"]
    months = [JAN, FEB, MAR]
    aggregates.refresh_benchmark()  # the first refresh (full) of an empty benchmark
    for seed in range(4):
        rng = random.Random(seed)
        for step in range(40):
            clinic, target = rng.choice(clinics), rng.choice([project, second])
            if rng.random() < 0.1:  # the clinic's episodes decide (its cells were off)
                store_episode(
                    clinic,
                    target,
                    vendor,
                    f"R{seed}-{step}",
                    rng.choice(months) + dt.timedelta(days=rng.randrange(28)),
                    rng.choice(codes),
                )
                aggregates.rebuild(clinic_ids=[clinic.pk])
            else:
                changes = {
                    (rng.choice(months), "51", rng.choice(types), rng.choice(codes)): rng.choice(
                        [-2, -1, 1, 1, 2, 3]
                    )
                    for _ in range(rng.randrange(1, 4))
                }
                aggregates.apply_changes(clinic_id=clinic.pk, project_id=target.pk, changes=changes)
            if rng.random() < 0.25:
                incremental_equals_full(project, second)
        incremental_equals_full(project, second)
    assert benchmark(project) and benchmark(second)


def test_refresh_benchmark_recomputes_after_a_full_rebuild(project, regions, vendor):
    aggregates.refresh_benchmark()
    store_episode(regions["h1"], project, vendor, "a", D(2026, 4, 2), "L92")
    aggregates.rebuild()  # every clinic: h1 keeps one April episode, the rest have none
    result = aggregates.refresh_benchmark()
    assert result.recomputed == 1
    assert benchmark(project) == {
        (NATION, APR, "51", "", "L92"): 1,
        ("DK-84", APR, "51", "", "L92"): 1,
    }
    assert contributors(project) == {(APR, "DK-84", regions["h1"].pk)}
    assert BenchmarkState.objects.get(project=project).full_needed_since is None
    assert aggregates.refresh_benchmark().recomputed == 0


def test_refresh_benchmark_full_repairs_cells_changed_behind_the_journal(project, regions):
    aggregates.refresh_benchmark()
    ReportCell.objects.filter(month=FEB).delete()  # by hand: nothing journalled
    assert aggregates.refresh_benchmark().written == 0  # the incremental refresh cannot see it
    result = aggregates.refresh_benchmark(full=True)
    assert result.written == 3  # DK and DK-84 February, h1's February contribution
    assert not BenchmarkCell.objects.filter(month=FEB).exists()
    assert not BenchmarkContributor.objects.filter(month=FEB).exists()


def test_refresh_benchmark_follows_a_clinic_that_changed_region(project, regions):
    """New data in a month the clinic contributed to from its old region: the incremental
    refresh is rolled back and the project recomputed in full."""
    aggregates.refresh_benchmark()
    n1 = regions["n1"]
    n1.region_code = "DK-82"
    n1.save()
    aggregates.apply_changes(
        clinic_id=n1.pk, project_id=project.pk, changes={(JAN, "51", "", "L02"): 1}
    )
    result = aggregates.refresh_benchmark()
    assert (result.recomputed, result.how) == (1, "full recompute")
    assert (JAN, "DK-82", n1.pk) in contributors(project)
    table = benchmark(project)
    assert ("DK-81", JAN, "51", "", "L03") not in table
    assert table[("DK-82", JAN, "51", "", "")] == 2
    assert table[("DK-82", JAN, "51", "", "L02")] == 1
    assert journal() == []
    incremental_equals_full(project)


def test_refresh_benchmark_counts_a_moved_clinic_in_its_new_region_from_new_months(
    project, regions
):
    """Data in a month the clinic has not contributed to yet counts in its new region; the
    months before the move stay where they were counted until a full refresh."""
    aggregates.refresh_benchmark()
    n1 = regions["n1"]
    n1.region_code = "DK-82"
    n1.save()
    aggregates.apply_changes(
        clinic_id=n1.pk, project_id=project.pk, changes={(MAR, "51", "", "L02"): 1}
    )
    assert aggregates.refresh_benchmark().recomputed == 0
    assert {(MAR, "DK-82", n1.pk), (JAN, "DK-81", n1.pk)} <= contributors(project)
    assert benchmark(project)[("DK-82", MAR, "51", "", "L02")] == 1
    assert benchmark(project)[("DK-81", JAN, "51", "", "")] == 2
    aggregates.refresh_benchmark(full=True)  # sentinel reports refresh
    assert (JAN, "DK-82", n1.pk) in contributors(project)
    assert ("DK-81", JAN, "51", "", "") not in benchmark(project)


def test_refresh_benchmark_of_one_project_leaves_the_others(project, regions):
    second = other_project()
    aggregates.apply_changes(
        clinic_id=regions["h1"].pk, project_id=second.pk, changes={(JAN, "51", "", "L02"): 6}
    )
    aggregates.refresh_benchmark(project_ids=[second.pk])
    assert benchmark(project) == {}
    assert benchmark(second) == {
        (NATION, JAN, "51", "", "L02"): 6,
        ("DK-84", JAN, "51", "", "L02"): 6,
    }
    aggregates.refresh_benchmark(project_ids=[project.pk])
    assert benchmark(second) == {
        (NATION, JAN, "51", "", "L02"): 6,
        ("DK-84", JAN, "51", "", "L02"): 6,
    }
    assert benchmark(project)[(NATION, JAN, "51", "", "L03")] == 10


def test_refresh_benchmark_with_no_clinic_data_empties_the_benchmark(project):
    BenchmarkCell.objects.create(
        project=project, scope=NATION, month=JAN, speciale="51", code="L03", episodes=9
    )
    result = aggregates.refresh_benchmark()
    assert benchmark(project) == {}
    assert (result.cells, result.contributors, result.written) == (0, 0, 1)


def test_refresh_benchmark_sets_refreshed_at_and_clears_the_full_mark(project, regions):
    aggregates.refresh_benchmark()
    aggregates.mark_full_refresh_needed([project.pk])
    result = aggregates.refresh_benchmark()
    assert result.recomputed == 1
    state = BenchmarkState.objects.get(project=project)
    assert state.refreshed_at == result.refreshed_at
    assert state.full_needed_since is None


def test_refresh_benchmark_of_several_projects_recomputes_only_those_that_need_it(project, regions):
    second = other_project()
    aggregates.refresh_benchmark()  # both projects: their first refresh
    aggregates.apply_changes(
        clinic_id=regions["h1"].pk, project_id=second.pk, changes={(JAN, "51", "", "L02"): 6}
    )
    aggregates.apply_changes(
        clinic_id=regions["h1"].pk, project_id=project.pk, changes={(JAN, "51", "", "L02"): 1}
    )
    aggregates.mark_full_refresh_needed([second.pk])
    result = aggregates.refresh_benchmark()
    assert (result.projects, result.recomputed, result.changes) == (2, 1, 1)
    assert result.how == "1 project(s) in full, 1 journal changes"
    assert benchmark(second) == {
        (NATION, JAN, "51", "", "L02"): 6,
        ("DK-84", JAN, "51", "", "L02"): 6,
    }
    assert benchmark(project)[("DK-84", JAN, "51", "", "L02")] == 1
    assert journal() == []
    incremental_equals_full(project, second)


# --- when the benchmark is due, and the background refresh --------------------------------


def test_benchmark_due_only_after_a_change_and_the_interval(clinic, project):
    now = timezone.now()
    assert not aggregates.benchmark_due(project, now=now, interval=600)  # nothing yet
    aggregates.apply_changes(
        clinic_id=clinic.pk, project_id=project.pk, changes={(JAN, "51", "", "L03"): 1}
    )
    assert aggregates.benchmark_due(project, now=now, interval=600)  # never refreshed
    aggregates.refresh_benchmark()
    assert not aggregates.benchmark_due(project, now=now, interval=0)  # journal consumed
    BenchmarkState.objects.filter(project=project).update(
        refreshed_at=now - dt.timedelta(seconds=599)
    )
    aggregates.apply_changes(
        clinic_id=clinic.pk, project_id=project.pk, changes={(JAN, "51", "", "L03"): 1}
    )
    assert not aggregates.benchmark_due(project, now=now, interval=600)
    assert aggregates.benchmark_due(project.pk, now=now + dt.timedelta(seconds=1), interval=600)
    CellChange.objects.all().delete()
    assert not aggregates.benchmark_due(project, now=now + dt.timedelta(days=1), interval=600)
    aggregates.mark_full_refresh_needed([project.pk])  # no journal, but a full mark
    assert aggregates.benchmark_due(project, now=now + dt.timedelta(days=1), interval=600)


def test_benchmark_due_reads_the_interval_from_the_setting(clinic, project, settings):
    settings.SENTINEL_BENCHMARK_REFRESH_SECONDS = 3600
    now = timezone.now()
    aggregates.mark_full_refresh_needed([project.pk], at=now)
    BenchmarkState.objects.filter(project=project).update(
        refreshed_at=now - dt.timedelta(minutes=30)
    )
    assert not aggregates.benchmark_due(project, now=now)
    settings.SENTINEL_BENCHMARK_REFRESH_SECONDS = 1200
    assert aggregates.benchmark_due(project, now=now)


def test_refresh_due_benchmarks_refreshes_and_logs_one_line(project, regions, caplog):
    with caplog.at_level(logging.INFO, logger="sentinel.reports"):
        done = aggregates.refresh_due_benchmarks(interval=600)
    assert [code for code, _ in done] == ["diagnosekodning"]
    assert benchmark(project)[(NATION, JAN, "51", "", "L03")] == 10
    lines = [r.getMessage() for r in caplog.records if r.name == "sentinel.reports"]
    assert len(lines) == 1
    assert lines[0].startswith("benchmark refreshed: diagnosekodning, 9 cells, 5 contributors, ")
    assert re.search(
        r" s \(full recompute; benchmark [\d.]+ s, networks [\d.]+ s, development [\d.]+ s, "
        r"outcomes [\d.]+ s\)$",
        lines[0],
    )
    # Nothing changed since: nothing is due.
    assert aggregates.refresh_due_benchmarks(interval=0) == []
    aggregates.apply_changes(
        clinic_id=regions["x"].pk, project_id=project.pk, changes={(JAN, "51", "", "L03"): 1}
    )
    with caplog.at_level(logging.INFO, logger="sentinel.reports"):
        assert [code for code, _ in aggregates.refresh_due_benchmarks(interval=0)] == [
            "diagnosekodning"
        ]
    assert re.search(
        r" s \(incremental, 1 journal changes; benchmark [\d.]+ s, networks [\d.]+ s, "
        r"development [\d.]+ s, outcomes [\d.]+ s\)$",
        caplog.records[-1].getMessage(),
    )
    assert benchmark(project)[(NATION, JAN, "51", "", "L03")] == 11


def test_refresh_due_benchmarks_waits_for_the_interval(project, regions):
    aggregates.refresh_benchmark()
    aggregates.apply_changes(
        clinic_id=regions["x"].pk, project_id=project.pk, changes={(JAN, "51", "", "L03"): 1}
    )
    assert aggregates.refresh_due_benchmarks(interval=600) == []
    assert len(journal()) == 1  # still waiting


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_benchmark_job_refreshes_a_changed_benchmark(settings, monkeypatch):
    """The worker's benchmark job (``jobs.schedule``), run through the job runner."""
    from django_q.conf import Conf
    from django_q.models import Task

    from sentinel.jobs.queue import enqueue

    monkeypatch.setattr(Conf, "SYNC", True)  # the job runner's worker, in this process
    project = Project.objects.get(code="diagnosekodning")
    clinic = ClinicFactory(region_code="DK-83", municipality_code="0461")
    aggregates.apply_changes(
        clinic_id=clinic.pk, project_id=project.pk, changes={(JAN, "51", "", "L03"): 3}
    )
    enqueue("benchmark")
    (run,) = Task.objects.all()
    assert run.success, run.result
    assert run.result == "diagnosekodning: 2 cells (full recompute)"
    state = BenchmarkState.objects.get(project=project)
    assert state.refreshed_at is not None and state.full_needed_since is None
    assert journal() == []
    assert benchmark(project) == {
        (NATION, JAN, "51", "", "L03"): 3,
        ("DK-83", JAN, "51", "", "L03"): 3,
    }
    enqueue("benchmark")  # nothing changed since
    assert Task.objects.latest("started").result == "nothing to refresh"


# --- through the ingest pipeline -----------------------------------------------------------


def record(source_id: str, cpr: str, start: str, diagnoses, *, version=1, course_type=None):
    return {
        "type": "episode",
        "source_id": source_id,
        "version": version,
        "patient_cpr": cpr,
        "speciale": "51",
        "course_type": course_type,
        "start_date": start,
        "end_date": None,
        "patient_opt_out": False,
        "diagnoses": [{"code": c, "recorded_at": at} for c, at in diagnoses],
    }


def test_ingest_keeps_the_cells_equal_to_a_rebuild_and_the_benchmark_to_a_recompute(project):
    """After every batch: the clinic cells equal a rebuild from the episodes, and the
    incremental benchmark refresh equals a full recompute (opt-out included)."""
    vendor = VendorFactory()
    clinic = ClinicFactory(region_code="DK-84")
    neighbour = ClinicFactory(region_code="DK-81", municipality_code="0851")
    for c in (clinic, neighbour):
        onboard_for_reports(c, project, vendor=vendor)
    aggregates.refresh_benchmark()  # the first (full) refresh, before any data
    patient, other = synthetic_cpr(D(1970, 4, 2)), synthetic_cpr(D(1981, 9, 30))
    knee = [("L90", "2026-02-02T09:30:00+01:00")]
    back = [("L03", "2026-03-05T10:00:00+01:00")]

    first = [
        record("E-1", other, "2026-02-02", knee, course_type="knee_osteoarthritis"),
        record("E-2", other, "2026-03-05", back),
        record("E-3", other, "2026-03-20", [], course_type="low_back_pain"),
        record("E-4", patient, "2026-04-01", [("L02", "2026-04-01T08:00:00+02:00")]),
    ]
    outcome = ingest(vendor=vendor, clinic=clinic, records=first)
    assert outcome.accepted == 4, outcome.as_dict()
    ingest(vendor=vendor, clinic=neighbour, records=first[:2])
    c, p = clinic.pk, project.pk
    assert cells(clinic=clinic) == {
        (c, p, FEB, "51", "knee_osteoarthritis", "L90"): 1,
        (c, p, MAR, "51", "", "L03"): 1,
        (c, p, MAR, "51", "low_back_pain", ""): 1,
        (c, p, APR, "51", "", "L02"): 1,
    }
    rebuilt_equals_incremental()
    incremental_equals_full(project)
    assert benchmark(project)[(NATION, MAR, "51", "", "L03")] == 2
    assert benchmark(project)[("DK-84", MAR, "51", "", "L03")] == 1

    # Version bumps: a new code (E-1), a new start month (E-2), a first code (E-3); a new one.
    second = [
        record(
            "E-1",
            other,
            "2026-02-02",
            [*knee, ("L86", "2026-03-01T09:00:00+01:00")],
            version=2,
            course_type="knee_osteoarthritis",
        ),
        record("E-2", other, "2026-04-10", back, version=2),
        record(
            "E-3",
            other,
            "2026-03-20",
            [("L03", "2026-03-21T09:00:00+01:00")],
            version=2,
            course_type="low_back_pain",
        ),
        record("E-5", other, "2026-04-11", [("L92", "2026-04-11T09:00:00+02:00")]),
    ]
    outcome = ingest(vendor=vendor, clinic=clinic, records=second)
    assert outcome.accepted == 4, outcome.as_dict()
    assert cells(clinic=clinic) == {
        (c, p, FEB, "51", "knee_osteoarthritis", "L86"): 1,
        (c, p, MAR, "51", "low_back_pain", "L03"): 1,
        (c, p, APR, "51", "", "L02"): 1,
        (c, p, APR, "51", "", "L03"): 1,
        (c, p, APR, "51", "", "L92"): 1,
    }
    rebuilt_equals_incremental()
    incremental_equals_full(project)

    # A replay stores nothing; the patient of E-4 opts out: E-4 and its cell go.
    third = [
        second[3],
        {**record("E-4", patient, "2026-04-01", []), "patient_opt_out": True},
    ]
    ingest(vendor=vendor, clinic=clinic, records=third)
    assert not Episode.objects.filter(clinic=clinic, source_id="E-4").exists()
    assert (c, p, APR, "51", "", "L02") not in cells(clinic=clinic)
    assert sum(cells(clinic=clinic).values()) == Episode.objects.filter(clinic=clinic).count()
    assert sum(cells(clinic=neighbour).values()) == 2
    assert journal()  # the opt-out's recount of the clinic journalled its difference
    incremental_equals_full(project)
    assert ("DK-84", APR, "51", "", "L02") not in benchmark(project)
    rebuilt_equals_incremental()
