"""Reading CTF files chunk by chunk: same data as one piece, whole sequences per chunk, bounded memory."""
import random
import warnings

import numpy as np
import pytest

import cntk._io.constants as constants
import cntk._io.ctf_parser as ctf_parser
from cntk.io import CTFDeserializer, CTFFormatError, CTFWarning, MinibatchSource, StreamDef, StreamDefs
from cntk._io.ctf_parser import load_ctf, parse_ctf_text
from cntk._io.deserializers import clear_cache

from ctf_gen import STREAMS, well_formed
from io_helpers import record

SD = {n: StreamDef(field=f, shape=d, is_sparse=s) for n, (f, d, s) in STREAMS.items()}


@pytest.fixture(autouse=True)
def fresh_cache():
    clear_cache()
    yield
    clear_cache()


def read_all(path, k=9, **kw):
    src = MinibatchSource(CTFDeserializer(str(path), StreamDefs(**SD)), max_sweeps=1, **kw)
    out = []
    while True:
        mb = src.next_minibatch(k)
        if not mb:
            return out, src
        out.append(record(mb))


def write(tmp_path, text, name="f.ctf"):
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8"))
    return path


@pytest.mark.parametrize("chunk,slice_bytes", [(150, 64), (700, 256 * 1024), (4096, 100), (10 ** 6, 64)])
@pytest.mark.parametrize("seed", range(3))
def test_chunked_reading_equals_reading_in_one_piece(tmp_path, monkeypatch, seed, chunk, slice_bytes):
    text = well_formed(random.Random(seed), n_seq=60)
    path = write(tmp_path, text)
    whole, _ = read_all(path, randomize=False)
    monkeypatch.setattr(constants, "CTF_CHUNK_BYTES", chunk)
    monkeypatch.setattr(ctf_parser, "SLICE_BYTES", slice_bytes)
    clear_cache()
    chunked, src = read_all(path, randomize=False)
    assert chunked == whole
    store, _ = src._data()
    assert store.num_blocks == 1 if chunk >= len(text) else store.num_blocks > 1
    keys = store.keys.tolist()
    assert all(a != b for a, b in zip(keys, keys[1:]))      # no sequence was split between two chunks


