"""A manager's regular expression, compiled so that no customer text can make it slow.

Rule patterns run on RE2 (the `google-re2` package, BSD-3-Clause), not Python's `re`.
`re` backtracks: `(a+)+$` against thirty "a" and a "!" takes minutes, and customer text is
hostile, so one rule could hold a worker indefinitely within the 2,000 characters a
condition reads. RE2 matches in time linear in the text, whatever the pattern. We chose it
over a per-match time budget (the `regex` package's `timeout=`) because a budget only caps
the damage: an evil pattern would still cost its whole budget on every message, for every
rule and for each of the 500 messages of a preview, and whether a rule matched would
depend on how loaded the machine is. With RE2 the answer is always complete and the same.

What that costs, checked here when a rule is saved (editor, API, admin), each with a
message that says what to write instead:

- RE2 has no look-around, back-references, atomic groups, possessive repeats, `(?x)` or
  `(?#…)`; `\\Z` is `\\z`, `\\u00e9` is `\\x{e9}`; a repeat count is at most 1,000.
- `\\w`, `\\b` and `\\d` know ASCII only. A pattern that mixes `\\w`/`\\b` with letters of
  other scripts (`\\bвозврат`) would silently never match, so it is refused with the
  Unicode form to use (`\\pL` is any letter, `\\p{Cyrillic}` a script).
- A pattern whose compiled program is larger than `MAX_PROGRAM` steps (large counted
  repeats: `(.{0,300}){3}`) is refused. Under that size a match on 2,000 hostile
  characters took at most ~2 ms when measured (2026-12-02, `time.process_time` around
  `search`); programs of 8,000–33,000 steps took 36–176 ms: linear, but not cheap.
"""

from __future__ import annotations

import re

import re2

from .registry import RuleError

MAX_LENGTH = 500
MAX_PROGRAM = 5000

_HELP = "rule patterns use RE2 syntax, which always finishes in time"

# RE2's reason (its text, as it reports it) → what to tell the manager.
_HINTS = (
    ("invalid perl operator: (?=", "look-ahead (?=…) is not supported"),
    ("invalid perl operator: (?!", "look-ahead (?!…) is not supported"),
    ("invalid perl operator: (?<=", "look-behind (?<=…) is not supported"),
    ("invalid perl operator: (?<!", "look-behind (?<!…) is not supported"),
    ("invalid perl operator: (?>", "atomic groups (?>…) are not supported"),
    ("invalid perl operator: (?P=", "back-references (?P=name) are not supported"),
    ("invalid perl operator: (?#", "comments (?#…) are not supported"),
    ("invalid perl operator: (?x", "verbose mode (?x) is not supported"),
    ("bad repetition operator: ", "possessive repeats (*+, ++, ?+) are not supported"),
    ("invalid repetition size", "a repeat count is at most 1000"),
    ("invalid escape sequence: \\Z", "write \\z for the end of the text"),
    ("invalid escape sequence: \\u", "write \\x{e9} for a code point, not \\u00e9"),
    ("pattern too large", "the pattern is too complex; use + or * instead of large {m,n}"),
)


def _options() -> re2.Options:
    options = re2.Options()
    options.case_sensitive = False
    options.log_errors = False  # RE2 would print every refused pattern to stderr
    return options


_OPTIONS = _options()
# An escaped backslash (no group), or \w \W \b \B (the letter).
_ESCAPE = re.compile(r"\\\\|\\([wWbB])")


def _reason(error: re2.error) -> str:
    raw = error.args[0] if error.args else ""
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
    if text.startswith("invalid escape sequence: \\") and text[-1:].isdigit():
        return "back-references (\\1) are not supported"
    for start, hint in _HINTS:
        if text.startswith(start):
            return hint
    return text


def _ascii_only_classes(pattern: str) -> set[str]:
    """The escapes \\w \\W \\b \\B the pattern uses (an escaped backslash is skipped),
    which RE2 reads as ASCII."""
    return {"\\" + letter for letter in _ESCAPE.findall(pattern) if letter}


def compile_pattern(value) -> re2._Regexp:
    """The manager's pattern, case-insensitive, compiled by RE2; raises RuleError saying why
    it is refused. The result's `search` takes time linear in the text."""
    if not isinstance(value, str) or not value.strip():
        raise RuleError("regular expression: give a pattern")
    if len(value) > MAX_LENGTH:
        raise RuleError(f"regular expression: at most {MAX_LENGTH} characters")
    try:
        pattern = re2.compile(value, _OPTIONS)
    except re2.error as exc:
        raise RuleError(f"regular expression: {_reason(exc)} ({_HELP})") from None
    if pattern.programsize > MAX_PROGRAM:
        raise RuleError(
            "regular expression: the pattern is too complex "
            f"({pattern.programsize} steps once compiled, at most {MAX_PROGRAM}); "
            "large counted repeats such as {0,300} multiply its size, use + or * instead"
        )
    ascii_classes = _ascii_only_classes(value)
    if ascii_classes and any(not ch.isascii() and ch.isalpha() for ch in value):
        used = " and ".join(sorted(ascii_classes))
        raise RuleError(
            f"regular expression: {used} know only ASCII letters here, so next to other "
            "letters they never match; write \\pL for any letter, e.g. "
            "(?:^|\\PL)возврат(?:\\PL|$) instead of \\bвозврат\\b, [\\pL\\pN_]+ instead of \\w+"
        )
    return pattern
