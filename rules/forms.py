"""The rule editor's form: rows of conditions and actions, or JSON for nested conditions.

A condition row is (type, "not", value); an action row is (type, value, privately, only
outside business hours). Values are written the way each registered parameter says
(`Param.from_form`): comma-separated lists, a number, yes/no. Whatever is built is
compiled before it is accepted, exactly as the engine will compile it.
"""

from __future__ import annotations

import json

from django import forms

from .actions import check_destinations
from .engine import compile_actions, compile_conditions
from .models import Rule
from .registry import RuleError
from .registry import actions as action_specs
from .registry import conditions as condition_specs

SPARE_ROWS = 2
MIN_ROWS = 3


def _leaf_rows(conditions) -> tuple[str, list[dict]] | None:
    """A flat all/any list of (possibly negated) conditions as rows; None if nested."""
    if conditions in (None, {}):
        return "all", []
    if "type" in conditions:
        conditions = {"all": [conditions]}
    mode = "all" if "all" in conditions else "any" if "any" in conditions else None
    if mode is None or not isinstance(conditions[mode], list):
        return None
    rows = []
    for child in conditions[mode]:
        negate = isinstance(child, dict) and set(child) == {"not"}
        leaf = child["not"] if negate else child
        if not isinstance(leaf, dict) or "type" not in leaf:
            return None
        spec = condition_specs.get(leaf["type"])
        value = spec.param.to_form(leaf.get("value")) if spec else ""
        rows.append({"type": leaf["type"], "negate": negate, "value": value})
    return mode, rows


def _action_rows(actions) -> list[dict]:
    rows = []
    for entry in actions or []:
        spec = action_specs.get(entry.get("type"))
        rows.append({"type": entry.get("type", ""),
                     "value": spec.param.to_form(entry.get("value")) if spec else "",
                     "private": bool(entry.get("private")),
                     "outside_hours_only": bool(entry.get("outside_hours_only"))})
    return rows


def _pad(rows: list[dict], blank: dict) -> list[dict]:
    return rows + [dict(blank) for _ in range(max(SPARE_ROWS, MIN_ROWS - len(rows)))]


class RuleForm(forms.ModelForm):
    match = forms.ChoiceField(choices=[("all", "all of"), ("any", "any of")], initial="all",
                              required=False)
    advanced = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "false"}),
        help_text="JSON conditions with all/any/not nesting; when filled, it replaces the "
                  "rows above.")

    class Meta:
        model = Rule
        fields = ["name", "enabled", "trigger", "minutes", "stop_after"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.is_bound:
            self.condition_rows = self._bound_rows("c", ("type", "negate", "value"))
            self.action_rows = self._bound_rows("a", ("type", "value", "private",
                                                      "outside_hours_only"))
            return
        flat = _leaf_rows(self.instance.conditions)
        if flat is None:
            self.initial["advanced"] = json.dumps(self.instance.conditions, indent=2,
                                                  ensure_ascii=False)
            mode, rows = "all", []
        else:
            mode, rows = flat
        self.initial["match"] = mode
        self.condition_rows = _pad(rows, {"type": "", "negate": False, "value": ""})
        self.action_rows = _pad(_action_rows(self.instance.actions),
                                {"type": "", "value": "", "private": False,
                                 "outside_hours_only": False})

    def _bound_rows(self, prefix: str, keys: tuple[str, ...]) -> list[dict]:
        rows = []
        index = 0
        while f"{prefix}-{index}-type" in self.data:
            rows.append({key: self.data.get(f"{prefix}-{index}-{key}", "") for key in keys})
            index += 1
        for row in rows:
            for flag in ("negate", "private", "outside_hours_only"):
                if flag in row:
                    row[flag] = row[flag] in ("on", "1", "true", True)
        return rows + [dict.fromkeys(keys, "") for _ in range(SPARE_ROWS)]

    def _conditions_from_rows(self):
        leaves = []
        for row in self.condition_rows:
            if not row.get("type"):
                continue
            spec = condition_specs.get(row["type"])
            if spec is None:
                raise RuleError(f"unknown condition {row['type']!r}")
            leaf = {"type": spec.name}
            value = spec.param.from_form(row.get("value", ""))
            if value is not None:
                leaf["value"] = value
            leaves.append({"not": leaf} if row.get("negate") else leaf)
        return {self.cleaned_data.get("match") or "all": leaves} if leaves else {}

    def _actions_from_rows(self):
        entries = []
        for row in self.action_rows:
            if not row.get("type"):
                continue
            spec = action_specs.get(row["type"])
            if spec is None:
                raise RuleError(f"unknown action {row['type']!r}", field="actions")
            entry = {"type": spec.name}
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
            conditions = self._conditions_from_rows()
        compile_conditions(conditions)
        return conditions

    def clean(self):
        cleaned = super().clean()
        try:
            self.instance.conditions = self.build_conditions()
            actions = self._actions_from_rows()
            compile_actions(actions)
            check_destinations(actions)
        except RuleError as exc:
            raise forms.ValidationError(str(exc)) from None
        if not actions:
            raise forms.ValidationError("Give the rule at least one action.")
        self.instance.actions = actions
        return cleaned
