"""Customer profiles: fill in name, handle and avatar the platform left out of the event.

A Messenger webhook names the sender only by a page-scoped id; the profile comes from a
separate call. It is fetched once per identity in a worker, never during ingest, and a
profile the platform withholds leaves what we already know untouched.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone

from .connectors import ConnectorError, Rejected
from .models import Channel, Contact, Identity

log = logging.getLogger("switchboard.profiles")

# Filled only where we know nothing yet: a name from the person's own comment is at least
# as good as the profile's, and a withheld profile must not blank or rename anyone.
FILL_FIELDS = ("name", "handle", "avatar_url", "profile_url")


def needs_profile(identity: Identity) -> bool:
    return identity.profile_fetched_at is None and not (identity.name and identity.avatar_url)


def refresh_profile(identity_id: int, channel_id: int) -> Identity | None:
    identity = Identity.objects.select_related("contact").filter(pk=identity_id).first()
    channel = Channel.objects.filter(pk=channel_id).first()
    if identity is None or channel is None or identity.profile_fetched_at is not None:
        return identity
    try:
        profile = channel.connector.fetch_profile(channel, identity.external_id)
    except Rejected as exc:
        # The platform withholds it (no consent, private account): asked once, that's all.
        log.info("profile of %s withheld: %s", identity, exc)
        profile = None
    except ConnectorError as exc:
        # Left unfetched: the next message from this person tries again.
        log.info("profile of %s not fetched: %s", identity, exc)
        return identity
    with transaction.atomic():
        identity = Identity.objects.select_for_update().get(pk=identity_id)
        old_name = identity.name
        changed = ["profile_fetched_at"]
        identity.profile_fetched_at = timezone.now()
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
                name=new_name)
    return identity
