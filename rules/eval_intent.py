"""Evaluate the intent classifier and language detector on a JSONL file.

Each line: {"text": ..., "language": "<ISO 639-1>", "intent": "<Intent value>"}.

    python -m rules.eval_intent tests/data/intent_eval.jsonl [--errors]
    python -m rules.eval_intent --dev        # the dev set, rules/intent_data/dev/*.jsonl
    python -m rules.eval_intent --split      # the training set's dev split (train_intent)

No Django needed.  Intent is classified with the *gold* language so the two
measurements stay independent; ``--detected`` classifies with the detected
language instead (what production does end to end).  Intent is the model's best
guess (no "unsure"); how many messages fall under the unsure threshold, and how
accurate the rest are, is printed too.  Also printed: p95 CPU milliseconds per
message (language detection + intent, after a warm-up; the thread's CPU time, so
a busy machine does not inflate it) and the process's resident memory with
everything loaded.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from rules.classify import (
    ExplainingIntentClassifier,
    Intent,
    IntentClassifier,
    detect_language,
    get_default_classifier,
    has_language_to_detect,
    resident_mb,
    unsure_threshold,
    warm_up,
)


def load(path: str | Path) -> list[dict]:
    rows = []
    with open(path, encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            line = line.strip()
            if not line:
                continue
            row = json.loads(line)
            if not {"text", "language", "intent"} <= row.keys():
                raise ValueError(f"{path}:{n}: needs text, language and intent")
            Intent(row["intent"])  # validates the label
            rows.append(row)
    return rows


def _prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


def evaluate(
    path: str | Path,
    classifier: IntentClassifier | None = None,
    *,
    use_detected_language: bool = False,
) -> dict:
    """Per-class precision/recall/F1/support, macro/micro figures, language accuracy.

    Returns a plain dict::

        {"n": 366, "accuracy": .., "macro_f1": .., "macro_precision": ..,
         "macro_recall": .., "language_accuracy": ..,
         "per_class": {"question": {"precision", "recall", "f1", "support"}, ...},
         "per_language": {"en": {"n", "intent_accuracy", "language_accuracy"}, ...},
         "confusion": {gold: {predicted: count}}, "errors": [...]}
    """
    clf = classifier or get_default_classifier()
    warm_up()
    threshold = unsure_threshold()
    rows = load(path)
    timings: list[float] = []
    unsure = sure_right = 0
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    confusion: dict[str, Counter[str]] = {i.value: Counter() for i in Intent}
    lang_n: Counter[str] = Counter()
    lang_ok: Counter[str] = Counter()
    lettered_n = lettered_ok = 0
    intent_ok: Counter[str] = Counter()
    errors = []
    for row in rows:
        gold_lang, gold = row["language"], row["intent"]
        started = time.thread_time()  # CPU time: the cost on one core, not the machine's load
        detected = detect_language(row["text"])
        lang = detected if use_detected_language else gold_lang
        if isinstance(clf, ExplainingIntentClassifier):
            explained = clf.explain(row["text"], lang)
            pred, confidence = str(explained.intent), explained.confidence
        else:
            pred, confidence = str(clf.classify(row["text"], lang)), 1.0
        timings.append(time.thread_time() - started)
        lang_n[gold_lang] += 1
        lang_ok[gold_lang] += detected == gold_lang
        if has_language_to_detect(row["text"]):
            lettered_n += 1
            lettered_ok += detected == gold_lang
        if confidence < threshold:
            unsure += 1
        else:
            sure_right += pred == gold
        confusion[gold][pred] += 1
        if pred == gold:
            tp[gold] += 1
            intent_ok[gold_lang] += 1
        else:
            fp[pred] += 1
            fn[gold] += 1
            errors.append({**row, "predicted": pred, "detected_language": detected})

    per_class = {}
    for intent in Intent.labels():
        k = intent.value
        p, r, f = _prf(tp[k], fp[k], fn[k])
        per_class[k] = {"precision": p, "recall": r, "f1": f, "support": tp[k] + fn[k]}
    n = len(rows)
    classes = [v for v in per_class.values() if v["support"]]
    timings.sort()
    return {
        "n": n,
        "accuracy": sum(tp.values()) / n if n else 0.0,
        "macro_precision": sum(v["precision"] for v in classes) / len(classes) if classes else 0.0,
        "macro_recall": sum(v["recall"] for v in classes) / len(classes) if classes else 0.0,
        "macro_f1": sum(v["f1"] for v in classes) / len(classes) if classes else 0.0,
        "language_accuracy": sum(lang_ok.values()) / n if n else 0.0,
        # Emoji-only and two-letter messages are "" by design, and count as misses above.
        "language_accuracy_lettered": lettered_ok / lettered_n if lettered_n else 0.0,
        "lettered_n": lettered_n,
        "per_class": per_class,
        "per_language": {
            lang: {
                "n": lang_n[lang],
                "intent_accuracy": intent_ok[lang] / lang_n[lang],
                "language_accuracy": lang_ok[lang] / lang_n[lang],
            }
            for lang in sorted(lang_n)
        },
        "confusion": {k: dict(v) for k, v in confusion.items()},
        "unsure_below": threshold,
        "unsure_share": unsure / n if n else 0.0,
        "sure_accuracy": sure_right / (n - unsure) if n > unsure else 0.0,
        "p95_ms": timings[int(0.95 * (len(timings) - 1))] * 1000 if timings else 0.0,
        "resident_mb": resident_mb(),
        "errors": errors,
    }


def to_markdown(result: dict) -> str:
    lines = [
        "| intent | precision | recall | F1 | support |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for k, v in result["per_class"].items():
        lines.append(
            f"| {k} | {v['precision']:.3f} | {v['recall']:.3f} | {v['f1']:.3f} | {v['support']} |"
        )
    lines.append(
        f"| **macro avg** | {result['macro_precision']:.3f} | {result['macro_recall']:.3f} "
        f"| **{result['macro_f1']:.3f}** | {result['n']} |"
    )
    lines += [
        "",
        f"Intent accuracy: {result['accuracy']:.3f} · "
        f"language-detection accuracy: {result['language_accuracy']:.3f} (n={result['n']}); "
        f"{result['language_accuracy_lettered']:.3f} on the {result['lettered_n']} messages "
        "with letters enough to detect",
        "",
        f"Unsure (confidence < {result['unsure_below']:.2f}): {result['unsure_share']:.1%} of "
        f"messages; accuracy on the rest {result['sure_accuracy']:.3f}",
        "",
        f"p95 {result['p95_ms']:.2f} ms CPU per message (language + intent) · "
        f"resident {result['resident_mb']:.0f} MB",
        "",
        "| language | messages | intent accuracy | language detected correctly |",
        "| --- | ---: | ---: | ---: |",
    ]
    for lang, v in result["per_language"].items():
        lines.append(
            f"| {lang} | {v['n']} | {v['intent_accuracy']:.3f} | {v['language_accuracy']:.3f} |"
        )
    labels = [i.value for i in Intent.labels()]
    lines += ["", "Confusion (rows = gold, columns = predicted):", ""]
    lines.append("| gold \\ pred | " + " | ".join(labels) + " |")
    lines.append("| --- |" + " ---: |" * len(labels))
    for gold in labels:
        row = result["confusion"][gold]
        lines.append(f"| {gold} | " + " | ".join(str(row.get(p, 0)) for p in labels) + " |")
    return "\n".join(lines)


DEV_DIR = Path(__file__).resolve().parent / "intent_data" / "dev"


def write_dev_set(path: str) -> str:
    """The dev set (``intent_data/dev/*.jsonl``, written apart from the training text and
    never trained on) as one JSONL file at ``path``."""
    with open(path, "w", encoding="utf-8") as out:
        for part in sorted(DEV_DIR.glob("*.jsonl")):
            out.write(part.read_text(encoding="utf-8").rstrip("\n") + "\n")
    return path


def write_dev_split(path: str) -> str:
    """The training set's dev split (rules.train_intent.split) as a JSONL file at ``path``."""
    from rules.train_intent import load_rows, split

    _, dev = split(load_rows())
    with open(path, "w", encoding="utf-8") as fh:
        for row in dev:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    return path


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m rules.eval_intent", description=__doc__.split("\n")[0]
    )
    ap.add_argument("path", nargs="?", default="tests/data/intent_eval.jsonl")
    ap.add_argument("--dev", action="store_true", help="score the dev set instead of PATH")
    ap.add_argument(
        "--split", action="store_true", help="score the training set's dev split instead of PATH"
    )
    ap.add_argument("--errors", action="store_true", help="list misclassified messages")
    ap.add_argument(
        "--detected", action="store_true", help="classify with the detected, not the gold, language"
    )
    args = ap.parse_args(argv)
    path = args.path
    if args.dev or args.split:
        write = write_dev_set if args.dev else write_dev_split
        path = write(tempfile.NamedTemporaryFile(suffix=".jsonl", delete=False).name)
    result = evaluate(path, use_detected_language=args.detected)
    print(to_markdown(result))
    if args.errors:
        print("\nErrors:\n")
        for e in result["errors"]:
            print(f"- [{e['language']}→{e['detected_language']}] {e['intent']} → "
                  f"{e['predicted']}: {e['text']}")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
