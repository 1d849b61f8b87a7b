"""The control audit's crawler: every link and button a signed-in person is shown.

`seed()` makes one of everything a page can list (a conversation of each kind, a tag, a team,
a rule, ...); `crawl()` signs in as agent, manager and admin, visits every page the top bar
and the settings menu reach (following them, so a new menu entry is visited without an edit
here) plus the pages those list, and returns each visible link and button as a stable key:

    "<page> | <role> | <name>"      e.g. "accounts:tags | button | Delete"

<page> is the URL's view name (or "topbar" / "settings-nav" for the menus every page shows),
<role> is link or button, <name> is the accessible name with its live counts removed. A
control repeated once per object (a row, a tag folder, a person) is named by its kind, from
GROUPS, so the key does not change with the data.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta
from urllib.parse import urlsplit

from django.urls import Resolver404, resolve
from django.utils import timezone

# (css selector, generic name). The first match wins; "{data-x}" is the attribute's value,
# "{heading}" the folder list's heading (Tags, Channels, Teams).
GROUPS: list[tuple[str, str]] = [
    ("#rows .row a.open", "conversation row"),
    ("#folders a.folder[data-folder]", "folder {data-folder}"),
    ("#folders ul a.folder", "{heading} folder"),
    (".post-groups a", "post group"),
    ("#conv-header .tags button", "untag"),
    ("#thread .msg a.permalink", "message permalink"),
    ("#thread .context a", "context link {text}"),
    ("#thread .linked-thread a", "linked thread"),
    ("#side .identities a", "identity profile"),
    ("#side .unmerge button", "Unmerge"),
    ("#side .past a", "past conversation"),
    ("#rules td.order button", "{title}"),
    ("#rules button[aria-pressed]", "On/Off"),
    ("#rules tbody td:nth-child(2) a", "edit row"),
    ("#articles td:nth-child(2) a", "article address"),
    ("#confirm-delete button", "Delete (confirm)"),
    ("table.outbox tbody a", "outbox conversation"),
    (".outbox-states a[data-state]", "state {data-state}"),
    ("table.manage tbody td:first-child a, table.manage > tr td:first-child a", "edit row"),
    ("ul.manage li > a:first-child", "edit row"),
]

COLLECT_JS = """
(groups) => {
  const visible = (el) => {
    if (!el.getClientRects().length) return false;
    const style = getComputedStyle(el);
    return style.visibility !== 'hidden' && style.display !== 'none';
  };
  const textOf = (el) => {
    const copy = el.cloneNode(true);
    copy.querySelectorAll('.count').forEach((c) => c.remove());
    return (copy.textContent || '').replace(/\\s+/g, ' ').trim();
  };
  const heading = (el) => {
    const list = el.closest('ul');
    const h = list && list.previousElementSibling;
    return h && h.tagName === 'H3' ? h.textContent.trim() : '';
  };
  const out = [];
  const selector = 'a[href], button, input[type=submit], input[type=button]';
  for (const el of document.querySelectorAll(selector)) {
    if (!visible(el)) continue;
    const role = el.tagName === 'A' ? 'link' : 'button';
    let area = '';
    if (el.closest('header.topbar')) area = 'topbar';
    else if (el.closest('.settings-nav')) area = 'settings-nav';
    // The folders and the list show beside a conversation too: one set of keys for both.
    else if (el.closest('#folders, #list')) area = 'inbox-list';
    let name = '';
    for (const [css, label] of groups) {
      if (el.matches(css)) {
        name = label.replace(/\\{([a-z-]+)\\}/g, (_, key) =>
          key === 'heading' ? heading(el) : key === 'text' ? textOf(el) : el.getAttribute(key) || '');
        break;
      }
    }
    if (!name) name = (el.getAttribute('aria-label') || textOf(el) || el.value || el.title || '').trim();
    out.push({area, role, name, href: role === 'link' ? el.href : ''});
  }
  return out;
}
"""


@dataclass(frozen=True)
class Visit:
    user: str  # "agent", "manager" or "admin"
    path: str


@dataclass
class Crawl:
    controls: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))  # key → paths
    visited: list[Visit] = field(default_factory=list)
    unvisited_menu_pages: set[str] = field(default_factory=set)

    def keys(self) -> set[str]:
        return set(self.controls)


def page_name(path: str) -> str:
    """The URL's view name: stable whatever the ids in it."""
    try:
        match = resolve(urlsplit(path).path)
    except Resolver404:
        return urlsplit(path).path
    return match.view_name


def key(page: str, role: str, name: str) -> str:
    return f"{page} | {role} | {name}"


_seq = itertools.count(1)


