"""The managers' report, computed with a fixed number of queries whatever the data size.

Queries (always the same 10): volume by channel, by tag, by day, by hour and channel (the
volume chart and the busiest-hours heatmap), by intent and language (one grouped query for
both), the wall-clock first response percentiles, the rows for business time and SLA (which
also give the daily trends), the SLA policies, the business hours and their holidays.

Counting and grouping is done by the database. Two things are not:
- Percentiles: PostgreSQL computes them (percentile_cont); SQLite has no percentile
  aggregate, so there one query returns the sorted durations and `figures.percentile`
  interpolates exactly as percentile_cont does.
- Business time and SLA attainment: open hours, holidays and time zones (rules/hours.py)
  cannot be expressed in SQL portably, so one query returns each conversation's first
  inbound, first answer, kinds and team, and the calendars (loaded once) measure them.
  That is a loop over the range's conversations, but never a query per conversation.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db import connection
from django.db.models import Aggregate, Count, DurationField, ExpressionWrapper, F, Q
from django.db.models.functions import TruncDate, TruncHour
from django.utils import timezone

from inbox.models import Conversation
from rules.hours import Calendar
from rules.models import BusinessHours, Holiday, SlaPolicy
from rules.sla import ALWAYS_OPEN, most_specific_policy

from .figures import Row, percentile, ratio, with_bars
from .filters import ReportScope

ANSWERED = Q(first_response_at__isnull=False)
NONE_LABEL = "(none)"


class PercentileCont(Aggregate):
    """PostgreSQL's ordered-set aggregate percentile_cont(fraction) WITHIN GROUP (ORDER BY x)."""

    function = "percentile_cont"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"

    def __init__(self, expression, *, fraction: float, **extra):
        super().__init__(expression, fraction=float(fraction), **extra)


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


def _counts(**group) -> dict:
    return {"conversations": Count("id"), "answered": Count("id", filter=ANSWERED), **group}


def _duration():
    return ExpressionWrapper(
        F("first_response_at") - F("first_inbound_at"), output_field=DurationField()
    )


def report(scope: ReportScope, *, now=None) -> Report:
    """Every figure of the report page and its CSV export."""
    conversations = Conversation.objects.filter(scope.conversations_q())
    result = Report(scope=scope)
    result.by_channel = _by_channel(conversations)
    result.conversations = sum(r.conversations for r in result.by_channel)
    result.answered = sum(r.answered for r in result.by_channel)
    result.by_tag = _by_tag(scope)
    result.by_day = _by_day(conversations, scope)
    result.volume = _volume(conversations, scope)
    result.by_intent, result.by_language = _by_intent_and_language(conversations)
    result.first_response_median, result.first_response_p90 = _wall_clock_percentiles(
        conversations.filter(ANSWERED)
    )
    _business_and_sla(conversations, result, now=now or timezone.now())
    return result


def _by_channel(conversations) -> list[Row]:
    grouped = (
        conversations.values("channel_id", "channel__name", "channel__kind")
        .annotate(**_counts())
        .order_by("-conversations", "channel__name")
    )
    return with_bars(
        [
            Row(
                key=str(g["channel_id"]),
                label=_channel_label(g["channel__name"], g["channel__kind"]),
                conversations=g["conversations"],
                answered=g["answered"],
            )
            for g in grouped
        ]
    )


def _by_tag(scope: ReportScope) -> list[Row]:
    through = Conversation.tags.through.objects.filter(scope.conversations_q("conversation__"))
    grouped = (
        through.values("tag__name")
        .annotate(
            conversations=Count("conversation_id"),
            answered=Count(
                "conversation_id", filter=Q(conversation__first_response_at__isnull=False)
            ),
        )
        .order_by("-conversations", "tag__name")
    )
    return with_bars(
        [
            Row(
                key=g["tag__name"],
                label=g["tag__name"],
                conversations=g["conversations"],
                answered=g["answered"],
            )
            for g in grouped
        ]
    )


def _by_day(conversations, scope: ReportScope) -> list[Row]:
    grouped = (
        conversations.annotate(
            day=TruncDate("first_inbound_at", tzinfo=timezone.get_current_timezone())
        )
        .values("day")
        .annotate(**_counts())
        .order_by("day")
    )
    found = {g["day"]: g for g in grouped}
    rows = []
    for day in scope.days:  # every day of the range, the quiet ones too
        g = found.get(day, {"conversations": 0, "answered": 0})
        rows.append(
            Row(
                key=day.isoformat(),
                label=day.strftime("%a %d %b"),
                conversations=g["conversations"],
                answered=g["answered"],
            )
        )
    return with_bars(rows)


def _channel_label(name: str, kind: str) -> str:
    return f"{name} ({kind})"


def _volume(conversations, scope: ReportScope) -> Volume:
    zone = timezone.get_current_timezone()
    grouped = (
        conversations.annotate(hour=TruncHour("first_inbound_at", tzinfo=zone))
        .values("hour", "channel__name", "channel__kind")
        .annotate(n=Count("id"))
        .order_by()
    )
    volume = Volume(hourly=len(scope.days) <= 2)
    if volume.hourly:
        volume.buckets = [
            timezone.localtime(scope.start + timedelta(hours=h), zone)
            for h in range(int((scope.end - scope.start).total_seconds() // 3600))
        ]
    else:
        volume.buckets = scope.days
    totals: Counter = Counter()
    for g in grouped:
        hour = timezone.localtime(g["hour"], zone)
        label = _channel_label(g["channel__name"], g["channel__kind"])
        bucket = hour if volume.hourly else hour.date()
        volume.counts[(bucket, label)] = volume.counts.get((bucket, label), 0) + g["n"]
        volume.heatmap[hour.weekday()][hour.hour] += g["n"]
        totals[label] += g["n"]
    volume.channels = [label for label, _ in sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))]
    return volume


