"""Every figure the reports page shows, in a form tests can compare: the rollup tests check
that figures built from rollups equal the same figures built from the live rows."""

from __future__ import annotations

from reports.people import people
from reports.rollups import collect
from reports.selectors import report


def rows(table):
    return [(r.key, r.label, r.conversations, r.answered, r.bar) for r in table]


def _perf(ps):
    return sorted(
        (p.name, p.conversations, p.replies, p.first_median, p.next_median) + (p.closed, p.reopened)
        for p in ps
    )


def everything(scope, now) -> dict:
    collected = collect(scope, now=now)
    r = report(scope, now=now, collected=collected)
    crew = people(scope, now=now, collected=collected)
    return {
        "totals": (r.conversations, r.answered),
        "percentiles": (
            r.first_response_median,
            r.first_response_p90,
            r.business_median,
            r.business_p90,
        ),
        "sla": (r.sla.met, r.sla.missed, r.sla.pending, r.sla.without_policy, r.sla_target),
        "by_channel": rows(r.by_channel),
        "by_tag": rows(r.by_tag),
        "by_day": rows(r.by_day),
        "by_intent": rows(r.by_intent),
        "by_language": rows(r.by_language),
        "trend": [(t.day, t.median, t.p90, t.sla_met, t.sla_missed) for t in r.trend],
        "volume": (r.volume.channels, r.volume.series(), r.volume.heatmap),
        "agents": _perf(crew.agents),
        "teams": _perf(crew.teams),
    }
