"""SLA: when an answer is due, in business time, and whether it is due soon or breached.

First response runs from the first customer message to our first public or private
answer; next response from the first customer message after our last answer. Only open
conversations are due: an answered (pending), snoozed or closed one waits on nobody.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.db.models import Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from inbox import deferred, memo
from inbox.models import SLA_DUE_SOON_MINUTES, Conversation, ConversationState, Direction

from .hours import Calendar
from .models import BusinessHours, SlaPolicy

# "Due soon" is the policy's due_soon_minutes before the due time, stored beside it in
# `sla_due_soon_at`; this is for due times stored without it (before that column existed).
DUE_SOON_MINUTES = SLA_DUE_SOON_MINUTES
ALWAYS_OPEN = Calendar()


def calendar_from(hours: BusinessHours | None) -> Calendar:
    if hours is None:
        return ALWAYS_OPEN
    return Calendar(
        timezone=hours.timezone,
        schedule=hours.schedule,
        holidays=memo.remembered(
            ("sla.holidays", hours.pk),
            lambda: frozenset(hours.holidays.values_list("date", flat=True)),
        ),
    )


def business_hours_for(conversation: Conversation) -> BusinessHours | None:
    """The conversation's team calendar, else the default (team-less) one."""
    hours = None
    team_id = conversation.team_id
    if team_id:
        hours = memo.remembered(
            ("sla.team_hours", team_id),
            lambda: BusinessHours.objects.filter(team_id=team_id).first(),
        )
    return hours or memo.remembered(
        "sla.default_hours",
        lambda: BusinessHours.objects.filter(team__isnull=True).order_by("id").first(),
    )


def calendar_for(conversation: Conversation) -> Calendar:
    return calendar_from(business_hours_for(conversation))


def policy_for(conversation: Conversation) -> SlaPolicy | None:
    """The most specific enabled policy: channel and kind, then channel, then kind, then any."""
    kind, platform = conversation.kind, conversation.channel.kind
    # Every enabled policy, read once per worker batch (inbox/memo.py); there are few.
    candidates = memo.remembered(
        "sla.policies",
        lambda: list(SlaPolicy.objects.filter(enabled=True).select_related("business_hours")),
    )
    return most_specific_policy(
        candidates, channel_kind=platform, conversation_kind=kind, priority=conversation.priority
    )


def most_specific_policy(
    policies, *, channel_kind: str, conversation_kind: str, priority: str | None = None
) -> SlaPolicy | None:
    """Among enabled policies (already loaded), the one `policy_for` picks; no queries.

    A priority of None (a caller that does not know it) lets only any-priority policies fit.
    """
    fitting = [
        p
        for p in policies
        if p.enabled
        and p.channel_kind in ("", channel_kind)
        and p.conversation_kind in ("", conversation_kind)
        and p.priority in ("", priority)
    ]
    return max(
        fitting,
        default=None,
        key=lambda p: (
            bool(p.priority) * 4 + bool(p.channel_kind) * 2 + bool(p.conversation_kind),
            -p.pk,
        ),
    )


def _policy_calendar(policy: SlaPolicy, conversation: Conversation) -> Calendar:
    if not policy.business_time:
        return ALWAYS_OPEN
    if policy.business_hours_id:
        return calendar_from(policy.business_hours)
    return calendar_for(conversation)


def waiting_since(conversation: Conversation) -> tuple[datetime | None, bool]:
    """(when the customer started waiting, whether it is for our first answer)."""
    if conversation.first_response_at is None:
        return conversation.first_inbound_at, True
    messages = conversation.messages.filter(deleted=False, placeholder=False)
    # The customer's first message after our last answer, in one statement: the worker
    # asks this for every customer message it routes. (No answer with a time: all count.)
    last_answer = (
        messages.filter(direction=Direction.OUTBOUND)
        .order_by("-platform_timestamp")
        .values("platform_timestamp")[:1]
    )
    first = (
        messages.filter(
            direction=Direction.INBOUND,
            platform_timestamp__gt=Coalesce(Subquery(last_answer), Value(BEFORE_ANYTHING)),
        )
        .order_by("platform_timestamp")
        .values_list("platform_timestamp", flat=True)
        .first()
    )
    return first, False


BEFORE_ANYTHING = datetime(1, 1, 1, tzinfo=UTC)


def compute_due(conversation: Conversation, policy: SlaPolicy | None = None) -> datetime | None:
    return _compute_due(conversation, policy)[0]


def _compute_due(
    conversation: Conversation, policy: SlaPolicy | None = None
) -> tuple[datetime | None, datetime | None]:
    """(due time, due-soon time) under the conversation's policy."""
    if conversation.state != ConversationState.OPEN or conversation.is_spam:
        return None, None
    policy = policy or policy_for(conversation)
    if policy is None:
        return None, None
    since, first = waiting_since(conversation)
    if since is None:
        return None, None
    minutes = policy.first_response_minutes if first else policy.next_response_minutes
    due = _policy_calendar(policy, conversation).add(since, minutes)
    return due, due_soon_at(due, policy)


def due_soon_at(due: datetime | None, policy: SlaPolicy | None) -> datetime | None:
    """From when a due time counts as "due soon": the policy's due_soon_minutes before it
    (wall-clock minutes: a warning is about the agent's time left, not the calendar's)."""
    if due is None:
        return None
    minutes = policy.due_soon_minutes if policy is not None else DUE_SOON_MINUTES
    return due - timedelta(minutes=minutes)


