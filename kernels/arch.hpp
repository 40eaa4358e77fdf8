// The per-target table: what each GPU family offers that kernels choose
// from, decided once here so no kernel tests an architecture. With
// runtime/platform.hpp the only place that knows AMD from NVIDIA. Macros
// of the kernels carry the kernel-internal prefix HQ_ (public macros:
// HIPQUANT_).
#pragma once
#if defined(HIPQUANT_PLATFORM_AMD)
#include <hip/hip_fp16.h>
#include <hip/hip_runtime.h>
#elif defined(HIPQUANT_PLATFORM_NVIDIA)
#include <cuda_fp16.h>
#include <cuda_runtime.h>
#else
#error "kernels/arch.hpp: define HIPQUANT_PLATFORM_AMD or HIPQUANT_PLATFORM_NVIDIA"
#endif

#include <cstdint>
#include <type_traits>

#include "hipquant/quant/blocks.hpp"
#include "hipquant/quant/half.hpp"

// Per device compile pass exactly one family macro is set (AMD: from clang's __gfxNNNN__ / __GFXn__ macros):
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
//   HQ_TILE_MMA         the mat-mat tile product (TileMma below):
//                       HQ_TILE_MMA_NV (int8 mma.sync), HQ_TILE_MMA_MFMA (CDNA1/2
//                       v_mfma_i32_16x16x16i8, CDNA3/4 v_mfma_i32_16x16x32_i8),
//                       HQ_TILE_MMA_WMMA (RDNA3/4 v_wmma_i32_16x16x16_iu8),
//                       HQ_TILE_MMA_DOT4
//   HQ_WAVE_SIZE        hardware lanes per wavefront (GCN/CDNA 64, RDNA in
//                       HIP's default wave32 mode and NVIDIA 32)
//   HQ_LDS_BYTES        shared memory one block may use without opting in
//   HQ_PAIRED_SCALES    1 where the mat-mat kernels keep each activation
//                       block's two scale factors side by side (NVIDIA), 0
//                       for two arrays (AMD; see mul_mat.hip)
//   HQ_BLOCK_SHARED_MAX shared memory one block may take with the opt-in
//                       (sm_90 227 KB, sm_80 163 KB; elsewhere HQ_LDS_BYTES:
//                       AMD has no opt-in)
//   HQ_WARP_REGISTERS   1 where warps of a block can trade registers
//                       (setmaxnreg: sm_90a, the arch-specific Hopper target)
//   HQ_ASYNC_COPY       1 where global memory can be copied to shared memory
//                       without passing through registers, the copy running
//                       on while the threads go on (NVIDIA sm_80+: cp.async;
//                       all NVIDIA targets the library builds), else 0. The
//                       host's platform::kAsyncSharedCopy says the same.
// Adding an architecture: docs/architecture.md has the checklist.
#define HQ_DOT4_LOOP 0
#define HQ_DOT4_SDOT4 1
#define HQ_DOT4_SUDOT4 2
#define HQ_DOT4_NV_DP4A 3
#define HQ_MATRIX_NONE 0
#define HQ_MATRIX_MFMA 1
#define HQ_MATRIX_WMMA 2
#define HQ_MATRIX_NV_MMA 3
#define HQ_TILE_MMA_DOT4 0
#define HQ_TILE_MMA_NV 1
#define HQ_TILE_MMA_MFMA 2
#define HQ_TILE_MMA_WMMA 3

#if defined(HIPQUANT_PLATFORM_NVIDIA)
#define HQ_ARCH_NVIDIA 1
#define HQ_ASYNC_COPY 1
#define HQ_PAIRED_SCALES 1
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

#if !defined(HQ_ASYNC_COPY)
#define HQ_ASYNC_COPY 0
#endif
#if !defined(HQ_PAIRED_SCALES)
#define HQ_PAIRED_SCALES 0
#endif

#if HQ_MATRIX_CORE == HQ_MATRIX_NV_MMA
#define HQ_TILE_MMA HQ_TILE_MMA_NV
#elif HQ_MATRIX_CORE == HQ_MATRIX_MFMA
#define HQ_TILE_MMA HQ_TILE_MMA_MFMA
#elif HQ_MATRIX_CORE == HQ_MATRIX_WMMA
#define HQ_TILE_MMA HQ_TILE_MMA_WMMA
#else
#define HQ_TILE_MMA HQ_TILE_MMA_DOT4
#endif

#if defined(HIPQUANT_PORTABLE_DP4A)
#undef HQ_DOT4
#define HQ_DOT4 HQ_DOT4_LOOP
#undef HQ_TILE_MMA
#define HQ_TILE_MMA HQ_TILE_MMA_DOT4
#endif

// Kernels are looked up by name in the loaded module: unmangled symbols.
#define HQ_KERNEL extern "C" __global__
#define HQ_CONCAT_(a, b) a##b
#define HQ_CONCAT(a, b) HQ_CONCAT_(a, b)

// The second __launch_bounds__ argument means resident blocks per SM to
// nvcc (a register cap) and waves per SIMD to clang on AMD (a tighter one
// for 64-lane blocks). HQ_MIN_BLOCKS(n) asks nvcc for n and AMD for nothing.
#if defined(HIPQUANT_PLATFORM_NVIDIA)
#define HQ_MIN_BLOCKS(n) (n)
#else
#define HQ_MIN_BLOCKS(n) 1
#endif

#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
#define HQ_BLOCK_SHARED_MAX (227 * 1024)
#elif defined(__CUDA_ARCH__)
#define HQ_BLOCK_SHARED_MAX (163 * 1024)
#else
#define HQ_BLOCK_SHARED_MAX HQ_LDS_BYTES
#endif

#if defined(HIPQUANT_PLATFORM_NVIDIA) && defined(__CUDA_ARCH_FEAT_SM90_ALL)
#define HQ_WARP_REGISTERS 1
#else
#define HQ_WARP_REGISTERS 0
#endif

namespace hipquant::kernels {

// The table's numbers for C++ code.
inline constexpr int kWaveSize = HQ_WAVE_SIZE;
inline constexpr int kLdsBytes = HQ_LDS_BYTES;
// Static shared memory a block may declare (beyond it, NVIDIA needs dynamic
// shared memory and an opt-in).
inline constexpr int kStaticSharedBytes = kLdsBytes < 48 * 1024 ? kLdsBytes : 48 * 1024;
inline constexpr bool kAsyncCopy = HQ_ASYNC_COPY != 0;
// Shared memory one block may take; the mat-mat kernels size their
// pipelines by it.
inline constexpr int kBlockSharedMax = HQ_BLOCK_SHARED_MAX;
inline constexpr bool kPairedScales = HQ_PAIRED_SCALES != 0;
inline constexpr bool kWarpRegisters = HQ_WARP_REGISTERS != 0;

}  // namespace hipquant::kernels
