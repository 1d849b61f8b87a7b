from celery import shared_task


@shared_task(ignore_result=True)
def detect_storms() -> int:
    """Beat runs this every minute: a storm is flagged within a minute of its window."""
    from .storms import detect

    return len(detect())


@shared_task(ignore_result=True)
def send_weekly_summary() -> int:
    """Beat runs this on Monday morning."""
    from .weekly import send_weekly_summary as send

    return send()


@shared_task(ignore_result=True)
def refresh_rollups() -> int:
    """Beat runs this every minute, on the upkeep queue (switchboard.celery): rollups whose
    figures changed are built again, and today's hours as they close."""
    from .rollups import refresh

    return len(refresh())
