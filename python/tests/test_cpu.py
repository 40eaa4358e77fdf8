"""The Python module without a GPU: the reference quantizers (the bytes the
C++ tests derive by hand), GGUF reading, and errors as hipquant.Error."""
import os
import struct

import numpy as np
import pytest

import hipquant

CORPUS = os.path.join(os.environ.get("HIPQUANT_TEST_DATA_DIR", os.path.join(os.path.dirname(__file__), "..", "..",
                                                                             "tests", "data")), "gguf_corpus")


def block_of(pairs, fill=0.0):
    x = np.full(32, fill, dtype=np.float32)
    for i, v in pairs:
        x[i] = v
    return x


def test_type_table():
    names = hipquant.type_names()
    for t in ("F32", "F16", "BF16", "Q4_0", "Q8_0", "Q4_K", "Q6_K", "IQ4_NL", "IQ4_XS", "MXFP4"):
        assert t in names
    assert hipquant.row_size_bytes("Q4_0", 64) == 36
    assert hipquant.row_size_bytes("Q4_K", 512) == 288


def test_reference_q4_0_bytes_as_the_cpp_test_derives_them():
    # tests/quant/reference_quantize_test.cpp, Q4_0MatchesGgmlBytes: the same
    # block, the same hand-derived bytes.
    x = block_of([(0, -4.0), (1, 4.0), (2, 0.25), (3, -0.25), (4, 1.0), (5, -1.5), (6, 3.75), (7, -3.75),
                  (16, 0.5), (17, -0.5), (31, 2.0)])
    got = hipquant.reference.quantize("Q4_0", x)
    want = struct.pack("<H", 0x3800) + bytes([0x90, 0x7F, 0x89, 0x88, 0x8A, 0x85, 0x8F, 0x81,
                                              0x88, 0x88, 0x88, 0x88, 0x88, 0x88, 0x88, 0xC8])
    assert got == want
    # All zero: d = -0.0 (f16 0x8000), every quant 8.
    assert hipquant.reference.quantize("Q4_0", np.zeros(32, np.float32)) == struct.pack("<H", 0x8000) + b"\x88" * 16


@pytest.mark.parametrize("qtype", ["Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q8_0", "Q2_K", "Q3_K", "Q4_K", "Q5_K",
                                   "Q6_K", "IQ4_NL", "IQ4_XS", "MXFP4", "F16", "BF16"])
def test_reference_round_trip(qtype):
    rng = np.random.default_rng(7)
    rows, cols = 3, 512
    x = rng.standard_normal((rows, cols)).astype(np.float32)
    data = hipquant.reference.quantize(qtype, x)
    assert len(data) == rows * hipquant.row_size_bytes(qtype, cols)
    y = hipquant.reference.dequantize(qtype, data, rows, cols)
    assert y.shape == (rows, cols) and y.dtype == np.float32
    # Within the format's precision of the input (Q2_K the coarsest).
    assert np.sqrt(np.mean((y - x) ** 2)) < 0.5
    # Decoding is deterministic and quantizing what was decoded is stable.
    assert hipquant.reference.dequantize(qtype, np.frombuffer(data, np.uint8), rows, cols).tobytes() == y.tobytes()


def test_gguf_reads_metadata_and_tensors():
    f = hipquant.gguf.open(os.path.join(CORPUS, "valid_v2_f32.gguf"))
    assert f.version == 2
    assert f.metadata["general.name"] == "v2"
    assert [t.name for t in f.tensors] == ["w"]
    w = f.tensor("w")
    assert w.type == "F32" and w.shape == [8, 2] and w.nbytes == 64
    assert len(f.data("w")) == 64

    every = hipquant.gguf.open(os.path.join(CORPUS, "valid_all_value_types.gguf"))
    assert len(every.metadata) > 10
    for value in every.metadata.values():
        assert isinstance(value, (int, float, bool, str, list))


def test_errors_are_hipquant_errors_with_the_message():
    with pytest.raises(hipquant.Error, match="unsupported quant type name 'Q9_9'") as e:
        hipquant.reference.quantize("Q9_9", np.zeros(32, np.float32))
    assert e.value.code == 1  # errc::invalid_value
    with pytest.raises(hipquant.Error, match="cannot open GGUF file"):
        hipquant.gguf.open("/nonexistent-hipquant/x.gguf")
    with pytest.raises(hipquant.Error, match="needs 36 bytes, got 35"):
        hipquant.reference.dequantize("Q4_0", b"\0" * 35, 1, 64)
    with pytest.raises(hipquant.Error, match="not a GGUF file"):
        hipquant.gguf.open(__file__)
    # A library Error is a RuntimeError to code that does not know it.
    assert issubclass(hipquant.Error, RuntimeError)


def test_without_a_gpu_the_device_says_so():
    if hipquant.device_count() > 0:
        pytest.skip("this machine has a GPU: test_gpu.py covers it")
    with pytest.raises(hipquant.Error):
        hipquant.Device(0)
