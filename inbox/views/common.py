"""Context shared by the inbox views: the list column and the conversation pane."""

from __future__ import annotations

import uuid

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from accounts.permissions import may_delete_platform_items

from .. import (
    folder_links,
    live,
    message_offers,
    pane_links,
    presence,
    saved_replies,
    selectors,
    shared_cache,
)
from ..conversations import reply_kind
from ..models import (
    Channel,
    ChannelStatus,
    Conversation,
    ConversationKind,
    Priority,
    SavedReplyScope,
)
from ..templatetags.inbox_ui import prepare_rows

SNOOZE_PRESETS = [
    ("1h", "1 hour"),
    ("4h", "4 hours"),
    ("tomorrow", "Tomorrow 9:00"),
    ("week", "Next week"),
]


def query_int(value, default: int = 0) -> int:
    """An integer from the query string; `default` for anything else (?before=abc)."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def list_context(
    request: HttpRequest,
    params: selectors.ListParams,
    *,
    agents=None,
    teams=None,
    version: int | None = None,
) -> dict:
    """The list column. `agents` and `teams`: the pane's, when the page shows one (read once);
    `version`: the live version the pane beside it was stamped with."""
    if version is None:
        version = live.page_version()  # one cache round trip, shared with the counts' key
    rows, next_after = selectors.inbox_rows(params, request.user)
    query = params.as_query()
    counts = selectors.folder_counts(request.user, version=version)
    if agents is None or teams is None:
        agents, teams = selectors.assignees()
    return {
        "params": params,
        "query": query,
        "rows": prepare_rows(rows, query),
        "next_after": next_after,
        "nav": folder_links.folder_nav(params, counts),
        "tools": folder_links.list_tools(params, ConversationKind.choices, next_after=next_after),
        "post": selectors.post_summary(params),
        "version": version,
        # Called as the page renders, after its cache reads: is the shared cache down?
        "live_paused": shared_cache.paused,
        "snooze_presets": SNOOZE_PRESETS,
        "priorities": Priority.choices,
        # Whom the bulk bar can assign to (1 query, whatever the number of rows).
        "bulk_agents": agents,
        "bulk_teams": teams,
        # Every agent sees a disconnected channel's banner (1 query).
        "disconnected_channels": Channel.objects.filter(status=ChannelStatus.NEEDS_RECONNECT)
        .defer("credentials")
        .order_by("name"),
    }


def composer_modes(conversation: Conversation) -> list[tuple[str, str]]:
    """The ways this channel can answer this conversation, as (value, label)."""
    modes = []
    public = reply_kind(conversation, private=False)
    private = reply_kind(conversation, private=True)
    if public:
        modes.append(("public", "Public reply"))
    if private:
        modes.append(("private", "Private message"))
    if public and private:
        modes.append(("both", "Reply publicly + continue privately"))
    return modes


def pane_context(request: HttpRequest, conversation: Conversation, *, version: int = 0) -> dict:
    """The pane. `version`: the live version read before `conversation` was loaded, which
    the thread is stamped with, so the live feed resends the pane only after a later
    change. Read any later, it could hide a change made in between; 0 (not stamped) has
    the feed resend it on the next change to the conversation."""
    detail = selectors.conversation_detail(conversation, request.user)
    connector = conversation.channel.connector
    modes = composer_modes(conversation)
    draft = detail.draft
    mode = draft.mode if draft and draft.mode in dict(modes) else (modes[0][0] if modes else "")
    filled = saved_replies.filled_replies(
        detail.saved_replies,
        conversation=conversation,
        agent=request.user,
        customer=detail.customer,
    )
    return {
        "detail": detail,
        "conversation": conversation,
        "pane_version": version,
        "links": pane_links.pane_links(conversation, detail.customer),
        # The messages, each with what it offers (Like, Hide…) and where those forms post.
        "thread": message_offers.offers(conversation, detail.messages),
        "connector": connector,
        "modes": modes,
        "mode": mode,
        "max_length": connector.max_text_length,
        "window_closes_at": connector.window_closes_at(conversation),
        "composer_options": connector.composer_options(conversation),
        "saved_replies": filled,
        # "Reply publicly + continue privately": the public text the managers chose.
        "handoff_text": next((r["text"] for r in filled if r["handoff"]), ""),
        "present": presence.others(conversation_id=conversation.pk, user=request.user),
        "priorities": Priority.choices,
        "snooze_presets": SNOOZE_PRESETS,
        "scopes": SavedReplyScope.choices,
        "draft_text": draft.text if draft else "",
        "since_id": detail.last_message_id,
        "use_signature": True,
        # Looked up only if a message offers Delete (the query-count tests count it).
        "may_delete": SimpleLazyObject(lambda: may_delete_platform_items(request.user)),
        # One-time: the reply view claims it before posting, so a form sent twice posts once.
        "reply_token": uuid.uuid4().hex,
    }
