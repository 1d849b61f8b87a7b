"""Managers and admins run Switchboard from its own pages, in headless Debian chromium.

Four journeys (issue 13): a manager sets business hours and an SLA policy and watches a
conversation's SLA badge change; an admin invites an agent, whose link from the e-mail
sets a password and lands in the inbox with the chosen role; a rule naming a deactivated
agent is refused on save; and the audit page lists each of those changes.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from accounts.models import Team, User
from audit.models import Entry
from rules.models import Rule, SlaPolicy
from tests.support import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def badge(page, conversation) -> str:
    row = page.locator(f"#row-{conversation.pk} .sla")
    return row.get_attribute("class") + " " + row.inner_text() if row.count() else ""


def manager_sets_hours_and_sla(browser_page, live_server, manager, channel, artifact=None) -> None:
    waiting = factories.make_conversation(
        channel,
        text="Where is my parcel?",
        customer="Kadri Tamm",
        at=timezone.now() - timedelta(minutes=20),
    )
    page = browser_page(manager)
    page.goto(live_server.url + "/")
    page.wait_for_selector(f"#row-{waiting.pk}")
    assert badge(page, waiting) == ""  # no policy yet: nothing is due

    page.click("text=Settings")
    page.click(".settings-nav >> text=Business hours")
    page.click("text=New business hours")
    page.fill("input[name=name]", "Tallinn desk")
    page.select_option("select[name=timezone]", "Europe/Tallinn")
    for day in range(7):  # open around the clock, so the test does not depend on the hour
        page.fill(f"input[name=d{day}-0-start]", "00:00")
        page.fill(f"input[name=d{day}-0-end]", "24:00")
    page.fill("textarea[name=holidays]", "2031-12-24 Christmas Eve")
    page.click("button:has-text('Save')")
    page.wait_for_selector("text=Saved the business hours")
    assert "Tallinn desk" in page.locator("#business-hours").inner_text()

    page.click(".settings-nav >> text=SLA policies")
    page.click("text=New SLA policy")
    page.fill("input[name=name]", "Everything")
    page.fill("input[name=first_response_minutes]", "60")
    page.fill("input[name=due_soon_minutes]", "45")  # due in 40 minutes: due soon
    page.select_option("select[name=business_hours]", label="Tallinn desk (Europe/Tallinn)")
    page.click("button:has-text('Save')")
    page.wait_for_selector("#sla-policies >> text=Everything")
    if artifact:
        page.goto(live_server.url + "/rules/hours/")
        page.click("text=Tallinn desk")
        artifact(page, "business-hours")
        page.goto(live_server.url + "/rules/sla/")

    page.goto(live_server.url + "/")
    page.wait_for_selector(f"#row-{waiting.pk} .sla")
    soon = badge(page, waiting)
    assert "sla-soon" in soon and ("SLA 39m" in soon or "SLA 40m" in soon), soon

    # A tighter target: the same conversation is now over its SLA.
    page.goto(live_server.url + f"/rules/sla/{SlaPolicy.objects.get().pk}/")
    page.fill("input[name=first_response_minutes]", "15")
    page.fill("input[name=due_soon_minutes]", "5")
    page.click("button:has-text('Save')")
    page.wait_for_selector("text=Saved the SLA policy")
    page.goto(live_server.url + "/")
    page.wait_for_selector(f"#row-{waiting.pk} .sla")
    assert "sla-breached" in badge(page, waiting) and "over" in badge(page, waiting)
    page.context.close()


def admin_invites_an_agent(browser_page, live_server, admin_user, artifact=None) -> User:
    Team.objects.create(name="Support")
    page = browser_page(admin_user)
    page.goto(live_server.url + "/settings/")
    page.click(".settings-nav >> text=People")
    page.fill("#invite-form input[name=email]", "kati@example.com")
    page.fill("#invite-form input[name=first_name]", "Kati")
    page.select_option("#invite-form select[name=role]", "agent")
    page.check("#invite-form label:has-text('Support') input")
    page.click("button:has-text('Send the invitation')")
    page.wait_for_selector("text=Invited kati@example.com")
    assert "invited" in page.locator("#people tr:has-text('kati@example.com')").inner_text()
    if artifact:
        artifact(page, "people")
    page.context.close()

    link = re.search(r"https?://\S+/invite/\S+/", mail.outbox[-1].body).group(0)
    invitee = browser_page()  # not logged in: a fresh browser
    invitee.goto(link)
    assert "You join as agent" in invitee.locator("main").inner_text()
    invitee.fill("input[name=new_password1]", "short")
    invitee.fill("input[name=new_password2]", "short")
    invitee.click("button:has-text('Set my password')")
    invitee.wait_for_selector("text=too short")
    invitee.fill("input[name=new_password1]", "harbour-lights-2031")
    invitee.fill("input[name=new_password2]", "harbour-lights-2031")
    invitee.click("button:has-text('Set my password')")
    invitee.wait_for_selector(".topbar .me")
    assert invitee.url == live_server.url + "/"
    assert invitee.locator(".topbar .me").inner_text() == "Kati"
    assert invitee.locator(".topnav >> text=Rules").count() == 0  # an agent, as chosen
    kati = User.objects.get(email="kati@example.com")
    assert kati.role == "agent" and [t.name for t in kati.teams.all()] == ["Support"]
    invitee.context.close()
    return kati


def rule_with_a_deactivated_agent_is_refused(
    browser_page, live_server, admin_user, manager, artifact=None
):
    jack = factories.make_user("jack", first_name="Jack")
    admin = browser_page(admin_user)
    admin.goto(live_server.url + "/settings/people/")
    admin.click(f"#person-{jack.pk} a:has-text('Deactivate')")
    admin.click("#confirm-deactivate button:has-text('Deactivate Jack')")
    admin.wait_for_selector("text=Jack is deactivated")
    admin.context.close()

    page = browser_page(manager, width=1280)
    page.goto(live_server.url + "/rules/new/")
    page.fill("input[name=name]", "Complaints to Jack")
    page.select_option("select[name='c-0-type']", "intent")
    page.fill("input[name='c-0-value']", "complaint")
    page.click("#conditions button:has-text('+ Group')")  # htmx: a nested group appears
    page.wait_for_selector("select[name='c-1.0-type']")
    page.select_option("select[name='c-1-mode']", "any")
    page.select_option("select[name='c-1.0-type']", "has_link")
    page.fill("input[name='c-1.0-value']", "yes")
    page.click("#conditions [data-path='1'] button:has-text('+ Condition')")
    page.wait_for_selector("select[name='c-1.1-type']")
    page.select_option("select[name='c-1.1-type']", "language")
    page.fill("input[name='c-1.1-value']", "et")
    page.select_option("select[name='a-0-type']", "assign")
    page.fill("input[name='a-0-value']", "jack")
    page.click("button:has-text('Save')")
    page.wait_for_selector("#rule-errors")
    assert (
        "Assign to the agent (username): the agent 'jack' is deactivated."
        in page.locator("#rule-errors").inner_text()
    )
    assert not Rule.objects.exists()
    if artifact:
        artifact(page, "rule-editor-refused")
    # What was typed is still there, nested group included; nothing overflows its card.
    assert page.input_value("input[name='c-1.1-value']") == "et"
    overflow = page.evaluate("""() => [...document.querySelectorAll('.settings-main, .rule-editor, fieldset')]
        .filter(el => el.scrollWidth > el.clientWidth + 1).map(el => el.className || el.id)""")
    assert overflow == []
    assert (
        page.locator("#preview").bounding_box()["x"]
        > page.locator("#rule-form").bounding_box()["x"] + 300
    )  # the preview is beside it
    # With an active agent it saves.
    page.fill("input[name='a-0-value']", manager.username)
    page.click("button:has-text('Save')")
    page.wait_for_selector("#rules >> text=Complaints to Jack")
    assert Rule.objects.get().conditions == {
        "all": [
            {"type": "intent", "value": ["complaint"]},
            {"any": [{"type": "has_link", "value": True}, {"type": "language", "value": ["et"]}]},
        ]
    }
    page.context.close()


def test_manager_sets_business_hours_and_an_sla_and_the_badge_changes(
    browser_page, live_server, manager, testchat_channel, artifact
):
    manager_sets_hours_and_sla(browser_page, live_server, manager, testchat_channel, artifact)


def test_admin_invites_an_agent_who_sets_a_password(
    browser_page, live_server, admin_user, artifact
):
    admin_invites_an_agent(browser_page, live_server, admin_user, artifact)


def test_a_rule_naming_a_deactivated_agent_is_refused_on_save(
    browser_page, live_server, admin_user, manager, artifact
):
    rule_with_a_deactivated_agent_is_refused(
        browser_page, live_server, admin_user, manager, artifact
    )


def test_the_audit_page_lists_each_change(
    browser_page, live_server, manager, admin_user, testchat_channel, artifact
):
    manager_sets_hours_and_sla(browser_page, live_server, manager, testchat_channel)
    admin_invites_an_agent(browser_page, live_server, admin_user)
    rule_with_a_deactivated_agent_is_refused(browser_page, live_server, admin_user, manager)
    assert Entry.objects.count() > 0
    page = browser_page(admin_user)
    page.goto(live_server.url + "/settings/audit/")
    text = page.locator("#entries").inner_text()
    for who, did, what in [
        ("maria", "created", "business_hours Tallinn desk"),
        ("maria", "created", "sla_policy Everything"),
        ("maria", "changed", "sla_policy Everything"),
        ("root", "invited", "user kati"),
        ("kati", "joined", "user kati"),
        ("root", "deactivated", "user jack"),
        ("maria", "created", "rule Complaints to Jack"),
    ]:
        assert re.search(rf"{who}\s+{did}\s+{re.escape(what)}", text), (who, did, what, text)
    assert "first_response_minutes: 60 → 15" in text
    # Filtered to SLA policies, by htmx, with the address kept.
    page.select_option("select[name=kind]", "sla_policy")
    page.wait_for_function("() => !document.querySelector('#entries').innerText.includes('kati')")
    assert "kind=sla_policy" in page.url
    assert page.locator("#entries tr.entry").count() == 2
    artifact(page, "audit-log")


def test_x_searches_show_the_query_while_typing(browser_page, live_server, manager, artifact):
    channel = factories.make_channel(
        "x",
        name="Polaris on X",
        handle="polaris",
        config={"searches": [{"name": "Brand name", "phrases": ["Polaris Outfitters"]}]},
    )
    page = browser_page(manager)
    page.goto(live_server.url + "/settings/")
    page.click(".settings-nav >> text=X searches")
    assert (
        '"Polaris Outfitters" -is:retweet -from:polaris'
        in page.locator("#query-previews").inner_text()
    )
    page.fill("input[name=form-0-exclude]", "hiring")
    page.fill("input[name=form-1-name]", "Care hashtag")
    page.fill("input[name=form-1-hashtags]", "polariscare")
    page.wait_for_selector("#query-previews >> text=#polariscare -is:retweet -from:polaris")
    assert (
        '"Polaris Outfitters" -hiring -is:retweet' in page.locator("#query-previews").inner_text()
    )
    artifact(page, "x-searches")
    page.click("button:has-text('Save searches')")
    page.wait_for_selector("text=Saved the searches of Polaris on X")
    channel.refresh_from_db()
    assert [s["name"] for s in channel.config["searches"]] == ["Brand name", "Care hashtag"]
    assert Entry.objects.get(target_type="x_searches").actor == manager
