"""The managers' settings pages through the real URLs: SLA policies, business hours and X
searches; who may use them, what they refuse, and that each save is in the audit log."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from audit.models import Entry
from channels_tw.polling import build_query, searches
from inbox.models import Conversation
from rules.models import BusinessHours, SlaPolicy
from tests.support import factories

pytestmark = pytest.mark.django_db


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


PAGES = [
    "rules:sla_policies",
    "rules:sla_policy_new",
    "rules:business_hours",
    "rules:business_hours_new",
    "channels_tw:searches",
]


@pytest.mark.parametrize("name", PAGES)
def test_agents_are_refused_managers_welcome(agent, manager, name):
    assert logged_in(agent).get(reverse(name)).status_code == 403
    page = logged_in(manager).get(reverse(name))
    assert page.status_code == 200
    # The settings menu leads to every page of the section, none to the Django admin.
    html = page.content.decode()
    for link in (
        "SLA policies",
        "Business hours",
        "Saved replies",
        "Tags",
        "Teams",
        "X searches",
        "Rules",
    ):
        assert f">{link}</a>" in html
    assert "/admin/" not in html


def test_the_rules_page_links_to_the_settings_pages_not_the_admin(manager):
    html = logged_in(manager).get(reverse("rules:list")).content.decode()
    assert reverse("rules:sla_policies") in html and reverse("rules:business_hours") in html
    assert "/admin/" not in html


def sla_form(**overrides):
    data = {
        "name": "Facebook urgent",
        "enabled": "on",
        "channel_kind": "facebook",
        "conversation_kind": "comment",
        "priority": "urgent",
        "first_response_minutes": "30",
        "next_response_minutes": "60",
        "due_soon_minutes": "10",
        "business_time": "",
        "business_hours": "",
    }
    data.update(overrides)
    return data


def test_a_manager_creates_an_sla_policy_and_open_conversations_become_due(
    manager, django_capture_on_commit_callbacks
):
    channel = factories.make_channel("testchat")
    waiting = factories.make_conversation(channel, at=timezone.now() - timedelta(minutes=5))
    assert waiting.sla_due_at is None
    client = logged_in(manager)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("rules:sla_policy_new"),
            sla_form(name="Everything", channel_kind="", conversation_kind="", priority=""),
        )
    assert response.status_code == 302
    waiting.refresh_from_db()
    # Around the clock (business time off): 30 minutes after the customer wrote.
    assert abs(waiting.sla_due_at - (waiting.first_inbound_at + timedelta(minutes=30))) < timedelta(
        seconds=1
    )
    entry = Entry.objects.get(target_type="sla_policy")
    assert (entry.actor, entry.verb, entry.target_name) == (manager, "created", "Everything")
    assert entry.changes["first_response_minutes"] == [None, 30]


def test_sla_policy_form_refuses_what_cannot_work(manager):
    client = logged_in(manager)
    page = client.post(
        reverse("rules:sla_policy_new"), sla_form(due_soon_minutes="45")
    ).content.decode()
    assert "Due soon must be shorter than the first response target." in page
    page = client.post(
        reverse("rules:sla_policy_new"), sla_form(first_response_minutes="0")
    ).content.decode()
    assert "breached at once" in page
    page = client.post(
        reverse("rules:sla_policy_new"), sla_form(channel_kind="myspace")
    ).content.decode()
    assert "Select a valid choice" in page
    assert not SlaPolicy.objects.exists()


def test_the_most_specific_policy_counts_priority_first(manager):
    from rules import sla

    channel = factories.make_channel("testchat")
    urgent = factories.make_conversation(channel, priority="urgent")
    normal = factories.make_conversation(channel)
    SlaPolicy.objects.create(name="Testchat", channel_kind="testchat")
    SlaPolicy.objects.create(name="Urgent", priority="urgent", first_response_minutes=15)
    assert sla.policy_for(urgent).name == "Urgent"
    assert sla.policy_for(normal).name == "Testchat"


def hours_form(**overrides):
    data = {
        "name": "Support desk",
        "team": "",
        "timezone": "Europe/Tallinn",
        "holidays": "2026-12-24 Christmas Eve\n2026-12-25 Christmas Day",
    }
    for day in range(5):
        data[f"d{day}-0-start"], data[f"d{day}-0-end"] = "09:00", "12:00"
        data[f"d{day}-1-start"], data[f"d{day}-1-end"] = "13:00", "17:30"
    data.update(overrides)
    return data


def test_business_hours_from_the_week_grid(manager, django_capture_on_commit_callbacks):
    client = logged_in(manager)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(reverse("rules:business_hours_new"), hours_form()).status_code == 302
    hours = BusinessHours.objects.get()
    assert hours.timezone == "Europe/Tallinn"
    assert hours.schedule["0"] == [["09:00", "12:00"], ["13:00", "17:30"]]
    assert hours.schedule["5"] == [] and hours.schedule["6"] == []
    assert [(str(h.date), h.name) for h in hours.holidays.all()] == [
        ("2026-12-24", "Christmas Eve"),
        ("2026-12-25", "Christmas Day"),
    ]
    # The grid shows what was saved.
    page = client.get(reverse("rules:business_hours_edit", args=[hours.pk])).content.decode()
    assert 'name="d0-1-end" value="17:30"' in page
    assert "2026-12-25 Christmas Day" in page
    # Changing a day is audited old → new.
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("rules:business_hours_edit", args=[hours.pk]),
            hours_form(**{"d4-1-end": "16:00"}),
        )
    entry = Entry.objects.filter(target_type="business_hours", verb="changed").get()
    old, new = entry.changes["schedule"]
    assert old["4"][1] == ["13:00", "17:30"] and new["4"][1] == ["13:00", "16:00"]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"d0-0-end": ""}, "Monday: give both times as HH:MM"),
        ({"d1-0-start": "18:00"}, "ends before it starts"),
        ({"d2-0-end": "25:00"}, "is not a time of day"),
        ({"holidays": "Christmas"}, "is not a date like 2026-12-24"),
        ({"timezone": "Mars/Olympus"}, "Select a valid choice"),
        (
            {f"d{d}-{n}-{e}": "" for d in range(5) for n in range(2) for e in ("start", "end")},
            "Open at least one day",
        ),
    ],
)
def test_business_hours_form_refuses_bad_grids(manager, overrides, message):
    page = (
        logged_in(manager)
        .post(reverse("rules:business_hours_new"), hours_form(**overrides))
        .content.decode()
    )
    assert message in page
    assert not BusinessHours.objects.exists()


def test_only_one_default_calendar(manager):
    BusinessHours.objects.create(name="Default", schedule={"0": [["09:00", "17:00"]]})
    page = (
        logged_in(manager).post(reverse("rules:business_hours_new"), hours_form()).content.decode()
    )
    assert "already is the default hours" in page


# ---- X searches ----------------------------------------------------------------------------


def searches_form(rows):
    data = {
        "form-TOTAL_FORMS": str(len(rows)),
        "form-INITIAL_FORMS": "0",
        "form-MIN_NUM_FORMS": "0",
        "form-MAX_NUM_FORMS": "1000",
    }
    for i, row in enumerate(rows):
        for key, value in row.items():
            data[f"form-{i}-{key}"] = value
    return data


def test_x_searches_are_edited_with_a_preview_of_the_query(manager):
    channel = factories.make_channel(
        "x",
        name="Polaris on X",
        handle="polaris",
        config={"tier": "basic", "searches": [{"name": "Brand name", "phrases": ["Polaris"]}]},
    )
    client = logged_in(manager)
    page = client.get(reverse("channels_tw:searches")).content.decode()
    assert "Polaris -is:retweet -from:polaris" in page
    rows = [
        {
            "name": "Brand name",
            "phrases": "Polaris Outfitters, polarisoutfitters",
            "hashtags": "#polariscare",
            "urls": "polaris.example",
            "exclude": "job, hiring now",
        },
        {"name": "", "phrases": "", "hashtags": "", "urls": "", "exclude": ""},
    ]
    preview = client.post(
        reverse("channels_tw:searches_preview", args=[channel.pk]),
        searches_form(rows),
        HTTP_HX_REQUEST="true",
    ).content.decode()
    expected = (
        '("Polaris Outfitters" OR polarisoutfitters OR #polariscare OR '
        'url:"polaris.example") -job -"hiring now" -is:retweet -from:polaris'
    )
    assert expected.replace('"', "&quot;") in preview
    assert (
        client.post(
            reverse("channels_tw:searches_of", args=[channel.pk]), searches_form(rows)
        ).status_code
        == 302
    )
    channel.refresh_from_db()
    assert channel.config["tier"] == "basic"  # the rest of the config is kept
    assert [s.query for s in searches(channel)] == [expected]
    entry = Entry.objects.get(target_type="x_searches")
    assert entry.changes["searches"][0] == [{"name": "Brand name", "phrases": ["Polaris"]}]
    assert entry.changes["searches"][1][0]["exclude"] == ["job", "hiring now"]


def test_x_searches_refuse_nameless_empty_and_too_long(manager):
    channel = factories.make_channel("x", handle="polaris")
    client = logged_in(manager)
    url = reverse("channels_tw:searches_of", args=[channel.pk])
    page = client.post(url, searches_form([{"name": "", "phrases": "Polaris"}])).content.decode()
    assert "Name the search" in page
    page = client.post(url, searches_form([{"name": "Jobs", "exclude": "job"}])).content.decode()
    assert "Give at least one phrase, hashtag or URL" in page
    page = client.post(
        url, searches_form([{"name": "Long", "phrases": ", ".join(f"word{n}" for n in range(100))}])
    ).content.decode()
    assert "longer than X&#x27;s 512 characters" in page
    channel.refresh_from_db()
    assert "searches" not in channel.config


def test_exclusions_in_the_query():
    assert (
        build_query({"phrases": ["Polaris"], "exclude": ["-spam", "free gift"]}, "")
        == 'Polaris -spam -"free gift" -is:retweet'
    )


def test_deleting_a_search(manager):
    channel = factories.make_channel(
        "x",
        handle="polaris",
        config={"searches": [{"name": "A", "phrases": ["a"]}, {"name": "B", "hashtags": ["b"]}]},
    )
    data = searches_form(
        [{"name": "A", "phrases": "a", "DELETE": "on"}, {"name": "B", "hashtags": "b"}]
    )
    data["form-INITIAL_FORMS"] = "2"
    logged_in(manager).post(reverse("channels_tw:searches_of", args=[channel.pk]), data)
    channel.refresh_from_db()
    assert channel.config["searches"] == [{"name": "B", "hashtags": ["b"]}]


def test_saved_replies_tags_and_teams_changes_are_audited(manager):
    client = logged_in(manager)
    client.post(reverse("accounts:tags"), {"name": "VIP", "color": "#112233"})
    from inbox.models import Tag

    tag = Tag.objects.get(name="VIP")
    client.post(reverse("accounts:tags_edit", args=[tag.pk]), {"name": "VIP", "color": "#445566"})
    client.post(reverse("accounts:tags_delete", args=[tag.pk]))
    assert list(
        Entry.objects.filter(target_type="tag").order_by("id").values_list("verb", flat=True)
    ) == ["created", "changed", "deleted"]
    changed = Entry.objects.get(target_type="tag", verb="changed")
    assert changed.changes == {"color": ["#112233", "#445566"]}
    assert Conversation.objects.count() == 0
