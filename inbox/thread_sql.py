"""A conversation's thread in two SQL statements written by hand: its messages with their
author (identity and customer, or agent) and channel, then their outbox actions.

The ORM's version (`tests/support/orm_thread.py`: select_related over four tables and a
Prefetch of the actions) spent most of the pane's thread time building and compiling those
two queries, whatever the thread's length (issue 10). The rows are still model instances,
loaded as Django loads them (inbox/model_rows.py), with the same related objects cached, so
what reads them (the pane's templates, the connectors' `action_refusal`, the API's
serializer) sees what the ORM would give it. tests/integration/test_thread_sql.py asserts the equality, on SQLite and
PostgreSQL.
"""

from __future__ import annotations

from django.db import connection

from accounts.models import User

from .model_rows import columns, instance, loaded, split
from .models import Channel, Contact, Conversation, Identity, Message, OutboundAction

_JOINED = [Message, Identity, Contact, User, Channel]

_MESSAGES = f"""SELECT {columns("m", Message)}, {columns("i", Identity)}, {columns("ct", Contact)},
 {columns("u", User)}, {columns("ch", Channel)}
FROM {Message._meta.db_table} m
 LEFT JOIN {Identity._meta.db_table} i ON m.author_identity_id = i.id
 LEFT JOIN {Contact._meta.db_table} ct ON i.contact_id = ct.id
 LEFT JOIN {User._meta.db_table} u ON m.author_agent_id = u.id
 JOIN {Channel._meta.db_table} ch ON m.channel_id = ch.id
WHERE m.conversation_id = %s
ORDER BY m.platform_timestamp ASC, m.id ASC"""

_ACTIONS = f"""SELECT {columns("a", OutboundAction)}
FROM {OutboundAction._meta.db_table} a
WHERE a.message_id IN ({{ids}})
ORDER BY a.id DESC"""
_ACTION_MESSAGE = [f.attname for f in loaded(OutboundAction)].index("message_id")

_IDENTITY_CACHE = Message._meta.get_field("author_identity")
_AGENT_CACHE = Message._meta.get_field("author_agent")
_CHANNEL_CACHE = Message._meta.get_field("channel")
_CONVERSATION_CACHE = Message._meta.get_field("conversation")
_CONTACT_CACHE = Identity._meta.get_field("contact")
_MESSAGE_CACHE = OutboundAction._meta.get_field("message")


def thread_messages(conversation: Conversation) -> list[Message]:
    """The thread in platform order, each message with its author, channel and outbox actions
    (newest first) loaded: 2 queries, 1 when the thread is empty."""
    with connection.cursor() as cursor:
        cursor.execute(_MESSAGES, [conversation.pk])
        records = cursor.fetchall()
    messages: list[Message] = []
    channels: dict[int, Channel] = {}
    for record in records:
        message_values, identity_values, contact_values, agent_values, channel_values = split(
            record, _JOINED
        )
        message = instance(Message, message_values)
        assert isinstance(message, Message)
        identity = None if identity_values[0] is None else instance(Identity, identity_values)
        if identity is not None:
            contact = None if contact_values[0] is None else instance(Contact, contact_values)
            _CONTACT_CACHE.set_cached_value(identity, contact)
        _IDENTITY_CACHE.set_cached_value(message, identity)
        agent = None if agent_values[0] is None else instance(User, agent_values)
        _AGENT_CACHE.set_cached_value(message, agent)
        channel_id = channel_values[0]
        if channel_id not in channels:
            channels[channel_id] = instance(Channel, channel_values)
        _CHANNEL_CACHE.set_cached_value(message, channels[channel_id])
        _CONVERSATION_CACHE.set_cached_value(message, conversation)
        messages.append(message)
    _attach_actions(messages)
    return messages


def _attach_actions(messages: list[Message]) -> None:
    """Each message's outbox actions, newest first, where `message.actions.all()` finds
    them, as Django's prefetch_related leaves them."""
    if not messages:
        return
    by_message: dict[int, list] = {m.pk: [] for m in messages}
    ids = list(by_message)
    with connection.cursor() as cursor:
        cursor.execute(_ACTIONS.format(ids=", ".join(["%s"] * len(ids))), ids)
        records = cursor.fetchall()
    ordered = OutboundAction.objects.order_by("-id")
    for record in records:
        action = instance(OutboundAction, record)
        assert isinstance(action, OutboundAction)
        by_message[record[_ACTION_MESSAGE]].append(action)
    for message in messages:
        actions = by_message[message.pk]
        for action in actions:
            _MESSAGE_CACHE.set_cached_value(action, message)
        related = message.actions._apply_rel_filters(ordered)  # type: ignore[attr-defined]
        related._result_cache = actions
        related._prefetch_done = True
        message._prefetched_objects_cache = {"actions": related}  # type: ignore[attr-defined]
