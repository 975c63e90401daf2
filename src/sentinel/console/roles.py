"""Staff roles: Django groups with explicit permissions.

A staff user has exactly one role. The groups and their permissions are created by a data
migration from a frozen table (``ROLE_PERMISSIONS_V1``); changing a role means adding a new
table and a new migration that applies it, and pointing ``ROLE_PERMISSIONS`` at it (a test
checks that the migrated groups equal ``ROLE_PERMISSIONS``).

- support: reads everything in the console and runs clinics' status checks; changes nothing.
- project_manager: support's rights, plus creating, editing and publishing projects (their
  report indicators' targets and directions too, with ``projects.change_project``),
  publishing data specification versions, and data-sharing exports.
- administrator: everything the console can do (vendors, credentials, documents, the audit
  log export, queueing a background job now).

Every role sees the background jobs (their schedules, queue and runs).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any


class Role(StrEnum):
    SUPPORT = "support"
    PROJECT_MANAGER = "project_manager"
    ADMINISTRATOR = "administrator"

    @property
    def group_name(self) -> str:
        return f"staff:{self.value}"


_READ = (
    "projects.view_project",
    "projects.view_dataspecification",
    "projects.view_enrolment",
    "agreements.view_document",
    "agreements.view_dpasignature",
    "agreements.view_consentapproval",
    "clinics.view_clinic",
    "clinics.view_vendor",
    "clinics.view_activation",
    "clinics.view_vendorcredential",
    "collection.view_dataflow",
    "collection.view_submission",
    "audit.view_auditevent",
    "console.check_status",
)
_PROJECTS = (
    "projects.add_project",
    "projects.change_project",
    "console.publish_specification",
    "console.export_data",
)
_ADMINISTRATION = (
    "clinics.add_vendor",
    "console.manage_credentials",
    "console.publish_document",
    "console.export_audit_log",
)

ROLE_PERMISSIONS_V1: dict[str, tuple[str, ...]] = {
    Role.SUPPORT.value: _READ,
    Role.PROJECT_MANAGER.value: _READ + _PROJECTS,
    Role.ADMINISTRATOR.value: _READ + _PROJECTS + _ADMINISTRATION,
}
# V2 (issue 15): every role sees the background jobs and their runs; administrators may
# queue a job now.
ROLE_PERMISSIONS_V2: dict[str, tuple[str, ...]] = {
    Role.SUPPORT.value: (*_READ, "django_q.view_task"),
    Role.PROJECT_MANAGER.value: (*_READ, "django_q.view_task", *_PROJECTS),
    Role.ADMINISTRATOR.value: (
        *_READ,
        "django_q.view_task",
        *_PROJECTS,
        *_ADMINISTRATION,
        "console.run_jobs",
    ),
}
# V3 (issue 16): every role sees the quality networks; project managers and administrators
# create them, designate their coordinators and invite clinics.
_NETWORKS_READ = ("networks.view_network",)
_NETWORKS = ("networks.add_network", "networks.change_network")
ROLE_PERMISSIONS_V3: dict[str, tuple[str, ...]] = {
    Role.SUPPORT.value: (*ROLE_PERMISSIONS_V2[Role.SUPPORT.value], *_NETWORKS_READ),
    Role.PROJECT_MANAGER.value: (
        *ROLE_PERMISSIONS_V2[Role.PROJECT_MANAGER.value],
        *_NETWORKS_READ,
        *_NETWORKS,
    ),
    Role.ADMINISTRATOR.value: (
        *ROLE_PERMISSIONS_V2[Role.ADMINISTRATOR.value],
        *_NETWORKS_READ,
        *_NETWORKS,
    ),
}
ROLE_PERMISSIONS = ROLE_PERMISSIONS_V3


def apply_role_table(apps: Any, table: dict[str, tuple[str, ...]]) -> None:
    """Create the role groups and give each exactly the permissions ``table`` lists.

    Works with a migration's historical ``apps``; permissions must exist (a migration creates
    them first with ``create_permissions``). An unknown permission is an error, not skipped.
    """
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, names in table.items():
        group, _created = Group.objects.get_or_create(name=Role(role).group_name)
        permissions = []
        for name in names:
            app_label, codename = name.split(".")
            permission = Permission.objects.filter(
                content_type__app_label=app_label, codename=codename
            ).first()
            if permission is None:
                raise LookupError(f"permission {name} does not exist")
            permissions.append(permission)
        group.permissions.set(permissions)


def role_of(user: Any) -> Role | None:
    """The staff role of ``user``, or None when they have none (or more than one)."""
    if not getattr(user, "is_authenticated", False):
        return None
    names = {role.group_name: role for role in Role}
    roles = [names[n] for n in user.groups.values_list("name", flat=True) if n in names]
    return roles[0] if len(roles) == 1 else None
