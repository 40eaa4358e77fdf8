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
#include <type_traits>

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
//   HQ_ASYNC_COPY       1 where global memory can be copied to shared memory
//                       without passing through registers, the copy running
//                       on while the threads go on (NVIDIA sm_80+: cp.async;
//                       all NVIDIA targets the library builds), else 0. The
//                       host's platform::kAsyncSharedCopy says the same.
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

// The second __launch_bounds__ argument means resident blocks per SM to
// nvcc (a register cap) and waves per SIMD to clang on AMD (a tighter one
// for 64-lane blocks). HQ_MIN_BLOCKS(n) asks nvcc for n and AMD for nothing.
#if defined(HIPQUANT_PLATFORM_NVIDIA)
#define HQ_MIN_BLOCKS(n) (n)
#else
#define HQ_MIN_BLOCKS(n) 1
#endif

// How many 16-value scale groups (Q6_K's) the mat-mat kernels multiply per
// loop step: 2 on NVIDIA (H100, batch 512: Q6_K 515 -> 482 us with the
// 128 x 128 tiles; with 128 x 64 tiles and one set it spilled), 1 on AMD
// (clang 21 put the unrolled kernels in scratch).
#if defined(HIPQUANT_PLATFORM_NVIDIA)
#define HQ_MATMUL_UNROLL_16 2
#else
#define HQ_MATMUL_UNROLL_16 1
#endif

// Shared memory one block may take with the opt-in (HQ_BLOCK_SHARED_MAX:
// sm_90's 227 KB, sm_80's 163 KB; elsewhere HQ_LDS_BYTES, AMD having no
// opt-in), and the sets of decoded tiles the wide NVIDIA mat-mat tiling
// alternates between: 2 where a block may take 227 KB, else 1 (mul_mat.hip).
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
#define HQ_MATMUL_TILE_SETS 2
#define HQ_BLOCK_SHARED_MAX (227 * 1024)
#elif defined(__CUDA_ARCH__)
#define HQ_MATMUL_TILE_SETS 1
#define HQ_BLOCK_SHARED_MAX (163 * 1024)
#else
#define HQ_MATMUL_TILE_SETS 1
#define HQ_BLOCK_SHARED_MAX HQ_LDS_BYTES
#endif

// Producer threads of the wide NVIDIA mat-mat tiling (TileMmaNv::Wide): 4
// warps that copy and decode beside the 8 that multiply, where the warps
// can trade registers (setmaxnreg: sm_90a, the arch-specific Hopper
// target); else none, the 8 warps doing both in turn.
#if defined(__CUDA_ARCH_FEAT_SM90_ALL)
#define HQ_MATMUL_PRODUCERS 128
#else
#define HQ_MATMUL_PRODUCERS 0
#endif

