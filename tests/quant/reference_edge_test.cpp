// Edge cases of the reference: zero rows, outliers, extreme magnitudes,
// NaN / Inf inputs (behaviour documented in reference.hpp), bad column
// counts, and the threaded whole-matrix paths.
#include <gtest/gtest.h>

#include <cfloat>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "hipquant/quant/half.hpp"
#include "hipquant/quant/reference.hpp"
#include "hipquant/runtime/error.hpp"

namespace hq = hipquant::quant;
namespace ref = hipquant::quant::reference;

namespace {

constexpr std::size_t kCols = 512;  // two K blocks, sixteen 32-value blocks

std::vector<std::uint8_t> quantize(hq::QuantType t, const std::vector<float>& x) {
    std::vector<std::uint8_t> q(hq::row_size_bytes(t, x.size()));
    ref::quantize_row(t, x.data(), q.data(), x.size());
    return q;
}

std::vector<float> round_trip(hq::QuantType t, const std::vector<float>& x) {
    const auto q = quantize(t, x);
    std::vector<float> y(x.size());
    ref::dequantize_row(t, q.data(), y.data(), x.size());
    return y;
}

bool is_float_type(hq::QuantType t) { return !hq::quant_type_info(t).is_block_quantized(); }

}  // namespace

TEST(ReferenceEdge, AllZeroRowsDecodeToZero) {
    const std::vector<float> zeros(kCols, 0.0f);
    for (const auto& info : hq::kQuantTypes) {
        SCOPED_TRACE(info.name);
        const auto y = round_trip(info.type, zeros);
        for (float v : y) ASSERT_EQ(v, 0.0f);
        const auto qa = quantize(ref::vec_dot_type(info.type), zeros);
        EXPECT_EQ(ref::vec_dot(info.type, quantize(info.type, zeros).data(), qa.data(), kCols), 0.0f);
    }
}

// One value 1000x the rest: it survives within its type's precision, and
// nothing becomes NaN or Inf.
TEST(ReferenceEdge, OneHugeOutlier) {
    std::vector<float> x(kCols);
    for (std::size_t i = 0; i < kCols; ++i) x[i] = 0.01f * std::sin(static_cast<float>(i));
    x[300] = 1000.0f;
    for (const auto& info : hq::kQuantTypes) {
        SCOPED_TRACE(info.name);
        const auto y = round_trip(info.type, x);
        for (float v : y) ASSERT_TRUE(std::isfinite(v));
        if (info.type == hq::QuantType::MXFP4) {
            // GGML's MXFP4 scale tops a block out at 1.5 x 2^floor(log2 amax).
            EXPECT_EQ(y[300], 768.0f);
            continue;
        }
        // 2-bit Q2_K keeps 1 of 3 steps; everything else is within 6%.
        const float tol = info.type == hq::QuantType::Q2_K ? 0.1f : 0.06f;
        EXPECT_NEAR(y[300], 1000.0f, 1000.0f * tol);
    }
}

// |x| near FLT_MAX: f16 scales overflow to Inf as in GGML (documented); no UB,
// and the 32-value types store the Inf scale with the quants GGML computes.
TEST(ReferenceEdge, ValuesNearFltMax) {
    std::vector<float> x(kCols);
    for (std::size_t i = 0; i < kCols; ++i) x[i] = (i % 2 ? -1.0f : 1.0f) * FLT_MAX * (0.5f + 0.001f * (i % 97));
    for (const auto& info : hq::kQuantTypes) {
        SCOPED_TRACE(info.name);
        const auto q = quantize(info.type, x);
        std::vector<float> y(kCols);
        ref::dequantize_row(info.type, q.data(), y.data(), kCols);
        if (info.type == hq::QuantType::F32) EXPECT_EQ(std::memcmp(x.data(), y.data(), kCols * 4), 0);
        if (info.type == hq::QuantType::Q8_K) {  // f32 scale: stays finite
            for (float v : y) EXPECT_TRUE(std::isfinite(v));
        }
    }
    hq::BlockQ8_0 b;
    ref::quantize_row<hq::QuantType::Q8_0>(x.data(), &b, 32);
    EXPECT_EQ(b.d, 0x7C00);  // d = amax / 127 > 65504: +Inf
}

// |x| around FLT_MIN: scales round to 0 (f16) and the block decodes to 0,
// which is within |x| of the input.
TEST(ReferenceEdge, ValuesNearFltMin) {
    std::vector<float> x(kCols);
    for (std::size_t i = 0; i < kCols; ++i) x[i] = FLT_MIN * static_cast<float>(static_cast<int>(i % 7) - 3);
    for (const auto& info : hq::kQuantTypes) {
        SCOPED_TRACE(info.name);
        const auto y = round_trip(info.type, x);
        for (std::size_t i = 0; i < kCols; ++i) {
            ASSERT_TRUE(std::isfinite(y[i])) << i;
            ASSERT_LE(std::fabs(y[i] - x[i]), 4 * FLT_MIN) << i;
        }
    }
}

