// Per-value decode of every GGML block, shared by the CPU reference and the kernels.
//
// decode_<type>(block, j) returns value j (0 <= j < values per block) of one
// block as f32, with GGML's dequantize_row_* operation order, so a caller that
// compiles this without FMA contraction (the core library uses
// -ffp-contract=off) gets GGML's bits exactly. Device code compiled with
// contraction on may fuse `a * q - b` into one FMA and differ in the last bit.
//
// Device-safe: no exceptions, no std containers, no libm; fp16 via half.hpp.
#pragma once

#include <cstdint>

#include "hipquant/detail/host_device.hpp"
#include "hipquant/quant/blocks.hpp"
#include "hipquant/quant/half.hpp"

namespace hipquant::quant {

// --- Packed scales -------------------------------------------------------

// Q4_K / Q5_K: 6-bit scale `sc` and min `m` of sub-block j (0..7) from the
// 12 packed bytes. Bytes 0..3 hold sc[0..3] in bits 0..5, bytes 4..7 hold
// m[0..3]; bytes 8..11 hold the low 4 bits of sc[4..7] (low nibble) and
// m[4..7] (high nibble), whose top 2 bits sit in bits 6..7 of bytes 0..7.
HIPQUANT_HD inline void get_scale_min_k4(int j, const std::uint8_t* q, std::uint8_t& sc, std::uint8_t& m) {
    if (j < 4) {
        sc = static_cast<std::uint8_t>(q[j] & 63);
        m = static_cast<std::uint8_t>(q[j + 4] & 63);
    } else {
        sc = static_cast<std::uint8_t>((q[j + 4] & 0x0f) | ((q[j - 4] >> 6) << 4));
        m = static_cast<std::uint8_t>((q[j + 4] >> 4) | ((q[j] >> 6) << 4));
    }
}

// Q3_K: 6-bit scale of sub-block j (0..15), as stored (0..63; the signed
// scale is this minus 32). Low 4 bits: byte j (j < 8) low nibble, or byte
// j - 8 high nibble; high 2 bits: bits 2*(j/4) of byte 8 + j%4.
HIPQUANT_HD inline int q3_k_scale(const std::uint8_t* scales, int j) {
    const int lo = j < 8 ? (scales[j] & 0x0f) : (scales[j - 8] >> 4);
    const int hi = (scales[8 + (j & 3)] >> (2 * (j >> 2))) & 3;
    return lo | (hi << 4);
}

// --- 32-value blocks: value j and j + 16 share byte j (low nibble first) ---

HIPQUANT_HD inline int nibble32(const std::uint8_t* qs, int j) {
    return j < 16 ? (qs[j] & 0x0f) : (qs[j - 16] >> 4);
}

// Bit j of the little-endian 32-bit qh word of Q5_0 / Q5_1, as 0 or 16.
HIPQUANT_HD inline int high_bit32(const std::uint8_t* qh, int j) {
    return ((qh[j >> 3] >> (j & 7)) & 1) << 4;
}

// Integer quants of the 32-value types as the dots use them: centred
// (q - 8, q - 16) for the _0 types, raw for the _1 types.
HIPQUANT_HD inline int quant_q4_0(const BlockQ4_0& b, int j) { return nibble32(b.qs, j) - 8; }
HIPQUANT_HD inline int quant_q4_1(const BlockQ4_1& b, int j) { return nibble32(b.qs, j); }
HIPQUANT_HD inline int quant_q5_0(const BlockQ5_0& b, int j) { return (nibble32(b.qs, j) | high_bit32(b.qh, j)) - 16; }
HIPQUANT_HD inline int quant_q5_1(const BlockQ5_1& b, int j) { return nibble32(b.qs, j) | high_bit32(b.qh, j); }

HIPQUANT_HD inline float decode_q4_0(const BlockQ4_0& b, int j) {
    return static_cast<float>(nibble32(b.qs, j) - 8) * fp16_to_fp32(b.d);
}

HIPQUANT_HD inline float decode_q4_1(const BlockQ4_1& b, int j) {
    return static_cast<float>(nibble32(b.qs, j)) * fp16_to_fp32(b.d) + fp16_to_fp32(b.m);
}

HIPQUANT_HD inline float decode_q5_0(const BlockQ5_0& b, int j) {
    const int q = (nibble32(b.qs, j) | high_bit32(b.qh, j)) - 16;
    return static_cast<float>(q) * fp16_to_fp32(b.d);
}

HIPQUANT_HD inline float decode_q5_1(const BlockQ5_1& b, int j) {
    const int q = nibble32(b.qs, j) | high_bit32(b.qh, j);
    return static_cast<float>(q) * fp16_to_fp32(b.d) + fp16_to_fp32(b.m);
}

HIPQUANT_HD inline float decode_q8_0(const BlockQ8_0& b, int j) {
    return static_cast<float>(b.qs[j]) * fp16_to_fp32(b.d);
}

HIPQUANT_HD inline float decode_q8_1(const BlockQ8_1& b, int j) {
    return static_cast<float>(b.qs[j]) * fp16_to_fp32(b.d);
}

// --- 4-bit codebooks ----------------------------------------------------------

// Value i (0..15) of a codebook (CodebookIq4Nl, CodebookMxfp4).
template <typename Codebook>
HIPQUANT_HD inline int codebook_value(int i) {
    const std::uint32_t w = i < 8 ? (i < 4 ? Codebook::w0 : Codebook::w1) : (i < 12 ? Codebook::w2 : Codebook::w3);
    return static_cast<std::int8_t>(static_cast<std::uint8_t>(w >> (8 * (i & 3))));
}

// Half the E8M0 scale 2^(e - 127), i.e. 2^(e - 128), exactly (as f32 bits;
// e 0 and 1 give the subnormals 2^-128 and 2^-127).
HIPQUANT_HD inline float e8m0_half_to_fp32(std::uint8_t e) {
    return bits_float(e < 2 ? 0x00200000u << e : static_cast<std::uint32_t>(e - 1) << 23);
}

// IQ4_XS's 6-bit scale of sub-block s (0..7), as stored (0..63; the signed
// scale is this minus 32).
HIPQUANT_HD inline int iq4_xs_scale(const BlockIQ4_XS& b, int s) {
    return ((b.scales_l[s >> 1] >> (4 * (s & 1))) & 0x0f) | (((b.scales_h >> (2 * s)) & 3) << 4);
}

HIPQUANT_HD inline int quant_iq4_nl(const BlockIQ4_NL& b, int j) {
    return codebook_value<CodebookIq4Nl>(nibble32(b.qs, j));
}
HIPQUANT_HD inline int quant_mxfp4(const BlockMXFP4& b, int j) {
    return codebook_value<CodebookMxfp4>(nibble32(b.qs, j));
}
// IQ4_XS: value j's codebook entry (sub-block j / 32, laid out as IQ4_NL).
HIPQUANT_HD inline int quant_iq4_xs(const BlockIQ4_XS& b, int j) {
    return codebook_value<CodebookIq4Nl>(nibble32(b.qs + 16 * (j >> 5), j & 31));
}

HIPQUANT_HD inline float decode_iq4_nl(const BlockIQ4_NL& b, int j) {
    return fp16_to_fp32(b.d) * static_cast<float>(quant_iq4_nl(b, j));
}
HIPQUANT_HD inline float decode_mxfp4(const BlockMXFP4& b, int j) {
    return static_cast<float>(quant_mxfp4(b, j)) * e8m0_half_to_fp32(b.e);
}
// IQ4_XS: x = (d * (ls - 32)) * v.
HIPQUANT_HD inline float decode_iq4_xs(const BlockIQ4_XS& b, int j) {
    const float dl = fp16_to_fp32(b.d) * static_cast<float>(iq4_xs_scale(b, j >> 5) - 32);
    return dl * static_cast<float>(quant_iq4_xs(b, j));
}

// --- 256-value super-blocks ----------------------------------------------
// Q2_K, Q3_K and Q6_K walk the block in two halves of 128 values; in each
// half, quarter k (32 values) reads the same 32 bytes shifted by 2*k bits.
// Their sub-blocks are 16 values (value j has scale j / 16); Q4_K / Q5_K
// have sub-blocks of 32 (scale j / 32), each 64-value chunk c reading
// qs[32c .. 32c+31], low nibbles first.
// quant_<type>(b, j) is the integer quant of value j as the dot products use
// it; decode_<type>(b, j) the f32 value.

// Q2_K: 0..3.
HIPQUANT_HD inline int quant_q2_k(const BlockQ2_K& b, int j) {
    return (b.qs[(j >> 7) * 32 + (j & 31)] >> (2 * ((j >> 5) & 3))) & 3;
}

// Q3_K: -4..3; 2 low bits as Q2_K, and the high bit of value j is bit
// (j / 32) of hmask[j % 32]: set means +0, clear means -4.
HIPQUANT_HD inline int quant_q3_k(const BlockQ3_K& b, int j) {
    const int lo = (b.qs[(j >> 7) * 32 + (j & 31)] >> (2 * ((j >> 5) & 3))) & 3;
    return lo - (((b.hmask[j & 31] >> (j >> 5)) & 1) ? 0 : 4);
}

// Q4_K: 0..15.
HIPQUANT_HD inline int quant_q4_k(const BlockQ4_K& b, int j) {
    const int byte = b.qs[(j >> 6) * 32 + (j & 31)];
    return ((j >> 5) & 1) ? (byte >> 4) : (byte & 0x0f);
}

// Q5_K: 0..31; the fifth bit of value j is bit (j / 32) of qh[j % 32].
HIPQUANT_HD inline int quant_q5_k(const BlockQ5_K& b, int j) {
    const int byte = b.qs[(j >> 6) * 32 + (j & 31)];
    const int lo = ((j >> 5) & 1) ? (byte >> 4) : (byte & 0x0f);
    return lo | (((b.qh[j & 31] >> (j >> 5)) & 1) << 4);
}

// Q6_K: -32..31. In half h, quarter k: low 4 bits from
// ql[64h + l + 32*(k&1)] (low nibble for k < 2), high 2 bits from
// (qh[32h + l] >> 2k) & 3.
HIPQUANT_HD inline int quant_q6_k(const BlockQ6_K& b, int j) {
    const int half = j >> 7, k = (j >> 5) & 3, l = j & 31;
    const int lbyte = b.ql[half * 64 + l + 32 * (k & 1)];
    const int lo = k < 2 ? (lbyte & 0x0f) : (lbyte >> 4);
    const int hi = (b.qh[half * 32 + l] >> (2 * k)) & 3;
    return (lo | (hi << 4)) - 32;
}

// Q2_K: x = (d * sc) * q - (dmin * m), sc / m the low / high nibble of scales[j/16].
HIPQUANT_HD inline float decode_q2_k(const BlockQ2_K& b, int j) {
    const int s = b.scales[j >> 4];
    const float dl = fp16_to_fp32(b.d) * static_cast<float>(s & 0x0f);
    const float ml = fp16_to_fp32(b.dmin) * static_cast<float>(s >> 4);
    return dl * static_cast<float>(quant_q2_k(b, j)) - ml;
}

// Q3_K: x = (d * (sc - 32)) * q.
HIPQUANT_HD inline float decode_q3_k(const BlockQ3_K& b, int j) {
    const float dl = fp16_to_fp32(b.d) * static_cast<float>(q3_k_scale(b.scales, j >> 4) - 32);
    return dl * static_cast<float>(quant_q3_k(b, j));
}

// Q4_K: x = (d * sc) * q - (dmin * m), sc / m of sub-block j / 32.
HIPQUANT_HD inline float decode_q4_k(const BlockQ4_K& b, int j) {
    std::uint8_t sc, m;
    get_scale_min_k4(j >> 5, b.scales, sc, m);
    const float d1 = fp16_to_fp32(b.d) * static_cast<float>(sc);
    const float m1 = fp16_to_fp32(b.dmin) * static_cast<float>(m);
    return d1 * static_cast<float>(quant_q4_k(b, j)) - m1;
}

HIPQUANT_HD inline float decode_q5_k(const BlockQ5_K& b, int j) {
    std::uint8_t sc, m;
    get_scale_min_k4(j >> 5, b.scales, sc, m);
    const float d1 = fp16_to_fp32(b.d) * static_cast<float>(sc);
    const float m1 = fp16_to_fp32(b.dmin) * static_cast<float>(m);
    return d1 * static_cast<float>(quant_q5_k(b, j)) - m1;
}

// Q6_K: x = (d * sc) * q, sc the int8 scales[j / 16].
HIPQUANT_HD inline float decode_q6_k(const BlockQ6_K& b, int j) {
    return fp16_to_fp32(b.d) * static_cast<float>(b.scales[j >> 4]) * static_cast<float>(quant_q6_k(b, j));
}

HIPQUANT_HD inline float decode_q8_k(const BlockQ8_K& b, int j) {
    return b.d * static_cast<float>(b.qs[j]);
}

}  // namespace hipquant::quant
