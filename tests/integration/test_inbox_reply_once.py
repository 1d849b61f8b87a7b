"""A reply is posted once, whatever the number of times its form arrives."""

import re

import pytest
from django.urls import reverse

from inbox.models import Message, OutboundAction
from tests.support import factories

pytestmark = pytest.mark.django_db

HX = {"HX-Request": "true"}


def composer_token(client, conversation) -> str:
    html = client.get(
        reverse("inbox:conversation", args=[conversation.pk]), headers=HX
    ).content.decode()
    return re.search(r'name="reply_token" value="([0-9a-f]{32})"', html).group(1)


def sent(conversation):
    return (
        Message.objects.filter(conversation=conversation, direction="out").count(),
        OutboundAction.objects.filter(conversation=conversation).count(),
    )


def test_the_same_form_twice_posts_once(agent_client):
    conversation = factories.make_conversation(text="Is the shop open on Sunday?")
    url = reverse("inbox:reply", args=[conversation.pk])
    form = {
        "text": "Yes, 10 to 16.",
        "mode": "public",
        "reply_token": composer_token(agent_client, conversation),
    }
    first = agent_client.post(url, form, headers=HX)
    assert "replySent" in first["HX-Trigger-After-Settle"]
    second = agent_client.post(url, form, headers=HX)
    assert second.status_code == 200
    assert second.content.decode().lstrip().startswith('<main id="pane"')
    assert "Yes, 10 to 16." in second.content.decode()  # the first one's reply
    assert "HX-Trigger-After-Settle" not in second  # no "sent, open the next"
    assert sent(conversation) == (1, 1)
    # Without htmx (a browser resending the POST) it is the same: nothing more is posted.
    third = agent_client.post(url, form)
    assert third.status_code == 302
    assert sent(conversation) == (1, 1)


def test_each_rendered_composer_may_send_once(agent_client):
    conversation = factories.make_conversation(text="Do you ship to Riga?")
    url = reverse("inbox:reply", args=[conversation.pk])
    first_token = composer_token(agent_client, conversation)
    response = agent_client.post(
        url, {"text": "We do.", "mode": "public", "reply_token": first_token}, headers=HX
    )
    fresh = re.search(
        r'name="reply_token" value="([0-9a-f]{32})"', response.content.decode()
    ).group(1)
    assert fresh != first_token
    agent_client.post(
        url, {"text": "In 2 days.", "mode": "public", "reply_token": fresh}, headers=HX
    )
    assert sent(conversation) == (2, 2)


def test_a_warning_does_not_use_up_the_token(agent_client):
    conversation = factories.make_conversation(text="Can you call me?")
    url = reverse("inbox:reply", args=[conversation.pk])
    form = {
        "text": "Call +372 5555 1234",
        "mode": "public",
        "reply_token": composer_token(agent_client, conversation),
    }
    warned = agent_client.post(url, form, headers=HX).content.decode()
    assert "pii-warning" in warned and sent(conversation) == (0, 0)
    agent_client.post(url, {**form, "confirm_pii": "1"}, headers=HX)
    agent_client.post(url, {**form, "confirm_pii": "1"}, headers=HX)
    assert sent(conversation) == (1, 1)


def test_a_forged_token_posts_nothing(agent_client):
    conversation = factories.make_conversation(text="Hi")
    url = reverse("inbox:reply", args=[conversation.pk])
    agent_client.post(url, {"text": "x", "mode": "public", "reply_token": "<script>"}, headers=HX)
    assert sent(conversation) == (0, 0)
