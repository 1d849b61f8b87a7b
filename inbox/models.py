"""The domain: every social item, from any platform, becomes rows of these few models.

Invariants live in the database (unique platform ids, valid states), so that a retried
webhook, an overlapping poll or a second worker can never create a duplicate.
"""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Upper
from django.utils import timezone

from .crypto import EncryptedJSONField


class ChannelStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    NEEDS_RECONNECT = "needs_reconnect", "Needs reconnect"
    DISABLED = "disabled", "Disabled"


class Channel(models.Model):
    """One connected account: a Facebook Page, an Instagram professional account, an X user."""

    kind = models.CharField(max_length=32, help_text="Key of the connector in the registry.")
    external_id = models.CharField(max_length=128)
    name = models.CharField(max_length=200)
    handle = models.CharField(max_length=200, blank=True)
    api_base_url = models.URLField(blank=True, help_text="Empty means the platform's real host.")
    credentials = EncryptedJSONField(blank=True, default=dict)
    status = models.CharField(
        max_length=20, choices=ChannelStatus.choices, default=ChannelStatus.ACTIVE
    )
    status_detail = models.TextField(blank=True)
    # Polling state: cursors per source ("mentions": since_id, ...) and per-endpoint budgets.
    cursors = models.JSONField(default=dict, blank=True)
    rate_limits = models.JSONField(default=dict, blank=True)
    # Channel options the admin sets: search queries, poll interval, human-agent tag...
    config = models.JSONField(default=dict, blank=True)
    poll_after = models.DateTimeField(null=True, blank=True)
    last_polled_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "external_id"], name="channel_unique_account"),
            models.CheckConstraint(
                condition=Q(status__in=ChannelStatus.values), name="channel_status_valid"
            ),
        ]
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.kind})"

    @property
    def connector(self):
        from .connectors import registry

        return registry.get(self.kind)


class Contact(models.Model):
    """A customer; may own identities on several platforms."""

    name = models.CharField(max_length=200, blank=True)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=50, blank=True)
    order_number = models.CharField(max_length=100, blank=True)
    fields = models.JSONField(default=dict, blank=True, help_text="Other fields agents keep.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [
            # Lookup by what a customer tells the agent (inbox/search.py: people_matching);
            # iexact is UPPER(col) = UPPER(value) on PostgreSQL.
            models.Index(Upper("email"), name="contact_email_ci"),
            models.Index(Upper("order_number"), name="contact_order_ci"),
            models.Index(fields=["phone"], name="contact_phone"),
        ]

    def __str__(self) -> str:
        return self.name or f"Contact {self.pk}"

    @property
    def first_name(self) -> str:
        return self.name.split()[0] if self.name.strip() else ""


class Identity(models.Model):
    """A person on one platform (a PSID, an IGSID, an X user id)."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="identities")
    platform = models.CharField(max_length=32)
    external_id = models.CharField(max_length=128)
    name = models.CharField(max_length=200, blank=True)
    handle = models.CharField(max_length=200, blank=True)
    avatar_url = models.URLField(max_length=1000, blank=True)
    profile_url = models.URLField(max_length=1000, blank=True)
    follower_count = models.PositiveIntegerField(null=True, blank=True)
    verified = models.BooleanField(default=False)
    profile_fetched_at = models.DateTimeField(null=True, blank=True)
    # A profile is enrichment like a post's context (inbox/profiles.py): wanted while
    # `profile_due_at` is set, read through `profile_channel`, backed off on failure.
    profile_channel = models.ForeignKey(
        "Channel", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    profile_due_at = models.DateTimeField(null=True, blank=True)
    # Defaults in the database too: the bench seed writes identities with raw SQL.
    profile_attempts = models.PositiveIntegerField(default=0, db_default=0)
    profile_error = models.CharField(max_length=500, blank=True, default="", db_default="")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["platform", "external_id"], name="identity_unique_per_platform"
            ),
        ]
        indexes = [
            # The enrichment sweep: only identities whose profile is still to be fetched.
            models.Index(
                fields=["profile_due_at"],
                name="identity_profile_due",
                condition=models.Q(profile_due_at__isnull=False),
            ),
            # A search for an exact @handle (inbox/search.py, `handle__iexact`): without it,
            # every search scans all identities (176 ms at 500,000 on the bench database).
            models.Index(Upper("handle"), name="identity_handle_ci"),
        ]
        verbose_name_plural = "identities"

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        if self.name:
            return self.name
        if self.handle:
            return f"@{self.handle}"
        return f"{self.platform} user …{self.external_id[-4:]}"


class Tag(models.Model):
    name = models.CharField(max_length=64, unique=True)
    color = models.CharField(max_length=7, default="#6b7280")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ConversationKind(models.TextChoices):
    COMMENT = "comment", "Comment"
    POST = "post", "Visitor post"
    DM = "dm", "Direct message"
    MENTION = "mention", "Mention"
    SEARCH = "search", "Search match"


# "Due soon" for a due time stored without its policy's due-soon time (older rows).
SLA_DUE_SOON_MINUTES = 10


class ConversationState(models.TextChoices):
    OPEN = "open", "Open"
    PENDING = "pending", "Pending"
    SNOOZED = "snoozed", "Snoozed"
    CLOSED = "closed", "Closed"


class Priority(models.TextChoices):
    LOW = "low", "Low"
    NORMAL = "normal", "Normal"
    HIGH = "high", "High"
    URGENT = "urgent", "Urgent"


class ContextState(models.TextChoices):
    """Where the thread's context (the post, media or tweet it answers) stands."""

    COMPLETE = "", "Loaded, or nothing to load"
    WANTED = "wanted", "Not loaded yet"  # a worker fetches it (inbox/enrich.py)
    WITHHELD = "withheld", "Not shown to us"  # removed, or not readable with this token


