"""CSV export of a report table, made so Danish Excel opens it right.

The rules: semicolon between fields; decimal comma (``33,33``) and no thousands separator;
a suppressed cell as ``<5``, an empty cell as nothing; the header row is the columns' Danish
labels; UTF-8 with a byte-order mark (so Excel reads æ, ø, å right) and CRLF line ends. Text
that a spreadsheet would take for a formula (starting with ``=``, ``+``, ``-``, ``@``, a tab
or a carriage return) gets a leading apostrophe, so a source id sent by a practice system can
never run as a formula on the clinic's computer.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from decimal import ROUND_HALF_UP, Decimal

from sentinel.reports.engine import CellValue, Report, Suppressed, Table

BOM = "\ufeff"
CONTENT_TYPE = "text/csv; charset=utf-8"
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_SAFE_NAME = re.compile(r"[^a-z0-9_-]+")


def number_da(value: int | Decimal | float) -> str:
    """A number the Danish way: ``33,33``, ``1234`` (decimal comma, no thousands separator).
    A Decimal keeps its own decimals; a float is rounded to two."""
    if isinstance(value, bool):
        raise TypeError("a boolean is not a number here")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        value = Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return format(value, "f").replace(".", ",")


def cell_text(value: CellValue) -> str:
    """One table cell as CSV text: counts as they are, percentages with two decimals and a
    decimal comma, "<5" for a suppressed cell, nothing for an empty one."""
    if value is None:
        return ""
    if isinstance(value, Suppressed):
        return value.text
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal):
        return number_da(value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))
    text = str(value)
    if text.startswith(_FORMULA_START):
        return "'" + text
    return text


def table_csv(table: Table) -> bytes:
    """The table as CSV bytes (UTF-8 with BOM, semicolons, CRLF), header row first."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow([cell_text(c.label_da) for c in table.columns])
    for row in table.rows:
        writer.writerow([cell_text(value) for value in row])
    return (BOM + buffer.getvalue()).encode("utf-8")


def _safe(part: str) -> str:
    return _SAFE_NAME.sub("-", part.lower()).strip("-") or "x"


def csv_filename(report: Report, table: Table) -> str:
    """``sentinel-<project>-<ydernummer>-<table>-<from>-<to>.csv``, dates as YYYY-MM-DD."""
    days = [
        day.isoformat() if isinstance(day, dt.date) else "x"
        for day in (report.data_from, report.data_to)
    ]
    parts = [
        "sentinel",
        _safe(report.project_code),
        _safe(report.clinic_ydernummer),
        _safe(table.key),
        *days,
    ]
    return "-".join(parts) + ".csv"
