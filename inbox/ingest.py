"""Ingest: store every event first, then turn it into contacts, conversations and messages.

Every step is idempotent on the platform's own ids, so Meta's retries, polls that overlap
webhooks and echoes of our own replies all land on the same rows (docs/architecture.md, "idempotent on platform ids").
Events may arrive in any order: an edit or a removal can come before the add it changes.

Visible first, enriched after (docs/architecture.md): a message is stored from what the
platform sent, and the event is marked done in that same commit. What comes after is
durable work of its own, each with a marker in the database that the sweep finds: routing
(`Message.routed_at`, inbox/routing.py) and the thread's context
(`Conversation.context_state`, inbox/enrich.py); so is a customer's profile
(`Identity.profile_due_at`, inbox/profiles.py).
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
import traceback
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import DataError, IntegrityError, OperationalError, connection, transaction
from django.db.models import Case, F, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce, Greatest, Least
from django.utils import timezone

from . import (
    context,
    crypto,
    enrich,
    live,
    memo,
    payloads,
    prefetch,
    profiles,
    queueing,
    routing,
    savepoints,
    shared_cache,
    text,
)
from .connectors import (
    ConnectorError,
    EventToStore,
    IdentityData,
    InboundItem,
    ReceiptItem,
    Unavailable,
    UnsupportedItem,
    registry,
)
from .conversations import private_thread_origin
from .models import (
    AuditEvent,
    Channel,
    Contact,
    ContextState,
    Conversation,
    ConversationKind,
    ConversationState,
    DeliveryStatus,
    Direction,
    EventState,
    Identity,
    InboundEvent,
    Message,
    OutboundAction,
    Tag,
    Visibility,
)

log = logging.getLogger("switchboard.ingest")

# An event stuck in "processing" this long belonged to a worker that died.
STALE_CLAIM = timedelta(minutes=5)
MAX_EVENT_ATTEMPTS = 8
# An event queued this long ago and still not taken is presumed lost by the broker.
REQUEUE_AFTER = timedelta(minutes=5)


@dataclass
class IngestResult:
    new_inbound: list[Message] = field(default_factory=list)
    new_conversations: list[Conversation] = field(default_factory=list)
    touched: set[int] = field(default_factory=set)
    unsupported: list[str] = field(default_factory=list)
    # Identities whose profile the platform must fill in, newly marked (inbox/profiles.py).
    profiles_wanted: set[int] = field(default_factory=set)
    # Conversations whose context only a platform read can complete (inbox/enrich.py).
    context_wanted: set[int] = field(default_factory=set)
    # Every message stored now, customer's or not, placeholders included.
    stored: list[Message] = field(default_factory=list)


# ---- storing --------------------------------------------------------------------------------


@dataclass
class Stored:
    new: int = 0  # events stored now, poisoned ones included; duplicates are not
    poisoned: int = 0  # of those, kept with their reason and not processed


def cleaned(event: EventToStore) -> tuple[Any, str, str]:
    """What is stored of an event: its payload made storable, why it is poisonous ("" if it
    is not: inbox/payloads.py), and its delivery key, storable and capped."""
    payload, reason = payloads.poison_reason(event.payload)
    reason = text.storable("; ".join(filter(None, [event.poison, reason])))
    return payload, reason, text.storable(event.delivery_key)[:200]


def store_events(kind: str, events: list[EventToStore], *, source: str = "webhook") -> Stored:
    """Store events raw and queue them; duplicates of stored events are ignored.

    Each event is stored on its own: one whose payload holds what cannot be stored or
    processed (inbox/payloads.py) is kept as POISONED with its reason and not queued, and
    the others are stored and queued as usual. Queueing happens after commit, and a broker
    that is down loses nothing: the sweep finds the stored events later.
    """
    channel_ids = dict(
        Channel.objects.filter(
            kind=kind, external_id__in={e.channel_external_id for e in events}
        ).values_list("external_id", "id")
    )
    stored = Stored()
    new_ids: dict[int | None, list[int]] = {}
    with transaction.atomic():
        for event in events:
            payload, reason, delivery_key = cleaned(event)
            fields = {
                "payload": payload,
                "source": source,
                "channel_id": channel_ids.get(event.channel_external_id),
            }
            if reason:
                fields.update(state=EventState.POISONED, last_error=reason)
            obj, created = _store_one(kind, delivery_key, fields)
            if created:
                stored.new += 1
                if obj.state == EventState.POISONED:
                    stored.poisoned += 1
                else:
                    new_ids.setdefault(obj.channel_id, []).append(obj.pk)
        transaction.on_commit(lambda: queue_new_events(new_ids))
    return stored


def _store_one(kind: str, delivery_key: str, fields: dict) -> tuple[InboundEvent, bool]:
    try:
        with transaction.atomic():  # a savepoint: a refused row must not undo the others
            return InboundEvent.objects.get_or_create(
                channel_kind=kind, delivery_key=delivery_key, defaults=fields
            )
    except (DataError, ValueError, TypeError) as exc:
        # Something the cleaning above did not foresee, refused by the database: keep
        # the item as a poisoned event that says so, rather than fail the whole batch.
        log.exception("event %s could not be stored as sent", delivery_key)
        kept = {"unstorable": text.storable(repr(fields["payload"])[: payloads.RAW_KEPT])}
        reason = text.storable(f"could not be stored as sent: {exc!r}")[: payloads.MAX_REASON]
        return InboundEvent.objects.get_or_create(
            channel_kind=kind,
            delivery_key=delivery_key,
            defaults={
                **fields,
                "payload": kept,
                "state": EventState.POISONED,
                "last_error": reason,
            },
        )


def queue_events(event_ids: list[int]) -> int:
    """Publish each event's processing task and stamp `queued_at`; returns how many."""
    from .tasks import process_inbound_event

    stamp = _stamp_queued(event_ids)
    published = 0
    for event_id in event_ids:
        if not queueing.publish(process_inbound_event, (event_id,)):
            break  # broker down: the events are stored and the sweep will queue them
        published += 1
    _unstamp(event_ids[published:], stamp)
    return published


