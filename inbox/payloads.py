"""Webhook bodies parsed so that one bad item cannot fail its batch.

A platform signs and retries a whole batch, so anything that fails while the batch is still
one piece fails every item of it on every retry, until the platform gives up. Here a signed
body is parsed without failing on what is in it: JSON nested ~1,000 deep, `NaN`, `1e999`
and numbers of thousands of digits become `Poison` markers where they stand; NUL and lone
surrogates in strings become U+FFFD (inbox/text.py). The connector then splits the batch,
and `store_events` keeps each item whose payload holds a marker as a poisoned event with its
reason, while the others are processed. A body that is not JSON at all is kept whole, as one
poisoned event (`malformed_delivery`), so that nothing signed is dropped unseen.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import re
import traceback
from collections.abc import Callable
from typing import Any

from . import text
from .connectors import EventToStore

log = logging.getLogger("switchboard.payloads")

# Meta and X payloads are under ten levels deep; anything past this is not data we can use.
MAX_DEPTH = 64
MAX_NUMBER_DIGITS = 1000
# What is kept of a body that cannot be split, for whoever inspects it.
RAW_KEPT = 64 * 1024
MAX_REASON = 2000


class MalformedBody(ValueError):
    """The signed body is not JSON at all: there is nothing to split."""


class Poison(str):
    """Stands where a value was that cannot be stored; `reason` says what it was.

    A str, so the connectors' splitters and delivery-key hashes handle it like any string,
    and it is stored as its text. The item that holds one is kept, poisoned, not processed.
    """

    reason: str

    def __new__(cls, shown: str, reason: str) -> Poison:
        marker = super().__new__(cls, shown)
        marker.reason = reason
        return marker

    def __reduce__(self):
        return Poison, (str(self), self.reason)


# What a container nested too deep is replaced with before json can recurse into it: a
# number literal no platform sends, recognised by `_float` below.
_TOO_DEEP_LITERAL = "-0.0e-4040404040404"


def _too_deep() -> Poison:
    return Poison(
        f"<nested deeper than {MAX_DEPTH} levels, dropped>",
        f"JSON nested deeper than {MAX_DEPTH} levels",
    )


def _float(literal: str) -> float | Poison:
    if literal == _TOO_DEEP_LITERAL:
        return _too_deep()
    value = float(literal)
    if not math.isfinite(value):
        return Poison(literal[:40], f"the number {literal[:40]} is out of range")
    return value


def _int(literal: str) -> int | Poison:
    if len(literal) > MAX_NUMBER_DIGITS:
        return Poison(literal[:40] + "…", f"a number of {len(literal)} digits")
    return int(literal)


def _constant(name: str) -> Poison:
    return Poison(name, f"{name} is not a number")


def _loads(body: str) -> Any:
    return json.loads(body, parse_float=_float, parse_int=_int, parse_constant=_constant)


def parse_body(raw: bytes) -> Any:
    """Decode a webhook body; raises MalformedBody only when it is not JSON at all."""
    body = _decode(raw)
    try:
        try:
            value = _loads(body)
        except RecursionError:
            value = _loads(_cut_deep(body))
    except ValueError as exc:
        raise MalformedBody(f"the body is not JSON: {exc}") from None
    return clean(value)


def _decode(raw: bytes) -> str:
    encoding = json.detect_encoding(raw)
    try:
        # UTF-8 encoded surrogates are let through here and replaced with the rest.
        return raw.decode(encoding, "surrogatepass")
    except UnicodeDecodeError:
        return raw.decode(encoding, "replace")


_TOKENS = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]', re.S)


def _cut_deep(body: str) -> str:
    """`body` with every container deeper than MAX_DEPTH replaced by `_TOO_DEEP_LITERAL`.

    Only for bodies too deep for json's recursion; strings are matched whole, so brackets
    inside them do not count.
    """
    pieces, depth, kept_to, cut_at = [], 0, 0, -1
    for match in _TOKENS.finditer(body):
        bracket = match.group()
        if bracket[0] == '"':
            continue
        if bracket in "[{":
            depth += 1
            if depth == MAX_DEPTH + 1:
                cut_at = match.start()
        else:
            if depth == MAX_DEPTH + 1 and cut_at >= 0:
                pieces += [body[kept_to:cut_at], _TOO_DEEP_LITERAL]
                kept_to, cut_at = match.end(), -1
            depth -= 1
    if cut_at >= 0:
        raise MalformedBody(f"JSON nested deeper than {MAX_DEPTH} levels and never closed")
    pieces.append(body[kept_to:])
    return "".join(pieces)


def clean(value: Any, reasons: list[str] | None = None, depth: int = 1) -> Any:
    """`value` made storable: strings via inbox/text.py, and a `Poison` marker for what
    cannot be stored (a non-finite float, nesting past MAX_DEPTH). The reason of every
    marker found is appended to `reasons`."""
    if isinstance(value, Poison):
        if reasons is not None:
            reasons.append(value.reason)
        return value
    if isinstance(value, str):
        return text.storable(value)
    if isinstance(value, float) and not math.isfinite(value):
        return clean(_constant(repr(value)), reasons)
    if isinstance(value, dict | list) and depth > MAX_DEPTH:
        return clean(_too_deep(), reasons)
    if isinstance(value, dict):
        return {text.storable(str(k)): clean(v, reasons, depth + 1) for k, v in value.items()}
    if isinstance(value, list):
        return [clean(v, reasons, depth + 1) for v in value]
    return value


def poison_reason(payload: Any) -> tuple[Any, str]:
    """The payload made storable, and why it is poisonous ("" when it is not)."""
    reasons: list[str] = []
    payload = clean(payload, reasons)
    unique = list(dict.fromkeys(reasons))
    return payload, "; ".join(unique)[:MAX_REASON]


def malformed_delivery(raw: bytes, reason: str) -> EventToStore:
    """A signed body that cannot be split, kept whole (capped) as one poisoned event."""
    kept = text.storable(raw[:RAW_KEPT].decode("utf-8", "replace"))
    return EventToStore(
        delivery_key=f"malformed:{hashlib.sha256(raw).hexdigest()}",
        payload={"malformed": reason, "raw": kept, "raw_bytes": len(raw)},
        poison=f"malformed delivery: {reason}"[:MAX_REASON],
    )


def events_from_delivery(
    raw: bytes, split: Callable[[dict], list[EventToStore]]
) -> list[EventToStore]:
    """Parse a signed body and split it with the connector's `split`, never raising.

    Call after the signature was verified over `raw`: whatever is signed is kept.
    """
    try:
        body = parse_body(raw)
    except MalformedBody as exc:
        return [malformed_delivery(raw, str(exc))]
    if not isinstance(body, dict):
        return [malformed_delivery(raw, f"the body is a JSON {type(body).__name__}, not an object")]
    try:
        return split(body)
    except Exception:
        # A shape the splitter did not expect: keep the batch whole rather than answer 500
        # and have it retried until the platform gives up.
        log.exception("could not split a signed webhook body")
        return [
            malformed_delivery(raw, "could not split the batch: " + traceback.format_exc(limit=3))
        ]
