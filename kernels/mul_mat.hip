// Mat-mat kernels for batches above the mat-vec's: y[n][r] = sum_c W[r][c] * x[n][c]
// with x quantized to Q8_1 (activation rows padded, as for the mat-vec).
//   hq_mul_mat_q8_1_<T>_{wide,narrow}:      the tile product the target table
//                                           picks (TileMma), in its two tilings
//   hq_mul_mat_q8_1_dot4_<T>_{wide,narrow}: the portable integer-dot product
// A thread block computes a kTileRows x kTileCols block of y (weight rows x
// activation rows) and walks the shared dimension a chunk of 32-value parts
// at a time (tile shapes and chunk: the tiling table in kernels/common.hpp).
// The weight rows' parts are decoded into int8 (q - offset) with their
// scales and mins, the activation blocks copied as they are, both into
// shared memory; then the block's thread groups multiply 16 x 16 tiles of it
// with the tile primitive (kernels/common.hpp), one scale group (16 or 32
// values) at a time, and fold each integer result into f32 sums:
//   y += a_w * (d_x * sum(q_w' * q_x)) - b_w * (d_x * sum(q_x)),
// the mat-vec's terms (q_w' = q_w - offset, value = a_w * q_w' - b_w), two or
// three fused multiply-adds per output and group.
#include "common.hpp"
#include "formats.hpp"
#include "hipquant/quant/kernel_args.hpp"

namespace hipquant::kernels {

// From the format traits: values sharing one weight scale and min (16 or
// 32), and whether values have a min (then the activation sums are needed).
template <QuantType T>
inline constexpr int kScaleGroup = Format<T>::kScaleGroup;
template <QuantType T>
inline constexpr bool kHasMin = Format<T>::kHasMin;

// q - offset in every byte, for bytes 0..127 and offsets 0..128: no borrow
// crosses a byte once bit 7 is set, and flipping it back subtracts 128.
__device__ __forceinline__ int subtract_offset(int q, int offset) {
    return ((q | static_cast<int>(0x80808080u)) - offset * 0x01010101) ^ static_cast<int>(0x80808080u);
}

// The shared-memory tiles of one chunk.
template <QuantType T, typename L>
struct MatMulTiles {
    static constexpr int kParts = L::kParts;
    static constexpr int kStride = kParts * 32 + 16;  // bytes per tile row; the 16 spread rows over banks
    static constexpr int kGroups = kParts * 32 / kScaleGroup<T>;  // scale groups per row per chunk
    static constexpr int kMinRows = kHasMin<T> ? L::kTileRows : 1;
    static constexpr int kMinCols = kHasMin<T> ? L::kTileCols : 1;

    Vec16 w_q[L::kTileRows * kStride / 16];  // int8 q - offset
    Vec16 x_q[L::kTileCols * kStride / 16];  // int8 activation quants
    // Per group or part, then row: a tile's threads read neighbouring rows
    // (different banks).
    float w_scale[kGroups][L::kTileRows];  // a
    float w_min[kGroups][kMinRows];        // b
    float x_d[kParts][L::kTileCols];       // d of each activation block
    float x_bias[kParts][L::kTileCols];    // -kBias * d (exact: d is an f16, kBias 3 * 2^22)
    float x_sum[kGroups][kMinCols];        // d * sum(q) per scale group

