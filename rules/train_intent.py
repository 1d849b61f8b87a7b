"""Train the intent model and the language identifier from ``rules/intent_data/train.jsonl``.

    python -m rules.train_intent --all      # the shipped files: scored on dev, then refitted on all
    python -m rules.train_intent            # writes the split fit (the dev figures describe it)
    python -m rules.train_intent --search   # also tries a few settings and prints dev scores

The piece table (rules/piece_vectors.py) is distilled from the sentence encoder's weights
each run (about 40 s).

A fifth of the messages (by ``group``, the hand-written message a row was made from, so
its variants stay together) is the dev split.  Both models are fitted on the other
four fifths only; the dev split picks the settings, fits the temperature that calibrates
the intent probabilities, and gives the figures in rules/CLASSIFIER.md.  The evaluation
sets under tests/data and intent_data/eval are never read here.

The trainer is plain numpy: full-batch Adam on the class-balanced softmax
(cross-entropy) loss with an L2 penalty, plus a multinomial naive Bayes term, over the
hashed features actually seen (a few tens of thousands of the 2^18); and minibatch Adam,
back-propagating by hand, for the small network over the piece vectors (``fit_vector_head``).
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import sys
import time
from pathlib import Path

import numpy as np

from rules import piece_vectors
from rules.classify import (
    DETECTOR_LANGUAGES,
    INTENT_MODEL_PATH,
    INTENT_VECTORS_PATH,
    LANGUAGE_MODEL_PATH,
    MODEL_DIR,
    Intent,
    has_language_to_detect,
    intent_features,
    language_text,
    model_text,
    normalize,
)
from rules.ngram_model import DIMENSIONS, LinearModel, hash_features, text_features

TRAIN_PATH = MODEL_DIR / "train.jsonl"
DEV_SHARE = 5  # one group in five is dev
# L2 and NB_MIX chosen on the dev set and the dev split (fourth round: 3e-6 and 0.4 beat
# 1e-5 and 0.2 on both once the data grew past 21,000 rows; see rules/CLASSIFIER.md).
INTENT_L2 = 3e-6
LANGUAGE_L2 = 1e-5
# The intent model's logits add NB_MIX x a multinomial naive Bayes over the same features
# (NB is linear in the features too, so the sum is still one LinearModel).
NB_MIX = 0.4
NB_ALPHA = 0.05
# Each class's messages weigh inversely to its share ("other" has twice as many as
# "insult"), as if the classes were equally common, which is how they are scored.
BALANCED = True
EPOCHS = 400
# The sentence-vector head: its share of the blended log-probabilities, its filters and
# hidden units, L2, and its minibatch Adam's epochs, first step and the step's decay per
# epoch (thirteenth round, chosen on the dev split and the dev set; rules/CLASSIFIER.md).
VECTOR_BLEND = 0.3
VECTOR_FILTERS = 128
VECTOR_HIDDEN = 128
VECTOR_L2 = 1e-3
VECTOR_EPOCHS = 6
VECTOR_STEP = 2e-3
VECTOR_STEP_DECAY = 0.7
VECTOR_BATCH = 256


def load_rows(path: Path = TRAIN_PATH) -> list[dict]:
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def is_dev(row: dict) -> bool:
    key = row.get("group") or row["text"]
    return int(hashlib.sha1(key.encode("utf-8")).hexdigest(), 16) % DEV_SHARE == 0


def split(rows: list[dict]) -> tuple[list[dict], list[dict]]:
    train = [r for r in rows if not is_dev(r)]
    dev = [r for r in rows if is_dev(r)]
    return train, dev


class Design:
    """Rows as a sparse matrix (CSR arrays) over the hashed features seen in training."""

    def __init__(self, vectors: list[tuple[np.ndarray, np.ndarray]]):
        self.n = len(vectors)
        self.indptr = np.cumsum([0] + [len(i) for i, _ in vectors])
        self.indices = np.concatenate([i for i, _ in vectors])
        self.values = np.concatenate([v for _, v in vectors]).astype(np.float64)
        self.rows = np.repeat(np.arange(self.n), np.diff(self.indptr))

    def logits(self, w: np.ndarray, b: np.ndarray) -> np.ndarray:
        contrib = w[self.indices] * self.values[:, None]
        return np.add.reduceat(contrib, self.indptr[:-1], axis=0) + b


def fit(
    vectors: list[tuple[np.ndarray, np.ndarray]],
    labels: np.ndarray,
    n_classes: int,
    *,
    l2: float,
    epochs: int = EPOCHS,
    lr: float = 1.0,
    balanced: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """Softmax regression; returns (weights [DIMENSIONS, classes], bias).  ``balanced``
    weighs each class's messages inversely to its share."""
    used, inverse = np.unique(np.concatenate([i for i, _ in vectors]), return_inverse=True)
    local, at = [], 0
    for i, v in vectors:
        local.append((inverse[at : at + len(i)], v))
        at += len(i)
    X = Design(local)
    error = _softmax_error(labels, n_classes, balanced)

    def gradient(w, b):
        err = error(X.logits(w, b))
        weighted = err[X.rows] * X.values[:, None]
        g_w = np.stack(
            [np.bincount(X.indices, weighted[:, c], minlength=len(used)) for c in range(n_classes)],
            axis=1,
        )
        return g_w + l2 * w, err.sum(axis=0)

    w, b = _adam(gradient, [np.zeros((len(used), n_classes)), np.zeros(n_classes)], epochs, lr)
    full = np.zeros((DIMENSIONS, n_classes), dtype=np.float32)
    full[used] = w
    return full, b.astype(np.float32)


