"""Routing is durable work: a marker per message, all-or-nothing, idempotent, swept."""

from datetime import timedelta

import pytest
from django.db import OperationalError, connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from inbox import ingest, routing
from inbox.models import AuditEvent, EventState, InboundEvent, Message, Tag
from rules.models import Rule, Trigger
from tests.support import factories
from tests.support.testchat_events import ACCOUNT, event, post_events

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def channel():
    return factories.make_channel("testchat", external_id=ACCOUNT, name="Polaris Page")


@pytest.fixture
def tag_rule():
    return Rule.objects.create(
        name="Orders",
        trigger=Trigger.NEW_MESSAGE,
        conditions={},
        actions=[{"type": "add_tag", "value": "Orders"}],
    )


@pytest.fixture
def failing_listener():
    """A routing step that fails the way infrastructure fails: the database refuses."""
    calls = []

    def listener(conversation, message, *, new_conversation):
        calls.append(message.pk)
        if len(calls) == 1:
            raise OperationalError("server closed the connection unexpectedly")

    routing.routing_listeners.append(listener)
    yield calls
    routing.routing_listeners.remove(listener)


def hits(message) -> int:
    return AuditEvent.objects.filter(verb="rule_matched", data__message_id=message.pk).count()


def test_a_message_is_routed_once_however_often_it_is_routed(client, channel, tag_rule):
    post_events(client, event("c1", text="Where is my order?"))
    message = Message.objects.get()
    assert message.routed_at is not None and message.extra["intent"]
    assert not routing.route_message(message.pk)
    assert not routing.route_messages([message.pk, message.pk])
    assert hits(message) == 1
    tag_rule.refresh_from_db()
    assert tag_rule.hit_count == 1


def test_a_failed_routing_commits_nothing_and_the_sweep_routes_it_later(
    client, channel, tag_rule, failing_listener
):
    post_events(client, event("c1", text="Where is my order?"))
    message = Message.objects.get()
    # Stored and visible, but nothing of the routing stayed: not even the rule's hit.
    assert message.routed_at is None and "intent" not in message.extra
    assert hits(message) == 0
    assert routing.messages_due_for_sweep(grace=timedelta(minutes=1)) == []  # left to the fast path
    Message.objects.filter(pk=message.pk).update(created_at=timezone.now() - timedelta(minutes=2))
    assert routing.messages_due_for_sweep(grace=timedelta(minutes=1)) == [message.pk]

    assert routing.route_message(message.pk)
    message.refresh_from_db()
    assert message.routed_at is not None and message.extra["intent"]
    assert hits(message) == 1
    assert routing.messages_due_for_sweep(grace=timedelta(0)) == []


def test_a_bug_in_one_step_does_not_hold_the_message_back(client, channel, tag_rule):
    def broken(conversation, message, *, new_conversation):
        raise ValueError("a bug")

    routing.routing_listeners.insert(0, broken)
    try:
        post_events(client, event("c1", text="Where is my order?"))
    finally:
        routing.routing_listeners.remove(broken)
    message = Message.objects.get()
    assert message.routed_at is not None
    assert hits(message) == 1  # the rules still ran


def test_a_step_failing_after_the_rules_ran_counts_each_hit_once(client, channel, tag_rule):
    # The batch is first routed with no savepoint per step; this failure sends it round
    # again step by step, and what the first pass did (hits counted) must not stay.
    def broken(conversation, message, *, new_conversation):
        raise ValueError("a bug")

    routing.routing_listeners.append(broken)
    try:
        post_events(
            client,
            event("c1", thread="t1", text="Where is my order?", ts=100),
            event("c2", thread="t2", text="And mine?", ts=101),
        )
    finally:
        routing.routing_listeners.remove(broken)
    messages = list(Message.objects.all())
    assert len(messages) == 2
    assert all(m.routed_at is not None and hits(m) == 1 for m in messages)
    tag_rule.refresh_from_db()
    assert tag_rule.hit_count == 2


def test_only_the_first_customer_message_starts_a_conversation(client, channel):
    Rule.objects.create(
        name="Welcome",
        trigger=Trigger.NEW_CONVERSATION,
        conditions={},
        actions=[{"type": "add_tag", "value": "New"}],
    )
    post_events(client, event("c1", thread="t1", text="Hello", ts=100))
    post_events(client, event("c2", thread="t1", text="Anyone?", ts=200))
    first, second = Message.objects.order_by("platform_timestamp")
    assert [hits(first), hits(second)] == [1, 0]


DEAD_REDIS = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:9/0",
    }
}


def test_a_redis_outage_while_announcing_does_not_skip_routing(channel, tag_rule):
    stored = InboundEvent.objects.create(
        channel_kind="testchat",
        channel=channel,
        delivery_key="c1",
        payload=event("c1", text="Refund?"),
    )
    with override_settings(CACHES=DEAD_REDIS):  # the live feed cannot be written
        ingest.process_event(stored.pk)
    stored.refresh_from_db()
    message = Message.objects.get()
    assert stored.state == EventState.DONE
    assert message.routed_at is not None and message.extra["intent"]
    assert hits(message) == 1


@pytest.fixture
def breaks_after_writing(monkeypatch):
    """A rule action that tags the conversation "Half done", then breaks on a message
    saying "boom": a bug half-way through an action."""
    from inbox import conversations, deferred
    from inbox.models import Conversation
    from rules import registry
    from rules.registry import TEXT

    def compile_action(value=None, **_):
        def run(item, hit):
            if value == "priority":  # a column written at the batch's end (inbox/deferred.py)
                deferred.update(Conversation, item.conversation.pk, priority="urgent")
            else:
                conversations.conversation_tag(
                    conversation=item.conversation, name="Half done", rule_name=hit.rule_name
                )
            if "boom" in item.text:
                raise RuntimeError("broke after writing")
            return "half done"

        return run

    spec = registry.Spec("half_done", "Half done", registry.Param(TEXT, ""), compile_action)
    monkeypatch.setitem(registry.actions, "half_done", spec)


