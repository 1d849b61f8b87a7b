"""Polling X against the stand-in over HTTP: pages, cursors, rate limits, resumption.

Shapes and parameters: https://docs.x.com/x-api/posts/timelines/introduction (mentions,
`pagination_token`, `since_id` exclusive), https://docs.x.com/x-api/posts/search/introduction
(`next_token`), https://docs.x.com/fundamentals/rate-limits (`x-rate-limit-*`, 429).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from unittest import mock

import pytest
from django.utils import timezone

from inbox import polling
from inbox.models import Channel, Conversation, InboundEvent, Message
from tests.support.x import (
    BRAND_ID,
    JURGEN,
    KADRI,
    LIN,
    LUCIA,
    MARINA,
    make_x_channel,
)

pytestmark = pytest.mark.django_db
CUSTOMERS = [MARINA, KADRI, LIN, JURGEN, LUCIA]


def _poll(channel, capture):
    with capture(execute=True):
        return polling.poll_channel(channel.pk)


def _seed(app, *, mentions=0, brand=0, hashtag=0, dms=0):
    made = []
    for n in range(mentions):
        made.append(app.add_tweet(CUSTOMERS[n % 5], f"@polarisoutfit where is order {n}?"))
    for n in range(brand):
        made.append(app.add_tweet(CUSTOMERS[n % 5], f"Polaris Outfitters jacket number {n}"))
    for n in range(hashtag):
        made.append(app.add_tweet(CUSTOMERS[n % 5], f"zip broke again #polariscare ({n})"))
    for n in range(dms):
        made.append(app.add_dm(CUSTOMERS[n % 5], BRAND_ID, f"DM number {n}"))
    return made


def _inbound_ids(channel):
    return list(
        Message.objects.filter(channel=channel, direction="in")
        .order_by("id")
        .values_list("external_id", flat=True)
    )


def test_pages_through_everything_once_in_order_then_nothing_new(
    x_platform, django_capture_on_commit_callbacks
):
    app, url = x_platform
    made = _seed(app, mentions=12, brand=13, hashtag=8, dms=7)
    channel = make_x_channel(url, page_size=5)

    stored = _poll(channel, django_capture_on_commit_callbacks)

    # 12 mentions in 3 pages of 5; 13 brand-name matches and 8 hashtag ones in pages of 10
    # (search's minimum); 7 DMs in pages of 5: every page was read.
    assert len(app.calls_to("mentions")) == 3
    assert len(app.calls_to("search_recent")) == 2 + 1
    assert len(app.calls_to("dm_events")) == 2
    assert stored == 40
    ids = _inbound_ids(channel)
    assert sorted(ids) == sorted(t["id"] for t in made) and len(set(ids)) == 40
    # Each source is ingested oldest first.
    mention_events = list(
        InboundEvent.objects.filter(delivery_key__startswith="mentions:")
        .order_by("id")
        .values_list("delivery_key", flat=True)
    )
    assert mention_events == [f"mentions:{t['id']}" for t in made[:12]]
    brand = Conversation.objects.get(channel=channel, external_thread_id=made[12]["id"])
    assert brand.kind == "search"
    assert list(brand.tags.values_list("name", flat=True)) == ["Brand name"]
    hashtag = Conversation.objects.get(channel=channel, external_thread_id=made[25]["id"])
    assert list(hashtag.tags.values_list("name", flat=True)) == ["#polariscare"]

    calls_before = len(app.calls)
    assert _poll(channel, django_capture_on_commit_callbacks) == 0
    # The second run asked only for what is newer than the newest it had.
    newest_mention = max((t["id"] for t in made[:12]), key=int)
    assert app.calls[calls_before]["query"]["since_id"] == newest_mention
    assert Message.objects.filter(channel=channel).count() == 40

    late = app.add_tweet(KADRI, "@polarisoutfit one more question")
    assert _poll(channel, django_capture_on_commit_callbacks) == 1
    assert _inbound_ids(channel)[-1] == late["id"]


def test_search_excludes_retweets_and_our_own_posts(x_platform, django_capture_on_commit_callbacks):
    app, url = x_platform
    original = app.add_tweet(LUCIA, "Polaris Outfitters boots survived the Camino")
    app.add_tweet(
        JURGEN, "RT Polaris Outfitters boots survived the Camino", retweet_of=original["id"]
    )
    app.add_tweet(BRAND_ID, "Polaris Outfitters spring sale starts today")
    channel = make_x_channel(url)
    _poll(channel, django_capture_on_commit_callbacks)
    assert _inbound_ids(channel) == [original["id"]]
    query = app.calls_to("search_recent")[0]["query"]["query"]
    assert query == ('("Polaris Outfitters" OR polarisoutfitters) -is:retweet -from:polarisoutfit')


def test_rate_limit_mid_sweep_resumes_at_reset_without_loss_or_repeat(
    x_platform, django_capture_on_commit_callbacks
):
    app, url = x_platform
    app.limits["mentions"] = 2  # two pages per 15-minute window
    made = _seed(app, mentions=14)
    channel = make_x_channel(url, page_size=5, sources=["mentions"])

    stored = _poll(channel, django_capture_on_commit_callbacks)

    channel.refresh_from_db()
    assert stored == 10  # two pages read, the third refused with 429
    reset = datetime.fromtimestamp(app.windows[("mentions", "x-test-access-token")]["reset"], UTC)
    assert channel.poll_after == reset
    assert channel.cursors["mentions"]["page_token"]
    assert channel.cursors["mentions"]["since_id"] is None  # not moved before the last page
    assert channel.rate_limits["mentions"]["remaining"] == 0
    assert channel.id not in polling.claim_due_channels()  # nobody polls before the reset

    arrived_meanwhile = app.add_tweet(LIN, "@polarisoutfit 还在等回复")
    app.advance(15 * 60 + 1)
    with mock.patch("django.utils.timezone.now", return_value=reset + timedelta(seconds=1)):
        assert channel.id in polling.claim_due_channels()
        stored = _poll(channel, django_capture_on_commit_callbacks)
    # The rest of the interrupted sweep, then (next run) what arrived in the meantime.
    assert stored == 4
    stored_next = _poll(channel, django_capture_on_commit_callbacks)
    assert stored_next == 1
    assert sorted(_inbound_ids(channel), key=int) == sorted(
        [t["id"] for t in made] + [arrived_meanwhile["id"]], key=int
    )
    assert len(_inbound_ids(channel)) == 15
    channel.refresh_from_db()
    assert channel.cursors["mentions"] == {"since_id": arrived_meanwhile["id"]}
    app.advance(15 * 60 + 1)  # a fresh window: a run now finds nothing new
    with mock.patch("django.utils.timezone.now", return_value=reset + timedelta(seconds=902)):
        assert _poll(channel, django_capture_on_commit_callbacks) == 0
    assert len(_inbound_ids(channel)) == 15


def test_dm_rate_limit_resumes_without_loss(x_platform, django_capture_on_commit_callbacks):
    app, url = x_platform
    app.limits["dm_events"] = 1
    made = _seed(app, dms=8)
    channel = make_x_channel(url, page_size=3, sources=["dm_events"])
    assert _poll(channel, django_capture_on_commit_callbacks) == 3
    app.advance(901)
    with mock.patch(
        "django.utils.timezone.now", return_value=timezone.now() + timedelta(seconds=901)
    ):
        assert _poll(channel, django_capture_on_commit_callbacks) == 3
    app.advance(901)
    with mock.patch(
        "django.utils.timezone.now", return_value=timezone.now() + timedelta(seconds=1802)
    ):
        assert _poll(channel, django_capture_on_commit_callbacks) == 2
    assert sorted(_inbound_ids(channel)) == sorted(e["id"] for e in made)


def test_known_exhausted_budget_is_not_spent_again(x_platform, django_capture_on_commit_callbacks):
    app, url = x_platform
    channel = make_x_channel(url, sources=["mentions"])
    reset = int(app.now()) + 600
    Channel.objects.filter(pk=channel.pk).update(
        rate_limits={"mentions": {"limit": 10, "remaining": 0, "reset": reset}}
    )
    channel.refresh_from_db()
    _poll(channel, django_capture_on_commit_callbacks)
    assert app.calls_to("mentions") == []
    channel.refresh_from_db()
    assert channel.poll_after == datetime.fromtimestamp(reset, UTC)


def test_injected_429_through_control_endpoint_defers_the_poll(
    x_platform, django_capture_on_commit_callbacks
):
    import requests

    app, url = x_platform
    _seed(app, mentions=3)
    requests.post(f"{url}/_standin/faults", json={"mode": "429", "endpoint": "mentions"}, timeout=5)
    channel = make_x_channel(url, sources=["mentions"])
    assert _poll(channel, django_capture_on_commit_callbacks) == 0
    channel.refresh_from_db()
    assert channel.poll_after > timezone.now()
    assert channel.cursors["mentions"]["since_id"] is None


def test_add_channel_command_connects_an_x_account(x_platform, django_capture_on_commit_callbacks):
    from django.core.management import call_command

    app, url = x_platform
    app.add_tweet(KADRI, "@polarisoutfit tere!")
    call_command(
        "add_channel",
        "x",
        "--external-id",
        BRAND_ID,
        "--name",
        "Polaris Outfitters",
        "--token",
        "x-test-access-token",
        "--api-base",
        url,
        "--handle",
        "polarisoutfit",
    )
    channel = Channel.objects.get(kind="x", external_id=BRAND_ID)
    assert _poll(channel, django_capture_on_commit_callbacks) == 1
