"""The inbox in a real browser: headless Debian chromium driven by Playwright.

Screenshots are kept under test-artifacts/ (two of them are copied to docs/ for the README).
"""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from inbox.models import (
    Conversation,
    ConversationState,
    Direction,
    Message,
    OutboundAction,
    SavedReply,
)
from tests.support import factories
from tests.support.facebook import make_fb_channel

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def wait_for(condition, *, timeout: float = 5.0, what: str = "condition"):
    """Poll the database (not the page) until `condition()` is truthy."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def minutes_ago(n: int):
    return timezone.now() - timedelta(minutes=n)


def test_log_in_and_see_the_inbox(browser_page, live_server, agent, testchat_channel, artifact):
    factories.make_conversation(
        testchat_channel,
        text="Does the Aurora jacket come in XS?",
        customer="Emily Carter",
        at=minutes_ago(3),
        language="en",
        intent="question",
    )
    factories.make_conversation(
        testchat_channel,
        text="Order #48377 arrived broken",
        customer="Kadri Tamm",
        at=minutes_ago(9),
        priority="high",
        sla_due_at=timezone.now() + timedelta(minutes=20),
    )
    page = browser_page()
    page.goto(live_server.url + "/")
    assert "/login/" in page.url
    page.fill("input[name=username]", agent.username)
    page.fill("input[name=password]", factories.PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("#rows .row")
    assert page.locator("#rows .row").count() == 2
    assert page.locator("#folders [data-count=open]").inner_text() == "2"
    first = page.locator("#rows .row").first
    assert "Emily Carter" in first.inner_text()
    assert "question" in first.inner_text() and "en" in first.inner_text()
    page.keyboard.press("?")
    assert page.locator("#shortcut-help").is_visible()
    assert (
        "Send, close and open the next conversation" in page.locator("#shortcut-help").inner_text()
    )
    page.keyboard.press("Escape")
    assert not page.locator("#shortcut-help").is_visible()
    artifact(page, "inbox")


def test_work_a_conversation_from_the_keyboard(
    browser_page, live_server, agent, testchat_channel, testchat_platform, artifact
):
    first = factories.make_conversation(
        testchat_channel, text="When does my order ship?", customer="Kadri Tamm", at=minutes_ago(2)
    )
    second = factories.make_conversation(
        testchat_channel, text="Do you ship to Tartu?", customer="Mart Kask", at=minutes_ago(6)
    )
    SavedReply.objects.create(
        title="Shipping today",
        shortcut="ship",
        body="Hi {first_name}, your order ships today. {agent_name}",
    )
    SavedReply.objects.create(title="Refund policy", shortcut="refund", body="Refunds take 5 days.")
    page = browser_page(agent)
    page.goto(live_server.url + "/")
    page.wait_for_selector("#rows .row")
    page.keyboard.press("j")
    assert page.locator(f"#row-{first.pk}.current").count() == 1
    page.keyboard.press("Enter")
    page.wait_for_selector(f"#pane[data-conversation='{first.pk}']")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "composer-text"
    page.keyboard.type("##shi")
    page.wait_for_selector("#saved-picker .pick")
    assert "Shipping today" in page.locator("#saved-picker").inner_text()
    assert "Refund policy" not in page.locator("#saved-picker").inner_text()
    page.keyboard.press("Enter")
    assert page.input_value("#composer-text") == "Hi Kadri, your order ships today. Anna"
    artifact(page, "conversation")
    page.keyboard.press("Control+Enter")
    # Sent, closed, and the next conversation is open.
    page.wait_for_selector(f"#pane[data-conversation='{second.pk}']")
    wait_for(
        lambda: Conversation.objects.get(pk=first.pk).state == ConversationState.CLOSED,
        what="the first conversation to close",
    )
    sent = Message.objects.get(conversation=first, direction=Direction.OUTBOUND)
    assert sent.text == "Hi Kadri, your order ships today. Anna"
    assert [p["text"] for p in testchat_platform.posts] == [sent.text]
    wait_for(
        lambda: Message.objects.get(pk=sent.pk).delivery_status == "posted",
        what="the reply to be posted",
    )


def test_new_comment_arrives_live_without_losing_the_draft(
    browser_page, live_server, agent, graph_standin
):
    """The Graph API stand-in (channels_fb/standin/) delivers a customer comment to the live
    server's webhook URL, signed as Meta signs it, while the agent has the inbox open.
    Page feed webhook: https://developers.facebook.com/docs/graph-api/webhooks/reference/page/#feed
    """
    graph_standin.configure(callback_url=f"{live_server.url}/webhooks/facebook/")
    channel = make_fb_channel(api_base_url=graph_standin.url)
    convo = factories.make_conversation(
        channel, text="First question", customer="Kadri Tamm", at=minutes_ago(4)
    )
    page = browser_page(agent)
    page.goto(f"{live_server.url}/c/{convo.pk}/")
    page.wait_for_selector("#composer-text")
    page.evaluate("window.__noReload = 'still here'")
    page.fill("#composer-text", "Half-written answer, do not lose me")
    page.locator(f"#row-{convo.pk} input.select").check()

    graph_standin.add_comment(
        message="Hello, is anyone there? 👋",
        author={"id": "6984412238391199", "name": "Live Customer"},
    )
    assert graph_standin.webhooks.deliver_due(force=True) == 1  # answered 200 by our server
    # Arrives through the live feed (the page polls every second), not a reload: the draft
    # and the marker below survive. How fast it arrives is the benchmarks' business.
    page.wait_for_selector("#rows .row:has-text('Live Customer')", timeout=10000)
    row = page.locator("#rows .row:has-text('Live Customer')")
    assert "Hello, is anyone there?" in row.inner_text()
    assert page.evaluate("window.__noReload") == "still here"
    assert page.input_value("#composer-text") == "Half-written answer, do not lose me"
    assert page.locator(f"#row-{convo.pk} input.select").is_checked()
    assert page.locator("#folders [data-count=open]").inner_text() == "2"


def test_presence_and_answered_meanwhile_warning(
    browser_page, live_server, agent, agent2, testchat_channel, artifact
):
    convo = factories.make_conversation(testchat_channel, text="Anyone?", customer="Mari Mets")
    anna = browser_page(agent)
    boris = browser_page(agent2)
    anna.goto(f"{live_server.url}/c/{convo.pk}/")
    boris.goto(f"{live_server.url}/c/{convo.pk}/")
    anna.wait_for_selector("#presence .presence:has-text('Boris is viewing')", timeout=4000)
    boris.wait_for_selector("#presence .presence:has-text('Anna is viewing')", timeout=4000)
    boris.click("#composer-text")
    boris.keyboard.type("Let me check that for you")
    anna.wait_for_selector("#presence .presence:has-text('Boris is replying')", timeout=4000)
    artifact(anna, "presence")
    anna.fill("#composer-text", "Hello from Anna")
    boris.click("#send-button")
    wait_for(lambda: convo.messages.filter(direction="out").count() == 1, what="Boris's reply")
    anna.click("#send-button")
    anna.wait_for_selector(".answered-warning")
    assert (
        "Boris answered since you opened this conversation"
        in anna.locator(".answered-warning").inner_text()
    )
    assert anna.input_value("#composer-text") == "Hello from Anna"
    assert convo.messages.filter(direction="out").count() == 1
    anna.click("#send-anyway")
    wait_for(lambda: convo.messages.filter(direction="out").count() == 2, what="Anna's reply")


def test_pii_warning_before_a_public_reply(
    browser_page, live_server, agent, testchat_channel, artifact
):
    convo = factories.make_conversation(testchat_channel, text="Can you help?")
    page = browser_page(agent)
    page.goto(f"{live_server.url}/c/{convo.pk}/")
    page.fill("#composer-text", "Sure, write to help@polaris.example or call +372 5555 1234")
    page.click("#send-button")
    page.wait_for_selector(".pii-warning")
    text = page.locator(".pii-warning").inner_text()
    assert "email: help@polaris.example" in text and "phone: +372 5555 1234" in text
    artifact(page, "pii-warning")
    assert not convo.messages.filter(direction="out").exists()
    page.click("#send-public-anyway")
    wait_for(lambda: convo.messages.filter(direction="out").exists(), what="the reply")


def test_bulk_close_a_posts_comments(browser_page, live_server, agent, testchat_channel, artifact):
    storm = [
        factories.make_conversation(
            testchat_channel,
            text=f"Complaint {i}",
            customer=f"Angry {i}",
            at=minutes_ago(i + 1),
            context_external_id="post-77",
            context={"text": "Our new price list"},
        )
        for i in range(4)
    ]
    elsewhere = factories.make_conversation(testchat_channel, text="Unrelated")
    page = browser_page(agent)
    page.goto(f"{live_server.url}/posts/")
    group = page.locator(".post-group:has-text('Our new price list')")
    assert "4 open of 4 comments" in group.inner_text()
    group.locator("a").click()
    page.wait_for_selector(".post-head")
    assert page.locator("#rows .row").count() == 4
    artifact(page, "post-view")
    page.click("#close-post")
    page.wait_for_selector(".post-head:has-text('0 open of 4')")
    assert page.dialogs and page.dialogs[0][0] == "confirm"
    assert all(Conversation.objects.get(pk=c.pk).state == "closed" for c in storm)
    assert Conversation.objects.get(pk=elsewhere.pk).state == "open"


def test_select_rows_with_x_and_bulk_assign(
    browser_page, live_server, agent, agent2, testchat_channel
):
    first, second, third = [
        factories.make_conversation(
            testchat_channel, text=f"Question {i}", customer=f"Customer {i}", at=minutes_ago(i + 1)
        )
        for i in range(3)
    ]
    page = browser_page(agent)
    page.goto(live_server.url + "/")
    page.wait_for_selector("#rows .row")
    page.keyboard.press("j")
    page.keyboard.press("x")
    page.keyboard.press("j")
    page.keyboard.press("j")
    page.keyboard.press("x")
    assert page.locator("#selected-count").inner_text() == "2"
    page.select_option("#bulk select[name=to]", str(agent2.pk))
    page.click("#bulk button[value=assign]")
    page.wait_for_selector(f"#row-{first.pk}:has-text('Boris')")
    assert [Conversation.objects.get(pk=c.pk).assignee_id for c in (first, second, third)] == [
        agent2.pk,
        None,
        agent2.pk,
    ]


def test_xss_corpus_fires_no_dialog(browser_page, live_server, agent, testchat_channel):
    from inbox import live
    from tests.unit.test_inbox_xss import PAYLOADS, hostile_conversation

    conversations = [hostile_conversation(p, testchat_channel) for p in PAYLOADS]
    SavedReply.objects.create(
        title="<img src=x onerror=alert(99)>", body="<script>alert(98)</script>"
    )
    page = browser_page(agent)
    page.goto(live_server.url + "/?folder=all")
    page.wait_for_selector("#rows .row")
    for convo in conversations[:6]:
        page.click(f"#row-{convo.pk} a.open")
        page.wait_for_selector(f"#pane[data-conversation='{convo.pk}']")
        page.locator("#thread").hover()
    page.click("#composer-text")
    page.keyboard.type("##")
    page.wait_for_selector("#saved-picker .pick")
    # A live update re-renders the rows and the open thread through the feed.
    for convo in conversations:
        live.publish(convo.pk)
    # A function, not a bare expression: Playwright evaluates an expression with eval(),
    # which the page's CSP refuses once it has to poll.
    page.wait_for_function("() => Number(document.querySelector('#list').dataset.version) > 0")
    page.goto(live_server.url + "/posts/")
    assert page.dialogs == []


def test_a_double_click_sends_once(
    browser_page, live_server, agent, testchat_channel, testchat_platform
):
    convo = factories.make_conversation(
        testchat_channel, text="Is the Aurora jacket waterproof?", customer="Liis Saar"
    )
    page = browser_page(agent)
    posts = []
    page.on(
        "request",
        lambda r: (
            posts.append(r.url)
            if r.method == "POST" and r.url.endswith(f"/c/{convo.pk}/reply/")
            else None
        ),
    )
    page.goto(f"{live_server.url}/c/{convo.pk}/")
    page.fill("#composer-text", "Yes, fully waterproof.")
    page.dblclick("#send-button")
    page.wait_for_selector("#thread .msg.dir-out:has-text('Yes, fully waterproof.')")
    assert len(posts) == 1  # the second click was dropped in the browser
    wait_for(lambda: testchat_platform.posts, what="the reply to reach the platform")
    # The same form sent twice at once past the browser's guard: the server posts it once.
    token = page.input_value("#composer input[name=reply_token]")
    page.fill("#composer-text", "And the hood detaches.")
    statuses = page.evaluate("""async () => {
        const form = document.getElementById("composer");
        const send = () => fetch(form.action, {method: "POST", body: new FormData(form),
                                               headers: {"HX-Request": "true"}});
        return (await Promise.all([send(), send()])).map(r => r.status);
    }""")
    assert statuses == [200, 200]
    assert token == page.input_value("#composer input[name=reply_token]")
    texts = list(convo.messages.filter(direction="out").values_list("text", flat=True))
    assert sorted(texts) == ["And the hood detaches.", "Yes, fully waterproof."]
    assert OutboundAction.objects.filter(conversation=convo).count() == 2


def test_a_storm_opened_on_a_post_shows_the_storming_folder(
    browser_page, live_server, agent, testchat_channel, artifact
):
    from playwright.sync_api import expect

    from reports.storms import detect

    storm = [
        factories.make_conversation(
            testchat_channel,
            text=f"Complaint {i}",
            customer=f"Angry {i}",
            at=timezone.now() - timedelta(seconds=10 * i + 5),
            context_external_id="post-88",
            intent="complaint",
        )
        for i in range(25)
    ]
    calm = factories.make_conversation(testchat_channel, text="Unrelated question")
    page = browser_page(agent)
    page.goto(f"{live_server.url}/")
    expect(page.locator("#rows .row").first).to_be_visible()
    assert page.locator('[data-folder="storming"]').count() == 0
    assert len(detect()) == 1
    # The open inbox hears of it through its live feed: the folder appears, with its count.
    folder = page.locator('a[data-folder="storming"]')
    expect(folder).to_be_visible(timeout=20000)
    expect(folder.locator(".count")).to_have_text("25")
    folder.click()
    expect(page.locator("#rows .row")).to_have_count(25)
    for c in storm[:3]:
        expect(page.locator(f'#rows .row[data-id="{c.pk}"]')).to_be_visible()
    expect(page.locator(f'#rows .row[data-id="{calm.pk}"]')).to_have_count(0)
    artifact(page, "storming-folder")
