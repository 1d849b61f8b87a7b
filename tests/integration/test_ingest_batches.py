"""The worker takes the fresh events waiting for a channel together, and each still counts
alone: a bad one fails by itself, each is claimed once, and one that was tried before (its
worker died) is tried alone."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from inbox import ingest
from inbox.models import Conversation, EventState, InboundEvent, Message
from tests.support import factories
from tests.support.testchat_events import ACCOUNT, event

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def channel():
    if not connection.features.has_select_for_update_skip_locked:
        pytest.skip("batches take rows with SKIP LOCKED (PostgreSQL)")
    return factories.make_channel("testchat", external_id=ACCOUNT, name="Polaris Page")


def stored(channel, payload, **fields) -> InboundEvent:
    return InboundEvent.objects.create(
        channel_kind="testchat",
        channel=channel,
        delivery_key=f"{payload['id']}:add",
        payload=payload,
        **fields,
    )


def test_one_task_processes_the_waiting_events_and_a_bad_one_fails_alone(channel):
    good = [
        stored(channel, event(f"c{i}", thread=f"t{i}", text=f"Where is order {i}?", ts=100 + i))
        for i in range(4)
    ]
    # A thread id longer than the database keeps: refused by PostgreSQL when applied.
    bad = stored(channel, event("c-bad", thread="x" * 1000, text="hello", ts=99))

    result = ingest.process_batch(good[0].pk)

    assert len(result.new_inbound) == 4
    for one in good:
        one.refresh_from_db()
        assert (one.state, one.attempts) == (EventState.DONE, 1)
    bad.refresh_from_db()
    assert bad.state == EventState.FAILED
    assert "DataError" in bad.last_error
    messages = Message.objects.filter(external_id__in=[f"c{i}" for i in range(4)])
    assert messages.count() == 4
    # Routed in the same pass: classified, and the SLA and rules ran.
    assert all(m.routed_at is not None and m.extra.get("language") for m in messages)
    assert Conversation.objects.filter(channel=channel).count() == 4
    # Their own tasks, delivered later, find nothing left to do.
    for one in [*good[1:], bad]:
        assert ingest.process_batch(one.pk) is None
    assert set(InboundEvent.objects.values_list("attempts", flat=True)) == {1}


def test_an_event_tried_before_is_tried_alone(channel):
    crashed = stored(
        channel,
        event("c1", thread="t1", ts=100),
        state=EventState.PROCESSING,
        attempts=1,
        claimed_at=timezone.now() - ingest.STALE_CLAIM - timedelta(seconds=1),
    )
    fresh = stored(channel, event("c2", thread="t2", ts=101))

    ingest.process_batch(crashed.pk)

    crashed.refresh_from_db()
    fresh.refresh_from_db()
    assert (crashed.state, crashed.attempts) == (EventState.DONE, 2)
    assert (fresh.state, fresh.attempts) == (EventState.STORED, 0)


def test_a_batch_costs_fewer_statements_per_event_than_events_one_by_one(channel):
    def per_event(n: int, limit: int, first_ts: int) -> float:
        events = [
            stored(channel, event(f"m{first_ts + i}", thread=f"u{first_ts + i}", ts=first_ts + i))
            for i in range(n)
        ]
        with CaptureQueriesContext(connection) as captured:
            for one in events:
                ingest.process_batch(one.pk, limit=limit)
        assert not InboundEvent.objects.exclude(state=EventState.DONE).exists()
        return len(captured) / n

    alone = per_event(10, 1, 1000)
    together = per_event(10, 50, 2000)

    assert together < alone * 0.8


def test_a_channel_task_takes_what_waits_and_queues_the_next_one_when_its_batch_is_full(
    channel,
):
    events = [
        stored(channel, event(f"w{i}", thread=f"w{i}", text=f"question {i}?", ts=300 + i))
        for i in range(5)
    ]

    # Two at a time: each full batch queues the channel's next task (run at once here,
    # as the tests' tasks are eager) before it processes its own.
    ingest.process_waiting(channel.pk, limit=2)

    for one in events:
        one.refresh_from_db()
        assert (one.state, one.attempts) == (EventState.DONE, 1)
    assert Message.objects.filter(channel=channel, routed_at__isnull=False).count() == 5
    assert ingest.process_waiting(channel.pk) is None  # nothing left


def test_a_burst_of_deliveries_for_one_channel_is_taken_by_its_channel_task(channel, client):
    # (That the broker then holds one task for the burst: test_sweep.py.)
    from inbox.models import InboundEvent as Event
    from tests.support.testchat_events import post_events

    post_events(client, *[event(f"b{i}", thread=f"b{i}", ts=400 + i) for i in range(3)])

    assert set(Event.objects.values_list("state", flat=True)) == {EventState.DONE}
    assert Event.objects.filter(queued_at__isnull=False).count() == 3


def test_a_batch_reads_what_its_items_look_up_once_and_finds_what_it_created(channel):
    before = stored(channel, event("old", thread="o1", text="An old question", ts=10))
    ingest.process_batch(before.pk)
    payloads = [
        event("n1", thread="n1", text="Hi, a question", author="new", ts=100),
        event("n2", thread="n1", text="And one more", author="new", parent="n1", ts=101),
        event("n1", thread="n1", text="Hi, a better question", verb="edit", author="new", ts=102),
        event("o2", thread="o1", text="Still waiting", parent="old", ts=103),
        event("n4", thread="n3", text="Reply first", parent="n3", author="new", ts=104),
        event("n3", thread="n3", text="Its parent, later", author="new", ts=105),
    ]
    events = [
        InboundEvent.objects.create(
            channel_kind="testchat",
            channel=channel,
            delivery_key=f"{p['id']}:{p['verb']}",
            payload=p,
        )
        for p in payloads
    ]

    with CaptureQueriesContext(connection) as captured:
        ingest.process_batch(events[0].pk)

    assert set(InboundEvent.objects.values_list("state", flat=True)) == {EventState.DONE}
    # Customers looked up by their platform id: once for the batch, not once per item.
    by_platform_id = [q["sql"] for q in captured if '"inbox_identity"."platform" =' in q["sql"]]
    assert len(by_platform_id) == 1, by_platform_id
    new = Message.objects.get(external_id="n1")
    assert (new.text, new.edited) == ("Hi, a better question", True)
    # The second comment of a customer first seen in this batch: the same contact, thread.
    assert new.author_identity.contact.identities.count() == 1
    assert Message.objects.get(external_id="n2").conversation_id == new.conversation_id
    assert Message.objects.get(external_id="n2").parent_id == new.pk
    assert Message.objects.get(external_id="o2").parent == Message.objects.get(external_id="old")
    assert Message.objects.get(external_id="n4").parent == Message.objects.get(external_id="n3")
    assert Conversation.objects.filter(channel=channel).count() == 3


def test_a_batch_writes_each_conversations_activity_once_newest_preview_winning(channel):
    first = stored(channel, event("a1", thread="a", text="First", ts=100))
    ingest.process_batch(first.pk)
    Conversation.objects.filter(external_thread_id="a").update(state="closed")
    # Out of order within the batch: the newest message's text is the preview.
    later = [
        stored(channel, event("a3", thread="a", text="Newest", ts=300)),
        stored(channel, event("a2", thread="a", text="Middle", ts=200)),
        stored(channel, event("a0", thread="a", text="Before all", ts=50)),
    ]

    with CaptureQueriesContext(connection) as captured:
        ingest.process_batch(later[0].pk)

    convo = Conversation.objects.get(external_thread_id="a")
    assert convo.preview == "Newest"
    assert (convo.first_inbound_at.timestamp(), convo.last_inbound_at.timestamp()) == (50, 300)
    assert convo.state == "open"  # reopened by the customer's message
    touches = [q["sql"] for q in captured if "UPDATE inbox_conversation AS c" in q["sql"]]
    assert len(touches) == 1
