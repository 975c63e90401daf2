"""Forløbsresultater's indicators, corrected (docs/adr/0016-outcome-report.md):

- **Follow-up needs one instrument at both timepoints.** 0011 counted a course as followed up
  when it had any measurement at baseline and any at the end (a baseline NPRS and an
  end-of-course PSFS counted, though nothing in it can be compared). The follow-up indicators
  now count courses with a pair of one instrument (``outcome_course``'s ``paired``, which the
  cells already carry; nothing to recount).
- **The 40-m fast-paced walk has a minimal important change**: 0.2 m/s faster
  (``lib/instruments.py``); its share is added after the chair stand's. The cells of its pairs
  were kept without a threshold, so each clinic with such a pair is put in the outcome journal
  (``OutcomeChange``): the next benchmark refresh recounts it.

Both the drafts and the rows published with data specification version 1 (0011 wrote them
as ``publish_indicators`` would) are corrected, since version 1 is what every report so far
measured; only rows still as 0011 wrote them are touched. Audited like a publication."""

from django.db import migrations
from django.db.models import F

PROJECT = "forlobsresultater"
YES = ["yes"]
WALK = "walk_40m_fast"
OLD_NUMERATOR = {"baseline": YES, "end_of_course": YES}
NEW_NUMERATOR = {"paired": YES}

OLD_DA = (
    "Andel af de afsluttede strukturerede forløb{who}, der har en måling ved start og en "
    "måling ved afslutning (et hvilket som helst måleredskab)."
)
OLD_EN = (
    "Share of the ended structured courses{who} with a measurement at baseline and one at "
    "the end of the course (any instrument)."
)
NEW_DA = (
    "Andel af de afsluttede strukturerede forløb{who}, der er målt med samme måleredskab "
    "ved start og ved afslutning."
)
NEW_EN = (
    "Share of the ended structured courses{who} measured with the same instrument at "
    "baseline and at the end of the course."
)
WHO = {
    "followup": ("", ""),
    "followup_cervical_radiculopathy": (
        " med nerverodspåvirkning i nakken",
        " of cervical radiculopathy",
    ),
    "followup_lumbar_radiculopathy": (
        " med nerverodspåvirkning i lænden",
        " of lumbar radiculopathy",
    ),
    "followup_lumbar_spinal_stenosis": (" med lumbal spinalstenose", " of lumbar spinal stenosis"),
    "followup_hip_osteoarthritis": (" med hofteartrose", " of hip osteoarthritis"),
    "followup_knee_osteoarthritis": (" med knæartrose", " of knee osteoarthritis"),
    "followup_low_back_pain": (" med primære lændesmerter", " of primary low back pain"),
}

LABEL_DA = "Opfølgning: måling ved start og afslutning"
NEW_LABEL_DA = "Opfølgning: samme måleredskab ved start og afslutning"
LABEL_EN = "Follow-up: measured at baseline and end"
NEW_LABEL_EN = "Follow-up: one instrument at baseline and end"

WALK_MIC = {
    "key": f"mic_{WALK}",
    "label_da": "Mindste vigtige ændring: 40 m hurtig gangtest",
    "label_en": "Minimal important change: 40-m fast walk",
    "definition_da": (
        "Andel af forløbene med 40 m hurtig gangtest målt ved start og afslutning, hvor "
        "ganghastigheden (40 m delt med tiden) er steget med mindst 0,2 m/s (den mindste "
        "ændring, patienter mærker)."
    ),
    "definition_en": (
        "Share of the courses with the 40-m fast walk measured at baseline and end whose "
        "walking speed (40 m over the time) rose by at least 0.2 m/s (the minimal important "
        "change)."
    ),
    "record_type": "outcome",
    "population": {"instrument": [WALK]},
    "denominator": {"paired": YES},
    "numerator": {"mic": YES},
}
AFTER = "mic_chair_stand_30s"


