"""Sparse streams whose every sample is one entry of value 1 reach the engine with the index of
that entry (``Value._one_hot``, from `Column.gather(one_hot=True)`), so that an Embedding looks
rows up without scanning the dense minibatch; any other sparse data carry no indices."""
import numpy as np
import pytest

import cntk as C
import cntk._io.constants as constants
from cntk.io import CTFDeserializer, MinibatchSource, StreamDef, StreamDefs
from cntk._exec import onehot
from cntk._io.deserializers import clear_cache


@pytest.fixture(autouse=True)
def fresh_cache():
    clear_cache()
    yield
    clear_cache()


def _ctf(tmp_path, rng, n_seq=40):
    """Sequences of 1-6 steps: ``w`` one-hot words (some samples empty), ``m`` two entries
    per step, ``s`` one entry of value 2, ``d`` dense."""
    lines = []
    for s in range(n_seq):
        for t in range(int(rng.randint(1, 7))):
            word = "|w %d:1 " % rng.randint(0, 9) if rng.rand() > 0.15 else "|w "  # an empty sample
            lines.append("%d\t%s|m 1:1 %d:1 |s %d:2 |d %.2f %.2f" % (s, word, rng.randint(2, 5), rng.randint(0, 5),
                                                                       rng.rand(), rng.rand()))
    path = tmp_path / "one_hot.ctf"
    path.write_text("\n".join(lines) + "\n")
    return str(path)


def _source(path, **kw):
    streams = StreamDefs(w=StreamDef(field="w", shape=9, is_sparse=True), m=StreamDef(field="m", shape=5, is_sparse=True),
                         s=StreamDef(field="s", shape=5, is_sparse=True), d=StreamDef(field="d", shape=2))
    return MinibatchSource(CTFDeserializer(path, streams), max_sweeps=1, **kw)


def _expected_indices(dense):
    return np.where(dense.sum(-1) > 0, dense.argmax(-1), -1)


@pytest.mark.parametrize("chunk_bytes", [None, 200], ids=["one_block", "many_blocks"])
@pytest.mark.parametrize("randomize,truncation", [(False, 0), (True, 0), (False, 2)],
                         ids=["in_order", "randomized", "truncated"])
def test_one_hot_streams_carry_their_indices(tmp_path, monkeypatch, chunk_bytes, randomize, truncation):
    if chunk_bytes:
        monkeypatch.setattr(constants, "CTF_CHUNK_BYTES", chunk_bytes)
    src = _source(_ctf(tmp_path, np.random.RandomState(0)), randomize=randomize, truncation_length=truncation)
    seen = 0
    while True:
        mb = src.next_minibatch(37)
        if not mb:
            break
        words = mb[src.streams.w].data
        dense = words._tensor.numpy()
        np.testing.assert_array_equal(words._one_hot.numpy(), _expected_indices(dense))
        assert mb[src.streams.m].data._one_hot is None  # two entries per sample
        assert mb[src.streams.s].data._one_hot is None  # an entry of value 2
        assert mb[src.streams.d].data._one_hot is None  # dense
        clone = words.deep_clone()
        np.testing.assert_array_equal(clone._one_hot.numpy(), words._one_hot.numpy())
        seen += 1
    assert seen > 2


def test_embedding_of_reader_minibatches_uses_the_indices(tmp_path, monkeypatch):
    """Values and gradients equal those of the same data given as arrays (found by scanning)."""
    src = _source(_ctf(tmp_path, np.random.RandomState(1)), randomize=False)
    x = C.sequence.input_variable(9, is_sparse=True)
    model = C.layers.Embedding(4)(x)
    E = model.parameters[0]
    E.value = np.random.RandomState(2).standard_normal((9, 4)).astype(np.float32)
    loss = C.reduce_sum(C.sequence.reduce_sum(C.sin(model)))
    scanned = []
    original = onehot._one_hot_rows
    monkeypatch.setattr(onehot, "_one_hot_rows", lambda *a: scanned.append(1) or original(*a))
    mb = src.next_minibatch(50)
    data = mb[src.streams.w].data
    out, grad = model.eval({x: data}), loss.grad({x: data}, wrt=[E])
    assert scanned == []
    arrays = [s.toarray() if hasattr(s, "toarray") else np.asarray(s) for s in data.as_sequences(x)]
    ref_out, ref_grad = model.eval({x: arrays}), loss.grad({x: arrays}, wrt=[E])
    assert len(scanned) == 2
    for a, b in zip(out, ref_out):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(grad, ref_grad, rtol=1e-5, atol=1e-6)
