"""The Facebook Page stand-in in the demo: a sandbox Page with multilingual traffic.

See sandbox/standins.py for the contract. The stand-in runs in its own process
(`run_standins`) and delivers webhooks to the web process at SWITCHBOARD_WEBHOOK_BASE.
"""

from __future__ import annotations

import hashlib
import itertools
import os
import random
import time

from django.conf import settings

from .app import PAGE_ID, PAGE_NAME, PAGE_TOKEN, POST_ID, GraphStandin

PORT = 8101

# (language, intent, text): what customers of an outdoor shop write.
TRAFFIC = [
    ("en", "question", "Hi! Does the Aurora jacket come in XS? Ordering for my daughter."),
    ("en", "complaint", "Order #48377 arrived with a broken zip. Not happy at all."),
    ("en", "compliment", "Wore your boots up Ben Nevis last weekend. Dry feet all day, thank you!"),
    ("en", "insult", "You people are clowns. Worst shop ever, total idiots."),
    ("en", "spam", "🔥 Earn $5000/week from home!!! DM me for crypto signals 🔥 bit.ly/xx"),
    ("ru", "question", "Здравствуйте! Когда будет поставка размера M в Таллинн?"),
    ("ru", "complaint", "Заказ №48213 так и не пришёл, жду уже две недели. Что происходит?"),
    ("ru", "compliment", "Спасибо, куртка отличная, тёплая и лёгкая!"),
    ("et", "question", "Tere! Kas teil on pakiautomaati tarne ka Tartusse?"),
    ("et", "complaint", "Tellimus 48302 on ikka veel teel, juba kümme päeva. Palun aidake."),
    ("et", "compliment", "Suur aitäh kiire tarne eest, kõik sobis suurepäraselt!"),
    ("de", "question", "Hallo, gibt es die Wanderhose auch in Größe 52?"),
    (
        "de",
        "complaint",
        "Bestellung 48290 ist seit zehn Tagen „unterwegs“. Gibt es eine Sendungsnummer?",
    ),
    ("de", "insult", "Was für ein lächerlicher Laden, ihr seid echt unfähig."),
    ("es", "question", "¡Hola! ¿Hacéis envíos a Canarias? ¿Cuánto tarda?"),
    (
        "es",
        "complaint",
        "La cremallera de la chaqueta Aurora se rompió a la semana. ¿Cómo tramito la garantía?",
    ),
    ("es", "compliment", "¡Me encanta la mochila, gracias por el regalo sorpresa!"),
    ("zh", "question", "请问这款外套有没有XS码？什么时候补货？"),
    ("zh", "complaint", "我买的鞋子尺码不合适，退货一直没有回复。"),
    ("zh", "spam", "加微信 abc123 免费领取名牌外套！！！"),
]
PEOPLE = {
    "en": ["Emily Carter", "James O'Neill"],
    "ru": ["Марина Соколова", "Дмитрий Орлов"],
    "et": ["Kadri Tamm", "Mart Kask"],
    "de": ["Jürgen Becker", "Anna Schmidt"],
    "es": ["Lucía Fernández", "Pablo Ruiz"],
    "zh": ["王芳", "李伟"],
}


def create_app() -> GraphStandin:
    webhook = os.environ.get("SWITCHBOARD_WEBHOOK_BASE", "http://127.0.0.1:8000").rstrip("/")
    standin = GraphStandin(
        app_id=settings.META_APP_ID,
        app_secret=settings.META_APP_SECRET,
        callback_url=f"{webhook}/webhooks/facebook/",
    )
    standin.webhooks.start()
    # Ids grow with the clock, so a restarted stand-in never hands out one the database
    # already holds (the app would take a new comment for a duplicate and drop it).
    standin.ids = itertools.count(int(time.time() * 1000) * 1000)
    standin.ask_consent = True  # Connect and Reconnect show the stand-in's Login dialog
    return standin


def demo_settings(url: str) -> dict[str, str]:
    """The demo's web and worker processes talk to this stand-in instead of facebook.com."""
    return {"META_GRAPH_BASE": f"{url}/v24.0", "META_OAUTH_DIALOG_URL": f"{url}/v24.0/dialog/oauth"}


def setup_channels(url: str) -> None:
    from inbox.models import Channel

    channel, _ = Channel.objects.update_or_create(
        kind="facebook",
        external_id=PAGE_ID,
        defaults={"name": f"{PAGE_NAME} (sandbox)", "api_base_url": url},
    )
    channel.credentials = {**channel.credentials, "access_token": PAGE_TOKEN}
    channel.save(update_fields=["credentials"])


def _person(rng: random.Random, language: str) -> dict:
    name = rng.choice(PEOPLE[language])
    # A stable id per person, so repeat customers thread into one contact.
    return {
        "id": str(6900000000000000 + int(hashlib.sha256(name.encode()).hexdigest(), 16) % 10**15),
        "name": name,
    }


# Now and then one post draws a storm: STORM_SIZE complaints within STORM_SPAN, the crisis
# where one complaint snowballs, for the reports' storm detection to flag. This stand-in
# ticks about every 24 s in the demo (run_standins: every 8 s, one of three stand-ins), so
# about one storm an hour.
STORM_CHANCE = 1 / 150
STORM_SIZE = 40
STORM_SPAN = 10 * 60
ANGRY = [item for item in TRAFFIC if item[1] in ("complaint", "insult")]


def start_storm(app: GraphStandin, rng: random.Random) -> str:
    """Schedule a storm on one of the Page's posts; the ticks that follow deliver it."""
    # The Page's own posts: a visitor's post is a conversation of its own, not a post's comments.
    posts = [
        p for p in app.posts.values() if p["page_id"] == PAGE_ID and p["from"]["id"] == PAGE_ID
    ] or [{"id": POST_ID}]
    post_id = rng.choice(posts)["id"]
    start = app.clock()
    app.demo_storm = sorted(
        (start + rng.uniform(0, STORM_SPAN), post_id, rng.choice(ANGRY)) for _ in range(STORM_SIZE)
    )
    return post_id


def _storm_tick(app: GraphStandin, rng: random.Random) -> None:
    """Post the storm's comments whose time has come (a tick can come late: all that are due)."""
    pending = getattr(app, "demo_storm", None)
    if not pending and rng.random() < STORM_CHANCE:
        start_storm(app, rng)
        pending = app.demo_storm
    now = app.clock()
    while pending and pending[0][0] <= now:
        _, post_id, (language, _intent, text) = pending.pop(0)
        app.add_comment(message=text, author=_person(rng, language), post_id=post_id)


def traffic_tick(app: GraphStandin, rng: random.Random) -> None:
    _storm_tick(app, rng)
    language, _intent, text = rng.choice(TRAFFIC)
    person = _person(rng, language)
    roll = rng.random()
    if roll < 0.45:
        app.add_comment(message=text, author=person)
    elif roll < 0.6 and app.comments:
        top = [c for c in app.comments.values() if not c["parent_id"] and not c.get("deleted")]
        if top:
            app.add_comment(message=text, author=person, parent_id=rng.choice(top)["id"])
            return
        app.add_comment(message=text, author=person)
    elif roll < 0.7:
        app.add_post(message=text, author=person)
    else:
        app.add_message(psid=person["id"], text=text, name=person["name"])
