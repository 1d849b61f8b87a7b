"""A conversation's controls: the header's Assign, Tag, untag, Snooze, Spam and Not spam,
Reopen; the note; Send & close; Retry; Like, Unlike, Hide, Unhide and Delete on the platform;
the permalinks; the disconnected banner's link. Clicked the way an agent does
(the control audit, tests/browser/test_every_control.py, names these tests for them)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from inbox.models import (
    ActionState,
    Conversation,
    ConversationState,
    Direction,
    Message,
    Note,
    OutboundAction,
)
from tests.support import factories
from tests.support.facebook import make_fb_channel
from tests.support.instagram import wait_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def ago(minutes: int):
    return timezone.now() - timedelta(minutes=minutes)


def open_conversation(page, live_server, convo) -> None:
    # A first page of the run can take longer than the fixture's 5 s on a busy machine.
    page.goto(f"{live_server.url}/c/{convo.pk}/", timeout=30000)
    expect(page.locator("#pane")).to_have_attribute("data-conversation", str(convo.pk))


def test_assign_tag_untag_and_note_from_the_header(
    browser_page, live_server, agent, agent2, testchat_channel
):
    convo = factories.make_conversation(testchat_channel, text="Where is my parcel?")
    page = browser_page(agent)
    open_conversation(page, live_server, convo)
    header = page.locator("#conv-header")

    page.select_option("#assign-select", label="Boris")
    header.get_by_role("button", name="Assign", exact=True).click()
    expect(page.locator("#side .timeline")).to_contain_text("Boris")
    wait_for(lambda: Conversation.objects.get(pk=convo.pk).assignee_id == agent2.pk)
    expect(page.locator("#assign-select")).to_have_value(str(agent2.pk))

    page.fill("#tag-input", "VIP")
    header.get_by_role("button", name="Tag", exact=True).click()
    expect(header.locator(".tags .tag")).to_have_text(["VIP"])
    assert list(convo.tags.values_list("name", flat=True)) == ["VIP"]
    header.get_by_role("button", name="Remove tag VIP").click()
    expect(header.locator(".tags .tag")).to_have_count(0)
    assert not convo.tags.exists()

    page.get_by_label("Internal note").fill("Called the courier: it left Tartu today.")
    page.locator("#side").get_by_role("button", name="Add note").click()
    expect(page.locator("#thread .note .text")).to_have_text(
        "Called the courier: it left Tartu today."
    )
    assert Note.objects.get(conversation=convo).author == agent


def test_snooze_and_snooze_until_put_it_in_snoozed_until_then(
    browser_page, live_server, agent, testchat_channel
):
    later = factories.make_conversation(testchat_channel, text="Ask me tomorrow", at=ago(1))
    until = factories.make_conversation(testchat_channel, text="Ask me next month", at=ago(2))
    page = browser_page(agent)
    open_conversation(page, live_server, later)
    header = page.locator("#conv-header")
    page.select_option("#snooze-select", "tomorrow")
    header.get_by_role("button", name="Snooze", exact=True).click()
    later.refresh_from_db()
    wait_for(lambda: Conversation.objects.get(pk=later.pk).state == ConversationState.SNOOZED)
    later.refresh_from_db()
    assert later.snoozed_until > timezone.now() + timedelta(hours=6)
    expect(page.locator(f"#row-{later.pk}")).to_have_count(0)  # gone from Open

    open_conversation(page, live_server, until)
    day = (timezone.localtime() + timedelta(days=30)).replace(hour=9, minute=30)
    page.get_by_label("Snooze until a date").fill(day.strftime("%Y-%m-%dT%H:%M"))
    header.get_by_role("button", name="Snooze until").click()
    wait_for(lambda: Conversation.objects.get(pk=until.pk).state == ConversationState.SNOOZED)
    until.refresh_from_db()
    assert timezone.localtime(until.snoozed_until).date() == day.date()

    page.locator("#folders a.folder[data-folder=snoozed]").click()
    expect(page.locator("#rows .row")).to_have_count(2)


def test_spam_moves_it_to_the_spam_folder_and_not_spam_out_of_it(
    browser_page, live_server, agent, testchat_channel
):
    convo = factories.make_conversation(testchat_channel, text="Cheap followers here!!!")
    page = browser_page(agent)
    open_conversation(page, live_server, convo)
    header = page.locator("#conv-header")
    header.get_by_role("button", name="Spam", exact=True).click()
    expect(header.locator(".badge.danger")).to_have_text("spam")
    assert Conversation.objects.get(pk=convo.pk).is_spam
    expect(page.locator(f"#row-{convo.pk}")).to_have_count(0)
    page.locator("#folders a.folder[data-folder=spam]").click()
    expect(page.locator(f"#row-{convo.pk}")).to_have_count(1)

    # A mistake: Not spam takes it out of Spam and undoes the close that marking it spam
    # made: it is waiting for an answer in Open again.
    header.get_by_role("button", name="Not spam").click()
    expect(header.get_by_role("button", name="Spam", exact=True)).to_be_visible()
    expect(header.locator(".badge.danger")).to_have_count(0)
    expect(header.locator(".state")).to_have_text("Open")
    assert not Conversation.objects.get(pk=convo.pk).is_spam
    page.goto(live_server.url + "/?folder=spam")
    expect(page.locator(f"#row-{convo.pk}")).to_have_count(0)
    page.goto(live_server.url + "/?folder=open")
    expect(page.locator(f"#row-{convo.pk}")).to_have_count(1)


def test_reopen_puts_a_closed_conversation_back_in_open(
    browser_page, live_server, agent, testchat_channel
):
    convo = factories.make_conversation(
        testchat_channel, text="Thanks, solved", state=ConversationState.CLOSED
    )
    page = browser_page(agent)
    open_conversation(page, live_server, convo)
    header = page.locator("#conv-header")
    expect(header.locator(".state")).to_have_text("Closed")
    header.get_by_role("button", name="Reopen").click()
    expect(header.locator(".state")).to_have_text("Open")
    expect(header.get_by_role("button", name="Close", exact=True)).to_be_visible()
    assert Conversation.objects.get(pk=convo.pk).state == ConversationState.OPEN
    expect(page.locator(f"#row-{convo.pk}")).to_have_count(1)  # in the Open list again


def test_retry_under_a_refused_reply_sends_it_once(
    browser_page, live_server, agent, testchat_channel, testchat_platform
):
    convo = factories.make_conversation(testchat_channel, text="Is the red one back?")
    testchat_platform.inject("refused", message="The post is not available right now")
    page = browser_page(agent)
    open_conversation(page, live_server, convo)
    page.fill("#composer-text", "Yes, since Monday.")
    page.click("#send-button")
    delivery = page.locator("#thread .msg.dir-out .delivery")
    expect(delivery).to_contain_text("The post is not available right now")
    assert testchat_platform.posts == []

    delivery.get_by_role("button", name="Retry").click()
    wait_for(lambda: [p["text"] for p in testchat_platform.posts] == ["Yes, since Monday."])
    expect(page.locator("#thread .msg.dir-out .delivery button.retry")).to_have_count(0)
    wait_for(
        lambda: OutboundAction.objects.get(message__conversation=convo).state == ActionState.DONE
    )


def test_an_admin_follows_the_disconnected_banner_to_reconnect(
    browser_page, live_server, admin_user
):
    from inbox.channels import mark_needs_reconnect

    channel = make_fb_channel()
    mark_needs_reconnect(channel, "Facebook access token rejected: reconnect the channel.")
    convo = factories.make_conversation(channel, text="Is the outlet open on Sunday?")
    page = browser_page(admin_user)
    open_conversation(page, live_server, convo)
    banner = page.locator("#pane .channel-banner")
    expect(banner).to_contain_text("is disconnected")
    banner.get_by_role("link", name="Reconnect on the Channels page").click()
    expect(page).to_have_url(live_server.url + "/channels/")
    expect(page.locator(f"#channel-{channel.pk} .needs-reconnect")).to_have_text("Needs reconnect")
    expect(
        page.locator(f"#channel-{channel.pk}").get_by_role("link", name="Reconnect")
    ).to_be_visible()


def test_send_and_close_sends_the_reply_and_closes(
    browser_page, live_server, agent, testchat_channel, testchat_platform
):
    convo = factories.make_conversation(testchat_channel, text="Do you ship to Tartu?", at=ago(2))
    page = browser_page(agent)
    open_conversation(page, live_server, convo)
    page.fill("#composer-text", "Yes, in two days.")
    page.get_by_role("button", name="Send & close").click()
    wait_for(lambda: Conversation.objects.get(pk=convo.pk).state == ConversationState.CLOSED)
    assert [p["text"] for p in testchat_platform.posts] == ["Yes, in two days."]
    sent = Message.objects.get(conversation=convo, direction=Direction.OUTBOUND)
    assert sent.text == "Yes, in two days."
    expect(page.locator(f"#row-{convo.pk}")).to_have_count(0)


def facebook_comment(graph_standin) -> tuple[Conversation, str]:
    """A customer's comment on the Graph stand-in, and its conversation as ingest stores it
    (the webhook path has tests of its own)."""
    channel = make_fb_channel(api_base_url=graph_standin.url)
    comment_id = graph_standin.add_comment(
        message="These boots fell apart in a week",
        author={"id": "6984412238391199", "name": "Marina Ivanova"},
    )
    convo = factories.make_conversation(
        channel, text="These boots fell apart in a week", customer="Marina Ivanova"
    )
    Conversation.objects.filter(pk=convo.pk).update(external_thread_id=comment_id)
    convo.messages.update(external_id=comment_id)
    return convo, comment_id


def test_like_unlike_hide_unhide_and_delete_reach_the_facebook_standin(
    browser_page, live_server, agent, graph_standin
):
    convo, _ = facebook_comment(graph_standin)
    page = browser_page(agent)
    open_conversation(page, live_server, convo)
    comment = page.locator("#thread .msg.dir-in")

    comment.get_by_role("button", name="Like").click()
    comment.get_by_role("button", name="Unlike").click()  # and changed one's mind
    expect(comment.get_by_role("button", name="Like")).to_be_visible()
    comment.get_by_role("button", name="Hide").click()
    expect(comment.locator(".badge", has_text="hidden")).to_be_visible()
    comment.get_by_role("button", name="Unhide").click()
    expect(comment.get_by_role("button", name="Hide")).to_be_visible()
    expect(comment.locator(".badge", has_text="hidden")).to_have_count(0)
    comment.get_by_role("button", name="Delete").click()  # asks first; the fixture accepts
    wait_for(lambda: len(graph_standin.posted) >= 5, what="five calls to reach Graph")
    assert [p["kind"] for p in graph_standin.posted] == [
        "like",
        "unlike",
        "hide",
        "unhide",
        "delete",
    ]
    assert page.dialogs == [
        ("confirm", "Delete this message on the platform? This cannot be undone.")
    ]
    wait_for(
        lambda: set(OutboundAction.objects.values_list("state", flat=True)) == {ActionState.DONE},
        what="the five actions to be done",
    )


def test_without_javascript_delete_asks_on_a_page_and_only_its_button_deletes(
    browser_page, live_server, agent, graph_standin
):
    convo, comment_id = facebook_comment(graph_standin)
    page = browser_page(agent, javascript=False)
    open_conversation(page, live_server, convo)
    comment = page.locator("#thread .msg.dir-in")
    question = page.locator("main h1", has_text="Delete this message on the platform?")

    # Cancel, and the browser's Back, leave the comment where it is.
    comment.get_by_role("button", name="Delete").click()
    expect(question).to_be_visible()
    expect(page.locator("main")).to_contain_text(
        "“These boots fell apart in a week” by Marina Ivanova is deleted on Polaris Outfitters"
    )
    page.get_by_role("link", name="Cancel").click()
    expect(page).to_have_url(f"{live_server.url}/c/{convo.pk}/")
    comment.get_by_role("button", name="Delete").click()
    expect(question).to_be_visible()
    page.go_back()
    expect(comment.get_by_role("button", name="Delete")).to_be_visible()
    assert graph_standin.posted == [] and not OutboundAction.objects.exists()

    comment.get_by_role("button", name="Delete").click()
    page.get_by_role("button", name="Delete this message on the platform").click()
    expect(page).to_have_url(f"{live_server.url}/c/{convo.pk}/")
    wait_for(lambda: graph_standin.posted, what="the delete to reach Graph")
    assert [(p["kind"], p["id"]) for p in graph_standin.posted] == [("delete", comment_id)]
    assert page.dialogs == []  # the page asked, not a dialog
    page.reload()
    expect(comment.locator(".badge", has_text="deleted")).to_be_visible()


def test_the_permalinks_open_the_comment_and_the_post(browser_page, live_server, agent):
    channel = make_fb_channel()
    post = "https://www.facebook.com/polaris/posts/1001"
    convo = factories.make_conversation(
        channel,
        text="Is it waterproof?",
        context={"text": "Our new boots are here", "permalink": post},
        context_external_id="p1",
    )
    convo.messages.update(permalink=post + "?comment_id=77")
    page = browser_page(agent)
    # Facebook itself is not reached from a test: each tab gets a stand-in page.
    page.context.route(
        "https://www.facebook.com/**",
        lambda route: route.fulfill(body="<h1>On Facebook</h1>", content_type="text/html"),
    )
    open_conversation(page, live_server, convo)
    for link, url in [
        (page.locator("#thread .msg a.permalink"), post + "?comment_id=77"),
        (page.locator("#thread .context").get_by_role("link", name="Open on the platform"), post),
    ]:
        with page.context.expect_page() as tab:
            link.click()
        tab.value.wait_for_load_state()
        assert tab.value.url == url
        expect(tab.value.locator("h1")).to_have_text("On Facebook")
        tab.value.close()
    expect(page).to_have_url(re.compile(rf"/c/{convo.pk}/$"))  # the inbox stays where it was


def test_the_merge_page_finds_and_previews_and_cancel_merges_nothing(
    browser_page, live_server, agent, testchat_channel
):
    mine = factories.make_conversation(testchat_channel, text="Parcel?", customer="Maria Tamm")
    other = factories.make_conversation(testchat_channel, text="Still?", customer="Maria T.")
    page = browser_page(agent)
    open_conversation(page, live_server, mine)
    page.get_by_role("link", name="Merge with another customer…").click()
    expect(page.locator("main h1")).to_have_text("Merge Maria Tamm with…")

    page.fill("#merge-q", "Maria")
    page.get_by_role("button", name="Find").click()
    candidate = page.locator("a.candidate", has_text="Maria T.")
    candidate.click()
    expect(page.locator("#merge-preview")).to_contain_text("Maria T.")
    page.locator("#merge-preview").get_by_role("link", name="Cancel").click()
    expect(page).to_have_url(re.compile(rf"/c/{mine.pk}/$"))
    assert Conversation.objects.get(pk=other.pk).contact_id != mine.contact_id  # not merged

    page.get_by_role("link", name="Merge with another customer…").click()
    page.get_by_role("link", name="← Back to the conversation").click()
    expect(page).to_have_url(re.compile(rf"/c/{mine.pk}/$"))
    expect(page.locator("#pane")).to_have_attribute("data-conversation", str(mine.pk))
