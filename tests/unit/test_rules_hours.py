"""Business time across a DST change, weekends and holidays (pure, no database)."""

from datetime import UTC, date, datetime, timedelta

import pytest

from rules.hours import Calendar, ScheduleError, parse_schedule

WEEKDAYS_9_TO_5 = {str(d): [["09:00", "17:00"]] for d in range(5)}
TALLINN = Calendar(timezone="Europe/Tallinn", schedule=WEEKDAYS_9_TO_5)


def test_due_time_over_the_weekend_when_summer_time_ends():
    # Friday 24 Oct 2025, 16:30 in Tallinn is 13:30 UTC (EEST, UTC+3). Clocks go back on
    # Sunday 26 Oct, so Monday 09:30 local is 07:30 UTC (EET, UTC+2), not 06:30.
    start = datetime(2025, 10, 24, 13, 30, tzinfo=UTC)
    assert TALLINN.add(start, 60) == datetime(2025, 10, 27, 7, 30, tzinfo=UTC)


def test_due_time_over_the_weekend_when_summer_time_starts():
    # Friday 28 Mar 2025 16:30 EET = 14:30 UTC; Monday 31 Mar 09:30 EEST = 06:30 UTC.
    start = datetime(2025, 3, 28, 14, 30, tzinfo=UTC)
    assert TALLINN.add(start, 60) == datetime(2025, 3, 31, 6, 30, tzinfo=UTC)


def test_the_night_the_clocks_go_back_has_25_open_hours():
    always_sunday = Calendar(timezone="Europe/Tallinn", schedule={"6": [["00:00", "24:00"]]})
    sunday_start = datetime(2025, 10, 25, 21, 0, tzinfo=UTC)  # Sun 26 Oct 00:00 EEST
    monday_start = datetime(2025, 10, 26, 22, 0, tzinfo=UTC)  # Mon 27 Oct 00:00 EET
    assert always_sunday.elapsed(sunday_start, monday_start) == timedelta(hours=25)
    # 120 open minutes from 02:00 local are 120 real minutes, across the repeated hour.
    two_am = datetime(2025, 10, 25, 23, 0, tzinfo=UTC)
    assert always_sunday.add(two_am, 120) == two_am + timedelta(minutes=120)


def test_is_open_uses_local_time_on_both_sides_of_the_change():
    assert TALLINN.is_open(datetime(2025, 10, 24, 6, 0, tzinfo=UTC))  # Fri 09:00 EEST
    assert not TALLINN.is_open(datetime(2025, 10, 24, 5, 59, tzinfo=UTC))  # Fri 08:59
    assert TALLINN.is_open(datetime(2025, 10, 27, 7, 0, tzinfo=UTC))  # Mon 09:00 EET
    assert not TALLINN.is_open(datetime(2025, 10, 27, 6, 30, tzinfo=UTC))  # Mon 08:30 EET
    assert not TALLINN.is_open(datetime(2025, 10, 25, 10, 0, tzinfo=UTC))  # Saturday


def test_holidays_are_closed():
    christmas = Calendar(
        timezone="Europe/Tallinn",
        schedule=WEEKDAYS_9_TO_5,
        holidays=frozenset({date(2025, 12, 24), date(2025, 12, 25), date(2025, 12, 26)}),
    )
    # Tuesday 23 Dec 16:30 EET + 60 business minutes → Monday 29 Dec 09:30 EET.
    start = datetime(2025, 12, 23, 14, 30, tzinfo=UTC)
    assert christmas.add(start, 60) == datetime(2025, 12, 29, 7, 30, tzinfo=UTC)
    assert not christmas.is_open(datetime(2025, 12, 24, 10, 0, tzinfo=UTC))


def test_split_days_and_elapsed_business_time():
    lunch = Calendar(timezone="UTC", schedule={"0": [["09:00", "12:00"], ["13:00", "17:00"]]})
    monday = datetime(2025, 10, 27, 11, 30, tzinfo=UTC)
    assert lunch.add(monday, 60) == datetime(2025, 10, 27, 13, 30, tzinfo=UTC)
    assert lunch.elapsed(monday, datetime(2025, 10, 27, 14, 0, tzinfo=UTC)) == timedelta(minutes=90)


def test_no_schedule_means_calendar_time():
    start = datetime(2025, 10, 25, 23, 0, tzinfo=UTC)
    assert Calendar().add(start, 15) == start + timedelta(minutes=15)
    assert Calendar().is_open(start)


@pytest.mark.parametrize(
    "schedule",
    [
        {"7": [["09:00", "17:00"]]},
        {"0": [["17:00", "09:00"]]},
        {"0": [["9am", "5pm"]]},
        {"0": [["09:00"]]},
    ],
)
def test_bad_schedules_are_refused(schedule):
    with pytest.raises(ScheduleError):
        parse_schedule(schedule)
