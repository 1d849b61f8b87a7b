"""The composer offers what the conversation's connector offers, and passes back only that.

Facebook's one option is the HUMAN_AGENT tag, 24 hours to 7 days after the customer's last
message, when the app may use it
(https://developers.facebook.com/documentation/business-messaging/messenger-platform/policy/).
"""

import re
from datetime import timedelta

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from inbox.models import ConversationKind, OutboundAction
from tests.support import factories

pytestmark = pytest.mark.django_db
HX = {"HX-Request": "true"}


def _dm(kind="facebook", age=timedelta(days=3)):
    channel = factories.make_channel(kind)
    return factories.make_conversation(
        channel, kind=ConversationKind.DM, at=timezone.now() - age, text="Still there?"
    )


def _reply_with_the_tag_ticked(client, conversation):
    page = client.get(reverse("inbox:conversation", args=[conversation.pk]), headers=HX)
    html = page.content.decode()
    token = re.search(r'name="reply_token" value="([0-9a-f]{32})"', html).group(1)
    client.post(
        reverse("inbox:reply", args=[conversation.pk]),
        {
            "text": "Yes, it ships today.",
            "mode": "private",
            "reply_token": token,
            "human_agent_tag": "on",
        },
        headers=HX,
    )
    return html, OutboundAction.objects.get(conversation=conversation)


@override_settings(META_HUMAN_AGENT_ENABLED=True)
def test_an_offered_option_shows_as_a_checkbox_and_reaches_the_action(agent_client):
    conversation = _dm()
    html, action = _reply_with_the_tag_ticked(agent_client, conversation)
    assert 'name="human_agent_tag"' in html and "Send with the human-agent tag" in html
    assert action.payload.get("human_agent_tag") is True


@override_settings(META_HUMAN_AGENT_ENABLED=False)
def test_an_option_not_offered_is_not_passed_on_even_if_the_form_sends_it(agent_client):
    conversation = _dm()
    html, action = _reply_with_the_tag_ticked(agent_client, conversation)
    assert 'name="human_agent_tag"' not in html
    assert "human_agent_tag" not in action.payload


@override_settings(META_HUMAN_AGENT_ENABLED=True)
def test_a_channel_without_options_shows_none(agent_client):
    conversation = _dm(kind="x", age=timedelta(hours=1))
    page = agent_client.get(reverse("inbox:conversation", args=[conversation.pk]), headers=HX)
    assert "composer-option" not in page.content.decode()
