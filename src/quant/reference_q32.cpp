// Reference quantizers of the 32-value blocks, byte-exact with GGML's
// quantize_row_{q4_0,q4_1,q5_0,q5_1,q8_0,q8_1}_ref.
//
// All arithmetic is f32 in GGML's order (the library is built with
// -ffp-contract=off); `id` is 1/d from the unrounded d, and only the stored
// d (and m, s) are rounded to f16. Values j and j + 16 share byte j.
#include <cmath>
#include <cstring>

#include "hipquant/quant/half.hpp"
#include "reference_internal.hpp"

namespace hipquant::quant::reference::detail {

namespace {

// The value of largest magnitude, sign kept; the first one wins a tie.
float signed_absmax(const float* x) {
    float amax = 0.0f, max = 0.0f;
    for (int j = 0; j < kQK; ++j) {
        if (amax < std::fabs(x[j])) {
            amax = std::fabs(x[j]);
            max = x[j];
        }
    }
    return max;
}

void min_max(const float* x, float& mn, float& mx) {
    mn = FLT_MAX;
    mx = -FLT_MAX;
    for (int j = 0; j < kQK; ++j) {
        if (x[j] < mn) mn = x[j];
        if (x[j] > mx) mx = x[j];
    }
}

float inverse_or_zero(float d) { return d != 0.0f ? 1.0f / d : 0.0f; }

void pack_nibbles(const int* q, std::uint8_t* qs) {
    for (int j = 0; j < kQK / 2; ++j)
        qs[j] = static_cast<std::uint8_t>((q[j] & 0x0f) | ((q[j + kQK / 2] & 0x0f) << 4));
}

// Bit 4 of value j -> bit j of the little-endian 32-bit word qh.
void pack_high_bits(const int* q, std::uint8_t* qh) {
    std::memset(qh, 0, 4);
    for (int j = 0; j < kQK; ++j)
        qh[j / 8] = static_cast<std::uint8_t>(qh[j / 8] | (((q[j] >> 4) & 1) << (j % 8)));
}

// Q8_0 and Q8_1: d = amax / 127, q = roundf(x * id). Returns d.
float quantize_q8(const float* x, std::int8_t* qs) {
    float amax = 0.0f;
    for (int j = 0; j < kQK; ++j) amax = std::fmax(amax, std::fabs(x[j]));
    const float d = amax / 127.0f;
    const float id = inverse_or_zero(d);
    for (int j = 0; j < kQK; ++j) qs[j] = static_cast<std::int8_t>(round_i8(x[j] * id));
    return d;
}

}  // namespace

// d = max / -8 (max: signed value of largest magnitude), q = min(15, (int8)(x*id + 8.5)).
template <>
void quantize_block<QuantType::Q4_0>(const float* x, BlockQ4_0& y) {
    const float d = signed_absmax(x) / -8.0f;
    const float id = inverse_or_zero(d);
    y.d = fp32_to_fp16(d);
    int q[kQK];
    for (int j = 0; j < kQK; ++j) q[j] = clamp_int(trunc_i8(x[j] * id + 8.5f), 0, 15);
    pack_nibbles(q, y.qs);
}

// d = (max - min) / 15, m = min, q = min(15, (int8)((x - min)*id + 0.5)).
template <>
void quantize_block<QuantType::Q4_1>(const float* x, BlockQ4_1& y) {
    float mn, mx;
    min_max(x, mn, mx);
    const float d = (mx - mn) / 15.0f;
    const float id = inverse_or_zero(d);
    y.d = fp32_to_fp16(d);
    y.m = fp32_to_fp16(mn);
    int q[kQK];
    for (int j = 0; j < kQK; ++j) q[j] = clamp_int(trunc_i8((x[j] - mn) * id + 0.5f), 0, 15);
    pack_nibbles(q, y.qs);
}

// d = max / -16, q = min(31, (int8)(x*id + 16.5)), bit 4 into qh.
template <>
void quantize_block<QuantType::Q5_0>(const float* x, BlockQ5_0& y) {
    const float d = signed_absmax(x) / -16.0f;
    const float id = inverse_or_zero(d);
    y.d = fp32_to_fp16(d);
    int q[kQK];
    for (int j = 0; j < kQK; ++j) q[j] = clamp_int(trunc_i8(x[j] * id + 16.5f), 0, 31);
    pack_nibbles(q, y.qs);
    pack_high_bits(q, y.qh);
}

// d = (max - min) / 31, m = min, q = (uint8)((x - min)*id + 0.5) (GGML does
// not clamp to 31 here; f32 rounding never takes it past 31.5 + 0.5).
template <>
void quantize_block<QuantType::Q5_1>(const float* x, BlockQ5_1& y) {
    float mn, mx;
    min_max(x, mn, mx);
    const float d = (mx - mn) / 31.0f;
    const float id = inverse_or_zero(d);
    y.d = fp32_to_fp16(d);
    y.m = fp32_to_fp16(mn);
    int q[kQK];
    for (int j = 0; j < kQK; ++j) q[j] = trunc_u8((x[j] - mn) * id + 0.5f);
    pack_nibbles(q, y.qs);
    pack_high_bits(q, y.qh);
}

template <>
void quantize_block<QuantType::Q8_0>(const float* x, BlockQ8_0& y) {
    y.d = fp32_to_fp16(quantize_q8(x, y.qs));
}

// As Q8_0, plus s = f16(d * sum of the 32 int8 quants).
template <>
void quantize_block<QuantType::Q8_1>(const float* x, BlockQ8_1& y) {
    const float d = quantize_q8(x, y.qs);
    int sum = 0;
    for (int j = 0; j < kQK; ++j) sum += y.qs[j];
    y.d = fp32_to_fp16(d);
    y.s = fp32_to_fp16(static_cast<float>(sum) * d);
}

}  // namespace hipquant::quant::reference::detail
