"""The intent a conversation shows, and the choices a manager may correct it to."""

from django import template

from rules.classify import Intent

register = template.Library()


@register.simple_tag
def intent_choices() -> list[tuple[str, str]]:
    return [(i.value, i.label) for i in Intent.labels()]
