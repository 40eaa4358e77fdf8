// QuantizedTensor on the GPU: dequantize equals the CPU reference bit for
// bit, mat-vec equals the reference product on the same quantized data, and
// misuse throws before anything is launched.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "gpu_test_util.hpp"
#include "hipquant/quant/half.hpp"
#include "hipquant/quant/ops.hpp"
#include "hipquant/quant/reference.hpp"
#include "hipquant/quant/storage.hpp"

namespace hq = hipquant::quant;
using hipquant::test::GpuTest;

namespace {

std::vector<float> random_values(std::size_t n, std::uint32_t seed) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> dist(0.0f, 1.0f);
    std::vector<float> v(n);
    for (auto& x : v) x = dist(rng);
    return v;
}

std::vector<hq::QuantType> weight_types(std::uint32_t kernel) {
    std::vector<hq::QuantType> out;
    for (const auto& info : hq::kQuantTypes)
        if (info.can_be_weight && info.has_kernel(static_cast<hq::KernelBits>(kernel))) out.push_back(info.type);
    return out;
}

struct Shape {
    std::size_t rows, cols;
};

// The activations as the Q8_1 path sees them: quantized per padded row by
// the CPU reference, then decoded.
std::vector<float> q8_1_roundtrip(const std::vector<float>& x, std::size_t batch, std::size_t cols) {
    const std::size_t rb = hq::q8_1_row_blocks(cols);
    std::vector<float> padded(rb * hq::kQK), decoded(rb * hq::kQK), out(batch * cols);
    std::vector<hq::BlockQ8_1> blocks(rb);
    for (std::size_t b = 0; b < batch; ++b) {
        std::fill(padded.begin(), padded.end(), 0.0f);
        std::copy_n(x.begin() + static_cast<std::ptrdiff_t>(b * cols), cols, padded.begin());
        hq::reference::quantize_row_q8_1(padded.data(), blocks.data(), padded.size());
        hq::reference::dequantize_row_q8_1(blocks.data(), decoded.data(), decoded.size());
        std::copy_n(decoded.begin(), cols, out.begin() + static_cast<std::ptrdiff_t>(b * cols));
    }
    return out;
}

}  // namespace

TEST_F(GpuTest, DequantizeEqualsReferenceForEveryType) {
    const Shape shapes[] = {{1, 256}, {37, 512}, {4099, 1024}};
    std::uint32_t seed = 7;
    for (const auto type : weight_types(hq::kKernelDequantize)) {
        for (const auto& s : shapes) {
            SCOPED_TRACE(::testing::Message() << hq::quant_type_name(type) << " " << s.rows << " x " << s.cols
                                              << " seed " << seed);
            const auto w = random_values(s.rows * s.cols, seed++);
            const auto t = hq::QuantizedTensor::quantize(device(), type, w.data(), s.rows, s.cols);
            const auto bytes = t.to_host_bytes();
            ASSERT_EQ(bytes.size(), t.storage_size_in_bytes());
            const auto expect = hq::reference::dequantize_matrix(type, bytes.data(), s.rows, s.cols);

            const auto got = device().memcpy_dtov(t.dequantize());
            const auto got16 = device().memcpy_dtov(t.dequantize_f16());
            std::size_t bad = 0, bad16 = 0;
            for (std::size_t i = 0; i < expect.size(); ++i) {
                if (hq::float_bits(got[i]) != hq::float_bits(expect[i]) && bad++ < 3)
                    ADD_FAILURE() << "f32 value " << i << ": " << got[i] << " != " << expect[i];
                if (got16[i] != hq::fp32_to_fp16(expect[i]) && bad16++ < 3)
                    ADD_FAILURE() << "f16 value " << i << ": " << got16[i] << " != " << hq::fp32_to_fp16(expect[i]);
            }
            EXPECT_EQ(bad, 0u);
            EXPECT_EQ(bad16, 0u);
        }
    }
}

