"""Each role's permissions, as migrated and as the console enforces them over HTTP."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from sentinel.clinics.models import Vendor
from sentinel.console.roles import ROLE_PERMISSIONS, Role
from sentinel.projects.models import Project

pytestmark = pytest.mark.django_db


def test_the_migrated_groups_have_exactly_the_role_table_permissions() -> None:
    for role in Role:
        group = Group.objects.get(name=role.group_name)
        granted = {
            f"{app}.{codename}"
            for app, codename in group.permissions.values_list(
                "content_type__app_label", "codename"
            )
        }
        assert granted == set(ROLE_PERMISSIONS[role.value]), role


NOBODY = "console.nobody"
MATRIX = {
    # permission: (support, project_manager, administrator)
    "audit.view_auditevent": (True, True, True),
    "console.check_status": (True, True, True),
    "projects.view_project": (True, True, True),
    "projects.add_project": (False, True, True),
    "projects.change_project": (False, True, True),
    "console.publish_specification": (False, True, True),
    "console.export_data": (False, True, True),
    "console.publish_document": (False, False, True),
    "console.manage_credentials": (False, False, True),
    "clinics.add_vendor": (False, False, True),
    "console.export_audit_log": (False, False, True),
    "audit.change_auditevent": (False, False, False),
    "audit.delete_auditevent": (False, False, False),
    "projects.delete_project": (False, False, False),
}


@pytest.mark.parametrize("permission", sorted(MATRIX))
def test_role_permission_matrix(make_staff, permission) -> None:
    people = [make_staff(role.value) for role in Role]

    assert tuple(p.user.has_perm(permission) for p in people) == MATRIX[permission]


def _publish_spec_url() -> str:
    project = Project.objects.get(code="diagnosekodning")
    return reverse("console:projects_project_specification", args=[project.pk])


def _pages(vendor: Vendor) -> dict[str, str]:
    project = Project.objects.get(code="diagnosekodning")
    return {
        "add_project": reverse("console:projects_project_add"),
        "publish_specification": _publish_spec_url(),
        "publish_project": reverse("console:projects_project_publish", args=[project.pk]),
        "publish_document": reverse("console:agreements_document_publish"),
        "add_vendor": reverse("console:clinics_vendor_add"),
        "issue_credential": reverse("console:clinics_vendor_issue", args=[vendor.pk]),
        "export_audit_log": reverse("console:audit_auditevent_export"),
    }


ALLOWED = {
    "support": set(),
    "project_manager": {"add_project", "publish_specification", "publish_project"},
    "administrator": {
        "add_project",
        "publish_specification",
        "publish_project",
        "publish_document",
        "add_vendor",
        "issue_credential",
        "export_audit_log",
    },
}


@pytest.mark.parametrize("role", [r.value for r in Role])
def test_each_role_reaches_exactly_its_pages(console_client, vendor, role) -> None:
    client, _person = console_client(role)

    for name, url in _pages(vendor).items():
        response = client.get(url)
        if name == "publish_project":  # POST only; GET answers 405 to those allowed
            expected = 405 if name in ALLOWED[role] else 403
        else:
            expected = 200 if name in ALLOWED[role] else 403
        assert response.status_code == expected, f"{role} {name}: {response.status_code}"


def test_support_reads_everything_but_writes_nothing(support, vendor) -> None:
    client, _person = support
    project = Project.objects.get(code="diagnosekodning")

    for url in (
        reverse("console:index"),
        reverse("console:projects_project_changelist"),
        reverse("console:projects_project_change", args=[project.pk]),
        reverse("console:agreements_document_changelist"),
        reverse("console:clinics_vendor_changelist"),
        reverse("console:clinics_vendor_change", args=[vendor.pk]),
        reverse("console:clinics_clinic_changelist"),
        reverse("console:audit_auditevent_changelist"),
    ):
        assert client.get(url).status_code == 200, url
    refused = client.post(
        reverse("console:projects_project_change", args=[project.pk]), {"name": "Ændret"}
    )
    assert refused.status_code == 403
    assert client.post(_publish_spec_url(), {}).status_code == 403
    assert client.post(reverse("console:agreements_document_publish"), {}).status_code == 403
    assert client.post(reverse("console:clinics_vendor_issue", args=[vendor.pk])).status_code == 403
    assert vendor.credentials.count() == 0
    project.refresh_from_db()
    assert project.name == "Diagnosekodning"
    content = client.get(reverse("console:projects_project_change", args=[project.pk]))
    assert "Ny version af dataspecifikationen" not in content.content.decode()
