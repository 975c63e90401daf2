"""The collected data's keys, held by the database whatever writes the rows: a diagnosis event
belongs to an episode of its own clinic (``event_of_the_clinics_episode``, one composite
foreign key in place of two single ones)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from sentinel.collection import rows
from sentinel.collection.models import DiagnosisEvent, Episode
from sentinel.collection.rows import EVENT_COLUMNS
from tests.factories import ClinicFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def _episode(clinic, project, vendor) -> Episode:
    now = timezone.now()
    return Episode.objects.create(
        clinic=clinic,
        project=project,
        vendor=vendor,
        source_id="E-1",
        version=1,
        specification_version=1,
        start_date=dt.date(2026, 1, 12),
        received_at=now,
        updated_at=now,
    )


def _insert_event(clinic_id: int, episode_id: int) -> None:
    """As the pipeline writes events: plain rows (COPY on PostgreSQL), no model in between."""
    with transaction.atomic():
        rows.insert_rows(
            DiagnosisEvent,
            EVENT_COLUMNS,
            [(clinic_id, episode_id, "L03", timezone.now(), "clinician", "")],
        )


def test_diagnosis_event_of_its_clinics_episode_is_stored(clinic, project, vendor):
    episode = _episode(clinic, project, vendor)

    _insert_event(clinic.pk, episode.pk)

    assert list(DiagnosisEvent.objects.values_list("clinic_id", "episode_id")) == [
        (clinic.pk, episode.pk)
    ]


def test_diagnosis_event_of_another_clinics_episode_is_refused(clinic, project, vendor):
    episode = _episode(clinic, project, vendor)
    other = ClinicFactory()

    with pytest.raises(IntegrityError):
        _insert_event(other.pk, episode.pk)

    assert not DiagnosisEvent.objects.exists()


def test_diagnosis_event_of_no_episode_is_refused(clinic, project, vendor):
    episode = _episode(clinic, project, vendor)

    with pytest.raises(IntegrityError):
        _insert_event(clinic.pk, episode.pk + 1000)

    assert not DiagnosisEvent.objects.exists()


def test_episode_with_diagnosis_events_is_deleted_with_them(clinic, project, vendor):
    episode = _episode(clinic, project, vendor)
    _insert_event(clinic.pk, episode.pk)

    episode.delete()

    assert not DiagnosisEvent.objects.exists()
