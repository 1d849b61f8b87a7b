"""Store first, then upsert idempotently: retries, disorder, edits and deletions."""

import random

import pytest

from inbox.models import (
    AuditEvent,
    Contact,
    Conversation,
    ConversationState,
    EventState,
    Identity,
    InboundEvent,
    Message,
)
from tests.support import factories
from tests.support.testchat_events import ACCOUNT, event, post_events

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def channel():
    return factories.make_channel("testchat", external_id=ACCOUNT, name="Polaris Page")


def test_same_event_ten_times_makes_one_message(client, channel):
    e = event("c1", text="Where is my order?")
    for _ in range(10):
        assert post_events(client, e).status_code == 200

    assert InboundEvent.objects.count() == 1
    assert Conversation.objects.count() == 1
    message = Message.objects.get()
    assert message.text == "Where is my order?"
    assert Identity.objects.count() == Contact.objects.count() == 1


def test_out_of_order_thread_with_edit_before_add_and_deletion(client, channel):
    thread = [
        event("c1", thread="t1", text="My jacket arrived torn", ts=100),
        event("c2", thread="t1", text="Hello??", ts=200, parent="c1"),
        event("c1", thread="t1", text="My jacket arrived torn, order 48213", verb="edit", ts=150),
        event("c3", thread="t1", text="spam link", ts=300, author="u9", name="Bot"),
        event("c3", thread="t1", verb="remove", ts=310, author="u9", name="Bot"),
        event("d1", thread="t2", text="Other thread", ts=120, author="u2", name="Lin"),
    ]
    # Every delivery ten times, in a shuffled order where the edit precedes its add and
    # the removal precedes the comment it removes.
    deliveries = [e for e in thread for _ in range(10)]
    random.Random(7).shuffle(deliveries)
    ordered = [thread[2], thread[4]] + deliveries
    for e in ordered:
        assert post_events(client, e).status_code == 200

    assert InboundEvent.objects.count() == 6  # one per distinct delivery
    assert set(Conversation.objects.values_list("external_thread_id", flat=True)) == {"t1", "t2"}
    t1 = Conversation.objects.get(external_thread_id="t1")
    messages = {m.external_id: m for m in t1.messages.all()}
    assert set(messages) == {"c1", "c2", "c3"}
    assert messages["c1"].text == "My jacket arrived torn, order 48213"
    assert messages["c1"].edited is True
    assert messages["c1"].placeholder is False
    assert messages["c3"].deleted is True
    assert messages["c3"].text == "spam link"
    assert messages["c2"].parent == messages["c1"]
    # Platform order, not arrival order.
    assert [m.external_id for m in t1.messages.order_by("platform_timestamp", "id")] == [
        "c1",
        "c2",
        "c3",
    ]
    assert Message.objects.count() == 4
    assert InboundEvent.objects.exclude(state=EventState.DONE).count() == 0


def test_edit_history_keeps_the_older_text(client, channel):
    post_events(client, event("c1", text="first", ts=100))
    post_events(client, event("c1", text="second", verb="edit", ts=200))
    post_events(client, event("c1", text="third", verb="edit", ts=300))
    post_events(client, event("c1", text="second", verb="edit", ts=200))  # late retry

    message = Message.objects.get()
    assert message.text == "third"
    assert [h["text"] for h in message.edit_history] == ["first", "second"]


def test_new_customer_message_reopens_a_closed_conversation(client, channel):
    post_events(client, event("c1", text="question", ts=100))
    conversation = Conversation.objects.get()
    Conversation.objects.filter(pk=conversation.pk).update(state=ConversationState.CLOSED)

    post_events(client, event("c2", text="one more thing", ts=200))

    conversation.refresh_from_db()
    assert conversation.state == ConversationState.OPEN
    assert conversation.preview == "one more thing"
    assert AuditEvent.objects.filter(conversation=conversation, verb="reopened").exists()


def test_forged_signature_is_refused_and_stores_nothing(client, channel):
    response = post_events(client, event("c1"), signature="0" * 64)
    assert response.status_code == 403
    assert InboundEvent.objects.count() == 0


def test_malformed_event_is_kept_for_inspection(client, channel):
    post_events(client, {"account": ACCOUNT, "id": "weird", "thread": "t1", "ts": 1})

    stored = InboundEvent.objects.get()
    assert stored.state == EventState.UNSUPPORTED
    assert "no text" in stored.last_error
    assert stored.payload["id"] == "weird"
    assert Message.objects.count() == 0


def test_event_for_an_unconnected_account_is_kept_as_failed(client, db):
    post_events(client, event("c1"))

    stored = InboundEvent.objects.get()
    assert stored.state == EventState.FAILED
    assert "no connected channel" in stored.last_error


def test_echo_of_a_native_send_is_an_agent_message_and_answers(client, channel):
    post_events(client, event("c1", text="hi", ts=100))
    post_events(
        client, event("r1", text="Hello from the Page app", ts=200, echo=True, author=ACCOUNT)
    )

    conversation = Conversation.objects.get()
    reply = Message.objects.get(external_id="r1")
    assert reply.direction == "out" and reply.sent_natively
    assert reply.author_identity is None
    assert conversation.state == ConversationState.PENDING
    assert conversation.first_response_at is not None


def test_a_large_webhook_batch_is_stored_not_refused(client, channel, monkeypatch):
    """Meta batches up to 1000 changes in one POST; Django's default 2.5 MB limit would 400."""
    # Storing is the point here, not processing: as if the broker were away for a moment.
    monkeypatch.setattr("inbox.queueing.publish", lambda *args, **kwargs: False)
    batch = [
        event(f"c{i}", thread=f"t{i % 50}", text="Где мой заказ? " * 400, ts=100 + i)
        for i in range(150)
    ]

    response = post_events(client, *batch)

    assert response.status_code == 200
    assert InboundEvent.objects.count() == 150
