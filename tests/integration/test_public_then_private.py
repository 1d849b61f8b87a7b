"""Reply publicly + continue privately (issue 12): two texts from one composer."""

import pytest
from django.urls import reverse

from inbox.models import Conversation, Direction, SavedReply
from tests.integration.test_inbox_reply_once import HX, composer_token
from tests.support import factories
from tests.support.facebook import make_fb_channel

pytestmark = pytest.mark.django_db


@pytest.fixture
def comment_thread(graph_standin):
    channel = make_fb_channel(api_base_url=graph_standin.url)
    comment_id = graph_standin.add_comment(
        message="Lost parcel!", author={"id": "6984412238391199", "name": "Marina Ivanova"}
    )
    convo = factories.make_conversation(channel, text="Lost parcel!", customer="Marina Ivanova")
    Conversation.objects.filter(pk=convo.pk).update(external_thread_id=comment_id)
    convo.messages.update(external_id=comment_id)
    return convo


def test_the_composer_prefills_the_public_text_the_managers_chose(agent_client, comment_thread):
    SavedReply.objects.create(
        title="Handoff", handoff=True, body="Hi {first_name}, check your messages."
    )
    html = agent_client.get(reverse("inbox:conversation", args=[comment_thread.pk])).content
    assert b"Hi Marina, check your messages.</textarea>" in html


def test_both_sends_two_texts_and_checks_only_the_public_one_for_personal_data(
    agent_client, comment_thread, graph_standin, django_capture_on_commit_callbacks
):
    url = reverse("inbox:reply", args=[comment_thread.pk])
    private = "Your order 88123 ships Friday; write to help@polaris.example."
    token = composer_token(agent_client, comment_thread)
    with django_capture_on_commit_callbacks(execute=True):
        response = agent_client.post(
            url,
            {
                "mode": "both",
                "public_text": "We've sent you a message.",
                "text": private,
                "reply_token": token,
            },
            headers=HX,
        )
    assert "replySent" in response["HX-Trigger-After-Settle"]
    assert sorted((p["kind"], p["text"]) for p in graph_standin.posted) == [
        ("comment", "We've sent you a message."),
        ("private_reply", private),
    ]
    assert sorted(
        comment_thread.messages.filter(direction=Direction.OUTBOUND).values_list(
            "visibility", "text"
        )
    ) == [("private", private), ("public", "We've sent you a message.")]


def test_both_warns_when_the_public_text_has_personal_data(
    agent_client, comment_thread, graph_standin
):
    url = reverse("inbox:reply", args=[comment_thread.pk])
    response = agent_client.post(
        url,
        {
            "mode": "both",
            "public_text": "Mail me at me@polaris.example",
            "text": "Details",
            "reply_token": composer_token(agent_client, comment_thread),
        },
        headers=HX,
    )
    assert "pii-warning" in response.content.decode()
    assert graph_standin.posted == []
