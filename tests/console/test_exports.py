"""Data-sharing exports: exactly the specified fields (per record, the specification version in
force on its date), small-cell suppression, recipient-specific pseudonyms, a manifest whose
SHA-256 sums match the files, Parquet equal to the CSV, only for those allowed, and audited.

Data arrives through the ingest pipeline (as a vendor's submission would), so what is stored
is what the pipeline keeps.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
from pathlib import Path
from typing import Any

import duckdb
import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse

from sentinel.audit.actors import Actor
from sentinel.audit.models import AuditEvent
from sentinel.clinics.models import Clinic, Vendor
from sentinel.collection.models import Episode
from sentinel.collection.pipeline import ingest
from sentinel.lib.errors import DomainError
from sentinel.projects.actions import publish_specification
from sentinel.projects.models import Project, Recipient
from sentinel.sharing import exports
from sentinel.sharing.recipients import add_recipient
from tests.api.conftest import synthetic_cpr
from tests.console.conftest import staff_rows, status_of
from tests.factories import ClinicFactory
from tests.reports.conftest import onboard_for_reports

pytestmark = pytest.mark.django_db

SYSTEM = Actor.system("tests")
ENROLLED = dt.date(2026, 1, 12)
V2_FROM = dt.date(2026, 3, 1)
SPEC_V1_FIELDS = ["patient_cpr", "speciale", "course_type", "start_date", "end_date", "diagnoses"]


@pytest.fixture(autouse=True)
def export_dir(settings, tmp_path) -> Path:
    settings.SENTINEL_EXPORT_DIR = tmp_path / "exports"
    return settings.SENTINEL_EXPORT_DIR


def course(
    source_id: str,
    start: dt.date,
    *,
    code: str | None = "L90",
    course_type: str | None = "knee_osteoarthritis",
    cpr: str | None = None,
    initials: str | None = None,
) -> dict[str, Any]:
    record: dict[str, Any] = {
        "type": "episode",
        "source_id": source_id,
        "version": 1,
        "patient_cpr": cpr or synthetic_cpr(),
        "speciale": "51",
        "course_type": course_type,
        "start_date": start.isoformat(),
        "end_date": None,
        "patient_opt_out": False,
        "diagnoses": [{"code": code, "recorded_at": f"{start}T09:30:00+01:00"}] if code else [],
    }
    if initials is not None:
        record["practitioner_initials"] = initials
    return record


def send(vendor: Vendor, clinic: Clinic, records: list[dict[str, Any]]) -> None:
    outcome = ingest(vendor=vendor, clinic=clinic, records=records)
    assert not outcome.rejected, outcome.rejected


def collecting(vendor: Vendor, project: Project, **clinic: Any) -> Clinic:
    made = ClinicFactory(**clinic)
    onboard_for_reports(made, project, enrolled=ENROLLED, vendor=vendor)
    return made


@pytest.fixture
def researchers(project) -> Recipient:
    return add_recipient(
        by=SYSTEM, project=project, code="forskning", name="Forskergruppen", record_level=True
    )


@pytest.fixture
def network(project) -> Recipient:
    """The migrated recipient: aggregated tables only."""
    return project.recipients.get(code="danske-fysioterapeuter")


@pytest.fixture
def with_initials(project) -> Project:
    """Specification v2 from 1 March 2026 adds the practitioner's initials."""
    publish_specification(
        by=SYSTEM,
        project=project,
        spec={
            "record_types": ["episode"],
            "fields": [*SPEC_V1_FIELDS, "practitioner_initials"],
            "specialities": ["51", "57"],
            "person_identifiable_worklist": True,
        },
        effective_from=V2_FROM,
    )
    return project


def read_csv(path: Path) -> list[dict[str, str]]:
    raw = path.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")  # no byte-order mark
    with path.open(encoding="utf-8", newline="") as stream:
        return list(csv.DictReader(stream))


def export(project: Project, recipient: Recipient, kind: str, start: dt.date, end: dt.date):
    return exports.create_export(
        by=SYSTEM, project=project, recipient=recipient, kind=kind, start=start, end=end
    )


