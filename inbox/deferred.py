"""Writes a routing batch gathers and makes at its end: one UPDATE, one INSERT per table.

Routing a batch of customer messages writes a few columns of each message and its
conversation one row at a time: the classification (`Message.extra`, the conversation's
language and intent) and the SLA's due times. In the optimistic pass (inbox/savepoints.py)
`update()` only remembers the values (the latest wins, as if each had been written) and
`flush()` writes them all in one `UPDATE … FROM (VALUES …)` per table and set of columns,
before the batch commits, rows in id order as everywhere.

New rows likewise: `create()` (the timeline's audit rows: each rule hit, each change a
rule or routing made, about 2.4 a customer message) keeps the instance, made when the
change happened (its `created_at` is that time), and `flush()` inserts them with one
`bulk_create` per model and then sends each one's `post_save`, as `save()` would have
(the Slack and outgoing-webhook listeners hang on it). Listeners run at the flush, still in
the batch's transaction, and what they gather is flushed before it returns.

Safe because nothing is rolled back short of the whole transaction there: a failure throws
the gathered values away with everything else and the careful rerun writes each at once, as
does every caller outside a batch. Code that reads one of these columns or rows back from
the database inside the batch calls `flush()` first (routing does before it reads a
conversation again; the outgoing webhooks before they load one; "Not spam" before it reads
the timeline).
"""

from __future__ import annotations

import contextlib
import contextvars
from typing import Any, TypeVar

from django.db import connection, models
from django.db.models.signals import post_save

from . import savepoints

# model -> pk -> column -> value, while a batch gathers them.
_pending: contextvars.ContextVar[dict[type[models.Model], dict[int, dict[str, Any]]] | None] = (
    contextvars.ContextVar("deferred_writes", default=None)
)
M = TypeVar("M", bound=models.Model)

# New rows to insert, in the order they were made, while a batch gathers them.
_new: contextvars.ContextVar[list[models.Model] | None] = contextvars.ContextVar(
    "deferred_rows", default=None
)


@contextlib.contextmanager
def gathered():
    """Within the block (an optimistic pass on PostgreSQL) `update()` gathers; call `flush()`
    before it ends, inside the transaction. Elsewhere the block changes nothing."""
    if savepoints.careful() or connection.vendor != "postgresql" or _pending.get() is not None:
        yield
        return
    token, rows_token = _pending.set({}), _new.set([])
    try:
        yield
    finally:
        _pending.reset(token)
        _new.reset(rows_token)


# How many writes were gathered in this process: a caller that must know whether a step
# wrote (rules/engine.py, to undo a failed action) compares it before and after.
gathered_count = 0


def update(model: type[models.Model], pk: int, **values: Any) -> None:
    """`model.objects.filter(pk=pk).update(**values)`, now or at the batch's `flush()`.
    Values only (no expressions): the last one given for a column is the one written."""
    global gathered_count
    pending = _pending.get()
    if pending is None:
        model._default_manager.filter(pk=pk).update(**values)
        return
    pending.setdefault(model, {}).setdefault(pk, {}).update(values)
    gathered_count += 1


def create(instance: M) -> M:
    """`instance.save()` of a new row, now or at the batch's `flush()` (its pk is set then).
    The instance must not be changed after: what it holds now is what is inserted."""
    global gathered_count
    new = _new.get()
    if new is None:
        instance.save()
        return instance
    new.append(instance)
    gathered_count += 1
    return instance


def flush() -> None:
    """Write what was gathered: one UPDATE per table and set of columns, one INSERT per
    table, then the new rows' `post_save` (and again for what their listeners gathered)."""
    pending, new = _pending.get(), _new.get()
    while pending or new:
        if pending:
            for model, rows in pending.items():
                by_columns: dict[tuple[str, ...], list[int]] = {}
                for pk, values in rows.items():
                    by_columns.setdefault(tuple(sorted(values)), []).append(pk)
                for columns, pks in by_columns.items():
                    _write(model, columns, sorted(pks), rows)
            pending.clear()
        if new:
            instances = list(new)
            new.clear()
            _insert(instances)


def _insert(instances: list[models.Model]) -> None:
    by_model: dict[type[models.Model], list[models.Model]] = {}
    for instance in instances:
        by_model.setdefault(type(instance), []).append(instance)
    for model, rows in by_model.items():
        model._default_manager.bulk_create(rows)
    for instance in instances:
        post_save.send(
            sender=type(instance),
            instance=instance,
            created=True,
            update_fields=None,
            raw=False,
            using=connection.alias,
        )


def _write(model, columns: tuple[str, ...], pks: list[int], rows: dict) -> None:
    meta = model._meta
    fields = [meta.get_field(name) for name in columns]
    casts = [meta.pk.rel_db_type(connection)] + [f.db_type(connection) for f in fields]
    row = "(" + ", ".join(f"%s::{cast}" for cast in casts) + ")"
    names = ["id"] + [f.column for f in fields]
    qn = connection.ops.quote_name
    sql = (
        f"UPDATE {qn(meta.db_table)} AS t SET "
        + ", ".join(f"{qn(f.column)} = v.{qn(f.column)}" for f in fields)
        + f" FROM (VALUES {', '.join([row] * len(pks))}) AS v ({', '.join(map(qn, names))})"
        + f" WHERE t.{qn(meta.pk.column)} = v.id"
    )
    params = [
        value
        for pk in pks
        for value in (
            pk,
            *(f.get_db_prep_save(rows[pk][f.name], connection) for f in fields),
        )
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
