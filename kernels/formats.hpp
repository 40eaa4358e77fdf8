// Per-format device code, driven by the type table: Format<T> names the
// block struct, decodes one value exactly (the CPU reference's own decode),
// and splits a block into 32-value parts in one common integer form that the
// mat-vec kernels consume. Adding a weight format means one Format<> here.
#pragma once

#include <type_traits>

#include "arch.hpp"
#include "scalar.hpp"
#include "hipquant/quant/decode.hpp"
#include "hipquant/quant/types.hpp"

namespace hipquant::kernels {

using quant::QuantType;

// 32 consecutive values of a weight block in integer form: value j is
//   a[h] * (q[j] - offset) - b[h],   h = j / 16 (the two 16-value halves),
// with q[j] byte j of the eight ints `q`: unsigned where the format has an
// offset, signed where it has none (Q8_0, the codebook formats). Every GGML
// weight format fits: the scale a and min b may differ per 16 values (Q2_K,
// Q3_K, Q6_K), the offset is 8 / 16 / 4 / 32 for Q4_0 / Q5_0 / Q3_K / Q6_K. The
// float steps (a * q then - b) are those of the reference decode, so
// a[h] * (q - offset) - b[h] reproduces decode() bit for bit.
// The integer dots also read the scales factored as one float times small
// integers, a[h] = a_unit * a_int[h] and b[h] = b_unit * b_int[h] (the
// K formats' super-block scale times their sub-block scales), so the two
// halves' integer sums combine before a single conversion to float.
struct WeightPart {
    int q[8];
    float a[2];
    float b[2];
    int offset;
    float a_unit, b_unit;
    int a_int[2], b_int[2];