def _rows(apps, project):
    """The drafts and version 1's rows, per bound specification (None: the drafts)."""
    DeclaredIndicator = apps.get_model("reports", "DeclaredIndicator")
    specification = project.specifications.filter(version=1).first()
    found = {}
    for bound in (None, specification):
        if bound is None and specification is None:
            continue
        found[bound] = DeclaredIndicator.objects.filter(project=project, specification=bound)
    return found


def correct(apps, schema_editor):
    Project = apps.get_model("projects", "Project")
    DeclaredIndicator = apps.get_model("reports", "DeclaredIndicator")
    OutcomeCell = apps.get_model("reports", "OutcomeCell")
    OutcomeChange = apps.get_model("reports", "OutcomeChange")
    AuditEvent = apps.get_model("audit", "AuditEvent")
    project = Project.objects.filter(code=PROJECT).first()
    if project is None:
        return
    changed, added = set(), set()
    for bound, rows in _rows(apps, project).items():
        for row in [r for r in rows.filter(key__in=list(WHO)) if r.numerator == OLD_NUMERATOR]:
            da, en = WHO[row.key]
            row.numerator = NEW_NUMERATOR
            if row.definition_da == OLD_DA.format(who=da):
                row.definition_da = NEW_DA.format(who=da)
            if row.definition_en == OLD_EN.format(who=en):
                row.definition_en = NEW_EN.format(who=en)
            if row.label_da == LABEL_DA:
                row.label_da = NEW_LABEL_DA
            if row.label_en == LABEL_EN:
                row.label_en = NEW_LABEL_EN
            row.save()
            changed.add(row.key)
        after = rows.filter(key=AFTER).first()
        if after is None or rows.filter(key=WALK_MIC["key"]).exists():
            continue
        rows.filter(position__gt=after.position).update(position=F("position") + 1)
        DeclaredIndicator.objects.create(
            project=project,
            specification=bound,
            position=after.position + 1,
            period="report",
            disclosure="standard",
            levels=["region", "nation"],
            better="higher",
            **WALK_MIC,
        )
        added.add(WALK_MIC["key"])
    paired_walks = OutcomeCell.objects.filter(project=project, instrument=WALK, paired=True)
    clinics = sorted(set(paired_walks.values_list("clinic_id", flat=True)))
    OutcomeChange.objects.bulk_create(
        [OutcomeChange(clinic_id=clinic, project=project) for clinic in clinics]
    )
    if changed or added:
        AuditEvent.objects.create(
            actor_kind="system",
            actor_id="migration",
            actor_name="migration",
            action="report.indicators_published",
            object_type="projects.project",
            object_id=str(project.pk),
            details={
                "project": PROJECT,
                "version": 1,
                "corrected": sorted(changed),
                "added": sorted(added),
                "reason": "follow-up needs one instrument at baseline and end; the 40-m "
                "fast walk's minimal important change (0.2 m/s)",
                "recounted_clinics": len(clinics),
            },
        )


def uncorrect(apps, schema_editor):
    Project = apps.get_model("projects", "Project")
    project = Project.objects.filter(code=PROJECT).first()
    if project is None:
        return
    for _bound, rows in _rows(apps, project).items():
        walk = rows.filter(key=WALK_MIC["key"]).first()
        if walk is not None:
            rows.filter(position__gt=walk.position).update(position=F("position") - 1)
            walk.delete()
        for row in [r for r in rows.filter(key__in=list(WHO)) if r.numerator == NEW_NUMERATOR]:
            da, en = WHO[row.key]
            row.numerator = OLD_NUMERATOR
            if row.definition_da == NEW_DA.format(who=da):
                row.definition_da = OLD_DA.format(who=da)
            if row.definition_en == NEW_EN.format(who=en):
                row.definition_en = OLD_EN.format(who=en)
            if row.label_da == NEW_LABEL_DA:
                row.label_da = LABEL_DA
            if row.label_en == NEW_LABEL_EN:
                row.label_en = LABEL_EN
            row.save()


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0011_forlobsresultater_indicators"),
        ("projects", "0005_forlobsresultater"),
        ("audit", "0001_initial"),
    ]

    operations = [migrations.RunPython(correct, uncorrect)]
