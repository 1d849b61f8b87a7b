"""Small display helpers for the inbox templates. Everything customer-made stays escaped;
URLs additionally pass `safe_url`, because escaping alone does not stop `javascript:`."""

from __future__ import annotations

import html
import re
from datetime import datetime
from urllib.parse import urlsplit

from django import template
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.text import Truncator

from ..connectors import Capability
from ..url_fill import url_filler

register = template.Library()

_SAFE_SCHEMES = {"http", "https"}


@register.filter
def safe_url(value) -> str:
    """The URL if it is plain http(s), else empty: customer and platform data can carry
    `javascript:` or `data:` links."""
    text = str(value or "").strip()
    if not text:
        return ""
    try:
        scheme = urlsplit(text).scheme.lower()
    except ValueError:
        return ""
    return text if scheme in _SAFE_SCHEMES else ""


_HEX_COLOR = re.compile(r"#[0-9a-fA-F]{3,8}")


@register.filter
def safe_color(value) -> str:
    """A #hex colour for a style attribute, else grey: CSS is another injection route."""
    text = str(value or "")
    return text if _HEX_COLOR.fullmatch(text) else "#6b7280"


@register.filter
def age(value: datetime | None) -> str:
    if not value:
        return ""
    seconds = int((timezone.now() - value).total_seconds())
    if seconds < 60:
        return "now"
    for size, unit in ((86400 * 7, "w"), (86400, "d"), (3600, "h"), (60, "m")):
        if seconds >= size:
            return f"{seconds // size}{unit}"
    return "now"


SLA_BADGE = {"breached": "breached", "due_soon": "soon", "on_time": "ok"}  # CSS classes


@register.filter
def sla_state(conversation) -> str:
    """'' (no SLA), 'breached', 'soon' or 'ok': the one SLA state (due soon by the policy's
    due_soon_minutes, stored on the conversation by rules/sla.py: no query)."""
    return SLA_BADGE.get(conversation.sla_status(), "")


@register.filter
def sla_label(due: datetime | None) -> str:
    if not due:
        return ""
    left = int((due - timezone.now()).total_seconds())
    span = abs(left)
    text = (
        f"{span // 86400}d"
        if span >= 86400
        else f"{span // 3600}h"
        if span >= 3600
        else f"{max(span // 60, 1)}m"
    )
    return f"SLA {text} over" if left < 0 else f"SLA {text}"


@register.filter
def capped(n, cap) -> str:
    """A folder count as shown: counting stops at `cap`, which reads as "999+"."""
    if n is None:
        return ""
    return f"{cap - 1}+" if cap and n >= cap else str(n)


@register.filter
def at_least(n, counts) -> str:
    """A tag/channel/team count: "12+" when it was counted over a window of open work only."""
    if n is None:
        return ""
    shown = capped(n, counts.get("cap"))
    return shown if counts.get("exact", True) or shown.endswith("+") else f"{shown}+"


# What agents read instead of the names the code stores. Anything not listed falls back to
# its name with spaces, so a new verb still reads, only less nicely.
RULE_TRIGGERS = {
    "new_conversation": "when the conversation started",
    "new_message": "when the customer wrote",
    "idle": "after it waited for an answer",
    "sla_due_soon": "as the SLA came due",
    "sla_breached": "when the SLA was breached",
}
VERBS = {
    "replied": "replied",
    "answered_natively": "answered in the platform's own app",
    "channel_needs_reconnect": "the channel was disconnected; an admin must reconnect it",
    "channel_reconnected": "the channel was reconnected",
    "action_retried": "sent it again",
    "marked_spam": "marked it as spam",
    "unmarked_spam": "marked it as not spam",
    "priority": "set the priority to",
    "note": "added a note",
    "customer_edited": "edited the customer:",
    "customer_note": "added a note on the customer",
    "customer_merged": "merged in the customer",
    "identity_unmerged": "split off the identity",
}
# Who did it when no agent or rule did: a person in the platform's app is not "system".
NO_ACTOR = {"answered_natively": "someone"}
# Per outbox action kind: (what the agent asked, what landed, what did not).
ACTIONS = {
    "reply": ("replied", "reply posted", "reply not posted"),
    "private_reply": ("replied privately", "private reply sent", "private reply not sent"),
    "dm": ("sent a message", "message sent", "message not sent"),
    "like": ("liked the message", "liked on the platform", "like failed"),
    "unlike": ("unliked the message", "like removed on the platform", "unlike failed"),
    "hide": ("hid the message", "hidden on the platform", "hiding failed"),
    "unhide": ("showed the message again", "shown again on the platform", "unhiding failed"),
    "delete": ("deleted the message", "deleted on the platform", "deleting failed"),
}
_ACTION_VERB = re.compile(r"action_(\w+?)_(done|failed)")


