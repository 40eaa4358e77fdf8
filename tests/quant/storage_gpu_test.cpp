// QuantizedTensor on the GPU: dequantize equals the CPU reference bit for
// bit, mat-vec equals the reference product on the same quantized data, and
// misuse throws before anything is launched.
#include <gtest/gtest.h>

#include <cmath>

#include "gpu_test_util.hpp"
#include "hipquant/quant/storage.hpp"
#include "hipquant/selftest.hpp"

namespace hq = hipquant::quant;
namespace selftest = hipquant::selftest;
using hipquant::test::GpuTest;
using hipquant::test::weight_types;

namespace {

struct Shape {
    std::size_t rows, cols;
};

}  // namespace

// Both dequantize kernels equal the reference bit for bit
// (selftest::check_dequantize, what `hipquant selftest` runs, on larger shapes).
TEST_F(GpuTest, DequantizeEqualsReferenceForEveryType) {
    const Shape shapes[] = {{1, 256}, {37, 512}, {4099, 1024}};
    std::uint32_t seed = 7;
    for (const auto type : weight_types(hq::kKernelDequantize)) {
        for (const auto& s : shapes) {
            for (const auto& r : selftest::check_dequantize(device(), type, s.rows, s.cols, seed++))
                EXPECT_TRUE(r.passed) << r.name << ": " << r.detail;
        }
    }
}

// Mat-vec against the double reference on the same decoded weights and
// activations, within selftest's bound 1e-4 * sum|w x| + 1e-6 (its reasoning
// is at selftest::kMatVecRelativeBound), and against the unquantized product
// within the quantization error (Cauchy-Schwarz). Every entry point: matmul
// on both paths, and matmul_q8_1 on activations quantized by the CPU.
TEST_F(GpuTest, MatVecEqualsReferenceForEveryTypeAndBatch) {
    // Short rows run in row slices: 256 and 512 columns in four, 768 in four
    // or two, 4096 in two where a thread takes two parts (matvec_row_slices).
    const Shape shapes[] = {{1, 256}, {37, 14336}, {4099, 512}, {5, 768}, {37, 4096}};
    const std::size_t batches[] = {1, 2, 3, 5, 8};
    const selftest::MatVecInput inputs[] = {selftest::MatVecInput::kQ8_1Device, selftest::MatVecInput::kF32,
                                            selftest::MatVecInput::kQ8_1Host};
    std::uint32_t seed = 100;
    for (const auto type : weight_types(hq::kKernelMulMatVec)) {
        for (const auto& s : shapes) {
            const auto w = selftest::make_mat_vec_weights(device(), type, s.rows, s.cols, seed++);
            for (const auto batch : batches) {
                for (const auto input : inputs) {
                    const auto r = selftest::check_mat_vec(device(), w, batch, input, seed++);
                    ASSERT_TRUE(r.passed) << r.name << ": " << r.detail;
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
    auto x9 = device().alloc_zeros<float>(9 * 64);
    auto y9 = device().alloc_zeros<float>(9 * 8);
    HQ_EXPECT_ERROR(t.matmul(x9.span(), 9, y9.span(), device().stream(), hq::MatVecPath::kDequantize),
                    "the f32 (kDequantize) path is for batch 1..8, got batch 9");
    const auto f16 = hq::QuantizedTensor::zeros(device(), hq::QuantType::F16, 8, 64);
    HQ_EXPECT_ERROR(f16.matmul(x.span(), 2, y.span(), device().stream()), "no mat-vec kernel for weight type F16");
    HQ_EXPECT_ERROR(f16.matmul(x9.span(), 9, y9.span(), device().stream()),
                    "no mat-mat kernel (batch > 8) for weight type F16");
    // A view whose last row would run past the buffer.
    const hq::ActivationView past{x.span(), {1, 2, 1}, {0, 65, 0}};
    HQ_EXPECT_ERROR(t.matmul(past, y.span(), device().stream()), "matmul: the view's rows reach past the end of x (128 values)");
    HQ_EXPECT_ERROR(hq::QuantizedTensor::zeros(device(), hq::QuantType::Q8_1, 8, 64), "activation format");
    HQ_EXPECT_ERROR(hq::QuantizedTensor::zeros(device(), hq::QuantType::Q4_K, 8, 64),
                    "64 is not a multiple of the block size 256");
    std::vector<std::uint8_t> bytes(100);
    HQ_EXPECT_ERROR(hq::QuantizedTensor::load(device(), hq::QuantType::Q4_0, bytes.data(), bytes.size(), 8, 64),
                    "needs 288 bytes, got 100");
    // Nothing above was launched: y still holds its zeros.
    EXPECT_EQ(device().memcpy_dtov(y), std::vector<float>(16, 0.0f));
    EXPECT_EQ(device().memcpy_dtov(y9), std::vector<float>(72, 0.0f));
}

TEST_F(GpuTest, TensorFromAnotherDeviceIsRejected) {
    if (hipquant::RocmDevice::count() < 2) GTEST_SKIP() << "needs two GPUs; this machine has one";
    const auto other = hipquant::RocmDevice::open(1);
    const auto t = hq::QuantizedTensor::zeros(other, hq::QuantType::Q4_0, 8, 64);
    auto x = device().alloc_zeros<float>(64);
    auto y = device().alloc_zeros<float>(8);
    HQ_EXPECT_ERROR(t.matmul(x, 1, y, device().stream()), "matmul: x is on device 0 but the operation runs on device 1");
}

// Mat-vec kernels may start while the kernel before them finishes (Hopper's
// programmatic dependent launch): a chain whose every product reads the
// previous one's output, queued without waiting, gives the same bits as the
// same chain with the stream drained between steps.
TEST_F(GpuTest, ChainedProductsQueuedBackToBackEqualStepByStep) {
    const std::size_t n = 512;  // square weights, so each output feeds the next product
    std::vector<float> values(n * n);
    // Values of about 1.5 / sqrt(n): each product keeps the activations' size.
    for (std::size_t i = 0; i < values.size(); ++i)
        values[i] = (static_cast<float>((i * 7919) % 211) / 105.0f - 1.0f) * 0.066f;
    const auto a = hq::QuantizedTensor::quantize(device(), hq::QuantType::Q4_0, values.data(), n, n);
    const auto b = hq::QuantizedTensor::quantize(device(), hq::QuantType::Q6_K, values.data(), n, n);
    std::vector<float> x0(2 * n);
    for (std::size_t i = 0; i < x0.size(); ++i) x0[i] = static_cast<float>((i * 31) % 17) / 8.0f - 1.0f;

    const auto run = [&](bool drain) {
        auto x = device().memcpy_stod(x0);
        auto y = device().alloc<float>(2 * n);
        for (int step = 0; step < 12; ++step) {
            const auto& w = step % 2 == 0 ? a : b;
            w.matmul(x.span(), 2, y.span(), device().stream());
            std::swap(x, y);  // the next step reads this one's output
            if (drain) device().synchronize();
        }
        return device().memcpy_dtov(x);
    };
    const auto queued = run(false);
    const auto drained = run(true);
    ASSERT_EQ(queued.size(), drained.size());
    bool nonzero = false;
    for (std::size_t i = 0; i < queued.size(); ++i) {
        ASSERT_TRUE(std::isfinite(drained[i])) << "value " << i;
        ASSERT_EQ(queued[i], drained[i]) << "value " << i;
        nonzero = nonzero || drained[i] != 0.0f;
    }
    EXPECT_TRUE(nonzero) << "the chain decayed to zeros: the comparison would prove nothing";
}
