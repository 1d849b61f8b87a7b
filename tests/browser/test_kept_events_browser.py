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


def test_staff_pages_back_through_many_kept_events_and_reach_the_django_admin(
    browser_page, live_server
):
    channel = factories.make_channel("testchat", external_id=ACCOUNT, name="Polaris Testchat")
    events = [
        InboundEvent.objects.create(
            channel_kind="testchat",
            channel=channel,
            delivery_key=f"k{n}",
            payload={"n": n},
            state=EventState.POISONED,
            last_error=f"reason {n}",
        )
        for n in range(51)
    ]
    staff = factories.make_user("root", role="admin", is_staff=True, is_superuser=True)
    page = browser_page(staff)
    page.goto(f"{live_server.url}/channels/")
    page.locator(f"#channel-{channel.pk} a.poisoned").click()
    expect(page.locator(".kept-event")).to_have_count(50)  # the newest fifty
    expect(page.locator(f"#event-{events[0].pk}")).to_have_count(0)
    page.locator("a.older").click()
    expect(page.locator(".kept-event")).to_have_count(1)
    expect(page.locator(f"#event-{events[0].pk} .reason")).to_have_text("reason 0")

    page.locator("a.admin-link").click()  # staff may read the same list in the admin
    expect(page.locator("#result_list tbody tr")).to_have_count(51)
