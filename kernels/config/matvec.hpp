// The mat-vec tuning table: block shape and grid per batch, and per weight
// format the parts a thread takes. The host launches by the geometry each
// kernel publishes from these (MatVecGeometry). Why each value:
// bench/NOTES.md.
#pragma once

#include <cstdint>

#include "hipquant/detail/host_device.hpp"
#include "hipquant/quant/types.hpp"

namespace hipquant::kernels {

using quant::QuantType;

// Q8_1 path: logical 32-lane warps per thread block (they split each row's
// length), and weight rows per block (a row group), which share each
// activation load: 4 rows, but 2 above batch 4, where the accumulators and
// activations of 4 rows overflow the registers of 64-lane AMD targets.
inline constexpr int kMatVecWarps = 4;
HIPQUANT_HD constexpr int matvec_rows_per_block(int batch) { return batch <= 4 ? 4 : 2; }
// Batches up to kMatVecPersistentBatch run a persistent grid of
// kMatVecBlocksPerCu blocks per CU that loop over the row groups, and are
// launched overlapping the kernel before; larger batches a block per row
// group (they need more registers; a capped grid would run in two waves).
inline constexpr int kMatVecBlocksPerCu = 4;
inline constexpr int kMatVecPersistentBatch = 2;
// HQ_TUNE_MMV_WEIGHTS_AFTER_QUANTIZE 1: where they quantize their own
// activations, those kernels request their first weight chunk once the
// quantization is done rather than before they wait for the kernel
// before (whose activations might otherwise queue behind those bytes);
// for side-by-side builds, not yet measured.
#ifndef HQ_TUNE_MMV_WEIGHTS_AFTER_QUANTIZE
#define HQ_TUNE_MMV_WEIGHTS_AFTER_QUANTIZE 0
#endif
inline constexpr bool kMatVecWeightsAfterQuantize = HQ_TUNE_MMV_WEIGHTS_AFTER_QUANTIZE != 0;

// The f32 path: one logical warp per row, this many rows per block.
inline constexpr int kMatVecF32RowsPerBlock = 4;

// Per-format rows. parts_per_thread_b1: 32-value parts a thread takes per
// chunk at batch 1 (2 for the formats with the fewest bytes per part,
// whose chunks then carry enough bytes to keep the loads ahead of the
// arithmetic; at batch 2 the registers cost more than it gains).
// row_slices: the persistent kernels take short rows in row slices
// (kernels/mul_mat_vec.hip).
struct MatVecFormatRow {
    static constexpr int parts_per_thread_b1 = 1;
    static constexpr bool row_slices = true;
};
template <QuantType T>
struct MatVecFormat : MatVecFormatRow {};
template <>
struct MatVecFormat<QuantType::Q2_K> : MatVecFormatRow {
    static constexpr int parts_per_thread_b1 = 2;
};
template <>
struct MatVecFormat<QuantType::Q3_K> : MatVecFormatRow {
    static constexpr int parts_per_thread_b1 = 2;
};
template <>
struct MatVecFormat<QuantType::Q4_0> : MatVecFormatRow {
    static constexpr int parts_per_thread_b1 = 2;
};
// The codebook formats (IQ4_NL, IQ4_XS, MXFP4): two parts a thread at
// batch 1 measured 4-10 % faster; the kernels carrying the row slicings'
// code measured 1-9 % slower on rows too long to slice (MXFP4 at
// gpt-oss's 2880 columns).
struct MatVecCodebookRow : MatVecFormatRow {
    static constexpr int parts_per_thread_b1 = 2;
    static constexpr bool row_slices = false;
};
template <>
struct MatVecFormat<QuantType::IQ4_NL> : MatVecCodebookRow {};
template <>
struct MatVecFormat<QuantType::IQ4_XS> : MatVecCodebookRow {};
template <>
struct MatVecFormat<QuantType::MXFP4> : MatVecCodebookRow {};

template <QuantType T, int B>
inline constexpr int kMatVecPartsPerThread = B == 1 ? MatVecFormat<T>::parts_per_thread_b1 : 1;

}  // namespace hipquant::kernels
