"""The composer: send a reply (public, private, or both), keep drafts.

Before a public reply goes out, two checks can stop it and ask the agent: personal data in
the text (offer to send it privately), and someone else having answered since the agent
opened the conversation. The agent confirms either with one more click.

A reply is never posted twice: each rendered composer carries a one-time token, and the view
claims it in the reply's own transaction (inbox/reply_tokens.py, on the database, so across
web processes and while Redis is down). A second submission of the same form posts nothing.
Once the reply is committed nothing answers with an error, or the agent would type it again.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect, reswap, retarget, trigger_client_event

from .. import live, presence, reply_tokens, selectors
from ..access import AuthenticatedHttpRequest, get_conversation_for_agent
from ..conversations import conversation_reply
from ..models import Draft
from ..outbox import NotSupported
from ..pii import find_personal_data
from ..saved_replies import with_signature
from .common import composer_modes, pane_context

PAGE = "inbox/inbox.html"
log = logging.getLogger("switchboard.replies")


class _AlreadySent(Exception):
    """This form's token was claimed by an earlier submission: roll back, post nothing."""


def _composer(request, conversation, *, status: int = 200, **extra) -> HttpResponse:
    context = pane_context(request, conversation)
    context.update(extra)
    response = render(request, f"{PAGE}#composer", context, status=status)
    # The form targets the whole pane (a sent reply refreshes the thread); a warning or an
    # error replaces only the composer, keeping what the agent wrote.
    return reswap(retarget(response, "#composer"), "outerHTML") if request.htmx else response


@require_POST
def reply(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    conversation = get_conversation_for_agent(request, pk)
    text = request.POST.get("text", "")
    mode = request.POST.get("mode", "public")
    if request.POST.get("send_as") == "private":
        # The personal-data warning's "Send privately instead": this text goes privately only.
        mode = "private"
    close = request.POST.get("close") == "1"
    # "Both": a short public answer and the private text with the details, two texts.
    public_text = request.POST.get("public_text", "") if mode == "both" else text
    form: dict[str, Any] = {
        "draft_text": text,
        "mode": mode,
        "form_close": close,
        "public_text": request.POST.get("public_text"),
        "form_advance": request.POST.get("advance") == "1",
        "use_signature": request.POST.get("signature") == "on",
    }
    if mode not in dict(composer_modes(conversation)):
        return _composer(
            request, conversation, error="This channel cannot answer that way.", **form
        )
    if not text.strip():
        return _composer(request, conversation, error="Write something first.", **form)
    if not public_text.strip():
        return _composer(request, conversation, error="Write the public answer too.", **form)
    if mode in ("public", "both") and request.POST.get("confirm_pii") != "1":
        # Only what goes publicly is checked: the private text is where the details belong.
        findings = find_personal_data(public_text)
        if findings:
            return _composer(request, conversation, pii_findings=findings, **form)
    since_id = int(request.POST.get("since_id") or 0)
    if request.POST.get("confirm_answered") != "1":
        answered = selectors.answered_since(conversation, since_id=since_id, user=request.user)
        if answered:
            return _composer(
                request, conversation, answered=answered, **{**form, "since_id": since_id}
            )
    if form["use_signature"]:
        text = with_signature(text, request.user.signature)
        public_text = text if mode != "both" else public_text
    # Only what the connector offers here is passed on, whatever else the form carries.
    options = {
        option.name: True
        for option in conversation.channel.connector.composer_options(conversation)
        if request.POST.get(option.name) == "on"
    }
    try:
        with transaction.atomic():
            if not reply_tokens.claim(
                request.POST.get("reply_token", ""), user=request.user, conversation=conversation
            ):
                raise _AlreadySent
            if mode in ("public", "both"):
                conversation_reply(
                    conversation=conversation,
                    text=public_text,
                    private=False,
                    actor=request.user,
                    close=close and mode == "public",
                )
            if mode in ("private", "both"):
                conversation_reply(
                    conversation=conversation,
                    text=text,
                    private=True,
                    actor=request.user,
                    options=options,
                    close=close,
                )
            Draft.objects.filter(user=request.user, conversation=conversation).delete()
    except _AlreadySent:
        return _already_sent(request, conversation)
    except (NotSupported, ValueError) as exc:
        # Rolled back with its token: nothing was posted, the same form may be sent again.
        return _composer(request, conversation, error=str(exc), **form)
    # Committed and queued (if the broker was unreachable, the sweep queues it). An error
    # from here on would make the agent send it again, so any failure shows the conversation.
    try:
        return _sent(request, conversation, close=close, advance=form["form_advance"])
    except Exception:
        log.exception(
            "reply in conversation %s was committed; showing the pane failed", conversation.pk
        )
        url = reverse("inbox:conversation", args=[conversation.pk])
        return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


def _sent(
    request: AuthenticatedHttpRequest, conversation, *, close: bool, advance: bool
) -> HttpResponse:
    presence.announce(conversation_id=conversation.pk, user=request.user, replying=False)
    if not request.htmx:
        return redirect("inbox:conversation", pk=conversation.pk)
    version = live.page_version()  # before the conversation is read again: see pane_context
    conversation.refresh_from_db()
    context = pane_context(request, conversation, version=version)
    response = render(request, f"{PAGE}#pane", context)
    return trigger_client_event(
        response,
        "replySent",
        {"conversation": conversation.pk, "closed": close, "advance": advance},
        after="settle",
    )


def _already_sent(request: AuthenticatedHttpRequest, conversation) -> HttpResponse:
    """The same form came twice (double click, resent request): show what the first did."""
    if not request.htmx:
        return redirect("inbox:conversation", pk=conversation.pk)
    return render(request, f"{PAGE}#pane", pane_context(request, conversation))


@require_POST
def save_draft(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    conversation = get_conversation_for_agent(request, pk)
    text = request.POST.get("text", "")
    mode = request.POST.get("mode", "public")[:16]
    if text.strip():
        Draft.objects.update_or_create(
            user=request.user, conversation=conversation, defaults={"text": text, "mode": mode}
        )
    else:
        Draft.objects.filter(user=request.user, conversation=conversation).delete()
    presence.announce(
        conversation_id=conversation.pk, user=request.user, replying=bool(text.strip())
    )
    return HttpResponse(status=204)
