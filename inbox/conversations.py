"""Operations on conversations: what an agent does by hand and a rule does automatically.

Both go through these functions, so both are audited the same way and both post through
the outbox. `actor` is the agent (None for automation) and `rule_name` names the rule that
acted, so the timeline can say "tagged Payment by rule 'Payments'".
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from . import deferred, live, memo, savepoints
from .connectors import Capability
from .models import (
    ActionKind,
    ActionState,
    AuditEvent,
    Conversation,
    ConversationKind,
    ConversationState,
    DeliveryStatus,
    Direction,
    Message,
    Note,
    OutboundAction,
    Priority,
    ReadState,
    Tag,
    Visibility,
)
from .outbox import NotSupported, enqueue_action

log = logging.getLogger("switchboard.inbox")

# Called inside the operation's transaction, after a conversation's state changed (closed,
# reopened, snoozed, woken, answered), with (conversation, old state, new state). The rules
# app registers here (in its AppConfig.ready) to keep SLA due times right, so that inbox/
# does not import rules/.
state_listeners: list[Callable[[Conversation, str, str], None]] = []


def _state_changed(conversation: Conversation, old: str, new: str) -> None:
    if old == new:
        return
    for listener in state_listeners:
        try:
            # A savepoint per listener: one that fails must not undo the agent's change (in
            # a routing batch's optimistic pass none: the batch is routed again carefully).
            with savepoints.atomic():
                listener(conversation, old, new)
        except Exception:
            if not savepoints.careful():
                raise
            log.exception("state listener %r failed on conversation %s", listener, conversation.pk)


def _audit(
    conversation: Conversation, verb: str, *, actor=None, rule_name: str = "", **data
) -> AuditEvent:
    live.conversation_changed(conversation.pk)
    # In a routing batch, inserted with the batch's other rows at its end (inbox/deferred.py).
    return deferred.create(
        AuditEvent(
            conversation=conversation, actor=actor, rule_name=rule_name, verb=verb, data=data
        )
    )


# ---- replying ------------------------------------------------------------------------------


def reply_kind(conversation: Conversation, *, private: bool) -> str | None:
    """Which outbox action a public or private answer in this conversation is, if any.

    A DM thread only has private answers. A comment, mention or tweet is answered publicly
    in its thread, and privately with a private reply (Meta) or a DM (X), whichever the
    channel's connector supports.
    """
    answers = conversation.channel.connector.answers(conversation)
    if conversation.kind == ConversationKind.DM:
        return ActionKind.DM if private and Capability.DM in answers else None
    if not private:
        return ActionKind.REPLY if Capability.REPLY in answers else None
    for kind in (Capability.PRIVATE_REPLY, Capability.DM):
        if kind in answers:
            return ActionKind(kind)
    return None


def reply_target(conversation: Conversation) -> Message | None:
    """The customer message an answer goes under: the latest one that is still there."""
    return (
        conversation.messages.filter(direction=Direction.INBOUND, deleted=False)
        .exclude(external_id=None)
        .order_by("-platform_timestamp", "-id")
        .first()
    )


@savepoints.atomic_function
def conversation_reply(
    *,
    conversation: Conversation,
    text: str,
    private: bool = False,
    actor=None,
    rule_name: str = "",
    automatic: bool = False,
    target: Message | None = None,
    options: dict | None = None,
    close: bool = False,
) -> Message:
    """Queue an answer and show it in the thread at once as "queued".

    The conversation keeps its state until the answer lands (`reply_landed`): then it moves
    to Pending, or to Closed when `close`. A reply that is held or fails leaves it Open.
    `options` go to the connector (e.g. {"human_agent_tag": True}). Raises NotSupported
    when the channel cannot answer this way.
    """
    kind = reply_kind(conversation, private=private)
    if kind is None:
        raise NotSupported(
            "this channel cannot answer this conversation "
            + ("privately" if private else "publicly")
        )
    text = text.strip()
    if not text:
        raise ValueError("a reply needs text")
    limit = conversation.channel.connector.max_text_length
    if limit and len(text) > limit:
        raise ValueError(
            f"{len(text)} characters; {conversation.channel.connector.label} allows {limit}"
        )
    target = target or reply_target(conversation)
    now = timezone.now()
    message = Message.objects.create(
        conversation=conversation,
        channel=conversation.channel,
        direction=Direction.OUTBOUND,
        visibility=Visibility.PRIVATE if private else Visibility.PUBLIC,
        author_agent=actor,
        text=text,
        platform_timestamp=now,
        state_timestamp=now,
        parent=target,
        parent_external_id=(target.external_id or "") if target else "",
        is_automatic=automatic,
        delivery_status=DeliveryStatus.QUEUED,
    )
    # What the conversation becomes once this lands; the connector ignores the key.
    payload = {
        **(options or {}),
        LANDED_STATE: (ConversationState.CLOSED if close else ConversationState.PENDING),
        ANSWERS_UNTIL: now.isoformat(),
    }
    action = enqueue_action(
        channel=conversation.channel,
        kind=kind,
        conversation=conversation,
        message=message,
        target=target,
        payload=payload,
        created_by=actor,
        rule_name=rule_name,
    )
    # Answered when it lands (`reply_landed`), not now: a reply held by an outage has not
    # reached the customer, and the reports and SLA must not count it as a response yet.
    updates = {"last_message_at": now}
    Conversation.objects.filter(pk=conversation.pk).update(**updates)
    for key, value in updates.items():
        setattr(conversation, key, value)
    _audit(
        conversation,
        "replied",
        actor=actor,
        rule_name=rule_name,
        action_id=action.pk,
        private=private,
        automatic=automatic,
    )
    return message


LANDED_STATE = "state_when_landed"
# When the agent last stood behind this answer (wrote it, or pressed Retry): a customer
# message after that is not answered by it.
ANSWERS_UNTIL = "answers_until"


def reply_landed(action) -> None:
    """An answer is on the platform: the conversation is answered (its first response, if
    none was) and leaves Open (or closes, if asked).

    Called by the outbox inside its success transaction. A customer who wrote again after
    the answer was written keeps the conversation Open: they are waiting again. A snoozed
    conversation stays snoozed unless the agent asked to close it.
    """
    conversation = Conversation.objects.select_for_update(no_key=True).get(
        pk=action.conversation_id
    )
    if conversation.first_response_at is None:
        # The first answer the customer could read: what the reports and the SLA measure.
        conversation.first_response_at = timezone.now()
        Conversation.objects.filter(pk=conversation.pk).update(
            first_response_at=conversation.first_response_at
        )
    wanted = action.payload.get(LANDED_STATE, ConversationState.PENDING)
    stamp = action.payload.get(ANSWERS_UNTIL)
    answers_until = datetime.fromisoformat(stamp) if stamp else action.message.created_at
    if conversation.last_inbound_at and conversation.last_inbound_at > answers_until:
        return
    if wanted == ConversationState.CLOSED:
        new = ConversationState.CLOSED
    elif conversation.state == ConversationState.OPEN:
        new = ConversationState.PENDING
    else:
        return
    previous = conversation.state
    if previous == new:
        return
    Conversation.objects.filter(pk=conversation.pk).update(state=new)
    conversation.state = new
    # No audit line of its own: the timeline's "reply posted" is this change.
    _state_changed(conversation, previous, new)


@savepoints.atomic_function
def message_act(*, message: Message, kind: str, actor=None, rule_name: str = ""):
    """Like, unlike, hide, unhide or delete a message on the platform, through the outbox."""
    conversation = message.conversation
    action = enqueue_action(
        channel=message.channel,
        kind=kind,
        conversation=conversation,
        target=message,
        created_by=actor,
        rule_name=rule_name,
    )
    _audit(
        conversation,
        f"message_{kind}",
        actor=actor,
        rule_name=rule_name,
        message_id=message.pk,
        action_id=action.pk,
    )
    return action


def private_thread_origin(*, channel, identity) -> int | None:
    """The comment thread a person's new private conversation answers, if any: the one of
    the newest private reply this channel landed on a comment of theirs, within 7 days (no
    platform allows a private reply later)."""
    action = (
        OutboundAction.objects.filter(
            channel=channel,
            kind=ActionKind.PRIVATE_REPLY,
            state=ActionState.DONE,
            target__author_identity=identity,
            created_at__gte=timezone.now() - PRIVATE_REPLY_AGE,
        )
        .order_by("-id")
        .values_list("conversation_id", flat=True)
        .first()
    )
    return action


PRIVATE_REPLY_AGE = timedelta(days=7)


# ---- state ---------------------------------------------------------------------------------


def _set_state(
    conversation: Conversation,
    state: str,
    *,
    actor,
    rule_name,
    snoozed_until: datetime | None = None,
    **data,
) -> None:
    previous = conversation.state
    Conversation.objects.filter(pk=conversation.pk).update(state=state, snoozed_until=snoozed_until)
    conversation.state, conversation.snoozed_until = state, snoozed_until
    _audit(
        conversation,
        state if state != previous else f"{state}_again",
        actor=actor,
        rule_name=rule_name,
        from_state=previous,
        **data,
    )
    _state_changed(conversation, previous, state)


@savepoints.atomic_function
def conversation_close(*, conversation: Conversation, actor=None, rule_name: str = "") -> None:
    _set_state(conversation, ConversationState.CLOSED, actor=actor, rule_name=rule_name)


@savepoints.atomic_function
def conversation_reopen(*, conversation: Conversation, actor=None, rule_name: str = "") -> None:
    _set_state(conversation, ConversationState.OPEN, actor=actor, rule_name=rule_name)


@savepoints.atomic_function
def conversation_snooze(
    *, conversation: Conversation, until: datetime, actor=None, rule_name: str = ""
) -> None:
    if until <= timezone.now():
        raise ValueError("snooze until a time in the future")
    _set_state(
        conversation,
        ConversationState.SNOOZED,
        actor=actor,
        rule_name=rule_name,
        snoozed_until=until,
        until=until.isoformat(),
    )


def wake_snoozed(now: datetime | None = None) -> int:
    """Snoozed conversations whose time has come are open again."""
    now = now or timezone.now()
    woken = 0
    for conversation in Conversation.objects.filter(
        state=ConversationState.SNOOZED, snoozed_until__lte=now
    ):
        with transaction.atomic():
            _set_state(
                conversation,
                ConversationState.OPEN,
                actor=None,
                rule_name="",
                reason="snooze ended",
            )
        woken += 1
    return woken


@savepoints.atomic_function
def conversation_mark_spam(
    *, conversation: Conversation, spam: bool = True, actor=None, rule_name: str = ""
) -> None:
    """Spam is closed with it; "Not spam" undoes that close (the conversation is back where
    it was, waiting for an answer) unless someone changed its state since."""
    Conversation.objects.filter(pk=conversation.pk).update(is_spam=spam)
    conversation.is_spam = spam
    _audit(
        conversation, "marked_spam" if spam else "unmarked_spam", actor=actor, rule_name=rule_name
    )
    if spam and conversation.state != ConversationState.CLOSED:
        _set_state(
            conversation,
            ConversationState.CLOSED,
            actor=actor,
            rule_name=rule_name,
            reason=SPAM_CLOSE,
        )
    elif (
        not spam
        and conversation.state == ConversationState.CLOSED
        and _closed_as_spam(conversation)
    ):
        _set_state(
            conversation,
            ConversationState.OPEN,
            actor=actor,
            rule_name=rule_name,
            reason="not spam",
        )


SPAM_CLOSE = "marked as spam"


def _closed_as_spam(conversation: Conversation) -> bool:
    """Whether the conversation's last change of state was the close marking it spam made."""
    deferred.flush()  # a rule in this routing batch may have closed it
    last = (
        AuditEvent.objects.filter(
            conversation=conversation,
            verb__in=[
                *ConversationState.values,
                *(f"{state}_again" for state in ConversationState.values),
                "reopened",  # a customer wrote again (ingest)
            ],
        )
        .order_by("-created_at", "-id")
        .values_list("data", flat=True)
        .first()
    )
    return last is not None and last.get("reason") == SPAM_CLOSE


