"""The period a report covers: since enrolment, the last 12 months, a calendar year or a
from–to range of whole months; and the days of data a period shows for an enrolment.

The report says which days its data covers: from the later of the period's first day and the
enrolment date, to the earliest of the period's last day, today and the day before an
unenrolment ("Data fra 12.01.2026 til 24.11.2026"). Months before the enrolment month are never
read. The benchmark follows the same months.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, get_args

from sentinel.lib.dates import add_months, format_da
from sentinel.lib.errors import DomainError
from sentinel.projects.models import Enrolment

PeriodKind = Literal["since_enrolment", "last_12_months", "year", "range"]
PERIOD_KINDS: tuple[str, ...] = get_args(PeriodKind)
MONTH_PATTERN = r"^([0-9]{4})-([0-9]{2})$"  # ASCII digits: \d would take "٢٠٢٥"
YEAR_PATTERN = r"^[0-9]{4}$"
QUERY_PATTERNS = {  # the URL query parameters as the vendor API takes them
    "period": f"^({'|'.join(PERIOD_KINDS)})?$",
    "year": YEAR_PATTERN,
    "from": MONTH_PATTERN,
    "to": MONTH_PATTERN,
}
_MONTH = re.compile(MONTH_PATTERN)
_YEAR = re.compile(YEAR_PATTERN)


def first_of_month(day: dt.date) -> dt.date:
    return day.replace(day=1)


def last_of_month(day: dt.date) -> dt.date:
    return add_months(first_of_month(day), 1) - dt.timedelta(days=1)


def months_between(first: dt.date, last: dt.date) -> list[dt.date]:
    """The first days of the months from ``first``'s month to ``last``'s month, inclusive."""
    months = []
    month = first_of_month(first)
    while month <= last:
        months.append(month)
        month = add_months(month, 1)
    return months


def _period_error(detail_en: str, detail_da: str) -> DomainError:
    return DomainError(
        "invalid_period",
        f"invalid report period: {detail_en}. Use period=since_enrolment, "
        "period=last_12_months, period=year&year=YYYY or period=range&from=YYYY-MM&to=YYYY-MM",
        f"Ugyldig periode: {detail_da}. Vælg 'siden tilmelding', 'seneste 12 måneder', "
        "et kalenderår eller en periode fra måned til måned.",
    )


def _parse_month(text: str, name: str) -> dt.date:
    match = _MONTH.match(text.strip())
    if match is None:
        raise _period_error(
            f"{name} must be a month as YYYY-MM, got {text[:20]!r}",
            f"'{name}' skal være en måned som ÅÅÅÅ-MM",
        )
    year, month = int(match.group(1)), int(match.group(2))
    if not 1 <= month <= 12 or year < 2000:
        raise _period_error(
            f"{name} is not a month from year 2000 on: {text[:20]!r}",
            f"'{name}' er ikke en gyldig måned",
        )
    return dt.date(year, month, 1)


@dataclass(frozen=True)
class Period:
    """The period a report covers, in whole months.

    ``kind``: ``since_enrolment`` (the default), ``last_12_months`` (the current month and the
    11 before it), ``year`` (a calendar year) or ``range`` (from a month to a month, both
    included). ``start``/``end`` are set for ``year`` and ``range`` only (first days of months).
    """

    kind: PeriodKind = "since_enrolment"
    year: int | None = None
    start: dt.date | None = None
    end: dt.date | None = None

    @classmethod
    def since_enrolment(cls) -> Period:
        return cls("since_enrolment")

    @classmethod
    def last_12_months(cls) -> Period:
        return cls("last_12_months")

    @classmethod
    def calendar_year(cls, year: int) -> Period:
        return cls("year", year=year, start=dt.date(year, 1, 1), end=dt.date(year, 12, 1))

    @classmethod
    def months(cls, start: dt.date, end: dt.date) -> Period:
        first, last = first_of_month(start), first_of_month(end)
        if last < first:
            raise _period_error(
                f"'to' ({last:%Y-%m}) is before 'from' ({first:%Y-%m})",
                f"'til' ({last:%m.%Y}) ligger før 'fra' ({first:%m.%Y})",
            )
        return cls("range", start=first, end=last)

    @classmethod
    def parse(cls, query: Mapping[str, Any] | str | None) -> Period:
        """A period from URL query parameters (``period``, ``year``, ``from``, ``to``) or from
        its short text form (``since_enrolment``, ``last_12_months``, ``2025``,
        ``2025-01..2025-06``). Nothing given means since enrolment. Bad input raises
        ``DomainError("invalid_period")``."""
        if query is None:
            return cls.since_enrolment()
        if isinstance(query, str):
            return cls._parse_text(query)
        params = {k: ("" if v is None else str(v)).strip() for k, v in query.items()}
        kind = params.get("period", "")
        if kind in ("", "since_enrolment"):
            return cls.since_enrolment()
        if kind == "last_12_months":
            return cls.last_12_months()
        if kind == "year":
            year = params.get("year", "")
            if not _YEAR.match(year) or int(year) < 2000:
                raise _period_error(
                    f"year must be a year as YYYY from 2000 on, got {year[:20]!r}",
                    "året skal angives som ÅÅÅÅ",
                )
            return cls.calendar_year(int(year))
        if kind == "range":
            if not params.get("from") or not params.get("to"):
                raise _period_error(
                    "a range needs both 'from' and 'to'", "angiv både 'fra' og 'til'"
                )
            return cls.months(
                _parse_month(params["from"], "from"), _parse_month(params["to"], "to")
            )
        return cls._parse_text(kind)

    @classmethod
    def parse_exact(cls, query: Mapping[str, str]) -> Period:
        """``parse`` for the vendor API: each parameter given must be exactly as the OpenAPI
        document states it (``QUERY_PATTERNS``: no spaces, no short text form, no empty
        ``year``), so that the document is the whole rule."""
        for name, value in query.items():
            pattern = QUERY_PATTERNS.get(name)
            if pattern is not None and not re.fullmatch(pattern, value):
                raise _period_error(
                    f"{name} must match {pattern}, got {value[:20]!r}",
                    f"'{name}' har ikke den rigtige form",
                )
        return cls.parse(query)

    @classmethod
    def _parse_text(cls, text: str) -> Period:
        value = text.strip()
        if value in ("", "since_enrolment"):
            return cls.since_enrolment()
        if value == "last_12_months":
            return cls.last_12_months()
        if _YEAR.match(value):
            return cls.parse({"period": "year", "year": value})
        if ".." in value:
            start, _, end = value.partition("..")
            return cls.parse({"period": "range", "from": start, "to": end})
        raise _period_error(f"unknown period {value[:30]!r}", "ukendt periode")

    def as_query(self) -> dict[str, str]:
        """The URL query parameters that ``parse`` turns back into this period."""
        if self.kind == "year":
            return {"period": "year", "year": str(self.year)}
        if self.kind == "range" and self.start and self.end:
            return {"period": "range", "from": f"{self.start:%Y-%m}", "to": f"{self.end:%Y-%m}"}
        return {"period": self.kind}

    def __str__(self) -> str:
        if self.kind == "year":
            return str(self.year)
        if self.kind == "range" and self.start and self.end:
            return f"{self.start:%Y-%m}..{self.end:%Y-%m}"
        return self.kind

    @property
    def label_da(self) -> str:
        if self.kind == "since_enrolment":
            return "Siden tilmelding"
        if self.kind == "last_12_months":
            return "Seneste 12 måneder"
        if self.kind == "year":
            return f"Kalenderåret {self.year}"
        assert self.start and self.end  # noqa: S101 - set for every range
        return f"{self.start:%m.%Y}–{self.end:%m.%Y}"

    @property
    def label_en(self) -> str:
        if self.kind == "since_enrolment":
            return "Since enrolment"
        if self.kind == "last_12_months":
            return "The last 12 months"
        if self.kind == "year":
            return f"The calendar year {self.year}"
        assert self.start and self.end  # noqa: S101 - set for every range
        return f"{self.start:%Y-%m} to {self.end:%Y-%m}"

    def bounds(self, *, enrolled_on: dt.date, today: dt.date) -> tuple[dt.date, dt.date]:
        """The period's first and last day, before clamping to enrolment and today."""
        if self.kind == "since_enrolment":
            return enrolled_on, today
        if self.kind == "last_12_months":
            return add_months(first_of_month(today), -11), today
        assert self.start and self.end  # noqa: S101 - set for year and range
        return self.start, last_of_month(self.end)

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "text": str(self), "query": self.as_query()}


