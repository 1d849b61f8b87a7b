"""The team's Slack connection, and every message we post to it as a row."""

import re

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from inbox.crypto import EncryptedJSONField
from webhooks_out.models import DeliveryState

from .formatting import escape

# A Slack member id (U…, or W… on Enterprise Grid).
MEMBER_ID = re.compile(r"[UW][A-Z0-9]{2,20}")


class Kind(models.TextChoices):
    NEW_CONVERSATION = "new_conversation", "A new conversation in the folder"
    ASSIGNED = "assigned", "A conversation assigned to an agent"
    MENTIONED = "mentioned", "An agent mentioned in a note"
    SLA_DUE_SOON = "sla_due_soon", "SLA about to breach"
    SLA_BREACHED = "sla_breached", "SLA breached"
    STORM = "storm", "A storm on a post"
    TEST = "test", "A test message"
    RULE = "rule", "A rule's Slack notification"


class Method(models.TextChoices):
    WEBHOOK = "webhook", "Incoming webhook"
    BOT = "bot", "Bot token (chat.postMessage)"


class SlackConnection(models.Model):
    """One per installation: how we post (an incoming-webhook URL, or a bot token and a
    channel) and what. The URL and the token are secrets (anyone holding one may post to
    the channel), so they are encrypted at rest."""

    secret = EncryptedJSONField(default=dict, blank=True)
    method = models.CharField(max_length=10, choices=Method.choices, default=Method.WEBHOOK)
    # For the bot token: the channel's id (C0123…) or name, which the bot must be in.
    channel = models.CharField(max_length=80, blank=True)
    enabled = models.BooleanField(default=True)
    new_conversations = models.BooleanField(default=True)
    # The "folder" of new conversations worth a post; empty means every one.
    folder_channel = models.ForeignKey(
        "inbox.Channel", on_delete=models.SET_NULL, null=True, blank=True
    )
    folder_tag = models.CharField(max_length=100, blank=True)
    assignments = models.BooleanField(default=True)
    mentions = models.BooleanField(default=True)
    sla = models.BooleanField(default=True)
    # {username: Slack member id}: an agent named in a post is pinged as <@U123> there.
    member_ids = models.JSONField(default=dict, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return "Slack" + ("" if self.enabled else " (off)")

    @property
    def webhook_url(self) -> str:
        return self.secret.get("webhook_url", "")

    @property
    def bot_token(self) -> str:
        return self.secret.get("bot_token", "")

    def target(self) -> dict:
        """Where a post goes, snapshotted on its row when it is stored."""
        if self.method == Method.BOT:
            return {"api": settings.SLACK_API_URL, "token": self.bot_token, "channel": self.channel}
        return {"url": self.webhook_url}

    def mention(self, user) -> str:
        """How a post names an agent: a Slack ping when we know their member id."""
        member = (self.member_ids or {}).get(user.username, "")
        if MEMBER_ID.fullmatch(member):
            return f"<@{member}>"
        return escape(user.display_name)

    @classmethod
    def current(cls) -> "SlackConnection | None":
        return cls.objects.filter(enabled=True).order_by("pk").first()


class SlackMessage(models.Model):
    """One post to Slack, stored before it is sent and retried on the webhooks' schedule.
    `key` is unique so an event announced twice (a re-routed message, the SLA scan
    seeing the same breach every minute) is posted once."""

    kind = models.CharField(max_length=20, choices=Kind.choices)
    key = models.CharField(max_length=200, unique=True)
    # {"url": ...} or {"api": ..., "token": ..., "channel": ...}, snapshotted at enqueue
    target = EncryptedJSONField(default=dict)
    body = models.TextField()
    conversation = models.ForeignKey(
        "inbox.Conversation", on_delete=models.SET_NULL, null=True, blank=True
    )
    state = models.CharField(
        max_length=10, choices=DeliveryState.choices, default=DeliveryState.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    last_status = models.PositiveIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                name="slack_message_due",
                condition=Q(state__in=["pending", "sending"]),
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} ({self.state})"