def _verb_words(verb: str) -> str:
    if verb in VERBS:
        return VERBS[verb]
    if (m := _ACTION_VERB.fullmatch(verb)) and m.group(1) in ACTIONS:
        _asked, done, failed = ACTIONS[m.group(1)]
        return done if m.group(2) == "done" else failed
    if verb.startswith("message_") and verb.removeprefix("message_") in ACTIONS:
        return ACTIONS[verb.removeprefix("message_")][0]
    return verb.replace("_", " ")


@register.filter
def timeline_text(event) -> str:
    """One timeline line, escaped: who did what, and for a rule why it matched.

    A rule hit reads "tagged Payment by rule 'Payments', matched 'pay', when the customer
    wrote"; the rule's actions are the outcome strings the rule engine stored in
    data["actions"].
    """
    data = event.data if isinstance(event.data, dict) else {}
    if event.verb == "rule_matched":
        actions = [str(a) for a in data.get("actions") or [] if a]
        text = format_html(
            "{} by rule ‘{}’", "; ".join(actions) or "matched", event.rule_name or "?"
        )
        if data.get("matched"):
            text = format_html("{}, matched ‘{}’", text, str(data["matched"])[:200])
        if data.get("trigger"):
            trigger = str(data["trigger"])
            text = format_html(
                "{}, {}", text, RULE_TRIGGERS.get(trigger, trigger.replace("_", " "))
            )
        return text
    who = (
        event.actor.display_name
        if event.actor
        else format_html("rule ‘{}’", event.rule_name)
        if event.rule_name
        else NO_ACTOR.get(str(event.verb), "system")
    )
    verb = _verb_words(str(event.verb))
    detail = ""
    for key, shape in (
        ("tag", " {}"),
        ("assignee", " → {}"),
        ("priority", " {}"),
        ("reason", " ({})"),
        ("customer", " {}"),
    ):
        if data.get(key):
            detail = format_html("{}" + shape, detail, data[key])
    return format_html("{}: {}{}", who, verb, detail)


# Attachment types as the platforms name them, in words. Unknown ones read "Attachment".
ATTACHMENTS = {
    "image": "Photo",
    "photo": "Photo",
    "video": "Video",
    "animated_gif": "GIF",
    "audio": "Voice message",
    "file": "File",
    "sticker": "Sticker",
    "story_mention": "Mentioned you in their story",
    "share": "Shared a post",
    "ig_reel": "Reel",
    "reel": "Reel",
    "media": "Photo or video",
    "fallback": "Link",
    "template": "Card",
    "location": "Location",
}
# How ingest previews a message without text: its attachment types in brackets.
_ATTACHMENT_PREVIEW = re.compile(r"\[([\w, ]+)\]")


@register.filter
def attachment_label(kind) -> str:
    return ATTACHMENTS.get(str(kind or ""), "Attachment")


@register.filter
def preview_text(preview) -> str:
    """A row's preview; "[story_mention]" (a message of attachments only) in words."""
    text = str(preview or "")
    m = _ATTACHMENT_PREVIEW.fullmatch(text.strip())
    if not m:
        return text
    kinds = [k.strip() for k in m.group(1).split(",")]
    if not all(k in ATTACHMENTS or k == "file" for k in kinds):
        return text  # a customer who wrote "[ok]" keeps their words
    return ", ".join(dict.fromkeys(ATTACHMENTS[k] for k in kinds))


@register.filter
def supports(channel, capability: str) -> bool:
    try:
        return channel.connector.supports(Capability(capability))
    except (LookupError, ValueError):
        return False


@register.filter
def connector_label(channel) -> str:
    try:
        return channel.connector.label
    except LookupError:
        return channel.kind


