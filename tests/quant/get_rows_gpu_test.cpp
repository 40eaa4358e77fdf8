// QuantizedTensor::get_rows / get_rows_f16 on the GPU: every gathered row
// equals the CPU reference's dequantized row bit for bit (f16: its rounding),
// bad indices throw naming the first one, and bad shapes throw before launch.
#include <gtest/gtest.h>

#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "gpu_test_util.hpp"
#include "hipquant/quant/kernels.hpp"
#include "hipquant/quant/reference.hpp"
#include "hipquant/quant/storage.hpp"
#include "hipquant/selftest.hpp"

namespace hq = hipquant::quant;
namespace selftest = hipquant::selftest;
using hipquant::test::GpuTest;

namespace {

// A weight of seeded N(0, 1) values quantized by the CPU reference, and the
// reference's decoding of exactly the uploaded bytes (rows x cols).
struct Weights {
    hq::QuantizedTensor tensor;
    std::vector<float> decoded;
};

Weights make_weights(const hipquant::RocmDevice& device, hq::QuantType type, std::size_t rows, std::size_t cols,
                     std::uint32_t seed) {
    const auto values = selftest::random_values(rows * cols, seed);
    auto t = hq::QuantizedTensor::quantize(device, type, values.data(), rows, cols);
    auto decoded = hq::reference::dequantize_matrix(type, t.to_host_bytes().data(), rows, cols);
    return Weights{std::move(t), std::move(decoded)};
}

// The reference gather: row indices[i] of `decoded` for each i.
std::vector<float> gather(const Weights& w, const std::vector<std::int32_t>& indices) {
    const std::size_t cols = w.tensor.cols();
    std::vector<float> out;
    out.reserve(indices.size() * cols);
    for (const auto r : indices)
        out.insert(out.end(), w.decoded.begin() + r * cols, w.decoded.begin() + (r + 1) * cols);
    return out;
}

// Device output buffers of all-ones bytes (a NaN in f32 and in f16), so
// values the kernel leaves unwritten cannot pass for reference values (the
// comparisons are bitwise).
template <typename T>
hipquant::DeviceMemory<T> poisoned(const hipquant::RocmDevice& device, std::size_t n) {
    std::vector<T> host(n);
    std::memset(static_cast<void*>(host.data()), 0xff, n * sizeof(T));
    return device.memcpy_stod(host);
}

// Both gathers of `indices` from `w` against the reference, bit for bit.
void expect_gathers_equal_reference(const hipquant::RocmDevice& device, const Weights& w,
                                    const std::vector<std::int32_t>& indices) {
    const hq::QuantType type = w.tensor.type();
    const auto expect = gather(w, indices);
    const auto d_indices = device.memcpy_stod(indices);
    auto out = poisoned<float>(device, expect.size());
    auto out_f16 = poisoned<std::uint16_t>(device, expect.size());
    w.tensor.get_rows(d_indices.span(), out.span(), device.stream());
    w.tensor.get_rows_f16(d_indices.span(), out_f16.span(), device.stream());
    const auto r32 = selftest::compare_dequantize_f32(hq::kernel_name(hq::conversion_kernel(hq::Conversion::get_rows_f32, type)),
                                                      device.memcpy_dtov(out), expect);
    const auto r16 = selftest::compare_dequantize_f16(hq::kernel_name(hq::conversion_kernel(hq::Conversion::get_rows_f16, type)),
                                                      device.memcpy_dtov(out_f16), expect);
    EXPECT_TRUE(r32.passed) << r32.name << ": " << r32.detail;
    EXPECT_TRUE(r16.passed) << r16.name << ": " << r16.detail;
}

// Weight types a QuantizedTensor can hold that have a dequantize kernel.
std::vector<hq::QuantType> gatherable_types() { return hipquant::test::weight_types(hq::kKernelDequantize); }

// A few whole blocks per row, not a power of two (plain types: 67 values).
std::size_t test_cols(hq::QuantType type) {
    const std::uint32_t block = hq::quant_type_info(type).block_elems;
    return block == 1 ? 67 : 3 * block;
}

}  // namespace

// Row 0, the last row, repeats and random rows, from a 37-row tensor and a
// 1-row one, for every type.
TEST_F(GpuTest, GetRowsEqualsReferenceForEveryType) {
    std::uint32_t seed = 300;
    for (const auto type : gatherable_types()) {
        for (const std::size_t rows : {std::size_t{37}, std::size_t{1}}) {
            const std::size_t cols = test_cols(type);
            SCOPED_TRACE(std::string(hq::quant_type_name(type)) + " " + std::to_string(rows) + " x " +
                         std::to_string(cols) + ", seed " + std::to_string(seed));
            const auto w = make_weights(device(), type, rows, cols, seed);
            std::mt19937 rng(seed++);
            std::uniform_int_distribution<std::int32_t> pick(0, static_cast<std::int32_t>(rows) - 1);
            const std::int32_t last = static_cast<std::int32_t>(rows) - 1;
            std::vector<std::int32_t> indices = {0, last, pick(rng), 0, last, last};
            const std::int32_t repeated = pick(rng);
            indices.insert(indices.end(), {repeated, repeated});
            for (int k = 0; k < 5; ++k) indices.push_back(pick(rng));
            expect_gathers_equal_reference(device(), w, indices);
        }
    }
}

// More positions than the kernel's grid has blocks in x (65535), so each
// block gathers several rows.
TEST_F(GpuTest, GetRowsManyIndices) {
    const std::uint32_t seed = 41;
    SCOPED_TRACE("Q4_0 37 x 64, seed " + std::to_string(seed));
    const auto w = make_weights(device(), hq::QuantType::Q4_0, 37, 64, seed);
    std::mt19937 rng(seed);
    std::uniform_int_distribution<std::int32_t> pick(0, 36);
    std::vector<std::int32_t> indices(70001);
    for (auto& i : indices) i = pick(rng);
    expect_gathers_equal_reference(device(), w, indices);
}