# --- record-level: exactly the specified fields ------------------------------------------


def test_record_level_has_exactly_the_fields_of_each_records_specification_version(
    project, vendor, researchers, with_initials
) -> None:
    clinic = collecting(vendor, project)
    cpr = synthetic_cpr()
    send(
        vendor,
        clinic,
        [
            course("E-1", dt.date(2026, 2, 2), cpr=cpr, initials="AB"),  # v1: initials dropped
            course("E-2", dt.date(2026, 3, 5), cpr=cpr, initials="CD", code="L03"),  # v2
        ],
    )
    # Even a value that should never have been stored is not exported under v1.
    Episode.objects.filter(source_id="E-1").update(practitioner_initials="XX")

    result = export(
        project, researchers, exports.RECORD_LEVEL, dt.date(2026, 1, 1), dt.date(2026, 6, 30)
    )

    rows = read_csv(result.directory / "episodes.csv")
    assert list(rows[0]) == [
        "episode",
        "clinic",
        "patient",
        "speciale",
        "course_type",
        "start_date",
        "end_date",
        "current_code",
        "practitioner_initials",
        "specification_version",
    ]
    first, second = rows
    assert (first["start_date"], first["practitioner_initials"]) == ("2026-02-02", "")
    assert first["specification_version"] == "1"
    assert (second["start_date"], second["practitioner_initials"]) == ("2026-03-05", "CD")
    assert second["specification_version"] == "2"
    assert (first["current_code"], second["current_code"]) == ("L90", "L03")
    assert first["patient"] == second["patient"]  # the same patient links
    assert first["episode"] != second["episode"]
    assert first["end_date"] == ""  # null
    versions = result.manifest["specification_versions"]
    assert [v["version"] for v in versions] == [1, 2]
    assert "practitioner_initials" not in versions[0]["fields"]
    diagnoses = read_csv(result.directory / "diagnoses.csv")
    assert [(d["episode"], d["code"], d["recorded_at"]) for d in diagnoses] == [
        (first["episode"], "L90", "2026-02-02T08:30:00Z"),
        (second["episode"], "L03", "2026-03-05T08:30:00Z"),
    ]


def test_a_specification_without_initials_never_exports_them(
    project, vendor, researchers, with_initials
) -> None:
    clinic = collecting(vendor, project)
    send(vendor, clinic, [course("E-1", dt.date(2026, 2, 2), initials="AB")])
    Episode.objects.update(practitioner_initials="XX")

    result = export(
        project, researchers, exports.RECORD_LEVEL, dt.date(2026, 1, 1), dt.date(2026, 2, 28)
    )

    assert [v["version"] for v in result.manifest["specification_versions"]] == [1]
    for entry in result.manifest["files"]:
        names = [c["name"] for c in entry["columns"]]
        assert "practitioner_initials" not in names
        assert b"XX" not in (result.directory / entry["name"]).read_bytes()
    [row] = read_csv(result.directory / "episodes.csv")
    assert "practitioner_initials" not in row


def test_record_level_carries_no_cpr_no_stored_pseudonym_and_no_source_ids(
    project, vendor, researchers
) -> None:
    clinic = collecting(vendor, project)
    cprs = [synthetic_cpr(), synthetic_cpr()]
    send(
        vendor,
        clinic,
        [course(f"KILDE-{i}", dt.date(2026, 2, 2 + i), cpr=c) for i, c in enumerate(cprs)],
    )
    stored = list(Episode.objects.values_list("patient_pseudonym", "patient_cpr_encrypted"))

    result = export(
        project, researchers, exports.RECORD_LEVEL, dt.date(2026, 1, 1), dt.date(2026, 6, 30)
    )

    for path in result.directory.iterdir():
        content = path.read_bytes()
        for cpr in cprs:
            assert cpr.encode() not in content
            assert f"{cpr[:6]}-{cpr[6:]}".encode() not in content
        for pseudonym, encrypted in stored:
            assert pseudonym.encode() not in content
            assert bytes(encrypted).hex().encode() not in content
        assert b"KILDE-" not in content
        assert clinic.ydernummer.encode() not in content
        assert vendor.slug.encode() not in content


