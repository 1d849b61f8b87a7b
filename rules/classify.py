"""Response-scheme classifier: language + intent of an inbound social message.

No Django imports, so it can be used from models, Celery tasks, management commands or
standalone scripts alike.  rules/CLASSIFIER.md has the figures and how to retrain.

    >>> from rules.classify import classify
    >>> c = classify("zipper broke after two uses, really disappointed")
    >>> c.language, c.intent, c.matched
    ('en', <Intent.COMPLAINT: 'complaint'>, "complaint: 'disappointed'")

Intent
------
``ModelIntentClassifier`` is a softmax regression over hashed character and word n-grams
plus the cue lexicons below (which intents they found a cue for, and what the old
priority list would decide), trained by ``python -m rules.train_intent`` on the messages
in ``intent_data/`` and shipped as ``intent_data/intent.npz``, blended with a small
network over sentence vectors distilled from a multilingual sentence encoder
(``piece_vectors.py``, ``intent_data/intent_vectors.npz``), which knows words the training
text never used.  The blend's probabilities are temperature-calibrated on a dev split;
``classify()`` says ``Intent.UNSURE`` when the best one is below
``SWITCHBOARD_INTENT_UNSURE_BELOW`` (default 0.5).  ``matched`` is the lexicon's cue for
the chosen intent when there is one, else the words that pushed the model towards it
most.  ``LexiconIntentClassifier`` (the cue lexicons with a priority
list) is still here: as features, as the explanation, and as a baseline.

Language detection
------------------
``detect_language`` is the weighted vote of the project's character n-gram identifier
(``intent_data/language.npz``, trained on the same messages: transliterated Russian,
slang, emoji) and lingua's low-accuracy models for the six languages; Han script is
Chinese, kana/Hangul/Arabic/... and low-probability guesses are "" (unknown).

Both models load once per process, in ``warm_up()``, which the Celery worker calls as
each process starts (switchboard/celery.py), so no customer message waits on a load.

Size cap
--------
Classification and language detection read at most the first ``MAX_CHARS`` characters
of a message: what a message is about shows in how it opens, and the cap keeps any one
message to a few milliseconds of a worker.
"""

from __future__ import annotations

import enum
import os
import re
import threading
import time
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, runtime_checkable

__all__ = [
    "Classification",
    "DETECTOR_LANGUAGES",
    "Intent",
    "IntentClassifier",
    "LexiconIntentClassifier",
    "ModelIntentClassifier",
    "classify",
    "MAX_CHARS",
    "detect_language",
    "has_language_to_detect",
    "language_probabilities",
    "get_default_classifier",
    "normalize",
    "set_default_classifier",
    "unsure_threshold",
    "warm_up",
]


# --------------------------------------------------------------------------
# Public types
# --------------------------------------------------------------------------


class Intent(enum.StrEnum):
    QUESTION = "question"
    COMPLAINT = "complaint"
    COMPLIMENT = "compliment"
    INSULT = "insult"
    SPAM = "spam"
    OTHER = "other"
    # Not a class the model predicts: its best guess was below the confidence threshold.
    UNSURE = "unsure"

    @property
    def label(self) -> str:
        return self.value.capitalize()

    @classmethod
    def choices(cls) -> list[tuple[str, str]]:
        """(value, label) pairs, usable as Django ``choices=``."""
        return [(m.value, m.label) for m in cls]

    @classmethod
    def labels(cls) -> list[Intent]:
        """The intents the model is trained to tell apart (all but UNSURE)."""
        return [m for m in cls if m is not cls.UNSURE]


@dataclass(frozen=True, slots=True)
class Classification:
    language: str  # ISO 639-1, "" when unknown
    intent: Intent
    confidence: float  # 0..1, heuristic for the lexicon classifier
    matched: str = ""  # the cue that decided it, e.g. "complaint: 'still nothing'"
    scores: dict[str, float] = field(default_factory=dict, compare=False)


@runtime_checkable
class IntentClassifier(Protocol):
    def classify(self, text: str, language: str) -> Intent: ...


@runtime_checkable
class ExplainingIntentClassifier(IntentClassifier, Protocol):
    """Optional richer interface: also says how sure it is and why."""

    def explain(self, text: str, language: str) -> Classification: ...


# --------------------------------------------------------------------------
# Normalisation
# --------------------------------------------------------------------------

_KEEP_INTACT = re.compile(
    r"[\u0400-\u052f"  # Cyrillic (keeps й intact)
    r"\u2e80-\u2fdf\u3000-\u303f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff"  # CJK, kana
    r"\uac00-\ud7af\uf900-\ufaff]"  # Hangul, CJK compatibility
)


def normalize(text: str) -> str:
    """Case- and accent-insensitive form used for matching.

    NFKD + casefold + drop combining marks for Latin (so "Größe" -> "grosse",
    "pésima" -> "pesima", full-width "？" -> "?"), but Cyrillic and CJK
    characters are kept as they are (only "ё" is folded to "е").
    """
    out: list[str] = []
    for ch in text.casefold():
        if _KEEP_INTACT.match(ch):
            out.append(ch)
            continue
        for d in unicodedata.normalize("NFKD", ch):
            if unicodedata.combining(d) or d == "\ufe0f":
                continue
            out.append(d)
    s = "".join(out).replace("ё", "е")
    s = _APOSTROPHES.sub("", s)  # "hasn't" -> "hasnt", "iPhone'i" -> "iphonei"
    # fold the ideographic punctuation NFKD leaves alone, and traditional Chinese
    # characters to simplified ones: the training text is simplified ("這也太扯了" reads
    # as "这也太扯了")
    return s.translate(_CJK_FOLD)


def _traditional_to_simplified() -> dict[int, str]:
    lines = [
        line
        for line in (MODEL_DIR / "hanzi_t2s.txt").read_text(encoding="utf-8").splitlines()
        if line and not line.startswith("#")
    ]
    traditional, simplified = lines
    return {ord(t): s for t, s in zip(traditional, simplified, strict=True)}


_APOSTROPHES = re.compile(r"(?<=\w)['\u2019\u02bc](?=\w)")
_CJK_PUNCT = {ord(k): v for k, v in {"。": ".", "、": ",", "！": "!", "？": "?", "，": ","}.items()}


# --------------------------------------------------------------------------
# Language detection
# --------------------------------------------------------------------------

# Classification and language detection read at most this many characters of a message
# (see "Size cap" above).  rules/item.py applies the same cap to what rule conditions read.
MAX_CHARS = 2000


def head(text: str) -> str:
    """The part of ``text`` that classification reads."""
    return text[:MAX_CHARS]


_LONG_RUN = re.compile(r"(.)\1{3,}", re.DOTALL)


