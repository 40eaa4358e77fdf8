// How the host splits a product between the kernel families, and the
// layout facts host and kernels share (the kernels static_assert against
// them): which batches run the mat-vec kernels, which mat-mat tiling a
// batch takes, how the shared dimension is cut into slices.
#pragma once

#include <cstdint>

#include "hipquant/detail/host_device.hpp"

namespace hipquant::quant {

// Activation rows padded to this many values so mat-vec kernels may read
// whole tiles past a row's end: padding blocks are zero and add nothing.
inline constexpr std::uint32_t kRowPadding = 512;

// Lanes of hq_quantize_q8_1 per 32-value block (each quantizes 32 / this
// many values).
inline constexpr std::uint32_t kQuantizeQ8_1Lanes = 4;

// Batches up to this size use the mat-vec kernels (one kernel per batch).
inline constexpr std::uint32_t kMaxMatVecBatch = 8;
// The f32 mat-vec path has kernels up to this batch; larger batches run
// as several launches.
inline constexpr std::uint32_t kMaxMatVecF32Batch = 4;

// Four mat-mat tilings, picked by batch: skinny (kMatMulSkinnyCols
// activation rows a tile; below kMaxMatVecBatch only where the tuning
// table says it beats the mat-vec kernels) up to one skinny column of
// tiles, narrow (kMatMulNarrowCols) up to one narrow column, mid
// (kMatMulMidCols) up to one mid column, wide from there (its tiles may be
// twice as wide: 128 columns on NVIDIA, where below kMatMulWideBatch they
// would be half empty). The column counts are the same on every platform
// (kernels/mul_mat.hip asserts them). Each tiling cuts the shared
// dimension into up to kMatMulMaxKSlices slices of at least
// kMatMulMinSliceParts parts when its tiles are fewer than the grid's
// blocks. Measurements: bench/NOTES.md.
inline constexpr int kMatMulTilings = 4;
inline constexpr std::uint32_t kMatMulSkinnyCols = 16;
inline constexpr std::uint32_t kMatMulNarrowCols = 32;
inline constexpr std::uint32_t kMatMulMidCols = 64;
inline constexpr std::uint32_t kMatMulNarrowBatch = kMatMulSkinnyCols + 1;
inline constexpr std::uint32_t kMatMulMidBatch = kMatMulNarrowCols + 1;
inline constexpr std::uint32_t kMatMulWideBatch = kMatMulMidCols + 1;
// The tiling a batch of `batch` activation rows takes: 0 skinny, 1 narrow,
// 2 mid, 3 wide.
constexpr int matmul_tiling(std::uint64_t batch) {
    return batch < kMatMulNarrowBatch ? 0 : batch < kMatMulMidBatch ? 1 : batch < kMatMulWideBatch ? 2 : 3;
}
// The tiling a batch runs where a block may take at most `limit` bytes of
// dynamic shared memory, given what tiling t's kernel takes (`shared(t)`,
// from its geometry; asked only for the tilings tried, in the order
// tried): the batch's own, else the widest narrower one that fits, else
// the narrowest wider one; -1 if none does. (NVIDIA GPUs with 99 KB a
// block, sm_86, sm_89 and sm_120, take the narrow tiling at every batch
// where the skinny one does not fit.)
template <typename Shared>
constexpr int matmul_tiling_within(std::uint64_t batch, Shared shared, std::uint64_t limit) {
    const int own = matmul_tiling(batch);
    for (int t = own; t >= 0; --t)
        if (shared(t) <= limit) return t;
    for (int t = own + 1; t < kMatMulTilings; ++t)
        if (shared(t) <= limit) return t;
    return -1;
}
inline constexpr std::uint32_t kMatMulMaxKSlices = 8;
inline constexpr std::uint32_t kMatMulMinSliceParts = 16;
// Weight rows and quantized activation rows of the mat-mat kernels are
// shorter than this (32 MiB: a tile's byte offsets fit 32 bits).
inline constexpr std::uint64_t kMaxMatMulRowBytes = std::uint64_t{1} << 25;
// Slices start at multiples of this many parts: whole chunks of every
// tiling (4 or 8 parts) and whole K-format super-blocks (8 parts).
inline constexpr std::uint32_t kMatMulSliceAlign = 8;
// Parts per slice when `parts` 32-value parts are cut into k_slices slices:
// an even share rounded up to kMatMulSliceAlign (so the last slices may be
// shorter, or empty).
HIPQUANT_HD constexpr std::uint32_t matmul_slice_parts(std::uint32_t parts, std::uint32_t k_slices) {
    const std::uint32_t share = (parts + k_slices - 1) / k_slices;
    return (share + kMatMulSliceAlign - 1) / kMatMulSliceAlign * kMatMulSliceAlign;
}

}  // namespace hipquant::quant
