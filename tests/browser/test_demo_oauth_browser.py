"""Rehearsing a reconnect in the demo: the Facebook stand-in plays Facebook Login's dialog.

The stand-in is the demo's own (channels_fb/standin/demo.py: consent page on, the demo's
settings pointing Connect at it), the Page the demo's sandbox Page. Its token dies, an
agent's reply is held, and the admin reconnects through the stand-in's consent page in
Debian chromium; the held reply then goes out (the stand-in's posted list).
Dialog parameters: https://developers.facebook.com/docs/facebook-login/guides/advanced/manual-flow
"""

from __future__ import annotations

import time
from urllib.parse import parse_qs, urlsplit

import pytest

from channels_fb.standin import PAGE_ID
from channels_fb.standin import demo as fb_demo
from inbox.conversations import conversation_reply
from inbox.models import ActionState, Channel, ChannelStatus, Conversation, OutboundAction
from switchboard.standin_server import served

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MARINA = {"id": "6984412238391107", "name": "Марина Соколова"}


def wait_for(condition, *, timeout: float = 10.0, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def demo_facebook(settings, live_server):
    """The demo's Facebook stand-in, wired as `make run` wires it, delivering to the live server."""
    app = fb_demo.create_app()
    with served(app):
        for name, value in fb_demo.demo_settings(app.url).items():
            setattr(settings, name, value)
        app.configure(
            callback_url=f"{live_server.url}/webhooks/facebook/",
            app_secret=settings.META_APP_SECRET,
        )
        fb_demo.setup_channels(app.url)
        yield app
        app.webhooks.stop()


def replies_posted(standin) -> list[str]:
    return [p["text"] for p in standin.posted if p["kind"] == "comment"]


def test_admin_reconnects_an_expired_page_on_the_standin_login_and_held_replies_go_out(
    browser_page, live_server, demo_facebook, admin_user, agent, artifact
):
    standin = demo_facebook
    comment_id = standin.add_comment(message="Заказ №48213 так и не пришёл!", author=MARINA)
    conversation = wait_for(
        lambda: Conversation.objects.filter(external_thread_id=comment_id).first(),
        what="the comment in the inbox",
    )

    standin.expire_token()  # the Page's admin changed their password
    reply = conversation_reply(
        conversation=conversation, text="Марина, уже проверяем!", actor=agent
    )
    held = OutboundAction.objects.get(message=reply)
    assert held.state == ActionState.HELD
    assert replies_posted(standin) == []

    page = browser_page(admin_user)
    page.goto(f"{live_server.url}/channels/")
    assert "Needs reconnect" in page.inner_text("body")
    page.get_by_role("link", name="Reconnect").click()

    # On the stand-in's host, in www.facebook.com's role, with Facebook Login's parameters.
    page.wait_for_selector("text=Continue as Ada")
    dialog = urlsplit(page.url)
    assert f"{dialog.scheme}://{dialog.netloc}" == standin.url
    assert dialog.path == "/v24.0/dialog/oauth"
    query = parse_qs(dialog.query)
    assert query["redirect_uri"] == [f"{live_server.url}/channels/facebook/connect/callback/"]
    assert query["response_type"] == ["code"] and query["state"][0]
    assert "pages_messaging" in query["scope"][0].split(",")
    assert "Polaris Outfitters" in page.inner_text("body")
    artifact(page, "demo-facebook-login-dialog")
    page.click("text=Continue as Ada")

    page.wait_for_url(f"{live_server.url}/channels/")
    assert "Connected: Polaris Outfitters (sandbox)" in page.inner_text("body")
    artifact(page, "demo-facebook-reconnected")
    wait_for(
        lambda: replies_posted(standin) == ["Марина, уже проверяем!"],
        what="the held reply on the stand-in's posted list",
    )
    held.refresh_from_db()
    assert held.state == ActionState.DONE
    channel = Channel.objects.get(kind="facebook", external_id=PAGE_ID)
    assert channel.status == ChannelStatus.ACTIVE
    assert channel.credentials["access_token"] == standin.pages[PAGE_ID].token


def test_cancelling_on_the_standin_login_connects_nothing(
    browser_page, live_server, demo_facebook, admin_user
):
    page = browser_page(admin_user)
    page.goto(f"{live_server.url}/channels/facebook/connect/")
    page.click("text=Cancel")
    page.wait_for_url(f"{live_server.url}/channels/")
    assert "Facebook Login was cancelled; nothing was connected." in page.inner_text("body")


def test_admin_connects_the_demo_x_account_on_the_standin_consent_page(
    browser_page, live_server, admin_user, settings, artifact
):
    from channels_tw.standin import demo as x_demo

    app = x_demo.create_app()
    with served(app):
        for name, value in x_demo.demo_settings(app.url).items():
            setattr(settings, name, value)
        page = browser_page(admin_user)
        page.goto(f"{live_server.url}/channels/x/connect/")
        page.wait_for_selector("text=Authorize app")
        consent = urlsplit(page.url)
        assert (f"{consent.scheme}://{consent.netloc}", consent.path) == (
            app.url,
            "/i/oauth2/authorize",
        )
        assert parse_qs(consent.query)["code_challenge_method"] == ["S256"]
        page.select_option("select[name=user_id]", x_demo.BRAND_ID)
        artifact(page, "demo-x-consent")
        page.click("button[value='1']")
        page.wait_for_url(f"{live_server.url}/channels/")

    channel = Channel.objects.get(kind="x", external_id=x_demo.BRAND_ID)
    assert channel.handle == x_demo.BRAND
    assert channel.credentials["access_token"] in app.tokens
    assert channel.credentials["refresh_token"]  # offline.access was granted


def test_the_channels_page_shows_each_channels_extras_and_every_button_leads_somewhere(
    browser_page, live_server, demo_facebook, admin_user, settings, artifact
):
    """One Channels page: X's part (its searches, tier and limits) under its row, and each
    button on the page opens what it names: Facebook Login, X's consent page, the searches."""
    from channels_tw.standin import demo as x_demo
    from inbox.channels import mark_needs_reconnect

    x_app = x_demo.create_app()
    with served(x_app):
        for name, value in x_demo.demo_settings(x_app.url).items():
            setattr(settings, name, value)
        x_demo.setup_channels(x_app.url)
        x_channel = Channel.objects.get(kind="x")
        facebook = Channel.objects.get(kind="facebook")
        mark_needs_reconnect(facebook, "Facebook access token rejected: reconnect the channel.")

        page = browser_page(admin_user)
        page.goto(f"{live_server.url}/channels/")
        extras = page.locator(f"#channel-{x_channel.pk}-extras")
        assert [s.inner_text() for s in extras.locator(".x-search").all()] == [
            "Brand name",
            "#polariscare",
            "Website",
        ]
        assert extras.locator(".x-tier").inner_text() == "basic"
        assert page.locator(f"#channel-{facebook.pk}-extras").count() == 0  # none of its own
        artifact(page, "channels-page-with-extras")

        # Where each button goes, told by what the page it opens says.
        expected = {
            "Connect Facebook Page": "text=Continue as Ada",
            "Connect X": "text=Authorize app",
            "Reconnect": "text=Continue as Ada",
            "Edit searches": "h1:has-text('X searches')",
        }
        labels = [b.inner_text().strip() for b in page.locator("main a.button").all()]
        assert sorted(labels) == sorted(expected)
        for label, sign in expected.items():
            page.goto(f"{live_server.url}/channels/")
            page.locator("main a.button", has_text=label).click()
            page.wait_for_selector(sign)
            assert page.url.rstrip("/") != f"{live_server.url}/channels", label