def test_recipient_pseudonyms_differ_per_recipient_and_stay_the_same_for_one(
    project, vendor, researchers
) -> None:
    other = add_recipient(
        by=SYSTEM, project=project, code="andre-forskere", name="Andre", record_level=True
    )
    clinic = collecting(vendor, project)
    send(vendor, clinic, [course("E-1", dt.date(2026, 2, 2))])
    period = (dt.date(2026, 1, 1), dt.date(2026, 6, 30))

    ours = read_csv(
        export(project, researchers, "record_level", *period).directory / "episodes.csv"
    )
    again = read_csv(
        export(project, researchers, "record_level", *period).directory / "episodes.csv"
    )
    theirs = read_csv(export(project, other, "record_level", *period).directory / "episodes.csv")

    stored = Episode.objects.get().patient_pseudonym
    assert ours == again
    for column in ("episode", "clinic", "patient"):
        assert ours[0][column] != theirs[0][column]
        assert len(ours[0][column]) == 64
    assert stored not in {ours[0]["patient"], theirs[0]["patient"]}


def test_record_level_is_refused_for_a_recipient_named_for_aggregates_only(
    project, network
) -> None:
    with pytest.raises(DomainError) as refusal:
        export(project, network, exports.RECORD_LEVEL, dt.date(2026, 1, 1), dt.date(2026, 6, 30))

    assert refusal.value.code == "record_level_not_allowed"
    assert not Path(settings.SENTINEL_EXPORT_DIR).exists() or not any(
        Path(settings.SENTINEL_EXPORT_DIR).rglob("*.csv")
    )
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT_CREATED).exists()


def test_a_recipient_of_another_project_and_a_backwards_period_are_refused(
    project, researchers
) -> None:
    other = Project.objects.create(
        code="andet", name="Andet", summary_da="x", description_da="x", reports_open_from=ENROLLED
    )
    stranger = add_recipient(by=SYSTEM, project=other, code="fremmed", name="Fremmed")

    with pytest.raises(DomainError) as wrong_project:
        export(project, stranger, exports.AGGREGATED, dt.date(2026, 1, 1), dt.date(2026, 6, 30))
    with pytest.raises(DomainError) as backwards:
        export(project, researchers, exports.AGGREGATED, dt.date(2026, 6, 1), dt.date(2026, 1, 1))

    assert wrong_project.value.code == "unknown_recipient"
    assert backwards.value.code == "invalid_period"


# --- aggregated: suppression -------------------------------------------------------------


def test_aggregated_tables_suppress_small_cells_and_leave_out_groups_of_few_clinics(
    project, vendor, network
) -> None:
    feb = dt.date(2026, 2, 2)
    big_region = [collecting(vendor, project, region_code="DK-84") for _ in range(5)]
    small_region = [collecting(vendor, project, region_code="DK-81") for _ in range(4)]
    for i, clinic in enumerate(big_region):  # 5 x L03 (low back pain) in DK-84
        send(vendor, clinic, [course(f"B{i}", feb, code="L03", course_type="low_back_pain")])
    send(  # 4 x L90 (knee) in DK-84, one clinic
        vendor, big_region[0], [course(f"K{i}", feb, code="L90") for i in range(4)]
    )
    send(  # one uncoded low back pain course: 6 courses, 5 validly coded
        vendor, big_region[1], [course("U", feb, code=None, course_type="low_back_pain")]
    )
    for i, clinic in enumerate(small_region):  # 8 x L03 in DK-81, only 4 clinics
        send(vendor, clinic, [course(f"S{i}-{n}", feb, code="L03") for n in range(2)])

    result = export(project, network, exports.AGGREGATED, dt.date(2026, 1, 1), dt.date(2026, 6, 30))

    codes = read_csv(result.directory / "courses_by_month_region_code.csv")
    assert codes == [
        {
            "month": "2026-02-01",
            "region": "DK-84",
            "code": "L03",
            "clinics": "5",
            "courses": "5",
            "courses_suppressed": "false",
        },
        {
            "month": "2026-02-01",
            "region": "DK-84",
            "code": "L90",
            "clinics": "5",
            "courses": "",
            "courses_suppressed": "true",
        },
    ]
    completeness = read_csv(result.directory / "completeness_by_month_region_course_type.csv")
    assert [
        (r["course_type"], r["courses"], r["courses_suppressed"], r["validly_coded"])
        for r in completeness
    ] == [("knee_osteoarthritis", "", "true", ""), ("low_back_pain", "6", "false", "")]
    assert completeness[1]["validly_coded_suppressed"] == "true"  # 6 - 5 = 1 would show
    assert result.manifest["suppression"]["groups_left_out"] == 1
    assert result.manifest["suppression"]["min_cell"] == 5
    content = b"".join(p.read_bytes() for p in result.directory.glob("*.csv"))
    assert b"DK-81" not in content