namespace hipquant::kernels {

// The logical warp. AMD CDNA/GCN wavefronts have 64 lanes, RDNA and NVIDIA
// 32; every cross-lane operation names this width explicitly, so a 64-lane
// wavefront acts as two independent 32-lane warps and results do not depend
// on the hardware's width. Never use warpSize for indexing.
inline constexpr int kWarp = 32;

// The table's numbers for C++ code (see the table above the namespace).
inline constexpr int kWaveSize = HQ_WAVE_SIZE;
inline constexpr int kLdsBytes = HQ_LDS_BYTES;
// Static shared memory a block may declare (beyond it, NVIDIA needs dynamic
// shared memory and an opt-in).
inline constexpr int kStaticSharedBytes = kLdsBytes < 48 * 1024 ? kLdsBytes : 48 * 1024;
inline constexpr bool kAsyncCopy = HQ_ASYNC_COPY != 0;
// Shared memory one block may take (HQ_BLOCK_SHARED_MAX); the mat-mat
// kernels size their pipelines by it.
inline constexpr int kBlockSharedMax = HQ_BLOCK_SHARED_MAX;
inline constexpr bool kPairedScales = HQ_PAIRED_SCALES != 0;
inline constexpr int kMatMulUnroll16 = HQ_MATMUL_UNROLL_16;
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

// The 32 bits of hi:lo (lo the low word) from bit `shift` (0..31) on: one
// SHF on NVIDIA, one v_alignbit_b32 on AMD. funnel_shift_right(x, x, n)
// rotates x right by n.
__device__ __forceinline__ std::uint32_t funnel_shift_right(std::uint32_t lo, std::uint32_t hi, unsigned shift) {
#if defined(HIPQUANT_PLATFORM_NVIDIA)
    return __funnelshift_r(lo, hi, shift);
#elif defined(__AMDGCN__)
    return __builtin_amdgcn_alignbit(hi, lo, shift);
#else
    return static_cast<std::uint32_t>(((static_cast<std::uint64_t>(hi) << 32) | lo) >> shift);
#endif
}

// Programmatic dependent launch (LaunchConfig::overlapping_previous, NVIDIA
// sm_90+): a kernel launched that way may start while the kernel before it
// is finishing. wait_for_previous_kernel() returns once that kernel is done
// and its writes are visible: call it before touching memory it may write.
// allow_next_kernel() lets the kernel after this one start launching once
// every block of this one has called it or exited. Both do nothing
// elsewhere, and for a kernel launched the ordinary way.
__device__ __forceinline__ void wait_for_previous_kernel() {
#if defined(HIPQUANT_PLATFORM_NVIDIA) && defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
    asm volatile("griddepcontrol.wait;" ::: "memory");
#endif
}
__device__ __forceinline__ void allow_next_kernel() {
#if defined(HIPQUANT_PLATFORM_NVIDIA) && defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
    asm volatile("griddepcontrol.launch_dependents;" ::: "memory");
#endif
}

// Asynchronous copies into shared memory (HQ_ASYNC_COPY): copy_async_16
// starts a copy of 16 bytes (both addresses 16-byte aligned); a thread's
// copies started since its last commit_async_copies form one group, and
// wait_async_copies<N>() returns once all but its N newest groups have
// landed. They are then visible to the thread itself: a barrier after the
// wait makes every thread's copies visible to the block. Nothing where
// HQ_ASYNC_COPY is 0 (kernels take another path there).
// shared_address gives the 32-bit shared-memory address the copies take.
// With `copy` false nothing is read and the 16 bytes are zeroed (no branch).
__device__ __forceinline__ unsigned shared_address(const void* p) {
#if HQ_ASYNC_COPY && defined(__CUDA_ARCH__)
    return static_cast<unsigned>(__cvta_generic_to_shared(p));
#else
    return static_cast<unsigned>(reinterpret_cast<std::uintptr_t>(p));
#endif
}
__device__ __forceinline__ void copy_async_16(unsigned shared_dst, const void* global_src, bool copy = true) {
#if HQ_ASYNC_COPY && defined(__CUDA_ARCH__)
    asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;" ::"r"(shared_dst), "l"(global_src),
                 "r"(copy ? 16 : 0)
                 : "memory");
#else
    (void)shared_dst;
    (void)global_src;
    (void)copy;
#endif
}
__device__ __forceinline__ void commit_async_copies() {
#if HQ_ASYNC_COPY && defined(__CUDA_ARCH__)
    asm volatile("cp.async.commit_group;" ::: "memory");
#endif
}
template <int N>
__device__ __forceinline__ void wait_async_copies() {
#if HQ_ASYNC_COPY && defined(__CUDA_ARCH__)
    asm volatile("cp.async.wait_group %0;" ::"n"(N) : "memory");
#endif
}

// Named barriers (NVIDIA; the warp-specialized mat-mat): barrier `id`
// (1..15; 0 is __syncthreads's) completes once kThreads threads, whole
// warps, have reached it; barrier_sync waits for that, barrier_arrive goes
// on. Both make the thread's earlier shared-memory writes visible to the
// threads that wait for the barrier. Elsewhere using them fails to compile.
template <int kThreads, bool kWait>
__device__ __forceinline__ void named_barrier(int id) {
    static_assert(kThreads % kWarp == 0, "whole warps");
#if defined(HIPQUANT_PLATFORM_NVIDIA)
#if defined(__CUDA_ARCH__)
    if constexpr (kWait)
        asm volatile("bar.sync %0, %1;" ::"r"(id), "n"(kThreads) : "memory");
    else
        asm volatile("bar.arrive %0, %1;" ::"r"(id), "n"(kThreads) : "memory");
#else
    (void)id;
#endif
#else
    static_assert(kThreads < 0, "named barriers are NVIDIA's");
#endif
}
template <int kThreads>
__device__ __forceinline__ void barrier_sync(int id) {
    named_barrier<kThreads, true>(id);
}
template <int kThreads>
__device__ __forceinline__ void barrier_arrive(int id) {
    named_barrier<kThreads, false>(id);
}

