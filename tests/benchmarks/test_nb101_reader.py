from __future__ import annotations

import base64
import json
import math
import pickle

import numpy as np
import pytest

from archrank.benchmarks.nb101 import NB101Benchmark, decode_model_metrics, nb101_hash, open_nb101
from archrank.benchmarks.tfrecord import (
    crc32c,
    decode_message,
    encode_example,
    encode_field,
    frame_record,
    iter_records,
    masked_crc32c,
    parse_example,
)
from archrank.errors import DataError, InvalidArgument, UnknownName


def _metrics_proto(run: dict, params: int) -> bytes:
    """ModelMetrics with initial, halfway and final EvaluationData, as the benchmark wrote them."""
    def ev(epoch, tag):
        if tag is None:
            return encode_field(1, float(epoch)) + encode_field(2, 0.0) + encode_field(3, 0.1)
        return b"".join([
            encode_field(1, float(epoch)), encode_field(2, run[f"{tag}_training_time"]),
            encode_field(3, run[f"{tag}_train_accuracy"]), encode_field(4, run[f"{tag}_validation_accuracy"]),
            encode_field(5, run[f"{tag}_test_accuracy"]), encode_field(6, "/tmp/ckpt"),
        ])
    evals = [ev(0, None), ev(54, "halfway"), ev(108, "final")]
    return b"".join(encode_field(1, e) for e in evals) + encode_field(2, params) + encode_field(3, 1234.5)


def _rows(raw):
    for h, (fixed, computed) in raw.items():
        adj = "".join(str(int(v)) for v in np.asarray(fixed["module_adjacency"]).ravel())
        ops = ",".join(fixed["module_operations"])
        for epochs, runs in computed.items():
            for run in runs:
                b64 = base64.b64encode(_metrics_proto(run, int(fixed["trainable_parameters"]))).decode()
                yield h, epochs, adj, ops, b64


@pytest.fixture(scope="module")
def raw(shared_data):
    with open(shared_data / "nb101" / "nb101_raw_records_30.pkl", "rb") as f:
        return pickle.load(f)


@pytest.fixture(scope="module")
def tfrecord_file(raw, tmp_path_factory):
    p = tmp_path_factory.mktemp("nb101") / "nasbench_only108.tfrecord"
    with open(p, "wb") as f:
        for i, row in enumerate(_rows(raw)):
            if i % 2:  # mix the official JSON rows with tf.train.Example rows
                data = json.dumps(list(row)).encode()
            else:
                h, e, adj, ops, b64 = row
                data = encode_example({"module_hash": [h], "epochs": [e], "raw_adjacency": [adj],
                                       "raw_operations": [ops], "raw_metrics": [b64]})
            f.write(frame_record(data))
    return p


def test_crc32c_vectors():
    assert crc32c(b"123456789") == 0xE3069283
    assert crc32c(b"") == 0
    assert crc32c(bytes(32)) == 0x8A9136AA
    assert masked_crc32c(b"") == 0xA282EAD8


def test_protobuf_roundtrip():
    msg = encode_field(1, 300) + encode_field(2, 2.5) + encode_field(3, "abc") + encode_field(1, -1)
    d = decode_message(msg)
    assert d[1][0] == 300 and d[3] == [b"abc"] and d[1][1] == (1 << 64) - 1
    ex = parse_example(encode_example({"a": ["x", "y"], "b": [1, 2, 300], "c": [0.5]}))
    assert ex == {"a": [b"x", b"y"], "b": [1, 2, 300], "c": [0.5]}
    m = decode_model_metrics(_metrics_proto({f"{t}_{k}": 0.25 for t in ("halfway", "final") for k in (
        "training_time", "train_accuracy", "validation_accuracy", "test_accuracy")}, 77))
    assert m["trainable_parameters"] == 77 and len(m["evaluations"]) == 3
    assert m["evaluations"][2]["test_accuracy"] == 0.25 and m["evaluations"][2]["checkpoint_path"] == "/tmp/ckpt"


