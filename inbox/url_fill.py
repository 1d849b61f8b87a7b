"""A URL reversed once and filled in many times: what the inbox's rows, the pane's forms and
each message's action forms need (issue 10: a `reverse` or `{% url %}` per row or per
message was a large part of rendering them)."""

from __future__ import annotations

from collections.abc import Callable

from django.urls import reverse


def url_filler(name: str, *placeholders: str | int) -> Callable[..., str]:
    """`lambda *args: reverse(name, args=args)` at the cost of one reverse: the URL is
    reversed with `placeholders` (values the URL's converters accept and its fixed parts
    do not contain) and each call puts its own arguments, in order, where they stood."""
    url = reverse(name, args=placeholders)
    parts, rest = [], url
    for placeholder in map(str, placeholders):
        # Exactly once in what is left: a fixed part that holds it too would be replaced.
        assert rest.count(placeholder) == 1, f"{placeholder!r} is not once in {url!r}"
        head, _, rest = rest.partition(placeholder)
        parts.append(head)

    def fill(*args: str | int) -> str:
        return "".join(part + str(arg) for part, arg in zip(parts, args, strict=True)) + rest

    assert fill(*placeholders) == url, url
    return fill