// Lowers (kDecrease) or raises the registers of the calling warp to
// kRegs a thread (sm_90a's setmaxnreg; a multiple of 8 in 24..256), so
// that warps doing different work in a block hold what each needs: the
// block starts with the even share, those that lower free registers for
// those that raise, which wait until enough are free. Nothing where the
// instruction is missing.
template <int kRegs, bool kDecrease>
__device__ __forceinline__ void set_warp_registers() {
    static_assert(kRegs % 8 == 0 && kRegs >= 24 && kRegs <= 256, "setmaxnreg's range");
#if defined(HIPQUANT_PLATFORM_NVIDIA) && defined(__CUDA_ARCH_FEAT_SM90_ALL)
    if constexpr (kDecrease)
        asm volatile("setmaxnreg.dec.sync.aligned.u32 %0;" ::"n"(kRegs));
    else
        asm volatile("setmaxnreg.inc.sync.aligned.u32 %0;" ::"n"(kRegs));
#endif
}

// Stops the kernel (an error the host reports) when its launch gave it
// fewer than `bytes` of dynamic shared memory: a host that sized it wrong
// fails loudly instead of letting copies run past it. NVIDIA only (AMD
// kernels take no dynamic shared memory).
__device__ __forceinline__ void require_dynamic_shared(int bytes) {
#if defined(HIPQUANT_PLATFORM_NVIDIA) && defined(__CUDA_ARCH__)
    unsigned have;
    asm("mov.u32 %0, %%dynamic_smem_size;" : "=r"(have));
    if (have < static_cast<unsigned>(bytes)) __trap();
#else
    (void)bytes;
#endif
}

// Small ints as floats without the conversion instruction (a quarter of the
// float rate on NVIDIA): kBiasedZero is the bits of kBias = 1.5 * 2^23, whose
// float spacing is 1, so kBiasedZero + c, for |c| < 2^22, is the bits of the
// float kBias + c exactly. The tile products below start their sums there.
inline constexpr int kBiasedZero = 0x4B400000;
inline constexpr float kBias = 12582912.0f;

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

// ---- The tile product -----------------------------------------------------
// The inner step of the mat-mat kernels: C (16 x 16, int32) = A (16 x K) *
// B (16 x K)^T over K = 16 or 32 int8 values, returned biased: each sum
// starts at kBiasedZero, so result c comes back as the bits of the float
// kBias + c (exact: |c| <= 32 * 128 * 127 < 2^22) and the caller converts it
// with the float math it does anyway. A and B are in shared memory,
// row-major: row r's K bytes start at base + r * stride (stride a multiple of
// 16 bytes, K-slices 16-byte aligned). One implementation per platform; the
// table's HQ_TILE_MMA picks the one the mat-mat kernels use by default, and
// TileMmaDot4 is compiled everywhere (the portable path, kept testable):
//   TileMmaNv    NVIDIA sm_80+: mma.sync m16n8k32 / m16n8k16 on s8
//   TileMmaMfma  AMD CDNA: v_mfma_i32_16x16x16i8 (CDNA1/2: gfx908, gfx90a),
//                v_mfma_i32_16x16x32_i8 (CDNA3/4: gfx942, gfx950)
//   TileMmaWmma  AMD RDNA3/4 (gfx11, gfx12): v_wmma_i32_16x16x16_iu8
//   TileMmaDot4  any GPU: dp4a() over a logical 32-lane warp
// kThreads consecutive threads (a warp, or a 64-lane wavefront for MFMA)
// compute a tile together; `lane` is threadIdx.x % kThreads. Each holds kAcc
// of the 256 results, result i being C[row(lane, i)][col(lane, i)]. AFrag /
// BFrag are the operands in registers, loaded once and reused across tiles.
//
// Each implementation also names its mat-mat tilings, the per-platform
// parameters (MatMulTiling): a thread block of kThreads threads computes a
// kTileRows x kTileCols block of outputs (weight rows x activation rows)
// kParts 32-value parts of the shared dimension at a time, each group of
// Mma::kThreads threads kGroupTilesM x kGroupTilesN tiles of 16 x 16; the
// persistent grid holds kBlocksPerCu blocks per CU, and where the copies are
// asynchronous (HQ_ASYNC_COPY) the block decodes into kSets sets of tiles
// in turn (2: chunk c + 1 is decoded while chunk c is multiplied). The host
// launches each kernel by the geometry it publishes (mul_mat.hip). The host
// picks Narrow (quant::kMatMulNarrowCols columns) for batches that fill one
// narrow column of tiles, Mid (kMatMulMidCols) for those that fill one mid
// column, Wide (Mid's columns, or twice as many) above: kernel_args.hpp.
// (H100, 4096 x 14336: batch 16 narrow 58.7 us, 128 x 64 60.5; at batch 512
// 128 x 64 469 and narrow 760.)
template <int TileRows, int TileCols, int Parts, int GroupTilesM, int GroupTilesN, int Threads = 256,
          int BlocksPerCu = 2, int Sets = 1, int ScaleRows = 1, typename MinProductT = void,
          int Unroll16 = kMatMulUnroll16, int Unroll32 = 1, int Unroll32Min = Unroll32, int ProducerThreads = 0>
