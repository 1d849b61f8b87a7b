"""Agent journeys of issue 12 in a real browser (headless Debian chromium, Playwright).

Each test works the inbox the way an agent does and checks what the agent would check;
the outbox runs eagerly (tests/settings.py), so a sent reply reaches the platform stand-in
before the request returns. Screenshots are kept under test-artifacts/.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from inbox.models import (
    AuditEvent,
    Contact,
    Conversation,
    ConversationState,
    Direction,
    Draft,
    Identity,
    Message,
    SavedReply,
)
from tests.browser.test_inbox_browser import minutes_ago, wait_for
from tests.support import factories
from tests.support.facebook import make_fb_channel

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ROW_IDS = "els => els.map(e => Number(e.dataset.id))"


# Pages of 50 rows on a busy 2-core machine can take longer than the fixture's 5 s.
SLOW_PAGE_MS = 20000


def row_ids(page) -> list[int]:
    return page.eval_on_selector_all("#rows .row", ROW_IDS)


def load_all(page, *, expect_pages: int) -> list[int]:
    """Click "Load more" until it is gone; returns the row ids in the order shown."""
    for n in range(1, expect_pages):
        page.click("#more")
        page.locator("#rows .row").nth(n * 50).wait_for()
    assert page.locator("#more").count() == 0
    return row_ids(page)


def add_inbound(conversation: Conversation, *, text: str, name: str, at) -> Message:
    """Another customer message in the thread, as ingest stores it."""
    contact = Contact.objects.create(name=name)
    identity = Identity.objects.create(
        contact=contact, platform=conversation.channel.kind, external_id=f"id-{name}", name=name
    )
    message = Message.objects.create(
        conversation=conversation,
        channel=conversation.channel,
        external_id=f"m-{name}-{at:%s}",
        direction=Direction.INBOUND,
        author_identity=identity,
        text=text,
        platform_timestamp=at,
        state_timestamp=at,
    )
    Conversation.objects.filter(pk=conversation.pk).update(
        last_inbound_at=at, last_message_at=at, preview=text, state=ConversationState.OPEN
    )
    return message


# ---- 1. "Load more" ------------------------------------------------------------------------


def test_load_more_pages_past_a_hundred_rows(
    browser_page, live_server, agent, testchat_channel, artifact
):
    now = timezone.now()
    newest_first = [
        factories.make_conversation(
            testchat_channel,
            text=f"Question number {i}",
            customer=f"Customer {i:03d}",
            at=now - timedelta(minutes=i + 1),
        ).pk
        for i in range(120)
    ]
    page = browser_page(agent)
    page.set_default_timeout(SLOW_PAGE_MS)
    page.goto(live_server.url + "/")
    page.wait_for_selector("#rows .row")
    assert row_ids(page) == newest_first[:50]
    page.click("#more")
    expect(page.locator("#rows .row")).to_have_count(100)
    assert row_ids(page) == newest_first[:100]
    page.locator("#more").scroll_into_view_if_needed()
    artifact(page, "load-more")
    page.click("#more")
    expect(page.locator("#rows .row")).to_have_count(120)
    assert row_ids(page) == newest_first  # no duplicates, no gaps, same order
    assert page.locator("#more").count() == 0
    assert page.locator(".empty").count() == 0


def test_load_more_in_search_results_and_in_a_folder(
    browser_page, live_server, agent, testchat_channel, artifact
):
    now = timezone.now()
    matching = []
    for i in range(130):
        state = ConversationState.CLOSED if i % 2 else ConversationState.OPEN
        matching.append(
            factories.make_conversation(
                testchat_channel,
                text=f"The zipper broke, order {i}",
                customer=f"Buyer {i:03d}",
                at=now - timedelta(minutes=2 * i + 1),
                state=state,
            )
        )
    for i in range(30):
        factories.make_conversation(
            testchat_channel,
            text=f"Love the boots {i}",
            customer=f"Fan {i}",
            at=now - timedelta(minutes=2 * i + 2),
        )
    page = browser_page(agent)
    page.set_default_timeout(SLOW_PAGE_MS)
    page.goto(live_server.url + "/")
    page.fill("#search", "zipper")
    page.press("#search", "Enter")
    page.wait_for_selector(".searching:has-text('zipper')")
    assert load_all(page, expect_pages=3) == [c.pk for c in matching]
    # The Closed folder keeps the search, and pages through its own results.
    page.click("#folders a[data-folder=closed]")
    expect(page.locator("#rows .row")).to_have_count(50)
    assert page.locator(".searching").inner_text() == "Results for “zipper”"
    closed = [c.pk for c in matching if c.state == ConversationState.CLOSED]
    assert load_all(page, expect_pages=2) == closed
    artifact(page, "load-more-search-closed")


def test_load_more_after_the_list_changed_skips_nobody(
    browser_page, live_server, agent, testchat_channel, artifact
):
    """Two rows of page one are closed and a new customer writes before "Load more": the
    next rows are exactly the ones after the last row shown (counting rows would skip two)."""
    from inbox import live

    now = timezone.now()
    convs = [
        factories.make_conversation(
            testchat_channel,
            text=f"Question number {i}",
            customer=f"Customer {i:03d}",
            at=now - timedelta(minutes=i + 1),
        )
        for i in range(60)
    ]
    page = browser_page(agent)
    page.set_default_timeout(SLOW_PAGE_MS)
    page.goto(live_server.url + "/")
    page.wait_for_selector("#rows .row")
    for convo in convs[:2]:
        page.click(f"#row-{convo.pk} a.open")
        page.wait_for_selector(f"#pane[data-conversation='{convo.pk}'] #close-button")
        page.click("#close-button")
        page.wait_for_selector(f"#row-{convo.pk}", state="detached")
    new = factories.make_conversation(
        testchat_channel, text="Hello?", customer="Newcomer", at=timezone.now()
    )
    live.publish(new.pk)
    page.wait_for_selector(f"#row-{new.pk}")
    page.click("#more")
    expect(page.locator("#rows .row")).to_have_count(59)
    assert row_ids(page) == [new.pk] + [c.pk for c in convs[2:]]
    artifact(page, "load-more-after-changes")


# ---- 2. Search everywhere -------------------------------------------------------------------


def test_search_finds_last_weeks_closed_conversation(
    browser_page, live_server, agent, testchat_channel, artifact
):
    week_ago = timezone.now() - timedelta(days=7)
    closed = factories.make_conversation(
        testchat_channel,
        text="The zipper on my Aurora jacket broke",
        customer="Emily Carter",
        at=week_ago,
        state=ConversationState.CLOSED,
    )
    Identity.objects.filter(contact=closed.contact).update(handle="emily.outdoors")
    pending = factories.make_conversation(
        testchat_channel,
        text="Is a zipper repair free?",
        customer="Mart Kask",
        at=minutes_ago(30),
        state=ConversationState.PENDING,
    )
    factories.make_conversation(testchat_channel, text="Love the boots", customer="Jürgen")
    page = browser_page(agent)
    page.goto(live_server.url + "/")
    page.wait_for_selector("#rows .row")
    assert page.locator(f"#row-{closed.pk}").count() == 0  # Open shows only the boots

    page.fill("#search", "zipper")
    page.press("#search", "Enter")
    page.wait_for_selector(f"#row-{closed.pk}")
    assert sorted(row_ids(page)) == sorted([closed.pk, pending.pk])
    assert "Closed" in page.locator(f"#row-{closed.pk}").inner_text()
    assert "Pending" in page.locator(f"#row-{pending.pk}").inner_text()
    assert page.locator("#folders a[data-folder=all]").is_visible()
    artifact(page, "search-closed")

    # Folder links narrow the results instead of dropping the search.
    page.click("#folders a[data-folder=open]")
    page.wait_for_selector("#rows .empty")
    assert page.locator(".searching").inner_text() == "Results for “zipper”"
    page.click("#folders a[data-folder=closed]")
    page.wait_for_selector(f"#row-{closed.pk}")
    assert row_ids(page) == [closed.pk]
    page.click("#folders a[data-folder=pending]")
    page.wait_for_selector(f"#row-{pending.pk}")
    assert row_ids(page) == [pending.pk]

    # The closed conversation opens and reads like any other.
    page.click("#folders a[data-folder=all]")
    page.wait_for_selector(f"#row-{closed.pk}")
    page.click(f"#row-{closed.pk} a.open")
    page.wait_for_selector(f"#pane[data-conversation='{closed.pk}']")
    assert "The zipper on my Aurora jacket broke" in page.locator("#thread").inner_text()
    assert page.locator("#reopen-button").is_visible()

    # By the customer's handle too.
    page.fill("#search", "@emily.outdoors")
    page.press("#search", "Enter")
    page.wait_for_selector(".searching:has-text('@emily.outdoors')")
    assert row_ids(page) == [closed.pk]


# ---- 3. "Send privately instead" -------------------------------------------------------------


def test_send_privately_instead_sends_once_privately(
    browser_page, live_server, agent, graph_standin, artifact
):
    channel = make_fb_channel(api_base_url=graph_standin.url)
    comment_id = graph_standin.add_comment(
        message="My order never arrived!",
        author={"id": "6984412238391199", "name": "Marina Ivanova"},
    )
    # The comment as ingest stores it (its webhook path has tests of its own).
    convo = factories.make_conversation(
        channel, text="My order never arrived!", customer="Marina Ivanova", at=minutes_ago(1)
    )
    Conversation.objects.filter(pk=convo.pk).update(external_thread_id=comment_id)
    convo.messages.update(external_id=comment_id)
    page = browser_page(agent)
    page.goto(f"{live_server.url}/c/{convo.pk}/")
    text = "Sorry Marina! Write to orders@polaris.example with your order number."
    page.fill("#composer-text", text)
    page.click("#send-button")
    page.wait_for_selector(".pii-warning")
    assert "email: orders@polaris.example" in page.locator(".pii-warning").inner_text()
    assert not convo.messages.filter(direction=Direction.OUTBOUND).exists()

    page.click("#send-private-instead")
    page.wait_for_selector("#thread .msg.dir-out.vis-private")
    assert page.locator(".pii-warning").count() == 0
    sent = [(p["kind"], p["text"]) for p in graph_standin.posted]
    assert sent == [("private_reply", text)]  # once, and not as a comment
    [message] = convo.messages.filter(direction=Direction.OUTBOUND)
    assert (message.visibility, message.text, message.delivery_status) == (
        "private",
        text,
        "posted",
    )
    assert "private" in page.locator("#thread .msg.dir-out").inner_text()
    artifact(page, "pii-sent-privately")


# ---- 4. The customer is whoever wrote last ---------------------------------------------------


def test_a_comment_thread_follows_its_latest_commenter(
    browser_page, live_server, agent, testchat_channel, testchat_platform, artifact
):
    convo = factories.make_conversation(
        testchat_channel,
        text="Follow us for free followers!",
        customer="promo.followers.4u",
        at=minutes_ago(20),
    )
    maria = add_inbound(
        convo, text="Love this jacket, what sizes are there?", name="Maria Tamm", at=minutes_ago(5)
    )
    SavedReply.objects.create(
        title="Sizes", shortcut="sizes", body="Hi {first_name}, it comes in XS to XXL. {agent_name}"
    )
    page = browser_page(agent)
    page.goto(live_server.url + "/")
    row = page.locator(f"#row-{convo.pk}")
    assert row.locator(".customer").inner_text() == "Maria Tamm"
    row.locator("a.open").click()
    page.wait_for_selector(f"#pane[data-conversation='{convo.pk}']")
    assert page.locator("#conv-header h2").inner_text() == "Maria Tamm"
    assert "Maria Tamm" in page.locator("#side .customer").inner_text()
    assert page.locator("#composer .answering").inner_text() == "Answering Maria Tamm"
    page.click("#composer-text")
    page.keyboard.type("##sizes")
    page.wait_for_selector("#saved-picker .pick")
    page.keyboard.press("Enter")
    assert page.input_value("#composer-text") == "Hi Maria, it comes in XS to XXL. Anna"
    artifact(page, "latest-commenter")
    page.click("#send-button")
    wait_for(lambda: testchat_platform.posts, what="the reply to reach the platform")
    [reply] = convo.messages.filter(direction=Direction.OUTBOUND)
    assert reply.text == "Hi Maria, it comes in XS to XXL. Anna"
    assert reply.parent_id == maria.pk  # the answer goes under Maria's comment


# ---- 5. Unread --------------------------------------------------------------------------------


def test_own_reply_leaves_the_conversation_read(
    browser_page, live_server, agent, agent2, testchat_channel, testchat_platform, artifact
):
    convo = factories.make_conversation(
        testchat_channel, text="Do you ship to Riga?", customer="Liis Saar", at=minutes_ago(3)
    )
    anna = browser_page(agent)
    anna.goto(live_server.url + "/")
    assert anna.locator(f"#row-{convo.pk}.unread").count() == 1
    anna.goto(f"{live_server.url}/c/{convo.pk}/")
    anna.fill("#composer-text", "Yes, in 2 days.")
    anna.click("#send-button")
    anna.wait_for_selector("#thread .msg.dir-out")
    wait_for(lambda: testchat_platform.posts, what="the reply to reach the platform")

    anna.goto(live_server.url + "/?folder=all")
    anna.wait_for_selector(f"#row-{convo.pk}")
    assert anna.locator(f"#row-{convo.pk}.unread").count() == 0  # her own answer
    artifact(anna, "unread-after-own-reply")

    boris = browser_page(agent2)
    boris.goto(live_server.url + "/?folder=all")
    boris.wait_for_selector(f"#row-{convo.pk}")
    # Boris has not read what the customer wrote: still unread for him.
    assert boris.locator(f"#row-{convo.pk}.unread").count() == 1

    add_inbound(convo, text="And to Vilnius?", name="Liis S.", at=timezone.now())
    anna.goto(live_server.url + "/")
    anna.wait_for_selector(f"#row-{convo.pk}")
    assert anna.locator(f"#row-{convo.pk}.unread").count() == 1  # the customer wrote


# ---- 6. Ctrl+Enter, then c ---------------------------------------------------------------------


def test_c_after_ctrl_enter_closes_the_next_conversation(
    browser_page, live_server, agent, testchat_channel, testchat_platform, artifact
):
    first = factories.make_conversation(
        testchat_channel, text="Where is my parcel?", customer="Kadri Tamm", at=minutes_ago(2)
    )
    second = factories.make_conversation(
        testchat_channel, text="Thanks, all good now!", customer="Mart Kask", at=minutes_ago(6)
    )
    page = browser_page(agent)
    page.goto(live_server.url + "/")
    page.wait_for_selector("#rows .row")
    page.keyboard.press("j")
    page.keyboard.press("Enter")
    page.wait_for_selector(f"#pane[data-conversation='{first.pk}']")
    page.keyboard.press("Enter")
    page.keyboard.type("It left the warehouse today.")
    page.keyboard.press("Control+Enter")
    page.wait_for_selector(f"#pane[data-conversation='{second.pk}']")
    wait_for(
        lambda: Conversation.objects.get(pk=first.pk).state == ConversationState.CLOSED,
        what="the first conversation to close",
    )
    assert page.evaluate("document.activeElement.id") != "composer-text"
    page.keyboard.press("c")
    wait_for(
        lambda: Conversation.objects.get(pk=second.pk).state == ConversationState.CLOSED,
        what="c to close the second conversation",
    )
    assert not Draft.objects.filter(conversation=second).exists()
    page.wait_for_selector(f"#pane[data-conversation='{second.pk}'] #reopen-button")
    assert page.input_value("#composer-text") == ""
    artifact(page, "ctrl-enter-then-c")
    assert [p["text"] for p in testchat_platform.posts] == ["It left the warehouse today."]


# ---- 7. Words, not internal names --------------------------------------------------------------


def test_agents_read_words_not_internal_names(
    browser_page, live_server, agent, admin_user, testchat_channel, artifact
):
    convo = factories.make_conversation(
        testchat_channel, kind="dm", text="", customer="Liis Saar", at=minutes_ago(4)
    )
    Conversation.objects.filter(pk=convo.pk).update(preview="[story_mention]")
    convo.messages.update(
        attachments=[{"type": "story_mention", "url": "https://cdn.example/story.jpg"}]
    )
    for verb, data, rule in (
        (
            "rule_matched",
            {"trigger": "new_message", "matched": "story", "actions": ["tagged Story"]},
            "Stories",
        ),
        ("action_reply_done", {"action_id": 1}, ""),
        ("action_hide_failed", {"reason": "the platform refused"}, ""),
        ("answered_natively", {}, ""),
    ):
        AuditEvent.objects.create(
            conversation=convo,
            verb=verb,
            data=data,
            rule_name=rule,
            actor=agent if verb.startswith("action") else None,
        )
    testchat_channel.rate_limits = {
        "graph_usage": {
            "app": {"call_count": 12, "total_time": 3},
            "business": {"1045": [{"type": "pages", "call_count": 100}]},
        }
    }
    testchat_channel.save(update_fields=["rate_limits"])

    page = browser_page(agent)
    page.goto(live_server.url + "/")
    preview = page.locator(f"#row-{convo.pk} .preview").inner_text()
    assert preview == "Mentioned you in their story"
    page.click(f"#row-{convo.pk} a.open")
    page.wait_for_selector(f"#pane[data-conversation='{convo.pk}']")
    thread = page.locator("#thread").inner_text()
    assert "Mentioned you in their story" in thread and "story_mention" not in thread
    timeline = page.locator("#side .timeline").inner_text()
    assert "tagged Story by rule ‘Stories’, matched ‘story’, when the customer wrote" in timeline
    assert "Anna: reply posted" in timeline
    assert "Anna: hiding failed (the platform refused)" in timeline
    assert "someone: answered in the platform's own app" in timeline
    for internal in ("new_message", "(on ", "action ", "_done", "natively"):
        assert internal not in timeline
    artifact(page, "words-not-names")

    admin = browser_page(admin_user)
    admin.goto(live_server.url + "/channels/")
    budget = admin.locator(f"#channel-{testchat_channel.pk} .budgets").inner_text()
    assert "app: call count 12, total time 3" in budget
    assert "business 1045: type pages, call count 100" in budget
    assert "{" not in budget and '"' not in budget


# ---- 8. Bulk confirmation, the 403 page, the favicon --------------------------------------------


def test_bulk_close_says_how_many(browser_page, live_server, agent, testchat_channel, artifact):
    convs = [
        factories.make_conversation(
            testchat_channel, text=f"Thanks {i}!", customer=f"Happy {i}", at=minutes_ago(i + 1)
        )
        for i in range(4)
    ]
    page = browser_page(agent)
    page.goto(live_server.url + "/")
    page.wait_for_selector("#rows .row")
    for convo in convs[:3]:
        page.locator(f"#row-{convo.pk} input.select").check()
    page.click("#bulk button[value=close]")
    page.wait_for_selector("#bulk-done:has-text('3 conversations closed.')")
    assert page.locator("#bulk-done").get_attribute("role") == "status"
    assert row_ids(page) == [convs[3].pk]
    artifact(page, "bulk-done")


def test_forbidden_page_and_favicon(browser_page, live_server, agent, artifact):
    page = browser_page(agent)
    response = page.goto(live_server.url + "/channels/")
    assert response.status == 403
    assert page.locator("header.topbar .brand").inner_text() == "Switchboard"
    body = page.locator("main").inner_text()
    assert "You can't open this page" in body
    assert (
        "Your account (Anna, agent) doesn't have access to it. Only admins manage channels." in body
    )
    assert page.locator("main a[href='/']").inner_text() == "Back to the inbox"
    artifact(page, "forbidden")
    icon = page.locator("link[rel=icon]").get_attribute("href")
    fetched = page.request.get(live_server.url + icon)
    assert fetched.status == 200 and fetched.headers["content-type"].startswith("image/svg")
