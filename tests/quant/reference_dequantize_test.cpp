// Dequantization of hand-built blocks, every type: known scales, mins,
// packed sub-block scales and quants decode to exactly the expected floats.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "hipquant/quant/decode.hpp"
#include "hipquant/quant/half.hpp"
#include "hipquant/quant/reference.hpp"

namespace hq = hipquant::quant;
namespace ref = hipquant::quant::reference;

namespace {

template <hq::QuantType T, typename B>
std::vector<float> decode(const B& b) {
    std::vector<float> y(hq::QuantTraits<T>::block_elems);
    ref::dequantize_row<T>(&b, y.data(), y.size());
    // The run-time entry point and the f16 variant agree with the typed one.
    std::vector<float> y2(y.size());
    ref::dequantize_row(T, &b, y2.data(), y2.size());
    std::vector<std::uint16_t> h(y.size());
    ref::dequantize_row_f16(T, &b, h.data(), h.size());
    for (std::size_t i = 0; i < y.size(); ++i) {
        EXPECT_EQ(hq::float_bits(y[i]), hq::float_bits(y2[i])) << i;
        EXPECT_EQ(h[i], hq::fp32_to_fp16(y[i])) << i;
    }
    return y;
}

}  // namespace

TEST(ReferenceDequantize, FloatTypes) {
    const float f[3] = {1.5f, -0.0f, std::numeric_limits<float>::infinity()};
    float out[3];
    ref::dequantize_row(hq::QuantType::F32, f, out, 3);
    EXPECT_EQ(std::memcmp(f, out, sizeof f), 0);

    // f16: 1.0, -2.0, +Inf, smallest subnormal 2^-24, a quiet NaN.
    const std::uint16_t h[5] = {0x3C00, 0xC000, 0x7C00, 0x0001, 0x7E00};
    float hf[5];
    ref::dequantize_row(hq::QuantType::F16, h, hf, 5);
    EXPECT_EQ(hf[0], 1.0f);
    EXPECT_EQ(hf[1], -2.0f);
    EXPECT_EQ(hf[2], std::numeric_limits<float>::infinity());
    EXPECT_EQ(hf[3], std::ldexp(1.0f, -24));
    EXPECT_TRUE(std::isnan(hf[4]));

    // bf16: 1.0, -3.0, -Inf, NaN.
    const std::uint16_t b[4] = {0x3F80, 0xC040, 0xFF80, 0x7FC0};
    float bf[4];
    ref::dequantize_row(hq::QuantType::BF16, b, bf, 4);
    EXPECT_EQ(bf[0], 1.0f);
    EXPECT_EQ(bf[1], -3.0f);
    EXPECT_EQ(bf[2], -std::numeric_limits<float>::infinity());
    EXPECT_TRUE(std::isnan(bf[3]));
}

TEST(ReferenceDequantize, Q4_0AndQ4_1) {
    hq::BlockQ4_0 a{};
    a.d = 0x3800;  // 0.5
    std::memset(a.qs, 0x88, 16);
    a.qs[0] = 0x90;   // value 0: (0 - 8) * 0.5 = -4; value 16: (9 - 8) * 0.5 = 0.5
    a.qs[15] = 0xF7;  // value 15: -0.5; value 31: 3.5
    auto y = decode<hq::QuantType::Q4_0>(a);
    EXPECT_EQ(y[0], -4.0f);
    EXPECT_EQ(y[16], 0.5f);
    EXPECT_EQ(y[15], -0.5f);
    EXPECT_EQ(y[31], 3.5f);
    EXPECT_EQ(y[7], 0.0f);

    hq::BlockQ4_1 b{};
    b.d = 0x3800;  // 0.5
    b.m = 0xBC00;  // -1
    b.qs[0] = 0xF0;  // value 0: 0*0.5 - 1 = -1; value 16: 15*0.5 - 1 = 6.5
    auto z = decode<hq::QuantType::Q4_1>(b);
    EXPECT_EQ(z[0], -1.0f);
    EXPECT_EQ(z[16], 6.5f);
    EXPECT_EQ(z[5], -1.0f);
}

