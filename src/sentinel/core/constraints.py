"""A foreign key over several columns, which Django 5.2's fields cannot declare.

``CompositeForeignKey(fields=["clinic", "episode"], to="collection.Episode",
to_fields=["clinic", "id"], name=…)`` in a model's ``Meta.constraints`` makes the database hold
every row to a row of ``to`` with the same values in those columns (``to_fields`` must be
unique there: a ``UniqueConstraint`` or the primary key). Deferred to the commit, as Django's
own foreign keys are. It is a constraint, not a field: the ``ForeignKey`` fields stay for
the ORM (joins, cascades), declared with ``db_constraint=False`` so that the database checks
each row once, here, instead of once per column.

Migrations carry it like any constraint: ``AddConstraint`` (an ``ALTER TABLE`` on PostgreSQL;
on SQLite the table is rebuilt with the clause in ``CREATE TABLE``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.apps import apps as global_apps
from django.db import models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.utils import DEFAULT_DB_ALIAS


class CompositeForeignKey(models.BaseConstraint):
    def __init__(
        self, *, fields: list[str], to: str, to_fields: list[str], name: str, **kwargs: Any
    ) -> None:
        if not fields or len(fields) != len(to_fields):
            raise ValueError("CompositeForeignKey needs as many to_fields as fields")
        super().__init__(name=name, **kwargs)
        self.fields = list(fields)
        self.to = to
        self.to_fields = list(to_fields)

    def _clause(self, model: type[models.Model], schema_editor: BaseDatabaseSchemaEditor) -> str:
        quote = schema_editor.quote_name
        try:
            target = model._meta.apps.get_model(self.to)
        except LookupError:  # SQLite rebuilds a table in a registry holding only that model
            target = global_apps.get_model(self.to)
        columns = ", ".join(quote(_column(model, f)) for f in self.fields)
        targets = ", ".join(quote(_column(target, f)) for f in self.to_fields)
        return (
            f"CONSTRAINT {quote(self.name)} FOREIGN KEY ({columns}) "
            f"REFERENCES {quote(target._meta.db_table)} ({targets}) DEFERRABLE INITIALLY DEFERRED"
        )

    def constraint_sql(
        self, model: type[models.Model] | None, schema_editor: BaseDatabaseSchemaEditor | None
    ) -> str:
        model, editor = _given(model, schema_editor)
        return self._clause(model, editor)

    def create_sql(
        self, model: type[models.Model] | None, schema_editor: BaseDatabaseSchemaEditor | None
    ) -> str:
        model, editor = _given(model, schema_editor)
        table = editor.quote_name(model._meta.db_table)
        return f"ALTER TABLE {table} ADD {self._clause(model, editor)}"

    def remove_sql(
        self, model: type[models.Model] | None, schema_editor: BaseDatabaseSchemaEditor | None
    ) -> str:
        model, editor = _given(model, schema_editor)
        table = editor.quote_name(model._meta.db_table)
        return f"ALTER TABLE {table} DROP CONSTRAINT {editor.quote_name(self.name)}"

    def validate(
        self,
        model: type[models.Model],
        instance: models.Model,
        exclude: Any = None,
        using: str = DEFAULT_DB_ALIAS,
    ) -> None:
        """Nothing to check before saving: the database checks it at the commit."""

    def deconstruct(self) -> tuple[str, Sequence[Any], dict[str, Any]]:
        path, args, kwargs = super().deconstruct()
        kwargs.update(fields=self.fields, to=self.to, to_fields=self.to_fields)
        return path, args, kwargs

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, CompositeForeignKey):
            return NotImplemented
        return self.deconstruct() == other.deconstruct()

    def __hash__(self) -> int:
        return hash(self.name)

    def __repr__(self) -> str:
        return (
            f"<{type(self).__name__}: {self.fields} -> {self.to} {self.to_fields} "
            f"name={self.name!r}>"
        )


def _given(
    model: type[models.Model] | None, schema_editor: BaseDatabaseSchemaEditor | None
) -> tuple[type[models.Model], BaseDatabaseSchemaEditor]:
    if model is None or schema_editor is None:
        raise TypeError("CompositeForeignKey's SQL needs the model and a schema editor")
    return model, schema_editor


def _column(model: type[models.Model], name: str) -> str:
    field = model._meta.get_field(name)
    if not isinstance(field, models.Field) or field.column is None:
        raise TypeError(f"{model.__name__}.{name} is not a column")
    return field.column
