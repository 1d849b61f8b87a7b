"""What saving a rule checks beyond compiling it: everything it names exists now.

Compiling checks a rule's shape; a rule that assigns to an agent who left, removes or
tests a tag nobody created, or answers with a deleted saved reply compiles fine and fails
only when it runs, quietly (the action is skipped). Adding a tag is the exception: a tag
is created on first use. The editor, the admin and the API call these on save, so the
manager hears of it at once, with the name at fault.
"""

from __future__ import annotations

from collections.abc import Iterator

from .registry import RuleError


def _leaves(node) -> Iterator[dict]:
    if not isinstance(node, dict):
        return
    for mode in ("all", "any"):
        if isinstance(node.get(mode), list):
            for child in node[mode]:
                yield from _leaves(child)
            return
    if "not" in node:
        yield from _leaves(node["not"])
    elif "type" in node:
        yield node


def _names(value) -> list[str]:
    if isinstance(value, str | int):
        value = [value]
    return [str(v).strip() for v in value or [] if str(v).strip()]


def _agent_problem(username: str) -> str:
    from accounts.models import User

    user = User.objects.filter(username__iexact=username).first()
    if user is None:
        return f"there is no agent {username!r}"
    if not user.is_active:
        return f"the agent {username!r} is deactivated"
    return ""


def _team_problem(name: str) -> str:
    from accounts.models import Team

    return "" if Team.objects.filter(name__iexact=name).exists() else f"there is no team {name!r}"


def _tag_problem(name: str) -> str:
    from inbox.models import Tag

    if Tag.objects.filter(name__iexact=name).exists():
        return ""
    return f"there is no tag {name!r} (add it under Settings → Tags)"


def _reply_problem(ref: str) -> str:
    from .actions import find_saved_reply

    return "" if find_saved_reply(ref) else f"there is no saved reply {ref!r}"


def _channel_problem(ref: str) -> str:
    from inbox.models import Channel

    if ref.isdigit() and Channel.objects.filter(pk=int(ref)).exists():
        return ""
    return f"there is no channel #{ref}"


CONDITION_REFERENCES = {
    "assignee": lambda name: "" if name.casefold() == "nobody" else _agent_problem(name),
    "has_tag": _tag_problem,
    "channel": _channel_problem,
}
ACTION_REFERENCES = {
    "assign": _agent_problem,
    "assign_round_robin": _team_problem,
    "remove_tag": _tag_problem,
    "reply": _reply_problem,
    "private_reply": _reply_problem,
}


def check_condition_references(conditions) -> None:
    problems = [
        problem
        for leaf in _leaves(conditions)
        if (check := CONDITION_REFERENCES.get(leaf.get("type", "")))
        for name in _names(leaf.get("value"))
        if (problem := check(name))
    ]
    if problems:
        raise RuleError("Conditions: " + "; ".join(problems) + ".")


def check_action_references(actions) -> None:
    from .registry import actions as specs

    problems = []
    for entry in actions if isinstance(actions, list) else []:
        check = ACTION_REFERENCES.get(entry.get("type", "")) if isinstance(entry, dict) else None
        if check is None:
            continue
        label = specs[entry["type"]].label
        problems += [
            f"{label}: {problem}" for name in _names(entry.get("value")) if (problem := check(name))
        ]
    if problems:
        raise RuleError("Actions: " + "; ".join(problems) + ".", field="actions")
