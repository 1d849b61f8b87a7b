"""The HUMAN_AGENT tag is offered exactly where Meta's policy makes it the way to answer.

https://developers.facebook.com/documentation/business-messaging/messenger-platform/policy/
"""

from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone

from inbox.connectors import registry
from inbox.models import ConversationKind
from tests.support import factories

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("kind", ["facebook", "instagram"])
@pytest.mark.parametrize(
    ("age", "enabled", "offered"),
    [
        (timedelta(hours=2), True, False),  # inside 24 h: a normal reply
        (timedelta(days=2), True, True),  # after 24 h, within 7 days
        (timedelta(days=8), True, False),  # too late even for the tag
        (timedelta(days=2), False, False),  # the app has no approval for the tag
    ],
)
def test_human_agent_tag_offered_only_between_24_hours_and_7_days(kind, age, enabled, offered):
    channel = factories.make_channel(kind)
    conversation = factories.make_conversation(
        channel, kind=ConversationKind.DM, at=timezone.now() - age
    )
    with override_settings(META_HUMAN_AGENT_ENABLED=enabled):
        assert registry.get(kind).human_agent_tag_available(conversation) is offered


def test_composer_offers_the_tag_when_the_window_has_closed(agent_client):
    channel = factories.make_channel("facebook")
    conversation = factories.make_conversation(
        channel, kind=ConversationKind.DM, at=timezone.now() - timedelta(days=3)
    )
    with override_settings(META_HUMAN_AGENT_ENABLED=True):
        page = agent_client.get(f"/c/{conversation.pk}/").content.decode()
    assert 'name="human_agent_tag"' in page
    with override_settings(META_HUMAN_AGENT_ENABLED=False):
        page = agent_client.get(f"/c/{conversation.pk}/").content.decode()
    assert 'name="human_agent_tag"' not in page


@pytest.mark.parametrize(
    ("kind", "conversation_kind", "action", "refused"),
    [
        ("facebook", ConversationKind.DM, "like", True),  # Messenger messages
        ("facebook", ConversationKind.COMMENT, "like", False),
        ("instagram", ConversationKind.MENTION, "hide", True),  # someone else's media
        ("instagram", ConversationKind.COMMENT, "hide", False),
        ("x", ConversationKind.MENTION, "hide", True),  # the first post of a thread
        ("x", ConversationKind.MENTION, "delete", True),  # not our own post
        ("x", ConversationKind.DM, "like", True),
    ],
)
def test_actions_a_platform_refuses_on_a_message_are_not_offered(
    agent_client, kind, conversation_kind, action, refused
):
    channel = factories.make_channel(kind)
    conversation = factories.make_conversation(channel, kind=conversation_kind)
    message = conversation.messages.get()
    Conversation = type(conversation)
    Conversation.objects.filter(pk=conversation.pk).update(external_thread_id=message.external_id)
    message.conversation.external_thread_id = message.external_id

    assert bool(registry.get(kind).action_refusal(action, message)) is refused
    page = agent_client.get(f"/c/{conversation.pk}/").content.decode()
    assert (f"/m/{message.pk}/{action}/" in page) is not refused
