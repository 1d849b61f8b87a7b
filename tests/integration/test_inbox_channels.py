"""The admins' Channels page: every channel's health, budgets, and one-click (re)connect."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from inbox.models import ChannelStatus
from tests.support import factories

pytestmark = pytest.mark.django_db

URL = "/channels/"
# Session, user, channels, and the counts of events kept for inspection.
CHANNELS_QUERIES = 4


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


def test_agents_and_managers_are_refused(client, agent, manager):
    assert reverse("inbox:channels") == URL
    for user in (agent, manager):
        client.force_login(user)
        assert client.get(URL).status_code == 403
    client.logout()
    assert client.get(URL)["Location"] == "/login/?next=/channels/"


def test_every_channel_with_its_health_and_budgets(admin_client):
    polled = timezone.now() - timedelta(minutes=3)
    page = factories.make_channel(
        "facebook",
        name="Polaris Outdoor",
        handle="polarisoutdoor",
        last_polled_at=polled,
        rate_limits={"graph_usage": {"app": {"call_count": 12}}},
    )
    dead = factories.make_channel(
        "x",
        name="Polaris on X",
        handle="polaris",
        status=ChannelStatus.NEEDS_RECONNECT,
        status_detail="X refused the token: <b>invalid_grant</b>",
        api_base_url="http://127.0.0.1:9/",
        rate_limits={
            "GET /2/users/:id/mentions": {"limit": 450, "remaining": 17, "reset": 1767225600},
            "<script>alert(1)</script>": {"remaining": "<img src=x onerror=alert(2)>"},
        },
    )
    insta = factories.make_channel(
        "instagram",
        name="polaris.gram",
        status=ChannelStatus.NEEDS_RECONNECT,
        status_detail="Page token expired",
    )
    response = admin_client.get(URL)
    html = response.content.decode()
    assert response.status_code == 200
    assert f'id="channel-{page.pk}"' in html and "Polaris Outdoor" in html
    assert "@polarisoutdoor" in html and "Facebook Page" in html
    assert "3\xa0minutes ago" in html  # last poll
    # Usage figures in words, not as JSON.
    assert "graph_usage" in html and "app: call count 12" in html and "&quot;" not in html
    # The dead X channel is highlighted, says why, and reconnects in one click.
    assert f'<tr id="channel-{dead.pk}" class="channel-row status-needs_reconnect">' in html
    assert "X refused the token: &lt;b&gt;invalid_grant&lt;/b&gt;" in html
    reconnect = f"/channels/x/connect/?reconnect={dead.pk}"
    assert f'href="{reconnect}"' in html
    assert '<span class="remaining">17</span>/<span class="limit">450</span>' in html
    assert 'resets <time datetime="2026-01-01T00:00:00+00:00">' in html
    # Hostile JSON keys and values are escaped, not run.
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<img src=x" not in html
    # Instagram has no connect page of its own: its trouble is shown, without a dead link.
    assert "Page token expired" in html
    assert f"reconnect={insta.pk}" not in html
    # Connect buttons for every connector with a connect page.
    assert 'href="/channels/facebook/connect/">Connect Facebook Page</a>' in html
    assert 'href="/channels/x/connect/">Connect X</a>' in html
    # The one-click link starts X's consent flow against that channel's own API host.
    started = admin_client.get(reconnect.replace("&amp;", "&"))
    assert started.status_code == 302
    assert started["Location"].startswith("http://127.0.0.1:9/")


def test_top_bar_links_by_role(client, agent, manager, admin_user):
    client.force_login(agent)
    html = client.get("/").content.decode()
    assert 'href="/channels/"' not in html and 'href="/rules/"' not in html
    client.force_login(manager)
    html = client.get("/").content.decode()
    assert 'href="/rules/">Rules<' in html and 'href="/reports/">Reports<' in html
    assert 'href="/channels/"' not in html
    client.force_login(admin_user)
    html = client.get("/").content.decode()
    assert 'href="/channels/">Channels<' in html and 'href="/rules/">Rules<' in html


@pytest.mark.parametrize("n", [3, 30])
def test_fixed_query_count(admin_client, n):
    kinds = ["facebook", "instagram", "x"]
    for i in range(n):
        factories.make_channel(
            kinds[i % 3], name=f"Channel {i}", rate_limits={"ep": {"limit": 10, "remaining": i}}
        )
    admin_client.get(URL)  # warm the session
    with CaptureQueriesContext(connection) as queries:
        response = admin_client.get(URL)
    assert response.status_code == 200
    assert response.content.decode().count('class="channel-row') == n
    assert len(queries) == CHANNELS_QUERIES, "\n".join(q["sql"] for q in queries)