def model_text(text: str) -> str:
    """What the models (language, intent, sentence vectors) read of ``text``: its head, with
    each run of one character cut to three ("sooooo" reads as "sooo", "a" x 100,000 as
    "aaa"), so a flood neither fills the head nor outweighs the words around it. The rules
    match the head as it is."""
    return _LONG_RUN.sub(r"\1\1\1", head(text))


def language_text(text: str) -> str:
    """What the language detector reads: the model text without links, mentions, digits."""
    return _STRIP_FOR_LANG.sub(" ", model_text(text))


# The languages we have intent lexicons and training messages for; the detector knows these.
CORE_LANGUAGES: frozenset[str] = frozenset({"en", "ru", "et", "de", "es", "zh"})
DETECTOR_LANGUAGES: tuple[str, ...] = ("en", "ru", "et", "de", "es", "zh")

MODEL_DIR = Path(__file__).resolve().parent / "intent_data"
LANGUAGE_MODEL_PATH = MODEL_DIR / "language.npz"
INTENT_MODEL_PATH = MODEL_DIR / "intent.npz"
INTENT_VECTORS_PATH = MODEL_DIR / "intent_vectors.npz"
TRADITIONAL_TO_SIMPLIFIED = _traditional_to_simplified()
_CJK_FOLD = _CJK_PUNCT | TRADITIONAL_TO_SIMPLIFIED

# Below this probability the detector says "" (unknown) rather than guess.
LANGUAGE_MIN_PROBABILITY = 0.35
# The detector's vote: the project's n-gram identifier, which knows social writing
# (transliteration, slang, emoji), and lingua's low-accuracy trigram models, which know
# each language's general vocabulary.  Weights chosen on the dev split (CLASSIFIER.md).
NGRAM_LANGUAGE_WEIGHT = 0.7
LINGUA_LANGUAGE_WEIGHT = 0.3

_detector = None
_detector_lock = threading.Lock()


def _get_detector():
    """lingua's low-accuracy detector for the six languages, built once (~10 MB)."""
    global _detector
    if _detector is None:
        with _detector_lock:
            if _detector is None:
                from lingua import IsoCode639_1, LanguageDetectorBuilder

                codes = [getattr(IsoCode639_1, c.upper()) for c in DETECTOR_LANGUAGES]
                builder = LanguageDetectorBuilder.from_iso_codes_639_1(*codes)
                _detector = (
                    builder.with_low_accuracy_mode().with_preloaded_language_models().build()
                )
    return _detector


_STRIP_FOR_LANG = re.compile(
    r"(?:https?://|www\.)\S+|\b[\w-]+\.(?:com|me|ly|ru|ee|shop|xyz|io|top|net|org)(?:/\S*)?"
    r"|[@#][\w.]+|\d+",
    re.IGNORECASE,
)
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_WORDS = re.compile(r"[^\W\d_]+")
# The English prior: a message of at most this many plain ASCII words whose best vote is
# under ENGLISH_PRIOR_BELOW is English (see detect_language; chosen on the dev set).
ENGLISH_PRIOR_MAX_WORDS = 3
ENGLISH_PRIOR_BELOW = 0.5
# Short-message cues (sixth round): words that, in a message of at most
# SHORT_CUE_MAX_WORDS plain ASCII words, decide the language before the vote. The
# identifier and lingua see too few letters there: "krasota", "ochen kruto" came out as
# English through the English prior, "u do klarna?" and "slayyy" as Russian. Only words
# that are not also words of the other Latin-script languages we know ("da", "net", "my",
# "nu", "no", "me", "was", "bro" are left out); letters repeated three times or more count
# once ("slayyy" is "slay").
SHORT_CUE_MAX_WORDS = 5
TRANSLITERATED_RUSSIAN = frozenset(
    """
    spasibo spasib spasibki pozhaluysta pozhalujsta pozhalusta privet privetik poka
    ochen ochenj kruto krutoy krasota krasivo klassno otlichno normalno
    normalny uzhasno uzhas pipets pipec kapets blin horosho khorosho harasho ladno
    ponyal ponyala ponyatno yasno dogovorilis dogovorilsya soglasen zakaz zakazal
    zakazala dostavka dostavku kurer kogda pochemu zachem skolko gde mozhno
    nuzhno tozhe vsyo vse eto chto chego kak nichego seychas sejchas segodnya zavtra
    vchera davno dengi deneg zhdu zhdem zhdat bolshoe bolshoy molodtsy molodcy
    krasavchiki luchshie otvet otvechat otvette voobshe voobshche opyat snova uzhe
    eshche esche eshe priehal prishel prishlo prishla rabotaet tupye
    zhopu zhopa idite poshli durak duraki klouny pozor pozorishe spasibochki
    """.split()
)
ENGLISH_SHORT_CUES = frozenset(
    """
    the you your youre u ur is are do does did what why how this that it
    its with and of for can have has got gonna wanna slay banger tbh ngl lowkey
    highkey bruh goated yall lmao
    """.split()
)
_REPEATS = re.compile(r"(.)\1{2,}")
# Scripts of languages we do not know: kana, Hangul, Arabic, Hebrew, Greek, Thai, Devanagari...
_OTHER_SCRIPT = re.compile(
    r"[\u3040-\u30ff\uac00-\ud7af\u0600-\u06ff\u0590-\u05ff\u0370-\u03ff\u0e00-\u0e7f"
    r"\u0900-\u097f]"
)

_models: dict[str, object] = {}
_models_lock = threading.Lock()


def _load(path: Path):
    """The n-gram model saved at ``path``, loaded once per process (see ``warm_up``)."""
    return _load_once(path, _read_ngram_model)


def _load_vectors(path: Path):
    """The piece table and the head over it saved at ``path``, loaded once per process."""
    return _load_once(path, _read_vectors)


def _load_once(path: Path, read):
    # Read on every message: the loaded case is one dictionary lookup.
    key = str(path)
    loaded = _models.get(key)
    if loaded is None:
        with _models_lock:
            loaded = _models.get(key)
            if loaded is None:
                loaded = _models[key] = read(path)
    return loaded


def _read_ngram_model(path: Path):
    from .ngram_model import LinearModel

    return LinearModel.load(path)[0]


def _read_vectors(path: Path):
    from . import piece_vectors

    piece_vectors.tokenizer()  # the vectors' tokenizer, loaded with them
    return piece_vectors.load(path)


def _letters(text: str) -> int:
    return sum(1 for ch in text if ch.isalpha())


def language_probabilities(text: str) -> dict[str, float]:
    """The detector's probability of each language for ``text`` (links, mentions, digits
    removed): the weighted vote of the n-gram identifier and lingua."""
    from .ngram_model import hash_features, text_features

    cleaned = language_text(text)
    model = _load(LANGUAGE_MODEL_PATH)
    idx, val = hash_features(text_features(cleaned, normalize(cleaned), words=False))
    probs = {
        c: NGRAM_LANGUAGE_WEIGHT * float(p)
        for c, p in zip(model.classes, model.probabilities(idx, val), strict=True)
    }
    for v in _get_detector().compute_language_confidence_values(cleaned):
        code = v.language.iso_code_639_1.name.lower()
        probs[code] = probs.get(code, 0.0) + LINGUA_LANGUAGE_WEIGHT * v.value
    return probs


