"""End to end over real HTTP: the Instagram stand-in delivers signed webhooks to the live
server, agents answer, the stand-in records what was posted and echoes it back."""

from __future__ import annotations

import pytest

from channels_ig.connector import InstagramConnector
from inbox.conversations import conversation_reply, message_act
from inbox.models import (
    ActionState,
    Channel,
    Conversation,
    DeliveryStatus,
    Direction,
    EventState,
    InboundEvent,
    Message,
    OutboundAction,
)
from tests.support.instagram import (
    PAGE_ID,
    wait_for,
)

pytestmark = pytest.mark.django_db(transaction=True)


def settle(standin) -> None:
    """Every webhook answered 200 and every stored event processed."""
    assert standin.webhooks.wait_idle(10), "the stand-in could not deliver its webhooks"
    wait_for(
        lambda: not InboundEvent.objects.exclude(state=EventState.DONE).exists(),
        what="events processed",
    )


def test_comment_public_and_private_reply_and_their_echoes(ig_wired, agent):
    standin, channel = ig_wired
    comment = standin.account.add_comment(
        text="Is the Aurora back in size M? 🧥", username="sam.hikes"
    )
    conversation = wait_for(
        lambda: Conversation.objects.filter(external_thread_id=comment.id).first(),
        what="the comment's conversation",
    )
    assert conversation.kind == "comment"
    assert conversation.contact.name == "sam.hikes"

    public = conversation_reply(
        conversation=conversation, text="Yes! M is back in all colours.", actor=agent
    )
    private = conversation_reply(
        conversation=conversation,
        private=True,
        actor=agent,
        text="Here is 10% off for you: AURORA10",
    )
    settle(standin)

    [posted_reply] = standin.account.posted_of("reply")
    assert posted_reply["target"] == comment.id and posted_reply["parent"] == comment.id
    assert posted_reply["text"] == "Yes! M is back in all colours."
    [posted_private] = standin.account.posted_of("private_reply")
    assert posted_private["comment_id"] == comment.id
    assert posted_private["recipient"] == comment.author.igsid
    assert posted_private["text"] == "Here is 10% off for you: AURORA10"

    public.refresh_from_db()
    private.refresh_from_db()
    assert public.external_id == posted_reply["id"]
    assert public.delivery_status == DeliveryStatus.POSTED
    assert private.external_id == posted_private["id"]
    # Both echoes (the reply through `comments`, the private reply through `messages`) came
    # back and were matched: still one conversation with three messages.
    assert InboundEvent.objects.count() == 3
    assert Conversation.objects.count() == 1
    assert list(Message.objects.values_list("direction", "sent_natively")) == [
        (Direction.INBOUND, False),
        (Direction.OUTBOUND, False),
        (Direction.OUTBOUND, False),
    ]
    assert OutboundAction.objects.filter(state=ActionState.DONE).count() == 2


def test_dm_thread_reply_read_and_unsend(ig_wired, agent):
    standin, channel = ig_wired
    dm = standin.account.add_dm(
        text="Hallo! Ist die Jacke wasserdicht?", username="katrin.vogel.hh", name="Katrin Vogel"
    )
    conversation = wait_for(
        lambda: Conversation.objects.filter(kind="dm").first(), what="the DM thread"
    )
    assert conversation.external_thread_id == f"dm:{dm.igsid}"

    ours = conversation_reply(
        conversation=conversation,
        private=True,
        actor=agent,
        text="Ja, komplett wasserdicht (20.000 mm) 🇮🇸",
    )
    settle(standin)
    ours.refresh_from_db()
    [sent] = standin.account.posted_of("dm")
    assert sent["recipient"] == dm.igsid and sent["tag"] == ""
    assert ("POST", f"/{PAGE_ID}/messages") in standin.calls  # the linked Page's Send API
    assert ours.external_id == sent["id"]
    assert Message.objects.count() == 2

    standin.account.seen(igsid=dm.igsid)
    standin.account.unsend(dm.mid)
    settle(standin)
    ours.refresh_from_db()
    assert ours.delivery_status == DeliveryStatus.READ
    assert Message.objects.get(external_id=dm.mid).deleted is True
    assert Message.objects.count() == 2


