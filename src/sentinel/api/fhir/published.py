"""The profile as conformance resources: the StructureDefinitions (profiles and extensions) and
ValueSets compiled by SUSHI from the FSH in ``fhir/`` (``make fhir-profile``), committed in
``profile/`` beside this module and served under ``/api/v1/fhir/StructureDefinition/<id>`` and
``/api/v1/fhir/ValueSet/<id>``; its examples in ``profile/examples/``. The code systems are not
compiled: they are built from each code set's home (``conformance.code_systems``)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

PROFILE_DIR = Path(__file__).with_name("profile")


def _load(pattern: str, directory: Path = PROFILE_DIR) -> dict[str, dict[str, Any]]:
    resources = (json.loads(path.read_text()) for path in sorted(directory.glob(pattern)))
    return {resource["id"]: resource for resource in resources}


@cache
def structure_definitions() -> dict[str, dict[str, Any]]:
    """The profiles and extensions, by id."""
    return _load("StructureDefinition-*.json")


@cache
def value_sets() -> dict[str, dict[str, Any]]:
    """The value sets, by id."""
    return _load("ValueSet-*.json")


@cache
def examples() -> dict[str, dict[str, Any]]:
    """The profile's example instances (``Bundle``, ``Patient`` …), by id."""
    return _load("*.json", PROFILE_DIR / "examples")


def profile_of(resource_type: str) -> str | None:
    """The canonical URL of the profile on ``resource_type``, if the profile has one."""
    for definition in structure_definitions().values():
        if definition["type"] == resource_type and definition["kind"] == "resource":
            return str(definition["url"])
    return None
