"""The training data's leakage guard (rules/intent_data/build_train.py) and the held-out
sets' own checker.  No assertion message here shows a held-out text: only counts."""

from __future__ import annotations

import json
import subprocess
import sys

from rules.intent_data.build_train import (
    HERE,
    ROOT,
    drop_leaked,
    guard_key,
    guarded_keys,
    guarded_paths,
)
from rules.train_intent import TRAIN_PATH, load_rows


def test_guard_key_folds_case_accents_punctuation_and_spacing():
    assert guard_key("Ok,  thanks!") == guard_key("ok thanks")
    assert guard_key("¿Dónde está mi pedido?") == guard_key("donde esta mi pedido")
    assert guard_key("谢谢！") == guard_key("谢谢")
    assert guard_key("Спасибо!") == guard_key("спасибо")


def test_guard_key_keeps_words_and_emoji_apart():
    assert guard_key("ok thanks") != guard_key("ok thank")
    assert guard_key("🔥🔥") != guard_key("🔥")
    assert guard_key("love it 😍") != guard_key("love it")


def test_a_row_equal_to_a_guarded_text_drops_its_whole_group(tmp_path):
    guarded = tmp_path / "held_out.jsonl"
    guarded.write_text(
        json.dumps({"text": "Where's my parcel?!", "language": "en", "intent": "complaint"}) + "\n",
        encoding="utf-8",
    )
    rows = [
        {"text": "Where's my parcel??", "language": "en", "intent": "complaint", "group": "a"},
        {"text": "WHERES MY PARCEL", "language": "en", "intent": "complaint", "group": "a"},
        {"text": "@shop where is my parcel", "language": "en", "intent": "complaint", "group": "a"},
        {"text": "parcel came, thanks", "language": "en", "intent": "other", "group": "b"},
    ]
    kept, groups, dropped = drop_leaked(rows, guarded_keys([guarded]))
    assert [r["group"] for r in kept] == ["b"]
    assert (groups, dropped) == (1, 3)


def test_the_guard_reads_the_dev_set_and_every_held_out_set():
    paths = guarded_paths()
    assert any(p.parent == HERE / "dev" for p in paths)
    assert any(p.parent == HERE / "eval" for p in paths)
    assert ROOT / "tests" / "data" / "intent_holdout.jsonl" in paths
    assert all(p.suffix == ".jsonl" for p in paths)


def test_the_committed_training_set_repeats_no_dev_or_held_out_text():
    keys = guarded_keys(guarded_paths())
    leaked = sum(guard_key(r["text"]) in keys for r in load_rows(TRAIN_PATH))
    assert leaked == 0, f"{leaked} training rows equal a guarded text: rebuild train.jsonl"


def test_held_out_sets_pass_their_own_checker():
    # Run as the lead runs it; its output (which may quote the sets) is not shown.
    done = subprocess.run(
        [sys.executable, str(HERE / "eval" / "check_sets.py")],
        capture_output=True,
        cwd=ROOT,
        check=False,
    )
    assert done.returncode == 0, f"check_sets.py exited {done.returncode}"
