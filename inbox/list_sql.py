"""The inbox list's rows in one SQL statement written by hand.

Django's ORM took about 3.5 ms of Python a request to build and compile the rows query (three
correlated subqueries, four joins) and to load its rows (issue 10). This is the same query
as the ORM's (`tests/support/orm_rows.py`: `with_row_data` over
`selectors.filtered_conversations`, ordered and paged as inbox/paging.py says), written once
here; the rows are plain `Row` objects carrying what `inbox_ui.prepare_rows` and the paging
read. The equality with the ORM's answer is asserted over folders, filters, sorts and pages
(tests/integration/test_list_sql.py).

Two conditions stay the ORM's: a folder another app registers (its condition is a Q this
module cannot know) and a search (its shape depends on how often the words match,
inbox/search.py). Their WHERE is compiled by Django alone, without the joins and
subqueries, and put into this statement; the rest of the page's common case (a folder,
filters, a sort, "Load more") builds no ORM query.

Portable SQL: PostgreSQL (CI, production) and SQLite (the demo, the unit tests). What
differs is only in `_aware`: SQLite gives naive UTC datetimes.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from django.conf import settings
from django.core.exceptions import EmptyResultSet, FullResultSet
from django.db import connection
from django.db.models import Field, QuerySet

from accounts.models import Team, User

from . import paging
from .models import (
    ActionState,
    Channel,
    Contact,
    Conversation,
    ConversationState,
    Direction,
)

C = Conversation._meta.db_table  # unaliased, as Django writes it: see `_orm_where`
_TAGS = Conversation.tags.through._meta.db_table

# (model, attnames in the model's field order): the columns each row reads, in the order the
# statement selects them; `from_db` takes them so.
_LOADED = [
    (
        Conversation,
        (
            "id",
            "channel_id",
            "contact_id",
            "kind",
            "state",
            "assignee_id",
            "team_id",
            "priority",
            "language",
            "intent",
            "preview",
            "last_message_at",
            "sla_due_at",
            "sla_due_soon_at",
        ),
    ),
    (Channel, ("id", "kind", "name")),
    (Contact, ("id", "name")),
    (User, ("id", "username", "first_name", "last_name")),
    (Team, ("id", "name")),
]


def _columns() -> str:
    names = []
    for model, fields in _LOADED:
        table = model._meta.db_table
        names += [f"{table}.{name}" for name in fields]  # each its column's name
    return ", ".join(names)


def _quoted(value: str) -> str:
    assert value.replace("_", "").isalnum(), value  # code constants only, never user input
    return f"'{value}'"


_STUCK_KINDS = ", ".join(_quoted(k) for k in ("reply", "private_reply", "dm"))
_STUCK_STATES = ", ".join(_quoted(s) for s in (ActionState.FAILED, ActionState.HELD))

# What `selectors.with_row_data` annotates: is_read, customer_name, not_sent.
_SELECT = f"""SELECT {_columns()},
 ({C}.last_inbound_at IS NULL OR EXISTS (SELECT 1 FROM inbox_readstate r
   WHERE r.conversation_id = {C}.id AND r.read_at >= {C}.last_inbound_at AND r.user_id = %s)),
 (SELECT who.name FROM inbox_message m
   JOIN inbox_identity i ON m.author_identity_id = i.id
   JOIN inbox_contact who ON i.contact_id = who.id
   WHERE m.conversation_id = {C}.id AND m.direction = {_quoted(Direction.INBOUND)}
     AND m.author_identity_id IS NOT NULL
   ORDER BY m.platform_timestamp DESC, m.id DESC LIMIT 1),
 EXISTS (SELECT 1 FROM inbox_outboundaction o WHERE o.conversation_id = {C}.id
   AND o.kind IN ({_STUCK_KINDS}) AND o.state IN ({_STUCK_STATES}))
