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

// ---- The per-target table -------------------------------------------------
// What each GPU family offers that kernels choose from, decided once here so
// no kernel tests an architecture. Per device compile pass exactly one family
// macro is set (AMD: from clang's __gfxNNNN__ / __GFXn__ macros):
//   HQ_ARCH_GCN5        gfx906 (Vega 20)
//   HQ_ARCH_CDNA  1..4  gfx908, gfx90a, gfx940-942, gfx950 (the MFMA generation)
//   HQ_ARCH_RDNA2       gfx1030-1036
//   HQ_ARCH_RDNA3       gfx11xx (RDNA3 and 3.5)
//   HQ_ARCH_RDNA4       gfx12xx
//   HQ_ARCH_AMD_OTHER   any other gfx (portable code only)
//   HQ_ARCH_NVIDIA      any sm (also nvcc's host pass)
//   HQ_ARCH_HOST        the AMD host pass (no device code is generated)
// and from it:
//   HQ_DOT4             how dp4a() multiplies: HQ_DOT4_SDOT4 (v_dot4_i32_i8:
//                       GCN5, CDNA, RDNA2), HQ_DOT4_SUDOT4 (v_dot4_i32_iu8:
//                       RDNA3/4, which dropped v_dot4_i32_i8), HQ_DOT4_NV_DP4A,
//                       HQ_DOT4_LOOP (byte loop)
//   HQ_MATRIX_CORE      HQ_MATRIX_NONE, HQ_MATRIX_MFMA (generation = HQ_ARCH_CDNA),
//                       HQ_MATRIX_WMMA (its generation is the family: RDNA3
//                       or RDNA4), HQ_MATRIX_NV_MMA
//   HQ_WAVE_SIZE        hardware lanes per wavefront (GCN/CDNA 64, RDNA in
//                       HIP's default wave32 mode and NVIDIA 32)
//   HQ_LDS_BYTES        shared memory one block may use without opting in
// Adding an architecture: give it a family below (or a new row), then add it
// to HIPQUANT_AMD_KNOWN_TARGETS in cmake/HipquantAmdToolchain.cmake.
#define HQ_DOT4_LOOP 0
#define HQ_DOT4_SDOT4 1
#define HQ_DOT4_SUDOT4 2
#define HQ_DOT4_NV_DP4A 3
#define HQ_MATRIX_NONE 0
#define HQ_MATRIX_MFMA 1
#define HQ_MATRIX_WMMA 2
#define HQ_MATRIX_NV_MMA 3

#if defined(HIPQUANT_PLATFORM_NVIDIA)
#define HQ_ARCH_NVIDIA 1
#define HQ_DOT4 HQ_DOT4_NV_DP4A
#define HQ_MATRIX_CORE HQ_MATRIX_NV_MMA
#define HQ_WAVE_SIZE 32
#define HQ_LDS_BYTES (48 * 1024)
#elif !defined(__AMDGCN__)
#define HQ_ARCH_HOST 1
#define HQ_DOT4 HQ_DOT4_LOOP
#define HQ_MATRIX_CORE HQ_MATRIX_NONE
#define HQ_WAVE_SIZE 64
#define HQ_LDS_BYTES (64 * 1024)
#elif defined(__gfx906__)
#define HQ_ARCH_GCN5 1
#define HQ_DOT4 HQ_DOT4_SDOT4
#define HQ_MATRIX_CORE HQ_MATRIX_NONE
#define HQ_WAVE_SIZE 64
#define HQ_LDS_BYTES (64 * 1024)
#elif defined(__gfx908__) || defined(__gfx90a__) || defined(__gfx940__) || defined(__gfx941__) || \
    defined(__gfx942__) || defined(__gfx950__)
#if defined(__gfx908__)
#define HQ_ARCH_CDNA 1
#elif defined(__gfx90a__)
#define HQ_ARCH_CDNA 2
#elif defined(__gfx950__)
#define HQ_ARCH_CDNA 4
#else
#define HQ_ARCH_CDNA 3
#endif
#define HQ_DOT4 HQ_DOT4_SDOT4
#define HQ_MATRIX_CORE HQ_MATRIX_MFMA
#define HQ_WAVE_SIZE 64
#if HQ_ARCH_CDNA >= 4
#define HQ_LDS_BYTES (160 * 1024)
#else
#define HQ_LDS_BYTES (64 * 1024)
#endif
#elif defined(__gfx1030__) || defined(__gfx1031__) || defined(__gfx1032__) || defined(__gfx1033__) || \
    defined(__gfx1034__) || defined(__gfx1035__) || defined(__gfx1036__)
