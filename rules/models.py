"""Rules, SLA policies and business hours.

A rule's conditions and actions are JSON in the shapes `rules/registry.py` documents; they
are validated by compiling them (`Rule.clean`), the same compilation the engine caches.
A rule's hits are AuditEvents (verb "rule_matched", rule_name, data {"matched": ...}) on
the conversation, so the timeline explains every automatic change.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q


class Trigger(models.TextChoices):
    NEW_CONVERSATION = "new_conversation", "A new conversation starts"
    NEW_MESSAGE = "new_message", "A customer writes (every new customer message)"
    IDLE = "idle", "A conversation waits for us for N minutes"
    SLA_DUE_SOON = "sla_due_soon", "The SLA is due within N minutes"
    SLA_BREACHED = "sla_breached", "The SLA is breached"


TIME_TRIGGERS = (Trigger.IDLE, Trigger.SLA_DUE_SOON, Trigger.SLA_BREACHED)


class Rule(models.Model):
    """One "when … if … then …" line of the response scheme, run in `position` order."""

    name = models.CharField(max_length=200, unique=True)
    enabled = models.BooleanField(default=True)
    position = models.PositiveIntegerField(default=0, db_index=True)
    stop_after = models.BooleanField(
        default=False, help_text="When this rule matches, later rules do not run."
    )
    trigger = models.CharField(max_length=20, choices=Trigger.choices, default=Trigger.NEW_MESSAGE)
    minutes = models.PositiveIntegerField(
        default=0,
        blank=True,
        help_text="Idle: minutes without our answer. SLA due soon: minutes before due.",
    )
    conditions = models.JSONField(
        default=dict,
        blank=True,
        help_text='{"all": [...]}, {"any": [...]}, {"not": {...}} '
        'or a condition {"type": ..., "value": ...}.',
    )
    actions = models.JSONField(
        default=list, blank=True, help_text='[{"type": "add_tag", "value": "Payment"}, ...]'
    )
    hit_count = models.PositiveIntegerField(default=0)
    last_hit_at = models.DateTimeField(null=True, blank=True)
    # Bumped by every save: together with the row count and the highest id it is the
    # version the engine's compiled cache is keyed by (rules/engine.py, ruleset_version).
    revision = models.PositiveIntegerField(default=0, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(trigger__in=Trigger.values), name="rule_trigger_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.revision = (self.revision or 0) + 1
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, "revision", "updated_at"}
        super().save(*args, **kwargs)

    def clean(self) -> None:
        from .actions import check_destinations
        from .compiling import compile_rule
        from .references import check_action_references, check_condition_references
        from .registry import RuleError

        if self.trigger == Trigger.IDLE and not self.minutes:
            raise ValidationError({"minutes": "An idle trigger needs a number of minutes."})
        try:
            compile_rule(self)
            check_destinations(self.actions)
            check_condition_references(self.conditions)
            check_action_references(self.actions)
        except RuleError as exc:
            raise ValidationError({exc.field: str(exc)}) from exc


class BusinessHours(models.Model):
    """Opening hours in a time zone; a team's, or a default one (team empty; the first wins).

    `schedule` maps weekday numbers ("0" Monday … "6" Sunday) to lists of ["HH:MM", "HH:MM"]
    intervals of local wall-clock time; "24:00" ends a day. An empty schedule is open
    around the clock.
    """

    name = models.CharField(max_length=100)
    team = models.OneToOneField(
        "accounts.Team",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="business_hours",
    )
    timezone = models.CharField(max_length=64, default="UTC")
    schedule = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name_plural = "business hours"

    def __str__(self) -> str:
        return f"{self.name} ({self.timezone})"

    def clean(self) -> None:
        from .hours import ScheduleError, parse_schedule, zone

        try:
            zone(self.timezone)
            parse_schedule(self.schedule)
        except ScheduleError as exc:
            raise ValidationError(str(exc)) from exc


class Holiday(models.Model):
    business_hours = models.ForeignKey(
        BusinessHours, on_delete=models.CASCADE, related_name="holidays"
    )
    date = models.DateField()
    name = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(fields=["business_hours", "date"], name="holiday_unique_day"),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.name}"


class SlaPolicy(models.Model):
    """Response targets for conversations of one channel kind, conversation kind and priority.

    Empty fields match any; the most specific enabled policy wins (priority first). In business time the
    targets count the policy's business hours, else the team's, else the default calendar.
    """

    name = models.CharField(max_length=100, unique=True)
    enabled = models.BooleanField(default=True)
    channel_kind = models.CharField(
        max_length=32, blank=True, help_text="Connector kind; empty: every channel."
    )
    conversation_kind = models.CharField(
        max_length=16,
        blank=True,
        help_text="comment, post, dm, mention, search; empty: every kind.",
    )
    priority = models.CharField(
        max_length=8, blank=True, help_text="low, normal, high, urgent; empty: every priority."
    )
    first_response_minutes = models.PositiveIntegerField(default=60)
    next_response_minutes = models.PositiveIntegerField(default=60)
    due_soon_minutes = models.PositiveIntegerField(
        default=10, help_text="A conversation shows 'due soon' this long before its due time."
    )
    business_time = models.BooleanField(
        default=True,
        help_text="Count only open hours (these business hours, else the "
        "team's); off: the clock runs around the clock.",
    )
    business_hours = models.ForeignKey(
        BusinessHours, on_delete=models.SET_NULL, null=True, blank=True, related_name="sla_policies"
    )

    class Meta:
        verbose_name = "SLA policy"
        verbose_name_plural = "SLA policies"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class RoundRobinState(models.Model):
    """Who in a team got the last round-robin assignment, so the next one goes to the next."""

    team = models.OneToOneField(
        "accounts.Team", on_delete=models.CASCADE, related_name="round_robin"
    )
    last_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    def __str__(self) -> str:
        return f"{self.team}: last {self.last_user}"


class IntentCorrection(models.Model):
    """A manager's "this message's intent is really X": a labelled example for retraining.

    Exported by `manage.py export_intent_corrections` as the training set's JSONL; never
    used to score the classifier (the people correcting saw its answer first)."""

    conversation = models.ForeignKey(
        "inbox.Conversation", on_delete=models.CASCADE, related_name="intent_corrections"
    )
    message = models.ForeignKey(
        "inbox.Message", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    text = models.TextField(help_text="The customer's message as it was corrected.")
    language = models.CharField(max_length=8, blank=True)
    predicted = models.CharField(max_length=16, blank=True, help_text="What the classifier said.")
    intent = models.CharField(max_length=16, help_text="What the manager says it is.")
    corrected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.predicted or '?'} → {self.intent}: {self.text[:40]}"
