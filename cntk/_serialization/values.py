"""CNTK's dictionary messages as plain Python values, both ways.

A CNTK v2 model (and a trainer's ``.ckp``) is one ``Dictionary`` message: a string map of tagged
values (see ``docs/model-format.md`` of the shared notes). Here each tagged value becomes:

=============  =====================================================================
Dictionary     ``dict`` (keys in file order)
Vector         ``list``
NDShape        `Shape` (a tuple in CNTK's column-major order; ``.numpy`` reverses it)
Axis           `AxisRecord` (static index, name, ordered flag)
NDArrayView    ``numpy.ndarray`` in numpy order (the stored dims reversed)
Bool           ``bool``
Int            `Int32` (an ``int``)
SizeT          ``int``
Float          `Float32` (a ``float``)
Double         ``float``
String         ``str``
None           ``None``
=============  =====================================================================

`Int32` and `Float32` keep the file's tag, so ``encode(decode(data))`` writes the same tags.
"""
from __future__ import annotations

import struct
from typing import Any, NamedTuple

import numpy as np

from .wire import (FIXED32, FIXED64, DecodeError, Field, bytes_field, fixed32_field, fixed64_field, iter_fields,
                   packed_varints, to_int32, varint_field)

MAX_DEPTH = 64
DYNAMIC_AXIS_INDEX = 2147483647
INFERRED_DIM = 2 ** 64 - 1
FREE_DIM = 2 ** 64 - 3

NONE, BOOL, INT, SIZE_T, FLOAT, DOUBLE, STRING, NDSHAPE, AXIS, VECTOR, DICTIONARY, NDARRAY = range(12)
_TYPE_NAMES = ["None", "Bool", "Int", "SizeT", "Float", "Double", "String", "NDShape", "Axis", "Vector", "Dictionary",
               "NDArrayView"]

# NDArrayView data types and storage formats
DATA_TYPES = {1: np.float32, 2: np.float64, 4: np.float16, 5: np.int8, 6: np.int16}
DATA_TYPE_CODES = {np.dtype(np.float32): 1, np.dtype(np.float64): 2, np.dtype(np.float16): 4}
_STORAGE_NAMES = {1: "sparse CSC", 2: "sparse block-column"}


class Int32(int):
    """An integer stored with CNTK's ``Int`` tag (signed 32-bit) rather than ``SizeT``."""


class Float32(float):
    """A number stored with CNTK's ``Float`` tag (32-bit) rather than ``Double``."""


class Shape(tuple):
    """NDShape dims in CNTK's (column-major) order."""

    @property
    def numpy(self) -> tuple:
        """The dims in numpy (row-major) order."""
        return tuple(reversed(self))


class AxisRecord(NamedTuple):
    """An ``Axis`` message: a static axis (index counted from the column-major end) or a dynamic axis
    (``static_axis_idx == DYNAMIC_AXIS_INDEX``, with a name and the ordered flag of sequence axes)."""

    static_axis_idx: int
    name: str
    is_ordered_dynamic_axis: bool


# --- decoding ---------------------------------------------------------------------------------------------------
def decode_dictionary(buf: memoryview, base: int = 0, depth: int = 0) -> dict:
    """A ``Dictionary`` message as a ``dict``."""
    _check_depth(depth, base)
    out: dict = {}
    for f in iter_fields(buf, base):
        if f.number != 2:
            continue                  # 1 = version
        entry = f.bytes_value("dictionary entry")
        k, v, have_value = "", None, False
        for g in iter_fields(entry, _payload_offset(f)):
            if g.number == 1:
                k = _utf8(g.bytes_value("dictionary key"), g.offset)
            elif g.number == 2:
                v = decode_value(g.bytes_value("dictionary value '%s'" % k), _payload_offset(g), depth + 1)
                have_value = True
        out[k] = v if have_value else None
    return out


def decode_value(buf: memoryview, base: int = 0, depth: int = 0) -> Any:
    """A ``DictionaryValue`` message as a Python value (see the module docstring)."""
    _check_depth(depth, base)
    vtype, payload = NONE, None
    for f in iter_fields(buf, base):
        if f.number == 2:
            vtype = f.int_value("value type")
        elif f.number >= 3:
            payload = f
    if vtype == NONE:
        return None
    if not 0 <= vtype < len(_TYPE_NAMES):
        raise DecodeError("unknown dictionary value type %d" % vtype, base)
    expected = vtype + 2              # the payload field of each type
    if payload is not None and payload.number != expected:
        raise DecodeError("a value of type %s carries field %d" % (_TYPE_NAMES[vtype], payload.number), payload.offset)
    if payload is None:
        return _default(vtype)
    if vtype == BOOL:
        return bool(payload.int_value("Bool"))
    if vtype == INT:
        return Int32(to_int32(payload.int_value("Int")))
    if vtype == SIZE_T:
        return payload.int_value("SizeT")
    if vtype == FLOAT:
        return Float32(struct.unpack("<f", _fixed(payload, FIXED32, "Float"))[0])
    if vtype == DOUBLE:
        return struct.unpack("<d", _fixed(payload, FIXED64, "Double"))[0]
    if vtype == STRING:
        return _utf8(payload.bytes_value("String"), payload.offset)
    sub, sub_base = payload.bytes_value(_TYPE_NAMES[vtype]), _payload_offset(payload)
    if vtype == NDSHAPE:
        return decode_shape(sub, sub_base)
    if vtype == AXIS:
        return decode_axis(sub, sub_base)
    if vtype == VECTOR:
        return [decode_value(f.bytes_value("vector element"), _payload_offset(f), depth + 1)
                for f in iter_fields(sub, sub_base) if f.number == 1]
    if vtype == DICTIONARY:
        return decode_dictionary(sub, sub_base, depth + 1)
    return decode_ndarray(sub, sub_base)