def _stamp_queued(event_ids: list[int]):
    """Stamp `queued_at` before publishing: a worker's claim skips rows that are locked
    (SKIP LOCKED), and must never meet them locked by this UPDATE and pass them by."""
    stamp = timezone.now()
    if event_ids:
        InboundEvent.objects.filter(pk__in=event_ids).update(queued_at=stamp)
    return stamp


def _unstamp(event_ids: list[int], stamp) -> None:
    """Events whose task could not be published: not in the broker, due for the sweep."""
    if event_ids:
        InboundEvent.objects.filter(pk__in=event_ids, queued_at=stamp).update(queued_at=None)


# A channel's "a task is on its way" mark lives this long: past it, a lost task is replaced
# by the next delivery's (and the sweep finds whatever is still waiting).
PENDING_SECONDS = 10


def _pending_key(channel_id: int) -> str:
    return f"ingest:pending:{channel_id}"


@shared_cache.degrades(lambda channel_id: None)
def _mark_pending(channel_id: int) -> bool | None:
    """True if this call marked the channel's task as on its way; None without the cache."""
    return cache.add(_pending_key(channel_id), 1, timeout=PENDING_SECONDS)


@shared_cache.degrades(lambda channel_id: None)
def clear_pending(channel_id: int) -> None:
    cache.delete(_pending_key(channel_id))


def queue_new_events(by_channel: dict[int | None, list[int]], *, stamped_at=None) -> int:
    """After the commit that stored them: one task per channel takes its new events.

    A burst of deliveries for one Page queues one task, not one per delivery: a task still
    on its way (marked in the shared cache) will take what was stored since, as it takes
    every fresh event of its channel when it starts (`process_waiting`). Without the cache,
    or for an event with no channel, each event gets its own task as before. Returns how
    many events are now queued. `stamped_at`: they were stored with `queued_at` set to it
    (inbox/accept.py), so stamping them costs no UPDATE.
    """
    from .tasks import process_channel_events

    alone: list[int] = []
    by_task: list[tuple[int, bool, list[int]]] = []
    for channel_id, event_ids in by_channel.items():
        marked = _mark_pending(channel_id) if channel_id is not None else None
        if channel_id is None or marked is None:
            alone += event_ids
        else:
            by_task.append((channel_id, marked, event_ids))
    stamp = stamped_at or _stamp_queued([pk for _, _, ids in by_task for pk in ids])
    unqueued, broker_down = [], False
    for channel_id, marked, event_ids in by_task:
        if not marked:
            continue  # the channel's task is on its way and will take them
        if broker_down or not queueing.publish(process_channel_events, (channel_id,)):
            # Broker down: the events are stored and the sweep will queue them.
            broker_down = True
            clear_pending(channel_id)
            unqueued += event_ids
    _unstamp(unqueued, stamp)
    queued = sum(len(ids) for _, _, ids in by_task) - len(unqueued)
    if broker_down:
        _unstamp(alone, stamp)  # stored already stamped, never published: the sweep's
        return queued
    return queued + queue_events(alone)


# ---- processing -----------------------------------------------------------------------------


def _claimable(now):
    return (
        Q(state=EventState.STORED)
        | Q(state=EventState.RETRY, next_attempt_at__lte=now)
        | Q(state=EventState.PROCESSING, claimed_at__lt=now - STALE_CLAIM)
    )


def _is_claimable(state: str, next_attempt_at, claimed_at, *, now) -> bool:
    """`_claimable`, for a row in hand."""
    return (
        state == EventState.STORED
        or (state == EventState.RETRY and next_attempt_at is not None and next_attempt_at <= now)
        or (
            state == EventState.PROCESSING
            and claimed_at is not None
            and claimed_at < now - STALE_CLAIM
        )
    )


def claim_event(event_id: int) -> InboundEvent | None:
    """Take an event for processing with a conditional UPDATE; None if someone else has it."""
    claimed = claim_events(event_id, limit=1)
    return claimed[0] if claimed else None


