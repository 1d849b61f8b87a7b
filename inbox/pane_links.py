"""The conversation pane's own links (its forms' actions), built once per pane in Python.

As `{% url 'inbox:act' conversation.pk 'close' %}` in the template they were about 35
template-tag calls and reverses a pane, most of them the same few URLs twice (a form's
`action` and its `hx-post`). Here each is reversed once; the template escapes them, as it
escaped the tag's output. Links to other conversations and per-message actions stay tags.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse

from .models import Contact, Conversation
from .url_fill import url_filler

# The `inbox:act` verbs the pane's header and notes post to.
ACT_VERBS = (
    "assign",
    "tag",
    "untag",
    "snooze",
    "priority",
    "reopen",
    "close",
    "spam",
    "unspam",
    "note",
)
_VERB = "verb"  # reversed once in its place, then replaced by each verb (url_fill.py)


@dataclass(frozen=True)
class PaneLinks:
    act: dict[str, str]
    spam_toggle: str  # where the Spam (or, once marked, Not spam) button posts
    reply: str
    draft: str
    correct_intent: str
    customer_edit: str = ""
    customer_note: str = ""
    customer_merge: str = ""


def pane_links(conversation: Conversation, contact: Contact | None) -> PaneLinks:
    pk = conversation.pk
    act_url = url_filler("inbox:act", pk, _VERB)  # one reverse serves every verb
    act = {verb: act_url(pk, verb) for verb in ACT_VERBS}
    customer: dict[str, str] = {}
    if contact is not None:
        customer = {
            name: reverse(f"inbox:{name}", args=[pk, contact.pk])
            for name in ("customer_edit", "customer_note", "customer_merge")
        }
    return PaneLinks(
        act=act,
        spam_toggle=act["unspam" if conversation.is_spam else "spam"],
        reply=reverse("inbox:reply", args=[pk]),
        draft=reverse("inbox:draft", args=[pk]),
        correct_intent=reverse("rules:correct_intent", args=[pk]),
        **customer,
    )
