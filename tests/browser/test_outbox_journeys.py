"""Issue 12, "nothing leaves Open unless it was answered" and the Outbox page, in a browser.

Headless Debian chromium (Playwright) against the live server, with the Graph API stand-in
as Facebook; the outbox runs eagerly (tests/settings.py), so a reply reaches the stand-in,
or is refused by it, before the request returns. Screenshots are kept under test-artifacts/.
"""

from __future__ import annotations

import time

import pytest

from inbox import channels
from inbox.models import ActionState, Channel, Conversation, Direction, OutboundAction
from tests.browser.test_inbox_browser import minutes_ago
from tests.support import factories
from tests.support.facebook import make_fb_channel

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DISCONNECTED = "Facebook Page disconnected — an admin must reconnect"


@pytest.fixture
def warm_classifier():
    """Load the classifier's models before a webhook is delivered: loading them inside the
    live server's first ingest can outlast the stand-in's 10 s delivery timeout on a busy
    machine (workers load them before they are ready; this process has no such start)."""
    from rules import classify

    classify.warm_up()


def state_of(conversation: Conversation) -> str:
    conversation.refresh_from_db()
    return conversation.state


def test_a_reply_held_by_an_expired_token_keeps_the_conversation_open(
    browser_page, live_server, agent, agent2, graph_standin, artifact
):
    channel = make_fb_channel(api_base_url=graph_standin.url)
    comment_id = graph_standin.add_comment(
        message="Where is my order?", author={"id": "6984412238391199", "name": "Marina Ivanova"}
    )
    convo = factories.make_conversation(
        channel, text="Where is my order?", customer="Marina Ivanova", at=minutes_ago(3)
    )
    Conversation.objects.filter(pk=convo.pk).update(external_thread_id=comment_id)
    convo.messages.update(external_id=comment_id)
    other = factories.make_conversation(
        channel, text="Do you ship to Tartu?", customer="Kadri Tamm", at=minutes_ago(5)
    )
    graph_standin.expire_token()  # Facebook answers every call with code 190

    page = browser_page(agent)
    page.goto(f"{live_server.url}/c/{convo.pk}/")
    text = "It left our warehouse yesterday, Marina."
    page.fill("#composer-text", text)
    page.click("#send-button")
    page.wait_for_selector("#thread .msg.dir-out .delivery.action-held")

    # The agent reads why, in words, and sees no Retry: only an admin's reconnect can help.
    delivery = page.locator("#thread .msg.dir-out .delivery")
    assert "Not sent" in delivery.inner_text()
    assert DISCONNECTED in delivery.inner_text()
    assert page.locator("#thread .delivery button.retry").count() == 0
    banner = page.locator("#pane .channel-banner")
    assert "Polaris Outfitters (Facebook Page) is disconnected" in banner.inner_text()
    assert page.locator("#conv-header .state").inner_text() == "Open"
    assert state_of(convo) == "open"
    assert [p for p in graph_standin.posted if p["kind"] == "comment"] == []
    artifact(page, "reply-held-expired-token")

    # Every agent working the channel sees the banner, on the inbox page too; the held
    # conversation is still in Open.
    colleague = browser_page(agent2)
    colleague.goto(f"{live_server.url}/")
    colleague.wait_for_selector(".channel-banner")
    assert (
        "Polaris Outfitters (Facebook Page) is disconnected"
        in colleague.locator(".channel-banner").inner_text()
    )
    assert "Reply not sent" in colleague.locator(f"#row-{convo.pk}").inner_text()
    assert "Reply not sent" not in colleague.locator(f"#row-{other.pk}").inner_text()
    artifact(colleague, "inbox-channel-disconnected-banner")

    # The Outbox shows it held, with the reason, across the team.
    colleague.click("#topnav-outbox")
    colleague.wait_for_selector(".outbox-page")
    [action] = OutboundAction.objects.filter(message__conversation=convo)
    row = colleague.locator(f"#action-{action.pk}")
    assert text in row.inner_text()
    assert DISCONNECTED in row.locator(".reason").inner_text()
    assert row.locator("button.retry").count() == 0
    assert colleague.locator("[data-state=held] .count").inner_text() == "1"

    # An admin reconnects with a fresh token (what the Facebook connect page does): the held
    # reply goes out once, and only now does the conversation leave Open.
    token = graph_standin.renew_token()
    channels.reconnect(Channel.objects.get(pk=channel.pk), credentials={"access_token": token})
    page.reload()
    page.wait_for_selector("#thread .msg.dir-out .delivery.status-posted")
    assert page.locator(".channel-banner").count() == 0
    assert page.locator("#conv-header .state").inner_text() == "Pending"
    assert [p["text"] for p in graph_standin.posted if p["kind"] == "comment"] == [text]
    assert state_of(convo) == "pending"
    assert page.locator(f"#row-{convo.pk}").count() == 0  # answered: it left Open
    colleague.reload()
    assert colleague.locator(f"#action-{action.pk}").count() == 0
    assert "Nothing waiting" in colleague.locator("table.outbox").inner_text()
    artifact(page, "reply-sent-after-reconnect")