TEST(ReferenceDequantize, Q5_0AndQ5_1) {
    hq::BlockQ5_0 a{};
    a.d = 0x3800;     // 0.5
    a.qs[0] = 0x21;   // low nibbles: value 0 -> 1, value 16 -> 2
    a.qh[0] = 0x01;   // bit 0: value 0 gets +16; bit 16 clear
    auto y = decode<hq::QuantType::Q5_0>(a);
    EXPECT_EQ(y[0], 0.5f);    // (17 - 16) * 0.5
    EXPECT_EQ(y[16], -7.0f);  // (2 - 16) * 0.5
    EXPECT_EQ(y[1], -8.0f);   // (0 - 16) * 0.5

    hq::BlockQ5_1 b{};
    b.d = 0x3400;    // 0.25
    b.m = 0x3E00;    // 1.5
    b.qs[3] = 0x5A;  // value 3 -> 10, value 19 -> 5
    b.qh[0] = 0x08;  // bit 3
    b.qh[2] = 0x08;  // bit 19
    auto z = decode<hq::QuantType::Q5_1>(b);
    EXPECT_EQ(z[3], 8.0f);    // 26 * 0.25 + 1.5
    EXPECT_EQ(z[19], 6.75f);  // 21 * 0.25 + 1.5
    EXPECT_EQ(z[0], 1.5f);
}

TEST(ReferenceDequantize, Q8_0Q8_1Q8_K) {
    hq::BlockQ8_0 a{};
    a.d = 0x3000;  // 0.125
    a.qs[7] = -128;
    a.qs[8] = 127;
    auto y = decode<hq::QuantType::Q8_0>(a);
    EXPECT_EQ(y[7], -16.0f);
    EXPECT_EQ(y[8], 15.875f);

    hq::BlockQ8_1 b{};
    b.d = 0x4000;  // 2
    b.s = 0x7C00;  // s is not used by dequantization
    b.qs[31] = -3;
    EXPECT_EQ(decode<hq::QuantType::Q8_1>(b)[31], -6.0f);

    hq::BlockQ8_K c{};
    c.d = 0.1f;  // f32 scale: 0.1f * -7 rounds to 0xBF333333
    c.qs[3] = -7;
    c.qs[255] = 1;
    auto w = decode<hq::QuantType::Q8_K>(c);
    EXPECT_EQ(hq::float_bits(w[3]), 0xBF333333u);
    EXPECT_EQ(w[255], 0.1f);
}

// Q2_K: scales[s] = (4-bit min << 4) | 4-bit scale, x = (d*sc)*q - (dmin*m).
// Value j sits in byte 32*(j/128) + j%32, bits 2*((j/32)%4); its sub-block is j/16.
TEST(ReferenceDequantize, Q2_K) {
    hq::BlockQ2_K b{};
    b.d = 0x3800;     // 0.5
    b.dmin = 0x3400;  // 0.25
    b.scales[0] = 0x23;  // m 2, sc 3
    b.qs[0] = 0x02;      // value 0: q 2 -> 1.5*2 - 0.5 = 2.5
    b.scales[2] = 0x51;  // m 5, sc 1
    b.qs[1] = 0x0C;      // value 33 (quarter 1, l 1): q 3 -> 0.5*3 - 1.25 = 0.25
    b.scales[12] = 0xF0;  // m 15, sc 0
    b.qs[40] = 0x10;      // value 200 (half 1, quarter 2, l 8): q 1 -> 0 - 3.75
    b.scales[15] = 0x0F;  // m 0, sc 15
    b.qs[63] = 0xC0;      // value 255: q 3 -> 7.5*3 = 22.5
    auto y = decode<hq::QuantType::Q2_K>(b);
    EXPECT_EQ(y[0], 2.5f);
    EXPECT_EQ(y[1], -0.5f);  // same sub-block, q 0: -dmin*m
    EXPECT_EQ(y[33], 0.25f);
    EXPECT_EQ(y[200], -3.75f);
    EXPECT_EQ(y[255], 22.5f);
    EXPECT_EQ(y[100], 0.0f);  // sub-block 6: scale byte 0
}

