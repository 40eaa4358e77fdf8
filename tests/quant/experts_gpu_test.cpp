// The expert-indexed product (QuantizedExperts::mul_mat_id) on the GPU
// against the CPU reference, and its checks of shapes and ids.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "gpu_test_util.hpp"
#include "hipquant/quant/experts.hpp"
#include "hipquant/quant/half.hpp"
#include "hipquant/quant/reference.hpp"
#include "hipquant/quant/workspace.hpp"
#include "hipquant/runtime/stream.hpp"
#include "hipquant/selftest.hpp"

namespace hq = hipquant::quant;
namespace ref = hipquant::quant::reference;
using hipquant::test::GpuTest;

namespace {

using hipquant::selftest::random_values;

// Router choices: each token's top_k ids from [0, experts - unused) (so the
// last `unused` experts are chosen by no token), with a repeat in token 0
// when top_k > 1.
std::vector<std::int32_t> router_ids(std::size_t tokens, std::size_t top_k, std::size_t experts,
                                     std::size_t unused, std::uint32_t seed) {
    std::mt19937 rng(seed);
    std::uniform_int_distribution<std::int32_t> pick(0, static_cast<std::int32_t>(experts - unused) - 1);
    std::vector<std::int32_t> ids(tokens * top_k);
    for (auto& id : ids) id = pick(rng);
    if (top_k > 1) ids[1] = ids[0];
    return ids;
}

// What the GPU computes, in double: the decoded expert rows times the
// decoded Q8_1 activation rows; bound 1e-4 * sum |w x| + 1e-6 (selftest's).
struct Expected {
    std::vector<double> y, bound;
};
// `decoded`: the experts' decoded weights, [experts][rows][cols].
Expected expected_product(const std::vector<float>& decoded, std::size_t rows, std::size_t cols,
                          const std::vector<float>& x, std::size_t tokens, std::size_t x_slots,
                          const std::vector<std::int32_t>& ids, std::size_t top_k) {
    const auto xq = hipquant::selftest::q8_1_decoded(x, tokens * x_slots, cols);
    Expected e{std::vector<double>(tokens * top_k * rows), std::vector<double>(tokens * top_k * rows)};
    for (std::size_t t = 0; t < tokens; ++t) {
        for (std::size_t s = 0; s < top_k; ++s) {
            const float* xq_row = xq.data() + (t * x_slots + (x_slots > 1 ? s : 0)) * cols;
            const auto expert = static_cast<std::size_t>(ids[t * top_k + s]);
            for (std::size_t r = 0; r < rows; ++r) {
                const float* w_row = decoded.data() + (expert * rows + r) * cols;
                double sum = 0, mag = 0;
                for (std::size_t c = 0; c < cols; ++c) {
                    sum += static_cast<double>(w_row[c]) * xq_row[c];
                    mag += std::fabs(static_cast<double>(w_row[c]) * xq_row[c]);
                }
                e.y[(t * top_k + s) * rows + r] = sum;
                e.bound[(t * top_k + s) * rows + r] =
                    hipquant::selftest::kMatVecRelativeBound * mag + hipquant::selftest::kMatVecAbsoluteBound;
            }
        }
    }
    return e;
}

std::string where(hq::QuantType type, std::size_t tokens, std::size_t top_k, std::size_t x_slots) {
    return std::string(hq::quant_type_name(type)) + " tokens " + std::to_string(tokens) + " top_k " +
           std::to_string(top_k) + " x_slots " + std::to_string(x_slots);
}

}  // namespace