struct MatMulTiling {
    static constexpr int kTileRows = TileRows, kTileCols = TileCols, kParts = Parts;
    static constexpr int kGroupTilesM = GroupTilesM, kGroupTilesN = GroupTilesN;
    static constexpr int kThreads = Threads, kBlocksPerCu = BlocksPerCu, kSets = Sets;
    // With kProducerThreads > 0 (two sets, NVIDIA), that many more threads
    // copy and decode the chunks while the kThreads only multiply
    // (mul_mat.hip); else the kThreads do both. kStagers do the staging, the
    // block has kBlockThreads.
    static constexpr int kProducerThreads = ProducerThreads;
    static constexpr int kStagers = ProducerThreads > 0 ? ProducerThreads : Threads;
    static constexpr int kBlockThreads = Threads + ProducerThreads;
    using WithoutProducers = MatMulTiling<TileRows, TileCols, Parts, GroupTilesM, GroupTilesN, Threads, BlocksPerCu,
                                          Sets, ScaleRows, MinProductT, Unroll16, Unroll32, Unroll32Min, 0>;
    // Layout and product choices of the tile product's platform (mul_mat.hip):
    // weight scales of rows m, m + 8, ... read kScaleRows at a time (NVIDIA's
    // fragment layout); the min terms as a floating-point tile product
    // (MinProduct, e.g. MinMmaTf32; void: one multiply-add per output and
    // min group instead).
    static constexpr int kScaleRows = ScaleRows;
    using MinProduct = MinProductT;
    static constexpr bool kMinProduct = !std::is_void_v<MinProductT>;
    // Scale groups per step of the group loop (mul_mat.hip): 16-value
    // groups, 32-value groups, and 32-value groups of formats with mins
    // (their min product holds more registers).
    static constexpr int kUnroll16 = Unroll16, kUnroll32 = Unroll32, kUnroll32Min = Unroll32Min;
};

__device__ __forceinline__ int lds_int(const std::int8_t* p) { return *reinterpret_cast<const int*>(p); }

struct TileMmaDot4 {
    static constexpr int kThreads = kWarp;
    static constexpr int kAcc = 8;
    // 64 rows: with 128, clang 17 and 21 took all 256 VGPRs of gfx90a and
    // gfx1100 and spilled to scratch.
    using Wide = MatMulTiling<64, 64, 4, 1, 2>;
    using Mid = Wide;
    using Narrow = MatMulTiling<64, 32, 8, 1, 1>;

