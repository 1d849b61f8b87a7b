"""Unread: the customer wrote since this agent last opened the conversation. Answers, the
agent's own or anyone else's, never make a conversation unread."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from inbox import selectors
from inbox.conversations import conversation_reply
from inbox.models import Conversation, Direction, Message
from tests.support import factories

pytestmark = pytest.mark.django_db


def unread(user) -> set[int]:
    rows, _ = selectors.inbox_rows(selectors.ListParams(folder="all"), user)
    return {row.pk for row in rows if not row.is_read}


def test_unread_follows_the_customer_not_the_answers(client, agent, agent2):
    convo = factories.make_conversation(text="Do you ship to Riga?")
    assert unread(agent) == unread(agent2) == {convo.pk}

    client.force_login(agent)
    client.get(reverse("inbox:conversation", args=[convo.pk]))
    assert unread(agent) == set() and unread(agent2) == {convo.pk}

    later = timezone.now() + timedelta(seconds=5)
    conversation_reply(conversation=convo, text="Yes, in two days.", actor=agent)
    # An answer sent from the platform's own app, ingested after ours.
    Message.objects.create(
        conversation=convo,
        channel=convo.channel,
        external_id="native",
        direction=Direction.OUTBOUND,
        text="Also to Vilnius.",
        platform_timestamp=later,
    )
    Conversation.objects.filter(pk=convo.pk).update(last_message_at=later)
    assert unread(agent) == set()  # answering never makes it unread
    assert unread(agent2) == {convo.pk}  # Boris still has not read the customer

    Conversation.objects.filter(pk=convo.pk).update(last_inbound_at=later, last_message_at=later)
    assert unread(agent) == {convo.pk}  # the customer wrote again


def test_a_conversation_nobody_wrote_in_is_not_unread(agent):
    convo = factories.make_conversation(text="Hello")
    Conversation.objects.filter(pk=convo.pk).update(last_inbound_at=None)
    assert unread(agent) == set()
