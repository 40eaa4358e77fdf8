// Byte-exactness of the 32-value quantizers against GGML's reference
// quantizer: expected blocks are worked out by hand below, step by step.
#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "hipquant/quant/reference.hpp"

namespace hq = hipquant::quant;
namespace ref = hipquant::quant::reference;

namespace {

// Input block: zeros except the listed (index, value) pairs.
std::vector<float> block_of(std::initializer_list<std::pair<int, float>> set, float fill = 0.0f) {
    std::vector<float> x(32, fill);
    for (auto [i, v] : set) x[static_cast<std::size_t>(i)] = v;
    return x;
}

template <typename B>
void expect_same_bytes(const B& got, const B& want) {
    const auto* g = reinterpret_cast<const unsigned char*>(&got);
    const auto* w = reinterpret_cast<const unsigned char*>(&want);
    for (std::size_t i = 0; i < sizeof(B); ++i) EXPECT_EQ(int(g[i]), int(w[i])) << "byte " << i;
}

template <hq::QuantType T>
hq::reference::Block<T> quantize_one(const std::vector<float>& x) {
    hq::reference::Block<T> b;
    std::memset(&b, 0xAB, sizeof b);  // every byte must be written
    ref::quantize_row<T>(x.data(), &b, x.size());
    return b;
}

void fill(std::uint8_t* p, std::size_t n, std::uint8_t v) { std::memset(p, v, n); }

}  // namespace

// Q4_0: d = max / -8 with max the signed value of largest |x| (first wins);
// q = min(15, trunc(x/d + 8.5)), i.e. round half up, then clamp.
TEST(ReferenceQuantize, Q4_0MatchesGgmlBytes) {
    // max = -4 (x0; x1 = +4 ties and loses) -> d = 0.5 (f16 0x3800), id = 2.
    // x*2 + 8.5: x0 -> 0.5 -> 0; x1 -> 16.5 -> 16 -> clamp 15; x2 (0.25) -> 9.0 -> 9;
    // x3 (-0.25) -> 8.0 -> 8; x4 (1) -> 10.5 -> 10; x5 (-1.5) -> 5.5 -> 5;
    // x6 (3.75) -> 16 -> 15; x7 (-3.75) -> 1; zeros -> 8.5 -> 8;
    // x16 (0.5) -> 9.5 -> 9; x17 (-0.5) -> 7.5 -> 7; x31 (2) -> 12.5 -> 12.
    // Byte j = q[j] | q[j+16] << 4.
    const auto a = quantize_one<hq::QuantType::Q4_0>(block_of(
        {{0, -4.0f}, {1, 4.0f}, {2, 0.25f}, {3, -0.25f}, {4, 1.0f}, {5, -1.5f}, {6, 3.75f}, {7, -3.75f},
         {16, 0.5f}, {17, -0.5f}, {31, 2.0f}}));
    hq::BlockQ4_0 want{};
    want.d = 0x3800;
    const std::uint8_t qs[16] = {0x90, 0x7F, 0x89, 0x88, 0x8A, 0x85, 0x8F, 0x81,
                                 0x88, 0x88, 0x88, 0x88, 0x88, 0x88, 0x88, 0xC8};
    std::memcpy(want.qs, qs, 16);
    expect_same_bytes(a, want);

    // All zero: max stays 0, d = 0 / -8 = -0.0f (f16 0x8000, as GGML stores it),
    // id = 0, every q = trunc(8.5) = 8.
    const auto z = quantize_one<hq::QuantType::Q4_0>(block_of({}));
    hq::BlockQ4_0 want_z{};
    want_z.d = 0x8000;
    fill(want_z.qs, 16, 0x88);
    expect_same_bytes(z, want_z);

    // Positive max: x5 = 2 wins over the later x9 = -2 -> d = -0.25 (0xB400), id = -4.
    // x5 -> -8 + 8.5 -> 0; x9 -> 16.5 -> 15; x20 (1) -> 4.5 -> 4; x21 (-0.125) -> 9.0 -> 9.
    const auto c = quantize_one<hq::QuantType::Q4_0>(block_of({{5, 2.0f}, {9, -2.0f}, {20, 1.0f}, {21, -0.125f}}));
    hq::BlockQ4_0 want_c{};
    want_c.d = 0xB400;
    fill(want_c.qs, 16, 0x88);
    want_c.qs[4] = 0x48;  // q4 = 8, q20 = 4
    want_c.qs[5] = 0x90;  // q5 = 0, q21 = 9
    want_c.qs[9] = 0x8F;  // q9 = 15, q25 = 8
    expect_same_bytes(c, want_c);
}

