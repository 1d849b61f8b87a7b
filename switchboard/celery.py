import logging
import os

from celery import Celery
from celery.signals import task_postrun, worker_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "switchboard.settings")

app = Celery("switchboard")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

log = logging.getLogger("switchboard.worker")

# Beat's periodic upkeep. It runs on a queue of its own so that a backlog of ingest work
# cannot delay the sweep that rescues lost events (or snoozes, polls, SLA ticks).
UPKEEP_TASKS = frozenset(
    {
        "inbox.tasks.sweep",
        "inbox.tasks.wake_snoozed",
        "inbox.tasks.poll_due_channels",
        "rules.tasks.tick",
        # The report's rollups (today's hours just closed, days that changed): behind an
        # ingest backlog the page would read more and more of today live.
        "reports.tasks.refresh_rollups",
    }
)


def upkeep_queue(default_queue: str) -> str:
    """The upkeep queue that goes with a default queue ("celery" → "celery.upkeep")."""
    return f"{default_queue}.upkeep"


def route_upkeep(name, args, kwargs, options, task=None, **kw):
    """Celery router (CELERY_TASK_ROUTES): upkeep tasks to the upkeep queue, others default.

    Read from the current default queue, so a test's private queue gets its own upkeep queue.
    """
    if name in UPKEEP_TASKS:
        return {"queue": upkeep_queue(app.conf.task_default_queue)}
    return None


@worker_init.connect
def warm_up_classifier(**kwargs):
    """Load the language models as the worker starts, not on its first message.

    worker_init runs in the main worker process before the pool starts: prefork children
    are forked with the models already loaded and share their memory (the models live in
    lingua's native heap, which Python's reference counting never writes to), and the solo
    pool uses this very process. Not done in the web process: there only the rule editor's
    "try a text" classifies, and a manager waiting two seconds once is cheaper than the
    models' memory in every web process.
    """
    from rules.classify import warm_up

    log.info("%s", warm_up())


@task_postrun.connect
def close_old_database_connections(task=None, **kwargs):
    """Keep the worker's connection across tasks (CELERY_DB_REUSE_MAX), but as Django's
    request cycle does: closed once older than CONN_MAX_AGE, or when an error left it
    unusable (a restarted PostgreSQL), so the next task connects afresh. Not for a task
    run eagerly, inside its caller's connection (and transaction)."""
    if task is None or getattr(task.request, "is_eager", False):
        return
    from django.db import close_old_connections

    close_old_connections()