// Q3_K: 16 x 6-bit scales (stored +32) packed in 12 bytes: low 4 bits in
// bytes 0..7 (sub-blocks 0..7 low nibble, 8..15 high nibble), high 2 bits
// in byte 8 + s%4 at bit 2*(s/4). x = (d*(sc-32)) * (low2 - (hmask bit ? 0 : 4)).
TEST(ReferenceDequantize, Q3_K) {
    hq::BlockQ3_K b{};
    b.d = 0x3800;  // 0.5
    // Stored scales: s0 = 33 (+1), s5 = 28 (-4), s9 = 63 (+31), s14 = 0 (-32), all others 32 (0).
    const std::uint8_t sc[12] = {0x01, 0xF0, 0x00, 0x00, 0x00, 0x0C, 0x00, 0x00,
                                 0xAA,   // s0, s4, s8, s12 high bits: 2, 2, 2, 2
                                 0xB6,   // s1, s5, s9, s13: 2, 1, 3, 2
                                 0x2A,   // s2, s6, s10, s14: 2, 2, 2, 0
                                 0xAA};  // s3, s7, s11, s15
    std::memcpy(b.scales, sc, 12);
    for (int s = 0; s < 16; ++s) {
        const int want = s == 0 ? 33 : s == 5 ? 28 : s == 9 ? 63 : s == 14 ? 0 : 32;
        EXPECT_EQ(hq::q3_k_scale(b.scales, s), want) << "sub-block " << s;
    }
    b.qs[0] = 0x03;      // value 0: low bits 3
    b.hmask[0] = 0x01;   //          high bit set -> q = 3 -> 0.5*1*3 = 1.5
                         // value 1: low 0, hmask[1] clear -> q = -4 -> -2
    b.qs[16] = 0x20;     // value 80 (quarter 2, l 16): low 2
    b.hmask[16] = 0x04;  //          bit 2 set -> q = 2 -> (0.5*-4)*2 = -4
    b.qs[54] = 0x01;     // value 150 (half 1, quarter 0, l 22): low 1, hmask bit 4 clear -> -3
                         //          -> (0.5*31)*-3 = -46.5
    b.qs[38] = 0xC0;     // value 230 (half 1, quarter 3, l 6): low 3, bit 7 clear -> -1 -> 16
    auto y = decode<hq::QuantType::Q3_K>(b);
    EXPECT_EQ(y[0], 1.5f);
    EXPECT_EQ(y[1], -2.0f);
    EXPECT_EQ(y[80], -4.0f);
    EXPECT_EQ(y[150], -46.5f);
    EXPECT_EQ(y[230], 16.0f);
    EXPECT_EQ(y[40], 0.0f);  // sub-block 2: scale 0
}

namespace {
// Q4_K / Q5_K scales: s0 (sc 1, m 2), s3 (sc 63, m 0), s5 (sc 17, m 33),
// s7 (sc 0, m 63), others 0. Bytes 0..3: sc0..3 | (high 2 bits of sc4..7) << 6;
// 4..7: m0..3 | (high 2 of m4..7) << 6; 8..11: low 4 of sc4..7 | low 4 of m4..7 << 4.
const std::uint8_t kK4Scales[12] = {0x01, 0x40, 0x00, 0x3F, 0x02, 0x80, 0x00, 0xC0, 0x00, 0x11, 0x00, 0xF0};
}  // namespace

TEST(ReferenceDequantize, Q4_KScalePacking) {
    const int want_sc[8] = {1, 0, 0, 63, 0, 17, 0, 0};
    const int want_m[8] = {2, 0, 0, 0, 0, 33, 0, 63};
    for (int j = 0; j < 8; ++j) {
        std::uint8_t sc, m;
        hq::get_scale_min_k4(j, kK4Scales, sc, m);
        EXPECT_EQ(sc, want_sc[j]) << j;
        EXPECT_EQ(m, want_m[j]) << j;
    }
}

