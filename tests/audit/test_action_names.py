"""Audit action names are one list, ``AuditEvent.Action``: every name written is in it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import sentinel
from sentinel.audit.actors import Actor
from sentinel.audit.models import AuditEvent
from sentinel.audit.services import record

SOURCE = Path(sentinel.__file__).parent


def _writes_audit_row(call: ast.Call) -> bool:
    """``record(...)``, ``services.record(...)`` or ``AuditEvent.objects.create(...)``
    (the data migrations write through the historical model)."""
    func = call.func
    if isinstance(func, ast.Name):
        return func.id == "record"
    if isinstance(func, ast.Attribute):
        if func.attr == "record":
            return True
        owner = func.value
        return (
            func.attr == "create"
            and isinstance(owner, ast.Attribute)
            and owner.attr == "objects"
            and isinstance(owner.value, ast.Name)
            and owner.value.id == "AuditEvent"
        )
    return False


def _written_names() -> list[tuple[str, int, ast.expr]]:
    found = []
    for path in sorted(SOURCE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and _writes_audit_row(node):
                for keyword in node.keywords:
                    if keyword.arg == "action":
                        found.append((str(path.relative_to(SOURCE)), node.lineno, keyword.value))
    return found


def test_every_audit_action_written_in_the_source_is_in_the_one_list() -> None:
    names = set(AuditEvent.Action.values)
    members = set(AuditEvent.Action.__members__)
    written = _written_names()
    unknown = []
    for where, line, value in written:
        if isinstance(value, ast.Constant):
            if value.value not in names:
                unknown.append(f"{where}:{line}: {value.value!r}")
        elif isinstance(value, ast.Attribute) and ast.unparse(value.value) == "AuditEvent.Action":
            if value.attr not in members:
                unknown.append(f"{where}:{line}: AuditEvent.Action.{value.attr}")
        elif not isinstance(value, ast.Name):
            # A variable is typed ``AuditEvent.Action`` (mypy checks it); anything else is not.
            unknown.append(f"{where}:{line}: {ast.unparse(value)}")
    assert len(written) > 30  # the scan sees the writes (the actions, the migrations)
    assert unknown == []


def test_audit_action_names_are_unique_and_dotted() -> None:
    values = AuditEvent.Action.values
    assert len(values) == len(set(values))
    assert all(v.count(".") == 1 and v == v.lower() for v in values)


@pytest.mark.django_db
def test_record_refuses_a_name_that_is_not_in_the_list() -> None:
    before = AuditEvent.objects.count()  # the data migrations wrote some
    with pytest.raises(ValueError, match=r"not in AuditEvent\.Action"):
        record(by=Actor.system("tests"), action="report.peeked")  # type: ignore[arg-type]

    assert AuditEvent.objects.count() == before
    assert record(by=Actor.system("tests"), action=AuditEvent.Action.EXPORT_CREATED).pk
