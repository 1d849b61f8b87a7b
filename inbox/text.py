"""Customer text made storable instead of refused.

PostgreSQL refuses NUL in text and JSONB columns, and a lone surrogate (half of a UTF-16
pair, which JSON's `\\ud800` escapes can produce) cannot be encoded as UTF-8 at all: either
one in a comment used to fail its whole event. Both become U+FFFD, so the message is shown
with a visible mark where the unstorable character was.

Message text is capped at `MAX_MESSAGE_TEXT` characters: a 100,000-character comment would
otherwise be read whole by search, the classifier and every page that shows it. The full
text is kept in `Message.extra["original_text"]`, on the message itself, because a message
has no link back to the event it came from and events may be pruned one day; the raw event
payload keeps it too, as it keeps everything the platform sent.
"""

from __future__ import annotations

import dataclasses
import math
import re
from typing import Any

REPLACEMENT = "\ufffd"
MAX_MESSAGE_TEXT = 20_000
# A customer's name or handle longer than the column would fail the whole event.
MAX_NAME = 200
NAME_FIELDS = ("name", "handle")

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def storable(text: str) -> str:
    """`text` with NUL and lone surrogates replaced by U+FFFD; the same object if clean."""
    if _UNSTORABLE.search(text) is None:
        return text
    return _UNSTORABLE.sub(REPLACEMENT, text)


def storable_data(value: Any, depth: int = 0) -> Any:
    """Strings anywhere in JSON-like data made storable; a non-finite float becomes None.

    For what connectors put in items (context, attachments, extra); webhook bodies get the
    stricter treatment of inbox/payloads.py, which keeps the reason.
    """
    if isinstance(value, str):
        return storable(value)
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if depth > 64:
        return None
    if isinstance(value, dict):
        return {storable(str(k)): storable_data(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [storable_data(v, depth + 1) for v in value]
    return value


def storable_items(items: list) -> list:
    """Every parsed item made storable: one call where parsed items are applied."""
    return [_storable_item(item) for item in items]


def _storable_item(item: Any) -> Any:
    if not dataclasses.is_dataclass(item) or isinstance(item, type):  # an item, not a class
        return item
    changes: dict[str, Any] = {}
    for f in dataclasses.fields(item):
        value = getattr(item, f.name)
        clean = _storable_field(value)
        if clean is not value:
            changes[f.name] = clean
    text = changes.get("text", getattr(item, "text", None))
    if isinstance(text, str) and len(text) > MAX_MESSAGE_TEXT:
        changes["text"] = text[: MAX_MESSAGE_TEXT - 1] + "…"
        changes["extra"] = {
            **changes.get("extra", getattr(item, "extra", {})),  # an InboundItem's
            "original_text": text,
            "original_length": len(text),
        }
    return dataclasses.replace(item, **changes) if changes else item


def _storable_field(value: Any) -> Any:
    if isinstance(value, str):
        return storable(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):  # the author
        clean = {}
        for f in dataclasses.fields(value):
            old = getattr(value, f.name)
            if isinstance(old, str):
                new = storable(old)[:MAX_NAME] if f.name in NAME_FIELDS else storable(old)
                if new != old:
                    clean[f.name] = new
        return dataclasses.replace(value, **clean) if clean else value
    if isinstance(value, dict | list):
        clean = storable_data(value)
        return value if clean == value else clean
    return value
