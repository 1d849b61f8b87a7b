"""The live feed an open inbox polls about once a second.

Answers with what changed since the version the page has: the changed rows that belong in
the current view (to replace or insert), the ids that left it, fresh folder counts, the
open conversation's thread and side panel when it changed after the version the pane shows
(its `data-version`), and who else is looking at it.
The composer is never sent back, so a half-written reply is never touched. While the shared
cache is unreachable the feed answers `paused` and the page says so; the page reloads what
it shows once the feed is back.
"""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.template.loader import render_to_string

from .. import folder_links, live, presence, selectors, shared_cache
from ..access import require_agent
from ..models import Conversation
from ..templatetags.inbox_ui import prepare_rows
from .common import pane_context, query_int

PAGE = "inbox/inbox.html"


def feed(request: HttpRequest) -> JsonResponse:
    require_agent(request)
    user = request.user
    params = selectors.ListParams.from_query(request.GET)
    since = query_int(request.GET.get("v"))
    open_id = query_int(request.GET.get("open"), 0) or None
    # The version the open pane was rendered at: a change it shows already is not resent.
    pane_version = query_int(request.GET.get("pv"), 0)
    version, slots = live.changed_slots(since)
    if pane_version > version:  # stamped before the log restarted: as if not stamped
        pane_version = 0
    changed = live.changed_ids(slots)
    if shared_cache.paused():
        return JsonResponse({"version": since, "reload": False, "paused": True})
    if request.GET.get("resync") == "1":
        changed = None  # back after a pause: changes made meanwhile were never announced
    body: dict = {"version": version, "reload": changed is None}
    if open_id:
        presence.announce(
            conversation_id=open_id, user=user, replying=request.GET.get("typing") == "1"
        )
        body["presence"] = render_to_string(
            f"{PAGE}#presence",
            {"present": presence.others(conversation_id=open_id, user=user)},
            request,
        )
    if changed is None:
        changed = set()
    if changed or body["reload"]:
        body["folders"] = render_to_string(
            f"{PAGE}#folders",
            {"nav": folder_links.folder_nav(params, selectors.folder_counts(user))},
            request,
        )
    if changed and not body["reload"]:
        rows, gone = selectors.rows_by_id(changed, params, user)
        query = params.as_query()
        body["rows"] = [
            {"id": row.pk, "html": render_to_string(f"{PAGE}#row", {"c": row}, request)}
            for row in prepare_rows(rows, query)
        ]
        body["gone"] = sorted(gone)
    if open_id and (body["reload"] or live.changed_after(slots or {}, pane_version, open_id)):
        conversation = (
            Conversation.objects.select_related("channel", "contact", "assignee", "team")
            .filter(pk=open_id)
            .first()
        )
        if conversation is not None:
            context = pane_context(request, conversation, version=version)
            body["thread"] = render_to_string(f"{PAGE}#thread", context, request)
            body["side"] = render_to_string(f"{PAGE}#side", context, request)
            body["header"] = render_to_string(f"{PAGE}#header", context, request)
    return JsonResponse(body)
