"""The README's screenshots, taken from a realistic, busy, multilingual inbox.

Facebook comments under one post (a small storm), a Messenger conversation, Instagram
comments and a story reply, X mentions, a brand-name search match and a DM, in English,
Russian, Estonian, German, Spanish and Chinese. Saves docs/inbox.png and docs/conversation.png
(1400x900) when SWITCHBOARD_README_SCREENSHOTS=1 (so an ordinary run never rewrites tracked
files); every run keeps them under test-artifacts/.
"""

from __future__ import annotations

import itertools
import os
from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import Team
from inbox.models import (
    AuditEvent,
    Contact,
    Conversation,
    Identity,
    Message,
    Note,
    ReadState,
    SavedReply,
    Tag,
)
from tests.support import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DOCS = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(__file__))), "docs")
WRITE_DOCS = os.environ.get("SWITCHBOARD_README_SCREENSHOTS") == "1"
_ids = itertools.count(1000)


def ago(minutes: float):
    return timezone.now() - timedelta(minutes=minutes)


def person(
    name: str,
    platform: str,
    *,
    handle: str = "",
    profile_url: str = "",
    followers: int | None = None,
    contact: Contact | None = None,
    **fields,
) -> Identity:
    contact = contact or Contact.objects.create(name=name, **fields)
    return Identity.objects.create(
        contact=contact,
        platform=platform,
        external_id=f"{platform}-{next(_ids)}",
        name=name,
        handle=handle,
        profile_url=profile_url,
        follower_count=followers,
    )


def thread(channel, who: Identity, kind: str, messages: list[tuple], *, tags=(), **fields):
    """A conversation whose messages are (minutes ago, "in"/"out", text[, extra fields])."""
    inbound = [m[0] for m in messages if m[1] == "in"]
    latest = min(messages, key=lambda m: m[0])
    conversation = Conversation.objects.create(
        channel=channel,
        contact=who.contact,
        kind=kind,
        external_thread_id=f"t{next(_ids)}",
        preview=latest[2][:300],
        first_inbound_at=ago(max(inbound)),
        last_inbound_at=ago(min(inbound)),
        last_message_at=ago(latest[0]),
        **fields,
    )
    for minutes, direction, text, *extra in sorted(messages, key=lambda m: -m[0]):
        Message.objects.create(
            conversation=conversation,
            channel=channel,
            external_id=f"x{next(_ids)}",
            direction=direction,
            author_identity=who if direction == "in" else None,
            text=text,
            platform_timestamp=ago(minutes),
            state_timestamp=ago(minutes),
            **(extra[0] if extra else {}),
        )
    conversation.tags.set(tags)
    return conversation


