"""The settings section's side menu: what this person may change, in one list."""

from __future__ import annotations

from django import template
from django.urls import reverse

from inbox.connectors import registry

register = template.Library()


def _links(user) -> list[tuple[str, str]]:
    links = []
    if user.is_manager:
        links += [
            ("Rules", "rules:list"),
            ("SLA policies", "rules:sla_policies"),
            ("Business hours", "rules:business_hours"),
            ("Saved replies", "accounts:saved_replies"),
            ("Help articles", "kb:articles"),
            ("Tags", "accounts:tags"),
            ("Teams", "accounts:teams"),
            ("Slack", "slack:settings"),
        ]
        # A channel app may offer pages of its own (X searches) without a line here.
        for connector in registry.all():
            links += list(getattr(connector, "settings_pages", ()))
    if user.is_admin:
        links += [
            ("People", "accounts:people"),
            ("Roles", "accounts:roles"),
            ("Audit log", "audit:log"),
        ]
    links.append(("Your settings", "accounts:settings"))
    return links


@register.inclusion_tag("settings/_nav.html", takes_context=True)
def settings_nav(context):
    request = context["request"]
    path = request.path
    items = [{"label": label, "url": reverse(name)} for label, name in _links(request.user)]
    # The longest link the address starts with is the current page (/rules/sla/, not /rules/).
    current = max((i["url"] for i in items if path.startswith(i["url"])), key=len, default="")
    for item in items:
        item["current"] = item["url"] == current
    return {"items": items}