# ---- routing -------------------------------------------------------------------------------


@savepoints.atomic_function
def conversation_assign(
    *, conversation: Conversation, assignee, team=None, actor=None, rule_name: str = ""
) -> None:
    updates = {"assignee": assignee}
    if team is not None:
        updates["team"] = team
    Conversation.objects.filter(pk=conversation.pk).update(**updates)
    for key, value in updates.items():
        setattr(conversation, key, value)
    _audit(
        conversation,
        "assigned" if assignee else "unassigned",
        actor=actor,
        rule_name=rule_name,
        assignee=assignee.display_name if assignee else None,
        assignee_id=assignee.pk if assignee else None,
        team=team.name if team else None,
    )


@savepoints.atomic_function
def conversation_tag(
    *, conversation: Conversation, name: str, actor=None, rule_name: str = "", reason: str = ""
) -> bool:
    """Add a tag (created on first use). Returns False when it was already there."""
    name = name.strip()
    # Once per worker batch for a tag that existed before it (never one that a rolled-back
    # pass created): rules tag many of a batch's conversations with the same few tags.
    tag = memo.remembered(("tag", name), lambda: Tag.objects.filter(name=name).first())
    if tag is None:
        tag, _ = Tag.objects.get_or_create(name=name)
    tagged = Conversation.tags.through
    if tagged.objects.filter(conversation_id=conversation.pk, tag_id=tag.pk).exists():
        return False
    # What tags.add() does, without reading again what was just read.
    tagged.objects.bulk_create(
        [tagged(conversation_id=conversation.pk, tag_id=tag.pk)], ignore_conflicts=True
    )
    getattr(conversation, "_prefetched_objects_cache", {}).pop("tags", None)  # as add() does
    _audit(conversation, "tagged", actor=actor, rule_name=rule_name, tag=tag.name, reason=reason)
    return True


