"""Business time: opening intervals in a time zone, across DST changes and holidays.

Pure functions over a `Calendar` (no database), so the SLA and the "within business hours"
condition compute the same thing. Intervals are written in local wall-clock time and turned
into UTC instants day by day, so a day on which the clocks change is as long as it really
is (25 hours at the end of October in Europe) and all arithmetic happens in UTC.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cached_property
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

# Search this far ahead for open time before giving up (a calendar with no open days).
MAX_DAYS_AHEAD = 400


class ScheduleError(ValueError):
    pass


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ScheduleError(f"unknown time zone {name!r}") from exc


def _parse_time(value: str) -> tuple[int, int]:
    try:
        hours, minutes = (int(part) for part in str(value).split(":"))
    except ValueError:
        raise ScheduleError(f"{value!r} is not HH:MM") from None
    if not (0 <= hours <= 24 and 0 <= minutes < 60) or (hours == 24 and minutes):
        raise ScheduleError(f"{value!r} is not a time of day")
    return hours, minutes


def parse_schedule(schedule: dict) -> dict[int, list[tuple[tuple[int, int], tuple[int, int]]]]:
    """{"0": [["09:00", "17:00"]], ...} → {0: [((9, 0), (17, 0))], ...}; validates."""
    if not isinstance(schedule, dict):
        raise ScheduleError("the schedule maps weekdays 0-6 to lists of [start, end]")
    parsed: dict[int, list] = {}
    for key, intervals in schedule.items():
        try:
            weekday = int(key)
        except ValueError:
            raise ScheduleError(f"weekday {key!r} is not 0 (Monday) to 6 (Sunday)") from None
        if not 0 <= weekday <= 6:
            raise ScheduleError(f"weekday {key!r} is not 0 (Monday) to 6 (Sunday)")
        day = []
        for interval in intervals or []:
            if not isinstance(interval, list | tuple) or len(interval) != 2:
                raise ScheduleError(f"{interval!r} is not [start, end]")
            start, end = _parse_time(interval[0]), _parse_time(interval[1])
            if end <= start:
                raise ScheduleError(f"{interval[0]}-{interval[1]} ends before it starts")
            day.append((start, end))
        parsed[weekday] = sorted(day)
    return parsed


@dataclass(frozen=True)
class Calendar:
    """Opening hours: a time zone, weekly intervals and closed days. No schedule: 24/7."""

    timezone: str = "UTC"
    schedule: dict = field(default_factory=dict)
    holidays: frozenset[date] = frozenset()

    @property
    def always_open(self) -> bool:
        return not self.schedule

    def _tz(self) -> ZoneInfo:
        return zone(self.timezone)

    @cached_property
    def _weekly(self) -> dict:
        # Parsed once per calendar: a report measures thousands of conversations with one.
        return parse_schedule(self.schedule)

    def _local_instant(self, day: date, hm: tuple[int, int], tz: ZoneInfo) -> datetime:
        if hm == (24, 0):
            day, hm = day + timedelta(days=1), (0, 0)
        # fold=0: in the repeated hour of an autumn change, the first (summer) occurrence.
        return datetime.combine(day, time(*hm), tzinfo=tz).astimezone(UTC)

    def intervals(self, start: datetime) -> Iterator[tuple[datetime, datetime]]:
        """Open intervals (UTC) that end after `start`, in order, clipped to begin at it."""
        start = start.astimezone(UTC)
        if self.always_open:
            yield start, datetime.max.replace(tzinfo=UTC)
            return
        tz = self._tz()
        weekly = self._weekly
        day = start.astimezone(tz).date() - timedelta(days=1)
        for _ in range(MAX_DAYS_AHEAD):
            if day not in self.holidays:
                for begin_hm, end_hm in weekly.get(day.weekday(), []):
                    begin = self._local_instant(day, begin_hm, tz)
                    end = self._local_instant(day, end_hm, tz)
                    if end > start:
                        yield max(begin, start), end
            day += timedelta(days=1)

    def is_open(self, at: datetime) -> bool:
        for begin, _end in self.intervals(at):
            return begin <= at.astimezone(UTC)
        return False

    def add(self, start: datetime, minutes: float) -> datetime:
        """The instant `minutes` of open time after `start`."""
        remaining = timedelta(minutes=minutes)
        for begin, end in self.intervals(start):
            if end - begin >= remaining:
                return begin + remaining
            remaining -= end - begin
        raise ScheduleError(f"no open time within {MAX_DAYS_AHEAD} days")

    def elapsed(self, start: datetime, end: datetime) -> timedelta:
        """Open time between two instants (for reports: first response in business time)."""
        total = timedelta()
        end = end.astimezone(UTC)
        for begin, finish in self.intervals(start):
            if begin >= end:
                break
            total += min(finish, end) - begin
        return total