def has_language_to_detect(text: str) -> bool:
    """Whether ``text`` has enough letters for ``detect_language`` to name a language: three
    letters once links, mentions and digits are gone, or one Chinese character. "💛🖤",
    "ok!!" and "@anna 👀" have none, and are "" by design."""
    return _enough_letters(language_text(text))


def _enough_letters(cleaned: str) -> bool:
    return _letters(cleaned) >= 3 or bool(_HAN.search(cleaned))


def detect_language(text: str) -> str:
    """ISO 639-1 code of ``text`` ("en", "ru", "zh", ...), "" if unknown/too short."""
    if not text:
        return ""
    cleaned = language_text(text)
    if not _enough_letters(cleaned):
        return ""
    n = _letters(cleaned)
    han = len(_HAN.findall(cleaned))
    if _OTHER_SCRIPT.search(cleaned):
        return ""  # Japanese, Korean, Arabic...: not a language we know
    if han and han * 3 >= n:
        return "zh"
    cyrillic = len(_CYRILLIC.findall(cleaned))
    if cyrillic >= 3 and cyrillic * 3 >= n:
        # Russian is the only Cyrillic language we know, and people who mix Cyrillic with
        # Latin ("clowns вы все") are writing Russian with English words in it.
        return "ru"
    cue = _short_message_cue(cleaned)
    if cue:
        return cue
    probs = language_probabilities(cleaned)
    best = max(probs, key=probs.__getitem__)
    if probs[best] < ENGLISH_PRIOR_BELOW and _is_short_plain_latin(cleaned):
        # A few plain ASCII words that neither model is sure of ("yasss", "shut up bot",
        # "mid at best") are far more often English social slang than anything else:
        # English is what social media code-mixes everywhere, and the other Latin-script
        # languages we know mostly show themselves in letters like ä, õ, ñ, ß.
        return "en"
    return best if probs[best] >= LANGUAGE_MIN_PROBABILITY else ""


def _short_message_cue(cleaned: str) -> str:
    """ "ru" or "en" when a short plain-ASCII message has a cue word of that language and
    none of the other, else ""."""
    words = _WORDS.findall(cleaned)
    if not words or len(words) > SHORT_CUE_MAX_WORDS or not all(w.isascii() for w in words):
        return ""
    words = [_REPEATS.sub(r"\1", w.lower()) for w in words]
    ru = any(w in TRANSLITERATED_RUSSIAN for w in words)
    en = any(w in ENGLISH_SHORT_CUES for w in words)
    if ru != en:
        return "ru" if ru else "en"
    return ""


def _is_short_plain_latin(cleaned: str) -> bool:
    words = _WORDS.findall(cleaned)
    return 0 < len(words) <= ENGLISH_PRIOR_MAX_WORDS and all(w.isascii() for w in words)


# --------------------------------------------------------------------------
# Lexicons (data only)
# --------------------------------------------------------------------------
#
# LEXICONS[lang][intent] is a list of cue strings, matched on ``normalize``d
# text (so write them with or without accents, any case).  Notation:
#
#   "word"        whole word           "stem*"     word starting with stem
#   "two words"   phrase (any spaces / punctuation between the words)
#   "^word"       only at the start of a sentence or clause
#   "!cue"        strong cue, weight 2 (default weight 1)
#   "re:<regex>"  raw regular expression on the normalised text
#
# Languages in SUBSTRING_LANGUAGES (no word boundaries, e.g. Chinese) match
# every cue as a plain substring.  "*" holds language-independent cues applied
# to every message; English is also applied to every message because social
# media code-mixes it everywhere ("DM me", "link in bio", "top").

SUBSTRING_LANGUAGES = frozenset({"zh", "ja"})

_URL_RE = r"re:(?:https?://|www\.)\S+|\b[\w-]+\.(?:shop|xyz|top|click|biz|store|online|site)\b"

