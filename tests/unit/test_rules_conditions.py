"""Each condition a rule can test, on real rows."""

import time
from datetime import UTC, datetime

import pytest

from inbox.models import Conversation, ConversationKind, Message, Tag
from rules.engine import compile_conditions
from rules.item import Item
from rules.models import BusinessHours
from rules.registry import RuleError
from tests.support import factories

pytestmark = pytest.mark.django_db


def item(text="Hello", *, kind=ConversationKind.COMMENT, **kwargs):
    conversation = factories.make_conversation(text=text, kind=kind)
    message = conversation.messages.get()
    for key, value in kwargs.pop("message", {}).items():
        setattr(message, key, value)
    message.save()
    return Item(conversation, message, **kwargs)


def matches(condition, the_item):
    return compile_conditions(condition)(the_item)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("How do I PAY for this?", "'pay'"),
        ("Payé deux fois", None),  # "pay" is not the whole word "paye"
        ("repay me", None),  # nor inside another word
        ("I want my money back!", "'money back'"),
        ("money   back please", "'money back'"),
    ],
)
def test_text_contains_any_is_whole_word_and_case_insensitive(text, expected):
    condition = {"type": "text_contains_any", "value": ["pay", "money back"]}
    assert matches(condition, item(text)) == expected


def test_text_contains_is_accent_insensitive_both_ways():
    assert matches({"type": "text_contains_any", "value": ["pésima"]}, item("Atención PESIMA"))
    assert matches({"type": "text_contains_any", "value": ["grosse"]}, item("Welche Größe?"))
    assert matches({"type": "text_contains_any", "value": ["Ülikool"]}, item("ulikool on"))


def test_text_contains_chinese_phrase_inside_a_sentence():
    # Chinese has no spaces between words: a phrase is found anywhere.
    assert (
        matches({"type": "text_contains_any", "value": ["付款"]}, item("我想付款可以吗"))
        == "'付款'"
    )


def test_text_contains_all_needs_every_word():
    condition = {"type": "text_contains_all", "value": ["order", "late"]}
    assert matches(condition, item("My order is late")) == "'order', 'late'"
    assert matches(condition, item("My order arrived")) is None


def test_text_begins_with_and_regex():
    assert matches({"type": "text_begins_with", "value": ["hello"]}, item("  Héllo there"))
    assert matches({"type": "text_begins_with", "value": ["hello"]}, item("Oh hello")) is None
    regex = {"type": "text_regex", "value": r"order\s*#?\d{5}"}
    assert matches(regex, item("where is ORDER #12345")) == "'ORDER #12345'"
    assert matches(regex, item("where is order 123")) is None


def test_bad_regex_is_rejected_when_compiling():
    with pytest.raises(RuleError, match="regular expression"):
        compile_conditions({"type": "text_regex", "value": "(unclosed"})


def test_a_backtracking_pattern_finishes_on_hostile_text_and_does_not_match():
    # Under Python's re this search backtracks for longer than anyone would wait.
    evil = {"type": "text_regex", "value": r"(a+)+$"}
    hostile = item("a" * 1999 + "!")
    started = time.process_time()
    assert matches(evil, hostile) is None
    assert time.process_time() - started < 1.0


@pytest.mark.parametrize(
    ("pattern", "reason"),
    [
        (r"(?<=order )\d+", "look-behind"),
        (r"(\w)\1", "back-references"),
        (r"(.{0,300}){3}x", "too complex"),
        (r"\bвозврат\b", "ASCII"),
    ],
)
def test_patterns_re2_cannot_run_in_time_are_refused_with_the_reason(pattern, reason):
    with pytest.raises(RuleError, match=reason):
        compile_conditions({"type": "text_regex", "value": pattern})


def test_unicode_letters_are_matched_with_pl():
    regex = {"type": "text_regex", "value": r"(?:^|\PL)возврат(?:\PL|$)"}
    assert matches(regex, item("Хочу ВОЗВРАТ денег"))
    assert matches(regex, item("безвозвратно")) is None


def test_channel_and_platform():
    the_item = item()
    channel = the_item.conversation.channel
    assert matches({"type": "channel", "value": [str(channel.pk)]}, the_item)
    assert matches({"type": "channel", "value": [str(channel.pk + 1)]}, the_item) is None
    assert matches({"type": "channel_kind", "value": ["testchat"]}, the_item)
    assert matches({"type": "channel_kind", "value": ["other"]}, the_item) is None


def test_item_kind_tells_replies_from_comments():
    comment = item(kind=ConversationKind.COMMENT)
    assert matches({"type": "item_kind", "value": ["comment"]}, comment) == "a comment"
    reply = item(kind=ConversationKind.COMMENT, message={"parent_external_id": "c1"})
    assert matches({"type": "item_kind", "value": ["reply"]}, reply) == "a reply"
    dm = item(kind=ConversationKind.DM)
    assert matches({"type": "item_kind", "value": ["dm", "mention"]}, dm) == "a dm"
    with pytest.raises(RuleError, match="unknown"):
        compile_conditions({"type": "item_kind", "value": ["tweet"]})


def test_search_names_the_search_that_found_the_item():
    found = item(kind=ConversationKind.SEARCH)
    found.conversation.tags.add(Tag.objects.create(name="Brand name"))
    assert matches({"type": "search", "value": ["brand name"]}, found) == "search 'brand name'"
    assert matches({"type": "search", "value": ["#other"]}, found) is None


def test_post_it_is_on():
    the_item = item()
    Conversation.objects.filter(pk=the_item.conversation.pk).update(context_external_id="P_1")
    the_item.conversation.refresh_from_db()
    assert matches({"type": "post", "value": ["P_1"]}, the_item) == "on post P_1"
    assert matches({"type": "post", "value": ["p_1"]}, the_item) is None


