// The logical 32-lane warp and its cross-lane reductions.
#pragma once

#include "arch.hpp"

namespace hipquant::kernels {

// The logical warp. AMD CDNA/GCN wavefronts have 64 lanes, RDNA and NVIDIA
// 32; every cross-lane operation names this width explicitly, so a 64-lane
// wavefront acts as two independent 32-lane warps and results do not depend
// on the hardware's width. Never use warpSize for indexing.
inline constexpr int kWarp = 32;
static_assert(kWaveSize % kWarp == 0, "a wavefront holds whole logical warps");

// Lane i gets lane (i ^ lane_mask)'s v, within the logical warp (int or
// float).
template <typename T>
__device__ __forceinline__ T shfl_xor(T v, int lane_mask) {
#if defined(HIPQUANT_PLATFORM_AMD)
    return __shfl_xor(v, lane_mask, kWarp);
#else
    return __shfl_xor_sync(0xffffffffu, v, lane_mask, kWarp);
#endif
}

// Butterfly reductions over each kLanes neighbouring lanes (a power of two
// up to the logical warp): every lane of a group gets its group's result.
// All 32 lanes of the logical warp must take part (no lane may have
// returned early).
template <int kLanes = kWarp, typename T>
__device__ __forceinline__ T warp_sum(T v) {
    static_assert(kLanes > 0 && kLanes <= kWarp && (kLanes & (kLanes - 1)) == 0, "groups of 2^k lanes");
#pragma unroll
    for (int mask = kLanes / 2; mask > 0; mask >>= 1) v += shfl_xor(v, mask);
    return v;
}

template <int kLanes = kWarp>
__device__ __forceinline__ float warp_max(float v) {
    static_assert(kLanes > 0 && kLanes <= kWarp && (kLanes & (kLanes - 1)) == 0, "groups of 2^k lanes");
#pragma unroll
    for (int mask = kLanes / 2; mask > 0; mask >>= 1) v = fmaxf(v, shfl_xor(v, mask));
    return v;
}

// Lane index within the logical warp.
__device__ __forceinline__ int warp_lane() { return static_cast<int>(threadIdx.x) % kWarp; }

}  // namespace hipquant::kernels
