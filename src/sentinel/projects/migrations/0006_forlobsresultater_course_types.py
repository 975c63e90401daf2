"""Forløbsresultater's data specification version 2: only the structured courses (issue 17,
data minimisation). Version 1 named no course types, so every speciale 51 course of an
enrolled clinic was collected, and the measurements of any course, although the project's
description always said "the structured courses". Version 2 is version 1 with
``course_types`` naming the six structured courses.

It takes effect on 7 December 2026, the day it was written, and is not back-dated: a version
decides for the records dated in its time (a course by its start date, a measurement by its
own date), as the console's versions do. So courses that started before that day are judged
by version 1 until they end, while every measurement dated from that day on must belong to a
structured course. What version 1 stored of other courses stays until retention deletes it;
removing it sooner is the operator's decision, to be done with a deletion that rebuilds the
report cells and tells each clinic in its data-use ledger, not in a migration.

The project's description gains a sentence saying so, where it is still the text migration
0005 wrote (an operator's own wording is left alone)."""

import datetime

from django.db import migrations

CODE = "forlobsresultater"
EFFECTIVE_FROM = datetime.date(2026, 12, 7)

SPEC_V2 = {
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
    "course_types": [
        "cervical_radiculopathy",
        "lumbar_radiculopathy",
        "lumbar_spinal_stenosis",
        "hip_osteoarthritis",
        "knee_osteoarthritis",
        "low_back_pain",
    ],
    "person_identifiable_worklist": False,
}

# The end of the description's second paragraph as migration 0005 wrote it, and the sentence
# added after it.
ANCHOR_DA = "Kun måleredskaber, der er frit tilgængelige, opsamles."
ADDED_DA = (
    " Kun de strukturerede forløb opsamles: andre forløb under speciale 51 og målinger i dem "
    "opsamles ikke (fra 7. december 2026; forløb, der startede før, følger den tidligere "
    "version af dataspecifikationen)."
)
ANCHOR_EN = "neither CPR nor birth date is stored."
ADDED_EN = (
    " Only the structured courses are collected: other speciale 51 courses and their "
    "measurements are not (from 7 December 2026; courses that started before follow the "
    "previous version of the data specification)."
)


def add_version(apps, schema_editor):
    Project = apps.get_model("projects", "Project")
    DataSpecification = apps.get_model("projects", "DataSpecification")
    AuditEvent = apps.get_model("audit", "AuditEvent")
    project = Project.objects.filter(code=CODE).first()
    if project is None:
        return
    if DataSpecification.objects.filter(project=project, spec=SPEC_V2).exists():
        return
    latest = DataSpecification.objects.filter(project=project).order_by("-version").first()
    if latest is not None and latest.version != 1:
        raise RuntimeError(
            f"Forløbsresultater has specification version {latest.version} already; publish "
            "the course-type limit as its next version in the console instead"
        )
    specification = DataSpecification.objects.create(
        project=project, version=2, effective_from=EFFECTIVE_FROM, spec=SPEC_V2
    )
    AuditEvent.objects.create(
        actor_kind="system",
        actor_id="migration",
        actor_name="migration",
        action="specification.published",
        object_type="projects.dataspecification",
        object_id=str(specification.pk),
        details={
            "project": CODE,
            "version": 2,
            "effective_from": EFFECTIVE_FROM.isoformat(),
        },
    )
    changed = []
    if ANCHOR_DA in project.description_da and ADDED_DA not in project.description_da:
        project.description_da = project.description_da.replace(ANCHOR_DA, ANCHOR_DA + ADDED_DA)
        changed.append("description_da")
    if project.description_en.endswith(ANCHOR_EN):
        project.description_en += ADDED_EN
        changed.append("description_en")
    if changed:
        project.save(update_fields=changed)


def remove_version(apps, schema_editor):
    Project = apps.get_model("projects", "Project")
    DataSpecification = apps.get_model("projects", "DataSpecification")
    project = Project.objects.filter(code=CODE).first()
    if project is None:
        return
    specification = DataSpecification.objects.filter(project=project, spec=SPEC_V2).first()
    if specification is None:
        return
    if DataSpecification.objects.filter(project=project, version__gt=2).exists():
        raise RuntimeError("Forløbsresultater has versions after 2; refusing to remove version 2")
    specification.delete()  # refused (PROTECT) while targets or indicators name it
    project.description_da = project.description_da.replace(ADDED_DA, "")
    project.description_en = project.description_en.replace(ADDED_EN, "")
    project.save(update_fields=["description_da", "description_en"])


class Migration(migrations.Migration):
    dependencies = [
        ("projects", "0005_forlobsresultater"),
        ("audit", "0001_initial"),
    ]

    operations = [migrations.RunPython(add_version, remove_version)]
