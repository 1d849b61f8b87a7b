"""Celery tasks: thin wrappers that take an id and call the operation."""

import logging

from celery import shared_task

from . import ingest, outbox, polling, profiles

log = logging.getLogger("switchboard.tasks")


@shared_task(ignore_result=True)
def process_inbound_event(event_id: int) -> None:
    ingest.process_event(event_id)


@shared_task(ignore_result=True, max_retries=0)
def send_action(action_id: int) -> None:
    # max_retries=0: a post is never retried blindly by Celery; the outbox decides.
    outbox.run_action(action_id)


@shared_task(ignore_result=True)
def poll_channel(channel_id: int) -> None:
    polling.poll_channel(channel_id)


@shared_task(ignore_result=True)
def poll_due_channels() -> None:
    for channel_id in polling.claim_due_channels():
        poll_channel.delay(channel_id)


@shared_task(ignore_result=True)
def sweep() -> dict:
    """Queue what the broker never delivered: stored events and due actions."""
    events = ingest.events_due_for_sweep()
    ingest.queue_events(events)
    actions = outbox.actions_due_for_sweep()
    for action_id in actions:
        send_action.delay(action_id)
    if events or actions:
        log.info("sweep queued %d events and %d actions", len(events), len(actions))
    return {"events": len(events), "actions": len(actions)}


@shared_task(ignore_result=True)
def wake_snoozed() -> int:
    from .conversations import wake_snoozed as wake

    return wake()


@shared_task(ignore_result=True)
def refresh_profile(identity_id: int, channel_id: int) -> None:
    profiles.refresh_profile(identity_id, channel_id)