// Q4_1: d = (max - min) / 15, m = min, q = min(15, trunc((x - min)/d + 0.5)).
TEST(ReferenceQuantize, Q4_1MatchesGgmlBytes) {
    // min = -1, max = 6.5 -> d = 0.5 (0x3800), m = -1 (0xBC00), id = 2.
    // (x+1)*2 + 0.5: x0 -> 0; x1 (6.5) -> 15.5 -> 15; x2 (-0.75) -> 1.0 -> 1 (half up);
    // zeros -> 2.5 -> 2; x4 (2.2) -> 6.9 -> 6; x16 (6.5) -> 15; x17 (-1) -> 0; x20 (3) -> 8.5 -> 8.
    const auto a = quantize_one<hq::QuantType::Q4_1>(block_of(
        {{0, -1.0f}, {1, 6.5f}, {2, -0.75f}, {4, 2.2f}, {16, 6.5f}, {17, -1.0f}, {20, 3.0f}}));
    hq::BlockQ4_1 want{};
    want.d = 0x3800;
    want.m = 0xBC00;
    fill(want.qs, 16, 0x22);
    want.qs[0] = 0xF0;
    want.qs[1] = 0x0F;
    want.qs[2] = 0x21;
    want.qs[4] = 0x86;
    expect_same_bytes(a, want);

    // Constant block: max == min -> d = 0, id = 0, q = trunc(0.5) = 0; m keeps the value.
    const auto c = quantize_one<hq::QuantType::Q4_1>(block_of({}, 3.0f));
    hq::BlockQ4_1 want_c{};
    want_c.d = 0x0000;
    want_c.m = 0x4200;
    expect_same_bytes(c, want_c);
}

