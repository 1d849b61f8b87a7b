"""The conditions a rule can test, each a small registered compile function.

Text matching is case- and accent-insensitive ("Paiement" matches "paiement", "Größe"
matches "grosse") and by whole words, except in scripts written without spaces (Chinese,
Japanese), where a phrase is found anywhere in the text. Text conditions read the first
classify.MAX_CHARS characters (Item.head), so no message holds a worker for long; a
manager's own regular expression runs on RE2, in time linear in that text
(rules/patterns.py).
"""

from __future__ import annotations

import re

from inbox.connectors import ItemKind, registry
from inbox.models import ConversationState, Priority

from .classify import Intent, normalize
from .patterns import compile_pattern
from .registry import (
    BOOL,
    CHOICES,
    INT,
    TEXT,
    WORDS,
    Param,
    RuleError,
    as_bool,
    as_list,
    condition,
)

# A phrase with a character of a script written without spaces is matched as a substring.
_NO_SPACES = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


def _phrase_pattern(phrase: str) -> str:
    words = normalize(phrase).split()
    body = r"\W+".join(re.escape(w) for w in words)
    if _NO_SPACES.search(phrase):
        return body
    return rf"(?<!\w){body}(?!\w)"


def _phrases(value, what: str) -> list[tuple[str, str]]:
    """(phrase as written, its pattern) pairs."""
    phrases = as_list(value, what=what)
    patterns = []
    for phrase in phrases:
        if not normalize(phrase).split():
            raise RuleError(f"{what}: {phrase!r} has no letters to match")
        patterns.append((phrase, _phrase_pattern(phrase)))
    return patterns


def _quote(found: str) -> str:
    return "'" + found + "'"


@condition(
    "text_contains_any",
    "Text contains any of the words or phrases",
    Param(WORDS, "pay, refund, money back"),
)
def text_contains_any(value):
    # One alternation for all phrases: one scan of the text, whatever the number of words.
    phrases = _phrases(value, "text contains any")
    # One group per phrase, so the explanation names the phrase as the manager wrote it.
    combined = re.compile("|".join(f"({pattern})" for _, pattern in phrases))

    def test(item):
        found = combined.search(item.normalized)
        return _quote(phrases[found.lastindex - 1][0]) if found else None

    return test


@condition(
    "text_contains_all", "Text contains all of the words or phrases", Param(WORDS, "order, late")
)
def text_contains_all(value):
    phrases = [
        (phrase, re.compile(pattern)) for phrase, pattern in _phrases(value, "text contains all")
    ]

    def test(item):
        found = []
        for phrase, pattern in phrases:
            if not pattern.search(item.normalized):
                return None
            found.append(_quote(phrase))
        return ", ".join(found)

    return test


@condition("text_begins_with", "Text begins with", Param(WORDS, "hi, hello"))
def text_begins_with(value):
    starts = [normalize(s).strip() for s in as_list(value, what="text begins with")]

    def test(item):
        text = item.normalized.lstrip()
        for start in starts:
            if text.startswith(start):
                return _quote(start)
        return None

    return test


@condition(
    "text_regex",
    "Text matches the regular expression",
    Param(
        TEXT,
        r"order\s*#?\d{5} (RE2 syntax, case-insensitive: no look-around or back-references; "
        r"\w \b \d are ASCII, \pL is any letter)",
    ),
)
def text_regex(value):
    # RE2, not re: linear in the text whatever the pattern (rules/patterns.py says why).
    pattern = compile_pattern(value)

    def test(item):
        # On the text as written: a pattern may care about digits, accents or case.
        found = pattern.search(item.head)
        return _quote(found.group(0)) if found else None

    return test


def _in_list(value, what: str, *, read, describe, allowed=None, fold=str.casefold):
    wanted = {fold(v) for v in as_list(value, what=what)}
    if allowed is not None:
        unknown = wanted - {fold(a) for a in allowed}
        if unknown:
            raise RuleError(
                f"{what}: unknown {', '.join(sorted(unknown))}; choose from {', '.join(allowed)}"
            )

    def test(item):
        got = read(item)
        return describe(got) if got is not None and fold(str(got)) in wanted else None

    return test


@condition("channel", "Channel (account) is", Param(CHOICES, "channel ids"))
def channel_is(value):
    return _in_list(
        value,
        "channel",
        read=lambda item: item.conversation.channel_id,
        describe=lambda got: f"channel #{got}",
    )


@condition(
    "channel_kind",
    "Platform is",
    Param(
        CHOICES, "the connected platforms' keys", choices=lambda: [(k, k) for k in registry.kinds()]
    ),
)
def channel_kind(value):
    return _in_list(
        value,
        "platform",
        read=lambda item: item.conversation.channel.kind,
        describe=lambda got: f"platform {got}",
    )


@condition(
    "item_kind",
    "Item is a",
    Param(
        CHOICES,
        "comment, reply, post, dm, mention, search",
        choices=lambda: [(k.value, k.value) for k in ItemKind],
    ),
)
def item_kind(value):
    return _in_list(
        value,
        "item kind",
        read=lambda item: item.item_kind,
        describe=lambda got: f"a {got}",
        allowed=[k.value for k in ItemKind],
    )


