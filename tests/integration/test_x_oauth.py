"""OAuth 2.0 Authorization Code with PKCE, and refresh-token rotation, against the stand-in.

https://docs.x.com/fundamentals/authentication/oauth-2-0/authorization-code (2-hour access
token, refresh with offline.access) and .../user-access-token (authorize URL parameters,
S256 challenge, token endpoint).
"""

from __future__ import annotations

import base64
import hashlib
import time
from urllib.parse import parse_qs, urlparse

import pytest
import requests
from django.test import override_settings

from channels_tw import connect as oauth
from inbox import polling
from inbox.models import Channel, ChannelStatus
from tests.support.x import BRAND_ID, make_x_channel

pytestmark = pytest.mark.django_db


def _approve(authorize_url: str) -> str:
    """What the admin does on X's consent page; returns where X sends the browser back."""
    page = requests.get(authorize_url, timeout=5)
    assert page.status_code == 200 and "Authorize app" in page.text
    query = {k: v[0] for k, v in parse_qs(urlparse(authorize_url).query).items()}
    base = authorize_url.split("?")[0]
    answer = requests.post(
        base, data={**query, "approve": "1", "user_id": BRAND_ID}, allow_redirects=False, timeout=5
    )
    assert answer.status_code == 302
    return answer.headers["Location"]


def test_admin_connects_an_account_with_pkce(x_platform, client, admin_user):
    app, url = x_platform
    client.force_login(admin_user)
    with override_settings(X_API_BASE=url):
        start = client.get("/channels/x/connect/")
        assert start.status_code == 302
        authorize = start["Location"]
        params = parse_qs(urlparse(authorize).query)
        assert authorize.startswith(f"{url}/i/oauth2/authorize?")
        assert params["code_challenge_method"] == ["S256"]
        assert set(params["scope"][0].split()) == {
            "tweet.read",
            "users.read",
            "tweet.write",
            "like.write",
            "dm.read",
            "dm.write",
            "tweet.moderate.write",
            "offline.access",
        }
        verifier = client.session["x_oauth"]["verifier"]
        challenge = (
            base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
            .decode()
            .rstrip("=")
        )
        assert params["code_challenge"] == [challenge]

        back = urlparse(_approve(authorize))
        done = client.get(back.path, {k: v[0] for k, v in parse_qs(back.query).items()})

    assert done.status_code == 302
    channel = Channel.objects.get(kind="x", external_id=BRAND_ID)
    assert channel.handle == "polarisoutfit"
    assert channel.credentials["refresh_token"]
    assert channel.credentials["expires_at"] > time.time() + 7000
    assert done["Location"] == "/channels/"
    channels_page = client.get("/channels/").content.decode()
    assert (
        "Polaris Outfitters" in channels_page and "Connected: Polaris Outfitters" in channels_page
    )


def test_callback_with_a_forged_state_connects_nothing(x_platform, client, admin_user):
    app, url = x_platform
    client.force_login(admin_user)
    with override_settings(X_API_BASE=url):
        client.get("/channels/x/connect/")
        response = client.get("/channels/x/callback/", {"state": "forged", "code": "abc"})
    assert response.status_code == 400
    assert not Channel.objects.filter(kind="x").exists()


def test_agents_cannot_connect_or_see_budgets(client, agent):
    client.force_login(agent)
    assert client.get("/channels/x/connect/").status_code == 403
    assert client.get("/channels/").status_code == 403


def _oauth_channel(app, url, *, expires_in: int):
    issued = app.issue_token(BRAND_ID, expires_in=expires_in)
    credentials = oauth.credentials_from(issued)
    return make_x_channel(url, credentials=credentials, sources=["mentions"]), issued


def test_token_is_refreshed_ahead_of_expiry_and_rotation_is_stored(
    x_platform, django_capture_on_commit_callbacks
):
    app, url = x_platform
    channel, issued = _oauth_channel(app, url, expires_in=120)  # inside the refresh margin

    with django_capture_on_commit_callbacks(execute=True):
        polling.poll_channel(channel.pk)

    channel.refresh_from_db()
    assert channel.status == ChannelStatus.ACTIVE
    assert channel.credentials["access_token"] != issued["access_token"]
    assert channel.credentials["refresh_token"] != issued["refresh_token"]
    assert channel.credentials["refresh_token"] in app.refresh_tokens
    assert issued["refresh_token"] not in app.refresh_tokens  # the old one died on use
    assert len(app.calls_to("mentions")) == 1


def test_a_second_worker_uses_the_refresh_already_done(x_platform):
    app, url = x_platform
    channel, issued = _oauth_channel(app, url, expires_in=60)
    stale_copy = Channel.objects.get(pk=channel.pk)  # another worker, loaded before

    first = oauth.refresh(channel)
    second = oauth.refresh(stale_copy)  # would fail at X with the spent refresh token

    assert first == second
    assert Channel.objects.get(pk=channel.pk).status == ChannelStatus.ACTIVE


def test_401_refreshes_once_and_retries(x_platform, django_capture_on_commit_callbacks):
    app, url = x_platform
    app.add_tweet("96583712", "@polarisoutfit tere")
    channel, issued = _oauth_channel(app, url, expires_in=7200)
    app.inject("401", "mentions")
    with django_capture_on_commit_callbacks(execute=True):
        assert polling.poll_channel(channel.pk) == 1
    channel.refresh_from_db()
    assert channel.credentials["access_token"] != issued["access_token"]


def test_dead_refresh_token_flags_needs_reconnect(x_platform, django_capture_on_commit_callbacks):
    app, url = x_platform
    channel, issued = _oauth_channel(app, url, expires_in=60)
    app.refresh_tokens.clear()  # revoked by the user on X
    with django_capture_on_commit_callbacks(execute=True):
        polling.poll_channel(channel.pk)
    channel.refresh_from_db()
    assert channel.status == ChannelStatus.NEEDS_RECONNECT
    assert "refresh" in channel.status_detail
    assert app.calls_to("mentions") == []


@pytest.mark.parametrize("reconnect", ["abc", "-1", "999999"])
def test_reconnect_of_a_channel_that_is_not_there_answers_404(client, admin_user, reconnect):
    client.force_login(admin_user)
    assert client.get("/channels/x/connect/", {"reconnect": reconnect}).status_code == 404


def test_a_state_is_spent_by_its_first_callback(x_platform, client, admin_user):
    app, url = x_platform
    client.force_login(admin_user)
    with override_settings(X_API_BASE=url):
        back = urlparse(_approve(client.get("/channels/x/connect/")["Location"]))
        query = {k: v[0] for k, v in parse_qs(back.query).items()}
        failed = client.get(back.path, {**query, "code": "not-a-code"})
        assert failed.status_code == 400
        replay = client.get(back.path, query)
    assert replay.status_code == 400
    assert not Channel.objects.filter(kind="x").exists()


def test_the_old_channel_lists_redirect_to_the_channels_page(client, admin_user):
    client.force_login(admin_user)
    for old in ("/channels/x/", "/channels/facebook/"):
        response = client.get(old)
        assert (response.status_code, response["Location"]) == (301, "/channels/"), old
