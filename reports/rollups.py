"""Daily rollups: the report's figures per day, channel, team, assignee and tag, kept so a
90-day report over a million conversations reads a few hundred rows instead of every
conversation and message.

A `Slice` holds one day's figures for one (channel, team, assignee) and either all their
conversations (tag None) or those with one tag, with every tag those conversations carry (the
by-tag table: under a tag filter it lists the other tags of the tagged conversations too).
`build` computes slices from the raw rows (conversations, their tags, messages and
close/reopen events, the SLA policies and calendars) with a fixed number of queries;
`store_day` saves a past day's slices as ReportRollup rows, `store_hour` one hour's of today;
`collect` gives a report's slices, read from the rollups that exist and built from the live
rows for the rest (the current hour, and anything not built yet), so both paths go through
the same code and give the same figures.

Percentiles. Medians and p90s cannot be added up across days, so each slice keeps a
histogram of first response times with fixed one-minute buckets (minutes, rounded down ->
conversations) rather than an exact sorted sample: histograms of any number of days and
slices merge by adding counts, and stay compact (a key per distinct minute, a few hundred
a day, whatever the volume), where exact samples would bring every conversation's duration
back to Python for a 90-day report. The price is a resolution of one minute: percentiles
are computed over the durations rounded down to the minute, interpolated as percentile_cont
does, which is exact for durations in whole minutes and at most a minute off otherwise.
Response targets are in minutes, and SLA attainment is counted from the exact times.

Today, by the hour. Until a day is over its closed hours are kept as hourly rollups (the
same slices, with `hour` set), so a report reads rollups plus at most the current hour live,
whatever the time of day; the hour just closed is read live too until the worker has built it
(within a minute). Hourly rather than one rollup of "the day so far" refreshed as hours
close: the worker builds again what a minute's messages and events touched, and on a busy
inbox that is every minute, in the hours whose conversations are being answered; an hour's
rollup cost 48 ms of CPU at 1M (460 conversations), a day's about 5 s (89 days in 492 s on
the loaded machine), which the day so far would cost every minute by evening. The page pays
23 more rows a channel for it and does not notice: 157 ms of CPU at the end of a day against
162 ms with no hour of today kept, 678 ms with the whole day live (bench/reports_bench.py). Hours are the site's
local hours: one that daylight saving skips is empty, one it repeats two hours long.

Freshness (`refresh`, every minute on the worker's upkeep queue, which an ingest backlog
cannot hold up): a day, or an hour of today, is built again when a message or audit event of
one of its conversations appears (replies, assignment, tags, spam, closing, reopening all
leave one), when one of its pending SLAs falls due; today's hours as they close, and
yesterday whole once it is over (its hours are dropped a day later). `manage.py
rebuild_report_rollups` builds any range of past days from scratch. A change that moves a
conversation to another day or hour (an earlier message arriving late) rebuilds the new one
only: an hour of today then counts it twice until the day is built whole after midnight.

Cost: a 90-day report reads a few hundred rows whatever the volume, plus the current hour's
live rows: at a million conversations in 90 days (11,000 a day) the end of a day took the
page 1.5 s to 6 s (by the machine's load) when today was read live whole, and 0.4 s now
(README "## Reports" has the figures).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Max, Q
from django.db.models.fields.json import KeyTextTransform
from django.utils import timezone

from inbox.models import AuditEvent, Conversation, ConversationState, Direction, Message
from rules.hours import Calendar
from rules.models import BusinessHours, Holiday, SlaPolicy
from rules.sla import ALWAYS_OPEN, most_specific_policy

from .figures import interpolate
from .models import ReportRollup, RollupDay, RollupProgress

TEAM = "team:"  # the people figures' entry for the conversation's team: "team:<id>"
REOPEN_VERBS = ("reopened", ConversationState.OPEN)
# Changes younger than this are looked at again next time: a transaction still open when
# the worker looked may commit a lower id later.
SETTLE = timedelta(minutes=2)
# Past days the worker checks for a missing rollup; older history is the command's job.
RECENT_DAYS = 7


def minutes(duration: timedelta) -> int:
    return int(duration.total_seconds() // 60)


def add_counts(into: dict, counts: dict) -> None:
    for key, n in counts.items():
        into[key] = into.get(key, 0) + n


def histogram_percentiles(histogram: dict, *fractions: float) -> list[timedelta | None]:
    """percentile_cont at each fraction over a {minutes: count} histogram (keys may be str, as
    from JSON), sorting it once."""
    ordered = sorted((int(k), n) for k, n in histogram.items() if n)
    total = sum(n for _, n in ordered)
    if not total:
        return [None] * len(fractions)
    found: list[timedelta | None] = []
    for fraction in fractions:
        position = fraction * (total - 1)
        lower_rank = int(position)
        upper_rank = min(lower_rank + 1, total - 1)
        low = high = None
        seen = 0
        for value, n in ordered:
            if low is None and lower_rank < seen + n:
                low = value
            if upper_rank < seen + n:
                high = value
                break
            seen += n
        assert low is not None and high is not None  # ranks are below total: both found
        found.append(
            interpolate(timedelta(minutes=low), timedelta(minutes=high), position - lower_rank)
        )
    return found


def histogram_percentile(histogram: dict, fraction: float) -> timedelta | None:
    return histogram_percentiles(histogram, fraction)[0]


def _new_person() -> dict:
    return {"replies": 0, "handled": 0, "first": {}, "next": {}, "closed": 0, "reopened": 0}


def add_people(into: dict, people: dict) -> None:
    for key, figures in people.items():
        mine = into.setdefault(key, _new_person())
        for name in ("replies", "handled", "closed", "reopened"):
            mine[name] += figures[name]
        add_counts(mine["first"], figures["first"])
        add_counts(mine["next"], figures["next"])


@dataclass
class Slice:
    day: date
    channel_id: int
    team_id: int | None
    assignee_id: int | None
    tag_id: int | None
    detail: bool = True  # per team and assignee; False: the channel's whole day
    hour: int | None = None  # kept for one hour of the day (today's), or None: the whole day
    conversations: int = 0
    answered: int = 0
    hours: list[int] = field(default_factory=lambda: [0] * 24)
    intents: dict = field(default_factory=dict)
    languages: dict = field(default_factory=dict)
    wall: dict = field(default_factory=dict)
    business: dict = field(default_factory=dict)
    sla_met: int = 0
    sla_missed: int = 0
    sla_pending: int = 0
    sla_without_policy: int = 0
    targets: dict = field(default_factory=dict)
    people: dict = field(default_factory=dict)
    # Every tag its conversations carry: the by-tag table, under a tag filter too.
    tags: dict = field(default_factory=dict)

    FIELDS = (
        "conversations answered hours intents languages wall business sla_met sla_missed "
        "sla_pending sla_without_policy targets people tags"
    ).split()

    @classmethod
    def from_row(cls, row: ReportRollup) -> Slice:
        return cls(
            day=row.day,
            channel_id=row.channel_id,
            team_id=row.team_id,
            assignee_id=row.assignee_id,
            tag_id=row.tag_id,
            detail=row.detail,
            hour=row.hour,
            **{name: getattr(row, name) for name in cls.FIELDS},
        )

    def as_row(self) -> ReportRollup:
        return ReportRollup(
            day=self.day,
            channel_id=self.channel_id,
            team_id=self.team_id,
            assignee_id=self.assignee_id,
            tag_id=self.tag_id,
            detail=self.detail,
            hour=self.hour,
            **{name: getattr(self, name) for name in self.FIELDS},
        )


@dataclass
class _Measured:
    """One conversation's part of the figures."""

    day: date
    hour: int
    answered: bool
    intent: str
    language: str
    wall: int | None
    business: int | None
    sla: str  # "met", "missed", "pending" or "" without a policy
    due: datetime | None
    target: int | None
    people: dict
    tags: tuple[int, ...]


