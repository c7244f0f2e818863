"""Reading and writing model files: `Function.load` / `cntk.load_model`, `Function.save`, `Function.restore`.

Reading never executes anything from the file: the bytes are decoded by `values` (a bounds-checked
protobuf reader) into plain values, and the graph is rebuilt from those with this package's ops.
"""
from __future__ import annotations

import os
from typing import Any, Tuple

from .errors import ModelFileError
from .values import decode_dictionary, encode_dictionary
from .wire import DecodeError, iter_fields

CNTK_V2, ONNX = 0, 1
_V1_MAGIC = "BCN".encode("utf-16-le")

V1_MESSAGE = ("%s is a legacy CNTK v1 model (the BrainScript / cntk.exe format, which starts with the UTF-16 "
              "marker 'BCN'); cntk-torch reads CNTK v2 model files only. Convert it once with CNTK 2.7: "
              "python -c \"import cntk; cntk.load_model('OLD.model').save('NEW.model')\" and load NEW.model.")


def format_value(format: Any) -> int:
    """The integer value of a `ModelFormat` (or an int / None, meaning CNTKv2)."""
    if format is None:
        return CNTK_V2
    value = getattr(format, "value", format)
    if value not in (CNTK_V2, ONNX):
        raise ValueError("unknown model format %r (use ModelFormat.CNTKv2 or ModelFormat.ONNX)" % (format,))
    return value


def read_source(model: Any) -> Tuple[bytes, str]:
    """The bytes of a model given as a path or a byte buffer, and how messages name it."""
    if isinstance(model, (bytes, bytearray, memoryview)):
        return bytes(model), "the model buffer (%d bytes)" % len(model)
    if isinstance(model, (str, os.PathLike)):
        path = os.fspath(model)
        if not os.path.isfile(path):
            raise ModelFileError("cannot load the model '%s': no such file" % path)
        with open(path, "rb") as f:
            return f.read(), "file '%s'" % path
    raise ModelFileError("cannot load the model %r: it is neither a file path nor a byte buffer" % (model,))


def sniff(data: bytes, source: str) -> None:
    """Reject files that are clearly not CNTK v2 models, saying what they look like."""
    if not data:
        raise ModelFileError("%s is empty" % source)
    if data.startswith(_V1_MAGIC):
        raise ModelFileError(V1_MESSAGE % source)
    for magic, what in ((b"PK\x03\x04", "a zip archive (a PyTorch checkpoint or a NumPy .npz file?)"),
                        (b"\x89HDF\r\n\x1a\n", "an HDF5 file (a Keras model?)"),
                        (b"\x93NUMPY", "a NumPy .npy file")):
        if data.startswith(magic):
            raise ModelFileError("%s is %s, not a CNTK model" % (source, what))
    if data[:1] == b"\x80" and data[1:2] in (b"\x02", b"\x03", b"\x04", b"\x05"):
        raise ModelFileError("%s is a Python pickle, not a CNTK model (cntk-torch never unpickles files)" % source)
    if looks_like_onnx(data):
        raise ModelFileError("%s looks like an ONNX model; load it with format=ModelFormat.ONNX" % source)


def looks_like_onnx(data: bytes) -> bool:
    """True when the top-level fields are those of an ONNX ModelProto (a graph in field 7)."""
    try:
        numbers = {f.number for f in iter_fields(memoryview(data))}
    except DecodeError:
        return False
    return 7 in numbers and numbers <= {1, 2, 3, 4, 5, 6, 7, 8, 14, 20, 25}


def decode_model(data: bytes, source: str) -> dict:
    """The model dictionary of a CNTK v2 file (errors name the file and the problem)."""
    sniff(data, source)
    try:
        model = decode_dictionary(memoryview(data))
    except DecodeError as err:
        raise ModelFileError("%s is not a valid CNTK v2 model (truncated or corrupted?): %s" % (source, err)) from None
    except RecursionError:
        raise ModelFileError("%s is not a valid CNTK v2 model: values are nested too deeply" % source) from None
    kind = model.get("type")
    if kind != "CompositeFunction":
        if "Learners" in model or "learner" in str(kind).lower():
            raise ModelFileError("%s is a trainer checkpoint (.ckp learner state), not a model; load the model file "
                                 "saved next to it, and read this one with Trainer.restore_from_checkpoint" % source)
        raise ModelFileError("%s is not a CNTK v2 model: its root dictionary has type %r, expected 'CompositeFunction'"
                             % (source, kind))
    return model


def load_function(model: Any, device: Any = None, format: Any = None):
    """`Function.load`: the Function stored in a CNTK v2 model file or buffer (or an ONNX file)."""
    if format_value(format) == ONNX:
        from .onnx_io import load_onnx
        return load_onnx(model)
    data, source = read_source(model)
    return function_from_bytes(data, source)


def function_from_bytes(data: bytes, source: str = "the model buffer"):
    """The Function stored in the bytes of a CNTK v2 model."""
    from .rebuild import GraphBuilder
    model = decode_model(data, source)
    try:
        return GraphBuilder(model, source).build()
    except (ModelFileError, NotImplementedError):
        raise
    except RecursionError:
        raise ModelFileError("%s: the graph is nested too deeply to rebuild" % source) from None
    except (KeyError, TypeError, IndexError, AttributeError, ValueError) as err:
        raise ModelFileError("%s is inconsistent: %s: %s" % (source, type(err).__name__, err)) from None


def model_bytes(fn: Any) -> bytes:
    """The CNTK v2 model file content of a Function."""
    from .writer import model_dictionary
    return encode_dictionary(model_dictionary(fn))


def save_function(fn: Any, filename: Any, format: Any = None, use_external_files_to_store_parameters: bool = False) -> None:
    """`Function.save`: write ``fn`` in CNTK's v2 format (or ONNX)."""
    if use_external_files_to_store_parameters:
        raise NotImplementedError("Function.save(use_external_files_to_store_parameters=True) is not implemented")
    if format_value(format) == ONNX:
        from .onnx_io import save_onnx
        save_onnx(fn, filename)
        return
    data = model_bytes(fn)
    with open(os.fspath(filename), "wb") as f:
        f.write(data)


def restore_function(fn: Any, filename: Any) -> None:
    """`Function.restore`: overwrite ``fn``'s parameters and constants in place with those of a saved model
    of the same graph (matched by uid, else by position)."""
    data, source = read_source(filename)
    saved = function_from_bytes(data, source)
    for kind in ("parameters", "constants"):
        mine, theirs = getattr(fn, kind), getattr(saved, kind)
        if len(mine) != len(theirs):
            raise ModelFileError("%s holds %d %s, the function has %d: it is not a save of this graph"
                                 % (source, len(theirs), kind, len(mine)))
        by_uid = {v.uid: v for v in theirs}
        for k, v in enumerate(mine):
            other = by_uid.get(v.uid, theirs[k])
            if tuple(other.shape) != tuple(v.shape):
                raise ModelFileError("%s: %s '%s' has shape %s in the file, %s in the function"
                                     % (source, kind[:-1], v.name or v.uid, tuple(other.shape), tuple(v.shape)))
        for k, v in enumerate(mine):
            v.value = by_uid.get(v.uid, theirs[k]).value
