"""Danish reference data shipped as package data (see ``lib/data``).

- Regions DK-81…DK-85 and kommunekoder come from HL7 Denmark's dk-core code systems.
- ``municipality-regions.csv`` maps each kommunekode to its region; dk-core has no such
  mapping, so it is ours (the 2007 municipal reform's assignment). Christiansø (0411)
  belongs to no region and has no row.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from importlib import resources


@dataclass(frozen=True)
class Region:
    code: str
    name: str
    name_en: str


@dataclass(frozen=True)
class Municipality:
    code: str
    name: str
    region_code: str | None


def _rows(filename: str) -> list[dict[str, str]]:
    text = resources.files("sentinel.lib").joinpath("data", filename).read_text("utf-8")
    return list(csv.DictReader(text.splitlines()))


@cache
def regions() -> dict[str, Region]:
    """The five Danish regions by code."""
    return {r["code"]: Region(r["code"], r["name"], r["name_en"]) for r in _rows("dk-regions.csv")}


@cache
def municipalities() -> dict[str, Municipality]:
    """Danish municipalities by 4-digit kommunekode, each with its region."""
    region_of = {r["code"]: r["region_code"] for r in _rows("municipality-regions.csv")}
    return {
        r["code"]: Municipality(r["code"], r["name"], region_of.get(r["code"]))
        for r in _rows("dk-municipalities.csv")
    }
