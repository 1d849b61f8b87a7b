"""Rules: 500 rules evaluated against one item, against the cost of ingesting that item.

    python -m bench rules_bench        (or: python -m bench.rules_bench)

Measures, on a throwaway SQLite database unless DATABASE_URL is set:
  * ingest: one Testchat event stored and processed (parse, upsert contact, conversation,
    message), with the rules listener switched off;
  * compile: turning 500 rules into closures (happens once per change of the rule set);
  * evaluate: the 500 compiled rules tested against one fresh item (its text normalised
    once, the tags read once), including the rule-set version check (one query);
  * scheme: the whole listener on a new item (classify language and intent, SLA, rules
    and the actions of the few that match);
and shows that compilation happened once for all the items, and once more after a change.
"""

from __future__ import annotations

import random
import statistics
import time

N_RULES = 500
N_ITEMS = 200

VOCABULARY = (
    "pay payment refund invoice order parcel delivery late broken torn size exchange return "
    "discount coupon price shipping tracking address warranty zipper jacket boots tent "
    "backpack gloves store opening hours sale gift card login account password cancel "
    "subscription newsletter collab influencer sponsor press media job career urgent asap"
).split()
TEXTS = [
    "Hi! Where is my parcel? Order 48213 was due on Monday",
    "The zipper on my new jacket broke after two days, I want a refund",
    "Love the new tent, amazing quality!",
    "Do you ship to Estonia? How much is shipping?",
    "Мой заказ так и не пришёл, верните деньги",
    "我的订单什么时候到？",
]


def _rule_specs(rng: random.Random) -> list[dict]:
    specs = []
    for n in range(N_RULES):
        words = rng.sample(VOCABULARY, 5)
        kind = n % 10
        # The values differ by kind (words, a regex, a number, nested conditions): JSON.
        conditions: dict[str, object]
        if kind < 4:
            conditions = {"type": "text_contains_any", "value": words}
        elif kind == 4:
            conditions = {"type": "text_contains_all", "value": words[:2]}
        elif kind == 5:
            conditions = {"type": "text_regex", "value": rf"\b{words[0]}\w*\s+#?\d{{3,6}}"}
        elif kind == 6:
            conditions = {"type": "language", "value": [rng.choice(["en", "de", "ru", "et"])]}
        elif kind == 7:
            conditions = {"type": "intent", "value": [rng.choice(["complaint", "spam"])]}
        elif kind == 8:
            conditions = {
                "all": [
                    {"type": "channel_kind", "value": ["testchat"]},
                    {
                        "any": [
                            {"type": "has_tag", "value": [words[0]]},
                            {"type": "text_begins_with", "value": words[1:3]},
                        ]
                    },
                    {"not": {"type": "state", "value": ["closed"]}},
                ]
            }
        else:
            conditions = {
                "all": [
                    {"type": "author_followers_at_least", "value": 10_000},
                    {"type": "text_contains_any", "value": words},
                ]
            }
        specs.append(
            {
                "name": f"bench rule {n}",
                "position": n,
                "conditions": conditions,
                "actions": [{"type": "add_tag", "value": f"bench-{n % 25}"}],
            }
        )
    return specs


