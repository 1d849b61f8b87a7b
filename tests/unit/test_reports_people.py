"""Per agent and team figures, and the daily trends and volumes the charts draw, by hand."""

from datetime import UTC, date, datetime, timedelta

import pytest

from accounts.models import Team
from inbox import conversations as ops
from inbox.models import AuditEvent, Direction, Message
from reports.filters import ReportScope
from reports.people import people, ranked
from reports.selectors import report
from rules.models import SlaPolicy
from tests.support import factories

pytestmark = pytest.mark.django_db

MON, SUN = date(2026, 3, 2), date(2026, 3, 8)
WEEK = ReportScope(date_from=MON, date_to=SUN)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=UTC)


def say(conversation, when: datetime, direction: str, agent=None, automatic=False):
    return Message.objects.create(
        conversation=conversation,
        channel=conversation.channel,
        direction=direction,
        author_agent=agent,
        text="…",
        platform_timestamp=when,
        state_timestamp=when,
        is_automatic=automatic,
    )


@pytest.fixture
def crew():
    anna = factories.make_user("anna", first_name="Anna")
    boris = factories.make_user("boris", first_name="Boris")
    social = Team.objects.create(name="Social")
    channel = factories.make_channel()
    # Conversation 1 (Social): customer 10:00, auto-ack 10:00, Anna 10:10 (first, 10 min),
    # customer 11:00 and 11:05, Boris 11:20 (next, 20 min from 11:00), Anna closes.
    one = factories.make_conversation(channel, at=at(2, 10), team=social)
    say(one, at(2, 10), Direction.OUTBOUND, automatic=True)
    say(one, at(2, 10, 10), Direction.OUTBOUND, anna)
    say(one, at(2, 11), Direction.INBOUND)
    say(one, at(2, 11, 5), Direction.INBOUND)
    say(one, at(2, 11, 20), Direction.OUTBOUND, boris)
    ops.conversation_close(conversation=one, actor=anna)
    # Conversation 2 (no team): Anna answers after 30 minutes, adds a second reply
    # nobody waited for, closes; it is reopened, Boris closes it for good.
    two = factories.make_conversation(channel, at=at(3, 9))
    say(two, at(3, 9, 30), Direction.OUTBOUND, anna)
    say(two, at(3, 9, 31), Direction.OUTBOUND, anna)
    ops.conversation_close(conversation=two, actor=anna)
    ops.conversation_reopen(conversation=two, actor=boris)
    ops.conversation_close(conversation=two, actor=boris)
    # Outside the week: not counted.
    three = factories.make_conversation(channel, at=at(10, 9))
    say(three, at(10, 9, 1), Direction.OUTBOUND, boris)
    return anna, boris, social


def test_agents_figures(crew):
    anna, boris, _ = crew
    found = {p.name: p for p in people(WEEK).agents}
    a, b = found["Anna"], found["Boris"]
    assert (a.conversations, a.replies, a.closed, a.reopened) == (2, 3, 2, 1)
    assert a.first_times == {"10": 1, "30": 1}  # minutes -> replies
    assert a.first_median == timedelta(minutes=20) and a.next_median is None
    assert (b.conversations, b.replies, b.closed, b.reopened) == (1, 1, 1, 0)
    assert b.next_times == {"20": 1} and b.first_median is None


def test_teams_figures_follow_the_conversation(crew):
    teams = people(WEEK).teams
    assert [t.name for t in teams] == ["Social"]
    social = teams[0]
    assert (social.conversations, social.replies, social.closed, social.reopened) == (1, 2, 1, 0)


def test_reopen_by_a_customer_counts_for_the_closer(crew):
    anna, _, _ = crew
    c = factories.make_conversation(factories.make_channel(), at=at(4, 9))
    ops.conversation_close(conversation=c, actor=anna)
    AuditEvent.objects.create(conversation=c, verb="reopened", data={"reason": "customer"})
    assert {p.name: p.reopened for p in people(WEEK).agents}["Anna"] == 2


def test_leaderboard_sorts_best_first_and_reverses(crew):
    agents = people(WEEK).agents
    assert [p.name for p in ranked(agents, "replies")] == ["Anna", "Boris"]
    assert [p.name for p in ranked(agents, "-replies")] == ["Boris", "Anna"]
    # Quickest first; nobody's missing figure goes last either way.
    assert [p.name for p in ranked(agents, "first_median")] == ["Anna", "Boris"]
    assert [p.name for p in ranked(agents, "-first_median")] == ["Anna", "Boris"]
    assert [p.name for p in ranked(agents, "nonsense")] == ["Anna", "Boris"]


def test_agent_filter_keeps_their_conversations(crew):
    anna, _, _ = crew
    from inbox.models import Conversation

    Conversation.objects.filter(first_inbound_at=at(2, 10)).update(assignee=anna)
    scope = ReportScope(date_from=MON, date_to=SUN, agent=anna)
    assert report(scope).conversations == 1
    assert {p.name: p.replies for p in people(scope).agents} == {"Anna": 1, "Boris": 1}


def test_daily_trend_volume_and_heatmap():
    SlaPolicy.objects.create(name="All", first_response_minutes=30)
    fb = factories.make_channel("facebook", name="Page")
    x = factories.make_channel("x", name="X")
    from inbox.models import Conversation

    for channel, inbound, minutes in (
        (fb, at(2, 10), 10),
        (fb, at(2, 10, 30), 50),
        (x, at(2, 14), 20),
        (x, at(4, 14), None),
    ):
        c = factories.make_conversation(channel, at=inbound)
        if minutes is not None:
            Conversation.objects.filter(pk=c.pk).update(
                first_response_at=inbound + timedelta(minutes=minutes)
            )
    r = report(WEEK)
    monday, _, wednesday = r.trend[:3]
    assert monday.median == timedelta(minutes=20) and monday.p90 == timedelta(minutes=44)
    assert (monday.sla_met, monday.sla_missed, monday.sla_attainment) == (2, 1, 2 / 3)
    assert (wednesday.conversations, wednesday.answered, wednesday.median) == (1, 0, None)
    assert (wednesday.sla_met, wednesday.sla_missed) == (0, 1)  # unanswered, long past due
    assert r.sla_target == timedelta(minutes=30)
    series = r.volume.series()
    assert series["Page (facebook)"][:3] == [2, 0, 0] and series["X (x)"][:3] == [1, 0, 1]
    assert r.volume.heatmap[0][10] == 2 and r.volume.heatmap[2][14] == 1  # Mon 10h, Wed 14h


def test_a_short_range_is_drawn_per_hour():
    channel = factories.make_channel(name="Chat")
    factories.make_conversation(channel, at=at(2, 10, 15))
    r = report(ReportScope(date_from=MON, date_to=MON))
    assert r.volume.hourly and len(r.volume.buckets) == 24
    assert r.volume.series()["Chat (testchat)"][10] == 1