def test_tfrecord_matches_api_records(raw, tfrecord_file):
    tf = NB101Benchmark(tfrecord_file)
    assert sorted(tf.architectures()) == sorted(raw)
    for h, (fixed, computed) in list(raw.items())[:10]:
        runs = computed[108]
        m = tf.query(h, dataset="cifar10", hp=108)
        assert m.seeds == (0, 1, 2)
        assert math.isclose(m.test_acc, 100 * np.mean([r["final_test_accuracy"] for r in runs]), rel_tol=1e-12)
        assert math.isclose(m.valid_acc, 100 * np.mean([r["final_validation_accuracy"] for r in runs]))
        assert math.isclose(m.train_time, np.mean([r["final_training_time"] for r in runs]))
        assert math.isclose(m.params, fixed["trainable_parameters"] / 1e6)
        one = tf.query(h, hp=108, seed=1, epoch=54)
        assert math.isclose(one.test_acc, 100 * runs[1]["halfway_test_accuracy"])
        # queries through the cell itself use the official graph hash
        cell = (fixed["module_adjacency"], fixed["module_operations"])
        assert tf.query(cell).test_acc == m.test_acc
        assert np.array_equal(tf.fixed(h)["module_adjacency"], fixed["module_adjacency"])


def test_pickle_source(raw, shared_data):
    pk = open_nb101(shared_data / "nb101" / "nb101_raw_records_30.pkl")
    assert len(pk) == 30 and pk.hps() == ["108"]
    h, (fixed, computed) = next(iter(raw.items()))
    m = pk.query((fixed["module_adjacency"], fixed["module_operations"]), seed=0)
    assert math.isclose(m.test_acc, 100 * computed[108][0]["final_test_accuracy"])
    assert pk.seeds(h) == [0, 1, 2]


def test_json_source(shared_data):
    js = open_nb101(shared_data / "nb101" / "nb101_cifar10_500.json")
    rows = json.loads((shared_data / "nb101" / "nb101_cifar10_500.json").read_text())
    (matrix, ops), acc = rows[0]
    m = js.query((matrix, ops))
    assert math.isclose(m.test_acc, 100 * acc) and m.valid_acc is None
    assert 400 <= len(js) <= 500  # isomorphic duplicates share a hash
    assert js.query(nb101_hash((matrix, ops))).test_acc == m.test_acc


def test_corruption_detected(tfrecord_file, tmp_path):
    data = bytearray(tfrecord_file.read_bytes())
    bad = tmp_path / "bad.tfrecord"
    data[20] ^= 0xFF  # inside the first record's payload
    bad.write_bytes(bytes(data))
    with open(bad, "rb") as f, pytest.raises(DataError, match="data checksum"):
        list(iter_records(f))
    with pytest.raises(DataError, match="checksum"):  # found at indexing or, at the latest, on query
        r = NB101Benchmark(bad)
        for h in r.architectures():
            r.query(h)
    trunc = tmp_path / "trunc.tfrecord"
    trunc.write_bytes(tfrecord_file.read_bytes()[:-3])
    with pytest.raises(DataError, match="truncated"):
        NB101Benchmark(trunc)
    junk = tmp_path / "junk.tfrecord"
    junk.write_bytes(b"hello world, not a record")
    with pytest.raises(DataError, match="checksum"):
        NB101Benchmark(junk)


def test_errors(tfrecord_file, tmp_path):
    tf = NB101Benchmark(tfrecord_file)
    h = tf.architectures()[0]
    with pytest.raises(UnknownName, match="108"):
        tf.query(h, hp=12)
    with pytest.raises(UnknownName):
        tf.query(h, dataset="cifar100")
    with pytest.raises(InvalidArgument, match="not in"):
        tf.query("0" * 32)
    with pytest.raises(InvalidArgument, match="epoch"):
        tf.query(h, epoch=7)
    with pytest.raises(DataError):
        NB101Benchmark(tmp_path / "none.tfrecord")
    (tmp_path / "x.csv").write_text("a")
    with pytest.raises(InvalidArgument, match="kind"):
        NB101Benchmark(tmp_path / "x.csv")
