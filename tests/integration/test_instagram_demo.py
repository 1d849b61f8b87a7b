"""The demo's Instagram sandbox: multilingual traffic reaches the inbox over real HTTP, and
what an agent posts shows up in the stand-in."""

from __future__ import annotations

import random

import pytest

from channels_ig.standin import demo
from inbox.conversations import conversation_reply
from inbox.models import Channel, Conversation, EventState, InboundEvent, Message
from switchboard.standin_server import served
from tests.support.instagram import wait_for

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def sandbox(live_server):
    app = demo.create_app()
    app.webhooks.callback_url = f"{live_server.url}/webhooks/instagram/"
    with served(app):
        demo.setup_channels(app.url)
        demo.setup_channels(app.url)  # idempotent
        yield app
        app.webhooks.stop()


def test_demo_traffic_becomes_conversations_and_agent_replies_reach_the_standin(sandbox, agent):
    rng = random.Random(7)
    for _ in range(25):
        demo.traffic_tick(sandbox, rng)
    assert sandbox.webhooks.wait_idle(15)
    wait_for(
        lambda: not InboundEvent.objects.exclude(state=EventState.DONE).exists(),
        what="demo events processed",
    )

    assert Channel.objects.filter(kind="instagram").count() == 1
    kinds = set(Conversation.objects.values_list("kind", flat=True))
    assert {"comment", "dm"} <= kinds
    texts = " ".join(Message.objects.values_list("text", flat=True))
    assert any(ch in texts for ch in "äöõüñ") or any("\u0400" <= ch <= "\u04ff" for ch in texts)

    conversation = Conversation.objects.filter(kind="comment").first()
    conversation_reply(conversation=conversation, actor=agent, text="Thanks for writing! 🙌")
    assert [p["text"] for p in sandbox.account.posted_of("reply")] == ["Thanks for writing! 🙌"]
