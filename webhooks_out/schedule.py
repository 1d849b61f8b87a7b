"""The schedule every stored outgoing post keeps: webhook deliveries (models.Delivery) and
Slack posts (slack.models.SlackMessage) alike.

A row is claimed with a conditional update (pending and due → sending, one more attempt),
so any number of workers, and a retry the broker held back, send it at most once at a
time; a failed attempt goes back to pending after an exponential backoff (or the time the
receiver asked for); a "sending" row whose worker died is handed back by the sweep. What
a post is and what an answer means stays with each kind of row.

The rows share the fields: state (DeliveryState), attempts, next_attempt_at,
last_attempt_at, last_status, last_error, delivered_at.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import F
from django.utils import timezone

from .models import DeliveryState

FIRST_DELAY = timedelta(seconds=30)
MAX_DELAY = timedelta(hours=6)
# 30 s doubling up to 6 h: the 14th attempt comes about 24 hours after the first.
MAX_ATTEMPTS = 14
STALE_SENDING = timedelta(minutes=5)
SWEEP_BATCH = 1000


def backoff(attempts: int) -> timedelta:
    return min(FIRST_DELAY * 2 ** max(attempts - 1, 0), MAX_DELAY)


def claim(model, pk: int):
    """The row, now "sending" with one more attempt; None if it is not pending and due."""
    now = timezone.now()
    claimed = model.objects.filter(
        pk=pk, state=DeliveryState.PENDING, next_attempt_at__lte=now
    ).update(state=DeliveryState.SENDING, attempts=F("attempts") + 1, last_attempt_at=now)
    return model.objects.get(pk=pk) if claimed else None


def delivered(model, row, **outcome) -> None:
    model.objects.filter(pk=row.pk).update(
        state=DeliveryState.DELIVERED, delivered_at=timezone.now(), last_error="", **outcome
    )


def reschedule(model, row, *, when: datetime | None = None, **outcome) -> datetime | None:
    """Back to pending for another attempt at `when` (else after the backoff); None, and
    nothing changed, once its attempts are spent: the caller gives up."""
    if row.attempts >= MAX_ATTEMPTS:
        return None
    when = when or timezone.now() + backoff(row.attempts)
    model.objects.filter(pk=row.pk, state=DeliveryState.SENDING).update(
        state=DeliveryState.PENDING, next_attempt_at=when, **outcome
    )
    return when


def due_for_sweep(model) -> list[int]:
    """Pending rows whose time has come, and sending ones whose worker died."""
    now = timezone.now()
    model.objects.filter(
        state=DeliveryState.SENDING, last_attempt_at__lt=now - STALE_SENDING
    ).update(state=DeliveryState.PENDING, next_attempt_at=now)
    return list(
        model.objects.filter(state=DeliveryState.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:SWEEP_BATCH]
    )