def decode_shape(buf: memoryview, base: int = 0) -> Shape:
    """An ``NDShape`` message (dims in CNTK order)."""
    dims: list = []
    for f in iter_fields(buf, base):
        if f.number == 1:
            dims.extend(packed_varints(f))
    return Shape(dims)


def decode_axis(buf: memoryview, base: int = 0) -> AxisRecord:
    """An ``Axis`` message."""
    idx, name, ordered = 0, "", False
    for f in iter_fields(buf, base):
        if f.number == 1:
            idx = to_int32(f.int_value("Axis.static_axis_idx"))
        elif f.number == 2:
            name = _utf8(f.bytes_value("Axis.name"), f.offset)
        elif f.number == 3:
            ordered = bool(f.int_value("Axis.is_ordered_dynamic_axis"))
    return AxisRecord(idx, name, ordered)


def decode_ndarray(buf: memoryview, base: int = 0) -> np.ndarray:
    """An ``NDArrayView`` message as a numpy array (numpy order). Float16 tensors come as 32-bit
    values tagged float16; only dense storage is supported."""
    dtype_code, storage, dims = 1, 0, Shape()
    chunks: list = []
    raw = None
    for f in iter_fields(buf, base):
        if f.number == 1:
            dtype_code = f.int_value("NDArrayView.data_type")
        elif f.number == 2:
            storage = f.int_value("NDArrayView.storage_format")
        elif f.number == 3:
            dims = decode_shape(f.bytes_value("NDArrayView.shape"), _payload_offset(f))
        elif f.number in (4, 5, 7):
            for g in iter_fields(f.bytes_value("NDArrayView values"), _payload_offset(f)):
                if g.number == 1:
                    chunks.append(_numbers(f.number, g))
        elif f.number == 6:
            raw = b"".join(bytes(g.bytes_value("NDArrayView.bytes_value"))
                           for g in iter_fields(f.bytes_value("NDArrayView.bytes_value"), _payload_offset(f))
                           if g.number == 1)
    if storage != 0:
        raise NotImplementedError("a %s NDArrayView (storage format %d): only dense tensors are supported in model files"
                                  % (_STORAGE_NAMES.get(storage, "unknown"), storage))
    np_dtype = DATA_TYPES.get(dtype_code)
    if np_dtype is None:
        raise DecodeError("unknown NDArrayView data type %d" % dtype_code, base)
    for d in dims:
        if d in (INFERRED_DIM, FREE_DIM) or d > 2 ** 40:
            raise DecodeError("tensor dims %s hold a special or impossible dimension" % (list(dims),), base)
    count = 1
    for d in dims:
        count *= d
    if raw is not None:
        if len(raw) % np.dtype(np_dtype).itemsize:
            raise DecodeError("NDArrayView bytes_value length %d is not a multiple of the element size" % len(raw), base)
        flat = np.frombuffer(raw, dtype=np.dtype(np_dtype).newbyteorder("<")).astype(np_dtype)
    elif chunks:
        with np.errstate(over="ignore"):
            flat = np.concatenate(chunks).astype(np_dtype) if len(chunks) > 1 else chunks[0].astype(np_dtype)
    else:
        flat = np.zeros(0, np_dtype)
    if flat.size != count:
        raise DecodeError("NDArrayView of dims %s needs %d values, the file holds %d" % (list(dims), count, flat.size), base)
    return flat.reshape(dims.numpy)


# NDArrayView value containers holding floats: field number -> (unpacked wire type, dtype, size, name)
_FLOAT_CONTAINERS = {4: (FIXED32, "<f4", 4, "float_values"), 5: (FIXED64, "<f8", 8, "double_values")}


def _numbers(container: int, g: Field) -> np.ndarray:
    if container in _FLOAT_CONTAINERS:
        unpacked, dtype, size, name = _FLOAT_CONTAINERS[container]
        if g.wire_type == unpacked:
            return np.frombuffer(bytes(g.value), dtype)
        data = g.bytes_value(name)
        if len(data) % size:
            raise DecodeError("packed %s of %d bytes (not a multiple of %d)" % (name, len(data), size), g.offset)
        return np.frombuffer(bytes(data), dtype)
    z = np.array(packed_varints(g), dtype=np.uint64).astype(np.int64)
    return (z >> 1) ^ -(z & 1)         # zigzag (sint32)


