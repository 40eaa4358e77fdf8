// f32 -> Q8_1, one 32-value block per kQuantizeLanes neighbouring lanes:
// the quantization kernel's and the fused mat-vec's (mul_mat_vec.hip)
// shared step, so both write identical bytes.
#pragma once

#include "hipquant/quant/kernel_args.hpp"
#include "hipquant/quant/kernels.hpp"
#include "warp.hpp"

namespace hipquant::kernels {

// Lanes per 32-value block (the host launches by it), and values per lane.
inline constexpr int kQuantizeLanes = static_cast<int>(quant::kQuantizeQ8_1Lanes);
inline constexpr int kQuantizeValues = quant::kQK / kQuantizeLanes;
inline constexpr int kQuantizeWords = kQuantizeValues / 4;  // a lane's 16-byte loads, and 4-byte stores
static_assert(kQuantizeValues % 4 == 0, "a lane's values are whole 16-byte loads and 4-byte stores");
static_assert(quant::kRowPadding / quant::kQK % (kWarp / kQuantizeLanes) == 0,
              "a row's blocks fill whole logical warps (which then exit together)");

// Quantizes block `block` of an activation row (`cols` f32 values from
// `x`) into that row's Q8_1 blocks `y`: this lane's kQuantizeValues values
// of it. Every kQuantizeLanes neighbouring lanes take one block together
// (they reduce across each other). Values past `cols` (the padding) read as
// 0, so a padding block gets d = s = 0, qs = 0. Arithmetic matches
// reference::quantize_row_q8_1 step by step (same f32 division, reciprocal
// and round-half-away), so the bytes are identical. Loads are 16-byte
// vectors where the lane's values lie 16-byte aligned, else one at a time.
__device__ __forceinline__ void quantize_q8_1_block(const float* x, std::uint32_t cols, quant::BlockQ8_1* y,
                                                    std::uint32_t block) {
    const int lane = static_cast<int>(threadIdx.x) % kQuantizeLanes;
    const std::uint32_t col = block * quant::kQK + static_cast<std::uint32_t>(lane * kQuantizeValues);
    const float* from = x + col;

    float v[kQuantizeValues];
    if (col + kQuantizeValues <= cols && reinterpret_cast<std::uintptr_t>(from) % 16 == 0) {
#pragma unroll
        for (int h = 0; h < kQuantizeWords; ++h) {
            const float4 u = reinterpret_cast<const float4*>(from)[h];
            v[4 * h] = u.x;
            v[4 * h + 1] = u.y;
            v[4 * h + 2] = u.z;
            v[4 * h + 3] = u.w;
        }
    } else {
#pragma unroll
        for (int e = 0; e < kQuantizeValues; ++e) v[e] = col + e < cols ? from[e] : 0.0f;
    }
    float amax = 0.0f;
#pragma unroll
    for (int e = 0; e < kQuantizeValues; ++e) amax = fmaxf(amax, fabsf(v[e]));
    amax = warp_max<kQuantizeLanes>(amax);
    const float d = amax / 127.0f;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    int sum = 0;
    std::uint32_t words[kQuantizeWords] = {};
#pragma unroll
    for (int e = 0; e < kQuantizeValues; ++e) {
        const float scaled = v[e] * id;
        const int q = isfinite(scaled) ? static_cast<int>(roundf(scaled)) : 0;
        sum += q;
        words[e / 4] |= (static_cast<std::uint32_t>(q) & 0xffu) << (8 * (e % 4));
    }
    sum = warp_sum<kQuantizeLanes>(sum);

    // A block is 36 bytes, 4-byte aligned: d and s, then the quants.
    auto* out = reinterpret_cast<std::uint32_t*>(y + block);
#pragma unroll
    for (int h = 0; h < kQuantizeWords; ++h) out[1 + kQuantizeWords * lane + h] = words[h];
    if (lane == 0) {
        const std::uint32_t s = quant::fp32_to_fp16(static_cast<float>(sum) * d);
        out[0] = quant::fp32_to_fp16(d) | s << 16;
    }
}

}  // namespace hipquant::kernels