def build_inbox(anna, boris):
    jack = factories.make_user("jack", first_name="Jack")
    social = Team.objects.create(name="Social care")
    Team.objects.create(name="Billing")
    tag = {
        name: Tag.objects.create(name=name, color=color)
        for name, color in [
            ("Brand name", "#7c3aed"),
            ("Payment", "#0e7490"),
            ("Urgent", "#dc2626"),
            ("Shipping", "#ca8a04"),
            ("Returns", "#2563eb"),
            ("VIP", "#16a34a"),
        ]
    }
    fb = factories.make_channel(
        "facebook", name="Polaris Outdoor", handle="polarisoutdoor", external_id="104857600123"
    )
    ig = factories.make_channel(
        "instagram", name="polaris.outdoor", handle="polaris.outdoor", external_id="17841400000001"
    )
    x = factories.make_channel(
        "x", name="Polaris Outdoor", handle="PolarisOutdoor", external_id="1500000000000000001"
    )
    sale = {
        "text": "Winter sale: -30% on every Aurora jacket until Sunday ❄️ "
        "Free shipping in the Baltics and Finland.",
        "permalink": "https://www.facebook.com/polarisoutdoor/posts/pfbid02winter",
    }
    on_sale = {"context": sale, "context_external_id": "104857600123_88001"}
    due = timezone.now()

    # The storm under the sale post: five comments, in five languages.
    storm = [
        thread(
            fb,
            person("Olivia Brown", "facebook"),
            "comment",
            [(2, "in", "Does the -30% also apply to the kids' sizes? 🙏")],
            language="en",
            intent="question",
            sla_due_at=due + timedelta(minutes=13),
            **on_sale,
        ),
        thread(
            fb,
            person("Jonas Weber", "facebook"),
            "comment",
            [
                (
                    7,
                    "in",
                    "Ich habe letzte Woche den vollen Preis bezahlt. Bekomme ich die "
                    "Differenz zurück?",
                )
            ],
            tags=[tag["Payment"]],
            language="de",
            intent="complaint",
            sla_due_at=due + timedelta(minutes=4),
            assignee=anna,
            **on_sale,
        ),
        thread(
            fb,
            person("Kadri Tamm", "facebook"),
            "comment",
            [(11, "in", "Kas allahindlus kehtib ka Tallinna poes või ainult e-poes?")],
            language="et",
            intent="question",
            sla_due_at=due + timedelta(minutes=35),
            **on_sale,
        ),
        thread(
            fb,
            person("Анна Смирнова", "facebook"),
            "comment",
            [(16, "in", "Когда снова будут размеры XS? Уже месяц жду 😢")],
            language="ru",
            intent="question",
            sla_due_at=due + timedelta(minutes=48),
            team=social,
            **on_sale,
        ),
        thread(
            fb,
            person("Lucía García", "facebook"),
            "comment",
            [
                (22, "in", "¡Me encanta esta chaqueta! La uso todos los días 😍"),
                (
                    20,
                    "out",
                    "¡Gracias, Lucía! Nos alegra mucho 💙",
                    {"delivery_status": "posted", "author_agent": boris},
                ),
            ],
            language="es",
            intent="compliment",
            state="closed",
            **on_sale,
        ),
    ]

    # X: an angry mention past its SLA, a brand-name search match, a DM in Chinese.
    sarah = person(
        "Sarah Lee",
        "x",
        handle="sarahlee_runs",
        followers=18400,
        profile_url="https://x.com/sarahlee_runs",
    )
    mention = thread(
        x,
        sarah,
        "mention",
        [
            (
                41,
                "in",
                "@PolarisOutdoor where is my order #48377? Paid on the 14th, still says "
                "'processing'.",
            ),
            (
                37,
                "out",
                "@sarahlee_runs Hi Sarah, sorry for the wait! Could you DM us the email on "
                "the order? We'll check right away. ^Boris",
                {
                    "delivery_status": "posted",
                    "author_agent": boris,
                    "permalink": "https://x.com/PolarisOutdoor/status/1861000000000000001",
                },
            ),
            (
                26,
                "in",
                "@PolarisOutdoor DMed you. 9 days and it still hasn't shipped. Not happy at all.",
            ),
        ],
        tags=[tag["Urgent"], tag["Shipping"]],
        language="en",
        intent="complaint",
        priority="high",
        sla_due_at=due - timedelta(minutes=6),
    )
    for minutes, actor, rule, verb, event in [
        (
            41,
            None,
            "Shipping questions",
            "rule_matched",
            {"matched": "order", "trigger": "message", "actions": ["tagged Shipping"]},
        ),
        (37, boris, "", "replied", {}),
        (
            26,
            None,
            "Urgent",
            "rule_matched",
            {
                "matched": "not happy",
                "trigger": "message",
                "actions": ["tagged Urgent", "priority high"],
            },
        ),
    ]:
        AuditEvent.objects.create(
            conversation=mention,
            actor=actor,
            rule_name=rule,
            verb=verb,
            data=event,
            created_at=ago(minutes),
        )
    thread(
        x,
        person(
            "Mark Evans",
            "x",
            handle="markevans",
            followers=920,
            profile_url="https://x.com/markevans",
        ),
        "search",
        [
            (
                31,
                "in",
                "Anyone tried the Polaris Aurora jacket in real Scottish rain? "
                "Thinking of buying one before my Skye trip",
            )
        ],
        tags=[tag["Brand name"]],
        language="en",
        intent="question",
        sla_due_at=due + timedelta(minutes=29),
    )
    thread(
        x,
        person("王伟", "x", handle="wangwei88"),
        "dm",
        [(38, "in", "你好，请问可以寄到上海吗？运费是多少？")],
        language="zh",
        intent="question",
        assignee=jack,
        sla_due_at=due + timedelta(minutes=22),
    )
    thread(
        x,
        person("Pablo Ruiz", "x", handle="pabloruiz"),
        "mention",
        [(64, "in", "@PolarisOutdoor ¿hacen envíos a México? 🇲🇽")],
        tags=[tag["Shipping"]],
        language="es",
        intent="question",
        sla_due_at=due + timedelta(minutes=51),
    )

    # Instagram: comments on a new drop, a story reply.
    drop = {
        "context": {
            "text": "New drop: Aurora Trail in forest green 🌲 Link in bio.",
            "permalink": "https://www.instagram.com/p/C9aurora/",
        },
        "context_external_id": "17900000000000001",
    }
    thread(
        ig,
        person("Lena Fischer", "instagram", handle="lena.wandert"),
        "comment",
        [(44, "in", "Wie fällt die Größe aus? Normal oder eher klein? 🤔")],
        language="de",
        intent="question",
        sla_due_at=due + timedelta(minutes=40),
        **drop,
    )
    thread(
        ig,
        person("Mari Mets", "instagram", handle="marimets"),
        "comment",
        [(52, "in", "Kas see roheline on ka meeste lõikes saadaval?")],
        language="et",
        intent="question",
        team=social,
        **drop,
    )
    thread(
        ig,
        person("Olga Petrova", "instagram", handle="olga.hikes"),
        "dm",
        [(70, "in", "Это было снято в Лахемаа? Очень красиво! 🌲")],
        context={"text": "Story: sunrise at Lahemaa with the Aurora Trail"},
        language="ru",
        intent="compliment",
    )

    # The Messenger conversation the second screenshot shows.
    emily = Contact.objects.create(
        name="Emily Carter-Hughes",
        email="emily.ch@example.com",
        order_number="48211",
        fields={"Loyalty": "Gold member"},
    )
    fb_emily = person(
        "Emily Carter-Hughes",
        "facebook",
        contact=emily,
        profile_url="https://www.facebook.com/emily.ch",
    )
    # Her Instagram self arrives as a customer of its own; the test merges them in the UI.
    emily_ig = Contact.objects.create(name="emily.outdoors")
    person(
        "Emily Carter-Hughes",
        "instagram",
        contact=emily_ig,
        handle="emily.outdoors",
        followers=2300,
        profile_url="https://www.instagram.com/emily.outdoors/",
    )
    dm = thread(
        fb,
        fb_emily,
        "dm",
        [
            (
                95,
                "in",
                "Hi! My order #48211 arrived today but the zipper on the Aurora jacket is "
                "broken 😞 Can I exchange it?",
            ),
            (
                88,
                "out",
                "Hi Emily, I'm so sorry about that! Could you send us a photo of the zipper?",
                {"delivery_status": "read", "author_agent": boris},
            ),
            (
                9,
                "in",
                "Sure, here it is. It splits open below the chest pocket.",
                {"attachments": [{"type": "image", "url": "https://example.com/zipper.jpg"}]},
            ),
            (8, "in", "I'd prefer the same jacket in M if you still have it."),
        ],
        tags=[tag["Returns"], tag["VIP"]],
        language="en",
        intent="complaint",
        assignee=anna,
        priority="high",
        sla_due_at=due + timedelta(minutes=9),
    )
    Conversation.objects.create(
        channel=ig,
        contact=emily_ig,
        kind="comment",
        external_thread_id="ig-past",
        state="closed",
        preview="Can't wait for the new colours!",
        last_message_at=ago(60 * 24 * 12),
    )
    Note.objects.create(
        contact=emily, author=boris, text="Bought 3 jackets this year; ships to Manchester."
    )
    Note.objects.create(
        conversation=dm,
        author=boris,
        text="Warehouse has the Aurora in M (forest green) — OK to exchange.",
    )
    for minutes, actor, rule, verb, data in [
        (
            95,
            None,
            "Returns",
            "rule_matched",
            {"matched": "exchange", "trigger": "message", "actions": ["tagged Returns"]},
        ),
        (
            95,
            None,
            "VIP customers",
            "rule_matched",
            {"matched": "tag VIP", "actions": ["priority high"]},
        ),
        (90, boris, "", "assigned", {"assignee": "Boris"}),
        (88, boris, "", "replied", {}),
        (8, boris, "", "assigned", {"assignee": "Anna"}),
    ]:
        AuditEvent.objects.create(
            conversation=dm,
            actor=actor,
            rule_name=rule,
            verb=verb,
            data=data,
            created_at=ago(minutes),
        )
    SavedReply.objects.create(
        title="Exchange: new item on its way",
        shortcut="exchange",
        body="Hi {first_name}, thanks for the photo! A replacement for order #{order_number} "
        "ships today, and a prepaid return label is in your email. {agent_name}",
    )
    SavedReply.objects.create(
        title="Shipping times",
        shortcut="shipping",
        body="Hi {first_name}, orders ship within 2 working days.",
    )
    # Anna has read a few; the rest are bold.
    for convo in (storm[2], storm[4], mention):
        ReadState.objects.create(user=anna, conversation=convo, read_at=timezone.now())
    return {"storm": storm, "mention": mention, "dm": dm, "sale": sale, "fb": fb}


