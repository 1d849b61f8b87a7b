"""Report figures against numbers computed by hand, and a fixed number of queries."""

from datetime import UTC, date, datetime, timedelta

import pytest

from accounts.models import Team
from inbox.models import Conversation, Tag
from reports.figures import percentile
from reports.filters import ReportScope
from reports.selectors import report
from rules.models import BusinessHours, SlaPolicy
from tests.support import factories

pytestmark = pytest.mark.django_db

MON, SUN = date(2026, 3, 2), date(2026, 3, 8)
WEEK = ReportScope(date_from=MON, date_to=SUN)
WEEKDAYS_9_TO_5 = {str(d): [["09:00", "17:00"]] for d in range(5)}


def at(day: int, hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, second, tzinfo=UTC)


def convo(channel, inbound: datetime, answer_after: int | None, *, tags=(), **fields):
    c = factories.make_conversation(channel, at=inbound, **fields)
    if answer_after is not None:
        c.first_response_at = inbound + timedelta(minutes=answer_after)
        Conversation.objects.filter(pk=c.pk).update(first_response_at=c.first_response_at)
    for name in tags:
        c.tags.add(Tag.objects.get_or_create(name=name)[0])
    return c


@pytest.fixture
def week():
    """Five conversations in the week, three outside it (later, earlier, spam)."""
    a = factories.make_channel(name="Shop page")
    b = factories.make_channel(name="Shop X")
    convo(a, at(2, 10), 10, intent="question", language="en", tags=["Payment"])
    convo(a, at(2, 11), 20, intent="complaint", language="en", tags=["Payment", "Urgent"])
    convo(b, at(3, 9), 30, intent="question", language="et")
    convo(b, at(4, 12), 40)
    convo(a, at(4, 13), None, intent="question", language="de", tags=["Urgent"])
    convo(a, at(9, 0), 1, intent="question", language="en", tags=["Payment"])  # next week
    convo(a, at(1, 23, 59, 59), 1, tags=["Payment"])  # the Sunday before
    convo(b, at(3, 10), 1, is_spam=True, tags=["Urgent"])
    return a, b


def table(rows):
    return {r.key: (r.conversations, r.answered) for r in rows}


def test_counts_rate_and_percentiles(week):
    a, b = week
    r = report(WEEK)
    assert (r.conversations, r.answered, r.response_rate) == (5, 4, 0.8)
    # 10, 20, 30, 40 minutes: median halfway between 20 and 30; p90 at rank 2.7 → 30 + 0.7·10.
    assert r.first_response_median == timedelta(minutes=25)
    assert r.first_response_p90 == timedelta(minutes=37)
    assert table(r.by_channel) == {str(a.pk): (3, 2), str(b.pk): (2, 2)}
    assert [row.bar for row in r.by_channel] == [100, 67]
    assert table(r.by_tag) == {"Payment": (2, 2), "Urgent": (2, 1)}
    assert table(r.by_day) == {
        "2026-03-02": (2, 2),
        "2026-03-03": (1, 1),
        "2026-03-04": (2, 1),
        "2026-03-05": (0, 0),
        "2026-03-06": (0, 0),
        "2026-03-07": (0, 0),
        "2026-03-08": (0, 0),
    }
    assert table(r.by_intent) == {"question": (3, 2), "complaint": (1, 1), "": (1, 1)}
    assert table(r.by_language) == {"en": (2, 2), "et": (1, 1), "de": (1, 0), "": (1, 1)}
    assert [row.label for row in r.by_intent] == ["question", "(none)", "complaint"]


def test_filters_by_channel_and_team(week):
    a, _ = week
    team = Team.objects.create(name="Estonia")
    Conversation.objects.filter(language="et").update(team=team)
    by_channel = report(ReportScope(date_from=MON, date_to=SUN, channel=a))
    assert (by_channel.conversations, by_channel.answered) == (3, 2)
    assert by_channel.first_response_median == timedelta(minutes=15)
    by_team = report(ReportScope(date_from=MON, date_to=SUN, team=team))
    assert (by_team.conversations, by_team.answered) == (1, 1)
    assert table(by_team.by_language) == {"et": (1, 1)}


def test_sla_attainment_against_the_first_response_target(week):
    SlaPolicy.objects.create(name="Everything", first_response_minutes=30, business_time=False)
    r = report(WEEK)
    # 10, 20 and 30 minutes are within 30; 40 is late; the unanswered one is long overdue.
    assert (r.sla.met, r.sla.missed, r.sla.pending) == (3, 2, 0)
    assert r.sla.attainment == 0.6
    # Ten minutes after the unanswered one arrived, it is not yet due: left out of the share.
    early = report(WEEK, now=at(4, 13, 10))
    assert (early.sla.met, early.sla.missed, early.sla.pending) == (3, 1, 1)
    assert early.sla.attainment == 0.75


