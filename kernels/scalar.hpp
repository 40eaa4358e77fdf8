// Per-thread helpers: 16-byte vectors, the 4-way int8 dot product, funnel
// shifts, half conversion and loads of 2-byte aligned block fields.
#pragma once

#include "arch.hpp"

namespace hipquant::kernels {

// 16 bytes moved as one load or store. On AMD a plain clang vector: clang 17
// and later keep arrays of HIP's int4 (a struct around a union) in scratch
// memory, arrays of this type in registers. NVIDIA keeps CUDA's int4.
#if defined(HIPQUANT_PLATFORM_AMD)
typedef int Vec16 __attribute__((ext_vector_type(4)));
#else
using Vec16 = int4;
#endif

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

}  // namespace hipquant::kernels
