"""The append-only audit log.

Every signature, consent, enrolment change, activation, credential change, export and view of
person-identifiable data writes one ``AuditEvent`` in the same transaction as the change it
records. Rows are never updated or deleted: the model refuses it, and on PostgreSQL a trigger
refuses it too (see migration 0002).
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class AppendOnlyError(Exception):
    """Raised on any attempt to change or remove an audit row."""


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    def update(self, **kwargs: object) -> int:
        raise AppendOnlyError("the audit log is append-only")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("the audit log is append-only")


class AuditEvent(models.Model):
    class ActorKind(models.TextChoices):
        SYSTEM = "system", "System"
        VENDOR = "vendor", "Systemhus"
        CLINIC_USER = "clinic_user", "Klinikbruger"
        STAFF = "staff", "Sentinel-medarbejder"

    class Action(models.TextChoices):
        CLINIC_REGISTERED = "clinic.registered"
        VENDOR_CREATED = "vendor.created"
        CREDENTIAL_ISSUED = "credential.issued"
        CREDENTIAL_ROTATED = "credential.rotated"
        CREDENTIAL_REVOKED = "credential.revoked"
        LAUNCH_LINK_CREATED = "launch.created"
        LAUNCH_LINK_USED = "launch.used"
        ACTIVATED = "activation.activated"
        DEACTIVATED = "activation.deactivated"
        VENDOR_REQUESTED = "vendor.requested"
        VENDOR_APPROVED = "vendor.approved"
        VENDOR_REFUSED = "vendor.refused"
        DOCUMENT_PUBLISHED = "document.published"
        DPA_SIGNED = "dpa.signed"
        CONSENT_APPROVED = "consent.approved"
        PROJECT_CREATED = "project.created"
        SPECIFICATION_PUBLISHED = "specification.published"
        ENROLLED = "enrolment.enrolled"
        UNENROLLED = "enrolment.unenrolled"
        STAFF_CREATED = "staff.created"
        STAFF_DEVICE_RESET = "staff.device_reset"
        STAFF_DEVICE_CONFIRMED = "staff.device_confirmed"
        STAFF_DEACTIVATED = "staff.deactivated"
        STAFF_UNLOCKED = "staff.unlocked"
        STAFF_LOGIN = "staff.login"
        STAFF_LOGIN_FAILED = "staff.login_failed"
        STAFF_LOCKED_OUT = "staff.locked_out"
        STAFF_LOGIN_WHILE_LOCKED = "staff.login_locked"
        STAFF_LOGOUT = "staff.logout"
        STAFF_SESSION_EXPIRED = "staff.session_expired"
        PROJECT_UPDATED = "project.updated"
        PROJECT_PUBLISHED = "project.published"
        STATUS_CHECKED = "console.status_checked"
        AUDIT_LOG_EXPORTED = "audit.exported"
        RECIPIENT_CREATED = "recipient.created"
        RECIPIENT_UPDATED = "recipient.updated"
        EXPORT_CREATED = "export.created"
        EXPORT_DOWNLOADED = "export.downloaded"
        RETENTION_DELETED = "retention.deleted"
        PORTAL_LOGIN = "portal.login"
        PORTAL_LOGOUT = "portal.logout"
        WORKLIST_VIEWED = "report.worklist_viewed"
        NOTICE_CONTACT_ADDED = "notices.contact_added"
        NOTICE_CONTACT_VERIFIED = "notices.contact_verified"
        NOTICE_CONTACT_CHANGED = "notices.contact_changed"
        NOTICE_CONTACT_STOPPED = "notices.contact_stopped"
        NOTICE_SENT = "notices.sent"
        WORKLIST_PRINTED = "report.worklist_printed"
        INDICATOR_TARGET_SET = "report.target_set"
        INDICATOR_SAVED = "report.indicator_saved"
        INDICATOR_REMOVED = "report.indicator_removed"
        INDICATORS_PUBLISHED = "report.indicators_published"
        JOB_QUEUED = "job.queued"
        NETWORK_CREATED = "network.created"
        NETWORK_COORDINATORS_SET = "network.coordinators_set"
        NETWORK_INVITED = "network.invited"
        NETWORK_JOINED = "network.joined"
        NETWORK_DECLINED = "network.declined"
        NETWORK_LEFT = "network.left"
        NETWORK_NAMING_CONSENTED = "network.naming_consented"
        NETWORK_NAMING_WITHDRAWN = "network.naming_withdrawn"
        NETWORK_PACK_DOWNLOADED = "network.pack_downloaded"
        OPEN_ITEM_EXCEPTED = "report.open_item_excepted"
        THERAPIST_VISIBILITY_SET = "report.therapist_visibility_set"
        THERAPISTS_VIEWED = "report.therapists_viewed"

    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor_kind = models.CharField(max_length=20, choices=ActorKind.choices)
    actor_id = models.CharField(max_length=100)
    actor_name = models.CharField(max_length=200, blank=True)
    # Open-ended on purpose (no choices): ``Action`` is the one list of every name written,
    # and a new name needs no migration.
    action = models.CharField(max_length=50, db_index=True)
    clinic = models.ForeignKey(
        "clinics.Clinic", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    object_type = models.CharField(max_length=50, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    details = models.JSONField(default=dict, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["clinic", "at"], name="audit_clinic_at")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_kind}:{self.actor_id} {self.action}"

    def save(self, *args: object, **kwargs: object) -> None:
        if self.pk is not None:
            raise AppendOnlyError("the audit log is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("the audit log is append-only")
