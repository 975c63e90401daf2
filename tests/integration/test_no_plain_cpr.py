"""Privacy scan: no plain CPR at rest or in logs (DESIGN.md §4).

A broad scenario sends many records with generated CPRs through ``pipeline.ingest`` — accepted
ones, resubmissions, and every rejection reason of API.md — while every log record down to
DEBUG is captured (the root logger, the ``django`` loggers, and the SQL of every query with its
parameters, forced on with ``CaptureQueriesContext``). Afterwards every row of every table is
scanned, through the ORM (every model, every field, rendered as text; binary fields as raw
bytes, hex and base64) and through raw SQL (every table the database has), and so is the log
text: none of the CPRs used may appear, with or without the dash, nor as hex or base64 of its
ASCII text. Linking still works (the stored pseudonym is HMAC-SHA256 of the CPR under
``SENTINEL_PSEUDONYM_KEY``), the encrypted CPR decrypts for its own clinic only, and nothing of
a rejected record is kept (the pseudonym of a CPR sent only in rejected records is nowhere).

A second and a third test do the same through the HTTP API (JSON submissions and FHIR) with
the Django test client, including malformed bodies that carry a CPR.

CPRs are synthetic: real dates in 1941-1998, serials 1000-3999, each used once; the invalid
ones are 10 digits whose date part is no date. None is copied from a person.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import itertools
import json
import logging
import uuid
from collections import Counter
from typing import Any

import pytest
from cryptography.exceptions import InvalidTag
from django.apps import apps
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from sentinel.agreements.actions import Signer, approve_consent, publish_document, sign_dpa
from sentinel.agreements.models import AssuranceLevel, Channel, DocumentKind
from sentinel.clinics.actions import activate
from sentinel.clinics.credentials import issue_credential
from sentinel.clinics.models import Clinic
from sentinel.collection.models import Episode
from sentinel.collection.pipeline import ingest
from sentinel.lib.pseudonym import CprCipher
from sentinel.lib.reasons import Reason
from sentinel.projects.actions import enrol, unenrol
from sentinel.projects.models import Project
from tests.conftest import SYSTEM, at
from tests.factories import ClinicFactory, VendorFactory, valid_cvr
from tests.outcomes.helpers import measurement
from tests.outcomes.helpers import onboard as onboard_outcomes

SIGNED_ON = dt.date(2026, 1, 5)
ENROLLED_ON = dt.date(2026, 1, 12)
UNENROLLED_ON = dt.date(2026, 2, 1)
NOW_1 = at(dt.date(2026, 2, 20), 12)
V2_ON = dt.date(2026, 3, 1)
RESIGNED_ON = dt.date(2026, 3, 5)
NOW_2 = at(dt.date(2026, 3, 10), 12)


# --- synthetic CPRs ----------------------------------------------------------------------

# Day/month pairs that are no date in any year, so the 10 digits never form a valid CPR.
_NO_SUCH_DAY = ((31, 2), (30, 2), (32, 1), (0, 3), (15, 0), (15, 13), (31, 4), (31, 9), (31, 11))


class Cprs:
    """Generates CPRs, each used once, and remembers every one it handed out."""

    def __init__(self) -> None:
        self._n = itertools.count(1)
        self.used: list[str] = []  # 10 digits, no dash

    def _take(self, digits: str, dash: bool) -> str:
        assert len(digits) == 10 and digits.isdigit() and digits not in self.used
        self.used.append(digits)
        return f"{digits[:6]}-{digits[6:]}" if dash else digits

    def valid(self, *, dash: bool = False) -> str:
        n = next(self._n)
        born = dt.date(1941, 1, 1) + dt.timedelta(days=(n * 1777) % 21000)  # up to 1998
        serial = 1000 + (n * 389) % 3000  # 7th digit 1-3: the 20th century
        return self._take(f"{born:%d%m%y}{serial}", dash)

    def invalid(self, *, dash: bool = False) -> str:
        """10 digits that look like a CPR but whose date part is no date."""
        n = next(self._n)
        dd, mm = _NO_SUCH_DAY[n % len(_NO_SUCH_DAY)]
        return self._take(f"{dd:02d}{mm:02d}{n % 100:02d}{1000 + (n * 613) % 3000}", dash)


def needles(cprs: list[str]) -> dict[str, str]:
    """Every text form a leaked CPR could take → the CPR it betrays."""
    forms: dict[str, str] = {}
    for cpr in cprs:
        for text in (cpr, f"{cpr[:6]}-{cpr[6:]}"):
            raw = text.encode("ascii")
            forms[text] = cpr
            forms[raw.hex()] = cpr
            forms[base64.b64encode(raw).decode().rstrip("=")] = cpr
            forms[base64.urlsafe_b64encode(raw).decode().rstrip("=")] = cpr
    return forms


def hmac_pseudonym(cpr: str) -> str:
    """DESIGN.md §4, computed here independently of lib.pseudonym."""
    return hmac.new(
        settings.SENTINEL_PSEUDONYM_KEY, cpr.encode("ascii"), hashlib.sha256
    ).hexdigest()


# --- scanning ----------------------------------------------------------------------------


def renderings(value: Any) -> list[str]:
    """The texts a stored value can be read as."""
    if value is None:
        return []
    if isinstance(value, bytes | bytearray | memoryview):
        raw = bytes(value)
        return [
            raw.decode("latin-1"),  # the raw bytes: an ASCII CPR shows as itself
            raw.hex(),
            base64.b64encode(raw).decode(),
            base64.urlsafe_b64encode(raw).decode(),
        ]
    if isinstance(value, dict | list | tuple):
        return [json.dumps(value, ensure_ascii=False, default=str), str(value)]
    return [str(value)]


def find(texts: list[str], forms: dict[str, str]) -> list[str]:
    return [
        f"{form[:3]}… (a form of CPR #{cpr[:2]}…)"
        for text in texts
        for form, cpr in forms.items()
        if form in text
    ]


def scan_database(forms: dict[str, str]) -> tuple[list[str], Counter]:
    """Every row of every model and of every table; returns findings and rows per table."""
    findings: list[str] = []
    rows: Counter = Counter()
    for model in apps.get_models(include_auto_created=True):
        if model._meta.proxy or not model._meta.managed:
            continue
        table = model._meta.db_table
        for obj in model._base_manager.all().iterator():
            rows[table] += 1
            for field in model._meta.concrete_fields:
                for hit in find(renderings(getattr(obj, field.attname)), forms):
                    findings.append(f"{table}.{field.column} pk={obj.pk}: {hit}")
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor, include_views=True):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            columns = [c[0] for c in cursor.description]
            for row in cursor.fetchall():
                rows[f"raw:{table}"] += 1
                for column, value in zip(columns, row, strict=True):
                    for hit in find(renderings(value), forms):
                        findings.append(f"raw {table}.{column}: {hit}")
    return findings, rows


@pytest.fixture
def captured(db, caplog):
    """Every log record at DEBUG and up, including each SQL statement with its parameters."""
    caplog.set_level(logging.DEBUG)
    for name in ("django", "django.db.backends", "django.request", "django.server", "sentinel"):
        caplog.set_level(logging.DEBUG, logger=name)
    silent = [
        logger
        for logger in logging.root.manager.loggerDict.values()
        if isinstance(logger, logging.Logger) and not logger.propagate
    ]
    for logger in silent:
        logger.addHandler(caplog.handler)
    with CaptureQueriesContext(connection) as queries:
        yield caplog, queries
    for logger in silent:
        logger.removeHandler(caplog.handler)


def log_texts(caplog, queries) -> list[str]:
    texts = [caplog.text]
    for record in caplog.records:
        texts.append(record.getMessage())
        texts.append(repr(record.args))
        if record.exc_info:
            texts.append(logging.Formatter().formatException(record.exc_info))
    texts.extend(q["sql"] for q in queries.captured_queries)
    return texts


def assert_no_plain_cpr(cprs: Cprs, caplog, queries) -> Counter:
    forms = needles(cprs.used)
    findings, rows = scan_database(forms)
    assert findings == [], "plain CPR at rest:\n" + "\n".join(findings)
    assert rows["collection_episode"] and rows["raw:collection_episode"]
    assert rows["audit_auditevent"] and rows["collection_submission"]
    texts = log_texts(caplog, queries)
    # The capture works: SQL was logged with its parameters (the pipeline looks episodes up by
    # their source ids; new rows themselves go in by COPY / executemany).
    stored = Episode.objects.values_list("source_id", flat=True)
    assert any(s in "\n".join(texts) for s in stored)
    leaked = find(texts, forms)
    assert leaked == [], "plain CPR in the logs: " + ", ".join(sorted(set(leaked)))
    return rows


def assert_linkable_and_encrypted_for_its_clinic_only(kept: dict, other: Clinic) -> None:
    """``kept`` maps (clinic, source_id) → the 10-digit CPR of the accepted record."""
    cipher = CprCipher(settings.SENTINEL_CPR_KEYS, settings.SENTINEL_CPR_KEY_ID)
    for (clinic, source_id), cpr in kept.items():
        episode = Episode.objects.get(clinic=clinic, source_id=source_id)
        assert episode.patient_pseudonym == hmac_pseudonym(cpr)
        blob = bytes(episode.patient_cpr_encrypted)
        assert cpr.encode() not in blob
        assert cipher.decrypt(blob, key_id=episode.cpr_key_id, clinic_id=clinic.pk) == cpr
        assert other.pk != clinic.pk
        with pytest.raises(InvalidTag):
            cipher.decrypt(blob, key_id=episode.cpr_key_id, clinic_id=other.pk)


def assert_rejected_left_no_trace(cprs: Cprs, kept: dict) -> None:
    """A CPR sent only in rejected records leaves not even its pseudonym behind."""
    only_rejected = set(cprs.used) - set(kept.values())
    pseudonyms = {hmac_pseudonym(cpr): cpr for cpr in only_rejected}
    findings, _rows = scan_database(pseudonyms)
    assert findings == [], "a rejected record left its pseudonym:\n" + "\n".join(findings)


# --- the scenario ------------------------------------------------------------------------


def record(
    source_id: str,
    cpr: str,
    *,
    version: int = 1,
    start: str = "2026-02-02",
    speciale: str = "51",
    opt_out: bool = False,
    codes: tuple[str, ...] = ("L90",),
    **extra: Any,
) -> dict[str, Any]:
    return {
        "type": "episode",
        "source_id": source_id,
        "version": version,
        "patient_cpr": cpr,
        "speciale": speciale,
        "course_type": "knee_osteoarthritis" if speciale == "51" else None,
        "start_date": start,
        "end_date": None,
        "patient_opt_out": opt_out,
        "diagnoses": [
            {"code": code, "recorded_at": f"{start}T09:{30 + i:02d}:00+01:00"}
            for i, code in enumerate(codes)
        ],
        **extra,
    }


def signer_for(clinic: Clinic) -> Signer:
    return Signer(uuid.uuid4(), "Test Klinikejer", clinic.cvr, AssuranceLevel.HIGH, True)


def onboard(clinic, vendor, project, *, dpa=True, consent=True, enrolled=True) -> Signer:
    signer = signer_for(clinic)
    if vendor is not None:
        activate(by=SYSTEM, vendor=vendor, clinic=clinic, at=at(SIGNED_ON, 8))
    if dpa:
        sign_dpa(clinic=clinic, signer=signer, channel=Channel.SENTINEL, at=at(SIGNED_ON))
    if consent:
        approve_consent(clinic=clinic, signer=signer, channel=Channel.SUNDHED_DK, at=at(SIGNED_ON))
    if enrolled:
        enrol(by=signer.actor, clinic=clinic, project=project, on=ENROLLED_ON)
    return signer


def digits(cpr: str) -> str:
    return cpr.replace("-", "")


def test_no_plain_cpr_at_rest_or_in_logs_after_every_kind_of_submission(db, captured):
    caplog, queries = captured
    cprs = Cprs()
    project = Project.objects.get(code="diagnosekodning")
    vendor, other_vendor = VendorFactory(), VendorFactory()
    reasons: Counter = Counter()
    kept: dict[tuple[Clinic, str], str] = {}  # (clinic, source_id) → CPR of what is stored

    def send(clinic, batch, *, now, by=vendor, accepted: int | None = None):
        outcome = ingest(vendor=by, clinic=clinic, records=batch, now=now)
        reasons.update(r.reason.value for r in outcome.rejected)
        if accepted is not None:
            assert outcome.accepted == accepted, outcome.as_dict()
        return outcome

    a = ClinicFactory()
    a_signer = onboard(a, vendor, project)

    # Batch 1: accepted records (one patient twice, once with a dash) and every rejection
    # of the record itself.
    p1 = cprs.valid()
    accepted = [
        record("E-1", p1),
        record("E-2", cprs.valid(dash=True), codes=("L03", "L86")),
        record("E-3", cprs.valid(), version=2),
        record("E-4", f"{p1[:6]}-{p1[6:]}", start="2026-02-03"),
        record("E-5", cprs.valid(), speciale="57", codes=("L99",)),
        record(
            "E-6",
            cprs.valid(),
            practitioner_initials="MK",
            services=[{"code": "2101", "date": "2026-02-02"}],
        ),
        *(
            record(
                f"E-{30 + i}", cprs.valid(dash=i % 2 == 1), codes=(("L03", "L86", "L90")[i % 3],)
            )
            for i in range(20)
        ),
    ]
    rejected = [
        record("E-10", cprs.invalid()),  # invalid_cpr
        record("E-11", cprs.invalid(dash=True)),  # invalid_cpr
        record("E-12", cprs.valid(), opt_out=True),  # patient_opted_out
        record("E-13", cprs.valid(dash=True), opt_out=True),  # patient_opted_out
        record("E-14", cprs.invalid(), opt_out=True),  # patient_opted_out
        record("E-15", cprs.valid(), codes=("L90", "Q01")),  # unknown_icpc2_code
        record("E-16", cprs.valid(), start="2026-02-30"),  # invalid_date
        record("E-17", cprs.valid(), speciale="52"),  # not_in_data_specification
        record("E-18", cprs.valid(), start="2026-01-05"),  # before_enrolment
        {**record("E-19", cprs.valid()), "entered_in_error": True},  # course_entered_in_error
        record(f"E-{cprs.valid()}", cprs.valid()),  # invalid_text: a CPR as source_id
        record(f"{cprs.valid(dash=True)}", cprs.valid(), opt_out=True),  # patient_opted_out
        *(record(f"E-{60 + i}", cprs.invalid(dash=i % 2 == 0)) for i in range(6)),
        *(record(f"E-{70 + i}", cprs.valid(dash=i % 2 == 0), opt_out=True) for i in range(6)),
    ]
    outcome = send(a, accepted + rejected, now=NOW_1, accepted=len(accepted))
    assert outcome.dropped_fields == ["practitioner_initials", "services"]
    for item in accepted:
        kept[(a, item["source_id"])] = digits(item["patient_cpr"])

    # Batch 2: a new version adding a code (accepted), a stale version and a rewritten
    # history — both of these carrying a CPR that was never accepted.
    e1_v2 = record("E-1", p1, version=2, codes=("L90", "L86"))
    send(
        a,
        [
            e1_v2,
            record("E-3", cprs.valid(), version=1),  # stale_version
            record("E-2", cprs.valid(), version=2, codes=("L86",)),  # diagnosis_history_rewritten
        ],
        now=NOW_1 + dt.timedelta(hours=1),
        accepted=1,
    )
    send(a, [e1_v2], now=NOW_1 + dt.timedelta(hours=2), accepted=1)  # a replay

    # The clinic gate, clinic by clinic.
    send(a, [record("W-1", cprs.valid())], now=NOW_1, by=other_vendor, accepted=0)
    b = ClinicFactory()
    onboard(b, other_vendor, project)  # only another vendor activated it
    send(b, [record("B-1", cprs.valid())], now=NOW_1, accepted=0)  # clinic_not_activated
    c = ClinicFactory()
    onboard(c, vendor, project, dpa=False, consent=False, enrolled=False)
    send(c, [record("C-1", cprs.valid())], now=NOW_1, accepted=0)  # no_dpa
    d = ClinicFactory()
    onboard(d, vendor, project, consent=False, enrolled=False)
    send(d, [record("D-1", cprs.valid(dash=True))], now=NOW_1, accepted=0)  # no_consent
    e = ClinicFactory()
    onboard(e, vendor, project, enrolled=False)
    send(e, [record("E-1", cprs.valid())], now=NOW_1, accepted=0)  # not_enrolled
    f = ClinicFactory()
    f_signer = onboard(f, vendor, project)
    unenrol(by=f_signer.actor, clinic=f, project=project, on=UNENROLLED_ON)
    f_kept = record("F-1", cprs.valid(), start="2026-01-20")
    send(
        f,
        [f_kept, record("F-2", cprs.valid(), start="2026-02-10")],  # after_unenrolment
        now=NOW_1,
        accepted=1,
    )
    kept[(f, "F-1")] = f_kept["patient_cpr"]

    # New versions of both documents: signatures of v1 are outdated from V2_ON on.
    g = ClinicFactory()
    g_signer = onboard(g, vendor, project)
    for kind in (DocumentKind.DPA, DocumentKind.CONSENT):
        publish_document(by=SYSTEM, kind=kind, title="v2", text=f"{kind} v2", published_on=V2_ON)
    sign_dpa(clinic=g, signer=g_signer, channel=Channel.SENTINEL, at=at(RESIGNED_ON))
    outdated = [
        send(a, [record("A-20", cprs.valid(), start="2026-03-02")], now=NOW_2),
        send(g, [record("G-1", cprs.valid(), start="2026-03-02")], now=NOW_2),
    ]
    assert [o.rejected[0].reason for o in outdated] == ["dpa_outdated", "consent_outdated"]
    sign_dpa(clinic=a, signer=a_signer, channel=Channel.SENTINEL, at=at(RESIGNED_ON))
    approve_consent(clinic=a, signer=a_signer, channel=Channel.SENTINEL, at=at(RESIGNED_ON))
    a_later = record("A-21", cprs.valid(dash=True), start="2026-03-02")
    send(a, [a_later], now=NOW_2, accepted=1)
    kept[(a, "A-21")] = digits(a_later["patient_cpr"])

    # Outcome records (Forløbsresultater): each carries a CPR, used for the age band only.
    h = ClinicFactory()
    onboard_outcomes(h, vendor, "forlobsresultater")
    h_course = record("H-1", cprs.valid(), start="2026-01-20")
    broken = [
        {"instrument": "eq5d"},
        {"score": None},
        {"score": 12},
        {"score": 6.5},
        {"instrument": "psfs", "score": None, "items": [{"item": "7", "score": 5}]},
        {"timepoint": "follow_up_6m"},
        {"answered_by": "spouse"},
        {"episode_source_id": "H-404"},
    ]
    send(
        h,
        [
            h_course,
            measurement("HM-1", "H-1", cpr=cprs.valid(), date="2026-01-20"),
            *(
                measurement(f"HM-x{i}", "H-1", cpr=cprs.valid(), date="2026-01-20", **change)
                for i, change in enumerate(broken)
            ),
        ],
        now=NOW_1,
        accepted=2,
    )
    send(h, [measurement("HM-2", "H-1", cpr=cprs.valid(), date="2026-01-21")], now=NOW_1)
    send(b, [measurement("BM-1", "B-1", cpr=cprs.valid(), date="2026-01-20")], now=NOW_1)

    # Every reason of API.md was exercised, several CPRs each way.
    assert set(reasons) == {r.value for r in Reason}, set(Reason) - set(reasons)
    assert len(cprs.used) >= 50

    assert_no_plain_cpr(cprs, caplog, queries)
    assert_linkable_and_encrypted_for_its_clinic_only(kept, other=b)
    assert_rejected_left_no_trace(cprs, kept)
    one, four = (Episode.objects.get(clinic=a, source_id=s) for s in ("E-1", "E-4"))
    assert one.patient_pseudonym == four.patient_pseudonym  # one patient, with or without dash
    assert Episode.objects.filter(clinic=a).count() == len(accepted) + 1


# --- the same through the HTTP API -------------------------------------------------------


@pytest.fixture
def http_vendor(db, client):
    """A vendor with a credential, its clinic activated over the API and fully onboarded
    (signed 20 days ago, enrolled 14 days ago: real time, as the API takes no clock)."""
    vendor = VendorFactory()
    _credential, token = issue_credential(by=SYSTEM, vendor=vendor)
    headers = {"Authorization": f"Bearer {token}"}
    ydernummer = "834567"
    response = client.put(
        f"/api/v1/clinics/{ydernummer}/activation",
        {"cvr": valid_cvr(834567), "name": "Klinik HTTP", "speciale": "51"},
        content_type="application/json",
        headers=headers,
    )
    assert response.status_code == 200, response.content
    clinic = Clinic.objects.get(ydernummer=ydernummer)
    signer = signer_for(clinic)
    signed = timezone.now() - dt.timedelta(days=20)
    sign_dpa(clinic=clinic, signer=signer, channel=Channel.SUNDHED_DK, at=signed)
    approve_consent(clinic=clinic, signer=signer, channel=Channel.SUNDHED_DK, at=signed)
    enrol(
        by=signer.actor,
        clinic=clinic,
        project=Project.objects.get(code="diagnosekodning"),
        on=timezone.localdate() - dt.timedelta(days=14),
    )
    return clinic, headers


def days_ago(n: int) -> str:
    return (timezone.localdate() - dt.timedelta(days=n)).isoformat()


def test_no_plain_cpr_through_the_json_api(captured, http_vendor, client):
    caplog, queries = captured
    clinic, headers = http_vendor
    cprs = Cprs()
    path = f"/api/v1/clinics/{clinic.ydernummer}/submissions"
    keep_1, keep_2 = cprs.valid(), cprs.valid(dash=True)
    batch = [
        record("H-1", keep_1, start=days_ago(7)),
        record("H-2", keep_2, start=days_ago(6), practitioner_initials="AB"),
        record("H-3", cprs.invalid(), start=days_ago(6)),
        record("H-4", cprs.invalid(dash=True), start=days_ago(6)),
        record("H-5", cprs.valid(), start=days_ago(6), opt_out=True),
        record("H-6", cprs.valid(), start=days_ago(30)),
        record("H-7", cprs.valid(), start=days_ago(6), codes=("Q01",)),
    ]
    responses = [
        client.post(path, {"records": batch}, content_type="application/json", headers=headers)
    ]
    assert responses[0].status_code == 200, responses[0].content
    assert responses[0].json()["accepted"] == 2
    assert {r["reason"] for r in responses[0].json()["rejected"]} == {
        "invalid_cpr",
        "patient_opted_out",
        "before_enrolment",
        "unknown_icpc2_code",
    }
    # Malformed bodies that carry a CPR: 422, and the answer does not echo it either.
    too_long = record("H-8", cprs.valid() + "00", start=days_ago(6))
    number = cprs.valid()
    while number.startswith("0"):  # an int keeps every digit only without a leading zero
        number = cprs.valid()
    as_number = record("H-9", number, start=days_ago(6))
    as_number["patient_cpr"] = int(number)
    bad_version = record("H-10", cprs.valid(dash=True), version="three", start=days_ago(6))
    for bad in (too_long, as_number, bad_version):
        response = client.post(
            path, {"records": [bad]}, content_type="application/json", headers=headers
        )
        assert response.status_code == 422, response.content
        responses.append(response)
    not_json = client.post(
        path,
        f'{{"records": [{{"patient_cpr": "{cprs.valid()}"',
        "application/json",
        headers=headers,
    )
    assert not_json.status_code in (400, 422), not_json.content
    responses.append(not_json)

    assert_no_plain_cpr(cprs, caplog, queries)
    forms = needles(cprs.used)
    echoed = find([r.content.decode("utf-8", "replace") for r in responses], forms)
    assert echoed == [], f"the API answered with a CPR: {echoed}"
    kept = {(clinic, "H-1"): keep_1, (clinic, "H-2"): digits(keep_2)}
    assert_linkable_and_encrypted_for_its_clinic_only(kept, other=ClinicFactory())
    assert_rejected_left_no_trace(cprs, kept)


def test_no_plain_cpr_through_the_fhir_api(captured, http_vendor, client):
    from sentinel.api.fhir import records_to_bundle

    caplog, queries = captured
    clinic, headers = http_vendor
    cprs = Cprs()
    keep = cprs.valid()
    records = [
        record("F-1", keep, start=days_ago(7)),
        record("F-2", keep, start=days_ago(5)),  # the same patient: one Patient resource
        record("F-3", cprs.invalid(), start=days_ago(6)),
        record("F-4", cprs.valid(), start=days_ago(6), opt_out=True),
        record("F-5", cprs.valid(), start=days_ago(30)),
    ]
    bundle = records_to_bundle(clinic.ydernummer, records)
    response = client.post(
        "/api/v1/fhir", bundle, content_type="application/fhir+json", headers=headers
    )
    assert response.status_code == 200, response.content
    assert Episode.objects.filter(clinic=clinic).count() == 2
    # A Bundle the endpoint refuses as a whole, with a CPR inside.
    refused = records_to_bundle(clinic.ydernummer, [record("F-6", cprs.valid(), start=days_ago(6))])
    refused["type"] = "collection"
    refusal = client.post(
        "/api/v1/fhir", refused, content_type="application/fhir+json", headers=headers
    )
    assert refusal.status_code == 422, refusal.content

    assert_no_plain_cpr(cprs, caplog, queries)
    forms = needles(cprs.used)
    echoed = find([r.content.decode() for r in (response, refusal)], forms)
    assert echoed == [], f"the FHIR endpoint answered with a CPR: {echoed}"
    kept = {(clinic, "F-1"): keep, (clinic, "F-2"): keep}
    assert_linkable_and_encrypted_for_its_clinic_only(kept, other=ClinicFactory())
    assert_rejected_left_no_trace(cprs, kept)