def claim_events(event_id: int, *, limit: int) -> list[InboundEvent]:
    """Take `event_id` and, when it is fresh, up to `limit - 1` other fresh events of its
    channel waiting behind it (their own tasks then find them taken and do nothing).

    Only fresh events (never claimed) join a batch: one that was claimed before, by a
    worker that died or a try that failed, is taken alone, so an event that kills its
    worker costs its batch-mates one retry each and never their attempts.

    The claim commits on its own, before the work, so `attempts` counts every try even when
    the worker dies. Returns the claimed events with their channel; an event whose channel's
    credentials no key decrypts is backed off instead (see below).
    """
    now = timezone.now()
    if limit == 1 or not connection.features.has_select_for_update_skip_locked:
        ids = [event_id]
        claimed = InboundEvent.objects.filter(_claimable(now), pk=event_id).update(
            state=EventState.PROCESSING, claimed_at=now, attempts=F("attempts") + 1
        )
    else:
        # Most tasks of a busy channel find their event taken by an earlier batch: one
        # unlocked read says so, before a transaction and a lock are spent on it.
        peek = InboundEvent.objects.filter(pk=event_id).values_list(
            "state", "next_attempt_at", "claimed_at"
        )
        if not any(_is_claimable(*row, now=now) for row in peek):
            return []
        with transaction.atomic():
            # Locked by its key (skipping it while another worker claims it), then judged.
            own = (
                InboundEvent.objects.filter(pk=event_id)
                .select_for_update(skip_locked=True)
                .values_list("channel_id", "attempts", "state", "next_attempt_at", "claimed_at")
                .first()
            )
            if own is None or not _is_claimable(*own[2:], now=now):
                return []
            ids = [event_id]
            if own[1] == 0:
                ids += list(
                    InboundEvent.objects.filter(
                        state=EventState.STORED, attempts=0, channel_id=own[0]
                    )
                    .exclude(pk=event_id)
                    .order_by("received_at", "id")
                    .select_for_update(skip_locked=True)
                    .values_list("pk", flat=True)[: limit - 1]
                )
            claimed = InboundEvent.objects.filter(pk__in=ids).update(
                state=EventState.PROCESSING, claimed_at=now, attempts=F("attempts") + 1
            )
    if not claimed:
        return []
    return _claimed(ids, now)


def _fresh(channel_id: int):
    """A channel's events never claimed yet, oldest first."""
    return InboundEvent.objects.filter(
        state=EventState.STORED, attempts=0, channel_id=channel_id
    ).order_by("received_at", "id")


def claim_waiting(channel_id: int, *, limit: int) -> tuple[list[InboundEvent], bool]:
    """Take up to `limit` fresh events of a channel; (the events, whether more may wait)."""
    now = timezone.now()
    with transaction.atomic():
        waiting = _fresh(channel_id)
        if connection.features.has_select_for_update_skip_locked:
            waiting = waiting.select_for_update(skip_locked=True)
        ids = list(waiting.values_list("pk", flat=True)[:limit])
        # Conditional, so that without SKIP LOCKED two workers still never share an event.
        claimed = InboundEvent.objects.filter(
            pk__in=ids, state=EventState.STORED, attempts=0
        ).update(state=EventState.PROCESSING, claimed_at=now, attempts=F("attempts") + 1)
    return (_claimed(ids, now) if claimed else []), len(ids) == limit


def _claimed(ids: list[int], now) -> list[InboundEvent]:
    """The events of `ids` this claim (at `now`) took, with their channel, oldest first."""
    events = list(
        InboundEvent.objects.select_related("channel")
        .filter(pk__in=ids, state=EventState.PROCESSING, claimed_at=now)
        .order_by("received_at", "id")
    )
    readable = []
    for event in events:
        if event.channel is not None and not crypto.readable(event.channel.credentials):
            # After a key change none of the keys decrypts the channel's credentials. Say
            # so and back off (bounded by MAX_EVENT_ATTEMPTS) until the key is restored or
            # the channel reconnected, rather than process it with none.
            _retry_later(event, crypto.UNREADABLE)
        else:
            readable.append(event)
    return readable


def process_event(event_id: int) -> IngestResult | None:
    """Process one event alone (the sweep's retries, tests); see `process_batch`."""
    return process_batch(event_id, limit=1)


def process_waiting(channel_id: int, *, limit: int | None = None) -> IngestResult | None:
    """The channel's task (queue_new_events): take its fresh events, up to `limit`, and
    process them as a batch; when there may be more, queue the next task first, so that
    another worker can take them meanwhile."""
    limit = limit or settings.INGEST_BATCH_SIZE
    # Unmarked before taking: a delivery stored from now on queues a task of its own.
    clear_pending(channel_id)
    with memo.batch():
        events, more = claim_waiting(channel_id, limit=limit)
        if more:
            queue_new_events({channel_id: []})
        if not events:
            return None
        return _process(events)