def _softmax_error(labels: np.ndarray, n_classes: int, balanced: bool):
    """The gradient of the (class-balanced) mean cross-entropy with respect to the logits."""
    onehot = np.eye(n_classes)[labels]
    counts = np.bincount(labels, minlength=n_classes)
    row_weight = (len(labels) / (n_classes * counts))[labels] if balanced else np.ones(len(labels))

    def error(z: np.ndarray) -> np.ndarray:
        z = z - z.max(axis=1, keepdims=True)
        p = np.exp(z)
        p /= p.sum(axis=1, keepdims=True)
        return (p - onehot) * row_weight[:, None] / len(labels)

    return error


def _adam(gradient, params: list[np.ndarray], epochs: int, lr: float) -> list[np.ndarray]:
    """Full-batch Adam on ``params`` (updated in place; ``gradient(*params)`` gives one
    gradient per parameter), with a short warm-up and then a constant step."""
    moments = [(np.zeros_like(p), np.zeros_like(p)) for p in params]
    beta1, beta2, eps = 0.9, 0.999, 1e-8
    for t in range(1, epochs + 1):
        step = lr * 0.1 * min(1.0, 10 * t / epochs)
        for g, (m, v), param in zip(gradient(*params), moments, params, strict=True):
            m *= beta1
            m += (1 - beta1) * g
            v *= beta2
            v += (1 - beta2) * g * g
            param -= step * (m / (1 - beta1**t)) / (np.sqrt(v / (1 - beta2**t)) + eps)
    return params


def naive_bayes(
    vectors: list[tuple[np.ndarray, np.ndarray]],
    labels: np.ndarray,
    n_classes: int,
    alpha: float = NB_ALPHA,
) -> tuple[np.ndarray, np.ndarray]:
    """Multinomial naive Bayes as a linear model: log P(feature | class), centred per
    feature over the classes seen in training, and log priors."""
    counts = np.zeros((DIMENSIONS, n_classes))
    for (idx, val), c in zip(vectors, labels, strict=True):
        np.add.at(counts[:, c], idx, val)
    seen = counts.sum(axis=1) > 0
    smoothed = counts[seen] + alpha
    log_p = np.log(smoothed / smoothed.sum(axis=0, keepdims=True))
    w = np.zeros((DIMENSIONS, n_classes), dtype=np.float32)
    w[seen] = log_p - log_p.mean(axis=1, keepdims=True)
    prior = np.log(np.bincount(labels, minlength=n_classes) / len(labels))
    return w, prior.astype(np.float32)


