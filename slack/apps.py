from datetime import timedelta

from django.apps import AppConfig


class SlackConfig(AppConfig):
    name = "slack"
    verbose_name = "Slack notifications"

    def ready(self):
        from django.db.models.signals import post_save

        from inbox.models import AuditEvent
        from inbox.routing import routing_listeners
        from switchboard.celery import app

        from . import listeners

        if listeners.on_routed not in routing_listeners:
            routing_listeners.append(listeners.on_routed)
        post_save.connect(listeners.on_audit_event, sender=AuditEvent, dispatch_uid="slack.audit")
        app.conf.beat_schedule["slack-sweep"] = {
            "task": "slack.tasks.sweep",
            "schedule": timedelta(minutes=1),
        }