    __device__ std::int8_t* w_bytes() { return reinterpret_cast<std::int8_t*>(w_q); }
    __device__ std::int8_t* x_bytes() { return reinterpret_cast<std::int8_t*>(x_q); }
};

__device__ __forceinline__ void store_ints(std::int8_t* dst, const int (&v)[8]) {
    Vec16* d = reinterpret_cast<Vec16*>(dst);
#pragma unroll
    for (int h = 0; h < 2; ++h) {
        Vec16 u;
        u.x = v[4 * h];
        u.y = v[4 * h + 1];
        u.z = v[4 * h + 2];
        u.w = v[4 * h + 3];
        d[h] = u;
    }
}

// Stages parts [first, first + kParts) of the tile's rows in shared memory:
// the weight parts decoded to int8 q - offset with their scales and mins
// (parts past the row's end become zeros), and the activation blocks as they
// are (activation rows past the batch repeat the last one, never stored; the
// rows' zero padding covers parts past the end). Each thread handles a fixed
// number of items, all loads issued before the first store (straight-line
// code: no branch between them), so their latencies overlap.
template <QuantType T, typename L>
__device__ __forceinline__ void stage_chunk(MatMulTiles<T, L>& s, const std::uint8_t* __restrict__ w,
                                            const quant::BlockQ8_1* __restrict__ x, const quant::MatVecArgs& args,
                                            std::uint64_t row0, std::uint64_t col0, std::uint32_t first) {
    using F = Format<T>;
    using Tiles = MatMulTiles<T, L>;
    constexpr int kThreads = static_cast<int>(quant::kMatMulThreads);
    constexpr int kPerPart = 32 / kScaleGroup<T>;
    constexpr int kWItems = L::kTileRows * L::kParts / kThreads;
    constexpr int kXItems = L::kTileCols * L::kParts / kThreads;
    static_assert(kWItems * kThreads == L::kTileRows * L::kParts && kXItems * kThreads == L::kTileCols * L::kParts,
                  "every thread stages the same number of items");
    const int t = static_cast<int>(threadIdx.x);

    WeightPart parts[kWItems];
    bool valid[kWItems];
#pragma unroll
    for (int r = 0; r < kWItems; ++r) {
        const int item = t + r * kThreads;
        const std::uint64_t row = min(row0 + static_cast<std::uint64_t>(item / L::kParts), args.rows - 1);
        const std::uint32_t p = first + static_cast<std::uint32_t>(item % L::kParts);
        valid[r] = p < args.parts_per_row;
        const std::uint32_t pc = valid[r] ? p : args.parts_per_row - 1;  // in bounds either way
        const auto* blocks = reinterpret_cast<const typename F::Block*>(w + row * args.row_bytes);
        parts[r] = F::part(blocks[pc / F::kParts], static_cast<int>(pc % F::kParts));
    }
    int xq[kXItems][9];  // one Q8_1 block each: d and s, then 8 ints of quants (4-byte aligned)
#pragma unroll
    for (int r = 0; r < kXItems; ++r) {
        const int item = t + r * kThreads;
        const std::uint64_t xrow =
            min(col0 + static_cast<std::uint64_t>(item / L::kParts), static_cast<std::uint64_t>(args.batch) - 1);
        const int* blk = reinterpret_cast<const int*>(x + xrow * args.x_row_stride + first + item % L::kParts);
#pragma unroll
        for (int i = 0; i < 9; ++i) xq[r][i] = blk[i];
    }

#pragma unroll
    for (int r = 0; r < kWItems; ++r) {
        const int item = t + r * kThreads;
        const int m = item / L::kParts, k = item % L::kParts;
        int q[8];
#pragma unroll
        for (int i = 0; i < 8; ++i) {
            const int v = parts[r].offset != 0 ? subtract_offset(parts[r].q[i], parts[r].offset) : parts[r].q[i];
            q[i] = valid[r] ? v : 0;
        }
        store_ints(s.w_bytes() + m * Tiles::kStride + 32 * k, q);
#pragma unroll
        for (int g = 0; g < kPerPart; ++g) {
            s.w_scale[k * kPerPart + g][m] = valid[r] ? parts[r].a[g] : 0.0f;
            if constexpr (kHasMin<T>) s.w_min[k * kPerPart + g][m] = valid[r] ? parts[r].b[g] : 0.0f;
        }
    }
#pragma unroll
    for (int r = 0; r < kXItems; ++r) {
        const int item = t + r * kThreads;
        const int n = item / L::kParts, k = item % L::kParts;
        int q[8];
#pragma unroll
        for (int i = 0; i < 8; ++i) q[i] = xq[r][1 + i];
        const float d = half_bits_to_float(static_cast<std::uint16_t>(xq[r][0] & 0xffff));
        store_ints(s.x_bytes() + n * Tiles::kStride + 32 * k, q);
        s.x_d[k][n] = d;
        s.x_bias[k][n] = -kBias * d;
        if constexpr (kHasMin<T>) {
#pragma unroll
            for (int g = 0; g < kPerPart; ++g) {
                int sum = 0;
#pragma unroll
                for (int i = g * 8 / kPerPart; i < (g + 1) * 8 / kPerPart; ++i) sum = dp4a(0x01010101, q[i], sum);
                s.x_sum[k * kPerPart + g][n] = d * static_cast<float>(sum);
            }
        }
    }
}

// One scale group g of the staged chunk: the group's tiles multiplied and
// folded into the f32 sums.
template <QuantType T, typename Mma, typename L>
__device__ __forceinline__ void multiply_group(const MatMulTiles<T, L>& s, int g, int lane, int m_base, int n_base,
                                               float (&acc)[L::kGroupTilesM][L::kGroupTilesN][Mma::kAcc]) {
    using Tiles = MatMulTiles<T, L>;
    constexpr int G = kScaleGroup<T>;
    constexpr int kTM = L::kGroupTilesM, kTN = L::kGroupTilesN;
    const auto* w_bytes = reinterpret_cast<const std::int8_t*>(s.w_q);
    const auto* x_bytes = reinterpret_cast<const std::int8_t*>(s.x_q);
    typename Mma::template AFrag<G> a[kTM];
    typename Mma::template BFrag<G> b[kTN];
#pragma unroll
    for (int i = 0; i < kTM; ++i)
        Mma::template load_a<G>(a[i], w_bytes + (m_base + 16 * i) * Tiles::kStride + G * g, Tiles::kStride, lane);
#pragma unroll
    for (int j = 0; j < kTN; ++j)
        Mma::template load_b<G>(b[j], x_bytes + (n_base + 16 * j) * Tiles::kStride + G * g, Tiles::kStride, lane);
    const int part = g * G / 32;
#pragma unroll
    for (int i = 0; i < kTM; ++i) {
#pragma unroll
        for (int j = 0; j < kTN; ++j) {
            int c[Mma::kAcc];
            Mma::template mma<G>(c, a[i], b[j]);
#pragma unroll
            for (int k = 0; k < Mma::kAcc; ++k) {
                const int m = m_base + 16 * i + Mma::row(lane, k);
                const int n = n_base + 16 * j + Mma::col(lane, k);
                // c[k] holds the float kBias + sum: one fused multiply-add
                // gives sum * d_x rounded once, a second adds a_w times it
                // (explicit: the kernels build without contraction).
                const float sum_dx = fmaf(__int_as_float(c[k]), s.x_d[part][n], s.x_bias[part][n]);
                acc[i][j][k] = fmaf(s.w_scale[g][m], sum_dx, acc[i][j][k]);
                if constexpr (kHasMin<T>) acc[i][j][k] = fmaf(-s.w_min[g][m], s.x_sum[g][n], acc[i][j][k]);
            }
        }
    }
}

template <QuantType T, typename Mma, typename L>
__device__ void mul_mat_q8_1(const std::uint8_t* __restrict__ w, const quant::BlockQ8_1* __restrict__ x,
                             float* __restrict__ y, quant::MatVecArgs args) {
    using Tiles = MatMulTiles<T, L>;
    constexpr int kTM = L::kGroupTilesM, kTN = L::kGroupTilesN;
    constexpr int kGroupsM = L::kTileRows / (16 * kTM);
    static_assert(kGroupsM * (L::kTileCols / (16 * kTN)) * Mma::kThreads == static_cast<int>(quant::kMatMulThreads),
                  "the thread groups cover the block's tile exactly");
    static_assert(sizeof(Tiles) <= static_cast<std::size_t>(kLdsBytes), "the tiles fit in shared memory");
    __shared__ Tiles s;

    const int lane = static_cast<int>(threadIdx.x) % Mma::kThreads;
    const int group = static_cast<int>(threadIdx.x) / Mma::kThreads;
    const int m_base = (group % kGroupsM) * 16 * kTM;  // the group's first row in the block's tile
    const int n_base = (group / kGroupsM) * 16 * kTN;

    const std::uint64_t tiles_m = (args.rows + L::kTileRows - 1) / L::kTileRows;
    const std::uint64_t tiles = tiles_m * ((args.batch + L::kTileCols - 1) / L::kTileCols);
    // Work item = (tile, slice of the shared dimension); slice s writes its
    // own batch x rows slab of y.
    const std::uint32_t chunks = (args.parts_per_row + Tiles::kParts - 1) / Tiles::kParts;
    const std::uint32_t slices = args.k_slices > 0 ? args.k_slices : 1;
    const std::uint32_t slice_chunks = (chunks + slices - 1) / slices;
    for (std::uint64_t item = blockIdx.x; item < tiles * slices; item += gridDim.x) {
        const std::uint64_t tile = item % tiles;
        const std::uint32_t slice = static_cast<std::uint32_t>(item / tiles);
        const std::uint64_t row0 = tile % tiles_m * L::kTileRows;
        const std::uint64_t col0 = tile / tiles_m * L::kTileCols;
        const std::uint32_t first_part = slice * slice_chunks * Tiles::kParts;
        const std::uint32_t end_part = min(args.parts_per_row, first_part + slice_chunks * Tiles::kParts);
        float* out = y + static_cast<std::uint64_t>(slice) * args.batch * args.rows;

        float acc[kTM][kTN][Mma::kAcc];
#pragma unroll
        for (int i = 0; i < kTM; ++i)
#pragma unroll
            for (int j = 0; j < kTN; ++j)
#pragma unroll
                for (int k = 0; k < Mma::kAcc; ++k) acc[i][j][k] = 0.0f;

        for (std::uint32_t first = first_part; first < end_part; first += Tiles::kParts) {
            stage_chunk<T, L>(s, w, x, args, row0, col0, first);
            __syncthreads();
            // kMatMulUnroll16 groups at a time for the 16-value scale
            // groups (2 on the H100 at batch 512: Q6_K 665 -> 644 us, Q2_K 723
            // -> 672); for 32-value groups unrolling measured no faster and
            // costs registers.
#pragma unroll(kScaleGroup<T> == 16 ? kMatMulUnroll16 : 1)
            for (int g = 0; g < Tiles::kGroups; ++g) multiply_group<T, Mma, L>(s, g, lane, m_base, n_base, acc);
            __syncthreads();  // the tiles are refilled next chunk
        }

#pragma unroll
        for (int i = 0; i < kTM; ++i) {
#pragma unroll
            for (int j = 0; j < kTN; ++j) {
#pragma unroll
                for (int k = 0; k < Mma::kAcc; ++k) {
                    const std::uint64_t m = row0 + static_cast<std::uint64_t>(m_base + 16 * i + Mma::row(lane, k));
                    const std::uint64_t n = col0 + static_cast<std::uint64_t>(n_base + 16 * j + Mma::col(lane, k));
                    if (m < args.rows && n < args.batch) out[n * args.rows + m] = acc[i][j][k];
                }
            }
        }
    }
}

// y[i] = sum over the k slices of partial[s][i], in slice order (the same
// bits every run).
HQ_KERNEL void hq_sum_k_slices(const float* __restrict__ partial, float* __restrict__ y, std::uint64_t n,
                               std::uint32_t slices) {
    const std::uint64_t i = static_cast<std::uint64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
    if (i >= n) return;
    float s = partial[i];
    for (std::uint32_t k = 1; k < slices; ++k) s += partial[k * n + i];
    y[i] = s;
}

// The host counts tiles with its own copy of their shapes.
static_assert(TileMma::Narrow::kTileRows == quant::kMatMulNarrowRows &&
                  TileMma::Narrow::kTileCols == quant::kMatMulNarrowCols &&
                  TileMmaDot4::Narrow::kTileRows == quant::kMatMulNarrowRows &&
                  TileMmaDot4::Narrow::kTileCols == quant::kMatMulNarrowCols,
              "narrow tiles as kernel_args.hpp says");
static_assert(TileMma::Wide::kTileRows <= quant::kMatMulWideMaxRows &&
                  TileMmaDot4::Wide::kTileRows <= quant::kMatMulWideMaxRows &&
                  TileMma::Wide::kTileCols == quant::kMatMulWideCols &&
                  TileMmaDot4::Wide::kTileCols == quant::kMatMulWideCols,
              "wide tiles as kernel_args.hpp says");

// Per type: {table's tile product, portable integer dot} x {wide, narrow}
// tiling (the host takes the narrow one below kMatMulWideBatch). The
// minimum blocks per SM steer ptxas: 2 holds the tile-product kernels to 128
// registers (two blocks per SM; without it some took 160), 1 lets the
// integer-dot ones use what they need (with none ptxas capped some at 64
// registers, with 2 at 128, and they spilled). Nothing on AMD.
#define HQ_MMQ_KERNEL(NAME, FAMILY, SUFFIX, MMA, TILING, MIN_BLOCKS)                                           \
    HQ_KERNEL __launch_bounds__(quant::kMatMulThreads, HQ_MIN_BLOCKS(MIN_BLOCKS)) void FAMILY##NAME##SUFFIX(   \
        const std::uint8_t* w, const quant::BlockQ8_1* x, float* y, quant::MatVecArgs args) {                  \
        mul_mat_q8_1<QuantType::NAME, MMA, MMA::TILING>(w, x, y, args);                                        \
    }
#define HQ_MMQ_KERNELS(NAME)                                                                                   \
    HQ_MMQ_KERNEL(NAME, hq_mul_mat_q8_1_, _wide, TileMma, Wide, 2)                                            \
    HQ_MMQ_KERNEL(NAME, hq_mul_mat_q8_1_, _narrow, TileMma, Narrow, 2)                                        \
    HQ_MMQ_KERNEL(NAME, hq_mul_mat_q8_1_dot4_, _wide, TileMmaDot4, Wide, 1)                                   \
    HQ_MMQ_KERNEL(NAME, hq_mul_mat_q8_1_dot4_, _narrow, TileMmaDot4, Narrow, 1)
HQ_MATVEC_TYPES(HQ_MMQ_KERNELS)
#undef HQ_MMQ_KERNELS
#undef HQ_MMQ_KERNEL

}  // namespace hipquant::kernels
