"""The inbox list's own links: the folder nav, the sort and kind bar, "Clear filters" and
"Load more", built once per page in Python.

As `{% url 'inbox:inbox' %}?{% query_with ... %}` in the template they were 56 reverses and
as many template-tag calls a page, a sixth of the list's time (issue 10). Here the list's URL
is reversed once and each link is that URL plus the query string of the agent's view with
one thing changed. The URLs are plain strings: the template escapes them, as it escaped the
tag's output.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse

from .selectors import FOLDERS, SORTS, ListParams
from .templatetags.inbox_ui import at_least, capped


@dataclass(frozen=True)
class Link:
    url: str
    label: str = ""
    active: bool = False
    count: str = ""  # as shown: "12", "999+", or "" for no count
    key: object = None  # the folder's key, or the tag/channel/team's id
    extra: str = ""  # a tag's colour, a channel's kind


@dataclass(frozen=True)
class FolderNav:
    folders: list[Link]
    tags: list[Link]
    channels: list[Link]
    teams: list[Link]
    outbox: str
    posts: str


def folder_nav(params: ListParams, counts: dict) -> FolderNav:
    """The folder nav for this view and these `selectors.folder_counts`.

    A folder link keeps the search: "closed" narrows the results, it does not drop them. A
    tag, channel or team link adds to the current filters.
    """
    base = reverse("inbox:inbox") + "?"
    states = counts["states"]
    cap = counts["cap"]
    hidden = set(counts["hidden"])
    # A tag, channel or team folder narrows the state folder: it alone is the current one.
    narrowed = bool(params.post or params.tag or params.channel or params.team)
    folders = [
        Link(
            url=base + params.as_query(folder=key, tag=None, channel=None, team=None, post=""),
            label=label,
            active=params.folder == key and not narrowed,
            # "All" has no count (selectors.folder_counts leaves it out).
            count=capped(states[key], cap) if key in states else "",
            key=key,
        )
        for key, label in FOLDERS
        if key not in hidden or params.folder == key
    ]
    tags = _filter_links(base, params, "tag", counts["tags"], counts)
    channels = _filter_links(base, params, "channel", counts["channels"], counts)
    teams = _filter_links(base, params, "team", counts["teams"], counts)
    return FolderNav(
        folders=folders,
        tags=tags,
        channels=channels,
        teams=teams,
        outbox=reverse("inbox:outbox"),
        posts=reverse("inbox:posts"),
    )


def _filter_links(base: str, params: ListParams, field: str, rows, counts: dict) -> list[Link]:
    """The links of the tag, channel or team folders (`field`): each adds its filter to the
    current ones. A row is (id, name, [colour or kind,] count); teams have no extra."""
    links = []
    for pk, name, *extra, n in rows:
        links.append(
            Link(
                url=base + params.as_query(**{field: pk, "post": ""}),
                label=name,
                active=getattr(params, field) == pk,
                count=at_least(n, counts),
                key=pk,
                extra=extra[0] if extra else "",
            )
        )
    return links


@dataclass(frozen=True)
class ListTools:
    sorts: list[Link]
    kinds: list[Link]
    clear: str  # "" when no filter is set
    more: str  # "Load more": "" on the last page
    bulk: str  # where the bulk bar posts, with the view's query string


def list_tools(params: ListParams, kinds, *, next_after: str) -> ListTools:
    """The sort and kind bar, "Clear filters", "Load more" and the bulk bar's action."""
    base = reverse("inbox:inbox") + "?"
    filtered = params.tag or params.channel or params.team or params.q or params.kind
    return ListTools(
        sorts=[
            Link(url=base + params.as_query(sort=key), label=label, active=params.sort == key)
            for key, label in SORTS
        ],
        # A kind link toggles: the chosen kind's link drops it again.
        kinds=[
            Link(
                url=base + params.as_query(kind="" if params.kind == key else key),
                label=label,
                active=params.kind == key,
            )
            for key, label in kinds
        ],
        clear=base + params.as_query(tag=None, channel=None, team=None, q="", kind="")
        if filtered
        else "",
        more=base + params.as_query(after=next_after) if next_after else "",
        bulk=reverse("inbox:bulk") + "?" + params.as_query(),
    )