// Every weight format, both paths (per pair, and grouped by expert);
// tokens 1, 2, 7, 64, 300; top_k 1, 2, 8; activations shared by a token's
// slots and one row per slot; some experts chosen by no token, and a
// repeated expert in one token's row (allowed: that slot repeats the
// product).
TEST_F(GpuTest, ExpertProductEqualsReference) {
    constexpr std::size_t kExperts = 10, kRows = 72, kUnused = 3;
    std::uint32_t seed = 7000;
    for (const auto type : hipquant::test::weight_types(hq::kKernelMulMatVec)) {
        const std::size_t cols = hq::quant_type_info(type).block_elems == 32 ? 96 : 512;
        const auto values = random_values(kExperts * kRows * cols, seed++);
        const auto bytes = hq::reference::quantize_matrix(type, values.data(), kExperts * kRows, cols);
        const auto decoded = ref::dequantize_matrix(type, bytes.data(), kExperts * kRows, cols);
        const auto experts =
            hq::QuantizedExperts::load(device(), type, bytes.data(), bytes.size(), kExperts, kRows, cols);
        for (const std::size_t tokens : {1, 2, 7, 64, 300}) {
            for (const std::size_t top_k : {1, 2, 8}) {
                for (const std::size_t x_slots : {std::size_t{1}, top_k}) {
                    if (x_slots == top_k && top_k == 1) continue;  // the same case again
                    const auto x = random_values(tokens * x_slots * cols, seed++);
                    const auto ids = router_ids(tokens, top_k, kExperts, kUnused, seed++);
                    const auto x_dev = device().memcpy_stod(x);
                    const auto ids_dev = device().memcpy_stod(ids);
                    const auto want = expected_product(decoded, kRows, cols, x, tokens, x_slots, ids, top_k);
                    for (const auto path : {hq::ExpertPath::kPerPair, hq::ExpertPath::kGrouped}) {
                        auto y = device().alloc<float>(tokens * top_k * kRows);
                        hq::Workspace ws(device(), experts.workspace_bytes(tokens, x_slots, top_k, path));
                        experts.mul_mat_id(x_dev.span(), tokens, x_slots, ids_dev.span(), top_k, y.span(),
                                           device().stream(), ws, hq::IdCheck::kReport, path);
                        const auto got = device().memcpy_dtov(y);
                        for (std::size_t i = 0; i < got.size(); ++i)
                            ASSERT_LE(std::fabs(got[i] - want.y[i]), want.bound[i])
                                << where(type, tokens, top_k, x_slots)
                                << (path == hq::ExpertPath::kGrouped ? " grouped" : " per pair") << " output " << i
                                << ": " << got[i] << " vs " << want.y[i];
                    }
                }
            }
        }
    }
}

// An id outside [0, experts) is an Error naming its position and value;
// the rows of the good pairs are still right and the bad pair's are zeros.
// With IdCheck::kDeviceOnly nothing is thrown, the zeros are there.
TEST_F(GpuTest, ExpertIdsOutOfRangeAreAnError) {
    constexpr std::size_t kExperts = 4, kRows = 40, kCols = 256, kTokens = 3, kTopK = 2;
    const auto values = random_values(kExperts * kRows * kCols, 11);
    const auto experts = hq::QuantizedExperts::quantize(device(), hq::QuantType::Q4_K, values.data(), kExperts,
                                                        kRows, kCols);
    const auto x = device().memcpy_stod(random_values(kTokens * kCols, 12));
    auto y = device().alloc<float>(kTokens * kTopK * kRows);
    for (const auto path : {hq::ExpertPath::kPerPair, hq::ExpertPath::kGrouped}) {
      for (const std::int32_t bad : {-1, 4, 1 << 30}) {
        const std::vector<std::int32_t> ids = {0, 1, 2, bad, 3, bad};
        const auto ids_dev = device().memcpy_stod(ids);
        HQ_EXPECT_ERROR(experts.mul_mat_id(x.span(), kTokens, 1, ids_dev.span(), kTopK, y.span(), device().stream(),
                                           hq::IdCheck::kReport, path),
                        "mul_mat_id: ids[1][1] = " + std::to_string(bad) + " is not an expert of 4");
        const std::vector<float> poison(y.size(), std::nanf(""));
        device().memcpy_htod(poison.data(), poison.size(), y.span());
        experts.mul_mat_id(x.span(), kTokens, 1, ids_dev.span(), kTopK, y.span(), device().stream(),
                           hq::IdCheck::kDeviceOnly, path);
        const auto got = device().memcpy_dtov(y);
        for (std::size_t r = 0; r < kRows; ++r) {
            EXPECT_EQ(got[3 * kRows + r], 0.0f) << "bad pair (1, 1), row " << r;
            EXPECT_EQ(got[5 * kRows + r], 0.0f) << "bad pair (2, 1), row " << r;
        }
        double good = 0;
        for (std::size_t r = 0; r < kRows; ++r) good += std::fabs(got[r]);
        EXPECT_GT(good, 0.0) << "pair (0, 0) was computed";
      }
      // Each call resets its status word: good ids after bad ones, in the
      // same workspace, report nothing.
      hq::Workspace ws(device(), experts.workspace_bytes(kTokens, 1, kTopK, path));
      const auto bad_ids = device().memcpy_stod(std::vector<std::int32_t>{0, 1, 2, 9, 3, 0});
      const auto good_ids = device().memcpy_stod(std::vector<std::int32_t>{0, 1, 2, 3, 3, 0});
      HQ_EXPECT_ERROR(experts.mul_mat_id(x.span(), kTokens, 1, bad_ids.span(), kTopK, y.span(), device().stream(),
                                         ws, hq::IdCheck::kReport, path),
                      "ids[1][1] = 9");
      EXPECT_NO_THROW(experts.mul_mat_id(x.span(), kTokens, 1, good_ids.span(), kTopK, y.span(), device().stream(),
                                         ws, hq::IdCheck::kReport, path));
    }
}

