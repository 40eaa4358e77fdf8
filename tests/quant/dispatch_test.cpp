// The host's choice of kernels: the mat-mat tiling by batch (narrower where
// the GPU cannot give a block the shared memory a kernel's geometry asks
// for), and the typed kernel table's names.
#include <gtest/gtest.h>

#include <cstdint>
#include <set>
#include <string>

#include "hipquant/quant/dispatch.hpp"
#include "hipquant/quant/kernel_args.hpp"
#include "hipquant/quant/kernels.hpp"

namespace hq = hipquant::quant;

TEST(MatMulTiling, ByBatch) {
    EXPECT_EQ(hq::matmul_tiling(2), 0);
    EXPECT_EQ(hq::matmul_tiling(hq::kMatMulNarrowBatch - 1), 0);
    EXPECT_EQ(hq::matmul_tiling(hq::kMatMulNarrowBatch), 1);
    EXPECT_EQ(hq::matmul_tiling(hq::kMatMulMidBatch - 1), 1);
    EXPECT_EQ(hq::matmul_tiling(hq::kMatMulMidBatch), 2);
    EXPECT_EQ(hq::matmul_tiling(hq::kMatMulWideBatch - 1), 2);
    EXPECT_EQ(hq::matmul_tiling(hq::kMatMulWideBatch), 3);
    EXPECT_EQ(hq::matmul_tiling(512), 3);
}

// The typed lookups name the kernels the kernel files define (the same
// symbol macros), one name per kernel.
TEST(KernelTable, TypedLookupsNameTheirKernels) {
    EXPECT_STREQ(hq::kernel_name(hq::KernelId::quantize_q8_1), "hq_quantize_q8_1");
    EXPECT_STREQ(hq::kernel_name(hq::conversion_kernel(hq::Conversion::dequantize_f16, hq::QuantType::BF16)),
                 "hq_dequantize_f16_BF16");
    EXPECT_STREQ(hq::kernel_name(hq::conversion_kernel(hq::Conversion::get_rows_f32, hq::QuantType::Q8_K)),
                 "hq_get_rows_f32_Q8_K");
    EXPECT_STREQ(hq::kernel_name(hq::mul_mat_vec_q8_1_kernel(hq::QuantType::Q4_0, 1)), "hq_mul_mat_vec_q8_1_Q4_0_b1");
    EXPECT_STREQ(hq::kernel_name(hq::mul_mat_vec_q8_1_kernel(hq::QuantType::Q6_K, 8)), "hq_mul_mat_vec_q8_1_Q6_K_b8");
    EXPECT_STREQ(hq::kernel_name(hq::mul_mat_vec_f32_kernel(hq::QuantType::Q5_1, 4)), "hq_mul_mat_vec_f32_Q5_1_b4");
    EXPECT_STREQ(hq::kernel_name(hq::mul_mat_kernel(hq::QuantType::Q2_K, 0, true)), "hq_mul_mat_q8_1_dot4_Q2_K_skinny");
    EXPECT_STREQ(hq::kernel_name(hq::mul_mat_kernel(hq::QuantType::Q2_K, 1, true)), "hq_mul_mat_q8_1_dot4_Q2_K_narrow");
    EXPECT_STREQ(hq::kernel_name(hq::mul_mat_kernel(hq::QuantType::Q3_K, 3, false)), "hq_mul_mat_q8_1_Q3_K_wide");
    std::set<std::string> names;
    for (const auto& k : hq::kKernels) {
        EXPECT_TRUE(names.insert(k.name).second) << k.name << " twice";
        if (k.geometry) EXPECT_EQ(std::string(k.geometry), std::string(k.name) + "_geometry");
    }
    EXPECT_EQ(names.size(), hq::kKernelCount);
}

