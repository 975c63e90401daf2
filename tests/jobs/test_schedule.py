"""The job schedules on a controlled clock (time-machine): each scheduled job is queued when
its time has come — not a second before, once per slot — and runs through the job runner's
own worker and monitor code with its slot's moment, on both databases."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone
from django_q.conf import Conf
from django_q.models import Schedule, Task
from django_q.scheduler import scheduler

from sentinel.audit.actors import Actor
from sentinel.clinics.actions import activate
from sentinel.jobs.schedule import JOBS, ensure_schedules
from sentinel.notices.models import Contact, Notice
from tests.factories import ClinicFactory, VendorFactory
from tests.portal.conftest import onboard

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def local(day: dt.date, hour: int, minute: int = 0, second: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute, second)))


def notice_runs() -> list[Task]:
    return list(Task.objects.filter(func=JOBS["notices"].func).order_by("started"))


@pytest.fixture
def silent_clinic(db):
    """Enrolled 70 days ago, no data ever: the no-data notice is due; its owner's address
    chose it."""
    vendor = VendorFactory(name="Journal A/S", support_phone="7010 2030")
    clinic = ClinicFactory(name="Fysio Nord")
    activate(
        by=Actor.vendor(vendor),
        vendor=vendor,
        clinic=clinic,
        at=timezone.now() - dt.timedelta(days=80),
    )
    onboard(clinic, on=TODAY - dt.timedelta(days=70))
    Contact.objects.create(
        clinic=clinic, email="ejer@fysio-nord.dk", kinds=["no_data"], verified_at=timezone.now()
    )
    return clinic


def test_the_notices_job_runs_at_its_time_once_per_day(
    silent_clinic, smtp, settings, monkeypatch
) -> None:
    settings.SENTINEL_NOTICES_AT = "07:00"
    settings.SENTINEL_BENCHMARK_REFRESH_SECONDS = 0
    # Run queued jobs in this process, through the job runner's worker and monitor.
    monkeypatch.setattr(Conf, "SYNC", True)

    with time_machine.travel(local(TODAY, 6), tick=False):
        ensure_schedules()
        scheduler()
    with time_machine.travel(local(TODAY, 6, 59, 59), tick=False):
        scheduler()
    assert notice_runs() == []
    assert smtp.messages == []

    with time_machine.travel(local(TODAY, 7, 0, 1), tick=False):
        scheduler()
    (run,) = notice_runs()
    assert run.success, run.result
    assert run.result == "1 notices sent, 0 sent before, 0 failed (1 clinics with addresses)"
    assert list(run.kwargs) == ["scheduled_for"]
    assert dt.datetime.fromisoformat(run.kwargs["scheduled_for"]) == local(TODAY, 7)
    assert [m["Subject"] for m in smtp.messages] == [
        "Sentinel modtager ikke data til Diagnosekodning"
    ]
    schedule = Schedule.objects.get(name="sentinel.notices")
    assert schedule.next_run == local(TODAY + dt.timedelta(days=1), 7)

    with time_machine.travel(local(TODAY, 23, 59), tick=False):
        scheduler()
    assert len(notice_runs()) == 1  # once per slot

    with time_machine.travel(local(TODAY + dt.timedelta(days=1), 7, 0, 1), tick=False):
        scheduler()
    runs = notice_runs()
    assert len(runs) == 2
    assert runs[1].result.startswith("0 notices sent, 1 sent before")  # once per occasion
    assert len(smtp.messages) == 1
    assert Notice.objects.filter(clinic=silent_clinic).count() == 1


def test_a_missed_slot_runs_once_when_the_worker_is_back(
    silent_clinic, smtp, settings, monkeypatch
) -> None:
    settings.SENTINEL_BENCHMARK_REFRESH_SECONDS = 0
    monkeypatch.setattr(Conf, "SYNC", True)
    with time_machine.travel(local(TODAY, 6), tick=False):
        ensure_schedules()
    # Down for three days: one run on return, and the next slot is in the future.
    back = TODAY + dt.timedelta(days=3)
    with time_machine.travel(local(back, 12), tick=False):
        scheduler()
        scheduler()
    assert len(notice_runs()) == 1
    schedule = Schedule.objects.get(name="sentinel.notices")
    assert schedule.next_run == local(back + dt.timedelta(days=1), 7)


def test_ensure_schedules_follows_the_settings_and_keeps_the_next_run(settings) -> None:
    settings.SENTINEL_BENCHMARK_REFRESH_SECONDS = 600
    now = local(TODAY, 6)
    first = {s.name: s.next_run for s in ensure_schedules(now)}
    assert first == {
        "sentinel.notices": local(TODAY, 7),
        "sentinel.retention": local(TODAY + dt.timedelta(days=1), 3),
        "sentinel.benchmark": now + dt.timedelta(minutes=10),
    }
    # A restart moves nothing.
    assert {s.name: s.next_run for s in ensure_schedules(now + dt.timedelta(hours=2))} == first
    # A changed time starts at its next slot; a benchmark interval of 0 is no schedule.
    settings.SENTINEL_NOTICES_AT = "06:30"
    settings.SENTINEL_BENCHMARK_REFRESH_SECONDS = 0
    again = {s.name: s.next_run for s in ensure_schedules(now)}
    assert again["sentinel.notices"] == local(TODAY, 6, 30)
    assert "sentinel.benchmark" not in again
    assert not Schedule.objects.filter(name="sentinel.benchmark").exists()
    assert Schedule.objects.count() == 2


def test_a_bad_time_setting_is_a_configuration_error(settings) -> None:
    from django.core.exceptions import ImproperlyConfigured

    settings.SENTINEL_RETENTION_AT = "3 am"
    with pytest.raises(ImproperlyConfigured, match="SENTINEL_RETENTION_AT must be a time HH:MM"):
        ensure_schedules()
