#!/usr/bin/env python3
"""Writes the GGUF seed corpus (valid_*.gguf parse, bad_*.gguf must be refused).

An encoder independent of hipquant's writer, so the reader is also checked
against a second implementation of the format. Run from anywhere:
    python3 tests/data/gguf_corpus/make_corpus.py
"""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))

U8, I8, U16, I16, U32, I32, F32, BOOL, STR, ARR, U64, I64, F64 = range(13)
SCALAR_FMT = {U8: "<B", I8: "<b", U16: "<H", I16: "<h", U32: "<I", I32: "<i",
              F32: "<f", BOOL: "<?", U64: "<Q", I64: "<q", F64: "<d"}
# (values per block, bytes per block) of the GGML tensor types used here
TYPES = {0: (1, 4), 1: (1, 2), 2: (32, 18), 8: (32, 34), 12: (256, 144), 16: (256, 66), 30: (1, 2),
         34: (256, 54)}


def gstr(s):
    b = s.encode() if isinstance(s, str) else s
    return struct.pack("<Q", len(b)) + b


def payload(vtype, v):
    if vtype == STR:
        return gstr(v)
    if vtype == ARR:
        etype, items = v
        return struct.pack("<IQ", etype, len(items)) + b"".join(payload(etype, x) for x in items)
    return struct.pack(SCALAR_FMT[vtype], v)


def gguf(kvs, tensors, version=3, alignment=32, data=None, pad_end=True):
    """kvs: [(key, type, value)]; tensors: [(name, ne, type_id, offset or None)].
    Offsets None are laid out in order; data defaults to a deterministic pattern."""
    out = struct.pack("<4sIQQ", b"GGUF", version, len(tensors), len(kvs))
    for key, vtype, v in kvs:
        out += gstr(key) + struct.pack("<I", vtype) + payload(vtype, v)
    blobs, off = [], 0
    for name, ne, tid, offset in tensors:
        elems, bsize = TYPES[tid]
        nbytes = ne[0] // elems * bsize
        for n in ne[1:]:
            nbytes *= n
        if offset is None:
            offset = off
        off = (offset + nbytes + alignment - 1) // alignment * alignment
        blobs.append((offset, nbytes))
        out += gstr(name) + struct.pack("<I", len(ne)) + b"".join(struct.pack("<Q", n) for n in ne)
        out += struct.pack("<IQ", tid, offset)
    if not tensors and not pad_end:
        return out
    out += b"\0" * (-len(out) % alignment)
    if data is None:
        end = max((o + n for o, n in blobs), default=0)
        body = bytearray(end)
        for i in range(end):
            body[i] = (i * 37 + 11) & 0xFF
        data = bytes(body)
    return out + data


def write(name, blob):
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(blob)


every_type_kvs = [
    ("general.architecture", STR, "corpus"),
    ("general.alignment", U32, 64),
    ("t.u8", U8, 200), ("t.i8", I8, -100), ("t.u16", U16, 60000), ("t.i16", I16, -30000),
    ("t.u32", U32, 4000000000), ("t.i32", I32, -2000000000), ("t.u64", U64, 2**64 - 1),
    ("t.i64", I64, -2**63), ("t.f32", F32, 0.25), ("t.f64", F64, -1e300), ("t.bool", BOOL, True),
    ("t.str", STR, "h\u00e9llo"),
    ("t.arr_f32", ARR, (F32, [1.0, -2.5, 3.0])),
    ("t.arr_str", ARR, (STR, ["<s>", "</s>", ""])),
    ("t.arr_bool", ARR, (BOOL, [True, False])),
    ("t.arr_arr", ARR, (ARR, [(I32, [1, -2]), (STR, ["x"])])),
]

write("valid_empty.gguf", gguf([], [], pad_end=False))
write("valid_v2_f32.gguf", gguf([("general.name", STR, "v2")], [("w", [8, 2], 0, None)], version=2,
                                data=struct.pack("<16f", *[i / 4 for i in range(16)])))