def process_batch(event_id: int, *, limit: int | None = None) -> IngestResult | None:
    """Process `event_id` and the fresh events of its channel queued behind it, together.

    Each event is parsed on its own and applied in a savepoint of one transaction: a
    malformed event fails (kept with its traceback) or backs off alone, and the others
    commit, each marked done in the same commit as its messages. Then the new customer
    messages are routed in one transaction (inbox/routing.py) and the enrichment queued.
    Reads every message shares (rules, SLA policies, hours) happen once per batch
    (inbox/memo.py). Returns what the batch did; None when there was nothing to take.
    """
    limit = limit or settings.INGEST_BATCH_SIZE
    with memo.batch():
        events = claim_events(event_id, limit=limit)
        if not events:
            return None
        return _process(events)


def _process(events: list[InboundEvent]) -> IngestResult:
    """Parse, apply (one transaction), announce and route claimed events; queue enrichment."""
    with memo.batch():
        parsed = []
        with context.read_ahead(_context_ids(events)):
            for event in events:
                if event.channel is None:
                    _finish(
                        event,
                        EventState.FAILED,
                        "no connected channel for this event; connect the account and reprocess it",
                    )
                    continue
                try:
                    connector = registry.get(event.channel_kind)
                    parsed.append((event, text.storable_items(connector.parse(event))))
                except (Unavailable, ConnectorError, OperationalError) as exc:
                    # A platform read during parsing, or a locked database: worth another try.
                    _retry_later(event, str(exc))
                except Exception:
                    _fail(event)
        result = _apply_events(parsed)
        with live.collected():  # the batch's conversations in one slot, not one each
            for conversation_id in result.touched:
                live.conversation_changed(conversation_id)
        # Routed here at once on the fast path; a crash or a database error from here on
        # leaves the messages unrouted and the sweep routes them (messages_due_for_sweep).
        try:
            with live.collected():  # announced when the routing commits, in one slot
                routing.route_messages(routing.unrouted_in(result.touched))
        except Exception:
            log.exception("routing after events %s failed; the sweep retries it", _ids(events))
    # Enrichment last: publishing waits on the broker, and nothing above waits on it.
    profiles.queue_profiles(result.profiles_wanted)
    enrich.queue_context(result.context_wanted)
    return result


def _context_ids(events: list[InboundEvent]) -> dict[int, set[str]]:
    """The posts and media the batch's events are on, by channel: their stored context is
    read in one go before parsing (inbox/context.py)."""
    wanted: dict[int, set[str]] = {}
    for event in events:
        if event.channel_id is None:
            continue
        try:
            ids = registry.get(event.channel_kind).context_ids(event)
        except Exception:  # a payload it cannot read fails in parsing, with its reason
            continue
        wanted.setdefault(event.channel_id, set()).update(ids)
    return wanted


def _apply_events(parsed: list[tuple[InboundEvent, list]]) -> IngestResult:
    """Apply each event's items in one transaction; mark them finished in it.

    Optimistically first, with no savepoint at all (inbox/savepoints.py): nearly every
    batch applies cleanly, and a savepoint costs two statements. If anything raises, that
    transaction is rolled back whole (its after-commit callbacks with it) and the batch is
    applied again carefully, a savepoint per event, so that the one that fails is kept
    failed (or backs off) alone and the others commit.
    """
    try:
        with savepoints.optimistic():
            return _apply_all(parsed)
    except Exception:
        # Not an error yet: the careful pass says which event it was, and keeps it.
        log.info("events %s failed as a batch; applying them one by one", _ids(parsed))
    return _apply_all(parsed)


def _apply_all(parsed: list[tuple[InboundEvent, list]]) -> IngestResult:
    total = IngestResult()
    finished: dict[tuple[str, str], list[int]] = {}
    with transaction.atomic(), contextlib.ExitStack() as stack:
        if not savepoints.careful():
            # What the items will look up, in one query per kind (inbox/prefetch.py).
            stack.enter_context(prefetch.using(prefetch.read(parsed)))
            if connection.vendor == "postgresql":  # _WRITE_TOUCHES is PostgreSQL's SQL
                stack.enter_context(_touches_gathered())
        for event, items in parsed:
            assert event.channel is not None  # events without one are failed before this
            try:
                with savepoints.atomic():
                    result = apply_items(event.channel, items)
            except OperationalError as exc:  # a lock timeout, a deadlock: try again later
                if not savepoints.careful():
                    raise
                _retry_later(event, str(exc))
                continue
            except Exception:
                if not savepoints.careful():
                    raise
                _fail(event)
                continue
            if result.unsupported and not (result.touched or result.new_inbound):
                outcome = (EventState.UNSUPPORTED, "; ".join(result.unsupported))
            else:
                outcome = (EventState.DONE, "; ".join(result.unsupported))
            finished.setdefault(outcome, []).append(event.pk)
            total.new_inbound += result.new_inbound
            total.new_conversations += result.new_conversations
            total.touched |= result.touched
            total.unsupported += result.unsupported
            total.profiles_wanted |= result.profiles_wanted
            total.context_wanted |= result.context_wanted
            total.stored += result.stored
        _write_touches()
        _link_orphan_replies(total.stored)
        # Done in the same commit as the messages: what is left (routing, context,
        # profiles) is durable work of its own, so nothing is lost in between.
        now = timezone.now()
        for (state, error), ids in finished.items():
            InboundEvent.objects.filter(pk__in=ids).update(
                state=state, last_error=error, processed_at=now
            )
    return total


