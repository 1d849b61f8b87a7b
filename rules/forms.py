"""The rule editor's form: a tree of conditions (all/any groups, "not" on any node) and a
list of actions, both grown and pruned freely.

Field names carry a node's path in the tree: the root group's children are "0", "1", ...;
the second child of group "0" is "0.1". A leaf posts `c-<path>-type`, `-value` and
`-negate`; a group posts `c-<path>-kind=group`, `-mode` and `-negate`. An action row posts
`a-<n>-type`, `-value` and its options. The root's mode is `match`. Buttons named `op`
change the shape without saving ("add:0" adds a condition to group "0", "group:" a group to
the root, "remove:0.1", "add-action", "remove-action:2").

Values are written the way each registered parameter says (`Param.from_form`). Whatever
is built is compiled, and everything it names is looked up (rules/references.py), before
it is accepted, exactly as the engine will compile it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from django import forms

from .actions import check_destinations
from .engine import compile_actions, compile_conditions
from .models import Rule
from .references import check_action_references, check_condition_references
from .registry import RuleError
from .registry import actions as action_specs
from .registry import conditions as condition_specs

MODES = [("all", "all of"), ("any", "any of")]
_NODE_KEY = re.compile(r"^c-(\d+(?:\.\d+)*)-(type|kind)$")
_ACTION_KEY = re.compile(r"^a-(\d+)-type$")
FLAGS = ("private", "outside_hours_only")


@dataclass
class Node:
    group: bool
    mode: str = "all"
    negate: bool = False
    type: str = ""
    value: str = ""
    children: list[Node] = field(default_factory=list)
    path: str = ""

    @property
    def depth(self) -> int:
        return self.path.count(".") + 1 if self.path else 0


def _number(nodes: list[Node], prefix: str = "") -> None:
    for index, node in enumerate(nodes):
        node.path = f"{prefix}.{index}" if prefix else str(index)
        _number(node.children, node.path)


def _from_json(data) -> Node:
    if data in (None, {}):
        return Node(group=True)
    if not isinstance(data, dict):
        raise ValueError("not a condition")
    for mode in ("all", "any"):
        if mode in data:
            if not isinstance(data[mode], list):
                raise ValueError("not a list")
            return Node(group=True, mode=mode, children=[_from_json(c) for c in data[mode]])
    if "not" in data:
        inner = _from_json(data["not"])
        if inner.negate:  # not (not x): keep both, as a negated group of one
            return Node(group=True, negate=True, children=[inner])
        inner.negate = True
        return inner
    spec = condition_specs.get(data.get("type", ""))
    value = spec.param.to_form(data.get("value")) if spec else ""
    return Node(group=False, type=str(data.get("type", "")), value=value)


def tree_from_json(conditions) -> Node | None:
    """The editor's tree for stored conditions; None if they are not editable as a tree."""
    try:
        root = _from_json(conditions)
    except ValueError:
        return None
    if not root.group or root.negate:
        root = Node(group=True, children=[root])
    _number(root.children)
    return root


def _path_key(path: str) -> tuple[int, ...]:
    return tuple(int(p) for p in path.split("."))


def tree_from_post(data, match: str) -> Node:
    root = Node(group=True, mode=match if match in ("all", "any") else "all")
    nodes: dict[str, Node] = {"": root}
    paths = sorted({m.group(1) for key in data if (m := _NODE_KEY.match(key))}, key=_path_key)
    for path in paths:
        is_group = data.get(f"c-{path}-kind") == "group"
        node = Node(
            group=is_group,
            negate=data.get(f"c-{path}-negate") in ("on", "1", "true"),
            mode=data.get(f"c-{path}-mode") if data.get(f"c-{path}-mode") == "any" else "all",
            type=data.get(f"c-{path}-type", ""),
            value=data.get(f"c-{path}-value", ""),
        )
        parent = path.rpartition(".")[0]
        nodes.get(parent, root).children.append(node)
        nodes[path] = node
    return root


def _find(root: Node, path: str) -> tuple[Node | None, Node | None]:
    """(parent, node) at `path`; the root is (None, root)."""
    parent, node = None, root
    for part in path.split(".") if path else []:
        index = int(part)
        if not node.group or index >= len(node.children):
            return None, None
        parent, node = node, node.children[index]
    return parent, node


def apply_op(root: Node, actions: list[dict], op: str) -> None:
    """Change the shape as an editor button asks; unknown or stale ops do nothing."""
    verb, _, path = op.partition(":")
    if verb in ("add", "group"):
        _, group = _find(root, path)
        if group is not None and group.group:
            group.children.append(
                Node(group=True, children=[Node(group=False)])
                if verb == "group"
                else Node(group=False)
            )
    elif verb == "remove" and path:
        parent, node = _find(root, path)
        if parent is not None and node is not None:  # (a node has one when it has a parent)
            parent.children.remove(node)
    elif verb == "add-action":
        actions.append({"type": "", "value": "", "private": False, "outside_hours_only": False})
    elif verb == "remove-action" and path.isdigit() and int(path) < len(actions):
        del actions[int(path)]
    _number(root.children)


