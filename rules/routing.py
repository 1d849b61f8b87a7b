"""Round-robin assignment within a team: fair turns among the agents who can take more."""

from __future__ import annotations

from django.db.models import Count, Q

from accounts.models import Team, User
from inbox import savepoints
from inbox.models import ConversationState

from .models import RoundRobinState

OPEN_STATES = (ConversationState.OPEN, ConversationState.PENDING)


def eligible_agents(team: Team) -> list[User]:
    """Available, active members holding fewer open conversations than their cap, by id."""
    members = (
        team.members.filter(is_active=True, is_available=True)
        .annotate(
            open_count=Count(
                "assigned_conversations", filter=Q(assigned_conversations__state__in=OPEN_STATES)
            )
        )
        .order_by("id")
    )
    return [m for m in members if m.open_count < m.max_open_conversations]


@savepoints.atomic_function
def round_robin_pick(team: Team) -> User | None:
    """The next eligible agent after the one who got the previous turn; None if nobody can.

    The team's turn marker is locked for the pick, so two workers never give the same
    turn twice.
    """
    state, _ = RoundRobinState.objects.get_or_create(team=team)
    state = RoundRobinState.objects.select_for_update().get(pk=state.pk)
    agents = eligible_agents(team)
    if not agents:
        return None
    last_id = state.last_user_id or 0
    chosen = next((a for a in agents if a.pk > last_id), agents[0])
    state.last_user = chosen
    state.save(update_fields=["last_user"])
    return chosen
