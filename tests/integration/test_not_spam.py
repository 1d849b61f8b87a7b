"""Spam and back: marking a conversation spam closes it; "Not spam" puts it back where it
was, waiting for an answer in Open, unless someone changed its state since."""

import pytest
from django.urls import reverse

from inbox.models import Conversation
from tests.support import factories

pytestmark = pytest.mark.django_db


def act(client, conversation, verb):
    response = client.post(reverse("inbox:act", args=[conversation.pk, verb]))
    assert response.status_code == 302, response.content
    return Conversation.objects.get(pk=conversation.pk)


def open_folder(client) -> str:
    return client.get(reverse("inbox:inbox") + "?folder=open").content.decode()


@pytest.fixture
def question(testchat_channel):
    return factories.make_conversation(
        testchat_channel, text="Is the Aurora jacket waterproof?", customer="Liis Saar"
    )


def test_not_spam_brings_a_conversation_spam_closed_back_to_open(agent_client, question):
    spam = act(agent_client, question, "spam")
    assert (spam.is_spam, spam.state) == (True, "closed")
    assert f'id="row-{question.pk}"' not in open_folder(agent_client)
    back = act(agent_client, question, "unspam")
    assert (back.is_spam, back.state) == (False, "open")
    assert f'id="row-{question.pk}"' in open_folder(agent_client)
    timeline = agent_client.get(reverse("inbox:conversation", args=[question.pk])).content
    assert b"marked it as not spam" in timeline


def test_not_spam_leaves_closed_what_was_closed_before_or_since(agent_client, question):
    act(agent_client, question, "close")
    act(agent_client, question, "spam")
    assert act(agent_client, question, "unspam").state == "closed"  # closed before: stays

    act(agent_client, question, "reopen")
    act(agent_client, question, "spam")
    act(agent_client, question, "reopen")
    act(agent_client, question, "close")  # an agent closed it since: that close stands
    assert act(agent_client, question, "unspam").state == "closed"
