"""The inbox list's controls: folders, sorts, kinds, filters, the bulk bar, posts and the
outbox, clicked the way an agent does (the control audit, tests/browser/test_every_control.py,
names these tests for them)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect

from accounts.models import Team
from inbox.models import (
    ActionKind,
    ActionState,
    Conversation,
    ConversationKind,
    ConversationState,
    OutboundAction,
    Tag,
)
from tests.support import factories
from tests.support.facebook import make_fb_channel

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ROW_IDS = "els => els.map(e => Number(e.dataset.id))"


def ago(minutes: int):
    return timezone.now() - timedelta(minutes=minutes)


def rows(page) -> list[int]:
    return page.eval_on_selector_all("#rows .row", ROW_IDS)


def expect_rows(page, conversations) -> None:
    """The list shows exactly these conversations, in this order (waiting for the swap)."""
    expected = [c.pk for c in conversations]
    try:
        page.wait_for_function(
            "ids => JSON.stringify([...document.querySelectorAll('#rows .row')]"
            ".map(e => Number(e.dataset.id))) === JSON.stringify(ids)",
            arg=expected,
            timeout=15000,  # a busy 2-core machine
        )
    except PlaywrightTimeout:
        assert rows(page) == expected


def folder_link(page, key: str):
    return page.locator(f"#folders a.folder[data-folder={key}]")


def expect_only_current(page, link) -> None:
    expect(link).to_have_attribute("aria-current", "page")
    expect(page.locator("#folders [aria-current]")).to_have_count(1)
    expect(page.locator("#folders a.active")).to_have_count(1)


def test_mine_unassigned_snoozed_and_spam_folders_list_what_they_name(
    browser_page, live_server, agent, agent2, testchat_channel
):
    def convo(text, minutes, **fields):
        return factories.make_conversation(testchat_channel, text=text, at=ago(minutes), **fields)

    mine = convo("Mine to answer", 1, assignee=agent)
    boris = convo("Boris has it", 2, assignee=agent2)
    nobody = convo("Nobody has it", 3)
    snoozed = convo(
        "Back tomorrow",
        4,
        state=ConversationState.SNOOZED,
        snoozed_until=timezone.now() + timedelta(days=1),
    )
    spam = convo("Cheap followers!!!", 5, is_spam=True)
    page = browser_page(agent)
    page.goto(live_server.url + "/")
    expect_rows(page, [mine, boris, nobody])
    for key, shown in [
        ("mine", [mine]),
        ("unassigned", [nobody]),
        ("snoozed", [snoozed]),
        ("spam", [spam]),
    ]:
        folder_link(page, key).click()
        expect(page).to_have_url(re.compile(rf"folder={key}"))
        expect_rows(page, shown)
        expect_only_current(page, folder_link(page, key))


def test_with_a_tag_folder_open_only_the_tag_is_current(
    browser_page, live_server, agent, testchat_channel
):
    refund = factories.make_conversation(testchat_channel, text="Refund please", at=ago(1))
    factories.make_conversation(testchat_channel, text="Nice boots", at=ago(2))
    refund.tags.add(Tag.objects.create(name="Payment", color="#0e7490"))
    page = browser_page(agent)
    page.goto(live_server.url + "/")
    tag = page.locator("#folders a.folder", has_text="Payment")
    tag.click()
    expect_rows(page, [refund])
    # The list is Open ∩ Payment, but the page is the Payment folder: Open is not "current".
    expect_only_current(page, tag)
    expect(folder_link(page, "open")).not_to_have_attribute("aria-current", "page")
    page.reload()  # the whole page, not an htmx swap, says the same
    expect_only_current(page, page.locator("#folders a.folder", has_text="Payment"))


def test_channel_and_team_folders_and_clear_filters(browser_page, live_server, agent):
    shop = factories.make_channel("testchat", name="Shop chat")
    care = factories.make_channel("testchat", name="Care chat")
    team = Team.objects.create(name="Billing")
    team.members.add(agent)
    at_shop = factories.make_conversation(shop, text="From the shop", at=ago(1))
    at_care = factories.make_conversation(care, text="From care", at=ago(2), team=team)
    page = browser_page(agent)
    page.goto(live_server.url + "/")
    expect_rows(page, [at_shop, at_care])

    channels = page.locator("#folders h3:text-is('Channels') + ul")
    channels.locator("a", has_text="Shop chat").click()
    expect(page).to_have_url(re.compile(rf"channel={shop.pk}"))
    expect_rows(page, [at_shop])
    expect_only_current(page, channels.locator("a", has_text="Shop chat"))
    page.get_by_role("link", name="Clear filters").click()
    expect_rows(page, [at_shop, at_care])
    expect(page).not_to_have_url(re.compile(r"channel="))

    teams = page.locator("#folders h3:text-is('Teams') + ul")
    teams.locator("a", has_text="Billing").click()
    expect(page).to_have_url(re.compile(rf"team={team.pk}"))
    expect_rows(page, [at_care])
    expect_only_current(page, teams.locator("a", has_text="Billing"))
    page.get_by_role("link", name="Clear filters").click()
    expect_rows(page, [at_shop, at_care])
    expect(page.get_by_role("link", name="Clear filters")).to_have_count(0)


def test_the_folders_outbox_and_posts_links(browser_page, live_server, agent):
    fb = make_fb_channel()
    factories.make_conversation(
        fb,
        text="Love it",
        context={"text": "Our new boots are here"},
        context_external_id="p1",
        at=ago(1),
    )
    page = browser_page(agent)
    page.goto(live_server.url + "/")
    page.locator("#folders").get_by_role("link", name="Posts", exact=True).click()
    expect(page).to_have_url(live_server.url + "/posts/")
    expect(page.locator(".post-groups .post-text")).to_have_text("Our new boots are here")
    page.locator("#folders").get_by_role("link", name="Outbox", exact=True).click()
    expect(page).to_have_url(live_server.url + "/outbox/")
    expect(page.locator("main h1")).to_have_text("Outbox")


def test_each_sort_link_orders_the_list(browser_page, live_server, agent, testchat_channel):
    old = factories.make_conversation(
        testchat_channel, text="Old", at=ago(30), sla_due_at=timezone.now() + timedelta(minutes=5)
    )
    urgent = factories.make_conversation(
        testchat_channel, text="Urgent", at=ago(20), priority="urgent"
    )
    new = factories.make_conversation(
        testchat_channel, text="New", at=ago(10), sla_due_at=timezone.now() + timedelta(hours=3)
    )
    page = browser_page(agent)
    page.goto(live_server.url + "/")
    # Each click waits for its own list (the address changes once it is swapped in), so the
    # next click is on the new list's links. Newest, the default, leaves the address bare.
    for key, label, order in [
        ("oldest", "Oldest", [old, urgent, new]),
        ("priority", "Priority", [urgent, new, old]),
        ("sla", "SLA due", [old, new, urgent]),
        ("", "Newest", [new, urgent, old]),
    ]:
        page.locator(".sorts").get_by_role("link", name=label, exact=True).click()
        if key:
            expect(page).to_have_url(re.compile(rf"sort={key}\b"))
        else:
            expect(page).not_to_have_url(re.compile(r"sort="))
        expect(page.locator(".sorts a.active")).to_have_text(label)
        expect_rows(page, order)


def test_each_kind_link_narrows_the_list_and_again_widens_it(
    browser_page, live_server, agent, testchat_channel
):
    made = {
        kind: factories.make_conversation(testchat_channel, text=label, kind=kind, at=ago(n + 1))
        for n, (kind, label) in enumerate(ConversationKind.choices)
    }
    page = browser_page(agent)
    page.goto(live_server.url + "/")
    everyone = list(made.values())
    expect_rows(page, everyone)
    kinds = page.locator(".kinds")
    for kind, label in ConversationKind.choices:
        kinds.get_by_role("link", name=label, exact=True).click()
        expect(page).to_have_url(re.compile(rf"kind={kind}"))
        expect_rows(page, [made[kind]])
        kinds.get_by_role("link", name=label, exact=True).click()  # the active one: off again
        expect_rows(page, everyone)


def test_view_post_opens_the_post_on_the_platform(browser_page, live_server, agent):
    fb = make_fb_channel()
    permalink = "https://www.facebook.com/polaris/posts/1001"
    for n in range(2):
        factories.make_conversation(
            fb,
            text=f"Comment {n}",
            context={"text": "Our new boots are here", "permalink": permalink},
            context_external_id="p1",
            at=ago(n + 1),
        )
    page = browser_page(agent)
    # Facebook itself is not reached from a test: the tab gets a stand-in page.
    page.context.route(
        "https://www.facebook.com/**",
        lambda route: route.fulfill(body="<h1>The post on Facebook</h1>", content_type="text/html"),
    )
    page.goto(live_server.url + "/posts/")
    page.locator(".post-groups a").click()
    expect(page.locator(".post-head")).to_contain_text("2 comments")
    with page.context.expect_page() as tab:
        page.locator(".post-head").get_by_role("link", name="View post").click()
    tab.value.wait_for_load_state()
    assert tab.value.url == permalink
    expect(tab.value.locator("h1")).to_have_text("The post on Facebook")


def test_bulk_tag_priority_snooze_and_spam_change_the_selected_rows(
    browser_page, live_server, agent, testchat_channel
):
    a, b, c = (
        factories.make_conversation(testchat_channel, text=f"Question {n}", at=ago(n + 1))
        for n in range(3)
    )
    page = browser_page(agent)
    page.goto(live_server.url + "/")
    expect_rows(page, [a, b, c])
    bulk = page.locator("#bulk")

    def select(*conversations):
        for convo in conversations:
            page.locator(f"#row-{convo.pk} input.select").check()
        expect(page.locator("#selected-count")).to_have_text(str(len(conversations)))

    select(a, b)
    bulk.get_by_label("Tag").fill("VIP")
    bulk.get_by_role("button", name="Tag", exact=True).click()
    expect(page.locator("#bulk-done")).to_have_text("2 conversations tagged.")
    expect(page.locator(f"#row-{a.pk} .tag")).to_have_text("VIP")
    assert {x.pk for x in Conversation.objects.filter(tags__name="VIP")} == {a.pk, b.pk}

    select(b, c)
    bulk.get_by_label("Priority").select_option("urgent")
    bulk.get_by_role("button", name="Set priority").click()
    expect(page.locator("#bulk-done")).to_have_text("2 conversations given the new priority.")
    expect(page.locator(f"#row-{c.pk} .prio")).to_have_text("Urgent")
    assert {x.pk for x in Conversation.objects.filter(priority="urgent")} == {b.pk, c.pk}

    select(a)
    bulk.get_by_label("Snooze until").select_option("tomorrow")
    bulk.get_by_role("button", name="Snooze", exact=True).click()
    expect(page.locator("#bulk-done")).to_have_text("1 conversation snoozed.")
    expect_rows(page, [b, c])  # gone from Open
    a.refresh_from_db()
    assert a.state == ConversationState.SNOOZED and a.snoozed_until > timezone.now()

    select(c)
    bulk.get_by_role("button", name="Spam", exact=True).click()
    expect(page.locator("#bulk-done")).to_have_text("1 conversation marked as spam.")
    expect_rows(page, [b])
    assert Conversation.objects.get(pk=c.pk).is_spam


def test_outbox_state_filters_and_the_conversation_link(browser_page, live_server, agent):
    fb = make_fb_channel()
    actions = {}
    for n, state in enumerate([ActionState.FAILED, ActionState.HELD, ActionState.QUEUED]):
        convo = factories.make_conversation(fb, kind="dm", customer=f"Customer {state}")
        actions[state] = OutboundAction.objects.create(
            channel=fb, conversation=convo, kind=ActionKind.DM, state=state, reason=f"why {n}"
        )
    sending = factories.make_conversation(fb, kind="dm", customer="Customer sending")
    actions[ActionState.SENDING] = OutboundAction.objects.create(
        channel=fb, conversation=sending, kind=ActionKind.DM, state=ActionState.SENDING
    )
    page = browser_page(agent)
    page.goto(live_server.url + "/outbox/")
    states = page.locator(".outbox-states")

    def shown() -> set[int]:
        return {
            int(i.removeprefix("action-"))
            for i in page.eval_on_selector_all("tr.action-row", "els => els.map(e => e.id)")
        }

    assert shown() == {a.pk for a in actions.values()}
    for state, action in actions.items():
        states.locator(f"a[data-state={state}]").click()
        expect(page).to_have_url(live_server.url + f"/outbox/?state={state}")
        expect(page.locator("tr.action-row")).to_have_count(1)
        assert shown() == {action.pk}
        expect(states.locator("a.active")).to_have_attribute("data-state", state)
    states.get_by_role("link", name="All", exact=True).click()
    expect(page.locator("tr.action-row")).to_have_count(4)

    held = actions[ActionState.HELD]
    page.locator(f"#action-{held.pk}").get_by_role("link", name="Customer held").click()
    expect(page).to_have_url(live_server.url + f"/c/{held.conversation_id}/")
    expect(page.locator("#conv-header h2")).to_have_text("Customer held")
