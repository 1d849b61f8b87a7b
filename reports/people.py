"""Per agent and per team: conversations handled, replies, first and next response times,
closed, and closed ones that were reopened later. Added up from the report's slices
(reports.rollups, which walks the messages and the close and reopen events), and two queries
for the names, whatever the data size.

Over the report's conversations (first customer message in the range, the filters applied).
A reply counts for the agent who wrote it, and for the conversation's team. A response time
runs from the oldest customer message still waiting to the agent's reply: the first one in a
conversation is its first response, every later one a next response. Automatic replies
(rules, instant replies) answer nobody here: the wait goes on until a person replies.
"Reopened" is counted for whoever closed the conversation last before it reopened, whether a
customer wrote again or an agent reopened it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from django.utils import timezone

from accounts.models import Team, User

from .filters import ReportScope
from .rollups import TEAM, Collected, add_people, collect, histogram_percentile


@dataclass
class Performance:
    key: int
    name: str
    conversations: int = 0  # handled: replied to at least once
    replies: int = 0
    first_times: dict = field(default_factory=dict)  # minutes -> replies (rollups.histogram)
    next_times: dict = field(default_factory=dict)
    closed: int = 0
    reopened: int = 0

    @property
    def first_median(self) -> timedelta | None:
        return histogram_percentile(self.first_times, 0.5)

    @property
    def next_median(self) -> timedelta | None:
        return histogram_percentile(self.next_times, 0.5)


# Leaderboard columns: (key, heading, whether larger is better).
COLUMNS = (
    ("conversations", "Conversations handled", True),
    ("replies", "Replies", True),
    ("first_median", "First response (median)", False),
    ("next_median", "Next response (median)", False),
    ("closed", "Closed", True),
    ("reopened", "Reopened after close", False),
)
SORT_KEYS = {key for key, _, _ in COLUMNS} | {"name"}
DEFAULT_SORT = "replies"


def ranked(rows: list[Performance], sort: str) -> list[Performance]:
    """Best first for the column (`-column` for the reverse); missing figures always last."""
    reverse = sort.startswith("-")
    key = sort.lstrip("-")
    if key not in SORT_KEYS:
        key, reverse = DEFAULT_SORT, False
    by_name = sorted(rows, key=lambda r: r.name.lower())
    if key == "name":
        return by_name[::-1] if reverse else by_name
    larger_better = next(better for k, _, better in COLUMNS if k == key)
    present = [r for r in by_name if getattr(r, key) is not None]
    present.sort(key=lambda r: getattr(r, key), reverse=larger_better != reverse)
    return present + [r for r in by_name if getattr(r, key) is None]


@dataclass
class People:
    agents: list[Performance]
    teams: list[Performance]


def people(scope: ReportScope, *, now=None, collected: Collected | None = None) -> People:
    collected = collected or collect(scope, now=now or timezone.now())
    agents: dict[int, dict] = {}
    teams: dict[int, dict] = {}
    for s in collected.slices:
        for key, figures in s.people.items():
            if key.startswith(TEAM):
                add_people(teams.setdefault(int(key.removeprefix(TEAM)), {}), {key: figures})
            else:
                add_people(agents.setdefault(int(key), {}), {key: figures})
    names = {
        pk: " ".join(part for part in (first, last) if part) or username
        for pk, username, first, last in User.objects.filter(pk__in=agents).values_list(
            "pk", "username", "first_name", "last_name"
        )
    }
    team_names = dict(Team.objects.filter(pk__in=teams).values_list("pk", "name"))

    def performance(key, name, entries):
        (figures,) = entries.values()
        return Performance(
            key=key,
            name=name,
            conversations=figures["handled"],
            replies=figures["replies"],
            first_times=figures["first"],
            next_times=figures["next"],
            closed=figures["closed"],
            reopened=figures["reopened"],
        )

    return People(
        agents=[performance(k, names.get(k, "?"), v) for k, v in agents.items()],
        teams=[performance(k, team_names.get(k, "?"), v) for k, v in teams.items()],
    )
