"""The demo's X stand-in: its traffic is heard by the same poll as production."""

from __future__ import annotations

import random

import pytest

from channels_tw.standin import demo
from inbox import polling
from inbox.models import Channel, Conversation, Message
from switchboard.standin_server import serve_in_thread

pytestmark = pytest.mark.django_db


def test_demo_traffic_becomes_mentions_searches_and_dms(django_capture_on_commit_callbacks):
    app = demo.create_app()
    running = serve_in_thread(app)
    try:
        demo.setup_channels(running.url)
        demo.setup_channels(running.url)  # idempotent
        rng = random.Random(4)
        for _ in range(40):
            demo.traffic_tick(app, rng)
        channel = Channel.objects.get(kind="x")
        with django_capture_on_commit_callbacks(execute=True):
            polling.poll_channel(channel.pk)
    finally:
        running.stop()
    customer_items = [t for t in app.tweets.values() if t["author_id"] != demo.BRAND_ID]
    assert Message.objects.filter(channel=channel).count() == len(customer_items) + len(
        app.dm_events
    )
    kinds = set(Conversation.objects.filter(channel=channel).values_list("kind", flat=True))
    assert kinds == {"mention", "search", "dm"}
    tags = set(
        Conversation.objects.filter(channel=channel, kind="search").values_list(
            "tags__name", flat=True
        )
    )
    assert tags <= {"Brand name", "#polariscare", "Website"} and "Brand name" in tags
    languages = {m.extra.get("lang") for m in Message.objects.filter(channel=channel)} - {None}
    assert len(languages) >= 4
