// The self-test: its comparisons catch what they must (CPU), and on a GPU
// every line of run_selftest passes, except a deliberately injected fault,
// which must fail on exactly its own line.
#include <gtest/gtest.h>

#include <algorithm>

#include <cmath>
#include <cstdio>
#include <set>

#include "gpu_test_util.hpp"
#include "hipquant/quant/half.hpp"
#include "hipquant/quant/kernels.hpp"
#include "hipquant/quant/ops.hpp"
#include "hipquant/quant/reference.hpp"
#include "hipquant/selftest.hpp"

namespace hq = hipquant::quant;
namespace st = hipquant::selftest;
using hipquant::test::GpuTest;

TEST(SelftestCompare, DequantizeF32IsBitExact) {
    const std::vector<float> expect{1.0f, 0.0f, -2.5f, std::nanf("")};
    EXPECT_TRUE(st::compare_dequantize_f32("k", expect, expect).passed);  // NaN equals itself bitwise
    auto got = expect;
    got[1] = -0.0f;
    const auto r = st::compare_dequantize_f32("k", got, expect);
    EXPECT_FALSE(r.passed);
    EXPECT_EQ(r.max_error, 0.0);  // equal values, different bits: still a failure
    got = expect;
    got[2] = -2.5f + 1e-6f;
    EXPECT_FALSE(st::compare_dequantize_f32("k", got, expect).passed);
    EXPECT_FALSE(st::compare_dequantize_f32("k", {1.0f}, expect).passed);
}

TEST(SelftestCompare, DequantizeF16RoundsTheReference) {
    const std::vector<float> expect{1.0f, 0.1f, 70000.0f};
    std::vector<std::uint16_t> got;
    for (float v : expect) got.push_back(hq::fp32_to_fp16(v));
    EXPECT_TRUE(st::compare_dequantize_f16("k", got, expect).passed);
    got[1] ^= 1;
    const auto r = st::compare_dequantize_f16("k", got, expect);
    EXPECT_FALSE(r.passed);
    EXPECT_EQ(r.max_error, 1.0);
}

TEST(SelftestCompare, QuantizeQ8_1AllowsOnlyRoundingTies) {
    const std::size_t rows = 2, cols = 40;  // a partial block and padding blocks
    auto x = st::random_values(rows * cols, 3);
    const std::size_t rb = hq::q8_1_row_blocks(cols);
    auto y = st::q8_1_blocks(x, rows, cols);
    EXPECT_TRUE(st::compare_quantize_q8_1("q", y, x, rows, cols).passed);
    auto bad = y;
    bad[1].qs[3] = static_cast<std::int8_t>(bad[1].qs[3] + 1);  // not a tie: x is random
    EXPECT_FALSE(st::compare_quantize_q8_1("q", bad, x, rows, cols).passed);
    bad = y;
    bad[rb - 1].qs[0] = 1;  // a written padding block
    EXPECT_FALSE(st::compare_quantize_q8_1("q", bad, x, rows, cols).passed);
    bad = y;
    bad[0].s = static_cast<std::uint16_t>(bad[0].s ^ 1);
    EXPECT_FALSE(st::compare_quantize_q8_1("q", bad, x, rows, cols).passed);

    // A value whose x / d is exactly k + 0.5: one step either way is allowed.
    std::vector<float> t(cols, 0.0f);
    t[0] = 127.0f;  // d = 1
    t[1] = 2.5f;
    auto ty = st::q8_1_blocks(t, 1, cols);
    ASSERT_EQ(ty[0].qs[1], 3);  // the reference rounds 2.5 away from zero
    ty[0].qs[1] = 2;
    const auto r = st::compare_quantize_q8_1("q", ty, t, 1, cols);
    EXPECT_TRUE(r.passed) << r.detail;
    EXPECT_NE(r.detail.find("1 quants one off at exact rounding ties"), std::string::npos) << r.detail;
}

TEST(SelftestCompare, MatVecBoundIsRelativeToTheMagnitude) {
    const std::size_t rows = 3, cols = 64, batch = 2;
    const auto w = st::random_values(rows * cols, 1), x = st::random_values(batch * cols, 2);
    const auto ref = st::mat_vec_reference(w.data(), x.data(), rows, cols, batch, w.data(), x.data());
    std::vector<float> y(ref.y.begin(), ref.y.end());
    auto r = st::compare_mat_vec("m", y, ref);
    EXPECT_TRUE(r.passed) << r.detail;
    EXPECT_LE(r.max_error, 1e-6);
    EXPECT_EQ(r.bound, st::kMatVecRelativeBound);
    // Just inside and just outside 1e-4 * sum|w x| + 1e-6.
    auto in = y, out = y;
    in[4] = static_cast<float>(ref.y[4] + 0.9e-4 * ref.magnitude[4]);
    out[4] = static_cast<float>(ref.y[4] + 1.2e-4 * ref.magnitude[4] + 1e-6);
    EXPECT_TRUE(st::compare_mat_vec("m", in, ref).passed);
    r = st::compare_mat_vec("m", out, ref);
    EXPECT_FALSE(r.passed);
    EXPECT_NE(r.detail.find("y[1][1]"), std::string::npos) << r.detail;
    out = y;
    out[0] = std::nanf("");  // an unwritten (poisoned) output
    r = st::compare_mat_vec("m", out, ref);
    EXPECT_FALSE(r.passed);
    EXPECT_TRUE(std::isinf(r.max_error));
    EXPECT_NEAR(st::mat_vec_error(1.0 + 1e-4 * 100.01, 1.0, 100.0), 1e-4, 1e-12);
}

