"""Every chart of the report as a table of its data, with the chart drawn from that table.

The page shows each chart with its table behind it (for screen readers, print and anyone
who wants the numbers) and a CSV link; the CSV export writes the same rows. One source for
all three, so they cannot disagree.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from django.utils.safestring import SafeString

from . import charts
from .selectors import Report

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
HOURS = [f"{h:02d}" for h in range(24)]


@dataclass
class Table:
    slug: str  # the CSV file's name and the element ids
    title: str
    header: list[str]
    rows: list[list] = field(default_factory=list)  # ints, floats (shares), timedeltas, text
    chart: SafeString | None = None
    note: str = ""


def _minutes(value: float) -> str:
    if value < 60:
        return f"{value:.0f} min"
    if value < 2880:
        return f"{round(value / 60, 1):g} h"
    return f"{round(value / 1440, 1):g} d"


def _in_minutes(value: timedelta | None) -> float | None:
    return None if value is None else value.total_seconds() / 60


def volume(report: Report) -> Table:
    v = report.volume
    labels = [b.strftime("%a %H:%M") if v.hourly else b.strftime("%d %b") for b in v.buckets]
    series = v.series()
    table = Table(
        slug="volume",
        title="Volume by channel, per " + ("hour" if v.hourly else "day"),
        header=["Period", *v.channels, "Total"],
    )
    for i, label in enumerate(labels):
        counts = [series[c][i] for c in v.channels]
        table.rows.append([label, *counts, sum(counts)])
    table.chart = charts.stacked_bars("chart-volume", table.title, labels, series)
    return table


def first_response_trend(report: Report) -> Table:
    target = report.sla_target
    table = Table(
        slug="first-response-trend",
        title="First response time (wall clock)",
        header=["Day", "Median", "90th percentile", "Answered"],
        note="Against the SLA target most conversations in the range have."
        if target
        else "No SLA policy applies, so there is no target line.",
    )
    for day in report.trend:
        table.rows.append([day.day.isoformat(), day.median, day.p90, day.answered])
    labels = [d.day.strftime("%d %b") for d in report.trend]
    table.chart = charts.lines(
        "chart-first-response",
        table.title,
        labels,
        {
            "Median": [_in_minutes(d.median) for d in report.trend],
            "90th percentile": [_in_minutes(d.p90) for d in report.trend],
        },
        fmt=_minutes,
        target=_in_minutes(target),
        steps=charts.MINUTE_STEPS,
        target_label=f"SLA target {_minutes(target.total_seconds() / 60)}" if target else "",
    )
    return table


def _share_chart(chart_id: str, title: str, labels, name: str, values) -> SafeString:
    return charts.lines(
        chart_id,
        title,
        labels,
        {name: [None if v is None else v * 100 for v in values]},
        fmt=lambda v: f"{v:.0f} %",
        top=100,
    )


def sla_trend(report: Report) -> Table:
    table = Table(
        slug="sla-trend",
        title="SLA attainment (first response)",
        header=["Day", "Met", "Missed", "Attainment"],
        note="Not yet due and conversations without a policy are left out.",
    )
    for day in report.trend:
        table.rows.append([day.day.isoformat(), day.sla_met, day.sla_missed, day.sla_attainment])
    table.chart = _share_chart(
        "chart-sla",
        table.title,
        [d.day.strftime("%d %b") for d in report.trend],
        "Attainment",
        [d.sla_attainment for d in report.trend],
    )
    return table


def response_rate_trend(report: Report) -> Table:
    table = Table(
        slug="response-rate-trend",
        title="Response rate",
        header=["Day", "Conversations", "Answered", "Response rate"],
    )
    for day in report.trend:
        table.rows.append([day.day.isoformat(), day.conversations, day.answered, day.response_rate])
    table.chart = _share_chart(
        "chart-response-rate",
        table.title,
        [d.day.strftime("%d %b") for d in report.trend],
        "Response rate",
        [d.response_rate for d in report.trend],
    )
    return table


def busiest_hours(report: Report) -> Table:
    grid = report.volume.heatmap
    table = Table(
        slug="busiest-hours",
        title="Busiest hours (new conversations)",
        header=["Weekday", *HOURS],
        note="Summed over the range, by weekday and hour of the site's time zone.",
    )
    for name, row in zip(WEEKDAYS, grid, strict=True):
        table.rows.append([name, *row])
    table.chart = charts.heatmap("chart-busiest-hours", table.title, WEEKDAYS, HOURS, grid)
    return table


CHARTS = (volume, first_response_trend, sla_trend, response_rate_trend, busiest_hours)


def chart_tables(report: Report) -> list[Table]:
    return [build(report) for build in CHARTS]


def people_table(slug: str, title: str, rows) -> Table:
    """The agents' or teams' leaderboard, in the order given."""
    from .people import COLUMNS

    table = Table(slug=slug, title=title, header=["Name", *(h for _, h, _ in COLUMNS)])
    for row in rows:
        table.rows.append([row.name, *(getattr(row, key) for key, _, _ in COLUMNS)])
    return table


def responsiveness_table(rows) -> Table:
    table = Table(
        slug="responsiveness",
        title="Responsiveness, last 7 days",
        header=[
            "Channel",
            "Measured against",
            "Within",
            "Answered in time",
            "Counted",
            "Share in time",
            "Median response",
            "Met",
            "More needed",
        ],
    )
    for r in rows:
        table.rows.append(
            [
                r.channel.name,
                r.goal.name,
                r.goal.within,
                r.in_time,
                r.counted,
                r.share,
                r.median,
                "yes" if r.met else "no",
                r.more_needed,
            ]
        )
    return table


def storms_table(storms) -> Table:
    table = Table(
        slug="storms",
        title="Storms on posts",
        header=[
            "Started",
            "Channel",
            "Post",
            "Why",
            "Peak comments per 10 min",
            "Usual per 10 min",
            "Ended",
        ],
    )
    for s in storms:
        table.rows.append(
            [
                s.started_at.isoformat(timespec="minutes"),
                s.channel.name,
                s.context_external_id,
                s.reason,
                s.peak_comments,
                round(s.usual_comments, 1),
                s.ended_at.isoformat(timespec="minutes") if s.ended_at else "ongoing",
            ]
        )
    return table
