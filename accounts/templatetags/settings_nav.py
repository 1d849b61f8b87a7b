"""The settings section's side menu: what this person may change, in one list."""

from __future__ import annotations

from django import template
from django.urls import reverse

from inbox.connectors import registry

register = template.Library()


def _links(user) -> list[tuple[str, str]]:
    links = []
    if user.is_manager:
        links += [("Rules", "rules:list"), ("SLA policies", "rules:sla_policies"),
                  ("Business hours", "rules:business_hours"),
                  ("Saved replies", "accounts:saved_replies"), ("Tags", "accounts:tags"),
                  ("Teams", "accounts:teams")]
        # A channel app may offer pages of its own (X searches) without a line here.
        for connector in registry.all():
            links += list(getattr(connector, "settings_pages", ()))
    if user.is_admin:
        links += [("People", "accounts:people"), ("Roles", "accounts:roles"),
                  ("Audit log", "audit:log")]
    links.append(("Your settings", "accounts:settings"))
    return links


@register.inclusion_tag("settings/_nav.html", takes_context=True)
def settings_nav(context):
    request = context["request"]
    path = request.path
    items = []
    for label, name in _links(request.user):
        url = reverse(name)
        items.append({"label": label, "url": url,
                      "current": path == url or (url != "/" and path.startswith(url))})
    return {"items": items}