# --- files and manifest ------------------------------------------------------------------


def test_the_manifest_describes_the_files_and_their_sha256_and_parquet_equals_csv(
    project, vendor, researchers, with_initials
) -> None:
    clinic = collecting(vendor, project)
    send(
        vendor,
        clinic,
        [course(f"E-{i}", dt.date(2026, 2, 1) + dt.timedelta(days=9 * i)) for i in range(6)],
    )

    result = export(
        project, researchers, exports.RECORD_LEVEL, dt.date(2026, 1, 1), dt.date(2026, 6, 30)
    )

    manifest = json.loads((result.directory / "manifest.json").read_text(encoding="utf-8"))
    assert manifest == json.loads(json.dumps(result.manifest))
    assert manifest["project"] == {"code": "diagnosekodning", "name": project.name}
    assert manifest["recipient"]["code"] == "forskning"
    assert manifest["kind"] == "record_level"
    assert manifest["period"]["from"] == "2026-01-01"
    assert manifest["period"]["to"] == "2026-06-30"
    assert manifest["created_by"] == {"kind": "system", "id": "tests", "name": "tests"}
    assert manifest["csv"]["delimiter"] == ","
    files = {f["name"]: f for f in manifest["files"]}
    assert set(files) == {"episodes.csv", "episodes.parquet", "diagnoses.csv", "diagnoses.parquet"}
    assert {p.name for p in result.directory.iterdir()} == {*files, "manifest.json"}
    for name, entry in files.items():
        content = (result.directory / name).read_bytes()
        assert entry["sha256"] == hashlib.sha256(content).hexdigest()
        assert entry["bytes"] == len(content)
    duck = duckdb.connect()
    for table in ("episodes", "diagnoses"):
        csv_rows = read_csv(result.directory / f"{table}.csv")
        parquet = duck.execute(
            "SELECT * FROM read_parquet(?)", [str(result.directory / f"{table}.parquet")]
        )
        names = [d[0] for d in parquet.description]
        parquet_rows = parquet.fetchall()
        assert len(parquet_rows) == len(csv_rows) == files[f"{table}.csv"]["rows"] == 6
        assert files[f"{table}.parquet"]["rows"] == 6
        assert names == [c["name"] for c in files[f"{table}.csv"]["columns"]]
        assert names == list(csv_rows[0])
    patients = duck.execute(
        "SELECT episode, start_date, practitioner_initials FROM read_parquet(?) ORDER BY 2",
        [str(result.directory / "episodes.parquet")],
    ).fetchall()
    csv_episodes = read_csv(result.directory / "episodes.csv")
    assert [(e, d.isoformat()) for e, d, _ in patients] == [
        (r["episode"], r["start_date"]) for r in csv_episodes
    ]
    assert {i for _, _, i in patients} == {None}


