"""Connect and Reconnect in the demo go to the stand-ins' consent pages, not the platforms'.

Production keeps the real hosts: Facebook Login's dialog on www.facebook.com
(https://developers.facebook.com/docs/facebook-login/guides/advanced/manual-flow) and X's
consent page on x.com (https://docs.x.com/fundamentals/authentication/oauth-2-0/user-access-token).
"""

from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from channels_fb.standin import demo as fb_demo
from channels_tw.standin import demo as x_demo
from inbox.models import Channel
from switchboard.standin_server import served

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


def test_production_sends_the_admin_to_facebook_and_x(admin_client):
    facebook = urlsplit(admin_client.get("/channels/facebook/connect/")["Location"])
    x = urlsplit(admin_client.get("/channels/x/connect/")["Location"])
    assert (facebook.netloc, facebook.path) == ("www.facebook.com", "/v24.0/dialog/oauth")
    assert (x.netloc, x.path) == ("x.com", "/i/oauth2/authorize")


def test_the_demo_sends_the_admin_to_the_standins_with_the_platforms_parameters(
    admin_client, settings
):
    for name, value in {
        **fb_demo.demo_settings("http://127.0.0.1:8101"),
        **x_demo.demo_settings("http://127.0.0.1:8103"),
    }.items():
        setattr(settings, name, value)
    facebook = urlsplit(admin_client.get("/channels/facebook/connect/")["Location"])
    x = urlsplit(admin_client.get("/channels/x/connect/")["Location"])

    assert (facebook.netloc, facebook.path) == ("127.0.0.1:8101", "/v24.0/dialog/oauth")
    assert set(parse_qs(facebook.query)) == {
        "client_id",
        "redirect_uri",
        "state",
        "scope",
        "response_type",
    }
    assert (x.netloc, x.path) == ("127.0.0.1:8103", "/i/oauth2/authorize")
    assert set(parse_qs(x.query)) == {
        "response_type",
        "client_id",
        "redirect_uri",
        "scope",
        "state",
        "code_challenge",
        "code_challenge_method",
    }


def test_connecting_the_demo_instagram_account_through_facebook_login_keeps_it_working(
    admin_client, settings
):
    """The Instagram stand-in's account is the one linked to the Facebook stand-in's Page,
    reached with the Page's token: what the Login dialog hands out is what it accepts."""
    from channels_ig.standin import demo as ig_demo

    facebook, instagram = fb_demo.create_app(), ig_demo.create_app()
    with served(facebook), served(instagram):
        for name, value in fb_demo.demo_settings(facebook.url).items():
            setattr(settings, name, value)
        fb_demo.setup_channels(facebook.url)
        ig_demo.setup_channels(instagram.url)

        dialog = admin_client.get("/channels/facebook/connect/")["Location"]
        consent = requests.get(dialog, timeout=5)
        assert consent.status_code == 200 and "Instagram @" in consent.text
        query = {k: v[0] for k, v in parse_qs(urlsplit(dialog).query).items()}
        back = requests.post(
            dialog.split("?")[0],
            data={**query, "decision": "continue"},
            allow_redirects=False,
            timeout=5,
        )
        assert back.status_code == 302
        callback = urlsplit(back.headers["Location"])
        assert (
            admin_client.get(f"{callback.path}?{callback.query}")["Location"]
            == "/channels/facebook/connect/pages/"
        )
        admin_client.post(
            "/channels/facebook/connect/pages/",
            {"page": [fb_demo.PAGE_ID], "instagram": [fb_demo.PAGE_ID]},
        )
        facebook.webhooks.stop()

        account = Channel.objects.get(kind="instagram", external_id=ig_demo.ACCOUNT_ID)
        assert account.credentials["access_token"] == facebook.pages[fb_demo.PAGE_ID].token
        from channels_ig.client import InstagramClient

        assert InstagramClient.for_channel(account).recent_media(limit=5)  # token accepted
