"""Queueing for real: a Celery worker process, a real broker, the test database.

With REDIS_URL set (CI) the broker is that Redis; otherwise the file broker `make run` uses.
The broker-outage test runs a private redis-server so that it can stop it.
"""

import subprocess

import pytest

from inbox import conversations
from inbox.models import (
    ActionState,
    Conversation,
    EventState,
    InboundEvent,
    Message,
    OutboundAction,
)
from inbox.tasks import sweep
from tests.support import factories
from tests.support.testchat_events import ACCOUNT, event, post_events
from tests.support.worker import celery_worker, free_port, queueing_for_real, wait_until

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def broker_url():
    import os

    return os.environ.get("REDIS_URL") or "filesystem://"


@pytest.fixture
def platform(testchat_platform):
    return testchat_platform


def all_done():
    return not InboundEvent.objects.exclude(state=EventState.DONE).exists()


def test_worker_processes_events_and_actions(client, broker_url, platform, agent):
    channel = factories.make_channel("testchat", external_id=ACCOUNT, api_base_url=platform.url)
    with queueing_for_real(broker_url) as env, celery_worker(env):
        for i in range(5):
            post_events(client, event(f"c{i}", thread=f"t{i}", text=f"question {i}", ts=100 + i))
        wait_until(
            lambda: InboundEvent.objects.count() == 5 and all_done(),
            message="the worker to process 5 events",
        )
        conversation = Conversation.objects.get(external_thread_id="t0")
        conversations.conversation_reply(conversation=conversation, text="Answer", actor=agent)
        wait_until(
            lambda: OutboundAction.objects.filter(state=ActionState.DONE).exists(),
            message="the worker to post the reply",
        )

    assert Conversation.objects.filter(channel=channel).count() == 5
    assert [p["text"] for p in platform.posts] == ["Answer"]
    assert Message.objects.get(text="Answer").external_id == platform.posts[0]["id"]


@pytest.fixture
def private_redis(redis_server_binary, tmp_path):
    """A redis-server of our own, so the test can take the broker away and bring it back."""
    port = free_port()
    command = [
        redis_server_binary,
        "--port",
        str(port),
        "--bind",
        "127.0.0.1",
        "--save",
        "",
        "--appendonly",
        "no",
        "--dir",
        str(tmp_path),
    ]

    class Server:
        url = f"redis://127.0.0.1:{port}/0"
        process = None

        def start(self):
            self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
            wait_until(self._answers, timeout=10, message="redis-server to start")

        def stop(self):
            self.process.terminate()
            self.process.wait(timeout=10)

        def _answers(self):
            import redis

            try:
                return redis.Redis.from_url(self.url).ping()
            except redis.ConnectionError:
                return False

    server = Server()
    yield server
    if server.process and server.process.poll() is None:
        server.stop()


def test_events_posted_while_the_broker_is_down_are_processed_once_it_is_back(
    client, private_redis
):
    factories.make_channel("testchat", external_id=ACCOUNT)
    with queueing_for_real(private_redis.url) as env:
        # The broker is down: the webhook still answers 200 and the events are stored.
        events = [
            event(f"c{i}", thread=f"t{i % 3}", text=f"message {i}", ts=100 + i) for i in range(12)
        ]
        for e in events + events[:4]:  # and Meta retries some of them
            assert post_events(client, e).status_code == 200
        assert InboundEvent.objects.count() == 12
        assert InboundEvent.objects.filter(state=EventState.STORED).count() == 12
        assert Message.objects.count() == 0

        private_redis.start()
        with celery_worker({**env, "SWEEP_GRACE_SECONDS": "0"}):
            sweep.delay()  # what beat does every 30 seconds
            # sweep itself runs on the worker and queues every stored event there
            wait_until(all_done, message="the sweep to get every stored event processed")

    assert Message.objects.count() == 12
    assert sorted(Message.objects.values_list("external_id", flat=True)) == sorted(
        f"c{i}" for i in range(12)
    )
    assert Conversation.objects.count() == 3
    assert InboundEvent.objects.filter(attempts=1).count() == 12  # none processed twice
