"""Celery tasks of the Slack notifications: thin wrappers taking an id."""

from celery import shared_task


# max_retries=0: retries are the row's own schedule, not Celery's.
@shared_task(ignore_result=True, max_retries=0)
def post_to_slack(message_id: int) -> None:
    from .delivery import deliver

    deliver(message_id)


@shared_task(ignore_result=True)
def sweep() -> int:
    """Every minute (beat): posts due again, those of a worker that died, and SLA warnings."""
    from .delivery import due_for_sweep, queue_post
    from .notify import sla_scan

    due = due_for_sweep()
    for message_id in due:
        queue_post(message_id)
    sla_scan()  # after the sweep's list: a new warning is queued once, by its own commit
    return len(due)
