// Argument structs shared by kernels and their host wrappers: one struct per
// launch instead of long positional integer lists. Plain data, same layout
// for host and device compilers.
#pragma once

#include <cstdint>

#include "hipquant/detail/host_device.hpp"
#include "hipquant/quant/blocks.hpp"

namespace hipquant::quant {

// Activation rows padded to this many values so mat-vec kernels may read
// whole tiles past a row's end: padding blocks are zero and add nothing.
inline constexpr std::uint32_t kRowPadding = 512;

// Lanes of hq_quantize_q8_1 per 32-value block (each quantizes 32 / this
// many values).
inline constexpr std::uint32_t kQuantizeQ8_1Lanes = 4;
struct QuantizeQ8_1Args {
    std::uint64_t rows;        // rows of x: extent[0] * extent[1] * extent[2]
    std::uint32_t cols;        // f32 values per row of x
    std::uint32_t row_blocks;  // Q8_1 blocks per output row: padded cols / 32
    std::uint64_t extent[3];   // x is [extent0][extent1][extent2] rows (extent0 implied by rows)
    std::uint64_t stride[3];   // of each, in floats
};

}  // namespace hipquant::quant

namespace hipquant::quant {

// Dequantize: the tensor is a contiguous run of blocks (rows have no gaps).
struct DequantizeArgs {
    std::uint64_t n_values;  // rows * cols
};

// Mat-vec over one weight matrix in GGUF layout.
struct MatVecArgs {
    std::uint64_t rows;           // weight rows = outputs per batch column
    std::uint64_t row_bytes;      // bytes of one weight row
    std::uint32_t parts_per_row;  // 32-value parts of a row: cols / 32
    std::uint32_t batch;          // activation rows (1 .. kMaxMatVecBatch)
    std::uint64_t x_row_stride;   // activation row stride: Q8_1 blocks (Q8_1 path) or f32 values
    // Mat-mat only, set by the host (launch_q8_1): the shared dimension is
    // cut into k slices (work item i is tile i % tiles of slice i / tiles,
    // written to its own batch x rows slab of y: a workspace then summed by
    // hq_sum_k_slices; one slice writes y directly). slice_parts: parts per
    // slice (matmul_slice_parts: a multiple of kMatMulSliceAlign; slices
    // past the row's end are empty); work_items: tiles x k (tiles of the
    // kernel's geometry), fewer than 2^32. Passed rather than derived in the
    // kernels: values held across their loop took registers that some
    // kernels spilled.
    std::uint32_t slice_parts = 0;
    std::uint32_t work_items = 0;
};

// Batches up to this size use the mat-vec kernels.
inline constexpr std::uint32_t kMaxMatVecBatch = 8;

// Q8_1 mat-vec: logical 32-lane warps per thread block (they split each
// row's length), and weight rows per block (a row group), which share each
// activation load. Measured on an H100: 4 rows beat 8 (registers) and 2
// (activation traffic) at batch 1 and 2.
inline constexpr std::uint32_t kMatVecWarps = 4;
HIPQUANT_HD constexpr std::uint32_t matvec_rows_per_block(std::uint32_t batch) {
    // Above batch 4 the accumulators and activations of 4 rows overflow the
    // registers of 64-lane AMD targets (scratch spills): 2 rows there.
    return batch <= 4 ? 4 : 2;
}
// Resident thread blocks per compute unit the grid of batches up to
// kMatVecPersistentBatch is sized for: those blocks are persistent and loop
// over the row groups.
inline constexpr std::uint32_t kMatVecBlocksPerCu = 4;
inline constexpr std::uint32_t kMatVecPersistentBatch = 2;

// The f32 path: one logical warp per row, this many rows per thread block;
// batches above kMaxMatVecF32Batch run as several launches (registers).
inline constexpr std::uint32_t kMaxMatVecF32Batch = 4;
inline constexpr std::uint32_t kMatVecF32RowsPerBlock = 4;

// Mat-mat (batch > kMaxMatVecBatch). The tilings are per-platform and
// per-target parameters of the device code (kernels/common.hpp); each
// mat-mat kernel publishes what the host needs to launch it as the device
// variable <kernel name>_geometry in the kernel image, which the host reads
// when it first loads the kernel (RocmDevice::image_constant).
struct MatMulGeometry {
    std::uint32_t threads;        // per block
    std::uint32_t blocks_per_cu;  // resident blocks per compute unit the persistent grid is sized for
    std::uint32_t shared_bytes;   // dynamic shared memory per block
    std::uint32_t tile_rows;      // outputs per block: weight rows
    std::uint32_t tile_cols;      // and activation rows
};

// Three tilings, picked by batch: narrow (kMatMulNarrowCols activation rows
// a tile) up to one narrow column of tiles, mid (kMatMulMidCols) up to one
// mid column, wide from there (its tiles may be twice as wide: 128 columns
// on NVIDIA, where below kMatMulWideBatch they would be half empty). The
// column counts are the same on every platform (kernels/mul_mat.hip asserts
// them). Each tiling cuts the shared dimension into up to kMatMulMaxKSlices
// slices of at least kMatMulMinSliceParts parts when its tiles are fewer
// than the grid's blocks. (H100, 4096 x 14336, Q4_0: batch 32 narrow 64.2
// us, 128 x 64 tiles 64.4; batch 48 narrow 113, 128 x 64 69; batch 64
// 128 x 64 61.6, 128 x 128 89.1; batch 128 128 x 64 107.0, 128 x 128 103.5.)
inline constexpr std::uint32_t kMatMulNarrowCols = 32;
inline constexpr std::uint32_t kMatMulMidCols = 64;
inline constexpr std::uint32_t kMatMulMidBatch = kMatMulNarrowCols + 1;
inline constexpr std::uint32_t kMatMulWideBatch = kMatMulMidCols + 1;
// The tilings, narrowest first, as the suffixes of their kernels' names,
// and the one a batch of `batch` activation rows takes.
inline constexpr const char* kMatMulTilings[] = {"_narrow", "_mid", "_wide"};
constexpr int matmul_tiling(std::uint64_t batch) {
    return batch < kMatMulMidBatch ? 0 : batch < kMatMulWideBatch ? 1 : 2;
}
constexpr const char* matmul_tiling_suffix(std::uint64_t batch) { return kMatMulTilings[matmul_tiling(batch)]; }
// The tiling a batch runs where a block may take at most `limit` bytes of
// dynamic shared memory, given what tiling t's kernel takes (`shared(t)`,
// from its geometry; asked only for the tilings tried, widest first): the
// batch's own, else the widest narrower one that fits; -1 if none does.
// (NVIDIA GPUs with 99 KB a block, sm_86, sm_89 and sm_120, take the narrow
// tiling at every batch.)
template <typename Shared>
constexpr int matmul_tiling_within(std::uint64_t batch, Shared shared, std::uint64_t limit) {
    int t = matmul_tiling(batch);
    while (t >= 0 && shared(t) > limit) --t;
    return t;
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

namespace hipquant::quant {

// Row gather (QuantizedTensor::get_rows): out[i][c] = W[indices[i]][c].
struct GetRowsArgs {
    std::uint64_t n_indices;  // output rows; at most 2^31 - 1 (positions are reported as int32)
    std::uint64_t rows;       // weight rows: valid indices are [0, rows)
    std::uint64_t row_bytes;  // bytes of one weight row
    std::uint64_t cols;       // values per row (whole blocks)
};

}  // namespace hipquant::quant
