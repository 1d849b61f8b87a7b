"""Ordering, stop, explanation, compilation once per change, loop safety."""

import pytest
from django.core.exceptions import ValidationError

from inbox.models import AuditEvent
from rules import engine
from rules.models import Rule, Trigger
from rules.registry import Param, action, actions
from tests.support import factories

pytestmark = pytest.mark.django_db


def make_rule(
    name,
    words,
    tag,
    *,
    position=0,
    stop_after=False,
    trigger=Trigger.NEW_MESSAGE,
    conditions=None,
    extra_actions=(),
):
    return Rule.objects.create(
        name=name,
        position=position,
        stop_after=stop_after,
        trigger=trigger,
        conditions=conditions or {"type": "text_contains_any", "value": words},
        actions=[{"type": "add_tag", "value": tag}, *extra_actions],
    )


def run(conversation, trigger=Trigger.NEW_MESSAGE):
    return engine.run_rules(
        trigger=trigger, conversation=conversation, message=conversation.messages.get()
    )


def tag_names(conversation):
    return sorted(conversation.tags.values_list("name", flat=True))


def test_rules_run_in_position_order_and_explain_themselves():
    make_rule("Second", ["pay"], "B", position=2)
    make_rule("First", ["pay"], "A", position=1)
    conversation = factories.make_conversation(text="Can I pay by card?")
    hits = run(conversation)
    assert [h.rule_name for h in hits] == ["First", "Second"]
    assert tag_names(conversation) == ["A", "B"]
    tagged = AuditEvent.objects.get(conversation=conversation, verb="tagged", data__tag="A")
    assert tagged.rule_name == "First"
    assert tagged.data["reason"] == "matched 'pay'"
    hit = AuditEvent.objects.get(conversation=conversation, verb="rule_matched", rule_name="First")
    assert hit.data["matched"] == "'pay'"
    assert hit.data["actions"] == ["tagged A"]
    first = Rule.objects.get(name="First")
    assert first.hit_count == 1 and first.last_hit_at is not None


def test_stop_after_prevents_later_rules():
    make_rule("Insults", ["idiot"], "Insult", position=1, stop_after=True)
    make_rule("Everything", [], "Seen", position=2, conditions={"all": []})
    rude = factories.make_conversation(text="you idiot")
    polite = factories.make_conversation(text="hello")
    assert [h.rule_name for h in run(rude)] == ["Insults"]
    assert [h.rule_name for h in run(polite)] == ["Everything"]
    assert tag_names(rude) == ["Insult"]


def test_a_later_rule_sees_what_an_earlier_one_did():
    make_rule("Payments", ["pay"], "Payment", position=1)
    make_rule(
        "Payments to finance",
        [],
        "Finance",
        position=2,
        conditions={"type": "has_tag", "value": ["Payment"]},
    )
    conversation = factories.make_conversation(text="pay")
    assert [h.rule_name for h in run(conversation)] == ["Payments", "Payments to finance"]


def test_trigger_and_enabled_select_the_rules():
    make_rule("On new conversations", ["pay"], "New", trigger=Trigger.NEW_CONVERSATION)
    Rule.objects.create(
        name="Off", enabled=False, conditions={}, actions=[{"type": "add_tag", "value": "Off"}]
    )
    conversation = factories.make_conversation(text="pay")
    assert run(conversation) == []
    assert [h.rule_name for h in run(conversation, Trigger.NEW_CONVERSATION)] == [
        "On new conversations"
    ]


def test_compiled_once_per_change_not_per_item():
    make_rule("Payments", ["pay"], "Payment")
    engine.cache.clear()
    before = engine.cache.compilations
    for _ in range(5):
        run(factories.make_conversation(text="pay"))
    assert engine.cache.compilations == before + 1
    # Hits update counters without counting as a change.
    assert Rule.objects.get().hit_count == 5
    rule = Rule.objects.get()
    rule.actions = [{"type": "add_tag", "value": "Money"}]
    rule.save()
    conversation = factories.make_conversation(text="pay")
    run(conversation)
    assert tag_names(conversation) == ["Money"]
    assert engine.cache.compilations == before + 2
    rule.delete()
    assert run(factories.make_conversation(text="pay")) == []
    assert engine.cache.compilations == before + 3


def test_a_rule_that_cannot_compile_is_refused_and_if_stored_anyway_skipped():
    bad = Rule(name="Bad", conditions={"type": "text_regex", "value": "("})
    with pytest.raises(ValidationError):
        bad.full_clean()
    Rule.objects.bulk_create([bad])
    make_rule("Good", ["pay"], "Payment", position=5)
    assert [h.rule_name for h in run(factories.make_conversation(text="pay"))] == ["Good"]
    assert "Bad" in engine.current_ruleset().errors


def test_actions_taken_by_rules_do_not_trigger_rules_again():
    nested = []

    @action("test_run_rules_again", "(test) runs the rules from inside an action", Param())
    def run_again(value=None, **_):
        def act(item, hit):
            nested.append(
                engine.run_rules(
                    trigger=Trigger.NEW_MESSAGE,
                    conversation=item.conversation,
                    message=item.message,
                )
            )
            return "ran again"

        return act

    try:
        Rule.objects.create(
            name="Echo chamber", conditions={}, actions=[{"type": "test_run_rules_again"}]
        )
        hits = run(factories.make_conversation(text="hello"))
        assert [h.rule_name for h in hits] == ["Echo chamber"]
        assert nested == [[]]
        assert Rule.objects.get().hit_count == 1
    finally:
        actions.pop("test_run_rules_again")


def test_a_failing_action_does_not_stop_the_others():
    Rule.objects.create(
        name="Mixed",
        conditions={},
        actions=[{"type": "assign", "value": "ghost"}, {"type": "add_tag", "value": "Seen"}],
    )
    conversation = factories.make_conversation(text="hello")
    (hit,) = run(conversation)
    assert hit.outcomes == ["assign skipped: no active agent 'ghost'", "tagged Seen"]
    assert tag_names(conversation) == ["Seen"]


def test_evaluate_is_side_effect_free():
    make_rule("Payments", ["pay"], "Payment", stop_after=True)
    make_rule("Later", ["pay"], "Later", position=3)
    conversation = factories.make_conversation(text="pay")
    rules = engine.current_ruleset().for_trigger(Trigger.NEW_MESSAGE)
    from rules.item import Item

    matched = engine.evaluate(Item(conversation, conversation.messages.get()), rules)
    assert [(r.name, why) for r, why in matched] == [("Payments", "'pay'")]
    assert tag_names(conversation) == []
    assert not AuditEvent.objects.filter(verb="rule_matched").exists()
