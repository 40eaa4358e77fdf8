// The GGUF reader refuses every kind of malformed file with a hipquant::Error
// whose message names the field, the numbers and the byte offset.
#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <unistd.h>
#include <vector>

#include "gguf/gguf_bytes.hpp"
#include "hipquant/gguf/gguf.hpp"
#include "hipquant/gguf/writer.hpp"
#include "hipquant/runtime/error.hpp"

namespace hg = hipquant::gguf;
namespace errc = hipquant::errc;
using hg::test::contains;
using hg::test::GgufBytes;
using hg::test::parse_error;

namespace {

constexpr std::uint32_t kU32 = 4, kBool = 7, kString = 8, kArray = 9, kU64 = 10;
constexpr std::uint32_t kF32 = 0, kQ4_0 = 2;

// Expects `g` to be refused with code `code` and a message holding `part`
// (every message starts with the file name given to from_memory).
void expect_refused(const GgufBytes& g, const std::string& part, int code = errc::invalid_value) {
    int got = 0;
    const std::string msg = parse_error(g.b, &got);
    EXPECT_TRUE(contains(msg, "GGUF 't.gguf': " + part));
    EXPECT_EQ(got, code) << msg;
}

// --- header

TEST(GgufCorrupt, EmptyFile) { expect_refused(GgufBytes{}, "truncated: magic at byte offset 0 needs 4 bytes, 0 left"); }

TEST(GgufCorrupt, TruncatedHeader) {
    GgufBytes g;
    g.u32(hg::kMagic).u32(3).u8(1).u8(0);
    expect_refused(g, "truncated: tensor count at byte offset 8 needs 8 bytes, 2 left");
}

TEST(GgufCorrupt, NotGguf) {
    GgufBytes g;
    g.u8('G').u8('G').u8('J').u8('T').zeros(28);
    expect_refused(g, "not a GGUF file: magic at byte offset 0 is 0x544a4747 (expected 0x46554747, \"GGUF\")");
}

TEST(GgufCorrupt, UnsupportedVersion) {
    GgufBytes g;
    g.header(0, 0, 1);
    expect_refused(g, "unsupported GGUF version 1 at byte offset 4 (hipquant reads versions 2 and 3)");
}

TEST(GgufCorrupt, BigEndian) {
    GgufBytes g;
    g.u32(hg::kMagic).u8(0).u8(0).u8(0).u8(3).zeros(16);
    expect_refused(g, "big-endian GGUF (version 3 byte-swapped at byte offset 4) is not supported");
}

TEST(GgufCorrupt, MetadataCountPastEnd) {
    GgufBytes g;
    g.header(0, std::uint64_t{1} << 40).zeros(16);
    expect_refused(g, "metadata count 1099511627776 at byte offset 16 cannot fit in the 16 bytes left");
}

TEST(GgufCorrupt, TensorCountPastEnd) {
    GgufBytes g;
    g.header(std::uint64_t{1} << 40, 0).zeros(8);
    expect_refused(g, "tensor count 1099511627776 at byte offset 8 cannot fit in the 8 bytes left");
}

// --- metadata

TEST(GgufCorrupt, TruncatedValue) {
    GgufBytes g;
    g.header(0, 1).str("a.b").u32(kU32).u8(1).u8(2);
    expect_refused(g, "truncated: u32 value of 'a.b' at byte offset 39 needs 4 bytes, 2 left");
}

TEST(GgufCorrupt, KeyLengthPastEnd) {
    GgufBytes g;
    g.header(0, 1).u64(1000).zeros(10);
    expect_refused(g, "key of metadata entry 0: string length 1000 at byte offset 24 runs past the end of the "
                      "file (10 bytes left)");
}

TEST(GgufCorrupt, StringValueLengthPastEnd) {
    GgufBytes g;
    g.header(0, 1).str("s").u32(kString).u64(std::uint64_t{1} << 63).zeros(4);
    expect_refused(g, "string value of 's': string length 9223372036854775808 at byte offset 37 runs past the "
                      "end of the file (4 bytes left)");
}

TEST(GgufCorrupt, ArrayCountPastEnd) {
    GgufBytes g;
    g.header(0, 1).str("arr").u32(kArray).u32(kU32).u64(1000).zeros(8);
    expect_refused(g, "metadata 'arr': array of 1000 u32 elements at byte offset 43 runs past the end of the "
                      "file (8 bytes left, at least 4 per element)");
}

TEST(GgufCorrupt, ArrayStringElementPastEnd) {
    GgufBytes g;
    g.header(0, 1).str("s").u32(kArray).u32(kString).u64(2).str("ok").u64(99).u8('a').u8('b').u8('c');
    expect_refused(g, "element 1 of array 's': string length 99 at byte offset 59 runs past the end of the "
                      "file (3 bytes left)");
}

TEST(GgufCorrupt, UnknownValueType) {
    GgufBytes g;
    g.header(0, 1).str("k").u32(13).zeros(8);
    expect_refused(g, "metadata 'k': unknown value type id 13 at byte offset 33");
}

TEST(GgufCorrupt, UnknownArrayElementType) {
    GgufBytes g;
    g.header(0, 1).str("k").u32(kArray).u32(77).u64(0);
    expect_refused(g, "metadata 'k': unknown array element type id 77 at byte offset 37");
}

TEST(GgufCorrupt, BoolNotZeroOrOne) {
    GgufBytes g;
    g.header(0, 1).str("b").u32(kBool).u8(2).zeros(4);
    expect_refused(g, "metadata 'b': bool byte 2 at byte offset 37 is neither 0 nor 1");
}

TEST(GgufCorrupt, BoolArrayElementNotZeroOrOne) {
    GgufBytes g;
    g.header(0, 1).str("b").u32(kArray).u32(kBool).u64(2).u8(1).u8(5);
    expect_refused(g, "metadata 'b': bool element 1 is 5 at byte offset 50, neither 0 nor 1");
}

TEST(GgufCorrupt, ArraysNestedTooDeep) {
    GgufBytes g;
    g.header(0, 1).str("n").u32(kArray);
    for (int i = 0; i < 40; ++i) g.u32(kArray).u64(1);
    // Levels 0..15 are read (12 bytes each, from offset 37); level 16 is refused.
    expect_refused(g, "metadata 'n': arrays nested deeper than 16 levels at byte offset " +
                          std::to_string(37 + 16 * 12));
}

TEST(GgufCorrupt, DuplicateKey) {
    GgufBytes g;
    g.header(0, 2).kv_u32("a", 1).kv_u32("a", 2);
    expect_refused(g, "duplicate metadata key 'a' at byte offset 41");
}

TEST(GgufCorrupt, AlignmentNotU32) {
    GgufBytes g;
    g.header(0, 1).str("general.alignment").u32(kU64).u64(64);
    expect_refused(g, "general.alignment has type u64, expected u32");
}

TEST(GgufCorrupt, AlignmentNotPowerOfTwo) {
    GgufBytes g;
    g.header(0, 1).kv_u32("general.alignment", 48);
    expect_refused(g, "general.alignment is 48, not a power of two");
    GgufBytes z;
    z.header(0, 1).kv_u32("general.alignment", 0);
    expect_refused(z, "general.alignment is 0, not a power of two");
}

// --- tensor directory

TEST(GgufCorrupt, TruncatedTensorInfo) {
    GgufBytes g;
    g.header(1, 0).str("w").u32(2).u64(8).u64(8).u8(0).u8(0).u8(0);
    expect_refused(g, "truncated: type of tensor 'w' at byte offset 53 needs 4 bytes, 3 left");
}

TEST(GgufCorrupt, TensorNameLengthPastEnd) {
    GgufBytes g;
    g.header(1, 0).u64(5000).zeros(40);
    expect_refused(g, "name of tensor 0: string length 5000 at byte offset 24 runs past the end of the file "
                      "(40 bytes left)");
}

TEST(GgufCorrupt, ZeroDims) {
    GgufBytes g;
    g.header(1, 0).tensor("w", {}, kF32, 0).zeros(16);
    expect_refused(g, "tensor 'w': n_dims 0 at byte offset 33 is outside 1..4");
}

TEST(GgufCorrupt, FiveDims) {
    GgufBytes g;
    g.header(1, 0).tensor("w", {1, 1, 1, 1, 1}, kF32, 0);
    expect_refused(g, "tensor 'w': n_dims 5 at byte offset 33 is outside 1..4");
}

TEST(GgufCorrupt, ElementCountOverflows64Bits) {
    GgufBytes g;
    g.header(1, 0).tensor("w", {std::uint64_t{1} << 32, std::uint64_t{1} << 32}, kF32, 0);
    expect_refused(g, "tensor 'w': element count [4294967296, 4294967296] overflows (more than 2^63-1 elements)");
}

TEST(GgufCorrupt, ElementCountAboveInt64) {
    GgufBytes g;
    g.header(1, 0).tensor("w", {std::uint64_t{1} << 62, 2, 1}, kF32, 0);
    expect_refused(g, "tensor 'w': element count [4611686018427387904, 2, 1] overflows");
}

TEST(GgufCorrupt, ByteSizeOverflows) {
    GgufBytes g;
    g.header(1, 0).tensor("w", {std::uint64_t{1} << 61, 2}, kF32, 0);
    expect_refused(g, "tensor 'w': byte size of [2305843009213693952, 2] F32 overflows 64 bits");
}

// Found by the fuzzer: a zero last dimension makes the totals 0, but GGML's
// strides (prefix products) still overflow, so such shapes are refused too.
TEST(GgufCorrupt, ElementPrefixOverflowsBeforeZeroDim) {
    GgufBytes g;
    g.header(1, 0).tensor("w", {std::uint64_t{1} << 62, 4, 0}, kF32, 0);
    expect_refused(g, "tensor 'w': element count [4611686018427387904, 4, 0] overflows");
}

TEST(GgufCorrupt, ByteStrideOverflowsBeforeZeroDim) {
    GgufBytes g;
    g.header(1, 0).tensor("w", {std::uint64_t{1} << 61, 2, 0}, kF32, 0);
    expect_refused(g, "tensor 'w': byte size of [2305843009213693952, 2, 0] F32 overflows 64 bits");
}

TEST(GgufCorrupt, NotWholeBlocks) {
    GgufBytes g;
    g.header(1, 0).tensor("w", {33, 2}, kQ4_0, 0);
    expect_refused(g, "tensor 'w': 33 columns is not whole Q4_0 blocks of 32 values");
}

TEST(GgufCorrupt, UnknownTensorType) {
    GgufBytes g;
    g.header(1, 0).tensor("w", {8}, 99, 0);
    expect_refused(g, "tensor 'w': unknown type id 99 at byte offset 45");
}

TEST(GgufCorrupt, RemovedOrUnassignedTensorType) {
    // 4, 5, 31..33, 36..38: types GGML removed, which have no size any more.
    for (const std::uint32_t id : {4u, 5u, 31u, 32u, 33u, 36u, 37u, 38u, 40u, 200u}) {
        SCOPED_TRACE(id);
        GgufBytes g;
        g.header(1, 0).tensor("w", {256}, id, 0).pad(32).zeros(1024);
        expect_refused(g, "tensor 'w': unknown type id " + std::to_string(id) + " at byte offset 45");
    }
}

TEST(GgufCorrupt, UnsupportedTypeNotWholeBlocks) {
    GgufBytes g;
    g.header(1, 0).tensor("w", {128, 2}, 34, 0).pad(32).zeros(1024);
    expect_refused(g, "tensor 'w': 128 columns is not whole TQ1_0 blocks of 256 values");
}

TEST(GgufCorrupt, UnsupportedTypeDataPastEnd) {
    GgufBytes g;
    g.header(1, 0).tensor("w", {256, 4}, 16, 0).pad(32).zeros(263);  // needs 4 x 66 bytes
    expect_refused(g, "tensor 'w': bytes [96 + 0, +264) run past the end of the file (359 bytes)");
}

TEST(GgufCorrupt, UnsupportedTypeByteSizeOverflow) {
    // 2^62 elements are allowed; at 8 bytes each (F64) they overflow 64 bits.
    GgufBytes g;
    g.header(1, 0).tensor("w", {std::uint64_t{1} << 61, 2}, 28, 0);
    expect_refused(g, "tensor 'w': byte size of [2305843009213693952, 2] F64 overflows 64 bits");
}

TEST(GgufCorrupt, MisalignedOffset) {
    GgufBytes g;
    g.header(1, 0).tensor("w", {8}, kF32, 16).pad(32).zeros(64);
    expect_refused(g, "tensor 'w': data offset 16 at byte offset 49 is not a multiple of the alignment 32");
}

TEST(GgufCorrupt, MisalignedOffsetCustomAlignment) {
    GgufBytes g;
    g.header(1, 1).kv_u32("general.alignment", 64).tensor("w", {8}, kF32, 32).pad(64).zeros(128);
    expect_refused(g, "tensor 'w': data offset 32 at byte offset 82 is not a multiple of the alignment 64");
}

TEST(GgufCorrupt, TensorDataPastEnd) {
    GgufBytes g;
    g.header(1, 0).tensor("w", {8}, kF32, 0).pad(32).zeros(16);  // needs 32 bytes of data
    expect_refused(g, "tensor 'w': bytes [64 + 0, +32) run past the end of the file (80 bytes)");
}

TEST(GgufCorrupt, TensorOffsetOverflows) {
    GgufBytes g;
    g.header(1, 0).tensor("w", {8}, kF32, ~std::uint64_t{31}).pad(32).zeros(32);
    expect_refused(g, "tensor 'w': bytes [64 + 18446744073709551584, +32) run past the end of the file (96 bytes)");
}

TEST(GgufCorrupt, OverlappingTensors) {
    GgufBytes g;
    g.header(3, 0).tensor("a", {16}, kF32, 0).tensor("b", {8}, kF32, 32).tensor("c", {8}, kF32, 64);
    g.pad(32).zeros(96);
    expect_refused(g, "tensors 'a' (data bytes [0, 64)) and 'b' (data bytes [32, 64)) overlap");
}

TEST(GgufCorrupt, OverlapHiddenBehindEmptyTensor) {
    // An empty tensor sorted between two overlapping ones must not hide them.
    GgufBytes g;
    g.header(3, 0).tensor("a", {16}, kF32, 0).tensor("e", {0}, kF32, 32).tensor("b", {8}, kF32, 32);
    g.pad(32).zeros(96);
    expect_refused(g, "tensors 'a' (data bytes [0, 64)) and ");
}

TEST(GgufCorrupt, DuplicateTensorName) {
    GgufBytes g;
    g.header(2, 0).tensor("w", {8}, kF32, 0).tensor("w", {8}, kF32, 32).pad(32).zeros(64);
    expect_refused(g, "duplicate tensor name 'w' at byte offset 57");
}

// --- files and look-ups

TEST(GgufCorrupt, MissingFile) {
    try {
        hg::GgufFile::open("/nonexistent-hipquant/x.gguf");
        FAIL() << "no error";
    } catch (const hipquant::Error& e) {
        EXPECT_EQ(e.code(), errc::file_not_found);
        EXPECT_TRUE(contains(e.what(), "cannot open GGUF file '/nonexistent-hipquant/x.gguf': No such file"));
    }
}

TEST(GgufCorrupt, DirectoryIsNotAFile) {
    try {
        hg::GgufFile::open("/");
        FAIL() << "no error";
    } catch (const hipquant::Error& e) {
        EXPECT_EQ(e.code(), errc::file_not_found);
        EXPECT_TRUE(contains(e.what(), "GGUF file '/' is not a regular file"));
    }
}

TEST(GgufCorrupt, EmptyFileOnDisk) {
    const std::string path = testing::TempDir() + "hq_gguf_empty_" + std::to_string(::getpid()) + ".gguf";
    std::FILE* f = std::fopen(path.c_str(), "wb");
    ASSERT_NE(f, nullptr);
    std::fclose(f);
    try {
        hg::GgufFile::open(path);
        ADD_FAILURE() << "no error";
    } catch (const hipquant::Error& e) {
        EXPECT_TRUE(contains(e.what(), "GGUF '" + path + "': truncated: magic at byte offset 0 needs 4 bytes, 0 left"));
    }
    std::remove(path.c_str());
}

TEST(GgufLookup, MissingTensorAndKeyAndWrongType) {
    hg::GgufWriter w;
    w.set("k.str", hg::Value::string("x"));
    w.set("k.neg", hg::Value::i32(-3));
    const auto bytes = w.to_bytes();
    const auto f = hg::GgufFile::from_memory(bytes.data(), bytes.size(), "m.gguf");
    const auto msg = [](auto&& fn, int code) {
        try {
            fn();
        } catch (const hipquant::Error& e) {
            EXPECT_EQ(e.code(), code) << e.what();
            return std::string(e.what());
        }
        return std::string();
    };
    EXPECT_EQ(f.find_tensor("nope"), nullptr);
    EXPECT_TRUE(contains(msg([&] { f.tensor("nope"); }, errc::not_found), "GGUF 'm.gguf': tensor 'nope' not found (0 tensors)"));
    EXPECT_TRUE(contains(msg([&] { f.metadata().at("nope"); }, errc::not_found), "GGUF metadata: no key 'nope'"));
    EXPECT_TRUE(contains(msg([&] { f.metadata().get_uint("k.str"); }, errc::invalid_value),
                         "GGUF metadata 'k.str': GGUF value: wanted an unsigned integer, the value is string"));
    EXPECT_TRUE(contains(msg([&] { f.metadata().get_uint("k.neg"); }, errc::invalid_value),
                         "wanted an unsigned integer, the value is -3"));
    EXPECT_EQ(f.metadata().get_int("k.neg"), -3);
}

TEST(GgufValue, ArraysAndPrinting) {
    const auto a = hg::Value::array_i32({-1, 2, 3, 4});
    EXPECT_EQ(a.size(), 4u);
    EXPECT_EQ(a.at(0), hg::Value::i32(-1));
    EXPECT_EQ(a.to_string(), "[-1, 2, 3, 4]");
    EXPECT_EQ(a.to_string(2), "[-1, 2, ... (4 total)]");
    EXPECT_EQ(hg::Value::string("a\"b\n").to_string(), "\"a\\\"b\\n\"");
    EXPECT_EQ(hg::Value::f32(0.5f).to_string(), "0.5");
    EXPECT_NE(hg::Value::u32(1), hg::Value::u64(1));  // same number, other type
    EXPECT_TRUE(contains(parse_error({}), "truncated"));
    try {
        hg::Value::array(hg::ValueType::UInt8, {hg::Value::u8(1), hg::Value::i8(1)});
        ADD_FAILURE() << "no error";
    } catch (const hipquant::Error& e) {
        EXPECT_TRUE(contains(e.what(), "GGUF array of u8: element 1 is i8"));
    }
}

}  // namespace
