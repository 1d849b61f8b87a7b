"""What each message offers (inbox/message_offers.py) is what the template asked of the
connector message by message: Like, Unlike, Hide, Unhide and Delete on every channel kind,
comment and DM, liked, hidden, deleted, sent and not yet on the platform; each form posting
where `{% url 'inbox:message_action' %}` pointed."""

import pytest
from django.urls import reverse
from django.utils import timezone

from inbox import message_offers
from inbox.connectors import Capability
from inbox.models import ConversationKind, Direction, Message
from tests.support import factories

pytestmark = pytest.mark.django_db

KINDS = ("like", "unlike", "hide", "unhide", "delete")


def allows(message, kind: str) -> bool:
    """The template filter the offers replace: the channel can do `kind` to this message."""
    connector = message.conversation.channel.connector
    return connector.supports(Capability(kind)) and not connector.action_refusal(kind, message)


def offered_before(message, kind: str) -> bool:
    """What the message partial showed, condition by condition."""
    if message.direction == Direction.OUTBOUND or not message.external_id or message.deleted:
        return False
    shown = {
        "like": not message.liked,
        "unlike": message.liked,
        "hide": not message.hidden,
        "unhide": message.hidden,
        "delete": True,
    }[kind]
    return shown and allows(message, kind)


@pytest.fixture
def threads():
    now = timezone.now()
    conversations = []
    for channel_kind in ("testchat", "facebook", "instagram", "x"):
        channel = factories.make_channel(channel_kind)
        for kind in (ConversationKind.COMMENT, ConversationKind.DM):
            post = f"post-{kind}"  # a visitor post, as its own thread's first message
            convo = factories.make_conversation(channel, kind=kind, context_external_id=post)
            for i in range(8):
                Message.objects.create(
                    conversation=convo,
                    channel=channel,
                    external_id=None if i == 5 else (post if i == 6 else f"{convo.pk}-{i}"),
                    direction=Direction.OUTBOUND if i == 7 else Direction.INBOUND,
                    liked=i in (1, 3),
                    hidden=i in (2, 3),
                    deleted=i == 4,
                    text="hi",
                    platform_timestamp=now,
                )
            conversations.append(convo)
    return conversations


def test_each_message_offers_what_the_template_offered(threads):
    seen = set()
    for convo in threads:
        messages = list(convo.messages.select_related("conversation__channel"))
        thread = message_offers.offers(convo, messages)
        assert [m for m, _ in thread] == messages
        for message, offer in thread:
            for kind in KINDS:
                url = getattr(offer, kind)
                if offered_before(message, kind):
                    assert url == reverse("inbox:message_action", args=[message.pk, kind])
                    seen.add((convo.channel.kind, kind))
                else:
                    assert url == ""
    # Every action was offered somewhere, and not everything everywhere.
    assert {kind for _, kind in seen} == set(KINDS)
    assert len(seen) < 4 * len(KINDS)


def test_an_outbound_or_deleted_message_offers_nothing(threads):
    convo = threads[1]
    messages = [m for m in convo.messages.all() if m.deleted or m.direction == "out"]
    assert [offer for _, offer in message_offers.offers(convo, messages)] == [
        message_offers.NOTHING
    ] * len(messages)
