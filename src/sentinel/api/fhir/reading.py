"""Reading raw FHIR JSON element by element, checking each against the R4 models, and the
Bundle's references (``fullUrl`` and ``Type/id``). See ``sentinel.api.fhir``."""

from __future__ import annotations

import datetime as dt
import re
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from fhir.resources.R4B.coding import Coding
from fhir.resources.R4B.extension import Extension
from fhir.resources.R4B.identifier import Identifier
from fhir.resources.R4B.meta import Meta
from fhir.resources.R4B.reference import Reference
from pydantic import BaseModel

from sentinel.api.fhir.codes import (
    _WHOLE_NUMBER,
    CPR_SYSTEM,
    MAX_LENGTHS,
    MAX_VERSION,
    YDERNUMMER_SYSTEM,
    _Problem,
    _shown,
)


@cache
def _elements(model: type[BaseModel]) -> frozenset[str]:
    """The JSON element names FHIR R4 defines for ``model`` (``_x`` primitive extensions too)."""
    names = {field.alias or name for name, field in model.model_fields.items()}
    return frozenset((names | {"resourceType"}) - {"fhir_comments"})


_KINDS: dict[type, str] = {
    str: "a string",
    bool: "true or false",
    list: "an array",
    dict: "an object",
}


def _value(obj: dict[str, Any], key: str, kind: type, where: str, *, required: bool = False) -> Any:
    """``obj[key]`` if it is of ``kind``; None if absent (a ``_Problem`` if required)."""
    value = obj.get(key)
    if value is None:
        if key in obj:
            raise _Problem(f"{where}.{key}: null is not allowed in FHIR JSON; leave it out")
        if required:
            raise _Problem(f"{where}.{key}: required")
        return None
    if not isinstance(value, kind):
        raise _Problem(f"{where}.{key}: must be {_KINDS[kind]}")
    return value


def _object(value: Any, model: type[BaseModel], where: str) -> dict[str, Any]:
    """``value`` as an object of FHIR type ``model``: no unknown elements, no modifiers."""
    if not isinstance(value, dict):
        raise _Problem(f"{where}: must be an object (FHIR {model.__name__})")
    allowed = _elements(model)
    if not value.keys() <= allowed:
        unknown = value.keys() - allowed
        names = ", ".join(_shown(name) for name in sorted(unknown)[:3])
        raise _Problem(f"{where}: {names} is not an element of FHIR R4 {model.__name__}")
    if value.get("modifierExtension"):
        raise _Problem(
            f"{where}.modifierExtension: not understood here, so the element cannot be taken"
        )
    return value


def _child(obj: dict[str, Any], key: str, model: type[BaseModel], where: str) -> dict[str, Any]:
    """The object ``obj[key]`` of FHIR type ``model``, ``{}`` if absent."""
    value = _value(obj, key, dict, where)
    return {} if value is None else _object(value, model, f"{where}.{key}")


def _children(
    obj: dict[str, Any], key: str, model: type[BaseModel], where: str
) -> list[tuple[str, dict[str, Any]]]:
    """The objects of the array ``obj[key]``, each with its path."""
    values = _value(obj, key, list, where) or []
    return [
        (f"{where}.{key}[{i}]", _object(value, model, f"{where}.{key}[{i}]"))
        for i, value in enumerate(values)
    ]


def _codings(concepts: list[tuple[str, dict[str, Any]]]) -> list[tuple[str, dict[str, Any]]]:
    """The codings of CodeableConcepts, each with its path."""
    codings = []
    for path, concept in concepts:
        for coding_path, coding in _children(concept, "coding", Coding, path):
            _value(coding, "system", str, coding_path)
            codings.append((coding_path, coding))
    return codings


def _one_code(
    codings: list[tuple[str, dict[str, Any]]], systems: frozenset[str], where: str, what: str
) -> str | None:
    """The single code of ``systems`` among ``codings``; None if there is none."""
    codes: list[str] = []
    for path, coding in codings:
        if coding.get("system") in systems:
            code = _value(coding, "code", str, path, required=True)
            if code not in codes:
                codes.append(code)
    if len(codes) > 1:
        raise _Problem(f"{where}: more than one {what} ({', '.join(map(_shown, codes))})")
    return codes[0] if codes else None


def _extensions(resource: dict[str, Any], where: str) -> list[tuple[str, dict[str, Any]]]:
    """The resource's extensions, each with its path (and its ``url`` checked)."""
    extensions = _children(resource, "extension", Extension, where)
    for path, extension in extensions:
        _value(extension, "url", str, path, required=True)
    return extensions


def _extension(
    extensions: list[tuple[str, dict[str, Any]]], url: str, value_key: str, kind: type, where: str
) -> Any:
    """The value of the one extension ``url`` among ``extensions`` (``_extensions``)."""
    found = [(path, extension) for path, extension in extensions if extension["url"] == url]
    if not found:
        return None
    if len(found) > 1:
        raise _Problem(f"{where}.extension: {url} appears more than once")
    path, extension = found[0]
    value = extension.get(value_key)
    if not isinstance(value, kind):
        raise _Problem(f"{path}: the extension {url} must carry {value_key}")
    return value


def _limited(value: str, field: str, where: str) -> str:
    if len(value) > MAX_LENGTHS[field]:
        raise _Problem(f"{where}: {field} is longer than {MAX_LENGTHS[field]} characters")
    return value


# --- references -----------------------------------------------------------------------------


