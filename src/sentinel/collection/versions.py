"""The version rule of a course resent at the version already stored (the pipeline's step 4).

The same version again is a replay — accepted, nothing new stored — only when nothing the
project collects differs; a change without a higher version is the vendor's mistake, answered
``stale_version`` with the version to send, never a 200 that stores nothing."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sentinel.collection.validation import Valid
from sentinel.projects.models import DataSpecification


def changed_at_the_same_version(
    events: set[tuple[str, dt.datetime]],
    verification: dict[tuple[str, dt.datetime], str],
    row: dict[str, Any],
    specification: DataSpecification,
    record: Valid,
) -> str:
    """What of the course the project collects differs from the stored row ('' if nothing)."""
    fields = specification.parsed.fields
    if "diagnoses" in fields:
        sent = {(d.code, d.recorded_at) for d in record.diagnoses}
        if sent - events:
            return "diagnosis history"
        if any(
            verification.get((d.code, d.recorded_at), "") != d.verification_status
            for d in record.diagnoses
        ):
            return "verification_status of a diagnosis"
    if "end_date" in fields and record.end != row.get("end_date"):
        return "end_date"
    if "course_type" in fields and (record.raw.get("course_type") or "") != (
        row.get("course_type") or ""
    ):
        return "course_type"
    return ""
