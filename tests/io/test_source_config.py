"""MinibatchSourceConfig, seeds per sweep, distributed sample limits, user deserializers.

Every expectation here was observed on CNTK 2.7.
"""
import numpy as np
import pytest
import scipy.sparse as sp

import cntk as C
from cntk.cntk_py import MinibatchSourceConfig, create_composite_minibatch_source, to_dictionary
from cntk.io import (DEFAULT_RANDOMIZATION_WINDOW_IN_CHUNKS, INFINITELY_REPEAT, CTFDeserializer, MinibatchSource,
                     StreamDef, StreamDefs, StreamInformation, UserDeserializer)
from cntk.logging import TraceLevel


@pytest.fixture
def ctf(tmp_path):
    path = tmp_path / "four.ctf"
    path.write_text("0 |S0 1\n1 |S0 2\n2 |S0 3\n3 |S0 4\n")
    return CTFDeserializer(str(path), StreamDefs(features=StreamDef(field="S0", shape=1)))


def test_config_defaults_and_dictionary(ctf):
    c = MinibatchSourceConfig([ctf])
    assert c.max_samples == INFINITELY_REPEAT and c.max_sweeps == INFINITELY_REPEAT
    assert (c.randomization_window_in_chunks, c.randomization_window_in_samples) == (128, 0)
    assert (c.randomization_seed, c.trace_level, c.truncation_length, c.max_errors) == (0, 1, 0, 0)
    assert c.is_frame_mode_enabled is False and not c.is_multithreaded.is_initialized()
    with pytest.raises(RuntimeError):
        c.is_multithreaded.get()
    d = to_dictionary(c)
    assert {k: v for k, v in d.items() if k != "deserializers"} == {
        "multiThreadedDeserialization": False, "traceLevel": 1, "frameMode": False,
        "sampleBasedRandomizationWindow": False, "randomizationSeed": 0,
        "randomizationWindow": DEFAULT_RANDOMIZATION_WINDOW_IN_CHUNKS, "randomize": True}
    assert d["deserializers"] == [ctf]
    plain = to_dictionary(MinibatchSourceConfig([ctf], False))
    assert sorted(plain) == ["deserializers", "frameMode", "multiThreadedDeserialization", "randomize", "traceLevel"]
    assert plain["randomize"] is False


def test_config_optional_keys(ctf):
    c = MinibatchSourceConfig([ctf])
    c.truncation_length, c.max_samples, c.randomization_seed, c.max_errors = 5, 10, 3, 2
    c.trace_level = TraceLevel.Info.value
    c.is_multithreaded.set(True)
    d = to_dictionary(c)
    assert (d["truncated"], d["truncationLength"], d["randomizationSeed"], d["maxErrors"]) == (True, 5, 3, 2)
    assert d["traceLevel"] == TraceLevel.Info and d["multiThreadedDeserialization"] is True
    c.randomization_window_in_chunks, c.randomization_window_in_samples = 0, 7
    d = to_dictionary(c)
    assert (d["randomizationWindow"], d["sampleBasedRandomizationWindow"]) == (7, True)


@pytest.mark.parametrize("settings", [dict(max_samples=10, max_sweeps=3),
                                      dict(randomization_window_in_samples=100),
                                      dict(is_frame_mode_enabled=True, truncation_length=2)])
def test_config_conflicts_are_errors(ctf, settings):
    c = MinibatchSourceConfig([ctf])
    for k, v in settings.items():
        setattr(c, k, v)
    with pytest.raises(RuntimeError, match="MinibatchSourceConfig"):
        to_dictionary(c)


@pytest.mark.parametrize("kw", [dict(randomization_window_in_samples=2), dict(frame_mode=True, truncation_length=2),
                                dict(max_samples=3, max_sweeps=2)])
def test_minibatch_source_rejects_conflicts(ctf, kw):
    with pytest.raises(RuntimeError):
        MinibatchSource(ctf, **kw)


def test_minibatch_source_limits(ctf):
    assert MinibatchSource(ctf, randomization_window_in_samples=2, randomize=False).next_minibatch(3)
    assert MinibatchSource(ctf, max_sweeps=0).next_minibatch(3) == {}
    with pytest.raises(RuntimeError):
        MinibatchSource(ctf, max_samples=0)


def test_composite_source_from_config(ctf):
    c = MinibatchSourceConfig([ctf])
    c.max_sweeps, c.randomization_window_in_chunks = 2, 0
    src = create_composite_minibatch_source(c)
    assert isinstance(src, MinibatchSource)
    mb = src.next_minibatch(10)
    assert mb[src.streams.features].num_samples == 8
    # an extension: CNTK 2.7 accepts a config only through create_composite_minibatch_source
    assert MinibatchSource(c).next_minibatch(3)[src.streams.features].asarray().ravel().tolist() == [1, 2, 3]


def test_sweep_k_is_shuffled_like_seed_plus_k(ctf):
    def read(seed):
        src = MinibatchSource(ctf, randomization_seed=seed)
        return src.next_minibatch(100, {"features": src["features"]})["features"].asarray().ravel()
    s0, s0_again, s1, s123 = read(0), read(0), read(1), read(123)
    assert (s0 == s0_again).all() and not (s0 == s123).all()
    assert (s0[4:] == s1[:-4]).all()


