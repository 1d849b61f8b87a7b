"""Accepting a signed webhook delivery: its events stored in one INSERT, then queued.

A platform waits on the webhook request, and a burst of them is only taken as fast as each
is answered (issue 10). So the request is the signature check (the connector's), one
`INSERT ... ON CONFLICT DO NOTHING` for the whole batch, and after the commit one task per
channel (`ingest.queue_new_events`: none at all while that channel's task is on its way):
the channel is looked up inside the INSERT, duplicates of stored events are skipped by the
unique delivery key, and `queued_at` is stamped in the row (unstamped again for what could
not be published, which the sweep then queues).

What the one INSERT refuses (a value the cleaning in inbox/payloads.py did not foresee)
sends the batch through `ingest.store_events`, which stores each event on its own and keeps
the unstorable one poisoned, with the reason.
"""

from __future__ import annotations

import logging

from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from . import ingest
from .connectors import EventToStore
from .models import Channel, EventState, InboundEvent

log = logging.getLogger("switchboard.accept")

# Meta batches up to 1,000 changes; this many rows (10 parameters each) per INSERT.
ROWS_PER_INSERT = 500
COLUMNS = (
    "channel_kind",
    "channel_id",
    "delivery_key",
    "source",
    "payload",
    "state",
    "attempts",
    "last_error",
    "received_at",
    "queued_at",
)


def _insert_sql(rows: int) -> str:
    event, channel = InboundEvent._meta.db_table, Channel._meta.db_table
    # The channel's id from its external id, in the statement itself: no lookup first.
    values = (
        f"(%s, (SELECT id FROM {channel} WHERE kind = %s AND external_id = %s), "
        "%s, %s, %s, %s, %s, %s, %s, %s)"
    )
    return (
        f"INSERT INTO {event} ({', '.join(COLUMNS)}) VALUES {', '.join([values] * rows)} "
        "ON CONFLICT (channel_kind, delivery_key) DO NOTHING RETURNING id, state, channel_id"
    )


def _row(kind: str, event: EventToStore, source: str, now) -> list:
    payload, reason, delivery_key = ingest.cleaned(event)
    payload_field = InboundEvent._meta.get_field("payload")
    received_at_field = InboundEvent._meta.get_field("received_at")
    return [
        kind,
        kind,
        event.channel_external_id,
        delivery_key,
        source,
        payload_field.get_db_prep_save(payload, connection),
        EventState.POISONED if reason else EventState.STORED,
        0,
        reason,
        received_at_field.get_db_prep_save(now, connection),
        # Stamped as queued in the row itself (what is not published is unstamped after);
        # a poisoned item is never queued.
        None if reason else received_at_field.get_db_prep_save(now, connection),
    ]


def store_and_queue(kind: str, events: list[EventToStore], *, source: str) -> ingest.Stored:
    """Store the new events of one delivery and queue them; duplicates are ignored."""
    stored = ingest.Stored()
    if not events:
        return stored
    now = timezone.now()
    new_ids: dict[int | None, list[int]] = {}
    try:
        with transaction.atomic():
            for start in range(0, len(events), ROWS_PER_INSERT):
                chunk = events[start : start + ROWS_PER_INSERT]
                params = [p for e in chunk for p in _row(kind, e, source, now)]
                with connection.cursor() as cursor:
                    cursor.execute(_insert_sql(len(chunk)), params)
                    for pk, state, channel_id in cursor.fetchall():
                        stored.new += 1
                        if state == EventState.POISONED:
                            stored.poisoned += 1
                        else:
                            new_ids.setdefault(channel_id, []).append(pk)
    except (DatabaseError, ValueError, TypeError):
        # Nothing of the batch was stored: each event on its own, the refused one poisoned.
        log.warning("a %s delivery did not store in one INSERT; one event at a time", kind)
        return ingest.store_events(kind, events, source=source)
    transaction.on_commit(lambda: ingest.queue_new_events(new_ids, stamped_at=now))
    return stored
