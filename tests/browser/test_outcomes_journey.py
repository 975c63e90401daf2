"""Forløbsresultater's journey in a real browser (issue 17): a clinic enrols in the portal,
its measurements arrive through the vendor API, the refresh runs in the job runner, and the
tab opens with its figures — axe-clean wide (1280×800) and in the practice system's narrow
window (480×700).

Karen's clinic has had its DPA, consent and Diagnosekodning for three months
(``journey.onboarded_months_ago``, the actions with their dates): its practice system's
measurements are refused as ``not_enrolled`` until Karen, logged in with MitID Erhverv at
the local OpenID Connect provider, enrols it in Forløbsresultater by clicking in the portal;
then the same records are accepted, and the tab names the day its report opens (two months
after today's enrolment). The open report is read, as in the Diagnosekodning journey, at
Karen's other clinic, enrolled in Forløbsresultater three months ago: its courses and
measurements arrive through the JSON door, one measurement through the FHIR door, the
benchmark job runs through the job runner's worker (in this process), and the figures on the
tab are the ones worked out below."""

from __future__ import annotations

import datetime as dt
import re
import uuid

import pytest
from django.utils import timezone
from django_q.conf import Conf
from django_q.models import Task
from playwright.sync_api import expect

from sentinel.api.fhir import records_to_bundle
from sentinel.demo.oidc import DemoUser
from sentinel.jobs.queue import enqueue
from sentinel.lib.dates import add_months
from sentinel.projects.models import Enrolment
from tests.browser import journey
from tests.browser.conftest import (
    check_page,
    fits_without_horizontal_scroll,
    follow_menu,
    log_in_at_provider,
)
from tests.factories import valid_cvr
from tests.outcomes.helpers import episode, measurement

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

WIDE = {"width": 1280, "height": 800}
NARROW = {"width": 480, "height": 700}
YDERNUMMER = "846600"
OTHER_YDERNUMMER = "846602"
OUTCOMES = "forlobsresultater"

vendor = journey.vendor  # the practice system, named as the pages show it
vendor_api = journey.vendor_api  # its credential's HTTP client for /api/v1


def course(
    source_id: str, begun: dt.date, ended: dt.date | None, kind: str = "knee_osteoarthritis"
):
    return episode(
        source_id,
        course_type=kind,
        start_date=begun.isoformat(),
        end_date=ended.isoformat() if ended else None,
        diagnoses=[{"code": "L90", "recorded_at": f"{begun.isoformat()}T09:30:00+01:00"}],
    )


def measured(source_id: str, of: str, day: dt.date, timepoint: str = "baseline", **score):
    return measurement(source_id, of, date=day.isoformat(), timepoint=timepoint, **score)


def send(vendor_api, ydernummer: str, records: list[dict]) -> dict:
    sent = vendor_api.post(f"/clinics/{ydernummer}/submissions", json={"records": records})
    assert sent.status_code == 200, sent.text
    return sent.json()


