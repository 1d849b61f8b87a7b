"""The managers' report, computed with a fixed number of queries whatever the data size.

Read from the rollups (reports.rollups) for past days and today's closed hours that have
one, built from the live rows for the current hour and anything not rolled up yet: which days
and hours have rollups (one query), their rows (one), the channel and tag names (two), and,
when something is live, its conversations, tags, messages, events, SLA policies, business
hours and holidays (seven). Everything else is adding up slices in Python: a few hundred for
a 90-day range, whatever the number of conversations.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from inbox.models import Channel, Tag

from .figures import Row, ratio, with_bars
from .filters import ReportScope
from .rollups import Collected, add_counts, collect, histogram_percentiles, targets_counter

NONE_LABEL = "(none)"


@dataclass
class SlaFigures:
    met: int = 0
    missed: int = 0  # answered late, or unanswered past the due time
    pending: int = 0  # unanswered and not yet due
    without_policy: int = 0

    @property
    def attainment(self) -> float | None:
        return ratio(self.met, self.met + self.missed)


@dataclass
class DayTrend:
    """One day of the trend charts: wall-clock first response and SLA attainment."""

    day: date
    conversations: int = 0
    answered: int = 0
    median: timedelta | None = None
    p90: timedelta | None = None
    sla_met: int = 0
    sla_missed: int = 0

    @property
    def response_rate(self) -> float | None:
        return ratio(self.answered, self.conversations)

    @property
    def sla_attainment(self) -> float | None:
        return ratio(self.sla_met, self.sla_met + self.sla_missed)


@dataclass
class Volume:
    """Conversations per time bucket (an hour for a range of up to two days, else a day) and
    channel, and per weekday and hour for the heatmap. Buckets are in the site's time zone."""

    hourly: bool = False
    buckets: list = field(default_factory=list)  # dates, or aware datetimes when hourly
    channels: list[str] = field(default_factory=list)
    counts: dict = field(default_factory=dict)  # (bucket, channel label) -> conversations
    heatmap: list[list[int]] = field(default_factory=lambda: [[0] * 24 for _ in range(7)])

    def series(self) -> dict[str, list[int]]:
        return {
            label: [self.counts.get((b, label), 0) for b in self.buckets] for label in self.channels
        }


@dataclass
class Report:
    scope: ReportScope
    conversations: int = 0
    answered: int = 0
    first_response_median: timedelta | None = None
    first_response_p90: timedelta | None = None
    business_median: timedelta | None = None
    business_p90: timedelta | None = None
    sla: SlaFigures = field(default_factory=SlaFigures)
    by_channel: list[Row] = field(default_factory=list)
    by_tag: list[Row] = field(default_factory=list)
    by_day: list[Row] = field(default_factory=list)
    by_intent: list[Row] = field(default_factory=list)
    by_language: list[Row] = field(default_factory=list)
    trend: list[DayTrend] = field(default_factory=list)
    volume: Volume = field(default_factory=Volume)
    # The first response target most of the range's conversations were measured against.
    sla_target: timedelta | None = None

    @property
    def response_rate(self) -> float | None:
        return ratio(self.answered, self.conversations)


def report(scope: ReportScope, *, now=None, collected: Collected | None = None) -> Report:
    """Every figure of the report page and its CSV export."""
    collected = collected or collect(scope, now=now or timezone.now())
    slices = collected.slices
    result = Report(scope=scope)
    channel_names = dict(
        (pk, _channel_label(name, kind))
        for pk, name, kind in Channel.objects.filter(
            pk__in={s.channel_id for s in slices}
        ).values_list("pk", "name", "kind")
    )
    result.by_channel = _by_channel(slices, channel_names)
    result.conversations = sum(r.conversations for r in result.by_channel)
    result.answered = sum(r.answered for r in result.by_channel)
    result.by_tag = _by_tag(collected.tags)
    result.by_day = _by_day(slices, scope)
    result.volume = _volume(slices, scope, channel_names)
    result.by_intent, result.by_language = _by_intent_and_language(slices)
    business: dict = {}
    for s in slices:
        add_counts(business, s.business)
    result.business_median, result.business_p90 = histogram_percentiles(business, 0.5, 0.9)
    sla = result.sla
    for s in slices:
        sla.met += s.sla_met
        sla.missed += s.sla_missed
        sla.pending += s.sla_pending
        sla.without_policy += s.sla_without_policy
    result.trend, wall = _trend(slices, result.by_day)
    result.first_response_median, result.first_response_p90 = histogram_percentiles(wall, 0.5, 0.9)
    targets = targets_counter(slices)
    if targets:  # the most common; on a tie, the shorter
        target = min(targets, key=lambda minutes: (-targets[minutes], minutes))
        result.sla_target = timedelta(minutes=target)
    return result


