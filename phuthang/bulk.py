"""Set-based writes: one `INSERT … SELECT` instead of a row per object sent from Python.

`insert_select(Model, source, {field: expression})` inserts one row of `Model` per row of the queryset
`source`, in one statement: each field is an expression over the source row (`F("cell_id")`, `Case`…) or a
constant, or, when not given, the field's default (`auto_now` fields: now). The database does the work; nothing is fetched. The history triggers still fire per row, inside the
same statement.
"""

from __future__ import annotations

from typing import Any

from django.db import connection, models
from django.db.models import Value
from django.db.models.expressions import Expression
from django.utils import timezone


def insert_select(
    model: type[models.Model], source: models.QuerySet[Any], values: dict[str, Any], *, conflict: str = ""
) -> int:
    """Insert a row of `model` per row of `source`; answer how many were inserted. `conflict` is an
    optional `ON CONFLICT …` clause (an idempotent chunk: `ON CONFLICT DO NOTHING`)."""
    now = timezone.now()
    columns: list[str] = []
    select: dict[str, Expression] = {}
    for field in model._meta.concrete_fields:
        if field.primary_key:
            continue
        given = values.get(field.name, values.get(field.attname))
        expression: Any
        if given is not None:
            expression = given if hasattr(given, "resolve_expression") else Value(given, output_field=field)
        elif getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            expression = Value(now, output_field=field)
        else:  # its default, as Model() would set it: "" for text, None for a nullable field
            expression = Value(field.get_default(), output_field=field)
        alias = f"_insert_{field.column}"
        select[alias] = expression
        columns.append(connection.ops.quote_name(field.column))
    query = source.order_by().annotate(**select).values_list(*select)
    sql, params = query.query.sql_with_params()
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {table} ({', '.join(columns)}) {sql} {conflict}", params)
        return cursor.rowcount
