"""The second project, Forløbsresultater (outcomes of the structured courses), with its data
specification v1 and its named recipient: published like Diagnosekodning (0002, 0004)."""

import datetime

from django.db import migrations

CODE = "forlobsresultater"

DESCRIPTION_DA = """Der opsamles resultatmål fra de strukturerede forløb under speciale 51 \
(nerverodspåvirkning i nakke og lænd, lumbal spinalstenose, hofte- og knæartrose og primære \
lændesmerter): de spørgeskemaer og test, som klinikken bruger som beslutningsstøtte og \
effektmål i forløbet.

Præcis dette opsamles for hvert forløb: forløbets speciale, type af struktureret forløb, start- \
og slutdato og praksissystemets forløbs-id. For hver måling: hvilket måleredskab (smerte på \
numerisk skala 0-10 (NPRS), patientspecifik funktionsskala (PSFS), 30 sekunders \
rejse-sætte-sig-test eller 40 m hurtig gangtest), tidspunktet (ved start, ved afslutning, \
opfølgning efter 3 og efter 12 måneder), datoen for målingen, scoren (for PSFS også scoren på \
hvert spørgsmål, kun som tal) og hvem der svarede: patienten selv, fysioterapeuten eller en \
pårørende. Kun måleredskaber, der er frit tilgængelige, opsamles.

Patientens alder opsamles kun som aldersgruppe (fx 60-69 år). Aldersgruppen beregnes ud fra \
CPR-nummeret i det øjeblik, data modtages; hverken CPR-nummeret, fødselsdatoen eller noget \
andet, der er udledt af CPR-nummeret, gemmes. Der opsamles ingen diagnosekoder, ingen \
behandlerinitialer og ingen ydelser i dette projekt.

Formålet er at vise klinikken, hvor mange af dens strukturerede forløb der har en måling ved \
start og ved afslutning, hvordan patienternes resultater ændrer sig, og hvor stor en del af \
spørgeskemaerne patienten selv har besvaret, sammenlignet med regionen og hele landet."""

DESCRIPTION_EN = """Outcome measures of the structured courses under speciale 51: for each \
course its speciale, course type, start and end date and the practice system's course id; for \
each measurement the instrument (NPRS, PSFS, 30-second chair stand, 40-m fast-paced walk; free \
to use only), the timepoint (baseline, end of course, follow-up at 3 and 12 months), the date, \
the score(s) and who answered (patient, therapist, proxy). The patient's age only as an age \
band derived from the CPR at receipt; neither CPR nor birth date is stored."""

RECIPIENTS_DA = """Klinikken selv (egne tal). Aggregerede tal uden personoplysninger kan deles \
med Danske Fysioterapeuters kvalitetsarbejde (EKM-regi). Der deles ingen personhenførbare \
data."""

SPEC_V1 = {
    "record_types": ["episode", "outcome"],
    "fields": [
        "speciale",
        "course_type",
        "start_date",
        "end_date",
        "episode_source_id",
        "instrument",
        "timepoint",
        "date",
        "score",
        "items",
        "answered_by",
        "age_band",
    ],
    "specialities": ["51"],
    "icpc2_filter": {"chapters": [], "codes": []},
    "person_identifiable_worklist": False,
}


def create(apps, schema_editor):
    Project = apps.get_model("projects", "Project")
    DataSpecification = apps.get_model("projects", "DataSpecification")
    Recipient = apps.get_model("projects", "Recipient")
    AuditEvent = apps.get_model("audit", "AuditEvent")
    project, created = Project.objects.get_or_create(
        code=CODE,
        defaults={
            "name": "Forløbsresultater",
            "summary_da": "Spørgeskemaer og test ved start, afslutning og opfølgning i de "
            "strukturerede forløb under speciale 51.",
            "description_da": DESCRIPTION_DA,
            "description_en": DESCRIPTION_EN,
            "recipients_da": RECIPIENTS_DA,
            "reports_open_from": datetime.date(2026, 3, 1),
            "first_report_delay_months": 2,
            "is_published": True,
        },
    )
    if created:
        DataSpecification.objects.create(
            project=project, version=1, effective_from=datetime.date(2025, 6, 30), spec=SPEC_V1
        )
        Recipient.objects.get_or_create(
            project=project,
            code="danske-fysioterapeuter",
            defaults={
                "name": "Danske Fysioterapeuters kvalitetsarbejde (EKM-regi)",
                "description_da": "Aggregerede tal uden personoplysninger til kvalitetsarbejdet.",
                "record_level": False,
            },
        )
        AuditEvent.objects.create(
            actor_kind="system",
            actor_id="migration",
            actor_name="migration",
            action="project.created",
            object_type="projects.project",
            object_id=str(project.pk),
            details={"project": CODE, "specification_version": 1},
        )


def remove(apps, schema_editor):
    Project = apps.get_model("projects", "Project")
    Enrolment = apps.get_model("projects", "Enrolment")
    if Enrolment.objects.filter(project__code=CODE).exists():
        raise RuntimeError("clinics are enrolled in Forløbsresultater; refusing to remove it")
    project = Project.objects.filter(code=CODE).first()
    if project is not None:
        project.recipients.all().delete()
        project.specifications.all().delete()
        project.delete()


class Migration(migrations.Migration):
    dependencies = [
        ("projects", "0004_diagnosekodning_recipient"),
        ("audit", "0001_initial"),
    ]

    operations = [migrations.RunPython(create, remove)]
