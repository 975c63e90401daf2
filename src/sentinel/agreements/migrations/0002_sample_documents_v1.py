"""DPA v1 and practice consent v1 — Sentinel's own SAMPLE legal text, marked as sample."""

import datetime
import hashlib

from django.db import migrations

DPA_V1 = """EKSEMPEL — PRØVETEKST, IKKE JURIDISK GÆLDENDE

Databehandleraftale mellem klinikken (dataansvarlig) og Sentinel (databehandler)

1. Formål
Sentinel behandler personoplysninger på vegne af klinikken med det ene formål at danne
kvalitetsrapporter til klinikken og de projekter, klinikken selv har tilmeldt sig.

2. Oplysninger
Der behandles kun de oplysninger, som de tilmeldte projekters projektbeskrivelse nævner.
CPR-numre opbevares aldrig i klar tekst: de erstattes af et nøglebaseret pseudonym og
gemmes kun krypteret, hvor et projekt viser klinikken personhenførbare arbejdslister.

3. Sikkerhed
Sentinel træffer passende tekniske og organisatoriske foranstaltninger, fører log over
enhver visning af personhenførbare oplysninger og over alle ændringer af aftaler,
samtykker og tilmeldinger.

4. Underdatabehandlere og videregivelse
Data deles kun aggregeret eller pseudonymiseret med de modtagere, som projektbeskrivelsen
nævner.

5. Ophør
Ved ophør standser opsamlingen, og data slettes efter projektets slettefrister.
"""

CONSENT_V1 = """EKSEMPEL — PRØVETEKST, IKKE JURIDISK GÆLDENDE

Praksis samtykke

Som dataansvarlig for klinikken giver jeg samtykke til, at Sentinel må modtage de data fra
klinikkens praksissystem, som de projekter, klinikken tilmelder sig, beskriver — fra
tilmeldingsdatoen og indtil klinikken framelder sig.

Jeg kan til enhver tid se i Sentinels administrationsmodul, hvilke data der opsamles og
med hvem de deles, og jeg kan framelde klinikken et projekt.
"""

PUBLISHED_ON = datetime.date(2025, 6, 30)


def create(apps, schema_editor):
    Document = apps.get_model("agreements", "Document")
    AuditEvent = apps.get_model("audit", "AuditEvent")
    for kind, title, text in (
        ("dpa", "Databehandleraftale (eksempel)", DPA_V1),
        ("consent", "Praksis samtykke (eksempel)", CONSENT_V1),
    ):
        if Document.objects.filter(kind=kind, version=1).exists():
            continue
        document = Document.objects.create(
            kind=kind,
            version=1,
            title=title,
            text=text,
            sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
            published_on=PUBLISHED_ON,
            is_sample=True,
        )
        AuditEvent.objects.create(
            actor_kind="system",
            actor_id="migration",
            actor_name="migration",
            action="document.published",
            object_type="agreements.document",
            object_id=str(document.pk),
            details={"kind": kind, "version": 1, "sha256": document.sha256},
        )


def remove(apps, schema_editor):
    Document = apps.get_model("agreements", "Document")
    DpaSignature = apps.get_model("agreements", "DpaSignature")
    ConsentApproval = apps.get_model("agreements", "ConsentApproval")
    documents = Document.objects.filter(version=1, is_sample=True)
    if (
        DpaSignature.objects.filter(document__in=documents).exists()
        or ConsentApproval.objects.filter(document__in=documents).exists()
    ):
        raise RuntimeError("signatures refer to the sample documents; refusing to remove them")
    documents.delete()


class Migration(migrations.Migration):
    dependencies = [
        ("agreements", "0001_initial"),
        ("audit", "0001_initial"),
    ]

    operations = [migrations.RunPython(create, remove)]
