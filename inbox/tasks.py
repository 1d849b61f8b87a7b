"""Celery tasks: thin wrappers that take an id and call the operation."""

import logging

from celery import shared_task

from . import enrich, ingest, outbox, polling, profiles, routing
from .models import Channel, Identity

log = logging.getLogger("switchboard.tasks")


@shared_task(ignore_result=True)
def process_inbound_event(event_id: int) -> None:
    # Takes the fresh events queued behind this one too (ingest.process_batch): under load
    # one task does the work of up to INGEST_BATCH_SIZE, and their own tasks find it done.
    ingest.process_batch(event_id)


@shared_task(ignore_result=True)
def process_channel_events(channel_id: int) -> None:
    # Queued once for a burst of a channel's deliveries (ingest.queue_new_events).
    ingest.process_waiting(channel_id)


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
def route_message(message_id: int) -> None:
    routing.route_message(message_id)


@shared_task(ignore_result=True)
def fetch_context(conversation_id: int) -> None:
    enrich.fetch_context(conversation_id)


@shared_task(ignore_result=True)
def sweep() -> dict:
    """Queue what the broker never delivered or a worker left half done: stored events,
    due actions, unrouted customer messages, and contexts and profiles still to fetch."""
    events = ingest.events_due_for_sweep()
    ingest.queue_events(events)
    actions = outbox.actions_due_for_sweep()
    for action_id in actions:
        send_action.delay(action_id)
    unrouted = routing.messages_due_for_sweep()
    for message_id in unrouted:
        route_message.delay(message_id)
    contexts = enrich.contexts_due_for_sweep()
    for conversation_id in contexts:
        fetch_context.delay(conversation_id)
    wanted_profiles = profiles.profiles_due_for_sweep()
    for identity_id in wanted_profiles:
        refresh_profile.delay(identity_id)
    if events or actions or unrouted or contexts or wanted_profiles:
        log.info(
            "sweep queued %d events, %d actions, %d messages to route, %d contexts and %d profiles",
            len(events),
            len(actions),
            len(unrouted),
            len(contexts),
            len(wanted_profiles),
        )
    return {
        "events": len(events),
        "actions": len(actions),
        "messages": len(unrouted),
        "contexts": len(contexts),
        "profiles": len(wanted_profiles),
    }


@shared_task(ignore_result=True)
def wake_snoozed() -> int:
    from .conversations import wake_snoozed as wake

    return wake()


@shared_task(ignore_result=True)
def refresh_profile(identity_id: int, channel_id: int | None = None) -> None:
    # channel_id: tasks queued before profiles were durable work; those mark the identity.
    if channel_id is not None:
        identity = Identity.objects.filter(pk=identity_id).first()
        channel = Channel.objects.filter(pk=channel_id).first()
        if identity is not None and channel is not None:
            profiles.want_profile(identity, channel)
    profiles.refresh_profile(identity_id)
