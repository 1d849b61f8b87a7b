"""The folder nav's and the tool bar's links, built once in Python (inbox/folder_links.py):
which one is current, what each keeps of the agent's view, and how counts read."""

from urllib.parse import parse_qs, urlsplit

from inbox.folder_links import folder_nav, list_tools
from inbox.models import ConversationKind
from inbox.selectors import ListParams

COUNTS = {
    "states": {"open": 12, "mine": 0, "closed": 1500, "storming": 0},
    "tags": [(7, "Payment", "#0e7490", 3)],
    "channels": [(2, "Page", "facebook", 4)],
    "teams": [(5, "Support", 9)],
    "cap": 1000,
    "hidden": ["storming"],
    "exact": False,
}


def query(url: str) -> dict:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def test_a_folder_link_keeps_the_search_and_sort_and_drops_the_narrowing_filters():
    params = ListParams(folder="closed", tag=7, channel=2, q="refund", sort="oldest")
    nav = folder_nav(params, COUNTS)
    by_key = {f.key: f for f in nav.folders}
    assert query(by_key["open"].url) == {"q": "refund", "sort": "oldest"}
    # The tag narrows the view: the tag folder alone is the current one, not "closed" too.
    assert [f.key for f in nav.folders if f.active] == []
    # A tag link adds to the view rather than replacing it.
    assert query(nav.tags[0].url) == {
        "folder": "closed",
        "tag": "7",
        "channel": "2",
        "q": "refund",
        "sort": "oldest",
    }
    assert nav.tags[0].active and nav.channels[0].active and not nav.teams[0].active


def test_counts_read_as_shown_and_an_empty_added_folder_is_left_out():
    nav = folder_nav(ListParams(), COUNTS)
    by_key = {f.key: f for f in nav.folders}
    assert by_key["open"].count == "12"
    assert by_key["closed"].count == "999+"
    assert by_key["all"].count == ""
    assert "storming" not in by_key
    # Counted over a window of open work only: a lower bound.
    assert nav.tags[0].count == "3+"
    # ... unless it is the folder being looked at.
    assert "storming" in {f.key for f in folder_nav(ListParams(folder="storming"), COUNTS).folders}


def test_no_folder_is_current_while_a_post_is_shown():
    nav = folder_nav(ListParams(post="2:post-1"), COUNTS)
    assert not any(f.active for f in nav.folders)
    assert all("post" not in query(f.url) for f in nav.folders)


def test_a_kind_link_toggles_and_load_more_carries_the_cursor():
    tools = list_tools(ListParams(kind="dm"), ConversationKind.choices, next_after="[1]")
    kinds = {k.label: k for k in tools.kinds}
    chosen = kinds[ConversationKind.DM.label]
    assert chosen.active and "kind" not in query(chosen.url)
    assert query(kinds[ConversationKind.COMMENT.label].url) == {"kind": "comment"}
    assert query(tools.more) == {"kind": "dm", "after": "[1]"}
    assert query(tools.clear) == {}
    assert tools.bulk.endswith("?kind=dm")
    plain = list_tools(ListParams(), ConversationKind.choices, next_after="")
    assert plain.clear == "" and plain.more == ""