def data_range(period: Period, enrolment: Enrolment, today: dt.date) -> tuple[dt.date, dt.date]:
    """The days a report's data covers: max(period start, enrolment) … min(period end, today,
    the day before unenrolment). Raises ``DomainError("empty_period")`` if none."""
    start, end = period.bounds(enrolled_on=enrolment.enrolled_on, today=today)
    data_from = max(start, enrolment.enrolled_on)
    data_to = min(end, today)
    if enrolment.unenrolled_on is not None:
        data_to = min(data_to, enrolment.unenrolled_on - dt.timedelta(days=1))
    if data_to < data_from:
        if start > today:
            raise DomainError(
                "empty_period",
                f"the period {period} lies in the future",
                f"Perioden ({period.label_da.lower()}) ligger i fremtiden.",
            )
        raise DomainError(
            "empty_period",
            f"the period {period} lies outside the enrolment "
            f"({enrolment.enrolled_on.isoformat()}"
            + (f" to {enrolment.unenrolled_on.isoformat()}" if enrolment.unenrolled_on else "")
            + "); the report shows data from the enrolment date on",
            f"Perioden ({period.label_da.lower()}) ligger uden for din tilmelding (fra "
            f"{format_da(enrolment.enrolled_on)}"
            + (f" til {format_da(enrolment.unenrolled_on)}" if enrolment.unenrolled_on else "")
            + "). Rapporten viser data fra tilmeldingsdatoen.",
        )
    return data_from, data_to
