from datetime import timedelta

from django.apps import AppConfig


class RulesConfig(AppConfig):
    name = "rules"
    verbose_name = "Rules and SLA"

    def ready(self):
        from inbox import selectors
        from inbox.conversations import state_listeners
        from inbox.routing import routing_listeners
        from switchboard.celery import app

        from .listeners import on_customer_message, on_state_change
        from .sla import breached_q, due_soon_q

        if on_customer_message not in routing_listeners:
            routing_listeners.append(on_customer_message)
        if on_state_change not in state_listeners:
            state_listeners.append(on_state_change)
        # The SLA folders hold what the badge says (one state, rules/sla.py): breached, and
        # due soon by each conversation's policy.
        selectors.register_folder("sla_breached", "SLA breached", lambda user: breached_q())
        selectors.register_folder("sla_due_soon", "SLA due soon", lambda user: due_soon_q())
        # The time triggers and SLA upkeep; beat reads this schedule at start.
        app.conf.beat_schedule["rules-tick"] = {
            "task": "rules.tasks.tick",
            "schedule": timedelta(minutes=1),
        }
