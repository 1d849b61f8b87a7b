"""An admin follows the Channels page's "failed" count to what was kept, reads it, and
processes it again: the message then appears in the inbox."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from inbox.models import EventState, InboundEvent, Message
from tests.support import factories
from tests.support.testchat_events import ACCOUNT, event

pytestmark = pytest.mark.browser


def test_an_admin_reads_a_failed_event_and_processes_it_again(
    browser_page, live_server, admin_user
):
    channel = factories.make_channel("testchat", external_id=ACCOUNT, name="Polaris Testchat")
    failed = InboundEvent.objects.create(
        channel_kind="testchat",
        channel=channel,
        delivery_key="k1",
        payload=event("c1", thread="t1", text="<b>where</b> is my parcel?", ts=100),
        state=EventState.FAILED,
        last_error="Traceback: the database went away",
    )
    page = browser_page(admin_user)
    page.goto(f"{live_server.url}/channels/")
    page.locator(f"#channel-{channel.pk} a.failed").click()
    expect(page.locator("h1")).to_contain_text("Kept for inspection: Polaris Testchat")
    section = page.locator(f"#event-{failed.pk}")
    expect(section.locator(".reason")).to_have_text("Traceback: the database went away")
    section.locator("summary").click()
    expect(section.locator(".payload")).to_contain_text("<b>where</b> is my parcel?")

    filters = page.locator(".filters")
    filters.locator("a", has_text="poisoned").click()
    expect(page.locator(".empty")).to_have_text("Nothing is kept here.")
    filters.locator("a", has_text="all").click()
    expect(section).to_be_visible()
    filters.locator("a", has_text="failed").click()
    expect(section).to_be_visible()

    section.locator("button:has-text('Process again')").click()
    expect(page.locator("text=is queued to be processed again")).to_be_visible()
    expect(page.locator(".empty")).to_have_text("Nothing is kept here.")
    assert Message.objects.filter(text="<b>where</b> is my parcel?").count() == 1

    page.locator("a", has_text="← Channels").click()
    expect(page.locator(f"#channel-{channel.pk} .kept")).to_contain_text("none")
