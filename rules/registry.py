"""Conditions and actions are small registered functions.

A condition's *compile* function takes the rule's parameters once (when the rule set is
compiled) and returns a predicate `(item) -> str | None`: the explanation of the match
("'pay'", "language zh") or None. An action's compile function returns a callable
`(item, hit) -> str` that does the change through inbox/conversations.py and describes it,
or raises `Skip` with the reason it did nothing. Bad parameters raise `RuleError` at compile
time, so the editor, the admin and the API reject a rule before it is saved.

The JSON shapes:
    conditions: {"all": [c, ...]} | {"any": [c, ...]} | {"not": c}
                | {"type": "<condition>", "value": ...}          ({} matches everything)
    actions:    [{"type": "<action>", "value": ..., <options>}, ...]
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


class RuleError(ValueError):
    """A rule that cannot be compiled; `field` names the part of the rule at fault."""

    def __init__(self, message: str, *, field: str = "conditions"):
        super().__init__(message)
        self.field = field


class Skip(Exception):  # noqa: N818 - it is not an error: the action had nothing to do
    """The action did nothing, for a reason worth showing ("already replied once")."""


# How a parameter is written in the editor's one-line field, and what JSON it becomes.
WORDS, TEXT, INT, BOOL, CHOICES, NONE = "words", "text", "int", "bool", "choices", "none"


@dataclass(frozen=True)
class Param:
    kind: str = NONE
    help: str = ""
    # For CHOICES: a function returning (value, label) pairs, looked up when the form renders.
    choices: Callable[[], list[tuple[str, str]]] | None = None

    def from_form(self, raw: str) -> Any:
        """The editor's text field → the JSON value stored in the rule."""
        raw = (raw or "").strip()
        if self.kind in (WORDS, CHOICES):
            return [part.strip() for part in raw.split(",") if part.strip()]
        if self.kind == INT:
            try:
                return int(raw)
            except ValueError:
                raise RuleError(f"{raw!r} is not a whole number") from None
        if self.kind == BOOL:
            return raw.lower() not in ("", "0", "no", "false", "off")
        if self.kind == NONE:
            return None
        return raw

    def to_form(self, value: Any) -> str:
        if isinstance(value, list):
            return ", ".join(str(v) for v in value)
        if value is None:
            return ""
        if isinstance(value, bool):
            return "yes" if value else "no"
        return str(value)


@dataclass(frozen=True)
class Spec:
    name: str
    label: str
    param: Param
    compile: Callable[..., Any]
    # Action options besides "value" (e.g. reply: private, outside_hours_only).
    options: tuple[str, ...] = field(default=())


conditions: dict[str, Spec] = {}
actions: dict[str, Spec] = {}


def condition(name: str, label: str, param: Param | None = None):
    def register(fn):
        conditions[name] = Spec(name, label, param or Param(), fn)
        return fn

    return register


def action(name: str, label: str, param: Param | None = None, options: tuple[str, ...] = ()):
    def register(fn):
        actions[name] = Spec(name, label, param or Param(), fn, options)
        return fn

    return register


def as_list(value: Any, *, what: str, field_name: str = "conditions") -> list[str]:
    """Accept "a" or ["a", "b"]; return non-empty stripped strings."""
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str | int) for v in value):
        raise RuleError(f"{what}: expected a list of values", field=field_name)
    items = [str(v).strip() for v in value if str(v).strip()]
    if not items:
        raise RuleError(f"{what}: give at least one value", field=field_name)
    return items


def as_bool(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() not in ("", "0", "no", "false", "off")
    return True if value is None else bool(value)
