"""The console's own permissions.

``Operation`` is not a table: it carries the permissions for what staff do that is not adding
or changing one model (publishing a version, managing credentials, exporting). Roles grant
them like any other permission, e.g. ``user.has_perm("console.export_data")``.
"""

from __future__ import annotations

from django.db import models


class Operation(models.Model):
    class Meta:
        managed = False
        default_permissions = ()
        permissions = [
            ("check_status", "Run a clinic's status check (support page)"),
            ("publish_specification", "Publish a new data specification version"),
            ("publish_document", "Publish a new DPA or consent version"),
            ("manage_credentials", "Issue, rotate and revoke vendor API credentials"),
            ("export_data", "Run data-sharing exports of a project"),
            ("export_audit_log", "Export the audit log as CSV"),
            ("run_jobs", "Queue a background job now"),
        ]

    def __str__(self) -> str:
        return "console operation"
