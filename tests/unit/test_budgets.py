"""The shared rate-limit budget of a channel (inbox/budgets.py), one process's view of it.

tests/integration/test_multi_process.py shows it holding across two worker processes.
"""

from datetime import UTC, datetime
from unittest import mock

import pytest
from django.utils import timezone

from inbox import budgets
from inbox.models import Channel
from tests.support import factories

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
RESET = int(NOW.timestamp()) + 600


def window(remaining: int, reset: int = RESET) -> dict:
    return {"limit": 10, "remaining": remaining, "reset": reset}


def test_a_later_window_replaces_the_same_window_keeps_the_lower_count_an_older_is_ignored():
    assert budgets.merged(window(2), window(9, RESET + 900)) == window(9, RESET + 900)
    assert budgets.merged(window(2), window(5)) == window(2)
    assert budgets.merged(window(5), window(2)) == window(2)
    assert budgets.merged(window(5), window(0, RESET - 900)) == window(5)
    assert budgets.merged({"call_count": 80}, {"call_count": 95}) == {"call_count": 95}


@pytest.fixture
def channel():
    return factories.make_channel(rate_limits={"like": window(2)})


def stored(channel, endpoint="like"):
    return Channel.objects.get(pk=channel.pk).rate_limits.get(endpoint)


@mock.patch.object(timezone, "now", return_value=NOW)
def test_each_call_takes_one_until_the_reserve_then_waits_for_the_reset(now, channel):
    assert budgets.spend(channel.pk, "like") is None
    assert stored(channel)["remaining"] == 1
    assert budgets.spend(channel.pk, "like", reserve=1) == datetime.fromtimestamp(RESET, UTC)
    assert budgets.spend(channel.pk, "like") is None
    assert budgets.spend(channel.pk, "like") == datetime.fromtimestamp(RESET, UTC)
    assert stored(channel)["remaining"] == 0
    # Past the reset the budget is unknown again: a call may go.
    now.return_value = datetime.fromtimestamp(RESET + 1, UTC)
    assert budgets.spend(channel.pk, "like") is None


@mock.patch.object(timezone, "now", return_value=NOW)
def test_one_call_probes_an_unknown_budget_and_the_others_wait_for_its_answer(now, channel):
    assert budgets.spend(channel.pk, "hide") is None  # the probe
    probe_ends = budgets.spend(channel.pk, "hide")
    assert probe_ends == datetime.fromtimestamp(NOW.timestamp() + budgets.PROBE_SECONDS, UTC)
    budgets.record(channel.pk, {"hide": window(4)})
    assert stored(channel, "hide") == window(4)
    assert budgets.spend(channel.pk, "hide") is None
    assert stored(channel, "hide")["remaining"] == 3
    # An answer without a budget ends the probe at once; a probe never answered, in time.
    assert budgets.spend(channel.pk, "other") is None
    budgets.answered_without_budget(channel.pk, "other")
    assert stored(channel, "other") is None
    assert budgets.spend(channel.pk, "other") is None
    now.return_value = datetime.fromtimestamp(NOW.timestamp() + budgets.PROBE_SECONDS + 1, UTC)
    assert budgets.spend(channel.pk, "other") is None


def test_recording_keeps_what_others_spent_and_other_endpoints(channel):
    budgets.record(channel.pk, {"like": window(5), "graph": {"call_count": 12}})
    assert Channel.objects.get(pk=channel.pk).rate_limits == {
        "like": window(2),
        "graph": {"call_count": 12},
    }


@mock.patch.object(timezone, "now", return_value=NOW)
def test_without_probing_the_unknown_only_a_reported_throttle_holds_then_one_call_probes(
    now, channel
):
    # Graph reports no budget until it throttles: calls go, none waits for another's answer.
    assert budgets.spend(channel.pk, "graph", probe_unknown=False) is None
    assert budgets.spend(channel.pk, "graph", probe_unknown=False) is None
    assert stored(channel, "graph") is None
    budgets.record(channel.pk, {"graph": {"limit": 100, "remaining": 0, "reset": RESET}})
    held = datetime.fromtimestamp(RESET, UTC)
    assert budgets.spend(channel.pk, "graph", probe_unknown=False) == held
    # Access is back: one call probes, the others wait for its answer...
    now.return_value = datetime.fromtimestamp(RESET + 1, UTC)
    assert budgets.spend(channel.pk, "graph", probe_unknown=False) is None
    assert budgets.spend(channel.pk, "graph", probe_unknown=False) is not None
    # ...which, not throttled, forgets the throttle: calls go again.
    budgets.answered_without_budget(channel.pk, "graph")
    assert stored(channel, "graph") is None
    assert budgets.spend(channel.pk, "graph", probe_unknown=False) is None
