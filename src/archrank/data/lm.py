"""Language-modelling corpora: Penn Treebank (Mikolov's version) and WikiText-2, as token-id streams.

Tokenisation is the one of the usual loaders (pytorch/examples ``word_language_model``, AWD-LSTM,
NAS-Bench-NLP): every line, blank ones included, is split on whitespace and ends with ``<eos>``.  The
vocabulary is the distinct tokens of the train split in order of first appearance (so ids equal those
loaders' ids); valid and test are encoded with it, and a token outside it is an error naming the file.

* :func:`load_corpus` reads the three splits (cached per process) into a :class:`Corpus`;
* :func:`batchify` cuts a stream into ``batch_size`` contiguous rows, (B, N), batch-first;
* :func:`bptt_windows` walks a batchified stream in windows of ``bptt`` steps: (inputs, next tokens);
* :func:`one_token_batch` gives a seeded batch of token sequences for heuristics.

Files live under ``<data_dir>/lm/ptb/ptb.{train,valid,test}.txt`` and ``<data_dir>/lm/wikitext-2/
{train,valid,test}.txt`` (the official zip's ``wiki.{split}.tokens`` names are accepted too).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from archrank.data.catalog import corrupt_error, dataset_info, locate, missing_error
from archrank.errors import InvalidArgument, UnknownName

EOS = "<eos>"
CORPORA = ("ptb", "wikitext2")
SPLITS = ("train", "valid", "test")


def split_file(name: str, directory: Path, split: str) -> Path:
    """The file of ``split`` of corpus ``name`` in ``directory``."""
    if split not in SPLITS:
        raise UnknownName("split", split, SPLITS)
    if name == "ptb":
        return directory / f"ptb.{split}.txt"
    plain = directory / f"{split}.txt"
    return plain if plain.is_file() or not (directory / f"wiki.{split}.tokens").is_file() else (
        directory / f"wiki.{split}.tokens")


def tokenize(path: str | os.PathLike) -> list[str]:
    """Tokens of a file: each line split on whitespace, then ``<eos>``."""
    out: list[str] = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            out.extend(line.split())
            out.append(EOS)
    return out


@dataclass(frozen=True)
class Vocabulary:
    """Token <-> id, ids in order of first appearance in the train split."""

    tokens: tuple[str, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "_index", {t: i for i, t in enumerate(self.tokens)})

    def __len__(self) -> int:
        return len(self.tokens)

    def __contains__(self, token: object) -> bool:
        return token in self._index  # type: ignore[attr-defined]

    def id(self, token: str) -> int:
        return self._index[token]  # type: ignore[attr-defined]

    def encode(self, tokens: list[str]) -> torch.Tensor:
        idx = self._index  # type: ignore[attr-defined]
        return torch.tensor([idx[t] for t in tokens], dtype=torch.int64)

    @classmethod
    def from_tokens(cls, tokens: list[str]) -> Vocabulary:
        return cls(tuple(dict.fromkeys(tokens)))


@dataclass(frozen=True, eq=False)
class Corpus:
    """A corpus in memory: its vocabulary and the three splits as int64 token-id streams."""

    name: str
    vocab: Vocabulary
    train: torch.Tensor
    valid: torch.Tensor
    test: torch.Tensor
    source: Path

    def split(self, split: str) -> torch.Tensor:
        if split not in SPLITS:
            raise UnknownName("split", split, SPLITS)
        return getattr(self, split)

    @property
    def num_tokens(self) -> dict[str, int]:
        return {s: int(self.split(s).numel()) for s in SPLITS}


_CACHE: dict[tuple, Corpus] = {}


def _check_name(name: str) -> None:
    info = dataset_info(name)  # UnknownName listing every data set
    if name not in CORPORA:
        raise InvalidArgument(f"{info.title} is not a text corpus; text corpora: {', '.join(CORPORA)}")


def load_corpus(name: str, data_dir: str | os.PathLike | None = None) -> Corpus:
    """Read corpus ``name`` ("ptb" or "wikitext2"); a missing file or an out-of-vocabulary token in valid /
    test raises a one-line DataError."""
    _check_name(name)
    directory = locate(name, data_dir)
    if directory is None:
        raise missing_error(name, data_dir)
    files = {s: split_file(name, directory, s) for s in SPLITS}
    for s, f in files.items():
        if not f.is_file():
            raise missing_error(name, data_dir)
    key = (name, str(directory.resolve()), tuple((f.stat().st_size, f.stat().st_mtime_ns) for f in files.values()))
    if key in _CACHE:
        return _CACHE[key]
    try:
        tokens = {s: tokenize(f) for s, f in files.items()}
    except UnicodeDecodeError as e:
        raise corrupt_error(name, files["train"], f"not UTF-8 text ({e.reason})") from None
    vocab = Vocabulary.from_tokens(tokens["train"])
    streams = {}
    for s in SPLITS:
        try:
            streams[s] = vocab.encode(tokens[s])
        except KeyError as e:
            raise corrupt_error(name, files[s], f"token {e.args[0]!r} is not in the train vocabulary") from None
    corpus = Corpus(name, vocab, streams["train"], streams["valid"], streams["test"], directory)
    _CACHE.clear()  # keep one corpus: WikiText-2 holds ~2.5M ids
    _CACHE[key] = corpus
    return corpus


def batchify(stream: torch.Tensor, batch_size: int) -> torch.Tensor:
    """(B, N): the stream cut into ``batch_size`` contiguous rows, the remainder dropped (as the usual
    loaders do, but batch-first: row b continues where row b-1's text ends)."""
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise InvalidArgument(f"batch_size must be an integer >= 1, got {batch_size!r}")
    n = stream.numel() // batch_size
    if n < 2:
        raise InvalidArgument(f"a stream of {stream.numel()} tokens is too short for batch_size {batch_size}")
    return stream[: n * batch_size].view(batch_size, n)


def bptt_windows(batched: torch.Tensor, bptt: int) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    """Consecutive (inputs, targets) windows of a batchified stream: inputs (B, t), targets the next tokens
    (B, t), t = ``bptt`` except for the last window."""
    if isinstance(bptt, bool) or not isinstance(bptt, int) or bptt < 1:
        raise InvalidArgument(f"bptt must be an integer >= 1, got {bptt!r}")
    n = batched.shape[1]
    for i in range(0, n - 1, bptt):
        t = min(bptt, n - 1 - i)
        yield batched[:, i: i + t], batched[:, i + 1: i + 1 + t]


def one_token_batch(name: str, batch_size: int = 20, seq_len: int = 70, seed: int = 0,
                    data_dir: str | os.PathLike | None = None, *, split: str = "train"
                    ) -> tuple[torch.Tensor, torch.Tensor]:
    """A batch of ``batch_size`` token sequences of length ``seq_len`` at seeded random offsets of ``split``,
    and their next tokens: (inputs, targets), both int64 (B, T).  Same seed, same batch."""
    for key, v in (("batch_size", batch_size), ("seq_len", seq_len)):
        if isinstance(v, bool) or not isinstance(v, int) or v < 1:
            raise InvalidArgument(f"{key} must be an integer >= 1, got {v!r}")
    stream = load_corpus(name, data_dir).split(split)
    if stream.numel() < seq_len + 1:
        raise InvalidArgument(f"{name} {split} has {stream.numel()} tokens, fewer than seq_len + 1 = {seq_len + 1}")
    starts = np.random.default_rng(seed).integers(0, stream.numel() - seq_len, size=batch_size)
    idx = torch.from_numpy(starts)[:, None] + torch.arange(seq_len + 1)[None, :]
    window = stream[idx]
    return window[:, :-1].clone(), window[:, 1:].clone()


__all__ = ["CORPORA", "EOS", "Corpus", "Vocabulary", "batchify", "bptt_windows", "load_corpus",
           "one_token_batch", "split_file", "tokenize"]
