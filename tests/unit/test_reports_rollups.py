"""The daily rollups give the figures the raw rows give, and keep up with changes."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts.models import Team
from inbox import conversations as ops
from inbox.models import Conversation, Direction, Message, Tag
from reports import rollups
from reports.figures import percentile
from reports.filters import ReportScope
from reports.models import ReportRollup, RollupDay
from reports.people import people
from reports.rollups import collect, histogram_percentile, refresh, store_day
from reports.selectors import report
from rules.models import BusinessHours, SlaPolicy
from tests.support import factories
from tests.support.report_figures import everything

pytestmark = pytest.mark.django_db

MON, SUN = date(2026, 3, 2), date(2026, 3, 8)
WEEK = ReportScope(date_from=MON, date_to=SUN)
NOW = datetime(2026, 3, 20, 12, tzinfo=UTC)  # the week is long past


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=UTC)


def say(conversation, when, direction, agent=None):
    return Message.objects.create(
        conversation=conversation,
        channel=conversation.channel,
        direction=direction,
        author_agent=agent,
        text="…",
        platform_timestamp=when,
        state_timestamp=when,
    )


def convo(channel, inbound, answer_after, *, tags=(), agent=None, **fields):
    c = factories.make_conversation(channel, at=inbound, **fields)
    if answer_after is not None:
        answer = inbound + timedelta(minutes=answer_after)
        Conversation.objects.filter(pk=c.pk).update(first_response_at=answer)
        if agent is not None:
            say(c, answer, Direction.OUTBOUND, agent)
    for name in tags:
        c.tags.add(Tag.objects.get_or_create(name=name)[0])
    return c


@pytest.fixture
def shop():
    """Two channels, a team, two agents, business hours and two SLA policies, over the week."""
    anna = factories.make_user("anna", first_name="Anna")
    boris = factories.make_user("boris", first_name="Boris")
    social = Team.objects.create(name="Social")
    BusinessHours.objects.create(
        name="Office", timezone="UTC", schedule={str(d): [["09:00", "17:00"]] for d in range(5)}
    )
    SlaPolicy.objects.create(name="All", first_response_minutes=30)
    SlaPolicy.objects.create(
        name="DMs", conversation_kind="dm", first_response_minutes=15, business_time=False
    )
    page = factories.make_channel(name="Shop page")
    x = factories.make_channel(name="Shop X")
    first = convo(page, at(2, 10), 10, tags=["Payment"], agent=anna, team=social, assignee=anna)
    convo(page, at(2, 11), 20, tags=["Payment", "Urgent"], agent=boris, intent="complaint")
    convo(x, at(3, 9), 30, kind="dm", agent=anna, language="et", assignee=anna)
    convo(x, at(4, 12), 40, agent=boris, team=social)
    convo(page, at(4, 13), None, tags=["Urgent"], intent="question")
    convo(page, at(6, 16, 50), 64 * 60 + 20, agent=anna)  # Friday → Monday: 20 business min
    convo(page, at(9, 0), 1, tags=["Payment"])  # next week
    convo(x, at(3, 10), 1, is_spam=True, tags=["Urgent"])
    say(first, at(2, 11), Direction.INBOUND)
    say(first, at(2, 11, 25), Direction.OUTBOUND, boris)  # a next response of 25 minutes
    ops.conversation_close(conversation=first, actor=anna)
    ops.conversation_reopen(conversation=first, actor=boris)
    return {"anna": anna, "boris": boris, "social": social, "page": page, "x": x}


def build_week():
    for n in range(7):
        store_day(MON + timedelta(days=n), now=NOW)


def scopes(shop):
    return [
        WEEK,
        ReportScope(date_from=MON, date_to=SUN, channel=shop["page"]),
        ReportScope(date_from=MON, date_to=SUN, team=shop["social"]),
        ReportScope(date_from=MON, date_to=SUN, agent=shop["anna"]),
        ReportScope(date_from=MON, date_to=SUN, tag=Tag.objects.get(name="Urgent")),
        ReportScope(date_from=MON, date_to=MON),  # drawn per hour
    ]


def test_rollups_give_the_figures_of_the_raw_rows(shop):
    live = [everything(s, NOW) for s in scopes(shop)]
    build_week()
    assert RollupDay.objects.count() == 7 and ReportRollup.objects.exists()
    from_rollups = [everything(s, NOW) for s in scopes(shop)]
    for before, after in zip(live, from_rollups, strict=True):
        assert after == before


def test_rollups_against_hand_computed_figures(shop):
    build_week()
    figures = everything(WEEK, NOW)
    assert figures["totals"] == (6, 5)
    # 10, 20, 30, 40, 3860 minutes: median 30, p90 at rank 3.6 → 40 + 0.6·3820.
    assert figures["percentiles"][:2] == (
        timedelta(minutes=30),
        timedelta(minutes=40 + 0.6 * 3820),
    )
    # Business time (Mon–Fri 09–17; the DM's policy runs on the clock): 10, 20, 30, 40, 20.
    assert figures["percentiles"][2:] == (timedelta(minutes=20), timedelta(minutes=36))
    # "All" (30 business minutes): 10, 20, 40 → 2 met, 1 missed; the Friday one 20 → met;
    # the unanswered one long overdue → missed. The DM (15 on the clock): 30 → missed.
    assert figures["sla"] == (3, 3, 0, 0, timedelta(minutes=30))
    assert [(t[0], t[1], t[3], t[4]) for t in figures["trend"][:3]] == [
        (MON, timedelta(minutes=15), 2, 0),
        (date(2026, 3, 3), timedelta(minutes=30), 0, 1),
        (date(2026, 3, 4), timedelta(minutes=40), 0, 2),
    ]
    assert [r[1:4] for r in figures["by_tag"]] == [("Payment", 2, 2), ("Urgent", 2, 1)]
    anna, boris = figures["agents"]
    # Anna: 3 conversations, first responses 10, 30, 3860 → median 30; closed one, reopened.
    assert anna == ("Anna", 3, 3, timedelta(minutes=30), None, 1, 1)
    # Boris: first responses 20, 40 → 30; a next response of 25.
    assert boris == ("Boris", 3, 3, timedelta(minutes=30), timedelta(minutes=25), 0, 0)
    assert figures["teams"] == [
        ("Social", 2, 3, timedelta(minutes=25), timedelta(minutes=25), 1, 1)
    ]


def test_a_tag_filter_shows_every_tag_of_its_conversations_in_the_by_tag_table(shop):
    urgent = ReportScope(date_from=MON, date_to=SUN, tag=Tag.objects.get(name="Urgent"))
    live = everything(urgent, NOW)
    build_week()
    figures = everything(urgent, NOW)
    assert figures == live
    assert figures["totals"] == (2, 1)
    # The two urgent ones (the spam one left out); one of them is also about a payment.
    assert [r[1:4] for r in figures["by_tag"]] == [("Urgent", 2, 1), ("Payment", 1, 1)]


def test_histogram_percentiles_match_percentile_cont_on_whole_minutes():
    values = [3, 3, 7, 10, 10, 10, 45, 61, 1440]
    histogram = {}
    for v in values:
        histogram[str(v)] = histogram.get(str(v), 0) + 1
    for fraction in (0, 0.25, 0.5, 0.9, 1):
        expected = percentile([timedelta(minutes=v) for v in values], fraction)
        assert histogram_percentile(histogram, fraction) == expected
    assert histogram_percentile({}, 0.5) is None
    # Seconds are rounded down to the minute: a bucket is one minute wide.
    assert rollups.minutes(timedelta(minutes=14, seconds=59)) == 14


def _bulk(n: int, channels, tags) -> None:
    made = Conversation.objects.bulk_create(
        [
            Conversation(
                channel=channels[i % 3],
                kind="comment" if i % 2 else "dm",
                external_thread_id=f"bulk{i}",
                first_inbound_at=at(2 + i % 7, 9 + i % 8, i % 60),
                first_response_at=at(2 + i % 7, 9 + i % 8, i % 60) + timedelta(minutes=i % 90)
                if i % 4
                else None,
                intent=["question", "complaint", ""][i % 3],
            )
            for i in range(n)
        ]
    )
    through = Conversation.tags.through
    through.objects.bulk_create(
        [through(conversation_id=c.pk, tag_id=tags[i % 4].pk) for i, c in enumerate(made)]
    )


@pytest.mark.parametrize("n", [10, 1000])
def test_a_rolled_up_report_makes_the_same_queries_at_any_size(n, django_assert_num_queries):
    SlaPolicy.objects.create(name="All", first_response_minutes=45)
    channels = [factories.make_channel(name=f"C{i}") for i in range(3)]
    tags = [Tag.objects.create(name=f"tag{i}") for i in range(4)]
    _bulk(n, channels, tags)
    build_week()
    # Which days are kept, their rows, the channel and tag names; then the per agent and
    # team figures' names (none here: nobody replied).
    with django_assert_num_queries(4):
        collected = collect(WEEK, now=NOW)  # as the page does: once for both
        r = report(WEEK, collected=collected)
        people(WEEK, collected=collected)
    assert r.conversations == n and r.answered == n - (n + 3) // 4


def whole_days(built) -> list[date]:
    """The days refresh built whole (it also builds today's closed hours)."""
    return [day for day, hour in built if hour is None]


def test_the_worker_builds_again_the_days_that_changed(shop):
    build_week()
    now = timezone.now()
    # The first run notes where it starts, and builds the last days nobody built yet.
    recent = [now.date() - timedelta(days=n) for n in range(7, 0, -1)]
    assert whole_days(refresh(now=now)) == recent
    unanswered = Conversation.objects.get(first_inbound_at=at(4, 13))
    say(unanswered, now, Direction.OUTBOUND, shop["anna"])
    Conversation.objects.filter(pk=unanswered.pk).update(first_response_at=at(4, 14))
    ops.conversation_tag(conversation=unanswered, name="Payment")
    assert whole_days(refresh(now=now + timedelta(minutes=3))) == [date(2026, 3, 4)]
    figures = everything(WEEK, NOW)
    assert figures["totals"] == (6, 6)
    assert [r[1:4] for r in figures["by_tag"]] == [("Payment", 3, 3), ("Urgent", 2, 2)]
    assert whole_days(refresh(now=now + timedelta(minutes=6))) == []  # nothing changed since


def test_a_pending_sla_that_falls_due_builds_its_day_again(shop):
    # Wednesday 16:50: due 30 business minutes later, at 09:20 on Thursday.
    factories.make_conversation(shop["page"], at=at(4, 16, 50))
    store_day(date(2026, 3, 4), now=at(5, 8))
    kept = RollupDay.objects.get(day=date(2026, 3, 4))
    assert kept.next_due == at(5, 9, 20)
    assert date(2026, 3, 4) not in whole_days(refresh(now=at(5, 9, 19)))
    assert date(2026, 3, 4) in whole_days(refresh(now=at(5, 9, 21)))
    assert RollupDay.objects.get(day=date(2026, 3, 4)).next_due is None
    r = report(ReportScope(date_from=date(2026, 3, 4), date_to=date(2026, 3, 4)), now=at(6, 0))
    assert (r.sla.met, r.sla.missed, r.sla.pending) == (0, 3, 0)


def test_the_command_builds_every_past_day(shop):
    call_command("rebuild_report_rollups", "--from", "2026-03-01", "--to", "2026-03-10")
    assert RollupDay.objects.count() == 10
    assert everything(WEEK, NOW)["totals"] == (6, 5)
