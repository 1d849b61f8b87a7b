"""Unit tests for rules.classify (pure Python: no Django, no database)."""

from __future__ import annotations

import json
from collections import Counter

import numpy as np
import pytest

from rules import classify as classify_module
from rules.classify import (
    INTENT_MODEL_PATH,
    Classification,
    Intent,
    IntentClassifier,
    LexiconIntentClassifier,
    ModelIntentClassifier,
    classify,
    detect_language,
    get_default_classifier,
    has_language_to_detect,
    normalize,
    set_default_classifier,
)
from rules.eval_intent import evaluate, to_markdown, write_dev_split
from rules.train_intent import TRAIN_PATH, language_neutral, language_rows, load_rows, split

# Floors a little below what the shipped model measured on the dev split of the training
# set when they were written (see the table in rules/CLASSIFIER.md).  The dev split was
# never fitted on, so a drop below them means the model file or the features regressed.
# The lead scores the unseen evaluation sets separately; these tests never read them.
DEV_MACRO_F1_FLOOR = 0.83
# Complaints on the dev set fell from 0.777 (ninth round) to 0.711 (twelfth) while every fresh
# unseen set rose (CLASSIFIER.md, "Tenth to twelfth rounds"): a known trade, floored here.
DEV_RECALL_FLOOR = 0.70
DEV_LANGUAGE_ACCURACY_FLOOR = 0.96


@pytest.fixture(scope="module")
def lexicon():
    return LexiconIntentClassifier()


# ---------------------------------------------------------------- language


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Where is my order? It's been two weeks", "en"),
        ("Здравствуйте, когда будет доставка?", "ru"),
        ("Tere, millal mu pakk kohale jõuab?", "et"),
        ("Wann kommt meine Bestellung endlich an?", "de"),
        ("¿Cuándo llega mi pedido?", "es"),
        ("我的订单什么时候发货？", "zh"),
    ],
)
def test_detect_language_short_samples(text, expected):
    assert detect_language(text) == expected


@pytest.mark.parametrize("text", ["", "   ", "👍👍", "ok", "12345", "https://example.com/x"])
def test_detect_language_unknown_or_too_short(text):
    assert detect_language(text) == ""


@pytest.mark.parametrize(
    ("text", "detectable"),
    [("💛🖤", False), ("ok!!", False), ("@anna_k 👀 https://t.co/x", False), ("滚", True),
     ("jah", True), ("👍 super", True)],
)  # fmt: skip
def test_what_has_a_language_to_detect(text, detectable):
    assert has_language_to_detect(text) is detectable
    if not detectable:
        assert detect_language(text) == ""


def test_evaluation_counts_language_misses_with_and_without_letterless_messages(tmp_path):
    rows = [("💛🖤", "es", "compliment"), ("Wann kommt meine Bestellung an?", "de", "question")]
    path = tmp_path / "set.jsonl"
    path.write_text(
        "".join(
            json.dumps(dict(zip(("text", "language", "intent"), r, strict=True))) + "\n"
            for r in rows
        )
    )
    result = evaluate(path)
    assert result["language_accuracy"] == 0.5
    assert (result["language_accuracy_lettered"], result["lettered_n"]) == (1.0, 1)
    assert "1.000 on the 1 messages with letters enough to detect" in to_markdown(result)


def test_detect_language_ignores_links_and_mentions():
    assert (
        detect_language("@polaris_outfitters https://t.co/abc Danke für die schnelle Hilfe") == "de"
    )


