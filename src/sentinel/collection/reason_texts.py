"""Why records were refused (``lib.reasons.Reason``), in the clinic's words.

Danish is the source language; English comes from the translation catalogue. The portal and
the console both show these.
"""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

# Why the vendor API refused records (lib.reasons.Reason).
REFUSAL_REASONS: dict[str, Promise] = {
    "clinic_not_activated": _("Sentinel var ikke aktiveret i praksissystemet"),
    "no_dpa": _("Databehandleraftalen var ikke underskrevet"),
    "dpa_outdated": _("En ny version af databehandleraftalen var ikke underskrevet"),
    "no_consent": _("Samtykkeerklæringen var ikke godkendt"),
    "consent_outdated": _("En ny version af samtykkeerklæringen var ikke godkendt"),
    "not_enrolled": _("Klinikken var ikke tilmeldt et projekt"),
    "patient_opted_out": _("Patienten har frabedt sig deling af data"),
    "course_entered_in_error": _("Forløbet er oprettet ved en fejl og trukket tilbage"),
    "before_enrolment": _("Forløbet ligger før tilmeldingen"),
    "after_unenrolment": _("Forløbet ligger efter frameldingen"),
    "invalid_cpr": _("Ugyldigt CPR-nummer"),
    "invalid_text": _("Et tekstfelt indeholdt ugyldige tegn eller et CPR-nummer"),
    "unknown_icpc2_code": _("Ukendt ICPC-2-kode"),
    "invalid_date": _("Ugyldig dato"),
    "not_in_data_specification": _(
        "Forløbet eller målingen ligger uden for de tilmeldte projekters dataspecifikation "
        "(fx speciale, diagnosekode eller forløbstype)"
    ),
    "stale_version": _("En ældre version af et forløb, der allerede er modtaget"),
    "diagnosis_history_rewritten": _("En tidligere diagnosekode manglede (koder må ikke slettes)"),
    "unknown_instrument": _("Ukendt spørgeskema eller test (kun frit tilgængelige måleredskaber)"),
    "missing_score": _("En score eller et påkrævet spørgsmål manglede"),
    "score_out_of_range": _("En score lå uden for måleredskabets skala"),
    "invalid_score": _("En score var ikke et gyldigt tal for måleredskabet"),
    "invalid_item": _("Et spørgsmål, som måleredskabet ikke har, eller samme spørgsmål to gange"),
    "invalid_timepoint": _("Ukendt tidspunkt for målingen"),
    "invalid_respondent": _("Det var uklart, om patienten, terapeuten eller en pårørende svarede"),
    "unknown_course": _("Målingen hører til et forløb, som ikke er modtaget eller ikke opsamles"),
}
