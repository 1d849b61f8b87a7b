"""Outgoing webhooks with a real Celery worker process and a real broker: a worker killed
with SIGKILL mid-delivery loses nothing (the next worker's sweep sends it, once), and a
receiver failing three times gets the event once after the retries.

Time passes by moving the rows' due times; the worker does every post.
"""

import json
import os
import signal
import threading
import time
from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone

from inbox import conversations as ops
from switchboard.standin_server import served
from tests.support import factories
from tests.support.worker import celery_worker, queueing_for_real, wait_until
from webhooks_out import tasks
from webhooks_out.models import Delivery, Subscription
from webhooks_out.schedule import STALE_SENDING

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

HELD_SECONDS = 30


class Receiver:
    """Answers the given statuses in turn, then 200. With `hold_first`, the first request
    sleeps (a slow receiver) and its late answer goes to a worker that is gone."""

    def __init__(self, statuses=(), *, hold_first=False):
        self.statuses = list(statuses)
        self.hold_first = hold_first
        self.requests = []
        self.arrived = threading.Event()
        self.lock = threading.Lock()

    def __call__(self, environ, start_response):
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        with self.lock:
            held = self.hold_first and not self.requests
            status = 200 if held or not self.statuses else self.statuses.pop(0)
            self.requests.append(
                {
                    "uid": environ.get("HTTP_SWITCHBOARD_DELIVERY"),
                    "body": body,
                    "held": held,
                    "status": status,
                }
            )
        self.arrived.set()
        if held:
            time.sleep(HELD_SECONDS)
        start_response(f"{status} X", [("Content-Type", "text/plain")])
        return [b"ok" if status == 200 else b"oops"]


@pytest.fixture
def broker_url():
    return os.environ.get("REDIS_URL") or "filesystem://"


@pytest.fixture
def worker_env(broker_url):
    with queueing_for_real(broker_url) as env:
        yield {**env, "SWITCHBOARD_ALLOW_PRIVATE_WEBHOOKS": "1"}


def subscribe(url):
    return Subscription.objects.create(
        url=url, events=["conversation.closed"], signing={"secret": "whsec_test"}
    )


def state_of(delivery_id):
    return Delivery.objects.values_list("state", "attempts").get(pk=delivery_id)


@override_settings(SWITCHBOARD_ALLOW_PRIVATE_WEBHOOKS=True)
def test_a_worker_killed_mid_delivery_loses_nothing_and_sends_it_once(worker_env, manager):
    with served(Receiver(hold_first=True)) as receiver:
        subscribe(receiver.url + "/hook")
        conversation = factories.make_conversation()
        with celery_worker(worker_env) as worker:
            ops.conversation_close(conversation=conversation, actor=manager)
            assert receiver.arrived.wait(60), "the worker never posted"
            os.kill(worker.pid, signal.SIGKILL)  # mid-post: the receiver is still thinking
            worker.wait(timeout=10)

        delivery = Delivery.objects.get()
        assert state_of(delivery.pk) == ("sending", 1)  # claimed, outcome never recorded
        # The sweep takes over a "sending" row once it is older than STALE_SENDING.
        Delivery.objects.filter(pk=delivery.pk).update(
            last_attempt_at=timezone.now() - STALE_SENDING - timedelta(seconds=1)
        )
        with celery_worker(worker_env):
            tasks.sweep.delay()  # what beat does every minute
            wait_until(lambda: state_of(delivery.pk)[0] == "delivered", timeout=60)
            tasks.sweep.delay()  # again: nothing left to send, nothing sent twice
            time.sleep(2)

    killed, resent = receiver.requests  # exactly one post after the new worker started
    assert killed["held"] and not resent["held"]
    assert killed["uid"] == resent["uid"] == delivery.uid
    assert killed["body"] == resent["body"]  # the same event, byte for byte
    assert json.loads(resent["body"])["data"]["conversation"]["id"] == conversation.pk
    assert state_of(delivery.pk) == ("delivered", 2)


@override_settings(SWITCHBOARD_ALLOW_PRIVATE_WEBHOOKS=True)
def test_a_receiver_failing_three_times_gets_it_once_after_the_workers_retries(worker_env, manager):
    with served(Receiver([500, 500, 500])) as receiver:
        subscribe(receiver.url + "/hook")
        with celery_worker(worker_env):
            ops.conversation_close(conversation=factories.make_conversation(), actor=manager)
            wait_until(lambda: Delivery.objects.filter(attempts=1, state="pending").exists())
            delivery = Delivery.objects.get()
            for attempt in (2, 3, 4):
                # The retry's time comes: beat's sweep finds it and the worker sends it. (The
                # retry the worker holds for later finds it claimed and does nothing.)
                Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
                tasks.sweep.delay()
                wait_until(
                    lambda attempt=attempt: (
                        state_of(delivery.pk)[1] == attempt
                        and state_of(delivery.pk)[0] in ("pending", "delivered")
                    ),
                    timeout=60,
                    message=f"attempt {attempt}",
                )
            tasks.sweep.delay()
            time.sleep(2)

    assert state_of(delivery.pk) == ("delivered", 4)
    assert [r["status"] for r in receiver.requests] == [500, 500, 500, 200]  # accepted once
    assert {r["uid"] for r in receiver.requests} == {delivery.uid}
    assert len({r["body"] for r in receiver.requests}) == 1
