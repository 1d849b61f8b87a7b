"""Rate-limit budgets shared by every process that calls a platform for a channel.

A platform counts calls per token, not per process: two workers sending for one channel
spend one budget. So the budget a platform reports (remaining of limit until `reset`, unix
seconds) is kept per endpoint in the channel's row (`Channel.rate_limits`, the JSON the
Channels page shows), and a call first takes one from it there. In the database rather
than in Redis because a budget must hold when Redis is down, and because there is one
budget update per platform call, which a platform's own limits keep rare.

A budget not known yet, or whose reset has passed, is unknown: one call goes ahead as a
probe and its answer teaches the new window; meanwhile the others wait for that answer
(`PROBE_SECONDS` at most, in case it never comes), so a throttle the probe meets is met
once, not once per process. Answers to calls made with a known budget arrive in any order,
which is why they are merged by keeping the lower `remaining`.

A platform that reports no budget until it throttles (Meta's Graph reports percentages of a
rolling window, and a throttle's end) spends with `probe_unknown=False`: calls go ahead
while nothing is known, a throttle it reported holds every process until its end, and then
one call probes as above.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from .models import Channel

# How long the others wait for a probe's answer before one of them probes again: longer
# than a call can take (the HTTP timeout), short enough for a crashed probe not to matter.
PROBE_SECONDS = 15


def is_budget(value: Any) -> bool:
    return (
        isinstance(value, dict)
        and isinstance(value.get("reset"), int)
        and isinstance(value.get("remaining"), int)
    )


def merged(stored: Any, reported: Any) -> Any:
    """The budget to keep when `reported` arrives: a later window replaces the stored one,
    the same window keeps the lower `remaining` (answers to concurrent calls arrive in any
    order), and an answer from an earlier window changes nothing."""
    if not (is_budget(stored) and is_budget(reported)):
        return reported
    if reported["reset"] > stored["reset"]:
        return reported
    if reported["reset"] < stored["reset"]:
        return stored
    return {**reported, "remaining": min(stored["remaining"], reported["remaining"])}


def _locked(channel_id: int) -> dict[str, Any] | None:
    """The channel's budgets, its row locked until the transaction ends. FOR NO KEY UPDATE,
    so rows that only reference the channel (messages) can still be written meanwhile."""
    rate_limits = (
        Channel.objects.select_for_update(no_key=True)
        .filter(pk=channel_id)
        .values_list("rate_limits", flat=True)
        .first()
    )
    return None if rate_limits is None else dict(rate_limits)


def spend(
    channel_id: int, endpoint: str, *, reserve: int = 0, probe_unknown: bool = True
) -> datetime | None:
    """Take one call of `endpoint` from the channel's budget before making it.

    Returns a time instead when the caller must not call before then: the reset, when the
    budget, as last reported and spent since, has `reserve` calls or fewer left; or soon,
    while another call probes an unknown budget. With `probe_unknown=False` a budget never
    reported lets every call go; one past its reset is still probed. Call outside any long
    transaction: it locks the channel's row until its own transaction ends.
    """
    now = timezone.now().timestamp()
    if not probe_unknown and current(channel_id, endpoint) is None:
        # Nothing reported: one plain read, no lock. A throttle recorded meanwhile finds
        # this call on its way, as it finds the calls already sent.
        return None
    with transaction.atomic():
        rate_limits = _locked(channel_id)
        if rate_limits is None:
            return None  # the channel is gone; the call will find out
        budget = rate_limits.get(endpoint)
        if not isinstance(budget, dict):
            budget = {}
        if budget.get("probe_until", 0) > now:
            return datetime.fromtimestamp(budget["probe_until"], UTC)
        if is_budget(budget) and budget["reset"] > now:
            if budget["remaining"] <= reserve:
                return datetime.fromtimestamp(budget["reset"], UTC)
            rate_limits[endpoint] = {**budget, "remaining": budget["remaining"] - 1}
        elif not probe_unknown and not is_budget(budget):
            return None  # nothing reported: nothing to spend, no window to probe
        else:
            # Unknown: this call probes; its answer (`record`) replaces the marker.
            rate_limits[endpoint] = {**budget, "probe_until": now + PROBE_SECONDS}
        Channel.objects.filter(pk=channel_id).update(rate_limits=rate_limits)
    return None


def record(channel_id: int, reported: dict[str, Any]) -> None:
    """Merge what a platform reported (endpoint -> budget, or any other figures) into the
    channel's shared budgets; see `merged`."""
    if not reported:
        return
    with transaction.atomic():
        rate_limits = _locked(channel_id)
        if rate_limits is None:
            return  # the channel is gone
        for endpoint, value in reported.items():
            rate_limits[endpoint] = merged(rate_limits.get(endpoint), value)
        Channel.objects.filter(pk=channel_id).update(rate_limits=rate_limits)


def answered_without_budget(channel_id: int, endpoint: str) -> None:
    """An answer that reports no budget ends its probe at once (none will teach one), and
    with it a budget past its reset: it was the window the probe found over."""
    now = timezone.now().timestamp()
    if "probe_until" not in (_stored(channel_id, endpoint) or {}):
        return  # no probe to end (a probe's marker is set, committed, before its call)
    with transaction.atomic():
        rate_limits = _locked(channel_id)
        if rate_limits is None:
            return
        budget = rate_limits.get(endpoint)
        if isinstance(budget, dict) and "probe_until" in budget:
            rest = {k: v for k, v in budget.items() if k != "probe_until"}
            if rest and not (is_budget(rest) and rest["reset"] <= now):
                rate_limits[endpoint] = rest
            else:
                del rate_limits[endpoint]
            Channel.objects.filter(pk=channel_id).update(rate_limits=rate_limits)


def _stored(channel_id: int, endpoint: str) -> dict[str, Any] | None:
    """What the channel's row holds for `endpoint` (a budget, a probe, figures), unlocked."""
    rate_limits = (
        Channel.objects.filter(pk=channel_id).values_list("rate_limits", flat=True).first()
    )
    value = (rate_limits or {}).get(endpoint)
    return value if isinstance(value, dict) else None


def current(channel_id: int, endpoint: str) -> dict[str, Any] | None:
    """The channel's shared budget of `endpoint`, as last reported and spent since."""
    budget = _stored(channel_id, endpoint)
    return budget if is_budget(budget) else None