def test_every_chunk_holds_whole_sequences(tmp_path):
    text = "".join("%d |x 1 2 3\n" % (i // 7) for i in range(700))         # 100 sequences of 7 rows
    path = write(tmp_path, text)
    store = load_ctf(str(path), {"X": StreamDef(field="x", shape=3)}, capacity=1, chunk_bytes=500)
    assert store.num_blocks > 10
    assert store.keys.tolist() == list(range(100))
    assert (store.lengths["X"] == 7).all()
    assert store.chunks.tolist() == sorted(store.chunks.tolist())


def test_memory_is_bounded_by_the_randomization_window(tmp_path, monkeypatch):
    text = well_formed(random.Random(7), n_seq=200)
    path = write(tmp_path, text)
    whole, _ = read_all(path, randomize=False)
    monkeypatch.setattr(constants, "CTF_CHUNK_BYTES", 400)
    clear_cache()
    src = MinibatchSource(CTFDeserializer(str(path), StreamDefs(**SD)), max_sweeps=1, randomize=False,
                          randomization_window_in_chunks=1)
    store, _ = src._data()
    assert store.num_blocks > 10
    seen = []
    while True:
        mb = src.next_minibatch(9)
        if not mb:
            break
        seen.append(record(mb))
        assert len(store.resident_blocks) <= 2
    assert seen == whole
    assert store.loads >= store.num_blocks - 2             # the others were parsed again when needed


@pytest.mark.parametrize("window", [1, 3])
def test_randomized_streaming_delivers_each_sequence_once_per_sweep(tmp_path, monkeypatch, window):
    rng = random.Random(11)
    text = "".join("%d |x %d 0 0\n" % (i, i) for i in range(300))
    path = write(tmp_path, text)
    monkeypatch.setattr(constants, "CTF_CHUNK_BYTES", 256)
    src = MinibatchSource(CTFDeserializer(str(path), StreamDefs(X=StreamDef(field="x", shape=3))), max_sweeps=2,
                          randomize=True, randomization_window_in_chunks=window, randomization_seed=rng.randrange(99))
    store, _ = src._data()
    got = []
    while True:
        mb = src.next_minibatch(17)
        if not mb:
            break
        got += [int(s[0, 0]) for s in mb[src.streams.X].as_sequences()]
        assert len(store.resident_blocks) <= window + 1
    assert sorted(got) == sorted(list(range(300)) * 2)
    assert got[:300] != list(range(300))


def test_a_sequence_longer_than_a_chunk(tmp_path):
    text = "".join("5 |x %d\n" % i for i in range(1000)) + "6 |x 1\n"
    path = write(tmp_path, text)
    store = load_ctf(str(path), {"X": StreamDef(field="x", shape=1)}, capacity=1, chunk_bytes=64)
    assert store.keys.tolist() == [5, 6] and store.lengths["X"].tolist() == [1000, 1]
    out, _ = store.gather("X", np.array([0]))
    assert out[0, :, 0].tolist() == list(range(1000))


def test_files_without_ids_are_one_row_per_sequence_in_every_chunk(tmp_path):
    text = "".join("|x %d\n" % i for i in range(300))
    store = load_ctf(str(write(tmp_path, text)), {"X": StreamDef(field="x", shape=1)}, capacity=1, chunk_bytes=100)
    assert store.num_blocks > 5
    assert store.keys.tolist() == list(range(300))          # keys are line indices


@pytest.mark.parametrize("chunk", [30, 64, 10 ** 6])
def test_bad_rows_are_counted_and_reported_once_across_chunks(tmp_path, chunk):
    rows = ["%d |x %d %d" % (i, i, i) for i in range(40)]
    rows[13] = "13 |x 1 2 3"                                  # too many values
    rows[27] = "27 |x a b"                                    # not numbers -> error regardless of max_errors
    rows[31] = "31 | 1 2"                                     # no stream name
    text = "\n".join(rows[:27] + rows[28:]) + "\n"
    path = write(tmp_path, text)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        store = load_ctf(str(path), {"X": StreamDef(field="x", shape=2)}, max_errors=2, capacity=1, chunk_bytes=chunk)
    messages = [str(w.message) for w in caught if issubclass(w.category, CTFWarning)]
    assert len(messages) == 3 and "line 14" in messages[0] and "line 31" in messages[1]
    assert "2 malformed row(s) or sequence(s) skipped (max_errors=2)" in messages[2]
    assert 13 not in store.keys.tolist() and 31 not in store.keys.tolist() and len(store.keys) == 37
    text = "\n".join(rows) + "\n"
    for name, text, max_errors, where in [("f.ctf", None, 1, "line 31"),
                                          ("g.ctf", text, 5, r"line 28: 'a' in stream \|x is not a number")]:
        with pytest.raises(CTFFormatError, match=where), pytest.warns(CTFWarning, match="line 14"):
            load_ctf(str(write(tmp_path, text, name) if text else path), {"X": StreamDef(field="x", shape=2)},
                     max_errors=max_errors, capacity=100, chunk_bytes=chunk)


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_last_line_without_newline_and_crlf(tmp_path, newline):
    text = newline.join("%d |x %d" % (i // 2, i) for i in range(50))
    store = load_ctf(str(write(tmp_path, text)), {"X": StreamDef(field="x", shape=1)}, capacity=1, chunk_bytes=40)
    assert store.lengths["X"].tolist() == [2] * 25
    out, _ = store.gather("X", np.arange(25))
    assert out[:, :, 0].ravel().tolist() == list(range(50))


def test_chunks_equal_the_text_parser(tmp_path):
    text = well_formed(random.Random(5), n_seq=80)
    chunk = parse_ctf_text(text, SD)
    store = load_ctf(str(write(tmp_path, text)), SD, capacity=2, chunk_bytes=300)
    assert store.keys.tolist() == chunk.keys.tolist()
    for name in SD:
        assert store.lengths[name].tolist() == chunk.columns[name].lengths.tolist()
        got, _ = store.gather(name, np.arange(len(chunk.keys)))
        want, _ = chunk.columns[name].gather(np.arange(len(chunk.keys)))
        np.testing.assert_array_equal(got.numpy(), want)


def test_chunks_left_out_of_memory_are_indexed_without_their_numbers(tmp_path):
    rows = ["%d |x %d 1" % (i // 3, i) for i in range(300)]
    rows[200] = "66 |x 1e 2"                                # a bad number in a chunk that is not kept
    rows[150:153] = ["50 |y 1 2"] * 3                      # a sequence without |x: skipped (max_errors)
    path = write(tmp_path, "\n".join(rows) + "\n")
    with pytest.warns(CTFWarning) as caught:
        store = load_ctf(str(path), {"X": StreamDef(field="x", shape=2)}, max_errors=1, capacity=2, chunk_bytes=200)
    assert [str(w.message).split(": ", 1)[1] for w in caught] == [
        "stream |x has no sample in sequence (id = 50); every declared stream must appear at least once in every"
        " sequence (row skipped)", "1 malformed row(s) or sequence(s) skipped (max_errors=1)"]
    assert "line 151" in str(caught[0].message)
    assert store.num_blocks > 5 and 50 not in store.keys.tolist() and len(store.keys) == 99
    first, _ = store.gather("X", np.arange(3))
    assert first[:, :, 0].tolist() == [[0, 1, 2], [3, 4, 5], [6, 7, 8]]
    last = len(store.keys) - 1
    assert store.gather("X", np.array([last]))[0][0, :, 0].tolist() == [297, 298, 299]
    with pytest.raises(CTFFormatError, match=r"line 201: '1e' in stream \|x is not a number"):
        store.gather("X", np.array([65]))


@pytest.mark.parametrize("text,error", [("", "holds no sequences"), ("\n", "line 1: empty input row")])
def test_empty_files(tmp_path, text, error):
    path = write(tmp_path, text)
    with pytest.raises(ValueError, match=error):
        read_all(path)
