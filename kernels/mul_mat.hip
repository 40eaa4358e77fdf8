// Mat-mat kernels for batches above the mat-vec's: y[n][r] = sum_c W[r][c] * x[n][c]
// with x quantized to Q8_1 (activation rows padded, as for the mat-vec).
//   hq_mul_mat_q8_1_<T>:      the tile product the target table picks (TileMma)
//   hq_mul_mat_q8_1_dot4_<T>: the portable integer-dot tile product, everywhere
// A thread block computes a kTileRows x kTileCols block of y (weight rows x
// activation rows) and walks the shared dimension kMatMulChunkParts 32-value
// parts at a time: the weight rows' parts are decoded into int8 (q - offset)
// with their scales and mins, the activation blocks copied as they are, both
// into shared memory; then the block's thread groups multiply 16 x 16 tiles
// of it with the tile primitive (kernels/common.hpp), one scale group (16 or
// 32 values) at a time, and fold each integer result into f32 sums:
//   y += (a_w * d_x) * sum(q_w' * q_x) - b_w * (d_x * sum(q_x)),
// the mat-vec's own formula (q_w' = q_w - offset, value = a_w * q_w' - b_w).
#include "common.hpp"
#include "formats.hpp"
#include "hipquant/quant/kernel_args.hpp"

namespace hipquant::kernels {

// Values sharing one weight scale and min: 16 for the K formats that scale
// each 16 values (their WeightPart halves differ), 32 otherwise.
template <QuantType T>
inline constexpr int kScaleGroup = (T == QuantType::Q2_K || T == QuantType::Q3_K || T == QuantType::Q6_K) ? 16 : 32;
// Formats with a min (value = a * q - b): the activation sums are needed.
template <QuantType T>
inline constexpr bool kHasMin = T == QuantType::Q4_1 || T == QuantType::Q5_1 || T == QuantType::Q2_K ||
                                T == QuantType::Q4_K || T == QuantType::Q5_K;

// q - offset in every byte, for bytes 0..127 and offsets 0..128: no borrow
// crosses a byte once bit 7 is set, and flipping it back subtracts 128.
__device__ __forceinline__ int subtract_offset(int q, int offset) {
    return ((q | static_cast<int>(0x80808080u)) - offset * 0x01010101) ^ static_cast<int>(0x80808080u);
}

// The shared-memory tiles of one chunk.
template <QuantType T, typename Mma>
struct MatMulTiles {
    static constexpr int kParts = static_cast<int>(quant::kMatMulChunkParts);
    static constexpr int kStride = kParts * 32 + 16;  // bytes per tile row; the 16 spread rows over banks
    static constexpr int kGroups = kParts * 32 / kScaleGroup<T>;  // scale groups per row per chunk
    static constexpr int kMinRows = kHasMin<T> ? Mma::kTileRows : 1;
    static constexpr int kMinCols = kHasMin<T> ? Mma::kTileCols : 1;

