// Device-side foundation shared by every kernel file: the vendor headers,
// half conversion, and cross-lane reductions over a logical 32-lane warp.
// With platform.hpp, the only place that knows AMD from NVIDIA.
#pragma once

#if defined(HIPQUANT_PLATFORM_AMD)
#include <hip/hip_runtime.h>
#elif defined(HIPQUANT_PLATFORM_NVIDIA)
#include <cuda_runtime.h>
#else
#error "kernels/common.hpp: define HIPQUANT_PLATFORM_AMD or HIPQUANT_PLATFORM_NVIDIA"
#endif

#include <cstdint>

#include "hipquant/quant/blocks.hpp"
#include "hipquant/quant/half.hpp"

// Kernels are looked up by name in the loaded module: unmangled symbols.
#define HQ_KERNEL extern "C" __global__

namespace hipquant::kernels {

// The logical warp. AMD CDNA/GCN wavefronts have 64 lanes, RDNA and NVIDIA
// 32; every cross-lane operation names this width explicitly, so a 64-lane
// wavefront acts as two independent 32-lane warps and results do not depend
// on the hardware's width. Never use warpSize for indexing.
inline constexpr int kWarp = 32;

__device__ __forceinline__ float shfl_xor(float v, int lane_mask) {
#if defined(HIPQUANT_PLATFORM_AMD)
    return __shfl_xor(v, lane_mask, kWarp);
#else
    return __shfl_xor_sync(0xffffffffu, v, lane_mask, kWarp);
#endif
}

__device__ __forceinline__ int shfl_xor(int v, int lane_mask) {
#if defined(HIPQUANT_PLATFORM_AMD)
    return __shfl_xor(v, lane_mask, kWarp);
#else
    return __shfl_xor_sync(0xffffffffu, v, lane_mask, kWarp);
#endif
}

// Butterfly reductions: every lane of the logical warp gets the result.
// All 32 lanes must take part (no lane may have returned early).
template <typename T>
__device__ __forceinline__ T warp_sum(T v) {
#pragma unroll
    for (int mask = kWarp / 2; mask > 0; mask >>= 1) v += shfl_xor(v, mask);
    return v;
}

__device__ __forceinline__ float warp_max(float v) {
#pragma unroll
    for (int mask = kWarp / 2; mask > 0; mask >>= 1) v = fmaxf(v, shfl_xor(v, mask));
    return v;
}

// Lane index within the logical warp.
__device__ __forceinline__ int warp_lane() { return static_cast<int>(threadIdx.x) % kWarp; }

}  // namespace hipquant::kernels
