// The host's choice of mat-mat tiling: by batch, and narrower where the GPU
// cannot give a block the shared memory a kernel's geometry asks for.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "hipquant/quant/kernel_args.hpp"

namespace hq = hipquant::quant;

TEST(MatMulTiling, ByBatch) {
    EXPECT_EQ(std::string(hq::matmul_tiling_suffix(9)), "_narrow");
    EXPECT_EQ(std::string(hq::matmul_tiling_suffix(hq::kMatMulMidBatch - 1)), "_narrow");
    EXPECT_EQ(std::string(hq::matmul_tiling_suffix(hq::kMatMulMidBatch)), "_mid");
    EXPECT_EQ(std::string(hq::matmul_tiling_suffix(hq::kMatMulWideBatch - 1)), "_mid");
    EXPECT_EQ(std::string(hq::matmul_tiling_suffix(hq::kMatMulWideBatch)), "_wide");
    EXPECT_EQ(std::string(hq::matmul_tiling_suffix(512)), "_wide");
}

// Shared memory per block of the narrow, mid and wide kernels as an H100
// build publishes them for Q6_K (80, 111 and 184 KB).
TEST(MatMulTiling, NarrowerWhereTheKernelDoesNotFit) {
    const std::uint32_t bytes[3] = {82'432, 113'664, 188'448};
    const auto shared = [&](int t) { return bytes[t]; };
    EXPECT_EQ(hq::matmul_tiling_within(512, shared, 232'448), 2);  // sm_90: 227 KB
    EXPECT_EQ(hq::matmul_tiling_within(512, shared, 166'912), 1);  // sm_80: 163 KB
    EXPECT_EQ(hq::matmul_tiling_within(512, shared, 101'376), 0);  // sm_86, sm_89, sm_120: 99 KB
    EXPECT_EQ(hq::matmul_tiling_within(40, shared, 101'376), 0);
    EXPECT_EQ(hq::matmul_tiling_within(40, shared, 166'912), 1);  // never wider than the batch's own
    EXPECT_EQ(hq::matmul_tiling_within(16, shared, 232'448), 0);
    EXPECT_EQ(hq::matmul_tiling_within(512, shared, 48 * 1024), -1);  // nothing fits: the host says so
    const auto amd = [](int) { return 0u; };  // static shared memory only
    EXPECT_EQ(hq::matmul_tiling_within(512, amd, 65'536), 2);
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
