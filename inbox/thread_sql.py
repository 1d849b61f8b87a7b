"""A conversation's thread in two SQL statements written by hand: its messages with their
author (identity and customer, or agent) and channel, then their outbox actions.

The ORM's version (`tests/support/orm_thread.py`: select_related over four tables and a
Prefetch of the actions) spent most of the pane's thread time building and compiling those
two queries, whatever the thread's length (issue 10). The rows are still model instances,
loaded as Django loads them (every column, the channel's credentials deferred, each value
through its field's converters), with the same related objects cached, so what reads them
(the pane's templates, the connectors' `action_refusal`, the API's serializer) sees what the
ORM would give it. tests/integration/test_thread_sql.py asserts the equality, on SQLite and
PostgreSQL.
"""

from __future__ import annotations

from django.db import connection
from django.db.models import DEFERRED, Model

from accounts.models import User

from .models import Channel, Contact, Conversation, Identity, Message, OutboundAction

# The tables joined, each under its own alias; a model's every concrete column, in its order.
_JOINED: list[tuple[str, type[Model]]] = [
    ("m", Message),
    ("i", Identity),
    ("ct", Contact),
    ("u", User),
    ("ch", Channel),
]
_NOT_LOADED = {(Channel, "credentials")}  # as the ORM's .defer(): encrypted, never shown


def _loaded(model: type[Model]) -> list:
    return [f for f in model._meta.concrete_fields if (model, f.name) not in _NOT_LOADED]


def _columns(alias: str, model: type[Model]) -> str:
    return ", ".join(f"{alias}.{f.column}" for f in _loaded(model))


_MESSAGES = f"""SELECT {", ".join(_columns(alias, model) for alias, model in _JOINED)}
FROM {Message._meta.db_table} m
 LEFT JOIN {Identity._meta.db_table} i ON m.author_identity_id = i.id
 LEFT JOIN {Contact._meta.db_table} ct ON i.contact_id = ct.id
 LEFT JOIN {User._meta.db_table} u ON m.author_agent_id = u.id
 JOIN {Channel._meta.db_table} ch ON m.channel_id = ch.id
WHERE m.conversation_id = %s
ORDER BY m.platform_timestamp ASC, m.id ASC"""

_ACTIONS = f"""SELECT {_columns("a", OutboundAction)}
FROM {OutboundAction._meta.db_table} a
WHERE a.message_id IN ({{ids}})
ORDER BY a.id DESC"""

_ATTNAMES: dict[type[Model], list[str]] = {
    model: [f.attname for f in model._meta.concrete_fields]
    for model in [Message, Identity, Contact, User, Channel, OutboundAction]
}
_ACTION_MESSAGE = [f.attname for f in _loaded(OutboundAction)].index("message_id")

_converters: dict[str, dict[type[Model], list]] = {}


def _converters_for(model: type[Model]) -> list:
    """Per loaded column of `model`: (its field's Col, the converters Django applies to it
    on this database), as the ORM's compiler finds them; found once per database kind."""
    by_model = _converters.setdefault(connection.vendor, {})
    if model not in by_model:
        found = []
        for field in _loaded(model):
            column = field.get_col(model._meta.db_table)
            found.append(
                (
                    column,
                    connection.ops.get_db_converters(column) + column.get_db_converters(connection),
                )
            )
        by_model[model] = found
    return by_model[model]


def _instance(model: type[Model], values) -> Model:
    """A model instance from its loaded columns, converted as the ORM converts them."""
    converted = []
    for value, (column, converters) in zip(values, _converters_for(model), strict=True):
        for converter in converters:
            value = converter(value, column, connection)
        converted.append(value)
    names = _ATTNAMES[model]
    if model is Channel:
        converted.insert(names.index("credentials"), DEFERRED)
    return model.from_db(connection.alias, names, converted)


_IDENTITY_CACHE = Message._meta.get_field("author_identity")
_AGENT_CACHE = Message._meta.get_field("author_agent")
_CHANNEL_CACHE = Message._meta.get_field("channel")
_CONVERSATION_CACHE = Message._meta.get_field("conversation")
_CONTACT_CACHE = Identity._meta.get_field("contact")
_MESSAGE_CACHE = OutboundAction._meta.get_field("message")


def thread_messages(conversation: Conversation) -> list[Message]:
    """The thread in platform order, each message with its author, channel and outbox actions
    (newest first) loaded: 2 queries, 1 when the thread is empty."""
    widths = [len(_loaded(model)) for _, model in _JOINED]
    with connection.cursor() as cursor:
        cursor.execute(_MESSAGES, [conversation.pk])
        records = cursor.fetchall()
    messages: list[Message] = []
    channels: dict[int, Model] = {}
    for record in records:
        parts, start = [], 0
        for width in widths:
            parts.append(record[start : start + width])
            start += width
        message_values, identity_values, contact_values, agent_values, channel_values = parts
        message = _instance(Message, message_values)
        assert isinstance(message, Message)
        identity = None if identity_values[0] is None else _instance(Identity, identity_values)
        if identity is not None:
            contact = None if contact_values[0] is None else _instance(Contact, contact_values)
            _CONTACT_CACHE.set_cached_value(identity, contact)
        _IDENTITY_CACHE.set_cached_value(message, identity)
        agent = None if agent_values[0] is None else _instance(User, agent_values)
        _AGENT_CACHE.set_cached_value(message, agent)
        channel_id = channel_values[0]
        if channel_id not in channels:
            channels[channel_id] = _instance(Channel, channel_values)
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
        action = _instance(OutboundAction, record)
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
