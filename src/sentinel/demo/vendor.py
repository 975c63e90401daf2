"""The demo vendor: sends a synthetic year of courses through the real vendor API.

The requests go through Sentinel's whole HTTP stack (middleware, authentication, schemas,
the pipeline) by httpx's WSGI transport, so demo data arrives the way production data does,
rejections included — only the TCP socket is skipped, because the demo server is not
running yet while the data is prepared.

Which clinics get what follows their onboarding story (see ``nation.py``): onboarded clinics
get their year (from enrolment) plus a few records of every record-level rejection reason
and a round of corrections; clinics stuck in onboarding get a small batch that is refused
with the matching gate reason; clinics whose practice system "stopped sending" get data up
to that day, and their data-flow dates are then set back to it (the one thing simulated
outside the API, since the API always stamps the time of arrival).
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

import httpx
from django.conf import settings
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.utils import timezone

from sentinel.audit.actors import Actor
from sentinel.clinics.credentials import issue_credential
from sentinel.clinics.models import Activation, Clinic
from sentinel.clinics.reach import reaches
from sentinel.collection.models import DataFlow, Submission
from sentinel.demo.episodes import course, year_of_courses
from sentinel.demo.outcomes import bad_outcomes, outcomes_for
from sentinel.projects.models import Enrolment

DATA_STORIES = {"ok", "report_pending", "re_enrolled", "data_stopped", "unenrolled"}
GATE_STORIES = {
    "no_dpa",
    "dpa_outdated",
    "no_consent",
    "consent_outdated",
    "not_enrolled",
    "deactivated",
}
BATCH = 1000


def _bad_records(
    rng: random.Random, *, prefix: str, enrolled_on: dt.date, last: dt.date, speciale: str
) -> list[dict[str, Any]]:
    """One record for each record-level rejection reason."""

    def make(tag: str) -> dict[str, Any]:
        day = enrolled_on + dt.timedelta(days=rng.randint(0, max(0, (last - enrolled_on).days)))
        return course(rng, source_id=f"{prefix}-{tag}", start=day, today=last, speciale=speciale)

    opted_out = make("optout")
    opted_out["patient_opt_out"] = True
    bad_cpr = make("badcpr")
    bad_cpr["patient_cpr"] = "3102" + bad_cpr["patient_cpr"][4:]  # 31 February
    unknown_code = make("badcode")
    unknown_code["diagnoses"] = [
        {"code": "L00", "recorded_at": f"{unknown_code['start_date']}T10:00:00"}
    ]
    bad_date = make("baddate")
    bad_date["start_date"] = bad_date["start_date"][:8] + "32"
    early = make("early")
    early["start_date"] = (enrolled_on - dt.timedelta(days=rng.randint(5, 40))).isoformat()
    early["end_date"] = None
    other_speciale = make("spec")
    other_speciale["speciale"] = "62"
    return [opted_out, bad_cpr, unknown_code, bad_date, early, other_speciale]


def _corrections(
    rng: random.Random, sent: list[dict[str, Any]], last: dt.date
) -> list[dict[str, Any]]:
    """A later round: some courses get an added code (v2), one is sent stale, one drops a code."""
    coded = [r for r in sent if r["diagnoses"] and not r["patient_opt_out"]]
    if len(coded) < 3:
        return []
    out = []
    for record in rng.sample(coded, k=min(len(coded), max(3, len(coded) // 20))):
        updated = {**record, "version": 2}
        when = dt.datetime.fromisoformat(record["diagnoses"][-1]["recorded_at"]) + dt.timedelta(
            days=7
        )
        if when.date() <= last:
            updated["diagnoses"] = [
                *record["diagnoses"],
                {"code": "L18", "recorded_at": when.isoformat()},
            ]
        out.append(updated)
    stale, rewritten = out[0], out[1]
    out.append({**stale, "version": 1})
    out.append({**rewritten, "version": 3, "diagnoses": rewritten["diagnoses"][1:]})
    return out


def push_year(
    *,
    stories: dict[str, str],
    today: dt.date,
    seed: int = 2026,
    progress: Callable[[str], None] = lambda _: None,
) -> Counter[str]:
    """Send each clinic's data through the API; counts accepted and rejected (by reason)."""
    from sentinel.wsgi import application

    rng = random.Random(seed)
    totals: Counter[str] = Counter()
    tokens: dict[int, str] = {}
    transport = httpx.WSGITransport(app=application)
    host = urlsplit(settings.SENTINEL_PUBLIC_URL).netloc or "127.0.0.1"
    with (
        _in_process(),
        httpx.Client(transport=transport, base_url=f"https://{host}/api/v1", timeout=120) as http,
    ):
        clinics = Clinic.objects.filter(ydernummer__in=stories).order_by("ydernummer")
        for number, clinic in enumerate(clinics, start=1):
            story = stories[clinic.ydernummer]
            activation = Activation.objects.filter(clinic=clinic).order_by("-activated_at").first()
            if activation is None or story not in DATA_STORIES | GATE_STORIES:
                continue
            vendor = activation.vendor
            if not reaches(vendor, clinic):  # deactivated: the vendor reaches nothing of it
                continue
            if vendor.pk not in tokens:
                tokens[vendor.pk] = issue_credential(by=Actor.system("demo"), vendor=vendor)[1]
            headers = {"Authorization": f"Bearer {tokens[vendor.pk]}"}
            records = _records_for(rng, clinic, story, today)
            for start in range(0, len(records), BATCH):
                batch = records[start : start + BATCH]
                response = http.post(
                    f"/clinics/{clinic.ydernummer}/submissions",
                    json={"records": batch},
                    headers=headers,
                )
                response.raise_for_status()
                body = response.json()
                totals["accepted"] += body["accepted"]
                totals.update(r["reason"] for r in body["rejected"])
            if story == "data_stopped":
                _stopped_sending(clinic, today - dt.timedelta(days=rng.randint(20, 60)))
            if number % 50 == 0:
                progress(f"  {number}/{len(stories)} clinics sent")
    return totals


