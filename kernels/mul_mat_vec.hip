// Mat-vec kernels for batch 1..8: y[b][r] = sum_c W[r][c] * x[b][c].
//   hq_mul_mat_vec_q8_1_<T>_b<B>: x quantized to Q8_1, integer dot products
//   hq_mul_mat_vec_f32_<T>:       x in f32, weights decoded in registers
// One logical 32-lane warp per weight row walks the row's 32-value parts
// (lane i takes parts i, i+32, ...), so a warp reads contiguous blocks; the
// lanes' partial sums meet in a butterfly reduction.
#include "common.hpp"
#include "formats.hpp"
#include "hipquant/quant/kernel_args.hpp"

namespace hipquant::kernels {

// sum_j value_j * (d8 * y_j) over the 32 values of a part and one Q8_1
// block, all integer sums exact: d8 * sum_h (a_h * (S_qy - off*S_y) - b_h * S_y).
template <bool kUsesSumY>
__device__ __forceinline__ float dot_part_q8_1(const WeightPart& w, const quant::BlockQ8_1& y) {
    const int* u = reinterpret_cast<const int*>(y.qs);
    float sum = 0.0f;
#pragma unroll
    for (int h = 0; h < 2; ++h) {
        int sqy = 0, sy = 0;
#pragma unroll
        for (int k = 4 * h; k < 4 * h + 4; ++k) {
            const int yk = u[k];
            sqy = dp4a(w.q[k], yk, sqy);
            if (kUsesSumY) sy = dp4a(0x01010101, yk, sy);
        }
        if (kUsesSumY)
            sum += w.a[h] * static_cast<float>(sqy - w.offset * sy) - w.b[h] * static_cast<float>(sy);
        else
            sum += w.a[h] * static_cast<float>(sqy);
    }
    return sum * half_bits_to_float(y.d);
}

// Formats whose parts never have an offset or a min skip the sum of y.
template <QuantType T>
inline constexpr bool kUsesSumY = T != QuantType::Q8_0;

template <QuantType T, int B>
__device__ void mul_mat_vec_q8_1(const std::uint8_t* __restrict__ w, const quant::BlockQ8_1* __restrict__ x,
                                 float* __restrict__ y, quant::MatVecArgs args) {
    using F = Format<T>;
    const std::uint64_t row = static_cast<std::uint64_t>(blockIdx.x) * quant::kMatVecRowsPerBlock + threadIdx.x / kWarp;
    if (row >= args.rows) return;  // whole logical warps leave together
    const int lane = warp_lane();
    const auto* blocks = reinterpret_cast<const typename F::Block*>(w + row * args.row_bytes);

    float acc[B];
#pragma unroll
    for (int b = 0; b < B; ++b) acc[b] = 0.0f;
    // Two parts in flight per lane: their loads are independent, so the
    // second is issued before the first one's data arrives.
#pragma unroll 2
    for (std::uint32_t i = static_cast<std::uint32_t>(lane); i < args.parts_per_row; i += kWarp) {
        const WeightPart part = F::part(blocks[i / F::kParts], static_cast<int>(i % F::kParts));
#pragma unroll
        for (int b = 0; b < B; ++b) acc[b] += dot_part_q8_1<kUsesSumY<T>>(part, x[b * args.x_row_stride + i]);
    }
#pragma unroll
    for (int b = 0; b < B; ++b) {
        const float s = warp_sum(acc[b]);
        if (lane == 0) y[b * args.rows + row] = s;
    }
}

// f32 activations: each part's 32 values are rebuilt as floats exactly as
// the dequantize kernels produce them, then multiplied by x.
template <QuantType T>
__device__ void mul_mat_vec_f32(const std::uint8_t* __restrict__ w, const float* __restrict__ x,
                                float* __restrict__ y, quant::MatVecArgs args) {
    using F = Format<T>;
    const std::uint64_t row = static_cast<std::uint64_t>(blockIdx.x) * quant::kMatVecRowsPerBlock + threadIdx.x / kWarp;
    if (row >= args.rows) return;
    const int lane = warp_lane();
    const auto* blocks = reinterpret_cast<const typename F::Block*>(w + row * args.row_bytes);

    float acc[quant::kMaxMatVecBatch];
#pragma unroll
    for (int b = 0; b < static_cast<int>(quant::kMaxMatVecBatch); ++b) acc[b] = 0.0f;
    for (std::uint32_t i = static_cast<std::uint32_t>(lane); i < args.parts_per_row; i += kWarp) {
        const WeightPart part = F::part(blocks[i / F::kParts], static_cast<int>(i % F::kParts));
        float v[32];
#pragma unroll
        for (int j = 0; j < 32; ++j) {
            const int q = static_cast<int>(static_cast<signed char>(part.q[j / 4] >> (8 * (j % 4))));
            v[j] = part.a[j / 16] * static_cast<float>(q - part.offset) - part.b[j / 16];
        }
#pragma unroll
        for (int b = 0; b < static_cast<int>(quant::kMaxMatVecBatch); ++b) {
            if (b >= static_cast<int>(args.batch)) break;
            const float4* xb = reinterpret_cast<const float4*>(x + b * args.x_row_stride + i * 32u);
            float s = 0.0f;
#pragma unroll
            for (int k = 0; k < 8; ++k) {
                const float4 xv = xb[k];
                s += v[4 * k] * xv.x + v[4 * k + 1] * xv.y + v[4 * k + 2] * xv.z + v[4 * k + 3] * xv.w;
            }
            acc[b] += s;
        }
    }
    for (int b = 0; b < static_cast<int>(args.batch); ++b) {
        const float s = warp_sum(acc[b]);
        if (lane == 0) y[b * args.rows + row] = s;
    }
}

#define HQ_MMV_LAUNCH_BOUNDS __launch_bounds__(quant::kMatVecRowsPerBlock * kWarp)

#define HQ_MMVQ_KERNEL(NAME, B)                                                                              \
    HQ_KERNEL HQ_MMV_LAUNCH_BOUNDS void hq_mul_mat_vec_q8_1_##NAME##_b##B(                                   \
        const std::uint8_t* w, const quant::BlockQ8_1* x, float* y, quant::MatVecArgs args) {                \
        mul_mat_vec_q8_1<QuantType::NAME, B>(w, x, y, args);                                                  \
    }
#define HQ_MATVEC_KERNELS(NAME)                                                                              \
    HQ_MMVQ_KERNEL(NAME, 1)                                                                                  \
    HQ_MMVQ_KERNEL(NAME, 2)                                                                                  \
    HQ_MMVQ_KERNEL(NAME, 3)                                                                                  \
    HQ_MMVQ_KERNEL(NAME, 4)                                                                                  \
    HQ_MMVQ_KERNEL(NAME, 5)                                                                                  \
    HQ_MMVQ_KERNEL(NAME, 6)                                                                                  \
    HQ_MMVQ_KERNEL(NAME, 7)                                                                                  \
    HQ_MMVQ_KERNEL(NAME, 8)                                                                                  \
    HQ_KERNEL HQ_MMV_LAUNCH_BOUNDS void hq_mul_mat_vec_f32_##NAME(const std::uint8_t* w, const float* x,     \
                                                                   float* y, quant::MatVecArgs args) {      \
        mul_mat_vec_f32<QuantType::NAME>(w, x, y, args);                                                      \
    }
HQ_MATVEC_TYPES(HQ_MATVEC_KERNELS)
#undef HQ_MATVEC_KERNELS
#undef HQ_MMVQ_KERNEL

}  // namespace hipquant::kernels
