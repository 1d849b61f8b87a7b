"""A 100,000-character comment is classified and routed at once: classification, language
detection and rule conditions read at most classify.MAX_CHARS characters of it."""

import time

import pytest

from inbox import text as inbox_text
from inbox.models import Conversation, Message
from rules import classify
from rules.seed import seed_rules
from tests.support import factories
from tests.support.testchat_events import ACCOUNT, event, post_events

pytestmark = pytest.mark.django_db(transaction=True)

# Filler that is slow for the lexicon when read whole (a clause start every few characters).
FILLER = "ok, so, well, "


@pytest.fixture
def channel(testchat_platform):
    channel = factories.make_channel(
        "testchat", external_id=ACCOUNT, name="Polaris Page", api_base_url=testchat_platform.url
    )
    seed_rules()
    return channel


class CountingDetector:
    """The real lingua detector, noting how long each text it was given is."""

    def __init__(self, detector):
        self.detector = detector
        self.lengths = []

    def compute_language_confidence_values(self, text):
        self.lengths.append(len(text))
        return self.detector.compute_language_confidence_values(text)


class CountingClassifier(classify.LexiconIntentClassifier):
    def __init__(self):
        super().__init__()
        self.lengths = []

    def explain(self, text, language):
        self.lengths.append(len(text))
        return super().explain(text, language)


@pytest.fixture
def counting(monkeypatch):
    classify.warm_up()  # as the worker does at start; the load is not what is measured
    detector = CountingDetector(classify._get_detector())
    monkeypatch.setattr(classify, "_detector", detector)
    classifier = CountingClassifier()
    classify.set_default_classifier(classifier)
    yield detector, classifier
    classify.set_default_classifier(None)


def test_a_100000_character_comment_is_classified_and_routed_in_well_under_a_second(
    client, channel, counting
):
    detector, classifier = counting
    opening = "Can I pay with PayPal? The order number is 5512. "
    text = opening + (FILLER * 8000)[: 100_000 - len(opening) - 20] + " this is URGENT!!"
    assert len(text) > 99_000

    started = time.monotonic()
    assert post_events(client, event("c1", thread="t1", text=text)).status_code == 200
    elapsed = time.monotonic() - started

    message = Message.objects.get(external_id="c1")
    conversation = Conversation.objects.get(external_thread_id="t1")
    # Stored capped with the original kept (inbox/text.py); reading is capped further.
    assert message.text.startswith(opening) and len(message.text) <= inbox_text.MAX_MESSAGE_TEXT
    assert message.extra["original_text"] == text
    assert (message.extra["language"], message.extra["intent"]) == ("en", "question")
    # Routed on what it opens with; a phrase beyond the cap is not read by the rules.
    assert set(conversation.tags.values_list("name", flat=True)) == {"Payment"}
    assert conversation.priority == "high"
    assert detector.lengths and max(detector.lengths) <= classify.MAX_CHARS
    assert classifier.lengths and max(classifier.lengths) <= classify.MAX_CHARS
    # Generous for a shared CI machine; reading the whole text took 7-23 s.
    assert elapsed < 2


def test_the_rules_read_the_same_head_of_the_text_as_the_classifier():
    from inbox.models import Channel
    from rules.item import Item

    text = "x" * classify.MAX_CHARS + " urgent"
    item = Item(Conversation(kind="comment", channel=Channel(kind="", name="")), None, text=text)
    assert item.head == text[: classify.MAX_CHARS]
    assert "urgent" not in item.normalized
    assert classify.classify("Do you ship to Tartu? " + "a" * 100_000).intent == "question"
