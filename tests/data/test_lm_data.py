"""Language-modelling corpora: token counts against the published statistics, vocabulary, batchify, BPTT
windows, token batches, catalogue and download entries.  No test touches the network."""

from __future__ import annotations

import hashlib
import json
import shutil
import urllib.error

import pytest
import torch

from archrank.cli import main
from archrank.data import batchify, bptt_windows, dataset_info, load_corpus, one_token_batch
from archrank.data.download import DOWNLOADS, download, file_digest
from archrank.data.lm import EOS, tokenize
from archrank.errors import DataError, InvalidArgument

# data README: tokens per split (whitespace split + <eos> per line, blank lines included) and train vocabulary
COUNTS = {"ptb": ((929589, 73760, 82430), 10000), "wikitext2": ((2088628, 217646, 245569), 33278)}


@pytest.mark.parametrize("name", ["ptb", "wikitext2"])
def test_token_counts_and_vocabulary_match_the_published_statistics(shared_data, name):
    corpus = load_corpus(name, shared_data)
    sizes, vocab = COUNTS[name]
    assert tuple(corpus.num_tokens.values()) == sizes
    assert len(corpus.vocab) == vocab == dataset_info(name).num_classes
    assert corpus.train.dtype == torch.int64 and int(corpus.train.max()) == vocab - 1
    unk = corpus.vocab.id("<unk>")
    assert int((corpus.train == unk).sum()) == {"ptb": 45020, "wikitext2": 54625}[name]
    folder = corpus.source
    first = (folder / ("ptb.train.txt" if name == "ptb" else "train.txt")).read_text(encoding="utf-8").split("\n")[0]
    assert int(corpus.train[len(first.split())]) == corpus.vocab.id(EOS)  # each line ends with <eos>


def test_shared_files_have_the_download_checksums(shared_data):
    for name, folder in (("ptb", "lm/ptb"), ("wikitext2", "lm/wikitext-2")):
        for remote in DOWNLOADS[name].files:
            assert file_digest(shared_data / folder / remote.filename) == remote.md5


def _write_ptb(folder, valid=" b a \n", test=" a\n"):
    folder.mkdir(parents=True)
    (folder / "ptb.train.txt").write_text(" a b c \n\n c a \n")
    (folder / "ptb.valid.txt").write_text(valid)
    (folder / "ptb.test.txt").write_text(test)


def test_tokenization_vocabulary_and_out_of_vocabulary_tokens(tmp_path):
    _write_ptb(tmp_path / "lm" / "ptb")
    assert tokenize(tmp_path / "lm" / "ptb" / "ptb.train.txt") == ["a", "b", "c", EOS, EOS, "c", "a", EOS]
    corpus = load_corpus("ptb", tmp_path)
    assert corpus.vocab.tokens == ("a", "b", "c", EOS)
    assert corpus.valid.tolist() == [1, 0, 3] and corpus.num_tokens == {"train": 8, "valid": 3, "test": 2}
    bad = tmp_path / "bad"
    _write_ptb(bad / "ptb", test=" a zebra\n")
    with pytest.raises(DataError, match="corrupt Penn Treebank file .*ptb.test.txt: token 'zebra'") as e:
        load_corpus("ptb", bad)
    assert "\n" not in str(e.value)
    with pytest.raises(DataError, match="Penn Treebank not found.*archrank data download ptb"):
        load_corpus("ptb", tmp_path / "empty")
    with pytest.raises(InvalidArgument, match="CIFAR-10 is not a text corpus"):
        load_corpus("cifar10", tmp_path)


def test_batchify_and_bptt_windows():
    stream = torch.arange(23)
    b = batchify(stream, 4)
    assert b.shape == (4, 5) and b[1].tolist() == [5, 6, 7, 8, 9]
    windows = list(bptt_windows(b, 3))
    assert [w[0].shape[1] for w in windows] == [3, 1]
    for x, y in windows:
        assert torch.equal(y, x + 1)  # next tokens of a contiguous stream
    assert torch.cat([x for x, _ in windows], 1).tolist() == b[:, :4].tolist()
    with pytest.raises(InvalidArgument, match="batch_size"):
        batchify(stream, 0)


def test_one_token_batch_is_seeded_and_shifted(shared_data):
    x, y = one_token_batch("ptb", 6, 10, seed=4, data_dir=shared_data)
    assert x.shape == y.shape == (6, 10) and x.dtype == torch.int64
    assert torch.equal(x[:, 1:], y[:, :-1])
    x2, _ = one_token_batch("ptb", 6, 10, seed=4, data_dir=shared_data)
    x3, _ = one_token_batch("ptb", 6, 10, seed=5, data_dir=shared_data)
    assert torch.equal(x, x2) and not torch.equal(x, x3)


def test_data_list_and_info_show_the_corpora(tmp_path, capsys):
    _write_ptb(tmp_path / "lm" / "ptb")
    assert main(["data", "list", "--json", "--data-dir", str(tmp_path)]) == 0
    rows = {r["name"]: r for r in json.loads(capsys.readouterr().out)["datasets"]}
    assert rows["ptb"]["present"] and not rows["wikitext2"]["present"] and rows["wikitext2"]["downloadable"]
    assert main(["data", "info", "ptb", "--json", "--data-dir", str(tmp_path)]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["domain"] == "text" and info["sizes"] == {"train": 8, "valid": 3, "test": 2}
    assert info["vocabulary"] == 4


def test_offline_download_fails_with_one_line_and_installs_nothing(tmp_path):
    def offline(url, timeout):
        raise urllib.error.URLError("[Errno -3] Temporary failure in name resolution")

    with pytest.raises(DataError, match=r"could not download https://raw.githubusercontent.com/.*check the network") as e:
        download("wikitext2", tmp_path, opener=offline)
    assert "\n" not in str(e.value)
    assert list(tmp_path.iterdir()) == []


def test_download_installs_verified_files_under_lm(tmp_path, shared_data):
    src = shared_data / "lm" / "ptb"
    requested = []

    def opener(url, timeout):
        requested.append(url)
        return open(src / url.rsplit("/", 1)[1], "rb")

    target = download("ptb", tmp_path / "data", opener=opener)
    assert target == tmp_path / "data" / "lm" / "ptb" and len(requested) == 3
    assert {p.name for p in target.iterdir()} == {"ptb.train.txt", "ptb.valid.txt", "ptb.test.txt"}
    # a substituted file fails its checksum and nothing is installed
    bad = tmp_path / "bad"
    shutil.copytree(src, bad)
    (bad / "ptb.valid.txt").write_text(" a\n")

    def bad_opener(url, timeout):
        return open(bad / url.rsplit("/", 1)[1], "rb")

    with pytest.raises(DataError, match="checksum mismatch for ptb.valid.txt"):
        download("ptb", tmp_path / "data2", opener=bad_opener)
    assert not (tmp_path / "data2" / "lm").exists()
    assert hashlib.md5((target / "ptb.test.txt").read_bytes()).hexdigest() == "8b80168b89c18661a38ef683c0dc3721"
