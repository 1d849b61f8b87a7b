"""The Instagram stand-in in the demo (see sandbox/standins.py): port, channel, traffic."""

from __future__ import annotations

import os
import random

from django.conf import settings

from channels_fb.standin.app import IG_ACCOUNT_ID, PAGE_ID, PAGE_TOKEN

from .app import InstagramStandin

PORT = 8102
# The account is linked to the Facebook stand-in's Page and reached with that Page's token,
# as with the Instagram API with Facebook Login: connecting it through the Facebook stand-in's
# Login dialog (Facebook Login for Business) stores the token this stand-in accepts.
ACCOUNT_ID = IG_ACCOUNT_ID
USERNAME = "polarisoutfitters"
TOKEN = PAGE_TOKEN

PEOPLE = [
    ("lin.xiaoyu_", "林晓雨", "zh"),
    ("maria.gomez.bcn", "María Gómez", "es"),
    ("katrin.vogel.hh", "Katrin Vogel", "de"),
    ("kadri.tamm", "Kadri Tamm", "et"),
    ("ivan.petrov.spb", "Иван Петров", "ru"),
    ("sam.hikes", "Sam Carter", "en"),
    ("promo.followers.4u", "Followers Boost", "en"),
]

TEXTS = {
    "question": {
        "en": ["Is the Aurora jacket back in size M?", "Do you ship to Canada? 🇨🇦"],
        "ru": ["Есть ли эта куртка в размере L?", "Сколько стоит доставка в Питер?"],
        "et": ["Kas seda jopet on ka sinisena?", "Millal kevadine allahindlus lõpeb?"],
        "de": ["Ist die Jacke wasserdicht oder nur wasserabweisend?", "Gibt es die Mütze noch?"],
        "es": ["¿Tenéis la mochila en verde?", "¿Cuánto tarda el envío a Madrid?"],
        "zh": ["这件外套有M码吗？", "可以寄到上海吗？"],
    },
    "complaint": {
        "en": ["My order #4411 still hasn't arrived after 3 weeks 😡", "Zip broke on day two."],
        "ru": ["Заказ пришёл без пояса, верните деньги!", "Куртка промокла в первый же день."],
        "et": ["Tellimus on kaks nädalat hiljaks jäänud.", "Lukk läks esimesel päeval katki."],
        "de": ["Meine Bestellung ist seit zwei Wochen überfällig!", "Die Naht ist aufgerissen."],
        "es": ["La mochila llegó rota, ¿a quién escribo? 😕", "Nadie responde a mis correos."],
        "zh": ["我的订单三周了还没到！", "拉链第二天就坏了。"],
    },
    "compliment": {
        "en": ["Best jacket I've ever owned 🙌", "Love the new colours!"],
        "ru": ["Отличная куртка, спасибо! 🏔️", "Лучший магазин для походов."],
        "et": ["Suurepärane jope, aitäh!", "Väga mõnus müts 😍"],
        "de": ["Tolle Qualität, danke!", "Die Farbe ist ein Traum 😍"],
        "es": ["¡Me encanta la chaqueta! 😍", "Calidad increíble, gracias."],
        "zh": ["质量太好了，谢谢！", "颜色超好看😍"],
    },
    "insult": {
        "en": ["You people are useless idiots", "Worst brand ever, total garbage"],
        "ru": ["Вы полные идиоты", "Отвратительный сервис, позор"],
        "et": ["Te olete täiesti kasutud", "Jube firma, häbi teile"],
        "de": ["Ihr seid doch völlig unfähig, Idioten", "Schrottladen!"],
        "es": ["Sois unos inútiles", "Empresa basura, vergüenza"],
        "zh": ["你们真是一群白痴", "垃圾公司"],
    },
    "spam": {
        "en": ["💰 Get 10k followers FAST → DM us 💰", "Check my profile for free iPhones!!!"],
        "ru": ["Заработок от 5000 в день, пиши в директ", "Бесплатные подписчики тут 👉"],
        "et": ["Teeni 500€ päevas, kirjuta mulle!", "Tasuta jälgijad minu profiilil"],
        "de": ["Verdiene 500€ am Tag, schreib mir!", "Gratis Follower auf meinem Profil"],
        "es": ["Gana 500€ al día, escríbeme", "Seguidores gratis en mi perfil 👉"],
        "zh": ["每天赚500元，私信我", "免费粉丝，看我主页"],
    },
}

CAPTIONS = [
    "Aurora jacket is back 🧥 Colours: glacier, moss, ember. #polariscare",
    "Kevadine allahindlus: -20% kogu kollektsioonile kuni 31. märtsini 🌸",
    "Neue Wintermützen sind da ❄️",
]


def create_app() -> InstagramStandin:
    # The demo's web server (make run); DEMO_SITE_URL overrides it where it listens elsewhere.
    site = os.environ.get("DEMO_SITE_URL", "http://127.0.0.1:8000").rstrip("/")
    app = InstagramStandin(
        account_id=ACCOUNT_ID,
        username=USERNAME,
        page_id=PAGE_ID,
        access_token=TOKEN,
        app_secret=settings.META_APP_SECRET,
        callback_url=f"{site}/webhooks/instagram/",
    )
    for caption in CAPTIONS:
        app.account.add_media(caption)
    return app


def setup_channels(url: str) -> None:
    from inbox.models import Channel

    channel, _ = Channel.objects.update_or_create(
        kind="instagram",
        external_id=ACCOUNT_ID,
        defaults={
            "name": "Polaris Outfitters (Instagram sandbox)",
            "handle": USERNAME,
            "api_base_url": f"{url}/v24.0",
            "config": {"page_id": PAGE_ID, "poll_interval_seconds": 120},
        },
    )
    channel.credentials = {**channel.credentials, "access_token": TOKEN}
    channel.save(update_fields=["credentials"])


def _text(rng: random.Random, lang: str) -> str:
    intent = rng.choices(list(TEXTS), weights=[5, 3, 3, 1, 1])[0]
    return rng.choice(TEXTS[intent][lang])


def traffic_tick(app: InstagramStandin, rng: random.Random) -> None:
    """One customer item: mostly comments and DMs, sometimes a reply, mention or story."""
    username, name, lang = rng.choice(PEOPLE)
    acct = app.account
    igsid = next((p.igsid for p in acct.people.values() if p.username == username), "")
    roll = rng.random()
    if roll < 0.45:
        top = [
            c
            for c in acct.comments.values()
            if not c.parent_id and acct.media[c.media_id].owner == acct.account_id
        ]
        parent = rng.choice(top).id if top and rng.random() < 0.3 else ""
        acct.add_comment(text=_text(rng, lang), username=username, igsid=igsid, parent_id=parent)
    elif roll < 0.8:
        acct.add_dm(text=_text(rng, lang), igsid=igsid, username=username, name=name)
    elif roll < 0.88:
        acct.add_mention(
            text=f"@{USERNAME} {_text(rng, lang)}",
            username=username,
            on=rng.choice(["comment", "caption"]),
        )
    elif roll < 0.94:
        acct.add_story_reply(text=_text(rng, lang), igsid=igsid, username=username)
    else:
        acct.add_story_mention(igsid=igsid, username=username)
