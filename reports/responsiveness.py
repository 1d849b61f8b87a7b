"""Per channel: the share of conversations answered in time over the last days, and the
median response time, against what the platform expects (the connector's `responsiveness`:
Meta's "Very responsive" badge for Messenger and Instagram, the hour people expect on X).

Two queries whatever the data size (the channels, their conversations). Measured the way Meta does: wall clock (no business
hours), spam left out, and an automatic reply (instant reply, away message, our rules) is no
answer; the answer is the first message a person sent. "Within 15 minutes" includes the 15th
minute. A conversation still unanswered and younger than the limit is not counted yet: it can
still make it.

"N more answered in time" is looking forward: how many new conversations, each answered in
time, bring the share to the goal, if nothing else changes. Older misses leave the rolling
window too, so it is the most it takes, never less.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from fractions import Fraction
from typing import Any

from django.db.models import Min, Q
from django.utils import timezone

from inbox.connectors import Responsiveness, registry
from inbox.models import Channel, Conversation, Direction

from .figures import percentile, ratio


@dataclass
class ChannelResponsiveness:
    channel: Channel
    goal: Responsiveness
    in_time: int = 0
    late: int = 0  # answered late, or unanswered past the limit
    pending: int = 0
    times: list[timedelta] = field(default_factory=list)

    @property
    def counted(self) -> int:
        return self.in_time + self.late

    @property
    def share(self) -> float | None:
        return ratio(self.in_time, self.counted)

    @property
    def median(self) -> timedelta | None:
        return percentile(sorted(self.times), 0.5)

    @property
    def share_met(self) -> bool:
        return self.counted > 0 and Fraction(self.in_time, self.counted) >= self._goal_share

    @property
    def median_met(self) -> bool:
        if not self.goal.median_within:
            return True
        return self.median is not None and self.median <= self.goal.within

    @property
    def met(self) -> bool:
        return self.share_met and self.median_met

    @property
    def more_needed(self) -> int:
        """New conversations answered in time that bring the share up to the goal."""
        if self.share_met or not self.counted:
            return 0
        # (in_time + k) / (counted + k) >= goal  <=>  k >= (goal·counted - in_time) / (1 - goal)
        goal = self._goal_share
        return math.ceil((goal * self.counted - self.in_time) / (1 - goal))

    @property
    def _goal_share(self) -> Fraction:
        return Fraction(self.goal.share).limit_denominator(1000)


def responsiveness(*, now: datetime | None = None) -> list[ChannelResponsiveness]:
    now = now or timezone.now()
    goals = {c.kind: c.responsiveness for c in registry.all() if c.responsiveness}
    found = {
        channel.pk: ChannelResponsiveness(channel=channel, goal=goals[channel.kind])
        for channel in Channel.objects.filter(kind__in=list(goals)).order_by("name")
    }
    longest = max((g.days for g in goals.values()), default=0)
    # Any: the stubs type first_inbound_at as optional; the filter requires it.
    rows: Iterable[tuple[Any, ...]] = (
        Conversation.objects.filter(
            channel__kind__in=list(goals),
            is_spam=False,
            first_inbound_at__gt=now - timedelta(days=longest),
            first_inbound_at__lte=now,
        )
        .annotate(
            answered_at=Min(
                "messages__platform_timestamp",
                filter=Q(messages__direction=Direction.OUTBOUND, messages__is_automatic=False),
            )
        )
        .order_by()
        .values_list("channel_id", "kind", "first_inbound_at", "answered_at")
    )
    for channel_id, kind, first_inbound, answered_at in rows:
        figures = found[channel_id]
        goal = figures.goal
        if kind not in goal.kinds or first_inbound <= now - timedelta(days=goal.days):
            continue
        if answered_at is not None:
            elapsed = answered_at - first_inbound
            figures.times.append(elapsed)
            if elapsed <= goal.within:
                figures.in_time += 1
            else:
                figures.late += 1
        elif now - first_inbound > goal.within:
            figures.late += 1
        else:
            figures.pending += 1
    return list(found.values())