# fmt: off
LEXICONS: dict[str, dict[str, list[str]]] = {
    "*": {
        "question": ["!re:\\?", "!re:¿"],
        "complaint": ["re:[😡😤🤬😠👎😞😩]"],
        "compliment": ["re:[😍❤♥🥰🙌👏😊🤩💚💙⭐]", "re:👍"],
        "insult": ["re:[🤡🖕💩]"],
        "spam": [
            _URL_RE,
            "!re:\\b(?:bit\\.ly|t\\.me|wa\\.me|tinyurl\\.com|linktr\\.ee)/",
            "re:\\d+\\s?%",
            "re:[$€£]\\s?\\d+|\\d+\\s?[$€£]",
            "re:👉",
            "!bitcoin*", "!btc", "!crypto*", "!krypto*", "!usdt", "!forex", "!binance",
            "whatsapp", "telegram", "onlyfans", "iphone", "seo", "dm",
        ],
    },
    "en": {
        "question": [
            "^re:what(?!\\s+an?\\b)", "^when", "^where", "^which", "^who", "^whats", "^how", "^why",
            "^is", "^are", "^do", "^does", "^did", "^can", "^could", "^will", "^would",
            "^should", "^any chance", "^anyone know", "^is there", "^has anyone",
            "wondering if", "wondering whether", "quick question", "do you ship",
            "do you have", "do you sell", "do you guys", "can you tell", "how long",
            "how much", "what size",
        ],
        "complaint": [
            "!still not", "!still nothing", "!still waiting", "!still no", "!never arrived",
            "!never received", "!not received", "!hasnt arrived", "!havent received",
            "!charged twice", "!double charged", "!overcharged", "!where is my order",
            "!need a refund", "!want a refund", "!want my money back", "!on hold",
            "!disappoint*", "!unacceptable", "!poor quality", "!bad quality",
            "!cheaply made", "!falling apart", "!coming apart", "!not happy", "!fed up",
            "refund*", "broke", "broken", "snapped", "ripped", "torn", "leak*",
            "defect*", "faulty", "damaged", "terrible", "awful", "horrible", "worst",
            "wrong", "missing", "not working", "doesnt work", "does not work",
            "didnt work", "dont work", "wont", "crash*", "error", "bug", "glitch*",
            "ridiculous", "frustrat*", "annoy*", "angry", "unhappy", "waiting",
            "waited", "no response", "no reply", "no answer", "hasnt answered",
            "havent heard", "ignor*", "delay*", "late", "lost", "tracking",
            "cancel my", "rude",
            "re:\\bfor (?:\\d+|a|an|over a|two|three|\\w+) (?:days|weeks|months)\\b",
            "!no answer", "!nobody cares", "!third time", "!returned it", "!returning it",
            "!sending it back", "stopped working", "peeling", "smells", "stinks", "useless",
            "poor", "scam", "complain*", "sucks",
        ],
        "compliment": [
            "!thank*", "!love", "!loving", "!loved", "!amazing", "!awesome",
            "!excellent", "!fantastic", "!highly recommend", "!would recommend",
            "!worth every penny", "!shoutout", "!shout out", "!kudos", "!best",
            "great", "perfect", "brilliant", "beautiful", "gorgeous", "stunning",
            "comfy", "comfortable", "worth it", "i recommend", "recommend it", "recommend them",
            "appreciate*", "helpful",
            "well done", "good job", "great job", "10/10", "five stars", "5 stars",
            "impressed", "happy with", "so happy", "beast", "fire", "nice", "nicest",
            "legend*", "lifesaver", "obsessed", "favorite", "favourite", "no complaints",
            "super", "top", "wonderful", "superb", "props",
        ],
        "insult": [
            "!idiot*", "!moron*", "!stupid*", "!dumb*", "!clown*", "!loser*",
            "!pathetic", "!scammer*", "!liar*", "!thieves", "!crook*", "!go to hell",
            "!shut up", "!re:\\bf[u*][c*]?[k*]", "!fuck*", "!screw you", "!joke of a",
            "!incompetent", "!brainless", "!braindead", "!retard*", "!imbecile*",
            "!jerk*", "!asshole*", "!bastard*", "!bitch*", "!scum", "!you suck",
            "useless", "trash", "garbage", "shit*", "crap*", "greedy", "disgrace*",
            "ass", "suck*",
            "!re:\\b(?:youre|you are|ur|u r|you)\\s+(?:all\\s+|so\\s+)?(?:useless|pathetic|incompetent|a joke)",
            "!muppet*", "!get bent", "!clueless", "!dickhead*", "!prick*", "!wanker*", "!tosser*",
            "!numpty", "!nobody likes you", "!piece of shit",
        ],
        "spam": [
            "!dm me", "!dm for", "!message me for", "!inbox me", "!check out my page",
            "!check my page", "!link in bio", "!link in my bio", "!follow for follow",
            "!follow back", "!f4f", "!l4l", "!free followers", "!buy followers",
            "!earn money", "!make money", "!work from home", "!from home",
            "!guaranteed returns", "!passive income", "!selected to win",
            "!you have been selected", "!youve been selected", "!click the link",
            "!click here", "!hot singles", "!marketing services", "!blue tick",
            "!brand ambassador", "earn", "per day", "re:/day\\b", "invest*",
            "giveaway", "congratulations", "claim", "promote", "promotion", "collab",
            "verified", "cheap", "outlet", "followers", "opportunity", "!ask me how",
            "!buy followers", "!real followers",
        ],
    },
    "ru": {
        "question": [
            "^как", "^когда", "^где", "^сколько", "^почему", "^зачем", "^какой",
            "^какая", "^какие", "^какого", "^а", "^можно", "^есть ли", "^есть", "ли",
            "^будет", "^будут", "^работает", "^работаете", "^подойдет", "^нужно ли",
            "подскажите", "подскажи", "скажите", "интересует", "хотел* узнать",
            "не подскажете", "до какой",
        ],
        "complaint": [
            "!до сих пор", "!не отправили", "!не приш*", "!не доставили", "!не отвеча*",
            "!никто не отвеча*", "!верните", "!разочарова*", "!деньги на ветер",
            "!списали", "!некачественн*", "!безобразие", "!возмутительно",
            "слома*", "сломан*", "порвал*", "порван*", "промока*", "протека*", "брак*",
            "ужасн*", "отвратительн*", "кошмар", "жду", "ждем", "ждал*", "дважды",
            "не тот", "не та", "не то", "не работает", "завис*", "глючит", "ошибка",
            "не могу", "обман*", "плох*", "задерж*", "опоздал*", "потерял*", "жалоб*",
            "претензи*", "недовол*", "не доволен", "не рекомендую", "разберитесь",
            "хуже", "худш*", "отстой",
            "re:уже (?:\\d+ |\\w+ )?(?:месяц|недел|дн|день|дня|год)",
            "!третий раз", "!в который раз", "!ответа нет", "!нет ответа", "!без ответа",
            "!ни ответа", "ответа ноль", "отклеил*", "отвалил*", "развалил*", "треснул*",
            "протер*", "полинял*", "линяет", "воняет", "вонь*", "расходится", "облез*",
        ],
        "compliment": [
            "!спасибо", "!благодар*", "!рекомендую", "!обожаю", "!молодц*",
            "!так держать", "!на высоте", "!приятно удивлен*", "отличн*", "отлично",
            "супер", "класс*", "круто", "крут*", "лучш*", "люблю", "нравится",
            "понравил*", "огонь", "доволен", "довольна", "удобн*", "шикарн*",
            "прекрасн*", "восторг*", "кайф", "топ", "качествен*",
        ],
        "insult": [
            "!идиот*", "!дебил*", "!кретин*", "!туп*", "!клоун*", "!жулик*", "!вор",
            "!воры", "!ворюг*", "!мошенник*", "!урод*", "!дурак*", "!придур*",
            "!бездар*", "!барыг*", "!пошли вы", "!иди* нафиг", "!иди* нахрен",
            "!иди* в жопу", "!нахер", "!нахуй", "!хуй*", "!сука", "!суки", "!твар*",
            "!мраз*", "!козл*", "!скотин*", "!быдло", "!чмо", "!лох*", "!конченн*",
            "!ничтожеств*", "!дерьмо", "!говно*", "позор*", "убог*", "бля*", "жопа",
            "!дурач*", "!дура", "!охренел*", "!охуел*", "!офигел*", "!обнаглел*", "!тупорыл*",
            "!недоумк*", "!болван*",
        ],
        "spam": [
            "!заработ*", "!без вложений", "!в личку", "!в лс", "!в директ", "!накрутк*",
            "!взаимн* подписк*", "!подпишусь в ответ", "!ссылк* в профиле",
            "!ссылк* в шапке", "!крипт*", "!биткоин*", "!выиграли", "!удаленк*",
            "!на дому", "!продвижени*", "!раскрутк*", "!ставки", "!казино",
            "!гарантией выигрыша", "доход", "подписчик*", "по ссылке", "переходи*",
            "инвестиц*", "приз", "розыгрыш", "ищем сотрудников", "телеграм*", "кредит*",
            "займ*", "пишите", "пиши",
        ],
    },
    "et": {
        "question": [
            "^kas", "^millal", "^kus", "^kuidas", "^kui kaua", "^palju", "^mis",
            "^mitu", "^miks", "^kes", "^milline", "^millised", "^kumb", "^kaua",
            "kas te", "kas teil", "kas saab", "huvitab", "tahaksin teada",
            "oskate oelda", "palun oelge",
        ],
        "complaint": [
            "!ikka pole", "!ikka ei", "!siiani pole", "!pole siiani", "!pole joudnud",
            "!ei joudnud", "!katte saanud", "!laks katki", "!pettun*", "!pettumus",
            "!ei vasta", "!vett labi", "!kohutav*", "!raha tagasi", "katki", "purune*",
            "murdus", "rebene*", "lekib", "halb", "halva*", "kehv*", "jube", "ei toota",
            "vale", "viga", "defekt*", "praak", "ootan", "ootasin", "oodanud",
            "kaks korda", "jookseb kokku", "hiline*", "kadunud", "ei viitsi*",
            "ebaviisaka*", "jama", "kaebus", "pahane", "vihane", "ei saa",
            "re:\\bjuba (?:\\d+ |\\w+ )?(?:paev|nadal|kuu)",
            "!vastust pole", "!ei ole vastust", "!mingit vastust", "!kolmas kord", "!mitmes kord",
            "kasutu", "haiseb", "laguneb", "lagunes", "rebenes",
        ],
        "compliment": [
            "!aitah", "!tanan", "!tanud", "!suur tanu", "!soovitan", "!armastan",
            "!tubli*", "!suureparane", "!suurepara*", "tanu", "super", "parim*",
            "meeldib", "meeldiv*", "lahe", "age*", "hea too", "vaga hea", "mugav*",
            "tipp*", "rahul", "imeline", "ilus*", "vinge", "kiire tarne", "top",
            "vapustav", "lemmik*",
        ],
        "insult": [
            "!idioot*", "!idiood*", "!loll*", "!debiil*", "!tola*", "!kloun*", "!petis*", "!varga*",
            "!vargad", "!persse", "!perse*", "!kaabak*", "!rumal*", "!jobu*", "!tobras",
            "!moläkas", "!nome*", "!vardjas", "!tobu*", "sitt*", "sita*", "kurat*",
            "raisk", "pask*", "saamatu*", "habi", "ahne*", "!ajuvaba*", "!ajukaabik*", "!lollakas",
            "!lollakad", "!mats", "!idikas", "!tainapea*",
        ],
        "spam": [
            "!teeni", "!teenida", "!teenid", "!teenin", "!kodust", "!privaatsonum*", "!jalgija*",
            "!krupto*",
            "!investeer*", "!tootlus", "!voitsid", "!kaugtoo*", "!turundus*",
            "!kiirlaen*", "!jalgin sind tagasi", "!jalgi mind", "!kirjuta mulle",
            "!vajuta lingile", "tasuta", "profiil*", "bio", "auhind*", "loosimine",
            "laen*", "lingilt", "lingile",
        ],
    },
    "de": {
        "question": [
            "^wann", "^wo", "^wie", "^was", "^warum", "^welche*", "^wieviel",
            "^wie viel", "^gibt es", "^habt ihr", "^hat", "^ist", "^sind", "^kann",
            "^konnen", "^kannst", "^konnt", "^liefert", "^versendet", "^verschickt",
            "^gilt", "^bis wann", "^bis wie", "^funktioniert", "^passt", "^macht ihr",
            "^bietet ihr", "^wird", "^werden", "weiss jemand", "kurze frage",
            "eine frage", "wurdet ihr", "konnt ihr", "ich wollte fragen",
        ],
        "complaint": [
            "!immer noch nicht", "!immer noch nichts", "!immer noch kein*",
            "!nicht angekommen", "!nie angekommen", "!enttausch*", "!unverschamt",
            "!frechheit", "!katastroph*", "!antwortet nicht", "!keine antwort",
            "!reagiert nicht", "!zweimal abgebucht", "!doppelt abgebucht",
            "!geld zuruck", "!unmoglich", "!nicht zufrieden", "!unzufrieden",
            "!re:\\bwarte[nt]? seit", "re:seit \\w+ (?:tagen|wochen|monaten)",
            "kaputt", "gebrochen", "gerissen", "undicht", "defekt", "mangelhaft",
            "arger*", "schlecht*", "mies*", "miserabel", "funktioniert nicht",
            "geht nicht", "falsch*", "erstattung", "ruckerstattung", "sturzt",
            "absturz", "fehler", "unfreundlich*", "reklamation", "beschwerde",
            "verspat*", "verloren", "sauer", "nervt", "argerlich",
            "!re:\\bnie\\b[^.!?]*\\bangekommen", "!zum dritten mal", "!keine reaktion",
            "!unbrauchbar", "nicht benutzen", "muffig", "stinkt", "lost sich", "lost sich auf",
        ],
        "compliment": [
            "!danke*", "!vielen dank", "!lob", "!grosses lob", "!weiter so",
            "!kann ich nur empfehlen", "!begeistert", "!positiv uberrascht", "super",
            "toll*", "klasse", "spitze", "hammer", "genial*", "grossartig",
            "hervorragend", "perfekt", "beste*", "liebe", "zufrieden", "mega", "top",
            "bequem", "wunderschon", "hilfsbereit", "freundlich*", "geil*",
            "lieblings*", "empfehl*", "qualitat top", "!vielen lieben dank", "dank", "nett*",
            "sehr gut", "richtig gut", "gutes", "guter", "zuverlassig", "uberzeugt",
        ],
        "insult": [
            "!idiot*", "!vollidiot*", "!depp*", "!trottel*", "!vollpfosten",
            "!clown*", "!betruger*", "!abzocker*", "!schamt euch", "!dumm*", "!blod*",
            "!bescheuert*", "!arschloch*", "!arsch", "!wichser", "!penner", "!spast*",
            "!hurensohn", "!leck mich", "!leckt mich", "!halt die klappe",
            "!saftladen", "!drecksladen", "!lappen", "!witzfigur*", "!verpisst",
            "!fick*", "verdammt*", "scheiss*", "unfahig*", "abzocke", "dreck*",
            "inkompetent*", "gierig*",
            "!pfeife*", "!das letzte", "!versager*", "!nichtsnutz*", "!schwachkopf*", "!vollhonk*",
            "!idioten",
        ],
        "spam": [
            "!verdien*", "!geld verdienen", "!von zu hause", "!schreib mir",
            "!kostenlose follower", "!link in meiner bio", "!link in bio", "!rendite",
            "!gewonnen", "!homeoffice*", "!nebenjob", "!nebenverdienst",
            "!sofortkredit", "!schufa", "!folgst du mir", "!folg* ich dir",
            "!hier klicken", "pn", "follower", "investment", "invest*", "gewinnspiel",
            "hol dir", "marketing", "kredit*", "klick*", "gratis", "bio", "!frag mich wie",
            "!follower kaufen", "nebenbei", "gewinnspiel*",
        ],
    },
    "es": {
        "question": [
            "^que", "^cuando", "^cuanto*", "^donde", "^como", "^cual*", "^por que",
            "^puedo", "^puede*", "^pueden", "^se puede", "^tienen", "^tienes", "^hay",
            "^hacen", "^sirve", "^alguien sabe", "^a que", "^es", "^son", "^vale",
            "me recomiendan", "recomiendan", "quisiera saber", "una pregunta",
            "una duda", "tengo una duda",
        ],
        "complaint": [
            "!todavia no", "!aun no", "!no ha llegado", "!no llega*", "!nunca llego",
            "!no me llego", "!mala calidad", "!pesim*", "!decepcion*",
            "!nadie responde", "!nadie contesta", "!nadie me ayud*", "!nadie nos ayud*",
            "!no responden", "!no contestan", "!cobraron dos veces", "!quiero mi dinero",
            "!inaceptable", "!mala atencion", "!mal servicio", "!no sirve*",
            "se rompi*", "roto", "rota", "se partio", "rompio", "se mojan", "gotea",
            "defectuos*", "horrible", "fatal", "terrible", "verguenza", "no funciona",
            "equivocad*", "incorrect*", "dos veces", "reembolso", "devuelvan",
            "se cuelga", "error", "esperando", "re:llevo \\d+ (?:dias|semanas)",
            "muy mal*", "queja", "reclamacion", "estafa", "harta", "harto",
            "no valen", "molest*", "nadie", "que mal", "!tercera vez", "!sin respuesta",
            "!ninguna respuesta", "!no me da* solucion", "!no me dan", "falta", "faltan", "huele",
            "se despega*", "descos*", "destin*",
            "re:\\b(?:llevo|hace) (?:\\d+|un|una|dos|tres) (?:dias|semanas|mes)",
        ],
        "compliment": [
            "!gracias", "!mil gracias", "!me encanta*", "!encanta*", "!una pasada",
            "!recomiendo", "!seguid asi", "!sigan asi", "!excelente", "perfect*",
            "genial*", "increible", "maravill*", "el mejor", "la mejor", "mejor",
            "comodisim*", "comod*", "amable", "top", "crack*", "bravo", "buenisim*",
            "guapisim*", "precios*", "satisfech*", "contento", "contenta",
            "gratamente", "encantad*", "de lujo",
        ],
        "insult": [
            "!idiota*", "!imbecil*", "!estupid*", "!payaso*", "!estafador*",
            "!ladron*", "!a la mierda", "!vayanse", "!vete a", "!ratas", "!rata",
            "!tarad*", "!pendej*", "!cabron*", "!gilipollas", "!subnormal",
            "!hijos de puta", "!puta*", "!tonto*", "!tonta*", "!sinverguenza*",
            "!ineptos", "!mugros*", "!cerdo*", "inutil*", "mierda", "maldit*",
            "basura", "asco", "incompetentes", "!mentiros*", "!patetic*", "!sinverguenza*",
            "!caradura*", "!idiotas",
        ],
        "spam": [
            "!gana dinero", "!ganar dinero", "!desde casa", "!escribeme",
            "!escribe al privado", "!al privado", "!por dm", "!seguidores gratis",
            "!link en mi perfil", "!en mi perfil", "!en mi bio", "!cripto*",
            "!ganaste", "!trabajo desde casa", "!sin aval", "!sigueme",
            "!nos seguimos", "!haz clic", "!entra aqui", "gana", "seguidores",
            "inversion", "ganancia*", "felicidades", "premio", "reclama", "sorteo",
            "buscamos personas", "marketing", "servicios de", "prestamo*", "te sigo",
            "!compra seguidores", "!comprar seguidores", "!escribenos", "!pregunta*me como",
            "dinero con",
        ],
    },
    "zh": {
        "question": [
            "吗", "请问", "什么时候", "多少", "几天", "多久", "哪里", "哪个", "哪",
            "怎么", "为什么", "是不是", "有没有", "能不能", "可不可以", "可以吗",
            "多大", "还是", "呢", "想问", "问一下", "几号",
        ],
        "complaint": [
            "!还没", "!没发货", "!没收到", "!坏了", "!质量太差", "!质量差", "!失望",
            "!不回", "!没人理", "!没人回", "!投诉", "!离谱", "!差评", "!态度很差",
            "!态度差", "!服务差", "!不满意", "没到", "断了", "破了", "漏水", "开胶",
            "太差", "很差", "退款", "赶紧", "发错", "错了", "打不开", "卡死", "卡住",
            "闪退", "坑", "等了", "扣了", "两次", "太慢", "慢死了", "生气", "气死", "!掉色", "!褪色", "!开线", "!起球",
            "!压坏", "!破损", "!损坏", "!恶劣", "!质量问题", "!没回复", "!不回复", "!第三次", "味道大", "臭", "不能用", "没用",
            "垃圾质量",
        ],
        "compliment": [
            "!谢谢", "!感谢", "!多谢", "!太好了", "!强烈推荐", "!太棒", "!满意",
            "很好", "真好", "最好", "好用", "喜欢", "超爱", "爱了", "好爱", "爱死",
            "推荐", "一流", "给力", "赞", "点赞", "棒", "舒服", "热情", "贴心", "好评",
            "加油", "牛", "靠谱", "物超所值", "完美", "好看", "漂亮", "不错", "颜值", "保暖", "好穿", "合脚", "值得",
        ],
        "insult": [
            "!白痴", "!废物", "!小丑", "!脑残", "!骗子", "!奸商", "!不要脸", "!滚",
            "!混蛋", "!王八蛋", "!蠢", "!傻逼", "!傻x", "!煞笔", "!智障",
            "!脑子进水", "!去死", "!狗屎", "!垃圾公司", "!垃圾品牌", "垃圾", "傻",
            "有病", "无良", "坑爹", "!蠢货", "!破公司", "!破品牌", "!什么破", "猪", "!狗东西", "!人渣", "!弱智",
        ],
        "spam": [
            "!日赚", "!赚钱", "!私信", "!涨粉", "!加微信", "!加v", "!数字货币",
            "!比特币", "!币圈", "!中奖", "!点击链接", "!互关", "!回关", "!互粉",
            "!兼职", "!代运营", "!引流", "!无抵押", "免费", "微信", "vx", "投资",
            "收益", "领取", "链接", "招聘", "宝妈", "推广", "贷款", "一折", "主页", "!高仿", "!私聊", "!日入", "!月入", "加我",
            "代购", "出售",
            "清仓",
        ],
    },
}
# fmt: on
# Japanese has no lexicon of its own; Chinese cues written in kanji still help.
LEXICONS["ja"] = LEXICONS["zh"]


