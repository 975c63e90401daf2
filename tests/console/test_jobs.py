"""Baggrundsjob in the console: every role sees each job's schedule, the queue and the runs —
a failed run shows as failed, with its error; only administrators queue a job now (audited)."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone
from django_q.models import OrmQ, Task

from sentinel.jobs.schedule import JOBS, ensure_schedules
from tests.console.conftest import staff_rows

pytestmark = pytest.mark.django_db
LIST = reverse("console:django_q_task_changelist")


def _failed_run() -> Task:
    return Task.objects.create(
        id="a" * 32,
        name="failed-run",
        func=JOBS["notices"].func,
        kwargs={},
        started=timezone.now(),
        stopped=timezone.now(),
        result="0 notices sent, 0 sent before, 1 failed (1 clinics with addresses)",
        success=False,
        attempt_count=2,
        group="notices",
    )


@pytest.mark.parametrize("role", ["support", "project_manager", "administrator"])
def test_every_role_sees_the_jobs_and_a_failed_run(console_client, role) -> None:
    client, _person = console_client(role)
    ensure_schedules()
    _failed_run()

    page = client.get(LIST)

    assert page.status_code == 200
    text = page.content.decode()
    assert "Job og tidsplan" in text
    assert "Beskeder til klinikkerne" in text and "dagligt kl. 07:00" in text
    assert "Sletning efter opbevaringstid" in text and "dagligt kl. 03:00" in text
    assert "Fejlede (prøves igen)" in text
    assert "1 failed (1 clinics with addresses)" in text
    assert ("Kør nu" in text) is (role == "administrator")


def test_an_administrator_queues_a_job_now(administrator) -> None:
    client, person = administrator

    response = client.post(reverse("console:django_q_task_run", args=["retention"]))

    assert response.status_code == 302
    (row,) = OrmQ.objects.all()
    assert row.task["func"] == JOBS["retention"].func
    (audit,) = staff_rows(person, "job.queued")
    assert audit.details["job"] == "retention"
    page = client.get(LIST).content.decode()
    assert "venter" in page


def test_support_may_not_queue_a_job_and_nothing_is_queued(support) -> None:
    client, _person = support
    response = client.post(reverse("console:django_q_task_run", args=["retention"]))
    assert response.status_code == 403
    assert not OrmQ.objects.exists()


def test_an_unknown_job_is_refused_and_nothing_is_queued(administrator) -> None:
    client, _person = administrator
    response = client.post(reverse("console:django_q_task_run", args=["nope"]), follow=True)
    assert "Jobbet findes ikke." in response.content.decode()
    assert not OrmQ.objects.exists()
