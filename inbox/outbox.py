"""The outbox: every reply, like, hide or delete happens on the platform exactly once.

Lifecycle: queued → sending → done | failed, or held while the channel needs reconnecting.
A conversation leaves Open only when its reply lands (`record_success` tells
inbox/conversations.py), never when it is queued: a held or failed reply keeps the customer in
Open, with the reason in words on the action (`reason`) and a retry where one can work.
A worker claims an action with a conditional UPDATE, records the attempt before calling
the platform and the platform's id after. Retries happen only on `RateLimited` and
`Unavailable`, at the time they allow, and only after the connector has checked that the
earlier attempt did not land (docs/style.md, practices 4, 5 and 7).
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import Exists, F, Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from . import channels, landing, live, queueing
from .connectors import AuthExpired, Capability, RateLimited, Rejected, Unavailable
from .models import (
    ActionKind,
    ActionState,
    AuditEvent,
    Channel,
    ChannelStatus,
    Conversation,
    DeliveryStatus,
    Message,
    OutboundAction,
)

log = logging.getLogger("switchboard.outbox")

# An action "sending" this long belonged to a worker that died mid-call.
STALE_SENDING = timedelta(minutes=5)
MAX_ATTEMPTS = 20
MAX_BACKOFF = timedelta(minutes=30)

# What a finished action changes on the message it acted on.
TARGET_FLAGS = {
    ActionKind.LIKE: ("liked", True),
    ActionKind.UNLIKE: ("liked", False),
    ActionKind.HIDE: ("hidden", True),
    ActionKind.UNHIDE: ("hidden", False),
    ActionKind.DELETE: ("deleted", True),
}
POSTING_KINDS = {ActionKind.REPLY, ActionKind.PRIVATE_REPLY, ActionKind.DM}
# Not yet finished: an action in one of these states holds back the later ones in its line.
UNFINISHED = (ActionState.QUEUED, ActionState.SENDING)


class NotSupported(Exception):
    """The channel cannot do this action; the UI should not have offered it."""


def enqueue_action(
    *,
    channel: Channel,
    kind: str,
    conversation: Conversation | None = None,
    message: Message | None = None,
    target: Message | None = None,
    payload: dict | None = None,
    created_by=None,
    rule_name: str = "",
) -> OutboundAction:
    """Create an action and queue it after commit. Call inside the caller's transaction."""
    if not channel.connector.supports(Capability(kind)):
        raise NotSupported(f"{channel.connector.label} cannot {ActionKind(kind).label.lower()}")
    if target is not None and kind not in POSTING_KINDS:
        reason = channel.connector.action_refusal(kind, target)
        if reason:
            raise NotSupported(reason)
    held = channel.status == ChannelStatus.NEEDS_RECONNECT
    action = OutboundAction.objects.create(
        channel=channel,
        kind=kind,
        conversation=conversation,
        message=message,
        target=target,
        target_external_id=target.external_id if target and target.external_id else "",
        payload=payload or {},
        created_by=created_by,
        rule_name=rule_name,
        state=ActionState.HELD if held else ActionState.QUEUED,
        reason=disconnected_reason(channel) if held else "",
    )
    if message is not None:
        Message.objects.filter(pk=message.pk).update(delivery_status=DeliveryStatus.QUEUED)
    # Robust: the action is committed; if publishing fails the sweep queues it.
    transaction.on_commit(lambda: queue_action(action.pk), robust=True)
    return action


def action_conversation(action: OutboundAction) -> Conversation:
    """The conversation an action was queued in. The column is nullable, but
    `conversation_reply` and `message_act` always give one."""
    assert action.conversation is not None, f"{action} has no conversation"
    return action.conversation


def posted_message(action: OutboundAction) -> Message:
    """The message a reply, private reply or DM posts. The column is empty for likes, hides
    and deletes; `conversation_reply` creates a posting action with its message, and our
    messages are never deleted."""
    assert action.message is not None, f"{action} has no message to post"
    return action.message


def queue_action(action_id: int, *, eta=None) -> None:
    from .tasks import send_action

    # If the broker is down the action stays queued in the database; the sweep finds it.
    queueing.publish(send_action, (action_id,), eta=eta)


def same_line(kind: str, target_id: int | None, conversation_id: int | None) -> Q | None:
    """The actions that must reach the platform in the order they were queued with an action
    of this kind, target and conversation, or None if it is in no line: the likes, hides and
    deletes of one message, since "unlike" overtaking "like" leaves the opposite of what the
    agent asked for; and the replies of one conversation, which the customer reads in order.
    Two workers may hold two tasks of one line at once, so order is kept here, not by the
    broker."""
    if kind in TARGET_FLAGS and target_id:
        return Q(target_id=target_id, kind__in=list(TARGET_FLAGS))
    if kind in POSTING_KINDS and conversation_id:
        return Q(conversation_id=conversation_id, kind__in=list(POSTING_KINDS))
    return None


