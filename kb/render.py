"""Markdown to HTML that is safe to show anyone: Markdown renders, nh3 keeps only a safelist.

Managers write the articles, but a pasted snippet can still carry a <script> or a
javascript: link, and the public page is served to customers; so nothing is trusted.
"""

from __future__ import annotations

import markdown
import nh3

TAGS = {
    "p",
    "br",
    "hr",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "strong",
    "em",
    "code",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "li",
    "a",
    "img",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
}
ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title"}}


def render_markdown(text: str) -> str:
    html = markdown.markdown(text, extensions=["tables", "fenced_code"])
    return nh3.clean(
        html,
        tags=TAGS,
        attributes=ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )
