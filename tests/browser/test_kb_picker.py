"""Issue 14, knowledge base: an agent types ??returns in the reply box, picks the article, sends,
and the reply the platform receives carries the article's public link (with its title where the
platform has room; on X, only the link). Headless Debian chromium via Playwright."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from inbox.models import Conversation
from kb.models import Article
from kb.standin import DocsStandin
from switchboard.standin_server import served
from tests.browser.test_inbox_browser import minutes_ago, wait_for
from tests.support import factories
from tests.support.facebook import make_fb_channel
from tests.support.x import BRAND_ID, KADRI, make_x_channel

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def articles(settings, live_server):
    settings.SITE_URL = live_server.url  # the public host customers are sent to
    Article.objects.create(
        title="Returns in 2027 (draft)", slug="returns-2027", body="Soon.", published=False
    )
    Article.objects.create(
        title="Shipping times", slug="shipping", body="Two days.", published=True
    )
    return Article.objects.create(
        title="Returns and refunds",
        slug="returns",
        body="Send it back within 30 days.",
        tags="refund",
        published=True,
    )


def pick_returns(page, live_server, convo):
    page.goto(f"{live_server.url}/c/{convo.pk}/")
    box = page.locator("#composer-text")
    box.click()
    box.press_sequentially("Happy to help! ??returns")
    picker = page.locator("#kb-picker")
    expect(picker).to_be_visible()
    # Only published articles are offered: the draft and the unrelated one are not.
    expect(picker.locator(".pick")).to_have_count(1)
    expect(picker.locator(".pick b")).to_have_text("Returns and refunds")
    page.keyboard.press("Enter")
    expect(picker).to_be_hidden()
    return box


def test_a_picked_article_goes_out_as_its_title_and_link(
    browser_page, live_server, agent, graph_standin, articles, artifact
):
    channel = make_fb_channel(api_base_url=graph_standin.url)
    comment_id = graph_standin.add_comment(
        message="How do I return my jacket?", author={"id": "6984412238391199", "name": "Marina"}
    )
    convo = factories.make_conversation(
        channel, text="How do I return my jacket?", customer="Marina", at=minutes_ago(1)
    )
    Conversation.objects.filter(pk=convo.pk).update(external_thread_id=comment_id)
    convo.messages.update(external_id=comment_id)
    page = browser_page(agent)
    box = pick_returns(page, live_server, convo)
    link = f"{live_server.url}/help/returns/"
    expect(box).to_have_value(f"Happy to help! Returns and refunds: {link}")
    artifact(page, "kb-article-picked")
    page.click("#send-button")
    page.wait_for_selector("#thread .msg.dir-out")
    assert [p["text"] for p in graph_standin.posted] == [
        f"Happy to help! Returns and refunds: {link}"
    ]

    # The link works for the customer, who has no login.
    customer = page.context.browser.new_page()
    customer.goto(link)
    expect(customer.locator("h1")).to_have_text("Returns and refunds")
    customer.close()


def test_on_x_only_the_link_goes_in(browser_page, live_server, agent, x_platform, articles):
    app, url = x_platform
    channel = make_x_channel(url)
    tweet = app.add_tweet(KADRI, "@polarisoutfit how do returns work?")
    convo = factories.make_conversation(
        channel, text=tweet["text"], customer="Kadri Tamm", at=minutes_ago(1)
    )
    Conversation.objects.filter(pk=convo.pk).update(external_thread_id=tweet["id"])
    convo.messages.update(external_id=tweet["id"])
    page = browser_page(agent)
    box = pick_returns(page, live_server, convo)
    link = f"{live_server.url}/help/returns/"
    expect(box).to_have_value(f"Happy to help! {link}")
    page.click("#send-button")
    page.wait_for_selector("#thread .msg.dir-out")
    [reply] = app.posted_by(BRAND_ID)
    assert link in reply["text"] and "Returns and refunds" not in reply["text"]


def test_a_help_scout_article_is_offered_after_ours(
    browser_page, live_server, agent, testchat_channel, testchat_platform, articles, settings
):
    with served(DocsStandin(api_key="docs-key")) as docs:
        settings.HELPSCOUT_DOCS_API_KEY = "docs-key"
        settings.HELPSCOUT_DOCS_API_URL = docs.url
        theirs = docs.add_article("Returns from abroad", "returns-abroad", text="returns")
        convo = factories.make_conversation(
            testchat_channel, text="Returning from Norway?", at=minutes_ago(1)
        )
        page = browser_page(agent)
        page.goto(f"{live_server.url}/c/{convo.pk}/")
        page.locator("#composer-text").press_sequentially("??returns")
        picks = page.locator("#kb-picker .pick")
        expect(picks).to_have_count(2)
        expect(picks.nth(1)).to_contain_text("Help Scout")
        page.keyboard.press("ArrowDown")
        page.keyboard.press("Enter")
        expect(page.locator("#composer-text")).to_have_value(
            f"Returns from abroad: {theirs['url']}"
        )
        page.click("#send-button")
        wait_for(lambda: testchat_platform.posts, what="the reply to reach the platform")
        assert [p["text"] for p in testchat_platform.posts] == [
            f"Returns from abroad: {theirs['url']}"
        ]
