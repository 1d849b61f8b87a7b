"""The rules engine: compile the rule set once per change, run it in order on each item.

Compilation turns every enabled rule's JSON into closures (regexes built, words
normalised, parameters checked) and is cached under the rule set's version: the count of
rules, the highest id, the sum of their revisions and the latest change time, which any
save or delete changes (Rule.save bumps its revision; a rolled-back save that reused an id
still differs in time). Checking the version is one small aggregate query per
item; compiling again happens only after a change.

Loop safety: rules run for customer items and for time, never for what rules do. While a
rule's actions run, a context flag is set and any nested `run_rules` (an action whose side
effect comes back through the ingest in the same process) returns without running.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
import threading
from dataclasses import dataclass, field
from datetime import datetime

from django.db import connection, transaction
from django.db.models import Count, F, Max, Sum
from django.utils import timezone

from inbox import deferred, live, memo, savepoints
from inbox.models import AuditEvent, Conversation, Message
from inbox.outbox import NotSupported

from .compiling import (
    CompiledAction,
    CompiledRule,
    Predicate,
    compile_actions,
    compile_conditions,
    compile_rule,
)
from .item import Item
from .models import Rule
from .registry import RuleError, Skip

log = logging.getLogger("switchboard.rules")

HIT_VERB = "rule_matched"

__all__ = [
    "CompiledAction",
    "CompiledRule",
    "Predicate",
    "RuleError",
    "compile_actions",
    "compile_conditions",
    "compile_rule",
    "current_ruleset",
    "evaluate",
    "run_rules",
]


@dataclass
class RuleSet:
    version: tuple
    by_trigger: dict[str, list[CompiledRule]] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    def for_trigger(self, trigger: str) -> list[CompiledRule]:
        return self.by_trigger.get(trigger, [])


def ruleset_version() -> tuple:
    stamp = Rule.objects.aggregate(
        n=Count("id"), top=Max("id"), revisions=Sum("revision"), latest=Max("updated_at")
    )
    return stamp["n"], stamp["top"], stamp["revisions"], stamp["latest"]


def compile_ruleset(version: tuple) -> RuleSet:
    ruleset = RuleSet(version=version)
    for rule in Rule.objects.filter(enabled=True).order_by("position", "id"):
        try:
            compiled = compile_rule(rule)
        except RuleError as exc:
            # Saved around validation (a bulk import, a registry change): skip it, loudly.
            log.error("rule %r does not compile: %s", rule.name, exc)
            ruleset.errors[rule.name] = str(exc)
            continue
        ruleset.by_trigger.setdefault(rule.trigger, []).append(compiled)
    return ruleset


class _Cache:
    def __init__(self):
        self.lock = threading.Lock()
        self.ruleset: RuleSet | None = None
        self.compilations = 0

    def get(self) -> RuleSet:
        # Once per worker batch (inbox/memo.py): no message of a batch changes the rules.
        version = memo.remembered("rules.version", ruleset_version)
        ruleset = self.ruleset
        if ruleset is not None and ruleset.version == version:
            return ruleset
        with self.lock:
            if self.ruleset is None or self.ruleset.version != version:
                self.ruleset = compile_ruleset(version)
                self.compilations += 1
            return self.ruleset

    def clear(self) -> None:
        self.ruleset = None


cache = _Cache()


def current_ruleset() -> RuleSet:
    return cache.get()


# ---- running ---------------------------------------------------------------------------------

_acting: contextvars.ContextVar[bool] = contextvars.ContextVar("rules_acting", default=False)


@dataclass
class Hit:
    rule_name: str
    matched: str
    outcomes: list[str] = field(default_factory=list)
    audit: AuditEvent | None = None


def evaluate(item: Item, rules: list[CompiledRule]) -> list[tuple[CompiledRule, str]]:
    """Which rules match, in order, honouring "stop after": no side effects (preview)."""
    matched = []
    for rule in rules:
        why = rule.test(item)
        if why is None:
            continue
        matched.append((rule, why))
        if rule.stop_after:
            break
    return matched


def run_rules(
    *,
    trigger: str,
    conversation: Conversation,
    message: Message | None = None,
    now: datetime | None = None,
    rules: list[CompiledRule] | None = None,
    item: Item | None = None,
) -> list[Hit]:
    """Run the enabled rules of `trigger` on one item, in order; actions take effect at once,
    so later rules see tags or assignments that earlier ones made."""
    if _acting.get():
        return []
    if rules is None:
        rules = current_ruleset().for_trigger(trigger)
    if not rules:
        return []
    item = item or Item(conversation, message, now=now)
    hits = []
    # One transaction for the item: every rule's changes commit (and are announced) together.
    # Inside routing's transaction it joins it (no savepoint: the listener has its own).
    with transaction.atomic(savepoint=False):
        for rule in rules:
            why = rule.test(item)
            if why is None:
                continue
            hits.append(_apply(rule, why, item, trigger))
            if rule.stop_after:
                break
    return hits


def _apply(rule: CompiledRule, why: str, item: Item, trigger: str) -> Hit:
    hit = Hit(rule_name=rule.name, matched=why)
    token = _acting.set(True)
    try:
        # Part of run_rules' transaction: a failure here undoes the item's rules together.
        with transaction.atomic(savepoint=False):
            # Timed before the actions, so the timeline shows the hit before what it did,
            # but written once, after them, with their outcomes.
            hit.audit = AuditEvent(
                conversation=item.conversation,
                rule_name=rule.name,
                verb=HIT_VERB,
                created_at=timezone.now(),
                data={
                    "matched": why,
                    "trigger": trigger,
                    "message_id": item.message.pk if item.message else None,
                },
            )
            for compiled in rule.actions:
                hit.outcomes.append(_run_action(compiled, item, hit))
            hit.audit.data["actions"] = hit.outcomes
            deferred.create(hit.audit)  # with the batch's other rows at its end
            if rule.id is not None:
                # Every worker bumps the same few rule rows: counted per batch and stored
                # at its end, in id order (inbox/memo.py), not locked for the whole batch.
                memo.add_up(rule.id, 1, _store_hits)
            live.conversation_changed(item.conversation.pk)
    finally:
        _acting.reset(token)
    return hit


def _store_hits(counts: dict[int, int]) -> None:
    now = timezone.now()
    for rule_id in sorted(counts):
        Rule.objects.filter(pk=rule_id).update(
            hit_count=F("hit_count") + counts[rule_id], last_hit_at=now
        )


def _run_action(compiled: CompiledAction, item: Item, hit: Hit) -> str:
    try:
        # A savepoint per action, so that one that fails leaves the others and the hit in
        # place; in a batch's optimistic pass none (inbox/savepoints.py), see `_unless_wrote`.
        with savepoints.atomic(), _unless_wrote():
            return compiled.run(item, hit)
    except Skip as exc:
        return f"{compiled.name} skipped: {exc}"
    except (NotSupported, ValueError) as exc:
        return f"{compiled.name} not done: {exc}"
    except _RerunCarefully:
        raise
    except Exception as exc:  # noqa: BLE001 - one broken action must not stop the scheme
        log.exception("rule %r action %s failed", hit.rule_name, compiled.name)
        return f"{compiled.name} failed: {exc.__class__.__name__}"


class _RerunCarefully(Exception):
    """An action failed after it wrote, with no savepoint to undo it: the batch is routed
    again the careful way (inbox/routing.py), where this action gets its savepoint."""


@contextlib.contextmanager
def _unless_wrote():
    """Without a savepoint, an action that fails is still just an outcome ("skipped",
    "not done", "failed") when it changed nothing: it only read, and the transaction is
    usable. One that wrote first (or gathered a write for the batch's end, inbox/deferred.py,
    or broke the transaction) must not leave half its work: the error goes up, the routing
    transaction rolls back whole and is run again carefully."""
    if savepoints.careful():
        yield
        return
    wrote = []
    gathered = deferred.gathered_count

    def watch(execute, sql, params, many, context):
        if not sql.lstrip()[:6].upper().startswith("SELECT"):
            wrote.append(sql)
        return execute(sql, params, many, context)

    try:
        with connection.execute_wrapper(watch):
            yield
    except Exception as exc:
        if wrote or connection.needs_rollback or deferred.gathered_count != gathered:
            raise _RerunCarefully(f"action failed after writing: {exc!r}") from exc
        raise