@register.filter
def last_action(message):
    """The newest outbox action that posted this message (prefetched, newest first)."""
    actions = list(message.actions.all())
    return actions[0] if actions else None


# ---- list rows --------------------------------------------------------------------------------

PREVIEW_LENGTH = 140


UNSURE = (
    '<span class="intent intent-unsure" title="The classifier was not sure of the intent">'
    "Unsure</span>"
)
NOT_SENT = (
    '<span class="not-sent badge danger" title="A reply here is held or failed: see the '
    'conversation or the Outbox">Reply not sent</span> '
)


def _e(value) -> str:
    """What Django's `escape` does, without its lazy-string wrapper: this runs ~20× a row."""
    return html.escape(str(value))


def _short(text: str) -> str:
    # Truncator only for the long ones: it is the slow part of `truncatechars`.
    return text if len(text) <= PREVIEW_LENGTH else Truncator(text).chars(PREVIEW_LENGTH)


def prepare_rows(rows, query: str) -> list:
    """Give each row (`list_sql.rows`, or `with_row_data`, with `with_tags`) its `row`: its HTML.

    A row renders 50 times a page: a `{% url %}`, half a dozen filters and some forty
    template nodes in each row were half the list's time (issue 10). Here the URL is
    reversed once, each channel's label looked up once, and each row joined in Python,
    every value escaped (all of it is customer or platform text).
    """
    link = url_filler("inbox:conversation", 999999999)
    suffix = f"?{query}"
    labels: dict[int, str] = {}
    for c in rows:
        channel = c.channel
        if channel.pk not in labels:
            labels[channel.pk] = _e(connector_label(channel))
        when = c.last_message_at
        contact = c.contact if c.contact_id else None
        customer = getattr(c, "customer_name", None) or (contact and contact.name)
        classes = f"row{'' if c.is_read else ' unread'} state-{_e(c.state)} prio-{_e(c.priority)}"
        url = _e(f"{link(c.pk)}{suffix}")
        start = (
            f'<div id="row-{c.pk}" class="{classes}" data-id="{c.pk}" role="listitem">\n'
            f'  <input type="checkbox" class="select" name="ids" value="{c.pk}" form="bulk" '
            f'aria-label="Select">\n  <a class="open" href="{url}" hx-get="{url}" '
            'hx-target="#pane" hx-swap="outerHTML" hx-push-url="true">\n'
            f'    <span class="line1"><span class="channel" title="{_e(channel.name)}">'
            f'{labels[channel.pk]}</span> <span class="kind kind-{_e(c.kind)}">'
            f'{_e(c.get_kind_display())}</span> <span class="customer">'
            f'{_e(customer or "Unknown customer")}</span> <span class="age" title="'
            f'{timezone.localtime(when).isoformat() if when else ""}">{age(when)}</span></span>\n'
            f'    <span class="preview">{_e(_short(preview_text(c.preview)))}</span>\n'
            '    <span class="line3">'
        )
        start += " ".join(
            f'<span class="tag" style="border-color: {safe_color(color)}">{_e(name)}</span>'
            for name, color in c.row_tags
        )
        if c.priority != "normal":
            start += f' <span class="prio">{_e(c.get_priority_display())}</span>'
        if c.language:
            start += f' <span class="lang">{_e(c.language)}</span>'
        start += " "
        if c.intent == "unsure":
            start += UNSURE
        elif c.intent:
            start += f'<span class="intent">{_e(c.intent)}</span>'
        end = " "
        is_open = c.state == "open"
        if not is_open:
            end += f'<span class="state">{_e(c.get_state_display())}</span> '
        if getattr(c, "not_sent", False):
            end += NOT_SENT
        sla = sla_state(c) if is_open else ""
        if sla:
            end += f'<span class="sla sla-{sla}">{_e(sla_label(c.sla_due_at))}</span> '
        if c.assignee_id:
            assignee = c.assignee.display_name
        elif c.team_id:
            assignee = c.team.name
        else:
            assignee = "Unassigned"
        end += f'<span class="assignee">{_e(assignee)}</span></span>\n  </a>\n</div>'
        # Safe: every value in it went through _e, or is a constant, a number or a checked
        # colour.
        c.row = mark_safe(start + end)  # noqa: S308
    return rows
