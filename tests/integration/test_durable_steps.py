"""Nothing is "done" until everything that must happen to it has happened (docs/architecture.md).

A real Celery worker, killed with SIGKILL half-way through routing a customer message (the
message stored and its event done, the rules run but not committed): after a restart and
the sweep, every conversation is classified and routed, and each rule applied once.
"""

import os
import signal

import pytest

from inbox import routing
from inbox.models import AuditEvent, Conversation, EventState, InboundEvent, Message, SavedReply
from inbox.tasks import sweep
from rules.models import Rule, Trigger
from tests.support import factories
from tests.support.testchat_events import ACCOUNT, event, post_events
from tests.support.worker import celery_worker, queueing_for_real, wait_until

THREADS = ["t0", "t1", "t2"]


@pytest.fixture
def broker_url():
    return os.environ.get("REDIS_URL") or "filesystem://"


@pytest.fixture
def routed_by_rule(db):
    SavedReply.objects.create(title="On it", body="Thanks, we are looking into it.")
    return Rule.objects.create(
        name="Orders",
        trigger=Trigger.NEW_MESSAGE,
        conditions={},
        actions=[
            {"type": "add_tag", "value": "Orders"},
            {"type": "set_priority", "value": "high"},
            {"type": "reply", "value": "On it"},
        ],
    )


def everything_routed() -> bool:
    return (
        InboundEvent.objects.count() == len(THREADS)
        and not InboundEvent.objects.exclude(state=EventState.DONE).exists()
        and Message.objects.filter(direction="in").count() == len(THREADS)
        and not Message.objects.filter(direction="in", routed_at__isnull=True).exists()
    )


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_worker_killed_between_stored_and_routed_ends_with_everything_routed_once(
    client, broker_url, testchat_platform, routed_by_rule, tmp_path
):
    factories.make_channel("testchat", external_id=ACCOUNT, api_base_url=testchat_platform.url)
    paused = tmp_path / "routing-paused"
    with queueing_for_real(broker_url) as env:
        with celery_worker({**env, "TESTCHAT_PAUSE_ROUTING": str(paused)}) as worker:
            for i, thread in enumerate(THREADS):
                post_events(
                    client,
                    event(f"c{i}", thread=thread, text=f"Where is my order {i}?", ts=100 + i),
                )
            # Generous: a cold worker loads the language models before its first routing.
            wait_until(
                paused.exists, timeout=120, message="the worker to store a message and route it"
            )
            os.kill(worker.pid, signal.SIGKILL)
            worker.wait(timeout=10)

        # Killed mid-routing: the message is stored (agents see it), its event is done, and
        # nothing of the routing committed: no classification, no rule hit.
        stopped = Message.objects.get(pk=int(paused.read_text()))
        assert stopped.routed_at is None and "intent" not in stopped.extra
        assert not AuditEvent.objects.filter(verb="rule_matched").exists()

        with celery_worker({**env, "SWEEP_GRACE_SECONDS": "0"}):
            sweep.delay()  # what beat does every 30 seconds
            wait_until(everything_routed, timeout=120, message="every message to be routed")
            wait_until(
                lambda: len(testchat_platform.posts) == len(THREADS),
                timeout=60,
                message="the rule's reply to be posted in every thread",
            )
            sweep.delay()  # once more: nothing is left to do, nothing happens twice
            wait_until(lambda: not routing.messages_due_for_sweep(), message="an idle sweep")

    for thread in THREADS:
        conversation = Conversation.objects.get(external_thread_id=thread)
        assert conversation.intent and conversation.language, "classified"
        assert list(conversation.tags.values_list("name", flat=True)) == ["Orders"]
        assert conversation.priority == "high"
        assert (
            AuditEvent.objects.filter(conversation=conversation, verb="rule_matched").count() == 1
        )
    routed_by_rule.refresh_from_db()
    assert routed_by_rule.hit_count == len(THREADS)
    assert sorted(p["thread"] for p in testchat_platform.posts) == THREADS