def fit_intent(vectors, labels, l2: float, epochs=EPOCHS, nb_mix=NB_MIX, balanced=BALANCED):
    """Logistic regression plus ``nb_mix`` x naive Bayes, summed into one weight matrix."""
    w, b = fit(vectors, labels, len(INTENTS), l2=l2, epochs=epochs, balanced=balanced)
    if nb_mix:
        nb_w, nb_b = naive_bayes(vectors, labels, len(INTENTS))
        w, b = w + nb_mix * nb_w, b + nb_mix * nb_b
    return w, b


def fit_temperature(logits: np.ndarray, labels: np.ndarray) -> float:
    """The temperature that minimises the dev negative log-likelihood."""
    best_t, best_nll = 1.0, float("inf")
    for t in np.exp(np.linspace(np.log(0.2), np.log(5.0), 81)):
        z = logits / t
        z = z - z.max(axis=1, keepdims=True)
        logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        nll = -logp[np.arange(len(labels)), labels].mean()
        if nll < best_nll:
            best_t, best_nll = float(t), nll
    return best_t


def macro_f1(gold: np.ndarray, pred: np.ndarray, n_classes: int) -> tuple[float, list[float]]:
    f1s, recalls = [], []
    for c in range(n_classes):
        tp = int(((pred == c) & (gold == c)).sum())
        fp = int(((pred == c) & (gold != c)).sum())
        fn = int(((pred != c) & (gold == c)).sum())
        p = tp / (tp + fp) if tp + fp else 0.0
        r = tp / (tp + fn) if tp + fn else 0.0
        f1s.append(2 * p * r / (p + r) if p + r else 0.0)
        recalls.append(r)
    return float(np.mean(f1s)), recalls


def expected_calibration_error(probs: np.ndarray, labels: np.ndarray, bins: int = 10) -> float:
    conf = probs.max(axis=1)
    correct = probs.argmax(axis=1) == labels
    ece = 0.0
    for lo in np.linspace(0, 1, bins, endpoint=False):
        inside = (conf > lo) & (conf <= lo + 1 / bins)
        if inside.any():
            ece += inside.mean() * abs(conf[inside].mean() - correct[inside].mean())
    return float(ece)


INTENTS = tuple(i.value for i in Intent.labels())


def intent_vectors(rows: list[dict]) -> list[tuple[np.ndarray, np.ndarray]]:
    return [hash_features(intent_features(r["text"], r["language"])) for r in rows]


def language_vectors(rows: list[dict]) -> list[tuple[np.ndarray, np.ndarray]]:
    out = []
    for r in rows:
        cleaned = language_text(r["text"])
        out.append(hash_features(text_features(cleaned, normalize(cleaned), words=False)))
    return out


def train_intent(
    train, dev, l2=INTENT_L2, epochs=EPOCHS, quiet=False, nb_mix=NB_MIX, balanced=BALANCED
) -> tuple[LinearModel, dict]:
    y_train = np.array([INTENTS.index(r["intent"]) for r in train])
    y_dev = np.array([INTENTS.index(r["intent"]) for r in dev])
    w, b = fit_intent(intent_vectors(train), y_train, l2, epochs, nb_mix, balanced)
    model = LinearModel(INTENTS, w, b)
    dev_logits = np.stack([model.logits(i, v) for i, v in intent_vectors(dev)])
    temperature = fit_temperature(dev_logits, y_dev)
    model = LinearModel(INTENTS, w, b, temperature)
    z = dev_logits / temperature
    probs = np.exp(z - z.max(axis=1, keepdims=True))
    probs /= probs.sum(axis=1, keepdims=True)
    pred = probs.argmax(axis=1)
    f1, recalls = macro_f1(y_dev, pred, len(INTENTS))
    raw = np.exp(dev_logits - dev_logits.max(axis=1, keepdims=True))
    raw /= raw.sum(axis=1, keepdims=True)
    figures = {
        "dev_n": len(dev),
        "train_n": len(train),
        "dev_macro_f1": f1,
        "dev_accuracy": float((pred == y_dev).mean()),
        "dev_recall": dict(zip(INTENTS, recalls, strict=True)),
        "temperature": temperature,
        "ece_before": expected_calibration_error(raw, y_dev),
        "ece_after": expected_calibration_error(probs, y_dev),
        "l2": l2,
        "nb_mix": nb_mix,
        "balanced": balanced,
    }
    for threshold in (0.4, 0.5, 0.6):
        sure = probs.max(axis=1) >= threshold
        figures[f"unsure_share@{threshold}"] = float(1 - sure.mean())
        figures[f"sure_accuracy@{threshold}"] = float((pred[sure] == y_dev[sure]).mean())
    return model, figures