// Block types read NaN as 0 and +-Inf as +-FLT_MAX; F16 / BF16 / F32 keep them.
TEST(ReferenceEdge, NanAndInfInput) {
    const float inf = std::numeric_limits<float>::infinity();
    const float nan = std::numeric_limits<float>::quiet_NaN();
    std::vector<float> x(kCols), x_nan_as_zero(kCols), x_inf_as_max(kCols);
    for (std::size_t i = 0; i < kCols; ++i) x[i] = std::cos(static_cast<float>(i));
    x_nan_as_zero = x;
    x[5] = nan;
    x_nan_as_zero[5] = 0.0f;
    std::vector<float> xi = x_nan_as_zero;
    xi[300] = -inf;
    x_inf_as_max = x_nan_as_zero;
    x_inf_as_max[300] = -FLT_MAX;
    for (const auto& info : hq::kQuantTypes) {
        SCOPED_TRACE(info.name);
        if (is_float_type(info.type)) {
            const auto y = round_trip(info.type, x);
            EXPECT_TRUE(std::isnan(y[5]));
            const auto yi = round_trip(info.type, xi);
            if (info.type != hq::QuantType::F32) EXPECT_EQ(yi[300], -inf);
            continue;
        }
        EXPECT_EQ(quantize(info.type, x), quantize(info.type, x_nan_as_zero));
        EXPECT_EQ(quantize(info.type, xi), quantize(info.type, x_inf_as_max));
        // A block without bad values is untouched by its neighbour's NaN.
        const auto y = round_trip(info.type, x);
        const auto y0 = round_trip(info.type, x_nan_as_zero);
        EXPECT_EQ(y.back(), y0.back());
    }
    EXPECT_EQ(hq::fp32_to_fp16(inf), 0x7C00);
    EXPECT_EQ(hq::fp32_to_bf16(-inf), 0xFF80);
}

TEST(ReferenceEdge, ColumnsNotAMultipleOfTheBlockNameBothNumbers) {
    const std::vector<float> x(300, 1.0f);
    std::vector<std::uint8_t> buf(4096);
    auto expect_error = [](auto&& f, const std::string& a, const std::string& b) {
        try {
            f();
            FAIL() << "expected hipquant::Error";
        } catch (const hipquant::Error& e) {
            const std::string m = e.what();
            EXPECT_NE(m.find(a), std::string::npos) << m;
            EXPECT_NE(m.find(b), std::string::npos) << m;
            EXPECT_EQ(e.code(), hipquant::errc::invalid_value);
        }
    };
    expect_error([&] { ref::quantize_row(hq::QuantType::Q4_0, x.data(), buf.data(), 33); }, "33", "32");
    expect_error([&] { ref::quantize_row<hq::QuantType::Q6_K>(x.data(), nullptr, 300); }, "300", "256");
    std::vector<float> out(300);
    expect_error([&] { ref::dequantize_row(hq::QuantType::Q5_1, buf.data(), out.data(), 40); }, "40", "32");
    expect_error([&] { ref::vec_dot(hq::QuantType::Q3_K, buf.data(), buf.data(), 100); }, "100", "256");
    expect_error([&] { ref::quantize_matrix(hq::QuantType::Q4_K, x.data(), 1, 300); }, "300", "256");
    expect_error([&] { ref::dequantize_matrix(hq::QuantType::Q8_0, buf.data(), 2, 31); }, "31", "32");
}

// The threaded matrix paths equal row-by-row work, for any thread count
// (including more threads than rows).
TEST(ReferenceEdge, MatrixMatchesRows) {
    const std::size_t rows = 7;
    std::vector<float> x(rows * kCols);
    for (std::size_t i = 0; i < x.size(); ++i) x[i] = 0.1f + 2.0f * std::cos(static_cast<float>(i) * 0.37f);
    for (const auto& info : hq::kQuantTypes) {
        SCOPED_TRACE(info.name);
        const std::size_t rb = hq::row_size_bytes(info.type, kCols);
        std::vector<std::uint8_t> want(rows * rb);
        for (std::size_t r = 0; r < rows; ++r)
            ref::quantize_row(info.type, x.data() + r * kCols, want.data() + r * rb, kCols);
        for (unsigned threads : {0u, 1u, 3u, 16u}) {
            SCOPED_TRACE(threads);
            const auto q = ref::quantize_matrix(info.type, x.data(), rows, kCols, threads);
            ASSERT_EQ(q, want);
            const auto y = ref::dequantize_matrix(info.type, q.data(), rows, kCols, threads);
            std::vector<float> yr(kCols);
            for (std::size_t r = 0; r < rows; ++r) {
                ref::dequantize_row(info.type, want.data() + r * rb, yr.data(), kCols);
                ASSERT_EQ(std::memcmp(yr.data(), y.data() + r * kCols, kCols * sizeof(float)), 0) << r;
            }
        }
    }
    EXPECT_TRUE(ref::quantize_matrix(hq::QuantType::Q4_0, x.data(), 0, kCols).empty());
}