class _References:
    """Resolves references to entries of this Bundle: by fullUrl or by ``Type/id``."""

    def __init__(self) -> None:
        self._keys: dict[str, list[int]] = {}

    def add(self, index: int, full_url: Any, resource: dict[str, Any]) -> None:
        keys = set()
        if isinstance(full_url, str) and full_url:
            keys.add(full_url)
            if full_url.startswith(("http://", "https://")):
                keys.add(_type_and_id(full_url))
        resource_type, resource_id = resource.get("resourceType"), resource.get("id")
        if isinstance(resource_type, str) and isinstance(resource_id, str):
            keys.add(f"{resource_type}/{resource_id}")
        for key in keys:
            self._keys.setdefault(key, []).append(index)

    def resolve(self, value: Any, where: str) -> int:
        reference = _object(value, Reference, where) if value is not None else {}
        text = _value(reference, "reference", str, where)
        if text is None:
            raise _Problem(
                f"{where}: a reference to an entry of this Bundle is required "
                "(reference = the entry's fullUrl or <Type>/<id>)"
            )
        found = self._keys.get(text)
        if found is None:
            base = text.split("/_history/", 1)[0]
            found = self._keys.get(base) or self._keys.get(_type_and_id(base))
        if not found:
            raise _Problem(
                f"{where}: reference {_shown(text)} resolves to no entry of this Bundle "
                "(it must be an entry's fullUrl or <Type>/<id>)"
            )
        if len(found) > 1:
            entries = ", ".join(f"entry[{i}]" for i in found)
            raise _Problem(f"{where}: reference {_shown(text)} matches several entries ({entries})")
        return found[0]


def _type_and_id(url: str) -> str:
    return "/".join(url.rstrip("/").split("/")[-2:])


# --- elements the mapping reads: dates, identifiers, the version --------------------------


_DATE_ONLY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


_COPENHAGEN = ZoneInfo("Europe/Copenhagen")


def _as_date(value: str | None) -> str | None:
    """A FHIR date or dateTime as the date the pipeline takes: a dateTime's date in Danish
    time. Anything else is passed on as given (the pipeline answers ``invalid_date``)."""
    if value is None or _DATE_ONLY.fullmatch(value) or "T" not in value:
        return value
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        return value
    if moment.tzinfo is not None:
        moment = moment.astimezone(_COPENHAGEN)
    return moment.date().isoformat()


def _as_moment(value: str) -> str:
    """A FHIR dateTime that is a date only (``2026-02-02``) as that day's Danish midnight."""
    return f"{value}T00:00:00" if _DATE_ONLY.fullmatch(value) else value


def _logical_cpr(reference: Any, where: str) -> str | None:
    """The CPR of a logical reference (``{"identifier": {system: CPR, value}}``), if it is one."""
    if not isinstance(reference, dict) or "reference" in reference or "identifier" not in reference:
        return None
    identifier = _child(_object(reference, Reference, where), "identifier", Identifier, where)
    if _value(identifier, "system", str, f"{where}.identifier") != CPR_SYSTEM:
        raise _Problem(f"{where}.identifier: a patient by identifier needs system {CPR_SYSTEM}")
    value = _value(identifier, "value", str, f"{where}.identifier", required=True)
    return str(value)


def _organization_ydernummer(index: int, resource: dict[str, Any]) -> str | None:
    for path, identifier in _children(
        resource, "identifier", Identifier, f"entry[{index}].resource"
    ):
        if _value(identifier, "system", str, path) == YDERNUMMER_SYSTEM:
            value = _value(identifier, "value", str, path)
            if value:
                return _padded(value)
    return None


def _padded(ydernummer: str) -> str:
    """Ydernumre are six digits; dk-core's examples write them without leading zeros."""
    if ydernummer.isascii() and ydernummer.isdigit() and len(ydernummer) < 6:
        return ydernummer.zfill(6)
    return ydernummer


def _ydernummer(organization: dict[str, Any], path: str) -> str:
    identifier = _child(organization, "identifier", Identifier, path)
    value = _value(identifier, "value", str, f"{path}.identifier")
    if _value(identifier, "system", str, f"{path}.identifier") != YDERNUMMER_SYSTEM or not value:
        raise _Problem(
            f"{path}: the clinic's ydernummer is required, as managingOrganization.identifier "
            f"with system {YDERNUMMER_SYSTEM} or as a reference to an Organization entry "
            "that has it"
        )
    return _padded(value)


def _version(resource: dict[str, Any], where: str) -> int:
    meta = _child(resource, "meta", Meta, where)
    version_id = _value(meta, "versionId", str, f"{where}.meta")
    if version_id is None:
        return 1
    if not _WHOLE_NUMBER.fullmatch(version_id) or not 1 <= int(version_id) <= MAX_VERSION:
        raise _Problem(
            f"{where}.meta.versionId: the record version must be a whole number from 1 to "
            f'{MAX_VERSION} (as text, e.g. "3"), got {_shown(version_id)}'
        )
    return int(version_id)


def _patient_cpr(index: int, resource: dict[str, Any]) -> str | None:
    values: list[str] = []
    for path, identifier in _children(
        resource, "identifier", Identifier, f"entry[{index}].resource"
    ):
        if _value(identifier, "system", str, path) == CPR_SYSTEM:
            value = _value(identifier, "value", str, path)
            if not value:
                raise _Problem(f"{path}.value: the CPR identifier has no value")
            if value not in values:
                values.append(value)
    if len(values) > 1:
        raise _Problem(f"entry[{index}].resource.identifier: more than one CPR number")
    return values[0] if values else None
