"""Forløbsresultater's report as declared indicators (issue 17 §4, docs/adr/0016): shares
and, of kind ``median``, the change per instrument; drafts the console edits, and the same
published with data specification version 1, as ``reports.actions.publish_indicators``
would; audited the same way. No report code."""

from django.db import migrations

PROJECT = "forlobsresultater"
YES = ["yes"]
QUESTIONNAIRES = ["nprs", "psfs"]
COURSE_TYPES = [
    ("cervical_radiculopathy", "nerverodspåvirkning i nakken", "cervical radiculopathy"),
    ("lumbar_radiculopathy", "nerverodspåvirkning i lænden", "lumbar radiculopathy"),
    ("lumbar_spinal_stenosis", "lumbal spinalstenose", "lumbar spinal stenosis"),
    ("hip_osteoarthritis", "hofteartrose", "hip osteoarthritis"),
    ("knee_osteoarthritis", "knæartrose", "knee osteoarthritis"),
    ("low_back_pain", "primære lændesmerter", "primary low back pain"),
]
MIC = [
    ("nprs", "smerte (NPRS)", "pain (NPRS)", "mindst 2 point lavere", "at least 2 points lower"),
    (
        "psfs",
        "funktion (PSFS)",
        "function (PSFS)",
        "mindst 2 point højere i gennemsnit",
        "at least 2 points higher on the mean",
    ),
    (
        "chair_stand_30s",
        "rejse-sætte-sig-test",
        "30-s chair stand",
        "mindst 2 rejsninger flere",
        "at least 2 more stands",
    ),
]

MEDIANS = [
    ("nprs", "smerte (NPRS, point)", "pain (NPRS, points)", "lower"),
    ("psfs", "funktion (PSFS, point)", "function (PSFS, points)", "higher"),
    ("chair_stand_30s", "rejse-sætte-sig-test (antal)", "30-s chair stand (stands)", "higher"),
    ("walk_40m_fast", "40 m hurtig gangtest (sekunder)", "40-m fast walk (seconds)", "lower"),
]

COMPLETE_DA = (
    "Andel af de afsluttede strukturerede forløb{who}, der har en måling ved start og en "
    "måling ved afslutning (et hvilket som helst måleredskab)."
)
COMPLETE_EN = (
    "Share of the ended structured courses{who} with a measurement at baseline and one at "
    "the end of the course (any instrument)."
)


def indicators():
    found = [
        {
            "key": "followup",
            "label_da": "Opfølgning: måling ved start og afslutning",
            "label_en": "Follow-up: measured at baseline and end",
            "definition_da": COMPLETE_DA.format(who=""),
            "definition_en": COMPLETE_EN.format(who=""),
            "record_type": "outcome_course",
            "population": {},
            "denominator": {"ended": YES},
            "numerator": {"baseline": YES, "end_of_course": YES},
        }
    ]
    for code, da, en in COURSE_TYPES:
        found.append(
            {
                "key": f"followup_{code}"[:40],
                "label_da": f"Opfølgning: {da}",
                "label_en": f"Follow-up: {en}",
                "definition_da": COMPLETE_DA.format(who=f" med {da}"),
                "definition_en": COMPLETE_EN.format(who=f" of {en}"),
                "record_type": "outcome_course",
                "population": {"course_type": [code]},
                "denominator": {"ended": YES},
                "numerator": {"baseline": YES, "end_of_course": YES},
            }
        )
    for code, da, en, better in MEDIANS:
        found.append(
            {
                "key": f"change_{code}",
                "label_da": f"Ændring i {da} (median)",
                "label_en": f"Change in {en} (median)",
                "definition_da": (
                    f"Medianen af ændringen i {da} fra start til afslutning (slut minus start) "
                    "over forløbene med en måling ved begge; n er antallet af disse forløb."
                ),
                "definition_en": (
                    f"The median change in {en} from baseline to end of course (end minus "
                    "baseline) over the courses measured at both; n is their number."
                ),
                "record_type": "outcome",
                "kind": "median",
                "value": "change",
                "better": better,
                "population": {"instrument": [code]},
                "denominator": {"paired": YES},
                "numerator": {},
            }
        )
    for code, da, en, threshold_da, threshold_en in MIC:
        found.append(
            {
                "key": f"mic_{code}",
                "label_da": f"Mindste vigtige ændring: {da}",
                "label_en": f"Minimal important change: {en}",
                "definition_da": (
                    f"Andel af forløbene med {da} målt ved start og afslutning, hvor ændringen "
                    f"er {threshold_da} (den mindste ændring, patienter mærker)."
                ),
                "definition_en": (
                    f"Share of the courses with {en} measured at baseline and end whose change "
                    f"is {threshold_en} (the minimal important change)."
                ),
                "record_type": "outcome",
                "population": {"instrument": [code]},
                "denominator": {"paired": YES},
                "numerator": {"mic": YES},
            }
        )
    found.append(
        {
            "key": "patient_answered",
            "label_da": "Spørgeskemaer besvaret af patienten selv",
            "label_en": "Questionnaires answered by the patient",
            "definition_da": (
                "Andel af spørgeskemaerne (NPRS, PSFS) pr. forløb, hvor patienten selv har "
                "besvaret alle målinger (ikke fysioterapeuten eller en pårørende)."
            ),
            "definition_en": (
                "Share of the questionnaires (NPRS, PSFS) per course whose every measurement "
                "the patient answered (not the therapist or a proxy)."
            ),
            "record_type": "outcome",
            "population": {"instrument": QUESTIONNAIRES},
            "denominator": {},
            "numerator": {"patient": YES},
        }
    )
    return found


def declare(apps, schema_editor):
    Project = apps.get_model("projects", "Project")
    DeclaredIndicator = apps.get_model("reports", "DeclaredIndicator")
    AuditEvent = apps.get_model("audit", "AuditEvent")
    project = Project.objects.filter(code=PROJECT).first()
    if project is None or DeclaredIndicator.objects.filter(project=project).exists():
        return
    specification = project.specifications.filter(version=1).first()
    declared = indicators()
    for bound in (None, specification):
        if bound is None and specification is None:
            continue
        for position, fields in enumerate(declared):
            DeclaredIndicator.objects.create(
                project=project,
                specification=bound,
                position=position,
                period="report",
                disclosure="standard",
                levels=["region", "nation"],
                **{"better": "higher", **fields},
            )
    if specification is not None:
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
                "effective_from": specification.effective_from.isoformat(),
                "indicators": [d["key"] for d in declared],
            },
        )


def undeclare(apps, schema_editor):
    DeclaredIndicator = apps.get_model("reports", "DeclaredIndicator")
    DeclaredIndicator.objects.filter(project__code=PROJECT).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("projects", "0005_forlobsresultater"),
        ("reports", "0010_declared_indicator_kind"),
        ("audit", "0001_initial"),
    ]

    operations = [migrations.RunPython(declare, undeclare)]