// Q4_K: chunk c (64 values) reads qs[32c..32c+31], low nibbles = sub-block
// 2c, high = 2c+1; x = (d*sc)*q - (dmin*m).
TEST(ReferenceDequantize, Q4_K) {
    hq::BlockQ4_K b{};
    b.d = 0x3800;     // 0.5
    b.dmin = 0x3400;  // 0.25
    std::memcpy(b.scales, kK4Scales, 12);
    b.qs[0] = 0x07;   // value 0 (s0): 0.5*7 - 0.5 = 3
    b.qs[36] = 0xF0;  // value 100 (chunk 1 high, s3): 31.5*15 = 472.5
    b.qs[74] = 0x20;  // value 170 (chunk 2 high, s5): 8.5*2 - 8.25 = 8.75
    b.qs[127] = 0x90; // value 255 (chunk 3 high, s7): 0*9 - 15.75
    auto y = decode<hq::QuantType::Q4_K>(b);
    EXPECT_EQ(y[0], 3.0f);
    EXPECT_EQ(y[1], -0.5f);
    EXPECT_EQ(y[32], 0.0f);  // s1
    EXPECT_EQ(y[100], 472.5f);
    EXPECT_EQ(y[170], 8.75f);
    EXPECT_EQ(y[255], -15.75f);
    EXPECT_EQ(y[224], -15.75f);
}

// Q5_K: Q4_K plus bit j/32 of qh[j%32] worth 16.
TEST(ReferenceDequantize, Q5_K) {
    hq::BlockQ5_K b{};
    b.d = 0x3800;
    b.dmin = 0x3400;
    std::memcpy(b.scales, kK4Scales, 12);
    b.qs[0] = 0x07;
    b.qh[0] = 0x01;   // value 0: q 23 -> 11.5 - 0.5 = 11
    b.qs[36] = 0xF0;
    b.qh[4] = 0x08;   // value 100: q 31 -> 976.5
    b.qs[74] = 0x20;  // value 170: bit 5 of qh[10] clear -> q 2 -> 8.75
    b.qs[127] = 0x90;
    b.qh[31] = 0x80;  // value 255: q 25 -> 0 - 15.75
    auto y = decode<hq::QuantType::Q5_K>(b);
    EXPECT_EQ(y[0], 11.0f);
    EXPECT_EQ(y[100], 976.5f);
    EXPECT_EQ(y[170], 8.75f);
    EXPECT_EQ(y[255], -15.75f);
}

// Q6_K: per half h, quarter k, l = j%32: low 4 bits in ql[64h + l + 32*(k&1)]
// (low nibble for k < 2), high 2 in qh[32h + l] >> 2k; int8 scale j/16.
// x = (d*sc) * (q - 32).
TEST(ReferenceDequantize, Q6_K) {
    hq::BlockQ6_K b{};
    b.d = 0x3400;  // 0.25
    b.scales[0] = 2;
    b.scales[7] = -3;
    b.scales[10] = 127;
    b.scales[15] = -128;
    b.ql[0] = 0x05;
    b.qh[0] = 0x02;   // value 0: q 37 - 32 = 5 -> 0.5*5 = 2.5
    b.ql[56] = 0xA0;
    b.qh[24] = 0x40;  // value 120 (quarter 3, l 24): 10 | 16 = 26 -> -6 -> (-0.75)(-6) = 4.5
    b.ql[101] = 0x0F;
    b.qh[37] = 0x0C;  // value 165 (half 1, quarter 1, l 5): 63 -> 31 -> 31.75*31 = 984.25
    // value 255 (half 1, quarter 3, l 31): all bits 0 -> q -32 -> (-32)(-32) = 1024
    auto y = decode<hq::QuantType::Q6_K>(b);
    EXPECT_EQ(y[0], 2.5f);
    EXPECT_EQ(y[120], 4.5f);
    EXPECT_EQ(y[165], 984.25f);
    EXPECT_EQ(y[255], 1024.0f);
    EXPECT_EQ(y[1], -16.0f);  // q -32 with scale 2: 0.5 * -32
    EXPECT_EQ(y[64], 0.0f);   // sub-block 4: scale 0
}

// IQ4_NL: x = d * v[q], v GGML's 16-entry codebook (kvalues_iq4nl);
// value j's index in the low nibble of qs[j], value j + 16's in the high.
TEST(ReferenceDequantize, IQ4_NL) {
    const int v[16] = {-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113};
    hq::BlockIQ4_NL b{};
    b.d = 0x3800;  // 0.5
    for (int j = 0; j < 16; ++j) b.qs[j] = static_cast<std::uint8_t>(j | ((15 - j) << 4));
    const auto y = decode<hq::QuantType::IQ4_NL>(b);
    for (int j = 0; j < 16; ++j) {
        EXPECT_EQ(y[j], 0.5f * static_cast<float>(v[j])) << j;
        EXPECT_EQ(y[j + 16], 0.5f * static_cast<float>(v[15 - j])) << j;
    }
    EXPECT_EQ(y[0], -63.5f);
    EXPECT_EQ(y[16], 56.5f);
}

