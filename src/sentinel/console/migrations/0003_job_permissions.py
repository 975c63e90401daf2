"""The background jobs in the console (issue 15): the permission to queue a job now, and the
roles of console.roles.ROLE_PERMISSIONS_V2 (every role sees the jobs' runs)."""

from typing import Any

from django.contrib.auth.management import create_permissions
from django.db import migrations

from sentinel.console.roles import ROLE_PERMISSIONS_V1, ROLE_PERMISSIONS_V2, apply_role_table


def _permissions(apps: Any) -> None:
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None


def forwards(apps: Any, schema_editor: Any) -> None:
    _permissions(apps)
    apply_role_table(apps, ROLE_PERMISSIONS_V2)


def backwards(apps: Any, schema_editor: Any) -> None:
    apply_role_table(apps, ROLE_PERMISSIONS_V1)


class Migration(migrations.Migration):
    dependencies = [
        ("console", "0002_staff_roles"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="operation",
            options={
                "default_permissions": (),
                "managed": False,
                "permissions": [
                    ("check_status", "Run a clinic's status check (support page)"),
                    ("publish_specification", "Publish a new data specification version"),
                    ("publish_document", "Publish a new DPA or consent version"),
                    ("manage_credentials", "Issue, rotate and revoke vendor API credentials"),
                    ("export_data", "Run data-sharing exports of a project"),
                    ("export_audit_log", "Export the audit log as CSV"),
                    ("run_jobs", "Queue a background job now"),
                ],
            },
        ),
        migrations.RunPython(forwards, backwards),
    ]
