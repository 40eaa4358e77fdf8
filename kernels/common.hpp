// Device-side foundation shared by every kernel file: the vendor headers,
// half conversion, and cross-lane reductions over a logical 32-lane warp.
// With platform.hpp, the only place that knows AMD from NVIDIA.
#pragma once

#if defined(HIPQUANT_PLATFORM_AMD)
#include <hip/hip_fp16.h>
#include <hip/hip_runtime.h>
#elif defined(HIPQUANT_PLATFORM_NVIDIA)
#include <cuda_fp16.h>
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

// The 4-way int8 dot product with accumulate: c + sum_i a.i8[i] * b.i8[i].
// One instruction where the target has it (NVIDIA dp4a; AMD v_dot4_i32_i8 on
// gfx906, CDNA and RDNA2), a portable byte loop elsewhere.
__device__ __forceinline__ int dp4a(int a, int b, int c) {
#if defined(HIPQUANT_PLATFORM_NVIDIA) && !defined(HIPQUANT_PORTABLE_DP4A)
    return __dp4a(a, b, c);
#elif defined(HIPQUANT_PLATFORM_AMD) && !defined(HIPQUANT_PORTABLE_DP4A) &&                              \
    (defined(__gfx906__) || defined(__gfx908__) || defined(__gfx90a__) || defined(__gfx940__) ||           \
     defined(__gfx1030__) || defined(__gfx1031__) || defined(__gfx1032__) || defined(__gfx1034__) ||         \
     defined(__gfx1035__) || defined(__gfx1036__))
    return __builtin_amdgcn_sdot4(a, b, c, false);
#else
    for (int i = 0; i < 32; i += 8)
        c += static_cast<int>(static_cast<signed char>(a >> i)) * static_cast<int>(static_cast<signed char>(b >> i));
    return c;
#endif
}

// f16 bits -> f32 with the hardware conversion (exact, like quant::fp16_to_fp32).
__device__ __forceinline__ float half_bits_to_float(std::uint16_t h) { return __half2float(__ushort_as_half(h)); }

// 32 bits from a 2-byte aligned address: blocks of odd sizes (18, 22, 34,
// 110, 210 bytes) keep their fields only 2-byte aligned.
__device__ __forceinline__ int load_int_a2(const std::uint8_t* p) {
    const auto* h = reinterpret_cast<const std::uint16_t*>(p);
    return static_cast<int>(static_cast<std::uint32_t>(h[0]) | (static_cast<std::uint32_t>(h[1]) << 16));
}
// 32 bits from a 4-byte aligned address.
__device__ __forceinline__ int load_int_a4(const std::uint8_t* p) { return *reinterpret_cast<const int*>(p); }

}  // namespace hipquant::kernels