@savepoints.atomic_function
def conversation_untag(
    *, conversation: Conversation, name: str, actor=None, rule_name: str = ""
) -> bool:
    tag = Tag.objects.filter(name=name.strip()).first()
    if tag is None or not conversation.tags.filter(pk=tag.pk).exists():
        return False
    conversation.tags.remove(tag)
    _audit(conversation, "untagged", actor=actor, rule_name=rule_name, tag=tag.name)
    return True


@savepoints.atomic_function
def conversation_set_priority(
    *, conversation: Conversation, priority: str, actor=None, rule_name: str = ""
) -> None:
    priority = Priority(priority)
    # In a routing batch, with the batch's other column writes at its end (inbox/deferred.py).
    deferred.update(Conversation, conversation.pk, priority=priority)
    previous, conversation.priority = conversation.priority, priority
    _audit(
        conversation,
        "priority",
        actor=actor,
        rule_name=rule_name,
        priority=priority,
        from_priority=previous,
    )


# ---- notes and reading ---------------------------------------------------------------------


@savepoints.atomic_function
def note_add(*, conversation: Conversation, text: str, actor) -> Note:
    note = Note.objects.create(conversation=conversation, author=actor, text=text.strip())
    _audit(conversation, "note", actor=actor, note_id=note.pk)
    return note


def conversation_mark_read(*, conversation: Conversation, user) -> None:
    ReadState.objects.update_or_create(
        user=user, conversation=conversation, defaults={"read_at": timezone.now()}
    )
