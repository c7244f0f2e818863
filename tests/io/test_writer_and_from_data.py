"""CTF writer and MinibatchSourceFromData against CNTK 2.7."""
import numpy as np
import pytest
import scipy.sparse as sp

from cntk.io import (CTFDeserializer, MinibatchSource, MinibatchSourceFromData, StreamDef, StreamDefs,
                     sequence_to_cntk_text_format, write_ctf)

from io_helpers import golden

W = golden("writer")
F = golden("from_data")


@pytest.mark.parametrize("case", W["cases"], ids=[c["tag"] for c in W["cases"]])
def test_sequence_to_cntk_text_format(case):
    m = {k: np.array(v["data"], dtype=v["dtype"]) for k, v in case["input"].items()}
    assert sequence_to_cntk_text_format(case["seq_idx"], m) == case["text"]


def test_sparse_dicts_and_scipy():
    m = {"s": [{2: 1.0, 0: 0.5}, {1: 2.0}], "x": np.array([[1.0]], np.float32)}
    assert sequence_to_cntk_text_format(4, m) == W["sparse_dicts"]
    m["s"] = sp.csr_matrix(np.array([[0.5, 0, 1.0], [0, 2.0, 0]]))
    assert sequence_to_cntk_text_format(4, m) == W["sparse_dicts"]


def test_write_then_read_round_trip(tmp_path):
    rng = np.random.default_rng(0)
    feats = [rng.standard_normal((n, 3)).astype(np.float32) for n in (4, 1, 7)]
    labels = [sp.csr_matrix(np.eye(5, dtype=np.float32)[[i]]) for i in (3, 0, 4)]
    path = str(tmp_path / "rt.ctf")
    assert write_ctf(path, {"f": feats, "l": labels}) == 3
    src = MinibatchSource(CTFDeserializer(path, StreamDefs(F=StreamDef(field="f", shape=3),
                                                           L=StreamDef(field="l", shape=5, is_sparse=True))),
                          randomize=False, max_sweeps=1)
    mb = src.next_minibatch(1000)
    got = mb[src.streams.F].as_sequences()
    for a, b in zip(got, feats):
        np.testing.assert_array_equal(a, b)          # shortest repr reads back bit-exactly
    assert mb[src.streams.L].data._tensor[:, 0].argmax(-1).tolist() == [3, 0, 4]


def _rows(mb):
    return {si.name: [v.num_samples, v.num_sequences, v.end_of_sweep] for si, v in mb.items()}


def test_from_data_dense_samples():
    X = np.arange(10, dtype=np.float32).reshape(5, 2)
    Y = np.arange(5, dtype=np.float32).reshape(5, 1)
    s = MinibatchSourceFromData(dict(x=X, y=Y))
    for k, ref in zip([2, 4, 1, 3, 10], F["dense_samples"]):
        mb = s.next_minibatch(k)
        for si, v in mb.items():
            assert [v.num_samples, v.num_sequences, v.end_of_sweep] == ref[si.name][:3]
            np.testing.assert_array_equal(v.data.asarray().reshape(-1), np.asarray(ref[si.name][3]).reshape(-1))
    assert s.get_checkpoint_state() == F["dense_samples_checkpoint"]


def test_from_data_max_samples():
    X = np.arange(10, dtype=np.float32).reshape(5, 2)
    s = MinibatchSourceFromData(dict(x=X, y=np.arange(5, dtype=np.float32).reshape(5, 1)), max_samples=7)
    assert [(_rows(mb) if mb else {}) for mb in (s.next_minibatch(3) for _ in range(4))] == \
        [r or {} for r in F["max_samples7"]]


def test_from_data_sequences():
    class SeqType:
        dynamic_axes = ("batch", "seq")
        shape = None
    seqs = [np.arange(n * 2, dtype=np.float32).reshape(n, 2) for n in (3, 1, 2, 4)]
    s = MinibatchSourceFromData(dict(xx=(seqs, SeqType())))
    assert [_rows(s.next_minibatch(k)) for k in [4, 4, 4, 5]] == F["sequences"]


def test_from_data_partitions_are_disjoint():
    X = np.arange(12, dtype=np.float32).reshape(12, 1)
    got = []
    for rank in range(3):
        s = MinibatchSourceFromData(dict(x=X))
        mb = s.next_minibatch(12, number_of_workers=3, worker_rank=rank)
        got += mb[s.streams.x].asarray().ravel().tolist()
    assert sorted(got) == list(range(12))
