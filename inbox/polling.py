"""Polling: backfill and the sources that have no webhook (X above all).

A poll stores its events through the same ingest as webhooks, and moves the channel's
cursors in the same transaction, so a crash never skips items and overlap never duplicates.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from . import budgets, channels, ingest
from .connectors import AuthExpired, RateLimited, Unavailable
from .models import Channel, ChannelStatus

log = logging.getLogger("switchboard.polling")

DEFAULT_INTERVAL = 60


def interval(channel: Channel) -> timedelta:
    return timedelta(seconds=int(channel.config.get("poll_interval_seconds", DEFAULT_INTERVAL)))


def claim_due_channels() -> list[int]:
    """Channels whose next poll is due; each is pushed forward so only one poll is queued."""
    now = timezone.now()
    due = []
    for channel in Channel.objects.filter(
        Q(poll_after__isnull=True) | Q(poll_after__lte=now), status=ChannelStatus.ACTIVE
    ):
        claimed = Channel.objects.filter(pk=channel.pk, poll_after=channel.poll_after).update(
            poll_after=now + interval(channel)
        )
        if claimed:
            due.append(channel.pk)
    return due


def poll_channel(channel_id: int) -> int:
    """Poll once; returns how many new events were stored."""
    channel = Channel.objects.get(pk=channel_id)
    if channel.status != ChannelStatus.ACTIVE:
        return 0
    try:
        result = channel.connector.poll(channel)
    except RateLimited as exc:
        # Never sleep in a worker: the next poll simply starts at the reset time.
        Channel.objects.filter(pk=channel.pk).update(poll_after=exc.retry_at)
        log.info("poll of %s rate limited until %s", channel, exc.retry_at)
        return 0
    except AuthExpired as exc:
        channels.mark_needs_reconnect(channel, str(exc))
        return 0
    except Unavailable as exc:
        log.warning("poll of %s failed: %s", channel, exc)
        return 0
    with transaction.atomic():
        stored = ingest.store_events(channel.kind, result.events, source="poll").new
        updates = {"cursors": result.cursors, "last_polled_at": timezone.now()}
        if result.retry_at:
            updates["poll_after"] = result.retry_at
        Channel.objects.filter(pk=channel.pk).update(**updates)
        # Merged, not written over: other processes spent the same budgets meanwhile.
        budgets.record(channel.pk, result.rate_limits)
    return stored