    // Thread `lane` owns row lane % 16 and the eight columns 8 * (lane / 16) + i.
    template <int K>
    struct AFrag {
        int v[K / 4];
    };
    template <int K>
    struct BFrag {
        const std::int8_t* base;  // the thread reads its columns as it multiplies
        int stride;
    };
    template <int K>
    __device__ __forceinline__ static void load_a(AFrag<K>& a, const std::int8_t* base, int stride, int lane) {
        const std::int8_t* row = base + (lane % 16) * stride;
#pragma unroll
        for (int k = 0; k < K / 4; ++k) a.v[k] = lds_int(row + 4 * k);
    }
    template <int K>
    __device__ __forceinline__ static void load_b(BFrag<K>& b, const std::int8_t* base, int stride, int lane) {
        b.base = base + 8 * (lane / 16) * stride;
        b.stride = stride;
    }
    template <int K>
    __device__ __forceinline__ static void mma(int (&c)[kAcc], const AFrag<K>& a, const BFrag<K>& b) {
#pragma unroll
        for (int i = 0; i < kAcc; ++i) {
            const std::int8_t* col = b.base + i * b.stride;
            int s = kBiasedZero;
#pragma unroll
            for (int k = 0; k < K / 4; ++k) s = dp4a(a.v[k], lds_int(col + 4 * k), s);
            c[i] = s;
        }
    }
    __device__ __forceinline__ static int row(int lane, int) { return lane % 16; }
    __device__ __forceinline__ static int col(int lane, int i) { return 8 * (lane / 16) + i; }
};

#if HQ_MATRIX_CORE == HQ_MATRIX_NV_MMA
__device__ __forceinline__ void ldmatrix_x4(int (&v)[4], const std::int8_t* p) {
    const auto addr = static_cast<unsigned>(__cvta_generic_to_shared(p));
    asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0, %1, %2, %3}, [%4];"
                 : "=r"(v[0]), "=r"(v[1]), "=r"(v[2]), "=r"(v[3])
                 : "r"(addr));
}
__device__ __forceinline__ void ldmatrix_x2(int (&v)[2], const std::int8_t* p) {
    const auto addr = static_cast<unsigned>(__cvta_generic_to_shared(p));
    asm volatile("ldmatrix.sync.aligned.m8n8.x2.shared.b16 {%0, %1}, [%2];" : "=r"(v[0]), "=r"(v[1]) : "r"(addr));
}

// D = A B + D on TF32 for 16 x 8 results, K = 8: mma.sync m16n8k8, f32
// accumulation. With g = lane / 4 and t = lane % 4, PTX's fragment layouts:
// A holds (row g, k t), (g + 8, t), (g, t + 4), (g + 8, t + 4); B (k t, column
// g), (t + 4, g); D rows g, g, g + 8, g + 8 and columns 2t, 2t + 1, the
// layout of TileMmaNv's results.
struct MinMmaTf32 {
    // x rounded to TF32 (10 mantissa bits, to nearest, ties away), which
    // the product reads exactly.
    __device__ __forceinline__ static float round(float x) {
        unsigned r;
        asm("cvt.rna.tf32.f32 %0, %1;" : "=r"(r) : "f"(x));
        return __uint_as_float(r);
    }
    __device__ __forceinline__ static void mma(float& d0, float& d1, float& d2, float& d3, const float (&a)[4],
                                               const float (&b)[2]) {
        asm("mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 {%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, "
            "{%0, %1, %2, %3};"
            : "+f"(d0), "+f"(d1), "+f"(d2), "+f"(d3)
            : "r"(__float_as_uint(a[0])), "r"(__float_as_uint(a[1])), "r"(__float_as_uint(a[2])),
              "r"(__float_as_uint(a[3])), "r"(__float_as_uint(b[0])), "r"(__float_as_uint(b[1])));
    }
};

