"""``sentinel worker`` runs queued jobs in processes of its own, on both databases: a job that
fails is recorded as failed and tried again; a worker killed in the middle of a job (SIGKILL to
its whole process group, as a crash or the OOM killer would) loses nothing — the next worker
runs the job again and it completes, once."""

from __future__ import annotations

import os
import signal

import pytest

from tests.jobs.conftest import wait_for

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

ARRANGE = """
import datetime as dt
from django.utils import timezone
from sentinel.audit.actors import Actor
from sentinel.clinics.actions import activate
from sentinel.notices.models import Contact
from tests.factories import ClinicFactory, VendorFactory
from tests.portal.conftest import onboard

today = timezone.localdate()
vendor = VendorFactory(name="Journal A/S", support_phone="7010 2030")
clinic = ClinicFactory(name="Fysio Nord", ydernummer="812001")
activate(by=Actor.vendor(vendor), vendor=vendor, clinic=clinic,
         at=timezone.now() - dt.timedelta(days=80))
onboard(clinic, on=today - dt.timedelta(days=70))
Contact.objects.create(clinic=clinic, email="ejer@fysio-nord.dk", kinds=["no_data"],
                       verified_at=timezone.now())
"""

COUNT_NOTICES = (
    "from sentinel.notices.models import Notice; print('notices', Notice.objects.count())"
)


def test_a_failed_and_a_killed_job_are_tried_again_and_complete_once(
    deployment, scripted_smtp
) -> None:
    smtp = scripted_smtp(["refuse", "hold"])
    deployment.env.update(SENTINEL_SMTP_HOST=smtp.host, SENTINEL_SMTP_PORT=str(smtp.port))
    deployment.shell(ARRANGE)
    job_id = deployment.ok("jobs", "run", "notices").strip()
    assert len(job_id) == 32

    # The first attempt: the SMTP server refuses the mail, the job fails and stays queued.
    first = deployment.start_worker("worker-1.log")
    wait_for("the first attempt", lambda: smtp.attempts >= 1)
    wait_for(
        "the failure to be recorded",
        lambda: "Failed 'sentinel.jobs.tasks.send_notices'" in deployment.log("worker-1.log"),
    )
    listing = deployment.ok("jobs")
    assert "FAILED  attempts 1  0 notices sent, 0 sent before, 1 failed" in listing, listing
    assert "queue: 1" in listing, listing

    # The second attempt hangs in the middle of handing over the mail: kill the worker.
    wait_for("the second attempt to reach the SMTP server", smtp.held.is_set)
    os.killpg(first.pid, signal.SIGKILL)
    first.wait(timeout=30)
    smtp.released.set()
    assert smtp.delivered == []
    listing = deployment.ok("jobs")
    assert "queue: 1" in listing, listing  # not lost

    # A new worker takes the job again once its hold has lapsed, and it completes.
    second = deployment.start_worker("worker-2.log")
    wait_for("the mail", lambda: len(smtp.delivered) == 1)
    wait_for(
        "the job to be recorded as done",
        lambda: "Processed 'sentinel.jobs.tasks.send_notices'" in deployment.log("worker-2.log"),
    )
    os.killpg(second.pid, signal.SIGTERM)
    second.wait(timeout=60)

    listing = deployment.ok("jobs")
    assert "ok  attempts 2  1 notices sent, 0 sent before, 0 failed" in listing, listing
    assert "queue: 0" in listing, listing
    assert "FAILED" not in listing  # the run's record now says it completed
    (mail,) = smtp.delivered
    assert mail["To"] == "ejer@fysio-nord.dk"
    assert mail["Subject"] == "Sentinel modtager ikke data til Diagnosekodning"
    assert "notices 1" in deployment.shell(COUNT_NOTICES)
    assert smtp.attempts == 3
    assert "Traceback" not in deployment.log("worker-2.log")
