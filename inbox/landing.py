"""Did an ambiguous attempt land? Recognising *this* action's post among the platform's.

After a timeout or a 5xx the outbox asks the connector (`find_landed`) before posting again.
Where the platform echoes a marker of ours (Messenger's `metadata`), the echo names the action
and the ingest gives the message its id; everywhere else a connector can only list what our
account posted in the thread with the same text. An agent may well have sent that same text
there before ("Thank you!"), so a candidate counts only when

- it was posted after this action's first attempt started (less a little clock slack), and
- its id is not already another message's: a message row holding that id is a different
  reply (or a customer's), except the row of an echo ingested as a native send *after* our
  attempt started, which is our own post seen before we learned its id (the outbox merges it).

The oldest such candidate wins: two identical actions in flight take their posts in order.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.utils import timezone

from .models import Message, OutboundAction

# Platform clocks and ours differ a little, and Graph times are whole seconds. Wider slack
# only matters when an identical message of ours landed just before and is not stored yet.
CLOCK_SLACK = timedelta(seconds=5)


def attempt_window_start(action: OutboundAction) -> datetime:
    """The earliest platform time a post of this action can carry."""
    started = action.first_attempt_at or action.created_at or timezone.now()
    return started - CLOCK_SLACK


def own_landing(
    action: OutboundAction, candidates: Iterable[tuple[str, datetime | None]]
) -> str | None:
    """The id among `candidates` (id, platform time) that is this action's post, or None.

    The connector passes what our account posted in the thread with the action's text; a
    time it cannot read is None (the id check still applies).
    """
    since = attempt_window_start(action)
    fitting = sorted(
        (
            (at or since, str(external_id))
            for external_id, at in candidates
            if external_id and (at is None or at >= since)
        )
    )
    if not fitting:
        return None
    taken = _taken_ids(action, [external_id for _, external_id in fitting], since)
    return next((external_id for _, external_id in fitting if external_id not in taken), None)


def _taken_ids(action: OutboundAction, ids: list[str], since: datetime) -> set[str]:
    """Ids among `ids` that already belong to a message other than this action's."""
    held = Message.objects.filter(channel_id=action.channel_id, external_id__in=ids)
    if action.message_id is not None:
        held = held.exclude(pk=action.message_id)
    taken: set[str] = set()
    for external_id, native, created_at, has_action in held.values_list(
        "external_id", "sent_natively", "created_at", "actions"
    ):
        if native and has_action is None and created_at >= since:
            continue  # our own echo, ingested before the response told us its id
        if external_id is not None:
            taken.add(external_id)
    return taken


def is_unmatched_echo(message: Message) -> bool:
    """May this row be merged into the message of the action that posted it?

    Only an echo stored as a native send that no action of ours claims; any other row is a
    message of its own and is never deleted.
    """
    return message.sent_natively and not message.actions.exists()