def test_hide_unhide_delete_reach_the_comment(ig_wired, agent):
    standin, channel = ig_wired
    comment = standin.account.add_comment(
        text="💰 Get 10k followers FAST → DM us 💰", username="promo.followers.4u"
    )
    message = wait_for(lambda: Message.objects.filter(external_id=comment.id).first())
    message_act(message=message, kind="hide", actor=agent)
    assert standin.account.comments[comment.id].hidden is True
    message_act(message=message, kind="unhide", actor=agent)
    assert standin.account.comments[comment.id].hidden is False
    message_act(message=message, kind="delete", actor=agent)
    assert standin.account.comments[comment.id].deleted is True
    assert [p["kind"] for p in standin.account.posted] == ["hide", "unhide", "delete"]
    message.refresh_from_db()
    assert message.deleted is True and message.hidden is False


def test_mention_arrives_then_its_text_and_the_reply_goes_to_the_mention(ig_wired, agent):
    standin, channel = ig_wired
    value = standin.account.add_mention(
        text="@polarisoutfitters la mochila llegó rota 😕", username="pablo.trekking"
    )
    message = wait_for(
        lambda: Message.objects.filter(external_id=value["comment_id"]).exclude(text="").first(),
        what="the mention with its text (read after it was stored)",
    )
    assert message.text == "@polarisoutfitters la mochila llegó rota 😕"
    assert message.conversation.kind == "mention"

    conversation_reply(
        conversation=message.conversation, actor=agent, text="Lo sentimos, escríbenos por DM 🙏"
    )
    [posted] = standin.account.posted_of("mention_reply")
    assert posted["media_id"] == value["media_id"]
    assert posted["comment_id"] == value["comment_id"]


def test_profile_with_and_without_consent(ig_wired):
    standin, channel = ig_wired
    connector = InstagramConnector()
    person = standin.account.person("", "katrin.vogel.hh", "Katrin Vogel")
    withheld = connector.fetch_profile(channel, person.igsid)
    # No consent yet: nothing is invented (a known name or handle is kept; the inbox shows
    # its own fallback where there is none).
    assert withheld.name == "" and withheld.handle == "" and withheld.avatar_url == ""

    standin.account.add_dm(text="Hallo", igsid=person.igsid)
    profile = connector.fetch_profile(channel, person.igsid)
    assert profile.name == "Katrin Vogel"
    assert profile.handle == "katrin.vogel.hh"
    assert profile.avatar_url.startswith("https://scontent.cdninstagram.com/")


def test_add_channel_command_connects_a_working_account(ig_standin):
    """`manage.py add_channel instagram ...` for scripted setups (issue 3, CLI)."""
    from django.core.management import call_command

    from inbox import polling

    call_command(
        "add_channel",
        "instagram",
        "--external-id",
        ig_standin.account.account_id,
        "--name",
        "Polaris IG",
        "--token",
        "IG-STANDIN-TOKEN",
        "--api-base",
        ig_standin.graph_url,
        "--handle",
        "polarisoutfitters",
    )
    ig_standin.account.add_comment(text="Hola 👋", username="maria.gomez.bcn", webhook=False)
    channel = Channel.objects.get(kind="instagram")
    assert polling.poll_channel(channel.pk) == 1
    assert Message.objects.get().text == "Hola 👋"


def test_window_closes_24_hours_after_the_last_dm_and_7_days_after_a_comment(ig_wired):
    from datetime import timedelta

    standin, channel = ig_wired
    connector = InstagramConnector()
    dm = standin.account.add_dm(text="Hi!", username="sam.hikes")
    comment = standin.account.add_comment(text="Nice!", username="sam.hikes")
    thread = wait_for(lambda: Conversation.objects.filter(kind="dm").first())
    comment_thread = wait_for(
        lambda: Conversation.objects.filter(external_thread_id=comment.id).first()
    )

    assert connector.window_closes_at(thread) == thread.last_inbound_at + timedelta(hours=24)
    first = Message.objects.get(external_id=comment.id)
    assert connector.window_closes_at(comment_thread) == (
        first.platform_timestamp + timedelta(days=7)
    )
    assert dm.igsid in thread.external_thread_id
