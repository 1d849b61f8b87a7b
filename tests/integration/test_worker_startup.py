"""A worker starts warm: the classifier's models are loaded before it says "ready.", so
the first customer message does not wait for them (nor do the ones queued behind it)."""

import os
import re

import pytest

from inbox.models import Message
from tests.support import factories
from tests.support.testchat_events import ACCOUNT, event, post_events
from tests.support.worker import celery_worker, queueing_for_real, wait_until

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

LOADED = re.compile(r"classifier loaded in (\d+\.\d) s, (\d+) MB \((\d) languages")


def test_the_worker_loads_the_classifier_before_it_is_ready(client, testchat_platform):
    factories.make_channel("testchat", external_id=ACCOUNT, api_base_url=testchat_platform.url)
    broker_url = os.environ.get("REDIS_URL") or "filesystem://"
    with queueing_for_real(broker_url) as env, celery_worker(env) as worker:
        post_events(client, event("c1", text="Wann kommt meine Bestellung endlich an?"))
        wait_until(
            lambda: Message.objects.filter(external_id="c1", extra__has_key="intent").exists(),
            message="the worker to classify the first message",
        )
    log = worker.output
    loaded = LOADED.search(log)
    assert loaded, log[-3000:]
    assert loaded.start() < log.index("ready.")
    seconds, megabytes, languages = float(loaded[1]), int(loaded[2]), int(loaded[3])
    assert seconds > 0 and languages == 6
    assert 0 < megabytes < 600  # the six high-accuracy models, not the ~500 MB of twenty
    assert Message.objects.get(external_id="c1").extra["language"] == "de"


def test_prefork_children_classify_with_the_models_loaded_before_the_fork(
    client, testchat_platform
):
    # The models are loaded in the main process and inherited; a child must not hang on them.
    factories.make_channel("testchat", external_id=ACCOUNT, api_base_url=testchat_platform.url)
    broker_url = os.environ.get("REDIS_URL") or "filesystem://"
    texts = [
        "我的订单什么时候发货？",
        "Здравствуйте, когда будет доставка?",
        "Tere, millal mu pakk kohale jõuab?",
        "¿Cuándo llega mi pedido?",
    ]
    with queueing_for_real(broker_url) as env, celery_worker(env, pool="prefork", ready_timeout=60):
        for i, text in enumerate(texts):
            post_events(client, event(f"c{i}", thread=f"t{i}", text=text, ts=100 + i))
        wait_until(
            lambda: Message.objects.filter(extra__has_key="intent").count() == 4,
            timeout=60,
            message="the pool to classify four messages",
        )
    assert [Message.objects.get(external_id=f"c{i}").extra["language"] for i in range(4)] == [
        "zh",
        "ru",
        "et",
        "es",
    ]
