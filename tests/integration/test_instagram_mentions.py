"""An Instagram mention lives on someone else's media (issue 12): the agent sees what it is on
in words, is offered only the public reply Instagram takes there, and the Posts page, which
is about our own posts, does not list it by a media id."""

from __future__ import annotations

import pytest
from django.test import Client

from inbox.models import Message
from tests.support.instagram import wait_for

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("on", ["comment", "caption"])
def test_a_mention_reads_as_one_offers_the_public_reply_only_and_the_reply_lands(
    ig_wired, agent, on
):
    standin, channel = ig_wired
    value = standin.account.add_mention(
        text="@polarisoutfitters la mochila llegó rota", username="pablo.trekking", on=on
    )
    external_id = value.get("comment_id") or value["media_id"]
    # Stored at once from the webhook's ids; its text and author are read right after,
    # and it is routed once that read has settled (its context with it).
    message = wait_for(
        lambda: (
            Message.objects.filter(external_id=external_id, routed_at__isnull=False)
            .exclude(text="")
            .first()
        ),
        what="the mention with its text, routed",
    )
    conversation = message.conversation
    client = Client()
    client.force_login(agent)

    page = client.get(f"/c/{conversation.pk}/").content.decode()
    context = page.split('class="context-text">')[1].split("</span>")[0]
    assert value["media_id"] not in context
    assert context in (
        "another account&#x27;s post, where @pablo.trekking mentioned you in a comment",
        "@pablo.trekking&#x27;s post, which mentions you",
    )
    assert 'value="public"' in page
    assert 'value="private"' not in page and 'value="both"' not in page

    posts = client.get("/posts/").content.decode()
    assert value["media_id"] not in posts

    token = page.split('name="reply_token" value="')[1].split('"')[0]
    client.post(
        f"/c/{conversation.pk}/reply/",
        {
            "text": "Lo sentimos, te escribimos",
            "mode": "public",
            "reply_token": token,
            "since_id": message.pk,
        },
    )
    wait_for(lambda: standin.account.posted_of("mention_reply"), what="the reply posted")
    [posted] = standin.account.posted_of("mention_reply")
    assert posted["media_id"] == value["media_id"]
    assert posted["text"] == "Lo sentimos, te escribimos"


def test_a_mention_is_classified_and_its_rules_run_on_its_text_once_it_is_read(ig_wired):
    """The webhook names only the mention's ids: routing waits for the text the enrichment
    reads, so a keyword rule and the language see what the customer wrote, once."""
    from rules.models import Rule

    Rule.objects.create(
        name="Broken",
        conditions={"all": [{"type": "text_contains_any", "value": ["rota"]}]},
        actions=[{"type": "add_tag", "value": "Broken"}],
    )
    standin, channel = ig_wired
    value = standin.account.add_mention(
        text="@polarisoutfitters la mochila llegó rota", username="pablo.trekking", on="comment"
    )
    message = wait_for(
        lambda: Message.objects.filter(
            external_id=value["comment_id"], routed_at__isnull=False
        ).first(),
        what="the mention routed",
    )
    assert "rota" in message.text
    conversation = message.conversation
    assert list(conversation.tags.values_list("name", flat=True)) == ["Broken"]
    assert conversation.language == "es"
    assert Rule.objects.get(name="Broken").hit_count == 1