# --------------------------------------------------------------------------
# Cue compilation
# --------------------------------------------------------------------------

# "^cue": at the start of the text or of a sentence (full weight), or right after
# a comma (half weight: "Hey, is the tent back?" vs. the relative pronoun in
# "Parim magamiskott, mis mul olnud on").
_SENTENCE_START = r"(?:(?P<hard>^|(?<=[.!?;:\n¿¡])|(?<=\s[-–—]))|(?<=,))\s*"


@dataclass(frozen=True, slots=True)
class _Cue:
    source: str
    weight: float
    pattern: re.Pattern[str]


def _compile_cue(cue: str, substring: bool) -> _Cue:
    raw = cue
    weight = 1.0
    if cue.startswith("!"):
        weight, cue = 2.0, cue[1:]
    anchored = cue.startswith("^")
    if anchored:
        cue = cue[1:]
    if cue.startswith("re:"):
        return _Cue(raw, weight, re.compile((_SENTENCE_START if anchored else "") + cue[3:]))
    stem = cue.endswith("*")
    if stem:
        cue = cue[:-1]
    norm = normalize(cue).strip()
    if substring:
        body = re.escape(norm)
        return _Cue(raw, weight, re.compile((_SENTENCE_START if anchored else "") + body))
    words = [re.escape(w) for w in re.split(r"\s+", norm) if w]
    body = r"[\W_]+".join(words) + (r"\w*" if stem else "")
    start = _SENTENCE_START if anchored else r"(?<!\w)"
    return _Cue(raw, weight, re.compile(start + body + r"(?!\w)"))


