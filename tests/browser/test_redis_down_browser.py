"""Redis stops under an open inbox: the agent is told live updates paused, keeps the draft,
and on Redis' return sees what arrived meanwhile without reloading the page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.support import factories

pytestmark = [pytest.mark.browser, pytest.mark.services, pytest.mark.django_db(transaction=True)]


def test_live_updates_pause_with_a_notice_and_resync_when_redis_returns(
    browser_page, live_server, agent, testchat_channel, redis_cache
):
    redis = redis_cache
    convo = factories.make_conversation(
        testchat_channel,
        text="First question",
        customer="Kadri Tamm",
        at=timezone.now() - timedelta(minutes=4),
    )
    page = browser_page(agent)
    page.goto(f"{live_server.url}/c/{convo.pk}/")
    page.wait_for_selector("#composer-text")
    page.evaluate("window.__noReload = 'still here'")
    page.fill("#composer-text", "Half-written answer, do not lose me")
    notice = page.locator("#live-paused")
    assert notice.is_hidden()

    redis.stop()
    notice.wait_for(state="visible", timeout=4000)
    assert "Live updates paused — reconnecting" in notice.inner_text()
    # Meanwhile a customer writes: stored, but not announced (nothing to announce it on).
    factories.make_conversation(
        testchat_channel, text="Hello while Redis is down", customer="Outage Customer"
    )

    redis.start()
    notice.wait_for(state="hidden", timeout=10000)  # within the cache's 5 s retry pause
    page.wait_for_selector("#rows .row:has-text('Outage Customer')", timeout=4000)
    assert page.evaluate("window.__noReload") == "still here"
    assert page.input_value("#composer-text") == "Half-written answer, do not lose me"
