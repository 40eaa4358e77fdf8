// Internal helpers of the CPU reference: guarded float -> int conversions,
// input sanitizing, and the per-block quantizers each reference_*.cpp defines.
#pragma once

#include <cfloat>
#include <cmath>
#include <cstddef>
#include <string>

#include "hipquant/quant/reference.hpp"
#include "hipquant/runtime/error.hpp"

namespace hipquant::quant::reference::detail {

inline void require_whole_blocks(const char* type, std::size_t n, std::size_t block) {
    HIPQUANT_REQUIRE(n % block == 0, errc::invalid_value,
                     std::string(type) + ": row of " + std::to_string(n) +
                         " values is not a multiple of the block size " + std::to_string(block));
}

// What a block quantizer reads instead of a non-finite input: NaN -> 0,
// +-Inf -> +-FLT_MAX (documented in reference.hpp).
inline float sanitize(float v) {
    if (std::isnan(v)) return 0.0f;
    if (std::isinf(v)) return v > 0 ? FLT_MAX : -FLT_MAX;
    return v;
}

// C's truncating (int8_t)v / (uint8_t)v, as GGML's 32-value quantizers use
// them, defined for every input: NaN -> 0, out of range -> clamped. Equal to
// the plain cast wherever that cast is defined.
inline int trunc_i8(float v) {
    if (std::isnan(v)) return 0;
    if (v <= -128.0f) return -128;
    if (v >= 127.0f) return 127;
    return static_cast<int>(v);
}
inline int trunc_u8(float v) {
    if (std::isnan(v)) return 0;
    if (v <= 0.0f) return 0;
    if (v >= 255.0f) return 255;
    return static_cast<int>(v);
}

// roundf(v) (ties away from zero) as an int8 quant, clamped to [-127, 127];
// NaN -> 0. Q8_0 / Q8_1 / Q8_K values never exceed 127 in magnitude by more
// than f32 rounding, so the clamp only matters for non-finite intermediates.
inline int round_i8(float v) {
    if (std::isnan(v)) return 0;
    if (v <= -127.0f) return -127;
    if (v >= 127.0f) return 127;
    return static_cast<int>(std::round(v));
}

// Round to nearest, ties to even, as GGML's nearest_int for |v| < 2^22:
// adding 1.5 * 2^23 leaves the integer in the mantissa. NaN -> 0 and
// |v| beyond 2^22 clamps, where GGML asserts.
inline int nearest_int(float v) {
    constexpr float kLimit = 4194303.0f;  // 2^22 - 1
    if (std::isnan(v)) return 0;
    if (v >= kLimit) return static_cast<int>(kLimit);
    if (v <= -kLimit) return -static_cast<int>(kLimit);
    constexpr float kMagic = 12582912.0f;  // 1.5 * 2^23
    const float shifted = v + kMagic;      // rounds to an integer, RNE
    return static_cast<int>(shifted - kMagic);
}

inline int clamp_int(int v, int lo, int hi) { return v < lo ? lo : (v > hi ? hi : v); }

// Quantize one block of already-sanitized values (block_elems of them).
// Defined for each block-quantized type in reference_q32.cpp, reference_k.cpp
// and reference_codebook.cpp.
template <QuantType T>
void quantize_block(const float* x, Block<T>& y);

template <> void quantize_block<QuantType::Q4_0>(const float* x, BlockQ4_0& y);
template <> void quantize_block<QuantType::Q4_1>(const float* x, BlockQ4_1& y);
template <> void quantize_block<QuantType::Q5_0>(const float* x, BlockQ5_0& y);
template <> void quantize_block<QuantType::Q5_1>(const float* x, BlockQ5_1& y);
template <> void quantize_block<QuantType::Q8_0>(const float* x, BlockQ8_0& y);
template <> void quantize_block<QuantType::Q8_1>(const float* x, BlockQ8_1& y);
template <> void quantize_block<QuantType::Q2_K>(const float* x, BlockQ2_K& y);
template <> void quantize_block<QuantType::Q3_K>(const float* x, BlockQ3_K& y);
template <> void quantize_block<QuantType::Q4_K>(const float* x, BlockQ4_K& y);
template <> void quantize_block<QuantType::Q5_K>(const float* x, BlockQ5_K& y);
template <> void quantize_block<QuantType::Q6_K>(const float* x, BlockQ6_K& y);
template <> void quantize_block<QuantType::Q8_K>(const float* x, BlockQ8_K& y);
template <> void quantize_block<QuantType::IQ4_NL>(const float* x, BlockIQ4_NL& y);
template <> void quantize_block<QuantType::IQ4_XS>(const float* x, BlockIQ4_XS& y);
template <> void quantize_block<QuantType::MXFP4>(const float* x, BlockMXFP4& y);

}  // namespace hipquant::quant::reference::detail