def _link_orphan_replies(messages: list[Message]) -> None:
    """Replies stored before their parent (events arrive in any order) get linked to it."""
    by_channel: dict[int, list[str]] = {}
    for message in messages:
        if message.external_id:
            by_channel.setdefault(message.channel_id, []).append(message.external_id)
    for channel_id, external_ids in by_channel.items():
        parent = Message.objects.filter(
            channel_id=channel_id, external_id=OuterRef("parent_external_id")
        ).values("pk")[:1]
        Message.objects.filter(
            channel_id=channel_id, parent__isnull=True, parent_external_id__in=external_ids
        ).exclude(parent_external_id="").update(parent_id=Subquery(parent))


def _fail(event: InboundEvent) -> None:
    # A malformed event is kept with its traceback for inspection, not retried forever.
    log.exception("event %s failed", event.pk)
    _finish(event, EventState.FAILED, traceback.format_exc(limit=5))


def _ids(events: list) -> str:
    """The ids of events, or of (event, items) pairs."""
    return ", ".join(str(e[0].pk if isinstance(e, tuple) else e.pk) for e in events)


def _finish(event: InboundEvent, state: str, error: str = "") -> None:
    InboundEvent.objects.filter(pk=event.pk).update(
        state=state, last_error=error, processed_at=timezone.now()
    )


def _retry_later(event: InboundEvent, error: str) -> None:
    if event.attempts >= MAX_EVENT_ATTEMPTS:
        _finish(event, EventState.FAILED, f"gave up after {event.attempts} attempts: {error}")
        return
    delay = timedelta(seconds=min(30 * 2 ** (event.attempts - 1), 3600))
    InboundEvent.objects.filter(pk=event.pk).update(
        state=EventState.RETRY, last_error=error, next_attempt_at=timezone.now() + delay
    )


def events_due_for_sweep(grace: timedelta | None = None) -> list[int]:
    """Events stored but never processed, due retries, and claims of dead workers.

    Not those already in the broker: an event queued less than REQUEUE_AFTER ago, and not
    taken by a worker since (its claim would have consumed that message), is waiting its turn
    behind a backlog, and queueing it again only adds work.
    """
    now = timezone.now()
    grace = grace if grace is not None else timedelta(seconds=settings.SWEEP_GRACE_SECONDS)
    due = (
        Q(state=EventState.STORED, received_at__lte=now - grace)
        | Q(state=EventState.RETRY, next_attempt_at__lte=now)
        | Q(state=EventState.PROCESSING, claimed_at__lt=now - STALE_CLAIM)
    )
    waiting = Q(queued_at__gt=now - REQUEUE_AFTER) & (
        Q(claimed_at=None) | Q(queued_at__gt=F("claimed_at"))
    )
    due &= ~waiting
    return list(
        InboundEvent.objects.filter(due).order_by("received_at").values_list("pk", flat=True)[:1000]
    )


# ---- applying parsed items ------------------------------------------------------------------


def apply_items(channel: Channel, items: list) -> IngestResult:
    """Upsert every item. Call inside a transaction."""
    result = IngestResult()
    # Oldest first, so that within one event the add comes before its edit.
    for item in sorted(items, key=lambda i: getattr(i, "timestamp", None) or timezone.now()):
        if isinstance(item, InboundItem):
            apply_item(channel, item, result)
        elif isinstance(item, ReceiptItem):
            apply_receipt(channel, item, result)
        elif isinstance(item, UnsupportedItem):
            result.unsupported.append(item.description)
    return result


def upsert_identity(data: IdentityData) -> Identity:
    key = (data.platform, data.external_id)
    identity = prefetch.get(
        "identity",
        key,
        Identity.objects.filter(platform=data.platform, external_id=data.external_id).first,
    )
    if identity is None:
        try:
            with savepoints.atomic():
                contact = Contact.objects.create(name=data.name or data.handle)
                identity = Identity.objects.create(
                    contact=contact,
                    platform=data.platform,
                    external_id=data.external_id,
                    name=data.name,
                    handle=data.handle,
                    avatar_url=data.avatar_url,
                    profile_url=data.profile_url,
                    follower_count=data.follower_count,
                    verified=data.verified,
                )
            prefetch.remember("identity", key, identity)
            return identity
        except IntegrityError:  # another worker created it a moment ago
            if not savepoints.careful():
                raise
            return Identity.objects.get(platform=data.platform, external_id=data.external_id)
    changed = []
    for name in ("name", "handle", "avatar_url", "profile_url", "follower_count"):
        value = getattr(data, name)
        if value not in ("", None) and getattr(identity, name) != value:
            setattr(identity, name, value)
            changed.append(name)
    if changed:
        identity.save(update_fields=changed)
    return identity


