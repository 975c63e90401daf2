"""``sentinel notices send`` through a real SMTP server: each notice goes once to the addresses
that chose it, with the right text and link; an unverified or stopped address gets nothing; the
stop link works without a login; no patient data is in any mail."""

from __future__ import annotations

import datetime as dt
import io
import re
import uuid
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from sentinel.agreements.actions import Signer, publish_document
from sentinel.agreements.models import AssuranceLevel, DocumentKind
from sentinel.audit.actors import Actor
from sentinel.audit.models import AuditEvent
from sentinel.clinics.actions import activate
from sentinel.collection.pipeline import ingest
from sentinel.notices import contacts
from sentinel.notices.models import Notice
from tests.api.conftest import synthetic_cpr
from tests.factories import ClinicFactory, VendorFactory
from tests.mailserver import Mailbox, body, free_port, links
from tests.portal.conftest import activated, course, onboard

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def send(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("notices", "send", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def vendor(db):
    return VendorFactory(name="Journal A/S", support_phone="7010 2030")


@pytest.fixture
def clinic(vendor):
    """Enrolled 70 days ago (its report has opened); data arrived once, 40 days ago."""
    clinic = ClinicFactory(name="Fysio Nord")
    activate(
        by=Actor.vendor(vendor),
        vendor=vendor,
        clinic=clinic,
        at=timezone.now() - dt.timedelta(days=80),
    )
    onboard(clinic, on=TODAY - dt.timedelta(days=70))
    moment = timezone.now() - dt.timedelta(days=40)
    ingest(
        vendor=vendor,
        clinic=clinic,
        records=[course("forloeb-1", TODAY - dt.timedelta(days=45), patient_cpr=CPR)],
        now=moment,
    )
    return clinic


CPR = synthetic_cpr()


def _holds_patient_data(message) -> bool:
    raw = message.as_string()
    return (
        CPR in raw
        or bool(re.search(r"\b\d{6}-?\d{4}\b", body(message)))
        or "forloeb-1" in raw  # the course's own id
    )


@pytest.fixture(autouse=True)
def _every_mail_is_scanned_for_patient_data(smtp_server: Mailbox):
    """After every test here, whatever notice it sent (report, no data, versions, specification
    changes, vendor requests, digests, in either language): no CPR, no course id. (The
    server outlives each test's ``smtp``, which empties it first.)"""
    yield
    assert not [m["Subject"] for m in smtp_server.messages if _holds_patient_data(m)]


def owner_of(clinic) -> Signer:
    return Signer(uuid.uuid4(), "Klinikejer", clinic.cvr, AssuranceLevel.SUBSTANTIAL, True)


def add(clinic, smtp: Mailbox, capture, email: str, kinds: list[str], *, verify=True, **kw):
    """An address added by the owner and (unless ``verify`` is false) verified from its link."""
    with capture(execute=True):
        contact = contacts.add_contact(
            owner=owner_of(clinic), clinic=clinic, email=email, kinds=kinds, **kw
        )
    if verify:
        (message,) = smtp.to(email)
        (link,) = links(message)
        assert Client().post(urlsplit(link).path).status_code == 200
    smtp.clear()
    return contact


def test_each_notice_goes_once_to_the_addresses_that_chose_it(
    clinic, smtp, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    add(clinic, smtp, capture, "ejer@fysio-nord.dk", ["report_opened", "no_data"])
    add(clinic, smtp, capture, "kontor@fysio-nord.dk", ["new_version"])
    add(clinic, smtp, capture, "ny@fysio-nord.dk", ["report_opened", "no_data"], verify=False)

    out, err = send()
    first = list(smtp.messages)
    again, _ = send()

    subjects = sorted(m["Subject"] for m in first)
    assert subjects == [
        "Rapporten for Diagnosekodning er åben",
        "Sentinel modtager ikke data til Diagnosekodning",
    ]
    assert all(m["To"] == "ejer@fysio-nord.dk" for m in first)
    assert "2 notices sent, 0 sent before, 0 failed (1 clinics with addresses)" in out
    assert f"[1/1] {clinic.ydernummer}: 2 sent" in err
    assert len(smtp.messages) == 2  # the second run sent nothing
    assert "0 notices sent, 2 sent before" in again
    assert Notice.objects.filter(clinic=clinic).count() == 2
    assert AuditEvent.objects.filter(action="notices.sent", clinic=clinic).count() == 2


def test_the_no_data_notice_names_the_systemhus_with_its_phone(
    clinic, smtp, django_capture_on_commit_callbacks
):
    add(clinic, smtp, django_capture_on_commit_callbacks, "ejer@fysio-nord.dk", ["no_data"])

    send()

    (message,) = smtp.messages
    text = body(message)
    last = (TODAY - dt.timedelta(days=40)).strftime("%d.%m.%Y")
    assert "Vi har ikke modtaget data til Diagnosekodning i 40 dage" in text
    assert f"(senest {last})" in text
    assert "Kontakt Journal A/S, som sender data fra dit praksissystem." in text  # the check's
    assert "Jeres systemhus: Journal A/S, tlf. 7010 2030" in text
    assert "Sentinel support, tlf. 8844 3131" in text
    assert f"/klinik/{clinic.ydernummer}/status/" in text


def test_the_report_notice_links_to_the_report(clinic, smtp, django_capture_on_commit_callbacks):
    add(clinic, smtp, django_capture_on_commit_callbacks, "ejer@fysio-nord.dk", ["report_opened"])

    send()

    (message,) = smtp.messages
    report = [u for u in links(message) if "/rapporter/" in u]
    assert report and urlsplit(report[0]).path == (
        f"/klinik/{clinic.ydernummer}/rapporter/diagnosekodning/"
    )


def test_a_report_that_opened_long_before_the_address_is_not_news(
    vendor, smtp, django_capture_on_commit_callbacks
):
    clinic = activated(ClinicFactory(), vendor)
    onboard(clinic, on=TODAY - dt.timedelta(days=200))
    add(clinic, smtp, django_capture_on_commit_callbacks, "ejer@fysio-nord.dk", ["report_opened"])

    out, _ = send()

    assert not smtp.messages and "0 notices sent" in out


def test_a_new_dpa_version_is_announced_with_its_date_and_link(
    clinic, smtp, django_capture_on_commit_callbacks
):
    add(clinic, smtp, django_capture_on_commit_callbacks, "kontor@fysio-nord.dk", ["new_version"])
    nothing_yet, _ = send()
    document = publish_document(
        by=Actor.staff("ops"),
        kind=DocumentKind.DPA,
        title="Databehandleraftale",
        text="Ny tekst",
        published_on=TODAY,
    )

    send()
    send()

    (message,) = smtp.messages
    text = body(message)
    assert "0 notices sent" in nothing_yet
    assert message["Subject"] == "Ny version af databehandleraftalen skal underskrives"
    assert f"Version {document.version} af databehandleraftalen gælder fra " in text
    assert TODAY.strftime("%d.%m.%Y") in text
    assert f"/klinik/{clinic.ydernummer}/databehandleraftale/" in text


def test_an_english_address_gets_english_notices(clinic, smtp, django_capture_on_commit_callbacks):
    add(
        clinic,
        smtp,
        django_capture_on_commit_callbacks,
        "owner@fysio-nord.dk",
        ["no_data"],
        language="en",
    )

    send()

    (message,) = smtp.messages
    assert message["Subject"] == "Sentinel receives no data for Diagnosekodning"
    assert "Practice system vendor: Journal A/S, phone 7010 2030" in body(message)


def test_the_stop_link_stops_the_notices_without_a_login(
    clinic, smtp, django_capture_on_commit_callbacks
):
    add(clinic, smtp, django_capture_on_commit_callbacks, "ejer@fysio-nord.dk", ["no_data"])
    send()
    (message,) = smtp.messages
    stop = urlsplit(links(message)[-1]).path
    browser = Client(enforce_csrf_checks=True)

    shown = browser.get(stop)
    stopped = browser.post(stop)
    smtp.clear()
    publish_document(
        by=Actor.staff("ops"), kind=DocumentKind.DPA, title="DPA", text="v2", published_on=TODAY
    )
    out, _ = send()

    assert "".join(str(message["List-Unsubscribe"]).split()) == f"<{links(message)[-1]}>"
    assert shown.status_code == 200 and "Stop beskederne" in shown.content.decode()
    assert stopped.status_code == 200 and "får ikke flere beskeder" in stopped.content.decode()
    assert not smtp.messages and "0 clinics with addresses" in out
    assert AuditEvent.objects.filter(action="notices.contact_stopped", clinic=clinic).exists()


def test_a_forged_stop_link_stops_nothing(client):
    assert client.post("/beskeder/stop/forged-token/").status_code == 404


def test_no_mail_holds_patient_data(clinic, smtp, django_capture_on_commit_callbacks):
    capture = django_capture_on_commit_callbacks
    add(clinic, smtp, capture, "ejer@fysio-nord.dk", ["report_opened", "no_data", "new_version"])
    send()
    publish_document(
        by=Actor.staff("ops"), kind=DocumentKind.CONSENT, title="S", text="v2", published_on=TODAY
    )

    send()

    assert len(smtp.messages) == 3
    for message in smtp.messages:
        raw = message.as_string()
        assert CPR not in raw and CPR.replace("-", "") not in raw
        assert not re.search(r"\b\d{6}-?\d{4}\b", body(message))
        assert "forloeb-1" not in raw and "L90" not in raw


def test_a_mail_the_server_does_not_take_is_not_recorded_and_goes_next_time(
    clinic, smtp, settings, django_capture_on_commit_callbacks
):
    add(clinic, smtp, django_capture_on_commit_callbacks, "ejer@fysio-nord.dk", ["no_data"])
    settings.EMAIL_PORT = free_port()  # nothing listens there
    err = io.StringIO()

    with pytest.raises(SystemExit) as refused:
        call_command("notices", "send", stdout=io.StringIO(), stderr=err)
    recorded = Notice.objects.count()
    settings.EMAIL_PORT = smtp.port
    out, _ = send()

    assert refused.value.code == 1
    assert "1 notices could not be delivered" in err.getvalue()
    assert recorded == 0
    assert "1 notices sent" in out and len(smtp.messages) == 1


def test_when_no_data_ever_arrived_the_notice_sends_the_clinic_to_sentinel_support_first(
    vendor, smtp, django_capture_on_commit_callbacks
):
    clinic = ClinicFactory()
    activate(
        by=Actor.vendor(vendor),
        vendor=vendor,
        clinic=clinic,
        at=timezone.now() - dt.timedelta(days=80),
    )
    onboard(clinic, on=TODAY - dt.timedelta(days=30))
    add(clinic, smtp, django_capture_on_commit_callbacks, "ejer@fysio-nord.dk", ["no_data"])

    send()
    send()

    (message,) = smtp.messages
    text = body(message)
    assert "men vi har ikke modtaget data fra dit praksissystem siden tilmeldingen" in text
    assert "Kontakt Sentinel supporten" in text
    assert "Jeres systemhus: Journal A/S, tlf. 7010 2030" in text


def test_a_specification_change_is_told_once_with_what_changes_and_from_when(
    clinic, smtp, django_capture_on_commit_callbacks
) -> None:
    from sentinel.projects.models import Project
    from sentinel.projects.publishing import publish_specification_version

    add(clinic, smtp, django_capture_on_commit_callbacks, "ejer@fysio-nord.dk", ["spec_changed"])
    project = Project.objects.get(code="diagnosekodning")
    spec = dict(project.specifications.order_by("-version").first().spec)
    spec["fields"] = [f for f in spec["fields"] if f != "end_date"]  # narrows
    spec["specialities"] = ["51"]
    effective = TODAY + dt.timedelta(days=14)
    publish_specification_version(
        by=Actor.system("tests"), project=project, spec=spec, effective_from=effective
    )

    send()
    send()

    (mail,) = smtp.messages
    subject = str(mail["Subject"]).strip()  # the parser keeps a space of the folded header
    assert subject == f"Diagnosekodning: hvad der indsamles, ændres fra {effective:%d.%m.%Y}"
    text = body(mail)
    assert f"Fra {effective:%d.%m.%Y} gælder version 2 af dataspecifikationen" in text
    assert "Felter: - end_date" in text
    assert "Specialer: - 57" in text
    assert CPR not in text and "forloeb-1" not in text
    assert Notice.objects.filter(clinic=clinic, kind="spec_changed").count() == 1


def test_a_vendor_request_is_told_once(clinic, smtp, django_capture_on_commit_callbacks) -> None:
    from sentinel.collection.approvals import request_activation

    add(clinic, smtp, django_capture_on_commit_callbacks, "ejer@fysio-nord.dk", ["vendor_request"])
    other = VendorFactory(name="Nyt Journalsystem ApS")
    request_activation(
        vendor=other,
        ydernummer=clinic.ydernummer,
        cvr=clinic.cvr,
        name=clinic.name,
        speciale="51",
    )

    send()
    send()

    (mail,) = smtp.messages
    assert (
        str(mail["Subject"]).strip() == "Nyt Journalsystem ApS beder om at overføre klinikkens data"
    )
    text = body(mail)
    assert f"har {TODAY:%d.%m.%Y} bedt om at overføre" in text
    assert f"/klinik/{clinic.ydernummer}/administrer/" in text
    assert Notice.objects.filter(clinic=clinic, kind="vendor_request").count() == 1


def test_the_quarterly_digest_says_the_report_headline_once_per_quarter(
    clinic, smtp, django_capture_on_commit_callbacks
) -> None:
    from sentinel.notices.periodic import last_quarter
    from sentinel.projects.models import Project
    from sentinel.reports.engine import build_report
    from sentinel.reports.periods import Period

    add(clinic, smtp, django_capture_on_commit_callbacks, "ejer@fysio-nord.dk", ["digest"])
    # The first days of the quarter after the one the clinic's course is in.
    month = 3 * ((TODAY.month - 1) // 3) + 1
    next_quarter = dt.date(TODAY.year + (month == 10), (month + 3 - 1) % 12 + 1, 1)
    on = next_quarter + dt.timedelta(days=2)
    start, end, quarter = last_quarter(on)
    project = Project.objects.get(code="diagnosekodning")
    report = build_report(clinic, project, Period.months(start, end), on)
    assert report.is_open and report.headline

    send("--date", on.isoformat())
    send("--date", (on + dt.timedelta(days=1)).isoformat())
    send("--date", (next_quarter + dt.timedelta(days=20)).isoformat())  # too late: no digest

    (mail,) = smtp.messages
    label = f"{(start.month - 1) // 3 + 1}. kvartal {start.year}"
    assert str(mail["Subject"]).strip() == f"Diagnosekodning: klinikkens tal for {label}"
    text = body(mail)
    for figure in report.headline:
        assert f"- {figure.indicator.label_da}: " in text
        assert figure.change_da in text
    assert f"period=range&from={start:%Y-%m}&to={end:%Y-%m}" in text
    assert CPR not in text and "forloeb-1" not in text
    assert (
        Notice.objects.get(clinic=clinic, kind="digest").occasion
        == f"digest:{project.code}:{quarter}"
    )
