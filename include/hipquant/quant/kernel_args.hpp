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
    // Mat-mat only: the shared dimension is cut into this many slices, each
    // computed by its own blocks into its own batch x rows slab of y (a
    // workspace then summed by hq_sum_k_slices); 1 writes y directly.
    std::uint32_t k_slices = 1;
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

// Mat-mat (batch > kMaxMatVecBatch): threads per block, and the resident
// blocks per compute unit the persistent grid is sized for. The wide tile
// shapes are per-platform parameters of the tile product (kernels/common.hpp).
inline constexpr std::uint32_t kMatMulThreads = 256;
inline constexpr std::uint32_t kMatMulBlocksPerCu = 2;
// The narrow tiling is the same on every platform (kernels/common.hpp
// asserts it), so the host can count its tiles: when they are fewer than
// the grid's blocks, the shared dimension is cut into up to
// kMatMulMaxKSlices slices of at least kMatMulMinSliceParts parts each.
inline constexpr std::uint32_t kMatMulNarrowRows = 64;
inline constexpr std::uint32_t kMatMulNarrowCols = 32;
// The batch from which the wide tiling is used: beyond one narrow column
// of tiles. Both cut the shared dimension into slices when their tiles are
// few, and then the wide tiles win (H100, 4096 x 14336, Q4_0: batch 32
// narrow 64.2 us, wide 64.4; batch 48 narrow 113, wide 69; batch 128
// narrow 218, wide 133).
inline constexpr std::uint32_t kMatMulWideBatch = kMatMulNarrowCols + 1;
// Whether a mat-mat of `batch` activation rows takes the wide tiling, and
// the suffix of the kernels it then runs (..._wide, else ..._narrow).
constexpr bool matmul_uses_wide_tiling(std::uint64_t batch) { return batch >= kMatMulWideBatch; }
constexpr const char* matmul_tiling_suffix(std::uint64_t batch) {
    return matmul_uses_wide_tiling(batch) ? "_wide" : "_narrow";
}
inline constexpr std::uint32_t kMatMulMaxKSlices = 8;
inline constexpr std::uint32_t kMatMulMinSliceParts = 16;
// The wide tilings differ per platform; every one is kMatMulWideCols wide
// and at most kMatMulWideMaxRows tall (kernels/common.hpp asserts both), so
// the host's count of wide tiles is a lower bound, within a factor of 2.
inline constexpr std::uint32_t kMatMulWideMaxRows = 128;
inline constexpr std::uint32_t kMatMulWideCols = 64;

// Where the platform copies memory to shared memory asynchronously
// (platform::kAsyncSharedCopy: NVIDIA's cp.async), the mat-mat kernels copy
// the raw bytes of the next weight and activation blocks into dynamic shared
// memory while they multiply the current ones, and decode from there. The
// copies are whole 16-byte vectors, in two buffers each (the one being
// decoded, the one being filled):
//   weights: per tile row, one unit of the shared dimension, the chunk's
//     parts or a whole block of the format if that is longer (a K format's
//     super-block serves two chunks), from its start rounded down to 16
//     bytes (blocks are 2-byte aligned, so 14 bytes before it at most);
//   activations: per tile column, the chunk's Q8_1 blocks (rows of
//     q8_1_row_blocks(cols) blocks start 16-byte aligned, and chunks too),
//     in a slot of the same kind.
// The host sizes the launch with these, the kernels lay the memory out by
// them.
HIPQUANT_HD constexpr std::uint32_t matmul_unit_parts(std::uint32_t block_elems, std::uint32_t chunk_parts) {
    return block_elems / 32 > chunk_parts ? block_elems / 32 : chunk_parts;
}
// Each row's slot is an odd number of 16-byte vectors, so that the 8 rows a
// warp decodes at once start in different banks.
HIPQUANT_HD constexpr std::uint32_t matmul_slot_bytes(std::uint32_t bytes) {
    const std::uint32_t vectors = (bytes + 15) / 16;
    return (vectors | 1u) * 16;
}
HIPQUANT_HD constexpr std::uint32_t matmul_weight_slot_bytes(std::uint32_t block_bytes, std::uint32_t block_elems,
                                                           std::uint32_t chunk_parts) {
    const std::uint32_t blocks = matmul_unit_parts(block_elems, chunk_parts) * 32 / block_elems;
    return matmul_slot_bytes(blocks * block_bytes + 14);
}
HIPQUANT_HD constexpr std::uint32_t matmul_activation_slot_bytes(std::uint32_t chunk_parts) {
    return matmul_slot_bytes(chunk_parts * static_cast<std::uint32_t>(sizeof(BlockQ8_1)));
}
HIPQUANT_HD constexpr std::uint32_t matmul_stage_bytes(std::uint32_t block_bytes, std::uint32_t block_elems,
                                                     std::uint32_t tile_rows, std::uint32_t tile_cols,
                                                     std::uint32_t chunk_parts) {
    return 2 * (tile_rows * matmul_weight_slot_bytes(block_bytes, block_elems, chunk_parts) +
                tile_cols * matmul_activation_slot_bytes(chunk_parts));
}
// The chunk of each tiling, for the host's sizes (kernels/common.hpp asserts
// every tiling's): narrow tiles take 8 parts per chunk, wide ones 4.
inline constexpr std::uint32_t kMatMulNarrowParts = 8;
inline constexpr std::uint32_t kMatMulWideParts = 4;

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
