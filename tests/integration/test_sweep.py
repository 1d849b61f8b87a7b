"""The sweep against a real broker with no worker yet: it queues what the broker never got,
never what is already waiting there, and it travels on its own queue."""

import os
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from inbox import ingest
from inbox.models import EventState, InboundEvent
from inbox.tasks import sweep
from tests.support import factories
from tests.support.testchat_events import ACCOUNT, event, post_events
from tests.support.worker import queueing_for_real

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def broker_url():
    return os.environ.get("REDIS_URL") or "filesystem://"


def waiting(env, queue: str) -> int:
    """How many messages wait in `queue` of the broker the test publishes to."""
    if env["CELERY_BROKER_URL"].startswith("filesystem"):
        return len(list(Path(env["SWITCHBOARD_BROKER_DIR"]).glob(f"*.{queue}.msg")))
    import redis

    return redis.Redis.from_url(env["CELERY_BROKER_URL"]).llen(queue)


def age_events(by: timedelta) -> None:
    InboundEvent.objects.update(received_at=timezone.now() - by)


def test_the_sweep_does_not_queue_again_what_is_waiting_in_the_broker(client, broker_url):
    factories.make_channel("testchat", external_id=ACCOUNT)
    with queueing_for_real(broker_url) as env:
        queue = env["CELERY_QUEUE"]
        for i in range(5):
            post_events(client, event(f"c{i}", thread=f"t{i}", text=f"hello {i}", ts=100 + i))
        # One task for the channel's burst: it takes every event waiting when it starts.
        assert waiting(env, queue) == 1
        # A backlog: no worker has taken them, and they are past the sweep's grace.
        age_events(timedelta(minutes=1))

        assert sweep() == {"events": 0, "actions": 0, "messages": 0, "contexts": 0, "profiles": 0}
        assert sweep() == {"events": 0, "actions": 0, "messages": 0, "contexts": 0, "profiles": 0}
        assert waiting(env, queue) == 1

        # Queued so long ago that the broker must have lost them: queued again, once.
        InboundEvent.objects.update(
            queued_at=timezone.now() - ingest.REQUEUE_AFTER - timedelta(seconds=1)
        )
        assert sweep()["events"] == 5
        assert sweep()["events"] == 0
        assert waiting(env, queue) == 1 + 5


def test_events_the_broker_never_got_and_due_retries_are_queued(client, broker_url):
    channel = factories.make_channel("testchat", external_id=ACCOUNT)
    with queueing_for_real(broker_url) as env:
        queue = env["CELERY_QUEUE"]
        never_queued = InboundEvent.objects.create(
            channel_kind="testchat",
            channel=channel,
            delivery_key="lost",
            payload={},
            received_at=timezone.now() - timedelta(minutes=1),
        )
        retry = InboundEvent.objects.create(
            channel_kind="testchat",
            channel=channel,
            delivery_key="retry",
            payload={},
            state=EventState.RETRY,
            attempts=1,
            next_attempt_at=timezone.now(),
            # queued for its first try, which a worker took and failed
            queued_at=timezone.now() - timedelta(seconds=40),
            claimed_at=timezone.now() - timedelta(seconds=39),
        )
        assert sorted(ingest.events_due_for_sweep()) == sorted([never_queued.pk, retry.pk])
        assert sweep()["events"] == 2
        assert ingest.events_due_for_sweep() == []
        assert waiting(env, queue) == 2


def test_the_sweep_travels_on_the_upkeep_queue_not_behind_the_ingest_backlog(client, broker_url):
    factories.make_channel("testchat", external_id=ACCOUNT)
    with queueing_for_real(broker_url) as env:
        queue = env["CELERY_QUEUE"]
        for i in range(3):
            post_events(client, event(f"c{i}", thread=f"t{i}", text=f"hello {i}", ts=100 + i))
        sweep.delay()  # what beat does every 30 seconds
        assert waiting(env, queue) == 1  # one task for the channel's three events
        assert waiting(env, f"{queue}.upkeep") == 1
