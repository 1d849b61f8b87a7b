"""Reads for the agent UI. Each returns everything a page needs in a fixed number of queries,
however many conversations, messages or tags there are (asserted in the tests).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from django.core.cache import cache
from django.db import connection
from django.db.models import (
    Count,
    Exists,
    F,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models import JSONField as JSONOutput
from django.utils.dateparse import parse_datetime

from accounts.models import Team, User

from . import list_sql, live, paging, pane_sql, shared_cache, thread_sql
from .models import (
    ActionState,
    AuditEvent,
    Channel,
    Contact,
    Conversation,
    ConversationKind,
    ConversationState,
    Direction,
    Draft,
    EventState,
    Identity,
    InboundEvent,
    Message,
    Note,
    OutboundAction,
    ReadState,
    SavedReply,
    SavedReplyScope,
    Tag,
)
from .search import search_conversations

PAGE_SIZE = 50

FOLDERS = [
    ("open", "Open"),
    ("mine", "Mine"),
    ("unassigned", "Unassigned"),
    ("pending", "Pending"),
    ("snoozed", "Snoozed"),
    ("closed", "Closed"),
    ("spam", "Spam"),
    ("all", "All"),
]
SORTS = [("sla", "SLA due"), ("newest", "Newest"), ("oldest", "Oldest"), ("priority", "Priority")]
_FOLDER_KEYS = {key for key, _ in FOLDERS}
# Folders another app adds (reports' "Storming"): key -> a condition on Conversation. inbox/
# knows only the condition, never the app's tables; such a folder is listed while it is
# non-empty (or open).
_EXTRA_FOLDERS: dict[str, Callable[[Any], Q]] = {}


def register_folder(key: str, label: str, condition) -> None:
    """Add a folder listed before Spam; `condition(user)` returns its Q (or expression)."""
    if key in _FOLDER_KEYS:
        return
    FOLDERS.insert([k for k, _ in FOLDERS].index("spam"), (key, label))
    _FOLDER_KEYS.add(key)
    _EXTRA_FOLDERS[key] = condition


_SORT_KEYS = {key for key, _ in SORTS}


def _int_or_none(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@dataclass(frozen=True)
class ListParams:
    """What the agent is looking at: a folder plus filters that combine, a sort, and where
    in the list a "Load more" starts."""

    folder: str = "open"
    tag: int | None = None
    channel: int | None = None
    team: int | None = None
    kind: str = ""
    post: str = ""  # "<channel id>:<context external id>"
    q: str = ""
    sort: str = "newest"
    after: str = ""  # where "Load more" starts: inbox/paging.py
    extra: dict = field(default_factory=dict, compare=False)

    @classmethod
    def from_query(cls, query) -> ListParams:
        folder = query.get("folder", "open")
        sort = query.get("sort", "newest")
        kind = query.get("kind", "")
        return cls(
            folder=folder if folder in _FOLDER_KEYS else "open",
            tag=_int_or_none(query.get("tag")),
            channel=_int_or_none(query.get("channel")),
            team=_int_or_none(query.get("team")),
            kind=kind if kind in ConversationKind.values else "",
            post=query.get("post", "")[:300],
            q=query.get("q", "").strip()[:200],
            sort=sort if sort in _SORT_KEYS else "newest",
            after=query.get("after", "")[:500],
        )

    def as_query(self, **changes) -> str:
        """The query string of these params with `changes` applied (None drops a key)."""
        params = replace(self, **{k: v for k, v in changes.items() if k != "after"})
        # The list's position is never carried into other links: only "Load more" sets it.
        values = {
            "folder": params.folder,
            "tag": params.tag,
            "channel": params.channel,
            "team": params.team,
            "kind": params.kind,
            "post": params.post,
            "q": params.q,
            "sort": params.sort,
            "after": changes.get("after"),
        }
        defaults = {"folder": "open", "sort": "newest"}
        return urlencode(
            {k: v for k, v in values.items() if v not in (None, "") and defaults.get(k) != v}
        )

    @property
    def post_key(self) -> tuple[int, str] | None:
        channel_id, _, context = self.post.partition(":")
        if not context or _int_or_none(channel_id) is None:
            return None
        return int(channel_id), context


def _folder_filter(folder: str, user) -> Q:
    if folder in _EXTRA_FOLDERS:
        return _EXTRA_FOLDERS[folder](user)
    not_spam = Q(is_spam=False)
    return {
        "open": Q(state=ConversationState.OPEN) & not_spam,
        "mine": Q(assignee=user, state__in=[ConversationState.OPEN, ConversationState.PENDING])
        & not_spam,
        "unassigned": Q(assignee__isnull=True, state=ConversationState.OPEN) & not_spam,
        "pending": Q(state=ConversationState.PENDING) & not_spam,
        "snoozed": Q(state=ConversationState.SNOOZED) & not_spam,
        "closed": Q(state=ConversationState.CLOSED) & not_spam,
        "spam": Q(is_spam=True),
        "all": Q(),
    }[folder]


def filtered_conversations(params: ListParams, user) -> QuerySet[Conversation]:
    """The conversations matching the folder and every filter, unordered."""
    qs = Conversation.objects.all()
    post = params.post_key
    # A post's comments are shown whatever their state: the storm is the unit of work.
    if post is None:
        qs = qs.filter(_folder_filter(params.folder, user))
    else:
        qs = qs.filter(channel_id=post[0], context_external_id=post[1])
    if params.tag:
        qs = qs.filter(tags=params.tag)
    if params.channel:
        qs = qs.filter(channel_id=params.channel)
    if params.team:
        qs = qs.filter(team_id=params.team)
    if params.kind:
        qs = qs.filter(kind=params.kind)
    if params.q:
        qs = search_conversations(qs, params.q)
    return qs


ROW_DEFERRED = (
    "context",
    "channel__credentials",
    "channel__cursors",
    "channel__rate_limits",
    "channel__config",
    "contact__fields",
)


def with_row_data(qs: QuerySet[Conversation], user) -> QuerySet[Conversation]:
    """What a list row shows, in one query for any number of rows; `with_tags` adds their
    tags (one more).

    Unread means the customer wrote since this agent last opened the conversation. Answers
    (the agent's own, a colleague's, an echo from the platform's app) do not count: they
    would mark a conversation unread for the very agent who just answered it.

    `customer_name` is whoever wrote the latest customer message: in a comment thread
    several people can write, and the agent answers the latest (see `latest_customer`).
    `not_sent`: an answer in it is held or failed, so the customer is still unanswered.
    """
    stuck = OutboundAction.objects.filter(
        conversation=OuterRef("pk"),
        kind__in=["reply", "private_reply", "dm"],
        state__in=[ActionState.FAILED, ActionState.HELD],
    )
    latest_author = (
        Message.objects.filter(
            conversation=OuterRef("pk"), direction=Direction.INBOUND, author_identity__isnull=False
        )
        .order_by("-platform_timestamp", "-id")
        .values("author_identity__contact__name")[:1]
    )
    return (
        qs.select_related("channel", "contact", "assignee", "team")
        # What a row never shows: credentials are decrypted only where a platform is
        # called, and the JSON columns cost a decode each, 50 rows a page.
        .defer(*ROW_DEFERRED)
        .annotate(
            is_read=Q(last_inbound_at__isnull=True) | read_since_inbound(user),
            customer_name=Subquery(latest_author),
            not_sent=Exists(stuck),
        )
    )


# Plain SQL: as a prefetch, Django's building of this query cost more than the rows'
# own (issue 10). One query for any number of rows.
_ROW_TAGS = (
    "SELECT ct.conversation_id, t.name, t.color FROM {links} ct "
    "JOIN {tags} t ON t.id = ct.tag_id WHERE ct.conversation_id IN ({ids}) "
    "ORDER BY t.name, t.id"
)


def with_tags(rows: list) -> list:
    """Each row's `row_tags`, [(name, colour)] by name, in one query (none for no rows)."""
    by_row: dict[int, list[tuple[str, str]]] = {row.pk: [] for row in rows}
    if by_row:
        sql = _ROW_TAGS.format(
            links=Conversation.tags.through._meta.db_table,
            tags=Tag._meta.db_table,
            ids=", ".join(["%s"] * len(by_row)),
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, list(by_row))
            for conversation_id, name, color in cursor.fetchall():
                by_row[conversation_id].append((name, color))
    for row in rows:
        row.row_tags = by_row[row.pk]
    return rows


def inbox_rows(params: ListParams, user) -> tuple[list[list_sql.Row], str]:
    """One page of rows, from just after `params.after`, and where the next page starts
    ("" when this is the last): 2 queries, the rows' written by hand (inbox/list_sql.py)."""
    rows = list_sql.rows(params, user, limit=PAGE_SIZE + 1)
    more = len(rows) > PAGE_SIZE
    rows = with_tags(rows[:PAGE_SIZE])
    return rows, paging.cursor_after(rows[-1], params.sort) if more else ""


def rows_by_id(ids, params: ListParams, user) -> tuple[list[list_sql.Row], set[int]]:
    """For the live feed: changed rows still in the current view, and the ids that left it."""
    ids = set(ids)
    rows = with_tags(list_sql.rows(params, user, ids=ids))
    return rows, ids - {row.pk for row in rows}


# ---- folder counts ---------------------------------------------------------------------------

COUNTS_TTL = 60
# Counts stop at this many: "999+" tells an agent as much as "214,372" does, and counting
# stops after COUNT_CAP index entries instead of walking every open conversation.
COUNT_CAP = 1000


class CappedCount(Subquery):
    """COUNT(*) over a LIMITed subquery: the work is bounded by the cap, not the table."""

    template = "(SELECT COUNT(*) FROM (%(subquery)s) capped_count)"
    output_field = IntegerField()


def _capped(qs: QuerySet) -> CappedCount:
    # Unordered, so the database may stop at the cap along any index that fits the filter.
    return CappedCount(qs.order_by().values("pk")[:COUNT_CAP])


def folder_counts(user, *, version: int | None = None) -> dict:
    """Counts for every folder, each capped at COUNT_CAP. Cached per live version, so they
    refresh on any change and a quiet inbox costs no counting at all; one query when
    recomputed, however many conversations, tags, channels or teams. `version`: the page's
    `live.current_version()`, when it has read it already."""
    if version is None:
        version = live.current_version()
    key = f"inbox:counts:{version}:{user.pk}"
    counts = _cached_counts(key)
    if counts is None:
        counts = _count_folders(user)
        _cache_counts(key, counts)
    return counts


# Without the shared cache (Redis down) the counts are simply computed each time.
@shared_cache.degrades(lambda key: None)
def _cached_counts(key: str) -> dict | None:
    return cache.get(key)


@shared_cache.degrades(lambda key, counts: None)
def _cache_counts(key: str, counts: dict) -> None:
    cache.set(key, counts, timeout=COUNTS_TTL)


_OPEN = Q(state=ConversationState.OPEN, is_spam=False)
# Tag, channel and team folders count the open conversations among the newest WINDOW, in
# one pass over that window, so their cost does not grow with a tag's history (a "refund"
# tag on 200,000 closed conversations). Exact while open work fits the window (then the Open
# folder itself shows less than "999+"); beyond it they are lower bounds, shown with a "+".
# A small window also keeps PostgreSQL on index lookups into the tag links rather than a
# scan of all of them (measured: 2 ms at 1,000, 47 ms at 5,000 on the bench database).
WINDOW = COUNT_CAP


def _count_folders(user) -> dict:
    # One UNION query: a row per state folder (on the agent's own user row, which always
    # exists) counted with a capped subquery; the size of the open window; the tag, channel
    # and team names; and their counts grouped over the window.
    columns = ("section", "pk", "name", "extra", "n")
    me = User.objects.filter(pk=user.pk).order_by()
    window = (
        Conversation.objects.filter(_OPEN).order_by("-last_message_at", "-id").values("pk")[:WINDOW]
    )
    parts: list[QuerySet] = [
        me.annotate(
            section=Value("state"),
            name=Value(key),
            extra=Value(""),
            n=_capped(Conversation.objects.filter(_folder_filter(key, user))),
        ).values_list(*columns)
        for key, _ in FOLDERS
        if key != "all"
    ]
    parts.append(
        me.annotate(
            section=Value("window"), name=Value(""), extra=Value(""), n=CappedCount(window)
        ).values_list(*columns)
    )
    no_count = Value(0, output_field=IntegerField())
    for section, model, extra in (
        ("tag", Tag, F("color")),
        ("channel", Channel, F("kind")),
        ("team", Team, Value("")),
    ):
        parts.append(
            model.objects.order_by()
            .annotate(section=Value(section), extra=extra, n=no_count)
            .values_list(*columns)
        )
    grouped = (
        ("tag_n", Conversation.tags.through.objects.filter(conversation_id__in=window), "tag_id"),
        ("channel_n", Conversation.objects.filter(pk__in=window), "channel_id"),
        ("team_n", Conversation.objects.filter(pk__in=window, team__isnull=False), "team_id"),
    )
    for section, qs, key in grouped:
        parts.append(
            qs.order_by()
            .values(key)
            .annotate(
                section=Value(section), pk=F(key), name=Value(""), extra=Value(""), n=Count("*")
            )
            .values_list(*columns)
        )
    rows = list(parts[0].union(*parts[1:], all=True))

    states: dict[str, int] = {}
    named: dict[str, dict[int, list]] = {"tag": {}, "channel": {}, "team": {}}
    grouped_counts: dict[str, dict[int, int]] = {"tag": {}, "channel": {}, "team": {}}
    window_size = 0
    for section, pk, name, extra, n in rows:
        if section == "state":
            states[name] = n
        elif section == "window":
            window_size = n
        elif section in named:
            named[section][pk] = [pk, name, extra]
        else:
            grouped_counts[section.removesuffix("_n")][pk] = n
    exact = window_size < WINDOW

    def listed(section):
        items = sorted(named[section].values(), key=lambda item: (str(item[1]).lower(), item[0]))
        return [(*item, grouped_counts[section].get(item[0], 0)) for item in items]

    return {
        # In FOLDERS order, as the folder list shows them.
        "states": {key: states.get(key, 0) for key, _ in FOLDERS if key != "all"},
        "tags": listed("tag"),
        "channels": listed("channel"),
        "teams": [(pk, name, n) for pk, name, _, n in listed("team")],
        "cap": COUNT_CAP,
        # Added folders with nothing in them, which the folder list leaves out.
        "hidden": [key for key in _EXTRA_FOLDERS if not states.get(key)],
        # False when tag/channel/team counts are lower bounds (more open work than WINDOW).
        "exact": exact,
    }


# ---- the post view ---------------------------------------------------------------------------


def post_groups(limit: int = 50) -> list[dict]:
    """Comments grouped under the post or media they are on, busiest first: 2 queries."""
    first = Conversation.objects.filter(
        channel_id=OuterRef("channel_id"),
        context_external_id=OuterRef("context_external_id"),
    ).order_by("id")
    busiest = (
        # A mention is on someone else's media, one conversation each: not a post of ours.
        Conversation.objects.exclude(context_external_id="")
        .exclude(kind=ConversationKind.MENTION)
        .values("channel_id", "context_external_id")
        .annotate(
            total=Count("pk"),
            open=Count("pk", filter=Q(state=ConversationState.OPEN, is_spam=False)),
            last=Max("last_message_at"),
            context=Subquery(first.values("context")[:1], output_field=JSONOutput()),
        )
        .order_by("-open", "-last")[:limit]
    )
    # Plain dicts (values() rows have fixed keys for mypy): each gets its channel and key.
    groups: list[dict] = [dict(group) for group in busiest]
    channels = Channel.objects.defer("credentials").in_bulk({g["channel_id"] for g in groups})
    for group in groups:
        group["channel"] = channels.get(group["channel_id"])
        group["key"] = f"{group['channel_id']}:{group['context_external_id']}"
        if not isinstance(group["context"], dict):
            group["context"] = {}
    return groups


def post_summary(params: ListParams) -> dict | None:
    """Header of a post's comment list: its context and counts (2 queries)."""
    post = params.post_key
    if post is None:
        return None
    qs = Conversation.objects.filter(channel_id=post[0], context_external_id=post[1])
    summary = qs.aggregate(
        total=Count("pk"), open=Count("pk", filter=Q(state=ConversationState.OPEN, is_spam=False))
    )
    summary["context"] = qs.order_by("id").values_list("context", flat=True).first()
    if not isinstance(summary["context"], dict):
        summary["context"] = {}
    summary["key"] = params.post
    return summary


# ---- one conversation ------------------------------------------------------------------------


def saved_replies_for(user) -> QuerySet[SavedReply]:
    return (
        SavedReply.objects.filter(
            Q(scope=SavedReplyScope.EVERYONE)
            | Q(scope=SavedReplyScope.PERSONAL, owner=user)
            | Q(scope=SavedReplyScope.TEAM, team__members=user)
        )
        .distinct()
        .order_by("title", "id")
    )


def assignees() -> tuple[list[User], list[Team]]:
    """The assign pickers' agents (by first name, then username) and teams (by name): 1 query,
    written by hand (inbox/pane_sql.py; the ORM's version is in tests/support/orm_pane.py).

    One UNION instead of a query each: the pane and the list's bulk bar both show them.
    """
    return pane_sql.assignees()


def read_since_inbound(user) -> Exists:
    """Has `user` opened the conversation since the customer last wrote? For a query of
    conversations (`OuterRef("pk")`): false while the customer has never written."""
    return Exists(
        ReadState.objects.filter(
            user=user, conversation=OuterRef("pk"), read_at__gte=OuterRef("last_inbound_at")
        )
    )


def unread(conversation: Conversation, user) -> bool:
    """Has the customer written since this agent last opened it? (1 query, or none when
    the conversation was loaded with `read_since_inbound` for this agent)."""
    if conversation.last_inbound_at is None:
        return False
    if hasattr(conversation, "read_since_inbound"):
        return not conversation.read_since_inbound
    return not ReadState.objects.filter(
        user=user, conversation=conversation, read_at__gte=conversation.last_inbound_at
    ).exists()


@dataclass
class ConversationDetail:
    conversation: Conversation
    messages: list[Message]
    notes: list[Note]
    timeline: list[AuditEvent]
    identities: list[Identity]
    past: list[Conversation]
    contact_notes: list[Note]
    saved_replies: list[SavedReply]
    agents: list[User]
    teams: list[Team]
    draft: Draft | None
    last_message_id: int
    # Whom the agent answers: the author of the latest customer message (see latest_customer).
    customer: Contact | None = None
    # The comment thread a private conversation continues, and the private conversations a
    # comment thread's private replies opened.
    origin: Conversation | None = None
    continuations: list[Conversation] = field(default_factory=list)
    tags: list[Tag] = field(default_factory=list)


TIMELINE_LENGTH = 100
# What a rule hit is recorded as (rules/engine.py); inbox/ names the verb, not the app.
RULE_HIT_VERB = "rule_matched"
PAST_LENGTH = 10


def thread_messages(conversation: Conversation) -> list[Message]:
    """The thread in platform order, each with its outbox actions: 2 queries, written by
    hand (inbox/thread_sql.py; the ORM's version is tests/support/orm_thread.py)."""
    return thread_sql.thread_messages(conversation)


def _without_rule_echoes(events: list[AuditEvent]) -> list[AuditEvent]:
    """Drop the per-action lines a rule wrote when its "rule matched" line says it all.

    A rule hit is recorded once as "tagged Payment by rule 'Payments', matched 'pay'" and
    once per operation it ran ("rule 'Payments': tagged Payment"); agents need the first.
    The outbox's results ("like done", "hide failed: ...") stay.
    """
    summarised = {e.rule_name for e in events if e.verb == RULE_HIT_VERB and e.rule_name}
    return [
        e
        for e in events
        if not (
            e.rule_name in summarised
            and e.verb != RULE_HIT_VERB
            and not e.verb.startswith("action_")
        )
    ]


def latest_customer(conversation: Conversation, messages: list[Message]) -> Contact | None:
    """The customer who wrote the latest customer message, else the conversation's contact.

    A comment thread is started by one person and joined by others; the row, the greeting
    of a saved reply and the customer panel follow whoever the agent is now answering.
    `messages` in thread order, with author_identity__contact loaded (thread_messages).
    """
    for message in reversed(messages):
        if message.direction == Direction.INBOUND and message.author_identity is not None:
            return message.author_identity.contact
    return conversation.contact


def conversation_detail(conversation: Conversation, user) -> ConversationDetail:
    """Everything the conversation pane shows, in a fixed number of queries."""
    messages = thread_messages(conversation)
    contact = latest_customer(conversation, messages)
    # The reads below are written by hand (inbox/pane_sql.py; the ORM's versions are in
    # tests/support/orm_pane.py).
    timeline = _without_rule_echoes(pane_sql.latest_events(conversation, TIMELINE_LENGTH))
    timeline.reverse()
    if contact is not None:
        identities = pane_sql.identities(contact)
        past = pane_sql.past_conversations(contact, conversation, PAST_LENGTH)
    else:
        identities, past = [], []
    # The conversation's notes and the customer's, in one query.
    notes = pane_sql.notes_about(conversation, contact)
    # Both directions of the public → private link, in one query.
    linked = pane_sql.linked_conversations(conversation)
    agents, teams = assignees()
    return ConversationDetail(
        origin=next((c for c in linked if c.pk == conversation.origin_id), None),
        continuations=[c for c in linked if c.origin_id == conversation.pk],
        conversation=conversation,
        messages=messages,
        notes=[n for n in notes if n.conversation_id == conversation.pk],
        timeline=timeline,
        identities=identities,
        past=past,
        contact_notes=[n for n in notes if contact and n.contact_id == contact.pk],
        saved_replies=pane_sql.saved_replies(user),
        agents=agents,
        teams=teams,
        draft=pane_sql.draft(user, conversation),
        tags=pane_sql.tags(conversation),
        last_message_id=max((m.pk for m in messages), default=0),
        customer=contact,
    )


def answered_since(conversation: Conversation, *, since_id: int, user) -> list[Message]:
    """Answers someone else (or a rule) sent after the agent opened the conversation."""
    return list(
        conversation.messages.filter(pk__gt=since_id, direction="out")
        .exclude(author_agent=user)
        .select_related("author_agent")
    )


# ---- the admins' Channels page ---------------------------------------------------------------


@dataclass(frozen=True)
class Budget:
    """One entry of `channel.rate_limits`: a budget (remaining of limit until reset) when the
    platform reports one, otherwise its raw figures as `detail`."""

    endpoint: str
    remaining: int | None = None
    limit: int | None = None
    reset_at: datetime | None = None
    detail: str = ""


@dataclass(frozen=True)
class ChannelRow:
    channel: Channel
    label: str
    connect_url_name: str
    budgets: list[Budget]
    # Its events kept for inspection, not processed: poisonous items and failures.
    poisoned: int = 0
    failed: int = 0


def rate_limit_budgets(rate_limits) -> list[Budget]:
    """What `channel.rate_limits` holds, platform-free: the JSON is whatever each connector's
    poll stored, so anything not shaped like a budget is shown as its figures, never dropped."""
    if not isinstance(rate_limits, dict):
        return []
    budgets = []
    for endpoint, value in sorted(rate_limits.items(), key=lambda item: str(item[0])):
        if isinstance(value, dict) and ("remaining" in value or "limit" in value):
            budgets.append(
                Budget(
                    endpoint=str(endpoint),
                    remaining=_int_or_none(value.get("remaining")),
                    limit=_int_or_none(value.get("limit")),
                    reset_at=_reset_time(value),
                )
            )
        else:
            budgets.append(Budget(endpoint=str(endpoint), detail=_figures(value)))
    return budgets


def _reset_time(budget: dict) -> datetime | None:
    reset_at = budget.get("reset_at")
    if isinstance(reset_at, str) and (parsed := parse_datetime(reset_at)):
        return parsed
    reset = budget.get("reset")
    if isinstance(reset, int | float) and not isinstance(reset, bool):
        try:
            return datetime.fromtimestamp(reset, UTC)
        except (OverflowError, OSError, ValueError):
            return None
    return None


def _figures(value) -> str:
    """Usage figures a platform reported, as words ("app: call count 12, total time 3"),
    never JSON: nested groups are named by their keys, lists are read item by item."""
    parts: list[str] = []

    def words(key) -> str:
        return str(key).replace("_", " ").strip()

    def walk(item, label: str) -> None:
        if isinstance(item, dict):
            flat = {k: v for k, v in item.items() if not isinstance(v, dict | list)}
            if flat:
                figures = ", ".join(f"{words(k)} {_scalar(v)}" for k, v in flat.items())
                parts.append(f"{label}: {figures}" if label else figures)
            for k, v in item.items():
                if isinstance(v, dict | list):
                    walk(v, f"{label} {words(k)}".strip())
        elif isinstance(item, list):
            for entry in item:
                walk(entry, label)
        else:
            parts.append(f"{label}: {_scalar(item)}" if label else _scalar(item))

    walk(value, "")
    text = "; ".join(parts)
    return text if len(text) <= 300 else text[:299] + "…"


def _scalar(value) -> str:
    if value is None:
        return "unknown"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def kept_for_inspection() -> dict[tuple[int | None, str], int]:
    """How many events are poisoned or failed, by (channel id, state): 1 query.

    Channel None counts deliveries that named no connected channel (a body that could not
    be split names none)."""
    rows = (
        InboundEvent.objects.filter(state__in=[EventState.POISONED, EventState.FAILED])
        .values_list("channel_id", "state")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {(channel_id, state): n for channel_id, state, n in rows}


def channel_overview(kept: dict[tuple[int | None, str], int] | None = None) -> list[ChannelRow]:
    """Every channel, its connector's label and connect page, its budgets and the counts of
    `kept_for_inspection()` (pass them in, or 1 more query): 1 query."""
    kept = kept_for_inspection() if kept is None else kept
    rows = []
    for channel in Channel.objects.order_by("kind", "name", "pk"):
        try:
            connector = channel.connector
        except LookupError:  # a kind whose app is no longer installed
            label, connect = channel.kind, ""
        else:
            label, connect = connector.label, connector.connect_url_name
        rows.append(
            ChannelRow(
                channel=channel,
                label=label,
                connect_url_name=connect,
                budgets=rate_limit_budgets(channel.rate_limits),
                poisoned=kept.get((channel.pk, EventState.POISONED), 0),
                failed=kept.get((channel.pk, EventState.FAILED), 0),
            )
        )
    return rows


# ---- the outbox view -----------------------------------------------------------------------

OUTBOX_STATES = [
    (ActionState.FAILED, "Failed"),
    (ActionState.HELD, "Held"),
    (ActionState.QUEUED, "Queued"),
    (ActionState.SENDING, "Sending"),
]
OUTBOX_PAGE = 200


def outbox_rows(state: str = "") -> tuple[list[OutboundAction], dict[str, int]]:
    """What has not gone out across the team, newest first, and how many in each state:
    2 queries, however many actions. `state` narrows the rows to one of OUTBOX_STATES."""
    waiting = [value for value, _ in OUTBOX_STATES]
    counts = dict.fromkeys(waiting, 0) | dict(
        OutboundAction.objects.filter(state__in=waiting)
        .order_by()
        .values_list("state")
        .annotate(n=Count("id"))
        .values_list("state", "n")
    )
    rows = (
        OutboundAction.objects.filter(state__in=[state] if state in waiting else waiting)
        .select_related("channel", "conversation__contact", "message", "target", "created_by")
        .order_by("-created_at", "-id")[:OUTBOX_PAGE]
    )
    return list(rows), counts
