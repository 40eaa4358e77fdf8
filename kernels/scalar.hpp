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

// Each byte of x (0..15) replaced by entry x of a 16-entry byte table
// (t0..t3, entry i in byte i % 4 of word i / 4): a 4-bit codebook's int8
// values, four at a time. Three byte permutes (PRMT on NVIDIA, v_perm_b32 on
// AMD): entries by the index's low 3 bits from each half of the table, then
// per byte the half its bit 3 names.
__device__ __forceinline__ std::uint32_t lookup16(std::uint32_t t0, std::uint32_t t1, std::uint32_t t2, std::uint32_t t3,
                                                  std::uint32_t x) {
#if defined(HIPQUANT_PLATFORM_NVIDIA)
    // __byte_perm's selector: four nibbles, 3 bits of each naming a byte
    // (bit 3 cleared: PRMT's sign-replicate flag).
    const std::uint32_t pair = x | (x >> 4);  // nibbles 0, 1 in byte 0; 2, 3 in byte 2
    const std::uint32_t sel = (pair & 0xffu) | ((pair >> 8) & 0xff00u);
    const std::uint32_t lo = __byte_perm(t0, t1, sel & 0x7777u);
    const std::uint32_t hi = __byte_perm(t2, t3, sel & 0x7777u);
    return __byte_perm(lo, hi, 0x3210u | ((sel & 0x8888u) >> 1));
#elif defined(__AMDGCN__)
    // v_perm_b32's selector: four bytes; 0..7 pick a byte of {src0:src1}.
    const std::uint32_t sel = x & 0x07070707u;
    const std::uint32_t lo = __builtin_amdgcn_perm(t1, t0, sel);
    const std::uint32_t hi = __builtin_amdgcn_perm(t3, t2, sel);
    return __builtin_amdgcn_perm(hi, lo, 0x03020100u | ((x & 0x08080808u) >> 1));
#else
    const std::uint64_t lo = (static_cast<std::uint64_t>(t1) << 32) | t0, hi = (static_cast<std::uint64_t>(t3) << 32) | t2;
    std::uint32_t r = 0;
    for (int i = 0; i < 4; ++i) {
        const unsigned n = (x >> (8 * i)) & 15u;
        r |= static_cast<std::uint32_t>(((n < 8 ? lo : hi) >> (8 * (n & 7))) & 0xffu) << (8 * i);
    }
    return r;
#endif
}
template <typename Codebook>
__device__ __forceinline__ int lookup16(std::uint32_t x) {
    return static_cast<int>(lookup16(Codebook::w0, Codebook::w1, Codebook::w2, Codebook::w3, x));
}

// The eight 4-bit indices of w through the table: `low` gets the entries of
// each byte's low nibble, `high` of its high nibble (byte i of each from
// byte i of w). On NVIDIA the nibbles select straight from w (PRMT reads a
// selector per nibble): 13 operations for 8 values, about half of what two
// lookup16 calls on the spread-out nibbles take.
template <typename Codebook>
__device__ __forceinline__ void lookup16_nibbles(std::uint32_t w, int& low, int& high) {
#if defined(HIPQUANT_PLATFORM_NVIDIA)
    const std::uint32_t index = w & 0x77777777u;          // bit 3 cleared: PRMT's sign-replicate flag
    const std::uint32_t upper = (w & 0x88888888u) >> 1;  // 4 where the entry is in t2, t3
    // Nibbles 0..3 (bytes 0, 1 of w, low nibble first), then 4..7.
    const std::uint32_t a = __byte_perm(__byte_perm(Codebook::w0, Codebook::w1, index),
                                        __byte_perm(Codebook::w2, Codebook::w3, index), 0x3210u | upper);
    const std::uint32_t b = __byte_perm(__byte_perm(Codebook::w0, Codebook::w1, index >> 16),
                                        __byte_perm(Codebook::w2, Codebook::w3, index >> 16),
                                        0x3210u | (upper >> 16));
    low = static_cast<int>(__byte_perm(a, b, 0x6420u));
    high = static_cast<int>(__byte_perm(a, b, 0x7531u));
#else
    low = lookup16<Codebook>(w & 0x0f0f0f0fu);
    high = lookup16<Codebook>((w >> 4) & 0x0f0f0f0fu);
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
// N consecutive 32-bit words from any address: N + 1 aligned loads and a
// funnel shift each (byte-aligned blocks: MXFP4's 17 bytes). Reads up to 4
// bytes past the N words, as load_ints_a2 (formats.hpp) does.
template <int N>
__device__ __forceinline__ void load_ints_a1(const std::uint8_t* p, int (&out)[N]) {
    const auto misalign = static_cast<unsigned>(reinterpret_cast<std::uintptr_t>(p) & 3u);
    const auto* words = reinterpret_cast<const std::uint32_t*>(p - misalign);  // a pointer still (see load_ints_a2)
    std::uint32_t lo = words[0];
#pragma unroll
    for (int k = 0; k < N; ++k) {
        const std::uint32_t hi = words[k + 1];
        out[k] = static_cast<int>(funnel_shift_right(lo, hi, 8 * misalign));
        lo = hi;
    }
}
// 32 bits from a 4-byte aligned address.
__device__ __forceinline__ int load_int_a4(const std::uint8_t* p) { return *reinterpret_cast<const int*>(p); }

}  // namespace hipquant::kernels
