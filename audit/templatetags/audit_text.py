import json

from django import template

register = template.Library()


@register.filter
def as_text(value) -> str:
    """An old or new value as a person reads it: lists and objects as JSON, None as —."""
    if value is None:
        return "—"
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)