def _add(s: Slice, m: _Measured) -> None:
    s.conversations += 1
    s.answered += m.answered
    s.hours[m.hour] += 1
    for table, key in ((s.intents, m.intent), (s.languages, m.language)):
        pair = table.setdefault(key, [0, 0])
        pair[0] += 1
        pair[1] += m.answered
    if m.wall is not None:
        s.wall[str(m.wall)] = s.wall.get(str(m.wall), 0) + 1
    if m.business is not None:
        s.business[str(m.business)] = s.business.get(str(m.business), 0) + 1
    if m.sla == "met":
        s.sla_met += 1
    elif m.sla == "missed":
        s.sla_missed += 1
    elif m.sla == "pending":
        s.sla_pending += 1
    else:
        s.sla_without_policy += 1
    if m.target is not None:
        s.targets[str(m.target)] = s.targets.get(str(m.target), 0) + 1
    add_people(s.people, m.people)
    for tag_id in m.tags:
        pair = s.tags.setdefault(str(tag_id), [0, 0])
        pair[0] += 1
        pair[1] += m.answered


def calendars() -> tuple[dict[int, Calendar], dict[int, Calendar], Calendar]:
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


def _people(conversations_q: Q) -> dict[int, dict]:
    """Per conversation: {agent id, or TEAM + team id: figures} (reports.people: the rules)."""
    found: dict[int, dict] = {}
    messages: Iterable[tuple[Any, ...]] = (
        Message.objects.filter(conversations_q)
        .exclude(platform_timestamp=None)
        .order_by("conversation_id", "platform_timestamp", "id")
        .values_list(
            "conversation_id",
            "conversation__team_id",
            "direction",
            "author_agent_id",
            "is_automatic",
            "platform_timestamp",
        )
    )
    handled: set[object] = set()
    current, waiting_since, answered = None, None, False

    def entries(conversation_id, agent_id, team_id):
        people = found.setdefault(conversation_id, {})
        keys = [str(agent_id)] if agent_id is not None else []
        keys += [f"{TEAM}{team_id}"] if team_id else []
        return [people.setdefault(key, _new_person()) for key in keys]

    for conversation_id, team_id, direction, agent_id, automatic, at in messages:
        if conversation_id != current:
            current, waiting_since, answered, handled = conversation_id, None, False, set()
        if direction == Direction.INBOUND:
            waiting_since = waiting_since or at
            continue
        if automatic or agent_id is None:
            continue
        for key, figures in zip(
            (agent_id, f"{TEAM}{team_id}" if team_id else None),
            entries(conversation_id, agent_id, team_id),
            strict=False,
        ):
            figures["replies"] += 1
            if key not in handled:
                handled.add(key)
                figures["handled"] += 1
            if waiting_since is not None:
                times = figures["next" if answered else "first"]
                wait = str(minutes(at - waiting_since))
                times[wait] = times.get(wait, 0) + 1
        if waiting_since is not None:
            answered = True
        waiting_since = None

    events = (
        AuditEvent.objects.filter(
            conversations_q, verb__in=[ConversationState.CLOSED, *REOPEN_VERBS]
        )
        .order_by("conversation_id", "created_at", "id")
        # Only the key asked of it, as text: decoding each event's whole JSON was a tenth
        # of a live day's time at 1M.
        .annotate(from_state=KeyTextTransform("from_state", "data"))
        .values_list("conversation_id", "conversation__team_id", "verb", "actor_id", "from_state")
    )
    current, closed_by = None, None
    for conversation_id, team_id, verb, actor_id, from_state in events:
        if conversation_id != current:
            current, closed_by = conversation_id, None
        if verb == ConversationState.CLOSED:
            closed_by = (actor_id, team_id)
            for figures in entries(conversation_id, *closed_by):
                figures["closed"] += 1
        elif closed_by is not None and (verb == "reopened" or from_state == "closed"):
            for figures in entries(conversation_id, *closed_by):
                figures["reopened"] += 1
            closed_by = None
    return found


