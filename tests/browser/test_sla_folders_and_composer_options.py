"""Two things this round added to the agent's page, clicked as an agent does: the "SLA
breached" / "SLA due soon" folders, and a connector's composer option (Facebook's
HUMAN_AGENT tag), which must reach the platform with the reply."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from inbox.models import Conversation, ConversationKind, Direction
from tests.support import factories
from tests.support.facebook import make_fb_channel

pytestmark = pytest.mark.browser


def test_the_sla_folders_list_what_is_late_and_what_is_about_to_be(
    browser_page, live_server, agent, testchat_channel
):
    now = timezone.now()
    late = factories.make_conversation(testchat_channel, customer="Late Lena")
    soon = factories.make_conversation(testchat_channel, customer="Soon Sam")
    calm = factories.make_conversation(testchat_channel, customer="Calm Carl")
    Conversation.objects.filter(pk=late.pk).update(sla_due_at=now - timedelta(minutes=5))
    Conversation.objects.filter(pk=soon.pk).update(
        sla_due_at=now + timedelta(minutes=8), sla_due_soon_at=now - timedelta(minutes=2)
    )
    Conversation.objects.filter(pk=calm.pk).update(
        sla_due_at=now + timedelta(hours=3), sla_due_soon_at=now + timedelta(hours=2)
    )
    page = browser_page(agent)
    page.goto(f"{live_server.url}/")
    rows = page.locator("#list .row .customer")

    breached = page.locator("a.folder[data-folder=sla_breached]")
    expect(breached).to_contain_text("1")  # its count, before it is opened
    breached.click()
    expect(rows).to_have_text(["Late Lena"])
    assert page.url.endswith("/?folder=sla_breached")

    page.locator("a.folder[data-folder=sla_due_soon]").click()
    expect(rows).to_have_text(["Soon Sam"])


def test_the_human_agent_option_is_ticked_and_the_reply_goes_out_tagged(
    browser_page, live_server, agent, graph_standin, settings
):
    settings.META_HUMAN_AGENT_ENABLED = True
    channel = make_fb_channel(api_base_url=graph_standin.url)
    three_days_ago = timezone.now() - timedelta(days=3)
    graph_standin.add_message(
        psid="7390125538764019", text="Is my tent still coming?", at=three_days_ago.timestamp()
    )
    convo = factories.make_conversation(
        channel, kind=ConversationKind.DM, text="Is my tent still coming?", at=three_days_ago
    )
    Conversation.objects.filter(pk=convo.pk).update(external_thread_id="7390125538764019")

    page = browser_page(agent)
    page.goto(f"{live_server.url}/c/{convo.pk}/")
    option = page.locator("label.composer-option", has_text="human-agent tag")
    expect(option).to_be_visible()
    option.locator("input").check()
    page.fill("#composer-text", "Yes, it left the warehouse today.")
    page.click("#send-button")
    expect(page.locator("#thread .msg.dir-out")).to_contain_text("left the warehouse")

    [sent] = [p for p in graph_standin.posted if p["kind"] == "dm"]
    assert (sent["messaging_type"], sent["tag"]) == ("MESSAGE_TAG", "HUMAN_AGENT")
    assert sent["text"] == "Yes, it left the warehouse today."
    assert convo.messages.get(direction=Direction.OUTBOUND).delivery_status == "posted"
