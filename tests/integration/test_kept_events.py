"""The Channels page's "Kept for inspection": an admin reads what could not be processed,
with its reason and what the platform sent (escaped, capped), and processes a failed event
again once its cause is fixed — without needing the Django admin."""

from __future__ import annotations

import pytest
from django.test import Client

from inbox import kept
from inbox.models import EventState, InboundEvent, Message
from tests.support import factories
from tests.support.testchat_events import ACCOUNT, event

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin():
    client = Client()
    client.force_login(factories.make_user("root", role="admin"))
    return client


def kept_event(channel, state, payload, error="boom"):
    return InboundEvent.objects.create(
        channel_kind=channel.kind if channel else "testchat",
        channel=channel,
        delivery_key=f"k{InboundEvent.objects.count()}",
        payload=payload,
        state=state,
        last_error=error,
    )


def test_a_failed_event_is_read_and_processed_again_from_the_channels_page(
    admin, django_capture_on_commit_callbacks
):
    channel = factories.make_channel("testchat", external_id=ACCOUNT)
    failed = kept_event(
        channel,
        EventState.FAILED,
        event("c1", thread="t1", text="<script>alert(1)</script> where is my order", ts=100),
        error="Traceback: KeyError 'from'",
    )
    html = admin.get("/channels/").content.decode()
    assert '<span class="failed-count">1</span> failed' in html
    page = admin.get(f"/channels/kept/?state=failed&channel={channel.pk}").content.decode()
    assert "Traceback: KeyError &#x27;from&#x27;" in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert" not in page

    with django_capture_on_commit_callbacks(execute=True):
        answer = admin.post(
            f"/channels/kept/{failed.pk}/process/",
            {"next": f"/channels/kept/?channel={channel.pk}"},
            follow=True,
        )
    assert answer.redirect_chain[-1][0] == f"/channels/kept/?channel={channel.pk}"
    failed.refresh_from_db()
    assert failed.state == EventState.DONE
    assert Message.objects.filter(text__contains="where is my order").count() == 1
    assert "Nothing is kept here." in answer.content.decode()


def test_a_poisoned_event_is_not_processed_again(admin):
    poisoned = kept_event(None, EventState.POISONED, {"raw": "\\u0000"}, error="NUL byte")
    assert admin.post(f"/channels/kept/{poisoned.pk}/process/").status_code == 404
    poisoned.refresh_from_db()
    assert poisoned.state == EventState.POISONED
    page = admin.get("/channels/kept/?channel=none").content.decode()
    assert "NUL byte" in page and "deliveries that name no channel" in page


def test_a_huge_payload_is_shown_capped(admin):
    channel = factories.make_channel("testchat", external_id=ACCOUNT)
    kept_event(channel, EventState.POISONED, {"text": "x" * 50_000})
    page = admin.get(f"/channels/kept/?channel={channel.pk}").content.decode()
    assert "x" * kept.SHOWN_CHARS not in page
    assert "more characters)" in page


def test_the_list_pages_by_fifty_newest_first(admin):
    channel = factories.make_channel("testchat", external_id=ACCOUNT)
    made = [kept_event(channel, EventState.FAILED, {"n": n}, error=f"e{n}") for n in range(55)]
    first = admin.get(f"/channels/kept/?channel={channel.pk}").content.decode()
    assert first.count('class="kept-event') == 50
    assert f'id="event-{made[-1].pk}"' in first and f'id="event-{made[4].pk}"' not in first
    older = first.split('class="older" href="')[1].split('"')[0].replace("&amp;", "&")
    second = admin.get(f"/channels/kept/{older}").content.decode()
    assert second.count('class="kept-event') == 5
    assert f'id="event-{made[0].pk}"' in second and 'class="older"' not in second


def test_only_admins_read_them(agent_client):
    assert agent_client.get("/channels/kept/").status_code == 403