// Two m16n8 products side by side. With g = lane / 4 and t = lane % 4, PTX's
// fragment layouts for s8 operands: A holds rows g and g + 8, bytes 4t..4t+3
// of each 16-byte K half; B holds column g (one per n8 product), the same
// bytes; C holds rows g, g + 8 and columns 2t, 2t + 1.
struct TileMmaNv {
    static constexpr int kThreads = kWarp;
    static constexpr int kAcc = 8;
    // Wide: 8 warps of 64 x 32 outputs each, one block per SM (up to 255
    // registers a thread), two sets of tiles where the SM's shared memory
    // holds them (HQ_MATMUL_TILE_SETS). Against 16 warps of 32 x 32 (128
    // registers) on the H100 at batch 512: 2-14 % faster (bench/NOTES.md):
    // fewer fragment and scale loads per product, and the registers to
    // unroll a chunk's 32-value groups (all 4; 2 for the formats with mins
    // and on sm_80, whose kernels spilled with 4; Q6_K's 16-value groups 4
    // at a time) and to read a thread's weight scales 4 rows at a time
    // (kScaleRows; sm_90 only, beside the two sets). Every tiling adds the
    // min terms with the TF32 product (Q2_K 12 % faster at batch 512, Q4_1
    // and Q5_1 2 %). On sm_90a (HQ_MATMUL_PRODUCERS) 4 more warps copy and
    // decode while the 8 multiply, unrolling 2 groups in the registers
    // setmaxnreg gives them (mul_mat.hip; H100, batch 512: Q4_0 310 -> 295
    // us, Q8_0 328 -> 284, Q4_K 392 -> 339, Q6_K 457 -> 423).
    using Wide = MatMulTiling<128, 128, 4, 4, 2, 256, 1, HQ_MATMUL_TILE_SETS, HQ_MATMUL_TILE_SETS == 2 ? 4 : 1,
                              MinMmaTf32, 4, (HQ_MATMUL_PRODUCERS > 0 ? 2 : HQ_MATMUL_TILE_SETS == 2 ? 4 : 2), 2,
                              HQ_MATMUL_TILE_SETS == 2 ? HQ_MATMUL_PRODUCERS : 0>;
    using Mid = MatMulTiling<128, 64, 4, 2, 2, 256, 2, 1, 1, MinMmaTf32>;
    using Narrow = MatMulTiling<64, 32, 8, 1, 1, 256, 2, 1, 1, MinMmaTf32>;

    template <int K>
    struct AFrag {
        int v[K / 8];
    };
    template <int K>
    struct BFrag {
        int v[K / 8];  // [n8 product][K half]
    };
    // The fragments come from shared memory by ldmatrix: each 8 x 8 matrix of
    // 16-bit elements it loads is 8 rows of 16 bytes, and hands thread
    // (g, t) bytes 4t..4t+3 of row g, the s8 layout above. Lanes 8i..8i+7
    // give the row addresses of matrix i (lanes 0..15 for two matrices).
    template <int K>
    __device__ __forceinline__ static void load_a(AFrag<K>& a, const std::int8_t* base, int stride, int lane) {
        // Matrices: rows 0-7 and 8-15 of K half 0, then of half 1.
        const std::int8_t* p = base + (lane % 16) * stride + 16 * (lane / 16);
        if constexpr (K == 32)
            ldmatrix_x4(a.v, p);
        else
            ldmatrix_x2(a.v, p);
    }
    template <int K>
    __device__ __forceinline__ static void load_b(BFrag<K>& b, const std::int8_t* base, int stride, int lane) {
        if constexpr (K == 32) {
            // Matrices: columns 0-7 in halves 0 and 1, then columns 8-15.
            ldmatrix_x4(b.v, base + (lane % 8 + 8 * (lane / 16)) * stride + 16 * ((lane / 8) % 2));
        } else {
            ldmatrix_x2(b.v, base + (lane % 16) * stride);
        }
    }
    template <int K>
    __device__ __forceinline__ static void mma(int (&c)[kAcc], const AFrag<K>& a, const BFrag<K>& b) {
#pragma unroll
        for (int j = 0; j < 2; ++j) {
            int* d = c + 4 * j;
            if constexpr (K == 32) {
                asm(
                    "mma.sync.aligned.m16n8k32.row.col.s32.s8.s8.s32 {%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, "
                    "{%10, %10, %10, %10};"
                    : "=r"(d[0]), "=r"(d[1]), "=r"(d[2]), "=r"(d[3])
                    : "r"(a.v[0]), "r"(a.v[1]), "r"(a.v[2]), "r"(a.v[3]), "r"(b.v[2 * j]), "r"(b.v[2 * j + 1]),
                      "r"(kBiasedZero));
            } else {
                static_assert(K == 16, "K is 16 or 32");
                asm(
                    "mma.sync.aligned.m16n8k16.row.col.s32.s8.s8.s32 {%0, %1, %2, %3}, {%4, %5}, {%6}, "
                    "{%7, %7, %7, %7};"
                    : "=r"(d[0]), "=r"(d[1]), "=r"(d[2]), "=r"(d[3])
                    : "r"(a.v[0]), "r"(a.v[1]), "r"(b.v[j]), "r"(kBiasedZero));
            }
        }
    }
    __device__ __forceinline__ static int row(int lane, int i) { return lane / 4 + row_offset(i); }
    __device__ __forceinline__ static int col(int lane, int i) { return 8 * (i / 4) + 2 * (lane % 4) + i % 2; }
    // row(lane, i) - row(lane, 0): a thread's results lie in rows g and g + 8.
    __device__ __forceinline__ static constexpr int row_offset(int i) { return 8 * ((i / 2) % 2); }
};

