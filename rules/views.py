"""The manager's rule editor: list, order, enable, write, preview and test rules.

One page template per screen with named partials; htmx requests get the partial only.
Every view starts with `require_manager`.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from audit.log import record, snapshot
from inbox.access import require_manager
from inbox.models import Channel, Conversation

from . import corrections
from .compiling import compile_rule
from .forms import RuleForm
from .models import Rule
from .preview import PREVIEW_SIZE, preview, try_text
from .registry import RuleError
from .registry import actions as action_specs
from .registry import conditions as condition_specs

PREVIEW_SHOWN = 50


def _rules():
    return Rule.objects.order_by("position", "id")


# How rules/patterns.py begins each refusal of a pattern.
PATTERN_REFUSAL = "regular expression: "


@dataclass(frozen=True)
class Problem:
    """Why the engine skips a rule, and whether its pattern is the cause."""

    reason: str
    in_pattern: bool


def problem_of(rule: Rule) -> Problem | None:
    """Compiled as the engine compiles it, so a rule stored before a check existed (an
    import, an older release) shows what the check refuses, instead of being skipped at
    run time with no word on any page (the engine only logs it)."""
    try:
        compile_rule(rule)
    except RuleError as exc:
        reason = str(exc)
        return Problem(reason.removeprefix(PATTERN_REFUSAL), reason.startswith(PATTERN_REFUSAL))
    return None


def rule_list(request):
    require_manager(request)
    template = "rules/rule_list.html"
    if request.htmx:
        template += "#rules"
    rows = [(rule, problem_of(rule)) for rule in _rules()]
    return render(request, template, {"rules": rows})


def _editor(request, rule: Rule):
    before = snapshot(rule) if rule.pk else {}
    form = RuleForm(request.POST or None, instance=rule)
    if request.method == "POST" and not form.reshaped and form.is_valid():
        created = rule.pk is None
        with transaction.atomic():
            rule = form.save(commit=False)
            if created:
                rule.created_by = request.user
                last = _rules().values_list("position", flat=True).last()
                rule.position = (last or 0) + 10
            rule.save()
            record(
                actor=request.user,
                verb="created" if created else "changed",
                target=rule,
                before=before,
            )
        return redirect("rules:list")
    template = "rules/rule_edit.html"
    if request.htmx and form.reshaped:
        template += "#actions" if "action" in form.op else "#conditions"
    return render(
        request,
        template,
        {
            "form": form,
            "rule": rule,
            "condition_specs": condition_specs.values(),
            "action_specs": action_specs.values(),
            "channels": Channel.objects.all(),
            "preview_size": PREVIEW_SIZE,
        },
    )


def rule_new(request):
    require_manager(request)
    return _editor(request, Rule())


def rule_edit(request, pk: int):
    require_manager(request)
    return _editor(request, get_object_or_404(Rule, pk=pk))


@require_POST
def rule_toggle(request, pk: int):
    require_manager(request)
    rule = get_object_or_404(Rule, pk=pk)
    before = snapshot(rule)
    rule.enabled = not rule.enabled
    rule.save(update_fields=["enabled"])
    record(
        actor=request.user,
        verb="enabled" if rule.enabled else "disabled",
        target=rule,
        before=before,
    )
    if request.htmx:
        return render(
            request, "rules/rule_list.html#row", {"rule": rule, "problem": problem_of(rule)}
        )
    return redirect("rules:list")


@require_POST
@transaction.atomic
def rule_move(request, pk: int, direction: str):
    """Swap a rule with its neighbour above or below; positions are renumbered 10, 20..."""
    require_manager(request)
    rules = list(_rules().select_for_update())
    index = next((i for i, r in enumerate(rules) if r.pk == pk), None)
    if index is None:
        return HttpResponse(status=404)
    other = index - 1 if direction == "up" else index + 1
    if 0 <= other < len(rules):
        record(
            actor=request.user,
            verb="moved",
            target=rules[index],
            changes={"order": [index + 1, other + 1]},
        )
        rules[index], rules[other] = rules[other], rules[index]
    for position, rule in enumerate(rules, start=1):
        if rule.position != position * 10:
            rule.position = position * 10
            rule.save(update_fields=["position"])
    return rule_list(request) if request.htmx else redirect("rules:list")


def rule_delete(request, pk: int):
    """GET asks first (settings/confirm.html); the POST from that page deletes."""
    require_manager(request)
    rule = get_object_or_404(Rule, pk=pk)
    if request.method != "POST":
        hits = f"{rule.hit_count} time{'s' if rule.hit_count != 1 else ''}"
        return render(
            request,
            "settings/confirm.html",
            {
                "object": f"the rule “{rule.name}”",
                "consequences": [
                    "It stops running on new items. What it already did (it matched "
                    f"{hits}) stays done. This cannot be undone; turning it Off can be."
                ],
                "cancel_url": reverse("rules:list"),
            },
        )
    record(actor=request.user, verb="deleted", target=rule, before=snapshot(rule))
    rule.delete()
    messages.success(request, f"Deleted the rule “{rule.name}”.")
    return redirect("rules:list")


@require_POST
def rule_reset_hits(request, pk: int):
    require_manager(request)
    rule = get_object_or_404(Rule, pk=pk)
    Rule.objects.filter(pk=pk).update(hit_count=0, last_hit_at=None)
    record(
        actor=request.user,
        verb="reset hits",
        target=rule,
        changes={"hit_count": [rule.hit_count, 0]},
    )
    return redirect("rules:list")


def _draft(request) -> tuple[Rule, str]:
    """The rule as the editor currently describes it, unsaved; or an error to show."""
    form = RuleForm(request.POST)
    form.is_valid()
    draft = Rule(name=form.cleaned_data.get("name") or "(draft)")
    try:
        draft.conditions = form.build_conditions()
    except RuleError as exc:
        return draft, str(exc)
    return draft, ""


@require_POST
def rule_preview(request):
    require_manager(request)
    draft, error = _draft(request)
    context = {"error": error, "preview_size": PREVIEW_SIZE, "shown": PREVIEW_SHOWN}
    if not error:
        context["preview"] = preview(draft)
    return render(request, "rules/rule_edit.html#preview", context)


@require_POST
def rule_try(request):
    require_manager(request)
    draft, error = _draft(request)
    text = request.POST.get("try_text", "")
    context = {"error": error, "text": text}
    if not error and text.strip():
        channel = Channel.objects.filter(pk=request.POST.get("try_channel") or 0).first()
        context["trial"] = try_text(draft, text, channel)
    return render(request, "rules/rule_edit.html#trial", context)


@require_POST
def correct_intent(request, pk: int):
    """A manager's correction of a conversation's intent (kept as a training example)."""
    require_manager(request)
    conversation = get_object_or_404(Conversation, pk=pk)
    try:
        corrections.correct_intent(conversation, request.POST.get("intent", ""), request.user)
    except corrections.NotAnIntent as exc:
        return HttpResponse(str(exc), status=400, content_type="text/plain")
    return redirect("inbox:conversation", pk=conversation.pk)
