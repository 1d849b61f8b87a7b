"""The control audit's crawler: every link and button a signed-in person is shown.

`seed()` makes one of everything a page can list (a conversation of each kind, a tag, a team,
a rule, ...) and each state that shows controls of its own (a closed, a spam, a liked and
hidden conversation, a refused reply, a channel whose token died, an invited and a
deactivated person, API tokens, webhooks, kept events, a second X account...); a few pages
get a step that brings on what only an action shows (the composer's "Send anyway"). `crawl()`
signs in as agent, manager and admin, visits every page the top bar and the settings menu
reach (following them, so a new menu entry is visited without an edit here) plus the pages
those list, the Facebook connect flow up to its choice of Pages (the test runs the Graph
stand-in), and the pages whose controls only show without JavaScript in a browser that runs
none; it returns each visible link and button as a stable key:

    "<page> | <role> | <name>"      e.g. "accounts:tags | link | Delete"

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
    ("td.kept a", "kept {class}"),
    ("a.candidate", "merge candidate"),
    ("table.manage td a[href^='/c/']", "posted conversation"),
    ("#confirm-merge", "Merge (confirm)"),
    ("#side .past a", "past conversation"),
    ("#conditions button[aria-label^='Remove group']", "Remove group"),
    ("#conditions button[aria-label^='Remove condition']", "Remove condition"),
    ("#actions button[aria-label^='Remove action']", "Remove action"),
    ("#rules td.order button", "{title}"),
    ("#rules button[aria-pressed]", "On/Off"),
    ("#rules tbody td:nth-child(2) a", "edit row"),
    ("#articles td:nth-child(2) a", "article address"),
    ("#confirm-delete button", "Delete (confirm)"),
    ("#confirm-deactivate button", "Deactivate (confirm)"),
    ("#confirm-revoke button", "Revoke (confirm)"),
    ("#x-accounts a", "X account"),
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
    """One of everything the pages list, in each state that shows other controls, so each
    kind of control is on show. Returns the paths of the pages that are reached through a
    list rather than a menu, and the (path, step) pairs of the steps."""
    from accounts.models import Team, User
    from api.tokens import token_create, token_revoke
    from inbox.models import (
        ActionKind,
        ActionState,
        Channel,
        ChannelStatus,
        ConversationKind,
        ConversationState,
        Direction,
        EventState,
        Identity,
        InboundEvent,
        Message,
        OutboundAction,
        SavedReply,
        Tag,
    )
    from kb.models import Article
    from rules.models import BusinessHours, Rule, SlaPolicy
    from slack.models import SlackConnection, SlackMessage
    from tests.support import factories
    from tests.support.facebook import make_fb_channel
    from tests.support.instagram import make_ig_channel
    from tests.support.x import make_x_channel
    from webhooks_out.models import Delivery, DeliveryState, Subscription

    fb, ig, x = make_fb_channel(), make_ig_channel(), make_x_channel("")
    # A brand with two X accounts: the searches page switches between them.
    outlet_x = Channel.objects.create(
        kind="x",
        external_id="1500000000000000001",
        name="Polaris Outlet",
        handle="polarisoutlet",
        config={"searches": [{"name": "Outlet sale", "phrases": ["Polaris outlet"]}]},
    )
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
    commented = comment.messages.get()
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
    # A group inside the conditions: its editor shows "Remove group" and nested conditions.
    rules[0].conditions = {
        "all": [
            {"type": "text_contains_any", "value": ["pay"]},
            {
                "any": [
                    {"type": "text_contains_any", "value": ["refund"]},
                    {"type": "text_contains_any", "value": ["zipper"]},
                ]
            },
        ]
    }
    rules[0].save(update_fields=["conditions"])
    sla = SlaPolicy.objects.create(name="Standard")
    hours = BusinessHours.objects.create(name="Tallinn desk", team=team)
    article = Article.objects.create(title="Returns", slug="returns", body="Send it back.")
    # A reply the platform refused: Retry on the Outbox page and under the reply in its thread.
    messenger = conversations["fb-messenger"]
    refused = Message.objects.create(
        conversation=messenger,
        channel=fb,
        direction=Direction.OUTBOUND,
        author_agent=agent,
        text="We can swap them for a larger size.",
        platform_timestamp=at,
        delivery_status="failed",
    )
    OutboundAction.objects.create(
        channel=fb,
        conversation=messenger,
        message=refused,
        kind=ActionKind.REPLY,
        state=ActionState.FAILED,
        last_error="The platform refused it",
    )

    # Controls only some states show: Reopen on a closed conversation, Not spam on a spam
    # one, Unlike and Unhide on a liked and hidden comment, the Reconnect links of a channel
    # whose token died.
    states = {
        "closed": factories.make_conversation(
            fb, kind=ConversationKind.DM, text="Thanks, solved", state=ConversationState.CLOSED
        ),
        "spam": factories.make_conversation(
            fb, kind=ConversationKind.COMMENT, text="Cheap followers!!!", is_spam=True
        ),
        "liked-hidden": factories.make_conversation(
            fb, kind=ConversationKind.COMMENT, text="Love them, but pricey"
        ),
    }
    states["liked-hidden"].messages.update(liked=True, hidden=True)
    outlet = Channel.objects.create(
        kind="facebook",
        external_id="200000000000001",
        name="Polaris Outlet",
        status=ChannelStatus.NEEDS_RECONNECT,
        status_detail="Facebook access token rejected: reconnect the channel.",
    )
    states["disconnected"] = factories.make_conversation(
        outlet, kind=ConversationKind.DM, text="Is the outlet open on Sunday?"
    )
    factories.make_user("jaan", first_name="Jaan", is_active=False)  # offers Reactivate
    invited = User(username="liis", first_name="Liis", email="liis@example.com")
    invited.set_unusable_password()  # invited, no password yet: offers Send again
    invited.save()
    # One customer on two platforms (merged): Unmerge.
    merged = states["merged"] = factories.make_conversation(
        fb, kind=ConversationKind.DM, text="Hi again"
    )
    Identity.objects.create(
        contact=merged.contact, platform="x", external_id="x-merged", name="Same on X"
    )
    # Deliveries kept for inspection, one failed (Process again) and one poisoned; the audit
    # test shows one a page, so Older shows too.
    for n, state in enumerate([EventState.POISONED, EventState.FAILED]):  # failed newest
        InboundEvent.objects.create(
            channel_kind="facebook",
            channel=fb,
            delivery_key=f"kept-{n}",
            payload={"n": n},
            state=state,
            last_error="Traceback: the database went away",
        )
    SlackConnection.objects.create(secret={"webhook_url": "https://hooks.slack.example/x"})
    SlackMessage.objects.create(kind="assigned", key="seed-1", body="{}", conversation=messenger)

    # The agent's API tokens, one in use and one revoked; a manager's webhooks, one enabled
    # with a delivery to send again, one disabled.
    in_use, _ = token_create(user=agent, name="shop sync")
    token_revoke(token=token_create(user=agent, name="old script")[0])
    hook = Subscription.objects.create(url="https://hooks.example.com/in", events=["x"])
    Delivery.objects.create(
        subscription=hook,
        event="conversation.closed",
        uid="d-1",
        body="{}",
        state=DeliveryState.DELIVERED,
        last_status=200,
    )
    off = Subscription.objects.create(
        url="https://hooks.example.com/off", events=["x"], enabled=False
    )
    return {
        "conversations": {k: f"/c/{c.pk}/" for k, c in conversations.items()},
        "states": {k: f"/c/{c.pk}/" for k, c in states.items()},
        "post": f"/?post={comment.channel_id}:p1",
        # Without JavaScript, Delete on the platform asks on this page.
        "confirm_delete": f"/m/{commented.pk}/delete/",
        # Merging the two-platform customer with another: the candidates, then the preview.
        "merge": [
            f"/c/{merged.pk}/customer/{merged.contact_id}/merge/?q=Customer",
            f"/c/{merged.pk}/customer/{merged.contact_id}/merge/?q=Customer"
            f"&other={comment.contact_id}",
        ],
        "tokens": ["/settings/api-tokens/", f"/settings/api-tokens/{in_use.pk}/revoke/"],
        # After the page loads: a colleague answers meanwhile, a public reply names an
        # e-mail address; the composer then asks (Send anyway, Send publicly anyway).
        "steps": [
            (f"/c/{messenger.pk}/", _answered_meanwhile(messenger, manager)),
            (f"/c/{comment.pk}/", _reply_with_personal_data),
        ],
        "listed": [
            f"/rules/{rules[0].pk}/",
            f"/rules/{rules[0].pk}/delete/",
            "/rules/new/",
            f"/manage/tags/{tag.pk}/",
            f"/manage/tags/{tag.pk}/delete/",
            f"/manage/teams/{team.pk}/",
            f"/manage/teams/{team.pk}/delete/",
            f"/manage/saved-replies/{reply.pk}/",
            f"/manage/saved-replies/{reply.pk}/delete/",
            f"/rules/sla/{sla.pk}/",
            f"/rules/sla/{sla.pk}/delete/",
            "/rules/sla/new/",
            f"/rules/hours/{hours.pk}/",
            f"/rules/hours/{hours.pk}/delete/",
            "/rules/hours/new/",
            f"/settings/articles/{article.pk}/",
            f"/settings/articles/{article.pk}/delete/",
            "/settings/articles/new/",
            f"/manage/webhooks/{hook.pk}/",
            f"/manage/webhooks/{off.pk}/",
            f"/manage/webhooks/{hook.pk}/delete/",
            f"/channels/x/searches/{outlet_x.pk}/",
        ],
        "admin_listed": [
            f"/settings/people/{agent.pk}/",
            f"/settings/people/{agent.pk}/deactivate/",
            "/channels/kept/",
            f"/c/{states['disconnected'].pk}/",
            # Facebook Login (the stand-in) sends the admin back to choose the Pages.
            "/channels/facebook/connect/",
        ],
        # The audit log's Filter button is for a browser without JavaScript.
        "without_javascript": ["/settings/audit/"],
    }


def _answered_meanwhile(conversation, colleague):
    def step(page) -> None:
        from inbox.models import Direction, Message

        Message.objects.create(
            conversation=conversation,
            channel=conversation.channel,
            direction=Direction.OUTBOUND,
            author_agent=colleague,
            text="On its way!",
            platform_timestamp=timezone.now(),
        )
        page.fill("#composer-text", "It ships today.")
        page.click("#send-button")
        page.wait_for_selector("#send-anyway")

    return step


def _reply_with_personal_data(page) -> None:
    page.fill("#composer-text", "Write to help@polaris.example, please.")
    page.click("#send-button")
    page.wait_for_selector("#send-public-anyway")


def crawl(open_page, base_url: str, users: dict, seeded: dict) -> Crawl:
    """Visit as each persona; `open_page(user)` is the browser_page fixture.

    Each persona visits its plan; the menus' links are followed from any page, the folder
    and outbox-state links only from the agent's first inbox and outbox (they are views of one
    page, visited so the controls only one of them shows are seen). A page already visited,
    by anyone, is not visited again through a menu. Last, the admin visits the pages
    `seeded["without_javascript"]` lists in a browser running no JavaScript.
    """
    result = Crawl()
    menus: set[str] = set()
    plan = {
        "agent": ["/", "/posts/", seeded["post"], "/outbox/", "/settings/"]
        + seeded["tokens"]
        + list(seeded["conversations"].values())
        + list(seeded["states"].values())
        + seeded["merge"]
        + [seeded["confirm_delete"]]
        + seeded["steps"],
        # The manager sees Correct intent on a conversation, the admin the Channels page.
        "manager": ["/settings/", seeded["conversations"]["fb-comment"], "/reports/"]
        + seeded["listed"],
        "admin": ["/settings/", "/settings/audit/?page=2"] + seeded["admin_listed"],
    }
    sessions = [(user, True, paths) for user, paths in plan.items()]
    sessions.append(("admin", False, seeded["without_javascript"]))
    seen: set[str] = set()
    for user, javascript, paths in sessions:
        page = open_page(users[user], javascript=javascript)
        # (path, planned, step): a step runs once the page is there; what it brings on
        # screen is collected with the page.
        queue = [(p, True, None) if isinstance(p, str) else (p[0], True, p[1]) for p in paths]
        while queue:
            path, planned, step = queue.pop(0)
            if not planned and urlsplit(path).path in seen:
                continue
            seen.add(urlsplit(path).path)
            page.goto(base_url + path)
            if step:
                step(page)
            result.visited.append(Visit(user, path))
            # Named by where it ended, after its redirects (the Facebook connect flow).
            name = page_name(page.url[len(base_url) :] if page.url.startswith(base_url) else path)
            for control in page.evaluate(COLLECT_JS, GROUPS):
                area = control["area"]
                result.controls[key(area or name, control["role"], control["name"])].add(path)
                href = control["href"]
                if not href.startswith(base_url):
                    continue
                target = href[len(base_url) :]
                if area in ("topbar", "settings-nav"):
                    menus.add(target)
                    queue.append((target, False, None))
                elif user == "agent" and planned and path in ("/", "/outbox/"):
                    label = control["name"]
                    if label.startswith(("folder ", "state ")) or label.endswith(" folder"):
                        queue.append((target, True, None))
        page.context.close()
    visited = {urlsplit(v.path).path for v in result.visited}
    result.unvisited_menu_pages = {m for m in menus if urlsplit(m).path not in visited}
    return result