def upsert_conversation(
    channel: Channel, item: InboundItem, identity: Identity | None
) -> tuple[Conversation, bool]:
    defaults = {
        "kind": item.conversation_kind,
        "contact_id": identity.contact_id if identity else None,
        "context_external_id": item.context_external_id,
        "context": item.context,
    }
    if item.context_wanted:
        defaults.update(
            context_state=ContextState.WANTED,
            context_due_at=enrich.first_due(channel, item.context_external_id),
        )
    thread = Conversation.objects.filter(channel=channel, external_thread_id=item.thread_id)
    key = (channel.pk, item.thread_id)
    conversation, created = prefetch.get("conversation", key, thread.first), False
    if conversation is None:
        try:
            with savepoints.atomic():
                conversation = Conversation.objects.create(
                    channel=channel, external_thread_id=item.thread_id, **defaults
                )
            created = True
            prefetch.remember("conversation", key, conversation)
        except IntegrityError:  # another worker created it a moment ago
            if not savepoints.careful():
                raise
            conversation = thread.get()
    if created and identity and conversation.kind == ConversationKind.DM:
        # The customer answering a private reply: this thread continues that comment's.
        origin_id = private_thread_origin(channel=channel, identity=identity)
        if origin_id:
            Conversation.objects.filter(pk=conversation.pk).update(origin_id=origin_id)
            conversation.origin_id = origin_id
    if not created:
        updates: dict = {}
        if item.context and not conversation.context:
            updates["context"] = item.context
        elif "text" in item.context and "text" not in conversation.context:
            # A poll read the post that a webhook named only by id: nothing left to fetch.
            updates["context"] = {**conversation.context, **item.context}
            if conversation.context_state == ContextState.WANTED:
                updates.update(context_state=ContextState.COMPLETE, context_due_at=None)
        if item.context_external_id and not conversation.context_external_id:
            updates["context_external_id"] = item.context_external_id
            if item.context_wanted:
                updates.update(
                    context_state=ContextState.WANTED,
                    context_due_at=enrich.first_due(channel, item.context_external_id),
                )
        if identity and conversation.contact_id is None and not item.is_echo:
            updates["contact_id"] = identity.contact_id
        if updates:
            Conversation.objects.filter(pk=conversation.pk).update(**updates)
            for key, value in updates.items():
                setattr(conversation, key, value)
    return conversation, created


def apply_item(channel: Channel, item: InboundItem, result: IngestResult) -> Message | None:
    if item.is_echo:
        message = _match_echo(channel, item)
        if message is not None:
            _apply_state(message, item)
            result.touched.add(message.conversation_id)
            return message
    identity = upsert_identity(item.author) if item.author and not item.is_echo else None
    if identity is not None and profiles.want_profile(identity, channel):
        result.profiles_wanted.add(identity.pk)
    conversation, conversation_created = upsert_conversation(channel, item, identity)
    if conversation.context_state == ContextState.WANTED:
        result.context_wanted.add(conversation.pk)
    if item.tags:
        tags = [Tag.objects.get_or_create(name=name)[0] for name in item.tags]
        conversation.tags.add(*tags)
    message, created = _upsert_message(channel, conversation, item, identity)
    result.touched.add(conversation.pk)
    if created and message.external_id:
        result.stored.append(message)
    if conversation_created:
        result.new_conversations.append(conversation)
    if created and not message.placeholder:
        _on_new_message(conversation, message, result)
    return message


def _upsert_message(channel, conversation, item, identity) -> tuple[Message, bool]:
    key = (channel.pk, item.external_id)
    message = prefetch.get(
        "message",
        key,
        Message.objects.select_for_update(no_key=True)
        .filter(channel=channel, external_id=item.external_id)
        .first,
    )
    if message is not None:
        _apply_state(message, item)
        return message, False
    parent_id = None
    if item.parent_external_id:
        parent_id = prefetch.get(
            "parent",
            (channel.pk, item.parent_external_id),
            Message.objects.filter(channel=channel, external_id=item.parent_external_id)
            .values_list("pk", flat=True)
            .first,
        )
    message = Message(
        conversation=conversation,
        channel=channel,
        external_id=item.external_id,
        direction=Direction.OUTBOUND if item.is_echo else Direction.INBOUND,
        visibility=Visibility.PRIVATE if item.private else Visibility.PUBLIC,
        author_identity=identity,
        text=item.text or "",
        attachments=item.attachments,
        extra={**item.extra, routing.TEXT_WANTED: True} if item.text_wanted else item.extra,
        platform_timestamp=item.timestamp,
        state_timestamp=item.timestamp,
        parent_id=parent_id,
        parent_external_id=item.parent_external_id,
        edited=bool(item.edited),
        deleted=bool(item.deleted),
        hidden=bool(item.hidden),
        liked=bool(item.liked),
        permalink=item.permalink,
        # Known only from an edit/removal that overtook its add: shown once the add lands.
        placeholder=item.text is None,
        sent_natively=item.is_echo,
        delivery_status=DeliveryStatus.POSTED if item.is_echo else DeliveryStatus.NONE,
    )
    try:
        with savepoints.atomic():
            message.save()
    except IntegrityError:  # a concurrent worker stored the same item: apply ours on top
        if not savepoints.careful():
            raise
        message = Message.objects.select_for_update(no_key=True).get(
            channel=channel, external_id=item.external_id
        )
        _apply_state(message, item)
        return message, False
    prefetch.remember("message", key, message)
    prefetch.remember("parent", key, message.pk)
    # Replies that arrived before their parent are linked to it once the batch is applied
    # (_link_orphan_replies), in one statement for all the batch's new messages.
    return message, True


