"""Actions: validation with clear errors, history kept, and one audit row per action."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction

from sentinel.agreements.actions import approve_consent, publish_document, sign_dpa
from sentinel.agreements.models import AssuranceLevel, Document, DocumentKind, DpaSignature
from sentinel.agreements.services import Standing, agreement_state
from sentinel.audit.models import AppendOnlyError, AuditEvent
from sentinel.clinics.actions import activate, create_vendor, deactivate, register_clinic
from sentinel.clinics.models import Activation, Clinic
from sentinel.lib.errors import DomainError
from sentinel.projects.actions import enrol, publish_specification, unenrol
from sentinel.projects.models import Enrolment
from tests.conftest import SYSTEM, at
from tests.factories import valid_cvr

DAY = dt.date(2026, 2, 2)


def clinic_fields(**overrides):
    fields = {
        "ydernummer": "812345",
        "cvr": valid_cvr(4242),
        "name": "Testklinik",
        "speciale": "51",
        "municipality_code": "0751",
    }
    return {**fields, **overrides}


# --- clinics -----------------------------------------------------------------------------


def test_register_clinic_derives_region_from_municipality_and_audits(db):
    clinic = register_clinic(by=SYSTEM, **clinic_fields())

    assert clinic.region_code == "DK-82"  # Aarhus lies in Region Midtjylland
    event = AuditEvent.objects.get(action="clinic.registered")
    assert event.clinic == clinic
    assert event.actor_id == "tests"


@pytest.mark.parametrize(
    ("overrides", "code", "message"),
    [
        ({"cvr": "12345678"}, "invalid_cvr", "modulus-11"),
        ({"cvr": "1234"}, "invalid_cvr", "exactly 8 digits"),
        ({"ydernummer": "12345"}, "invalid_ydernummer", "exactly 6 digits"),
        ({"municipality_code": "9999"}, "invalid_municipality_code", "unknown municipality"),
        ({"speciale": "99"}, "invalid_speciale", "not a valid choice"),
        ({"sor_id": "123"}, "invalid_sor_id", "11 to 18 digits"),
        ({"region_code": "DK-81"}, "invalid_municipality_code", "lies in DK-82"),
    ],
)
def test_register_clinic_rejects_bad_input_and_stores_nothing(db, overrides, code, message):
    with pytest.raises(DomainError) as exc:
        register_clinic(by=SYSTEM, **clinic_fields(**overrides))

    assert exc.value.code == code
    assert message in str(exc.value)
    assert not Clinic.objects.exists()
    assert not AuditEvent.objects.filter(action="clinic.registered").exists()


def test_register_clinic_rejects_a_duplicate_ydernummer(db):
    register_clinic(by=SYSTEM, **clinic_fields())

    with pytest.raises(DomainError, match="ydernummer"):
        register_clinic(by=SYSTEM, **clinic_fields(cvr=valid_cvr(7)))
    assert Clinic.objects.count() == 1


def test_activation_history_is_kept_and_activate_is_idempotent(clinic, vendor):
    first = activate(by=SYSTEM, vendor=vendor, clinic=clinic, at=at(DAY))
    assert activate(by=SYSTEM, vendor=vendor, clinic=clinic) == first
    deactivate(by=SYSTEM, vendor=vendor, clinic=clinic, at=at(DAY + dt.timedelta(5)))
    assert deactivate(by=SYSTEM, vendor=vendor, clinic=clinic) is None
    activate(by=SYSTEM, vendor=vendor, clinic=clinic, at=at(DAY + dt.timedelta(9)))

    periods = list(Activation.objects.filter(clinic=clinic).order_by("activated_at"))
    assert [p.is_active for p in periods] == [False, True]
    actions = list(
        AuditEvent.objects.filter(clinic=clinic).order_by("id").values_list("action", flat=True)
    )
    assert actions == ["activation.activated", "activation.deactivated", "activation.activated"]


def test_one_open_activation_per_clinic_and_vendor_is_enforced_by_the_database(clinic, vendor):
    Activation.objects.create(clinic=clinic, vendor=vendor)
    with pytest.raises(IntegrityError), transaction.atomic():
        Activation.objects.create(clinic=clinic, vendor=vendor)


# --- agreements --------------------------------------------------------------------------


def test_migration_publishes_sample_dpa_and_consent_v1(db):
    for kind in DocumentKind.values:
        document = Document.objects.get(kind=kind, version=1)
        assert document.is_sample
        assert "EKSEMPEL" in document.text
        assert len(document.sha256) == 64


def test_sign_dpa_records_who_when_which_version_and_channel(clinic, signer):
    signature = sign_dpa(clinic=clinic, signer=signer, channel="sundhed_dk", at=at(DAY))

    assert signature.document.version == 1
    assert signature.signer_uuid == signer.person_uuid
    assert signature.signer_cvr == clinic.cvr
    assert signature.channel == "sundhed_dk"
    event = AuditEvent.objects.get(action="dpa.signed")
    assert event.actor_kind == "clinic_user"
    assert event.actor_id == str(signer.person_uuid)
    assert event.details["sha256"] == signature.document.sha256
    assert sign_dpa(clinic=clinic, signer=signer, channel="sentinel") == signature
    assert AuditEvent.objects.filter(action="dpa.signed").count() == 1


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"cvr": "00000000"}, "wrong_cvr"),
        ({"may_sign": False}, "no_signing_right"),
        ({"assurance_level": AssuranceLevel.LOW}, "assurance_too_low"),
    ],
)
@pytest.mark.parametrize("sign", [sign_dpa, approve_consent])
def test_signing_is_refused_without_the_right_login_and_stores_nothing(
    clinic, signer, change, code, sign
):
    with pytest.raises(DomainError) as exc:
        sign(clinic=clinic, signer=dataclasses.replace(signer, **change), channel="sentinel")

    assert exc.value.code == code
    assert exc.value.message_da  # the portal shows the Danish text
    assert not DpaSignature.objects.exists()
    assert not AuditEvent.objects.filter(clinic=clinic).exists()


def test_signing_with_an_unknown_channel_is_refused(clinic, signer):
    with pytest.raises(DomainError, match="unknown channel"):
        sign_dpa(clinic=clinic, signer=signer, channel="fax")


def test_publishing_a_new_version_makes_the_old_signature_outdated(clinic, signer):
    sign_dpa(clinic=clinic, signer=signer, channel="sentinel", at=at(DAY))
    v2 = publish_document(
        by=SYSTEM, kind="dpa", title="DPA v2", text="Ny aftale", published_on=DAY + dt.timedelta(7)
    )

    assert agreement_state(clinic, "dpa", DAY + dt.timedelta(6)).standing is Standing.CURRENT
    outdated = agreement_state(clinic, "dpa", DAY + dt.timedelta(7))
    assert outdated.standing is Standing.OUTDATED
    assert outdated.current_document == v2
    assert v2.version == 2
    assert AuditEvent.objects.filter(action="document.published", object_id=str(v2.pk)).exists()

    signature = sign_dpa(
        clinic=clinic, signer=signer, channel="sentinel", at=at(DAY + dt.timedelta(8))
    )
    assert signature.document == v2
    assert agreement_state(clinic, "dpa", DAY + dt.timedelta(8)).standing is Standing.CURRENT
    # The first signature still dates the start (the report clock does not restart).
    assert agreement_state(clinic, "dpa", DAY + dt.timedelta(8)).first_signed_at == at(DAY)


def test_publish_document_refuses_empty_text(db):
    with pytest.raises(DomainError, match="needs its text"):
        publish_document(by=SYSTEM, kind="consent", title="x", text="  ", published_on=DAY)
    assert Document.objects.filter(kind="consent").count() == 1


# --- projects and enrolment -------------------------------------------------------------


def test_enrol_unenrol_re_enrol_keeps_every_period(clinic, project, signer):
    enrol(by=signer.actor, clinic=clinic, project=project, on=DAY)
    unenrol(by=signer.actor, clinic=clinic, project=project, on=DAY + dt.timedelta(30))
    enrol(by=signer.actor, clinic=clinic, project=project, on=DAY + dt.timedelta(45))

    periods = list(
        Enrolment.objects.filter(clinic=clinic, project=project)
        .order_by("enrolled_on")
        .values_list("enrolled_on", "unenrolled_on")
    )
    assert periods == [(DAY, DAY + dt.timedelta(30)), (DAY + dt.timedelta(45), None)]
    covering = Enrolment.objects.filter(clinic=clinic).covering
    assert covering(DAY + dt.timedelta(29)).exists()
    assert not covering(DAY + dt.timedelta(30)).exists()  # unenrolment day is excluded
    assert not covering(DAY + dt.timedelta(44)).exists()
    assert covering(DAY + dt.timedelta(45)).exists()
    actions = list(
        AuditEvent.objects.filter(clinic=clinic).order_by("id").values_list("action", flat=True)
    )
    assert actions == ["enrolment.enrolled", "enrolment.unenrolled", "enrolment.enrolled"]


def test_enrol_twice_is_refused_with_the_enrolment_date(clinic, project, signer):
    enrol(by=signer.actor, clinic=clinic, project=project, on=DAY)

    with pytest.raises(DomainError) as exc:
        enrol(by=signer.actor, clinic=clinic, project=project, on=DAY + dt.timedelta(1))

    assert exc.value.code == "already_enrolled"
    assert "02.02.2026" in exc.value.message_da
    assert Enrolment.objects.filter(clinic=clinic).count() == 1


def test_unenrol_when_not_enrolled_is_refused(clinic, project, signer):
    with pytest.raises(DomainError) as exc:
        unenrol(by=signer.actor, clinic=clinic, project=project)
    assert exc.value.code == "not_enrolled"
    assert not AuditEvent.objects.filter(action="enrolment.unenrolled").exists()


def test_dates_cannot_run_backwards(clinic, project, signer):
    enrol(by=signer.actor, clinic=clinic, project=project, on=DAY)
    with pytest.raises(DomainError, match="before the enrolment date"):
        unenrol(by=signer.actor, clinic=clinic, project=project, on=DAY - dt.timedelta(1))
    unenrol(by=signer.actor, clinic=clinic, project=project, on=DAY + dt.timedelta(10))
    with pytest.raises(DomainError, match="cannot start before the last unenrolment"):
        enrol(by=signer.actor, clinic=clinic, project=project, on=DAY + dt.timedelta(9))


def test_enrol_in_an_unpublished_project_is_refused(clinic, project, signer):
    project.is_published = False
    project.save()
    with pytest.raises(DomainError) as exc:
        enrol(by=signer.actor, clinic=clinic, project=project)
    assert exc.value.code == "project_not_published"


def test_diagnosekodning_exists_with_its_specification(project):
    specification = project.specification(dt.date(2026, 1, 1))
    assert specification.version == 1
    spec = specification.parsed
    assert spec.record_types == ("episode",)
    assert "diagnoses" in spec.fields
    assert "practitioner_initials" not in spec.fields
    assert project.first_report_delay_months == 2


def test_publish_specification_versions_and_validates(project):
    new = publish_specification(
        by=SYSTEM,
        project=project,
        spec={"record_types": ["episode"], "fields": ["diagnoses"], "specialities": ["51"]},
        effective_from=dt.date(2027, 1, 1),
    )
    assert new.version == 2
    assert project.specification(dt.date(2026, 12, 31)).version == 1
    assert project.specification(dt.date(2027, 1, 1)).version == 2
    with pytest.raises(DomainError, match="shoe_size"):
        publish_specification(
            by=SYSTEM,
            project=project,
            spec={"record_types": ["episode"], "fields": ["shoe_size"], "specialities": ["51"]},
            effective_from=dt.date(2027, 1, 1),
        )
    assert project.specifications.count() == 2


# --- audit --------------------------------------------------------------------------------


def test_every_action_writes_exactly_one_audit_row(clinic, vendor, signer, project):
    steps = [
        ("vendor.created", lambda: create_vendor(by=SYSTEM, slug="v-audit", name="V")),
        ("activation.activated", lambda: activate(by=SYSTEM, vendor=vendor, clinic=clinic)),
        ("activation.deactivated", lambda: deactivate(by=SYSTEM, vendor=vendor, clinic=clinic)),
        ("dpa.signed", lambda: sign_dpa(clinic=clinic, signer=signer, channel="sentinel")),
        (
            "consent.approved",
            lambda: approve_consent(clinic=clinic, signer=signer, channel="sentinel"),
        ),
        ("enrolment.enrolled", lambda: enrol(by=SYSTEM, clinic=clinic, project=project)),
        ("enrolment.unenrolled", lambda: unenrol(by=SYSTEM, clinic=clinic, project=project)),
        (
            "document.published",
            lambda: publish_document(by=SYSTEM, kind="dpa", title="t", text="x", published_on=DAY),
        ),
        (
            "specification.published",
            lambda: publish_specification(
                by=SYSTEM,
                project=project,
                spec={"record_types": ["episode"], "fields": [], "specialities": ["51"]},
                effective_from=DAY,
            ),
        ),
    ]
    for action, run in steps:
        before = AuditEvent.objects.filter(action=action).count()
        run()
        assert AuditEvent.objects.filter(action=action).count() == before + 1, action


def test_audit_rows_cannot_be_changed_or_deleted(clinic, vendor):
    activate(by=SYSTEM, vendor=vendor, clinic=clinic)
    event = AuditEvent.objects.get(action="activation.activated")

    event.actor_name = "someone else"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().update(actor_name="x")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="database trigger on PostgreSQL")
def test_audit_rows_are_protected_by_the_database_on_postgresql(clinic, vendor):
    activate(by=SYSTEM, vendor=vendor, clinic=clinic)
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("UPDATE audit_auditevent SET actor_name = 'x'")
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("DELETE FROM audit_auditevent")


def test_an_action_that_fails_leaves_no_audit_row(clinic, signer, project, monkeypatch):
    import sentinel.projects.actions as project_actions

    def broken_record(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(project_actions, "record", broken_record)
    with pytest.raises(RuntimeError):
        enrol(by=signer.actor, clinic=clinic, project=project)
    assert not Enrolment.objects.exists()
