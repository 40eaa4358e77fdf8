// Bit-exact f16 and bf16 conversions shared by the host reference and the
// kernels: round to nearest even, Inf stays Inf, NaN stays NaN (quiet).
#pragma once

#include <cstdint>

#include "hipquant/detail/host_device.hpp"

namespace hipquant::quant {

HIPQUANT_HD inline std::uint32_t float_bits(float f) {
    std::uint32_t u;
    __builtin_memcpy(&u, &f, sizeof u);
    return u;
}

HIPQUANT_HD inline float bits_float(std::uint32_t u) {
    float f;
    __builtin_memcpy(&f, &u, sizeof f);
    return f;
}

// IEEE binary16 -> binary32. Exact for every input, subnormals included.
HIPQUANT_HD inline float fp16_to_fp32(std::uint16_t h) {
    const std::uint32_t sign = static_cast<std::uint32_t>(h & 0x8000u) << 16;
    const std::uint32_t exp = (h >> 10) & 0x1fu;
    std::uint32_t mant = h & 0x3ffu;
    if (exp == 0x1fu) {  // Inf or NaN: keep the payload, force quiet NaN
        return bits_float(sign | 0x7f800000u | (mant << 13) | (mant ? 0x00400000u : 0u));
    }
    if (exp == 0) {
        if (mant == 0) return bits_float(sign);
        // Subnormal half: value = mant * 2^-24, exactly representable in f32.
        int e = -1;
        do {
            ++e;
            mant <<= 1;
        } while ((mant & 0x400u) == 0);
        mant &= 0x3ffu;
        return bits_float(sign | static_cast<std::uint32_t>(127 - 15 - e) << 23 | (mant << 13));
    }
    return bits_float(sign | ((exp + (127 - 15)) << 23) | (mant << 13));
}

// IEEE binary32 -> binary16, round to nearest even; overflow gives Inf.
HIPQUANT_HD inline std::uint16_t fp32_to_fp16(float f) {
    const std::uint32_t u = float_bits(f);
    const std::uint32_t sign = (u >> 16) & 0x8000u;
    const std::uint32_t abs = u & 0x7fffffffu;
    if (abs >= 0x7f800000u) {  // Inf or NaN
        return static_cast<std::uint16_t>(sign | 0x7c00u | (abs > 0x7f800000u ? 0x200u | ((abs >> 13) & 0x3ffu) : 0u));
    }
    if (abs >= 0x477ff000u) {  // rounds to >= 65520: Inf
        return static_cast<std::uint16_t>(sign | 0x7c00u);
    }
    if (abs < 0x38800000u) {  // below the smallest normal half (2^-14)
        if (abs < 0x33000000u) return static_cast<std::uint16_t>(sign);  // < 2^-25 rounds to 0
        // Subnormal: shift the full mantissa (with hidden bit) into place, RNE.
        const std::uint32_t e = abs >> 23;
        const std::uint32_t m = (abs & 0x7fffffu) | 0x800000u;
        const std::uint32_t shift = 126u - e;  // 14 - (e - 127) + 13 - 1 ... bits dropped
        std::uint32_t h = m >> shift;
        const std::uint32_t rem = m & ((1u << shift) - 1u);
        const std::uint32_t half = 1u << (shift - 1u);
        if (rem > half || (rem == half && (h & 1u))) ++h;
        return static_cast<std::uint16_t>(sign | h);
    }
    // Normal: rebias and round the 13 dropped bits to nearest even.
    std::uint32_t h = ((abs - 0x38000000u) >> 13);
    const std::uint32_t rem = abs & 0x1fffu;
    if (rem > 0x1000u || (rem == 0x1000u && (h & 1u))) ++h;
    return static_cast<std::uint16_t>(sign | h);
}

HIPQUANT_HD inline float bf16_to_fp32(std::uint16_t b) {
    return bits_float(static_cast<std::uint32_t>(b) << 16);
}

// binary32 -> bfloat16, round to nearest even; NaN stays a quiet NaN.
HIPQUANT_HD inline std::uint16_t fp32_to_bf16(float f) {
    const std::uint32_t u = float_bits(f);
    if ((u & 0x7fffffffu) > 0x7f800000u) {
        return static_cast<std::uint16_t>((u >> 16) | 0x40u);
    }
    return static_cast<std::uint16_t>((u + 0x7fffu + ((u >> 16) & 1u)) >> 16);
}

}  // namespace hipquant::quant