def _by_channel(slices, names: dict[int, str]) -> list[Row]:
    totals: dict[int, list[int]] = {}
    for s in slices:
        pair = totals.setdefault(s.channel_id, [0, 0])
        pair[0] += s.conversations
        pair[1] += s.answered
    ordered = sorted(totals.items(), key=lambda kv: (-kv[1][0], names.get(kv[0], "")))
    return with_bars(
        [
            Row(key=str(pk), label=names.get(pk, "?"), conversations=n, answered=a)
            for pk, (n, a) in ordered
        ]
    )


def _by_tag(tags: dict[int, list[int]]) -> list[Row]:
    names = dict(Tag.objects.filter(pk__in=tags).values_list("pk", "name"))
    rows = [
        Row(key=names[pk], label=names[pk], conversations=n, answered=a)
        for pk, (n, a) in tags.items()
        if pk in names
    ]
    return with_bars(sorted(rows, key=lambda r: (-r.conversations, r.label)))


def _by_day(slices, scope: ReportScope) -> list[Row]:
    found: dict[date, list[int]] = {}
    for s in slices:
        pair = found.setdefault(s.day, [0, 0])
        pair[0] += s.conversations
        pair[1] += s.answered
    rows = []
    for day in scope.days:  # every day of the range, the quiet ones too
        n, a = found.get(day, (0, 0))
        rows.append(
            Row(key=day.isoformat(), label=day.strftime("%a %d %b"), conversations=n, answered=a)
        )
    return with_bars(rows)


def _channel_label(name: str, kind: str) -> str:
    return f"{name} ({kind})"


def _volume(slices, scope: ReportScope, names: dict[int, str]) -> Volume:
    zone = timezone.get_current_timezone()
    volume = Volume(hourly=len(scope.days) <= 2)
    if volume.hourly:
        volume.buckets = [
            timezone.localtime(scope.start + timedelta(hours=h), zone)
            for h in range(int((scope.end - scope.start).total_seconds() // 3600))
        ]
    else:
        volume.buckets = scope.days
    totals: Counter = Counter()
    for s in slices:
        label = names.get(s.channel_id, "?")
        weekday = s.day.weekday()
        for hour, n in enumerate(s.hours):
            if not n:
                continue
            if volume.hourly:
                bucket = timezone.make_aware(datetime.combine(s.day, time(hour)), zone)
            else:
                bucket = s.day
            volume.counts[(bucket, label)] = volume.counts.get((bucket, label), 0) + n
            volume.heatmap[weekday][hour] += n
            totals[label] += n
    volume.channels = [label for label, _ in sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))]
    return volume


def _by_intent_and_language(slices) -> tuple[list[Row], list[Row]]:
    intents: dict[str, list[int]] = {}
    languages: dict[str, list[int]] = {}
    for s in slices:
        for table, counts in ((intents, s.intents), (languages, s.languages)):
            for key, (n, a) in counts.items():
                total = table.setdefault(key, [0, 0])
                total[0] += n
                total[1] += a

    def rows(table):
        ordered = sorted(table.items(), key=lambda kv: (-kv[1][0], kv[0]))
        return with_bars(
            [
                Row(key=k, label=k or NONE_LABEL, conversations=n, answered=a)
                for k, (n, a) in ordered
            ]
        )

    return rows(intents), rows(languages)


def _trend(slices, by_day: list[Row]) -> tuple[list[DayTrend], dict]:
    """The daily trends, and the range's first response histogram (added up from the days')."""
    days = {
        row.key: DayTrend(
            day=date.fromisoformat(row.key), conversations=row.conversations, answered=row.answered
        )
        for row in by_day
    }
    wall: dict[str, dict] = {}
    for s in slices:
        trend = days.get(s.day.isoformat())
        if trend is None:
            continue
        trend.sla_met += s.sla_met
        trend.sla_missed += s.sla_missed
        add_counts(wall.setdefault(trend.day.isoformat(), {}), s.wall)
    whole: dict = {}
    for key, histogram in wall.items():
        days[key].median, days[key].p90 = histogram_percentiles(histogram, 0.5, 0.9)
        add_counts(whole, histogram)
    return list(days.values()), whole