def readme_shot(page, name: str, artifact) -> None:
    path = artifact(page, f"readme-{name}")
    assert os.path.getsize(path) > 50_000  # a real, busy page, not a blank one
    if WRITE_DOCS:
        page.screenshot(path=os.path.join(DOCS, f"{name}.png"))


def test_readme_screenshots(browser_page, live_server, agent, agent2, artifact):
    data = build_inbox(agent, agent2)
    page = browser_page(agent, width=1400, height=900)

    # 1. The inbox: folders with counts, a busy multilingual list, the breached mention open.
    page.goto(f"{live_server.url}/?sort=sla")
    page.wait_for_selector("#rows .row")
    assert page.locator("#rows .row").count() == 12  # open ones; Lucía's is closed
    assert page.locator("#folders [data-count=open]").inner_text() == "12"
    first = page.locator("#rows .row").first
    assert "Sarah Lee" in first.inner_text() and "Mention" in first.inner_text()
    rows = page.locator("#rows").inner_text()
    for text in ("Brand name", "你好", "Когда снова", "Kas allahindlus", "Ich habe", "¿hacen"):
        assert text in rows
    page.click(f"#row-{data['mention'].pk} a.open")
    page.wait_for_selector(f"#pane[data-conversation='{data['mention'].pk}']")
    assert "order #48377" in page.locator("#thread").inner_text()
    assert "280" in page.locator("#char-count").inner_text()  # X's limit, live
    readme_shot(page, "inbox", artifact)

    # The post view groups the storm under the sale post, with its counts.
    page.goto(f"{live_server.url}/posts/")
    group = page.locator(".post-group:has-text('Winter sale')")
    assert "4 open of 5 comments" in group.inner_text()
    group.locator("a").click()
    page.wait_for_selector(".post-head")
    head = page.locator(".post-head").inner_text()
    assert data["sale"]["text"][:40] in head and "4 open of 5 comments" in head
    assert page.locator("#rows .row").count() == 5  # closed ones too
    artifact(page, "readme-post-view")

    # 2. A conversation worked from the keyboard: the Messenger thread, a saved reply by ##.
    dm = data["dm"]
    # Her Instagram identity is merged in through the customer panel, with its preview.
    page.goto(f"{live_server.url}/c/{dm.pk}/")
    page.click("#merge-customer")
    page.fill("#merge-q", "@emily.outdoors")
    page.press("#merge-q", "Enter")
    page.click("a.candidate:has-text('emily.outdoors')")
    page.click("#confirm-merge")
    page.wait_for_selector(f"#pane[data-conversation='{dm.pk}']")
    page.goto(f"{live_server.url}/c/{dm.pk}/?sort=sla")
    page.wait_for_selector("#composer-text")
    thread_text = page.locator("#thread").inner_text()
    assert "zipper on the Aurora jacket is broken" in thread_text
    assert "Warehouse has the Aurora in M" in thread_text  # internal note
    side = page.locator("#side").inner_text()
    assert "emily.ch@example.com" in side and "48211" in side and "@emily.outdoors" in side
    assert "tagged Returns by rule ‘Returns’" in side
    assert page.locator(".window .countdown").count() == 1  # Messenger's 24 h window
    page.click("#composer-text")
    page.keyboard.type("##exch")
    page.wait_for_selector("#saved-picker .pick")
    assert "Exchange: new item on its way" in page.locator("#saved-picker").inner_text()
    page.keyboard.press("Enter")
    assert page.input_value("#composer-text").startswith(
        "Hi Emily, thanks for the photo! A replacement for order #48211 ships today"
    )
    readme_shot(page, "conversation", artifact)


def test_channels_page_for_admins(browser_page, live_server, admin_user, artifact):
    factories.make_channel(
        "facebook",
        name="Polaris Outdoor",
        handle="polarisoutdoor",
        last_polled_at=ago(2),
        rate_limits={"graph_usage": {"app": {"call_count": 14, "total_time": 3}}},
    )
    dead = factories.make_channel(
        "x",
        name="Polaris Outdoor",
        handle="PolarisOutdoor",
        status="needs_reconnect",
        status_detail="X answered 401: the refresh token was revoked.",
        last_polled_at=ago(41),
        rate_limits={
            "GET /2/users/:id/mentions": {"limit": 450, "remaining": 431, "reset": 1767225600}
        },
    )
    page = browser_page(admin_user)
    page.goto(f"{live_server.url}/")
    page.click(".topnav a:has-text('Channels')")
    page.wait_for_selector("table.channels")
    row = page.locator(f"#channel-{dead.pk}")
    assert "Needs reconnect" in row.inner_text() and "refresh token was revoked" in row.inner_text()
    assert "431/450" in row.inner_text().replace(" ", "")
    assert page.locator("a.button:has-text('Connect X')").count() == 1
    artifact(page, "channels-page")
