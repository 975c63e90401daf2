"""The seed's journey in a real browser, from the vendor's activation to the open report.

The vendor activates Sentinel through the API; the user opens the launch link in the practice
system's (narrow) window, signs the DPA and approves the consent with a fresh login, enrols in
Diagnosekodning; data arrives through the API; the status check turns green; and after the
opening date the report shows the clinic's numbers, beside the benchmark, with a working CSV
download and print view. Every page: a screenshot and an axe-core check.

How time passes. The first report opens two months after the latest of DPA, consent and
enrolment. A signature made in the browser is stamped with the moment it is made, and the
product has no clock to move: a test-only "as of" switch would be a door into Sentinel that
only tests use. So the journey walks every step for Karen's clinic *today* and checks that its
report tab names the exact opening day (today + 2 months). The report after its opening day is
then read at Karen's other clinic (same CVR, same systemhus), whose activation, DPA signature,
consent approval and enrolment were recorded three months ago through the same domain actions
the API and the portal call, with their explicit effective dates (``activate(at=)``,
``sign_dpa(at=)``, ``approve_consent(at=)``, ``enrol(on=)``) — exactly what those rows would
hold had she clicked through the portal then. Its data arrives through the vendor API like any
other, and Karen reads it in the same browser session: her login reaches every clinic of her
CVR. Nothing is written to the database behind the product's back.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import uuid

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from sentinel.agreements.models import ConsentApproval, Document, DpaSignature
from sentinel.audit.actors import Actor
from sentinel.audit.models import AuditEvent
from sentinel.demo.oidc import DemoUser
from sentinel.lib.dates import add_months
from sentinel.projects.models import Enrolment, Project
from tests.api.conftest import synthetic_cpr
from tests.browser import journey
from tests.browser.conftest import (
    check_page,
    fits_without_horizontal_scroll,
    follow_menu,
    log_in_at_provider,
)
from tests.factories import valid_cvr

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

YDERNUMMER = "845678"
OTHER_YDERNUMMER = "845680"

vendor = journey.vendor  # the practice system, named as the pages show it
vendor_api = journey.vendor_api  # its credential's HTTP client for /api/v1


def _record(source_id: str, day: dt.date, code: str, course_type: str = "knee_osteoarthritis"):
    return {
        "type": "episode",
        "source_id": source_id,
        "version": 1,
        "patient_cpr": synthetic_cpr(),
        "speciale": "51",
        "course_type": course_type,
        "start_date": day.isoformat(),
        "end_date": None,
        "patient_opt_out": False,
        "diagnoses": [{"code": code, "recorded_at": f"{day.isoformat()}T09:30:00+01:00"}],
    }


def onboarded_three_months_ago(vendor, owner: DemoUser):
    """Karen's other clinic: activated by the same systemhus, DPA signed, consent approved and
    enrolled in Diagnosekodning three months ago, through the actions with their dates."""
    return journey.onboarded_months_ago(
        vendor, owner, ydernummer=OTHER_YDERNUMMER, name="Fysioterapi Journeyby Syd"
    )


def test_the_seed_journey_from_activation_to_the_open_report(
    live_server, provider, vendor, vendor_api, new_page
) -> None:
    cvr = valid_cvr(845678)
    owner = provider.add(
        DemoUser(
            sub=str(uuid.uuid4()),
            name="Karen Klinikejer",
            cvr=cvr,
            may_sign=True,
            assurance_level="substantial",
        )
    )
    other_clinic, other_enrolled_on = onboarded_three_months_ago(vendor, owner)

    # The vendor activates Sentinel for the clinic through the API.
    activation = vendor_api.put(
        f"/clinics/{YDERNUMMER}/activation",
        json={
            "cvr": cvr,
            "name": "Fysioterapi Journeyby",
            "speciale": "51",
            "municipality_code": "0101",
        },
    )
    assert activation.status_code == 200, activation.text

    # The user opens Sentinel from the practice system: the vendor asks for a launch link.
    launch = vendor_api.post(
        f"/clinics/{YDERNUMMER}/launch", json={"user_id": "u-17", "user_name": "Ida Hansen"}
    )
    assert launch.status_code == 200, launch.text
    page = new_page()
    page.goto(launch.json()["url"])
    for entry in ("Administrer", "Praksis samtykke", "Underskriv ny databehandleraftale"):
        expect(page.get_by_role("link", name=entry, exact=True).first).to_be_visible()
    expect(page.get_by_text("Åbnet fra Fysiodata Test A/S for Ida Hansen")).to_be_visible()
    assert fits_without_horizontal_scroll(page)
    check_page(page, "01-launch-menu")

    # Underskriv ny databehandleraftale: read, log in again with signing rights, sign.
    page.get_by_role("link", name="Underskriv ny databehandleraftale", exact=True).first.click()
    expect(page.get_by_text("Kræver din underskrift")).to_be_visible()
    check_page(page, "02-dpa")
    page.get_by_role("link", name="Log ind med MitID Erhverv for at underskrive").click()
    log_in_at_provider(page, owner.sub)
    page.wait_for_url(re.compile(rf".*/klinik/{YDERNUMMER}/databehandleraftale/$"))
    expect(page.get_by_text("Karen Klinikejer", exact=False).first).to_be_visible()
    assert fits_without_horizontal_scroll(page)
    check_page(page, "03-dpa-ready-to-sign")
    page.get_by_role("button", name=re.compile("Underskriv databehandleraftalen")).click()
    page.wait_for_url(re.compile(r".*/kvittering/databehandleraftale/\d+/$"))
    expect(page.get_by_text("Databehandleraftalen er underskrevet.")).to_be_visible()
    check_page(page, "04-dpa-receipt")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Hent kvitteringen (tekstfil)").click()
    receipt = download_info.value.path().read_text(encoding="utf-8")
    dpa = Document.objects.current("dpa")
    assert dpa is not None and dpa.sha256 in receipt
    assert "Karen Klinikejer" in receipt
    signature = DpaSignature.objects.get(clinic__ydernummer=YDERNUMMER)
    assert signature.channel == "sundhed_dk"  # signed from the practice system's menu
    assert signature.signer_uuid == uuid.UUID(owner.sub)

    # Praksis samtykke: the same with its own fresh login.
    follow_menu(page, "Praksis samtykke")
    expect(page.get_by_text("Kræver din godkendelse")).to_be_visible()
    check_page(page, "05-consent")
    page.get_by_role("link", name="Log ind med MitID Erhverv for at godkende").click()
    log_in_at_provider(page, owner.sub)
    page.wait_for_url(re.compile(rf".*/klinik/{YDERNUMMER}/samtykke/$"))
    check_page(page, "06-consent-ready-to-approve")
    page.get_by_role("button", name=re.compile("Godkend samtykkeerklæringen")).click()
    page.wait_for_url(re.compile(r".*/kvittering/samtykke/\d+/$"))
    check_page(page, "07-consent-receipt")
    assert ConsentApproval.objects.filter(clinic__ydernummer=YDERNUMMER).count() == 1

    # Administrer: enrol in Diagnosekodning with a confirmation.
    follow_menu(page, "Administrer")
    check_page(page, "08-administer")
    page.get_by_role("link", name="Tilmeld Diagnosekodning").click()
    today = timezone.localdate().strftime("%d.%m.%Y")
    expect(page.get_by_text(f"fra i dag, {today}", exact=False)).to_be_visible()
    check_page(page, "09-enrol-confirm")
    page.get_by_role("button", name=f"Ja, tilmeld Diagnosekodning fra {today}").click()
    expect(page.get_by_text(f"Du er tilmeldt Diagnosekodning fra {today}.")).to_be_visible()
    check_page(page, "10-administer-enrolled")
    assert Enrolment.objects.get(clinic__ydernummer=YDERNUMMER).enrolled_on == timezone.localdate()

    # Data arrives through the vendor API.
    day = timezone.localdate()
    sent = vendor_api.post(
        f"/clinics/{YDERNUMMER}/submissions",
        json={"records": [_record("E-1", day, "L90"), _record("E-2", day, "L03")]},
    )
    assert sent.status_code == 200, sent.text
    assert sent.json()["accepted"] == 2

    # Tjek status: everything is in order; the report waits for its opening day.
    follow_menu(page, "Tjek status")
    assert page.locator(".checks li.action_needed").count() == 0
    assert page.locator(".checks li.ok").count() == 5
    expect(page.get_by_text("Vi modtager data til Diagnosekodning")).to_be_visible()
    check_page(page, "11-status-green")

    # The data exchange overview shows what arrived.
    follow_menu(page, "Administrer")
    expect(page.get_by_text("Vi modtager data til Diagnosekodning").first).to_be_visible()
    check_page(page, "12-administer-data-arrived")

    # Rapporter: the tab names the day the report opens (two months after today's steps).
    follow_menu(page, "Rapporter")
    page.wait_for_url(re.compile(rf".*/klinik/{YDERNUMMER}/rapporter/diagnosekodning/$"))
    opens_on = add_months(timezone.localdate(), 2).strftime("%d.%m.%Y")
    expect(page.get_by_role("heading", name=f"Rapporten åbner {opens_on}")).to_be_visible()
    check_page(page, "13-report-not-open-yet")

    # Kom godt i gang: the guide's steps against the clinic's state.
    follow_menu(page, "Kom godt i gang")
    assert page.locator(".steps > li").count() == 6
    check_page(page, "14-help")

    # After the opening day: Karen's other clinic, onboarded three months ago. Its practice
    # system sends its courses through the API, dated from its enrolment on.
    first = other_enrolled_on + dt.timedelta(days=3)
    courses = [
        *(_record(f"S-{i}", first + dt.timedelta(days=i), "L90") for i in range(5)),
        *(
            _record(f"S-{i}", first + dt.timedelta(days=i), "L03", "low_back_pain")
            for i in range(5, 8)
        ),
        _record("S-8", first, "L86", "lumbar_radiculopathy"),
        # A knee osteoarthritis course coded L03: it belongs on the worklist.
        _record("S-MANGLER", first + dt.timedelta(days=9), "L03"),
    ]
    sent = vendor_api.post(f"/clinics/{OTHER_YDERNUMMER}/submissions", json={"records": courses})
    assert sent.status_code == 200, sent.text
    assert sent.json()["accepted"] == len(courses)

    # Karen's login reaches both clinics of her CVR.
    page.goto(f"{live_server.url}/klinik/")
    expect(page.get_by_role("link", name=re.compile("Fysioterapi Journeyby Syd"))).to_be_visible()
    check_page(page, "15-clinics-of-the-cvr")
    page.get_by_role("link", name=re.compile("Fysioterapi Journeyby Syd")).click()
    page.wait_for_url(re.compile(rf".*/klinik/{OTHER_YDERNUMMER}/$"))
    check_page(page, "16-other-clinic-menu")
    follow_menu(page, "Rapporter")
    page.wait_for_url(re.compile(rf".*/klinik/{OTHER_YDERNUMMER}/rapporter/diagnosekodning/$"))

    # The report is open and shows the clinic's own numbers: 5 of 10 coded courses are L90.
    top = page.locator("#tabel-top_codes")
    l90 = top.locator("tr", has=page.locator("th", has_text=re.compile(r"^L90$")))
    assert l90.locator("td").nth(1).inner_text() == "5"
    assert l90.locator("td").nth(2).inner_text() == "50,00"
    l03 = top.locator("tr", has=page.locator("th", has_text=re.compile(r"^L03$")))
    assert l03.locator("td").nth(1).inner_text() == "4"
    data_from = other_enrolled_on.strftime("%d.%m.%Y")
    expect(page.get_by_text(f"Data fra {data_from}", exact=False).first).to_be_visible()
    # The benchmark: with fewer than 5 contributing clinics there is no comparison, and the
    # page says so instead of showing figures.
    benchmark = page.locator("#sektion-benchmark")
    expect(benchmark.get_by_text("færre end 5 klinikker", exact=False).first).to_be_visible()
    # The worklist names the mis-coded course (shown to the clinic user, and audited).
    expect(page.locator("#tabel-worklist").get_by_text("S-MANGLER")).to_be_visible()
    viewed = AuditEvent.objects.filter(action="report.worklist_viewed", clinic=other_clinic)
    assert viewed.filter(actor_kind="clinic_user", actor_id=owner.sub).exists()
    check_page(page, "17-report-open")

    # The CSV download: UTF-8 with a byte-order mark, semicolons, the clinic's numbers.
    top_codes_csv = f"/klinik/{OTHER_YDERNUMMER}/rapporter/diagnosekodning/csv/top_codes/"
    with page.expect_download() as download_info:
        page.locator(f"a[href='{top_codes_csv}']").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".csv")
    raw = download.path().read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    text = raw.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("Kode;Diagnose;")
    assert any(line.startswith("L90;") and line.endswith(";5;50,00") for line in text.splitlines())

    # The print view: the same report without navigation.
    page.get_by_role("link", name="Udskriftsvenlig version").click()
    page.wait_for_url(re.compile(r".*/rapporter/diagnosekodning/print/$"))
    assert page.locator("nav").count() == 0
    printed_l90 = page.locator("#tabel-top_codes tr", has=page.locator("th", has_text="L90"))
    assert printed_l90.locator("td").nth(1).inner_text() == "5"
    # Checked on screen (wide tables scroll in a keyboard-reachable region) and as printed
    # (the print stylesheet lets wide tables run onto the paper instead).
    check_page(page, "18-report-print-screen")
    page.emulate_media(media="print")
    check_page(page, "18-report-print")
    page.emulate_media(media="screen")

    # English is one click away.
    page.goto(f"{live_server.url}/klinik/{YDERNUMMER}/")
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("link", name="Manage", exact=True).first).to_be_visible()
    check_page(page, "19-menu-english")


def test_direct_login_from_the_front_page(live_server, provider, new_page) -> None:
    from sentinel.clinics.models import Clinic

    clinic = Clinic.objects.create(
        ydernummer="845679",
        cvr=valid_cvr(845679),
        name="Klinik Direkte",
        speciale="51",
        municipality_code="0101",
        region_code="DK-84",
    )
    user = provider.add(
        DemoUser(
            sub=str(uuid.uuid4()),
            name="Jens Ejer",
            cvr=clinic.cvr,
            may_sign=True,
            assurance_level="high",
        )
    )
    page = new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/")
    check_page(page, "20-front")

    page.get_by_role("link", name="Log ind med MitID Erhverv").click()
    log_in_at_provider(page, user.sub)

    page.wait_for_url(re.compile(r".*/klinik/845679/$"))
    expect(page.get_by_text("Logget ind som Jens Ejer")).to_be_visible()
    check_page(page, "21-direct-login-menu")


def test_refused_login_and_used_launch_link_explain_themselves(
    live_server, provider, new_page
) -> None:
    page = new_page()
    page.goto(f"{live_server.url}/login/?next=/klinik/")
    log_in_at_provider(page, "not-a-person-uuid")
    page.wait_for_url(re.compile(r".*/login/fejl/$"))
    expect(page.get_by_role("heading", name="Login lykkedes ikke")).to_be_visible()
    check_page(page, "22-login-refused")

    page.goto(f"{live_server.url}/launch/no-such-token")
    expect(page.get_by_role("heading", name="Linket virker ikke")).to_be_visible()
    check_page(page, "23-launch-refused")


def test_csp_holds_in_the_browser(live_server, provider, new_page) -> None:
    """Without bypassing the policy: the pages load their stylesheet and break no rule."""
    page = new_page(bypass_csp=False)
    problems: list[str] = []
    page.on(
        "console",
        lambda m: problems.append(m.text) if "Content Security Policy" in m.text else None,
    )
    page.goto(f"{live_server.url}/")

    colour = page.evaluate(
        "() => getComputedStyle(document.querySelector('.button')).backgroundColor"
    )
    assert colour == "rgb(11, 79, 138)"  # the stylesheet loaded
    assert problems == []
    assert hashlib.sha256(page.content().encode()).hexdigest()  # the page rendered


def test_administer_tells_an_enrolled_clinic_what_a_new_specification_changed(
    live_server, provider, vendor, new_page
) -> None:
    """A new data specification version, published while the clinic is enrolled, is spelled
    out on Administrer (screenshot and axe for that state of the page)."""
    from urllib.parse import urlsplit

    from sentinel.clinics.launch import create_launch_link
    from sentinel.projects.actions import publish_specification

    owner = DemoUser(str(uuid.uuid4()), "Karen Klinikejer", valid_cvr(845681), True, "high")
    clinic, _enrolled_on = onboarded_three_months_ago(vendor, owner)
    project = Project.objects.get(code="diagnosekodning")
    v1 = project.specification().parsed
    effective = timezone.localdate() + dt.timedelta(days=30)
    publish_specification(
        by=Actor.system("tests"),
        project=project,
        spec=v1.as_json() | {"fields": [*v1.fields, "practitioner_initials"]},
        effective_from=effective,
    )
    url, _expires = create_launch_link(
        vendor=vendor, clinic=clinic, user_id="u-1", user_name="Ida Hansen"
    )

    page = new_page()
    page.goto(f"{live_server.url}{urlsplit(url).path}")
    follow_menu(page, "Administrer")
    page.wait_for_url(re.compile(r".*/administrer/$"))
    page.wait_for_load_state("load")

    expect(
        page.get_by_role("heading", name="Ændringer i, hvilke data der opsamles")
    ).to_be_visible()
    expect(page.get_by_text(f"Version 2 gælder fra {effective:%d.%m.%Y}:")).to_be_visible()
    expect(page.get_by_text("Opsamles nu også: Behandlerens initialer")).to_be_visible()
    check_page(page, "24-administer-specification-changed")