def _default(vtype: int) -> Any:
    return {BOOL: False, INT: Int32(0), SIZE_T: 0, FLOAT: Float32(0.0), DOUBLE: 0.0, STRING: "", NDSHAPE: Shape(),
            AXIS: AxisRecord(0, "", False), VECTOR: [], DICTIONARY: {}, NDARRAY: np.zeros(0, np.float32)}[vtype]


def _fixed(f: Field, wire_type: int, what: str) -> bytes:
    if f.wire_type != wire_type:
        raise DecodeError("%s value with wire type %d" % (what, f.wire_type), f.offset)
    return bytes(f.value)


def _utf8(data: memoryview, offset: int) -> str:
    try:
        return bytes(data).decode("utf-8")
    except UnicodeDecodeError:
        raise DecodeError("a string is not valid UTF-8", offset)


def _payload_offset(f: Field) -> int:
    return f.payload_offset


def _check_depth(depth: int, base: int) -> None:
    if depth > MAX_DEPTH:
        raise DecodeError("values nested deeper than %d levels" % MAX_DEPTH, base)


# --- encoding ---------------------------------------------------------------------------------------------------
def encode_dictionary(d: dict) -> bytes:
    """A ``dict`` as a ``Dictionary`` message (version 2, as CNTK writes it)."""
    parts = [varint_field(1, 2)]
    for k, v in d.items():
        if not isinstance(k, str):
            raise TypeError("dictionary keys must be strings, got %r" % (k,))
        entry = bytes_field(1, k.encode("utf-8")) + bytes_field(2, encode_value(v))
        parts.append(bytes_field(2, entry))
    return b"".join(parts)


def encode_value(v: Any) -> bytes:
    """A Python value as a ``DictionaryValue`` message (tags chosen as in the module docstring)."""
    head = varint_field(1, 2)
    if v is None:
        return head + varint_field(2, NONE)
    if isinstance(v, (bool, np.bool_)):
        return head + varint_field(2, BOOL) + varint_field(3, int(bool(v)))
    if isinstance(v, Int32):
        return head + varint_field(2, INT) + varint_field(4, int(v))
    if isinstance(v, (int, np.integer)):
        if v < 0:
            raise ValueError("a SizeT value cannot be negative (%d); use Int32 for signed values" % v)
        return head + varint_field(2, SIZE_T) + varint_field(5, int(v))
    if isinstance(v, Float32):
        return head + varint_field(2, FLOAT) + fixed32_field(6, struct.pack("<f", float(v)))
    if isinstance(v, (float, np.floating)):
        return head + varint_field(2, DOUBLE) + fixed64_field(7, struct.pack("<d", float(v)))
    if isinstance(v, str):
        return head + varint_field(2, STRING) + bytes_field(8, v.encode("utf-8"))
    if isinstance(v, Shape):
        return head + varint_field(2, NDSHAPE) + bytes_field(9, encode_shape(v))
    if isinstance(v, AxisRecord):
        return head + varint_field(2, AXIS) + bytes_field(10, encode_axis(v))
    if isinstance(v, (list, tuple)):
        body = b"".join(bytes_field(1, encode_value(x)) for x in v)
        return head + varint_field(2, VECTOR) + bytes_field(11, body)
    if isinstance(v, dict):
        return head + varint_field(2, DICTIONARY) + bytes_field(12, encode_dictionary(v))
    if isinstance(v, np.ndarray):
        return head + varint_field(2, NDARRAY) + bytes_field(13, encode_ndarray(v))
    raise TypeError("cannot store a value of type %s in a CNTK dictionary" % type(v).__name__)


def encode_shape(dims: Shape) -> bytes:
    """An ``NDShape`` message (packed dims, CNTK order)."""
    from .wire import varint
    if not dims:
        return b""
    return bytes_field(1, b"".join(varint(int(d)) for d in dims))


def encode_axis(a: AxisRecord) -> bytes:
    """An ``Axis`` message (defaults omitted, as protobuf does)."""
    out = b""
    if a.static_axis_idx:
        out += varint_field(1, int(a.static_axis_idx))
    if a.name:
        out += bytes_field(2, a.name.encode("utf-8"))
    if a.is_ordered_dynamic_axis:
        out += varint_field(3, 1)
    return out


def encode_ndarray(arr: np.ndarray) -> bytes:
    """A dense ``NDArrayView`` (float16 written as 32-bit values, as CNTK does)."""
    code = DATA_TYPE_CODES.get(np.dtype(arr.dtype))
    if code is None:
        raise TypeError("cannot store an array of dtype %s (CNTK tensors are float16/32/64)" % arr.dtype)
    out = varint_field(1, code) + bytes_field(3, encode_shape(Shape(reversed(arr.shape))))
    flat = np.ascontiguousarray(arr).reshape(-1)
    if code == 2:
        values = bytes_field(1, flat.astype("<f8").tobytes()) if flat.size else b""
        return out + bytes_field(5, values)
    values = bytes_field(1, flat.astype("<f4").tobytes()) if flat.size else b""
    return out + bytes_field(4, values)
