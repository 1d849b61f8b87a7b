"""Per agent and per team: conversations handled, replies, first and next response times,
closed, and closed ones that were reopened later. Two queries whatever the data size (the
messages, the close and reopen events), names joined in.

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

from inbox.models import AuditEvent, ConversationState, Direction, Message

from .figures import percentile
from .filters import ReportScope

REOPEN_VERBS = ("reopened", ConversationState.OPEN)


@dataclass
class Performance:
    key: int
    name: str
    handled: set = field(default_factory=set)
    replies: int = 0
    first_times: list[timedelta] = field(default_factory=list)
    next_times: list[timedelta] = field(default_factory=list)
    closed: int = 0
    reopened: int = 0

    @property
    def conversations(self) -> int:
        return len(self.handled)

    @property
    def first_median(self) -> timedelta | None:
        return percentile(sorted(self.first_times), 0.5)

    @property
    def next_median(self) -> timedelta | None:
        return percentile(sorted(self.next_times), 0.5)


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


def people(scope: ReportScope) -> People:
    agents: dict[int, Performance] = {}
    teams: dict[int, Performance] = {}

    def both(agent, team):
        """The figures of an agent (id, username, first, last name) and a team (id, name)."""
        found = []
        if agent[0] is not None:
            figures = agents.get(agent[0])
            if figures is None:
                name = " ".join(part for part in agent[2:] if part) or agent[1]
                figures = agents[agent[0]] = Performance(key=agent[0], name=name)
            found.append(figures)
        if team[0] is not None:
            figures = teams.get(team[0])
            if figures is None:
                figures = teams[team[0]] = Performance(key=team[0], name=team[1])
            found.append(figures)
        return found

    # Fetched whole, not with .iterator(): on PostgreSQL that is a server-side cursor, planned
    # for a fast start (cursor_tuple_fraction), which made this query 50 times slower.
    messages = (
        Message.objects.filter(scope.conversations_q("conversation__"))
        .exclude(platform_timestamp=None)
        .order_by("conversation_id", "platform_timestamp", "id")
        .values_list(
            "conversation_id",
            "conversation__team_id",
            "conversation__team__name",
            "direction",
            "author_agent_id",
            "author_agent__username",
            "author_agent__first_name",
            "author_agent__last_name",
            "is_automatic",
            "platform_timestamp",
        )
    )
    current, waiting_since, answered = None, None, False
    for (
        conversation_id,
        team_id,
        team_name,
        direction,
        agent_id,
        username,
        first,
        last,
        automatic,
        at,
    ) in messages:
        if conversation_id != current:
            current, waiting_since, answered = conversation_id, None, False
        if direction == Direction.INBOUND:
            waiting_since = waiting_since or at
            continue
        if automatic or agent_id is None:
            continue
        for figures in both((agent_id, username, first, last), (team_id, team_name)):
            figures.replies += 1
            figures.handled.add(conversation_id)
            if waiting_since is not None:
                (figures.next_times if answered else figures.first_times).append(at - waiting_since)
        if waiting_since is not None:
            answered = True
        waiting_since = None

    events = (
        AuditEvent.objects.filter(
            scope.conversations_q("conversation__"),
            verb__in=[ConversationState.CLOSED, *REOPEN_VERBS],
        )
        .order_by("conversation_id", "created_at", "id")
        .values_list(
            "conversation_id",
            "conversation__team_id",
            "conversation__team__name",
            "verb",
            "actor_id",
            "actor__username",
            "actor__first_name",
            "actor__last_name",
            "data",
        )
    )
    current, closed_by = None, None
    for conversation_id, team_id, team_name, verb, actor_id, username, first, last, data in events:
        if conversation_id != current:
            current, closed_by = conversation_id, None
        if verb == ConversationState.CLOSED:
            closed_by = ((actor_id, username, first, last), (team_id, team_name))
            for figures in both(*closed_by):
                figures.closed += 1
        elif closed_by is not None and (
            verb == "reopened" or (data or {}).get("from_state") == "closed"
        ):
            for figures in both(*closed_by):
                figures.reopened += 1
            closed_by = None

    return People(agents=list(agents.values()), teams=list(teams.values()))