TEST(SelftestCompare, MergeKeepsTheWorst) {
    st::CheckResult a{"a", true, 1e-6, 1e-4, "rel", "first", false};
    st::CheckResult b{"a", false, 3e-3, 1e-4, "rel", "second broke", false};
    const auto m = st::merge("k", {a, b, a});
    EXPECT_EQ(m.name, "k");
    EXPECT_FALSE(m.passed);
    EXPECT_EQ(m.max_error, 3e-3);
    EXPECT_NE(m.detail.find("second broke"), std::string::npos);
    EXPECT_TRUE(st::merge("k", {a, a}).passed);
    EXPECT_FALSE(st::merge("k", {}).passed);
}

// What `hipquant selftest` runs: every line passes on this GPU. In a build
// with HIPQUANT_SELFTEST_INJECT_FAULT=ON the image marks its wrong kernel,
// and then exactly that line must fail and every other still pass.
TEST_F(GpuTest, SelftestPassesEveryLineAndCatchesAnInjectedFault) {
    const auto faults = st::injected_faults(device());
    const auto results = st::run_selftest(device());
    std::set<std::string> names;
    std::size_t injected = 0;
    for (const auto& r : results) {
        std::printf("%-4s %-36s %.3g (bound %g %s)%s\n", r.passed ? "ok" : "FAIL", r.name.c_str(), r.max_error,
                    r.bound, r.unit.c_str(), r.fault_injected ? "  [injected fault]" : "");
        EXPECT_TRUE(names.insert(r.name).second) << "two lines named " << r.name;
        if (r.fault_injected) {
            ++injected;
            EXPECT_FALSE(r.passed) << r.name << " was compiled wrong on purpose, yet passed: " << r.detail;
        } else {
            EXPECT_TRUE(r.passed) << r.name << ": " << r.detail;
        }
    }
    EXPECT_EQ(injected, faults.size()) << "every injected fault names a line";
    // Every kernel family is covered: quantize, 2 dequantize per weight type,
    // 8 Q8_1 batches of the mat-vec range (some run the skinny mat-mat
    // kernel, as the tuning table says), one f32 mat-vec and the two expert
    // product paths per mat-vec type, the mat-mat kernel on both tile
    // products in its four tilings per mat-mat type.
    std::size_t want = 1;
    for (const auto& info : hq::kQuantTypes) {
        if (!info.can_be_weight) continue;
        if (info.has_kernel(hq::kKernelDequantize)) want += 2;
        if (info.has_kernel(hq::kKernelMulMatVec)) want += hq::kMaxMatVecBatch + 1 + 2;  // + the expert paths
        if (info.has_kernel(hq::kKernelMulMat)) want += 2 * hq::kMatMulTilingCount;
    }
    EXPECT_EQ(results.size(), want);
    EXPECT_EQ(names.count("hq_quantize_q8_1"), 1u);
    EXPECT_EQ(names.count("hq_dequantize_f16_Q6_K"), 1u);
    EXPECT_EQ(names.count("hq_mul_mat_vec_q8_1_Q4_0_b1"), 1u);
    EXPECT_GE(names.count("hq_mul_mat_q8_1_Q6_K_skinny"), 1u);  // batch 13, and smaller ones the table gives it
    EXPECT_EQ(names.count("hq_mul_mat_vec_f32_Q5_K"), 1u);
    EXPECT_EQ(names.count("hq_mul_mat_q8_1_Q6_K_wide"), 1u);
    EXPECT_EQ(names.count("hq_mul_mat_q8_1_dot4_Q2_K_narrow"), 1u);
    EXPECT_EQ(names.count("hq_mul_mat_vec_id_q8_1_IQ4_XS"), 1u);
    EXPECT_EQ(names.count("hq_mul_mat_id_q8_1_MXFP4"), 1u);
    if (!faults.empty()) std::printf("injected faults in this build: %zu (caught above)\n", faults.size());
}