    // One scale and min for all 32 values.
    __device__ __forceinline__ void set_scales(float a_all, float b_all) {
        a[0] = a[1] = a_unit = a_all;
        b[0] = b[1] = b_unit = b_all;
        a_int[0] = a_int[1] = b_int[0] = b_int[1] = 1;
    }
    // Per-half integer scales and mins under one float each; a[h] and b[h]
    // are the reference decode's products.
    __device__ __forceinline__ void set_scales(float d, const int (&sa)[2], float dmin, const int (&sb)[2]) {
        a_unit = d;
        b_unit = dmin;
#pragma unroll
        for (int h = 0; h < 2; ++h) {
            a_int[h] = sa[h];
            b_int[h] = sb[h];
            a[h] = d * static_cast<float>(sa[h]);
            b[h] = dmin * static_cast<float>(sb[h]);
        }
    }
};

// N consecutive 32-bit words from a 2-byte aligned address with N + 1
// aligned 4-byte loads and a 16-bit funnel shift each (compilers make it
// one SHF / v_alignbit or PRMT), instead of 2N 2-byte loads. It reads up to 4
// bytes past the N words: the next block, the staged tile's slack, or the
// weight buffer's padding.
template <int N>
__device__ __forceinline__ void load_ints_a2(const std::uint8_t* p, int (&out)[N]) {
    const auto misalign = static_cast<unsigned>(reinterpret_cast<std::uintptr_t>(p) & 3u);
    // Rounded down by pointer arithmetic, not through an integer: the
    // compiler then still knows a shared-memory pointer as one (a cast back
    // from an integer made every such load a generic one).
    const auto* words = reinterpret_cast<const std::uint32_t*>(p - misalign);
    const bool odd_half = misalign != 0;  // the words start mid-word (2-byte aligned p)
    std::uint32_t lo = words[0];
#pragma unroll
    for (int k = 0; k < N; ++k) {
        const std::uint32_t hi = words[k + 1];
        out[k] = static_cast<int>(odd_half ? (lo >> 16) | (hi << 16) : lo);
        lo = hi;
    }
}

// The N + 1 aligned 32-bit words covering N words from a 2-byte aligned
// address, and where the first of those starts in them: word k is
// funnel_shift_right(w[k], w[k + 1], shift) (shift 0 or 16), and word k
// shifted right by r more bits, as far as its bytes' low 8 - r bits go, is
// the same with shift + r (no separate alignment step).
template <int N>
__device__ __forceinline__ unsigned load_words_a2(const std::uint8_t* p, std::uint32_t (&w)[N + 1]) {
    const auto misalign = static_cast<unsigned>(reinterpret_cast<std::uintptr_t>(p) & 3u);
    const auto* words = reinterpret_cast<const std::uint32_t*>(p - misalign);  // see load_ints_a2
#pragma unroll
    for (int k = 0; k <= N; ++k) w[k] = words[k];
    return 8 * misalign;
}

// Bit i of a nibble (0..15) moved to bit 4 of byte i: the fifth bit of four
// 5-bit quants at once.
__device__ __forceinline__ int spread_nibble_to_bit4(int x) {
    return ((x & 1) << 4) | ((x & 2) << 11) | ((x & 4) << 18) | ((x & 8) << 25);
}

template <QuantType T>
struct Format;

#define HQ_FORMAT_COMMON(NAME, decoder)                                                              \
    using Traits = quant::QuantTraits<QuantType::NAME>;                                              \
    using Block = Traits::Block;                                                                     \
    static constexpr int kBlockElems = static_cast<int>(Traits::block_elems);                        \
    static constexpr int kParts = kBlockElems >= quant::kQK ? kBlockElems / quant::kQK : 1;          \
    __device__ static float decode(const Block& blk, int j) { return decoder; }

// The shape of a format's parts, for kernels to specialize on at compile
// time: the offset subtracted from each quant (WeightPart::offset), whether
// values have a min (b != 0), how many values share one scale a and min b
// (16 where a part's halves differ, else 32), and whether the integer
// scales fold into the quants: every (offset - q) * a_int[h] within
// -128..127, q * |a_int[h]| below 256 (the mat-mat kernels then multiply
// 32 values under one scale, kernels/mul_mat.hip).
#define HQ_PART_SHAPE(offset, has_min, scale_group, folds_scales) \
    static constexpr int kOffset = offset;                         \
    static constexpr bool kHasMin = has_min;                       \
    static constexpr int kScaleGroup = scale_group;                \
    static constexpr bool kFoldsScales = folds_scales;

// part(p) as the one-part case of a format's parts<N>.
#define HQ_PART_FROM_PARTS                                                        \
    __device__ __forceinline__ static WeightPart part(const Block& blk, int p) { \
        WeightPart w[1];                                                          \
        parts<1>(blk, p, w);                                                      \
        return w[0];                                                              \
    }

// Plain element types: decode only (no mat-vec kernels).
template <>
struct Format<QuantType::F32> {
    HQ_FORMAT_COMMON(F32, (static_cast<void>(j), blk))
};
template <>
struct Format<QuantType::F16> {
    HQ_FORMAT_COMMON(F16, (static_cast<void>(j), quant::fp16_to_fp32(blk)))
};
template <>
struct Format<QuantType::BF16> {
    HQ_FORMAT_COMMON(BF16, (static_cast<void>(j), quant::bf16_to_fp32(blk)))
};
template <>
struct Format<QuantType::Q8_1> {
    HQ_FORMAT_COMMON(Q8_1, quant::decode_q8_1(blk, j))
};
template <>
struct Format<QuantType::Q8_K> {
    HQ_FORMAT_COMMON(Q8_K, quant::decode_q8_k(blk, j))
};

template <>
struct Format<QuantType::Q4_0> {
    HQ_FORMAT_COMMON(Q4_0, quant::decode_q4_0(blk, j))
    HQ_PART_SHAPE(8, false, 32, false)
    __device__ __forceinline__ static WeightPart part(const Block& blk, int) {
        WeightPart w;
        const float d = half_bits_to_float(blk.d);
        int v[4];
        load_ints_a2(blk.qs, v);
#pragma unroll
        for (int k = 0; k < 4; ++k) {
            w.q[k] = v[k] & 0x0f0f0f0f;             // values 4k .. 4k+3
            w.q[k + 4] = (v[k] >> 4) & 0x0f0f0f0f;  // values 16+4k ..
        }
        w.set_scales(d, 0.0f);
        w.offset = kOffset;
        return w;
    }
};

template <>
struct Format<QuantType::Q4_1> {
    HQ_FORMAT_COMMON(Q4_1, quant::decode_q4_1(blk, j))
    HQ_PART_SHAPE(0, true, 32, false)
    __device__ __forceinline__ static WeightPart part(const Block& blk, int) {
        WeightPart w;
#pragma unroll
        for (int k = 0; k < 4; ++k) {
            const int v = load_int_a4(blk.qs + 4 * k);
            w.q[k] = v & 0x0f0f0f0f;
            w.q[k + 4] = (v >> 4) & 0x0f0f0f0f;
        }
        w.set_scales(half_bits_to_float(blk.d), -half_bits_to_float(blk.m));  // x = d*q + m
        w.offset = kOffset;
        return w;
    }
};

// Q5_0 and Q5_1: the low nibbles as Q4, the fifth bits from the 32-bit qh.
__device__ __forceinline__ void five_bit_quants(int qh, const int (&qs)[4], WeightPart& w) {
#pragma unroll
    for (int k = 0; k < 4; ++k) {
        w.q[k] = (qs[k] & 0x0f0f0f0f) | spread_nibble_to_bit4((qh >> (4 * k)) & 0xf);
        w.q[k + 4] = ((qs[k] >> 4) & 0x0f0f0f0f) | spread_nibble_to_bit4((qh >> (16 + 4 * k)) & 0xf);
    }
}

template <>
struct Format<QuantType::Q5_0> {
    HQ_FORMAT_COMMON(Q5_0, quant::decode_q5_0(blk, j))
    HQ_PART_SHAPE(16, false, 32, false)
    __device__ __forceinline__ static WeightPart part(const Block& blk, int) {
        WeightPart w;
        int qh_qs[5];  // qh then qs: contiguous, 2-byte aligned in 22-byte blocks
        load_ints_a2(blk.qh, qh_qs);
        const int qs[4] = {qh_qs[1], qh_qs[2], qh_qs[3], qh_qs[4]};
        five_bit_quants(qh_qs[0], qs, w);
        w.set_scales(half_bits_to_float(blk.d), 0.0f);
        w.offset = kOffset;
        return w;
    }
};

template <>
struct Format<QuantType::Q5_1> {
    HQ_FORMAT_COMMON(Q5_1, quant::decode_q5_1(blk, j))
    HQ_PART_SHAPE(0, true, 32, false)
    __device__ __forceinline__ static WeightPart part(const Block& blk, int) {
        WeightPart w;
        int qs[4];
#pragma unroll
        for (int k = 0; k < 4; ++k) qs[k] = load_int_a4(blk.qs + 4 * k);  // 24-byte blocks: 4-byte aligned
        five_bit_quants(load_int_a4(blk.qh), qs, w);
        w.set_scales(half_bits_to_float(blk.d), -half_bits_to_float(blk.m));
        w.offset = kOffset;
        return w;
    }
};

template <>
struct Format<QuantType::Q8_0> {
    HQ_FORMAT_COMMON(Q8_0, quant::decode_q8_0(blk, j))
    HQ_PART_SHAPE(0, false, 32, false)
    __device__ __forceinline__ static WeightPart part(const Block& blk, int) {
        WeightPart w;
        load_ints_a2(reinterpret_cast<const std::uint8_t*>(blk.qs), w.q);
        w.set_scales(half_bits_to_float(blk.d), 0.0f);
        w.offset = kOffset;  // 0: q is signed already, the dot treats bytes as int8
        return w;
    }
};

template <>
struct Format<QuantType::Q2_K> {
    HQ_FORMAT_COMMON(Q2_K, quant::decode_q2_k(blk, j))
    HQ_PART_SHAPE(0, true, 16, true)  // q 0..3, scales 0..15: -q * scale in -45..0
    // Part p: half p/4 of the block, 2-bit plane p%4 of its 32 qs bytes.
    HQ_PART_FROM_PARTS
    // Parts p .. p + N - 1 of one half (p % N == 0, N <= 4) share its qs
    // bytes and d, dmin.
    template <int N>
    __device__ __forceinline__ static void parts(const Block& blk, int p, WeightPart (&w)[N]) {
        const int half = p >> 2;
        int qs[8];
#pragma unroll
        for (int k = 0; k < 8; ++k) qs[k] = load_int_a4(blk.qs + half * 32 + 4 * k);
        // d and dmin in one 32-bit load (84-byte blocks: 4-byte aligned).
        const auto dd = static_cast<std::uint32_t>(load_int_a4(reinterpret_cast<const std::uint8_t*>(&blk.d)));
        const float d = half_bits_to_float(static_cast<std::uint16_t>(dd & 0xffffu));
        const float dmin = half_bits_to_float(static_cast<std::uint16_t>(dd >> 16));
#pragma unroll
        for (int e = 0; e < N; ++e) {
            const int k2 = (p & 3) + e;
#pragma unroll
            for (int k = 0; k < 8; ++k) w[e].q[k] = (qs[k] >> (2 * k2)) & 0x03030303;
            // The halves' two scale bytes in one 16-bit load.
            const int s = *reinterpret_cast<const std::uint16_t*>(blk.scales + half * 8 + k2 * 2);
            const int sc[2] = {s & 0x0f, (s >> 8) & 0x0f};
            const int m[2] = {(s >> 4) & 0x0f, s >> 12};
            w[e].set_scales(d, sc, dmin, m);
            w[e].offset = kOffset;
        }
    }
};

template <>
struct Format<QuantType::Q3_K> {
    HQ_FORMAT_COMMON(Q3_K, quant::decode_q3_k(blk, j))
    HQ_PART_SHAPE(4, false, 16, true)  // q 0..7, scales -32..31: (4 - q) * scale in -128..124
    // q = 2 low bits | high bit << 2 (0..7); value = scale * (q - 4).
    HQ_PART_FROM_PARTS
    // Parts p .. p + N - 1 of one half (p % N == 0, N <= 2): they share the
    // half's 2-bit quants and the high bits, the bytes that cost the most to
    // load (2-byte aligned: two loads and a funnel shift per word), and one
    // quad of 6-bit scales.
    template <int N>
    __device__ __forceinline__ static void parts(const Block& blk, int p, WeightPart (&w)[N]) {
        static_assert(N == 1 || N == 2, "one or two parts: their scales are one quad");
        const int half = p >> 2;
        std::uint32_t qs[9], hm[9];
        const unsigned shift = load_words_a2<8>(blk.qs + half * 32, qs);
        load_words_a2<8>(blk.hmask, hm);  // at the same offset mod 4 as qs
        std::uint32_t high[8];            // the high bits' words, aligned
#pragma unroll
        for (int k = 0; k < 8; ++k) high[k] = funnel_shift_right(hm[k], hm[k + 1], shift);
        const float d = half_bits_to_float(blk.d);
        // Scales jq .. jq + 3 (the two halves of parts p & ~1 and p | 1), byte
        // i of `quad` being scale jq + i (0..63), as q3_k_scale unpacks them:
        // low nibbles from bytes jq % 8 .. (high nibbles for jq >= 8), the
        // two high bits from bytes 8..11 shifted by 2 (jq / 4).
        const int jq = half * 8 + (p & 2) * 2;
        int lo[1], hi[1];
        load_ints_a2(blk.scales + (jq & 7), lo);
        load_ints_a2(blk.scales + 8, hi);
        const int quad = ((lo[0] >> ((jq & 8) >> 1)) & 0x0f0f0f0f) | (((hi[0] >> (2 * (jq >> 2))) & 0x03030303) << 4);
        // (A part decoded alone unpacks its two scales byte by byte: with the
        // quad, the mat-mat staging, two such parts a thread, spilled.)
#pragma unroll
        for (int e = 0; e < N; ++e) {
            const int k2 = (p & 3) + e;
            // Each byte's two low bits from bits 2 k2 of the quants (the
            // alignment and this shift in one funnel shift), its high bit
            // from bit half * 4 + k2 of the mask rotated to bit 2.
            const unsigned rotate = static_cast<unsigned>(half * 4 + k2 - 2) & 31u;
#pragma unroll
            for (int k = 0; k < 8; ++k) {
                const std::uint32_t lo_bits = funnel_shift_right(qs[k], qs[k + 1], shift + 2 * k2) & 0x03030303u;
                const std::uint32_t hb = funnel_shift_right(high[k], high[k], rotate) & 0x04040404u;
                w[e].q[k] = static_cast<int>(lo_bits | hb);
            }
            int sc[2];
#pragma unroll
            for (int h = 0; h < 2; ++h)
                sc[h] = (N == 1 ? quant::q3_k_scale(blk.scales, half * 8 + k2 * 2 + h)
                                : (quad >> (8 * ((k2 & 1) * 2 + h))) & 0xff) - 32;
            w[e].set_scales(d, sc, 0.0f, {0, 0});
            w[e].offset = kOffset;
        }
    }
};

// Q4_K's and Q5_K's parts p .. p + N - 1 (p even when N is 2; they share
// their quant bytes, d and dmin): the low 4 bits from the nibbles of
// qs[32 (p / 2) ..] (low nibbles for even parts, high for odd), with
// kFifthBit Q5_K's fifth bit from bit p of qh, and 6-bit scales and mins as
// get_scale_min_k4 unpacks them.
template <bool kFifthBit, int kOffset, int N, typename Block>
__device__ __forceinline__ void nibble_k_parts(const Block& blk, int p, WeightPart (&w)[N]) {
    static_assert(N == 1 || N == 2, "one part, or the two of one quant run");
    int qs[8];
    [[maybe_unused]] int qh[8];
#pragma unroll
    for (int k = 0; k < 8; ++k) {
        qs[k] = load_int_a4(blk.qs + (p >> 1) * 32 + 4 * k);
        if constexpr (kFifthBit) qh[k] = load_int_a4(blk.qh + 4 * k);
    }
    const float d = half_bits_to_float(blk.d), dmin = half_bits_to_float(blk.dmin);
#pragma unroll
    for (int e = 0; e < N; ++e) {
        const int shift = 4 * ((p + e) & 1);
#pragma unroll
        for (int k = 0; k < 8; ++k) {
            w[e].q[k] = (qs[k] >> shift) & 0x0f0f0f0f;
            if constexpr (kFifthBit) w[e].q[k] |= ((qh[k] >> (p + e)) & 0x01010101) << 4;
        }
        std::uint8_t sc, m;
        quant::get_scale_min_k4(p + e, blk.scales, sc, m);
        w[e].set_scales(d * static_cast<float>(sc), dmin * static_cast<float>(m));
        w[e].offset = kOffset;
    }
}

template <>
struct Format<QuantType::Q4_K> {
    HQ_FORMAT_COMMON(Q4_K, quant::decode_q4_k(blk, j))
    HQ_PART_SHAPE(0, true, 32, false)
    // Part p = sub-block p: low nibbles of qs[32*(p/2) ..] for even p, high for odd.
    HQ_PART_FROM_PARTS
    template <int N>
    __device__ __forceinline__ static void parts(const Block& blk, int p, WeightPart (&w)[N]) {
        nibble_k_parts<false, kOffset>(blk, p, w);
    }
};

template <>
struct Format<QuantType::Q5_K> {
    HQ_FORMAT_COMMON(Q5_K, quant::decode_q5_k(blk, j))
    HQ_PART_SHAPE(0, true, 32, false)
    // Q4_K's parts plus a fifth bit per value (bit p of qh).
    HQ_PART_FROM_PARTS
    template <int N>
    __device__ __forceinline__ static void parts(const Block& blk, int p, WeightPart (&w)[N]) {
        nibble_k_parts<true, kOffset>(blk, p, w);
    }
};

template <>
struct Format<QuantType::Q6_K> {
    HQ_FORMAT_COMMON(Q6_K, quant::decode_q6_k(blk, j))
    HQ_PART_SHAPE(32, false, 16, false)
    // Part p: half p/4, quarter k = p%4: 4 low bits from ql (low nibbles for
    // k < 2), 2 high bits from qh >> 2k; value = (d * sc) * (q - 32).
    HQ_PART_FROM_PARTS
    // Parts p, p + 1 (p even) share the half's high bits (qh, 2-byte aligned:
    // the costliest loads) and d.
    template <int N>
    __device__ __forceinline__ static void parts(const Block& blk, int p, WeightPart (&w)[N]) {
        static_assert(N == 1 || N == 2, "one part, or two of one half");
        const int half = p >> 2;
        int qh[8];
        load_ints_a2(blk.qh + half * 32, qh);
        const float d = half_bits_to_float(blk.d);
#pragma unroll
        for (int e = 0; e < N; ++e) {
            const int k2 = (p & 3) + e;
            const int lshift = k2 < 2 ? 0 : 4;
            int ql[8];
            load_ints_a2(blk.ql + half * 64 + 32 * (k2 & 1), ql);
#pragma unroll
            for (int k = 0; k < 8; ++k) {
                const int lo = (ql[k] >> lshift) & 0x0f0f0f0f;
                const int hi = (qh[k] >> (2 * k2)) & 0x03030303;
                w[e].q[k] = lo | (hi << 4);
            }
            const int sc[2] = {blk.scales[half * 8 + 2 * k2], blk.scales[half * 8 + 2 * k2 + 1]};
            w[e].set_scales(d, sc, 0.0f, {0, 0});
            w[e].offset = kOffset;
        }
    }
};

// The codebook formats: q holds each index's int8 codebook value (offset 0,
// the dots read the bytes as signed, as Q8_0's), one scale per 32 values.
// Indices j and j + 16 share byte j of qs: the low nibbles of word k are
// values 4k..4k+3, the high nibbles 16+4k...
template <typename Codebook>
__device__ __forceinline__ void codebook_quants(const int (&qs)[4], WeightPart& w) {
#pragma unroll
    for (int k = 0; k < 4; ++k) lookup16_nibbles<Codebook>(static_cast<std::uint32_t>(qs[k]), w.q[k], w.q[k + 4]);
}

template <>
struct Format<QuantType::IQ4_NL> {
    HQ_FORMAT_COMMON(IQ4_NL, quant::decode_iq4_nl(blk, j))
    HQ_PART_SHAPE(0, false, 32, false)
    __device__ __forceinline__ static WeightPart part(const Block& blk, int) {
        WeightPart w;
        int qs[4];
        load_ints_a2(blk.qs, qs);
        codebook_quants<quant::CodebookIq4Nl>(qs, w);
        w.set_scales(half_bits_to_float(blk.d), 0.0f);
        w.offset = kOffset;
        return w;
    }
};

template <>
struct Format<QuantType::IQ4_XS> {
    HQ_FORMAT_COMMON(IQ4_XS, quant::decode_iq4_xs(blk, j))
    HQ_PART_SHAPE(0, false, 32, false)
    // Part p = sub-block p: indices qs[16p ..], scale d * (ls_p - 32).
    __device__ __forceinline__ static WeightPart part(const Block& blk, int p) {
        WeightPart w;
        int qs[4];
#pragma unroll
        for (int k = 0; k < 4; ++k) qs[k] = load_int_a4(blk.qs + 16 * p + 4 * k);  // 136-byte blocks: 4-byte aligned
        codebook_quants<quant::CodebookIq4Nl>(qs, w);
        const int ls = quant::iq4_xs_scale(blk, p) - 32;
        w.set_scales(half_bits_to_float(blk.d), {ls, ls}, 0.0f, {0, 0});
        w.offset = kOffset;
        return w;
    }
};

template <>
struct Format<QuantType::MXFP4> {
    HQ_FORMAT_COMMON(MXFP4, quant::decode_mxfp4(blk, j))
    HQ_PART_SHAPE(0, false, 32, false)
    __device__ __forceinline__ static WeightPart part(const Block& blk, int) {
        WeightPart w;
        int qs[4];
        load_ints_a1(blk.qs, qs);  // 17-byte blocks: byte-aligned
        codebook_quants<quant::CodebookMxfp4>(qs, w);
        w.set_scales(quant::e8m0_half_to_fp32(blk.e), 0.0f);
        w.offset = kOffset;
        return w;
    }
};

#undef HQ_FORMAT_COMMON
#undef HQ_PART_SHAPE
#undef HQ_PART_FROM_PARTS

// Formats that decode kU consecutive parts of a block together
// (Format::parts<kU>, sharing their loads) when a thread takes kU parts.
template <typename F, int kU, typename = void>
inline constexpr bool kSharedParts = false;
template <typename F, int kU>
inline constexpr bool kSharedParts<F, kU, std::void_t<decltype(&F::template parts<kU>)>> =
    kU > 1 && F::kParts % kU == 0;


}  // namespace hipquant::kernels
