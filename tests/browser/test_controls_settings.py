"""The settings section's controls, clicked the way a manager or admin does (the control
audit, tests/browser/test_every_control.py, names these tests for them)."""

from __future__ import annotations

import re

import pytest
from django.conf import settings as django_settings
from django.test import Client
from playwright.sync_api import expect

from accounts.models import RolePermissions, Team, User
from audit.models import Entry
from channels_fb.standin.app import OUTLET_PAGE_ID
from inbox.models import Channel, SavedReply, Tag
from kb.models import Article
from rules.models import BusinessHours, Rule, SlaPolicy
from tests.support import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def path_of(page) -> str:
    return re.sub(r"^https?://[^/]+", "", page.url)


# ---- the settings menu ---------------------------------------------------------------------

MENU = {
    "Rules": "/rules/",
    "SLA policies": "/rules/sla/",
    "Business hours": "/rules/hours/",
    "Saved replies": "/manage/saved-replies/",
    "Help articles": "/settings/articles/",
    "Tags": "/manage/tags/",
    "Teams": "/manage/teams/",
    "Slack": "/settings/slack/",
    "X searches": "/channels/x/searches/",
    "People": "/settings/people/",
    "Roles": "/settings/roles/",
    "Audit log": "/settings/audit/",
    "Your settings": "/settings/",
}


def test_each_settings_menu_link_opens_its_page(browser_page, live_server, admin_user):
    """Each entry opens its page, which then marks that entry as the current one."""
    page = browser_page(admin_user)
    page.goto(live_server.url + "/settings/")
    menu = page.locator(".settings-nav a")
    assert sorted(menu.all_inner_texts()) == sorted(MENU)
    for label, path in MENU.items():
        page.locator(".settings-nav").get_by_role("link", name=label, exact=True).click()
        expect(page).to_have_url(live_server.url + path)
        current = page.locator(".settings-nav a[aria-current=page]")
        expect(current).to_have_text(label)
        expect(page.locator("main h1")).to_be_visible()


# ---- tags, teams and saved replies: add, edit, delete after confirming ----------------------

MANAGED = {
    # kind: (list path, field filled to add, its value, the value after editing, model)
    "tags": ("/manage/tags/", "name", "Refunds", "Refund asked", Tag),
    "teams": ("/manage/teams/", "name", "Night shift", "Late shift", Team),
    "saved_replies": ("/manage/saved-replies/", "title", "Welcome", "Hello there", SavedReply),
}


def _add(page, kind: str, value: str) -> None:
    form = page.locator("form:has(button:text-is('Add'))")
    form.locator(f"[name={MANAGED[kind][1]}]").fill(value)
    if kind == "saved_replies":
        form.locator("[name=body]").fill("Thanks for writing, {first_name}!")
    form.get_by_role("button", name="Add", exact=True).click()


def _row(page, name: str):
    return page.locator("table.manage tr", has=page.get_by_role("link", name=name, exact=True))


@pytest.mark.parametrize("kind", MANAGED)
def test_a_managed_item_is_added_edited_and_deleted_after_confirming(
    browser_page, live_server, manager, kind
):
    path, field, value, renamed, model = MANAGED[kind]
    page = browser_page(manager)
    page.goto(live_server.url + path)

    _add(page, kind, value)
    expect(page.locator(".flash")).to_have_text(f"Added {value}.")
    expect(_row(page, value)).to_have_count(1)
    assert model.objects.filter(**{field: value}).exists()

    _row(page, value).get_by_role("link", name=value, exact=True).click()
    expect(page.locator("main h1")).to_contain_text(value)
    page.fill(f"[name={field}]", renamed)
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page).to_have_url(live_server.url + path)
    expect(page.locator(".flash")).to_have_text(f"Saved {renamed}.")
    assert model.objects.filter(**{field: renamed}).count() == 1

    # Delete asks first, on a page of its own: nothing is gone until it is confirmed.
    _row(page, renamed).get_by_role("link", name="Delete").click()
    expect(page.locator("main h1")).to_have_text(f"Delete {renamed}?")
    assert model.objects.filter(**{field: renamed}).exists()
    page.get_by_role("button", name=f"Delete {renamed}").click()
    expect(page).to_have_url(live_server.url + path)
    expect(page.locator(".flash")).to_have_text(f"Deleted {renamed}.")
    expect(_row(page, renamed)).to_have_count(0)
    assert not model.objects.filter(**{field: renamed}).exists()
    assert page.dialogs == []  # no confirm() dialog: the confirmation is the page