#endif

#if HQ_MATRIX_CORE == HQ_MATRIX_MFMA
// On a 64-lane wavefront, lane l gets C[4 (l / 16) + i][l % 16] in result i.
// Its operands are bytes of A's row l % 16 and of B's row (C's column) l % 16:
//   CDNA1/2, v_mfma_i32_16x16x16i8: bytes 4 (l / 16) .. +3 of each 16-byte
//     K half, one product per half;
//   CDNA3/4, v_mfma_i32_16x16x32_i8 (which replaced it): bytes 8 (l / 16)
//     .. +7 of all 32, one product; K = 16 is that product with lanes 32..63
//     (bytes 16..31) zero.
struct TileMmaMfma {
    static constexpr int kThreads = 64;
    static constexpr int kAcc = 4;
    using Wide = MatMulTiling<64, 64, 4, 2, 2>;  // 128 rows spilled with clang 17 on gfx90a
    using Mid = Wide;
    using Narrow = MatMulTiling<64, 32, 8, 2, 1>;

#if HQ_ARCH_CDNA >= 3
    template <int K>
    struct AFrag {
        long v;  // 8 bytes
    };
#else
    template <int K>
    struct AFrag {
        int v[K / 16];  // 4 bytes per K half
    };
#endif
    template <int K>
    using BFrag = AFrag<K>;
    template <int K>
    __device__ __forceinline__ static void load_a(AFrag<K>& a, const std::int8_t* base, int stride, int lane) {
        const std::int8_t* row = base + (lane % 16) * stride;
#if HQ_ARCH_CDNA >= 3
        // 8-byte aligned (rows and K slices start 16-byte aligned); for K = 16
        // lanes 32..63 read the next 16 bytes, still inside the tile row, and
        // drop them.
        const long v = *reinterpret_cast<const long*>(row + 8 * (lane / 16));
        a.v = K == 32 || lane < 32 ? v : 0;
#else
#pragma unroll
        for (int h = 0; h < K / 16; ++h) a.v[h] = lds_int(row + 16 * h + 4 * (lane / 16));
#endif
    }
    template <int K>
    __device__ __forceinline__ static void load_b(BFrag<K>& b, const std::int8_t* base, int stride, int lane) {
        load_a<K>(b, base, stride, lane);
    }
    template <int K>
    __device__ __forceinline__ static void mma(int (&c)[kAcc], const AFrag<K>& a, const BFrag<K>& b) {
        typedef int Int4 __attribute__((ext_vector_type(4)));
        Int4 acc = {kBiasedZero, kBiasedZero, kBiasedZero, kBiasedZero};
#if HQ_ARCH_CDNA >= 3
        acc = __builtin_amdgcn_mfma_i32_16x16x32_i8(a.v, b.v, acc, 0, 0, 0);
#else
#pragma unroll
        for (int h = 0; h < K / 16; ++h) acc = __builtin_amdgcn_mfma_i32_16x16x16i8(a.v[h], b.v[h], acc, 0, 0, 0);
#endif
#pragma unroll
        for (int i = 0; i < kAcc; ++i) c[i] = acc[i];
    }
    __device__ __forceinline__ static int row(int lane, int i) { return 4 * (lane / 16) + i; }
    __device__ __forceinline__ static int col(int lane, int) { return lane % 16; }
};
#endif

