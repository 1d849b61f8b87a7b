"""What the API shows and accepts. Reads mirror the inbox; writes are validated here and
then handed to the domain's operations (inbox/conversations.py), never saved directly."""

from __future__ import annotations

from rest_framework import serializers

from accounts.models import Team, User
from inbox.models import (
    ActionKind,
    Channel,
    Contact,
    Conversation,
    Identity,
    Message,
    Note,
    Priority,
    SavedReply,
    Tag,
)
from inbox.outbox import POSTING_KINDS


class AgentSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="display_name", read_only=True)

    class Meta:
        model = User
        fields = ["id", "username", "name", "role"]


class TeamSerializer(serializers.ModelSerializer):
    class Meta:
        model = Team
        fields = ["id", "name"]


class TagSerializer(serializers.ModelSerializer):
    class Meta:
        model = Tag
        fields = ["id", "name", "color"]


class ChannelBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Channel
        fields = ["id", "kind", "name", "handle", "status"]


class IdentitySerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="display_name", read_only=True)

    class Meta:
        model = Identity
        fields = [
            "id",
            "platform",
            "external_id",
            "name",
            "handle",
            "avatar_url",
            "profile_url",
            "follower_count",
            "verified",
        ]
        read_only_fields = fields


class ContactSerializer(serializers.ModelSerializer):
    identities = IdentitySerializer(many=True, read_only=True)

    class Meta:
        model = Contact
        fields = [
            "id",
            "name",
            "email",
            "phone",
            "order_number",
            "fields",
            "identities",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]


class ContactBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Contact
        fields = ["id", "name"]


class ConversationSerializer(serializers.ModelSerializer):
    channel = ChannelBriefSerializer(read_only=True)
    contact = ContactBriefSerializer(read_only=True)
    assignee = AgentSerializer(read_only=True)
    team = TeamSerializer(read_only=True)
    tags = TagSerializer(many=True, read_only=True)

    class Meta:
        model = Conversation
        fields = [
            "id",
            "kind",
            "state",
            "snoozed_until",
            "is_spam",
            "priority",
            "language",
            "intent",
            "preview",
            "channel",
            "contact",
            "assignee",
            "team",
            "tags",
            "context_external_id",
            "first_inbound_at",
            "first_response_at",
            "last_inbound_at",
            "last_message_at",
            "sla_due_at",
            "created_at",
        ]
        read_only_fields = fields


class MessageSerializer(serializers.ModelSerializer):
    author_identity = IdentitySerializer(read_only=True)
    author_agent = AgentSerializer(read_only=True)

    class Meta:
        model = Message
        fields = [
            "id",
            "external_id",
            "direction",
            "visibility",
            "text",
            "attachments",
            "author_identity",
            "author_agent",
            "platform_timestamp",
            "parent",
            "edited",
            "deleted",
            "hidden",
            "liked",
            "is_automatic",
            "delivery_status",
            "permalink",
            "created_at",
        ]
        read_only_fields = fields


class NoteSerializer(serializers.ModelSerializer):
    author = AgentSerializer(read_only=True)

    class Meta:
        model = Note
        fields = ["id", "text", "author", "created_at"]
        read_only_fields = ["author", "created_at"]


class ConversationDetailSerializer(ConversationSerializer):
    # Loaded by the view in a fixed number of queries (selectors.thread_messages).
    messages = MessageSerializer(source="thread", many=True, read_only=True)
    notes = NoteSerializer(source="note_list", many=True, read_only=True)

    class Meta(ConversationSerializer.Meta):
        fields = [*ConversationSerializer.Meta.fields, "context", "messages", "notes"]
        read_only_fields = fields


class SavedReplySerializer(serializers.ModelSerializer):
    class Meta:
        model = SavedReply
        fields = ["id", "title", "shortcut", "body", "scope", "owner", "team", "created_at"]
        read_only_fields = ["created_at"]

    def validate(self, attrs):
        scope = attrs.get("scope", getattr(self.instance, "scope", None))
        if scope == "personal" and not attrs.get("owner", getattr(self.instance, "owner", None)):
            raise serializers.ValidationError({"owner": "A personal reply needs its owner."})
        if scope == "team" and not attrs.get("team", getattr(self.instance, "team", None)):
            raise serializers.ValidationError({"team": "A team reply needs its team."})
        return attrs


class ChannelHealthSerializer(serializers.ModelSerializer):
    # The stubs see Field.label (a serializer is a field); DRF's metaclass moves declared
    # fields off the class, so this names the API's `label` field and shadows nothing.
    label = serializers.SerializerMethodField()  # type: ignore[assignment]
    budgets = serializers.SerializerMethodField()
    outbox = serializers.SerializerMethodField()

    class Meta:
        model = Channel
        fields = [
            "id",
            "kind",
            "label",
            "name",
            "handle",
            "status",
            "status_detail",
            "last_polled_at",
            "poll_after",
            "created_at",
            "budgets",
            "outbox",
        ]
        read_only_fields = fields

    def get_label(self, channel) -> str:
        return self.context["labels"].get(channel.pk, channel.kind)

    def get_budgets(self, channel) -> list[dict]:
        return [
            {
                "endpoint": b.endpoint,
                "remaining": b.remaining,
                "limit": b.limit,
                "reset_at": b.reset_at.isoformat() if b.reset_at else None,
                "detail": b.detail,
            }
            for b in self.context["budgets"].get(channel.pk, [])
        ]

    def get_outbox(self, channel) -> dict[str, int]:
        """Outbox actions by state: queued, sending, held (needs reconnect), failed."""
        return self.context["outbox"].get(channel.pk, {})


# ---- inputs ------------------------------------------------------------------------------


class ReplyInput(serializers.Serializer):
    text = serializers.CharField(trim_whitespace=True)
    private = serializers.BooleanField(default=False, help_text="A private reply or DM.")
    close = serializers.BooleanField(default=False, help_text="Close after answering.")


class NoteInput(serializers.Serializer):
    text = serializers.CharField(trim_whitespace=True)


class AssignInput(serializers.Serializer):
    assignee = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True),
        allow_null=True,
        help_text="An agent's id, or null to unassign.",
    )
    team = serializers.PrimaryKeyRelatedField(
        queryset=Team.objects.all(), required=False, allow_null=True
    )


class MergeInput(serializers.Serializer):
    other = serializers.PrimaryKeyRelatedField(
        queryset=Contact.objects.all(),
        help_text="The customer folded into this one (and then deleted).",
    )
    conversation = serializers.PrimaryKeyRelatedField(
        queryset=Conversation.objects.all(),
        required=False,
        allow_null=True,
        help_text="Where the merge is recorded on the timeline, as when an agent merges "
        "from a conversation; without it, only in the audit log.",
    )


class TagInput(serializers.Serializer):
    name = serializers.CharField(max_length=64)


class SnoozeInput(serializers.Serializer):
    until = serializers.DateTimeField()


class PriorityInput(serializers.Serializer):
    priority = serializers.ChoiceField(choices=Priority.choices)


MESSAGE_ACTIONS = [kind for kind in ActionKind.values if kind not in POSTING_KINDS]


class MessageActionInput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=MESSAGE_ACTIONS)


class ActionResultSerializer(serializers.Serializer):
    """An outbox action: it happens on the platform after the response, once."""

    id = serializers.IntegerField()
    kind = serializers.CharField()
    state = serializers.CharField()