// An index == rows or negative throws, naming the lowest bad position and
// its value; the tensor works normally afterwards.
TEST_F(GpuTest, GetRowsOutOfRangeIndexThrowsNamingPositionAndValue) {
    const std::uint32_t seed = 52;
    const auto w = make_weights(device(), hq::QuantType::Q4_K, 37, 512, seed);
    const auto& t = w.tensor;
    auto out = device().alloc<float>(12 * 512);
    auto out_f16 = device().alloc<std::uint16_t>(12 * 512);

    std::vector<std::int32_t> indices = {0, 1, 2, 3, 4, 5, 6, 37, 8, -5, 36, 37};
    auto d_indices = device().memcpy_stod(indices);
    HQ_EXPECT_ERROR(t.get_rows(d_indices.span(), out.span(), device().stream()),
                    "get_rows: indices[7] = 37 is out of range for a tensor of 37 rows");
    HQ_EXPECT_ERROR(t.get_rows_f16(d_indices.span(), out_f16.span(), device().stream()),
                    "get_rows_f16: indices[7] = 37 is out of range for a tensor of 37 rows");

    indices = {0, 36, 5, -1, 2, 7, 7, 7, 7, 7, 7, 7};
    d_indices = device().memcpy_stod(indices);
    HQ_EXPECT_ERROR(t.get_rows(d_indices.span(), out.span(), device().stream()),
                    "get_rows: indices[3] = -1 is out of range for a tensor of 37 rows");
    HQ_EXPECT_ERROR(t.get_rows_f16(d_indices.span(), out_f16.span(), device().stream()),
                    "get_rows_f16: indices[3] = -1 is out of range for a tensor of 37 rows");
    try {
        t.get_rows(d_indices.span(), out.span(), device().stream());
        ADD_FAILURE() << "expected hipquant::Error";
    } catch (const hipquant::Error& e) {
        EXPECT_EQ(e.code(), hipquant::errc::invalid_value);
    }

    // Many bad positions in many blocks: still the lowest one.
    std::vector<std::int32_t> many(70001, 0);
    for (std::size_t i = 40000; i < many.size(); i += 3) many[i] = 1 << 30;
    many[39999] = std::numeric_limits<std::int32_t>::min();
    const auto d_many = device().memcpy_stod(many);
    auto out_many = device().alloc<float>(many.size() * 512);
    HQ_EXPECT_ERROR(t.get_rows(d_many.span(), out_many.span(), device().stream()),
                    "get_rows: indices[39999] = -2147483648 is out of range for a tensor of 37 rows");

    // The status word is reset per call: valid gathers pass again.
    expect_gathers_equal_reference(device(), w, {36, 0, 17, 17});
}

TEST_F(GpuTest, GetRowsWrongOutSizeThrowsBeforeLaunch) {
    const auto w = make_weights(device(), hq::QuantType::Q8_0, 37, 96, 61);
    const std::vector<std::int32_t> indices = {3, 1, 4, 1, 5, 9, 2};
    const auto d_indices = device().memcpy_stod(indices);
    auto big = poisoned<float>(device(), 7 * 96 + 1);
    auto big_f16 = poisoned<std::uint16_t>(device(), 7 * 96 + 1);
    const auto before = device().memcpy_dtov(big);
    const auto before_f16 = device().memcpy_dtov(big_f16);
    HQ_EXPECT_ERROR(w.tensor.get_rows(d_indices.span(), big.span(), device().stream()),
                    "get_rows: out has 673 values but indices x cols = 7 x 96 = 672");
    HQ_EXPECT_ERROR(w.tensor.get_rows(d_indices.span(), big.slice(0, 671), device().stream()),
                    "get_rows: out has 671 values but indices x cols = 7 x 96 = 672");
    HQ_EXPECT_ERROR(w.tensor.get_rows_f16(d_indices.span(), big_f16.span(), device().stream()),
                    "get_rows_f16: out has 673 values but indices x cols = 7 x 96 = 672");
    HQ_EXPECT_ERROR(w.tensor.get_rows(hipquant::DeviceSpan<const std::int32_t>(), big.slice(0, 5), device().stream()),
                    "get_rows: out has 5 values but indices x cols = 0 x 96 = 0");
    // Nothing was launched: the outputs still hold their poison.
    EXPECT_EQ(std::memcmp(device().memcpy_dtov(big).data(), before.data(), before.size() * sizeof(float)), 0);
    EXPECT_EQ(device().memcpy_dtov(big_f16), before_f16);
}

TEST_F(GpuTest, GetRowsEmptyIndicesLaunchesNothing) {
    const auto w = make_weights(device(), hq::QuantType::Q6_K, 5, 256, 71);
    const hipquant::DeviceSpan<const std::int32_t> none;
    EXPECT_NO_THROW(w.tensor.get_rows(none, hipquant::DeviceSpan<float>(), device().stream()));
    EXPECT_NO_THROW(w.tensor.get_rows_f16(none, hipquant::DeviceSpan<std::uint16_t>(), device().stream()));
    // An empty view into a real buffer is just as empty.
    const auto d_indices = device().memcpy_stod(std::vector<std::int32_t>{1, 2});
    auto out = device().alloc<float>(256);
    EXPECT_NO_THROW(w.tensor.get_rows(d_indices.slice(0, 0), out.slice(0, 0), device().stream()));
    expect_gathers_equal_reference(device(), w, {4, 0});
}
