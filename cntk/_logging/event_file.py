"""A small writer of TensorBoard event files (scalars and images), so that TensorBoard logging
needs neither TensorFlow nor the tensorboard package.

An event file is a sequence of records ``[length u64][masked crc32c of length][Event bytes]
[masked crc32c of the bytes]``; an Event is a protobuf message (wall_time, step, and either the
file version or a Summary of tagged values). Images are stored PNG-encoded.
"""
from __future__ import annotations

import os
import socket
import struct
import time
import zlib
from typing import List, Optional

import numpy as np

from .._serialization.wire import bytes_field, fixed32_field, fixed64_field, varint_field


def _crc32c_table() -> List[int]:
    table = []
    for n in range(256):
        c = n
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        table.append(c)
    return table


_CRC32C = _crc32c_table()


def crc32c(data: bytes) -> int:
    """The CRC-32C (Castagnoli) checksum of ``data``."""
    crc = 0xFFFFFFFF
    for b in data:
        crc = _CRC32C[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def masked_crc32c(data: bytes) -> int:
    """The checksum as event files store it (rotated and offset)."""
    crc = crc32c(data)
    return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def _event(step: int, file_version: Optional[str] = None, summary: Optional[bytes] = None) -> bytes:
    message = fixed64_field(1, struct.pack('<d', time.time())) + varint_field(2, int(step))
    if file_version is not None:
        message += bytes_field(3, file_version.encode())
    if summary is not None:
        message += bytes_field(5, summary)
    return message


def encode_png(image: np.ndarray) -> bytes:
    """``(H, W)`` or ``(H, W, C)`` (C = 1, 3 or 4) values as an 8-bit PNG; floats in [0, 1] are scaled to 255."""
    arr = np.asarray(image)
    if arr.ndim == 2:
        arr = arr[:, :, None]
    if arr.dtype != np.uint8:
        scale = 255.0 if arr.size and float(np.nanmax(arr)) <= 1.0 else 1.0
        arr = np.clip(np.nan_to_num(arr * scale), 0, 255).astype(np.uint8)
    height, width, channels = arr.shape
    color_type = {1: 0, 3: 2, 4: 6}.get(channels)
    if color_type is None:
        raise ValueError('an image needs 1, 3 or 4 channels, got %d' % channels)
    raw = b''.join(b'\x00' + arr[row].tobytes() for row in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack('>I', len(data)) + kind + data + struct.pack('>I', zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack('>IIBBBBB', width, height, 8, color_type, 0, 0, 0)
    return b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', header) + chunk(b'IDAT', zlib.compress(raw)) + chunk(b'IEND', b'')


class EventFileWriter:
    """Appends scalar and image summaries to a new event file in ``log_dir``."""

    def __init__(self, log_dir: str) -> None:
        os.makedirs(log_dir, exist_ok=True)
        name = 'events.out.tfevents.%d.%s' % (int(time.time()), socket.gethostname())
        self.path = os.path.join(log_dir, name)
        self._file = open(self.path, 'wb')
        self._write(_event(0, file_version='brain.Event:2'))

    def _write(self, event: bytes) -> None:
        length = struct.pack('<Q', len(event))
        self._file.write(length + struct.pack('<I', masked_crc32c(length)) + event +
                         struct.pack('<I', masked_crc32c(event)))

    def add_scalar(self, tag: str, value: float, step: int) -> None:
        """Record ``tag`` = ``value`` at ``step``."""
        summary_value = bytes_field(1, tag.encode()) + fixed32_field(2, struct.pack('<f', float(value)))
        self._write(_event(step, summary=bytes_field(1, summary_value)))

    def add_image(self, tag: str, image: np.ndarray, step: int) -> None:
        """Record an image given as ``(C, H, W)`` at ``step``."""
        arr = np.asarray(image)
        hwc = np.moveaxis(arr, 0, -1) if arr.ndim == 3 else arr
        height, width = hwc.shape[:2]
        channels = hwc.shape[2] if hwc.ndim == 3 else 1
        image_message = (varint_field(1, height) + varint_field(2, width) + varint_field(3, channels) +
                         bytes_field(4, encode_png(hwc)))
        summary_value = bytes_field(1, tag.encode()) + bytes_field(4, image_message)
        self._write(_event(step, summary=bytes_field(1, summary_value)))

    def flush(self) -> None:
        """Write buffered records to disk."""
        self._file.flush()

    def close(self) -> None:
        """Flush and close the file."""
        self._file.close()
