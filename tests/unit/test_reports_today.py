"""Today's hourly rollups: through a day of replies, reopenings, late messages and SLAs falling
due, across an hour and a midnight, the report read from rollups (and the current hour live)
gives the figures the raw rows give."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.test import override_settings

from accounts.models import Team
from inbox import conversations as ops
from inbox.models import AuditEvent, Conversation, Direction, Message, Tag
from reports.filters import ReportScope
from reports.models import ReportRollup, RollupDay
from reports.rollups import collect, refresh
from rules.models import BusinessHours, SlaPolicy
from tests.support import factories
from tests.support.report_figures import everything

pytestmark = pytest.mark.django_db

TODAY, YESTERDAY = date(2026, 3, 10), date(2026, 3, 9)  # a Tuesday, and the Monday before


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=UTC)


def say(conversation, when, direction, agent=None):
    Message.objects.create(
        conversation=conversation,
        channel=conversation.channel,
        direction=direction,
        author_agent=agent,
        text="…",
        platform_timestamp=when,
        state_timestamp=when,
    )


def answer(conversation, when, agent):
    say(conversation, when, Direction.OUTBOUND, agent)
    if conversation.first_response_at is None:
        Conversation.objects.filter(pk=conversation.pk).update(first_response_at=when)
        conversation.first_response_at = when


@pytest.fixture
def shop():
    anna = factories.make_user("anna", first_name="Anna")
    boris = factories.make_user("boris", first_name="Boris")
    social = Team.objects.create(name="Social")
    # Business hours in Tallinn (UTC+2 in March): 09–17 there is 07–15 UTC.
    BusinessHours.objects.create(
        name="Office",
        timezone="Europe/Tallinn",
        schedule={str(d): [["09:00", "17:00"]] for d in range(5)},
    )
    SlaPolicy.objects.create(name="All", first_response_minutes=30)
    SlaPolicy.objects.create(
        name="DMs", conversation_kind="dm", first_response_minutes=15, business_time=False
    )
    page = factories.make_channel(name="Shop page")
    x = factories.make_channel(name="Shop X")
    payment, urgent = Tag.objects.create(name="Payment"), Tag.objects.create(name="Urgent")

    def conversation(channel, inbound, *, tags=(), **fields):
        c = factories.make_conversation(channel, at=inbound, **fields)
        c.tags.add(*tags)
        return c

    made = {
        # Yesterday 23:50, answered after midnight: yesterday's.
        "midnight": conversation(page, at(9, 23, 50), tags=[payment], assignee=anna),
        "closed": conversation(x, at(10, 10, 5), kind="dm", team=social, assignee=boris),
        "late_reply": conversation(page, at(10, 13, 59), tags=[payment, urgent], team=social),
        "pending": conversation(x, at(10, 13, 30), tags=[urgent], assignee=anna),
        "hour_edge": conversation(page, at(10, 12, 55), team=social, assignee=anna),
        "live": conversation(x, at(10, 14, 5), kind="dm", tags=[urgent]),
    }
    answer(made["midnight"], at(10, 0, 10), anna)
    answer(made["closed"], at(10, 10, 20), boris)
    ops.conversation_close(conversation=made["closed"], actor=boris)
    answer(made["hour_edge"], at(10, 13, 5), anna)
    say(made["hour_edge"], at(10, 13, 10), Direction.INBOUND)
    answer(made["hour_edge"], at(10, 13, 40), boris)  # a next response of 30 minutes
    return {"anna": anna, "boris": boris, "social": social, "page": page, "x": x, **made}


def scopes(shop):
    days = {"date_from": YESTERDAY - timedelta(days=1), "date_to": TODAY}
    return [
        ReportScope(**days),
        ReportScope(date_from=TODAY, date_to=TODAY),  # drawn per hour
        ReportScope(**days, channel=shop["page"]),
        ReportScope(**days, team=shop["social"]),
        ReportScope(**days, agent=shop["anna"]),
        ReportScope(**days, tag=Tag.objects.get(name="Urgent")),
    ]


def live(scope, now) -> dict:
    """The figures straight from the raw rows: every rollup set aside (and then put back)."""
    kept_days = list(RollupDay.objects.all())
    kept_rows = list(ReportRollup.objects.all())
    RollupDay.objects.all().delete()
    ReportRollup.objects.all().delete()
    try:
        return everything(scope, now)
    finally:
        RollupDay.objects.bulk_create(kept_days)
        ReportRollup.objects.bulk_create(kept_rows)


def assert_same_as_live(shop, now):
    for scope in scopes(shop):
        assert everything(scope, now) == live(scope, now), scope


def test_todays_closed_hours_are_kept_and_only_the_current_hour_is_read_live(shop):
    now = at(10, 14, 20)
    built = refresh(now=now)
    assert (YESTERDAY, None) in built
    assert [u for u in built if u[0] == TODAY] == [(TODAY, h) for h in range(14)]
    assert not RollupDay.objects.filter(day=TODAY, hour=14).exists()
    assert_same_as_live(shop, now)
    # The page reads the current hour live, and only it: its one conversation.
    whole = ReportScope(date_from=TODAY, date_to=TODAY)
    hourly = ReportRollup.objects.filter(day=TODAY, tag_id=None, detail=False)
    assert sum(r.conversations for r in hourly) == 4
    assert sum(s.conversations for s in collect(whole, now=now).slices) == 5
    figures = everything(whole, now)
    assert figures["totals"] == (5, 2)
    # Met: the DM answered in 15 minutes, 12:55 in 10. Missed by 14:20: 13:30 (30 business
    # minutes, due 14:00) and the DM of 14:05 (15 on the clock). Pending: 13:59, due 14:29.
    assert figures["sla"][:3] == (2, 2, 1)
    assert RollupDay.objects.get(day=TODAY, hour=13).next_due == at(10, 14, 29)
    # Closed hours come from their rollups, the current one from the raw rows: a
    # conversation of 10:05 gone behind the worker's back still counts until its hour is
    # built again, and one of 14:10 counts at once.
    Conversation.objects.filter(pk=shop["closed"].pk).delete()
    factories.make_conversation(shop["page"], at=at(10, 14, 10))
    assert everything(whole, now)["totals"] == (6, 2)
    assert live(whole, now)["totals"] == (5, 1)


def test_changes_to_closed_hours_are_kept_up_with(shop):
    refresh(now=at(10, 14, 20))
    # A reply to 13:59 arriving late, one to 13:30, a conversation reopened, a message that
    # arrives late for 11:30, and a tag added to yesterday's.
    answer(shop["late_reply"], at(10, 14, 21), shop["boris"])
    answer(shop["pending"], at(10, 14, 22), shop["anna"])
    ops.conversation_reopen(conversation=shop["closed"], actor=shop["anna"])
    factories.make_conversation(shop["x"], at=at(10, 11, 30), kind="dm")
    ops.conversation_tag(conversation=shop["midnight"], name="Urgent")
    now = at(10, 14, 25)
    built = refresh(now=now)
    assert {(TODAY, 10), (TODAY, 11), (TODAY, 13), (YESTERDAY, None)} <= set(built)
    assert_same_as_live(shop, now)
    # Anna: first responses of 10 and 52 minutes. Boris: 15 and 22, a next one of 30; he
    # closed the DM Anna reopened.
    assert everything(ReportScope(date_from=TODAY, date_to=TODAY), now)["agents"] == [
        ("Anna", 2, 2, timedelta(minutes=31), None, 0, 0),
        ("Boris", 3, 3, timedelta(minutes=18.5), timedelta(minutes=30), 1, 1),
    ]


def test_an_hour_and_then_the_day_closing(shop):
    refresh(now=at(10, 14, 20))
    # 15:01: hour 14 is kept now, and 13:59's SLA fell due at 14:29: its hour is built again.
    now = at(10, 15, 1)
    assert {(TODAY, 13), (TODAY, 14)} <= set(refresh(now=now))
    assert RollupDay.objects.get(day=TODAY, hour=13).next_due is None
    assert_same_as_live(shop, now)
    evening = factories.make_conversation(shop["page"], at=at(10, 23, 40))
    evening.tags.add(Tag.objects.get(name="Payment"))
    # After midnight: yesterday (the 10th) is built whole and read whole; its hours are
    # left for a day, then dropped.
    now = at(11, 0, 1)
    assert (TODAY, None) in refresh(now=now)
    assert RollupDay.objects.filter(day=TODAY, hour=None).exists()
    for scope in scopes(shop):
        tomorrow = ReportScope(
            date_from=scope.date_from, date_to=TODAY + timedelta(days=1), **_filters(scope)
        )
        assert everything(tomorrow, now) == live(tomorrow, now)
    refresh(now=at(12, 0, 5))
    assert not RollupDay.objects.filter(day=TODAY, hour__isnull=False).exists()
    assert not ReportRollup.objects.filter(day=TODAY, hour__isnull=False).exists()


def test_a_day_built_whole_is_not_built_again_for_its_hours_sla(shop):
    # 22:30, 30 business minutes in Tallinn's office hours: due at 07:30 UTC the next day.
    factories.make_conversation(shop["page"], at=at(10, 22, 30))
    refresh(now=at(10, 23, 1))
    assert RollupDay.objects.get(day=TODAY, hour=22).next_due == at(11, 7, 30)
    refresh(now=at(11, 0, 1))  # the 10th, whole
    # Everything written so far long settled, so the worker's watermarks move past it.
    Message.objects.update(created_at=at(10, 23))
    AuditEvent.objects.update(created_at=at(10, 23))
    refresh(now=at(11, 0, 5))
    assert whole_days(refresh(now=at(11, 7, 31))) == [TODAY]  # the SLA fell due
    assert whole_days(refresh(now=at(11, 7, 32))) == []


def whole_days(built) -> list[date]:
    return [day for day, hour in built if hour is None]


def _filters(scope):
    return {name: getattr(scope, name) for name in ("channel", "team", "tag", "agent")}


@override_settings(TIME_ZONE="America/New_York")
def test_hours_are_the_sites_local_hours(shop):
    # 14:20 UTC is 10:20 in New York (UTC-4 since the 8th): hours 0–9 of the 10th there are
    # kept; "midnight" (23:50 UTC on the 9th) is 19:50 there, the 9th's.
    now = at(10, 14, 20)
    built = refresh(now=now)
    assert [u for u in built if u[0] == TODAY] == [(TODAY, h) for h in range(10)]
    assert_same_as_live(shop, now)


@override_settings(TIME_ZONE="Europe/Tallinn")
def test_a_day_that_skips_an_hour(shop):
    # Tallinn moves its clocks from 03:00 to 04:00 on 29 March 2026: hour 3 is empty.
    day = date(2026, 3, 29)
    factories.make_conversation(shop["page"], at=datetime(2026, 3, 29, 0, 59, tzinfo=UTC))
    factories.make_conversation(shop["page"], at=datetime(2026, 3, 29, 1, 1, tzinfo=UTC))
    now = datetime(2026, 3, 29, 3, 30, tzinfo=UTC)  # 06:30 there
    built = refresh(now=now)
    assert [u for u in built if u[0] == day] == [(day, h) for h in range(6)]
    scope = ReportScope(date_from=day, date_to=day)
    assert everything(scope, now) == live(scope, now)
    assert everything(scope, now)["totals"] == (2, 0)