def vector_inputs(table: piece_vectors.PieceTable, rows: list[dict]) -> piece_vectors.HeadInputs:
    return piece_vectors.head_inputs(
        table, [model_text(r["text"]) for r in rows], [r["language"] for r in rows]
    )


def fit_vector_head(
    table: piece_vectors.PieceTable,
    inputs: piece_vectors.HeadInputs,
    labels: np.ndarray,
    *,
    epochs: int = VECTOR_EPOCHS,
) -> piece_vectors.VectorHead:
    """The vectors' head (``piece_vectors.VectorHead``, blend and temperature left at 0 and
    1), fitted by minibatch Adam on the class-balanced cross-entropy. Batches hold messages
    of similar length, so little of a batch is padding. Started from a fixed random draw."""
    rng = np.random.default_rng(0)
    dim = table.vectors.shape[1]
    window, summary = piece_vectors.ORDER_WIDTH * dim, inputs.summary.shape[1]
    # Fitted on piece vectors of about unit length (the table's are a few tens long), so
    # that one step size suits every weight; the filters are scaled back at the end.
    typical = float(
        np.linalg.norm(table.piece_vectors(np.arange(len(table.vectors))), axis=1).mean()
    )
    unit_table = dataclasses.replace(table, scales=table.scales / typical)
    params = [
        rng.normal(0, np.sqrt(2 / window), (window, VECTOR_FILTERS)),
        np.zeros(VECTOR_FILTERS),
        rng.normal(
            0, np.sqrt(2 / (VECTOR_FILTERS + summary)), (VECTOR_FILTERS + summary, VECTOR_HIDDEN)
        ),
        np.zeros(VECTOR_HIDDEN),
        rng.normal(0, np.sqrt(1 / VECTOR_HIDDEN), (VECTOR_HIDDEN, len(INTENTS))),
        np.zeros(len(INTENTS)),
    ]
    params = [p.astype(np.float32) for p in params]
    counts = np.bincount(labels, minlength=len(INTENTS))
    row_weight = (len(labels) / (len(INTENTS) * np.maximum(counts, 1))).astype(np.float32)[labels]
    lengths = (inputs.rows >= 0).sum(axis=1)

    def head_of(params) -> piece_vectors.VectorHead:
        filters, filter_bias, hidden, hidden_bias, weights, bias = params
        return piece_vectors.VectorHead(
            INTENTS, filters, filter_bias, hidden, hidden_bias, weights, bias, 0.0, 1.0
        )

    moments = [(np.zeros_like(p), np.zeros_like(p)) for p in params]
    beta1, beta2, eps, t, step = 0.9, 0.999, 1e-8, 0, VECTOR_STEP
    for _ in range(epochs):
        batches = []
        order = rng.permutation(len(labels))
        for chunk in np.array_split(order, max(1, len(order) // (VECTOR_BATCH * 50))):
            chunk = chunk[np.argsort(lengths[chunk], kind="stable")]
            batches += [chunk[at : at + VECTOR_BATCH] for at in range(0, len(chunk), VECTOR_BATCH)]
        for b in rng.permutation(len(batches)):
            t += 1
            which = batches[b]
            grads, _ = head_gradient(
                head_of(params), unit_table, inputs[which], labels[which], row_weight[which]
            )
            for g, (m, v), param in zip(grads, moments, params, strict=True):
                if param.ndim == 2:
                    g = g + VECTOR_L2 * param
                m *= beta1
                m += (1 - beta1) * g
                v *= beta2
                v += (1 - beta2) * g * g
                param -= step * (m / (1 - beta1**t)) / (np.sqrt(v / (1 - beta2**t)) + eps)
        step *= VECTOR_STEP_DECAY
    params[0] = params[0] / typical
    return head_of(params)


def head_gradient(
    head: piece_vectors.VectorHead,
    table: piece_vectors.PieceTable,
    batch: piece_vectors.HeadInputs,
    labels: np.ndarray,
    weight: np.ndarray,
) -> tuple[list[np.ndarray], float]:
    """The gradient of the weighted mean cross-entropy of ``batch`` with respect to each of
    the head's weights (in ``VectorHead``'s order), and the loss. Each filter's strongest
    window is the only one its gradient reaches."""
    windows = piece_vectors.windows(table.piece_vectors(batch.rows))
    active, strongest = head.filters_on(windows, batch.rows >= 0)
    features = np.hstack([piece_vectors.pooled(active, strongest), batch.summary])
    hidden = head.hidden(features)
    log_p = piece_vectors.log_softmax(hidden @ head.weights + head.bias)
    loss = float(-(log_p[np.arange(len(labels)), labels] * weight).sum() / len(labels))
    onehot = np.eye(len(head.classes), dtype=np.float32)[labels]
    err = (np.exp(log_p) - onehot) * weight[:, None] / len(labels)
    back = (err @ head.weights.T) * (hidden > 0)
    back_pooled = (back @ head.hidden_weights.T)[:, : len(head.filter_bias)]
    back_active = np.zeros_like(active)
    np.put_along_axis(back_active, strongest[:, None, :], back_pooled[:, None, :], axis=1)
    back_active *= active > 0
    windows = windows.reshape(-1, windows.shape[2])
    back_active = back_active.reshape(-1, back_active.shape[2])
    grads = [
        windows.T @ back_active,
        back_active.sum(axis=0),
        features.T @ back,
        back.sum(axis=0),
        hidden.T @ err,
        err.sum(axis=0),
    ]
    return grads, loss


def train_vector_head(
    table: piece_vectors.PieceTable,
    train,
    dev,
    ngram: LinearModel,
    *,
    other_blends: tuple[float, ...] = (),
) -> tuple[piece_vectors.VectorHead, dict]:
    """The head fitted on ``train``; the blend with ``ngram`` (``VECTOR_BLEND``) scored and
    calibrated on ``dev``. ``other_blends`` are scored too, with the same fitted head, in
    ``figures["other_blends"]``."""
    y_train = np.array([INTENTS.index(r["intent"]) for r in train])
    y_dev = np.array([INTENTS.index(r["intent"]) for r in dev])
    fitted = fit_vector_head(table, vector_inputs(table, train), y_train)
    inputs = vector_inputs(table, dev)
    head_log_probabilities = _in_batches(fitted, table, inputs)
    ngram_logits = np.stack([ngram.logits(i, v) for i, v in intent_vectors(dev)])

    def calibrated(blend: float):
        head = dataclasses.replace(fitted, blend=blend, temperature=1.0)
        uncalibrated = piece_vectors.blended_probabilities(
            ngram_logits, ngram.temperature, head, head_log_probabilities
        )
        head = dataclasses.replace(head, temperature=fit_temperature(np.log(uncalibrated), y_dev))
        probs = piece_vectors.blended_probabilities(
            ngram_logits, ngram.temperature, head, head_log_probabilities
        )
        return head, uncalibrated, probs

    head, uncalibrated, probs = calibrated(VECTOR_BLEND)
    pred = probs.argmax(axis=1)
    f1, recalls = macro_f1(y_dev, pred, len(INTENTS))
    alone = head_log_probabilities.argmax(axis=1)
    figures = {
        "dev_macro_f1": f1,
        "dev_accuracy": float((pred == y_dev).mean()),
        "dev_recall": dict(zip(INTENTS, recalls, strict=True)),
        "head_alone_dev_macro_f1": macro_f1(y_dev, alone, len(INTENTS))[0],
        "blend": VECTOR_BLEND,
        "temperature": head.temperature,
        "ece_before": expected_calibration_error(uncalibrated, y_dev),
        "ece_after": expected_calibration_error(probs, y_dev),
        "pieces_kept": int((table.row_of >= 0).sum()),
        "other_blends": {
            str(blend): macro_f1(y_dev, calibrated(blend)[2].argmax(axis=1), len(INTENTS))[0]
            for blend in other_blends
        },
    }
    sure = probs.max(axis=1) >= 0.5
    figures["unsure_share@0.5"] = float(1 - sure.mean())
    figures["sure_accuracy@0.5"] = float((pred[sure] == y_dev[sure]).mean())
    return head, figures


def _in_batches(
    head: piece_vectors.VectorHead,
    table: piece_vectors.PieceTable,
    inputs: piece_vectors.HeadInputs,
) -> np.ndarray:
    """The head's log-probabilities of many messages, a thousand at a time, shortest first
    (a batch is as long as its longest message)."""
    out = np.zeros((len(inputs), len(head.classes)), dtype=np.float32)
    order = np.argsort((inputs.rows >= 0).sum(axis=1), kind="stable")
    for at in range(0, len(order), 1000):
        which = order[at : at + 1000]
        out[which] = head.log_probabilities(table, inputs[which])
    return out


def _same_text(row: dict) -> str:
    return row["text"].lower().strip(" .!?")


def language_neutral(rows: list[dict]) -> set[str]:
    """Texts written the same under several languages ("ok", "lol", "haha", "top"): they
    carry no language, so the identifier is neither fitted nor scored on them."""
    seen: dict[str, set[str]] = {}
    for r in rows:
        seen.setdefault(_same_text(r), set()).add(r["language"])
    return {text for text, languages in seen.items() if len(languages) > 1}


def language_rows(rows: list[dict], neutral: set[str]) -> list[dict]:
    return [r for r in rows if has_language_to_detect(r["text"]) and _same_text(r) not in neutral]


def train_language(train, dev, l2=LANGUAGE_L2, epochs=EPOCHS) -> tuple[LinearModel, dict]:
    neutral = language_neutral(train + dev)
    train, dev = language_rows(train, neutral), language_rows(dev, neutral)
    langs = DETECTOR_LANGUAGES
    y_train = np.array([langs.index(r["language"]) for r in train])
    y_dev = np.array([langs.index(r["language"]) for r in dev])
    w, b = fit(language_vectors(train), y_train, len(langs), l2=l2, epochs=epochs)
    model = LinearModel(langs, w, b)
    pred = np.array([int(model.logits(i, v).argmax()) for i, v in language_vectors(dev)])
    return model, {"dev_n": len(dev), "dev_accuracy": float((pred == y_dev).mean()), "l2": l2}


ABLATIONS = {
    "without the lexicon features": ("lex",),
    "without character n-grams": ("c",),
    "without word bigrams": ("b",),
    "words + lexicon only": ("c", "b"),
}


def ablate(train, dev) -> None:
    """Dev macro-F1 with feature families left out (the table in CLASSIFIER.md)."""
    from rules import classify
    from rules.classify import LexiconIntentClassifier

    lexicon = LexiconIntentClassifier()
    gold = np.array([INTENTS.index(r["intent"]) for r in dev])
    pred = np.array([INTENTS.index(lexicon.classify(r["text"], r["language"])) for r in dev])
    print(f"lexicon priority list alone: dev macro-F1 {macro_f1(gold, pred, len(INTENTS))[0]:.3f}")
    full = classify._intent_inputs
    try:
        for label, dropped in ABLATIONS.items():

            def without(text, language, dropped=dropped):
                names, firsts, read = full(text, language)
                return [n for n in names if not n.startswith(dropped)], firsts, read

            classify._intent_inputs = without
            _, fig = train_intent(train, dev)
            print(f"model {label}: dev macro-F1 {fig['dev_macro_f1']:.3f}")
    finally:
        classify._intent_inputs = full


def refit_on_everything(
    rows: list[dict], scored: LinearModel, l2: float
) -> tuple[LinearModel, LinearModel]:
    """Both models fitted on train + dev with the settings the dev split chose, keeping
    the temperature fitted on the dev split."""
    labels = np.array([INTENTS.index(r["intent"]) for r in rows])
    w, b = fit_intent(intent_vectors(rows), labels, l2)
    intent_model = LinearModel(INTENTS, w, b, scored.temperature)
    lettered = language_rows(rows, language_neutral(rows))
    langs = DETECTOR_LANGUAGES
    y = np.array([langs.index(r["language"]) for r in lettered])
    w, b = fit(language_vectors(lettered), y, len(langs), l2=LANGUAGE_L2)
    return intent_model, LinearModel(langs, w, b)


def refit_vector_head(
    table: piece_vectors.PieceTable, rows: list[dict], scored: piece_vectors.VectorHead
) -> piece_vectors.VectorHead:
    """The head fitted on train + dev, keeping the blend and the dev split's temperature."""
    labels = np.array([INTENTS.index(r["intent"]) for r in rows])
    fitted = fit_vector_head(table, vector_inputs(table, rows), labels)
    return dataclasses.replace(fitted, blend=scored.blend, temperature=scored.temperature)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m rules.train_intent", description=__doc__)
    ap.add_argument("--search", action="store_true", help="try a few L2 strengths first")
    ap.add_argument("--ablate", action="store_true", help="first score feature families left out")
    ap.add_argument("--dry-run", action="store_true", help="print figures, write nothing")
    ap.add_argument(
        "--all",
        action="store_true",
        help="after scoring on the dev split, refit on every message (same settings and "
        "temperature); the dev figures then describe the split fit, not the file",
    )
    args = ap.parse_args(argv)
    rows = load_rows()
    train, dev = split(rows)
    intent_l2, language_l2 = INTENT_L2, LANGUAGE_L2
    if args.search:
        for l2 in (1e-6, 1e-5, 1e-4):
            _, fig = train_intent(train, dev, l2=l2, nb_mix=0, balanced=False)
            print(f"intent   l2={l2:g}, LR alone: dev macro-F1 {fig['dev_macro_f1']:.3f}")
        for nb_mix, balanced in ((0.2, False), (0.4, True), (0.2, True)):
            _, fig = train_intent(train, dev, nb_mix=nb_mix, balanced=balanced)
            print(
                f"intent   l2={INTENT_L2:g}, + {nb_mix} x NB, balanced={balanced}: "
                f"dev macro-F1 {fig['dev_macro_f1']:.3f}"
            )
        for l2 in (1e-5, 1e-4, 1e-3):
            _, fig = train_language(train, dev, l2=l2)
            print(f"language l2={l2:g}: dev accuracy {fig['dev_accuracy']:.3f}")
    if args.ablate:
        ablate(train, dev)
    started = time.perf_counter()
    table = piece_vectors.build_table([r["text"] for r in rows])
    print(f"piece table built in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    intent_model, intent_fig = train_intent(train, dev, l2=intent_l2)
    others = (0.2, 0.4) if args.search else ()
    head, head_fig = train_vector_head(table, train, dev, intent_model, other_blends=others)
    for blend, f1 in head_fig["other_blends"].items():
        print(f"blend {blend} (shipped {VECTOR_BLEND}): dev macro-F1 {f1:.3f}")
    language_model, language_fig = train_language(train, dev, l2=language_l2)
    figures = {"intent": intent_fig, "blend": head_fig, "language": language_fig}
    # Flushed: the refit on every message that follows takes most of the run, and a log
    # file would otherwise show nothing of the split until the end.
    print(json.dumps(figures, indent=2), flush=True)
    if args.all:
        intent_model, language_model = refit_on_everything(rows, intent_model, intent_l2)
        head = refit_vector_head(table, rows, head)
        for fig in figures.values():
            fig["fitted_on"] = "train+dev"
    print(f"trained in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    if not args.dry_run:
        intent_model.save(INTENT_MODEL_PATH, figures=np.array(json.dumps(intent_fig)))
        piece_vectors.save(INTENT_VECTORS_PATH, table, head, figures=np.array(json.dumps(head_fig)))
        language_model.save(LANGUAGE_MODEL_PATH, figures=np.array(json.dumps(language_fig)))
        print(f"wrote {INTENT_MODEL_PATH.name}, {INTENT_VECTORS_PATH.name} and "
              f"{LANGUAGE_MODEL_PATH.name} in {MODEL_DIR}")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
