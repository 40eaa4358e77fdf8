// The reference's row, dot and matrix entry points: per-type traits
// (decode, activation type, dot) and the run-time dispatch through
// visit_quant_type, the one switch on type.
#include <algorithm>
#include <cstring>
#include <thread>
#include <type_traits>

#include "hipquant/quant/decode.hpp"
#include "hipquant/quant/half.hpp"
#include "reference_internal.hpp"

namespace hipquant::quant::reference {

namespace {

using detail::require_whole_blocks;

// --- Per-type traits ------------------------------------------------------
// RefTraits<T>: `act` (the activation type of its dot), decode(b, j), and
// dot(x, y, nblocks) over whole blocks of weight x and activation y.
template <QuantType T>
struct RefTraits;

// F32 / F16 / BF16: one value per "block", dot against F32 in double.
template <QuantType T, float (*Decode)(Block<T>)>
struct FloatTraits {
    static constexpr QuantType act = QuantType::F32;
    static float decode(const Block<T>& b, int) { return Decode(b); }
    static float dot(const Block<T>* x, const float* y, std::size_t n) {
        double sum = 0;
        for (std::size_t i = 0; i < n; ++i) sum += static_cast<double>(Decode(x[i])) * static_cast<double>(y[i]);
        return static_cast<float>(sum);
    }
};
inline float identity(float v) { return v; }
inline float from_f16(std::uint16_t v) { return fp16_to_fp32(v); }
inline float from_bf16(std::uint16_t v) { return bf16_to_fp32(v); }
template <> struct RefTraits<QuantType::F32> : FloatTraits<QuantType::F32, identity> {};
template <> struct RefTraits<QuantType::F16> : FloatTraits<QuantType::F16, from_f16> {};
template <> struct RefTraits<QuantType::BF16> : FloatTraits<QuantType::BF16, from_bf16> {};

// 32-value weights against Q8_1: per block sumi = sum q_w * q_a (int), then
// symmetric types add (d_w * d_a) * sumi, offset types (x = d*q + m) also
// m_w * s_a, since s_a = d_a * sum q_a.
template <QuantType T>
float f16_scale(const Block<T>& b) {
    return fp16_to_fp32(b.d);
}
template <QuantType T, int (*Quant)(const Block<T>&, int), float (*Decode)(const Block<T>&, int), bool kOffset,
          float (*Scale)(const Block<T>&) = f16_scale<T>>
struct Q32Traits {
    static constexpr QuantType act = QuantType::Q8_1;
    static float decode(const Block<T>& b, int j) { return Decode(b, j); }
    static float dot(const Block<T>* x, const BlockQ8_1* y, std::size_t nb) {
        float sum = 0;
        for (std::size_t i = 0; i < nb; ++i) {
            int sumi = 0;
            for (int j = 0; j < kQK; ++j) sumi += Quant(x[i], j) * y[i].qs[j];
            const float dd = Scale(x[i]) * fp16_to_fp32(y[i].d);
            if constexpr (kOffset) {
                sum += dd * static_cast<float>(sumi) + fp16_to_fp32(x[i].m) * fp16_to_fp32(y[i].s);
            } else {
                sum += dd * static_cast<float>(sumi);
            }
        }
        return sum;
    }
};
inline int quant_q8_0(const BlockQ8_0& b, int j) { return b.qs[j]; }
inline int quant_q8_1(const BlockQ8_1& b, int j) { return b.qs[j]; }
template <> struct RefTraits<QuantType::Q4_0> : Q32Traits<QuantType::Q4_0, quant_q4_0, decode_q4_0, false> {};
template <> struct RefTraits<QuantType::Q4_1> : Q32Traits<QuantType::Q4_1, quant_q4_1, decode_q4_1, true> {};
template <> struct RefTraits<QuantType::Q5_0> : Q32Traits<QuantType::Q5_0, quant_q5_0, decode_q5_0, false> {};
template <> struct RefTraits<QuantType::Q5_1> : Q32Traits<QuantType::Q5_1, quant_q5_1, decode_q5_1, true> {};
template <> struct RefTraits<QuantType::Q8_0> : Q32Traits<QuantType::Q8_0, quant_q8_0, decode_q8_0, false> {};
template <> struct RefTraits<QuantType::Q8_1> : Q32Traits<QuantType::Q8_1, quant_q8_1, decode_q8_1, false> {};
// The codebook formats: the quants are the codebook's values.
inline float mxfp4_scale(const BlockMXFP4& b) { return e8m0_half_to_fp32(b.e); }
template <> struct RefTraits<QuantType::IQ4_NL> : Q32Traits<QuantType::IQ4_NL, quant_iq4_nl, decode_iq4_nl, false> {};
template <>
struct RefTraits<QuantType::MXFP4> : Q32Traits<QuantType::MXFP4, quant_mxfp4, decode_mxfp4, false, mxfp4_scale> {};

// K weights against Q8_K. Per super-block, with sub-blocks of `Sub` values:
//   sumi  = sum over sub-blocks s of scale_s * (sum of q_w * q_a in s)
//   summs = sum over s of min_s * (sum of q_a in s, from Q8_K's bsums)
//   dot  += (d_a * d_w) * sumi - (d_a * dmin_w) * summs
// Derived traits give Sub, quant(b, j), scale(b, s), min(b, s), d(b), dmin(b).
template <QuantType T, typename Derived>
struct KTraits {
    static constexpr QuantType act = QuantType::Q8_K;
    static float dot(const Block<T>* x, const BlockQ8_K* y, std::size_t nb) {
        constexpr int sub = Derived::kSub;
        float sum = 0;
        for (std::size_t i = 0; i < nb; ++i) {
            int sumi = 0, summs = 0;
            for (int s = 0; s < kQKK / sub; ++s) {
                int subsum = 0;
                for (int j = s * sub; j < (s + 1) * sub; ++j) subsum += Derived::quant(x[i], j) * y[i].qs[j];
                sumi += Derived::scale(x[i], s) * subsum;
                const int m = Derived::min(x[i], s);
                if (m != 0) {
                    int qsum = 0;
                    for (int k = s * sub / 16; k < (s + 1) * sub / 16; ++k) qsum += y[i].bsums[k];
                    summs += m * qsum;
                }
            }
            sum += (y[i].d * Derived::d(x[i])) * static_cast<float>(sumi) -
                   (y[i].d * Derived::dmin(x[i])) * static_cast<float>(summs);
        }
        return sum;
    }
};

template <>
struct RefTraits<QuantType::Q2_K> : KTraits<QuantType::Q2_K, RefTraits<QuantType::Q2_K>> {
    static constexpr int kSub = 16;
    static float decode(const BlockQ2_K& b, int j) { return decode_q2_k(b, j); }
    static int quant(const BlockQ2_K& b, int j) { return quant_q2_k(b, j); }
    static int scale(const BlockQ2_K& b, int s) { return b.scales[s] & 0x0f; }
    static int min(const BlockQ2_K& b, int s) { return b.scales[s] >> 4; }
    static float d(const BlockQ2_K& b) { return fp16_to_fp32(b.d); }
    static float dmin(const BlockQ2_K& b) { return fp16_to_fp32(b.dmin); }
};
template <>
struct RefTraits<QuantType::Q3_K> : KTraits<QuantType::Q3_K, RefTraits<QuantType::Q3_K>> {
    static constexpr int kSub = 16;
    static float decode(const BlockQ3_K& b, int j) { return decode_q3_k(b, j); }
    static int quant(const BlockQ3_K& b, int j) { return quant_q3_k(b, j); }
    static int scale(const BlockQ3_K& b, int s) { return q3_k_scale(b.scales, s) - 32; }
    static int min(const BlockQ3_K&, int) { return 0; }
    static float d(const BlockQ3_K& b) { return fp16_to_fp32(b.d); }
    static float dmin(const BlockQ3_K&) { return 0.0f; }
};
template <QuantType T, typename B>
struct K4Common {
    static constexpr int kSub = 32;
    static int scale(const B& b, int s) {
        std::uint8_t sc, m;
        get_scale_min_k4(s, b.scales, sc, m);
        return sc;
    }
    static int min(const B& b, int s) {
        std::uint8_t sc, m;
        get_scale_min_k4(s, b.scales, sc, m);
        return m;
    }
    static float d(const B& b) { return fp16_to_fp32(b.d); }
    static float dmin(const B& b) { return fp16_to_fp32(b.dmin); }
};
template <>
struct RefTraits<QuantType::Q4_K> : KTraits<QuantType::Q4_K, RefTraits<QuantType::Q4_K>>,
                                    K4Common<QuantType::Q4_K, BlockQ4_K> {
    static float decode(const BlockQ4_K& b, int j) { return decode_q4_k(b, j); }
    static int quant(const BlockQ4_K& b, int j) { return quant_q4_k(b, j); }
};
template <>
struct RefTraits<QuantType::Q5_K> : KTraits<QuantType::Q5_K, RefTraits<QuantType::Q5_K>>,
                                    K4Common<QuantType::Q5_K, BlockQ5_K> {
    static float decode(const BlockQ5_K& b, int j) { return decode_q5_k(b, j); }
    static int quant(const BlockQ5_K& b, int j) { return quant_q5_k(b, j); }
};
template <>
struct RefTraits<QuantType::Q6_K> : KTraits<QuantType::Q6_K, RefTraits<QuantType::Q6_K>> {
    static constexpr int kSub = 16;
    static float decode(const BlockQ6_K& b, int j) { return decode_q6_k(b, j); }
    static int quant(const BlockQ6_K& b, int j) { return quant_q6_k(b, j); }
    static int scale(const BlockQ6_K& b, int s) { return b.scales[s]; }
    static int min(const BlockQ6_K&, int) { return 0; }
    static float d(const BlockQ6_K& b) { return fp16_to_fp32(b.d); }
    static float dmin(const BlockQ6_K&) { return 0.0f; }
};
template <>
struct RefTraits<QuantType::IQ4_XS> : KTraits<QuantType::IQ4_XS, RefTraits<QuantType::IQ4_XS>> {
    static constexpr int kSub = 32;
    static float decode(const BlockIQ4_XS& b, int j) { return decode_iq4_xs(b, j); }
    static int quant(const BlockIQ4_XS& b, int j) { return quant_iq4_xs(b, j); }
    static int scale(const BlockIQ4_XS& b, int s) { return iq4_xs_scale(b, s) - 32; }
    static int min(const BlockIQ4_XS&, int) { return 0; }
    static float d(const BlockIQ4_XS& b) { return fp16_to_fp32(b.d); }
    static float dmin(const BlockIQ4_XS&) { return 0.0f; }
};
template <>
struct RefTraits<QuantType::Q8_K> : KTraits<QuantType::Q8_K, RefTraits<QuantType::Q8_K>> {
    static constexpr int kSub = 256;
    static float decode(const BlockQ8_K& b, int j) { return decode_q8_k(b, j); }
    static int quant(const BlockQ8_K& b, int j) { return b.qs[j]; }
    static int scale(const BlockQ8_K&, int) { return 1; }
    static int min(const BlockQ8_K&, int) { return 0; }
    static float d(const BlockQ8_K& b) { return b.d; }
    static float dmin(const BlockQ8_K&) { return 0.0f; }
};

template <QuantType T>
constexpr bool kIsFloat = QuantTraits<T>::block_elems == 1;

// --- Matrix helpers -------------------------------------------------------

unsigned thread_count(unsigned requested, std::size_t rows) {
    unsigned t = requested ? requested : std::thread::hardware_concurrency();
    if (t == 0) t = 1;
    if (rows < t) t = static_cast<unsigned>(std::max<std::size_t>(rows, 1));
    return t;
}

// Runs f(first_row, end_row) over `threads` contiguous row ranges.
template <typename F>
void parallel_rows(std::size_t rows, unsigned threads, F&& f) {
    const unsigned t = thread_count(threads, rows);
    if (t <= 1) {
        f(std::size_t{0}, rows);
        return;
    }
    std::vector<std::thread> pool;
    pool.reserve(t);
    const std::size_t per = rows / t, extra = rows % t;
    std::size_t begin = 0;
    for (unsigned i = 0; i < t; ++i) {
        const std::size_t end = begin + per + (i < extra ? 1 : 0);
        pool.emplace_back([&f, begin, end] { f(begin, end); });
        begin = end;
    }
    for (auto& th : pool) th.join();
}

}  // namespace

// --- Typed rows -----------------------------------------------------------

template <QuantType T>
void quantize_row(const float* src, Block<T>* dst, std::size_t n) {
    constexpr std::size_t qk = QuantTraits<T>::block_elems;
    require_whole_blocks(QuantTraits<T>::name, n, qk);
    if constexpr (T == QuantType::F32) {
        if (n) std::memcpy(dst, src, n * sizeof(float));
    } else if constexpr (T == QuantType::F16) {
        for (std::size_t i = 0; i < n; ++i) dst[i] = fp32_to_fp16(src[i]);
    } else if constexpr (T == QuantType::BF16) {
        for (std::size_t i = 0; i < n; ++i) dst[i] = fp32_to_bf16(src[i]);
    } else {
        float buf[qk];
        for (std::size_t i = 0; i < n / qk; ++i) {
            for (std::size_t j = 0; j < qk; ++j) buf[j] = detail::sanitize(src[i * qk + j]);
            detail::quantize_block<T>(buf, dst[i]);
        }
    }
}

template <QuantType T>
void dequantize_row(const Block<T>* src, float* dst, std::size_t n) {
    constexpr std::size_t qk = QuantTraits<T>::block_elems;
    require_whole_blocks(QuantTraits<T>::name, n, qk);
    for (std::size_t i = 0; i < n / qk; ++i)
        for (std::size_t j = 0; j < qk; ++j) dst[i * qk + j] = RefTraits<T>::decode(src[i], static_cast<int>(j));
}

#define HIPQUANT_X(NAME, id, elems, bytes, block, weight, act, kern)                                        \
    template void quantize_row<QuantType::NAME>(const float*, Block<QuantType::NAME>*, std::size_t);      \
    template void dequantize_row<QuantType::NAME>(const Block<QuantType::NAME>*, float*, std::size_t);
HIPQUANT_QUANT_TYPES(HIPQUANT_X)
#undef HIPQUANT_X

void quantize_row_q8_1(const float* x, BlockQ8_1* y, std::size_t n) { quantize_row<QuantType::Q8_1>(x, y, n); }
void dequantize_row_q8_1(const BlockQ8_1* x, float* y, std::size_t n) { dequantize_row<QuantType::Q8_1>(x, y, n); }

// --- Run-time type --------------------------------------------------------

void quantize_row(QuantType type, const float* src, void* dst, std::size_t n) {
    visit_quant_type(type, [&](auto t) {
        constexpr QuantType T = decltype(t)::type;
        quantize_row<T>(src, static_cast<Block<T>*>(dst), n);
    });
}

void dequantize_row(QuantType type, const void* src, float* dst, std::size_t n) {
    visit_quant_type(type, [&](auto t) {
        constexpr QuantType T = decltype(t)::type;
        dequantize_row<T>(static_cast<const Block<T>*>(src), dst, n);
    });
}

void dequantize_row_f16(QuantType type, const void* src, std::uint16_t* dst, std::size_t n) {
    visit_quant_type(type, [&](auto t) {
        constexpr QuantType T = decltype(t)::type;
        constexpr std::size_t qk = QuantTraits<T>::block_elems;
        require_whole_blocks(QuantTraits<T>::name, n, qk);
        const auto* blocks = static_cast<const Block<T>*>(src);
        for (std::size_t i = 0; i < n / qk; ++i)
            for (std::size_t j = 0; j < qk; ++j)
                dst[i * qk + j] = fp32_to_fp16(RefTraits<T>::decode(blocks[i], static_cast<int>(j)));
    });
}

QuantType vec_dot_type(QuantType weight_type) {
    return visit_quant_type(weight_type, [](auto t) { return RefTraits<decltype(t)::type>::act; });
}

float vec_dot(QuantType type, const void* weight_row, const void* act_row, std::size_t n) {
    return visit_quant_type(type, [&](auto t) {
        constexpr QuantType T = decltype(t)::type;
        constexpr QuantType A = RefTraits<T>::act;
        constexpr std::size_t qk = QuantTraits<T>::block_elems;
        require_whole_blocks(QuantTraits<T>::name, n, qk);
        static_assert(QuantTraits<A>::block_elems == qk || kIsFloat<T>, "activation blocks must match");
        return RefTraits<T>::dot(static_cast<const Block<T>*>(weight_row), static_cast<const Block<A>*>(act_row),
                                 n / qk);
    });
}

std::vector<std::uint8_t> quantize_matrix(QuantType type, const float* src, std::size_t rows, std::size_t cols,
                                          unsigned threads) {
    const std::size_t row_bytes = row_size_bytes(type, cols);  // throws naming cols and the block size
    std::vector<std::uint8_t> out(rows * row_bytes);
    visit_quant_type(type, [&](auto t) {
        constexpr QuantType T = decltype(t)::type;
        auto* blocks = reinterpret_cast<Block<T>*>(out.data());
        const std::size_t blocks_per_row = cols / QuantTraits<T>::block_elems;
        parallel_rows(rows, threads, [&](std::size_t r0, std::size_t r1) {
            for (std::size_t r = r0; r < r1; ++r) quantize_row<T>(src + r * cols, blocks + r * blocks_per_row, cols);
        });
    });
    return out;
}

std::vector<float> dequantize_matrix(QuantType type, const void* src, std::size_t rows, std::size_t cols,
                                     unsigned threads) {
    const std::size_t row_bytes = row_size_bytes(type, cols);
    std::vector<float> out(rows * cols);
    visit_quant_type(type, [&](auto t) {
        constexpr QuantType T = decltype(t)::type;
        const auto* bytes = static_cast<const std::uint8_t*>(src);
        parallel_rows(rows, threads, [&](std::size_t r0, std::size_t r1) {
            for (std::size_t r = r0; r < r1; ++r)
                dequantize_row<T>(reinterpret_cast<const Block<T>*>(bytes + r * row_bytes), out.data() + r * cols,
                                  cols);
        });
    });
    return out;
}

}  // namespace hipquant::quant::reference