# ---------------------------------------------------------------- intents


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        # question
        ("Do you ship to Ireland?", "en", Intent.QUESTION),
        ("how much is shipping to norway", "en", Intent.QUESTION),
        ("Подскажите, есть ли размер 44", "ru", Intent.QUESTION),
        ("Kas teil on see telk laos?", "et", Intent.QUESTION),
        ("Gibt es die Jacke auch in Blau", "de", Intent.QUESTION),
        ("¿Hacen envíos a Perú?", "es", Intent.QUESTION),
        ("请问有大码吗", "zh", Intent.QUESTION),
        # complaint
        ("My order still hasn't arrived and nobody answers emails", "en", Intent.COMPLAINT),
        ("Why is my refund STILL not processed? Unacceptable", "en", Intent.COMPLAINT),
        ("Посылка до сих пор не пришла", "ru", Intent.COMPLAINT),
        ("Tellimus on ikka pole kohale jõudnud, väga pettunud", "et", Intent.COMPLAINT),
        ("Der Reißverschluss ist nach einer Woche kaputt", "de", Intent.COMPLAINT),
        ("El pedido todavía no ha llegado", "es", Intent.COMPLAINT),
        ("鞋子穿了两天就坏了", "zh", Intent.COMPLAINT),
        # compliment
        ("Thank you so much, the boots are amazing!", "en", Intent.COMPLIMENT),
        ("Спасибо, отличная куртка!", "ru", Intent.COMPLIMENT),
        ("Aitäh, väga mugav seljakott!", "et", Intent.COMPLIMENT),
        ("Vielen Dank, super Service!", "de", Intent.COMPLIMENT),
        ("¡Me encanta la mochila, gracias!", "es", Intent.COMPLIMENT),
        ("谢谢，质量很好", "zh", Intent.COMPLIMENT),
        # insult
        ("you are all idiots", "en", Intent.INSULT),
        ("вы идиоты", "ru", Intent.INSULT),
        ("te olete lollid", "et", Intent.INSULT),
        ("ihr Idioten", "de", Intent.INSULT),
        ("sois unos imbéciles", "es", Intent.INSULT),
        ("你们是白痴", "zh", Intent.INSULT),
        # spam
        ("Earn $300 a day from home, DM me for details", "en", Intent.SPAM),
        ("Заработок без вложений, пиши в личку", "ru", Intent.SPAM),
        ("Teeni kodust raha, kirjuta mulle", "et", Intent.SPAM),
        ("Kostenlose Follower, Link in Bio", "de", Intent.SPAM),
        ("Seguidores gratis, link en mi perfil", "es", Intent.SPAM),
        ("免费涨粉，加微信", "zh", Intent.SPAM),
        # other
        ("Heading up to the lake this weekend", "en", Intent.OTHER),
        ("Завтра едем в горы", "ru", Intent.OTHER),
        ("Homme lähme matkama", "et", Intent.OTHER),
        ("Morgen geht es in die Berge", "de", Intent.OTHER),
        ("Mañana vamos a la montaña", "es", Intent.OTHER),
        ("明天去爬山", "zh", Intent.OTHER),
    ],
)
def test_lexicon_intent_by_language(lexicon, text, language, expected):
    assert lexicon.classify(text, language) == expected


def test_priorities(lexicon):
    # spam beats everything: links + promo words
    assert (
        lexicon.classify("Great jacket! Check out my page for free followers bit.ly/abc", "en")
        == Intent.SPAM
    )
    # insult beats complaint
    assert lexicon.classify("zipper broke, you useless idiots", "en") == Intent.INSULT
    # strongly negative question is a complaint
    assert (
        lexicon.classify("Why has nobody answered? Still waiting after 3 weeks!", "en")
        == Intent.COMPLAINT
    )
    # a plain question with no grievance stays a question
    assert lexicon.classify("Why is the 40L pack heavier than the 45L?", "en") == Intent.QUESTION
    # exclamative "what a ..." is not a question
    assert lexicon.classify("What a sunrise this morning", "en") == Intent.OTHER


@pytest.mark.parametrize(
    ("a", "b", "language"),
    [
        ("GRÖSSE ÄNDERN? DANKE!", "grosse andern? danke!", "de"),
        ("Pésima calidad", "PESIMA CALIDAD", "es"),
        ("Aitäh!", "AITAH!", "et"),
        ("СПАСИБО", "спасибо", "ru"),
        ("请问有货吗？", "请问有货吗?", "zh"),
    ],
)
def test_accent_and_case_insensitive(lexicon, a, b, language):
    assert lexicon.classify(a, language) == lexicon.classify(b, language)
    assert lexicon.classify(a, language) != Intent.OTHER