def _store(conversation: Conversation, due: datetime | None, soon: datetime | None) -> None:
    # In a routing batch, written with the batch's others at its end (inbox/deferred.py).
    deferred.update(Conversation, conversation.pk, sla_due_at=due, sla_due_soon_at=soon)
    conversation.sla_due_at, conversation.sla_due_soon_at = due, soon


def refresh_due(conversation: Conversation) -> datetime | None:
    """Recompute and store `sla_due_at` (and `sla_due_soon_at`); returns it."""
    due, soon = _compute_due(conversation)
    if (due, soon) != (conversation.sla_due_at, conversation.sla_due_soon_at):
        _store(conversation, due, soon)
    return due


def restart_due(conversation: Conversation, now: datetime | None = None) -> datetime | None:
    """A conversation opened again by hand (or a rule, or a snooze ending) is due anew.

    The clock starts now, in business time: the policy's next-response target, or its
    first-response target if we never answered. Stored in `sla_due_at`; returns it.
    """
    due = None
    policy = None
    if conversation.state == ConversationState.OPEN and not conversation.is_spam:
        policy = policy_for(conversation)
    if policy is not None:
        minutes = (
            policy.first_response_minutes
            if conversation.first_response_at is None
            else policy.next_response_minutes
        )
        due = _policy_calendar(policy, conversation).add(now or timezone.now(), minutes)
    _store(conversation, due, due_soon_at(due, policy))
    return due


def clear_due(conversation: Conversation) -> None:
    """Closed, answered or snoozed: nobody is waiting on us, nothing is due."""
    if conversation.sla_due_at is not None:
        _store(conversation, None, None)


def clear_answered() -> int:
    """Conversations no longer waiting on us stop being due (run by the periodic tick)."""
    return (
        Conversation.objects.exclude(state=ConversationState.OPEN)
        .filter(sla_due_at__isnull=False)
        .update(sla_due_at=None, sla_due_soon_at=None)
    )


def status(conversation: Conversation, now: datetime | None = None) -> str:
    """ "breached", "due_soon", "on_time" or "" (nothing due): the one SLA state, shown by
    the inbox's badge; the "due soon" rule trigger and folder select the same conversations
    (`due_soon_q`). Reads only the conversation's stored columns: no query."""
    return conversation.sla_status(now)


def breached_q(now: datetime | None = None) -> Q:
    """Filter for the "SLA breached" folder; sort a folder with order_by("sla_due_at")."""
    return Q(state=ConversationState.OPEN, sla_due_at__lte=now or timezone.now())


def due_soon_q(now: datetime | None = None, minutes: int | None = None) -> Q:
    """Open conversations whose status is "due soon": by their policy's due_soon_minutes,
    or within `minutes` of the due time when given (a rule with its own N minutes)."""
    now = now or timezone.now()
    not_yet_due = Q(state=ConversationState.OPEN, sla_due_at__gt=now)
    if minutes:
        return not_yet_due & Q(sla_due_at__lte=now + timedelta(minutes=minutes))
    return not_yet_due & (
        Q(sla_due_soon_at__lte=now)
        | Q(sla_due_soon_at__isnull=True, sla_due_at__lte=now + timedelta(minutes=DUE_SOON_MINUTES))
    )


def due_soon_since(conversation: Conversation, minutes: int | None = None) -> datetime:
    """When the conversation became "due soon" (see `due_soon_q`); only asked of
    conversations with a due time."""
    assert conversation.sla_due_at is not None
    if minutes:
        return conversation.sla_due_at - timedelta(minutes=minutes)
    return conversation.sla_due_soon_at or conversation.sla_due_at - timedelta(
        minutes=DUE_SOON_MINUTES
    )


def first_response_time(conversation: Conversation, *, business: bool = True) -> timedelta | None:
    """First inbound → first public or private answer; in business time by default."""
    start, end = conversation.first_inbound_at, conversation.first_response_at
    if start is None or end is None:
        return None
    if not business:
        return end - start
    policy = policy_for(conversation)
    calendar = _policy_calendar(policy, conversation) if policy else calendar_for(conversation)
    return calendar.elapsed(start, end)


def refresh_open(batch: int = 500) -> int:
    """Recompute the due time of every open conversation (after a policy or the hours
    changed); returns how many changed. Runs in the worker (rules.tasks.refresh_sla)."""
    changed = 0
    open_ids = (
        Conversation.objects.filter(state=ConversationState.OPEN)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    last = 0
    while True:
        ids = list(open_ids.filter(pk__gt=last)[:batch])
        if not ids:
            return changed
        last = ids[-1]
        for conversation in Conversation.objects.filter(pk__in=ids).select_related("channel"):
            before = conversation.sla_due_at
            if refresh_due(conversation) != before:
                changed += 1


# Told by the beat's tick of the conversations past their due time; a listener is called
# every minute while a breach lasts, so it keeps its own memory of what it announced
# (webhooks_out stores one delivery per conversation and due time).
breach_listeners: list = []
# A breach older than this is not announced: after the beat was down, or on first setup.
BREACH_LOOKBACK = timedelta(hours=1)
BREACH_BATCH = 500


def announce_breaches(now: datetime | None = None) -> int:
    """The tick's call: the open conversations breached in the last hour, earliest due
    first, passed to each listener as one list. Returns how many were found."""
    if not breach_listeners:
        return 0
    now = now or timezone.now()
    found = list(
        Conversation.objects.filter(breached_q(now), sla_due_at__gte=now - BREACH_LOOKBACK)
        .exclude(is_spam=True)
        .order_by("sla_due_at", "pk")[:BREACH_BATCH]
    )
    for listener in breach_listeners:
        listener(found, now)
    return len(found)
