"""The CTF grammar, compared with what CNTK 2.7 reads from the same texts."""
import json
import os

import numpy as np
import pytest

from cntk.io import CTFFormatError, CTFWarning
from cntk._io.ctf_parser import parse_ctf_text
from cntk._io.streams import StreamDef

from io_helpers import assert_same, data_path, golden, make_source, record, run

CASES = json.load(open(data_path("grammar_cases.json")))
GOLD = golden("grammar")

# 1-based line our reader must name for each case CNTK rejects
ERROR_LINES = {
    "non_numeric_seq_id": 1, "sparse_index_without_value": 1, "dense_too_many": 1, "stream_twice_on_row": 1,
    "sparse_index_out_of_range": 1, "blank_line": 2, "stream_missing_in_sequence": 1,
    "dense_missing_in_sequence": 1, "numbers": 1, "bad_number": 1, "comment_only_line": 1,
}


@pytest.mark.parametrize("tag,text,streams", CASES, ids=[c[0] for c in CASES])
def test_grammar_case(tmp_path, tag, text, streams):
    path = str(tmp_path / (tag + ".ctf"))
    with open(path, "w", newline="") as f:
        f.write(text)
    ref = GOLD[tag]
    src = make_source(path, streams, randomize=False, max_sweeps=1)
    if not ref["ok"]:
        with pytest.raises(CTFFormatError) as info:
            src.next_minibatch(1000)
        msg = str(info.value)
        assert path in msg and "line %d" % ERROR_LINES[tag] in msg, msg
        assert info.value.line == ERROR_LINES[tag]
        return
    mbs = []
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CTFWarning)
        while True:
            mb = src.next_minibatch(1000)
            if not mb:
                break
            mbs.append(mb)
    assert_same([record(m) for m in mbs], ref["minibatches"], where=tag)


def test_every_error_case_is_covered():
    assert {t for t, g in GOLD.items() if not g["ok"]} == set(ERROR_LINES)


def test_dense_zero_fill_warns():
    with pytest.warns(CTFWarning, match="line 2"):
        st = parse_ctf_text("0 |x 1 2\n0 |x 3\n", {"X": StreamDef(field="x", shape=2)})
    np.testing.assert_array_equal(st.columns["X"].sequence(0), [[1, 2], [3, 0]])


def test_error_messages_say_what_was_expected():
    sd = {"Y": StreamDef(field="y", shape=3, is_sparse=True)}
    with pytest.raises(CTFFormatError, match=r"f\.ctf, line 2: .*out of range"):
        parse_ctf_text("0 |y 1:1\n0 |y 3:1\n", sd, filename="f.ctf")
    with pytest.raises(CTFFormatError, match=r"line 3: .*index:value"):
        parse_ctf_text("0 |y 1:1\n0 |y 2:1\n0 |y 1:1 2\n", sd, filename="f.ctf")
    with pytest.raises(CTFFormatError, match=r"line 2: .*unsigned integer"):
        parse_ctf_text("0 |y 1:1\n0 |y +1:1\n", sd, filename="f.ctf")
    with pytest.raises(CTFFormatError, match=r"line 1: .*'nan' .*not a number"):
        parse_ctf_text("0 |x 1 nan\n", {"X": StreamDef(field="x", shape=2)}, filename="f.ctf")
    with pytest.raises(CTFFormatError, match=r"line 2: .*stream name"):
        parse_ctf_text("0 |x 1 2\n0 | 1 2\n", {"X": StreamDef(field="x", shape=2)}, filename="f.ctf")


def test_max_errors_skips_bad_rows():
    text = "0 |x 1 2\n1 |x 1 2 3\n2 |x 5 6\n"
    with pytest.warns(CTFWarning, match="line 2"):
        st = parse_ctf_text(text, {"X": StreamDef(field="x", shape=2)}, max_errors=1)
    assert st.num_sequences == 2 and list(st.keys) == [0, 2]
    with pytest.raises(CTFFormatError):
        parse_ctf_text(text + "3 |x a\n", {"X": StreamDef(field="x", shape=2)}, max_errors=0)


def test_atis_file_parses_like_cntk():
    ref = golden("schedules")["atis_k70_2sweeps"]
    st = parse_ctf_text(open(data_path("atis_small.ctf")).read(), {
        "query": StreamDef(field="S0", shape=943, is_sparse=True),
        "intent": StreamDef(field="S1", shape=26, is_sparse=True),
        "slots": StreamDef(field="S2", shape=129, is_sparse=True)})
    assert st.num_sequences == 300
    words = [list(np.argmax(st.columns["query"].sequence(i), axis=1)) for i in range(20)]
    flat_ref = [w for r in ref[:3] for w in r["query_words"]]
    assert words[:len(flat_ref)] == flat_ref
    assert all(n == 1 for n in st.columns["intent"].lengths)


def test_missing_file_and_undeclared_stream_are_named(tmp_path):
    missing = str(tmp_path / "nope.ctf")
    with pytest.raises(FileNotFoundError, match="nope.ctf"):
        make_source(missing, {"X": ["x", 2, False]}).next_minibatch(10)
    path = tmp_path / "f.ctf"
    path.write_text("0 |x 1 2\n1 |x 3 4\n")
    with pytest.raises(CTFFormatError, match=r"f\.ctf, line 1: stream \|z has no sample in sequence"):
        make_source(str(path), {"X": ["x", 2, False], "Z": ["z", 3, True]}).next_minibatch(10)


def test_max_errors_reports_how_many_rows_were_skipped(tmp_path):
    path = tmp_path / "f.ctf"
    path.write_text("0 |x 1 2\n1 |x 1\n2 |x 5 6 7\n3 |x 5 q\n4 | 1\n5 |x 9 9\n")
    with pytest.warns(CTFWarning) as caught:
        src = make_source(str(path), {"X": ["x", 2, False]}, randomize=False, max_errors=2)
        with pytest.raises(CTFFormatError, match=r"line 4: 'q' in stream \|x is not a number"):
            src.next_minibatch(10)
    skipped = [str(w.message) for w in caught if "row skipped" in str(w.message)]
    assert len(skipped) == 1 and "line 3: dense sample of stream |x has 3 values, expected 2" in skipped[0]
