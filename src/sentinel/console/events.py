"""The audit actions the console writes (besides the domain actions' own).

Plain strings in the audit log's ``action`` column, like the domain's ``AuditEvent.Action``.
"""

from __future__ import annotations

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
RETENTION_DELETED = "retention.deleted"