def claim_action(action_id: int) -> OutboundAction | None:
    """Mark one queued, due action as sending; None if it is not ours to send now: already
    claimed, not due, or behind an unfinished earlier action of its line (which queues it
    when it finishes, `_queue_next_in_line`)."""
    now = timezone.now()
    found = (
        OutboundAction.objects.filter(pk=action_id)
        .values_list("kind", "target_id", "conversation_id")
        .first()
    )
    if found is None:
        return None
    line = same_line(*found)
    in_order = Q()
    if line is not None:
        earlier = OutboundAction.objects.filter(line, pk__lt=action_id, state__in=UNFINISHED)
        in_order = ~Q(Exists(earlier))
    claimed = OutboundAction.objects.filter(
        Q(not_before__isnull=True) | Q(not_before__lte=now),
        in_order,
        pk=action_id,
        state=ActionState.QUEUED,
    ).update(
        state=ActionState.SENDING,
        attempts=F("attempts") + 1,
        last_attempt_at=now,
        first_attempt_at=Coalesce(F("first_attempt_at"), now),
    )
    if not claimed:
        return None
    action = OutboundAction.objects.select_related(
        "channel", "message", "target", "conversation"
    ).get(pk=action_id)
    _set_delivery(action, DeliveryStatus.SENDING)
    return action


def run_action(action_id: int) -> OutboundAction | None:
    """Claim and perform one action. Safe to call any number of times, from any worker."""
    action = claim_action(action_id)
    if action is None:
        return None
    if action.channel.status == ChannelStatus.NEEDS_RECONNECT:
        _hold(action, "the channel needs reconnecting")
        return action
    connector = action.channel.connector
    try:
        external_id = None
        if action.attempts > 1:
            # An earlier attempt may have landed (timeout after the platform accepted it).
            external_id = connector.find_landed(action)
        if external_id is None:
            external_id = connector.perform(action)
    except RateLimited as exc:
        _requeue(
            action,
            exc.retry_at,
            f"rate limited: {exc}",
            f"waiting for {connector.label}'s rate limit, sends at {_clock(exc.retry_at)}",
        )
    except Unavailable as exc:
        _retry_with_backoff(action, str(exc))
    except AuthExpired as exc:
        channels.mark_needs_reconnect(action.channel, str(exc))
        _hold(action, f"the channel needs reconnecting: {exc}")
    except Rejected as exc:
        _fail(action, exc.reason)
    else:
        record_success(action, external_id or "")
    return action


def record_success(action: OutboundAction, external_id: str) -> None:
    from .conversations import reply_landed

    with transaction.atomic():
        OutboundAction.objects.filter(pk=action.pk).update(
            state=ActionState.DONE,
            external_id=external_id,
            last_error="",
            reason="",
            not_before=None,
        )
        message = action.message
        if message is not None:
            _attach_external_id(message, external_id)
            permalink = action.channel.connector.permalink(action.channel, external_id)
            Message.objects.filter(pk=message.pk).update(
                delivery_status=DeliveryStatus.POSTED, permalink=permalink
            )
        if action.kind in TARGET_FLAGS and action.target_id:
            flag, value = TARGET_FLAGS[ActionKind(action.kind)]
            Message.objects.filter(pk=action.target_id).update(**{flag: value})
        if action.conversation_id:
            AuditEvent.objects.create(
                conversation_id=action.conversation_id,
                actor=action.created_by,
                rule_name=action.rule_name,
                verb=f"action_{action.kind}_done",
                data={"action_id": action.pk, "external_id": external_id},
            )
            if action.kind in POSTING_KINDS and message is not None:
                reply_landed(action)
            live.conversation_changed(action.conversation_id)
    _queue_next_in_line(action)


def _queue_next_in_line(action: OutboundAction) -> None:
    """`action` has finished (done, failed or held): send the next action of its line, which
    waited for it in `claim_action`. If this is lost, the sweep sends it."""
    line = same_line(action.kind, action.target_id, action.conversation_id)
    if line is None:
        return
    due = Q(not_before__isnull=True) | Q(not_before__lte=timezone.now())
    following = (
        OutboundAction.objects.filter(line, due, pk__gt=action.pk, state=ActionState.QUEUED)
        .order_by("pk")
        .values_list("pk", flat=True)
        .first()
    )
    if following is not None:
        transaction.on_commit(lambda: queue_action(following), robust=True)


def _attach_external_id(message: Message, external_id: str) -> None:
    """Give our message the platform's id; merge the echo if it overtook the response.

    Only an unclaimed echo stored as a native send is merged (deleted); a row that is any
    other message keeps its id and its place, and ours stays without an id (logged).
    """
    if not external_id or message.external_id == external_id:
        return
    holder = (
        Message.objects.filter(channel_id=message.channel_id, external_id=external_id)
        .exclude(pk=message.pk)
        .first()
    )
    if holder is not None:
        if not landing.is_unmatched_echo(holder):
            log.error(
                "message id %s already belongs to message %s; not given to %s",
                external_id,
                holder.pk,
                message.pk,
            )
            return
        # The echo was ingested before perform() returned and looked like a native send.
        holder.delete()
    try:
        with transaction.atomic():
            Message.objects.filter(pk=message.pk).update(external_id=external_id)
    except IntegrityError:
        log.error("message id %s already belongs to another message", external_id)


