"""Intent in the browser: an unsure message shows "Unsure", and a manager corrects it."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from inbox.models import Conversation
from rules.models import IntentCorrection
from tests.support import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_unsure_badge_and_a_managers_correction(browser_page, live_server, manager, agent):
    conversation = factories.make_conversation(
        text="so the jacket shrank two sizes after one wash",
        customer="Emily Carter",
        intent="unsure",
    )
    page = browser_page(manager)
    page.goto(f"{live_server.url}/c/{conversation.pk}/")
    expect(page.locator(f"#row-{conversation.pk} .intent")).to_have_text("Unsure")
    badge = page.locator("#conv-header #conv-intent")
    expect(badge).to_have_text("Unsure")
    expect(badge).to_have_attribute("title", "The classifier was not sure of the intent")

    page.select_option("#correct-intent-select", "complaint")
    page.click("#correct-intent")
    expect(page.locator("#conv-header #conv-intent")).to_have_text("complaint")
    expect(page.locator("#pane")).to_contain_text("intent corrected (unsure → complaint)")
    assert Conversation.objects.get(pk=conversation.pk).intent == "complaint"
    example = IntentCorrection.objects.get()
    assert (example.predicted, example.intent) == ("unsure", "complaint")

    agents_page = browser_page(agent)
    agents_page.goto(f"{live_server.url}/c/{conversation.pk}/")
    expect(agents_page.locator("#conv-header #conv-intent")).to_have_text("complaint")
    expect(agents_page.locator("#correct-intent")).to_have_count(0)
