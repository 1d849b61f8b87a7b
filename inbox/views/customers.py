"""The customer panel's operations: edit, note, merge (with a preview page), unmerge.

Each acts on a customer shown beside a conversation; the conversation is where the agent
returns and where the change is audited.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from .. import contacts, search
from ..access import AuthenticatedHttpRequest, get_conversation_for_agent
from ..forms import ContactForm
from ..models import Contact, Identity
from .common import pane_context

PAGE = "inbox/inbox.html"


def _pane(request: AuthenticatedHttpRequest, conversation, **extra) -> HttpResponse:
    if not request.htmx:
        return redirect("inbox:conversation", conversation.pk)
    context = pane_context(request, conversation)
    context.update(extra)
    return render(request, f"{PAGE}#pane", context)


@require_POST
def edit(request: AuthenticatedHttpRequest, pk: int, contact_pk: int) -> HttpResponse:
    conversation = get_conversation_for_agent(request, pk)
    contact = get_object_or_404(Contact, pk=contact_pk)
    form = ContactForm(request.POST, instance=Contact.objects.get(pk=contact.pk))
    if not form.is_valid():
        if not request.htmx:
            return HttpResponseBadRequest(
                "; ".join(str(m) for e in form.errors.values() for m in e)
            )
        return _pane(request, conversation, contact_form=form)
    contacts.contact_update(
        contact=contact, values=form.cleaned_data, actor=request.user, conversation=conversation
    )
    return _pane(request, conversation)


@require_POST
def note(request: AuthenticatedHttpRequest, pk: int, contact_pk: int) -> HttpResponse:
    conversation = get_conversation_for_agent(request, pk)
    contact = get_object_or_404(Contact, pk=contact_pk)
    if request.POST.get("text", "").strip():
        contacts.contact_note_add(
            contact=contact,
            text=request.POST["text"],
            actor=request.user,
            conversation=conversation,
        )
    return _pane(request, conversation)


def merge(request: AuthenticatedHttpRequest, pk: int, contact_pk: int) -> HttpResponse:
    """GET: find the other customer and preview the merge; POST: merge."""
    conversation = get_conversation_for_agent(request, pk)
    contact = get_object_or_404(Contact, pk=contact_pk)
    other_pk = request.POST.get("other") or request.GET.get("other") or ""
    other = None
    if other_pk.isdigit() and int(other_pk) != contact.pk:
        other = get_object_or_404(Contact, pk=int(other_pk))
    if request.method == "POST":
        if other is None:
            return HttpResponseBadRequest("choose the customer to merge with")
        name = other.name or f"contact {other.pk}"
        contacts.contact_merge(
            keep=contact, other=other, actor=request.user, conversation=conversation
        )
        messages.success(request, f"Merged {name} into {contact.name or 'this customer'}.")
        return redirect("inbox:conversation", conversation.pk)
    q = request.GET.get("q", "").strip()
    return render(
        request,
        "inbox/merge.html",
        {
            "conversation": conversation,
            "contact": contact,
            "q": q,
            "candidates": search.find_customers(q, exclude=contact.pk) if q else [],
            "preview": contacts.merge_preview(keep=contact, other=other) if other else None,
            "back": reverse("inbox:conversation", args=[conversation.pk]),
        },
    )


@require_POST
def unmerge(request: AuthenticatedHttpRequest, pk: int, identity_pk: int) -> HttpResponse:
    conversation = get_conversation_for_agent(request, pk)
    identity = get_object_or_404(Identity, pk=identity_pk)
    try:
        contacts.identity_unmerge(identity=identity, actor=request.user, conversation=conversation)
    except ValueError as exc:
        return HttpResponseBadRequest(str(exc))
    conversation.refresh_from_db()
    return _pane(request, conversation)
