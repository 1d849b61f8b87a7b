"""Redis down: the agent UI degrades, it does not die; a committed reply posts once later.

Redis is a redis-server of this test's own, serving as the shared cache (live updates,
presence, cached counts) and the Celery broker, so the test can stop it and start it again.
The platform is the Graph stand-in, which records every write the app makes.
"""

from __future__ import annotations

import re

import pytest

from inbox.models import ActionState, Conversation, Message, OutboundAction
from inbox.tasks import sweep
from tests.support.facebook import make_fb_channel, post_signed
from tests.support.worker import celery_worker, queueing_for_real, wait_until

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

PAUSED = "Live updates paused — reconnecting"
MARINA = {"id": "6984412238391107", "name": "Марина Соколова"}


def notice_shown(response) -> bool:
    """Is the "paused" notice on the page and not hidden?"""
    tag = re.search(r'<p id="live-paused"[^>]*>([^<]*)', response.content.decode())
    return bool(tag) and " hidden" not in tag.group(0).split(">")[0] and PAUSED in tag.group(1)


def reply_token(html: str) -> str:
    return re.search(r'name="reply_token" value="([0-9a-f]+)"', html).group(1)


def test_with_redis_stopped_pages_and_replies_work_and_the_reply_posts_once_when_it_is_back(
    client, agent, graph_standin, redis_cache
):
    redis = redis_cache
    make_fb_channel(api_base_url=graph_standin.url)
    comment_id = graph_standin.add_comment(message="Где мой заказ №48213?", author=MARINA)
    graph_standin.webhooks.seal_all()
    for delivery in list(graph_standin.webhooks.queue):
        assert post_signed(client, delivery.body).status_code == 200  # ingested inline
    conversation = Conversation.objects.get(external_thread_id=comment_id)
    client.force_login(agent)
    assert not notice_shown(client.get("/"))  # Redis up: no notice

    with queueing_for_real(redis.url) as env:
        redis.stop()

        inbox = client.get("/")
        assert inbox.status_code == 200 and notice_shown(inbox)
        page = client.get(f"/c/{conversation.pk}/")
        assert page.status_code == 200
        html = page.content.decode()
        assert notice_shown(page) and "Где мой заказ" in html
        feed = client.get("/live/", {"v": 5, "open": conversation.pk})
        assert feed.status_code == 200 and feed.json()["paused"] is True

        form = {
            "text": "Марина, проверяем заказ!",
            "mode": "public",
            "reply_token": reply_token(html),
            "since_id": 10**9,
            "confirm_answered": "1",
        }
        sent = client.post(f"/c/{conversation.pk}/reply/", form, HTTP_HX_REQUEST="true")
        assert sent.status_code == 200 and "replySent" in sent["HX-Trigger-After-Settle"]
        # The agent, unsure, sends the same form again (without htmx this time): the
        # conversation is shown, nothing new is sent.
        again = client.post(f"/c/{conversation.pk}/reply/", form)
        assert again.status_code == 302 and again["Location"] == f"/c/{conversation.pk}/"
        reply = Message.objects.get(conversation=conversation, text=form["text"])
        action = OutboundAction.objects.get(message=reply)
        assert action.state == ActionState.QUEUED and action.attempts == 0
        assert graph_standin.posted == []

        redis.start()  # back, and empty: what was published before is gone
        with celery_worker({**env, "SWEEP_GRACE_SECONDS": "0"}):
            sweep.delay()  # what beat does every 30 seconds
            wait_until(
                lambda: OutboundAction.objects.get(pk=action.pk).state == ActionState.DONE,
                message="the sweep to get the reply posted",
            )
        # The feed comes back by itself and asks the page to reload what it shows.
        wait_until(
            lambda: client.get("/live/", {"v": 5}).json().get("paused") is None,
            timeout=15,
            message="the live feed to resume",
        )
        assert client.get("/live/", {"v": 5}).json()["reload"] is True

    posted = [p for p in graph_standin.posted if p["kind"] == "comment"]
    assert [p["text"] for p in posted] == ["Марина, проверяем заказ!"]
    reply.refresh_from_db()
    assert reply.external_id == posted[0]["id"] and reply.delivery_status == "posted"
    assert Message.objects.filter(conversation=conversation, text=form["text"]).count() == 1
    assert not notice_shown(client.get("/"))