def conversation_tags(message) -> set[str]:
    return set(message.conversation.tags.values_list("name", flat=True))


def test_an_action_breaking_half_way_in_a_batch_is_undone_alone(
    client, channel, breaks_after_writing
):
    # A batch's rule actions run with no savepoint each; one that fails after it wrote must
    # still be undone alone, and cost neither the rule's other actions nor the other messages.
    rule = Rule.objects.create(
        name="Orders",
        trigger=Trigger.NEW_MESSAGE,
        conditions={},
        actions=[{"type": "half_done"}, {"type": "add_tag", "value": "Orders"}],
    )
    post_events(
        client,
        event("c1", thread="t1", text="Where is my order?", ts=100),
        event("c2", thread="t2", text="boom", ts=101),
        event("c3", thread="t3", text="And mine?", ts=102),
    )
    first, broken, third = Message.objects.order_by("platform_timestamp")
    assert conversation_tags(first) == conversation_tags(third) == {"Half done", "Orders"}
    assert conversation_tags(broken) == {"Orders"}
    outcome = AuditEvent.objects.get(verb="rule_matched", data__message_id=broken.pk)
    assert outcome.data["actions"] == ["half_done failed: RuntimeError", "tagged Orders"]
    assert all(m.routed_at is not None and m.extra["language"] for m in (first, broken, third))
    rule.refresh_from_db()
    assert rule.hit_count == 3


def test_a_rule_hit_is_written_once_before_what_its_actions_did(client, channel, tag_rule):
    with CaptureQueriesContext(connection) as captured:
        post_events(client, event("c1", text="Where is my order?"))
    message = Message.objects.get()
    verbs = list(
        AuditEvent.objects.filter(conversation=message.conversation).values_list("verb", "data")
    )
    assert [verb for verb, _ in verbs] == ["rule_matched", "tagged"]
    assert verbs[0][1]["actions"] == ["tagged Orders"]
    # Written with its outcomes, not inserted and then updated.
    assert not [q for q in captured if q["sql"].startswith('UPDATE "inbox_auditevent"')]


def test_a_greeting_after_a_complaint_in_one_batch_keeps_the_complaint(client, channel):
    # The batch's classification is written at its end; the second message of a
    # conversation must still see what the first one set.
    post_events(
        client,
        event("c1", thread="t1", text="My order arrived broken, I am very angry", ts=100),
        event("c2", thread="t1", text="Hello", ts=101),
    )
    first, second = Message.objects.order_by("platform_timestamp")
    assert (first.extra["intent"], second.extra["intent"]) == ("complaint", "other")
    first.conversation.refresh_from_db()
    assert (first.conversation.intent, first.conversation.language) == ("complaint", "en")


def test_an_action_breaking_after_it_set_a_column_in_a_batch_is_undone_alone(
    client, channel, breaks_after_writing
):
    Rule.objects.create(
        name="Urgent",
        trigger=Trigger.NEW_MESSAGE,
        conditions={},
        actions=[{"type": "half_done", "value": "priority"}],
    )
    post_events(
        client,
        event("c1", thread="t1", text="Where is my order?", ts=100),
        event("c2", thread="t2", text="boom", ts=101),
    )
    fine, broken = Message.objects.order_by("platform_timestamp")
    fine.conversation.refresh_from_db()
    broken.conversation.refresh_from_db()
    assert (fine.conversation.priority, broken.conversation.priority) == ("urgent", "normal")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="batches gather on PostgreSQL")
def test_a_batch_writes_its_timeline_in_one_insert_and_reads_a_tag_once(client, channel, agent2):
    """The audit rows of a routing batch (each hit, each change a rule made) are inserted
    together at its end; the outgoing webhooks, which listen to "assigned" rows, still
    store one delivery per assignment, and each timeline still reads hit, then its actions."""
    from webhooks_out.models import Delivery, Subscription

    Subscription.objects.create(
        url="https://hooks.example.com/in", events=["conversation.assigned"], signing={}
    )
    Rule.objects.create(
        name="To Boris",
        trigger=Trigger.NEW_MESSAGE,
        conditions={},
        actions=[{"type": "assign", "value": agent2.username}, {"type": "add_tag", "value": "VIP"}],
    )
    Tag.objects.create(name="VIP")
    threads = [f"t{n}" for n in range(5)]
    with CaptureQueriesContext(connection) as queries:
        post_events(
            client,
            *(
                event(f"c{n}", thread=t, text="Where is my order?", ts=100 + n)
                for n, t in enumerate(threads)
            ),
        )
    inserts = [q["sql"] for q in queries if q["sql"].startswith('INSERT INTO "inbox_auditevent"')]
    assert len(inserts) == 1
    # The tag, which existed, is looked up once for the batch.
    tag_reads = [q for q in queries if q["sql"].startswith('SELECT "inbox_tag"."id"')]
    assert len(tag_reads) == 1, [q["sql"] for q in tag_reads]
    for message in Message.objects.select_related("conversation"):
        timeline = list(
            message.conversation.audit_events.order_by("created_at", "id").values_list(
                "verb", flat=True
            )
        )
        assert timeline[-3:] == ["rule_matched", "assigned", "tagged"]
        assert message.conversation.assignee == agent2
    assert Delivery.objects.filter(event="conversation.assigned").count() == len(threads)
