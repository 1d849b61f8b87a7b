"""The integration pages, clicked through in headless Debian chromium (issue 14): an agent's
API tokens (created, shown once, used, revoked after confirming), a manager's webhook (added, a
delivery seen and redelivered, disabled and enabled, deleted after confirming), the Slack connection (an incoming webhook,
then a bot token, each with a test message), and help articles (a draft, published, read at
/help/<slug>/, deleted). Every button and link on those pages is clicked by one of these.
"""

from __future__ import annotations

import json
import re
import threading

import pytest
import requests
from django.test import override_settings
from playwright.sync_api import expect

from inbox import conversations as ops
from kb.models import Article
from slack.models import SlackMessage
from slack.standin import BOT_TOKEN, SlackStandin
from switchboard.standin_server import served
from tests.support import factories
from webhooks_out.signing import verify

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


class Receiver:
    """A webhook receiver on local HTTP that keeps what it is sent and answers 200."""

    def __init__(self):
        self.requests = []
        self.lock = threading.Lock()

    def __call__(self, environ, start_response):
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        with self.lock:
            self.requests.append((body, environ.get("HTTP_SWITCHBOARD_SIGNATURE", "")))
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"thanks"]


def test_an_agent_creates_an_api_token_sees_it_once_uses_it_and_revokes_it(
    browser_page, live_server, agent
):
    api = live_server.url + "/api/v1/conversations/"
    page = browser_page(agent)
    page.goto(live_server.url + "/")
    page.click("nav >> text=Settings")
    page.click("text=API tokens")
    page.fill("#token-name", "shop sync")
    page.click("button:has-text('Create token')")
    shown = page.locator("[data-new-token]")
    expect(shown).to_be_visible()
    raw = shown.inner_text().strip()
    assert "Copy it now: it is not shown again" in page.content()

    answer = requests.get(api, headers={"Authorization": f"Bearer {raw}"}, timeout=10)
    assert answer.status_code == 200  # a script can use it

    page.reload()  # shown once: only its start now, and the reload made no second token
    expect(page.locator("[data-new-token]")).to_have_count(0)
    assert raw not in page.content()
    row = page.locator("tr", has_text="shop sync")
    expect(row).to_have_count(1)
    expect(row).to_contain_text(raw[:8])

    # Revoke asks first: Cancel keeps the token working, the confirmation revokes it.
    row.get_by_role("link", name="Revoke").click()
    expect(page.locator("main h1")).to_have_text("Revoke the token shop sync?")
    page.locator("#confirm-revoke").get_by_role("link", name="Cancel").click()
    answer = requests.get(api, headers={"Authorization": f"Bearer {raw}"}, timeout=10)
    assert answer.status_code == 200
    page.locator("tr", has_text="shop sync").get_by_role("link", name="Revoke").click()
    page.get_by_role("button", name="Revoke the token shop sync").click()
    expect(page.locator("text=Revoked shop sync.")).to_be_visible()
    expect(page.locator("tr", has_text="shop sync")).to_contain_text("revoked")
    answer = requests.get(api, headers={"Authorization": f"Bearer {raw}"}, timeout=10)
    assert answer.status_code == 401 and answer.json()["error"]["code"] == "invalid_token"

    page.click("text=REST API")  # the page's link to the API's documentation
    expect(page).to_have_url(re.compile(r"/api/docs/$"))


@override_settings(SWITCHBOARD_ALLOW_PRIVATE_WEBHOOKS=True)  # the receiver is on 127.0.0.1
def test_a_manager_adds_a_webhook_sees_a_delivery_redelivers_it_and_toggles_it(
    browser_page, live_server, manager
):
    conversation = factories.make_conversation(text="Where is my parcel?")
    with served(Receiver()) as receiver:
        page = browser_page(manager)
        page.goto(live_server.url + "/")
        page.click("nav >> text=Webhooks")
        page.fill("input[name=url]", receiver.url + "/hook")
        page.check("text=A conversation was closed")
        page.click("button:has-text('Add')")
        expect(page.locator("text=Webhook added.")).to_be_visible()
        secret = page.locator("[data-secret]").inner_text().strip()
        assert secret.startswith("whsec_")

        ops.conversation_close(conversation=conversation, actor=manager)  # sent at commit
        page.reload()
        row = page.locator("tr[data-delivery]")
        expect(row).to_contain_text("conversation.closed")
        expect(row).to_contain_text("Delivered")
        expect(row).to_contain_text("HTTP 200")
        [(body, signature)] = receiver.requests
        assert verify(secret, body, signature)  # with the secret the page shows
        assert json.loads(body)["data"]["conversation"]["id"] == conversation.pk

        row.locator("button:has-text('Redeliver')").click()
        expect(page.locator("text=Sending it again.")).to_be_visible()
        assert len(receiver.requests) == 2 and receiver.requests[1][0] == body

        page.click("button:has-text('Disable')")
        expect(page.locator("text=Disabled")).to_be_visible()
        page.click("button:has-text('Enable')")
        expect(page.locator("main >> text=Enabled.")).to_be_visible()

        page.click("nav >> text=Webhooks")
        expect(page.locator("table.manage")).to_contain_text("enabled")
        page.click(f"text={receiver.url}/hook")  # the list's link to the webhook
        # Delete asks first, saying what goes; Cancel returns to the webhook, kept.
        page.locator("main").get_by_role("link", name="Delete").click()
        expect(page.locator("main")).to_contain_text("the record of its 1 delivery go with it")
        page.locator("#confirm-delete").get_by_role("link", name="Cancel").click()
        expect(page.locator("main h1")).to_have_text(receiver.url + "/hook")
        page.locator("main").get_by_role("link", name="Delete").click()
        page.locator("#confirm-delete").get_by_role("button").click()
        expect(page.locator("text=Webhook deleted.")).to_be_visible()
        expect(page.locator("table.manage")).to_contain_text("None yet.")