def _compile_lexicons(
    lexicons: dict[str, dict[str, list[str]]],
) -> dict[str, dict[Intent, list[_Cue]]]:
    compiled: dict[str, dict[Intent, list[_Cue]]] = {}
    for lang, by_intent in lexicons.items():
        substring = lang in SUBSTRING_LANGUAGES
        compiled[lang] = {
            Intent(intent): [_compile_cue(c, substring) for c in cues]
            for intent, cues in by_intent.items()
        }
    return compiled


# --------------------------------------------------------------------------
# Lexicon classifier
# --------------------------------------------------------------------------


class LexiconIntentClassifier:
    """Cue-lexicon intent classifier; see the module docstring.

    ``lexicons`` defaults to the module-level ``LEXICONS``; pass your own dict of
    the same shape to extend or replace it.  ``always`` are the lexicon keys
    applied on top of the message's own language ("*" and "en").
    """

    def __init__(
        self,
        lexicons: dict[str, dict[str, list[str]]] | None = None,
        always: Iterable[str] = ("*", "en"),
    ) -> None:
        self._lex = _compile_lexicons(LEXICONS if lexicons is None else lexicons)
        self._always = tuple(k for k in always if k in self._lex)

    @property
    def languages(self) -> frozenset[str]:
        return frozenset(k for k in self._lex if k != "*")

    def classify(self, text: str, language: str) -> Intent:
        return self.explain(text, language).intent

    def explain(self, text: str, language: str) -> Classification:
        norm = normalize(model_text(text or ""))
        scores, firsts = self._score(norm, self._lexicon_keys(language))
        intent, matched = _decide(scores, firsts)
        return Classification(
            language=language,
            intent=intent,
            confidence=_confidence(intent, scores),
            matched=matched,
            scores={k.value: v for k, v in scores.items() if v},
        )

    def _lexicon_keys(self, language: str) -> list[str]:
        keys = list(self._always)
        if language in self._lex:
            keys.append(language)
        else:  # unknown or unsupported language: try every lexicon
            keys.extend(k for k in self._lex if k not in keys)
        return keys

    def _score(
        self, norm: str, keys: list[str]
    ) -> tuple[dict[Intent, float], dict[Intent, tuple[float, str]]]:
        scores = dict.fromkeys(Intent, 0.0)
        best: dict[Intent, tuple[float, str]] = {}
        for key in keys:
            for intent, cues in self._lex[key].items():
                for cue in cues:
                    m = cue.pattern.search(norm)
                    if not m:
                        continue
                    weight = cue.weight
                    if "hard" in cue.pattern.groupindex and m.group("hard") is None:
                        weight /= 2  # clause start after a comma only
                    scores[intent] += weight
                    surface = m.group(0).strip(" ,") or cue.source
                    if intent not in best or weight > best[intent][0]:
                        best[intent] = (weight, surface)
        return scores, best