FROM {C}
 JOIN {Channel._meta.db_table} ON {C}.channel_id = {Channel._meta.db_table}.id
 LEFT JOIN {Contact._meta.db_table} ON {C}.contact_id = {Contact._meta.db_table}.id
 LEFT JOIN {User._meta.db_table} ON {C}.assignee_id = {User._meta.db_table}.id
 LEFT JOIN {Team._meta.db_table} ON {C}.team_id = {Team._meta.db_table}.id"""

_NOT_SPAM = f"NOT {C}.is_spam"
_OPEN, _PENDING = ConversationState.OPEN, ConversationState.PENDING


def _folder(folder: str, user) -> tuple[str, list]:
    """`selectors._folder_filter` in SQL ("" for every conversation)."""
    by_state = {
        "open": _OPEN,
        "pending": _PENDING,
        "snoozed": ConversationState.SNOOZED,
        "closed": ConversationState.CLOSED,
    }
    if folder in by_state:
        return f"{C}.state = %s AND {_NOT_SPAM}", [by_state[folder]]
    if folder == "mine":
        return f"{C}.assignee_id = %s AND {C}.state IN (%s, %s) AND {_NOT_SPAM}", [
            user.pk,
            _OPEN,
            _PENDING,
        ]
    if folder == "unassigned":
        return f"{C}.assignee_id IS NULL AND {C}.state = %s AND {_NOT_SPAM}", [_OPEN]
    if folder == "spam":
        return f"{C}.is_spam", []
    return "", []


def _orm_where(qs: QuerySet[Conversation]) -> tuple[str, list]:
    """The WHERE of a query of conversations, as Django compiles it (table unaliased, its
    subqueries aliased U0, U1…, so it fits in `_SELECT`)."""
    query = qs.query
    compiler = query.get_compiler(connection=connection)
    try:
        compiler.pre_sql_setup()
        if len(query.alias_map) > 1:  # a join this statement lacks: by id instead
            sql, params = qs.values("pk").query.sql_with_params()
            return f"{C}.id IN ({sql})", list(params)
        sql, params = compiler.compile(compiler.where)
    except EmptyResultSet:
        return "1 = 0", []
    except FullResultSet:
        return "", []
    return sql, list(params)


def _filters(params, user) -> tuple[list[str], list]:
    """`selectors.filtered_conversations` in SQL: the conditions, ANDed, and their params."""
    from .search import search_conversations
    from .selectors import _EXTRA_FOLDERS

    where: list[str] = []
    values: list = []

    def add(sql: str, args: Iterable = ()) -> None:
        if sql:
            where.append(f"({sql})")
            values.extend(args)

    post = params.post_key
    if post is not None:
        add(f"{C}.channel_id = %s AND {C}.context_external_id = %s", post)
    elif params.folder in _EXTRA_FOLDERS:
        add(*_orm_where(Conversation.objects.filter(_EXTRA_FOLDERS[params.folder](user))))
    else:
        add(*_folder(params.folder, user))
    if params.tag:
        add(f"{C}.id IN (SELECT conversation_id FROM {_TAGS} WHERE tag_id = %s)", [params.tag])
    if params.channel:
        add(f"{C}.channel_id = %s", [params.channel])
    if params.team:
        add(f"{C}.team_id = %s", [params.team])
    if params.kind:
        add(f"{C}.kind = %s", [params.kind])
    if params.q:
        # Its two look-ups run here, as in filtered_conversations; its condition is ours.
        add(*_orm_where(search_conversations(Conversation.objects.all(), params.q)))
    return where, values


def _aware(value):
    # SQLite's driver gives the stored naive UTC time; PostgreSQL's an aware one.
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value is not None and settings.USE_TZ and value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value


# ---- the rows --------------------------------------------------------------------------------
# Plain objects with what a row shows, not model instances: Django's Model.__init__ for a
# conversation and its four related rows was most of the time left in reading them. The
# methods a row calls are the models' own (they read only these attributes), so a row says
# what a Conversation would.


class RowChannel:
    __slots__ = ("pk", "kind", "name")
    connector = Channel.connector

    def __init__(self, pk, kind, name):
        self.pk, self.kind, self.name = pk, kind, name


class RowContact:
    __slots__ = ("pk", "name")

    def __init__(self, pk, name):
        self.pk, self.name = pk, name


class RowAgent:
    __slots__ = ("pk", "username", "first_name", "last_name")
    get_full_name = User.get_full_name
    display_name = User.display_name

    def __init__(self, pk, username, first_name, last_name):
        self.pk, self.username, self.first_name, self.last_name = (
            pk,
            username,
            first_name,
            last_name,
        )


class RowTeam:
    __slots__ = ("pk", "name")

    def __init__(self, pk, name):
        self.pk, self.name = pk, name


def _display(name: str):
    """The row's get_<name>_display, as Django's: the choice's label, else the value."""
    field = Conversation._meta.get_field(name)
    assert isinstance(field, Field)
    labels = {value: str(label) for value, label in field.flatchoices}

    def display(row) -> str:
        value = getattr(row, name)
        return labels.get(value, value)

    return display


