"""Parsing signed bodies without failing on what is in them (inbox/payloads.py), and customer
text made storable where items are applied (inbox/text.py)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from inbox import ingest
from inbox.connectors import EventToStore, IdentityData, InboundItem, ItemKind
from inbox.models import EventState, InboundEvent
from inbox.payloads import MAX_DEPTH, MalformedBody, Poison, parse_body, poison_reason
from inbox.text import MAX_MESSAGE_TEXT, REPLACEMENT, storable, storable_items
from tests.support import factories


def reason_of(value) -> str:
    return poison_reason(value)[1]


@pytest.mark.parametrize("depth", [200, 5_000, 100_000])
def test_a_deep_item_is_cut_and_poisoned_while_its_neighbours_parse(depth):
    raw = b'{"items": [{"text": "fine"}, {"text": ' + b"[" * depth + b"]" * depth + b"}]}"
    body = parse_body(raw)
    good, deep = body["items"]
    assert good == {"text": "fine"} and reason_of(good) == ""
    assert reason_of(deep) == f"JSON nested deeper than {MAX_DEPTH} levels"
    # What is stored is as deep as allowed, and no deeper.
    json.dumps(poison_reason(deep)[0])


def test_brackets_inside_strings_do_not_count_as_nesting():
    text = "[{" * 3000 + ' \\" still text'
    raw = ('{"a": "' + text + '", "b": ' + "[" * 3000 + "]" * 3000 + "}").encode()
    body = parse_body(raw)
    assert body["a"] == text.replace('\\"', '"')
    assert reason_of(body["a"]) == "" and reason_of(body["b"]).startswith("JSON nested deeper")


def test_a_deep_body_that_never_closes_is_malformed():
    with pytest.raises(MalformedBody):
        parse_body(b'{"a": ' + b"[" * 5000)


@pytest.mark.parametrize(
    "literal, reason",
    [
        ("NaN", "NaN is not a number"),
        ("-Infinity", "-Infinity is not a number"),
        ("1e999", "the number 1e999 is out of range"),
        ("9" * 5000, "a number of 5000 digits"),
    ],
)
def test_numbers_json_cannot_store_poison_their_item_only(literal, reason):
    body = parse_body(f'{{"bad": {{"n": {literal}}}, "good": {{"n": 1.5, "m": 12}}}}'.encode())
    assert reason_of(body["bad"]) == reason
    assert isinstance(body["bad"]["n"], Poison)
    assert reason_of(body["good"]) == "" and body["good"] == {"n": 1.5, "m": 12}


def test_nul_and_lone_surrogates_become_the_replacement_character_keys_included():
    body = parse_body(b'{"t\\u0000": "a\\u0000b\\ud800c\\udfffd\\ud83d\\ude00"}')
    assert body == {f"t{REPLACEMENT}": f"a{REPLACEMENT}b{REPLACEMENT}c{REPLACEMENT}d😀"}
    assert reason_of(body) == ""


@pytest.mark.parametrize(
    "raw, expected",
    [
        (b'{"t": "a\xed\xa0\x80b"}', f"a{REPLACEMENT}b"),  # a UTF-8 encoded lone surrogate
        (b'{"t": "a\xffb"}', f"a{REPLACEMENT}b"),  # not UTF-8 at all
    ],
)
def test_bytes_that_are_not_utf8_become_the_replacement_character(raw, expected):
    assert parse_body(raw)["t"] == expected


def test_storable_returns_clean_text_unchanged():
    text = "Привет 👋"
    assert storable(text) is text


# ---- store_events: each event on its own ---------------------------------------------------


@pytest.mark.django_db
def test_a_polled_payload_with_a_non_finite_float_is_kept_poisoned():
    factories.make_channel("testchat", external_id="acct")
    stored = ingest.store_events(
        "testchat",
        [
            EventToStore("ok", {"id": "1", "n": 1.0}, "acct"),
            EventToStore("nan", {"id": "2", "n": float("nan")}, "acct"),
        ],
        source="poll",
    )
    assert (stored.new, stored.poisoned) == (2, 1)
    event = InboundEvent.objects.get(delivery_key="nan")
    assert event.state == EventState.POISONED
    assert event.last_error == "nan is not a number"
    assert event.payload == {"id": "2", "n": "nan"}
    assert InboundEvent.objects.get(delivery_key="ok").state == EventState.STORED


@pytest.mark.django_db
def test_an_event_the_database_refuses_is_kept_poisoned_and_the_others_are_stored():
    factories.make_channel("testchat", external_id="acct")
    stored = ingest.store_events(
        "testchat",
        [
            EventToStore("refused", {"id": "1", "odd": {1, 2}}, "acct"),  # not JSON at all
            EventToStore("fine", {"id": "2", "text": "hi", "thread": "t"}, "acct"),
        ],
    )
    assert (stored.new, stored.poisoned) == (2, 1)
    refused = InboundEvent.objects.get(delivery_key="refused")
    assert refused.state == EventState.POISONED
    assert refused.last_error.startswith("could not be stored as sent: TypeError")
    assert "{1, 2}" in refused.payload["unstorable"]
    assert InboundEvent.objects.get(delivery_key="fine").state != EventState.POISONED


# ---- items ----------------------------------------------------------------------------------


def item(**fields) -> InboundItem:
    return InboundItem(
        kind=ItemKind.COMMENT,
        external_id="c1",
        thread_id="t1",
        conversation_kind="comment",
        timestamp=datetime(2025, 3, 1, tzinfo=UTC),
        **fields,
    )


def test_items_are_made_storable_in_every_field():
    author = IdentityData(
        platform="x", external_id="u\x001", name="N" * 500 + "\x00", handle="h\ud800"
    )
    [clean] = storable_items(
        [
            item(
                text="a\x00b",
                author=author,
                context={"text": "p\x00", "n": float("inf")},
                attachments=[{"url": "https://e.x/\ud800"}],
            )
        ]
    )
    assert clean.text == f"a{REPLACEMENT}b"
    assert clean.author.external_id == f"u{REPLACEMENT}1"
    assert clean.author.name == "N" * 200 and clean.author.handle == f"h{REPLACEMENT}"
    assert clean.context == {"text": f"p{REPLACEMENT}", "n": None}
    assert clean.attachments == [{"url": f"https://e.x/{REPLACEMENT}"}]


def test_long_text_is_capped_and_the_original_kept_on_the_message():
    original = "x" * 100_000
    [clean] = storable_items([item(text=original, extra={"source": "aaa"})])
    assert len(clean.text) == MAX_MESSAGE_TEXT and clean.text.endswith("…")
    assert clean.extra == {"source": "aaa", "original_text": original, "original_length": 100_000}


def test_clean_items_are_passed_through_untouched():
    original = item(text="fine", context={"text": "post"})
    assert storable_items([original])[0] is original
