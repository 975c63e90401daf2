"""The answer: OperationOutcomes, the batch- or transaction-response, a failed transaction.
See ``sentinel.api.fhir``."""

from __future__ import annotations

from typing import Any

from sentinel.api.fhir.codes import (
    _STATUS,
    ISSUE_CODES,
    REASON_SYSTEM,
    SEVERITIES,
    EntryResult,
    _redact,
)
from sentinel.lib.reasons import Reason


def operation_outcome(
    severity: str,
    code: str,
    message: str,
    reason: str | None = None,
    expression: str | None = None,
) -> dict[str, Any]:
    """An OperationOutcome with one issue; ``reason`` (API.md) goes in ``details.coding``,
    ``expression`` (FHIRPath) says where."""
    if severity not in SEVERITIES:
        raise ValueError(f"severity must be one of {sorted(SEVERITIES)}")
    if code not in ISSUE_CODES:
        raise ValueError("code must be a FHIR IssueType code")
    text = _redact(message)
    issue: dict[str, Any] = {"severity": severity, "code": code, "diagnostics": text}
    if reason is not None:
        reason = Reason(reason).value  # ValueError for a code API.md does not have
        issue["details"] = {
            "coding": [{"system": REASON_SYSTEM, "code": reason}],
            "text": text,
        }
    if expression is not None:
        issue["expression"] = [expression]
    return {"resourceType": "OperationOutcome", "issue": [issue]}


def transaction_failure(results: dict[int, EntryResult]) -> dict[str, Any]:
    """One OperationOutcome naming every failing entry of a transaction (nothing stored);
    entries that failed only because another did (``424``) are not named again."""
    issues = []
    for index, result in sorted(results.items()):
        if result.severity != "error" or result.status.startswith("424"):
            continue  # a 424 entry failed because another did: that one is named
        message = result.message
        if not message.startswith("entry["):
            message = f"entry[{index}]: {message}"
        expression = result.expression or f"Bundle.entry[{index}]"
        outcome = operation_outcome("error", result.code, message, result.reason, expression)
        issues.extend(outcome["issue"])
    nothing = "the transaction was not carried out: nothing was stored"
    issues.extend(operation_outcome("information", "informational", nothing)["issue"])
    return {"resourceType": "OperationOutcome", "issue": issues}


def response_bundle(
    total_entries: int, results: dict[int, EntryResult], bundle_type: str = "batch"
) -> dict[str, Any]:
    """The batch-response (or transaction-response): one entry per request entry, in order,
    each with its outcome; no ``entry`` at all for an empty Bundle (FHIR JSON has no empty
    arrays).

    Every request entry must have a result (``ValueError`` otherwise).
    """
    missing = [i for i in range(total_entries) if i not in results]
    if missing:
        raise ValueError(f"no result for entries {missing[:10]}; every entry needs one")
    extra = sorted(set(results) - set(range(total_entries)))
    if extra:
        raise ValueError(f"results for entries the Bundle does not have: {extra[:10]}")
    entries = []
    for index in range(total_entries):
        result = results[index]
        if not _STATUS.fullmatch(result.status):
            raise ValueError(f"entry {index}: status must start with an HTTP status code")
        expression = result.expression or (
            f"Bundle.entry[{index}]" if result.severity == "error" else None
        )
        outcome = operation_outcome(
            result.severity, result.code, result.message, result.reason, expression
        )
        response: dict[str, Any] = {"status": result.status}
        if result.location is not None:
            response["location"] = result.location
        if result.etag is not None:
            response["etag"] = result.etag
        response["outcome"] = outcome
        entries.append({"response": response})
    answer: dict[str, Any] = {"resourceType": "Bundle", "type": f"{bundle_type}-response"}
    if entries:
        answer["entry"] = entries
    return answer