class Row:
    """A conversation as the list shows it; `row` is its HTML (inbox_ui.prepare_rows)."""

    pk: int
    id: int
    channel_id: int
    contact_id: int | None
    kind: str
    state: str
    assignee_id: int | None
    team_id: int | None
    priority: str
    language: str
    intent: str
    preview: str
    last_message_at: datetime | None
    sla_due_at: datetime | None
    sla_due_soon_at: datetime | None
    channel: RowChannel
    contact: RowContact | None
    assignee: RowAgent | None
    team: RowTeam | None
    is_read: bool
    customer_name: str | None
    not_sent: bool
    row_tags: list[tuple[str, str]]
    row: str

    get_kind_display = _display("kind")
    get_state_display = _display("state")
    get_priority_display = _display("priority")
    sla_status = Conversation.sla_status


_ROW = _LOADED[0][1]
_RELATED = [
    ("channel", RowChannel, 3),
    ("contact", RowContact, 2),
    ("assignee", RowAgent, 4),
    ("team", RowTeam, 2),
]


def _build(record, related: dict) -> Row:
    """A Row from a record of `_SELECT`; `related` keeps one object per channel, customer,
    agent and team for the page."""
    row = Row()
    for name, value in zip(_ROW, record, strict=False):
        setattr(row, name, value)
    row.pk = row.id
    row.last_message_at = _aware(row.last_message_at)
    row.sla_due_at = _aware(row.sla_due_at)
    row.sla_due_soon_at = _aware(row.sla_due_soon_at)
    start = len(_ROW)
    for name, kind, width in _RELATED:
        values = record[start : start + width]
        start += width
        key = (name, values[0])
        if key not in related:
            related[key] = None if values[0] is None else kind(*values)
        setattr(row, name, related[key])
    row.is_read = bool(record[start])
    row.customer_name = record[start + 1]
    row.not_sent = bool(record[start + 2])
    return row


def rows(params, user, *, limit: int | None = None, ids=None) -> list[Row]:
    """The list's rows for `params` from just after `params.after`, at most `limit`; or,
    with `ids`, those of them still in the view (in the list's order, no paging)."""
    where, values = _filters(params, user)
    if ids is not None:
        ids = sorted(ids)
        if not ids:
            return []
        add = f"{C}.id IN ({', '.join(['%s'] * len(ids))})"
        where.append(add)
        values += ids
    else:
        after = paging.after_sql(params.sort, params.after, C)
        if after:
            where.append(after[0])
            values += after[1]
    sql = _SELECT
    if where:
        sql += "\nWHERE " + " AND ".join(where)
    sql += "\nORDER BY " + paging.order_sql(params.sort, C)
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    with connection.cursor() as cursor:
        cursor.execute(sql, [user.pk, *values])
        records = cursor.fetchall()
    related: dict = {}
    return [_build(record, related) for record in records]
