// MatMulTiling: the launch shape and loop choices of one mat-mat kernel,
// read from a row of the tuning table (kernels/config/matmul.hpp).
#pragma once

#include <type_traits>

#include "arch.hpp"

namespace hipquant::kernels {

// The fields every row of the tuning table has, with their defaults; a row
// derives from it and restates the fields it sets. A thread block of
// `threads` threads computes a tile_rows x tile_cols block of outputs
// (weight rows x activation rows), `parts` 32-value parts of the shared
// dimension at a time; each group of TileMma::kThreads threads computes
// group_tiles_m x group_tiles_n tiles of 16 x 16. The persistent grid
// holds blocks_per_cu blocks per CU. Where copies are asynchronous
// (HQ_ASYNC_COPY) the block decodes into `sets` sets of tiles in turn (2:
// chunk c + 1 is decoded while chunk c is multiplied), and with
// producer_threads > 0 (two sets) that many more threads copy and decode
// while the `threads` only multiply. scale_rows: weight scales of rows m,
// m + 8, ... read that many at a time (NVIDIA's fragment layout).
// min_product: the min terms as a floating-point tile product (e.g.
// MinMmaTf32; void: one multiply-add per output and min group). unroll_16,
// unroll_32, unroll_32_min: scale groups per step of the group loop for
// 16-value groups, 32-value groups, and 32-value groups of formats with
// mins. copies_ahead: with two sets and no producers, how many chunks past
// the one being decoded are being copied (raw buffers: one more); deeper
// keeps more bytes in flight where few warps share an SM. stage_pairs: in
// 8-part chunks the stagers take 4 parts of 2 rows per 8 neighbouring
// items rather than 8 parts of one (StageItems, kernels/mul_mat.hip).
struct TilingRow {
    static constexpr int tile_rows = 64, tile_cols = 64, parts = 4;
    static constexpr int group_tiles_m = 1, group_tiles_n = 1;
    static constexpr int threads = 256, blocks_per_cu = 2, sets = 1, scale_rows = 1;
    using min_product = void;
    static constexpr int unroll_16 = 1, unroll_32 = 1, unroll_32_min = 1;
    static constexpr int producer_threads = 0;
    static constexpr int copies_ahead = 1;
    static constexpr bool stage_pairs = false;
};

template <typename Row>
struct MatMulTiling {
    static_assert(std::is_base_of_v<TilingRow, Row>, "a row of the tuning table");
    static constexpr int kTileRows = Row::tile_rows, kTileCols = Row::tile_cols, kParts = Row::parts;
    static constexpr int kGroupTilesM = Row::group_tiles_m, kGroupTilesN = Row::group_tiles_n;
    static constexpr int kThreads = Row::threads, kBlocksPerCu = Row::blocks_per_cu, kSets = Row::sets;
    static constexpr int kProducerThreads = Row::producer_threads;
    // The threads that stage chunks, and all of the block's.
    static constexpr int kStagers = kProducerThreads > 0 ? kProducerThreads : kThreads;
    static constexpr int kBlockThreads = kThreads + kProducerThreads;
    static constexpr int kScaleRows = Row::scale_rows;
    using MinProduct = typename Row::min_product;
    static constexpr bool kMinProduct = !std::is_void_v<MinProduct>;
    static constexpr int kUnroll16 = Row::unroll_16, kUnroll32 = Row::unroll_32, kUnroll32Min = Row::unroll_32_min;
    static constexpr int kCopiesAhead = Row::copies_ahead;
    static constexpr bool kStagePairs = Row::stage_pairs;
    static_assert(kCopiesAhead == 1 || (kSets == 2 && kProducerThreads == 0), "deeper copies: two sets, no producers");

    struct RowWithoutProducers : Row {
        static constexpr int producer_threads = 0;
    };
    // The same tiling with the `threads` doing both the staging and the
    // products.
    using WithoutProducers = MatMulTiling<RowWithoutProducers>;
};

}  // namespace hipquant::kernels
