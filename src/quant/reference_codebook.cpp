// Reference quantizers of the 4-bit codebook formats, byte-exact with GGML:
// IQ4_NL and IQ4_XS as ggml_quantize_chunk writes them without an
// importance matrix (quantize_iq4_nl / quantize_iq4_xs: per 32 values a
// least-squares scale over 15 trial scales, weights x^2), MXFP4 as
// quantize_row_mxfp4_ref. (GGML's quantize_row_iq4_nl_ref takes one trial
// instead of 15; files written by llama-quantize come from the 15.)
//
// All arithmetic is f32 in GGML's order (the library builds with
// -ffp-contract=off).
#include <cmath>
#include <cstring>

#include "hipquant/quant/decode.hpp"
#include "hipquant/quant/half.hpp"
#include "reference_internal.hpp"

namespace hipquant::quant::reference::detail {

namespace {

constexpr float kGroupMaxEps = 1e-15f;  // GGML's GROUP_MAX_EPS: below it a group is all zero
constexpr int kTries = 7;               // trial scales (itry - 127) / max for itry in -7..7

// The IQ4 codebook as floats and ints, value i at index i (ascending).
struct Iq4Values {
    int v[16];
    Iq4Values() {
        for (int i = 0; i < 16; ++i) v[i] = codebook_value<CodebookIq4Nl>(i);
    }
};
const Iq4Values& iq4_values() {
    static const Iq4Values values;
    return values;
}

// The index of the codebook value nearest x; at the midpoint of two values
// the upper one. Exact: 2x against the (integer) sum of the neighbours.
int nearest_index(const int* v, float x) {
    const float x2 = x + x;
    int idx = 0;
    for (int step = 8; step > 0; step >>= 1) {
        const int j = idx + step;
        if (x2 >= static_cast<float>(v[j - 1] + v[j])) idx = j;
    }
    return idx;
}

// Scale d of one 32-value group for x = d * v[L], weights x^2, and its
// indices in L: the least-squares scale of the indices that 1 / d0 picks,
// for d0 = max / 127 and then the 15 trial scales max / (itry - 127), the
// best by sum(w q x)^2 / sum(w q^2). A group below kGroupMaxEps gets 0.
float fit_group(const float* x, std::uint8_t* L) {
    const int* v = iq4_values().v;
    float w[kQK];
    float amax = 0, max = 0;
    for (int j = 0; j < kQK; ++j) {
        w[j] = x[j] * x[j];
        const float ax = std::fabs(x[j]);
        if (ax > amax) {
            amax = ax;
            max = x[j];
        }
    }
    if (amax < kGroupMaxEps) {
        std::memset(L, 0, kQK);
        return 0.0f;
    }
    float d = -max / static_cast<float>(v[0]);
    float id = 1 / d;
    float sumqx = 0, sumq2 = 0;
    for (int j = 0; j < kQK; ++j) {
        const int l = nearest_index(v, id * x[j]);
        L[j] = static_cast<std::uint8_t>(l);
        const float q = static_cast<float>(v[l]);
        sumqx += w[j] * q * x[j];
        sumq2 += w[j] * q * q;
    }
    d = sumq2 > 0 ? sumqx / sumq2 : 0.0f;
    float best = d * sumqx;
    for (int itry = -kTries; itry <= kTries; ++itry) {
        id = static_cast<float>(itry + v[0]) / max;
        sumqx = sumq2 = 0;
        for (int j = 0; j < kQK; ++j) {
            const float q = static_cast<float>(v[nearest_index(v, id * x[j])]);
            sumqx += w[j] * q * x[j];
            sumq2 += w[j] * q * q;
        }
        if (sumq2 > 0 && sumqx * sumqx > best * sumq2) {
            d = sumqx / sumq2;
            best = d * sumqx;
        }
    }
    return d;
}

// Byte j of a 32-value group: index j (low nibble) and j + 16.
void pack_indices(const std::uint8_t* L, std::uint8_t* qs) {
    for (int j = 0; j < kQK / 2; ++j) qs[j] = static_cast<std::uint8_t>(L[j] | (L[j + kQK / 2] << 4));
}

// Every index again against 1 / scale (0 where the scale is 0).
void requantize(const float* x, float scale, std::uint8_t* L) {
    const int* v = iq4_values().v;
    const float id = scale != 0.0f ? 1 / scale : 0.0f;
    for (int j = 0; j < kQK; ++j) L[j] = static_cast<std::uint8_t>(nearest_index(v, id * x[j]));
}

}  // namespace

// IQ4_NL: the group's scale is the block's (rounded to f16 only when stored).
template <>
void quantize_block<QuantType::IQ4_NL>(const float* x, BlockIQ4_NL& y) {
    std::uint8_t L[kQK];
    const float d = fit_group(x, L);
    y.d = fp32_to_fp16(d);
    requantize(x, d, L);
    pack_indices(L, y.qs);
}

// IQ4_XS: d = -s / 32 for s the group scale of largest magnitude; group g
// stores l = clamp(round(scale_g / d), -32, 31) + 32 and its indices are
// taken again against d * l (with d as computed, not its f16).
template <>
void quantize_block<QuantType::IQ4_XS>(const float* x, BlockIQ4_XS& y) {
    constexpr int kGroups = kQKK / kQK;
    float scales[kGroups];
    std::uint8_t L[kQK];
    float max_scale = 0, amax_scale = 0;
    for (int g = 0; g < kGroups; ++g) {
        scales[g] = fit_group(x + kQK * g, L);
        if (std::fabs(scales[g]) > amax_scale) {
            amax_scale = std::fabs(scales[g]);
            max_scale = scales[g];
        }
    }
    const float d = -max_scale / 32;
    y.d = fp32_to_fp16(d);
    const float id = d != 0.0f ? 1 / d : 0.0f;
    y.scales_h = 0;
    for (int g = 0; g < kGroups; ++g) {
        const int l = clamp_int(nearest_int(id * scales[g]), -32, 31);
        requantize(x + kQK * g, d * static_cast<float>(l), L);
        pack_indices(L, y.qs + kQK / 2 * g);
        const int stored = l + 32;
        if (g % 2 == 0)
            y.scales_l[g / 2] = static_cast<std::uint8_t>(stored & 0x0f);
        else
            y.scales_l[g / 2] = static_cast<std::uint8_t>(y.scales_l[g / 2] | ((stored & 0x0f) << 4));
        y.scales_h = static_cast<std::uint16_t>(y.scales_h | ((stored >> 4) << (2 * g)));
    }
}

// MXFP4: e = floor(log2(amax)) - 2 + 127 (0 for an all-zero block), so the
// largest value lands near the top of the codebook (12 x 2^(e - 128)); each
// index the nearest value, the first of equals. Where GGML's conversion of
// that expression to uint8 is undefined (amax below 2^-125, the expression
// negative) e is 0.
template <>
void quantize_block<QuantType::MXFP4>(const float* x, BlockMXFP4& y) {
    float amax = 0.0f;
    for (int j = 0; j < kQK; ++j) amax = std::fabs(x[j]) > amax ? std::fabs(x[j]) : amax;
    const float e = amax > 0.0f ? std::floor(std::log2(amax)) - 2 + 127 : 0.0f;
    y.e = static_cast<std::uint8_t>(e > 0.0f ? e : 0.0f);  // at most 252: amax < 2^128
    const float d = e8m0_half_to_fp32(y.e);
    std::uint8_t L[kQK];
    for (int j = 0; j < kQK; ++j) {
        int best = 0;
        float best_err = std::fabs(static_cast<float>(codebook_value<CodebookMxfp4>(0)) * d - x[j]);
        for (int i = 1; i < 16; ++i) {
            const float err = std::fabs(static_cast<float>(codebook_value<CodebookMxfp4>(i)) * d - x[j]);
            if (err < best_err) {
                best = i;
                best_err = err;
            }
        }
        L[j] = static_cast<std::uint8_t>(best);
    }
    pack_indices(L, y.qs);
}

}  // namespace hipquant::quant::reference::detail