// IQ4_XS: sub-block s has scale d * (ls - 32), ls = low nibble s % 2 of
// scales_l[s / 2] | bits 2s..2s+1 of scales_h << 4.
TEST(ReferenceDequantize, IQ4_XS) {
    hq::BlockIQ4_XS b{};
    b.d = 0x3400;  // 0.25
    // ls per sub-block: 0, 31, 32, 33, 63, 47, 16, 40.
    const int ls[8] = {0, 31, 32, 33, 63, 47, 16, 40};
    for (int s = 0; s < 8; ++s) {
        b.scales_l[s / 2] = static_cast<std::uint8_t>(b.scales_l[s / 2] | ((ls[s] & 0x0f) << (4 * (s % 2))));
        b.scales_h = static_cast<std::uint16_t>(b.scales_h | ((ls[s] >> 4) << (2 * s)));
    }
    EXPECT_EQ(b.scales_l[0], 0xF0);  // ls 0 and 31: nibbles 0x0 and 0xF
    EXPECT_EQ(b.scales_h, 0x9BA4);   // high bits 0,1,2,2,3,2,1,2
    for (int s = 0; s < 8; ++s)
        for (int j = 0; j < 16; ++j) b.qs[16 * s + j] = static_cast<std::uint8_t>(((j + s) & 15) | (8 << 4));
    const auto y = decode<hq::QuantType::IQ4_XS>(b);
    for (int s = 0; s < 8; ++s) {
        const float dl = 0.25f * static_cast<float>(ls[s] - 32);
        for (int j = 0; j < 16; ++j) {
            EXPECT_EQ(y[32 * s + j], dl * static_cast<float>(hq::codebook_value<hq::CodebookIq4Nl>((j + s) & 15)));
            EXPECT_EQ(y[32 * s + 16 + j], dl * 1.0f);  // index 8: value 1
        }
    }
    EXPECT_EQ(y[0], 0.25f * -32 * -127);  // sub-block 0: scale -8, index 0
    EXPECT_EQ(y[32 + 16], -0.25f);        // sub-block 1: scale -0.25, value 1
    EXPECT_EQ(y[64], 0.0f);               // sub-block 2: ls 32, scale 0
}

// MXFP4: x = v[q] * 2^(e - 128), v the doubled E2M1 values; e 0 and 1 give
// subnormal scales.
TEST(ReferenceDequantize, MXFP4) {
    const int v[16] = {0, 1, 2, 3, 4, 6, 8, 12, 0, -1, -2, -3, -4, -6, -8, -12};
    hq::BlockMXFP4 b{};
    b.e = 128;  // scale 1
    for (int j = 0; j < 16; ++j) b.qs[j] = static_cast<std::uint8_t>(j | ((15 - j) << 4));
    auto y = decode<hq::QuantType::MXFP4>(b);
    for (int j = 0; j < 16; ++j) {
        EXPECT_EQ(y[j], static_cast<float>(v[j])) << j;
        EXPECT_EQ(y[j + 16], static_cast<float>(v[15 - j])) << j;
    }
    EXPECT_EQ(hq::float_bits(y[8]), 0u);  // +0, not -0
    b.e = 131;                            // 2^3
    EXPECT_EQ(decode<hq::QuantType::MXFP4>(b)[7], 96.0f);
    b.e = 0;  // 2^-128
    y = decode<hq::QuantType::MXFP4>(b);
    EXPECT_EQ(y[1], std::ldexp(1.0f, -128));
    EXPECT_EQ(y[15], -12 * std::ldexp(1.0f, -128));
    b.e = 1;
    EXPECT_EQ(decode<hq::QuantType::MXFP4>(b)[2], std::ldexp(1.0f, -126));
    b.e = 255;  // 2^127
    EXPECT_EQ(decode<hq::QuantType::MXFP4>(b)[1], std::ldexp(1.0f, 127));
    EXPECT_TRUE(std::isinf(decode<hq::QuantType::MXFP4>(b)[2]));  // 2 x 2^127 overflows f32
}