def test_an_export_is_audited_with_the_manifest_summary_and_no_data(
    project, vendor, network
) -> None:
    clinic = collecting(vendor, project)
    send(vendor, clinic, [course("E-1", dt.date(2026, 2, 2))])

    result = export(project, network, exports.AGGREGATED, dt.date(2026, 1, 1), dt.date(2026, 6, 30))

    [row] = AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT_CREATED)
    assert row == result.audit_event
    assert (row.actor_kind, row.actor_id) == ("system", "tests")
    assert row.object_type == "projects.project"
    assert row.object_id == str(project.pk)
    details = row.details
    assert details["recipient"] == "danske-fysioterapeuter"
    assert details["kind"] == "aggregated"
    assert (details["from"], details["to"]) == ("2026-01-01", "2026-06-30")
    assert details["specification_versions"] == [1]
    manifest_bytes = (result.directory / "manifest.json").read_bytes()
    assert details["manifest_sha256"] == hashlib.sha256(manifest_bytes).hexdigest()
    assert [f["name"] for f in details["files"]] == [f["name"] for f in result.manifest["files"]]
    assert set(details) == {
        "project",
        "recipient",
        "kind",
        "from",
        "to",
        "specification_versions",
        "directory",
        "manifest_sha256",
        "files",
        "clinics",
    }
    assert details["clinics"] == {str(clinic.pk): 1}  # whose courses it read: their ledgers
    assert (Path(settings.SENTINEL_EXPORT_DIR) / details["directory"]) == result.directory


# --- who may export ----------------------------------------------------------------------


def test_support_cannot_export_over_http_nor_through_the_service(support, project, network) -> None:
    client, person = support
    url = reverse("console:projects_project_export", args=[project.pk])
    form = {
        "recipient": network.code,
        "kind": "aggregated",
        "start": "2026-01-01",
        "end": "2026-06-30",
    }

    assert client.get(url).status_code == 403
    assert client.post(url, form).status_code == 403
    with pytest.raises(DomainError) as refusal:
        exports.create_export(
            by=Actor.staff(person.username),
            project=project,
            recipient=network,
            kind=exports.AGGREGATED,
            start=dt.date(2026, 1, 1),
            end=dt.date(2026, 6, 30),
        )
    assert refusal.value.code == "not_allowed"
    with pytest.raises(DomainError):
        exports.create_export(
            by=Actor.vendor(Vendor(slug="v", name="V")),
            project=project,
            recipient=network,
            kind=exports.AGGREGATED,
            start=dt.date(2026, 1, 1),
            end=dt.date(2026, 6, 30),
        )
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT_CREATED).exists()
    assert not Path(settings.SENTINEL_EXPORT_DIR).exists()
    page = client.get(reverse("console:projects_project_change", args=[project.pk]))
    assert "Dataudtræk" not in page.content.decode()


