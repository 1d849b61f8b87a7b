"""Agent actions on one conversation, on one message, and in bulk.

Each verb is a small function calling the shared operation in inbox/conversations.py; the
view looks the verb up in a dict, so adding one is one entry, not another branch.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.db import transaction
from django.http import (
    Http404,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseForbidden,
    HttpResponseNotAllowed,
)
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import Truncator
from django.views.decorators.http import require_http_methods, require_POST
from django_htmx.http import trigger_client_event

from accounts.models import Team, User
from accounts.permissions import may_take

from .. import conversations as ops
from .. import live, selectors
from ..access import (
    AuthenticatedHttpRequest,
    get_action_for_agent,
    get_conversation_for_agent,
    get_message_for_agent,
    require_agent,
)
from ..models import ActionKind, Conversation, Message
from ..outbox import POSTING_KINDS, NotSupported, retry_failed
from ..templatetags.inbox_ui import connector_label
from .common import list_context, pane_context

PAGE = "inbox/inbox.html"


def snooze_until(value: str, *, now: datetime | None = None) -> datetime:
    """A preset ("1h", "4h", "tomorrow", "week") or an ISO date/time from the date picker."""
    now = timezone.localtime(now or timezone.now())
    nine = time(9, 0)
    presets = {
        "1h": lambda: now + timedelta(hours=1),
        "4h": lambda: now + timedelta(hours=4),
        "tomorrow": lambda: timezone.make_aware(
            datetime.combine(now.date() + timedelta(days=1), nine)
        ),
        "week": lambda: timezone.make_aware(
            datetime.combine(now.date() + timedelta(days=7 - now.weekday()), nine)
        ),
    }
    if value in presets:
        return presets[value]()
    parsed = datetime.fromisoformat(value)
    return timezone.make_aware(parsed) if timezone.is_naive(parsed) else parsed


def _assign(c: Conversation, data, user) -> None:
    target = data.get("to", "")
    if target == "me":
        ops.conversation_assign(conversation=c, assignee=user, actor=user)
    elif target == "nobody":
        ops.conversation_assign(conversation=c, assignee=None, actor=user)
    elif target.startswith("team:"):
        team = Team.objects.get(pk=int(target[5:]))
        ops.conversation_assign(conversation=c, assignee=c.assignee, team=team, actor=user)
    else:
        agent = User.objects.get(pk=int(target), is_active=True)
        ops.conversation_assign(conversation=c, assignee=agent, actor=user)


def _tag(c, data, user):
    for name in data.get("name", "").split(","):
        if name.strip():
            ops.conversation_tag(conversation=c, name=name.strip()[:64], actor=user)


def _note(c, data, user):
    if data.get("text", "").strip():
        ops.note_add(conversation=c, text=data["text"], actor=user)


VERBS = {
    "assign": _assign,
    "tag": _tag,
    "untag": lambda c, d, u: ops.conversation_untag(
        conversation=c, name=d.get("name", ""), actor=u
    ),
    "close": lambda c, d, u: ops.conversation_close(conversation=c, actor=u),
    "reopen": lambda c, d, u: ops.conversation_reopen(conversation=c, actor=u),
    "snooze": lambda c, d, u: ops.conversation_snooze(
        conversation=c, until=snooze_until(d.get("until", "1h")), actor=u
    ),
    "priority": lambda c, d, u: ops.conversation_set_priority(
        conversation=c, priority=d.get("priority", ""), actor=u
    ),
    "spam": lambda c, d, u: ops.conversation_mark_spam(conversation=c, spam=True, actor=u),
    "unspam": lambda c, d, u: ops.conversation_mark_spam(conversation=c, spam=False, actor=u),
    "note": _note,
}
# After these, the keyboard flow moves on to the next conversation.
ADVANCING = {"close", "snooze", "spam"}
BULK_VERBS = {"assign", "tag", "close", "reopen", "snooze", "priority", "spam"}


def _pane(request, conversation, *, advance: bool = False) -> HttpResponse:
    if not request.htmx:
        return redirect("inbox:conversation", pk=conversation.pk)
    version = live.page_version()  # before the conversation is read again: see pane_context
    conversation.refresh_from_db()
    response = render(request, f"{PAGE}#pane", pane_context(request, conversation, version=version))
    return trigger_client_event(
        response,
        "conversationChanged",
        {"conversation": conversation.pk, "advance": advance},
        after="settle",
    )


@require_POST
def act(request: AuthenticatedHttpRequest, pk: int, verb: str) -> HttpResponse:
    conversation = get_conversation_for_agent(request, pk)
    handler = VERBS.get(verb)
    if handler is None:
        raise Http404("unknown action")
    try:
        handler(conversation, request.POST, request.user)
    except (ValueError, LookupError, User.DoesNotExist, Team.DoesNotExist) as exc:
        return HttpResponseBadRequest(f"cannot {verb}: {exc}")
    return _pane(
        request, conversation, advance=verb in ADVANCING and request.POST.get("advance") == "1"
    )


@require_http_methods(["GET", "POST"])
def message_action(request: AuthenticatedHttpRequest, pk: int, kind: str) -> HttpResponse:
    """Like, hide, delete... one message on the platform. Delete's GET asks first: without
    JavaScript its button opens that question (with it, htmx asks in a dialog and posts)."""
    message = get_message_for_agent(request, pk)
    if kind not in ActionKind.values or kind in POSTING_KINDS:
        raise Http404("unknown action")
    if not may_take(request.user, kind):  # a role may be kept from deleting (Settings → Roles)
        return HttpResponseForbidden(f"Your role may not {kind} messages on the platform.")
    if request.method != "POST":
        if kind != ActionKind.DELETE:
            return HttpResponseNotAllowed(["POST"])
        return render(request, "inbox/confirm.html", _delete_question(message))
    try:  # the outbox refuses what the channel, or the platform for this message, cannot do
        ops.message_act(message=message, kind=kind, actor=request.user)
    except NotSupported as exc:
        return HttpResponseBadRequest(str(exc))
    return _pane(request, get_conversation_for_agent(request, message.conversation_id))


def _delete_question(message: Message) -> dict:
    """What the confirm page says before a message is deleted on the platform."""
    channel = message.channel
    author = message.author_identity.display_name if message.author_identity else "Customer"
    text = Truncator(message.text).chars(80) or "The message"
    return {
        "object": "this message on the platform",
        "consequences": [
            f"“{text}” by {author} is deleted on {channel.name} ({connector_label(channel)}): "
            "nobody sees it there any more. This cannot be undone."
        ],
        "cancel_url": reverse("inbox:conversation", args=[message.conversation_id]),
    }


@require_POST
def retry(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    action = get_action_for_agent(request, pk)
    with transaction.atomic():
        retry_failed(action, user=request.user)
    if request.POST.get("next") == "outbox":
        return redirect("inbox:outbox")
    if action.conversation_id is None:
        raise Http404("this action is on no conversation")
    return _pane(request, get_conversation_for_agent(request, action.conversation_id))


@require_POST
def bulk(request: AuthenticatedHttpRequest) -> HttpResponse:
    """One verb on the selected rows, or on every comment of a post (`post=`)."""
    require_agent(request)
    verb = request.POST.get("verb", "")
    if verb not in BULK_VERBS:
        return HttpResponseBadRequest("unknown bulk action")
    params = selectors.ListParams.from_query(request.GET)
    if request.POST.get("scope") == "post" and params.post_key:
        channel_id, context = params.post_key
        targets = Conversation.objects.filter(channel_id=channel_id, context_external_id=context)
        if verb == "close":
            targets = targets.exclude(state="closed")
    else:
        ids = [int(i) for i in request.POST.getlist("ids") if i.isdigit()]
        targets = Conversation.objects.filter(pk__in=ids)
    done = 0
    try:
        for conversation in targets.select_related("assignee").order_by("pk"):
            with transaction.atomic():
                VERBS[verb](conversation, request.POST, request.user)
            done += 1
    except (ValueError, LookupError) as exc:
        return HttpResponseBadRequest(f"cannot {verb}: {exc}")
    if not request.htmx:
        return redirect(f"/?{params.as_query()}")
    response = render(request, f"{PAGE}#list", list_context(request, params))
    return trigger_client_event(response, "bulkDone", {"verb": verb, "count": done}, after="settle")