def seed(*, agent, manager, admin) -> dict:
    """One of everything the pages list, so each kind of control is on show. Returns the
    paths of the pages that are reached through a list rather than a menu."""
    from accounts.models import Team
    from inbox.models import (
        ActionKind,
        ActionState,
        ConversationKind,
        OutboundAction,
        SavedReply,
        Tag,
    )
    from kb.models import Article
    from rules.models import BusinessHours, Rule, SlaPolicy
    from tests.support import factories
    from tests.support.facebook import make_fb_channel
    from tests.support.instagram import make_ig_channel
    from tests.support.x import make_x_channel

    fb, ig, x = make_fb_channel(), make_ig_channel(), make_x_channel("")
    post = {"text": "Our new boots are here", "permalink": "https://facebook.com/p/1"}
    kinds = {
        "fb-comment": (
            fb,
            ConversationKind.COMMENT,
            {"context": post, "context_external_id": "p1"},
        ),
        "fb-messenger": (fb, ConversationKind.DM, {}),
        "ig-comment": (ig, ConversationKind.COMMENT, {"context_external_id": "ig-media-1"}),
        "ig-dm": (ig, ConversationKind.DM, {}),
        "x-mention": (x, ConversationKind.MENTION, {}),
        "x-dm": (x, ConversationKind.DM, {}),
    }
    conversations = {}
    at = timezone.now() - timedelta(minutes=30)
    for i, (label, (channel, kind, extra)) in enumerate(kinds.items()):
        conversations[label] = factories.make_conversation(
            channel, kind=kind, text=f"Question {label}", customer=f"Customer {i}", at=at, **extra
        )
    comment = conversations["fb-comment"]
    comment.messages.update(permalink="https://facebook.com/p/1?comment_id=1")
    tag = Tag.objects.create(name="Urgent", color="#b91c1c")
    comment.tags.add(tag)
    team = Team.objects.create(name="Billing")
    team.members.add(agent)
    type(comment).objects.filter(pk=conversations["fb-messenger"].pk).update(team=team)
    reply = SavedReply.objects.create(title="Thanks", shortcut="thanks", body="Thank you!")
    rules = [
        Rule.objects.create(name=name, position=n, actions=[{"type": "close"}])
        for n, name in enumerate(["First rule", "Second rule"])
    ]
    sla = SlaPolicy.objects.create(name="Standard")
    hours = BusinessHours.objects.create(name="Tallinn desk", team=team)
    article = Article.objects.create(title="Returns", slug="returns", body="Send it back.")
    OutboundAction.objects.create(
        channel=fb,
        conversation=conversations["fb-messenger"],
        kind=ActionKind.REPLY,
        state=ActionState.FAILED,
        last_error="The platform refused it",
    )
    return {
        "conversations": {k: f"/c/{c.pk}/" for k, c in conversations.items()},
        "post": f"/?post={comment.channel_id}:p1",
        "listed": [
            f"/rules/{rules[0].pk}/",
            "/rules/new/",
            f"/manage/tags/{tag.pk}/",
            f"/manage/tags/{tag.pk}/delete/",
            f"/manage/teams/{team.pk}/",
            f"/manage/teams/{team.pk}/delete/",
            f"/manage/saved-replies/{reply.pk}/",
            f"/manage/saved-replies/{reply.pk}/delete/",
            f"/rules/sla/{sla.pk}/",
            "/rules/sla/new/",
            f"/rules/hours/{hours.pk}/",
            "/rules/hours/new/",
            f"/settings/articles/{article.pk}/",
            "/settings/articles/new/",
        ],
        "admin_listed": [f"/settings/people/{agent.pk}/", "/channels/kept/"],
    }


def crawl(open_page, base_url: str, users: dict, seeded: dict) -> Crawl:
    """Visit as each persona; `open_page(user)` is the browser_page fixture.

    Each persona visits its plan; the menus' links are followed from any page, the folder
    and outbox-state links only from the agent's first inbox and outbox (they are views of one
    page, visited so the controls only one of them shows are seen). A page already visited,
    by anyone, is not visited again through a menu.
    """
    result = Crawl()
    menus: set[str] = set()
    plan = {
        "agent": ["/", "/posts/", seeded["post"], "/outbox/", "/settings/"]
        + list(seeded["conversations"].values()),
        # The manager sees Correct intent on a conversation, the admin the Channels page.
        "manager": ["/settings/", seeded["conversations"]["fb-comment"], "/reports/"]
        + seeded["listed"],
        "admin": ["/settings/"] + seeded["admin_listed"],
    }
    seen: set[str] = set()
    for user, paths in plan.items():
        page = open_page(users[user])
        queue = [(path, True) for path in paths]
        while queue:
            path, planned = queue.pop(0)
            if not planned and urlsplit(path).path in seen:
                continue
            seen.add(urlsplit(path).path)
            page.goto(base_url + path)
            result.visited.append(Visit(user, path))
            name = page_name(path)
            for control in page.evaluate(COLLECT_JS, GROUPS):
                area = control["area"]
                result.controls[key(area or name, control["role"], control["name"])].add(path)
                href = control["href"]
                if not href.startswith(base_url):
                    continue
                target = href[len(base_url) :]
                if area in ("topbar", "settings-nav"):
                    menus.add(target)
                    queue.append((target, False))
                elif user == "agent" and planned and path in ("/", "/outbox/"):
                    label = control["name"]
                    if label.startswith(("folder ", "state ")) or label.endswith(" folder"):
                        queue.append((target, True))
        page.context.close()
    visited = {urlsplit(v.path).path for v in result.visited}
    result.unvisited_menu_pages = {m for m in menus if urlsplit(m).path not in visited}
    return result
