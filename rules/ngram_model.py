"""Hashed character n-gram features and the linear (softmax) model that reads them.

Used twice by ``rules.classify``: the intent model and the language identifier are both
multinomial logistic regressions over the same kind of features, trained by
``python -m rules.train_intent``.  Inference is a few hundred hashed lookups and a
dot product (numpy only); no Django, nothing downloaded.

Features of a message (on ``normalize``d text, links/mentions/numbers replaced by
placeholders so "bit.ly/3xK9pQ" and "tinyurl.com/x" look alike):

- character 1..4-grams of each word padded with spaces (" zip", "ipp", "er "), so
  morphology, typos and transliteration still share most features;
- Chinese (and other unspaced CJK) runs: character 1..3-grams of the run;
- word unigrams and bigrams;
- each emoji / punctuation mark, and a few shapes: shouting, a link, a mention, "?" at
  the end, length;
- optionally, extra named features the caller adds (the classifier adds its lexicon
  cues and the language).
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

DIMENSIONS = 1 << 18

_URL = re.compile(
    r"(?:https?://|www\.)\S+|\b[\w-]+\.(?:com|me|ly|ru|ee|shop|xyz|io|top|net|org|co|gg|link"
    r"|click|biz|store|online|site)(?:/\S*)?",
    re.IGNORECASE,
)
_MENTION = re.compile(r"[@#][\w.]+")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_CJK_RUN = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
_SYMBOL = re.compile(r"[^\w\s]")


def placeholders(norm: str) -> str:
    """Links, mentions and numbers as placeholder words (ASCII, so they never look like a
    language)."""
    norm = _URL.sub(" qlinkq ", norm)
    norm = _MENTION.sub(" qmentionq ", norm)
    return _NUMBER.sub(" qnumq ", norm)


def text_features(raw: str, norm: str, *, words: bool = True) -> list[str]:
    """Feature names of a message.  ``raw`` is the original text (for shape features),
    ``norm`` its ``normalize``d form.  ``words=False`` keeps character features only
    (what the language identifier reads)."""
    text = placeholders(norm)
    feats = ["bias"]
    tokens: list[str] = []
    for run in _CJK_RUN.findall(text):
        tokens.append(run)
        for n in (1, 2, 3):
            feats.extend("c" + run[i : i + n] for i in range(len(run) - n + 1))
    latin = _CJK_RUN.sub(" ", text)
    for word in _WORD.findall(latin):
        if word.startswith("q") and word in {"qlinkq", "qmentionq", "qnumq"}:
            tokens.append(word)
            if words:
                feats.append("w" + word)
            continue
        tokens.append(word)
        padded = f" {word} "
        for n in (1, 2, 3, 4):
            feats.extend("c" + padded[i : i + n] for i in range(len(padded) - n + 1))
        if words:
            feats.append("w" + word)
    if words:
        feats.extend(f"b{a} {b}" for a, b in zip(tokens, tokens[1:], strict=False))
        feats.extend("s" + ch for ch in _SYMBOL.findall(text))
        letters = [ch for ch in raw if ch.isalpha()]
        if len(letters) >= 6 and sum(ch.isupper() for ch in letters) > 0.7 * len(letters):
            feats.append("shape:caps")
        if text.rstrip().endswith("?"):
            feats.append("shape:ends?")
        feats.append(f"shape:len{min(len(tokens), 12) // 3}")
    return feats


# Features named with this prefix keep weight 1 instead of sharing the n-grams' unit length:
# a cue or a shape says as much in a long message as in a short one.
WHOLE = ("lex", "lang:", "shape:", "bias")


def bucket(name: str) -> int:
    return zlib.crc32(name.encode("utf-8")) & (DIMENSIONS - 1)


def hash_features(names: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """(indices, values): each name's stable hash bucket.  N-gram counts are damped
    (square root, so "!!!!!!" is not six times "!") and L2-normalised; ``WHOLE``
    features count 1 each on top."""
    counts: dict[int, float] = {}
    whole: dict[int, float] = {}
    for name in names:
        h = bucket(name)
        target = whole if name.startswith(WHOLE) else counts
        target[h] = target.get(h, 0.0) + 1.0
    idx = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
    val = np.sqrt(np.fromiter(counts.values(), dtype=np.float32, count=len(counts)))
    val /= np.linalg.norm(val) or 1.0
    if whole:
        idx = np.concatenate([idx, np.fromiter(whole.keys(), dtype=np.int64)])
        val = np.concatenate([val, np.fromiter(whole.values(), dtype=np.float32)])
    return idx, val


@dataclass(frozen=True)
class LinearModel:
    """Softmax regression over hashed features: ``weights`` [DIMENSIONS, classes]."""

    classes: tuple[str, ...]
    weights: np.ndarray
    bias: np.ndarray
    temperature: float = 1.0

    def logits(self, idx: np.ndarray, val: np.ndarray) -> np.ndarray:
        return val @ self.weights[idx] + self.bias

    def probabilities(self, idx: np.ndarray, val: np.ndarray) -> np.ndarray:
        z = self.logits(idx, val) / self.temperature
        z = np.exp(z - z.max())
        return z / z.sum()

    def contributions(self, idx: np.ndarray, val: np.ndarray, klass: int) -> np.ndarray:
        """How much each feature pushed towards ``klass`` against the mean class."""
        w = self.weights[idx]
        return val * (w[:, klass] - w.mean(axis=1))

    def save(self, path: Path, **extra) -> None:
        used = np.flatnonzero(np.abs(self.weights).sum(axis=1))
        np.savez_compressed(
            path,
            classes=np.array(self.classes),
            rows=used.astype(np.int32),
            weights=self.weights[used].astype(np.float16),
            bias=self.bias.astype(np.float32),
            temperature=np.float32(self.temperature),
            **extra,
        )

    @classmethod
    def load(cls, path: Path) -> tuple[LinearModel, dict]:
        with np.load(path, allow_pickle=False) as data:
            classes = tuple(str(c) for c in data["classes"])
            weights = np.zeros((DIMENSIONS, len(classes)), dtype=np.float32)
            weights[data["rows"]] = data["weights"].astype(np.float32)
            extra = {
                k: data[k]
                for k in data.files
                if k not in {"classes", "rows", "weights", "bias", "temperature"}
            }
            model = cls(
                classes, weights, data["bias"].astype(np.float32), float(data["temperature"])
            )
        return model, extra