    Vec16 w_q[Mma::kTileRows * kStride / 16];  // int8 q - offset
    Vec16 x_q[Mma::kTileCols * kStride / 16];  // int8 activation quants
    float w_scale[Mma::kTileRows][kGroups];    // a
    float w_min[kMinRows][kGroups];            // b
    float x_d[Mma::kTileCols][kParts];         // d of each activation block
    float x_sum[kMinCols][kGroups];            // d * sum(q) per scale group

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

// Decodes parts [first, first + kParts) of the tile's weight rows into the
// shared tiles; parts past the row's end become zeros.
template <QuantType T, typename Mma>
__device__ __forceinline__ void stage_weights(MatMulTiles<T, Mma>& s, const std::uint8_t* __restrict__ w,
                                              const quant::MatVecArgs& args, std::uint64_t row0, std::uint32_t first) {
    using F = Format<T>;
    using Tiles = MatMulTiles<T, Mma>;
    constexpr int kPerPart = 32 / kScaleGroup<T>;
    for (int item = static_cast<int>(threadIdx.x); item < Mma::kTileRows * Tiles::kParts;
         item += static_cast<int>(quant::kMatMulThreads)) {
        const int m = item / Tiles::kParts, k = item % Tiles::kParts;
        const std::uint64_t row = min(row0 + static_cast<std::uint64_t>(m), args.rows - 1);
        const std::uint32_t p = first + static_cast<std::uint32_t>(k);
        int q[8] = {0, 0, 0, 0, 0, 0, 0, 0};
        float a[2] = {0.0f, 0.0f}, b[2] = {0.0f, 0.0f};
        if (p < args.parts_per_row) {
            const auto* blocks = reinterpret_cast<const typename F::Block*>(w + row * args.row_bytes);
            const WeightPart part = F::part(blocks[p / F::kParts], static_cast<int>(p % F::kParts));
#pragma unroll
            for (int i = 0; i < 8; ++i) q[i] = part.offset != 0 ? subtract_offset(part.q[i], part.offset) : part.q[i];
            a[0] = part.a[0], a[1] = part.a[1], b[0] = part.b[0], b[1] = part.b[1];
        }
        store_ints(s.w_bytes() + m * Tiles::kStride + 32 * k, q);
#pragma unroll
        for (int g = 0; g < kPerPart; ++g) {
            s.w_scale[m][k * kPerPart + g] = a[g];
            if constexpr (kHasMin<T>) s.w_min[m][k * kPerPart + g] = b[g];
        }
    }
}

// Copies the activation blocks of parts [first, first + kParts) of the
// tile's activation rows (rows past the batch repeat the last one, never
// stored; the rows' zero padding covers parts past the end).
template <QuantType T, typename Mma>
__device__ __forceinline__ void stage_activations(MatMulTiles<T, Mma>& s, const quant::BlockQ8_1* __restrict__ x,
                                                  const quant::MatVecArgs& args, std::uint64_t col0,
                                                  std::uint32_t first) {
    using Tiles = MatMulTiles<T, Mma>;
    constexpr int kPerPart = 32 / kScaleGroup<T>;
    for (int item = static_cast<int>(threadIdx.x); item < Mma::kTileCols * Tiles::kParts;
         item += static_cast<int>(quant::kMatMulThreads)) {
        const int n = item / Tiles::kParts, k = item % Tiles::kParts;
        const std::uint64_t xrow = min(col0 + static_cast<std::uint64_t>(n), static_cast<std::uint64_t>(args.batch) - 1);
        const int* blk = reinterpret_cast<const int*>(x + xrow * args.x_row_stride + first + k);  // 4-byte aligned
        int q[8];
#pragma unroll
        for (int i = 0; i < 8; ++i) q[i] = blk[1 + i];
        const float d = half_bits_to_float(static_cast<std::uint16_t>(blk[0] & 0xffff));
        store_ints(s.x_bytes() + n * Tiles::kStride + 32 * k, q);
        s.x_d[n][k] = d;
        if constexpr (kHasMin<T>) {
#pragma unroll
            for (int g = 0; g < kPerPart; ++g) {
                int sum = 0;
#pragma unroll
                for (int i = g * 8 / kPerPart; i < (g + 1) * 8 / kPerPart; ++i) sum = dp4a(0x01010101, q[i], sum);
                s.x_sum[n][k * kPerPart + g] = d * static_cast<float>(sum);
            }
        }
    }
}

template <QuantType T, typename Mma>
__device__ void mul_mat_q8_1(const std::uint8_t* __restrict__ w, const quant::BlockQ8_1* __restrict__ x,
                             float* __restrict__ y, quant::MatVecArgs args) {
    using Tiles = MatMulTiles<T, Mma>;
    constexpr int G = kScaleGroup<T>;
    constexpr int kTM = Mma::kGroupTilesM, kTN = Mma::kGroupTilesN;
    constexpr int kGroupsM = Mma::kTileRows / (16 * kTM);
    static_assert(kGroupsM * (Mma::kTileCols / (16 * kTN)) * Mma::kThreads == static_cast<int>(quant::kMatMulThreads),
                  "the thread groups cover the block's tile exactly");
    static_assert(sizeof(Tiles) <= static_cast<std::size_t>(kLdsBytes), "the tiles fit in shared memory");
    __shared__ Tiles s;

    const int lane = static_cast<int>(threadIdx.x) % Mma::kThreads;
    const int group = static_cast<int>(threadIdx.x) / Mma::kThreads;
    const int m_base = (group % kGroupsM) * 16 * kTM;  // the group's first row in the block's tile
    const int n_base = (group / kGroupsM) * 16 * kTN;

    const std::uint64_t tiles_m = (args.rows + Mma::kTileRows - 1) / Mma::kTileRows;
    const std::uint64_t tiles = tiles_m * ((args.batch + Mma::kTileCols - 1) / Mma::kTileCols);
    for (std::uint64_t tile = blockIdx.x; tile < tiles; tile += gridDim.x) {
        const std::uint64_t row0 = tile % tiles_m * Mma::kTileRows;
        const std::uint64_t col0 = tile / tiles_m * Mma::kTileCols;

        float acc[kTM][kTN][Mma::kAcc];
#pragma unroll
        for (int i = 0; i < kTM; ++i)
#pragma unroll
            for (int j = 0; j < kTN; ++j)
#pragma unroll
                for (int k = 0; k < Mma::kAcc; ++k) acc[i][j][k] = 0.0f;

        for (std::uint32_t first = 0; first < args.parts_per_row; first += Tiles::kParts) {
            stage_weights<T, Mma>(s, w, args, row0, first);
            stage_activations<T, Mma>(s, x, args, col0, first);
            __syncthreads();
#pragma unroll 1
            for (int g = 0; g < Tiles::kGroups; ++g) {
                typename Mma::template AFrag<G> a[kTM];
                typename Mma::template BFrag<G> b[kTN];
#pragma unroll
                for (int i = 0; i < kTM; ++i)
                    Mma::template load_a<G>(a[i], s.w_bytes() + (m_base + 16 * i) * Tiles::kStride + G * g,
                                            Tiles::kStride, lane);
#pragma unroll
                for (int j = 0; j < kTN; ++j)
                    Mma::template load_b<G>(b[j], s.x_bytes() + (n_base + 16 * j) * Tiles::kStride + G * g,
                                            Tiles::kStride, lane);
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
                            acc[i][j][k] += s.w_scale[m][g] * s.x_d[n][part] * static_cast<float>(c[k]);
                            if constexpr (kHasMin<T>) acc[i][j][k] -= s.w_min[m][g] * s.x_sum[n][g];
                        }
                    }
                }
            }
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
                    if (m < args.rows && n < args.batch) y[n * args.rows + m] = acc[i][j][k];
                }
            }
        }
    }
}

#define HQ_MMQ_KERNELS(NAME)                                                                                   \
    HQ_KERNEL __launch_bounds__(quant::kMatMulThreads) void hq_mul_mat_q8_1_##NAME(                            \
        const std::uint8_t* w, const quant::BlockQ8_1* x, float* y, quant::MatVecArgs args) {                  \
        mul_mat_q8_1<QuantType::NAME, TileMma>(w, x, y, args);                                                  \
    }                                                                                                          \
    HQ_KERNEL __launch_bounds__(quant::kMatMulThreads) void hq_mul_mat_q8_1_dot4_##NAME(                       \
        const std::uint8_t* w, const quant::BlockQ8_1* x, float* y, quant::MatVecArgs args) {                  \
        mul_mat_q8_1<QuantType::NAME, TileMmaDot4>(w, x, y, args);                                              \
    }
HQ_MATVEC_TYPES(HQ_MMQ_KERNELS)
#undef HQ_MMQ_KERNELS

}  // namespace hipquant::kernels
