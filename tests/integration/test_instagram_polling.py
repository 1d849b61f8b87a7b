"""Polling recent comments of recent media: catches what webhooks missed, and overlapping
with webhooks (or with itself) never duplicates.

Endpoints: `GET /{ig-user-id}/media`, `GET /{media-id}/comments` with `replies{...}`
(https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-media/comments),
and the DM threads of the Conversations API (section at the end).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from inbox import polling
from inbox.conversations import conversation_reply
from inbox.models import Conversation, Direction, EventState, InboundEvent, Message
from tests.support.facebook import graph_throttles_lift
from tests.support.instagram import (
    make_ig_channel,
    wait_for,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def channel(ig_standin):
    return make_ig_channel(ig_standin.graph_url)


def poll(channel) -> int:
    stored = polling.poll_channel(channel.pk)
    channel.refresh_from_db()
    return stored


def test_poll_backfills_comments_and_replies_the_webhooks_missed(ig_standin, channel):
    acct = ig_standin.account
    media = acct.add_media("Aurora jacket is back 🧥")
    first = acct.add_comment(
        text="Is it back in M?", username="lin.xiaoyu_", media_id=media.id, webhook=False
    )
    acct.add_comment(
        text="yo también 🙋‍♀️", username="maria.gomez.bcn", parent_id=first.id, webhook=False
    )
    acct.add_comment(
        text="Kas seda on ka sinisena?", username="kadri.tamm", media_id=media.id, webhook=False
    )

    assert poll(channel) == 3
    assert Conversation.objects.count() == 2
    thread = Conversation.objects.get(external_thread_id=first.id)
    assert thread.context_external_id == media.id
    assert thread.context["permalink"] == media.permalink
    # The media list already read the caption: no extra call for the context.
    assert thread.context["text"] == "Aurora jacket is back 🧥"
    assert thread.context["media_url"] == media.media_url
    assert ("GET", f"/{media.id}") not in ig_standin.calls
    assert thread.messages.count() == 2
    assert set(channel.cursors["comments"]) == {media.id}
    assert not InboundEvent.objects.exclude(state=EventState.DONE).exists()

    # Polling again overlaps the newest second on purpose: nothing new is stored.
    assert poll(channel) == 0
    later = acct.add_comment(
        text="Millal allahindlus lõpeb?", username="kadri.tamm", media_id=media.id, webhook=False
    )
    assert poll(channel) >= 1
    assert Message.objects.filter(external_id=later.id).exists()
    assert Message.objects.count() == 4


def test_poll_overlapping_webhooks_does_not_duplicate(ig_standin, channel, live_server):
    ig_standin.webhooks.callback_url = f"{live_server.url}/webhooks/instagram/"
    acct = ig_standin.account
    comment = acct.add_comment(text="Best jacket ever 🙌", username="sam.hikes")
    wait_for(lambda: Message.objects.filter(external_id=comment.id).exists())

    poll(channel)
    acct.add_comment(text="Agreed!", username="ivan.petrov.spb", parent_id=comment.id)
    assert ig_standin.webhooks.wait_idle(10)
    poll(channel)
    wait_for(lambda: not InboundEvent.objects.exclude(state=EventState.DONE).exists())

    assert Conversation.objects.count() == 1
    assert Message.objects.count() == 2
    assert InboundEvent.objects.filter(source="poll").exists()
    assert InboundEvent.objects.filter(source="webhook").exists()


def test_our_replies_seen_by_polling_are_not_customer_messages(ig_standin, channel):
    acct = ig_standin.account
    comment = acct.add_comment(text="Do you ship to Canada?", username="sam.hikes", webhook=False)
    poll(channel)
    acct.reply(comment.id, "Yes we do! 🇨🇦")  # answered in the Instagram app
    poll(channel)

    ours = Message.objects.get(direction=Direction.OUTBOUND)
    assert ours.sent_natively is True
    assert ours.conversation.external_thread_id == comment.id
    assert Conversation.objects.count() == 1


def test_throttled_poll_keeps_what_it_got_and_waits(ig_standin, channel):
    acct = ig_standin.account
    older = acct.add_media("Kevadine allahindlus 🌸", at=1_742_000_000)
    newer = acct.add_media("Neue Wintermützen ❄️")
    acct.add_comment(text="Schön!", username="katrin.vogel.hh", media_id=newer.id, webhook=False)
    acct.add_comment(text="Kui kaua?", username="kadri.tamm", media_id=older.id, webhook=False)
    # The media list and the newer media's comments answer; then Instagram throttles.
    ig_standin.inject("throttle", on="read", minutes=4, skip=2)

    stored = poll(channel)

    assert stored == 1
    assert set(channel.cursors["comments"]) == {newer.id}
    # estimated_time_to_regain_access: the next poll waits about four minutes
    assert channel.poll_after > timezone.now() + timedelta(minutes=3, seconds=50)
    # The older media's comment comes with the next poll, after the throttle.
    graph_throttles_lift()
    assert poll(channel) == 1
    assert Message.objects.count() == 2


# ---- DMs: GET /{page-id}/conversations?platform=instagram&fields=participants,updated_time,
# messages{id,message,from,created_time}
# https://developers.facebook.com/documentation/business-messaging/messenger-platform/conversations


def test_poll_backfills_dms_and_overlap_with_webhooks_never_duplicates(
    ig_standin, channel, live_server, agent
):
    acct = ig_standin.account
    # Webhooks are queued but our endpoint is unreachable: only polling can hear these.
    maria = acct.add_dm(text="¿Hacéis envíos a Canarias?", username="maria.gomez.bcn")
    ivan = acct.add_dm(text="Привет! Есть размер S?", username="ivan.petrov.spb")

    assert poll(channel) == 2
    thread = Conversation.objects.get(external_thread_id=f"dm:{maria.igsid}")
    assert thread.kind == "dm"
    message = thread.messages.get()
    assert (message.external_id, message.text) == (maria.mid, "¿Hacéis envíos a Canarias?")
    assert message.author_identity.handle == "maria.gomez.bcn"
    assert Conversation.objects.get(external_thread_id=f"dm:{ivan.igsid}").messages.count() == 1
    cursor = channel.cursors["dm_updated"]
    assert poll(channel) == 0  # nothing new, though the newest thread is read again

    # A new message in Maria's thread: read, and Ivan's older thread is not even looked at.
    later = acct.add_dm(text="¿Y a Ceuta?", igsid=maria.igsid)
    assert poll(channel) == 1
    assert channel.cursors["dm_updated"] >= cursor  # Graph times have whole seconds
    assert thread.messages.filter(external_id=later.mid).exists()

    # Our answer, sent through the outbox; its echo comes by webhook and by the next poll.
    reply = conversation_reply(
        conversation=thread, actor=agent, text="¡Sí, a ambas! 📦", private=True
    )
    reply.refresh_from_db()
    assert reply.external_id and reply.delivery_status == "posted"
    ig_standin.webhooks.callback_url = f"{live_server.url}/webhooks/instagram/"
    assert ig_standin.webhooks.wait_idle(10)
    poll(channel)
    wait_for(lambda: not InboundEvent.objects.exclude(state=EventState.DONE).exists())

    assert Message.objects.count() == 4
    assert Conversation.objects.count() == 2
    ours = Message.objects.get(direction=Direction.OUTBOUND)
    assert ours == reply and not ours.sent_natively
    assert InboundEvent.objects.filter(source="webhook").exists()


def test_dm_poll_under_throttle_keeps_its_cursor(ig_standin, channel):
    ig_standin.account.add_dm(text="Hallo!", username="katrin.vogel.hh")
    assert poll(channel) == 1
    cursor = channel.cursors["dm_updated"]
    later = ig_standin.account.add_dm(text="Noch da?", username="katrin.vogel.hh")
    # The media list answers; the conversations read is throttled.
    ig_standin.inject("throttle", on="read", minutes=4, skip=1)
    assert poll(channel) == 0
    assert channel.cursors["dm_updated"] == cursor
    assert channel.poll_after > timezone.now() + timedelta(minutes=3)
    channel.poll_after = None
    channel.save(update_fields=["poll_after"])
    graph_throttles_lift()
    assert poll(channel) == 1
    assert Message.objects.filter(external_id=later.mid).exists()