def build(
    where,
    *,
    now: datetime,
    next_due: dict | None = None,
    levels: tuple[bool, ...] = (True, False),
    tag_ids: tuple[int | None, ...] | None = None,
) -> list[Slice]:
    """The slices of the conversations matching `where(prefix)`, a Q on the conversation's
    fields with that prefix (a ReportScope's conversations_q, or day_q): seven queries
    whatever their number. The tags, messages and events are joined to their conversation,
    not asked for by a list of ids, so each is a walk along the first inbound index.
    `next_due`, if given, is filled with the earliest due time of a pending SLA per day.

    `levels`: detail slices (per team and assignee, for a report filtered by either) and/or
    total ones (per channel: a sixth of the rows to add up for the usual, unfiltered report).
    `tag_ids`: only the slices of these tags (None: of all the conversations), as a report
    reads them; by default every tag's, as rollups keep them."""
    zone = timezone.get_current_timezone()
    conversations = Conversation.objects.filter(where(""))
    # Any: the stubs type first_inbound_at as optional; the report's scope requires it.
    rows: list[tuple[Any, ...]] = list(
        conversations.values_list(
            "id",
            "channel_id",
            "team_id",
            "assignee_id",
            "kind",
            "channel__kind",
            "intent",
            "language",
            "first_inbound_at",
            "first_response_at",
        )
    )
    if not rows:
        return []
    prefixed = where("conversation__")
    tags: dict[int, list[int]] = {}
    # By the ids in hand: joined to the conversations instead, PostgreSQL scans the whole
    # tag table in parallel (130 ms at 1M) rather than walking its conversation index.
    through = Conversation.tags.through.objects.filter(conversation_id__in=[r[0] for r in rows])
    for conversation_id, tag in through.values_list("conversation_id", "tag_id"):
        tags.setdefault(conversation_id, []).append(tag)
    people = _people(prefixed)
    policies = list(SlaPolicy.objects.filter(enabled=True))
    by_id, by_team, default = calendars()
    slices: dict[tuple, Slice] = {}
    for (
        pk,
        channel_id,
        team_id,
        assignee_id,
        kind,
        channel_kind,
        intent,
        language,
        first_inbound,
        first_response,
    ) in rows:
        local = timezone.localtime(first_inbound, zone)
        team_calendar = by_team.get(team_id, default)
        policy = most_specific_policy(policies, channel_kind=channel_kind, conversation_kind=kind)
        if policy is None:
            calendar = team_calendar
        elif not policy.business_time:
            calendar = ALWAYS_OPEN
        else:
            hours_id = policy.business_hours_id
            calendar = by_id.get(hours_id, team_calendar) if hours_id else team_calendar
        elapsed = calendar.elapsed(first_inbound, first_response) if first_response else None
        sla, due = "", None
        if policy is not None:
            target = timedelta(minutes=policy.first_response_minutes)
            if elapsed is not None:
                sla = "met" if elapsed <= target else "missed"
            else:
                due = calendar.add(first_inbound, policy.first_response_minutes)
                sla = "missed" if due <= now else "pending"
        measured = _Measured(
            day=local.date(),
            hour=local.hour,
            answered=first_response is not None,
            intent=intent or "",
            language=language or "",
            wall=minutes(first_response - first_inbound) if first_response else None,
            business=minutes(elapsed) if elapsed is not None else None,
            sla=sla,
            due=due if sla == "pending" else None,
            target=policy.first_response_minutes if policy else None,
            people=people.get(pk, {}),
            tags=tuple(tags.get(pk, ())),
        )
        for detail in levels:
            team, assignee = (team_id, assignee_id) if detail else (None, None)
            for tag_id in (None, *measured.tags):
                if tag_ids is not None and tag_id not in tag_ids:
                    continue
                key = (measured.day, channel_id, team, assignee, tag_id, detail)
                found = slices.get(key)
                if found is None:
                    found = slices[key] = Slice(*key)
                _add(found, measured)
        if measured.due is not None and next_due is not None:
            earliest = next_due.get(measured.day)
            next_due[measured.day] = min(earliest, measured.due) if earliest else measured.due
    return list(slices.values())