class Conversation(models.Model):
    """A thread: a top-level comment with its replies, a DM thread, an X reply chain."""

    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="conversations")
    contact = models.ForeignKey(
        Contact, on_delete=models.SET_NULL, null=True, blank=True, related_name="conversations"
    )
    kind = models.CharField(max_length=16, choices=ConversationKind.choices)
    external_thread_id = models.CharField(max_length=200)
    # The post, media or tweet the thread hangs under; comments on one post group by it.
    context_external_id = models.CharField(max_length=200, blank=True)
    context = models.JSONField(
        default=dict, blank=True, help_text="What the thread answers: text, permalink, media."
    )
    # Context is enrichment: the thread is shown at once, its context is fetched afterwards.
    context_state = models.CharField(
        max_length=10, choices=ContextState.choices, blank=True, default=ContextState.COMPLETE
    )
    # When the next fetch may run (a claim pushes it forward, a failure backs it off).
    context_due_at = models.DateTimeField(null=True, blank=True)
    context_attempts = models.PositiveIntegerField(default=0)
    context_error = models.CharField(max_length=500, blank=True)
    state = models.CharField(
        max_length=16, choices=ConversationState.choices, default=ConversationState.OPEN
    )
    snoozed_until = models.DateTimeField(null=True, blank=True)
    is_spam = models.BooleanField(default=False)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_conversations",
    )
    team = models.ForeignKey(
        "accounts.Team",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="conversations",
    )
    tags = models.ManyToManyField(Tag, blank=True, related_name="conversations")
    priority = models.CharField(max_length=8, choices=Priority.choices, default=Priority.NORMAL)
    language = models.CharField(max_length=8, blank=True)
    intent = models.CharField(max_length=16, blank=True)
    preview = models.CharField(max_length=300, blank=True)
    first_inbound_at = models.DateTimeField(null=True, blank=True)
    first_response_at = models.DateTimeField(null=True, blank=True)
    last_inbound_at = models.DateTimeField(null=True, blank=True)
    last_message_at = models.DateTimeField(null=True, blank=True)
    sla_due_at = models.DateTimeField(null=True, blank=True)
    # A private conversation opened by a private reply: the comment thread it continues.
    origin = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="continuations"
    )
    # From when it is "due soon": the policy's due_soon_minutes before sla_due_at, stored with
    # it (rules/sla.py) so that the inbox's badge needs no policy look-up per row.
    sla_due_soon_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Not a field: the list's rows get their [(name, colour)] from selectors.with_tags.
    row_tags: list[tuple[str, str]]

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "external_thread_id"], name="conversation_unique_thread"
            ),
            models.CheckConstraint(
                condition=Q(state__in=ConversationState.values), name="conversation_state_valid"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=ConversationKind.values), name="conversation_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(priority__in=Priority.values), name="conversation_priority_valid"
            ),
            models.CheckConstraint(
                condition=~Q(state=ConversationState.SNOOZED) | Q(snoozed_until__isnull=False),
                name="conversation_snooze_has_time",
            ),
            models.CheckConstraint(
                condition=Q(context_state__in=ContextState.values),
                name="conversation_context_state_valid",
            ),
        ]
        indexes = [
            # The inbox folders: a state, newest activity first.
            models.Index(fields=["state", "-last_message_at"], name="conv_state_recent"),
            # "Mine" and per-agent folders.
            models.Index(
                fields=["assignee", "state", "-last_message_at"], name="conv_assignee_state_recent"
            ),
            # Folder per channel.
            models.Index(
                fields=["channel", "state", "-last_message_at"], name="conv_channel_state_recent"
            ),
            # Sorting by SLA due time within open work.
            models.Index(fields=["state", "sla_due_at"], name="conv_state_sla"),
            # The post view: comments grouped under the post they are on; and ingest's look-up
            # of a post's stored context, oldest first. With the id in the index that look-up
            # stays inside one post instead of walking every conversation in id order.
            models.Index(
                fields=["channel", "context_external_id", "id"], name="conv_post_group_order"
            ),
            # The Spam folder and its count: spam is rare, and without this both walk the table.
            models.Index(
                fields=["-last_message_at"], name="conv_spam_recent", condition=Q(is_spam=True)
            ),
            # The "All" folder and search across every folder: newest first, whatever state.
            models.Index(fields=["-last_message_at"], name="conv_recent"),
            # The reports: today's conversations, and days being rolled up (reports.rollups).
            models.Index(
                fields=["first_inbound_at"], name="conv_first_inbound", condition=Q(is_spam=False)
            ),
            # The enrichment sweep: only threads whose context is still to be fetched.
            models.Index(
                fields=["context_due_at"],
                name="conv_context_wanted",
                condition=Q(context_state="wanted"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.external_thread_id}"

    def sla_status(self, now=None) -> str:
        """ "breached", "due_soon", "on_time" or "" (nothing due): the one SLA state, from the
        stored due and due-soon times (rules/sla.py computes both from the policy). No query,
        so the inbox's badge costs nothing per row; rules.sla.status is this."""
        due = self.sla_due_at
        if due is None or self.state != ConversationState.OPEN:
            return ""
        now = now or timezone.now()
        if due <= now:
            return "breached"
        soon = self.sla_due_soon_at or due - timedelta(minutes=SLA_DUE_SOON_MINUTES)
        return "due_soon" if soon <= now else "on_time"


class Direction(models.TextChoices):
    INBOUND = "in", "From the customer"
    OUTBOUND = "out", "From us"


class Visibility(models.TextChoices):
    PUBLIC = "public", "Public"
    PRIVATE = "private", "Private"


class DeliveryStatus(models.TextChoices):
    NONE = "", "—"
    QUEUED = "queued", "Queued"
    SENDING = "sending", "Sending"
    POSTED = "posted", "Posted"
    DELIVERED = "delivered", "Delivered"
    READ = "read", "Read"
    FAILED = "failed", "Failed"


class Message(models.Model):
    """One comment, reply, DM or tweet, inbound or ours."""

    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="messages"
    )
    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="messages")
    # NULL, not "", until ours is posted: the unique constraint skips NULLs.
    external_id = models.CharField(  # noqa: DJ001
        max_length=200,
        null=True,
        blank=True,
        help_text="The platform's id; empty until ours is posted.",
    )
    direction = models.CharField(max_length=3, choices=Direction.choices)
    visibility = models.CharField(
        max_length=8, choices=Visibility.choices, default=Visibility.PUBLIC
    )
    author_identity = models.ForeignKey(
        Identity, on_delete=models.SET_NULL, null=True, blank=True, related_name="messages"
    )
    author_agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="messages",
    )
    text = models.TextField(blank=True)
    attachments = models.JSONField(default=list, blank=True)
    extra = models.JSONField(
        default=dict, blank=True, help_text="Quick-reply payloads, referrals, search names..."
    )
    platform_timestamp = models.DateTimeField(null=True, blank=True)
    # Timestamp of the newest platform state applied, so a late, older event cannot win.
    state_timestamp = models.DateTimeField(null=True, blank=True)
    parent = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="replies"
    )
    parent_external_id = models.CharField(max_length=200, blank=True)
    edited = models.BooleanField(default=False)
    edit_history = models.JSONField(default=list, blank=True)
    deleted = models.BooleanField(default=False)
    hidden = models.BooleanField(default=False)
    liked = models.BooleanField(default=False)
    # Seen only through an edit or removal so far; the add has not arrived yet.
    placeholder = models.BooleanField(default=False)
    is_automatic = models.BooleanField(default=False)
    sent_natively = models.BooleanField(
        default=False, help_text="Sent by a person in the platform's own app."
    )
    delivery_status = models.CharField(
        max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.NONE, blank=True
    )
    permalink = models.URLField(max_length=1000, blank=True)
    # When classification, SLA and rules finished for this customer message (inbox/routing.py);
    # NULL while that is still to happen, so a crash between storing and routing is retried.
    routed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "external_id"],
                condition=Q(external_id__isnull=False),
                name="message_unique_external_id",
            ),
            models.CheckConstraint(
                condition=Q(direction__in=Direction.values), name="message_direction_valid"
            ),
        ]
        indexes = [
            # The thread in platform order.
            models.Index(
                fields=["conversation", "platform_timestamp", "id"], name="msg_thread_order"
            ),
            # Storm detection (reports.storms): customer messages of the last minutes, per post.
            models.Index(
                fields=["platform_timestamp"], name="msg_inbound_time", condition=Q(direction="in")
            ),
            # The routing sweep: only the few customer messages not yet routed.
            models.Index(
                fields=["created_at"],
                name="msg_unrouted",
                condition=Q(routed_at__isnull=True, direction="in"),
            ),
            # Ingest links replies that arrived before their parent when the parent lands:
            # only those orphans are indexed, so the index stays tiny and every new message
            # finds its early replies without scanning the whole table.
            models.Index(
                fields=["channel", "parent_external_id"],
                name="msg_orphan_replies",
                condition=Q(parent__isnull=True) & ~Q(parent_external_id=""),
            ),
        ]
        ordering = ["platform_timestamp", "id"]

    def __str__(self) -> str:
        return f"{self.get_direction_display()}: {self.text[:40]}"


