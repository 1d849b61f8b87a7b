"""Write ``rules/intent_data/train.jsonl`` from the hand-written messages in ``source/``.

    python -m rules.intent_data.build_train

``source/<language>.txt`` holds the messages the project wrote, under ``## <intent>``
headings, with a few slots in braces ({brand}, {city}, {order}, ...).  Each message is
written out as it is and in one or two social variants (lower case, no final punctuation,
an @mention, a typo, shouting, an emoji, Russian transliterated to Latin), so the model
sees the registers people write in.  Every row keeps ``group``, a hash of the message it
came from: the dev split is made by group, so no variant of a dev message is trained on.

Deterministic: the same sources give the same file.

**Leakage guard.**  A training row whose text equals, after ``guard_key``'s
normalisation, a text of the dev set (``dev/``) or of a held-out set (``eval/``,
``tests/data/intent_*.jsonl``) is dropped with its whole group, and the count is printed.
Those files are read only as hashes of their normalised texts, never printed, so whoever
runs this learns how many rows collided and nothing about which.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
import unicodedata
from collections.abc import Iterable
from pathlib import Path

HERE = Path(__file__).resolve().parent
SOURCE = HERE / "source"
OUT = HERE / "train.jsonl"
ROOT = HERE.parent.parent
LANGUAGES = ("en", "ru", "et", "de", "es", "zh")

BRANDS = [
    "Polaris Outfitters", "@polarisoutfit", "NordBite", "@nordbite", "Kiwi Mobile", "Lumo Bank",
    "Vela Air", "@velaair", "TechNest", "Urbanfit", "Café Aroma", "PixelPlay", "Studio Bloom",
]  # fmt: skip
CITIES = {
    "en": ["London", "Dublin", "Manchester", "Austin", "Toronto", "Leeds"],
    "ru": ["Москву", "Питер", "Казань", "Таллин", "Новосибирск"],
    "et": ["Tartu", "Pärnu", "Narva", "Viljandi", "Riia"],
    "de": ["Berlin", "München", "Hamburg", "Wien", "Köln", "Zürich"],
    "es": ["Madrid", "Sevilla", "Valencia", "Bogotá", "Lima", "Bilbao"],
    "zh": ["北京", "上海", "广州", "深圳", "成都", "杭州"],
}
CITY_ZH = ["北京", "上海", "广州", "深圳", "成都", "杭州", "香港"]
COUNTRIES = {"en": ["Ireland", "Norway", "Canada", "Poland", "Australia", "Japan"]}
COUNTRIES["de"] = ["Österreich", "die Schweiz", "Polen", "Italien", "Dänemark"]
COUNTRIES["es"] = ["México", "Chile", "Portugal", "Argentina", "Colombia"]
PRODUCTS = [
    "jacket", "tent", "backpack", "hoodie", "boots", "headphones", "phone case", "blender",
    "running shoes", "sleeping bag", "smart watch", "air fryer", "yoga mat", "rain jacket",
    "power bank", "gaming mouse", "face cream", "coffee grinder",
]  # fmt: skip
DAYS = {
    "days": ["two weeks", "10 days", "a month", "three weeks", "5 days"],
    "days_ru": ["две недели", "10 дней", "месяц", "три недели", "5 дней"],
    "days_lat": ["2 nedeli", "mesyac", "10 dney"],
    "days_et": ["kaks nädalat", "10 päeva", "kuu aega", "kolm nädalat"],
    "days_de": ["zwei Wochen", "10 Tagen", "einem Monat", "drei Wochen"],
    "days_es": ["dos semanas", "10 días", "un mes", "tres semanas"],
    "days_zh": ["两个星期", "十天", "一个月", "三周"],
}
FRIENDS = {
    "friend": ["@jess_k", "@tom.b", "@maria_l", "@dan88"],
    "friend_ru": ["@masha", "@sergey_k", "@olya.p"],
    "friend_et": ["@kadri", "@mart.t", "@liis"],
    "friend_de": ["@lena_m", "@jonas.k", "@svenja"],
    "friend_es": ["@lucia", "@pablo_g", "@carmen.r"],
    "friend_zh": ["@小美", "@阿杰", "@lili"],
}
URLS = [
    "bit.ly/3xK9pQ", "https://t.me/earnfast", "www.megadeals.shop", "https://win-prize.xyz/claim",
    "tinyurl.com/freegift", "linktr.ee/cryptoking", "https://promo-club.top/go", "wa.me/447700900123",
]  # fmt: skip
EMOJI = {
    "question": ["🤔", "🙏", "👀"],
    "complaint": ["😡", "😤", "👎", "🙄", "😞", "🤬"],
    "compliment": ["😍", "❤️", "🙌", "🔥", "👏", "💯", "🥰"],
    "insult": ["🤡", "🖕", "💩", "🤮"],
    "spam": ["💰", "🚀", "💸", "🎁", "👉"],
    "other": ["😂", "🙂", "👀", "😅"],
}
TRANSLIT = dict(
    zip(
        "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
        "a b v g d e e zh z i y k l m n o p r s t u f h ts ch sh sch  y  e yu ya".split(" "),
        strict=True,
    )
)


def _fill(template: str, language: str, rng: random.Random) -> str:
    def one(match: re.Match) -> str:
        slot = match.group(1)
        if slot == "brand":
            return rng.choice(BRANDS)
        if slot == "city":
            return rng.choice(CITIES[language])
        if slot == "city_zh":
            return rng.choice(CITY_ZH)
        if slot == "country":
            return rng.choice(COUNTRIES.get(language, COUNTRIES["en"]))
        if slot == "product":
            return rng.choice(PRODUCTS)
        if slot == "order":
            return f"#{rng.randint(10000, 99999)}"
        if slot == "url":
            return rng.choice(URLS)
        if slot in DAYS:
            return rng.choice(DAYS[slot])
        if slot in FRIENDS:
            return rng.choice(FRIENDS[slot])
        raise KeyError(f"unknown slot {{{slot}}} in {template!r}")

    return re.sub(r"\{(\w+)\}", one, template)


# How people type Russian on a Latin keyboard varies: "kh" or "h", "ia" or "ya", "j" for й,
# "4" for ч, "'" for ь.  Each informal variant picks one spelling per letter at random.
TRANSLIT_INFORMAL = {
    "ж": ["zh", "j", "g"], "й": ["y", "i", "j"], "х": ["h", "kh", "x"], "ц": ["ts", "c", "tz"],
    "ч": ["ch", "4", "ch"], "ш": ["sh", "sh", "w"], "щ": ["sch", "shch", "sh"], "ы": ["y", "i"],
    "ь": ["", "'", ""], "ъ": ["", "'"], "э": ["e"], "ю": ["yu", "iu", "u"], "я": ["ya", "ia", "a"],
    "е": ["e", "e", "ye"], "ё": ["e", "yo"],
}  # fmt: skip


def _translit(text: str, rng: random.Random | None = None) -> str:
    """Russian in Latin letters: one fixed scheme, or with ``rng`` an informal mix."""
    pick = {k: rng.choice(v) for k, v in TRANSLIT_INFORMAL.items()} if rng else {}
    out = []
    for ch in text:
        low = ch.lower()
        if low in TRANSLIT:
            t = pick.get(low, TRANSLIT[low])
            out.append(t.capitalize() if ch != low else t)
        else:
            out.append(ch)
    return "".join(out)


def _typo(text: str, rng: random.Random) -> str:
    words = [i for i, w in enumerate(text.split(" ")) if len(w) > 4 and w.isalpha()]
    if not words:
        return text
    parts = text.split(" ")
    i = rng.choice(words)
    w = parts[i]
    j = rng.randrange(1, len(w) - 2)
    parts[i] = w[:j] + w[j + 1] + w[j] + w[j + 2 :] if rng.random() < 0.6 else w[:j] + w[j + 1 :]
    return " ".join(parts)


def _variant(text: str, language: str, intent: str, rng: random.Random) -> str:
    """One social-register variant of ``text``."""
    has_letters = any(ch.isalpha() for ch in text)
    choices = ["lower", "nopunct", "mention", "emoji"]
    if language != "zh" and has_letters:
        choices += ["typo", "typo"]
    if intent in {"complaint", "insult"}:
        choices.append("caps")
    if language == "ru" and has_letters:
        choices += ["translit", "translit"]
    kind = rng.choice(choices)
    if kind == "lower":
        if text.lower() != text:
            return text.lower()
        return text.rstrip("?!.？！。") + {"question": "??", "other": "..."}.get(intent, "!!")
    if kind == "nopunct":
        return re.sub(r"[?!？！¿¡]+|[.。]+$", "", text).strip() or text
    if kind == "mention":
        brand = rng.choice([b for b in BRANDS if b.startswith("@")])
        return f"{brand} {text}" if rng.random() < 0.6 else f"{text} {brand}"
    if kind == "emoji":
        return f"{text} {rng.choice(EMOJI[intent]) * rng.randint(1, 3)}"
    if kind == "typo":
        return _typo(text, rng)
    if kind == "caps":
        return text.upper()
    return _translit(text, rng if rng.random() < 0.5 else None)


def read_source(language: str) -> list[tuple[str, str]]:
    rows, intent = [], None
    lines = []
    for path in sorted(SOURCE.glob(f"{language}*.txt")):
        lines += ["## -"] + path.read_text(encoding="utf-8").splitlines()
    for line in lines:
        line = line.strip()
        if not line:
            continue
        if line.startswith("## "):
            intent = None if line == "## -" else line[3:].strip()
            continue
        if intent is None:
            raise ValueError(f"{language}*.txt: message before any ## intent heading")
        rows.append((intent, line))
    return rows


def guarded_paths() -> list[Path]:
    """The files no training text may repeat: the dev set and every held-out set."""
    paths = sorted((HERE / "dev").glob("*.jsonl")) + sorted((HERE / "eval").glob("*.jsonl"))
    return paths + sorted((ROOT / "tests" / "data").glob("intent_*.jsonl"))


def guard_key(text: str) -> str:
    """Hash of ``text`` with case, accents, punctuation and spacing folded away, so "Ok,
    thanks!" and "ok thanks" collide (emoji are kept: they are not punctuation)."""
    from rules.classify import normalize

    norm = normalize(text)
    kept = "".join(" " if unicodedata.category(ch).startswith("P") else ch for ch in norm)
    return hashlib.sha1(" ".join(kept.split()).encode("utf-8")).hexdigest()