// Q5_0: d = max / -16, q = min(31, trunc(x/d + 16.5)); bit 4 of q[j] is bit j of qh (LE).
TEST(ReferenceQuantize, Q5_0MatchesGgmlBytes) {
    // max = -8 -> d = -8 / -16 = 0.5 (0x3800), id = 2.
    // x*2 + 16.5: x0 (-8) -> 0.5 -> 0; x1 (8) -> 32.5 -> 31; x2 (0.25) -> 17; x3 (-0.25) -> 16;
    // x4 (-0.75) -> 15; x5 (7.5) -> 31.5 -> 31; zeros -> 16; x16 (1) -> 18.5 -> 18; x17 (-7) -> 2.5 -> 2.
    const auto a = quantize_one<hq::QuantType::Q5_0>(block_of(
        {{0, -8.0f}, {1, 8.0f}, {2, 0.25f}, {3, -0.25f}, {4, -0.75f}, {5, 7.5f}, {16, 1.0f}, {17, -7.0f}}));
    hq::BlockQ5_0 want{};
    want.d = 0x3800;
    const std::uint8_t qs[16] = {0x20, 0x2F, 0x01, 0x00, 0x0F, 0x0F, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    std::memcpy(want.qs, qs, 16);
    // q >= 16 everywhere except j0 (0), j4 (15), j17 (2).
    const std::uint8_t qh[4] = {0xEE, 0xFF, 0xFD, 0xFF};
    std::memcpy(want.qh, qh, 4);
    expect_same_bytes(a, want);

    const auto z = quantize_one<hq::QuantType::Q5_0>(block_of({}));
    hq::BlockQ5_0 want_z{};
    want_z.d = 0x8000;  // 0 / -16 = -0.0f
    fill(want_z.qh, 4, 0xFF);  // q = 16 for every value: only the high bit
    expect_same_bytes(z, want_z);
}

// Q5_1: d = (max - min) / 31, q = (uint8)((x - min)/d + 0.5).
TEST(ReferenceQuantize, Q5_1MatchesGgmlBytes) {
    // min = -1, max = 14.5 -> d = 0.5, m = -1, id = 2. (x+1)*2 + 0.5:
    // x0 -> 0; x1 -> 31; x2 (7) -> 16.5 -> 16; x3 (-0.75) -> 1; x4 (6.75) -> 16.0 -> 16;
    // x5 (6.5) -> 15.5 -> 15; zeros -> 2; x16 (14.5) -> 31; x17 (0.25) -> 3.
    const auto a = quantize_one<hq::QuantType::Q5_1>(block_of(
        {{0, -1.0f}, {1, 14.5f}, {2, 7.0f}, {3, -0.75f}, {4, 6.75f}, {5, 6.5f}, {16, 14.5f}, {17, 0.25f}}));
    hq::BlockQ5_1 want{};
    want.d = 0x3800;
    want.m = 0xBC00;
    const std::uint8_t qs[16] = {0xF0, 0x3F, 0x20, 0x21, 0x20, 0x2F, 0x22, 0x22,
                                 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22};
    std::memcpy(want.qs, qs, 16);
    const std::uint8_t qh[4] = {0x16, 0x00, 0x01, 0x00};  // q >= 16 at j1, j2, j4, j16
    std::memcpy(want.qh, qh, 4);
    expect_same_bytes(a, want);
}

// Q8_0 / Q8_1: d = amax / 127, q = roundf(x * (1/d)) (ties away from zero),
// Q8_1 also s = f16(d * sum q).
TEST(ReferenceQuantize, Q8_0AndQ8_1MatchGgmlBytes) {
    // amax = 63.5 -> d = 0.5 (0x3800), id = 2: 63.5 -> 127; -63.5 -> -127; 0.25 -> 0.5 -> 1;
    // -0.25 -> -1; 0.75 -> 1.5 -> 2; 1.2 -> 2.4 -> 2; -1.25 -> -2.5 -> -3; 10 -> 20.
    const auto xa = block_of({{0, 63.5f}, {1, -63.5f}, {2, 0.25f}, {3, -0.25f}, {4, 0.75f}, {5, 1.2f},
                              {6, -1.25f}, {20, 10.0f}});
    const std::int8_t qa[8] = {127, -127, 1, -1, 2, 2, -3, 0};
    // amax = 1 -> d = 1/127 = 0.0078740157f, f16 0x2008 (rounded only when stored);
    // id = 1/d = 127.0f exactly: -1 -> -127; 0.3 -> 38.1 -> 38; 1 -> 127.
    const auto xb = block_of({{0, -1.0f}, {1, 0.3f}, {2, 1.0f}});

    hq::BlockQ8_0 want_a{};
    want_a.d = 0x3800;
    std::memcpy(want_a.qs, qa, 8);
    want_a.qs[20] = 20;
    expect_same_bytes(quantize_one<hq::QuantType::Q8_0>(xa), want_a);

    hq::BlockQ8_0 want_b{};
    want_b.d = 0x2008;
    want_b.qs[0] = -127;
    want_b.qs[1] = 38;
    want_b.qs[2] = 127;
    expect_same_bytes(quantize_one<hq::QuantType::Q8_0>(xb), want_b);

    // sum q = 127 - 127 + 1 - 1 + 2 + 2 - 3 + 20 = 21 -> s = f16(10.5) = 0x4940.
    hq::BlockQ8_1 want_a1{};
    want_a1.d = 0x3800;
    want_a1.s = 0x4940;
    std::memcpy(want_a1.qs, want_a.qs, 32);
    expect_same_bytes(quantize_one<hq::QuantType::Q8_1>(xa), want_a1);

    // sum q = 38 -> s = f16(38 * 0.0078740157f) = f16(0.29921...) = 0x34CA.
    hq::BlockQ8_1 want_b1{};
    want_b1.d = 0x2008;
    want_b1.s = 0x34CA;
    std::memcpy(want_b1.qs, want_b.qs, 32);
    expect_same_bytes(quantize_one<hq::QuantType::Q8_1>(xb), want_b1);

    // The legacy entry point is the same function.
    hq::BlockQ8_1 legacy;
    ref::quantize_row_q8_1(xb.data(), &legacy, 32);
    expect_same_bytes(legacy, want_b1);
}

// Several blocks in one row land in consecutive blocks, each on its own scale.
TEST(ReferenceQuantize, RowOfSeveralBlocks) {
    std::vector<float> row = block_of({{0, -4.0f}});
    const auto second = block_of({{5, 2.0f}});
    row.insert(row.end(), second.begin(), second.end());
    hq::BlockQ4_0 blocks[2];
    ref::quantize_row(hq::QuantType::Q4_0, row.data(), blocks, row.size());
    EXPECT_EQ(blocks[0].d, 0x3800);
    EXPECT_EQ(blocks[1].d, 0xB400);
    EXPECT_EQ(blocks[0].qs[0], 0x80);  // q0 = 0, q16 = 8
    EXPECT_EQ(blocks[1].qs[5], 0x80);
}

namespace {

// IQ4_NL's codebook (GGML's kvalues_iq4nl).
constexpr int kIq4[16] = {-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113};

// 32 values c * v[i_j] with i_j = j for j < 16 and 31 - j after: every
// index once per half, byte j of the packed indices j | (15 - j) << 4.
std::vector<float> codebook_group(float c) {
    std::vector<float> x(32);
    for (int j = 0; j < 32; ++j) x[static_cast<std::size_t>(j)] = c * static_cast<float>(kIq4[j < 16 ? j : 31 - j]);
    return x;
}

}  // namespace

// IQ4_NL as GGML's quantize_iq4_nl without an importance matrix: values on
// the codebook at a power-of-two scale c are fitted exactly. The largest
// |x| is -127 c (index 0, the first of two), so the trial scale
// max / (0 - 127) is c, whose indices fit perfectly (no trial beats a
// perfect fit), d = c exactly, and every value keeps its index.
TEST(ReferenceQuantize, IQ4_NLMatchesGgmlBytes) {
    const auto a = quantize_one<hq::QuantType::IQ4_NL>(codebook_group(1.0f / 64));
    hq::BlockIQ4_NL want{};
    want.d = 0x2400;  // 2^-6
    for (int j = 0; j < 16; ++j) want.qs[j] = static_cast<std::uint8_t>(j | ((15 - j) << 4));
    expect_same_bytes(a, want);

    // A negative c: the same indices under d = c (the fit keeps the sign).
    const auto n = quantize_one<hq::QuantType::IQ4_NL>(codebook_group(-0.5f));
    want.d = 0xB800;  // -0.5
    expect_same_bytes(n, want);

    // All zero: scale 0, and every index re-taken against 1/0 -> 0 is the
    // nearest value to 0 (1, index 8).
    const auto z = quantize_one<hq::QuantType::IQ4_NL>(block_of({}));
    hq::BlockIQ4_NL want_z{};
    fill(want_z.qs, 16, 0x88);
    expect_same_bytes(z, want_z);
}

// IQ4_XS as GGML's quantize_iq4_xs without an importance matrix: group g
// holds codebook_group(l_g / 512) with l = -32, 16, -8, 4, 1, -1, 2, -16
// (powers of two: each group's fit is exact, as for IQ4_NL). The largest
// group scale is -1/16, so d = 1/16 / 32 = 2^-9 and group g stores l_g + 32
// = 0, 48, 24, 36, 33, 31, 34, 16: low nibbles in scales_l, high 2 bits in
// scales_h.
TEST(ReferenceQuantize, IQ4_XSMatchesGgmlBytes) {
    const int l[8] = {-32, 16, -8, 4, 1, -1, 2, -16};
    std::vector<float> x;
    for (int g = 0; g < 8; ++g) {
        const auto group = codebook_group(static_cast<float>(l[g]) / 512);
        x.insert(x.end(), group.begin(), group.end());
    }
    const auto a = quantize_one<hq::QuantType::IQ4_XS>(x);
    hq::BlockIQ4_XS want{};
    want.d = 0x1800;  // 2^-9
    want.scales_h = 0x669C;  // high bits 0, 3, 1, 2, 2, 1, 2, 1
    const std::uint8_t scales_l[4] = {0x00, 0x48, 0xF1, 0x02};
    std::memcpy(want.scales_l, scales_l, 4);
    for (int g = 0; g < 8; ++g)
        for (int j = 0; j < 16; ++j) want.qs[16 * g + j] = static_cast<std::uint8_t>(j | ((15 - j) << 4));
    expect_same_bytes(a, want);

    // All zero: d = -0/32 = -0 (f16 0x8000), every l = 0 (stored 32: low
    // nibble 0, high bits 2), every index that of 1 (8).
    const auto z = quantize_one<hq::QuantType::IQ4_XS>(std::vector<float>(256, 0.0f));
    hq::BlockIQ4_XS want_z{};
    want_z.d = 0x8000;
    want_z.scales_h = 0xAAAA;
    fill(want_z.qs, 128, 0x88);
    expect_same_bytes(z, want_z);
}

// MXFP4 as GGML's quantize_row_mxfp4_ref: e = floor(log2(amax)) - 2 + 127,
// each index the first nearest of v * 2^(e - 128), v the doubled E2M1
// values {0 1 2 3 4 6 8 12 0 -1 -2 -3 -4 -6 -8 -12}.
TEST(ReferenceQuantize, MXFP4MatchesGgmlBytes) {
    // amax 6 -> e = 2 - 2 + 127 = 127, step 0.5: 6 -> index 7; -6 -> 15;
    // 0.25 ties 0 and 0.5 -> 0 (first); 2.5 ties 2 and 3 -> 4; -0.75 ties
    // -0.5 and -1 -> 9; 5 ties 4 and 6 -> 6; 1.2 -> 1 (2); -3.5 -> -3 (13).
    const auto a = quantize_one<hq::QuantType::MXFP4>(block_of(
        {{0, 6.0f}, {1, -6.0f}, {2, 0.25f}, {3, 2.5f}, {4, -0.75f}, {5, 5.0f}, {16, 1.2f}, {17, -3.5f}, {31, 0.1f}}));
    hq::BlockMXFP4 want{};
    want.e = 127;
    const std::uint8_t qs[16] = {0x27, 0xDF, 0x00, 0x04, 0x09, 0x06, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    std::memcpy(want.qs, qs, 16);
    expect_same_bytes(a, want);

    // amax a power of two: 8 -> e = 128, step 1, 8 is index 6.
    const auto p = quantize_one<hq::QuantType::MXFP4>(block_of({{9, 8.0f}}));
    hq::BlockMXFP4 want_p{};
    want_p.e = 128;
    want_p.qs[9] = 0x06;
    expect_same_bytes(p, want_p);

    // All zero: e = 0, every index 0.
    expect_same_bytes(quantize_one<hq::QuantType::MXFP4>(block_of({})), hq::BlockMXFP4{});

    // amax below 2^-125, where GGML's uint8 conversion of a negative e is
    // undefined: e is 0 (step 2^-128), and 1e-38 is nearest 3 steps (index 3).
    const auto t = quantize_one<hq::QuantType::MXFP4>(block_of({{0, 1e-38f}}));
    hq::BlockMXFP4 want_t{};
    want_t.qs[0] = 0x03;
    expect_same_bytes(t, want_t);
}