def test_a_project_manager_exports_from_the_console_and_is_the_audited_actor(
    project_manager, project, vendor, researchers
) -> None:
    client, person = project_manager
    clinic = collecting(vendor, project)
    send(vendor, clinic, [course("E-1", dt.date(2026, 2, 2))])
    url = reverse("console:projects_project_export", args=[project.pk])
    assert (
        "Dataudtræk"
        in client.get(
            reverse("console:projects_project_change", args=[project.pk])
        ).content.decode()
    )

    page = client.get(url)
    response = client.post(
        url,
        {
            "recipient": "forskning",
            "kind": "record_level",
            "start": "2026-01-01",
            "end": "2026-06-30",
        },
    )

    assert page.status_code == 200
    assert response.status_code == 302, response.content.decode()[:3000]
    [row] = staff_rows(person, AuditEvent.Action.EXPORT_CREATED)
    directory = Path(settings.SENTINEL_EXPORT_DIR) / row.details["directory"]
    assert len(read_csv(directory / "episodes.csv")) == 1
    manifest = json.loads((directory / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["created_by"]["id"] == person.username
    listed = client.get(url).content.decode()
    assert row.details["directory"] in listed


def test_the_console_shows_the_services_refusal(project_manager, project, network) -> None:
    client, person = project_manager
    url = reverse("console:projects_project_export", args=[project.pk])

    response = client.post(
        url,
        {
            "recipient": network.code,
            "kind": "record_level",
            "start": "2026-01-01",
            "end": "2026-06-30",
        },
    )

    assert response.status_code == 200
    assert "må kun modtage aggregerede tabeller" in response.content.decode()
    assert not staff_rows(person, AuditEvent.Action.EXPORT_CREATED)


# --- the command -------------------------------------------------------------------------


def test_the_export_command_writes_the_export_and_audits_the_named_operator(
    project, vendor, network, make_staff
) -> None:
    clinic = collecting(vendor, project)
    send(vendor, clinic, [course("E-1", dt.date(2026, 2, 2))])
    out, err = io.StringIO(), io.StringIO()

    call_command(
        "export",
        "diagnosekodning",
        "--recipient",
        network.code,
        "--kind",
        "aggregated",
        "--from",
        "2026-01-01",
        "--to",
        "2026-06-30",
        "--by",
        "ops-jens",
        stdout=out,
        stderr=err,
    )

    directory = Path(out.getvalue().strip())
    assert (directory / "manifest.json").exists()
    [row] = AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT_CREATED)
    assert (row.actor_kind, row.actor_id) == ("system", "ops-jens")
    assert "courses_by_month_region_code.csv" in err.getvalue()
    person = make_staff("support")
    refused = io.StringIO()
    with pytest.raises(SystemExit) as exit_code:
        call_command(
            "export",
            "diagnosekodning",
            "--recipient",
            network.code,
            "--kind",
            "aggregated",
            "--from",
            "2026-01-01",
            "--to",
            "2026-06-30",
            "--by",
            f"staff:{person.username}",
            stdout=io.StringIO(),
            stderr=refused,
        )
    assert exit_code.value.code == 1
    assert "console.export_data" in refused.getvalue()
    assert AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT_CREATED).count() == 1


# --- the sharing page --------------------------------------------------------------------


def test_project_managers_name_recipients_and_set_retention_audited(
    project_manager, project
) -> None:
    client, person = project_manager
    url = reverse("console:projects_project_sharing", args=[project.pk])

    added = client.post(
        url,
        {
            "form": "recipient",
            "code": "ekm-netvaerk",
            "name": "EKM-netværket",
            "description_da": "Kvalitetsnetværk",
        },
    )
    edited = client.post(
        url,
        {
            "form": "recipient",
            "editing": "ekm-netvaerk",
            "code": "forsoeg-paa-ny-kode",
            "name": "EKM-netværket (region)",
            "description_da": "",
            "record_level": "on",
        },
    )
    retention = client.post(
        url, {"form": "retention", "retention_months": "36", "unenrolment_grace_days": "30"}
    )

    assert [added.status_code, edited.status_code, retention.status_code] == [302, 302, 302]
    recipient = project.recipients.get(code="ekm-netvaerk")  # the code never changes
    assert (recipient.name, recipient.record_level) == ("EKM-netværket (region)", True)
    project.refresh_from_db()
    assert (project.retention_months, project.unenrolment_grace_days) == (36, 30)
    [created] = staff_rows(person, AuditEvent.Action.RECIPIENT_CREATED)
    assert created.details["recipient"] == "ekm-netvaerk"
    [updated] = staff_rows(person, AuditEvent.Action.RECIPIENT_UPDATED)
    assert updated.details["changed"] == ["description_da", "name", "record_level"]
    [changed] = staff_rows(person, AuditEvent.Action.PROJECT_UPDATED)
    assert changed.details["values"] == {
        "retention_months": {"from": 60, "to": 36},
        "unenrolment_grace_days": {"from": 90, "to": 30},
    }
    page = client.get(url).content.decode()
    assert "EKM-netværket (region)" in page