def _decide(s: dict[Intent, float], firsts: dict[Intent, tuple[float, str]]) -> tuple[Intent, str]:
    """The priority list.  Scores are sums of cue weights (strong = 2)."""
    Q, C, P, S = Intent.QUESTION, Intent.COMPLAINT, Intent.COMPLIMENT, Intent.SPAM
    INS = Intent.INSULT

    def pick(intent: Intent) -> tuple[Intent, str]:
        return intent, f"{intent.value}: {firsts[intent][1]!r}" if intent in firsts else ""

    strong_insult = firsts.get(INS, (0, ""))[0] >= 2
    # 1. spam: a strong cue, or a link/promo/money pattern plus another cue.
    if s[S] >= 2 and s[S] > s[C]:
        return pick(S)
    # 2. insult beats complaint: direct name-calling, or more abuse than grievance.
    if strong_insult or (s[INS] >= 1 and s[INS] > s[C]):
        return pick(INS)
    # 3. complaint: strongly negative even when phrased as a question.
    if s[C] >= 2 and s[C] >= s[P]:
        return pick(C)
    if s[C] >= 1 and s[C] > s[Q] and s[C] >= s[P]:
        return pick(C)
    # 4. question, unless praise clearly dominates ("kann ich nur empfehlen").
    if s[Q] > 0 and s[Q] > s[P]:
        return pick(Q)
    if s[P] >= 1:
        return pick(P)
    if s[C] >= 1:
        return pick(C)
    if s[S] >= 1:
        return pick(S)
    if s[INS] >= 1:
        return pick(INS)
    return Intent.OTHER, ""


def _confidence(intent: Intent, s: dict[Intent, float]) -> float:
    if intent is Intent.OTHER:
        return 0.5 if not any(s.values()) else 0.35
    top = s[intent]
    rival = max((v for k, v in s.items() if k is not intent), default=0.0)
    conf = 0.45 + 0.12 * top - 0.08 * min(rival, top)
    return round(max(0.3, min(0.97, conf)), 2)


# --------------------------------------------------------------------------
# The trained model
# --------------------------------------------------------------------------

# Below this calibrated probability the intent is "unsure" (SWITCHBOARD_INTENT_UNSURE_BELOW).
DEFAULT_UNSURE_BELOW = 0.5


def unsure_threshold() -> float:
    """The confidence under which ``classify`` says ``Intent.UNSURE``."""
    raw = os.environ.get("SWITCHBOARD_INTENT_UNSURE_BELOW", "")
    try:
        return float(raw) if raw else DEFAULT_UNSURE_BELOW
    except ValueError:
        return DEFAULT_UNSURE_BELOW


_lexicon_features: LexiconIntentClassifier | None = None


def intent_features(text: str, language: str) -> list[str]:
    """The named features the intent model reads: n-grams, shapes, the language and the
    lexicon's cues (which intents it found words for, and what it would decide)."""
    return _intent_inputs(text, language)[0]


