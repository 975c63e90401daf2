"""The staff roles as groups with explicit permissions (console.roles.ROLE_PERMISSIONS_V1)."""

from typing import Any

from django.contrib.auth.management import create_permissions
from django.db import migrations

from sentinel.console.roles import ROLE_PERMISSIONS_V1, Role, apply_role_table


def create_roles(apps: Any, schema_editor: Any) -> None:
    # Permissions are normally created after all migrations (post_migrate); create them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    apply_role_table(apps, ROLE_PERMISSIONS_V1)


def remove_roles(apps: Any, schema_editor: Any) -> None:
    Group = apps.get_model("auth", "Group")
    Group.objects.filter(name__in=[role.group_name for role in Role]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("console", "0001_operation_permissions"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("agreements", "0002_sample_documents_v1"),
        ("audit", "0003_more_actions"),
        ("clinics", "0002_vendor_credentials"),
        ("collection", "0002_episodes_diagnoses_submissions"),
        ("projects", "0002_diagnosekodning"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
