"""Subscriptions of outside systems to our events, and every delivery to them as a row."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from inbox.crypto import EncryptedJSONField


class Event(models.TextChoices):
    CONVERSATION_CREATED = "conversation.created", "A new conversation"
    MESSAGE_CREATED = "message.created", "A new customer message"
    CONVERSATION_ASSIGNED = "conversation.assigned", "A conversation was (un)assigned"
    CONVERSATION_CLOSED = "conversation.closed", "A conversation was closed"
    SLA_BREACHED = "sla.breached", "An answer is overdue (SLA breached)"


# What a rule's "call a webhook" action sends; not subscribable, the rule names the URL.
RULE_MATCHED = "rule.matched"


class Subscription(models.Model):
    """An https URL a manager subscribed to some events. The signing secret is encrypted
    at rest, like channel credentials, since we need it back to sign each delivery."""

    url = models.URLField(max_length=1000)
    events = models.JSONField(default=list, help_text="Event names, e.g. conversation.closed.")
    signing = EncryptedJSONField(default=dict, blank=True)
    enabled = models.BooleanField(default=True)
    disabled_reason = models.TextField(blank=True)
    # Deliveries that gave up in a row; reset by any success.
    consecutive_failures = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    # Made by a rule's "call a webhook" action for its URL: gets only that rule's calls,
    # but is signed, retried and shown like any other.
    for_rules = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["url", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["url"], condition=Q(for_rules=True), name="webhook_one_rule_subscription"
            ),
        ]

    def __str__(self) -> str:
        return self.url

    @property
    def secret(self) -> str:
        return self.signing.get("secret", "")


class DeliveryState(models.TextChoices):
    PENDING = "pending", "Waiting to be sent"
    SENDING = "sending", "Sending"
    DELIVERED = "delivered", "Delivered"
    FAILED = "failed", "Gave up"


class Delivery(models.Model):
    """One event for one subscription. The body is kept byte for byte: every attempt sends
    (and signs) exactly the same bytes, and the receiver deduplicates by `uid`."""

    subscription = models.ForeignKey(
        Subscription, on_delete=models.CASCADE, related_name="deliveries"
    )
    event = models.CharField(max_length=40)
    uid = models.CharField(max_length=40, unique=True)
    # An event that may be found again (the SLA sweep sees a breach every minute) is
    # stored once per subscription and key; empty for events that happen once.
    key = models.CharField(max_length=200, blank=True)
    body = models.TextField()
    state = models.CharField(
        max_length=10, choices=DeliveryState.choices, default=DeliveryState.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    last_status = models.PositiveIntegerField(null=True, blank=True)
    last_response = models.TextField(blank=True)
    last_error = models.TextField(blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=DeliveryState.values), name="webhook_delivery_state_valid"
            ),
            models.UniqueConstraint(
                fields=["subscription", "key"],
                condition=~Q(key=""),
                name="webhook_delivery_once_per_key",
            ),
        ]
        indexes = [
            # The sweep's query: only deliveries still in flight, never the whole history.
            models.Index(
                fields=["next_attempt_at"],
                name="webhook_delivery_due",
                condition=Q(state__in=["pending", "sending"]),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event} → {self.subscription_id} ({self.state})"
