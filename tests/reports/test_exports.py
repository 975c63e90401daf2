"""CSV export of report tables: the shape Danish Excel opens right."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest

from sentinel.reports.engine import SUPPRESSED, Column, Period, Report, Table
from sentinel.reports.exports import cell_text, csv_filename, number_da, table_csv


def table(**overrides) -> Table:
    fields = {
        "key": "top_codes",
        "title_da": "De 10 mest brugte diagnoser",
        "title_en": "The 10 most used diagnoses",
        "columns": (
            Column("code", "Kode", "Code"),
            Column("title", "Diagnose", "Diagnosis"),
            Column("episodes", "Forløb", "Courses", "count"),
            Column("share", "Andel (%)", "Share (%)", "percent"),
        ),
        "rows": (
            ("L90", "Artrose i knæ", 1234, Decimal("33.33")),
            ("L89", "Artrose i hofteled; højre", 2, Decimal("33.33")),
            ("Øvrige", "Skuldersyndrom «å»", 1, Decimal("33.34")),
            ("Region", "", SUPPRESSED, None),
        ),
    }
    fields.update(overrides)
    return Table(**fields)


def read_back(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=";"))


def test_csv_starts_with_the_utf8_bom_and_ends_lines_with_crlf() -> None:
    data = table_csv(table())

    assert data.startswith(b"\xef\xbb\xbf")
    lines = data[3:].split(b"\r\n")
    assert lines[-1] == b""  # the last line ends with CRLF too
    assert len(lines) == 6  # header + 4 rows + the empty rest
    assert b"\n" not in b"".join(lines)


def test_csv_reads_back_with_danish_headers_decimal_comma_and_letters_intact() -> None:
    rows = read_back(table_csv(table()))

    assert rows == [
        ["Kode", "Diagnose", "Forløb", "Andel (%)"],
        ["L90", "Artrose i knæ", "1234", "33,33"],
        ["L89", "Artrose i hofteled; højre", "2", "33,33"],
        ["Øvrige", "Skuldersyndrom «å»", "1", "33,34"],
        ["Region", "", "<5", ""],
    ]


def test_csv_quotes_a_field_holding_a_semicolon() -> None:
    data = table_csv(table())

    assert '"Artrose i hofteled; højre"'.encode() in data


def test_csv_gives_percentages_two_decimals() -> None:
    rows = read_back(table_csv(table(rows=(("L90", "Artrose i knæ", 3, Decimal("100")),))))

    assert rows[1][3] == "100,00"


def test_csv_defuses_text_a_spreadsheet_would_run_as_a_formula() -> None:
    worklist = Table(
        key="worklist",
        title_da="Arbejdsliste",
        title_en="Worklist",
        columns=(Column("source_id", "Forløbs-id", "Source id"),),
        rows=(('=HYPERLINK("x")',), ("+1",), ("-2",), ("@SUM(A1)",), ("E-17",)),
    )

    rows = read_back(table_csv(worklist))

    assert [r[0] for r in rows[1:]] == [
        '\'=HYPERLINK("x")',
        "'+1",
        "'-2",
        "'@SUM(A1)",
        "E-17",
    ]


def test_cell_text_and_number_da() -> None:
    assert cell_text(None) == ""
    assert cell_text(SUPPRESSED) == "<5"
    assert cell_text(1234567) == "1234567"
    assert cell_text(Decimal("33.3")) == "33,30"
    assert number_da(Decimal("0.05")) == "0,05"
    assert number_da(2.5) == "2,50"
    with pytest.raises(TypeError):
        number_da(True)


def test_csv_filename_names_project_clinic_table_and_days() -> None:
    report = Report(
        project_code="diagnosekodning",
        project_name="Diagnosekodning",
        clinic_ydernummer="812345",
        clinic_name="Klinik",
        period=Period.since_enrolment(),
        data_from=dt.date(2026, 1, 12),
        data_to=dt.date(2026, 11, 24),
        is_open=True,
        opens_on=dt.date(2026, 3, 12),
    )

    name = csv_filename(report, table())

    assert name == "sentinel-diagnosekodning-812345-top_codes-2026-01-12-2026-11-24.csv"
