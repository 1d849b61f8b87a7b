"""What the platforms sent that could not be processed, kept for an admin to read.

Poisoned events hold what no retry can process (their reason says why: inbox/payloads.py);
failed ones broke while being processed and may be processed again once the cause is
fixed. Both are listed on the Channels page's "Kept for inspection" page and, for staff,
in the Django admin.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from django.db.models import QuerySet

from .models import EventState, InboundEvent

KEPT_STATES = (EventState.POISONED, EventState.FAILED)
PAGE_SIZE = 50
# Customer text is hostile and a payload may be huge: what the page shows of one is capped.
SHOWN_CHARS = 10_000


@dataclass(frozen=True)
class Kept:
    """A kept event and what the page shows of it (capped)."""

    event: InboundEvent
    payload: str
    error: str


def kept_events(
    *, state: str = "", channel_id: int | None = None, unmatched: bool = False, before: int = 0
) -> tuple[list[Kept], int]:
    """The newest kept events matching the filters, and the id to page on from (0: no
    more). `unmatched` lists those that named no connected channel."""
    qs: QuerySet[InboundEvent] = InboundEvent.objects.filter(
        state__in=[state] if state in KEPT_STATES else KEPT_STATES
    )
    if unmatched:
        qs = qs.filter(channel__isnull=True)
    elif channel_id:
        qs = qs.filter(channel_id=channel_id)
    if before:
        qs = qs.filter(pk__lt=before)
    events = list(qs.select_related("channel").order_by("-pk")[: PAGE_SIZE + 1])
    more = len(events) > PAGE_SIZE
    events = events[:PAGE_SIZE]
    shown_events = [Kept(e, shown(e.payload), e.last_error[:SHOWN_CHARS]) for e in events]
    return shown_events, (events[-1].pk if more else 0)


def shown(payload) -> str:
    text = json.dumps(payload, indent=2, ensure_ascii=False, sort_keys=True, default=str)
    if len(text) > SHOWN_CHARS:
        return text[:SHOWN_CHARS] + f"\n… ({len(text) - SHOWN_CHARS:,} more characters)"
    return text


def process_again(events: QuerySet[InboundEvent]) -> tuple[int, int]:
    """Queue `events` to be processed again; returns (queued, poisoned left as they are).

    A poisoned event holds what cannot be processed: it stays kept. The last error stays
    until the next try replaces it or the event is done."""
    from .ingest import queue_events

    poisoned = events.filter(state=EventState.POISONED).count()
    ids = list(events.exclude(state=EventState.POISONED).values_list("pk", flat=True))
    InboundEvent.objects.filter(pk__in=ids).update(state=EventState.STORED)
    queue_events(ids)
    return len(ids), poisoned