DIST = """0\t|S0 3:1\n0\t|S0 4:1\n0\t|S0 5:1\n0\t|S0 4:1\n0\t|S0 7:1\n0\t|S0 12:1\n0\t|S0 1:1
2\t|S0 60:1\n2\t|S0 61:1\n2\t|S0 61:1\n3\t|S0 60:1\n3\t|S0 61:1\n3\t|S0 61:1\n3\t|S0 61:1
4\t|S0 60:1\n5\t|S0 60:1\n5\t|S0 61:1\n6\t|S0 60:1\n6\t|S0 61:1\n7\t|S0 60:1\n8\t|S0 60:1\n8\t|S0 61:1
9\t|S0 60:1\n9\t|S0 61:1\n10\t|S0 61:1
"""


@pytest.mark.parametrize("partition,expected", [(0, [7, 4, 5, 7, 4]), (1, [4, 5, 3])])
def test_distributed_max_samples_count_all_workers(tmp_path, partition, expected):
    path = tmp_path / "dist.ctf"
    path.write_text(DIST)
    src = MinibatchSource(CTFDeserializer(str(path), StreamDefs(features=StreamDef(field="S0", shape=69,
                                                                                    is_sparse=True))),
                          randomize=False, max_samples=36)
    sizes = []
    while True:
        mb = src.next_minibatch(10, num_data_partitions=2, partition_index=partition)
        if not mb:
            break
        sizes.append(mb[src.streams.features].num_samples)
    assert sizes == expected


def test_randomized_partitions_share_every_sweep(tmp_path):
    """Randomized or not, worker p reads every n-th sequence: two workers of a one-chunk file both
    get data and together read it all once (CNTK gave whole chunks, leaving worker 1 idle here)."""
    path = tmp_path / "dist.ctf"
    path.write_text(DIST)
    streams = StreamDefs(features=StreamDef(field="S0", shape=69, is_sparse=True))
    totals = []
    for rank in (0, 1):
        source = MinibatchSource(CTFDeserializer(str(path), streams), max_sweeps=1)
        total = 0
        while True:
            mb = source.next_minibatch(10, num_data_partitions=2, partition_index=rank)
            if not mb:
                break
            total += mb[source.streams.features].num_samples
        totals.append(total)
    assert min(totals) > 0 and sum(totals) == 25


class Chunks(UserDeserializer):
    """Two chunks of three sequences; ``lengths`` gives the sequence lengths (None: plain samples)."""

    def __init__(self, infos, lengths=None):
        super().__init__()
        self._infos, self._lengths = infos, lengths

    def stream_infos(self):
        return self._infos

    def num_chunks(self):
        return 2

    def get_chunk(self, chunk_id):
        out = {}
        for si in self._infos:
            dim = int(np.prod(si.sample_shape))
            if self._lengths is None:
                arr = np.full((3,) + tuple(si.sample_shape), chunk_id + 1, np.float32)
                out[si.name] = arr if si.storage_format == "dense" else sp.csr_matrix(arr.reshape(3, dim))
            else:
                out[si.name] = [np.full((n,) + tuple(si.sample_shape), chunk_id + 1, np.float32)
                                if si.storage_format == "dense" else sp.csr_matrix(np.full((n, dim), chunk_id + 1,
                                                                                           np.float32))
                                for n in self._lengths]
        return out


def test_sparse_asarray_of_single_samples_is_dense():
    infos = [StreamInformation("x", 0, "dense", np.float32, (2, 3)),
             StreamInformation("y", 1, "sparse", np.float32, (1, 3))]
    src = MinibatchSource([Chunks(infos)], randomize=False)
    mb = src.next_minibatch(4)
    y = mb[src.streams.y].asarray()
    assert isinstance(y, np.ndarray) and y.shape == (4, 1, 1, 3)
    assert y[:, 0, 0, 0].tolist() == [1, 1, 1, 2]
    assert mb[src.streams.x].asarray().shape == (4, 1, 2, 3)


def test_sparse_sequences_need_as_sequences():
    infos = [StreamInformation("x", 0, "dense", np.float32, (2, 3)),
             StreamInformation("y", 1, "sparse", np.float32, (3,))]
    src = MinibatchSource([Chunks(infos, [1, 2, 3])], randomize=False)
    mb = src.next_minibatch(7)
    assert (mb[src.streams.y].num_sequences, mb[src.streams.y].num_samples) == (4, 7)
    with pytest.raises(ValueError):
        mb[src.streams.y].asarray()
    seqs = mb[src.streams.y].as_sequences(C.sequence.input_variable((3,), is_sparse=True))
    assert [s.shape for s in seqs] == [(1, 3), (2, 3), (3, 3), (1, 3)]
    assert mb[src.streams.x].asarray().shape == (4, 3, 2, 3)


def test_only_one_stream_may_define_the_minibatch_size():
    infos = [StreamInformation("x", 0, "dense", np.float32, (3,), True),
             StreamInformation("y", 1, "dense", np.float32, (1,), True)]
    src = MinibatchSource([Chunks(infos)], randomize=False)
    with pytest.raises(RuntimeError, match="one stream"):
        src.next_minibatch(5)
