"""Operations on connected channels: flag a dead token, reconnect, hold and release work."""

from __future__ import annotations

import logging

from django.db import transaction

from audit.log import record, snapshot

from .models import ActionState, AuditEvent, Channel, ChannelStatus, OutboundAction

log = logging.getLogger("switchboard.channels")


def mark_needs_reconnect(channel: Channel, detail: str) -> None:
    """The platform refused the token: stop sending, hold the queue, tell the admins."""
    with transaction.atomic():
        changed = (
            Channel.objects.filter(pk=channel.pk)
            .exclude(status=ChannelStatus.NEEDS_RECONNECT)
            .update(status=ChannelStatus.NEEDS_RECONNECT, status_detail=detail[:2000])
        )
        from .outbox import disconnected_reason

        OutboundAction.objects.filter(channel=channel, state=ActionState.QUEUED).update(
            state=ActionState.HELD,
            last_error="the channel needs reconnecting",
            reason=disconnected_reason(channel),
        )
        if changed:
            AuditEvent.objects.create(
                verb="channel_needs_reconnect",
                data={"channel_id": channel.pk, "detail": detail[:500]},
            )
            log.warning("channel %s needs reconnecting: %s", channel, detail)
    channel.status = ChannelStatus.NEEDS_RECONNECT
    channel.status_detail = detail


def connected(channel: Channel, *, user=None) -> None:
    """Audit a channel connected for the first time (a reconnect audits itself below).
    The credentials are written as "(changed)" only (audit.log.SECRET_FIELDS)."""
    record(actor=user, verb="connected", target=channel)


def changed(channel: Channel, *, before: dict, user=None) -> None:
    """Audit a change to a channel's settings: disabling it (a disconnect), a rename."""
    record(actor=user, verb="changed", target=channel, before=before)


def deleted(channel: Channel, *, user=None) -> None:
    """Audit a channel's deletion; call before deleting it, while it can still be read."""
    record(actor=user, verb="deleted", target=channel, before=snapshot(channel))


def reconnect(channel: Channel, *, credentials: dict, user=None) -> int:
    """Store fresh credentials, release the held actions and fetch the contexts that waited
    for the token. Returns how many actions were released."""
    from . import profiles
    from .enrich import queue_context, wake_after_reconnect
    from .outbox import queue_action

    with transaction.atomic():
        channel = Channel.objects.select_for_update(no_key=True).get(pk=channel.pk)
        channel.credentials = {**channel.credentials, **credentials}
        channel.status = ChannelStatus.ACTIVE
        channel.status_detail = ""
        channel.save(update_fields=["credentials", "status", "status_detail"])
        held = list(
            OutboundAction.objects.filter(channel=channel, state=ActionState.HELD).values_list(
                "pk", flat=True
            )
        )
        OutboundAction.objects.filter(pk__in=held).update(
            state=ActionState.QUEUED, not_before=None, reason=""
        )
        AuditEvent.objects.create(
            actor=user,
            verb="channel_reconnected",
            data={"channel_id": channel.pk, "released": len(held)},
        )
        record(
            actor=user,
            verb="reconnected",
            target=channel,
            changes={"token": [None, "(changed)"], "status": ["needs reconnect", "active"]},
        )

        def release() -> None:
            for pk in held:
                queue_action(pk)

        transaction.on_commit(release)
        waiting = wake_after_reconnect(channel)
        transaction.on_commit(lambda: queue_context(waiting))
        profiles_waiting = profiles.wake_after_reconnect(channel)
        transaction.on_commit(lambda: profiles.queue_profiles(profiles_waiting))
    return len(held)
