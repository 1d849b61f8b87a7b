"""Celery tasks of the rules app: thin wrappers around the operations."""

from __future__ import annotations

from celery import shared_task


@shared_task(ignore_result=True)
def tick() -> dict:
    """Every minute (beat, registered in RulesConfig.ready): SLA upkeep and time triggers."""
    from .sla import announce_breaches, clear_answered
    from .timers import run_time_triggers

    cleared = clear_answered()
    hits = run_time_triggers()
    breaches = announce_breaches()
    return {"sla_cleared": cleared, "hits": hits, "sla_breaches": breaches}


@shared_task(ignore_result=True)
def refresh_sla() -> int:
    """After an SLA policy or business hours changed: every open conversation's due time."""
    from .sla import refresh_open

    return refresh_open()
