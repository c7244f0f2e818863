"""Shared helpers of the cntk.io tests (fixture paths, golden files, minibatch records)."""
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "data", "io")
GOLDEN = os.path.join(HERE, "..", "golden", "io")


def data_path(name: str) -> str:
    return os.path.join(DATA, name)


def golden(name: str):
    with open(os.path.join(GOLDEN, name + ".json")) as f:
        return json.load(f)
import numpy as np  # noqa: E402

from cntk.io import CTFDeserializer, MinibatchSource, StreamDef, StreamDefs


class SeqVar:
    """Stands in for a sparse sequence input variable in as_sequences()."""
    is_sparse = True


def make_source(path, streams, **kw):
    sd = StreamDefs(**{k: StreamDef(field=x[0], shape=x[1], is_sparse=x[2], defines_mb_size=len(x) > 3 and x[3])
                       for k, x in streams.items()})
    return MinibatchSource(CTFDeserializer(path, sd), **kw)


def record(mb):
    if not mb:
        return None
    row = {}
    for si, v in mb.items():
        seqs = v.as_sequences(SeqVar()) if v.is_sparse else v.as_sequences()
        seqs = [np.asarray(s.toarray() if hasattr(s, "toarray") else s).tolist() for s in seqs]
        row[si.name] = {"num_samples": v.num_samples, "num_sequences": v.num_sequences,
                        "end_of_sweep": v.end_of_sweep, "shape": list(v.shape), "is_sparse": v.is_sparse,
                        "mask": v.mask.tolist(), "sequences": seqs}
    return row


def run(src, sizes, **kw):
    return [record(src.next_minibatch(k, **kw)) for k in sizes]


def assert_same(ours, ref, check_shape=True, where=""):
    assert len(ours) == len(ref), where
    for i, (o, r) in enumerate(zip(ours, ref)):
        tag = "%s minibatch %d" % (where, i)
        if r is None:
            assert o is None, tag + ": expected end of data ({}), got %r" % (o,)
            continue
        assert o is not None, tag + ": got {} too early"
        assert sorted(o) == sorted(r), tag
        for name in r:
            a, b = o[name], r[name]
            for key in ("num_samples", "num_sequences", "end_of_sweep", "is_sparse"):
                assert a[key] == b[key], "%s stream %s: %s %r != %r" % (tag, name, key, a[key], b[key])
            if b.get("sequences") is not None:
                assert len(a["sequences"]) == len(b["sequences"]), tag
                for s1, s2 in zip(a["sequences"], b["sequences"]):
                    np.testing.assert_allclose(np.asarray(s1, float).ravel(), np.asarray(s2, float).ravel(),
                                               rtol=1e-6, err_msg=tag)
            if check_shape and b.get("shape") is not None and b["num_sequences"] > 0:
                assert a["shape"] == b["shape"], "%s stream %s shape" % (tag, name)
            if b.get("mask") is not None:
                assert a["mask"] == b["mask"], "%s stream %s mask" % (tag, name)
