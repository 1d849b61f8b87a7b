from datetime import timedelta

from django.apps import AppConfig


class WebhooksOutConfig(AppConfig):
    name = "webhooks_out"
    verbose_name = "Outgoing webhooks"

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from inbox.conversations import state_listeners
        from inbox.models import AuditEvent
        from inbox.routing import routing_listeners
        from rules.sla import breach_listeners
        from switchboard.celery import app

        from . import listeners, subscribers
        from .models import Subscription

        if listeners.on_routed not in routing_listeners:
            routing_listeners.append(listeners.on_routed)
        if listeners.on_state_change not in state_listeners:
            state_listeners.append(listeners.on_state_change)
        if listeners.on_sla_breached not in breach_listeners:
            breach_listeners.append(listeners.on_sla_breached)
        # conversation_assign has no listener list of its own; its audit line is the event.
        post_save.connect(
            listeners.on_audit_event, sender=AuditEvent, dispatch_uid="webhooks_out.audit"
        )
        # Not a side effect of note: only forgets the cached "anyone subscribed?" flag.
        for signal in (post_save, post_delete):
            signal.connect(
                subscribers.subscriptions_changed,
                sender=Subscription,
                dispatch_uid=f"webhooks_out.flag.{signal is post_save}",
            )
        app.conf.beat_schedule["webhooks-sweep"] = {
            "task": "webhooks_out.tasks.sweep",
            "schedule": timedelta(minutes=1),
        }