def disconnected_reason(channel: Channel) -> str:
    return f"{channel.connector.label} disconnected — an admin must reconnect"


def _clock(when) -> str:
    """A time as agents read it on the clock of the install ("14:05")."""
    return timezone.localtime(when).strftime("%H:%M")


def _requeue(action: OutboundAction, when, error: str, reason: str) -> None:
    OutboundAction.objects.filter(pk=action.pk, state=ActionState.SENDING).update(
        state=ActionState.QUEUED, not_before=when, last_error=error, reason=reason
    )
    _set_delivery(action, DeliveryStatus.QUEUED)
    queue_action(action.pk, eta=when)


def _retry_with_backoff(action: OutboundAction, error: str) -> None:
    label = action.channel.connector.label
    if action.attempts >= MAX_ATTEMPTS:
        _fail(
            action,
            f"gave up after {action.attempts} attempts: {error}",
            reason=f"{label} did not answer after {action.attempts} tries",
        )
        return
    delay = min(timedelta(seconds=15 * 2 ** (action.attempts - 1)), MAX_BACKOFF)
    when = timezone.now() + delay
    _requeue(action, when, error, f"{label} did not answer; trying again at {_clock(when)}")


def _hold(action: OutboundAction, error: str) -> None:
    OutboundAction.objects.filter(pk=action.pk).update(
        state=ActionState.HELD, last_error=error, reason=disconnected_reason(action.channel)
    )
    _set_delivery(action, DeliveryStatus.QUEUED)
    _queue_next_in_line(action)


def _fail(action: OutboundAction, error: str, *, reason: str = "") -> None:
    """`error` is the detail; `reason` what an agent reads (a Rejected reason is both)."""
    OutboundAction.objects.filter(pk=action.pk).update(
        state=ActionState.FAILED, last_error=error, reason=(reason or error)[:500]
    )
    _set_delivery(action, DeliveryStatus.FAILED)
    if action.conversation_id:
        AuditEvent.objects.create(
            conversation_id=action.conversation_id,
            verb=f"action_{action.kind}_failed",
            data={"action_id": action.pk, "reason": error},
        )
        live.conversation_changed(action.conversation_id)
    _queue_next_in_line(action)


def _set_delivery(action: OutboundAction, status: str) -> None:
    if action.message_id:
        Message.objects.filter(pk=action.message_id).update(delivery_status=status)
        if action.conversation_id:
            live.conversation_changed(action.conversation_id)


def can_retry(action: OutboundAction) -> bool:
    """Whether an agent's "Retry" can work: a failed action (the reason may be fixed: the
    customer wrote again, the post is back), or one still held on a channel that has been
    reconnected. A held action on a disconnected channel waits for the admin instead."""
    if action.state == ActionState.FAILED:
        return True
    return (
        action.state == ActionState.HELD and action.channel.status != ChannelStatus.NEEDS_RECONNECT
    )


def retry_failed(action: OutboundAction, *, user=None) -> None:
    """An agent asks to try a failed (or released-but-held) action again, exactly once."""
    if not can_retry(action):
        return
    from .conversations import ANSWERS_UNTIL

    # The agent stands behind the answer again now: it answers what the customer wrote since.
    payload = {**action.payload, ANSWERS_UNTIL: timezone.now().isoformat()}
    updated = OutboundAction.objects.filter(
        pk=action.pk, state__in=[ActionState.FAILED, ActionState.HELD]
    ).update(state=ActionState.QUEUED, not_before=None, last_error="", reason="", payload=payload)
    if updated:
        _set_delivery(action, DeliveryStatus.QUEUED)
        AuditEvent.objects.create(
            conversation_id=action.conversation_id,
            actor=user,
            verb="action_retried",
            data={"action_id": action.pk},
        )
        transaction.on_commit(lambda: queue_action(action.pk), robust=True)


def actions_due_for_sweep() -> list[int]:
    """Queued actions whose time has come, and sending ones whose worker died."""
    now = timezone.now()
    stale = OutboundAction.objects.filter(
        state=ActionState.SENDING, last_attempt_at__lt=now - STALE_SENDING
    )
    # Back to queued: the next attempt asks the connector whether the dead one landed.
    stale.update(state=ActionState.QUEUED, not_before=None)
    return list(
        OutboundAction.objects.filter(
            Q(not_before__isnull=True) | Q(not_before__lte=now),
            state=ActionState.QUEUED,
        ).values_list("pk", flat=True)[:1000]
    )