def _by_intent_and_language(conversations) -> tuple[list[Row], list[Row]]:
    grouped = conversations.values("intent", "language").annotate(**_counts()).order_by()
    intents: dict[str, list[int]] = {}
    languages: dict[str, list[int]] = {}
    for g in grouped:
        for table, key in ((intents, g["intent"]), (languages, g["language"])):
            total = table.setdefault(key or "", [0, 0])
            total[0] += g["conversations"]
            total[1] += g["answered"]

    def rows(table):
        ordered = sorted(table.items(), key=lambda kv: (-kv[1][0], kv[0]))
        return with_bars(
            [
                Row(key=k, label=k or NONE_LABEL, conversations=n, answered=a)
                for k, (n, a) in ordered
            ]
        )

    return rows(intents), rows(languages)


def _wall_clock_percentiles(answered) -> tuple[timedelta | None, timedelta | None]:
    if connection.vendor == "postgresql":
        figures = answered.aggregate(
            median=PercentileCont(_duration(), fraction=0.5, output_field=DurationField()),
            p90=PercentileCont(_duration(), fraction=0.9, output_field=DurationField()),
        )
        return figures["median"], figures["p90"]
    durations = list(
        answered.annotate(duration=_duration())
        .order_by("duration")
        .values_list("duration", flat=True)
    )
    return percentile(durations, 0.5), percentile(durations, 0.9)


def _calendars() -> tuple[dict[int, Calendar], dict[int, Calendar], Calendar]:
    """(calendar by business hours id, calendar by team id, the default calendar)."""
    by_id, by_team, default = {}, {}, None
    holidays: dict[int, set] = {}
    # Two plain queries rather than prefetch_related, which skips its query when there are
    # no business hours: the count stays the same in every configuration.
    for hours_id, day in Holiday.objects.values_list("business_hours_id", "date"):
        holidays.setdefault(hours_id, set()).add(day)
    for hours in BusinessHours.objects.order_by("id"):
        calendar = Calendar(
            timezone=hours.timezone,
            schedule=hours.schedule,
            holidays=frozenset(holidays.get(hours.pk, ())),
        )
        by_id[hours.pk] = calendar
        if hours.team_id:
            by_team[hours.team_id] = calendar
        elif default is None:
            default = calendar
    return by_id, by_team, default or ALWAYS_OPEN


def _business_and_sla(conversations, result: Report, *, now) -> None:
    """Business-time first response and SLA attainment, as rules/sla.py measures them."""
    policies = list(SlaPolicy.objects.filter(enabled=True))
    by_id, by_team, default = _calendars()
    rows = conversations.values_list(
        "first_inbound_at", "first_response_at", "kind", "channel__kind", "team_id"
    )
    business: list[timedelta] = []
    sla = result.sla
    zone = timezone.get_current_timezone()
    days = {
        row.key: DayTrend(
            day=date.fromisoformat(row.key), conversations=row.conversations, answered=row.answered
        )
        for row in result.by_day
    }
    wall_clock: dict[date, list[timedelta]] = {}
    targets: Counter = Counter()
    for first_inbound, first_response, kind, channel_kind, team_id in rows.iterator():
        day = timezone.localtime(first_inbound, zone).date()
        trend = days.get(day.isoformat()) or DayTrend(day=day)
        if first_response is not None:
            wall_clock.setdefault(day, []).append(first_response - first_inbound)
        team_calendar = by_team.get(team_id, default)
        policy = most_specific_policy(policies, channel_kind=channel_kind, conversation_kind=kind)
        if policy is None:
            calendar = team_calendar
        elif not policy.business_time:
            calendar = ALWAYS_OPEN
        else:
            calendar = by_id.get(policy.business_hours_id, team_calendar)
        elapsed = calendar.elapsed(first_inbound, first_response) if first_response else None
        if elapsed is not None:
            business.append(elapsed)
        if policy is None:
            sla.without_policy += 1
            continue
        targets[policy.first_response_minutes] += 1
        if elapsed is not None:
            met = elapsed <= timedelta(minutes=policy.first_response_minutes)
        elif calendar.add(first_inbound, policy.first_response_minutes) <= now:
            met = False
        else:
            sla.pending += 1
            continue
        sla.met += met
        sla.missed += not met
        trend.sla_met += met
        trend.sla_missed += not met
    for day, durations in wall_clock.items():
        trend = days.get(day.isoformat())
        if trend is not None:
            durations.sort()
            trend.median, trend.p90 = percentile(durations, 0.5), percentile(durations, 0.9)
    result.trend = list(days.values())
    if targets:
        result.sla_target = timedelta(minutes=targets.most_common(1)[0][0])
    business.sort()
    result.business_median = percentile(business, 0.5)
    result.business_p90 = percentile(business, 0.9)