def test_normalize_keeps_cyrillic_and_cjk():
    assert normalize("Größe Pésima ÄÕÖÜ") == "grosse pesima aoou"
    assert normalize("Йогурт Ёлка") == "йогурт елка"  # й kept, ё folded to е
    assert normalize("请问？") == "请问?"
    assert normalize("hasn’t") == "hasnt"


def test_traditional_chinese_reads_like_the_simplified_training_text():
    # The training text is simplified; a Hong Kong or Taiwan customer writes 這/請問/嗎.
    assert normalize("請問這件還有XL嗎？") == normalize("请问这件还有XL吗？") == "请问这件还有xl吗?"
    traditional = classify("包裹兩個星期了還沒到，客服也不回應", "zh")
    simplified = classify("包裹两个星期了还没到，客服也不回应", "zh")
    assert traditional.intent == simplified.intent == Intent.COMPLAINT
    assert traditional.confidence == pytest.approx(simplified.confidence)


def test_classification_explains(lexicon):
    result = lexicon.explain("Still waiting for my refund, really disappointed", "en")
    assert isinstance(result, Classification)
    assert result.intent == Intent.COMPLAINT
    assert result.matched.startswith("complaint: ")
    assert 0.0 < result.confidence <= 1.0


def test_classify_convenience_detects_language():
    result = classify("Спасибо за быструю доставку!")
    assert result.language == "ru"
    assert result.intent == Intent.COMPLIMENT


def test_set_default_classifier_is_pluggable():
    class AlwaysSpam:
        def classify(self, text: str, language: str) -> Intent:
            return Intent.SPAM

    assert isinstance(AlwaysSpam(), IntentClassifier)
    try:
        set_default_classifier(AlwaysSpam())
        result = classify("Thanks, great boots!", "en")
        assert result.intent == Intent.SPAM
        assert result.language == "en"
    finally:
        set_default_classifier(None)
    assert isinstance(get_default_classifier(), ModelIntentClassifier)
    with pytest.raises(TypeError):
        set_default_classifier(object())  # type: ignore[arg-type]


def test_intent_is_strenum():
    assert Intent.QUESTION == "question"
    assert [v for v, _ in Intent.choices()] == [
        "question", "complaint", "compliment", "insult", "spam", "other", "unsure",
    ]  # fmt: skip
    assert Intent.UNSURE not in Intent.labels()


# ---------------------------------------------------------------- the trained model


def test_training_set_covers_every_language_and_intent():
    rows = load_rows(TRAIN_PATH)
    assert len(rows) >= 3000
    cells = Counter((r["language"], r["intent"]) for r in rows)
    for language in ("en", "ru", "et", "de", "es", "zh"):
        for intent in Intent.labels():
            assert cells[language, intent.value] >= 50, (language, intent)


def test_dev_split_is_never_trained_on():
    train, dev = split(load_rows(TRAIN_PATH))
    assert len(dev) >= 0.15 * (len(train) + len(dev))
    # Variants of one hand-written message stay on one side of the split.
    assert not {r["group"] for r in train} & {r["group"] for r in dev}


def test_model_file_loads_and_scores_the_dev_figure(tmp_path):
    result = evaluate(write_dev_split(str(tmp_path / "dev.jsonl")))
    report = to_markdown(result)
    assert result["macro_f1"] >= DEV_MACRO_F1_FLOOR, report
    assert result["language_accuracy"] >= DEV_LANGUAGE_ACCURACY_FLOOR, report
    for intent, stats in result["per_class"].items():
        assert stats["recall"] >= DEV_RECALL_FLOOR, f"{intent}\n{report}"
    assert result["p95_ms"] > 0 and result["resident_mb"] > 0