def test_the_most_specific_policy_sets_the_target(week):
    SlaPolicy.objects.create(name="Everything", first_response_minutes=30, business_time=False)
    SlaPolicy.objects.create(
        name="Comments", conversation_kind="comment", first_response_minutes=15, business_time=False
    )
    Conversation.objects.filter(language="et").update(kind="dm")  # answered in 30 minutes
    r = report(WEEK)
    # Comments within 15: only the 10-minute one; 20, 40 and unanswered miss. The DM falls
    # under "Everything" and its 30 minutes meet 30.
    assert (r.sla.met, r.sla.missed) == (2, 3)


def test_business_time_skips_the_weekend():
    """Friday 16:50 → Monday 09:10 is 20 minutes of a Mon–Fri 09–17 calendar."""
    BusinessHours.objects.create(name="Office", timezone="UTC", schedule=WEEKDAYS_9_TO_5)
    SlaPolicy.objects.create(name="Office hours", first_response_minutes=30)
    channel = factories.make_channel()
    convo(channel, at(5, 10), 5)
    convo(channel, at(6, 16, 50), 64 * 60 + 20)
    r = report(WEEK)
    assert r.business_median == timedelta(minutes=12.5)  # (5 + 20) / 2
    assert r.business_p90 == timedelta(minutes=18.5)  # 5 + 0.9 · 15
    assert r.first_response_median == timedelta(minutes=(5 + 3860) / 2)
    assert r.first_response_p90 == timedelta(minutes=5 + 0.9 * 3855)
    assert (r.sla.met, r.sla.missed) == (2, 0)


def test_a_teams_calendar_and_holidays_count():
    """The team's own hours win over the default; a holiday is not open time."""
    team = Team.objects.create(name="Tallinn")
    BusinessHours.objects.create(name="Default", schedule={})  # 24/7
    hours = BusinessHours.objects.create(
        name="Tallinn", team=team, timezone="Europe/Tallinn", schedule=WEEKDAYS_9_TO_5
    )
    hours.holidays.create(date=date(2026, 3, 3), name="Closed")
    channel = factories.make_channel()
    # Monday 16:50 Tallinn (14:50 UTC) → Wednesday 07:10 UTC (09:10 Tallinn): Tuesday is closed.
    convo(channel, at(2, 14, 50), (16 * 60 + 20) + 24 * 60, team=team)
    r = report(WEEK)
    assert r.business_median == timedelta(minutes=20)


def test_percentile_matches_percentile_cont():
    minutes = [timedelta(minutes=m) for m in (1, 2, 3, 4, 5, 6, 7, 8, 9, 100)]
    assert percentile(minutes, 0.5) == timedelta(minutes=5.5)
    assert percentile(minutes, 0.9) == timedelta(minutes=9 + 0.1 * 91)
    assert percentile([timedelta(seconds=7)], 0.9) == timedelta(seconds=7)
    assert percentile([], 0.5) is None


def _bulk(n: int) -> None:
    channels = [factories.make_channel(name=f"C{i}") for i in range(3)]
    team = Team.objects.create(name=f"T{n}")
    tags = [Tag.objects.create(name=f"tag{i}") for i in range(4)]
    rows = []
    for i in range(n):
        inbound = at(2 + i % 7, 9 + i % 8, i % 60)
        rows.append(
            Conversation(
                channel=channels[i % 3],
                kind="comment" if i % 2 else "dm",
                external_thread_id=f"bulk{i}",
                first_inbound_at=inbound,
                first_response_at=inbound + timedelta(minutes=i % 90) if i % 4 else None,
                intent=["question", "complaint", ""][i % 3],
                language=["en", "ru", "zh"][i % 3],
                team=team if i % 5 == 0 else None,
            )
        )
    made = Conversation.objects.bulk_create(rows)
    through = Conversation.tags.through
    through.objects.bulk_create(
        [through(conversation_id=c.pk, tag_id=tags[i % 4].pk) for i, c in enumerate(made)]
    )


QUERIES = 10


@pytest.mark.parametrize("n", [10, 1000])
def test_fixed_number_of_queries(n, django_assert_num_queries):
    hours = BusinessHours.objects.create(name="Office", schedule=WEEKDAYS_9_TO_5)
    hours.holidays.create(date=date(2026, 3, 3))
    SlaPolicy.objects.create(name="All", first_response_minutes=45)
    SlaPolicy.objects.create(
        name="DMs", conversation_kind="dm", first_response_minutes=15, business_time=False
    )
    _bulk(n)
    with django_assert_num_queries(QUERIES):
        r = report(WEEK)
    assert r.conversations == n and r.answered == n - (n + 3) // 4
    assert r.sla.met + r.sla.missed + r.sla.pending == n