#if HQ_MATRIX_CORE == HQ_MATRIX_WMMA
// v_wmma_i32_16x16x16_iu8 (both operands signed) on a 32-lane wave, one
// product per 16-byte K half. Lane l's operands are bytes of A's row l % 16
// and of B's row (C's column) l % 16, and result i is C[row(l, i)][l % 16]:
//   RDNA3 (gfx11): all 16 bytes (lanes 16..31 repeat lanes 0..15, as the
//     instruction requires); row 2 i + l / 16;
//   RDNA4 (gfx12): bytes 8 (l / 16) .. +7; row 8 (l / 16) + i.
struct TileMmaWmma {
    static constexpr int kThreads = 32;
    static constexpr int kAcc = 8;
    // The integer-dot product's shapes: 128-row tiles spilled that one on
    // gfx1100.
    using Wide = MatMulTiling<64, 64, 4, 1, 2>;
    using Mid = Wide;
    using Narrow = MatMulTiling<64, 32, 8, 1, 1>;

#if HQ_ARCH_RDNA3
    typedef int Operand __attribute__((ext_vector_type(4)));
    static constexpr int kLaneBytes = 16;
#else
    typedef int Operand __attribute__((ext_vector_type(2)));
    static constexpr int kLaneBytes = 8;
#endif
    template <int K>
    struct AFrag {
        Operand v[K / 16];
    };
    template <int K>
    using BFrag = AFrag<K>;
    template <int K>
    __device__ __forceinline__ static void load_a(AFrag<K>& a, const std::int8_t* base, int stride, int lane) {
        // Aligned to kLaneBytes: rows and K slices start 16-byte aligned.
        const std::int8_t* row = base + (lane % 16) * stride + (kLaneBytes == 8 ? 8 * (lane / 16) : 0);
#pragma unroll
        for (int h = 0; h < K / 16; ++h) a.v[h] = *reinterpret_cast<const Operand*>(row + 16 * h);
    }
    template <int K>
    __device__ __forceinline__ static void load_b(BFrag<K>& b, const std::int8_t* base, int stride, int lane) {
        load_a<K>(b, base, stride, lane);
    }
    template <int K>
    __device__ __forceinline__ static void mma(int (&c)[kAcc], const AFrag<K>& a, const BFrag<K>& b) {
        typedef int Int8 __attribute__((ext_vector_type(8)));
        Int8 acc = {kBiasedZero, kBiasedZero, kBiasedZero, kBiasedZero,
                    kBiasedZero, kBiasedZero, kBiasedZero, kBiasedZero};
#pragma unroll
        for (int h = 0; h < K / 16; ++h) {
#if HQ_ARCH_RDNA3
            acc = __builtin_amdgcn_wmma_i32_16x16x16_iu8_w32(true, a.v[h], true, b.v[h], acc, false);
#else
            acc = __builtin_amdgcn_wmma_i32_16x16x16_iu8_w32_gfx12(true, a.v[h], true, b.v[h], acc, false);
#endif
        }
#pragma unroll
        for (int i = 0; i < kAcc; ++i) c[i] = acc[i];
    }
#if HQ_ARCH_RDNA3
    __device__ __forceinline__ static int row(int lane, int i) { return 2 * i + lane / 16; }
#else
    __device__ __forceinline__ static int row(int lane, int i) { return 8 * (lane / 16) + i; }
#endif
    __device__ __forceinline__ static int col(int lane, int) { return lane % 16; }
};
#endif

// The table's choice (HIPQUANT_PORTABLE_DP4A forces TileMmaDot4).
#if HQ_TILE_MMA == HQ_TILE_MMA_NV
using TileMma = TileMmaNv;
#elif HQ_TILE_MMA == HQ_TILE_MMA_MFMA
using TileMma = TileMmaMfma;
#elif HQ_TILE_MMA == HQ_TILE_MMA_WMMA
using TileMma = TileMmaWmma;
#else
using TileMma = TileMmaDot4;
#endif

}  // namespace hipquant::kernels
