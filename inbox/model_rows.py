"""Model instances from hand-written SQL, loaded as Django's ORM loads them.

For the pane's reads written by hand (inbox/thread_sql.py, inbox/pane_sql.py): the ORM spent
more Python building and compiling those small queries than loading their rows (issue 10).
Here a statement selects a model's columns (`columns`), and `instance` makes the model
instance Django would: every value through the converters the ORM's compiler applies on
this database (JSON decoded, SQLite's booleans and datetimes), the channel's encrypted
credentials left deferred as the ORM's `.defer()` leaves them.
"""

from __future__ import annotations

from django.db import connection
from django.db.models import DEFERRED, Model

from .models import Channel

# Never read by the pane: encrypted, and decrypting them is a platform worker's business.
_NOT_LOADED = {(Channel, "credentials")}


def loaded(model: type[Model]) -> list:
    """The fields of `model` a statement selects, in the model's order."""
    return [f for f in model._meta.concrete_fields if (model, f.name) not in _NOT_LOADED]


def columns(alias: str, model: type[Model]) -> str:
    """`loaded(model)`'s columns under the table alias `alias`, for a SELECT."""
    return ", ".join(f"{alias}.{f.column}" for f in loaded(model))


def width(model: type[Model]) -> int:
    return len(loaded(model))


# Per database kind and model: (attnames in field order, per loaded column its Col and the
# converters Django applies to it), found once.
_prepared: dict[tuple[str, type[Model]], tuple[list[str], list]] = {}


def _prepare(model: type[Model]) -> tuple[list[str], list]:
    key = (connection.vendor, model)
    if key not in _prepared:
        converters = []
        for field in loaded(model):
            column = field.get_col(model._meta.db_table)
            found = connection.ops.get_db_converters(column) + column.get_db_converters(connection)
            converters.append((column, found))
        _prepared[key] = ([f.attname for f in model._meta.concrete_fields], converters)
    return _prepared[key]


def instance(model: type[Model], values):
    """A `model` instance from the values of its `columns`, as the ORM would load it."""
    names, converters = _prepare(model)
    converted = []
    for value, (column, found) in zip(values, converters, strict=True):
        for converter in found:
            value = converter(value, column, connection)
        converted.append(value)
    if model is Channel:
        converted.insert(names.index("credentials"), DEFERRED)
    return model.from_db(connection.alias, names, converted)


def split(record, models: list[type[Model]]) -> list:
    """A joined record's values, one slice per model, in the order `models` were selected."""
    parts, start = [], 0
    for model in models:
        end = start + width(model)
        parts.append(record[start:end])
        start = end
    return parts