// The per-pair product with a Workspace, call after call in one, equals
// the pooled call bit for bit, bad ids included, and reports a bad id.
TEST_F(GpuTest, ExpertProductWithAWorkspaceEqualsThePooledCall) {
    constexpr std::size_t kExperts = 16, kRows = 768, kCols = 2048, kTopK = 8;
    std::uint32_t seed = 9000;
    for (const auto type : {hq::QuantType::Q4_K, hq::QuantType::Q8_0, hq::QuantType::MXFP4}) {
        const auto values = random_values(kExperts * kRows * kCols, seed++);
        const auto experts = hq::QuantizedExperts::quantize(device(), type, values.data(), kExperts, kRows, kCols);
        for (const std::size_t tokens : {1, 2}) {
            for (const std::size_t x_slots : {std::size_t{1}, kTopK}) {
                SCOPED_TRACE(where(type, tokens, kTopK, x_slots));
                const auto x = device().memcpy_stod(random_values(tokens * x_slots * kCols, seed++));
                auto ids = router_ids(tokens, kTopK, kExperts, 0, seed++);
                ids[kTopK - 1] = -3;  // a bad id: a row of zeros, reported on the device only
                const auto ids_dev = device().memcpy_stod(ids);
                hq::Workspace ws(device(), experts.workspace_bytes(tokens, x_slots, kTopK, hq::ExpertPath::kPerPair));
                auto fused = device().alloc<float>(tokens * kTopK * kRows);
                auto separate = device().alloc<float>(tokens * kTopK * kRows);
                for (int rep = 0; rep < 3; ++rep) {
                    experts.mul_mat_id(x.span(), tokens, x_slots, ids_dev.span(), kTopK, fused.span(),
                                       device().stream(), ws, hq::IdCheck::kDeviceOnly, hq::ExpertPath::kPerPair);
                }
                experts.mul_mat_id(x.span(), tokens, x_slots, ids_dev.span(), kTopK, separate.span(),
                                   device().stream(), hq::IdCheck::kDeviceOnly, hq::ExpertPath::kPerPair);
                const auto got = device().memcpy_dtov(fused);
                EXPECT_EQ(got, device().memcpy_dtov(separate));
                EXPECT_EQ(got[(kTopK - 1) * kRows], 0.0f);
                HQ_EXPECT_ERROR(experts.mul_mat_id(x.span(), tokens, x_slots, ids_dev.span(), kTopK, fused.span(),
                                                   device().stream(), ws, hq::IdCheck::kReport,
                                                   hq::ExpertPath::kPerPair),
                                "ids[0][" + std::to_string(kTopK - 1) + "] = -3");
            }
        }
    }
}