def conditions_from_tree(node: Node) -> dict:
    """The stored JSON; blank leaves and empty groups are left out. Raises RuleError."""
    if node.group:
        children = [c for c in (conditions_from_tree(child) for child in node.children) if c]
        if not children:
            return {}
        built: dict[str, Any] = {node.mode: children}
    else:
        if not node.type:
            return {}
        spec = condition_specs.get(node.type)
        if spec is None:
            raise RuleError(f"unknown condition {node.type!r}")
        built = {"type": spec.name}
        value = spec.param.from_form(node.value)
        if value is not None:
            built["value"] = value
    return {"not": built} if node.negate else built


def _action_rows(actions) -> list[dict]:
    rows = []
    for entry in actions or []:
        spec = action_specs.get(entry.get("type"))
        rows.append(
            {
                "type": entry.get("type", ""),
                "value": spec.param.to_form(entry.get("value")) if spec else "",
                "private": bool(entry.get("private")),
                "outside_hours_only": bool(entry.get("outside_hours_only")),
            }
        )
    return rows


def _posted_actions(data) -> list[dict]:
    indexes = sorted({int(m.group(1)) for key in data if (m := _ACTION_KEY.match(key))})
    rows = []
    for i in indexes:
        row = {"type": data.get(f"a-{i}-type", ""), "value": data.get(f"a-{i}-value", "")}
        for flag in FLAGS:
            row[flag] = data.get(f"a-{i}-{flag}") in ("on", "1", "true")
        rows.append(row)
    return rows


class RuleForm(forms.ModelForm):
    match = forms.ChoiceField(choices=MODES, initial="all", required=False)
    advanced = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "false"}),
        help_text="JSON conditions with all/any/not nesting; when filled, it replaces the "
        "conditions above.",
    )

    class Meta:
        model = Rule
        fields = ["name", "enabled", "trigger", "minutes", "stop_after"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.is_bound:
            self.tree = tree_from_post(self.data, self.data.get("match", "all"))
            self.action_rows = _posted_actions(self.data)
            self.op = self.data.get("op", "")
            if self.op:
                apply_op(self.tree, self.action_rows, self.op)
            _number(self.tree.children)
            return
        self.op = ""
        tree = tree_from_json(self.instance.conditions)
        if tree is None:
            self.initial["advanced"] = json.dumps(
                self.instance.conditions, indent=2, ensure_ascii=False
            )
            tree = Node(group=True)
        if not tree.children:
            tree.children.append(Node(group=False))
            _number(tree.children)
        self.tree = tree
        self.initial["match"] = tree.mode
        self.action_rows = _action_rows(self.instance.actions) or [
            {"type": "", "value": "", "private": False, "outside_hours_only": False}
        ]

    def _actions_from_rows(self) -> list[dict]:
        entries = []
        for row in self.action_rows:
            if not row.get("type"):
                continue
            spec = action_specs.get(row["type"])
            if spec is None:
                raise RuleError(f"unknown action {row['type']!r}", field="actions")
            entry: dict[str, Any] = {"type": spec.name}
            value = spec.param.from_form(row.get("value", ""))
            if value is not None:
                entry["value"] = value
            for option in spec.options:
                if row.get(option):
                    entry[option] = True
            entries.append(entry)
        return entries

    def build_conditions(self):
        """The conditions the form describes, compiled to check them; raises RuleError.

        Call after is_valid() (the preview does, even when other fields are invalid)."""
        advanced = (self.cleaned_data.get("advanced") or "").strip()
        if advanced:
            try:
                conditions = json.loads(advanced)
            except ValueError as exc:
                raise RuleError(f"the JSON conditions do not parse: {exc}") from None
        else:
            self.tree.mode = self.cleaned_data.get("match") or "all"
            conditions = conditions_from_tree(self.tree)
        compile_conditions(conditions)
        return conditions

    def clean(self):
        cleaned = super().clean()
        try:
            conditions = self.build_conditions()
            actions = self._actions_from_rows()
            compile_actions(actions)
            check_destinations(actions)
            check_condition_references(conditions)
            check_action_references(actions)
        except RuleError as exc:
            raise forms.ValidationError(str(exc)) from None
        if not actions:
            raise forms.ValidationError("Give the rule at least one action.")
        # Only a rule that passed is put on the instance, so the model's own clean (which
        # runs next) checks it again quietly instead of repeating the message.
        self.instance.conditions, self.instance.actions = conditions, actions
        return cleaned

    def _post_clean(self):
        # With errors of its own the form saves nothing. The model's clean would check the
        # rule as stored, and a rule stored before a check existed fails it on `conditions`,
        # a field this form does not have: Django answers that with a ValueError (a 500).
        if not self.errors:
            super()._post_clean()

    @property
    def reshaped(self) -> bool:
        """An add or remove button was pressed: re-render the editor, never save."""
        return bool(self.op)
