"""The ICPC-2-DK code list (package data ``lib/data/icpc2-dk.csv``)."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from importlib import resources


@dataclass(frozen=True)
class Icpc2Code:
    code: str
    chapter: str
    component: int
    title_da: str


@cache
def codes() -> dict[str, Icpc2Code]:
    text = resources.files("sentinel.lib").joinpath("data", "icpc2-dk.csv").read_text("utf-8")
    return {
        row["code"]: Icpc2Code(row["code"], row["chapter"], int(row["component"]), row["title_da"])
        for row in csv.DictReader(text.splitlines())
    }


def is_known(code: str) -> bool:
    return code in codes()


# The mandatory structured courses of speciale 51 and the codes that satisfy each.
COURSE_TYPES: dict[str, frozenset[str]] = {
    "cervical_radiculopathy": frozenset({"L83"}),
    "lumbar_radiculopathy": frozenset({"L86"}),
    "lumbar_spinal_stenosis": frozenset({"L84", "L86"}),
    "hip_osteoarthritis": frozenset({"L89"}),
    "knee_osteoarthritis": frozenset({"L90"}),
    "low_back_pain": frozenset({"L03"}),
}

# The structured courses' names, as the portal, the reports and the project pages say them.
COURSE_TYPE_LABELS_DA: dict[str, str] = {
    "cervical_radiculopathy": "Cervikal nerverodspåvirkning",
    "lumbar_radiculopathy": "Lumbal nerverodspåvirkning",
    "lumbar_spinal_stenosis": "Lumbal spinalstenose",
    "hip_osteoarthritis": "Hofteartrose",
    "knee_osteoarthritis": "Knæartrose",
    "low_back_pain": "Primære lændesmerter",
}
COURSE_TYPE_LABELS_EN: dict[str, str] = {
    "cervical_radiculopathy": "Cervical nerve root affection",
    "lumbar_radiculopathy": "Lumbar nerve root affection",
    "lumbar_spinal_stenosis": "Lumbar spinal stenosis",
    "hip_osteoarthritis": "Hip osteoarthritis",
    "knee_osteoarthritis": "Knee osteoarthritis",
    "low_back_pain": "Primary low back pain",
}


# The ICPC-2 chapters (body systems) by their letter, with the Danish chapter names.
CHAPTERS_DA: dict[str, str] = {
    "A": "Almene og uspecifikke",
    "B": "Blod, bloddannende organer og immunsystem",
    "D": "Fordøjelsesorganer",
    "F": "Øje",
    "H": "Øre",
    "K": "Hjerte og kredsløb",
    "L": "Bevægeapparatet",
    "N": "Nervesystemet",
    "P": "Psykiske forhold",
    "R": "Luftveje",
    "S": "Hud",
    "T": "Endokrine, metaboliske og ernæringsmæssige forhold",
    "U": "Urinveje",
    "W": "Graviditet, fødsel og familieplanlægning",
    "X": "Kvindelige kønsorganer og bryst",
    "Y": "Mandlige kønsorganer",
    "Z": "Sociale forhold",
}


def chapter_name_da(letter: str) -> str:
    """The Danish name of an ICPC-2 chapter, or the letter itself if unknown."""
    return CHAPTERS_DA.get(letter, letter)


# The chapters' names in WONCA's English edition of ICPC-2.
CHAPTERS_EN: dict[str, str] = {
    "A": "General and unspecified",
    "B": "Blood, blood forming organs and immune mechanism",
    "D": "Digestive",
    "F": "Eye",
    "H": "Ear",
    "K": "Cardiovascular",
    "L": "Musculoskeletal",
    "N": "Neurological",
    "P": "Psychological",
    "R": "Respiratory",
    "S": "Skin",
    "T": "Endocrine, metabolic and nutritional",
    "U": "Urological",
    "W": "Pregnancy, childbearing, family planning",
    "X": "Female genital",
    "Y": "Male genital",
    "Z": "Social problems",
}


def chapter_name_en(letter: str) -> str:
    """The English name of an ICPC-2 chapter, or the letter itself if unknown."""
    return CHAPTERS_EN.get(letter, letter)
