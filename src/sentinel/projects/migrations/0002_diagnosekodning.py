"""The first project, Diagnosekodning, with its data specification v1."""

import datetime

from django.db import migrations

DESCRIPTION_DA = """Der opsamles ICPC-2-diagnosekoder på alle forløb under speciale 51 og 57, som \
klinikken diagnosekoder, med forløbets start- og slutdato og typen af struktureret forløb.

Formålet er at give klinikken overblik over sine mest anvendte diagnoser og over, hvor \
fuldstændigt de obligatoriske strukturerede forløb under speciale 51 er kodet (nerverodspåvirkning \
i nakke og lænd, lumbal spinalstenose, hofte- og knæartrose og primære lændesmerter), sammenlignet \
med regionen og hele landet.

Diagnosehistorikken bevares: en kode kan tilføjes eller ændres, men en tidligere kode slettes \
aldrig, så det altid kan ses, hvilken kode der gjaldt hvornår. Vederlagsfri forløb får deres \
diagnose fra henvisningen.

Patientens CPR-nummer gemmes ikke i klar tekst. Det bruges pseudonymiseret til at tælle forløb, \
og krypteret, så kun klinikken selv kan se en arbejdsliste over egne forløb, der mangler en kode."""

DESCRIPTION_EN = """ICPC-2 diagnosis codes on the clinic's courses under speciale 51 and 57, with \
start and end dates and the type of structured course, to show the clinic its most used \
diagnoses and the coding completeness of the mandatory structured courses, compared with its \
region and the nation."""

RECIPIENTS_DA = """Klinikken selv (egne tal og arbejdsliste). Aggregerede tal uden \
personoplysninger kan deles med Danske Fysioterapeuters kvalitetsarbejde (EKM-regi). Der deles \
ingen personhenførbare data."""

SPEC_V1 = {
    "record_types": ["episode"],
    "fields": ["patient_cpr", "speciale", "course_type", "start_date", "end_date", "diagnoses"],
    "specialities": ["51", "57"],
    "icpc2_filter": {"chapters": [], "codes": []},
    "person_identifiable_worklist": True,
}


def create(apps, schema_editor):
    Project = apps.get_model("projects", "Project")
    DataSpecification = apps.get_model("projects", "DataSpecification")
    AuditEvent = apps.get_model("audit", "AuditEvent")
    project, created = Project.objects.get_or_create(
        code="diagnosekodning",
        defaults={
            "name": "Diagnosekodning",
            "summary_da": "ICPC-2-diagnosekoder på klinikkens forløb under speciale 51 og 57.",
            "description_da": DESCRIPTION_DA,
            "description_en": DESCRIPTION_EN,
            "recipients_da": RECIPIENTS_DA,
            "reports_open_from": datetime.date(2025, 11, 1),
            "first_report_delay_months": 2,
            "is_published": True,
        },
    )
    if created:
        DataSpecification.objects.create(
            project=project, version=1, effective_from=datetime.date(2025, 6, 30), spec=SPEC_V1
        )
        AuditEvent.objects.create(
            actor_kind="system",
            actor_id="migration",
            actor_name="migration",
            action="project.created",
            object_type="projects.project",
            object_id=str(project.pk),
            details={"project": "diagnosekodning", "specification_version": 1},
        )


def remove(apps, schema_editor):
    Project = apps.get_model("projects", "Project")
    Enrolment = apps.get_model("projects", "Enrolment")
    if Enrolment.objects.filter(project__code="diagnosekodning").exists():
        raise RuntimeError("clinics are enrolled in Diagnosekodning; refusing to remove it")
    project = Project.objects.filter(code="diagnosekodning").first()
    if project is not None:
        project.specifications.all().delete()
        project.delete()


class Migration(migrations.Migration):
    dependencies = [
        ("projects", "0001_initial"),
        ("audit", "0001_initial"),
    ]

    operations = [migrations.RunPython(create, remove)]