@condition("search", "Found by the search named", Param(WORDS, "brand name, #ourhashtag"))
def search_name(value):
    # The ingest tags a search match with the name of the search that found it.
    wanted = {v.casefold() for v in as_list(value, what="search")}

    def test(item):
        if item.conversation.kind != ItemKind.SEARCH_MATCH:
            return None
        found = sorted(wanted & item.tags)
        return f"search {found[0]!r}" if found else None

    return test


@condition("post", "On the post with id", Param(WORDS, "the post's id on the platform"))
def on_post(value):
    return _in_list(
        value,
        "post",
        read=lambda item: item.conversation.context_external_id,
        describe=lambda got: f"on post {got}",
        fold=str,
    )


@condition("language", "Language is", Param(CHOICES, "en, ru, et, de, es, zh"))
def language_is(value):
    return _in_list(
        value,
        "language",
        read=lambda item: item.language or None,
        describe=lambda got: f"language {got}",
    )


@condition(
    "intent", "Intent is", Param(CHOICES, ", ".join(Intent), choices=lambda: Intent.choices())
)
def intent_is(value):
    return _in_list(
        value,
        "intent",
        read=lambda item: item.intent or None,
        describe=lambda got: f"intent {got}",
        allowed=[i.value for i in Intent],
    )


@condition(
    "intent_confidence",
    "Intent confidence is at least (%)",
    Param(INT, "0-100: how sure the classifier must be, e.g. 80"),
)
def intent_confidence_at_least(value):
    # Pair it with "Intent is": {"all": [intent complaint, intent_confidence 80]}.
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 100:
        raise RuleError("intent confidence: give a percentage from 0 to 100")

    def test(item):
        confidence = item.intent_confidence
        if confidence is None or confidence * 100 < value:
            return None
        return f"intent confidence {confidence:.0%}"

    return test


def _storming(conversation) -> bool:
    from reports.storms import is_storming  # storms are detected by the reports app

    return is_storming(conversation)


def _flag(read, yes: str, no: str):
    def compile_flag(value):
        wanted = as_bool(value)

        def test(item):
            return (yes if wanted else no) if bool(read(item)) == wanted else None

        return test

    return compile_flag


condition("has_attachment", "Has an attachment", Param(BOOL, "yes / no"))(
    _flag(lambda item: item.attachments, "has an attachment", "no attachment")
)
condition("has_link", "Has a link", Param(BOOL, "yes / no"))(
    _flag(lambda item: item.has_link, "has a link", "no link")
)
condition("author_returning", "Author is a returning customer", Param(BOOL, "yes / no"))(
    _flag(lambda item: item.is_returning, "returning customer", "first-time customer")
)
condition("author_verified", "Author is verified", Param(BOOL, "yes / no"))(
    _flag(
        lambda item: item.identity is not None and item.identity.verified,
        "verified author",
        "unverified author",
    )
)
condition("post_storming", "Post is storming", Param(BOOL, "yes / no"))(
    _flag(lambda item: _storming(item.conversation), "post is storming", "post is calm")
)
condition("within_business_hours", "Within business hours", Param(BOOL, "yes / no"))(
    _flag(
        lambda item: item.within_business_hours, "within business hours", "outside business hours"
    )
)


@condition("author_has_tag", "Author has the tag", Param(WORDS, "VIP, press"))
def author_has_tag(value):
    wanted = {v.casefold() for v in as_list(value, what="author tag")}

    def test(item):
        found = sorted(wanted & item.author_tags)
        return f"author tagged {found[0]!r}" if found else None

    return test


@condition("author_followers_at_least", "Author has at least N followers", Param(INT, "10000"))
def author_followers_at_least(value):
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise RuleError("followers: give a whole number, 0 or more")

    def test(item):
        count = item.identity.follower_count if item.identity is not None else None
        return f"{count} followers" if count is not None and count >= value else None

    return test


@condition("has_tag", "Conversation has the tag", Param(WORDS, "Payment, Urgent"))
def has_tag(value):
    wanted = {v.casefold() for v in as_list(value, what="tag")}

    def test(item):
        found = sorted(wanted & item.tags)
        return f"tagged {found[0]!r}" if found else None

    return test


@condition(
    "state",
    "Conversation state is",
    Param(CHOICES, "open, pending, snoozed, closed", choices=lambda: ConversationState.choices),
)
def state_is(value):
    return _in_list(
        value,
        "state",
        read=lambda item: item.conversation.state,
        describe=lambda got: f"state {got}",
        allowed=ConversationState.values,
    )


@condition(
    "priority",
    "Priority is",
    Param(CHOICES, "low, normal, high, urgent", choices=lambda: Priority.choices),
)
def priority_is(value):
    return _in_list(
        value,
        "priority",
        read=lambda item: item.conversation.priority,
        describe=lambda got: f"priority {got}",
        allowed=Priority.values,
    )


@condition("assignee", "Assignee is", Param(WORDS, "usernames; 'nobody' for unassigned"))
def assignee_is(value):
    wanted = {v.casefold() for v in as_list(value, what="assignee")}

    def test(item):
        assignee = item.conversation.assignee
        name = assignee.username.casefold() if assignee is not None else "nobody"
        return f"assigned to {name}" if name in wanted else None

    return test
