"""TFRecord framing, CRC-32C and a minimal protobuf wire-format decoder, without TensorFlow or protobuf.

A TFRecord file is a sequence of records::

    uint64 length (little endian) | uint32 masked_crc32c(length bytes) | data[length] | uint32 masked_crc32c(data)

with ``masked(c) = ((c >> 15) | (c << 17)) + 0xa282ead8 (mod 2^32)``.  :func:`iter_records` yields
``(offset, data)`` and checks both checksums (the data checksum can be deferred to :func:`read_record`, which
re-checks it, so that large files can be indexed quickly).

:func:`decode_message` splits a protobuf message into ``{field number: [raw values]}`` (varints as ints,
fixed 64/32-bit as bytes, length-delimited as bytes); the caller interprets them with :func:`as_double`,
:func:`as_float`, :func:`decode_message` again for sub-messages, etc.  ``encode_*`` helpers write the same
format (used by tests to build fixtures).
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from typing import BinaryIO

from archrank.errors import DataError

_POLY = 0x82F63B78  # CRC-32C (Castagnoli), reflected


def _table() -> list[int]:
    tab = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ _POLY if c & 1 else c >> 1
        tab.append(c)
    return tab


_TABLE = _table()


def crc32c(data: bytes, crc: int = 0) -> int:
    """CRC-32C of ``data`` (``crc32c(b"123456789") == 0xE3069283``)."""
    c = crc ^ 0xFFFFFFFF
    tab = _TABLE
    for b in data:
        c = tab[(c ^ b) & 0xFF] ^ (c >> 8)
    return c ^ 0xFFFFFFFF


def masked_crc32c(data: bytes) -> int:
    c = crc32c(data)
    return (((c >> 15) | (c << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def frame_record(data: bytes) -> bytes:
    """One framed TFRecord holding ``data``."""
    n = struct.pack("<Q", len(data))
    return n + struct.pack("<I", masked_crc32c(n)) + data + struct.pack("<I", masked_crc32c(data))


def iter_records(f: BinaryIO, *, name: str = "file", check_data: bool = True) -> Iterator[tuple[int, bytes]]:
    """Yield ``(offset of the record, data)`` for every record of an open binary file."""
    while True:
        offset = f.tell()
        head = f.read(12)
        if not head:
            return
        if len(head) < 12:
            raise DataError(f"{name}: truncated record header at byte {offset}")
        n_bytes, n_crc = head[:8], struct.unpack("<I", head[8:])[0]
        if masked_crc32c(n_bytes) != n_crc:
            raise DataError(f"{name}: bad length checksum at byte {offset} (not a TFRecord file, or corrupt)")
        (n,) = struct.unpack("<Q", n_bytes)
        data = f.read(n)
        tail = f.read(4)
        if len(data) < n or len(tail) < 4:
            raise DataError(f"{name}: truncated record at byte {offset}")
        if check_data and masked_crc32c(data) != struct.unpack("<I", tail)[0]:
            raise DataError(f"{name}: bad data checksum in the record at byte {offset}")
        yield offset, data


def read_record(f: BinaryIO, offset: int, *, name: str = "file") -> bytes:
    """The data of the record starting at ``offset`` (both checksums verified)."""
    f.seek(offset)
    for _, data in iter_records(f, name=name, check_data=True):
        return data
    raise DataError(f"{name}: no record at byte {offset}")


# --- protobuf wire format -----------------------------------------------------------------------------

def read_varint(buf: bytes, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        if pos >= len(buf):
            raise DataError("truncated varint in protobuf message")
        b = buf[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if not b & 0x80:
            return result, pos
        shift += 7
        if shift > 63:
            raise DataError("varint longer than 64 bits in protobuf message")


def decode_message(buf: bytes) -> dict[int, list]:
    """``{field number: [values]}``; varint -> int, 64/32-bit -> 8/4 raw bytes, length-delimited -> bytes."""
    out: dict[int, list] = {}
    pos = 0
    while pos < len(buf):
        key, pos = read_varint(buf, pos)
        field, wire = key >> 3, key & 7
        if wire == 0:
            val, pos = read_varint(buf, pos)
        elif wire == 1:
            val, pos = buf[pos : pos + 8], pos + 8
        elif wire == 2:
            n, pos = read_varint(buf, pos)
            val, pos = buf[pos : pos + n], pos + n
        elif wire == 5:
            val, pos = buf[pos : pos + 4], pos + 4
        else:
            raise DataError(f"unsupported protobuf wire type {wire} (field {field})")
        if pos > len(buf):
            raise DataError(f"truncated protobuf field {field}")
        out.setdefault(field, []).append(val)
    return out


def as_double(raw: bytes) -> float:
    return struct.unpack("<d", raw)[0]


def as_float(raw: bytes) -> float:
    return struct.unpack("<f", raw)[0]


def as_int32(v: int) -> int:
    return v - (1 << 64) if v >= 1 << 63 else v


def packed_varints(raw: bytes) -> list[int]:
    vals, pos = [], 0
    while pos < len(raw):
        v, pos = read_varint(raw, pos)
        vals.append(as_int32(v))
    return vals


def parse_example(buf: bytes) -> dict[str, list]:
    """A ``tf.train.Example`` as ``{feature name: [values]}`` (bytes, floats or ints)."""
    feats: dict[str, list] = {}
    for features in decode_message(buf).get(1, []):
        for entry in decode_message(features).get(1, []):
            e = decode_message(entry)
            name = e.get(1, [b""])[0].decode("utf-8")
            feature = decode_message(e.get(2, [b""])[0])
            if 1 in feature:  # BytesList
                feats[name] = list(decode_message(feature[1][0]).get(1, []))
            elif 2 in feature:  # FloatList (packed or not)
                vals: list[float] = []
                for raw in decode_message(feature[2][0]).get(1, []):
                    vals.extend(struct.unpack(f"<{len(raw) // 4}f", raw))
                feats[name] = vals
            elif 3 in feature:  # Int64List (packed or not)
                ivals: list[int] = []
                for raw in decode_message(feature[3][0]).get(1, []):
                    ivals.extend(packed_varints(raw) if isinstance(raw, bytes) else [as_int32(raw)])
                feats[name] = ivals
            else:
                feats[name] = []
    return feats


# --- encoders (fixtures, tests) ---------------------------------------------------------------------

def encode_varint(v: int) -> bytes:
    if v < 0:
        v += 1 << 64
    out = bytearray()
    while True:
        b = v & 0x7F
        v >>= 7
        if v:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def encode_field(field: int, value: float | bytes | str, wire: int | None = None) -> bytes:
    """One field: ints as varints, floats as doubles (wire 1), bytes/str length-delimited."""
    if isinstance(value, str):
        value = value.encode("utf-8")
    if isinstance(value, bytes):
        return encode_varint(field << 3 | 2) + encode_varint(len(value)) + value
    if isinstance(value, float) or wire == 1:
        return encode_varint(field << 3 | 1) + struct.pack("<d", float(value))
    return encode_varint(field << 3 | 0) + encode_varint(int(value))


def encode_example(features: dict[str, list]) -> bytes:
    """A ``tf.train.Example``: str/bytes values -> BytesList, floats -> FloatList, ints -> Int64List."""
    entries = b""
    for name, vals in features.items():
        if vals and isinstance(vals[0], (str, bytes)):
            inner = b"".join(encode_field(1, v) for v in vals)
            feature = encode_field(1, inner)
        elif vals and isinstance(vals[0], float):
            feature = encode_field(2, encode_field(1, struct.pack(f"<{len(vals)}f", *vals)))
        else:
            feature = encode_field(3, encode_field(1, b"".join(encode_varint(int(v)) for v in vals)))
        entries += encode_field(1, encode_field(1, name) + encode_field(2, feature))
    return encode_field(1, entries)