def _intent_inputs(text: str, language: str) -> tuple[list[str], dict, str]:
    """(feature names, the lexicon's best cue per intent, the text the models read)."""
    from .ngram_model import text_features

    global _lexicon_features
    if _lexicon_features is None:
        _lexicon_features = LexiconIntentClassifier()
    text = model_text(text or "")
    norm = normalize(text)
    feats = text_features(text, norm)
    feats.append(f"lang:{language or '?'}")
    scores, firsts = _lexicon_features._score(norm, _lexicon_features._lexicon_keys(language))
    for intent, score in scores.items():
        if score:
            feats.append(f"lex:{intent.value}")
            if score >= 2:
                feats.append(f"lex:{intent.value}:strong")
    feats.append(f"lexdecide:{_decide(scores, firsts)[0].value}")
    return feats, firsts, text


class ModelIntentClassifier:
    """The trained intent model: softmax regression over hashed n-grams and lexicon cues
    (``intent_data/intent.npz``) blended with a small network over distilled sentence vectors
    (``intent_data/intent_vectors.npz``), temperature-calibrated.  ``explain`` gives the
    best intent with its probability; ``classify()`` below turns a low one into
    ``Intent.UNSURE``.  The "why" is the lexicon's cue, else the words that pushed the
    n-gram model, else (when the vectors outvoted it) the words whose pieces pushed the
    vectors' head."""

    def __init__(self, path: Path | None = None, vectors_path: Path | None = None) -> None:
        self.model = _load(path or INTENT_MODEL_PATH)
        self.table, self.head = _load_vectors(vectors_path or INTENT_VECTORS_PATH)
        if self.head.classes != self.model.classes:
            raise ValueError("intent.npz and intent_vectors.npz name different classes")

    def classify(self, text: str, language: str) -> Intent:
        return self.explain(text, language).intent

    def explain(self, text: str, language: str) -> Classification:
        from .ngram_model import hash_features
        from .piece_vectors import blended_probabilities, head_inputs

        names, firsts, text = _intent_inputs(text, language)
        idx, val = hash_features(names)
        ngram_logits = self.model.logits(idx, val)
        inputs = head_inputs(self.table, [text], [language])
        head_log_probabilities = self.head.log_probabilities(self.table, inputs)[0]
        probs = blended_probabilities(
            ngram_logits, self.model.temperature, self.head, head_log_probabilities
        )
        best = int(probs.argmax())
        intent = Intent(self.model.classes[best])
        if intent in firsts:
            why = f"{intent.value}: {firsts[intent][1]!r}"
        elif int(ngram_logits.argmax()) == best:
            why = self._words_why(intent, names, idx, val, best)
        else:
            # The sentence vectors outvoted the n-gram model: its words would not explain
            # the choice, the pieces that pushed the vectors' head towards it do.
            pushes = self.table.pushes(text, self.head.piece_pushes(self.table, inputs, best))
            why = f"{intent.value}: " + ", ".join(repr(p) for p in pushes) if pushes else ""
        return Classification(
            language=language,
            intent=intent,
            confidence=round(float(probs[best]), 3),
            matched=why,
            scores={c: round(float(p), 3) for c, p in zip(self.model.classes, probs, strict=True)},
        )

    def _words_why(self, intent, names, idx, val, best) -> str:
        """The words (Chinese: character pairs) that pushed the n-gram model towards
        ``intent`` most."""
        from .ngram_model import bucket

        push = self.model.contributions(idx, val, best)
        by_bucket = dict(zip(idx.tolist(), push.tolist(), strict=True))
        words: dict[str, float] = {}
        for name in names:
            is_word = name[0] == "w" and not name.startswith("wq")
            is_han_pair = name[0] == "c" and len(name) == 3 and _HAN.match(name[1])
            if not (is_word or is_han_pair):
                continue
            gram = name[1:41]  # customer text: a word is shown, capped
            words[gram] = words.get(gram, 0.0) + by_bucket.get(bucket(name), 0.0)
        top = [w for w, s in sorted(words.items(), key=lambda kv: -kv[1]) if s > 0][:2]
        return f"{intent.value}: " + ", ".join(repr(w) for w in top) if top else ""


# --------------------------------------------------------------------------
# Pluggable default + convenience
# --------------------------------------------------------------------------

_default_classifier: IntentClassifier | None = None


def get_default_classifier() -> IntentClassifier:
    global _default_classifier
    if _default_classifier is None:
        _default_classifier = ModelIntentClassifier()
    return _default_classifier


def set_default_classifier(classifier: IntentClassifier | None) -> None:
    """Install another ``IntentClassifier`` (``None`` restores the trained model)."""
    if classifier is not None and not isinstance(classifier, IntentClassifier):
        raise TypeError("classifier must have classify(text, language) -> Intent")
    global _default_classifier
    _default_classifier = classifier


def classify(
    text: str, language: str | None = None, *, unsure_below: float | None = None
) -> Classification:
    """Detect the language (unless given) and classify the intent of ``text``.

    Reads at most the first ``MAX_CHARS`` characters, whatever the classifier.  When the
    classifier is less sure than ``unsure_below`` (default: the setting), the intent is
    ``Intent.UNSURE``; ``matched`` then names the best guess and its probability.
    """
    text = head(text or "")
    lang = detect_language(text) if language is None else language
    threshold = unsure_threshold() if unsure_below is None else unsure_below
    clf = get_default_classifier()
    if not isinstance(clf, ExplainingIntentClassifier):
        return Classification(language=lang, intent=Intent(clf.classify(text, lang)),
                              confidence=1.0, matched="")  # fmt: skip
    result = clf.explain(text, lang)
    intent, matched = result.intent, result.matched
    if result.confidence < threshold:
        intent = Intent.UNSURE
        matched = f"best guess {result.intent.value} ({result.confidence:.0%})"
    return Classification(lang, intent, result.confidence, matched, result.scores)


@dataclass(frozen=True, slots=True)
class WarmUp:
    seconds: float
    rss_mb: float  # resident memory of the process afterwards; 0 where unknown
    languages: tuple[str, ...]

    def __str__(self) -> str:
        return (
            f"classifier loaded in {self.seconds:.1f} s, {self.rss_mb:.0f} MB "
            f"({len(self.languages)} languages)"
        )


def warm_up() -> WarmUp:
    """Load everything ``classify`` needs now (both models, compiled lexicons), not on
    first use."""
    started = time.perf_counter()
    _load(LANGUAGE_MODEL_PATH)
    _get_detector()
    get_default_classifier()
    classify("warm up: is the detector answering?")
    return WarmUp(time.perf_counter() - started, resident_mb(), DETECTOR_LANGUAGES)


def resident_mb() -> float:
    """This process's resident set size in MB (Linux /proc; 0 elsewhere)."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0