#define HQ_ARCH_RDNA2 1
#define HQ_DOT4 HQ_DOT4_SDOT4
#define HQ_MATRIX_CORE HQ_MATRIX_NONE
#define HQ_WAVE_SIZE 32
#define HQ_LDS_BYTES (64 * 1024)
#elif defined(__GFX11__)
#define HQ_ARCH_RDNA3 1
#define HQ_DOT4 HQ_DOT4_SUDOT4
#define HQ_MATRIX_CORE HQ_MATRIX_WMMA
#define HQ_WAVE_SIZE 32
#define HQ_LDS_BYTES (64 * 1024)
#elif defined(__GFX12__)
#define HQ_ARCH_RDNA4 1
#define HQ_DOT4 HQ_DOT4_SUDOT4
#define HQ_MATRIX_CORE HQ_MATRIX_WMMA
#define HQ_WAVE_SIZE 32
#define HQ_LDS_BYTES (64 * 1024)
#else
#define HQ_ARCH_AMD_OTHER 1
#define HQ_DOT4 HQ_DOT4_LOOP
#define HQ_MATRIX_CORE HQ_MATRIX_NONE
#if defined(__GFX9__) || defined(__GFX8__)
#define HQ_WAVE_SIZE 64
#else
#define HQ_WAVE_SIZE 32
#endif
#define HQ_LDS_BYTES (64 * 1024)
#endif

#if defined(HIPQUANT_PORTABLE_DP4A)
#undef HQ_DOT4
#define HQ_DOT4 HQ_DOT4_LOOP
#endif

// Kernels are looked up by name in the loaded module: unmangled symbols.
#define HQ_KERNEL extern "C" __global__

namespace hipquant::kernels {

// The logical warp. AMD CDNA/GCN wavefronts have 64 lanes, RDNA and NVIDIA
// 32; every cross-lane operation names this width explicitly, so a 64-lane
// wavefront acts as two independent 32-lane warps and results do not depend
// on the hardware's width. Never use warpSize for indexing.
inline constexpr int kWarp = 32;

// The table's numbers for C++ code (see the table above the namespace).
inline constexpr int kWaveSize = HQ_WAVE_SIZE;
inline constexpr int kLdsBytes = HQ_LDS_BYTES;
static_assert(kWaveSize % kWarp == 0, "a wavefront holds whole logical warps");

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

// 16 bytes moved as one load or store. On AMD a plain clang vector: clang 17
// and later keep arrays of HIP's int4 (a struct around a union) in scratch
// memory, arrays of this type in registers. NVIDIA keeps CUDA's int4.
#if defined(HIPQUANT_PLATFORM_AMD)
typedef int Vec16 __attribute__((ext_vector_type(4)));
#else
using Vec16 = int4;
#endif

// Lane index within the logical warp.
__device__ __forceinline__ int warp_lane() { return static_cast<int>(threadIdx.x) % kWarp; }

// The 4-way int8 dot product with accumulate: c + sum_i a.i8[i] * b.i8[i],
// done as the target table's HQ_DOT4 says (HIPQUANT_PORTABLE_DP4A forces the
// byte loop everywhere, to compare against).
__device__ __forceinline__ int dp4a(int a, int b, int c) {
#if HQ_DOT4 == HQ_DOT4_NV_DP4A
    return __dp4a(a, b, c);
#elif HQ_DOT4 == HQ_DOT4_SDOT4
    return __builtin_amdgcn_sdot4(a, b, c, false);
#elif HQ_DOT4 == HQ_DOT4_SUDOT4
    // v_dot4_i32_iu8 takes each operand's signedness as a flag: both signed.
    return __builtin_amdgcn_sudot4(true, a, true, b, c, false);
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