def test_language_and_intent():
    the_item = item("你好", language="zh", intent="question")
    assert matches({"type": "language", "value": ["zh"]}, the_item) == "language zh"
    assert matches({"type": "language", "value": ["en"]}, the_item) is None
    assert matches({"type": "intent", "value": ["question"]}, the_item) == "intent question"
    assert matches({"type": "intent", "value": ["insult"]}, the_item) is None


def test_attachment_and_link():
    with_photo = item("look", message={"attachments": [{"type": "image", "url": "x"}]})
    assert matches({"type": "has_attachment", "value": True}, with_photo)
    assert matches({"type": "has_attachment", "value": False}, item("plain")) == "no attachment"
    assert matches({"type": "has_link", "value": True}, item("see https://t.co/x"))
    assert matches({"type": "has_link", "value": True}, item("buy at cheap.shop now"))
    assert matches({"type": "has_link", "value": True}, item("no link here")) is None


def test_returning_customer():
    first = factories.make_conversation(text="hi")
    assert not matches({"type": "author_returning", "value": True}, Item(first))
    again = factories.make_conversation(first.channel, text="me again")
    Conversation.objects.filter(pk=again.pk).update(contact=first.contact)
    again.refresh_from_db()
    assert (
        matches({"type": "author_returning", "value": True}, Item(again, again.messages.get()))
        == "returning customer"
    )


def test_author_tag_followers_and_verified():
    the_item = item()
    identity = the_item.message.author_identity
    identity.follower_count, identity.verified = 25_000, True
    identity.save()
    assert matches({"type": "author_followers_at_least", "value": 10_000}, the_item)
    assert matches({"type": "author_followers_at_least", "value": 30_000}, the_item) is None
    assert matches({"type": "author_verified", "value": True}, the_item)
    other = factories.make_conversation(the_item.conversation.channel)
    Conversation.objects.filter(pk=other.pk).update(contact=the_item.conversation.contact)
    other.tags.add(Tag.objects.create(name="VIP"))
    assert matches({"type": "author_has_tag", "value": ["vip"]}, the_item) == "author tagged 'vip'"


def test_business_hours_condition():
    BusinessHours.objects.create(
        name="Office",
        timezone="Europe/Tallinn",
        schedule={str(d): [["09:00", "17:00"]] for d in range(5)},
    )
    # Friday 24 October 2025, 12:00 and 20:00 in Tallinn (UTC+3).
    noon = item(message={"platform_timestamp": datetime(2025, 10, 24, 9, 0, tzinfo=UTC)})
    evening = item(message={"platform_timestamp": datetime(2025, 10, 24, 17, 0, tzinfo=UTC)})
    assert matches({"type": "within_business_hours", "value": True}, noon)
    assert (
        matches({"type": "within_business_hours", "value": False}, evening)
        == "outside business hours"
    )
    assert matches({"type": "within_business_hours", "value": True}, evening) is None


def test_current_tags_state_priority_and_assignee(agent):
    the_item = item()
    conversation = the_item.conversation
    assert matches({"type": "assignee", "value": ["nobody"]}, the_item)
    conversation.tags.add(Tag.objects.create(name="Payment"))
    Conversation.objects.filter(pk=conversation.pk).update(
        assignee=agent, state="pending", priority="high"
    )
    fresh = Item(
        Conversation.objects.get(pk=conversation.pk), Message.objects.get(pk=the_item.message.pk)
    )
    assert matches({"type": "has_tag", "value": ["payment"]}, fresh) == "tagged 'payment'"
    assert matches({"type": "state", "value": ["pending"]}, fresh)
    assert matches({"type": "priority", "value": ["high"]}, fresh)
    assert matches({"type": "assignee", "value": ["ANNA"]}, fresh) == "assigned to anna"
    assert matches({"type": "assignee", "value": ["nobody"]}, fresh) is None


def test_all_any_not_nesting():
    the_item = item("urgent: refund please", language="en")
    condition = {
        "all": [
            {
                "any": [
                    {"type": "text_contains_any", "value": ["refund"]},
                    {"type": "text_contains_any", "value": ["chargeback"]},
                ]
            },
            {"not": {"type": "language", "value": ["zh"]}},
        ]
    }
    assert matches(condition, the_item) == "'refund'"
    assert matches({"not": condition}, the_item) is None
    assert matches({}, the_item) == "every item"
    with pytest.raises(RuleError, match="unknown condition"):
        compile_conditions({"all": [{"type": "moon_phase"}]})


def test_intent_confidence_at_least():
    sure = item("Where is my order?", intent="question", intent_confidence=0.91)
    condition = {"type": "intent_confidence", "value": 80}
    assert matches(condition, sure) == "intent confidence 91%"
    assert matches({"type": "intent_confidence", "value": 95}, sure) is None
    both = {"all": [{"type": "intent", "value": ["question"]}, condition]}
    assert matches(both, sure)


def test_intent_confidence_reads_what_the_classifier_stored_on_the_message():
    stored = item("hm", message={"extra": {"intent": "unsure", "intent_confidence": 0.42}})
    assert matches({"type": "intent_confidence", "value": 40}, stored) == "intent confidence 42%"
    assert matches({"type": "intent_confidence", "value": 50}, stored) is None
    assert matches({"type": "intent", "value": ["unsure"]}, stored) == "intent unsure"
    never_classified = item("hm")
    assert matches({"type": "intent_confidence", "value": 0}, never_classified) is None


@pytest.mark.parametrize("value", [-1, 101, "high", True])
def test_intent_confidence_must_be_a_percentage(value):
    with pytest.raises(RuleError):
        compile_conditions({"type": "intent_confidence", "value": value})
