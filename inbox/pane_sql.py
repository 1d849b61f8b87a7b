"""The customer panel's and the timeline's reads in SQL written by hand: the conversation's
audit events, the customer's identities and past conversations, the notes, and the
conversations linked public ↔ private.

Small queries, each of which cost Django more Python to build and compile than to load
(issue 10). The rows are model instances loaded as the ORM loads them (inbox/model_rows.py),
with the related objects the ORM's versions cache (`tests/support/orm_pane.py`, the
definition these are checked against by tests/integration/test_pane_sql.py, on SQLite and
PostgreSQL).
"""

from __future__ import annotations

from django.db import connection

from accounts.models import Team, User

from .model_rows import columns, instance, split
from .models import (
    AuditEvent,
    Channel,
    Contact,
    Conversation,
    Draft,
    Identity,
    Note,
    ReadState,
    SavedReply,
    SavedReplyScope,
    Tag,
)

# What no agent view reads off the conversation's channel: the credentials are decrypted
# only where a platform is called (a worker, which loads its own channel), and the polling
# state and options cost a JSON decode each. Reading one anyway costs one more query.
CHANNEL_DEFERRED = ("credentials", "cursors", "rate_limits", "config")
_CONVERSATION_JOINED = [Conversation, (Channel, CHANNEL_DEFERRED), Contact, User, Team]

_CONVERSATION = f"""SELECT {columns("c", Conversation)}, {columns("ch", Channel, CHANNEL_DEFERRED)},
 {columns("ct", Contact)}, {columns("u", User)}, {columns("t", Team)}{{read}}
FROM {Conversation._meta.db_table} c
 JOIN {Channel._meta.db_table} ch ON c.channel_id = ch.id
 LEFT JOIN {Contact._meta.db_table} ct ON c.contact_id = ct.id
 LEFT JOIN {User._meta.db_table} u ON c.assignee_id = u.id
 LEFT JOIN {Team._meta.db_table} t ON c.team_id = t.id
WHERE c.id = %s"""
# selectors.read_since_inbound: has the agent opened it since the customer last wrote?
_READ_SINCE_INBOUND = f""",
 EXISTS (SELECT 1 FROM {ReadState._meta.db_table} r WHERE r.user_id = %s
   AND r.conversation_id = c.id AND r.read_at >= c.last_inbound_at)"""

_EVENTS = f"""SELECT {columns("e", AuditEvent)}, {columns("u", User)}
FROM {AuditEvent._meta.db_table} e LEFT JOIN {User._meta.db_table} u ON e.actor_id = u.id
WHERE e.conversation_id = %s
ORDER BY e.created_at DESC, e.id DESC
LIMIT %s"""

_IDENTITIES = f"""SELECT {columns("i", Identity)} FROM {Identity._meta.db_table} i
WHERE i.contact_id = %s ORDER BY i.platform ASC, i.id ASC"""

# Newest first, those never written in last; ties by id, newest first.
_PAST = f"""SELECT {columns("c", Conversation)}, {columns("ch", Channel)}
FROM {Conversation._meta.db_table} c JOIN {Channel._meta.db_table} ch ON c.channel_id = ch.id
WHERE c.contact_id = %s AND c.id <> %s
ORDER BY c.last_message_at IS NULL, c.last_message_at DESC, c.id DESC
LIMIT %s"""

_NOTES = f"""SELECT {columns("n", Note)}, {columns("u", User)}
FROM {Note._meta.db_table} n LEFT JOIN {User._meta.db_table} u ON n.author_id = u.id
WHERE n.conversation_id = %s OR n.contact_id = %s
ORDER BY n.created_at ASC, n.id ASC"""

_LINKED = f"""SELECT {columns("c", Conversation)} FROM {Conversation._meta.db_table} c
WHERE c.id = %s OR c.origin_id = %s
ORDER BY c.created_at ASC, c.id ASC"""


# The assign pickers' agents and teams in one statement, by section, then name.
_ASSIGNEES = f"""SELECT 'agent', id, first_name, username, last_name FROM {User._meta.db_table}
WHERE is_active
UNION ALL SELECT 'team', id, name, '', '' FROM {Team._meta.db_table}
ORDER BY 1, 3, 4"""

_SAVED_REPLIES = f"""SELECT {columns("s", SavedReply)} FROM {SavedReply._meta.db_table} s
WHERE s.scope = '{SavedReplyScope.EVERYONE}'
 OR (s.scope = '{SavedReplyScope.PERSONAL}' AND s.owner_id = %s)
 OR (s.scope = '{SavedReplyScope.TEAM}' AND s.team_id IN
   (SELECT team_id FROM {Team.members.through._meta.db_table} WHERE user_id = %s))
ORDER BY s.title ASC, s.id ASC"""

_DRAFT = f"""SELECT {columns("d", Draft)} FROM {Draft._meta.db_table} d
WHERE d.user_id = %s AND d.conversation_id = %s ORDER BY d.id ASC LIMIT 1"""


_TAGS = f"""SELECT {columns("t", Tag)} FROM {Tag._meta.db_table} t
 JOIN {Conversation.tags.through._meta.db_table} ct ON ct.tag_id = t.id
WHERE ct.conversation_id = %s ORDER BY t.name ASC"""


