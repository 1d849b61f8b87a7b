"""Check the held-out intent sets: valid JSON, valid labels, 10 per language x intent (5-10 in
eval_e to eval_n, whose messages already seen in training were left out), no repeats.

    python rules/intent_data/eval/check_sets.py

Standalone (no Django, no classifier import) so checking the sets never touches the model.
"""

import json
import sys
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
SETS = (
    "eval_a.jsonl",
    "eval_b.jsonl",
    "eval_c.jsonl",
    "eval_d.jsonl",
    "eval_e.jsonl",
    "eval_f.jsonl",
    "eval_g.jsonl",
    "eval_h.jsonl",
    "eval_i.jsonl",
    "eval_j.jsonl",
    "eval_k.jsonl",
    "eval_l.jsonl",
    "eval_m.jsonl",
    "eval_n.jsonl",
)
LANGUAGES = ("en", "ru", "et", "de", "es", "zh")
INTENTS = ("question", "complaint", "compliment", "insult", "spam", "other")
PER_CELL = 10
# eval_e to eval_n keep only messages no training, dev or held-out text equals once folded:
# of the 12 written per cell, up to 6 short "other" ones ("ok", "lol") were already there.
AT_LEAST = {name: 5 for name in SETS[4:]}


def normalised(text: str) -> str:
    return " ".join(text.casefold().split())


def check(path: Path) -> tuple[list[str], Counter, list[str]]:
    problems, cells, texts = [], Counter(), []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            problems.append(f"{path.name}:{n}: not JSON ({exc})")
            continue
        if set(row) != {"text", "language", "intent"}:
            problems.append(f"{path.name}:{n}: keys must be text, language, intent")
            continue
        if row["language"] not in LANGUAGES or row["intent"] not in INTENTS:
            problems.append(f"{path.name}:{n}: bad label {row['language']}/{row['intent']}")
        if not row["text"].strip():
            problems.append(f"{path.name}:{n}: empty text")
        cells[row["language"], row["intent"]] += 1
        texts.append(normalised(row["text"]))
    for language in LANGUAGES:
        for intent in INTENTS:
            if not AT_LEAST.get(path.name, PER_CELL) <= cells[language, intent] <= PER_CELL:
                problems.append(f"{path.name}: {language}/{intent} has {cells[language, intent]}")
    for text, count in Counter(texts).items():
        if count > 1:
            problems.append(f"{path.name}: repeated text {text!r}")
    return problems, cells, texts


def main() -> int:
    problems, seen = [], {}
    for name in SETS:
        found, cells, texts = check(HERE / name)
        problems += found
        for text in texts:
            if text in seen and seen[text] != name:
                problems.append(f"{name}: text also in {seen[text]}: {text!r}")
            seen.setdefault(text, name)
        print(f"{name}: {sum(cells.values())} rows")
        print("      " + " ".join(f"{i:>10}" for i in INTENTS))
        for language in LANGUAGES:
            print(f"  {language}  " + " ".join(f"{cells[language, i]:>10}" for i in INTENTS))
    for problem in problems:
        print("PROBLEM:", problem)
    print("OK" if not problems else f"{len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
