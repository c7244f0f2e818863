"""The vectorised CTF parser against the exact one, the number parser against ``float``, and fuzzing."""
import random
import warnings

import numpy as np
import pytest

from cntk.io import CTFFormatError, CTFWarning
from cntk._io.ctf_exact import parse_rows_exact
from cntk._io.ctf_fast import FieldNames, parse_rows_fast
from cntk._io.ctf_parser import parse_ctf_text
from cntk._io.ctf_rows import Diagnostics, fields_of
from cntk._io.numparse import PADDING, ByteBuffer, parse_floats, parse_sparse, parse_uints
from cntk._io.streams import StreamDef

from ctf_gen import STREAMS, damaged, number, well_formed

FIELDS = fields_of({name: StreamDef(field=f, shape=d, is_sparse=s) for name, (f, d, s) in STREAMS.items()})
NAMES = FieldNames(FIELDS)


def fast_rows(text):
    buf = ByteBuffer.of(text.encode("utf-8"))
    buf.end_line()
    return parse_rows_fast(buf, PADDING, buf.end, 1, NAMES)


def exact_rows(text):
    diag = Diagnostics("t.ctf", 0)
    rows = parse_rows_exact(text, 1, FIELDS, diag)
    diag.commit()
    return rows


def assert_same_rows(a, b):
    np.testing.assert_array_equal(a.lines, b.lines)
    np.testing.assert_array_equal(a.ids, b.ids)
    for name in b.samples:
        x, y = a.samples[name], b.samples[name]
        np.testing.assert_array_equal(x.rows, y.rows)
        for attr in ("values", "counts", "indices", "data"):
            u, v = getattr(x, attr), getattr(y, attr)
            assert (u is None) == (v is None), attr
            if v is not None:
                assert u.dtype == v.dtype, attr
                np.testing.assert_array_equal(u, v, err_msg="%s.%s" % (name, attr))


@pytest.mark.parametrize("seed", range(40))
def test_fast_parser_reads_well_formed_text_like_the_exact_parser(seed):
    rng = random.Random(seed)
    for _ in range(5):
        text = well_formed(rng)
        fast = fast_rows(text)
        assert fast is not None, text
        assert_same_rows(fast, exact_rows(text))


@pytest.mark.parametrize("seed", range(40))
def test_fast_parser_declines_or_agrees_on_damaged_text(seed):
    rng = random.Random(1000 + seed)
    for _ in range(10):
        text = damaged(rng, well_formed(rng, 4))
        fast = fast_rows(text)
        if fast is None:
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("error", CTFWarning)   # the fast parser must decline rows CNTK warns about
            assert_same_rows(fast, exact_rows(text))


@pytest.mark.parametrize("seed", range(20))
def test_fuzzed_files_raise_only_ctf_format_errors(tmp_path, seed, monkeypatch):
    import cntk._io.constants as constants
    from cntk.io import CTFDeserializer, MinibatchSource, StreamDefs
    monkeypatch.setattr(constants, "CTF_CHUNK_BYTES", 300)
    rng = random.Random(2000 + seed)
    for i in range(5):
        raw = damaged(rng, well_formed(rng, 6), edits=rng.randint(1, 6)).encode("utf-8")
        if rng.random() < 0.3:                           # invalid UTF-8 too
            k = rng.randrange(len(raw) + 1)
            raw = raw[:k] + bytes([rng.randrange(128, 256)]) + raw[k:]
        path = tmp_path / ("f%d_%d.ctf" % (seed, i))
        path.write_bytes(raw)
        sd = StreamDefs(**{n: StreamDef(field=f, shape=d, is_sparse=s) for n, (f, d, s) in STREAMS.items()})
        for max_errors in (0, 3):
            src = MinibatchSource(CTFDeserializer(str(path), sd), randomize=False, max_sweeps=1,
                                  max_errors=max_errors)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", CTFWarning)
                try:
                    while src.next_minibatch(7):
                        pass
                except CTFFormatError as e:
                    assert str(path) in str(e) and e.line is not None
                except ValueError as e:
                    assert "holds no sequences" in str(e), e


def _buffer(tokens):
    text = b" ".join(tokens)
    lens = np.array([len(t) for t in tokens])
    starts = np.cumsum(np.r_[0, lens[:-1] + 1]) + PADDING
    return ByteBuffer.of(text), starts, starts + lens


@pytest.mark.parametrize("seed", range(10))
def test_numbers_convert_exactly_like_float(seed):
    rng = random.Random(seed)
    toks = [number(rng).encode() for _ in range(3000)]
    got = parse_floats(*_buffer(toks))
    want = np.array([float(t) for t in toks])
    assert np.array_equal(got, want) and np.array_equal(np.signbit(got), np.signbit(want))


@pytest.mark.parametrize("tok", [b".5", b"-.5", b"+", b"-", b"1.2.3", b"1e", b"1e+", b"e5", b"1e5.0", b"nan", b"inf",
                                 b"1_0", b"0x10", b"1-2", b"1e5e3", b"--1", b"1..", b"12345678901234567.8.9"])
def test_numbers_outside_the_grammar_are_refused(tok):
    assert parse_floats(*_buffer([b"1.5", tok, b"2"])) is None


def test_unsigned_integers():
    toks = [b"0", b"7", b"00012", b"12345678", b"123456789", b"9999999999999999"]
    assert parse_uints(*_buffer(toks)).tolist() == [int(t) for t in toks]
    for bad in (b"+1", b"-1", b"1.0", b"1e3", b"12345678901234567", b"1a"):
        assert parse_uints(*_buffer([b"1", bad])) is None


def test_exact_parser_handles_what_the_fast_one_declines():
    text = "0 |x 1 2 3 |s 1:1\n0 |x 4 5 |label 1 2 |words_and_more 6:0.5\n"     # x has 2 of 3 values: zero-filled
    assert fast_rows(text) is None
    with pytest.warns(CTFWarning, match="line 2"):
        chunk = parse_ctf_text(text, {n: StreamDef(field=f, shape=d, is_sparse=s) for n, (f, d, s) in
                                      [("X", ("x", 3, False)), ("S", ("s", 50, True)), ("L", ("label", 2, False)),
                                       ("W", ("words_and_more", 7, True))]})
    np.testing.assert_array_equal(chunk.columns["X"].sequence(0), [[1, 2, 3], [4, 5, 0]])


@pytest.mark.parametrize("seed", range(10))
def test_sparse_entries(seed):
    rng = random.Random(seed)
    toks = [("%d:%s" % (rng.randrange(10 ** rng.randrange(1, 7)), number(rng))).encode()
            for _ in range(2000)]
    indices, values = parse_sparse(*_buffer(toks))
    assert indices.tolist() == [int(t.split(b":")[0]) for t in toks]
    want = np.array([float(t.split(b":")[1]) for t in toks])
    assert np.array_equal(values, want) and np.array_equal(np.signbit(values), np.signbit(want))
    for bad in (b"1", b":1", b"1:", b"1::2", b"1:2:3", b"+1:2", b"a:1", b"1:x", b"1.0:2", b"12345678901234567:1"):
        assert parse_sparse(*_buffer([b"3:4", bad])) is None, bad
