// The mat-mat tuning table: per tile product (the architecture family's,
// kernels/mma.hpp) the narrow, mid and wide tilings as rows with named
// fields (TilingRow, kernels/tiling.hpp), and per weight format the rows
// where a format departs from them. Why each value: bench/NOTES.md.
#pragma once

#include "../mma.hpp"
#include "../tiling.hpp"
#include "hipquant/quant/dispatch.hpp"
#include "hipquant/quant/types.hpp"

namespace hipquant::kernels {

using quant::QuantType;

// Q6_K's 16-value scale groups per loop step: 2 on NVIDIA, 1 on AMD (clang
// 21 put the unrolled kernels in scratch).
#if defined(HQ_ARCH_NVIDIA)
inline constexpr int kUnroll16 = 2;
#else
inline constexpr int kUnroll16 = 1;
#endif

// HQ_TUNE_STAGE_PAIRS 1: the skinny tilings' stagers take 4 parts of 2
// rows per 8 lanes instead of 8 parts of one (TilingRow::stage_pairs):
// faster on the H100 (bench/NOTES.md, eighteenth session), off until the
// GPU tests have run on that build.
#ifndef HQ_TUNE_STAGE_PAIRS
#define HQ_TUNE_STAGE_PAIRS 0
#endif

// ---- Skinny tilings: batches up to 16 ------------------------------------
// 16 activation columns, one 16 x 16 tile per thread group: the batches a
// server decodes or a draft verifies, where reading the weights is the
// cost and the products are not (on the H100 its time is flat from batch 2
// to 16: bench/NOTES.md).
struct SkinnyRow : TilingRow {
    static constexpr int tile_rows = 64, tile_cols = 16, parts = 8;
    static constexpr int threads = 128;
    static constexpr int unroll_16 = kUnroll16;
    static constexpr bool stage_pairs = HQ_TUNE_STAGE_PAIRS != 0;
};

// ---- The integer-dot product (any GPU) and WMMA (RDNA3/4) -----------------
// 64-row tiles: with 128, clang 17 and 21 spilled on gfx90a and gfx1100.
struct Dot4Skinny : SkinnyRow {};
struct Dot4Narrow : TilingRow {
    static constexpr int tile_rows = 64, tile_cols = 32, parts = 8;
    static constexpr int unroll_16 = kUnroll16;
};
struct Dot4Wide : TilingRow {
    static constexpr int tile_rows = 64, tile_cols = 64, parts = 4;
    static constexpr int group_tiles_m = 1, group_tiles_n = 2;
    static constexpr int unroll_16 = kUnroll16;
};

// ---- MFMA (CDNA) ----------------------------------------------------------
// 128 rows spilled with clang 17 on gfx90a. Two 64-lane groups of two
// tiles each (the stagers' 128 threads take an activation block each).
struct MfmaSkinny : SkinnyRow {
    static constexpr int group_tiles_m = 2;
};
struct MfmaNarrow : TilingRow {
    static constexpr int tile_rows = 64, tile_cols = 32, parts = 8;
    static constexpr int group_tiles_m = 2, group_tiles_n = 1;
};
struct MfmaWide : TilingRow {
    static constexpr int tile_rows = 64, tile_cols = 64, parts = 4;
    static constexpr int group_tiles_m = 2, group_tiles_n = 2;
};

// HQ_TUNE_HANDOFF_SYNC: in the warp-specialized kernels (NVIDIA) one
// side waits at a hand-off where it would only arrive: 1 the multiplying
// warps at kEmpty, 2 the producers at kFull (bar.sync for bar.arrive;
// slower, the same data flow, no deadlock either way). For racecheck,
// whose hazards across a bar.arrive these builds tell apart.
#ifndef HQ_TUNE_HANDOFF_SYNC
#define HQ_TUNE_HANDOFF_SYNC 0
#endif
inline constexpr int kNvHandoffSync = HQ_TUNE_HANDOFF_SYNC;

// ---- mma.sync (NVIDIA) ----------------------------------------------------
#if HQ_MATRIX_CORE == HQ_MATRIX_NV_MMA
// Two sets of tiles where a block may take 227 KB (sm_90); producer warps
// where warps can trade registers (sm_90a) and there are two sets.
inline constexpr int kNvWideSets = kBlockSharedMax >= 227 * 1024 ? 2 : 1;
// HQ_TUNE_*: side-by-side benchmark builds override these from the
// kernel compile line (HIPQUANT_KERNEL_FLAGS); the defaults are the choice.
// (HQ_TUNE_NV_PRODUCERS 0: no producer warps, e.g. for racecheck.)
#ifndef HQ_TUNE_NV_PRODUCERS
#define HQ_TUNE_NV_PRODUCERS 128
#endif
inline constexpr int kNvProducers = kWarpRegisters && kNvWideSets == 2 ? HQ_TUNE_NV_PRODUCERS : 0;

#ifndef HQ_TUNE_NV_SKINNY_AHEAD
#define HQ_TUNE_NV_SKINNY_AHEAD 1
#endif
#ifndef HQ_TUNE_NV_SKINNY_BLOCKS
#define HQ_TUNE_NV_SKINNY_BLOCKS 2
#endif
struct NvSkinny : SkinnyRow {
    static constexpr int sets = 2, blocks_per_cu = HQ_TUNE_NV_SKINNY_BLOCKS;
    static constexpr int copies_ahead = HQ_TUNE_NV_SKINNY_AHEAD;
    using min_product = MinMmaTf32;
};
// HQ_TUNE_NV_NARROW_PAIRS 1: its stagers on pairs of rows too (stage_pairs;
// not yet measured).
#ifndef HQ_TUNE_NV_NARROW_PAIRS
#define HQ_TUNE_NV_NARROW_PAIRS 0
#endif
struct NvNarrow : TilingRow {
    static constexpr int tile_rows = 64, tile_cols = 32, parts = 8;
    using min_product = MinMmaTf32;
    static constexpr int unroll_16 = kUnroll16;
    static constexpr bool stage_pairs = HQ_TUNE_NV_NARROW_PAIRS != 0;
};
struct NvMid : TilingRow {
    static constexpr int tile_rows = 128, tile_cols = 64, parts = 4;
    static constexpr int group_tiles_m = 2, group_tiles_n = 2;
    using min_product = MinMmaTf32;
    static constexpr int unroll_16 = kUnroll16;
};
// 8 warps of 64 x 32 outputs, one block per SM (up to 255 registers a
// thread); on sm_90a 4 producer warps beside them.
struct NvWide : TilingRow {
    static constexpr int tile_rows = 128, tile_cols = 128, parts = 4;
    static constexpr int group_tiles_m = 4, group_tiles_n = 2;
    static constexpr int blocks_per_cu = 1, sets = kNvWideSets;
    static constexpr int scale_rows = kNvWideSets == 2 ? 4 : 1;
    using min_product = MinMmaTf32;
    static constexpr int unroll_16 = 4;
    static constexpr int unroll_32 = kNvProducers > 0 ? 2 : kNvWideSets == 2 ? 4 : 2;
    static constexpr int unroll_32_min = 2;
    static constexpr int producer_threads = kNvProducers;
};
#endif

// The tilings of each tile product, narrowest first: the host picks one by
// batch (quant::matmul_tiling).
template <typename Mma>
struct MatMulTilings {
    using Skinny = MatMulTiling<Dot4Skinny>;
    using Narrow = MatMulTiling<Dot4Narrow>;
    using Mid = MatMulTiling<Dot4Wide>;
    using Wide = MatMulTiling<Dot4Wide>;
};
#if HQ_MATRIX_CORE == HQ_MATRIX_MFMA
template <>
struct MatMulTilings<TileMmaMfma> {
    using Skinny = MatMulTiling<MfmaSkinny>;
    using Narrow = MatMulTiling<MfmaNarrow>;
    using Mid = MatMulTiling<MfmaWide>;
    using Wide = MatMulTiling<MfmaWide>;
};
#endif
#if HQ_MATRIX_CORE == HQ_MATRIX_NV_MMA
template <>
struct MatMulTilings<TileMmaNv> {
    using Skinny = MatMulTiling<NvSkinny>;
    using Narrow = MatMulTiling<NvNarrow>;
    using Mid = MatMulTiling<NvMid>;
    using Wide = MatMulTiling<NvWide>;
};
#endif

// The tilings by name, in the host's numbering (quant::matmul_tiling).
enum class Tiling { skinny, narrow, mid, wide };
template <typename Mma, Tiling t>
using TilingOf = std::conditional_t<
    t == Tiling::skinny, typename MatMulTilings<Mma>::Skinny,
    std::conditional_t<
        t == Tiling::narrow, typename MatMulTilings<Mma>::Narrow,
        std::conditional_t<t == Tiling::mid, typename MatMulTilings<Mma>::Mid, typename MatMulTilings<Mma>::Wide>>>;

// ---- Per-format rows --------------------------------------------------------
// producer_warps: the format runs the tiling's producer warps (Q5_1's
// warp-specialized kernel spilled at every register split tried).
// copies_two_ahead: producers copy chunk c + 2 once chunk c is decoded,
// rather than chunk c + 1 before (Q8_0 and Q4_K measured slower so).
// producer_registers: what a producer thread keeps under setmaxnreg (the
// multiplying warps take the rest).
// skinny_from_batch: from this batch on, the skinny tiling rather than
// the mat-vec kernels (which take batches up to quant::kMaxMatVecBatch);
// kSkinnyFromBatch8 for the formats whose skinny kernel beat the mat-vec at
// batch 8 on the H100 (3-11 %; not measured elsewhere).
#ifdef HQ_TUNE_SKINNY_FROM_BATCH
inline constexpr int kSkinnyFromBatch = HQ_TUNE_SKINNY_FROM_BATCH, kSkinnyFromBatch8 = HQ_TUNE_SKINNY_FROM_BATCH;
#else
inline constexpr int kSkinnyFromBatch = quant::kMaxMatVecBatch + 1;
inline constexpr int kSkinnyFromBatch8 = HQ_MATRIX_CORE == HQ_MATRIX_NV_MMA ? 8 : kSkinnyFromBatch;
#endif
struct MatMulFormatRow {
    static constexpr int skinny_from_batch = kSkinnyFromBatch;
    static constexpr bool producer_warps = true;
    static constexpr bool copies_two_ahead = true;
    static constexpr int producer_registers = 104;
};
// The formats that take the skinny tiling from batch 8.
struct MatMulSkinny8Row : MatMulFormatRow {
    static constexpr int skinny_from_batch = kSkinnyFromBatch8;
};
template <QuantType T>
struct MatMulFormat : MatMulFormatRow {};
template <>
struct MatMulFormat<QuantType::Q5_1> : MatMulFormatRow {
    static constexpr bool producer_warps = false;
};
template <>
struct MatMulFormat<QuantType::Q8_0> : MatMulSkinny8Row {
    static constexpr bool copies_two_ahead = false;
};
template <>
struct MatMulFormat<QuantType::Q4_K> : MatMulSkinny8Row {
    static constexpr bool copies_two_ahead = false;
};
template <>
struct MatMulFormat<QuantType::Q4_1> : MatMulFormatRow {
    static constexpr int producer_registers = 136;
};
template <>
struct MatMulFormat<QuantType::Q5_0> : MatMulSkinny8Row {
    static constexpr int producer_registers = 136;
};
template <>
struct MatMulFormat<QuantType::Q6_K> : MatMulFormatRow {
    static constexpr int producer_registers = 136;
};
template <>
struct MatMulFormat<QuantType::Q4_0> : MatMulSkinny8Row {};
template <>
struct MatMulFormat<QuantType::Q3_K> : MatMulSkinny8Row {};
template <>
struct MatMulFormat<QuantType::Q5_K> : MatMulSkinny8Row {};

// The tiling format T runs for the table's tiling L.
template <QuantType T, typename L>
using TilingFor = std::conditional_t<MatMulFormat<T>::producer_warps, L, typename L::WithoutProducers>;

}  // namespace hipquant::kernels
