"""Small display helpers for the inbox templates. Everything customer-made stays escaped;
URLs additionally pass `safe_url`, because escaping alone does not stop `javascript:`."""

from __future__ import annotations

import re
from datetime import datetime
from urllib.parse import urlsplit

from django import template
from django.utils import timezone
from django.utils.html import format_html

from ..connectors import Capability

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


@register.filter
def sla_state(due: datetime | None) -> str:
    """'' (no SLA), 'breached', 'soon' (under an hour) or 'ok'."""
    if not due:
        return ""
    left = (due - timezone.now()).total_seconds()
    if left < 0:
        return "breached"
    return "soon" if left < 3600 else "ok"


@register.filter
def sla_label(due: datetime | None) -> str:
    if not due:
        return ""
    left = int((due - timezone.now()).total_seconds())
    span = abs(left)
    text = (f"{span // 86400}d" if span >= 86400 else f"{span // 3600}h" if span >= 3600
            else f"{max(span // 60, 1)}m")
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


@register.filter
def timeline_text(event) -> str:
    """One timeline line, escaped: who did what, and for a rule why it matched.

    A rule hit reads "tagged Payment by rule 'Payments', matched 'pay'"; the rule's actions
    are the outcome strings the rule engine stored in data["actions"].
    """
    data = event.data if isinstance(event.data, dict) else {}
    if event.verb == "rule_matched":
        actions = [str(a) for a in data.get("actions") or [] if a]
        text = format_html("{} by rule ‘{}’", "; ".join(actions) or "matched",
                           event.rule_name or "?")
        if data.get("matched"):
            text = format_html("{}, matched ‘{}’", text, str(data["matched"])[:200])
        if data.get("trigger"):
            text = format_html("{} (on {})", text, data["trigger"])
        return text
    who = (event.actor.display_name if event.actor else
           format_html("rule ‘{}’", event.rule_name) if event.rule_name else "system")
    verb = str(event.verb).replace("_", " ")
    detail = ""
    for key, shape in (("tag", " {}"), ("assignee", " → {}"), ("priority", " {}"),
                       ("reason", " ({})")):
        if data.get(key):
            detail = format_html("{}" + shape, detail, data[key])
    return format_html("{}: {}{}", who, verb, detail)


@register.filter
def supports(channel, capability: str) -> bool:
    try:
        return channel.connector.supports(Capability(capability))
    except (LookupError, ValueError):
        return False


@register.filter
def allows(message, kind: str) -> bool:
    """Whether the message's channel can do `kind` to this very message."""
    try:
        # Through the conversation: the page loads it with its channel, once.
        connector = message.conversation.channel.connector
        return (connector.supports(Capability(kind))
                and not connector.action_refusal(kind, message))
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


@register.simple_tag
def query_with(params, **changes) -> str:
    return params.as_query(**changes)
