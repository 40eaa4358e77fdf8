// GGML block layouts, byte for byte, shared by host and device code.
// Half-precision fields are stored as raw IEEE binary16 bits (uint16_t) so
// the structs are identical for every compiler; quant/half.hpp converts them.
#pragma once

#include <cstdint>

namespace hipquant::quant {

inline constexpr int kQK = 32;    // values in a 32-element block (Q4_0 .. Q8_1)
inline constexpr int kQKK = 256;  // values in a K-quant super-block
inline constexpr int kKScaleBytes = 12;  // packed 6-bit scales of Q4_K / Q5_K

// x = d * (q - 8); byte j holds value j (low nibble) and j + 16 (high nibble).
struct BlockQ4_0 {
    std::uint16_t d;
    std::uint8_t qs[kQK / 2];
};
static_assert(sizeof(BlockQ4_0) == 18, "Q4_0 block is 18 bytes");

// x = d * q + m.
struct BlockQ4_1 {
    std::uint16_t d;
    std::uint16_t m;
    std::uint8_t qs[kQK / 2];
};
static_assert(sizeof(BlockQ4_1) == 20, "Q4_1 block is 20 bytes");

// x = d * (q - 16); bit 4 of value j is bit j of the little-endian qh word.
struct BlockQ5_0 {
    std::uint16_t d;
    std::uint8_t qh[4];
    std::uint8_t qs[kQK / 2];
};
static_assert(sizeof(BlockQ5_0) == 22, "Q5_0 block is 22 bytes");

// x = d * q + m, 5-bit q as in Q5_0.
struct BlockQ5_1 {
    std::uint16_t d;
    std::uint16_t m;
    std::uint8_t qh[4];
    std::uint8_t qs[kQK / 2];
};
static_assert(sizeof(BlockQ5_1) == 24, "Q5_1 block is 24 bytes");

// x = d * q.
struct BlockQ8_0 {
    std::uint16_t d;
    std::int8_t qs[kQK];
};
static_assert(sizeof(BlockQ8_0) == 34, "Q8_0 block is 34 bytes");

// x = d * q; s = d * sum(q), kept so dots with offset formats need no extra pass.
struct BlockQ8_1 {
    std::uint16_t d;
    std::uint16_t s;
    std::int8_t qs[kQK];
};
static_assert(sizeof(BlockQ8_1) == 36, "Q8_1 block is 36 bytes");

// 16 sub-blocks of 16: scales[i] = (4-bit min << 4) | 4-bit scale, 2-bit q.
struct BlockQ2_K {
    std::uint8_t scales[kQKK / 16];
    std::uint8_t qs[kQKK / 4];
    std::uint16_t d;
    std::uint16_t dmin;
};
static_assert(sizeof(BlockQ2_K) == 84, "Q2_K block is 84 bytes");

// 16 sub-blocks of 16 with 6-bit signed scales packed in 12 bytes; 2 low
// bits in qs, the high bit in hmask (set means +0, clear means -4).
struct BlockQ3_K {
    std::uint8_t hmask[kQKK / 8];
    std::uint8_t qs[kQKK / 4];
    std::uint8_t scales[12];
    std::uint16_t d;
};
static_assert(sizeof(BlockQ3_K) == 110, "Q3_K block is 110 bytes");

// 8 sub-blocks of 32 with 6-bit scales and mins packed in 12 bytes.
struct BlockQ4_K {
    std::uint16_t d;
    std::uint16_t dmin;
    std::uint8_t scales[kKScaleBytes];
    std::uint8_t qs[kQKK / 2];
};
static_assert(sizeof(BlockQ4_K) == 144, "Q4_K block is 144 bytes");

// Q4_K plus a fifth bit per value in qh.
struct BlockQ5_K {
    std::uint16_t d;
    std::uint16_t dmin;
    std::uint8_t scales[kKScaleBytes];
    std::uint8_t qh[kQKK / 8];
    std::uint8_t qs[kQKK / 2];
};
static_assert(sizeof(BlockQ5_K) == 176, "Q5_K block is 176 bytes");

// 16 sub-blocks of 16 with int8 scales; 4 low bits in ql, 2 high in qh.
struct BlockQ6_K {
    std::uint8_t ql[kQKK / 2];
    std::uint8_t qh[kQKK / 4];
    std::int8_t scales[kQKK / 16];
    std::uint16_t d;
};
static_assert(sizeof(BlockQ6_K) == 210, "Q6_K block is 210 bytes");

// ---- 4-bit codebook formats ----------------------------------------------
// Each 4-bit index selects an int8 value of a fixed 16-entry codebook. The
// codebooks are packed four values to a word (value i in byte i % 4 of word
// i / 4, as two's complement): scalar constants, which device code may read
// (arrays it may not).
struct CodebookIq4Nl {  // -127 -104 -83 -65 | -49 -35 -22 -10 | 1 13 25 38 | 53 69 89 113
    static constexpr std::uint32_t w0 = 0xBFAD9881u, w1 = 0xF6EADDCFu, w2 = 0x26190D01u, w3 = 0x71594535u;
};
struct CodebookMxfp4 {  // E2M1 doubled: 0 1 2 3 | 4 6 8 12 | 0 -1 -2 -3 | -4 -6 -8 -12
    static constexpr std::uint32_t w0 = 0x03020100u, w1 = 0x0C080604u, w2 = 0xFDFEFF00u, w3 = 0xF4F8FAFCu;
};

// x = d * v[q]; byte j holds index j (low nibble) and j + 16 (high nibble).
struct BlockIQ4_NL {
    std::uint16_t d;
    std::uint8_t qs[kQK / 2];
};
static_assert(sizeof(BlockIQ4_NL) == 18, "IQ4_NL block is 18 bytes");

// 8 sub-blocks of 32: x = (d * (ls - 32)) * v[q], ls 6 bits: the low 4 in
// nibble s % 2 of scales_l[s / 2], the high 2 in bits 2s of scales_h;
// sub-block s's indices in qs[16s ..] as IQ4_NL's.
struct BlockIQ4_XS {
    std::uint16_t d;
    std::uint16_t scales_h;
    std::uint8_t scales_l[kQKK / 64];
    std::uint8_t qs[kQKK / 2];
};
static_assert(sizeof(BlockIQ4_XS) == 136, "IQ4_XS block is 136 bytes");

// OCP MXFP4: x = 2^(e - 128) * v[q] (the doubled E2M1 values over half the
// E8M0 scale 2^(e - 127)); indices packed as IQ4_NL's. 17 bytes: blocks are
// only byte-aligned.
struct BlockMXFP4 {
    std::uint8_t e;
    std::uint8_t qs[kQK / 2];
};
static_assert(sizeof(BlockMXFP4) == 17, "MXFP4 block is 17 bytes");

// Activation format of the K-quant dots: f32 scale, int8 quants, and the sum
// of each 16 quants.
struct BlockQ8_K {
    float d;
    std::int8_t qs[kQKK];
    std::int16_t bsums[kQKK / 16];
};
static_assert(sizeof(BlockQ8_K) == 292, "Q8_K block is 292 bytes");

}  // namespace hipquant::quant
