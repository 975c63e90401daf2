"""The vendor door as outsiders meet it: a live server, a real credential and a clinic the
vendor serves, onboarded (DPA, consent, enrolment), so that fuzzing and the generated client
reach past the 401 and 404 answers into the pipeline."""

from __future__ import annotations

from tests.api.conftest import api, make_vendor_client, ready_clinic  # noqa: F401 - fixtures
