"""Diagnosekodning's one named recipient as structured data (its description names it)."""

from django.db import migrations

CODE = "danske-fysioterapeuter"


def create(apps, schema_editor):
    Project = apps.get_model("projects", "Project")
    Recipient = apps.get_model("projects", "Recipient")
    project = Project.objects.filter(code="diagnosekodning").first()
    if project is None:
        return
    Recipient.objects.get_or_create(
        project=project,
        code=CODE,
        defaults={
            "name": "Danske Fysioterapeuters kvalitetsarbejde (EKM-regi)",
            "description_da": "Aggregerede tal uden personoplysninger til kvalitetsarbejdet.",
            "record_level": False,
        },
    )


def remove(apps, schema_editor):
    Recipient = apps.get_model("projects", "Recipient")
    Recipient.objects.filter(project__code="diagnosekodning", code=CODE).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("projects", "0003_recipients_and_retention"),
    ]

    operations = [migrations.RunPython(create, remove)]