@pytest.mark.parametrize("kind", MANAGED)
def test_cancel_on_the_delete_confirmation_keeps_the_item(browser_page, live_server, manager, kind):
    path, field, value, _, model = MANAGED[kind]
    page = browser_page(manager)
    page.goto(live_server.url + path)
    _add(page, kind, value)
    _row(page, value).get_by_role("link", name="Delete").click()
    page.get_by_role("link", name="Cancel").click()
    expect(page).to_have_url(live_server.url + path)
    expect(_row(page, value)).to_have_count(1)
    assert model.objects.filter(**{field: value}).exists()


def test_the_delete_confirmation_works_without_javascript(chromium, live_server, manager):
    tag = Tag.objects.create(name="Obsolete")
    client = Client()
    client.force_login(manager)
    context = chromium.new_context(java_script_enabled=False)
    context.add_cookies(
        [
            {
                "name": django_settings.SESSION_COOKIE_NAME,
                "value": client.cookies[django_settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    try:
        page = context.new_page()
        page.goto(live_server.url + "/manage/tags/")
        _row(page, "Obsolete").get_by_role("link", name="Delete").click()
        expect(page.locator("main h1")).to_have_text("Delete Obsolete?")
        assert Tag.objects.filter(pk=tag.pk).exists()
        page.get_by_role("button", name="Delete Obsolete").click()
        expect(page.locator(".flash")).to_have_text("Deleted Obsolete.")
        assert not Tag.objects.filter(pk=tag.pk).exists()
    finally:
        context.close()


# ---- back links ----------------------------------------------------------------------------


def test_each_back_link_returns_to_its_list(browser_page, live_server, admin_user):
    team = Team.objects.create(name="Billing")
    tag = Tag.objects.create(name="Urgent")
    reply = SavedReply.objects.create(title="Thanks", body="Thank you!")
    rule = Rule.objects.create(name="Close thanks", actions=[{"type": "close"}])
    sla = SlaPolicy.objects.create(name="Standard")
    hours = BusinessHours.objects.create(name="Tallinn desk", team=team)
    person = factories.make_user("kati", first_name="Kati")
    back = [
        (f"/manage/tags/{tag.pk}/", "Back", "/manage/tags/"),
        (f"/manage/teams/{team.pk}/", "Back", "/manage/teams/"),
        (f"/manage/saved-replies/{reply.pk}/", "Back", "/manage/saved-replies/"),
        (f"/settings/people/{person.pk}/", "← People", "/settings/people/"),
        ("/rules/new/", "← All rules", "/rules/"),
        (f"/rules/{rule.pk}/", "← All rules", "/rules/"),
        ("/rules/sla/new/", "← SLA policies", "/rules/sla/"),
        (f"/rules/sla/{sla.pk}/", "← SLA policies", "/rules/sla/"),
        ("/rules/hours/new/", "← Business hours", "/rules/hours/"),
        (f"/rules/hours/{hours.pk}/", "← Business hours", "/rules/hours/"),
        ("/settings/articles/new/", "Back", "/settings/articles/"),
        # The rules list's own links to its neighbours.
        ("/rules/", "SLA policies", "/rules/sla/"),
        ("/rules/", "Business hours", "/rules/hours/"),
    ]
    page = browser_page(admin_user)
    for start, label, target in back:
        page.goto(live_server.url + start)
        page.locator("main").get_by_role("link", name=label, exact=True).click()
        expect(page).to_have_url(live_server.url + target)
        expect(page.locator("main h1")).to_be_visible()


# ---- your settings, people, roles ----------------------------------------------------------


def test_your_settings_save_the_signature(browser_page, live_server, agent):
    page = browser_page(agent)
    page.goto(live_server.url + "/settings/")
    page.fill("[name=signature]", "Anna, Polaris support")
    page.locator("main").get_by_role("button", name="Save").click()
    expect(page.locator(".flash")).to_have_text("Signature saved.")
    agent.refresh_from_db()
    assert agent.signature == "Anna, Polaris support"


def test_an_admin_edits_a_person(browser_page, live_server, admin_user):
    kati = factories.make_user("kati", first_name="Kati")
    Team.objects.create(name="Support")
    page = browser_page(admin_user)
    page.goto(live_server.url + "/settings/people/")
    page.locator(f"#person-{kati.pk}").get_by_role("link", name="Kati").click()
    expect(page.locator("main h1")).to_contain_text("Kati")
    page.select_option("[name=role]", "manager")
    page.locator("main label", has_text="Support").locator("input").check()
    page.locator("main").get_by_role("button", name="Save").click()
    expect(page.locator(".flash")).to_have_text("Saved Kati.")
    expect(page.locator(f"#person-{kati.pk} .role")).to_have_text("Manager")
    kati = User.objects.get(pk=kati.pk)
    assert kati.role == "manager" and [t.name for t in kati.teams.all()] == ["Support"]


def test_roles_save_who_may_delete_on_the_platform(browser_page, live_server, admin_user):
    page = browser_page(admin_user)
    page.goto(live_server.url + "/settings/roles/")
    box = page.locator("#role-manager input[type=checkbox]")
    was = box.is_checked()
    box.set_checked(not was)
    page.locator("#roles-form").get_by_role("button", name="Save").click()
    expect(page.locator(".flash")).to_have_text("Saved what each role may do.")
    expect(page.locator("#role-manager input[type=checkbox]")).to_be_checked(checked=not was)
    assert RolePermissions.objects.get(role="manager").may_delete_platform_items is (not was)


def test_send_again_mails_a_new_invitation_link(browser_page, live_server, admin_user, mailoutbox):
    liis = User(username="liis", first_name="Liis", email="liis@example.com")
    liis.set_unusable_password()
    liis.save()
    page = browser_page(admin_user)
    page.goto(live_server.url + "/settings/people/")
    row = page.locator(f"#person-{liis.pk}")
    expect(row.locator(".person-state")).to_have_text("invited")
    row.get_by_role("button", name="Send again").click()
    expect(page.locator(".flash")).to_have_text("Sent the invitation to liis@example.com again.")
    [mail] = mailoutbox
    assert mail.to == ["liis@example.com"] and "/invite/" in mail.body


def test_the_audit_log_pages_to_older_entries_and_back(browser_page, live_server, admin_user):
    Entry.objects.bulk_create(
        Entry(actor_name="Maria", verb="changed", target_type="tag", target_name=f"Tag {n}")
        for n in range(101)
    )
    page = browser_page(admin_user)
    older = Entry.objects.count() - 100  # with what the log-in and fixtures recorded
    page.goto(live_server.url + "/settings/audit/")
    entries = page.locator("#entries")
    expect(entries).to_contain_text("Page 1 of 2")
    expect(entries.locator("tr.entry")).to_have_count(100)
    entries.get_by_role("link", name="Older").click()
    expect(entries).to_contain_text("Page 2 of 2")
    expect(entries.locator("tr.entry")).to_have_count(older)
    entries.get_by_role("link", name="Newer").click()
    expect(entries).to_contain_text("Page 1 of 2")
    expect(entries.locator("tr.entry")).to_have_count(100)


def test_without_javascript_filter_narrows_the_audit_log(browser_page, live_server, admin_user):
    Entry.objects.bulk_create(
        [
            Entry(actor_name="Maria", verb="changed", target_type="tag", target_name="Urgent"),
            Entry(actor_name="Maria", verb="deleted", target_type="rule", target_name="Thanks"),
            Entry(actor_name="Jaan", verb="changed", target_type="tag", target_name="VIP"),
        ]
    )
    page = browser_page(admin_user, javascript=False)
    page.goto(live_server.url + "/settings/audit/")
    entries = page.locator("#entries tr.entry .what")
    expect(entries).to_have_count(Entry.objects.count())

    filters = page.locator("form.filters")
    filters.get_by_label("What").select_option("tag")
    filters.get_by_label("Who").select_option("Maria")
    filters.get_by_role("button", name="Filter").click()
    expect(entries).to_have_text(["tag Urgent"])
    assert "kind=tag" in page.url and "actor=Maria" in page.url
    # The page it answers keeps the filter chosen, to narrow it further or widen it again.
    expect(filters.get_by_label("What")).to_have_value("tag")
    filters.get_by_label("Who").select_option("")
    filters.get_by_label("Name").fill("vip")
    filters.get_by_role("button", name="Filter").click()
    expect(entries).to_have_text(["tag VIP"])


# ---- rules ---------------------------------------------------------------------------------


def _order(page) -> list[str]:
    return page.locator("#rules tbody td:nth-child(2) a").all_inner_texts()


def test_rules_are_switched_reordered_and_deleted_from_the_list(browser_page, live_server, manager):
    first = Rule.objects.create(name="First", position=0, actions=[{"type": "close"}])
    Rule.objects.create(name="Second", position=1, actions=[{"type": "close"}])
    page = browser_page(manager)
    page.goto(live_server.url + "/rules/")
    assert _order(page) == ["First", "Second"]

    toggle = page.locator(f"#rule-{first.pk} button[aria-pressed]")
    toggle.click()
    expect(toggle).to_have_text("Off")
    expect(toggle).to_have_attribute("aria-pressed", "false")
    assert not Rule.objects.get(pk=first.pk).enabled
    toggle.click()
    expect(toggle).to_have_text("On")
    assert Rule.objects.get(pk=first.pk).enabled

    page.get_by_role("button", name="Move Second up").click()
    expect(page.locator("#rules tbody tr").first).to_contain_text("Second")
    assert list(Rule.objects.order_by("position").values_list("name", flat=True)) == [
        "Second",
        "First",
    ]
    page.get_by_role("button", name="Move Second down").click()
    expect(page.locator("#rules tbody tr").first).to_contain_text("First")
    assert _order(page) == ["First", "Second"]

    page.locator(f"#rule-{first.pk}").get_by_role("link", name="Delete").click()
    expect(page.locator("main h1")).to_have_text("Delete the rule “First”?")
    page.locator("#confirm-delete").get_by_role("button").click()
    expect(page.locator(".flash")).to_have_text("Deleted the rule “First”.")
    expect(page.locator(f"#rule-{first.pk}")).to_have_count(0)
    assert _order(page) == ["Second"]
    assert not Rule.objects.filter(pk=first.pk).exists()


def _work_the_editor(page, *, name: str) -> None:
    """+ Condition, + Group, + Action and their ✕, Preview and Test: each changes the form."""
    conditions = page.locator("#conditions")
    page.fill("input[name=name]", name)
    page.select_option("select[name='c-0-type']", "text_contains_any")
    page.fill("input[name='c-0-value']", "zipper")
    conditions.locator("[data-path=''] > .group-add").get_by_role(
        "button", name="+ Condition"
    ).click()
    expect(page.locator("select[name='c-1-type']")).to_be_visible()
    page.select_option("select[name='c-1-type']", "text_contains_any")
    page.fill("input[name='c-1-value']", "refund")
    conditions.locator("[data-path=''] > .group-add").get_by_role("button", name="+ Group").click()
    expect(page.locator("[data-path='2'].cond-group")).to_be_visible()
    page.get_by_role("button", name="Remove group 2").click()
    expect(page.locator("[data-path='2']")).to_have_count(0)
    # ✕ on the first condition: the other one is what is left.
    page.get_by_role("button", name="Remove condition 0").click()
    expect(page.locator("input[name='c-1-value']")).to_have_count(0)
    expect(page.locator("input[name='c-0-value']")).to_have_value("refund")

    page.select_option("select[name='a-0-type']", "close")
    page.get_by_role("button", name="+ Action").click()
    expect(page.locator("select[name='a-1-type']")).to_be_visible()
    page.select_option("select[name='a-1-type']", "add_tag")
    page.fill("input[name='a-1-value']", "Refund")
    page.get_by_role("button", name="Remove action 1").click()
    expect(page.locator("select[name='a-1-type']")).to_have_count(0)
    expect(page.locator("select[name='a-0-type']")).to_have_value("add_tag")

    page.get_by_role("button", name=re.compile(r"^Preview on the last")).click()
    expect(page.locator("#preview h2")).to_contain_text("Would have matched 1 of the last")
    expect(page.locator("#preview")).to_contain_text("I want a refund")

    page.fill("textarea[name=try_text]", "Can I get a refund?")
    page.get_by_role("button", name="Test", exact=True).click()
    expect(page.locator("#trial")).to_contain_text("Matches")
    page.fill("textarea[name=try_text]", "Lovely boots")
    page.get_by_role("button", name="Test", exact=True).click()
    expect(page.locator("#trial")).to_contain_text("Does not match.")

    page.locator("#rule-form .actions").get_by_role("button", name="Save").click()
    expect(page).to_have_url(re.compile(r"/rules/$"))
    rule = Rule.objects.get(name=name)
    assert rule.conditions == {"all": [{"type": "text_contains_any", "value": ["refund"]}]}
    assert rule.actions[0]["type"] == "add_tag" and len(rule.actions) == 1


def test_the_rule_editor_adds_and_removes_rows_previews_and_tests(
    browser_page, live_server, manager, testchat_channel
):
    factories.make_conversation(testchat_channel, text="I want a refund", customer="Kadri")
    factories.make_conversation(testchat_channel, text="Love these boots", customer="Lin")
    page = browser_page(manager, width=1400)
    page.goto(live_server.url + "/rules/")
    page.get_by_role("link", name="New rule").click()
    expect(page.locator("main h1")).to_have_text("New rule")
    _work_the_editor(page, name="Refunds")

    # The same controls on a saved rule's page, reached from the list.
    page.locator("#rules").get_by_role("link", name="Refunds", exact=True).click()
    expect(page.locator("main h1")).to_have_text("Rule “Refunds”")
    page.select_option("select[name='a-0-type']", "close")  # back to the editor's start
    page.fill("input[name='c-0-value']", "zipper")
    _work_the_editor(page, name="Refunds again")
    assert Rule.objects.count() == 1


# ---- SLA policies and business hours -------------------------------------------------------


def test_an_sla_policy_and_business_hours_are_edited_from_their_lists(
    browser_page, live_server, manager
):
    team = Team.objects.create(name="Billing")
    sla = SlaPolicy.objects.create(name="Standard", first_response_minutes=90)
    hours = BusinessHours.objects.create(name="Tallinn desk", team=team)
    page = browser_page(manager)

    page.goto(live_server.url + "/rules/hours/")
    page.locator("#business-hours").get_by_role("link", name="Tallinn desk").click()
    expect(page).to_have_url(live_server.url + f"/rules/hours/{hours.pk}/")
    page.fill("input[name=name]", "Tartu desk")
    page.locator("main").get_by_role("button", name="Save").click()
    expect(page.locator(".flash")).to_have_text("Saved the business hours Tartu desk (UTC).")
    assert BusinessHours.objects.get(pk=hours.pk).name == "Tartu desk"

    page.goto(live_server.url + "/rules/sla/")
    page.locator("#sla-policies").get_by_role("link", name="Standard").click()
    expect(page).to_have_url(live_server.url + f"/rules/sla/{sla.pk}/")
    expect(page.locator("input[name=first_response_minutes]")).to_have_value("90")


# ---- deleting from a settings list asks first ----------------------------------------------


def _a_rule():
    rule = Rule.objects.create(name="Close thanks", actions=[{"type": "close"}])
    return rule, "/rules/", f"#rule-{rule.pk}", "the rule “Close thanks”"


def _an_sla_policy():
    policy = SlaPolicy.objects.create(name="Standard")
    return policy, "/rules/sla/", f"#sla-policy-{policy.pk}", "the SLA policy Standard"


def _business_hours():
    hours = BusinessHours.objects.create(name="Tallinn desk")
    return (
        hours,
        "/rules/hours/",
        f"#business-hours-{hours.pk}",
        "the business hours Tallinn desk (UTC)",
    )


def _an_article():
    article = Article.objects.create(title="Returns", slug="returns", body="Send it back.")
    return article, "/settings/articles/", f"#article-{article.pk}", "Returns"


DELETABLE = {
    "rule": _a_rule,
    "sla_policy": _an_sla_policy,
    "business_hours": _business_hours,
    "article": _an_article,
}


@pytest.mark.parametrize("kind", DELETABLE)
def test_delete_on_a_settings_list_asks_and_cancel_keeps_it(
    browser_page, live_server, manager, kind
):
    obj, path, row, named = DELETABLE[kind]()
    page = browser_page(manager)
    page.goto(live_server.url + path)

    page.locator(row).get_by_role("link", name="Delete").click()
    expect(page.locator("main h1")).to_have_text(f"Delete {named}?")
    assert type(obj).objects.filter(pk=obj.pk).exists()  # asking deleted nothing
    page.locator("#confirm-delete").get_by_role("link", name="Cancel").click()
    expect(page).to_have_url(live_server.url + path)
    expect(page.locator(row)).to_have_count(1)

    page.locator(row).get_by_role("link", name="Delete").click()
    page.get_by_role("button", name=f"Delete {named}").click()
    expect(page).to_have_url(live_server.url + path)
    expect(page.locator(".flash")).to_have_text(f"Deleted {named}.")
    expect(page.locator(row)).to_have_count(0)
    assert not type(obj).objects.filter(pk=obj.pk).exists()
    assert page.dialogs == []  # no confirm() dialog: the confirmation is the page


# ---- deactivating a person asks first, and Reactivate undoes it ----------------------------


def _logs_in(chromium, live_server, username: str) -> bool:
    """Whether the login form lets `username` in, in a browser of their own."""
    context = chromium.new_context()
    try:
        page = context.new_page()
        page.goto(live_server.url + "/login/")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", factories.PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_selector(".topbar .me, main.login p.error")
        return page.locator(".topbar .me").count() == 1
    finally:
        context.close()


def test_an_admin_deactivates_a_person_after_confirming_and_reactivates_them(
    browser_page, chromium, live_server, admin_user
):
    kati = factories.make_user("kati", first_name="Kati")
    page = browser_page(admin_user)
    page.goto(live_server.url + "/settings/people/")
    row = page.locator(f"#person-{kati.pk}")

    row.get_by_role("link", name="Deactivate").click()
    expect(page.locator("main h1")).to_have_text("Deactivate Kati?")
    expect(page.locator("main")).to_contain_text("Kati can no longer log in")
    page.locator("#confirm-deactivate").get_by_role("link", name="Cancel").click()
    expect(row.locator(".person-state")).to_have_text("active")
    assert User.objects.get(pk=kati.pk).is_active

    row.get_by_role("link", name="Deactivate").click()
    page.get_by_role("button", name="Deactivate Kati").click()
    expect(page.locator(".flash")).to_have_text("Kati is deactivated.")
    expect(row.locator(".person-state")).to_have_text("deactivated")
    assert not _logs_in(chromium, live_server, "kati")

    row.get_by_role("button", name="Reactivate").click()
    expect(page.locator(".flash")).to_have_text("Kati is active.")
    expect(row.locator(".person-state")).to_have_text("active")
    assert _logs_in(chromium, live_server, "kati")


# ---- channels: X searches of each account, the Pages Facebook Login offers -----------------


def test_the_x_searches_page_switches_between_the_brands_x_accounts(
    browser_page, live_server, manager
):
    main = factories.make_channel(
        "x",
        name="Polaris Outfitters",
        handle="polaris",
        config={"searches": [{"name": "Brand name", "phrases": ["Polaris Outfitters"]}]},
    )
    outlet = factories.make_channel(
        "x",
        name="Polaris Outlet",
        handle="polarisoutlet",
        config={"searches": [{"name": "Outlet sale", "phrases": ["Polaris outlet"]}]},
    )
    page = browser_page(manager)
    page.goto(live_server.url + "/channels/x/searches/")
    switcher, previews = page.locator("#x-accounts"), page.locator("#query-previews")
    expect(switcher.locator("[aria-current=page]")).to_have_text("Polaris Outfitters")
    expect(previews).to_contain_text('"Polaris Outfitters" -is:retweet -from:polaris')

    switcher.get_by_role("link", name="Polaris Outlet").click()
    expect(switcher.locator("[aria-current=page]")).to_have_text("Polaris Outlet")
    expect(previews).to_contain_text('"Polaris outlet" -is:retweet -from:polarisoutlet')
    expect(previews).not_to_contain_text("Polaris Outfitters")
    page.fill("input[name=form-0-exclude]", "hiring")
    page.get_by_role("button", name="Save searches").click()
    expect(page.locator(".flash")).to_have_text("Saved the searches of Polaris Outlet.")
    expect(previews).to_contain_text('"Polaris outlet" -hiring -is:retweet')
    outlet.refresh_from_db()
    main.refresh_from_db()
    assert outlet.config["searches"][0]["exclude"] == ["hiring"]
    assert main.config["searches"] == [{"name": "Brand name", "phrases": ["Polaris Outfitters"]}]

    switcher.get_by_role("link", name="Polaris Outfitters").click()
    expect(previews).to_contain_text('"Polaris Outfitters" -is:retweet -from:polaris')
    expect(previews).not_to_contain_text("hiring")


def test_an_admin_connects_the_facebook_page_they_choose(
    browser_page, live_server, admin_user, settings, graph_standin
):
    settings.META_GRAPH_BASE = graph_standin.url
    settings.META_OAUTH_DIALOG_URL = f"{graph_standin.url}/dialog/oauth"  # lets Ada through
    page = browser_page(admin_user)
    page.goto(live_server.url + "/channels/")
    page.get_by_role("link", name="Connect Facebook Page").click()

    expect(page.locator("h1")).to_have_text("Choose the Pages to connect")
    pages = page.locator("ul.pages")
    expect(pages).to_contain_text("Polaris Outfitters")
    expect(pages).to_contain_text("Polaris Outlet Tallinn")
    pages.get_by_label("Polaris Outlet Tallinn").check()
    page.get_by_role("button", name="Connect").click()

    expect(page).to_have_url(live_server.url + "/channels/")
    expect(page.locator(".flash")).to_have_text("Connected: Polaris Outlet Tallinn")
    expect(page.locator("main")).to_contain_text("Polaris Outlet Tallinn")
    assert list(Channel.objects.values_list("kind", "name")) == [
        ("facebook", "Polaris Outlet Tallinn")
    ]
    assert [(p["kind"], p["page_id"]) for p in graph_standin.posted] == [
        ("subscribe", OUTLET_PAGE_ID)
    ]