def _median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def main() -> dict:
    from bench import setup_django

    setup_django()
    from django.db import transaction

    from inbox import ingest, routing
    from inbox.connectors import registry
    from inbox.models import Channel, Contact, InboundEvent, Message
    from rules import engine
    from rules.classify import classify
    from rules.item import Item
    from rules.models import Rule, Trigger

    if "testchat" not in registry.kinds():  # e.g. after another benchmark's settings
        from tests.support.testchat.connector import TestchatConnector

        registry.register(TestchatConnector())

    rng = random.Random(6)
    channel, _ = Channel.objects.get_or_create(
        kind="testchat", external_id="bench-acct", defaults={"name": "Bench"}
    )
    Rule.objects.filter(name__startswith="bench rule").delete()
    classify("warm up the language models")  # lingua loads its models on first use

    def ingest_one(i: int, text: str):
        delivery_key = f"b{time.time_ns()}-{i}"
        payload = {
            "account": "bench-acct",
            "id": delivery_key,
            "thread": f"bt{time.time_ns()}-{i}",
            "ts": 1_700_000_000 + i,
            "text": text,
            "from": {"id": f"u{i}", "name": "Bench Customer"},
        }
        with transaction.atomic():
            event = InboundEvent.objects.create(
                channel_kind="testchat",
                channel=channel,
                delivery_key=delivery_key,
                payload=payload,
            )
        started = time.perf_counter()
        result = ingest.process_event(event.pk)
        return time.perf_counter() - started, result

    # 1. Ingest alone, no listeners.
    saved_listeners = list(routing.routing_listeners)
    routing.routing_listeners.clear()
    try:
        ingest_times = [ingest_one(i, TEXTS[i % len(TEXTS)])[0] for i in range(N_ITEMS)]
    finally:
        routing.routing_listeners[:] = saved_listeners

    # 2. 500 rules, compiled once.
    Rule.objects.bulk_create([Rule(**spec, revision=1) for spec in _rule_specs(rng)])
    engine.cache.clear()
    before = engine.cache.compilations
    started = time.perf_counter()
    ruleset = engine.current_ruleset()
    compile_ms = (time.perf_counter() - started) * 1000
    rules = ruleset.for_trigger(Trigger.NEW_MESSAGE)
    assert len(rules) == N_RULES, len(rules)

    # 3. Evaluate the 500 rules against one fresh item at a time (no side effects).
    messages = list(
        Message.objects.select_related("conversation__channel", "author_identity")
        .filter(channel=channel)
        .order_by("-id")[:N_ITEMS]
    )
    eval_times, matched_counts = [], []
    for message in messages:
        started = time.perf_counter()
        current = engine.current_ruleset().for_trigger(Trigger.NEW_MESSAGE)
        matched = engine.evaluate(Item(message.conversation, message), current)
        eval_times.append(time.perf_counter() - started)
        matched_counts.append(len(matched))

    # 4. The whole scheme on new items: ingest with the listener (classify, SLA, rules,
    #    actions of the matching rules).
    with_scheme = [ingest_one(10_000 + i, TEXTS[i % len(TEXTS)])[0] for i in range(N_ITEMS // 4)]
    compilations_for_items = engine.cache.compilations - before

    # 5. One change: one more compilation, whatever the number of items after it.
    rule = Rule.objects.filter(name="bench rule 0").get()
    rule.enabled = False
    rule.save()
    for message in messages[:20]:
        engine.evaluate(
            Item(message.conversation, message),
            engine.current_ruleset().for_trigger(Trigger.NEW_MESSAGE),
        )
    compilations_after_change = engine.cache.compilations - before

    ingest_ms = _median_ms(ingest_times)
    eval_ms = _median_ms(eval_times)
    scheme_ms = _median_ms(with_scheme)
    figures = {
        "rules": N_RULES,
        "items": N_ITEMS,
        "ingest_ms": round(ingest_ms, 3),
        "compile_500_ms": round(compile_ms, 2),
        "evaluate_500_ms": round(eval_ms, 3),
        "evaluate_per_ingest": round(eval_ms / ingest_ms, 3),
        "ingest_with_scheme_ms": round(scheme_ms, 3),
        "median_rules_matched": statistics.median(matched_counts),
        "compilations_for_all_items": compilations_for_items,
        "compilations_after_one_change": compilations_after_change,
    }
    from django.db import connection

    figures["database"] = connection.vendor
    print(f"rules bench on {figures['database']}: {N_RULES} rules, {N_ITEMS} items")
    print(f"  ingest one item (parse, upsert; no rules)      {ingest_ms:8.3f} ms (median)")
    print(f"  compile {N_RULES} rules (once per change)          {compile_ms:8.2f} ms")
    print(f"  evaluate {N_RULES} rules against one item          {eval_ms:8.3f} ms (median)")
    print(f"  evaluation / ingest                            {eval_ms / ingest_ms:8.3f}")
    print(f"  ingest + classify + SLA + rules + actions      {scheme_ms:8.3f} ms (median)")
    print(f"  rules matched per item (median)                {figures['median_rules_matched']}")
    print(
        f"  compilations for {N_ITEMS + N_ITEMS // 4} items: {compilations_for_items}; "
        f"after one change: {compilations_after_change}"
    )
    Rule.objects.filter(name__startswith="bench rule").delete()
    channel.delete()  # leave the database as found (it may be another benchmark's)
    Contact.objects.filter(name="Bench Customer").delete()
    return figures


if __name__ == "__main__":
    main()