def test_a_clinic_enrols_in_forlobsresultater_and_reads_its_outcomes(
    live_server, provider, vendor, vendor_api, new_page, settings, monkeypatch
) -> None:
    owner = provider.add(
        DemoUser(
            sub=str(uuid.uuid4()),
            name="Karen Klinikejer",
            cvr=valid_cvr(846600),
            may_sign=True,
            assurance_level="substantial",
        )
    )
    journey.onboarded_months_ago(
        vendor, owner, ydernummer=YDERNUMMER, name="Fysioterapi Resultatby"
    )
    _other, since = journey.onboarded_months_ago(
        vendor,
        owner,
        ydernummer=OTHER_YDERNUMMER,
        name="Fysioterapi Resultatby Syd",
        projects=(OUTCOMES,),
    )
    today = timezone.localdate()

    # Enrolled in Diagnosekodning only: the course is taken, its measurement refused.
    todays = [course("E-1", today, None), measured("M-1", "E-1", today, score=7)]
    answer = send(vendor_api, YDERNUMMER, todays)
    assert answer["accepted"] == 1
    assert [(r["source_id"], r["reason"]) for r in answer["rejected"]] == [("M-1", "not_enrolled")]

    # Karen logs in with MitID Erhverv and enrols the clinic under Administrer.
    page = new_page(viewport=WIDE)
    page.goto(f"{live_server.url}/login/?next=/klinik/{YDERNUMMER}/administrer/")
    log_in_at_provider(page, owner.sub)
    page.wait_for_url(re.compile(rf".*/klinik/{YDERNUMMER}/administrer/$"))
    check_page(page, "70-outcomes-administer")
    page.get_by_role("link", name="Tilmeld Forløbsresultater").click()
    day = today.strftime("%d.%m.%Y")
    expect(page.get_by_text(f"fra i dag, {day}", exact=False)).to_be_visible()
    check_page(page, "71-outcomes-enrol-confirm")
    page.get_by_role("button", name=f"Ja, tilmeld Forløbsresultater fra {day}").click()
    expect(page.get_by_text(f"Du er tilmeldt Forløbsresultater fra {day}.")).to_be_visible()
    check_page(page, "72-outcomes-enrolled")
    enrolment = Enrolment.objects.get(clinic__ydernummer=YDERNUMMER, project__code=OUTCOMES)
    assert enrolment.enrolled_on == today

    # The practice system sends the same records again: now both are taken.
    answer = send(vendor_api, YDERNUMMER, todays)
    assert (answer["accepted"], answer["rejected"]) == (2, [])
    assert "patient_cpr" in answer["dropped_fields"]  # Forløbsresultater keeps no CPR

    # The tab names the day the report opens: two months after today's enrolment.
    page.goto(f"{live_server.url}/klinik/{YDERNUMMER}/rapporter/{OUTCOMES}/")
    opens_on = add_months(today, 2).strftime("%d.%m.%Y")
    expect(page.get_by_role("heading", name=f"Rapporten åbner {opens_on}")).to_be_visible()
    check_page(page, "73-outcomes-not-open-yet")

    # Karen's other clinic, enrolled three months ago. Five ended courses, measured:
    #   K-1 knee NPRS 8 → 3 (-5: MIC reached), K-2 knee NPRS 7 → 6 (-1: not),
    #   K-3 hip 40-m walk 30 → 25 s (-5 s; 1.33 → 1.60 m/s: reached; its end through FHIR),
    #   K-4 knee NPRS at baseline, PSFS at the end: two instruments, no follow-up,
    #   K-5 knee, nothing measured.
    begun = since + dt.timedelta(days=3)
    ended = begun + dt.timedelta(days=40)
    last = begun + dt.timedelta(days=35)
    walk = {"instrument": "walk_40m_fast", "answered_by": "therapist"}
    psfs = {"instrument": "psfs", "score": None, "items": [{"item": "1", "score": 6}]}
    records = [
        course("K-1", begun, ended),
        measured("KM-1", "K-1", begun, score=8),
        measured("KM-2", "K-1", last, "end_of_course", score=3),
        course("K-2", begun, ended),
        measured("KM-3", "K-2", begun, score=7),
        measured("KM-4", "K-2", last, "end_of_course", score=6),
        course("K-3", begun, ended, "hip_osteoarthritis"),
        measured("KM-5", "K-3", begun, score=30, **walk),
        course("K-4", begun, ended),
        measured("KM-7", "K-4", begun, score=6),
        measured("KM-8", "K-4", last, "end_of_course", **psfs),
        course("K-5", begun, ended),
    ]
    answer = send(vendor_api, OTHER_YDERNUMMER, records)
    assert (answer["accepted"], answer["rejected"]) == (len(records), [])
    bundle = records_to_bundle(
        OTHER_YDERNUMMER, [measured("KM-6", "K-3", last, "end_of_course", score=25, **walk)]
    )
    fhir = vendor_api.post("/fhir", json=bundle, headers={"Content-Type": "application/fhir+json"})
    assert fhir.status_code == 200, fhir.text
    assert fhir.json()["entry"][0]["response"]["status"] == "201 Created"

    # The benchmark job, through the job runner (its worker in this process).
    settings.SENTINEL_BENCHMARK_REFRESH_SECONDS = 0
    monkeypatch.setattr(Conf, "SYNC", True)
    enqueue("benchmark")
    run = Task.objects.get(group="benchmark")
    assert run.success, run.result
    assert f"{OUTCOMES}:" in run.result

    # Karen opens the other clinic's tab: the figures worked out above.
    page.goto(f"{live_server.url}/klinik/")
    page.get_by_role("link", name=re.compile("Fysioterapi Resultatby Syd")).click()
    page.wait_for_url(re.compile(rf".*/klinik/{OTHER_YDERNUMMER}/$"))
    follow_menu(page, "Rapporter")
    page.wait_for_url(re.compile(rf".*/klinik/{OTHER_YDERNUMMER}/rapporter/{OUTCOMES}/$"))
    headline = page.locator(".report-headline")
    expect(headline).to_contain_text("Opfølgning: samme måleredskab ved start og afslutning")
    expect(headline).to_contain_text("60,00 %")  # K-1, K-2, K-3 of the five ended
    shares = page.locator("#tabel-indicators")
    for label, share in (
        ("Mindste vigtige ændring: smerte (NPRS)", "50,00"),  # K-1 of K-1, K-2
        ("Mindste vigtige ændring: 40 m hurtig gangtest", "100,00"),  # K-3
        ("Opfølgning: knæartrose", "50,00"),  # K-1, K-2 of the four knee courses
    ):
        expect(shares.locator("tr", has=page.locator("th", has_text=label))).to_contain_text(share)
    medians = page.locator("#sektion-medians")
    nprs = medians.locator("tr", has_text="Ændring i smerte (NPRS, point)")
    expect(nprs).to_contain_text("-3,00")  # the median of -5 and -1
    walked = medians.locator("tr", has_text="Ændring i 40 m hurtig gangtest")
    expect(walked).to_contain_text("-5,00")
    expect(walked).to_contain_text("Lavere er bedre")
    expect(page.get_by_text("færre end 5 klinikker", exact=False).first).to_be_visible()
    data_from = since.strftime("%d.%m.%Y")
    expect(page.get_by_text(f"Data fra {data_from}", exact=False).first).to_be_visible()
    assert fits_without_horizontal_scroll(page)
    check_page(page, "74-outcomes-open-wide")
    page.set_viewport_size(NARROW)
    assert fits_without_horizontal_scroll(page)
    check_page(page, "74-outcomes-open-narrow")