def _apply_state(message: Message, item: InboundItem) -> None:
    """Merge what an event says into a stored message so the newest state wins in any order."""
    fields: set[str] = set()
    newer = message.state_timestamp is None or item.timestamp >= message.state_timestamp
    if item.deleted and not message.deleted:
        message.deleted = True  # a removal is final, whenever it arrives
        fields.add("deleted")
    if item.text is not None:
        if message.placeholder:
            if not item.edited or not message.edited:
                message.text = item.text
            message.placeholder = False
            message.platform_timestamp = min(
                message.platform_timestamp or item.timestamp, item.timestamp
            )
            fields |= {"text", "placeholder", "platform_timestamp"}
            _on_late_add(message)
        elif item.text != message.text and (item.edited or not message.edited) and newer:
            message.edit_history = [
                *message.edit_history,
                {"text": message.text, "replaced_at": item.timestamp.isoformat()},
            ]
            message.text = item.text
            message.edited = True
            fields |= {"text", "edit_history", "edited"}
    elif item.edited and not message.edited:
        message.edited = True
        fields.add("edited")
    for flag in ("hidden", "liked"):
        value = getattr(item, flag)
        if value is not None and newer and getattr(message, flag) != value:
            setattr(message, flag, value)
            fields.add(flag)
    if item.attachments and not message.attachments:
        message.attachments = item.attachments
        fields.add("attachments")
    if item.is_echo and message.delivery_status in (
        "",
        DeliveryStatus.QUEUED,
        DeliveryStatus.SENDING,
    ):
        message.delivery_status = DeliveryStatus.POSTED
        fields.add("delivery_status")
    if newer and item.timestamp != message.state_timestamp:
        message.state_timestamp = item.timestamp
        fields.add("state_timestamp")
    if fields:
        message.save(update_fields=sorted(fields))


def _on_late_add(message: Message) -> None:
    """The add of a message first seen through an edit or removal has now arrived."""
    if message.direction == Direction.INBOUND and not message.deleted:
        _touch_conversation(message.conversation, message)


def _match_echo(channel: Channel, item: InboundItem) -> Message | None:
    """Find the message an echo of our own send belongs to, before creating anything."""
    message = (
        Message.objects.select_for_update(no_key=True)
        .filter(channel=channel, external_id=item.external_id)
        .first()
    )
    if message is not None:
        return message
    if item.outbound_ref.isdigit():
        action = (
            OutboundAction.objects.select_related("message")
            .filter(pk=int(item.outbound_ref), channel=channel)
            .first()
        )
        if action and action.message and not action.message.external_id:
            message = action.message
            message.external_id = item.external_id
            message.save(update_fields=["external_id"])
            return message
    return None


def _on_new_message(conversation: Conversation, message: Message, result: IngestResult) -> None:
    if message.direction == Direction.INBOUND:
        result.new_inbound.append(message)
        _touch_conversation(conversation, message)
    else:
        # Someone answered in the platform's own app: that is an answer too.
        updates = {
            "last_message_at": _latest(conversation.last_message_at, message.platform_timestamp)
        }
        if conversation.first_response_at is None:
            updates["first_response_at"] = message.platform_timestamp
        if conversation.state == ConversationState.OPEN:
            updates["state"] = ConversationState.PENDING
        Conversation.objects.filter(pk=conversation.pk).update(**updates)
        for key, value in updates.items():  # a later item of the batch may hold it too
            setattr(conversation, key, value)
        AuditEvent.objects.create(
            conversation=conversation, verb="answered_natively", data={"message_id": message.pk}
        )


@dataclass
class _Touch:
    """What a batch's new customer messages do to one conversation's activity times."""

    first: Any
    last: Any
    preview: str


# conversation id -> its touch, while an optimistic pass gathers them (`_touches_gathered`).
_touches: contextvars.ContextVar[dict[int, _Touch] | None] = contextvars.ContextVar(
    "ingest_touches", default=None
)


