"""Two web processes on one PostgreSQL and one Redis, as docker-compose scales them: what an
agent sees and does must not live in one process's memory.

Two `runserver` processes serve the same test database; two agents each talk to a different
one. A change made through one is announced to a page polling the other (the live version
lives in the shared cache), who is looking at a conversation shows on both (presence), and
a reply's one-time token, taken from a page of one process, posts once whichever process
each submission reaches.
"""

from __future__ import annotations

import re

import pytest
import requests
from django.test import Client

from inbox.models import ConversationState, Direction, Message, OutboundAction
from tests.support import factories
from tests.support.worker import queueing_for_real, shared_broker_url, web_process

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def broker_url():
    return shared_broker_url("two web processes")


def signed_in(user) -> requests.Session:
    """A browser of `user`'s: the session is in the shared database, so both processes know it."""
    client = Client()
    client.force_login(user)
    session = requests.Session()
    session.cookies.set("sessionid", client.cookies["sessionid"].value)
    return session


def post(session: requests.Session, url: str, data: dict) -> requests.Response:
    """A form post as the browser sends it: with the CSRF cookie a page of ours has set."""
    token = session.cookies["csrftoken"]
    return session.post(url, data={**data, "csrfmiddlewaretoken": token}, timeout=10)


def test_live_updates_presence_and_reply_tokens_hold_across_two_web_processes(
    broker_url, agent, agent2
):
    channel = factories.make_channel("testchat", external_id="acct-1")
    conversation = factories.make_conversation(channel)
    with queueing_for_real(broker_url) as env:
        with web_process(env) as first, web_process(env) as second:
            anna, boris = signed_in(agent), signed_in(agent2)
            page = f"/c/{conversation.pk}/"

            # Boris's inbox polls the second process; Anna closes it on the first.
            version = boris.get(f"{second}/live/", params={"v": 0}, timeout=10).json()["version"]
            anna.get(first + page, timeout=10)
            answer = post(anna, f"{first}{page}do/close/", {})
            assert answer.status_code in (200, 302)
            conversation.refresh_from_db()
            assert conversation.state == ConversationState.CLOSED
            feed = boris.get(f"{second}/live/", params={"v": version}, timeout=10).json()
            assert feed["version"] > version
            assert conversation.pk in feed.get("gone", []) or any(
                row["id"] == conversation.pk for row in feed.get("rows", [])
            )

            # Anna looks at it through the first process; Boris, on the second, sees her.
            anna.get(f"{first}/live/", params={"v": 0, "open": conversation.pk}, timeout=10)
            seen = boris.get(
                f"{second}/live/", params={"v": 0, "open": conversation.pk}, timeout=10
            ).json()
            assert "Anna is viewing" in seen["presence"]

            # A reply's token from a page of the first process posts once, wherever each
            # submission lands (a double click, a retry after a timeout).
            html = anna.get(first + page, timeout=10).text
            token = re.search(r'name="reply_token" value="([^"]+)"', html).group(1)
            reply = {"text": "We are on it", "mode": "public", "reply_token": token}
            answers = [post(anna, f"{base}{page}reply/", reply) for base in (second, first, second)]
            assert [a.status_code for a in answers] == [200, 200, 200]
    sent = Message.objects.filter(
        conversation=conversation, direction=Direction.OUTBOUND, text="We are on it"
    )
    assert sent.count() == 1
    assert OutboundAction.objects.filter(message__in=sent).count() == 1
