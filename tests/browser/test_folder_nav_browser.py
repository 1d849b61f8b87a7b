"""The folder nav follows the list it shows: a folder loaded by htmx is the one highlighted
(class `active`, `aria-current="page"`), through Back and Forward too, and its links keep the
sort and kind the agent chose."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from inbox.models import ConversationState, Tag
from tests.support import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def folder(page, name: str):
    return page.locator("#folders a.folder", has_text=re.compile(rf"^\s*{name}\b"))


def expect_current(page, name: str) -> None:
    """`name` is the one folder highlighted, for the eye and for a screen reader."""
    expect(folder(page, name)).to_have_class(re.compile(r"\bactive\b"))
    expect(folder(page, name)).to_have_attribute("aria-current", "page")
    expect(page.locator("#folders a.active")).to_have_count(1)
    expect(page.locator("#folders a[aria-current]")).to_have_count(1)


@pytest.fixture
def inbox(testchat_channel):
    open_one = factories.make_conversation(testchat_channel, text="Where is my parcel?")
    closed_one = factories.make_conversation(
        testchat_channel, text="Thanks, solved", state=ConversationState.CLOSED
    )
    refund = factories.make_conversation(testchat_channel, text="I want a refund")
    refund.tags.add(Tag.objects.create(name="Payment", color="#0e7490"))
    return {"open": open_one, "closed": closed_one, "refund": refund}


def test_a_folder_clicked_is_the_one_highlighted_through_back_and_forward(
    browser_page, live_server, agent, inbox
):
    page = browser_page(agent)
    page.goto(f"{live_server.url}/")
    expect_current(page, "Open")

    folder(page, "Closed").click()
    expect(page).to_have_url(re.compile(r"folder=closed"))
    expect(page.locator("#rows")).to_contain_text("Thanks, solved")
    expect_current(page, "Closed")

    folder(page, "All").click()
    expect(page.locator("#rows")).to_contain_text("Where is my parcel?")
    expect_current(page, "All")

    page.go_back()
    expect(page).to_have_url(re.compile(r"folder=closed"))
    expect(page.locator("#rows")).not_to_contain_text("Where is my parcel?")
    expect_current(page, "Closed")

    page.go_back()
    expect(page.locator("#rows")).to_contain_text("Where is my parcel?")
    expect_current(page, "Open")

    page.go_forward()
    expect(page.locator("#rows")).to_contain_text("Thanks, solved")
    expect_current(page, "Closed")


def test_a_tag_folder_is_highlighted_and_the_folders_keep_the_chosen_sort(
    browser_page, live_server, agent, inbox
):
    page = browser_page(agent)
    page.goto(f"{live_server.url}/")
    page.locator("#folders a.folder", has_text="Payment").click()
    expect(page.locator("#rows .row")).to_have_count(1)
    expect(page.locator("#folders a.folder", has_text="Payment")).to_have_attribute(
        "aria-current", "page"
    )
    expect(page.locator("#folders a.folder", has_text="Payment")).to_have_class(
        re.compile(r"\bactive\b")
    )

    page.locator(".sorts a", has_text="Oldest").click()
    expect(page).to_have_url(re.compile(r"sort=oldest"))
    # The folder links now carry the sort: Closed opens sorted oldest first.
    folder(page, "Closed").click()
    expect(page).to_have_url(re.compile(r"folder=closed"))
    expect(page).to_have_url(re.compile(r"sort=oldest"))
    expect(page.locator(".sorts a.active")).to_have_text("Oldest")
    expect_current(page, "Closed")


def test_back_after_leaving_the_inbox_shows_the_whole_page_of_the_folder(
    browser_page, live_server, agent, inbox
):
    """A folder loaded by htmx, then another page, then Back: the browser loads that address
    again, and must get the whole inbox page, not the list fragment htmx was sent."""
    page = browser_page(agent)
    page.goto(f"{live_server.url}/")
    folder(page, "Closed").click()
    expect_current(page, "Closed")
    page.locator(".topnav a", has_text="Outbox").click()
    expect(page).to_have_url(re.compile(r"/outbox/"))

    page.go_back()
    expect(page).to_have_url(re.compile(r"folder=closed"))
    expect(page.locator("header.topbar")).to_be_visible()
    expect(page.locator("#rows")).to_contain_text("Thanks, solved")
    expect_current(page, "Closed")

    # A reload, then Back through the htmx entry before it: the whole page again.
    page.reload()
    folder(page, "All").click()
    expect_current(page, "All")
    page.reload()
    page.go_back()
    expect(page).to_have_url(re.compile(r"folder=closed"))
    expect(page.locator("header.topbar")).to_be_visible()
    expect_current(page, "Closed")


def test_back_to_a_folder_htmx_no_longer_remembers_loads_the_whole_page(
    browser_page, live_server, agent, inbox
):
    """htmx keeps the last pages it swapped in sessionStorage; one it has dropped (a full
    store, a long session) it asks the server for again, and that answer must be the page."""
    page = browser_page(agent)
    page.goto(f"{live_server.url}/")
    folder(page, "Closed").click()
    expect_current(page, "Closed")
    folder(page, "All").click()
    expect_current(page, "All")
    page.evaluate("sessionStorage.removeItem('htmx-history-cache')")

    page.go_back()
    expect(page).to_have_url(re.compile(r"folder=closed"))
    expect(page.locator("header.topbar")).to_be_visible()
    expect(page.locator("#folders")).to_have_count(1)
    expect(page.locator("#rows")).to_contain_text("Thanks, solved")
    expect_current(page, "Closed")