write("valid_all_value_types.gguf", gguf(every_type_kvs, [
    ("tok_embd.weight", [32, 2], 1, None),
    ("blk.0.attn_q.weight", [32, 2], 8, None),
    ("blk.0.ffn_up.weight", [256, 1], 12, None),
    ("blk.0.attn_norm.weight", [4], 0, None),
], alignment=64))
# found by the fuzzer: a 2^31 alignment without tensors (re-writing must not pad)
write("valid_huge_alignment.gguf", gguf([("general.alignment", U32, 2**31)], [], pad_end=False))
# IQ2_XXS and TQ1_0 (no kernels in hipquant) beside Q4_K: all listed, only Q4_K loads
write("valid_unsupported_types.gguf", gguf([("general.architecture", STR, "llama")], [
    ("blk.0.ffn_down.weight", [256, 2], 16, None),
    ("blk.0.ffn_gate.weight", [256, 2], 34, None),
    ("blk.0.ffn_up.weight", [256, 2], 12, None),
]))
write("valid_zero_size_tensor.gguf", gguf([], [("empty", [0, 3], 0, None), ("b", [2], 30, None)]))

# Signalling NaNs (f32 0xff94000d, found by the fuzzer, and f64): by their bits,
# since struct's "<f" / "<d" would go through a Python float.
write("valid_signalling_nan.gguf", struct.pack("<4sIQQ", b"GGUF", 3, 0, 2) +
      gstr("k32") + struct.pack("<II", F32, 0xFF94000D) + gstr("k64") + struct.pack("<IQ", F64, 0x7FF0000000000001))

# Control characters in a key, a string value and a tensor name: `hipquant
# info` must print them escaped.
write("valid_control_chars.gguf", gguf([("evil\x1b[2Jkey", STR, "line\nbreak\x07")],
                                       [("w\rname", [8], 0, None)]))
write("bad_magic.gguf", b"GGJT" + gguf([], [])[4:])
write("bad_version.gguf", gguf([], [], version=1))
write("bad_truncated_header.gguf", gguf([], [])[:13])
write("bad_truncated_data.gguf", gguf([], [("w", [64, 4], 0, None)])[:-100])
write("bad_string_length.gguf", gguf([("k", STR, "abc")], [], pad_end=False)[:-2])
write("bad_array_count.gguf", struct.pack("<4sIQQ", b"GGUF", 3, 0, 1) + gstr("a") +
      struct.pack("<IIQ", ARR, U32, 2**40) + b"\0" * 16)
HEADER_0_1 = struct.pack("<4sIQQ", b"GGUF", 3, 0, 1)
write("bad_value_type.gguf", HEADER_0_1 + gstr("k") + struct.pack("<IB", 40, 1) + b"\0" * 8)
write("bad_bool.gguf", HEADER_0_1 + gstr("b") + struct.pack("<IB", BOOL, 7) + b"\0" * 8)
write("bad_duplicate_key.gguf", gguf([("k", U32, 1), ("k", U32, 2)], []))
write("bad_alignment.gguf", gguf([("general.alignment", U32, 48)], [], alignment=48))
write("bad_n_dims.gguf", gguf([], [("w", [1, 1, 1, 1, 1], 0, None)]))
write("bad_element_overflow.gguf", gguf([], [("w", [2**32, 2**32], 0, 0)], data=b""))
# found by the fuzzer: the total is 0 bytes, but the byte stride 2^63 * 2 overflows
write("bad_zero_dim_overflow.gguf", gguf([], [("w", [2**61, 2, 0], 0, 0)], data=b""))
write("bad_partial_block.gguf", gguf([], [("w", [33, 1], 0, None)]).replace(
    struct.pack("<QQ", 33, 1) + struct.pack("<I", 0), struct.pack("<QQ", 33, 1) + struct.pack("<I", 2), 1))
write("bad_unknown_type.gguf", gguf([], [("w", [8], 0, None)]).replace(
    struct.pack("<QI", 8, 0), struct.pack("<QI", 8, 99), 1))
# removed from GGML (Q4_2), so it has no size any more
write("bad_removed_type.gguf", gguf([], [("w", [8], 0, None)]).replace(
    struct.pack("<QI", 8, 0), struct.pack("<QI", 8, 4), 1))
write("bad_misaligned.gguf", gguf([], [("a", [8], 0, 16)], data=b"\0" * 64))
write("bad_overlap.gguf", gguf([], [("a", [16], 0, 0), ("b", [8], 0, 32)], data=b"\0" * 64))
write("bad_duplicate_tensor.gguf", gguf([], [("w", [8], 0, None), ("w", [8], 0, None)]))
write("bad_offset_past_end.gguf", gguf([], [("w", [8], 0, 2**63)], data=b"\0" * 32))
