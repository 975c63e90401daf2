"""The receipt for a signature of the DPA or an approval of the consent.

It names the document (kind, version, title, the SHA-256 of its text), who signed (name,
person UUID, the CVR they acted for, the assurance level of their login), when, and through
which channel; the download carries the document's text too, so anyone can recompute the hash
(SHA-256 of the text between the markers, UTF-8). The PDF (``as_pdf``) carries the same lines
and the same text.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from sentinel.agreements.models import DpaSignature, SignatureBase
from sentinel.clinics.models import Clinic
from sentinel.core.pdf import html_to_pdf
from sentinel.portal import texts

TEXT_BEGINS = "----- BEGIN DOCUMENT TEXT -----"
TEXT_ENDS = "----- END DOCUMENT TEXT -----"


@dataclass(frozen=True)
class Receipt:
    reference: str
    summary: list[tuple[str, str]]
    """What was signed, by whom and when: what the owner reads first."""
    technical: list[tuple[str, str]]
    """The reference, the text's SHA-256, the person UUID, the assurance level and channel."""
    document_text: str
    filename: str

    @property
    def lines(self) -> list[tuple[str, str]]:
        return self.summary + self.technical

    @property
    def pdf_filename(self) -> str:
        return self.filename.removesuffix(".txt") + ".pdf"

    def as_pdf(self, clinic: Clinic) -> bytes:
        """The receipt as an A4 PDF: what the text file says, laid out (``core.pdf``)."""
        html = render_to_string(
            "portal/receipt_pdf.html",
            {"receipt": self, "clinic": clinic, "lang": translation.get_language() or "da"},
        )
        return html_to_pdf(
            html,
            css=render_to_string("portal/receipt_pdf.css"),
            title=_("Kvittering – Sentinel Kvalitets Data"),
        )

    def as_text(self) -> str:
        width = max(len(label) for label, _value in self.lines)
        body = "\n".join(f"{label.ljust(width)}  {value}" for label, value in self.lines)
        heading = _("Kvittering – Sentinel Kvalitets Data")
        return f"{heading}\n\n{body}\n\n{TEXT_BEGINS}\n{self.document_text}\n{TEXT_ENDS}\n"


def build_receipt(clinic: Clinic, signature: SignatureBase) -> Receipt:
    document = signature.document
    kind_slug = "databehandleraftale" if isinstance(signature, DpaSignature) else "samtykke"
    reference = f"{document.kind}-{signature.pk}"
    signed_at = timezone.localtime(signature.signed_at)
    summary = [
        (_("Dokument"), f"{texts.label(texts.DOCUMENTS, document.kind)}: {document.title}"),
        (_("Version"), str(document.version)),
        (_("Klinik"), f"{clinic.name}, ydernummer {clinic.ydernummer}"),
        (_("Underskrevet af"), signature.signer_name),
        (_("For CVR"), signature.signer_cvr),
        (_("Tidspunkt"), signed_at.strftime("%d.%m.%Y %H:%M:%S %Z")),
    ]
    technical = [
        (_("Kvitteringsnummer"), reference),
        (_("Gældende fra"), document.published_on.strftime("%d.%m.%Y")),
        (_("Dokumentets SHA-256"), document.sha256),
        (_("Person-UUID"), str(signature.signer_uuid)),
        (
            _("Sikringsniveau"),
            texts.label(texts.ASSURANCE_LEVELS, signature.assurance_level),
        ),
        (_("Tidspunkt (ISO 8601)"), signed_at.isoformat()),
        (_("Kanal"), texts.label(texts.CHANNELS, signature.channel)),
    ]
    return Receipt(
        reference=reference,
        summary=summary,
        technical=technical,
        document_text=document.text,
        filename=f"sentinel-kvittering-{kind_slug}-v{document.version}-{clinic.ydernummer}.txt",
    )