# Messages written for this test, not in the training set; clear cases a manager would
# label the same way at a glance.
FRESH = [
    ("Is the blue one available in a size 38?", "en", Intent.QUESTION),
    ("Сколько стоит доставка в Минск?", "ru", Intent.QUESTION),
    ("Kas seda mantlit on ka punasena?", "et", Intent.QUESTION),
    ("Mein Paket ist seit drei Wochen verschwunden, niemand hilft mir", "de", Intent.COMPLAINT),
    ("El abrigo llegó roto y nadie me responde", "es", Intent.COMPLAINT),
    ("包裹丢了，客服也不回复", "zh", Intent.COMPLAINT),
    ("Thank you, the staff were wonderful!", "en", Intent.COMPLIMENT),
    ("Vielen Dank, ich bin total begeistert!", "de", Intent.COMPLIMENT),
    ("you are a bunch of idiots", "en", Intent.INSULT),
    ("вы тупые идиоты", "ru", Intent.INSULT),
    ("Earn $800 a week from home, DM me bit.ly/xyz", "en", Intent.SPAM),
    ("Gana dinero desde casa, escríbeme por WhatsApp", "es", Intent.SPAM),
    ("going to the beach tomorrow", "en", Intent.OTHER),
    ("我明天去上海", "zh", Intent.OTHER),
]


def test_model_gets_clear_fresh_messages_right():
    model = ModelIntentClassifier()
    wrong = [
        (t, e, model.classify(t, lang)) for t, lang, e in FRESH if model.classify(t, lang) != e
    ]
    assert len(wrong) <= 2, wrong


# Written for this test, not in the training set: the kinds of message the first model
# got wrong on unseen text (acknowledgements, tagging a friend, statements that ask
# nothing, praise without a praise word, crypto spam, insults without a slur).
WEAK_SPOTS = [
    ("alright, thanks for the quick answer", "en", Intent.OTHER),
    ("@lena_v you have to see this", "en", Intent.OTHER),
    ("ладно, спасибо, понял", "ru", Intent.OTHER),
    ("okei, aitäh teile", "et", Intent.OTHER),
    ("vale, gracias por la respuesta", "es", Intent.OTHER),
    ("好的，收到，谢谢", "zh", Intent.OTHER),
    ("грузовик с вашим логотипом стоит у нас во дворе", "ru", Intent.OTHER),
    ("the new espresso machine is flawless, not one hiccup", "en", Intent.COMPLIMENT),
    ("FREE crypto airdrop for the first 100 followers, claim at getdrop.xyz", "en", Intent.SPAM),
    ("ihr seid echt das Letzte, ihr Witzfiguren", "de", Intent.INSULT),
    ("Sie sind ein Haufen Stümper", "de", Intent.INSULT),
]


def test_model_gets_most_weak_spot_messages_right():
    model = ModelIntentClassifier()
    wrong = [
        (t, e, model.classify(t, lang)) for t, lang, e in WEAK_SPOTS if model.classify(t, lang) != e
    ]
    assert len(wrong) <= 3, wrong


def test_language_identifier_skips_texts_written_the_same_in_several_languages():
    rows = [
        {"text": "ok", "language": "en"},
        {"text": "OK!", "language": "de"},
        {"text": "danke schön", "language": "de"},
        {"text": "thanks a lot", "language": "en"},
    ]
    neutral = language_neutral(rows)
    assert neutral == {"ok"}
    assert [r["text"] for r in language_rows(rows, neutral)] == ["danke schön", "thanks a lot"]


def test_model_explains_with_a_cue_or_its_strongest_words():
    result = ModelIntentClassifier().explain("the jacket shrank two sizes after one wash", "en")
    assert result.matched.startswith(f"{result.intent.value}: ")
    assert "'" in result.matched  # names the words, quoted


# ---------------------------------------------------------------- calibrated confidence


