"""The protobuf codec of model files, other file formats, and bad input: truncated or corrupted
files, legacy v1 files, files of other formats and unknown op codes get clear errors, never a
crash or a hang."""
import glob
import os
import time

import numpy as np
import pytest

import cntk as C
from cntk._serialization import values, wire
from cntk._serialization.errors import ModelFileError
from cntk._serialization.opcodes import describe_op
from model_file_helpers import CNTK27, REAL, read

V2_FILES = sorted(f for f in glob.glob(os.path.join(CNTK27, "*.model")) if "v1legacy" not in f) + \
    [os.path.join(CNTK27, "trained_classifier_checkpoint.model.ckp"), os.path.join(REAL, "solar_2000ep.dnn")]


@pytest.mark.parametrize("path", V2_FILES, ids=os.path.basename)
def test_decode_then_encode_gives_the_same_bytes(path):
    data = read(path)
    assert values.encode_dictionary(values.decode_dictionary(memoryview(data))) == data


def test_values_keep_their_tags():
    d = {"size": 3, "int": values.Int32(-1), "float": values.Float32(0.5), "double": 0.25, "flag": False,
         "text": "héllo", "none": None, "shape": values.Shape((3, 18446744073709551613)),
         "axis": values.AxisRecord(2147483647, "defaultDynamicAxis", True), "list": [values.Int32(1), "x"],
         "nested": {"a": [1, 2]}, "f32": np.arange(6, dtype=np.float32).reshape(2, 3),
         "f64": np.array(1.5), "f16": np.array([0.5, -2.0], np.float16), "empty": np.zeros((0, 3), np.float32)}
    back = values.decode_dictionary(memoryview(values.encode_dictionary(d)))
    assert list(back) == list(d)
    for k, v in d.items():
        if isinstance(v, np.ndarray):
            assert back[k].dtype == v.dtype and back[k].shape == v.shape and np.array_equal(back[k], v)
        else:
            assert back[k] == v and type(back[k]) is type(v), k


def test_negative_int32_is_a_ten_byte_varint():
    enc = wire.varint_field(4, -1)
    assert len(enc) == 11
    f = next(wire.iter_fields(memoryview(enc)))
    assert wire.to_int32(f.value) == -1


def test_stored_dims_are_reversed_numpy_dims():
    arr = np.arange(15, dtype=np.float32).reshape(5, 3)
    decoded = values.decode_ndarray(memoryview(values.encode_ndarray(arr)))
    dims = values.decode_shape(next(f for f in wire.iter_fields(memoryview(values.encode_ndarray(arr)))
                                    if f.number == 3).value)
    assert tuple(dims) == (3, 5) and np.array_equal(decoded, arr)


def test_legacy_v1_file_gets_a_conversion_hint():
    for name in ("dense_v1legacy.model", "emb_lstm_dense_v1legacy.model"):
        with pytest.raises(ModelFileError) as err:
            C.load_model(os.path.join(CNTK27, name))
        msg = str(err.value)
        assert name in msg and "legacy CNTK v1" in msg and "BCN" in msg and "CNTK 2.7" in msg and ".save(" in msg


@pytest.mark.parametrize("data,expect", [
    (b"", "is empty"),
    (b"PK\x03\x04rest", "zip archive"),
    (b"\x89HDF\r\n\x1a\nxx", "HDF5"),
    (b"\x80\x04\x95\x00", "pickle"),
    (b"\x93NUMPY\x01\x00", ".npy"),
    (b"hello, this is text\n", "not a valid CNTK v2 model"),
    (b"\x08\x02", "not a CNTK v2 model"),
])
def test_other_formats_are_named(data, expect):
    with pytest.raises(ModelFileError) as err:
        C.Function.load(data)
    assert expect in str(err.value)


def test_onnx_file_needs_the_onnx_format():
    with pytest.raises(ModelFileError) as err:
        C.load_model(os.path.join(CNTK27, "dense.onnx"))
    assert "ONNX" in str(err.value) and "format=ModelFormat.ONNX" in str(err.value)


def test_checkpoint_is_not_a_model():
    with pytest.raises(ModelFileError) as err:
        C.load_model(os.path.join(CNTK27, "trained_classifier_checkpoint.model.ckp"))
    assert "trainer checkpoint" in str(err.value)


