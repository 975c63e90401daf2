"""The meeting pack (``…/rapporter/<project>.pdf``): rendered by WeasyPrint, read back with
pypdf. It carries the clinic, the period, the headline figures (worked out by hand in
``test_headline``), the comparisons, the definitions and the SHA-256 of the report's canonical
JSON — recomputed here from the report the API answers with — and never a CPR number, even
for a clinic whose worklist holds one."""

from __future__ import annotations

import hashlib
import io
import json
import re
from urllib.parse import urlencode

import pypdf
import pytest
from django.utils import timezone

from sentinel.projects.models import Project
from sentinel.reports.engine import Period, build_report
from tests.reports.test_headline import QUERY, headline_clinic  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

CPR_SHAPE = re.compile(r"\b\d{6}-?\d{4}\b")


def pdf_text(pdf: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    return "\n".join(page.extract_text() for page in reader.pages)


def canonical_sha256(report_dict: dict) -> str:
    """The pack's check sum as the docs define it, worked out here independently."""
    text = json.dumps(report_dict, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def test_meeting_pack_is_a_pdf_with_the_headline_the_period_and_the_check_sum(
    client,
    settings,
    headline_clinic,  # noqa: F811 - the fixture imported above
):
    settings.DEMO = True
    url = f"/demo/klinik/{headline_clinic.ydernummer}/rapporter/diagnosekodning.pdf"

    response = client.get(url + "?" + urlencode(QUERY))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "no-store"
    assert "attachment" in response["Content-Disposition"]
    assert response.content.startswith(b"%PDF")
    text = pdf_text(response.content)
    flat = " ".join(text.split())
    assert "Fysio Overblik" in flat and headline_clinic.ydernummer in flat
    assert "Mødepakke: Diagnosekodning" in flat
    # The headline: completeness 80,00 % on 5 structured courses, region 89,09 %, nation
    # 75,38 %; 87,50 % of 8 courses coded; L90 57,14 %.
    assert "80,00 %" in flat and "n = 5 strukturerede forløb" in flat
    assert "89,09 %" in flat and "75,38 %" in flat
    assert "87,50 %" in flat and "n = 8 forløb" in flat
    assert "L90 (57,14 %)" in flat
    assert "↑ 30,00 procentpoint højere" in flat or "30,00 procentpoint højere" in flat
    # The period and the days it covers.
    report = build_report(
        headline_clinic,
        Project.objects.get(code="diagnosekodning"),
        Period.parse(QUERY),
        timezone.localdate(),
    )
    assert report.data_range_da in flat
    # The definitions and the comparisons.
    assert "Definitioner" in flat
    assert "Sammenligning med region og land" in flat
    # The check sum: printed, and equal to SHA-256 of the report's canonical JSON.
    expected = canonical_sha256(report.as_dict())
    assert expected in flat.replace(" ", "") or expected in text.replace("\n", "")
    assert CPR_SHAPE.search(flat) is None


def test_meeting_pack_in_english(
    client,
    settings,
    headline_clinic,  # noqa: F811 - the fixture imported above
):
    settings.DEMO = True
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    url = f"/demo/klinik/{headline_clinic.ydernummer}/rapporter/diagnosekodning.pdf"

    response = client.get(url + "?" + urlencode(QUERY))

    assert response.status_code == 200
    flat = " ".join(pdf_text(response.content).split())
    assert "Meeting pack: Diagnosekodning" in flat
    assert "80.00 %" in flat and "n = 5 structured courses" in flat
    assert "Coding completeness, structured courses" in flat
    assert "Definitions" in flat and "Compared with region and nation" in flat
    assert "Mødepakke" not in flat and "Højere er bedre" not in flat


def test_meeting_pack_refuses_a_bad_period_and_another_project(
    client,
    settings,
    headline_clinic,  # noqa: F811 - the fixture imported above
):
    settings.DEMO = True
    base = f"/demo/klinik/{headline_clinic.ydernummer}/rapporter/"

    assert client.get(base + "diagnosekodning.pdf?period=range&from=2026-13").status_code == 404
    assert client.get(base + "ingen-saadan.pdf").status_code == 404
