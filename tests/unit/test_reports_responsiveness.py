"""The responsiveness figure per channel against hand-computed examples.

Meta's badge: 90 % of messages answered within 15 minutes, median within 15 minutes, over the
last 7 days, wall clock. X: within 60 minutes.
"""

from datetime import UTC, datetime, timedelta

import pytest

from inbox.models import Direction, Message
from reports.responsiveness import responsiveness
from rules.models import BusinessHours
from tests.support import factories

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 7, 18, 0, tzinfo=UTC)  # a Saturday evening


def dm(
    channel,
    inbound: datetime,
    answered: datetime | None = None,
    *,
    kind="dm",
    automatic_at: datetime | None = None,
    **fields,
):
    c = factories.make_conversation(channel, kind=kind, at=inbound, **fields)
    for when, auto in ((automatic_at, True), (answered, False)):
        if when is not None:
            Message.objects.create(
                conversation=c,
                channel=channel,
                direction=Direction.OUTBOUND,
                text="Hi",
                platform_timestamp=when,
                state_timestamp=when,
                is_automatic=auto,
            )
    return c


def figures_for(channel):
    return next(r for r in responsiveness(now=NOW) if r.channel == channel)


def test_fifteen_minutes_is_in_time_and_a_second_more_is_not():
    page = factories.make_channel("facebook", name="Polaris")
    inbound = datetime(2026, 3, 7, 14, 44, tzinfo=UTC)
    dm(page, inbound, datetime(2026, 3, 7, 14, 59, tzinfo=UTC))  # 15 min: in time
    dm(page, inbound, datetime(2026, 3, 7, 15, 1, tzinfo=UTC))  # 17 min: late
    dm(
        page, datetime(2026, 3, 7, 14, 45, 59, tzinfo=UTC), datetime(2026, 3, 7, 15, 1, tzinfo=UTC)
    )  # 15 min 1 s: late
    r = figures_for(page)
    assert (r.in_time, r.late, r.counted) == (1, 2, 3)
    assert r.median == timedelta(minutes=15, seconds=1)
    assert not r.met and r.share == pytest.approx(1 / 3)


def test_x_expects_an_hour_14_59_in_time_15_01_late():
    x = factories.make_channel("x", name="@polaris")
    dm(
        x,
        datetime(2026, 3, 7, 14, 0, tzinfo=UTC),
        datetime(2026, 3, 7, 14, 59, tzinfo=UTC),
        kind="mention",
    )
    dm(x, datetime(2026, 3, 7, 14, 0, tzinfo=UTC), datetime(2026, 3, 7, 15, 1, tzinfo=UTC))
    r = figures_for(x)
    assert (r.in_time, r.late) == (1, 1)
    assert r.goal.within == timedelta(minutes=60)


def test_business_hours_are_not_applied():
    # A Saturday-night message answered 20 minutes later is late, even though the office is
    # closed all weekend: Meta's clock never stops.
    BusinessHours.objects.create(
        name="Office", timezone="UTC", schedule={str(d): [["09:00", "17:00"]] for d in range(5)}
    )
    page = factories.make_channel("instagram", name="polaris.outdoor")
    dm(page, datetime(2026, 3, 7, 3, 0, tzinfo=UTC), datetime(2026, 3, 7, 3, 20, tzinfo=UTC))
    r = figures_for(page)
    assert (r.in_time, r.late) == (0, 1)


def test_86_percent_and_how_many_more_keep_the_badge():
    page = factories.make_channel("facebook", name="Polaris")
    start = datetime(2026, 3, 6, 9, 0, tzinfo=UTC)
    for n in range(50):
        inbound = start + timedelta(minutes=10 * n)
        dm(page, inbound, inbound + timedelta(minutes=5 if n < 43 else 30))
    r = figures_for(page)
    assert (r.in_time, r.counted) == (43, 50)
    assert round(r.share * 100) == 86
    # (43 + k) / (50 + k) >= 0.9  <=>  k >= 20
    assert r.more_needed == 20
    assert r.median == timedelta(minutes=5) and not r.met


def test_only_messages_count_for_meta_and_automatic_replies_are_no_answer():
    page = factories.make_channel("facebook", name="Polaris")
    inbound = datetime(2026, 3, 7, 10, 0, tzinfo=UTC)
    # Instant reply at once, a person 40 minutes later: late.
    dm(page, inbound, inbound + timedelta(minutes=40), automatic_at=inbound)
    dm(page, inbound, inbound + timedelta(minutes=1), kind="comment")  # not a message
    dm(page, inbound, inbound + timedelta(minutes=1), is_spam=True)  # spam is left out
    r = figures_for(page)
    assert (r.in_time, r.late) == (0, 1)


def test_the_window_is_the_last_seven_days_and_young_ones_wait():
    page = factories.make_channel("facebook", name="Polaris")
    dm(page, NOW - timedelta(days=7, minutes=1), NOW - timedelta(days=7))  # too old
    dm(page, NOW - timedelta(days=6), NOW - timedelta(days=6) + timedelta(minutes=3))
    dm(page, NOW - timedelta(minutes=10))  # unanswered, still has 5 minutes
    dm(page, NOW - timedelta(minutes=16))  # unanswered and past the limit
    r = figures_for(page)
    assert (r.in_time, r.late, r.pending) == (1, 1, 1)
    assert r.more_needed == 8  # (1 + k) / (2 + k) >= 0.9


def test_at_ninety_percent_with_a_fast_median_the_badge_is_kept():
    page = factories.make_channel("facebook", name="Polaris")
    start = datetime(2026, 3, 6, 9, 0, tzinfo=UTC)
    for n in range(10):
        inbound = start + timedelta(minutes=30 * n)
        dm(page, inbound, inbound + timedelta(minutes=2 if n < 9 else 90))
    r = figures_for(page)
    assert r.met and r.more_needed == 0


def test_channels_without_an_expectation_are_not_listed():
    factories.make_channel("testchat", name="Chat")
    assert responsiveness(now=NOW) == []
