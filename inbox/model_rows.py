"""Model instances from hand-written SQL, loaded as Django's ORM loads them.

For the pane's reads written by hand (inbox/thread_sql.py, inbox/pane_sql.py): the ORM spent
more Python building and compiling those small queries than loading their rows (issue 10).
Here a statement selects a model's columns (`columns`), and `instance` makes the model
instance Django would: every value through the converters the ORM's compiler applies on
this database (JSON decoded, SQLite's booleans and datetimes), the columns a caller does not
read (`deferred`, field names; the channel's encrypted credentials always) left deferred as
the ORM's `.defer()` leaves them.
"""

from __future__ import annotations

import functools

from django.db import connection
from django.db.models import DEFERRED, Model

from .models import Channel

# Never read by an agent's page: encrypted, and decrypting them is a platform worker's.
_NEVER: dict[type[Model], tuple[str, ...]] = {Channel: ("credentials",)}


@functools.cache
def loaded(model: type[Model], deferred: tuple[str, ...] = ()) -> tuple:
    """The fields of `model` a statement selects, in the model's order."""
    left_out = {*deferred, *_NEVER.get(model, ())}
    return tuple(f for f in model._meta.concrete_fields if f.name not in left_out)


def columns(alias: str, model: type[Model], deferred: tuple[str, ...] = ()) -> str:
    """`loaded(model, deferred)`'s columns under the table alias `alias`, for a SELECT."""
    return ", ".join(f"{alias}.{f.column}" for f in loaded(model, deferred))


# Per database kind, model and deferred fields: the attnames, and per concrete field its Col
# and the converters Django applies to it (None where it is deferred); found once.
_prepared: dict[tuple[str, type[Model], tuple[str, ...]], tuple[list[str], list]] = {}


def _prepare(model: type[Model], deferred: tuple[str, ...]) -> tuple[list[str], list]:
    key = (connection.vendor, model, deferred)
    if key not in _prepared:
        selected = set(loaded(model, deferred))
        fields: list = []
        for field in model._meta.concrete_fields:
            if field not in selected:
                fields.append(None)
                continue
            column = field.get_col(model._meta.db_table)
            found = connection.ops.get_db_converters(column)
            fields.append((column, found + column.get_db_converters(connection)))
        _prepared[key] = ([f.attname for f in model._meta.concrete_fields], fields)
    return _prepared[key]


def instance(model: type[Model], values, deferred: tuple[str, ...] = ()):
    """A `model` instance from the values of its `columns`, as the ORM would load it."""
    names, fields = _prepare(model, deferred)
    selected = iter(values)
    converted = []
    for field in fields:
        if field is None:
            converted.append(DEFERRED)
            continue
        value = next(selected)
        column, converters = field
        for converter in converters:
            value = converter(value, column, connection)
        converted.append(value)
    return model.from_db(connection.alias, names, converted)


def split(record, models: list) -> list:
    """A joined record's values, one slice per model (or (model, deferred)), in the order
    they were selected."""
    parts, start = [], 0
    for model in models:
        model, deferred = model if isinstance(model, tuple) else (model, ())
        end = start + len(loaded(model, deferred))
        parts.append(record[start:end])
        start = end
    return parts
