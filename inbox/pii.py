"""Spot personal data before it goes into a *public* reply.

Deliberately simple patterns, tuned to warn rather than to be exact: a false alarm costs a
click, a leaked card number costs far more. Card numbers must also pass the Luhn check, so
ordinary long numbers (tracking ids) do not trip the card warning.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
CARD = re.compile(r"\b(?:\d[ -]?){12,18}\d\b")
PHONE = re.compile(r"(?<![\w#])\+?\(?\d[\d ().-]{7,}\d\b")
ORDER = re.compile(
    r"(?:\border(?:\s*(?:number|no\.?|nr\.?|#))?\s*:?\s*#?\s*|#)([A-Z0-9-]{4,})\b", re.IGNORECASE
)


@dataclass(frozen=True)
class Finding:
    kind: str  # "email" | "phone" | "order number" | "card number"
    text: str


def _luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        n = int(ch)
        if i % 2 == 1:
            n = n * 2 - 9 if n * 2 > 9 else n * 2
        total += n
    return total % 10 == 0


def find_personal_data(text: str) -> list[Finding]:
    findings: list[Finding] = []
    taken: list[tuple[int, int]] = []

    def add(kind: str, match: re.Match, group: int = 0) -> None:
        start, end = match.span(group)
        if any(start < e and s < end for s, e in taken):
            return
        taken.append((start, end))
        findings.append(Finding(kind, match.group(group)))

    for m in EMAIL.finditer(text):
        add("email", m)
    for m in CARD.finditer(text):
        digits = re.sub(r"\D", "", m.group(0))
        if 13 <= len(digits) <= 19 and _luhn_ok(digits):
            add("card number", m)
    for m in ORDER.finditer(text):
        if any(ch.isdigit() for ch in m.group(1)):
            add("order number", m, 1)
    for m in PHONE.finditer(text):
        if len(re.sub(r"\D", "", m.group(0))) >= 8:
            add("phone", m)
    return findings
