"""Customer profiles: fill in name, handle and avatar the platform left out of the event.

A Messenger webhook names the sender only by a page-scoped id; the profile comes from a
separate call. It is enrichment, durable the same way as a post's context (inbox/enrich.py):
the ingest marks the identity `profile_due_at` in the message's own commit, a worker claims
it with a lease and reads it through the connector, a failure backs off, a dead token waits
for the reconnect, and the sweep queues whatever is due, so a broker outage or a dead worker
loses nothing. A profile the platform withholds leaves what we already know untouched.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from . import channels, queueing
from .connectors import AuthExpired, ConnectorError, RateLimited, Rejected
from .enrich import LEASE, retry_at
from .models import Channel, ChannelStatus, Contact, Identity

log = logging.getLogger("switchboard.profiles")

# Filled only where we know nothing yet: a name from the person's own comment is at least
# as good as the profile's, and a withheld profile must not blank or rename anyone.
FILL_FIELDS = ("name", "handle", "avatar_url", "profile_url")


def needs_profile(identity: Identity) -> bool:
    return identity.profile_fetched_at is None and not (identity.name and identity.avatar_url)


def want_profile(identity: Identity, channel: Channel) -> bool:
    """Mark the identity's profile as wanted, read through `channel`. Call in the ingest's
    transaction; True when it is newly wanted (queue it after the commit)."""
    if identity.profile_due_at is not None or not needs_profile(identity):
        return False
    marked = Identity.objects.filter(
        pk=identity.pk,
        profile_due_at__isnull=True,
        profile_fetched_at__isnull=True,
    ).update(profile_channel=channel, profile_due_at=timezone.now())
    return bool(marked)


def queue_profiles(identity_ids) -> None:
    """Queue a fetch for each identity (after the commit that marked them wanted)."""
    from .tasks import refresh_profile

    for identity_id in sorted(set(identity_ids)):
        if not queueing.publish(refresh_profile, (identity_id,)):
            return  # broker down: the marker is stored and the sweep queues it later


def _claim(identity_id: int) -> Identity | None:
    now = timezone.now()
    claimed = Identity.objects.filter(
        pk=identity_id,
        profile_fetched_at__isnull=True,
        profile_due_at__lte=now,
    ).update(profile_due_at=now + LEASE, profile_attempts=F("profile_attempts") + 1)
    if not claimed:
        return None
    return Identity.objects.select_related("profile_channel").get(pk=identity_id)


def refresh_profile(identity_id: int) -> str:
    """Fetch and store one identity's profile; returns what happened, in words."""
    identity = _claim(identity_id)
    if identity is None:
        return "not due"
    channel = identity.profile_channel
    if channel is None:  # the channel was deleted: nothing can read it any more
        _settle(identity_id, None, "no channel to read the profile through")
        return "no channel"
    if channel.status != ChannelStatus.ACTIVE:
        return "waiting for the channel to be reconnected"
    try:
        profile = channel.connector.fetch_profile(channel, identity.external_id)
    except Rejected as exc:
        # The platform withholds it (no consent, private account): asked once, that's all.
        log.info("profile of %s withheld: %s", identity, exc)
        _settle(identity_id, None, str(exc))
        return "withheld"
    except AuthExpired as exc:
        channels.mark_needs_reconnect(channel, str(exc))
        _back_off(identity, str(exc))
        return "waiting for the channel to be reconnected"
    except RateLimited as exc:
        _back_off(identity, str(exc), at=exc.retry_at)
        return "throttled"
    except ConnectorError as exc:
        _back_off(identity, str(exc))
        return "unavailable"
    _settle(identity_id, profile)
    return "loaded"


def _back_off(identity: Identity, error: str, *, at=None) -> None:
    Identity.objects.filter(pk=identity.pk, profile_fetched_at__isnull=True).update(
        profile_due_at=retry_at(identity.profile_attempts, at), profile_error=error[:500]
    )
    log.info("profile of %s not fetched yet: %s", identity, error)


def profiles_due_for_sweep(grace: timedelta | None = None) -> list[int]:
    """Identities whose profile is wanted and due, on channels that can read. The grace
    leaves freshly marked ones to the fetch queued after their commit."""
    grace = grace if grace is not None else timedelta(seconds=settings.SWEEP_GRACE_SECONDS)
    return list(
        Identity.objects.filter(
            profile_due_at__lte=timezone.now() - grace,
            profile_fetched_at__isnull=True,
            profile_channel__status=ChannelStatus.ACTIVE,
        )
        .order_by("profile_due_at")
        .values_list("pk", flat=True)[:1000]
    )


def wake_after_reconnect(channel: Channel) -> list[int]:
    """A reconnected channel can read again: profiles that waited on it are due now. Call in
    the reconnect's transaction; returns the identities to queue after the commit."""
    waiting = Identity.objects.filter(
        profile_channel=channel, profile_due_at__isnull=False, profile_fetched_at__isnull=True
    )
    ids = list(waiting.values_list("pk", flat=True)[:1000])
    waiting.update(profile_due_at=timezone.now())
    return ids


def _settle(identity_id: int, profile, error: str = "") -> None:
    with transaction.atomic():
        identity = Identity.objects.select_for_update(no_key=True).get(pk=identity_id)
        old_name = identity.name
        changed = ["profile_fetched_at", "profile_due_at", "profile_error"]
        identity.profile_fetched_at = timezone.now()
        identity.profile_due_at = None
        identity.profile_error = error[:500]
        for field in FILL_FIELDS if profile else ():
            value = getattr(profile, field)
            if value and not getattr(identity, field):
                setattr(identity, field, value)
                changed.append(field)
        if profile and profile.follower_count is not None:
            identity.follower_count = profile.follower_count
            changed.append("follower_count")
        if profile and profile.verified and not identity.verified:
            identity.verified = True
            changed.append("verified")
        identity.save(update_fields=changed)
        # The contact's name follows its identity's (or its handle, when the platform gives
        # no name) unless an agent has changed it.
        new_name = identity.name or identity.handle
        if new_name and new_name != old_name:
            Contact.objects.filter(pk=identity.contact_id, name__in=["", old_name]).update(
                name=new_name
            )
