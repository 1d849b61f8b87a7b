"""Celery tasks of the outgoing webhooks: thin wrappers taking an id."""

from celery import shared_task


# max_retries=0: retries are the delivery row's own schedule, not Celery's.
@shared_task(ignore_result=True, max_retries=0)
def deliver_webhook(delivery_id: int) -> None:
    from .delivery import deliver

    deliver(delivery_id)


@shared_task(ignore_result=True)
def sweep() -> int:
    """Every minute (beat): deliveries due again, and those of a worker that died."""
    from .delivery import due_for_sweep, queue_delivery

    due = due_for_sweep()
    for delivery_id in due:
        queue_delivery(delivery_id)
    return len(due)
