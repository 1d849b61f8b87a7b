"""The suite's fourth channel (tests/support/channels_toy), added with one line in
tests/settings.py, goes the whole way: webhook → event → parse → ingest, and a reply
through the outbox to its stand-in."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from inbox.conversations import conversation_reply
from inbox.models import ActionState, EventState, InboundEvent, Message, OutboundAction
from switchboard.standin_server import served
from tests.support import factories
from tests.support.channels_toy.standin.app import ToyStandin
from tests.support.channels_toy.webhooks import SIGNATURE_HEADER, sign

pytestmark = pytest.mark.django_db

FIXTURE = Path(__file__).resolve().parents[1] / "support" / "channels_toy" / "fixtures"


@pytest.fixture
def toy_standin():
    with served(ToyStandin()) as app:
        yield app


@pytest.fixture
def toy_channel(toy_standin):
    return factories.make_channel(
        "toy",
        external_id="toy-account-1",
        name="Toy account",
        api_base_url=toy_standin.url,
        credentials={"token": "toy-token"},
    )


def post(client, body: bytes, signature: str):
    header = "HTTP_" + SIGNATURE_HEADER.upper().replace("-", "_")
    return client.post(
        "/webhooks/toy/", data=body, content_type="application/json", **{header: signature}
    )


def test_a_toy_comment_lands_in_the_inbox_and_the_reply_reaches_the_platform(
    client, django_capture_on_commit_callbacks, toy_channel, toy_standin, agent
):
    body = (FIXTURE / "comment.json").read_bytes()
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, body, sign(body))
    assert response.status_code == 200

    assert InboundEvent.objects.get().state == EventState.DONE
    message = Message.objects.get()
    assert message.text == json.loads(body)["items"][0]["text"]
    assert message.author_identity.name == "Ada Toy"
    assert message.conversation.channel == toy_channel

    with django_capture_on_commit_callbacks(execute=True):
        conversation_reply(conversation=message.conversation, text="It is.", actor=agent)
    assert OutboundAction.objects.get().state == ActionState.DONE
    assert [r["text"] for r in toy_standin.replies] == ["It is."]


def test_a_forged_toy_webhook_is_refused_and_stores_nothing(client, toy_channel):
    body = (FIXTURE / "comment.json").read_bytes()
    assert post(client, body, "not-the-signature").status_code == 403
    assert not InboundEvent.objects.exists()
