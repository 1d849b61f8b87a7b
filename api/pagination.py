"""Cursor pagination for the conversation list, in the inbox's order.

A keyset on (last_message_at, id): a page is the same however many conversations arrive
meanwhile, and a deep page costs what the first one does (no OFFSET). The cursor is opaque
to clients: base64 of the last row's position and the sort it belongs to.
"""

from __future__ import annotations

import base64
import json

from django.db import connection
from django.db.models import Q, QuerySet
from django.utils.dateparse import parse_datetime
from rest_framework.exceptions import ValidationError

SORTS = ("newest", "oldest")
DEFAULT_LIMIT = 50
MAX_LIMIT = 100


def ordered(qs: QuerySet, sort: str) -> QuerySet:
    # Plain ASC/DESC, as the inbox orders (inbox/selectors.py): PostgreSQL then walks the
    # folder indexes (state, -last_message_at) instead of sorting the whole folder. Where
    # the rare undated rows land differs per database; `after` follows either.
    if sort == "oldest":
        return qs.order_by("last_message_at", "id")
    return qs.order_by("-last_message_at", "-id")


def encode(row, sort: str) -> str:
    at = row.last_message_at.isoformat() if row.last_message_at else None
    raw = json.dumps({"s": sort, "t": at, "id": row.pk}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def after(qs: QuerySet, cursor: str, sort: str) -> QuerySet:
    """The rows that come after the cursor's row in `sort` order."""
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        pk, at = int(data["id"]), data["t"]
        at = parse_datetime(at) if at is not None else None
        if data["s"] != sort or (data["t"] is not None and at is None):
            raise ValueError
    except (ValueError, TypeError, KeyError, json.JSONDecodeError) as exc:
        raise ValidationError(
            {"cursor": "Not a cursor from this list."}, code="invalid_cursor"
        ) from exc
    op = "lt" if sort == "newest" else "gt"
    # PostgreSQL sorts NULL as the largest value, SQLite as the smallest: so undated rows
    # come after the dated ones in a DESC walk on SQLite and an ASC walk on PostgreSQL.
    nulls_after = (sort == "newest") != connection.features.nulls_order_largest
    undated = Q(last_message_at__isnull=True)
    if at is None:
        rest = undated & Q(**{f"id__{op}": pk})
        return qs.filter(rest if nulls_after else rest | ~undated)
    dated = Q(**{f"last_message_at__{op}": at}) | Q(last_message_at=at, **{f"id__{op}": pk})
    return qs.filter(dated | undated if nulls_after else dated)


def limit_from(query) -> int:
    try:
        value = int(query.get("limit", DEFAULT_LIMIT))
    except (TypeError, ValueError):
        raise ValidationError({"limit": "A number."}, code="invalid") from None
    return max(1, min(value, MAX_LIMIT))
