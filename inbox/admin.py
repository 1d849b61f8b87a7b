"""Django admin for every model, so managers can work before (and beside) the inbox UI."""

from django.contrib import admin

from . import models


@admin.register(models.Channel)
class ChannelAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "external_id", "status", "last_polled_at"]
    list_filter = ["kind", "status"]
    search_fields = ["name", "external_id", "handle"]
    exclude = ["credentials"]  # never shown, not even encrypted
    readonly_fields = ["rate_limits", "last_polled_at"]

    # Channels are changed and deleted here only: each is in the audit log (inbox/channels.py).
    def save_model(self, request, obj, form, change):
        from audit.log import snapshot

        from .channels import changed, connected

        before = snapshot(models.Channel.objects.get(pk=obj.pk)) if change else None
        super().save_model(request, obj, form, change)
        if change:
            changed(obj, before=before, user=request.user)
        else:
            connected(obj, user=request.user)

    def delete_model(self, request, obj):
        from .channels import deleted

        deleted(obj, user=request.user)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        from .channels import deleted

        for channel in queryset:
            deleted(channel, user=request.user)
        super().delete_queryset(request, queryset)


class IdentityInline(admin.TabularInline):
    model = models.Identity
    extra = 0


@admin.register(models.Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ["name", "email", "phone", "order_number", "created_at"]
    search_fields = ["name", "email", "phone", "order_number", "identities__handle"]
    inlines = [IdentityInline]


@admin.register(models.Identity)
class IdentityAdmin(admin.ModelAdmin):
    list_display = ["display_name", "platform", "handle", "external_id", "contact"]
    list_filter = ["platform"]
    search_fields = ["name", "handle", "external_id"]
    raw_id_fields = ["contact"]


class MessageInline(admin.TabularInline):
    model = models.Message
    extra = 0
    fields = readonly_fields = (
        "direction",
        "visibility",
        "text",
        "platform_timestamp",
        "deleted",
        "hidden",
        "delivery_status",
    )
    can_delete = False
    show_change_link = True


@admin.register(models.Conversation)
class ConversationAdmin(admin.ModelAdmin):
    list_display = [
        "__str__",
        "channel",
        "contact",
        "state",
        "assignee",
        "priority",
        "last_message_at",
    ]
    # context_state: the threads whose post or media is still to be fetched (inbox/enrich.py).
    list_filter = ["state", "kind", "channel", "priority", "is_spam", "context_state", "tags"]
    search_fields = ["preview", "external_thread_id", "contact__name"]
    raw_id_fields = ["contact"]
    filter_horizontal = ["tags"]
    inlines = [MessageInline]


@admin.register(models.Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = [
        "__str__",
        "channel",
        "direction",
        "platform_timestamp",
        "routed_at",
        "deleted",
        "hidden",
    ]
    list_filter = ["direction", "visibility", "deleted", "hidden", "channel"]
    search_fields = ["text", "external_id"]
    raw_id_fields = ["conversation", "author_identity", "parent"]


@admin.register(models.InboundEvent)
class InboundEventAdmin(admin.ModelAdmin):
    list_display = [
        "delivery_key",
        "channel_kind",
        "channel",
        "source",
        "state",
        "attempts",
        "received_at",
        "reason",
    ]
    # The Channels page links here filtered by channel and state (poisoned, failed).
    list_filter = ["state", "channel_kind", "source", "channel"]
    search_fields = ["delivery_key", "last_error"]
    readonly_fields = ["payload", "last_error"]

    @admin.display(description="Reason")
    def reason(self, event):
        return event.last_error[:120]

    actions = ["reprocess"]

    @admin.action(description="Process again")
    def reprocess(self, request, queryset):
        from .kept import process_again

        _queued, poisoned = process_again(queryset)
        if poisoned:
            self.message_user(
                request,
                f"{poisoned} poisoned event(s) left as they are: "
                "what they hold cannot be processed.",
            )


@admin.register(models.OutboundAction)
class OutboundActionAdmin(admin.ModelAdmin):
    list_display = ["__str__", "channel", "kind", "state", "attempts", "external_id", "created_at"]
    list_filter = ["state", "kind", "channel"]
    readonly_fields = [
        "attempts",
        "first_attempt_at",
        "last_attempt_at",
        "external_id",
        "last_error",
    ]
    raw_id_fields = ["conversation", "message", "target"]


admin.site.register(models.Tag)
admin.site.register(models.Note)
admin.site.register(models.SavedReply)
admin.site.register(models.AuditEvent)
admin.site.register(models.ReadState)
admin.site.register(models.Draft)


@admin.register(models.ReplyToken)
class ReplyTokenAdmin(admin.ModelAdmin):
    list_display = ["token", "user", "conversation", "created_at"]
    raw_id_fields = ["user", "conversation"]