def test_outbox_retry_sends_a_refused_reply_once_when_it_can_work(
    browser_page, live_server, agent, manager, graph_standin, artifact, warm_classifier
):
    """A Messenger reply outside the 24-hour window fails with that reason; once the customer
    writes again, Retry on the Outbox page sends it once and the conversation leaves Open."""
    graph_standin.configure(callback_url=f"{live_server.url}/webhooks/facebook/")
    make_fb_channel(api_base_url=graph_standin.url)
    psid = "7012345678901234"
    graph_standin.add_message(
        psid=psid,
        text="Can I change my delivery address?",
        name="Liis Kask",
        at=time.time() - 2 * 86400,
    )
    assert graph_standin.webhooks.deliver_due(force=True) == 1
    convo = Conversation.objects.get(kind="dm", external_thread_id=psid)

    page = browser_page(agent)
    page.goto(f"{live_server.url}/c/{convo.pk}/")
    text = "Yes, Liis: send me the new address here."
    page.fill("#composer-text", text)
    page.click("#send-button")
    page.wait_for_selector("#thread .msg.dir-out .delivery.status-failed")
    assert (
        "24-hour messaging window has closed"
        in page.locator("#thread .msg.dir-out .delivery .reason").inner_text()
    )
    assert state_of(convo) == "open"
    assert [p for p in graph_standin.posted if p["kind"] == "dm"] == []

    lead = browser_page(manager)
    lead.goto(f"{live_server.url}/outbox/")
    [action] = OutboundAction.objects.filter(message__conversation=convo)
    row = lead.locator(f"#action-{action.pk}")
    assert "Failed" in row.locator(".state").inner_text()
    assert "24-hour messaging window has closed" in row.locator(".reason").inner_text()
    artifact(lead, "outbox-failed-outside-window")

    # The customer writes again: the window is open, and Retry can work.
    graph_standin.add_message(psid=psid, text="Hello? Still there?", name="Liis Kask")
    assert graph_standin.webhooks.deliver_due(force=True) == 1
    row.locator("button.retry").click()
    lead.wait_for_selector(f"#action-{action.pk}", state="detached")
    sent = [p["text"] for p in graph_standin.posted if p["kind"] == "dm"]
    assert sent == [text]  # once
    action.refresh_from_db()
    assert action.state == ActionState.DONE
    assert state_of(convo) == "pending"
    assert convo.messages.filter(direction=Direction.OUTBOUND).get().delivery_status in (
        "posted",
        "delivered",
        "read",
    )
    artifact(lead, "outbox-after-retry")


# ---- public then private -------------------------------------------------------------------


def test_public_then_private_two_texts_and_the_answer_joins_the_linked_thread(
    browser_page, live_server, agent, graph_standin, artifact, warm_classifier
):
    from inbox.models import SavedReply

    graph_standin.configure(callback_url=f"{live_server.url}/webhooks/facebook/")
    make_fb_channel(api_base_url=graph_standin.url)
    # The managers chose the public half of "reply publicly + continue privately".
    SavedReply.objects.create(
        title="We've written to you",
        handoff=True,
        body="Hi {first_name}, we've sent you a private message.",
    )
    SavedReply.objects.create(title="Thanks", body="Thank you, {first_name}!")
    psid = "6984412238391199"
    graph_standin.add_comment(
        message="My parcel is lost, order 88123!", author={"id": psid, "name": "Marina Ivanova"}
    )
    assert graph_standin.webhooks.deliver_due(force=True) == 1
    comment_thread = Conversation.objects.get(kind="comment")

    page = browser_page(agent)
    page.goto(f"{live_server.url}/c/{comment_thread.pk}/")
    page.check("input[name=mode][value=both]")
    public = "Hi Marina, we've sent you a private message."
    assert page.input_value("#composer-public-text") == public
    private = "Marina, order 88123 is with the courier: tracking PX-4471, due Friday."
    page.fill("#composer-text", private)
    artifact(page, "public-then-private-composer")
    page.click("#send-button")
    page.wait_for_selector("#thread .msg.dir-out.vis-private")

    sent = [
        (p["kind"], p["text"])
        for p in graph_standin.posted
        if p["kind"] in ("comment", "private_reply")
    ]
    assert sorted(sent) == [("comment", public), ("private_reply", private)]
    graph_standin.webhooks.deliver_due(force=True)  # the echoes of both

    # The customer answers in Messenger: it opens the private thread linked to the comment.
    graph_standin.add_message(psid=psid, text="Thank you, Friday is fine!", name="Marina Ivanova")
    assert graph_standin.webhooks.deliver_due(force=True) == 1
    private_thread = Conversation.objects.get(kind="dm")
    assert private_thread.origin_id == comment_thread.pk
    assert list(
        private_thread.messages.filter(direction=Direction.INBOUND).values_list("text", flat=True)
    ) == ["Thank you, Friday is fine!"]

    page.reload()
    link = page.locator(f"#linked-continuation-{private_thread.pk} a")
    assert "Thank you, Friday is fine!" in link.inner_text()
    link.click()
    page.wait_for_selector(f"#pane[data-conversation='{private_thread.pk}']")
    assert "Thank you, Friday is fine!" in page.locator("#thread").inner_text()
    origin = page.locator("#linked-origin")
    assert "Continues privately from the comment" in origin.inner_text()
    assert "My parcel is lost, order 88123!" in origin.inner_text()
    artifact(page, "public-then-private-linked-thread")
    origin.locator("a").click()
    page.wait_for_selector(f"#pane[data-conversation='{comment_thread.pk}']")