def test_support_reads_the_sharing_page_but_changes_nothing(support, project) -> None:
    client, _person = support
    url = reverse("console:projects_project_sharing", args=[project.pk])

    page = client.get(url)
    refused = client.post(
        url, {"form": "retention", "retention_months": "1", "unenrolment_grace_days": "0"}
    )

    assert page.status_code == 200
    assert "Danske Fysioterapeuters" in page.content.decode()
    assert 'name="retention_months"' not in page.content.decode()
    assert refused.status_code == 403
    project.refresh_from_db()
    assert project.retention_months == 60


def test_bad_retention_values_and_duplicate_recipient_codes_are_refused(
    project_manager, project
) -> None:
    client, person = project_manager
    url = reverse("console:projects_project_sharing", args=[project.pk])

    zero = client.post(
        url, {"form": "retention", "retention_months": "0", "unenrolment_grace_days": "-1"}
    )
    duplicate = client.post(
        url, {"form": "recipient", "code": "danske-fysioterapeuter", "name": "Igen"}
    )

    assert zero.status_code == duplicate.status_code == 200
    assert "errornote" in duplicate.content.decode()
    assert project.recipients.count() == 1
    assert not staff_rows(person, AuditEvent.Action.RECIPIENT_CREATED)
    assert not staff_rows(person, AuditEvent.Action.PROJECT_UPDATED)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_export_in_its_own_transaction_reads_one_snapshot(project, vendor) -> None:
    """Outside a caller's transaction (the command, a page) the export opens its own; on
    PostgreSQL it reads one snapshot (repeatable read), on SQLite it holds the write lock."""
    researchers = add_recipient(
        by=SYSTEM, project=project, code="forskning", name="Forskergruppen", record_level=True
    )
    clinic = collecting(vendor, project)
    send(vendor, clinic, [course("E-1", dt.date(2026, 2, 2)), course("E-2", dt.date(2026, 2, 3))])

    result = export(
        project, researchers, exports.RECORD_LEVEL, dt.date(2026, 1, 1), dt.date(2026, 6, 30)
    )

    assert [f["rows"] for f in result.manifest["files"]] == [2, 2, 2, 2]
    assert AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT_CREATED).count() == 1


def test_a_project_manager_downloads_an_exports_files_audited_and_never_cached(
    project_manager, support, project, vendor, researchers
) -> None:
    client, person = project_manager
    clinic = collecting(vendor, project)
    send(vendor, clinic, [course("E-1", dt.date(2026, 2, 2))])
    url = reverse("console:projects_project_export", args=[project.pk])
    client.post(
        url,
        {
            "recipient": "forskning",
            "kind": "record_level",
            "start": "2026-01-01",
            "end": "2026-06-30",
        },
    )
    [row] = staff_rows(person, AuditEvent.Action.EXPORT_CREATED)
    download = f"{url}{row.pk}/episodes.csv"
    assert f'href="{download}"' in client.get(url).content.decode()

    response = client.get(download)

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert 'attachment; filename="episodes.csv"' in response["Content-Disposition"]
    directory = Path(settings.SENTINEL_EXPORT_DIR) / row.details["directory"]
    assert b"".join(response.streaming_content) == (directory / "episodes.csv").read_bytes()
    [audited] = staff_rows(person, AuditEvent.Action.EXPORT_DOWNLOADED)
    assert audited.details == {"export": row.pk, "file": "episodes.csv"}
    assert status_of(client, f"{url}{row.pk}/manifest.json") == 200
    # Only the files the export lists, of this project's exports, and not for support.
    assert client.get(f"{url}{row.pk}/..%2F..%2Fsecret", follow=True).status_code == 404
    assert client.get(f"{url}{row.pk}/..").status_code == 404
    assert client.get(f"{url}{row.pk}/other.csv").status_code == 404
    assert client.get(f"{url}{row.pk + 1000}/episodes.csv").status_code == 404
    support_client, support_person = support
    assert support_client.get(download).status_code == 403
    assert staff_rows(support_person, AuditEvent.Action.EXPORT_DOWNLOADED) == []
    assert client.post(download).status_code == 405
