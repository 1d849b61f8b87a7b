from django.urls import path

from .views import (
    actions,
    channels,
    conversations,
    customers,
    inbox,
    live,
    outbox,
    replies,
    webhooks,
)

app_name = "inbox"

urlpatterns = [
    path("webhooks/<slug:slug>/", webhooks.webhook, name="webhook"),
    path("", inbox.inbox, name="inbox"),
    path("posts/", inbox.posts, name="posts"),
    path("live/", live.feed, name="live"),
    path("bulk/", actions.bulk, name="bulk"),
    path("c/<int:pk>/", conversations.conversation, name="conversation"),
    path("c/<int:pk>/reply/", replies.reply, name="reply"),
    path("c/<int:pk>/draft/", replies.save_draft, name="draft"),
    path("c/<int:pk>/do/<slug:verb>/", actions.act, name="act"),
    path("c/<int:pk>/customer/<int:contact_pk>/edit/", customers.edit, name="customer_edit"),
    path("c/<int:pk>/customer/<int:contact_pk>/note/", customers.note, name="customer_note"),
    path("c/<int:pk>/customer/<int:contact_pk>/merge/", customers.merge, name="customer_merge"),
    path(
        "c/<int:pk>/identity/<int:identity_pk>/unmerge/", customers.unmerge, name="identity_unmerge"
    ),
    path("m/<int:pk>/<slug:kind>/", actions.message_action, name="message_action"),
    path("actions/<int:pk>/retry/", actions.retry, name="retry"),
    path("channels/", channels.channels, name="channels"),
    path("channels/kept/", channels.kept_events, name="kept_events"),
    path(
        "channels/kept/<int:pk>/process/",
        channels.process_kept_event,
        name="process_kept_event",
    ),
    path("outbox/", outbox.outbox, name="outbox"),
]
