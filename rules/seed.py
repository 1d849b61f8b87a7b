"""The example response scheme the demo starts with; safe to run again (nothing is
overwritten: a rule, reply or policy a manager already has by that name is left alone)."""

from __future__ import annotations

from accounts.models import Role, User
from inbox.models import SavedReply

from .models import BusinessHours, Rule, SlaPolicy, Trigger

WEEKDAYS_9_TO_17 = {str(day): [["09:00", "17:00"]] for day in range(5)}

SAVED_REPLIES = {
    "Thank you": "Thank you so much, {first_name}! It means a lot to the whole team.",
    "Out of hours": "Thanks for writing, {first_name}! We are away right now and will "
    "answer first thing when we are back (Mon-Fri 9:00-17:00).",
}

# (name, trigger, stop_after, enabled, conditions, actions), in the order they run.
RULES = [
    (
        "Insults",
        Trigger.NEW_MESSAGE,
        True,
        True,
        {"type": "intent", "value": ["insult"]},
        [{"type": "hide"}, {"type": "close"}],
    ),
    (
        "Spam",
        Trigger.NEW_MESSAGE,
        True,
        True,
        {"type": "intent", "value": ["spam"]},
        [{"type": "hide"}, {"type": "mark_spam"}],
    ),
    (
        "Payments",
        Trigger.NEW_MESSAGE,
        False,
        True,
        {"type": "text_contains_any", "value": ["pay", "payment"]},
        [{"type": "add_tag", "value": "Payment"}],
    ),
    (
        "Urgent",
        Trigger.NEW_MESSAGE,
        False,
        True,
        {"type": "text_contains_any", "value": ["urgent"]},
        [{"type": "add_tag", "value": "Urgent"}],
    ),
    (
        "Chinese to Jack",
        Trigger.NEW_CONVERSATION,
        False,
        True,
        {"type": "language", "value": ["zh"]},
        [{"type": "assign", "value": "jack"}],
    ),
    (
        "Compliments",
        Trigger.NEW_MESSAGE,
        False,
        True,
        {"type": "intent", "value": ["compliment"]},
        [{"type": "like"}, {"type": "reply", "value": "Thank you"}],
    ),
    (
        "Questions",
        Trigger.NEW_MESSAGE,
        False,
        True,
        {"type": "intent", "value": ["question"]},
        [{"type": "set_priority", "value": "high"}],
    ),
    (
        "Out of hours",
        Trigger.NEW_CONVERSATION,
        False,
        False,
        {"type": "within_business_hours", "value": False},
        [{"type": "reply", "value": "Out of hours", "outside_hours_only": True}],
    ),
]

# Channel kinds are data here: a policy names the connector kind it applies to.
SLA_POLICIES = [
    # (name, channel kind, conversation kind, first, next, business time)
    ("Default", "", "", 60, 120, True),
    # X users expect an answer within about an hour, around the clock.
    ("X", "x", "", 60, 60, False),
    # Facebook's "very responsive" badge: 90 % of messages answered within 15 minutes.
    ("Facebook Messenger", "facebook", "dm", 15, 15, False),
    ("Instagram DMs", "instagram", "dm", 60, 60, False),
]


def seed_rules() -> list[str]:
    """Create what is missing; returns what was created, for the command to print."""
    created = []
    jack, made = User.objects.get_or_create(
        username="jack",
        defaults={"first_name": "Jack", "role": Role.AGENT, "email": "jack@example.com"},
    )
    if made:
        jack.set_unusable_password()
        jack.save(update_fields=["password"])
        created.append("agent jack (no password: set one in the admin)")
    for title, body in SAVED_REPLIES.items():
        if not SavedReply.objects.filter(title=title).exists():
            SavedReply.objects.create(title=title, body=body)
            created.append(f"saved reply {title!r}")
    if not BusinessHours.objects.filter(team__isnull=True).exists():
        BusinessHours.objects.create(
            name="Office hours", timezone="Europe/Tallinn", schedule=WEEKDAYS_9_TO_17
        )
        created.append("business hours Mon-Fri 09-17 Europe/Tallinn")
    for name, channel_kind, kind, first, later, business in SLA_POLICIES:
        _, made = SlaPolicy.objects.get_or_create(
            name=name,
            defaults={
                "channel_kind": channel_kind,
                "conversation_kind": kind,
                "first_response_minutes": first,
                "next_response_minutes": later,
                "business_time": business,
            },
        )
        if made:
            created.append(f"SLA policy {name!r}")
    start = Rule.objects.order_by("-position").values_list("position", flat=True).first() or 0
    for offset, (name, trigger, stop_after, enabled, conditions, actions) in enumerate(RULES):
        _, made = Rule.objects.get_or_create(
            name=name,
            defaults={
                "trigger": trigger,
                "stop_after": stop_after,
                "enabled": enabled,
                "conditions": conditions,
                "actions": actions,
                "position": start + 10 * (offset + 1),
            },
        )
        if made:
            created.append(f"rule {name!r}")
    return created
