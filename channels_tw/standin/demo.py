"""The X stand-in in the demo: @polarisoutfit with multilingual mentions, brand-name and
hashtag tweets, replies to its posts, and DMs: questions, complaints, compliments, insults
and spam. See sandbox/standins.py for the contract.

Polling is how the demo hears X, as in production on the self-serve tiers. Set
SWITCHBOARD_X_AAA=1 to also have the stand-in deliver signed Account Activity webhooks to
SWITCHBOARD_WEBHOOK_BASE/webhooks/x/.
"""

from __future__ import annotations

import os
import random
import time

from django.conf import settings

from .app import XStandin

PORT = 8103
BRAND_ID = "1490213315082448897"
BRAND = "polarisoutfit"
DEMO_TOKEN = "x-demo-access-token"  # noqa: S105 - the sandbox stand-in's own token

CUSTOMERS = [
    ("1285937461120077824", "marina_sok", "Марина Соколова", "ru"),
    ("96583712", "kadri_tamm", "Kadri Tamm", "et"),
    ("1612398475630284800", "lin_xiaoyu", "林晓雨", "zh"),
    ("1399011223344556677", "jbecker_outdoor", "Jürgen Becker", "de"),
    ("1744120033415680000", "lucia_viaja", "Lucía Viaja", "es"),
    ("1520000000000000001", "emily_hikes", "Emily Carter", "en"),
]
# (language, intent, text). "{brand}" is filled in as "@polarisoutfit" for mentions, and as
# the name without the @ or with the hashtag for the searches.
LINES = [
    ("en", "question", "{brand} does the Aurora jacket come in XS?"),
    ("en", "complaint", "{brand} order #48377 arrived with a broken zip. Not happy."),
    ("en", "compliment", "Wore my {brand} boots up Ben Nevis. Dry feet all day!"),
    ("en", "insult", "{brand} you are clowns, worst shop ever."),
    ("en", "spam", "{brand} 🔥 Earn $5000/week from home, DM me for crypto signals 🔥"),
    ("ru", "question", "{brand} когда будет размер M в Таллинне?"),
    ("ru", "complaint", "{brand} заказ №48213 так и не пришёл, жду две недели."),
    ("ru", "compliment", "{brand} спасибо, куртка отличная и тёплая!"),
    ("et", "question", "{brand} kas pakiautomaati tarne on ka Tartusse?"),
    ("et", "complaint", "{brand} tellimus 48302 on ikka teel, juba kümme päeva."),
    ("et", "compliment", "Suur aitäh {brand}, kõik sobis suurepäraselt!"),
    ("de", "question", "{brand} gibt es die Wanderhose auch in Größe 52?"),
    ("de", "complaint", "{brand} Bestellung 48290 hängt seit zehn Tagen fest."),
    ("de", "insult", "{brand} was für ein lächerlicher Laden, echt unfähig."),
    ("es", "question", "{brand} ¿hacéis envíos a Canarias?"),
    ("es", "compliment", "Las botas de {brand} aguantaron todo el Camino 👌"),
    ("zh", "question", "{brand} 这款外套有没有XS码？"),
    ("zh", "complaint", "{brand} 退货一直没有回复。"),
    ("zh", "spam", "{brand} 加微信 abc123 免费领取名牌外套！！！"),
]


# X's ids are snowflakes: milliseconds since X's epoch, shifted left 22 bits.
SNOWFLAKE_EPOCH_MS = 1288834974657


def create_app() -> XStandin:
    # Clock-based like X's own, so a restarted stand-in's tweets sort after those already
    # stored: the poller asks for ids after the newest it has seen (since_id).
    app = XStandin(first_id=(int(time.time() * 1000) - SNOWFLAKE_EPOCH_MS) << 22)
    app.add_user(BRAND_ID, BRAND, "Polaris Outfitters", followers=15842)
    for user_id, username, name, _lang in CUSTOMERS:
        app.add_user(user_id, username, name, followers=random.randint(20, 4000))
    # The closed-DM customer, so the demo shows the refusal.
    app.users["1399011223344556677"]["dm_open"] = False
    app.issue_token(BRAND_ID, token=DEMO_TOKEN, expires_in=10 * 365 * 86400, refresh=False)
    app.add_tweet(
        BRAND_ID,
        "Spring sale: 20% off the whole collection until 31 March 🌸",
        urls=["https://polaris-outfitters.example/sale"],
    )
    if os.environ.get("SWITCHBOARD_X_AAA") == "1":
        base = os.environ.get("SWITCHBOARD_WEBHOOK_BASE", "http://127.0.0.1:8000").rstrip("/")
        app.webhook = {
            "url": f"{base}/webhooks/x/",
            "user_id": BRAND_ID,
            "secret": settings.X_CONSUMER_SECRET,
        }
    return app


def demo_settings(url: str) -> dict[str, str]:
    """Connect goes to the stand-in's consent page (/i/oauth2/authorize) instead of x.com."""
    return {"X_API_BASE": url, "X_AUTHORIZE_URL": f"{url}/i/oauth2/authorize"}


def setup_channels(url: str) -> None:
    from inbox.models import Channel

    channel, _ = Channel.objects.update_or_create(
        kind="x",
        external_id=BRAND_ID,
        defaults={
            "name": "Polaris Outfitters (X sandbox)",
            "handle": BRAND,
            "api_base_url": url,
            "config": {
                "poll_interval_seconds": 20,
                "tier": "basic",
                "searches": [
                    {"name": "Brand name", "phrases": ["Polaris Outfitters", "polarisoutfitters"]},
                    {"name": "#polariscare", "hashtags": ["polariscare"]},
                    {"name": "Website", "urls": ["polaris-outfitters.example"]},
                ],
            },
        },
    )
    channel.credentials = {**channel.credentials, "access_token": DEMO_TOKEN}
    channel.save(update_fields=["credentials"])


def traffic_tick(app: XStandin, rng: random.Random) -> None:
    """One customer item: a mention, a brand-name or hashtag tweet, a reply, or a DM."""
    user_id, _username, _name, lang = rng.choice(CUSTOMERS)
    lines = [line for line in LINES if line[0] == lang] or LINES
    _lang, _intent, text = rng.choice(lines)
    kind = rng.choice(["mention", "mention", "brand", "hashtag", "reply", "dm", "dm"])
    if kind == "dm":
        app.add_dm(user_id, BRAND_ID, text.replace("{brand} ", "").replace(" {brand}", ""))
        return
    if kind == "brand":
        app.add_tweet(user_id, text.replace("{brand}", "Polaris Outfitters"), lang=lang)
    elif kind == "hashtag":
        app.add_tweet(user_id, text.replace("{brand}", "").strip() + " #polariscare", lang=lang)
    elif kind == "reply":
        ours = app.posted_by(BRAND_ID)
        app.add_tweet(
            user_id,
            text.replace("{brand}", f"@{BRAND}"),
            lang=lang,
            in_reply_to=ours[-1]["id"] if ours else "",
        )
    else:
        app.add_tweet(user_id, text.replace("{brand}", f"@{BRAND}"), lang=lang)