def test_scores_are_probabilities_and_confidence_is_the_top_one():
    result = ModelIntentClassifier().explain("Where is my order??", "en")
    assert set(result.scores) == {i.value for i in Intent.labels()}
    assert sum(result.scores.values()) == pytest.approx(1.0, abs=0.01)
    assert result.confidence == pytest.approx(max(result.scores.values()), abs=0.001)
    assert result.scores[result.intent.value] == max(result.scores.values())


def test_temperature_was_fitted_on_the_dev_split_and_improves_calibration():
    with np.load(INTENT_MODEL_PATH) as data:
        figures = json.loads(str(data["figures"]))
        temperature = float(data["temperature"])
    assert temperature == pytest.approx(figures["temperature"], rel=1e-3)
    assert temperature != 1.0
    assert figures["ece_after"] <= figures["ece_before"]


def test_below_the_threshold_the_intent_is_unsure_and_names_its_guess():
    sure = classify("Where is my order??", "en", unsure_below=0.0)
    unsure = classify("Where is my order??", "en", unsure_below=1.01)
    assert unsure.intent == Intent.UNSURE
    assert unsure.confidence == sure.confidence
    assert unsure.matched == f"best guess {sure.intent.value} ({sure.confidence:.0%})"
    assert sure.intent != Intent.UNSURE


def test_unsure_threshold_is_a_setting(monkeypatch):
    text = "hmm not sure about this one"
    confidence = classify(text, "en", unsure_below=0.0).confidence
    monkeypatch.setenv("SWITCHBOARD_INTENT_UNSURE_BELOW", str(confidence + 0.01))
    assert classify(text, "en").intent == Intent.UNSURE
    monkeypatch.setenv("SWITCHBOARD_INTENT_UNSURE_BELOW", str(confidence - 0.01))
    assert classify(text, "en").intent != Intent.UNSURE
    monkeypatch.setenv("SWITCHBOARD_INTENT_UNSURE_BELOW", "not a number")
    assert classify_module.unsure_threshold() == classify_module.DEFAULT_UNSURE_BELOW


def test_a_lower_threshold_never_makes_more_messages_unsure():
    texts = [r["text"] for r in load_rows(TRAIN_PATH)[::97]]

    def unsure_count(threshold):
        return sum(classify(t, unsure_below=threshold).intent == Intent.UNSURE for t in texts)

    assert unsure_count(0.3) <= unsure_count(0.5) <= unsure_count(0.7)
    assert unsure_count(0.0) == 0


# ---------------------------------------------------------------- language, trained


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("privet, kogda budet dostavka?", "ru"),  # transliterated Russian
        ("заказ пришел, all good 👍 спасибо", "ru"),
        ("omg 😍😍 best jacket ever", "en"),
        ("Danke!!! 🙌 mega Teil", "de"),
        ("jajaja qué bueno 😂", "es"),
        ("aitäh, väga mugav", "et"),
        ("iPhone 15 的壳有吗", "zh"),
    ],
)
def test_detect_language_social_messages(text, expected):
    assert detect_language(text) == expected


@pytest.mark.parametrize("text", ["注文はいつ届きますか", "배송은 언제 되나요", "متى يصل طلبي"])
def test_detect_language_other_scripts_are_unknown(text):
    assert detect_language(text) == ""


@pytest.mark.parametrize(
    "text", ["best shop ever, спасибо", "lol это что", "доставка опять late", "ну ok норм"]
)
def test_mostly_cyrillic_text_is_russian_whatever_the_vote(text, monkeypatch):
    monkeypatch.setattr(classify_module, "language_probabilities", lambda t: {"en": 1.0})
    assert detect_language(text) == "ru"


def test_a_few_cyrillic_letters_in_latin_text_do_not_make_it_russian(monkeypatch):
    monkeypatch.setattr(classify_module, "language_probabilities", lambda t: {"en": 0.9})
    assert detect_language("the Москва hoodie arrived today, love the colour") == "en"


