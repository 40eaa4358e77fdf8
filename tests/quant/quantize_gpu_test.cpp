// quantize_q8_1 on the GPU against the CPU reference, and its shape checks.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>

#include "gpu_test_util.hpp"
#include "hipquant/quant/half.hpp"
#include "hipquant/quant/ops.hpp"
#include "hipquant/quant/reference.hpp"

namespace hq = hipquant::quant;
using hipquant::test::GpuTest;

namespace {

std::vector<float> random_matrix(std::size_t n, std::uint32_t seed, float scale) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> dist(0.0f, scale);
    std::vector<float> x(n);
    for (auto& v : x) v = dist(rng);
    return x;
}

// The CPU reference of one padded row: zeros after `cols`.
std::vector<hq::BlockQ8_1> reference_rows(const std::vector<float>& x, std::size_t rows, std::size_t cols) {
    const std::size_t rb = hq::q8_1_row_blocks(cols);
    std::vector<hq::BlockQ8_1> out(rows * rb);
    std::vector<float> padded(rb * hq::kQK);
    for (std::size_t r = 0; r < rows; ++r) {
        std::fill(padded.begin(), padded.end(), 0.0f);
        std::copy(x.begin() + static_cast<std::ptrdiff_t>(r * cols),
                  x.begin() + static_cast<std::ptrdiff_t>((r + 1) * cols), padded.begin());
        hq::reference::quantize_row_q8_1(padded.data(), out.data() + r * rb, padded.size());
    }
    return out;
}

}  // namespace

TEST(QuantizeQ8_1, RowBlocksArePaddedTo512Values) {
    EXPECT_EQ(hq::q8_1_row_blocks(1), 16u);
    EXPECT_EQ(hq::q8_1_row_blocks(512), 16u);
    EXPECT_EQ(hq::q8_1_row_blocks(513), 32u);
    EXPECT_EQ(hq::q8_1_row_blocks(4096), 128u);
}

TEST_F(GpuTest, QuantizeQ8_1MatchesReference) {
    struct Shape {
        std::size_t rows, cols;
    };
    // Columns off every tile multiple, one row and many, plus exact multiples.
    const Shape shapes[] = {{1, 32}, {1, 512}, {3, 96}, {5, 4096}, {7, 1000}, {33, 577}, {2, 14336}, {64, 4096}};
    std::uint32_t seed = 1234;
    for (const auto& s : shapes) {
        SCOPED_TRACE(::testing::Message() << s.rows << " x " << s.cols << ", seed " << seed);
        auto x = random_matrix(s.rows * s.cols, seed++, 3.0f);
        if (s.cols >= 64) {
            x[5] = 0.0f;
            std::fill(x.begin() + 32, x.begin() + 64, 0.0f);  // one all-zero block
        }
        const auto expect = reference_rows(x, s.rows, s.cols);

        auto dx = device().memcpy_stod(x);
        auto dy = device().alloc<hq::BlockQ8_1>(expect.size());
        // Poison, so unwritten blocks (padding included) show.
        std::vector<hq::BlockQ8_1> poison(expect.size());
        std::memset(poison.data(), 0x5a, poison.size() * sizeof(hq::BlockQ8_1));
        device().memcpy_htod(poison, dy.span());
        hq::quantize_q8_1(device(), dx.span(), s.rows, s.cols, dy.span(), device().stream());
        const auto got = device().memcpy_dtov(dy);

        const std::size_t rb = hq::q8_1_row_blocks(s.cols);
        std::size_t tie_diffs = 0;
        for (std::size_t b = 0; b < got.size(); ++b) {
            ASSERT_EQ(got[b].d, expect[b].d) << "block " << b << ": scale d";
            const bool padding = (b % rb) * hq::kQK >= s.cols;
            int sum_got = 0;
            for (int j = 0; j < hq::kQK; ++j) {
                sum_got += got[b].qs[j];
                if (got[b].qs[j] == expect[b].qs[j]) continue;
                // Allowed only where x / d is an exact rounding tie (k + 0.5).
                const std::size_t row = b / rb;
                const std::size_t first = (b % rb) * hq::kQK;
                float amax = 0.0f;
                for (std::size_t c = first; c < first + hq::kQK && c < s.cols; ++c)
                    amax = std::fmax(amax, std::fabs(x[row * s.cols + c]));
                const float scaled = x[row * s.cols + first + static_cast<std::size_t>(j)] * (127.0f / amax);
                ++tie_diffs;
                EXPECT_EQ(std::fabs(scaled - std::trunc(scaled)), 0.5f) << "block " << b << " value " << j;
                EXPECT_LE(std::abs(got[b].qs[j] - expect[b].qs[j]), 1) << "block " << b << " value " << j;
            }
            if (padding) {
                EXPECT_EQ(got[b].d, 0) << "padding block " << b;
                EXPECT_EQ(got[b].s, 0) << "padding block " << b;
                EXPECT_EQ(sum_got, 0) << "padding block " << b;
            }
            EXPECT_EQ(got[b].s, expect[b].s) << "block " << b << ": sum s";
        }
        // Both sides do the same f32 steps, so in practice even ties agree.
        EXPECT_LE(tie_diffs, 2u);
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
}
