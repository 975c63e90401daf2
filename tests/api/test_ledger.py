"""The clinic's ledger of its data's use (``sharing.ledger``) against the stored data: batches
sent through the real vendor API (accepted, dropped fields, refused records with their course
ids), an export and a retention deletion run as the operator runs them; the ledger, its CSV
and the portal page that shows it must say exactly what was stored, and nothing of another
clinic."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
from collections import Counter

import pytest
from django.test import Client
from django.utils import timezone

from sentinel.audit.actors import Actor
from sentinel.clinics.models import Activation, Clinic
from sentinel.collection.models import DiagnosisEvent, Episode, Submission
from sentinel.collection.pipeline import ingest
from sentinel.projects.models import Project, Recipient
from sentinel.sharing import exports, retention
from sentinel.sharing.ledger import CSV_HEADER, ledger_csv, ledger_for
from tests.api.conftest import episode, onboard, synthetic_cpr
from tests.portal.conftest import (  # noqa: F401 - the real OIDC provider, shared
    PROVIDER_WARNINGS,
    Provider,
    english_catalogue,
    log_in,
    person,
    provider_issuer,
)

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    *PROVIDER_WARNINGS,
]

OPERATOR = Actor.system("tests")
TODAY = timezone.localdate()
LAST_MONTH = (TODAY.replace(day=1) - dt.timedelta(days=1)).replace(day=15)


@pytest.fixture
def provider(settings, provider_issuer) -> Provider:  # noqa: F811
    settings.SENTINEL_OIDC_ISSUER = provider_issuer
    settings.OIDC_RP_CLIENT_SECRET = "tests-only-client-secret"
    return Provider(provider_issuer)


@pytest.fixture
def export_dir(settings, tmp_path):
    settings.SENTINEL_EXPORT_DIR = tmp_path / "exports"
    return settings.SENTINEL_EXPORT_DIR


def _course(source_id: str, start: dt.date, **overrides: object) -> dict:
    at = f"{start.isoformat()}T09:30:00+01:00"
    record: dict = {
        "start_date": start.isoformat(),
        "diagnoses": [{"code": "L90", "recorded_at": at}],
    }
    record.update(overrides)
    return episode(source_id, **record)


def _rows(text: str) -> list[dict[str, str]]:
    assert text.endswith("\r\n")
    return list(csv.DictReader(io.StringIO(text)))


def test_ledger_figures_match_what_was_stored_exported_and_deleted(
    api, other_api, export_dir, client: Client, provider
) -> None:
    project = Project.objects.get(code="diagnosekodning")
    api.vendor.name, api.vendor.support_phone = "Journal A/S", "7010 2030"
    api.vendor.save()
    assert api.activate("811111", municipality_code="0461").status_code == 200
    clinic = Clinic.objects.get(ydernummer="811111")
    onboard(clinic, on=dt.date(2026, 1, 12))
    assert other_api.activate("822222", municipality_code="0461").status_code == 200
    other = Clinic.objects.get(ydernummer="822222")
    onboard(other, on=dt.date(2026, 1, 12))
    Activation.objects.update(activated_at=timezone.make_aware(dt.datetime(2026, 1, 5, 9)))
    early, late = dt.date(2026, 2, 2), TODAY - dt.timedelta(days=3)
    cpr = synthetic_cpr()

    # Last month, straight through the pipeline (the API's clock cannot be moved).
    ingest(
        vendor=api.vendor,
        clinic=clinic,
        records=[_course("F-10", early, practitioner_initials="AB")],
        now=timezone.make_aware(dt.datetime.combine(LAST_MONTH, dt.time(12))),
    )
    # A CPR in a course id: the whole batch is refused, nothing of it kept.
    refused_whole = api.submit("811111", [_course(f"F-{cpr}", late), _course("F-9", late)])
    assert refused_whole.status_code == 422
    # Today, through the real HTTP door: three accepted, three refused.
    first = api.submit(
        "811111",
        [
            _course("F-1", early, practitioner_initials="AB"),
            _course("F-2", late),
            _course("F-3", late, end_date=late.isoformat()),
            _course("F-BAD", late, patient_cpr="3113801234"),  # invalid_cpr
            _course("F-OLD", dt.date(2025, 12, 1)),  # before_enrolment
            _course(
                "F-ICPC",
                late,
                diagnoses=[{"code": "L00", "recorded_at": "2026-02-02T09:30:00+01:00"}],
            ),
        ],
    )
    assert first.status_code == 200, first.text
    answer = first.json()
    assert answer["accepted"] == 3
    assert answer["dropped_fields"] == ["practitioner_initials"]
    refused_by_api = sorted((r["source_id"], r["reason"]) for r in answer["rejected"])
    assert [reason for _, reason in refused_by_api] == [
        "invalid_cpr",
        "unknown_icpc2_code",
        "before_enrolment",
    ]
    second = api.submit("811111", [_course("F-BAD", late, patient_cpr="0000000000")])
    assert second.status_code == 200 and second.json()["accepted"] == 0
    fixed = api.submit("811111", [_course("F-BAD", late)])  # corrected in the practice system
    assert fixed.status_code == 200 and fixed.json()["accepted"] == 1
    other_batch = other_api.submit("822222", [_course("X-1", early), _course("X-2", late)])
    assert other_batch.json()["accepted"] == 2

    # An export of the first half year (the clinic's early courses are in it), one of a
    # period with none of its courses, and one for which the clinic's data is not read.
    recipient = Recipient.objects.create(project=project, code="ekm", name="EKM-netværk")
    in_period = Episode.objects.filter(
        clinic=clinic, project=project, start_date__lte=dt.date(2026, 6, 30)
    ).count()
    made = exports.create_export(
        by=OPERATOR,
        project=project,
        recipient=recipient,
        kind=exports.AGGREGATED,
        start=dt.date(2026, 1, 1),
        end=dt.date(2026, 6, 30),
    )
    exports.create_export(
        by=OPERATOR,
        project=project,
        recipient=recipient,
        kind=exports.AGGREGATED,
        start=dt.date(2025, 1, 1),
        end=dt.date(2025, 6, 30),
    )
    manifest_sha256 = hashlib.sha256(made.manifest_path.read_bytes()).hexdigest()

    # Retention with 6 months: the courses started in February go, in both clinics.
    Project.objects.filter(pk=project.pk).update(retention_months=6)
    going = Episode.objects.filter(clinic=clinic, start_date__lt=dt.date(2026, 6, 1))
    expected_episodes = going.count()
    expected_diagnoses = DiagnosisEvent.objects.filter(episode__in=going).count()
    assert expected_episodes == 2 and expected_diagnoses == 2
    retention.run(apply=True, projects=["diagnosekodning"])
    assert not Episode.objects.filter(clinic=clinic, start_date__lt=dt.date(2026, 6, 1)).exists()

    ledger = ledger_for(clinic)

    (p,) = ledger.projects
    assert p.project == project
    stored = Submission.objects.filter(clinic=clinic)
    assert p.records == sum(s.accepted for s in stored) == 5
    by_month = {m.month: m for m in p.months}
    assert set(by_month) == {TODAY.replace(day=1), LAST_MONTH.replace(day=1)}
    now, before = by_month[TODAY.replace(day=1)], by_month[LAST_MONTH.replace(day=1)]
    assert now.records == 4 and before.records == 1
    assert now.received == {
        "patient_cpr": 4,
        "speciale": 4,
        "course_type": 4,
        "start_date": 4,
        "end_date": 1,
        "diagnoses": 4,
    }
    assert now.dropped == {"practitioner_initials": 1}
    assert before.dropped == {"practitioner_initials": 1}
    assert p.fields_dropped == ["practitioner_initials"]
    assert "practitioner_initials" not in p.fields_received

    refused = Counter((r.source_id, g.reason) for g in ledger.refusals for r in g.records)
    expected = Counter(refused_by_api) + Counter([("F-BAD", "invalid_cpr")])
    assert refused == expected
    invalid_cpr = next(g for g in ledger.refusals if g.reason == "invalid_cpr")
    assert invalid_cpr.count == 2 and invalid_cpr.source_ids == ["F-BAD"]
    assert invalid_cpr.stored_later == {"F-BAD"}  # sent again and accepted since
    assert all(not g.stored_later for g in ledger.refusals if g.reason != "invalid_cpr")
    assert [v.support_phone for v in invalid_cpr.vendors] == ["7010 2030"]
    assert sum(g.count for g in ledger.refusals) == sum(
        sum(s.rejected_by_reason.values()) for s in stored
    )

    (export,) = p.exports
    assert export.recipient_name == "EKM-netværk"
    assert (export.kind, export.start, export.end) == (
        "aggregated",
        dt.date(2026, 1, 1),
        dt.date(2026, 6, 30),
    )
    assert export.manifest_sha256 == manifest_sha256
    assert export.courses == in_period == 2

    (deletion,) = p.deletions
    assert deletion.rule == "past_retention"
    assert (deletion.episodes, deletion.diagnoses) == (expected_episodes, expected_diagnoses)

    (vendor,) = p.vendors
    assert vendor.vendor == api.vendor and vendor.records == 5
    assert timezone.localdate(vendor.first_at) == LAST_MONTH
    assert timezone.localdate(vendor.last_at) == TODAY
    (overall,) = ledger.vendors
    assert (overall.batches, overall.records, overall.accepted, overall.refused) == (4, 9, 5, 4)

    # The other clinic's ledger has its own figures only.
    theirs = ledger_for(other)
    assert theirs.refusals == [] and theirs.projects[0].records == 2
    assert theirs.projects[0].exports[0].courses == 1
    assert theirs.projects[0].deletions[0].episodes == 1

    # The CSV says the same.
    text = ledger_csv(ledger)
    rows = _rows(text)
    assert list(rows[0]) == CSV_HEADER
    assert cpr not in text
    sections = Counter(r["afsnit"] for r in rows)
    assert sections["afvist"] == 4
    assert {(r["forloebs_id"], r["senere_modtaget"]) for r in rows if r["afsnit"] == "afvist"} == {
        ("F-BAD", "ja"),
        ("F-OLD", "nej"),
        ("F-ICPC", "nej"),
    }
    assert {(r["forloebs_id"], r["emne"]) for r in rows if r["afsnit"] == "afvist"} == set(expected)
    received = {
        (r["dato"], r["emne"]): int(r["antal"]) for r in rows if r["afsnit"] == "felt_modtaget"
    }
    assert received[(TODAY.strftime("%Y-%m"), "end_date")] == 1
    (exported,) = [r for r in rows if r["afsnit"] == "udtraek"]
    assert exported["manifest_sha256"] == manifest_sha256
    assert (exported["periode_fra"], exported["periode_til"]) == ("2026-01-01", "2026-06-30")
    deleted = {r["afsnit"]: int(r["antal"]) for r in rows if r["afsnit"].startswith("sletning")}
    assert deleted == {"sletning_forloeb": 2, "sletning_diagnoser": 2}

    # The portal shows it and hands out the same CSV, to the clinic's own users only.
    log_in(client, provider, person(clinic))
    page = client.get("/klinik/811111/administrer/brug-af-data/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "F-BAD" in html and "7010 2030" in html and manifest_sha256 in html
    assert 'data-stored-later="F-BAD"' in html and 'data-stored-later="F-OLD"' not in html
    assert cpr not in html
    download = client.get("/klinik/811111/administrer/brug-af-data.csv")
    assert download.status_code == 200
    assert download["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in download["Content-Disposition"]
    assert download.content.decode("utf-8") == "\ufeff" + ledger_csv(ledger_for(clinic))
    client.post("/i18n/setlang/", {"language": "en", "next": "/klinik/"})
    english = client.get("/klinik/811111/administrer/brug-af-data/").content.decode()
    assert "How your data is used" in english and "Refused records" in english
    assert "2 courses and 2 diagnosis codes deleted (the retention period had passed)" in english
    assert client.get("/klinik/822222/administrer/brug-af-data/").status_code == 404
    assert client.get("/klinik/822222/administrer/brug-af-data.csv").status_code == 404


def test_refused_course_ids_are_kept_per_batch_never_a_cpr(api, ready_clinic) -> None:
    cpr = synthetic_cpr()
    response = api.submit(
        "811111",
        [
            episode("OK-1"),
            episode("BAD-1", patient_cpr="12345"),
            episode("BAD-2", start_date="2025-01-01"),
        ],
    )
    assert response.status_code == 200, response.text
    # The JSON door refuses a CPR in a course id before the pipeline; another door (or a
    # later one) that hands it on still has the id dropped, never kept.
    ingest(vendor=api.vendor, clinic=ready_clinic, records=[episode(f"X{cpr}")])

    submissions = Submission.objects.filter(clinic=ready_clinic).order_by("id")
    assert [sorted(map(tuple, s.refused)) for s in submissions] == [
        [("BAD-1", "invalid_cpr"), ("BAD-2", "before_enrolment")],
        [("", "invalid_text")],
    ]
    assert submissions[0].by_project["diagnosekodning"]["records"] == 1
    assert submissions[1].by_project == {}
    assert not any(cpr in str(s.refused) or "12345" in str(s.refused) for s in submissions)
    assert list(
        Episode.objects.filter(clinic=ready_clinic).values_list("source_id", flat=True)
    ) == ["OK-1"]
