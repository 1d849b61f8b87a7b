"""Two Celery worker processes on one PostgreSQL and one broker, as docker-compose scales them.

A burst of deliveries for one channel is split into batches that the two processes take
side by side (inbox/ingest.py process_waiting): each event is processed once, each message
routed once, and round-robin turns, which both processes give out at the same time, stay
fair. Nothing here lives in one process's memory.
"""

import pytest

from accounts.models import Team
from inbox.models import AuditEvent, Conversation, EventState, InboundEvent, Message
from rules.models import Rule
from tests.support import factories
from tests.support.testchat_events import ACCOUNT, event, post_events
from tests.support.worker import celery_worker, queueing_for_real, shared_broker_url, wait_until

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

EVENTS = 40


@pytest.fixture
def broker_url():
    return shared_broker_url("two worker processes")


def test_two_worker_processes_share_a_burst_once_each_and_take_fair_turns(
    client, broker_url, agent, agent2
):
    factories.make_channel("testchat", external_id=ACCOUNT)
    team = Team.objects.create(name="Support")
    team.members.add(agent, agent2)
    Rule.objects.create(
        name="Share the new ones",
        trigger="new_conversation",
        conditions={},
        actions=[{"type": "assign_round_robin", "value": "Support"}],
    )
    with queueing_for_real(broker_url) as env:
        env = {**env, "INGEST_BATCH_SIZE": "5"}  # batches small enough for both to get some
        with celery_worker(env) as first, celery_worker(env) as second:
            for i in range(EVENTS):
                post_events(client, event(f"c{i}", thread=f"t{i}", text=f"Order {i}?", ts=100 + i))
            wait_until(
                lambda: (
                    InboundEvent.objects.filter(state=EventState.DONE).count() == EVENTS
                    and not Message.objects.filter(routed_at__isnull=True).exists()
                ),
                timeout=120,
                message=f"the two workers to process and route {EVENTS} events",
            )
    # Each event was claimed once, and made one message in its own conversation.
    assert set(InboundEvent.objects.values_list("attempts", flat=True)) == {1}
    assert Message.objects.count() == Conversation.objects.count() == EVENTS
    # The rule ran once per new conversation, whichever process routed it...
    assert AuditEvent.objects.filter(verb="rule_matched").count() == EVENTS
    assert Rule.objects.get().hit_count == EVENTS
    # ...and the turns alternated across both processes.
    owners = list(Conversation.objects.values_list("assignee__username", flat=True))
    assert sorted(owners.count(name) for name in ("anna", "boris")) == [EVENTS // 2] * 2
    # Both processes did part of the work.
    for worker in (first, second):
        assert "process_channel_events" in worker.output
