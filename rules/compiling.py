"""A rule's JSON compiled into closures: conditions into one predicate, actions into runners.

Needs only the registry (and the modules that fill it), never `rules.models`, so that
`Rule.clean` can validate by compiling without an import loop (models → engine → models).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from . import actions as _actions  # noqa: F401 - registers the actions
from . import conditions as _conditions  # noqa: F401 - registers the conditions
from .registry import RuleError
from .registry import actions as action_specs
from .registry import conditions as condition_specs

if TYPE_CHECKING:
    from .item import Item
    from .models import Rule

Predicate = Callable[["Item"], "str | None"]
MAX_DEPTH = 8


def compile_conditions(node, depth: int = 0) -> Predicate:
    """JSON conditions → one predicate returning the explanation of a match, or None."""
    if depth > MAX_DEPTH:
        raise RuleError(f"conditions nest deeper than {MAX_DEPTH} levels")
    if node in (None, {}):
        return lambda item: "every item"
    if not isinstance(node, dict):
        raise RuleError(f"a condition is an object, not {node!r}")
    if "all" in node or "any" in node:
        mode = "all" if "all" in node else "any"
        children = node[mode]
        if not isinstance(children, list):
            raise RuleError(f'"{mode}" takes a list of conditions')
        tests = [compile_conditions(child, depth + 1) for child in children]
        return _all(tests) if mode == "all" else _any(tests)
    if "not" in node:
        inner = compile_conditions(node["not"], depth + 1)
        return lambda item: "not (…)" if inner(item) is None else None
    name = node.get("type")
    spec = condition_specs.get(name) if name is not None else None
    if spec is None:
        raise RuleError(f"unknown condition {name!r}")
    return spec.compile(node.get("value"))


def _all(tests: list[Predicate]) -> Predicate:
    def test(item):
        found = []
        for one in tests:
            why = one(item)
            if why is None:
                return None
            found.append(why)
        return ", ".join(f for f in found if f != "not (…)") or "every condition"

    return test


def _any(tests: list[Predicate]) -> Predicate:
    def test(item):
        for one in tests:
            why = one(item)
            if why is not None:
                return why
        return None

    return test


@dataclass
class CompiledAction:
    name: str
    run: Callable


@dataclass
class CompiledRule:
    id: int | None
    name: str
    trigger: str
    minutes: int
    stop_after: bool
    test: Predicate
    actions: list[CompiledAction]


def compile_actions(items) -> list[CompiledAction]:
    if not isinstance(items, list):
        raise RuleError("actions are a list", field="actions")
    compiled = []
    for entry in items:
        if not isinstance(entry, dict):
            raise RuleError(f"an action is an object, not {entry!r}", field="actions")
        spec = action_specs.get(entry.get("type", ""))
        if spec is None:
            raise RuleError(f"unknown action {entry.get('type')!r}", field="actions")
        options = {key: entry[key] for key in spec.options if key in entry}
        compiled.append(CompiledAction(spec.name, spec.compile(entry.get("value"), **options)))
    return compiled


def compile_rule(rule: Rule) -> CompiledRule:
    return CompiledRule(
        id=rule.pk,
        name=rule.name,
        trigger=rule.trigger,
        minutes=rule.minutes or 0,
        stop_after=rule.stop_after,
        test=compile_conditions(rule.conditions),
        actions=compile_actions(rule.actions),
    )
