"""Indicators declared as data: the language a project's report is written in when it has no
code of its own (``reports.declared`` builds the tab; ``DeclaredIndicator`` stores it).

An indicator counts records of one **record type**, named by its string (``episode`` today;
another record type plugs in by registering a ``Source`` under its name, ``register_source``).
It says:

- the **population**: conditions on the record type's fields (for ``episode``: speciale,
  course type, current ICPC-2 code), each a list of the values allowed, ``""`` for "none"
  and ``ANY`` (``"*"``) for "any value";
- the **denominator** (population and its own conditions) and the **numerator** (the
  denominator's records that also meet the numerator's conditions, at least one);
- the **period** it is measured over (the report's period, or its last 3 or 12 months), the
  **direction** (higher or lower better, as ``IndicatorTarget``), the **target range**
  (``reports.targets.check_target``'s rules), the **disclosure rule** (``DISCLOSURES``; the
  thresholds are ``reports.disclosure``'s) and the **comparison levels** (``LEVELS``).

A source reads aggregates only: for ``episode`` (``reports.episode_source``) the report cells
(month, speciale, course type, code) of the clinic and the benchmark cells of its region, the
nation and its quality network, so the language can say only what the cells can tell.
``check_indicator`` refuses (``DomainError``) what may not be stored; ``in_force`` reads the
indicators a report measures on a day.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from importlib import import_module
from typing import Protocol, cast

from sentinel.lib.errors import DomainError
from sentinel.projects.models import DataSpecification, Project
from sentinel.reports.headline import Better, Indicator
from sentinel.reports.models import DeclaredIndicator
from sentinel.reports.targets import check_target

ANY = "*"
"""A condition value meaning "any value but none"."""
Conditions = dict[str, tuple[str, ...]]
"""Field → the values allowed (a record meets them when each field's value is one of them)."""

PERIODS = tuple(DeclaredIndicator.Period.values)
KINDS = tuple(DeclaredIndicator.Kind.values)
PERIOD_MONTHS: dict[str, int | None] = {"report": None, "months_3": 3, "months_12": 12}
DISCLOSURES = tuple(DeclaredIndicator.Disclosure.values)
LEVELS: dict[str, tuple[str, str]] = {
    "region": ("Regionen", "Region"),
    "nation": ("Hele landet", "Nation"),
}
"""The comparison levels an indicator may be shown against. A clinic in a quality network sees
its network's figure too beside every indicator compared with any of them (``NETWORK``, not
declared per indicator: whether there is one is the clinic's, ``reports.declared_scopes``)."""
NETWORK = "network"
_KEY = re.compile(r"[a-z][a-z0-9_]{0,39}")


# --- record types the language knows ----------------------------------------------------------


@dataclass(frozen=True)
class FieldInfo:
    """A field a condition may name: its words and the values it may take (``None``: any
    value its ``check`` accepts)."""

    label_da: str
    label_en: str
    choices: tuple[tuple[str, str], ...] | None = None

    def refusal(self, value: str) -> str | None:
        """Why ``value`` is not a value of this field (None when it is)."""
        if value in ("", ANY):
            return None
        if self.choices is not None and value not in {v for v, _label in self.choices}:
            return f"{value!r} is not one of {[v for v, _ in self.choices]}"
        return None


Cell = tuple[dt.date, Mapping[str, str], int]
"""(month, the record's field values, records) of one aggregate cell."""


class Source(Protocol):
    """Where the figures of a record type come from: its aggregate cells."""

    record_type: str
    label_da: str
    fields: Mapping[str, FieldInfo]
    counts_courses: bool
    numbers: Mapping[str, FieldInfo]
    """The numbers its cells carry that a median may read (none for most record types)."""
    """Whether a record is a course (the report's "courses" are theirs; a source of
    measurements per course counts them only when the report has no course source)."""

    def check_value(self, name: str, value: str) -> str | None: ...

    def clinic_cells(
        self, project_id: int, clinic_id: int, first: dt.date, last: dt.date
    ) -> list[Cell]: ...

    def scope_cells(
        self, project_id: int, scope: str, first: dt.date, last: dt.date
    ) -> list[Cell]: ...

    def contributors(
        self, project_id: int, region: str, first: dt.date, last: dt.date
    ) -> dict[str, int]: ...

    def clinics_cells(
        self, project_id: int, first: dt.date, last: dt.date
    ) -> list[tuple[int, Mapping[str, str], int]]:
        """Every clinic's cells summed over the months (clinic id, values, records): the
        funnel plot's points, which never leave its drawing."""
        ...

    def network_cells(
        self, project_id: int, network_id: int, first: dt.date, last: dt.date
    ) -> list[Cell]:
        """A quality network's cells: those of the member clinics that contributed to it in
        each month (``NetworkContributor``, kept by the benchmark refresh), summed."""
        ...


_sources: dict[str, Source] = {}


def register_source(source: Source) -> Source:
    """Make a record type known to the language (its name is the source's ``record_type``)."""
    existing = _sources.get(source.record_type)
    if existing is not None and existing is not source:
        raise ValueError(f"record type {source.record_type!r} has a source already")
    _sources[source.record_type] = source
    return source


SOURCE_MODULES: tuple[str, ...] = (
    "sentinel.reports.episode_source",
    "sentinel.reports.outcome_source",
)
"""Modules registering further record types' sources (imported on first use, as
``engine.DEFINITION_MODULES``): a new record type adds its module here, nothing else."""


def sources() -> dict[str, Source]:
    """Every record type the language knows, by name."""
    for module in SOURCE_MODULES:
        import_module(module)
    return dict(_sources)


def source_for(record_type: str) -> Source:
    found = sources().get(record_type)
    if found is None:
        raise DomainError(
            "unknown_record_type",
            f"indicators cannot count record type {record_type!r}; known: {sorted(_sources)}",
            f"Indikatorer kan ikke tælle posttypen »{record_type}«.",
        )
    return found


# --- the language ------------------------------------------------------------------------------


def meets(conditions: Conditions, values: Mapping[str, str]) -> bool:
    """Whether a record (cell) with ``values`` meets every condition."""
    for name, allowed in conditions.items():
        value = values.get(name, "")
        if value in allowed or (ANY in allowed and value != ""):
            continue
        return False
    return True


@dataclass(frozen=True)
class Declared:
    """One declared indicator as the engine reads it."""

    key: str
    label_da: str
    label_en: str
    record_type: str
    population: Conditions = field(default_factory=dict)
    kind: str = "share"
    value: str = ""
    denominator: Conditions = field(default_factory=dict)
    numerator: Conditions = field(default_factory=dict)
    period: str = "report"
    better: Better = "higher"
    target: tuple[Decimal, Decimal] | None = None
    disclosure: str = "standard"
    levels: tuple[str, ...] = ("region", "nation")
    definition_da: str = ""
    definition_en: str = ""
    version: int | None = None
    version_from: dt.date | None = None

    @property
    def indicator(self) -> Indicator:
        """The headline's ``Indicator`` (its target applied as the operator declared it)."""
        return Indicator(
            key=self.key,
            label_da=self.label_da,
            label_en=self.label_en or self.label_da,
            better=self.better,
            target=self.target,
            kind="median" if self.kind == "median" else "percent",
            definition_da=self.definition_da,
            definition_en=self.definition_en,
            target_version=self.version,
            target_from=self.version_from,
        )

    def in_denominator(self, values: Mapping[str, str]) -> bool:
        return meets(self.population, values) and meets(self.denominator, values)

    def in_numerator(self, values: Mapping[str, str]) -> bool:
        return self.in_denominator(values) and meets(self.numerator, values)

    def count(self, cells: Iterable[Cell], months: tuple[dt.date, ...]) -> tuple[int, int]:
        """(numerator, denominator) over the cells of ``months``."""
        wanted = set(months)
        part = whole = 0
        for month, values, n in cells:
            if month in wanted and self.in_denominator(values):
                whole += n
                if meets(self.numerator, values):
                    part += n
        return part, whole

    @classmethod
    def of(cls, row: DeclaredIndicator) -> Declared:
        spec = row.specification
        return cls(
            key=row.key,
            label_da=row.label_da,
            label_en=row.label_en,
            record_type=row.record_type,
            kind=row.kind,
            value=row.value,
            population=_conditions(row.population),
            denominator=_conditions(row.denominator),
            numerator=_conditions(row.numerator),
            period=row.period,
            better=cast(Better, row.better),
            target=(row.low, row.high) if row.low is not None and row.high is not None else None,
            disclosure=row.disclosure,
            levels=tuple(row.levels or ()),
            definition_da=row.definition_da,
            definition_en=row.definition_en,
            version=spec.version if spec is not None else None,
            version_from=spec.effective_from if spec is not None else None,
        )


def _conditions(raw: Mapping[str, Iterable[str]] | None) -> Conditions:
    return {name: tuple(values) for name, values in (raw or {}).items() if values}


def _refuse(code: str, en: str, da: str) -> DomainError:
    return DomainError(code, en, da)


def check_conditions(source: Source, conditions: Mapping[str, Iterable[str]], part: str) -> None:
    words = {"population": "populationen", "denominator": "nævneren", "numerator": "tælleren"}
    for name, values in conditions.items():
        if name not in source.fields:
            raise _refuse(
                "unknown_condition_field",
                f"{part}: record type {source.record_type!r} has no field {name!r} to count by",
                f"{words[part].capitalize()}: posttypen »{source.record_type}« har intet felt "
                f"»{name}«.",
            )
        for value in values:
            refused = source.check_value(name, value)
            if refused is not None:
                label = source.fields[name].label_da
                raise _refuse(
                    "unknown_condition_value",
                    f"{part}: {name}: {refused}",
                    f"{words[part].capitalize()}: »{value}« er ikke en gyldig værdi for {label}.",
                )


def check_indicator(
    *,
    key: str,
    label_da: str,
    record_type: str,
    population: Mapping[str, Iterable[str]],
    denominator: Mapping[str, Iterable[str]],
    numerator: Mapping[str, Iterable[str]],
    period: str,
    better: str,
    low: Decimal | None,
    high: Decimal | None,
    disclosure: str,
    levels: Iterable[str],
    kind: str = "share",
    value: str = "",
) -> None:
    """Refuse (``DomainError``, with Danish and English words) an indicator that may not be
    stored; the target's rules are ``reports.targets.check_target``'s."""
    if not _KEY.fullmatch(key):
        raise _refuse(
            "invalid_indicator_key",
            f"an indicator's key is lower-case letters, digits and _ (a letter first), not {key!r}",
            "Nøglen skal være små bogstaver, tal og _, og begynde med et bogstav.",
        )
    if not label_da.strip():
        raise _refuse("missing_label", "an indicator needs a Danish name", "Angiv et navn.")
    source = source_for(record_type)
    for part, conditions in (
        ("population", population),
        ("denominator", denominator),
        ("numerator", numerator),
    ):
        check_conditions(source, conditions, part)
    if kind not in KINDS:
        raise _refuse("invalid_kind", f"the kind is one of {list(KINDS)}", "Vælg en slags.")
    if kind == "median":
        _check_median(source, _conditions(numerator), value)
    elif value:
        raise _refuse(
            "value_without_median",
            "only a median reads a number (value); a share counts records",
            "Kun en median læser et tal; en andel tæller forløb.",
        )
    elif not any(list(v) for v in numerator.values()):
        raise _refuse(
            "numerator_without_condition",
            "the numerator needs at least one condition (else it is the denominator)",
            "Tælleren skal have mindst én betingelse; ellers er den lig med nævneren.",
        )
    if period not in PERIODS:
        raise _refuse("invalid_period", f"the period is one of {list(PERIODS)}", "Vælg en periode.")
    if disclosure not in DISCLOSURES:
        raise _refuse(
            "invalid_disclosure",
            f"the disclosure rule is one of {list(DISCLOSURES)}",
            "Vælg en regel for skjulning af små tal.",
        )
    unknown = [level for level in levels if level not in LEVELS]
    if unknown:
        raise _refuse(
            "invalid_level",
            f"comparison levels are some of {list(LEVELS)}, not {unknown}",
            "Vælg sammenligningsniveauer blandt regionen og hele landet.",
        )
    check_target(
        (
            Indicator(
                key=key,
                label_da=label_da,
                label_en=label_da,
                kind="median" if kind == "median" else "percent",
            ),
        ),
        key=key,
        better=better,
        low=low,
        high=high,
    )


def _check_median(source: Source, numerator: Conditions, value: str) -> None:
    words = {  # code: (refused, in English, in Danish)
        "unknown_value": (
            value not in source.numbers,
            f"a median reads one of {sorted(source.numbers)}",
            "En median læser et af posttypens tal.",
        ),
        "median_with_numerator": (
            any(numerator.values()),
            "no numerator",
            "En median har ingen tæller.",
        ),
    }
    for code, (refused, en, da) in words.items():
        if refused:
            raise _refuse(code, en, da)


# --- which indicators a report measures ----------------------------------------------------


def in_force(project: Project, day: dt.date) -> tuple[Declared, ...]:
    """The indicators published with the highest version of ``project``'s data specification
    in force by ``day`` that has indicators of its own (one query), in their order."""
    rows = list(
        DeclaredIndicator.objects.filter(
            project=project,
            specification__isnull=False,
            specification__effective_from__lte=day,
        )
        .select_related("specification")
        .order_by("-specification__version", "position", "key")
    )
    if not rows:
        return ()
    top = rows[0].specification_id
    return tuple(Declared.of(r) for r in rows if r.specification_id == top)


def declared_project_codes(among: Iterable[str]) -> set[str]:
    """Which of the projects ``among`` (codes) have published indicators (their reports are
    declared); one query."""
    return set(
        DeclaredIndicator.objects.filter(
            specification__isnull=False, project__code__in=sorted(set(among))
        )
        .values_list("project__code", flat=True)
        .distinct()
    )


def published_versions(project: Project) -> dict[int, list[DeclaredIndicator]]:
    """Every version's published indicators, by version number (the console's history)."""
    found: dict[int, list[DeclaredIndicator]] = {}
    for row in (
        DeclaredIndicator.objects.filter(project=project, specification__isnull=False)
        .select_related("specification")
        .order_by("-specification__version", "position", "key")
    ):
        spec = cast(DataSpecification, row.specification)
        found.setdefault(spec.version, []).append(row)
    return found