@contextmanager
def _in_process() -> Iterator[None]:
    """Keep this thread's database connection across the in-process requests, as Django's
    own test client does: the request signals would otherwise close it after each one."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def _records_for(
    rng: random.Random, clinic: Clinic, story: str, today: dt.date
) -> list[dict[str, Any]]:
    prefix = f"{clinic.ydernummer}"
    if story in GATE_STORIES:
        return [
            course(
                rng,
                source_id=f"{prefix}-g{i}",
                start=today - dt.timedelta(days=rng.randint(1, 30)),
                today=today,
                speciale=clinic.speciale,
            )
            for i in range(rng.randint(5, 15))
        ]
    enrolment = Enrolment.objects.filter(clinic=clinic).order_by("-enrolled_on").first()
    if enrolment is None:
        return []
    first = max(enrolment.enrolled_on, today - dt.timedelta(days=365))
    last = today - dt.timedelta(days=1)
    if story == "data_stopped":
        last = today - dt.timedelta(days=61)
    per_year = rng.randint(80, 220)
    records = year_of_courses(
        rng,
        prefix=prefix,
        first=first,
        last=max(first, last),
        per_year=per_year,
        speciale=clinic.speciale,
    )
    per_year_sent = len(records)
    if story == "unenrolled" and enrolment.unenrolled_on:
        records += year_of_courses(
            rng,
            prefix=f"{prefix}-after",
            first=enrolment.unenrolled_on,
            last=today - dt.timedelta(days=1),
            per_year=per_year // 4,
            speciale=clinic.speciale,
        )
    records += _bad_records(
        rng, prefix=prefix, enrolled_on=first, last=max(first, last), speciale=clinic.speciale
    )
    records += _corrections(rng, records, max(first, last))
    if (
        story != "unenrolled"
        and Enrolment.objects.filter(
            clinic=clinic, project__code="forlobsresultater", unenrolled_on=None
        ).exists()
    ):
        # Their own generator, so the courses above stay as they were without the project.
        measured = random.Random(f"outcomes-{clinic.ydernummer}")
        courses = records[:per_year_sent]
        records += outcomes_for(measured, courses, max(first, last))
        structured = next((c for c in courses if c.get("course_type")), None)
        if structured is not None:
            records += bad_outcomes(structured, prefix)
    return records


def _stopped_sending(clinic: Clinic, day: dt.date) -> None:
    """Set the clinic's data-flow dates back to ``day``: its practice system stopped sending."""
    moment = timezone.make_aware(dt.datetime.combine(day, dt.time(12)))
    Submission.objects.filter(clinic=clinic).update(received_at=moment)
    DataFlow.objects.filter(clinic=clinic).update(first_received_at=moment, last_received_at=moment)