@override_settings(SWITCHBOARD_ALLOW_PRIVATE_WEBHOOKS=True)  # the stand-in is on 127.0.0.1
def test_a_manager_connects_slack_by_webhook_then_by_bot_and_sends_test_messages(
    browser_page, live_server, manager, agent
):
    with served(SlackStandin()) as slack, override_settings(SLACK_API_URL=slack.url + "/api"):
        page = browser_page(manager)
        page.goto(live_server.url + "/")
        page.click("nav >> text=Settings")
        page.click(".settings-nav >> text=Slack")
        page.fill("input[name=webhook_url]", slack.url + "/services/T000/B000/XXXX")
        page.click("button:has-text('Save')")
        expect(page.locator("text=Slack connection saved.")).to_be_visible()
        expect(page.locator("text=Connected: incoming webhook")).to_be_visible()

        page.click("button:has-text('Send a test message')")
        expect(page.locator("text=Test message queued")).to_be_visible()
        expect(page.locator("table.manage")).to_contain_text("A test message")
        [test] = slack.posts
        assert test["text"].startswith("Switchboard is connected (test by Maria")

        page.check("text=Bot token (chat.postMessage)")
        page.fill("input[name=bot_token]", BOT_TOKEN)
        page.fill("input[name=channel]", "C0SUPPORT")
        page.click("button:has-text('Save')")
        expect(page.locator("text=Connected: bot token, channel C0SUPPORT")).to_be_visible()
        assert BOT_TOKEN not in page.content()  # a secret: never shown again
        page.click("button:has-text('Send a test message')")
        expect(page.locator("text=Test message queued")).to_be_visible()
        assert slack.requests[-1]["path"] == "/api/chat.postMessage"
        assert slack.requests[-1]["auth"] == f"Bearer {BOT_TOKEN}"
        assert slack.posts[-1]["channel"] == "C0SUPPORT"

        # A post about a conversation links to it from the page's list.
        conversation = factories.make_conversation(text="Refund <please>")
        ops.conversation_assign(conversation=conversation, assignee=agent, actor=manager)
        assert SlackMessage.objects.filter(kind="assigned", state="delivered").exists()
        assert "Refund &lt;please&gt;" in slack.posts[-1]["text"]
        page.reload()
        page.click(f"table.manage >> text=#{conversation.pk}")
        expect(page).to_have_url(re.compile(rf"/c/{conversation.pk}/$"))


def test_a_manager_writes_a_draft_publishes_it_and_reads_it_at_its_address(
    browser_page, live_server, manager
):
    page = browser_page(manager)
    page.goto(live_server.url + "/")
    page.click("nav >> text=Settings")
    page.click(".settings-nav >> text=Help articles")
    page.click("text=New article")
    page.fill("input[name=title]", "Returns")
    page.fill("input[name=slug]", "returns")
    page.fill("textarea[name=body]", "Send it back **within 30 days**.\n\n<script>x()</script>")
    page.fill("input[name=tags]", "returns, refunds")
    page.click("#article-form button:has-text('Save')")
    expect(page.locator("text=Saved Returns.")).to_be_visible()
    row = page.locator("#articles tr", has_text="Returns")
    expect(row).to_contain_text("draft")

    row.get_by_role("link", name="Returns", exact=True).click()  # to its edit page
    page.check("input[name=published]")
    page.click("#article-form button:has-text('Save')")
    expect(page.locator("#articles tr", has_text="Returns")).not_to_contain_text("draft")
    assert Article.objects.get(slug="returns").published

    page.locator("#articles").get_by_role("link", name="Returns", exact=True).click()
    page.locator("main").get_by_role("link", name="Preview", exact=True).click()
    expect(page).to_have_url(re.compile(r"/help/returns/$"))
    expect(page.locator("h1")).to_have_text("Returns")
    expect(page.locator(".kb-body strong")).to_have_text("within 30 days")
    expect(page.locator(".kb-body script")).to_have_count(0)  # Markdown rendered safely
    expect(page.locator(".kb-draft")).to_have_count(0)

    page.go_back()
    page.locator("main").get_by_role("link", name="Back", exact=True).click()
    expect(page).to_have_url(re.compile(r"/settings/articles/$"))
    page.click("#articles >> text=/help/returns/")  # the address column's link
    expect(page.locator("h1")).to_have_text("Returns")
    page.go_back()
    page.locator("#articles tr", has_text="Returns").locator("a:has-text('Delete')").click()
    expect(page.locator("main")).to_contain_text("/help/returns/, stops working")
    page.click("#confirm-delete button:has-text('Delete Returns')")
    expect(page.locator("text=Deleted Returns.")).to_be_visible()
    expect(page.locator("#articles")).to_contain_text("No article yet.")
