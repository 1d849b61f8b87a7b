"""The order of the conversation list and "Load more" by position, not by page number.

The next page is "the rows after the last one shown", in the list's own order (keyset
paging), not "rows 51 to 100": while an agent works page one, conversations leave the view
(closed, snoozed) and new ones arrive, and counting rows would then skip customers or show
some twice.

Every sort is a list of keys ending in the id, so the order is total. A missing time sorts
as later than any time, as PostgreSQL sorts it by default; it is spelled out so that SQLite
sorts the same way, and so that the folder indexes (state, -last_message_at) still match.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Case, F, IntegerField, Q, QuerySet, Value, When
from django.utils.dateparse import parse_datetime

from .models import Conversation, Priority

PRIORITY_RANK = Case(
    When(priority=Priority.URGENT, then=Value(0)),
    When(priority=Priority.HIGH, then=Value(1)),
    When(priority=Priority.NORMAL, then=Value(2)),
    default=Value(3),
    output_field=IntegerField(),
)
_RANKS: dict[str, int] = {Priority.URGENT: 0, Priority.HIGH: 1, Priority.NORMAL: 2}


@dataclass(frozen=True)
class Key:
    name: str  # a field, or the "rank" alias
    descending: bool
    is_time: bool = False


_NEWEST = [Key("last_message_at", True, True), Key("id", True)]
SORT_KEYS: dict[str, list[Key]] = {
    "newest": _NEWEST,
    "oldest": [Key("last_message_at", False, True), Key("id", False)],
    "sla": [Key("sla_due_at", False, True), *_NEWEST],
    "priority": [Key("rank", False), *_NEWEST],
}


def ordered(qs: QuerySet[Conversation], sort: str) -> QuerySet[Conversation]:
    keys = SORT_KEYS.get(sort, _NEWEST)
    if any(k.name == "rank" for k in keys):
        qs = qs.alias(rank=PRIORITY_RANK)
    return qs.order_by(
        *[
            F(k.name).desc(nulls_first=True) if k.descending else F(k.name).asc(nulls_last=True)
            for k in keys
        ]
    )


def _value(row, key: Key):
    if key.name == "rank":
        return _RANKS.get(row.priority, 3)
    return getattr(row, key.name)


def cursor_after(row, sort: str) -> str:
    """Where the next page starts: the sort values of the last row shown."""
    values = [_value(row, k) for k in SORT_KEYS.get(sort, _NEWEST)]
    return json.dumps(
        [v.isoformat() if isinstance(v, datetime) else v for v in values], separators=(",", ":")
    )


def _decode(cursor: str, keys: list[Key]) -> list | None:
    try:
        raw = json.loads(cursor)
    except ValueError:
        return None
    if not isinstance(raw, list) or len(raw) != len(keys):
        return None
    values: list[datetime | int | None] = []
    for key, value in zip(keys, raw, strict=True):
        if value is None and key.is_time:
            values.append(None)
        elif key.is_time and isinstance(value, str) and (parsed := parse_datetime(value)):
            values.append(parsed)
        elif not key.is_time and isinstance(value, int) and not isinstance(value, bool):
            values.append(value)
        else:
            return None
    return values


def _beyond(key: Key, value) -> Q:
    """Rows strictly after `value` on this key alone; a missing value is the latest."""
    if key.descending:
        return (
            Q(**{f"{key.name}__isnull": False})
            if value is None
            else Q(**{f"{key.name}__lt": value})
        )
    if value is None:
        return Q(pk__in=[])
    later = Q(**{f"{key.name}__gt": value})
    return later | Q(**{f"{key.name}__isnull": True}) if key.is_time else later


def _level(key: Key, value) -> Q:
    return Q(**{f"{key.name}__isnull": True}) if value is None else Q(**{key.name: value})


def rows_after(qs: QuerySet[Conversation], sort: str, cursor: str) -> QuerySet[Conversation]:
    """`qs` (already `ordered`) from just after `cursor`; all of it for a cursor that does
    not parse (an old or hand-edited link shows the first page, not an error)."""
    keys = SORT_KEYS.get(sort, _NEWEST)
    values = _decode(cursor, keys) if cursor else None
    if values is None:
        return qs
    condition = Q(pk__in=[])
    # Built from the last key outwards: after on k0, or level on k0 and after on the rest.
    for key, value in reversed(list(zip(keys, values, strict=True))):
        condition = _beyond(key, value) | (_level(key, value) & condition)
    first, value = keys[0], values[0]
    if first.descending and value is not None:
        # Implied by the condition; spelled out so PostgreSQL starts its index walk there
        # instead of filtering every newer row on the way.
        condition &= Q(**{f"{first.name}__lte": value})
    return qs.filter(condition)


# ---- the same in SQL, for the list's hand-written statement (inbox/list_sql.py) ----------


def _sql_key(key: Key, table: str) -> str:
    if key.name == "rank":
        # The constants are the code's own priority values, not user input.
        ranks = " ".join(f"WHEN '{value}' THEN {rank}" for value, rank in _RANKS.items())
        return f"CASE {table}.priority {ranks} ELSE 3 END"
    return f"{table}.{key.name}"


def order_sql(sort: str, table: str) -> str:
    """`ordered`'s ORDER BY, for `table` (the conversations' table as the statement names it)."""
    return ", ".join(
        f"{_sql_key(k, table)} {'DESC NULLS FIRST' if k.descending else 'ASC NULLS LAST'}"
        for k in SORT_KEYS.get(sort, _NEWEST)
    )


def _sql_value(value):
    from django.db import connection

    if isinstance(value, datetime):
        return connection.ops.adapt_datetimefield_value(value)
    return value


def after_sql(sort: str, cursor: str, table: str) -> tuple[str, list] | None:
    """`rows_after`'s condition in SQL with its params; None for the first page (no cursor,
    or one that does not parse)."""
    keys = SORT_KEYS.get(sort, _NEWEST)
    values = _decode(cursor, keys) if cursor else None
    if values is None:
        return None
    # (sql, params), or None for "no row": what Q(pk__in=[]) is to `rows_after`.
    condition: tuple[str, list] | None = None
    for key, value in reversed(list(zip(keys, values, strict=True))):
        column = _sql_key(key, table)
        if key.descending:
            beyond = (
                (f"{column} IS NOT NULL", [])
                if value is None
                else (f"{column} < %s", [_sql_value(value)])
            )
        elif value is None:
            beyond = None
        elif key.is_time:
            beyond = (f"({column} > %s OR {column} IS NULL)", [_sql_value(value)])
        else:
            beyond = (f"{column} > %s", [value])
        level = (
            (f"{column} IS NULL", []) if value is None else (f"{column} = %s", [_sql_value(value)])
        )
        rest = (
            None
            if condition is None
            else (f"({level[0]} AND {condition[0]})", level[1] + condition[1])
        )
        parts = [part for part in (beyond, rest) if part is not None]
        condition = (
            None
            if not parts
            else (
                "(" + " OR ".join(sql for sql, _ in parts) + ")",
                [v for _, args in parts for v in args],
            )
        )
    if condition is None:
        return "1 = 0", []
    first, value = keys[0], values[0]
    if first.descending and value is not None:
        # As in rows_after: PostgreSQL starts its index walk there.
        condition = (
            f"{condition[0]} AND {_sql_key(first, table)} <= %s",
            condition[1] + [_sql_value(value)],
        )
    return condition
