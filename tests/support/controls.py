"""Every link and button a page shows, as stable keys, for the browser audit.

`tests/browser/test_every_control.py` visits each page the nav reaches, as each role, and
asks `controls_on(page)` what it shows; every key must be named in the registry
(`tests/browser/control_registry.py`) with the test that clicks it.

A key names what the control does, not where it happens to be: `a <path>` for a link (ids
become `<n>`, query values are dropped except the ones that choose a folder, sort or filter
kind), `button <form action> <label>` for a button or submit input. Controls of the top bar
are the same on every page, so their keys start with `topbar` instead of the page; so do
the settings menu's (`settings-nav`) and the inbox's folders and list (`#folders`, `#list`,
shown beside every conversation too).
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlsplit

# Query parameters whose value says which control it is ("?folder=closed" and "?folder=mine"
# are two links); any other value is data (a search text, a cursor, an id).
NAMING_PARAMS = {"folder", "sort", "kind", "state"}
# And those whose value is a row's id: "?tag=3" and "?tag=4" are the same control.
ID_PARAMS = {"tag", "channel", "team", "post"}

# What the page tells about each control, read in the browser.
DESCRIBE = """els => els.map(e => {
  const form = e.form || e.closest('form');
  const shared = e.closest('header.topbar, nav.settings-nav, #folders, #list');
  return {
    tag: e.tagName.toLowerCase(),
    href: e.getAttribute('href') || '',
    hx: e.getAttribute('hx-get') || e.getAttribute('hx-post') || '',
    action: form ? (form.getAttribute('action') || '') : '',
    formaction: e.getAttribute('formaction') || e.getAttribute('hx-post') || '',
    label: (e.textContent.trim() || e.value || e.title || e.getAttribute('aria-label') || '').trim(),
    inform: Boolean(form),
    shared: shared ? (shared.id ? '#' + shared.id : shared.className.split(' ')[0]) : '',
  };
})"""

SELECTOR = "a[href], button, input[type=submit]"


def normal_path(url: str, here: str) -> str:
    """`/c/12/do/close/?folder=all` → `/c/<n>/do/close/`; a bare "?..." is relative to `here`.

    Of the query only the naming parameters whose value differs from the page's own stay:
    on `/?folder=closed` the folder link "Mine" is `/?folder=mine` and the sort link
    "Oldest" is `/?sort=oldest`, whatever else they carry along.
    """
    parts = urlsplit(url or here)
    if parts.scheme in ("http", "https") and not parts.netloc.startswith(
        ("localhost", "127.0.0.1")
    ):
        return f"{parts.scheme}://{parts.netloc}"  # off-site: the site is what matters
    if parts.scheme not in ("", "http", "https"):
        return f"{parts.scheme}:"
    path = re.sub(r"/\d+(?=/|$)", "/<n>", parts.path or urlsplit(here).path)
    path = re.sub(r"/[0-9a-f]{8,}(?=/|$)", "/<hex>", path)
    own = dict(parse_qsl(urlsplit(here).query))
    named = sorted(
        {
            f"{k}={v.lstrip('-')}"
            for k, v in parse_qsl(parts.query)
            if k in NAMING_PARAMS and own.get(k) != v
        }
        | {f"{k}=<id>" for k, v in parse_qsl(parts.query) if k in ID_PARAMS and own.get(k) != v}
    )
    return path + ("?" + "&".join(named) if named else "")


def label_words(label: str) -> str:
    """The control's words with numbers and counts taken out ("Open 12" → "Open")."""
    words = re.sub(r"\d+", "", " ".join(label.split()))
    return re.sub(r"\s+", " ", words).strip(" ·()")[:60]


def key_of(control: dict, here: str) -> str:
    scope = control["shared"] or page_key(here)
    if control["tag"] == "a":
        return f"{scope} a {normal_path(control['hx'] or control['href'], here)}"
    label = label_words(control["label"])
    if not control["inform"] and not control["formaction"]:
        return f"{scope} button {label}"  # a button the page's script handles
    target = normal_path(control["formaction"] or control["action"], here)
    return f"{scope} button {target} {label}"


def page_key(url: str) -> str:
    """The page's shape: `/c/<n>/` for every conversation, `/reports/` whatever its filters."""
    return normal_path(urlsplit(url)._replace(query="").geturl(), "/")


def controls_on(page) -> set[str]:
    """The keys of every link, button and submit input in the page (hidden ones too)."""
    return {key_of(c, page.url) for c in page.eval_on_selector_all(SELECTOR, DESCRIBE)}


def links(page) -> list[str]:
    """Every address the page links to."""
    return page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)")


def nav_links(page) -> list[str]:
    """The addresses the top nav and the settings menu lead to, in page order."""
    return page.eval_on_selector_all(
        "header.topbar nav a[href], nav.settings-nav a[href]", "els => els.map(e => e.href)"
    )