def _unsure_vote(text):
    return {"ru": 0.4, "de": 0.3, "en": 0.2, "et": 0.1}


@pytest.mark.parametrize("text", ["yasss", "bruh moment", "ngl kinda mid", "lmao 😂"])
def test_short_plain_latin_slang_nobody_is_sure_of_is_english(text, monkeypatch):
    monkeypatch.setattr(classify_module, "language_probabilities", _unsure_vote)
    assert detect_language(text) == "en"


@pytest.mark.parametrize(
    "text",
    [
        "tšau kõik",  # letters only other languages we know use
        "qué tal",
        "one two three four words",  # too long to be a guess
    ],
)
def test_the_english_prior_leaves_other_text_to_the_vote(text, monkeypatch):
    monkeypatch.setattr(classify_module, "language_probabilities", _unsure_vote)
    assert detect_language(text) == "ru"


def test_the_english_prior_does_not_override_a_sure_vote(monkeypatch):
    monkeypatch.setattr(classify_module, "language_probabilities", lambda t: {"ru": 0.8})
    assert detect_language("kruto") == "ru"


@pytest.mark.parametrize(
    "text", ["ochen krasivo", "spasibo, vse prishlo 😍", "privet 👋", "nu kogda"]
)
def test_short_transliterated_russian_is_russian_not_the_english_prior(text, monkeypatch):
    monkeypatch.setattr(classify_module, "language_probabilities", lambda t: {"en": 0.45})
    assert detect_language(text) == "ru"


@pytest.mark.parametrize("text", ["do u deliver sundays", "slayyyy", "the jacket tho"])
def test_short_english_with_an_english_word_is_english_whatever_the_vote(text, monkeypatch):
    monkeypatch.setattr(classify_module, "language_probabilities", lambda t: {"ru": 0.8})
    assert detect_language(text) == "en"


@pytest.mark.parametrize(
    "text",
    [
        "spasibo for the help",  # cues of both languages: the vote decides
        "da net",  # words other languages share are not cues
        "privet, kak dela, kogda budet moy zakaz",  # too long to be a guess
    ],
)
def test_short_message_cues_leave_other_text_to_the_vote(text, monkeypatch):
    monkeypatch.setattr(classify_module, "language_probabilities", lambda t: {"de": 0.8})
    assert detect_language(text) == "de"


# Floors a little below the shipped files' score on the dev set (intent_data/dev), which
# no fit has seen, not even --all (CLASSIFIER.md, twelfth round: 0.911, language 0.997).
DEV_SET_MACRO_F1_FLOOR = 0.90
DEV_SET_LANGUAGE_ACCURACY_FLOOR = 0.99


def test_model_file_scores_the_dev_set_figure(tmp_path):
    from rules.eval_intent import write_dev_set

    result = evaluate(write_dev_set(str(tmp_path / "devset.jsonl")))
    report = to_markdown(result)
    assert result["n"] == 572, report
    assert result["macro_f1"] >= DEV_SET_MACRO_F1_FLOOR, report
    assert result["language_accuracy"] >= DEV_SET_LANGUAGE_ACCURACY_FLOOR, report
    for intent, stats in result["per_class"].items():
        assert stats["recall"] >= DEV_RECALL_FLOOR, f"{intent}\n{report}"


def test_the_models_read_a_flood_as_three_of_a_kind_and_the_rules_read_it_whole():
    text = "sooooo goooood!!!!!!! 🔥🔥🔥🔥🔥 ЖДУУУУУ"
    assert classify_module.model_text(text) == "sooo goood!!! 🔥🔥🔥 ЖДУУУ"
    assert classify_module.head(text) == text
    flood = "Wo bleibt mein Paket? " + "?" * 5000
    assert classify_module.language_text(flood).strip() == "Wo bleibt mein Paket? ???"
    assert classify("Wo bleibt mein Paket? " + "a" * 5000).language == "de"
