// quantize_q8_1 on the GPU against the CPU reference, and its shape checks.
#include <gtest/gtest.h>

#include "gpu_test_util.hpp"
#include "hipquant/quant/ops.hpp"
#include "hipquant/selftest.hpp"

namespace hq = hipquant::quant;
using hipquant::test::GpuTest;

TEST(QuantizeQ8_1, RowBlocksArePaddedTo512Values) {
    EXPECT_EQ(hq::q8_1_row_blocks(1), 16u);
    EXPECT_EQ(hq::q8_1_row_blocks(512), 16u);
    EXPECT_EQ(hq::q8_1_row_blocks(513), 32u);
    EXPECT_EQ(hq::q8_1_row_blocks(4096), 128u);
}

// The comparison is selftest::compare_quantize_q8_1 (what `hipquant
// selftest` runs): scales and sums exact, padding blocks zero, quants equal
// but for one-step differences at exact rounding ties (at most 2).
TEST_F(GpuTest, QuantizeQ8_1MatchesReference) {
    struct Shape {
        std::size_t rows, cols;
    };
    // Columns off every tile multiple (and rows off 16-byte alignment: the
    // kernel's one-value-at-a-time loads), one row and many, exact
    // multiples, and more rows than one grid dimension launches (65535).
    const Shape shapes[] = {{1, 32},    {1, 512},    {3, 96},     {5, 4096},  {7, 1000},
                            {33, 577},  {2, 14336},  {64, 4096},  {9, 3},     {70001, 33}};
    std::uint32_t seed = 1234;
    for (const auto& s : shapes) {
        const auto r = hipquant::selftest::check_quantize_q8_1(device(), s.rows, s.cols, seed++);
        EXPECT_TRUE(r.passed) << r.name << ": " << r.detail;
    }
}

TEST_F(GpuTest, QuantizeQ8_1ChecksShapesBeforeLaunch) {
    auto x = device().alloc_zeros<float>(100);
    auto y = device().alloc<hq::BlockQ8_1>(hq::q8_1_row_blocks(50) * 2);
    HQ_EXPECT_ERROR(hq::quantize_q8_1(device(), x.span(), 3, 50, y.span(), device().stream()),
                    "x has 100 values but rows x cols = 3 x 50 = 150");
    HQ_EXPECT_ERROR(hq::quantize_q8_1(device(), x.span(), 2, 50, y.slice(0, 31), device().stream()),
                    "y has 31 blocks but 2 rows of 50 values need 32");
    HQ_EXPECT_ERROR(hq::quantize_q8_1(device(), x.span(), 100, 0, y.span(), device().stream()), "cols = 0");
    // Borrowed memory (DeviceSpan::wrap) 2 bytes off the 4 the kernel's
    // stores need.
    const auto odd = hipquant::DeviceSpan<hq::BlockQ8_1>::wrap(
        reinterpret_cast<hq::BlockQ8_1*>(reinterpret_cast<std::uint8_t*>(y.data()) + 2), 32);
    HQ_EXPECT_ERROR(hq::quantize_q8_1(device(), x.span(), 2, 50, odd, device().stream()),
                    "y must be 4-byte aligned");
}