def hour_start(day: date, hour: int) -> datetime:
    """When a local hour of the day starts (hour 24: the next midnight). An hour that daylight
    saving skips is empty and one it repeats two hours long, so every conversation falls in
    the hour of its local time, the one its slice counts it in."""
    zone = timezone.get_current_timezone()
    return timezone.make_aware(
        datetime.combine(day + timedelta(days=hour // 24), time(hour % 24)), zone
    )


def day_range(day: date) -> tuple[datetime, datetime]:
    return hour_start(day, 0), hour_start(day, 24)


def unit_range(day: date, hour: int | None) -> tuple[datetime, datetime]:
    """The time a rollup covers: its day, or one hour of it."""
    return day_range(day) if hour is None else (hour_start(day, hour), hour_start(day, hour + 1))


def _range_q(start: datetime, end: datetime, prefix: str = "") -> Q:
    return Q(
        **{
            f"{prefix}first_inbound_at__gte": start,
            f"{prefix}first_inbound_at__lt": end,
            f"{prefix}is_spam": False,
        }
    )


def day_q(day: date, prefix: str = "") -> Q:
    return _range_q(*day_range(day), prefix)


def store_day(day: date, *, now: datetime | None = None) -> int:
    """Build one past day's rollup from the raw rows and replace what was kept; returns
    the number of rows kept."""
    return _store(day, None, now=now or timezone.now())


def store_hour(day: date, hour: int, *, now: datetime | None = None) -> int:
    """Build one closed hour's rollup (of today, until the whole day is built)."""
    return _store(day, hour, now=now or timezone.now())


def _store(day: date, hour: int | None, *, now: datetime) -> int:
    start, end = unit_range(day, hour)
    due: dict[date, datetime] = {}
    slices = build(lambda prefix: _range_q(start, end, prefix), now=now, next_due=due)
    for s in slices:
        s.hour = hour
    with transaction.atomic():
        marker, _ = RollupDay.objects.select_for_update().get_or_create(
            day=day, hour=hour, defaults={"built_at": now}
        )
        # A whole day's rows leave its hours' rows be: a report that read the hour markers a
        # moment ago still finds their rows (refresh drops them a day later).
        ReportRollup.objects.filter(day=day, hour=hour).delete()  # hour None: IS NULL
        if hour is None:
            # Its hours are not read any more: their SLAs falling due must not build it again.
            RollupDay.objects.filter(day=day, hour__isnull=False).update(next_due=None)
        ReportRollup.objects.bulk_create([s.as_row() for s in slices], batch_size=500)
        marker.built_at = now
        marker.next_due = due.get(day)
        marker.save(update_fields=["built_at", "next_due"])
    return len(slices)


Unit = tuple[date, int | None]  # a rollup: (day, None) or (day, hour)


def refresh(now: datetime | None = None) -> list[Unit]:
    """The worker's minute: build again the rollups whose figures may have changed, and
    today's hours just closed. Returns what it built, (day, None) or (day, hour)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    progress = RollupProgress.objects.first()
    if progress is None:
        # The first run: history is the command's job; from here on, watch for changes.
        progress = RollupProgress.objects.create(
            message_id=Message.objects.aggregate(n=Max("id"))["n"] or 0,
            event_id=AuditEvent.objects.aggregate(n=Max("id"))["n"] or 0,
        )
    units: set[Unit] = set()
    settled = now - SETTLE
    watermarks = {}
    for name, model, stamp in (
        ("message_id", Message, "created_at"),
        ("event_id", AuditEvent, "created_at"),
    ):
        since = getattr(progress, name)
        mark = since
        changed = model.objects.filter(id__gt=since, conversation__isnull=False).values_list(
            "id", stamp, "conversation__first_inbound_at"
        )
        for pk, created, first_inbound in changed.iterator(chunk_size=2000):
            if first_inbound is not None:
                local = timezone.localtime(first_inbound)
                units.add((local.date(), local.hour))
            if created <= settled and pk > mark:
                mark = pk
        watermarks[name] = mark
    units |= set(RollupDay.objects.filter(next_due__lte=now).values_list("day", "hour"))
    recent = {today - timedelta(days=n) for n in range(1, RECENT_DAYS + 1)}
    kept = set(RollupDay.objects.filter(day__in=recent, hour=None).values_list("day", flat=True))
    units |= {(day, None) for day in recent - kept}
    closed = [h for h in range(24) if hour_start(today, h + 1) <= now]
    kept_hours = set(
        RollupDay.objects.filter(day=today, hour__isnull=False).values_list("hour", flat=True)
    )
    units |= {(today, h) for h in closed if h not in kept_hours}
    # A past day is built whole, whichever of its hours changed; today's current hour is
    # read live, and so are later ones (a clock running ahead).
    wanted: set[Unit] = {(day, None) for day, _ in units if day < today}
    wanted |= {(day, h) for day, h in units if day == today and h in closed}
    built = sorted(wanted, key=lambda u: (u[0], -1 if u[1] is None else u[1]))
    for day, hour in built:
        _store(day, hour, now=now)
    # Hours of days rolled up whole since yesterday at the latest: no report reads them now.
    gone = [today - timedelta(days=n) for n in range(2, RECENT_DAYS + 2)]
    ReportRollup.objects.filter(day__in=gone, hour__isnull=False).delete()
    RollupDay.objects.filter(day__in=gone, hour__isnull=False).delete()
    RollupProgress.objects.filter(pk=progress.pk).update(**watermarks)
    return built


@dataclass
class Collected:
    slices: list[Slice]  # the scope's conversations (of the tag, with a tag filter)
    tags: dict[int, list[int]]  # tag id -> [conversations, answered], for the by-tag table


def collect(scope, *, now: datetime | None = None) -> Collected:
    """A report's slices: kept rollups for past days, and for today's closed hours, that have
    them; built from the live rows for the rest (today's current hour, and any day or hour
    not rolled up yet). Two queries, and build's seven when something is live.

    The by-tag table adds up the tags the slices' conversations carry: every tag of the
    tagged conversations under a tag filter, not that tag alone."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    whole: set[date] = set()
    hours: dict[date, set[int]] = {}
    markers = RollupDay.objects.filter(day__in=[d for d in scope.days if d <= today])
    for day, hour in markers.values_list("day", "hour"):
        if hour is None and day < today:
            whole.add(day)
        elif hour is not None:
            hours.setdefault(day, set()).add(hour)
    kept = Q(day__in=whole, hour=None)
    for day, marked in hours.items():
        if day not in whole:
            kept |= Q(day=day, hour__in=marked)
    detail = scope.team is not None or scope.agent is not None
    rows = ReportRollup.objects.filter(kept, detail=detail)
    if scope.channel is not None:
        rows = rows.filter(channel=scope.channel)
    if scope.team is not None:
        rows = rows.filter(team_id=scope.team.pk)
    if scope.agent is not None:
        rows = rows.filter(assignee_id=scope.agent.pk)
    tag_id = scope.tag.pk if scope.tag is not None else None
    slices = [Slice.from_row(r) for r in rows.filter(tag_id=tag_id)]  # None: IS NULL
    live = [
        unit_range(day, hour)
        for day in scope.days
        if day not in whole
        for hour in range(24)
        if hour not in hours.get(day, ())
    ]
    if live:

        def where(prefix):
            return scope.conversations_q(prefix) & _periods_q(live, prefix)

        slices += build(where, now=now, levels=(detail,), tag_ids=(tag_id,))
    tags: dict[int, list[int]] = {}
    for s in slices:
        for tag, (n, a) in s.tags.items():
            pair = tags.setdefault(int(tag), [0, 0])
            pair[0] += n
            pair[1] += a
    return Collected(slices=slices, tags=tags)


def _periods_q(periods: list[tuple[datetime, datetime]], prefix: str = "") -> Q:
    """First customer message in one of the [start, end) periods (given in order), the
    adjacent ones joined: as few ranges as can be."""
    joined: list[list[datetime]] = []
    for start, end in periods:
        if joined and joined[-1][1] == start:
            joined[-1][1] = end
        else:
            joined.append([start, end])
    q = Q(**{f"{prefix}pk__in": []})
    for start, end in joined:
        q |= Q(**{f"{prefix}first_inbound_at__gte": start, f"{prefix}first_inbound_at__lt": end})
    return q


def targets_counter(slices: list[Slice]) -> Counter:
    found: Counter = Counter()
    for s in slices:
        for minutes_, n in s.targets.items():
            found[int(minutes_)] += n
    return found