def _fetch(sql: str, params: list) -> list:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _cache(model, name: str):
    """Where `model`'s foreign key `name` keeps the object it points to."""
    return model._meta.get_field(name)


_CONVERSATION_RELATED = [
    _cache(Conversation, name) for name in ("channel", "contact", "assignee", "team")
]
_EVENT_ACTOR = _cache(AuditEvent, "actor")
_EVENT_CONVERSATION = _cache(AuditEvent, "conversation")
_IDENTITY_CONTACT = _cache(Identity, "contact")
_CONVERSATION_CHANNEL = _cache(Conversation, "channel")
_CONVERSATION_CONTACT = _cache(Conversation, "contact")
_NOTE_AUTHOR = _cache(Note, "author")


def conversation(pk: int, user, *, read_state: bool = False) -> Conversation | None:
    """The conversation with its channel, customer, assignee and team, or None. With
    `read_state`, annotated `read_since_inbound` for `user`, as the ORM's annotate() does."""
    sql = _CONVERSATION.format(read=_READ_SINCE_INBOUND if read_state else "")
    records = _fetch(sql, [user.pk, pk] if read_state else [pk])
    if not records:
        return None
    parts = split(records[0], _CONVERSATION_JOINED)
    found = instance(Conversation, parts[0])
    for field, model, values in zip(
        _CONVERSATION_RELATED, _CONVERSATION_JOINED[1:], parts[1:], strict=True
    ):
        model, deferred = model if isinstance(model, tuple) else (model, ())
        related = None if values[0] is None else instance(model, values, deferred)
        field.set_cached_value(found, related)
    if read_state:
        found.read_since_inbound = bool(records[0][-1])
    return found


def latest_events(conversation: Conversation, limit: int) -> list[AuditEvent]:
    """The conversation's latest `limit` audit events, newest first, each with its actor."""
    events = []
    for record in _fetch(_EVENTS, [conversation.pk, limit]):
        event_values, actor_values = split(record, [AuditEvent, User])
        event = instance(AuditEvent, event_values)
        _EVENT_ACTOR.set_cached_value(
            event, None if actor_values[0] is None else instance(User, actor_values)
        )
        _EVENT_CONVERSATION.set_cached_value(event, conversation)
        events.append(event)
    return events


def identities(contact: Contact) -> list[Identity]:
    """The customer's identities, by platform."""
    found = [instance(Identity, record) for record in _fetch(_IDENTITIES, [contact.pk])]
    for identity in found:
        _IDENTITY_CONTACT.set_cached_value(identity, contact)
    return found


def past_conversations(contact: Contact, conversation: Conversation, limit: int):
    """The customer's other conversations, latest first, each with its channel."""
    past = []
    channels: dict[int, Channel] = {}
    for record in _fetch(_PAST, [contact.pk, conversation.pk, limit]):
        conversation_values, channel_values = split(record, [Conversation, Channel])
        other = instance(Conversation, conversation_values)
        if other.channel_id not in channels:
            channels[other.channel_id] = instance(Channel, channel_values)
        _CONVERSATION_CHANNEL.set_cached_value(other, channels[other.channel_id])
        _CONVERSATION_CONTACT.set_cached_value(other, contact)
        past.append(other)
    return past


def notes_about(conversation: Conversation, contact: Contact | None) -> list[Note]:
    """The conversation's notes and the customer's, oldest first, each with its author."""
    notes = []
    for record in _fetch(_NOTES, [conversation.pk, contact.pk if contact else None]):
        note_values, author_values = split(record, [Note, User])
        note = instance(Note, note_values)
        _NOTE_AUTHOR.set_cached_value(
            note, None if author_values[0] is None else instance(User, author_values)
        )
        notes.append(note)
    return notes


def linked_conversations(conversation: Conversation) -> list[Conversation]:
    """Both directions of the public → private link: the conversation this one continues,
    and those that continue it, oldest first."""
    records = _fetch(_LINKED, [conversation.origin_id, conversation.pk])
    return [instance(Conversation, record) for record in records]


def assignees() -> tuple[list[User], list[Team]]:
    """The assign pickers' agents (by first name, then username) and teams (by name), each
    loaded with the columns a picker shows (any other field loads on access)."""
    users: list[User] = []
    groups: list[Team] = []
    for section, pk, first, second, last_name in _fetch(_ASSIGNEES, []):
        if section == "agent":
            users.append(
                User.from_db(
                    connection.alias,
                    ["id", "username", "first_name", "last_name"],
                    [pk, second, first, last_name],
                )
            )
        else:
            groups.append(Team.from_db(connection.alias, ["id", "name"], [pk, first]))
    return users, groups


def saved_replies(user) -> list[SavedReply]:
    """The saved replies `user` may use (everyone's, their own, their teams'), by title."""
    return [instance(SavedReply, record) for record in _fetch(_SAVED_REPLIES, [user.pk, user.pk])]


def draft(user, conversation: Conversation) -> Draft | None:
    """The reply `user` has half-written in this conversation."""
    records = _fetch(_DRAFT, [user.pk, conversation.pk])
    return instance(Draft, records[0]) if records else None


def tags(conversation: Conversation) -> list[Tag]:
    """The conversation's tags, by name."""
    return [instance(Tag, record) for record in _fetch(_TAGS, [conversation.pk])]