def _touch_conversation(conversation: Conversation, message: Message) -> None:
    """A new customer message: activity times, preview, and reopen unless spam.

    The conversation in hand was read in this transaction a moment ago; the times are
    merged in SQL (earliest, latest) so that a concurrent worker's message is never undone.
    In a batch's optimistic pass the times and preview are gathered and written for all
    its conversations in one statement at the end (`_write_touches`); a reopening is
    written at once, so that a later change of state in the batch stays the last word.
    """
    at = message.platform_timestamp
    assert at is not None  # a customer message always has the platform's time
    preview = (message.text or _describe_attachments(message))[:300]
    in_hand: dict[str, Any] = {
        "first_inbound_at": _earliest(conversation.first_inbound_at, at),
        "last_inbound_at": _latest(conversation.last_inbound_at, at),
        "last_message_at": _latest(conversation.last_message_at, at),
    }
    if conversation.last_inbound_at is None or at >= conversation.last_inbound_at:
        in_hand["preview"] = preview
    updates: dict[str, Any] = {}
    if conversation.state != ConversationState.OPEN and not conversation.is_spam:
        updates["state"] = in_hand["state"] = ConversationState.OPEN
        updates["snoozed_until"] = in_hand["snoozed_until"] = None
        AuditEvent.objects.create(
            conversation=conversation,
            verb="reopened",
            data={"reason": "new customer message", "from_state": conversation.state},
        )
    gathered = _touches.get()
    if gathered is None:
        updates.update(_touch_expressions(at, at, preview))
    else:
        touch = gathered.get(conversation.pk)
        if touch is None:
            gathered[conversation.pk] = _Touch(at, at, preview)
        else:
            touch.first = min(touch.first, at)
            if at >= touch.last:  # as one message after the other: the newest shows
                touch.last, touch.preview = at, preview
    if updates:
        Conversation.objects.filter(pk=conversation.pk).update(**updates)
    for key, value in in_hand.items():
        setattr(conversation, key, value)


def _touch_expressions(first, last, preview: str) -> dict[str, Any]:
    return {
        "first_inbound_at": Least(Coalesce(F("first_inbound_at"), Value(first)), Value(first)),
        "last_inbound_at": Greatest(Coalesce(F("last_inbound_at"), Value(last)), Value(last)),
        "last_message_at": Greatest(Coalesce(F("last_message_at"), Value(last)), Value(last)),
        "preview": Case(
            When(
                Q(last_inbound_at__isnull=True) | Q(last_inbound_at__lte=last),
                then=Value(preview),
            ),
            default=F("preview"),
        ),
    }


@contextlib.contextmanager
def _touches_gathered():
    """Gather `_touch_conversation`'s times within the block; write them with
    `_write_touches` before it ends (inside the transaction)."""
    token = _touches.set({})
    try:
        yield
    finally:
        _touches.reset(token)


# The same merge as `_touch_expressions`, for every conversation of a batch at once.
_WRITE_TOUCHES = """
UPDATE inbox_conversation AS c SET
    first_inbound_at = LEAST(COALESCE(c.first_inbound_at, v.first), v.first),
    last_inbound_at = GREATEST(COALESCE(c.last_inbound_at, v.last), v.last),
    last_message_at = GREATEST(COALESCE(c.last_message_at, v.last), v.last),
    preview = CASE WHEN c.last_inbound_at IS NULL OR c.last_inbound_at <= v.last
                   THEN v.preview ELSE c.preview END
FROM (VALUES {rows}) AS v (id, first, last, preview)
WHERE c.id = v.id
"""


def _write_touches() -> None:
    gathered = _touches.get()
    if not gathered:
        return
    ids = sorted(gathered)  # rows locked in id order, as everywhere
    rows = ", ".join(["(%s::bigint, %s::timestamptz, %s::timestamptz, %s::text)"] * len(ids))
    params = [
        value
        for pk in ids
        for value in (pk, gathered[pk].first, gathered[pk].last, gathered[pk].preview)
    ]
    with connection.cursor() as cursor:
        cursor.execute(_WRITE_TOUCHES.format(rows=rows), params)
    gathered.clear()


def apply_receipt(channel: Channel, item: ReceiptItem, result: IngestResult) -> None:
    conversation = Conversation.objects.filter(
        channel=channel, external_thread_id=item.thread_id
    ).first()
    if conversation is None:
        return
    statuses = [DeliveryStatus.POSTED, DeliveryStatus.SENDING]
    if item.status == DeliveryStatus.READ:
        statuses.append(DeliveryStatus.DELIVERED)
    changed = Message.objects.filter(
        conversation=conversation,
        direction=Direction.OUTBOUND,
        platform_timestamp__lte=item.up_to,
        delivery_status__in=statuses,
    ).update(delivery_status=item.status)
    if changed:
        result.touched.add(conversation.pk)


def _describe_attachments(message: Message) -> str:
    kinds = [a.get("type", "file") for a in message.attachments]
    return f"[{', '.join(kinds)}]" if kinds else ""


def _earliest(a, b):
    return b if a is None else min(a, b)


def _latest(a, b):
    return b if a is None else max(a, b)
