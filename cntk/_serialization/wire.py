"""The protobuf wire format, just the parts CNTK's files use: varints, length-delimited fields,
fixed 32/64-bit fields. Reading is bounds-checked everywhere, so a truncated or corrupted file
raises `DecodeError` (with the byte offset) instead of crashing or looping."""
from __future__ import annotations

from typing import Iterator, List, Tuple, Union

VARINT, FIXED64, LENGTH, FIXED32 = 0, 1, 2, 5
_MAX_VARINT_BYTES = 10

Buffer = Union[bytes, bytearray, memoryview]


class DecodeError(ValueError):
    """The bytes are not a well-formed protobuf message of the expected type."""

    def __init__(self, message: str, offset: int = -1) -> None:
        self.offset = offset
        super().__init__(message if offset < 0 else "%s (at byte %d)" % (message, offset))


class Field:
    """One field of a message: its number, wire type, value and position in the buffer."""

    __slots__ = ("number", "wire_type", "value", "offset", "payload_offset")

    def __init__(self, number: int, wire_type: int, value, offset: int, payload_offset: int) -> None:
        self.number = number
        self.wire_type = wire_type
        self.value = value                    # int for varints, memoryview for the other wire types
        self.offset = offset                  # absolute offset of the field's key
        self.payload_offset = payload_offset  # absolute offset of the value

    def bytes_value(self, what: str) -> memoryview:
        """The payload of a length-delimited field (an error naming ``what`` otherwise)."""
        if self.wire_type != LENGTH:
            raise DecodeError("%s: expected a length-delimited field, found wire type %d" % (what, self.wire_type),
                              self.offset)
        return self.value

    def int_value(self, what: str) -> int:
        """The value of a varint field (an error naming ``what`` otherwise)."""
        if self.wire_type != VARINT:
            raise DecodeError("%s: expected a varint field, found wire type %d" % (what, self.wire_type), self.offset)
        return self.value


def read_varint(buf: memoryview, pos: int, base: int = 0) -> Tuple[int, int]:
    """Decode an unsigned varint at ``pos``; returns (value, next position)."""
    result = shift = 0
    end = len(buf)
    for k in range(_MAX_VARINT_BYTES):
        if pos + k >= end:
            raise DecodeError("truncated varint", base + pos)
        b = buf[pos + k]
        result |= (b & 0x7F) << shift
        if not b & 0x80:
            return result, pos + k + 1
        shift += 7
    raise DecodeError("varint longer than 10 bytes", base + pos)


def iter_fields(buf: memoryview, base: int = 0) -> Iterator[Field]:
    """The fields of one serialized message, in file order. ``base`` is the buffer's absolute offset."""
    pos, end = 0, len(buf)
    while pos < end:
        start = pos
        key, pos = read_varint(buf, pos, base)
        payload = pos
        number, wire_type = key >> 3, key & 7
        if number == 0:
            raise DecodeError("field number 0 is invalid", base + start)
        if wire_type == VARINT:
            value, pos = read_varint(buf, pos, base)
        elif wire_type == LENGTH:
            n, pos = read_varint(buf, pos, base)
            if n > end - pos:
                raise DecodeError("field %d claims %d bytes but only %d remain" % (number, n, end - pos), base + start)
            payload = pos
            value = buf[pos:pos + n]
            pos += n
        elif wire_type in (FIXED64, FIXED32):
            n = 8 if wire_type == FIXED64 else 4
            if n > end - pos:
                raise DecodeError("truncated fixed-width field %d" % number, base + start)
            value = buf[pos:pos + n]
            pos += n
        else:
            raise DecodeError("unsupported wire type %d (field %d)" % (wire_type, number), base + start)
        yield Field(number, wire_type, value, base + start, base + payload)


def packed_varints(field: Field, base: int = 0) -> List[int]:
    """The values of a repeated varint field, packed or not."""
    if field.wire_type == VARINT:
        return [field.value]
    buf = field.bytes_value("packed varints")
    out, pos = [], 0
    while pos < len(buf):
        v, pos = read_varint(buf, pos, field.payload_offset)
        out.append(v)
    return out


def to_int32(v: int) -> int:
    """A varint read back as a signed 32-bit value (negative int32 values are 10-byte varints)."""
    v &= (1 << 64) - 1
    if v >= 1 << 63:
        v -= 1 << 64
    if not -(1 << 31) <= v < (1 << 31):
        raise DecodeError("value %d does not fit a 32-bit integer" % v)
    return v


# --- writing -------------------------------------------------------------------------------------------
def varint(value: int) -> bytes:
    """Encode an unsigned varint (negative values as their 64-bit two's complement, like protobuf's int32)."""
    if value < 0:
        value += 1 << 64
    out = bytearray()
    while True:
        b = value & 0x7F
        value >>= 7
        if value:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def key(number: int, wire_type: int) -> bytes:
    """The key of a field."""
    return varint((number << 3) | wire_type)


def varint_field(number: int, value: int) -> bytes:
    """A complete varint field."""
    return key(number, VARINT) + varint(int(value))


def bytes_field(number: int, payload: bytes) -> bytes:
    """A complete length-delimited field."""
    return key(number, LENGTH) + varint(len(payload)) + payload


def fixed32_field(number: int, payload: bytes) -> bytes:
    """A complete 32-bit fixed field (payload: 4 little-endian bytes)."""
    return key(number, FIXED32) + payload


def fixed64_field(number: int, payload: bytes) -> bytes:
    """A complete 64-bit fixed field (payload: 8 little-endian bytes)."""
    return key(number, FIXED64) + payload