// Mat-vec bound: the GPU sums the same products in another order (and in
// f32), so |y - ref| <= 1e-4 * sum_c |W[r][c] * x[b][c]| + 1e-6, where ref is
// the exact (double) sum over the same decoded weights and the same decoded
// activations. Relative to the sum of magnitudes, not to |ref|, because a
// row's terms can cancel: f32 summation of n terms errs by about
// n * 2^-24 * sum |terms| in the worst case and sqrt(n) times that typically
// (here n <= 14336: ~1e-5), so 1e-4 has a 10x margin yet catches any wrong
// term. Against the unquantized f32 product the error must stay within the
// quantization error, bounded by Cauchy-Schwarz:
//   |W.x - Wq.xq| <= ||W - Wq|| ||x|| + ||Wq|| ||x - xq||.
TEST_F(GpuTest, MatVecEqualsReferenceForEveryTypeAndBatch) {
    const Shape shapes[] = {{1, 256}, {37, 14336}, {4099, 512}};
    const std::size_t batches[] = {1, 2, 3, 5, 8};
    std::uint32_t seed = 100;
    for (const auto type : weight_types(hq::kKernelMulMatVec)) {
        for (const auto& s : shapes) {
            const auto w = random_values(s.rows * s.cols, seed++);
            const auto t = hq::QuantizedTensor::quantize(device(), type, w.data(), s.rows, s.cols);
            const auto wq = hq::reference::dequantize_matrix(type, t.to_host_bytes().data(), s.rows, s.cols);
            for (const auto batch : batches) {
                for (const auto path : {hq::MatVecPath::kQ8_1, hq::MatVecPath::kDequantize}) {
                    const bool q8 = path == hq::MatVecPath::kQ8_1;
                    SCOPED_TRACE(::testing::Message() << hq::quant_type_name(type) << " " << s.rows << " x " << s.cols
                                                      << " batch " << batch << (q8 ? " q8_1" : " f32") << " seed "
                                                      << seed);
                    const auto x = random_values(batch * s.cols, seed++);
                    const auto xq = q8 ? q8_1_roundtrip(x, batch, s.cols) : x;
                    auto dx = device().memcpy_stod(x);
                    auto dy = device().alloc<float>(batch * s.rows);
                    std::vector<float> poison(batch * s.rows, std::nanf(""));
                    device().memcpy_htod(poison, dy.span());
                    t.matmul(dx.span(), batch, dy.span(), device().stream(), path);
                    const auto y = device().memcpy_dtov(dy);

                    std::size_t bad = 0;
                    for (std::size_t b = 0; b < batch; ++b) {
                        double xx = 0, dxx = 0;
                        for (std::size_t c = 0; c < s.cols; ++c) {
                            xx += double(x[b * s.cols + c]) * x[b * s.cols + c];
                            const double e = double(x[b * s.cols + c]) - xq[b * s.cols + c];
                            dxx += e * e;
                        }
                        for (std::size_t r = 0; r < s.rows; ++r) {
                            double ref = 0, mag = 0, exact = 0, ww = 0, dww = 0;
                            for (std::size_t c = 0; c < s.cols; ++c) {
                                const double wv = wq[r * s.cols + c], xv = xq[b * s.cols + c];
                                ref += wv * xv;
                                mag += std::fabs(wv * xv);
                                exact += double(w[r * s.cols + c]) * x[b * s.cols + c];
                                ww += wv * wv;
                                const double e = double(w[r * s.cols + c]) - wv;
                                dww += e * e;
                            }
                            const double got = y[b * s.rows + r];
                            const double tol = 1e-4 * mag + 1e-6;
                            const double qerr = std::sqrt(dww * xx) + std::sqrt(ww * dxx) + tol;
                            if (!(std::fabs(got - ref) <= tol) || !(std::fabs(got - exact) <= qerr)) {
                                if (bad++ < 3)
                                    ADD_FAILURE() << "y[" << b << "][" << r << "] = " << got << ", reference " << ref
                                                  << " (tol " << tol << "), f32 product " << exact << " (bound "
                                                  << qerr << ")";
                            }
                        }
                    }
                    ASSERT_EQ(bad, 0u);
                }
            }
        }
    }
}

TEST_F(GpuTest, MatmulMisuseThrowsBeforeLaunch) {
    const auto t = hq::QuantizedTensor::zeros(device(), hq::QuantType::Q4_0, 8, 64);
    auto x = device().alloc_zeros<float>(2 * 64);
    auto y = device().alloc_zeros<float>(2 * 8);
    HQ_EXPECT_ERROR(t.matmul(x.slice(0, 127), 2, y.span(), device().stream()),
                    "x has 127 values but batch x cols = 2 x 64 = 128");
    HQ_EXPECT_ERROR(t.matmul(x.span(), 2, y.slice(0, 15), device().stream()),
                    "y has 15 values but batch x rows = 2 x 8 = 16");
    HQ_EXPECT_ERROR(t.matmul(x.span(), 0, y.span(), device().stream()), "batch is 0");
    HQ_EXPECT_ERROR(t.matmul(x.span(), 9, y.span(), device().stream()), "batch 9 > 8");
    const auto f16 = hq::QuantizedTensor::zeros(device(), hq::QuantType::F16, 8, 64);
    HQ_EXPECT_ERROR(f16.matmul(x.span(), 2, y.span(), device().stream()), "no mat-vec kernel for weight type F16");
    HQ_EXPECT_ERROR(hq::QuantizedTensor::zeros(device(), hq::QuantType::Q8_1, 8, 64), "activation format");
    HQ_EXPECT_ERROR(hq::QuantizedTensor::zeros(device(), hq::QuantType::Q4_K, 8, 64),
                    "64 is not a multiple of the block size 256");
    std::vector<std::uint8_t> bytes(100);
    HQ_EXPECT_ERROR(hq::QuantizedTensor::load(device(), hq::QuantType::Q4_0, bytes.data(), bytes.size(), 8, 64),
                    "needs 288 bytes, got 100");
    // Nothing above was launched: y still holds its zeros.
    EXPECT_EQ(device().memcpy_dtov(y), std::vector<float>(16, 0.0f));
}

TEST_F(GpuTest, TensorFromAnotherDeviceIsRejected) {
    if (hipquant::RocmDevice::count() < 2) GTEST_SKIP() << "needs two GPUs; this machine has one";
    const auto other = hipquant::RocmDevice::open(1);
    const auto t = hq::QuantizedTensor::zeros(other, hq::QuantType::Q4_0, 8, 64);
    auto x = device().alloc_zeros<float>(64);
    auto y = device().alloc_zeros<float>(8);
    HQ_EXPECT_ERROR(t.matmul(x, 1, y, device().stream()), "matmul: x is on device 0 but the operation runs on device 1");
}
