"""Several workers at once: each event is processed once and each reply posted once.

The claims are conditional UPDATEs; on PostgreSQL (CI) the threads here really race.
"""

import threading

import pytest
from django.db import connection

from inbox import conversations, ingest, outbox
from inbox.models import EventState, InboundEvent, Message, OutboundAction
from tests.support import factories
from tests.support.testchat_events import ACCOUNT, event

pytestmark = pytest.mark.django_db(transaction=True)


def race(target, *args, workers: int = 6) -> None:
    """Run `target(*args)` in several threads released together, each with its own connection."""
    gate = threading.Barrier(workers)
    errors = []

    def run():
        try:
            gate.wait()
            target(*args)
        except Exception as exc:  # surfaced below, with the thread's error
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []


def test_one_event_raced_by_six_workers_is_processed_once():
    channel = factories.make_channel("testchat", external_id=ACCOUNT)
    stored = InboundEvent.objects.create(
        channel_kind="testchat",
        delivery_key="c1",
        channel=channel,
        payload=event("c1", text="Где мой заказ?"),
    )

    race(ingest.process_event, stored.pk)

    stored.refresh_from_db()
    assert stored.state == EventState.DONE
    assert stored.attempts == 1
    assert Message.objects.filter(external_id="c1").count() == 1


def test_one_reply_raced_by_six_workers_is_posted_once(testchat_platform, agent):
    channel = factories.make_channel("testchat", api_base_url=testchat_platform.url)
    conversation = factories.make_conversation(channel)
    message = conversations.conversation_reply(
        conversation=conversation, text="On it!", actor=agent
    )
    action = OutboundAction.objects.get(message=message)

    race(outbox.run_action, action.pk)

    action.refresh_from_db()
    assert action.state == "done" and action.attempts == 1
    assert [p["text"] for p in testchat_platform.posts] == ["On it!"]


def test_the_same_delivery_stored_by_six_requests_at_once_is_one_event():
    factories.make_channel("testchat", external_id=ACCOUNT)
    from inbox.connectors import EventToStore

    delivery = EventToStore(
        delivery_key="c9:add:1", payload=event("c9"), channel_external_id=ACCOUNT
    )

    def store():
        try:
            ingest.store_events("testchat", [delivery])
        except Exception as exc:  # an IntegrityError here would be a lost 200 for Meta
            raise AssertionError(f"storing a duplicate failed: {exc!r}") from exc

    race(store)

    assert InboundEvent.objects.filter(delivery_key="c9:add:1").count() == 1


def test_first_messages_of_one_new_thread_raced_make_one_conversation_and_one_customer():
    channel = factories.make_channel("testchat", external_id=ACCOUNT)
    ids = []
    for i in range(6):
        ids.append(
            InboundEvent.objects.create(
                channel_kind="testchat",
                delivery_key=f"m{i}",
                channel=channel,
                payload=event(
                    f"m{i}", thread="t-new", author="u-new", text=f"part {i}", ts=100 + i
                ),
            ).pk
        )
    claimed = iter(ids)
    lock = threading.Lock()

    def process_next():
        with lock:
            event_id = next(claimed)
        ingest.process_event(event_id)

    race(process_next)

    assert InboundEvent.objects.filter(state=EventState.DONE).count() == 6
    assert Message.objects.filter(conversation__external_thread_id="t-new").count() == 6
    from inbox.models import Contact, Conversation, Identity

    assert Conversation.objects.filter(external_thread_id="t-new").count() == 1
    assert Identity.objects.filter(external_id="u-new").count() == 1
    assert Contact.objects.count() == 1


def test_like_and_hide_of_one_comment_raced_by_two_workers_land_in_the_order_queued(
    testchat_platform, agent
):
    """Each round queues "like" then "hide" on a new comment and releases a worker on each at
    once: whichever starts first, the platform sees the like first, and both are done."""
    channel = factories.make_channel("testchat", api_base_url=testchat_platform.url)
    for round_ in range(5):
        target = factories.make_conversation(channel, text=f"Nice boots {round_}").messages.get()
        like, hide = (
            OutboundAction.objects.create(
                channel=channel,
                kind=kind,
                conversation=target.conversation,
                target=target,
                target_external_id=target.external_id,
                created_by=agent,
            )
            for kind in ("like", "hide")
        )
        gate = threading.Barrier(2)

        def run(action_id, gate=gate):
            try:
                gate.wait()
                outbox.run_action(action_id)
            finally:
                connection.close()

        threads = [threading.Thread(target=run, args=(a.pk,)) for a in (hide, like)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)

        paths = [path for _, path in testchat_platform.calls if target.external_id in path]
        assert paths == [
            f"/messages/{target.external_id}/like",
            f"/messages/{target.external_id}/hide",
        ], f"round {round_}"
        assert set(
            OutboundAction.objects.filter(target=target).values_list("state", flat=True)
        ) == {"done"}
