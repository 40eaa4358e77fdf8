// GGUF writer -> file -> mmap reader round trips: metadata of every value
// type, tensors of every QuantType, default and non-default alignments.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <limits>
#include <random>
#include <string>
#include <unistd.h>
#include <vector>

#include "gguf/gguf_bytes.hpp"
#include "hipquant/gguf/gguf.hpp"
#include "hipquant/gguf/writer.hpp"
#include "hipquant/quant/half.hpp"
#include "hipquant/quant/types.hpp"
#include "hipquant/runtime/error.hpp"

namespace hg = hipquant::gguf;
namespace hq = hipquant::quant;
using hg::Value;
using hg::ValueType;

namespace {

std::string temp_path(const std::string& stem) {
    return testing::TempDir() + "hq_gguf_" + stem + "_" + std::to_string(::getpid()) + ".gguf";
}

// One key per value type, plus arrays of each and arrays of arrays.
hg::Metadata all_value_types() {
    hg::Metadata m;
    m.add("general.architecture", Value::string("llama"));
    m.add("t.u8", Value::u8(250));
    m.add("t.i8", Value::i8(-128));
    m.add("t.u16", Value::u16(65535));
    m.add("t.i16", Value::i16(-32768));
    m.add("t.u32", Value::u32(4000000000u));
    m.add("t.i32", Value::i32(std::numeric_limits<std::int32_t>::min()));
    m.add("t.u64", Value::u64(std::numeric_limits<std::uint64_t>::max()));
    m.add("t.i64", Value::i64(std::numeric_limits<std::int64_t>::min()));
    m.add("t.f32", Value::f32(-1.5e-7f));
    m.add("t.f64", Value::f64(3.141592653589793));
    m.add("t.f32_nan", Value::f32(std::numeric_limits<float>::quiet_NaN()));
    m.add("t.bool_t", Value::boolean(true));
    m.add("t.bool_f", Value::boolean(false));
    m.add("t.str_empty", Value::string(""));
    m.add("t.str_utf8", Value::string(std::string("h\xC3\xA9llo \"w\"\n\0x", 13)));
    m.add("t.arr_u8", Value::array(ValueType::UInt8, {Value::u8(1), Value::u8(2), Value::u8(255)}));
    m.add("t.arr_i8", Value::array(ValueType::Int8, {Value::i8(-1), Value::i8(127)}));
    m.add("t.arr_u16", Value::array(ValueType::UInt16, {Value::u16(7)}));
    m.add("t.arr_i16", Value::array(ValueType::Int16, {Value::i16(-7), Value::i16(300)}));
    m.add("t.arr_u32", Value::array_u32({1, 2, 3}));
    m.add("t.arr_i32", Value::array_i32({-1, 0, 1}));
    m.add("t.arr_u64", Value::array_u64({0, std::numeric_limits<std::uint64_t>::max()}));
    m.add("t.arr_i64", Value::array(ValueType::Int64, {Value::i64(-5)}));
    m.add("t.arr_f32", Value::array_f32({0.5f, -0.25f, 1e30f}));
    m.add("t.arr_f64", Value::array(ValueType::Float64, {Value::f64(1e-300), Value::f64(-2.0)}));
    m.add("t.arr_bool", Value::array(ValueType::Bool, {Value::boolean(true), Value::boolean(false)}));
    m.add("t.arr_str", Value::array(std::vector<std::string>{"a", "", "<s>", std::string(300, 'x')}));
    m.add("t.arr_empty", Value::array(ValueType::Float32, {}));
    m.add("t.arr_arr", Value::array(ValueType::Array, {Value::array_u32({1, 2}),
                                                        Value::array(std::vector<std::string>{"z"}),
                                                        Value::array(ValueType::Array, {Value::array_i32({-9})})}));
    return m;
}

// Bytes for a tensor: real f32 / f16 / bf16 values for the float types (so
// the bytes are sensible numbers), random bytes of the right size otherwise.
std::vector<std::uint8_t> tensor_bytes(hq::QuantType type, const std::vector<std::uint64_t>& shape,
                                       std::mt19937& rng) {
    const std::uint64_t n = hg::tensor_size_bytes(type, shape);
    std::vector<std::uint8_t> out(static_cast<std::size_t>(n));
    std::normal_distribution<float> normal(0.0f, 1.0f);
    if (type == hq::QuantType::F32) {
        for (std::size_t i = 0; i < out.size(); i += 4) {
            const float f = normal(rng);
            std::memcpy(&out[i], &f, 4);
        }
    } else if (type == hq::QuantType::F16 || type == hq::QuantType::BF16) {
        for (std::size_t i = 0; i < out.size(); i += 2) {
            const float f = normal(rng);
            const std::uint16_t h = type == hq::QuantType::F16
                                        ? hq::fp32_to_fp16(f)
                                        : static_cast<std::uint16_t>(hq::float_bits(f) >> 16);
            std::memcpy(&out[i], &h, 2);
        }
    } else {
        std::uniform_int_distribution<int> byte(0, 255);
        for (auto& b : out) b = static_cast<std::uint8_t>(byte(rng));
    }
    return out;
}

struct Expected {
    std::string name;
    hq::QuantType type;
    std::vector<std::uint64_t> shape;
    std::vector<std::uint8_t> bytes;
};

class GgufAlignedRoundTrip : public testing::TestWithParam<std::uint32_t> {};

TEST_P(GgufAlignedRoundTrip, EveryTypeAndValueReadsBackIdentical) {
    const std::uint32_t alignment = GetParam();
    const unsigned seed = 1234u + alignment;
    SCOPED_TRACE("alignment " + std::to_string(alignment) + ", seed " + std::to_string(seed));
    std::mt19937 rng(seed);

    hg::GgufWriter w(alignment);
    w.metadata() = all_value_types();
    std::vector<Expected> expected;
    int k = 0;
    for (const auto& info : hq::kQuantTypes) {
        // 1..4 dimensions, columns a few whole blocks, rows not a multiple of anything.
        const std::uint64_t cols = info.block_elems * (1 + static_cast<std::uint64_t>(k % 3));
        std::vector<std::vector<std::uint64_t>> shapes = {{cols}, {cols, 3}, {cols, 2, 3}, {cols, 1, 2, 2}};
        for (const auto& shape : shapes) {
            Expected e{std::string("blk.") + std::to_string(k) + "." + info.name + ".d" +
                           std::to_string(shape.size()),
                       info.type, shape, tensor_bytes(info.type, shape, rng)};
            w.add_tensor(e.name, e.type, e.shape, e.bytes);
            expected.push_back(std::move(e));
        }
        ++k;
    }

    const std::string path = temp_path("rt" + std::to_string(alignment));
    w.write(path);
    const hg::GgufFile f = hg::GgufFile::open(path);
    std::remove(path.c_str());  // the mapping stays valid after unlink

    EXPECT_EQ(f.version(), 3u);
    EXPECT_EQ(f.alignment(), alignment);
    EXPECT_EQ(f.data_offset() % alignment, 0u);
    // Metadata: same keys in the same order with equal values; the writer
    // adds general.alignment only when it is not the default.
    hg::Metadata want = all_value_types();
    if (alignment != hg::kDefaultAlignment) want.add(hg::kAlignmentKey, Value::u32(alignment));
    EXPECT_EQ(f.metadata(), want);
    EXPECT_EQ(f.metadata().get_string("general.architecture"), "llama");
    EXPECT_EQ(f.metadata().get_int("t.i64"), std::numeric_limits<std::int64_t>::min());
    EXPECT_EQ(f.metadata().get_uint("t.u64"), std::numeric_limits<std::uint64_t>::max());
    EXPECT_FLOAT_EQ(static_cast<float>(f.metadata().get_float("t.f32")), -1.5e-7f);
    EXPECT_TRUE(std::isnan(f.metadata().get_float("t.f32_nan")));
    EXPECT_TRUE(f.metadata().get_bool("t.bool_t"));
    EXPECT_EQ(f.metadata().get_string("t.str_utf8").size(), 13u);
    EXPECT_EQ(f.metadata().at("t.arr_i16").to_ints(), (std::vector<std::int64_t>{-7, 300}));
    EXPECT_EQ(f.metadata().at("t.arr_str").strings().at(3), std::string(300, 'x'));
    EXPECT_EQ(f.metadata().at("t.arr_arr").arrays().at(2).arrays().at(0).to_ints(),
              (std::vector<std::int64_t>{-9}));

    ASSERT_EQ(f.tensors().size(), expected.size());
    for (std::size_t i = 0; i < expected.size(); ++i) {
        const Expected& e = expected[i];
        SCOPED_TRACE(e.name);
        const hg::TensorInfo& t = f.tensors()[i];
        EXPECT_EQ(&t, &f.tensor(e.name));
        EXPECT_EQ(t.name, e.name);
        EXPECT_EQ(t.type, e.type);
        ASSERT_EQ(t.n_dims, e.shape.size());
        for (std::size_t d = 0; d < hg::kMaxDims; ++d) EXPECT_EQ(t.ne[d], d < e.shape.size() ? e.shape[d] : 1u);
        EXPECT_EQ(t.cols(), e.shape[0]);
        EXPECT_EQ(t.rows() * hq::row_size_bytes(t.type, t.cols()), t.n_bytes);
        EXPECT_EQ(t.n_bytes, e.bytes.size());
        EXPECT_EQ(t.file_offset % alignment, 0u);
        EXPECT_EQ(t.file_offset, f.data_offset() + t.offset);
        EXPECT_EQ(t.data, f.file_bytes().data() + t.file_offset);
        EXPECT_TRUE(std::equal(t.bytes().begin(), t.bytes().end(), e.bytes.begin(), e.bytes.end()));
    }

    // Re-serializing the parsed file gives the same bytes.
    EXPECT_EQ(hg::GgufWriter::copy_of(f).to_bytes(), w.to_bytes());
}

INSTANTIATE_TEST_SUITE_P(Alignments, GgufAlignedRoundTrip, testing::Values(32u, 1u, 8u, 64u, 4096u),
                         [](const auto& p) { return "align" + std::to_string(p.param); });

TEST(GgufRoundTrip, EmptyFileHasHeaderOnly) {
    const hg::GgufWriter w;
    const auto bytes = w.to_bytes();
    EXPECT_EQ(bytes.size(), 24u);  // the header; no data section, so no padding
    const auto f = hg::GgufFile::from_memory(bytes.data(), bytes.size());
    EXPECT_TRUE(f.metadata().empty());
    EXPECT_TRUE(f.tensors().empty());
}

TEST(GgufRoundTrip, HugeAlignmentWithoutTensorsStaysSmall) {
    // Found by the fuzzer: general.alignment = 2^31 with no tensors is valid,
    // and re-writing it must not pad the file to 2 GiB.
    hg::test::GgufBytes g;
    g.header(0, 1).kv_u32("general.alignment", 0x80000000u);
    const auto f = hg::GgufFile::from_memory(g.b.data(), g.b.size());
    EXPECT_EQ(f.alignment(), 0x80000000u);
    EXPECT_EQ(hg::GgufWriter::copy_of(f).to_bytes(), g.b);
}

TEST(GgufRoundTrip, SignallingNanKeepsItsBits) {
    // Found by the fuzzer: an f32 signalling NaN (0xff94000d) came back quiet
    // (0xffd4000d) because the writer converted it through double.
    hg::test::GgufBytes g;
    g.header(0, 2).str("k32").u32(static_cast<std::uint32_t>(ValueType::Float32)).u32(0xff94000du);
    g.str("k64").u32(static_cast<std::uint32_t>(ValueType::Float64)).u64(0x7ff0000000000001ull);
    const auto f = hg::GgufFile::from_memory(g.b.data(), g.b.size());
    EXPECT_EQ(f.metadata().at("k32").float_bits(), 0xff94000du);
    EXPECT_EQ(f.metadata().at("k64").float_bits(), 0x7ff0000000000001ull);
    EXPECT_TRUE(std::isnan(f.metadata().get_float("k32")));
    EXPECT_EQ(hg::GgufWriter::copy_of(f).to_bytes(), g.b);
    EXPECT_THROW(Value::u32(1).float_bits(), hipquant::Error);
}

TEST(GgufRoundTrip, MovedFileKeepsTensorPointers) {
    hg::GgufWriter w(64);
    const std::vector<std::uint8_t> data(34 * 2, 7);
    w.add_tensor("q", hq::QuantType::Q8_0, {64}, data);
    const std::string path = temp_path("move");
    w.write(path);
    hg::GgufFile a = hg::GgufFile::open(path);
    std::remove(path.c_str());
    const std::uint8_t* p = a.tensor("q").data;
    hg::GgufFile b = std::move(a);
    EXPECT_EQ(b.tensor("q").data, p);
    EXPECT_EQ(b.tensor("q").bytes()[67], 7);
}

TEST(GgufRoundTrip, ReadsVersion2AndExplicitDefaultAlignment) {
    // Hand-built v2 file with general.alignment = 32 written out.
    hg::test::GgufBytes g;
    g.header(1, 1, 2).kv_u32("general.alignment", 32).tensor("w", {4, 2}, 0, 0).pad(32).zeros(32);
    const auto f = hg::GgufFile::from_memory(g.b.data(), g.b.size());
    EXPECT_EQ(f.version(), 2u);
    EXPECT_EQ(f.alignment(), 32u);
    EXPECT_EQ(f.tensor("w").n_bytes, 32u);
    EXPECT_EQ(f.tensor("w").shape_string(), "[4, 2]");
}

TEST(GgufRoundTrip, TensorsNeedNotBeInDirectoryOrder) {
    // Data of "b" before "a", with an unused gap between: legal.
    hg::test::GgufBytes g;
    g.header(2, 0).tensor("a", {8}, 0, 64).tensor("b", {8}, 0, 0).pad(32).zeros(96);
    const auto f = hg::GgufFile::from_memory(g.b.data(), g.b.size());
    EXPECT_EQ(f.tensor("a").offset, 64u);
    EXPECT_EQ(f.tensor("b").offset, 0u);
}

TEST(GgufWriter, RejectsBadInput) {
    hg::GgufWriter w;
    const std::vector<std::uint8_t> q(18);
    w.add_tensor("a", hq::QuantType::Q4_0, {32}, q);
    const auto msg = [&](auto&& fn) {
        try {
            fn();
        } catch (const hipquant::Error& e) {
            return std::string(e.what());
        }
        return std::string();
    };
    EXPECT_TRUE(hg::test::contains(msg([&] { w.add_tensor("a", hq::QuantType::Q4_0, {32}, q); }), "duplicate tensor name 'a'"));
    EXPECT_TRUE(hg::test::contains(msg([&] { w.add_tensor("b", hq::QuantType::Q4_0, {33}, q); }), "tensor 'b': 33 columns is not whole Q4_0 blocks of 32 values"));
    EXPECT_TRUE(hg::test::contains(msg([&] { w.add_tensor("c", hq::QuantType::Q4_0, {32, 2}, q); }), "tensor 'c' (Q4_0) needs 36 bytes, got 18"));
    EXPECT_TRUE(hg::test::contains(msg([&] { w.add_tensor("d", hq::QuantType::Q4_0, {32, 1, 1, 1, 1}, q); }), "tensor 'd' has 5 dimensions, not 1..4"));
    EXPECT_TRUE(hg::test::contains(msg([] { hg::GgufWriter bad(24); }), "alignment 24 is not a power of two"));
    w.set("general.alignment", Value::u32(64));
    EXPECT_TRUE(hg::test::contains(msg([&] { w.to_bytes(); }), "general.alignment is 64 (u32)"));
    w.metadata().remove("general.alignment");
    EXPECT_TRUE(hg::test::contains(msg([&] { w.write("/nonexistent-dir/x.gguf"); }),
                                   "GgufWriter: cannot create '/nonexistent-dir/x.gguf': No such file"));
}

}  // namespace
