"""Quality networks in the console (issue 16): the roles of
console.roles.ROLE_PERMISSIONS_V3 (every role sees the networks; project managers and
administrators create them and invite clinics)."""

from typing import Any

from django.contrib.auth.management import create_permissions
from django.db import migrations

from sentinel.console.roles import ROLE_PERMISSIONS_V2, ROLE_PERMISSIONS_V3, apply_role_table


def _permissions(apps: Any) -> None:
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None


def forwards(apps: Any, schema_editor: Any) -> None:
    _permissions(apps)
    apply_role_table(apps, ROLE_PERMISSIONS_V3)


def backwards(apps: Any, schema_editor: Any) -> None:
    apply_role_table(apps, ROLE_PERMISSIONS_V2)


class Migration(migrations.Migration):
    dependencies = [
        ("console", "0003_job_permissions"),
        ("networks", "0001_initial"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