// Shared memory per block of the skinny, narrow, mid and wide kernels as an
// H100 build publishes them for Q6_K (the last three: 80, 111 and 184 KB).
TEST(MatMulTiling, NarrowerWhereTheKernelDoesNotFit) {
    const std::uint32_t bytes[4] = {60'000, 82'432, 113'664, 188'448};
    const auto shared = [&](int t) { return bytes[t]; };
    EXPECT_EQ(hq::matmul_tiling_within(512, shared, 232'448), 3);  // sm_90: 227 KB
    EXPECT_EQ(hq::matmul_tiling_within(512, shared, 166'912), 2);  // sm_80: 163 KB
    EXPECT_EQ(hq::matmul_tiling_within(512, shared, 101'376), 1);  // sm_86, sm_89, sm_120: 99 KB
    EXPECT_EQ(hq::matmul_tiling_within(40, shared, 101'376), 1);
    EXPECT_EQ(hq::matmul_tiling_within(40, shared, 166'912), 2);  // never wider than the batch's own
    EXPECT_EQ(hq::matmul_tiling_within(16, shared, 232'448), 0);
    EXPECT_EQ(hq::matmul_tiling_within(512, shared, 48 * 1024), -1);  // nothing fits: the host says so
    const std::uint32_t big_skinny[4] = {120'000, 82'432, 113'664, 188'448};
    const auto skinny_too_big = [&](int t) { return big_skinny[t]; };
    EXPECT_EQ(hq::matmul_tiling_within(16, skinny_too_big, 101'376), 1);  // then the narrow one
    EXPECT_EQ(hq::matmul_tiling_within(16, skinny_too_big, 166'912), 0);
    const auto amd = [](int) { return 0u; };  // static shared memory only
    EXPECT_EQ(hq::matmul_tiling_within(512, amd, 65'536), 3);
}

// Slices of the shared dimension start at whole chunks of every tiling and
// together cover it: the last ones may be short or empty.
TEST(MatMulSlicing, SlicesCoverThePartsInAlignedSteps) {
    EXPECT_EQ(hq::matmul_slice_parts(448, 1), 448u);   // 14336 columns, one slice: all parts
    EXPECT_EQ(hq::matmul_slice_parts(448, 2), 224u);
    EXPECT_EQ(hq::matmul_slice_parts(448, 3), 152u);   // 149.3 rounded up to a multiple of 8
    EXPECT_EQ(hq::matmul_slice_parts(40, 4), 16u);     // slices 0-16, 16-32, 32-40, then an empty one
    for (std::uint32_t parts : {8u, 40u, 100u, 448u, 4097u}) {
        for (std::uint32_t k = 1; k <= hq::kMatMulMaxKSlices; ++k) {
            const std::uint32_t per = hq::matmul_slice_parts(parts, k);
            EXPECT_EQ(per % hq::kMatMulSliceAlign, 0u) << parts << " parts, " << k << " slices";
            EXPECT_GE(per * k, parts) << parts << " parts, " << k << " slices";
        }
    }
}

// Mat-vec row slices: as many (1, 2 or 4) as fit a row S times in a chunk.
TEST(MatVecRowSlices, ShortRowsShareABlock) {
    EXPECT_EQ(hq::matvec_row_slices(448, 128), 1u);  // 14336 columns
    EXPECT_EQ(hq::matvec_row_slices(128, 128), 1u);  // 4096 columns, a part a thread
    EXPECT_EQ(hq::matvec_row_slices(128, 256), 2u);  // 4096 columns, two parts a thread
    EXPECT_EQ(hq::matvec_row_slices(64, 128), 2u);
    EXPECT_EQ(hq::matvec_row_slices(24, 128), 4u);   // 768 columns
    EXPECT_EQ(hq::matvec_row_slices(1, 256), hq::kMaxMatVecRowSlices);
    for (std::uint32_t chunk : {128u, 256u}) {
        for (std::uint32_t parts = 1; parts <= 600; ++parts) {
            const std::uint32_t s = hq::matvec_row_slices(parts, chunk);
            EXPECT_TRUE(s == 1 || s == 2 || s == 4) << parts;
            EXPECT_TRUE(s == 1 || s * parts <= chunk) << parts << " parts in a chunk of " << chunk;
            EXPECT_TRUE(s == hq::kMaxMatVecRowSlices || 2 * s * parts > chunk) << parts;
        }
    }
}
