"""The toy platform has no listing to poll: webhooks are all there is."""

from __future__ import annotations

from inbox.connectors import PollResult


def poll(channel) -> PollResult:
    return PollResult(events=[], cursors=dict(channel.cursors))