class Note(models.Model):
    """An internal note agents leave on a conversation or a contact."""

    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, null=True, blank=True, related_name="notes"
    )
    contact = models.ForeignKey(
        Contact, on_delete=models.CASCADE, null=True, blank=True, related_name="notes"
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True)
    text = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(conversation__isnull=False) | Q(contact__isnull=False),
                name="note_has_subject",
            ),
        ]

    def __str__(self) -> str:
        return self.text[:60]


class SavedReplyScope(models.TextChoices):
    PERSONAL = "personal", "Only me"
    TEAM = "team", "My team"
    EVERYONE = "everyone", "Everyone"


class SavedReply(models.Model):
    """A canned answer; `{first_name}`, `{agent_name}`, `{order_number}` are filled in."""

    title = models.CharField(max_length=100)
    shortcut = models.SlugField(max_length=50, blank=True)
    body = models.TextField()
    scope = models.CharField(
        max_length=10, choices=SavedReplyScope.choices, default=SavedReplyScope.EVERYONE
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="saved_replies",
    )
    team = models.ForeignKey("accounts.Team", on_delete=models.CASCADE, null=True, blank=True)
    handoff = models.BooleanField(
        "public answer when continuing privately",
        default=False,
        help_text="Prefills the public text of “Reply publicly + continue privately” (a short "
        "“we've sent you a message”); the first such reply by title is used.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["title"]
        verbose_name_plural = "saved replies"

    def __str__(self) -> str:
        return self.title


class EventState(models.TextChoices):
    STORED = "stored", "Stored, not processed"
    PROCESSING = "processing", "Processing"
    DONE = "done", "Processed"
    RETRY = "retry", "Failed, will retry"
    FAILED = "failed", "Failed, kept for inspection"
    UNSUPPORTED = "unsupported", "Unsupported shape, kept"
    # Signed and kept, but never processed: the reason is in last_error (inbox/payloads.py).
    POISONED = "poisoned", "Poisonous, kept with its reason"


class InboundEvent(models.Model):
    """A webhook delivery or polled item, stored raw before anything else happens."""

    channel_kind = models.CharField(max_length=32)
    channel = models.ForeignKey(
        Channel, on_delete=models.SET_NULL, null=True, blank=True, related_name="events"
    )
    delivery_key = models.CharField(max_length=200)
    source = models.CharField(max_length=16, default="webhook")
    payload = models.JSONField()
    state = models.CharField(max_length=12, choices=EventState.choices, default=EventState.STORED)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    received_at = models.DateTimeField(default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    # Last handed to the broker; the sweep leaves an event queued this recently alone.
    queued_at = models.DateTimeField(null=True, blank=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["channel_kind", "delivery_key"], name="event_unique_delivery"
            ),
            models.CheckConstraint(
                condition=Q(state__in=EventState.values), name="event_state_valid"
            ),
        ]
        indexes = [
            # The sweep's query: only the few events not yet done, never the whole history.
            models.Index(
                fields=["received_at"],
                name="event_not_processed",
                condition=Q(state__in=["stored", "processing", "retry"]),
            ),
            # The Channels page counts what is kept for inspection, per channel.
            models.Index(
                fields=["channel", "state"],
                name="event_kept_for_inspection",
                condition=Q(state__in=["poisoned", "failed"]),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.channel_kind} {self.delivery_key} ({self.state})"


class ActionKind(models.TextChoices):
    REPLY = "reply", "Public reply"
    PRIVATE_REPLY = "private_reply", "Private reply to a comment"
    DM = "dm", "Direct message"
    LIKE = "like", "Like"
    UNLIKE = "unlike", "Unlike"
    HIDE = "hide", "Hide"
    UNHIDE = "unhide", "Unhide"
    DELETE = "delete", "Delete"


class ActionState(models.TextChoices):
    QUEUED = "queued", "Queued"
    SENDING = "sending", "Sending"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"
    HELD = "held", "Held until the channel is reconnected"


class OutboundAction(models.Model):
    """Something we do on a platform, tracked so that it happens exactly once."""

    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="actions")
    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, null=True, blank=True, related_name="actions"
    )
    kind = models.CharField(max_length=16, choices=ActionKind.choices)
    # The message we post (replies, DMs), or the message acted on (like, hide, delete).
    message = models.ForeignKey(
        Message, on_delete=models.SET_NULL, null=True, blank=True, related_name="actions"
    )
    target = models.ForeignKey(
        Message, on_delete=models.SET_NULL, null=True, blank=True, related_name="actions_on"
    )
    target_external_id = models.CharField(max_length=200, blank=True)
    payload = models.JSONField(default=dict, blank=True)
    state = models.CharField(max_length=10, choices=ActionState.choices, default=ActionState.QUEUED)
    attempts = models.PositiveIntegerField(default=0)
    # When the first attempt started: what an ambiguous attempt posted is looked for from
    # here on, so an earlier, identical message is never mistaken for it (inbox/landing.py).
    first_attempt_at = models.DateTimeField(null=True, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    not_before = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    # What an agent reads about an action that has not gone out (held, waiting, failed), in
    # words: "Facebook Page disconnected — an admin must reconnect". `last_error` keeps the
    # platform's own detail for admins and logs.
    reason = models.CharField(max_length=500, blank=True)
    external_id = models.CharField(
        max_length=200, blank=True, help_text="What the platform returned for the posted item."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    rule_name = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=ActionState.values), name="action_state_valid"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=ActionKind.values), name="action_kind_valid"
            ),
            models.CheckConstraint(
                condition=~Q(state=ActionState.DONE) | Q(attempts__gte=1),
                name="action_done_was_attempted",
            ),
        ]
        indexes = [
            models.Index(
                fields=["state", "not_before"],
                name="action_due",
                condition=Q(state__in=["queued", "sending"]),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk} ({self.state})"


class AuditEvent(models.Model):
    """Who did what, when: the conversation's timeline and the basis of the reports."""

    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, null=True, blank=True, related_name="audit_events"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    rule_name = models.CharField(max_length=200, blank=True)
    verb = models.CharField(max_length=40)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["verb", "created_at"], name="audit_verb_time")]

    def __str__(self) -> str:
        return f"{self.verb} at {self.created_at:%Y-%m-%d %H:%M}"


class ReadState(models.Model):
    """Per agent: when they last read a conversation. Unread = newer activity than this."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="read_states"
    )
    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="read_states"
    )
    read_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "conversation"], name="read_state_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} read {self.conversation_id} at {self.read_at:%H:%M}"


class Draft(models.Model):
    """A half-written reply, kept per agent and conversation so it survives reloads."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="drafts")
    text = models.TextField(blank=True)
    mode = models.CharField(max_length=16, default="public")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "conversation"], name="draft_unique"),
        ]

    def __str__(self) -> str:
        return f"draft by {self.user} on {self.conversation_id}"


class ReplyToken(models.Model):
    """A composer's one-time token, claimed in the same transaction as the reply it sends.

    In the database, not the cache, so that a form sent twice posts once even while Redis
    is down, and a reply that rolled back frees its token with it (inbox/reply_tokens.py).
    """

    token = models.CharField(max_length=32, unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    def __str__(self) -> str:
        return f"reply token {self.token[:8]}… ({self.created_at:%Y-%m-%d %H:%M})"
