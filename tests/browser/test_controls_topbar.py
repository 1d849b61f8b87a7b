"""The top bar's links and buttons, clicked the way a signed-in person does (the control
audit, tests/browser/test_every_control.py, names these tests for them)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.support import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# label: (where it leads, what that page shows)
TOP_BAR = {
    "Switchboard": ("/", "#folders"),
    "Inbox": ("/", "#folders"),
    "Posts": ("/posts/", "h2:text-is('Posts with comments')"),
    "Outbox": ("/outbox/", "main h1:text-is('Outbox')"),
    "Saved replies": ("/manage/saved-replies/", "main h1:text-is('Saved replies')"),
    "Tags": ("/manage/tags/", "main h1:text-is('Tags')"),
    "Teams": ("/manage/teams/", "main h1:text-is('Teams')"),
    "Rules": ("/rules/", ".settings-nav a[aria-current=page]:text-is('Rules')"),
    "Webhooks": ("/manage/webhooks/", "main h1:text-is('Webhooks')"),
    "Reports": ("/reports/", "main h1:text-is('Reports')"),
    "Channels": ("/channels/", "main h1:text-is('Channels')"),
    "Settings": ("/settings/", "main h1:text-is('Your settings')"),
}


def test_each_top_bar_link_opens_its_page(browser_page, live_server, admin_user):
    page = browser_page(admin_user)
    page.goto(live_server.url + "/outbox/")  # not the inbox, so Inbox has somewhere to go
    shown = [a.inner_text() for a in page.locator("header.topbar a").all()]
    assert sorted(shown) == sorted(TOP_BAR)
    for label, (path, sign) in TOP_BAR.items():
        page.locator("header.topbar").get_by_role("link", name=label, exact=True).click()
        expect(page).to_have_url(live_server.url + path)
        expect(page.locator(sign)).to_be_visible()
        if path == "/":
            page.goto(live_server.url + "/outbox/")


def test_an_agent_sees_only_the_agents_top_bar(browser_page, live_server, agent):
    page = browser_page(agent)
    page.goto(live_server.url + "/")
    shown = [a.inner_text() for a in page.locator("header.topbar a").all()]
    assert shown == ["Switchboard", "Inbox", "Posts", "Outbox", "Settings"]


def test_log_out_ends_the_session(browser_page, live_server, agent):
    page = browser_page()
    page.goto(live_server.url + "/login/")
    page.fill("input[name=username]", agent.username)
    page.fill("input[name=password]", factories.PASSWORD)
    page.click("button[type=submit]")
    expect(page.locator(".topbar .me")).to_have_text("Anna")
    page.locator("header.topbar").get_by_role("button", name="Log out").click()
    expect(page.locator(".topbar .me")).to_have_count(0)
    page.goto(live_server.url + "/")
    assert "/login/" in page.url  # signed out: the inbox asks for a login again


@pytest.mark.parametrize("path", ["/", "/settings/"])
def test_the_question_mark_button_shows_the_shortcuts(browser_page, live_server, manager, path):
    """On the inbox and on a settings page alike (the help was once only in the inbox's page,
    so "?" did nothing elsewhere)."""
    page = browser_page(manager)
    page.goto(live_server.url + path)
    help_box = page.locator("#shortcut-help")
    expect(help_box).to_be_hidden()
    button = page.locator("header.topbar").get_by_role("button", name="?")
    button.click()
    expect(help_box).to_be_visible()
    expect(help_box).to_contain_text("Keyboard shortcuts")
    expect(help_box).to_contain_text("Send, close and open the next conversation")
    button.click()
    expect(help_box).to_be_hidden()
