"""The Bundle's envelope: a usable batch or transaction, its entries' JSON shape, and what the
R4 models say of the rest — else ``FhirBundleError`` (HTTP 422 for the whole body). See
``sentinel.api.fhir``."""

from __future__ import annotations

from typing import Any

from fhir.resources.R4B.bundle import Bundle, BundleEntry
from pydantic import BaseModel, ValidationError

from sentinel.api.fhir.codes import (
    _MAX_ERRORS,
    BUNDLE_TYPES,
    FhirBundleError,
    _describe,
    _shown,
)


def _check_entry_shape(where: str, entry: dict[str, Any]) -> None:
    """The JSON shape of an entry's resource and request (their content is checked per entry)."""
    if not isinstance(entry.get("resource", {}), dict):
        raise FhirBundleError(f"{where}.resource: must be a FHIR resource (an object)")
    if "request" not in entry:
        return
    request = entry["request"]
    if not isinstance(request, dict):
        raise FhirBundleError(f"{where}.request: must be an object with method and url")
    for key in ("method", "url"):
        if not isinstance(request.get(key), str):
            raise FhirBundleError(f"{where}.request.{key}: required, a string")
    extra = sorted(set(request) - {"method", "url"})
    if extra:
        raise FhirBundleError(f"{where}.request.{extra[0][:80]}: not a Bundle.entry.request field")


def entries_of(data: Any) -> list[dict[str, Any]]:
    """The Bundle's entries, once the envelope is known to be a usable batch or transaction."""
    if not isinstance(data, dict):
        raise FhirBundleError("the body must be a JSON object: a FHIR Bundle")
    resource_type = data.get("resourceType")
    if resource_type != "Bundle":
        got = _shown(resource_type) if resource_type is not None else "nothing"
        raise FhirBundleError(f"resourceType must be 'Bundle', got {got}")
    bundle_type = data.get("type")
    if not isinstance(bundle_type, str) or bundle_type not in BUNDLE_TYPES:
        got = _shown(bundle_type) if bundle_type is not None else "nothing"
        raise FhirBundleError(f"Bundle.type must be 'batch' or 'transaction', got {got}")
    entries = data.get("entry", [])
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise FhirBundleError("Bundle.entry must be an array of objects")
    # The content of each resource and request is checked per entry (a bad one is that
    # entry's 400); their JSON shape is checked below, for the whole Bundle. The envelope is
    # validated with the R4 models: the Bundle without its entries, and each entry that has
    # more than fullUrl, resource and request (the rest of an entry is checked here: a
    # request Bundle of 5,000 entries would spend most of its time in the models).
    problems = [_model_problem(Bundle, {k: v for k, v in data.items() if k != "entry"}, "")]
    for index, entry in enumerate(entries):
        if entry.keys() <= _PLAIN_ENTRY:
            full_url = entry.get("fullUrl")
            if full_url is not None and not isinstance(full_url, str):
                problems.append(f"entry[{index}].fullUrl: must be a string (a URI)")
            continue
        rest = {k: v for k, v in entry.items() if k not in ("resource", "request")}
        problems.append(_model_problem(BundleEntry, rest, f"entry[{index}]"))
    found = [p for p in problems if p is not None]
    if found:
        more = len(found) - _MAX_ERRORS
        # Raised outside the except block: no __context__ holding the input for a logger.
        raise FhirBundleError(
            "; ".join(found[:_MAX_ERRORS]) + (f"; and {more} more" if more > 0 else "")
        )
    for where, envelope_part in [("Bundle", data)] + [
        (f"entry[{i}]", e) for i, e in enumerate(entries)
    ]:
        empty = sorted(k for k, v in envelope_part.items() if v is None)
        if empty:  # FHIR JSON has no null; fhir.resources would read it as absent
            raise FhirBundleError(
                f"{where}.{empty[0][:80]}: null is not allowed in FHIR JSON; leave it out"
            )
        if where != "Bundle":
            _check_entry_shape(where, envelope_part)
    return entries


_PLAIN_ENTRY = frozenset({"fullUrl", "resource", "request"})


def _model_problem(model: type[BaseModel], value: dict[str, Any], prefix: str) -> str | None:
    """What the R4 model says is wrong with ``value`` (locations and messages only)."""
    try:
        model.model_validate(value)
    except ValidationError as exc:
        return _describe(exc, prefix)
    except (ValueError, TypeError):
        return "the Bundle envelope is not valid FHIR R4"
    return None