def test_missing_file_and_bad_argument():
    with pytest.raises(ModelFileError, match="no such file"):
        C.load_model("/nonexistent/model.dnn")
    with pytest.raises(ModelFileError, match="neither a file path nor a byte buffer"):
        C.load_model(12)


def _rewrite_first(data, predicate, change):
    d = values.decode_dictionary(memoryview(data))
    rec = next(r for r in d["primitive_functions"] if predicate(r))
    change(rec)
    return values.encode_dictionary(d)


def test_unknown_op_codes_are_named_with_their_cntk_version():
    data = read(os.path.join(CNTK27, "dense.model"))
    cases = {205: "DistributedFullyConnected_v2", 150: "op code 150", 33: "Convolution"}
    for code, expect in cases.items():
        bad = _rewrite_first(data, lambda r: r["op"] == 3, lambda r: r.update(op=code))
        with pytest.raises(NotImplementedError) as err:
            C.Function.load(bad)
        msg = str(err.value)
        assert expect in msg and "ReLU31" in msg, msg
    assert "after the 2.7 release" in describe_op(205)
    assert "no CNTK release defines" in describe_op(150)
    assert "model format version 19" in describe_op(87)


def test_inconsistent_graphs_name_the_function():
    data = read(os.path.join(CNTK27, "dense.model"))
    bad = _rewrite_first(data, lambda r: r["op"] == 19, lambda r: r.update(inputs=["Times27_Output_0", "Nowhere7"]))
    with pytest.raises(ModelFileError, match="'Plus29' refers to 'Nowhere7'"):
        C.Function.load(bad)
    bad = _rewrite_first(data, lambda r: r["op"] == 19, lambda r: r.update(inputs=["Times27_Output_3", "Parameter5"]))
    with pytest.raises(ModelFileError, match="uses output 3 of 'Times27', which has 1 output"):
        C.Function.load(bad)
    d = values.decode_dictionary(memoryview(data))
    param = next(v for v in d["inputs"] if v["uid"] == "Parameter4")
    param["value"] = np.zeros((2, 2), np.float32)
    with pytest.raises(ModelFileError, match=r"Parameter4.*value has shape \(2, 2\), the declared shape is \(5, 3\)"):
        C.Function.load(values.encode_dictionary(d))
    bad = _rewrite_first(data, lambda r: r["op"] == 19, lambda r: r.update(inputs=["Times27_Output_0", "Placeholder47"]))
    with pytest.raises(ModelFileError, match=r"function 'Plus29' \(Plus\): .*cannot be broadcast.*\(3,\).*\(5,\)"):
        C.Function.load(bad)


def test_deep_nesting_is_refused():
    v = {"x": 1}
    for _ in range(100):
        v = {"n": v}
    with pytest.raises(ModelFileError, match="nested deeper"):
        C.Function.load(values.encode_dictionary(v))


def _mutations(data, rng, count):
    for i in range(count):
        b = bytearray(data)
        kind = i % 4
        if kind == 0:
            b = b[:rng.randint(0, len(b))]
        elif kind == 1:
            for _ in range(rng.randint(1, 4)):
                b[rng.randint(0, len(b))] = rng.randint(0, 256)
        elif kind == 2:
            p = rng.randint(0, len(b))
            b[p:p] = bytes(rng.randint(0, 256, rng.randint(1, 8)).astype(np.uint8))
        else:
            p = rng.randint(0, len(b))
            del b[p:p + rng.randint(1, 64)]
        yield bytes(b)


@pytest.mark.parametrize("name", ["dense", "emb_lstm_dense", "seq_ops", "unfold", "float16_cast"])
def test_fuzzed_files_fail_cleanly(name):
    """Truncated, bit-flipped, grown and shrunk copies of real files: each loads or raises
    ModelFileError / NotImplementedError with a message, quickly."""
    data = read(os.path.join(CNTK27, name + ".model"))
    rng = np.random.RandomState(sum(map(ord, name)))
    start = time.time()
    outcomes = {"loaded": 0, "refused": 0}
    for mutated in _mutations(data, rng, 120):
        t = time.time()
        try:
            C.Function.load(mutated)
            outcomes["loaded"] += 1
        except (ModelFileError, NotImplementedError) as err:
            assert str(err), "an error without a message"
            outcomes["refused"] += 1
        assert time.time() - t < 5.0, "a mutated file took %.1f s to load" % (time.time() - t)
    assert outcomes["refused"] > 60
    assert time.time() - start < 60
