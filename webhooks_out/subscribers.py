"""Whether anybody subscribed to any event: asked for every routed customer message and
every state change, and nearly always "no", so it is a cached flag rather than a query.

Forgotten whenever a subscription is saved, deleted or switched on or off (apps.py connects
the signals; the views and the auto-disable use update() and call `subscriptions_changed`);
a TTL bounds how long a write the signals missed (a bulk update in a shell) goes unseen.
Without the shared cache (Redis down) it is simply asked of the database each time.
"""

from __future__ import annotations

from django.core.cache import cache
from django.db import transaction

from inbox import shared_cache

from .models import Subscription

KEY = "webhooks_out:anyone-subscribed"
TTL_SECONDS = 300


@shared_cache.degrades(lambda: None)
def _cached() -> bool | None:
    return cache.get(KEY)


@shared_cache.degrades(lambda value: None)
def _remember(value: bool) -> None:
    cache.set(KEY, value, timeout=TTL_SECONDS)


@shared_cache.degrades(lambda: None)
def _forget() -> None:
    cache.delete(KEY)


def anyone_subscribed() -> bool:
    """Is any enabled subscription listening to some event? (Rules' URLs listen to none.)"""
    flag = _cached()
    if flag is None:
        flag = Subscription.objects.filter(enabled=True).exclude(events=[]).exists()
        _remember(flag)
    return flag


def subscriptions_changed(**_) -> None:
    """After a write to subscriptions; forgotten again once it commits, so that a reader
    between the write and the commit cannot keep the old answer."""
    _forget()
    transaction.on_commit(_forget)
