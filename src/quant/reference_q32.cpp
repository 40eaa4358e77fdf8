// Reference quantizers of the 32-value blocks, byte-exact with GGML's
// quantize_row_{q4_0,q4_1,q5_0,q5_1,q8_0,q8_1}_ref.
//
// All arithmetic is f32 in GGML's order (the library is built with
// -ffp-contract=off); `id` is 1/d from the unrounded d, and only the stored
// d (and m, s) are rounded to f16. Values j and j + 16 share byte j.
#include <cmath>
#include <cstring>
#include <type_traits>

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

// Bits per quant of a 4- or 5-bit block, read off its layout: 4 in qs, and
// a fifth in qh where the block has one (Q5_0, Q5_1).
template <typename B, typename = void>
constexpr int kQuantBits = 4;
template <typename B>
constexpr int kQuantBits<B, std::void_t<decltype(B::qh)>> = 5;
static_assert(kQuantBits<BlockQ4_0> == 4 && kQuantBits<BlockQ4_1> == 4 && kQuantBits<BlockQ5_0> == 5 &&
              kQuantBits<BlockQ5_1> == 5);

// Quants 0..2^bits - 1 into the block: the low 4 bits into qs (values j and
// j + 16 in byte j), bit 4 into qh.
template <typename B>
void pack_quants(const int* q, B& y) {
    pack_nibbles(q, y.qs);
    if constexpr (kQuantBits<B> == 5) pack_high_bits(q, y.qh);
}

// Q4_0 and Q5_0, with h = 2^(bits-1) (8 or 16) and max the signed value of
// largest magnitude: d = max / -h, q = min(2h - 1, (int8)(x*id + (h + 0.5))).
template <typename B>
void quantize_symmetric(const float* x, B& y) {
    constexpr int kHalf = 1 << (kQuantBits<B> - 1);
    constexpr float kBias = static_cast<float>(kHalf) + 0.5f;  // 8.5f or 16.5f, exact
    const float d = signed_absmax(x) / -static_cast<float>(kHalf);
    const float id = inverse_or_zero(d);
    y.d = fp32_to_fp16(d);
    int q[kQK];
    for (int j = 0; j < kQK; ++j) q[j] = clamp_int(trunc_i8(x[j] * id + kBias), 0, 2 * kHalf - 1);
    pack_quants(q, y);
}

// Q4_1 and Q5_1: d = (max - min) / (2^bits - 1), m = min, and with
// v = (x - min)*id + 0.5, q = min(15, (int8)v) for Q4_1 but plain (uint8)v
// for Q5_1: GGML does not clamp that one to 31 (f32 rounding keeps v below 32).
template <typename B>
void quantize_offset(const float* x, B& y) {
    constexpr int kMaxQ = (1 << kQuantBits<B>) - 1;
    float mn, mx;
    min_max(x, mn, mx);
    const float d = (mx - mn) / static_cast<float>(kMaxQ);
    const float id = inverse_or_zero(d);
    y.d = fp32_to_fp16(d);
    y.m = fp32_to_fp16(mn);
    int q[kQK];
    for (int j = 0; j < kQK; ++j) {
        const float v = (x[j] - mn) * id + 0.5f;
        q[j] = kQuantBits<B> == 4 ? clamp_int(trunc_i8(v), 0, kMaxQ) : trunc_u8(v);
    }
    pack_quants(q, y);
}

}  // namespace

template <>
void quantize_block<QuantType::Q4_0>(const float* x, BlockQ4_0& y) { quantize_symmetric(x, y); }
template <>
void quantize_block<QuantType::Q5_0>(const float* x, BlockQ5_0& y) { quantize_symmetric(x, y); }
template <>
void quantize_block<QuantType::Q4_1>(const float* x, BlockQ4_1& y) { quantize_offset(x, y); }
template <>
void quantize_block<QuantType::Q5_1>(const float* x, BlockQ5_1& y) { quantize_offset(x, y); }

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