// Shapes that do not match are Errors naming both sides; nothing runs.
TEST_F(GpuTest, ExpertProductShapesAreChecked) {
    constexpr std::size_t kExperts = 4, kRows = 32, kCols = 64;
    const auto experts = hq::QuantizedExperts::quantize(device(), hq::QuantType::Q8_0,
                                                        random_values(kExperts * kRows * kCols, 3).data(), kExperts,
                                                        kRows, kCols);
    auto x = device().alloc<float>(2 * 2 * kCols);
    auto ids = device().alloc<std::int32_t>(4);
    auto y = device().alloc<float>(4 * kRows);
    const hipStream_t s = device().stream();
    HQ_EXPECT_ERROR(experts.mul_mat_id(x.span(), 2, 3, ids.span(), 2, y.span(), s), "x_slots is 3, not 1 or top_k (2)");
    HQ_EXPECT_ERROR(experts.mul_mat_id(x.span(), 2, 1, ids.span(), 2, y.span(), s),
                    "x has 256 values but tokens x x_slots x cols = 2 x 1 x 64");
    HQ_EXPECT_ERROR(experts.mul_mat_id(x.span(), 2, 2, ids.span().slice(0, 3), 2, y.span(), s),
                    "ids has 3 values but tokens x top_k = 2 x 2");
    HQ_EXPECT_ERROR(experts.mul_mat_id(x.span(), 2, 2, ids.span(), 2, y.span().slice(0, 10), s),
                    "y has 10 values but tokens x top_k x rows = 2 x 2 x 32");
    HQ_EXPECT_ERROR(experts.mul_mat_id(x.span(), 0, 2, ids.span(), 2, y.span(), s), "0 tokens and top_k 2");
    HQ_EXPECT_ERROR(experts.mul_mat_id(x.span(), std::size_t{1} << 31, 2, ids.span(), 2, y.span(), s),
                    "is more than 2^32 - 1 (token, slot) pairs");
    HQ_EXPECT_ERROR(experts.workspace_bytes(1, 3, 2), "x_slots is 3, not 1 or top_k (2)");
    hq::Workspace small(device(), experts.workspace_bytes(2, 2, 2) - 1);
    HQ_EXPECT_ERROR(experts.mul_mat_id(x.span(), 2, 2, ids.span(), 2, y.span(), s, small), "the workspace has");
    // kAuto groups where the pairs outnumber the experts.
    EXPECT_STREQ(experts.product_kernel(2, 2), "hq_mul_mat_vec_id_q8_1_Q8_0");
    EXPECT_STREQ(experts.product_kernel(3, 2), "hq_mul_mat_id_q8_1_Q8_0");
    EXPECT_STREQ(experts.product_kernel(3, 2, hq::ExpertPath::kPerPair), "hq_mul_mat_vec_id_q8_1_Q8_0");
    const std::vector<std::uint8_t> bytes(10);
    HQ_EXPECT_ERROR(hq::QuantizedExperts::load(device(), hq::QuantType::Q8_0, bytes.data(), bytes.size(), kExperts,
                                               kRows, kCols),
                    "needs " + std::to_string(kExperts * kRows * 2 * 34) + " bytes, got 10");
    HQ_EXPECT_ERROR(hq::QuantizedExperts::load(device(), hq::QuantType::F32, bytes.data(), bytes.size(), 1, 1, 1),
                    "no expert product for type F32");
}

// Captured into a graph (scratch from the workspace or the pool), the
// product replays to the eager result; nothing waits inside the capture.
TEST_F(GpuTest, ExpertProductCapturedIntoAGraphReplayEqual) {
    constexpr std::size_t kExperts = 8, kRows = 96, kCols = 512, kTokens = 5, kTopK = 4;
    const auto experts = hq::QuantizedExperts::quantize(device(), hq::QuantType::Q6_K,
                                                        random_values(kExperts * kRows * kCols, 21).data(), kExperts,
                                                        kRows, kCols);
    const auto x = device().memcpy_stod(random_values(kTokens * kTopK * kCols, 22));
    const auto ids = device().memcpy_stod(router_ids(kTokens, kTopK, kExperts, 2, 23));
    auto y = device().alloc<float>(kTokens * kTopK * kRows);
    const hipquant::Stream stream(device());
    for (const auto path : {hq::ExpertPath::kPerPair, hq::ExpertPath::kGrouped})
    for (const bool pooled : {false, true}) {
        // The paths sum in different orders: each replays to its own eager bits.
        experts.mul_mat_id(x.span(), kTokens, kTopK, ids.span(), kTopK, y.span(), device().stream(),
                           hq::IdCheck::kReport, path);
        const auto eager = device().memcpy_dtov(y);
        hq::Workspace ws(device(), experts.workspace_bytes(kTokens, kTopK, kTopK, path));
        const auto graph = hipquant::Graph::capture(stream.get(), [&](hipStream_t s) {
            if (pooled)
                experts.mul_mat_id(x.span(), kTokens, kTopK, ids.span(), kTopK, y.span(), s, hq::IdCheck::kReport,
                                   path);
            else
                experts.mul_mat_id(x.span(), kTokens, kTopK, ids.span(), kTopK, y.span(), s, ws,
                                   hq::IdCheck::kReport, path);
        });
        const std::vector<float> poison(y.size(), std::nanf(""));
        device().memcpy_htod(poison.data(), poison.size(), y.span());
        device().synchronize();
        graph.launch(stream.get());
        stream.synchronize();
        const auto replayed = device().memcpy_dtov(y);
        for (std::size_t i = 0; i < eager.size(); ++i)
            ASSERT_EQ(hq::float_bits(replayed[i]), hq::float_bits(eager[i]))
                << (path == hq::ExpertPath::kGrouped ? "grouped " : "per pair ") << (pooled ? "pooled " : "") << i;
    }
}