def guarded_keys(paths: Iterable[Path]) -> set[str]:
    keys: set[str] = set()
    for path in paths:
        with path.open(encoding="utf-8") as fh:
            keys.update(guard_key(json.loads(line)["text"]) for line in fh if line.strip())
    return keys


def drop_leaked(rows: list[dict], keys: set[str]) -> tuple[list[dict], int, int]:
    """(rows kept, groups dropped, rows dropped): a group goes whole when any of its rows
    equals a guarded text, since its other variants are near copies of it."""
    leaked = {r["group"] for r in rows if guard_key(r["text"]) in keys}
    kept = [r for r in rows if r["group"] not in leaked]
    return kept, len(leaked), len(rows) - len(kept)


def build() -> list[dict]:
    rng = random.Random(16)
    out: list[dict] = []
    seen: set[str] = set()
    for language in LANGUAGES:
        for intent, template in read_source(language):
            group = hashlib.sha1(f"{language}|{template}".encode()).hexdigest()[:10]
            slotted = "{" in template
            fills = {_fill(template, language, rng) for _ in range(3 if slotted else 1)}
            texts = []
            for text in sorted(fills):
                texts.append(text)
                for _ in range(2 if slotted else 3):
                    texts.append(_variant(text, language, intent, rng))
            for text in texts:
                key = f"{language}|{text}"
                if key in seen:
                    continue
                seen.add(key)
                out.append({"text": text, "language": language, "intent": intent, "group": group})
    return out


def main() -> int:
    rows, groups, dropped = drop_leaked(build(), guarded_keys(guarded_paths()))
    print(
        f"leakage guard: dropped {groups} messages ({dropped} rows) equal to a dev or held-out text"
    )
    with OUT.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"wrote {len(rows)} messages to {OUT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
