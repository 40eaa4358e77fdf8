// The CPU reference: quantize, dequantize and dot products for every GGML
// type. It is the oracle every kernel is tested against, and the path users
// without a GPU have.
//
// Counts are in values (elements) unless a name says blocks or bytes; `n`
// must be a multiple of the type's block size, else hipquant::Error names both.
//
// Exactness:
//  - Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q8_1 quantize to exactly the bytes of
//    GGML's quantize_row_*_ref (all arithmetic in f32, scales rounded to f16
//    nearest-even), for every finite input.
//  - Q2_K .. Q6_K and Q8_K quantize with GGML's reference search procedures
//    (make_qkx2_quants for Q2_K / Q4_K / Q5_K, make_q3_quants for Q3_K,
//    make_qx_quants for Q6_K), so their error is GGML's.
//  - IQ4_NL and IQ4_XS quantize to the bytes GGML writes without an
//    importance matrix (quantize_iq4_nl / quantize_iq4_xs, as llama-quantize
//    calls them), MXFP4 to quantize_row_mxfp4_ref's (below 2^-125, where
//    GGML's exponent conversion is undefined, the block's exponent is 0).
//  - Dequantization is bit-identical with GGML's dequantize_row_* (same f32
//    operation order, no FMA contraction); see quant/decode.hpp.
//  - F16 / BF16 round to nearest even and keep Inf and NaN (quant/half.hpp).
//
// Non-finite and extreme inputs (defined behaviour, never UB):
//  - Block-quantized types read a NaN input value as 0.0f and +-Inf as
//    +-FLT_MAX before anything else, so one bad value cannot poison the
//    integer quants of its block. F32 / F16 / BF16 keep NaN and Inf.
//  - Scales are stored as f16 (Q8_K: f32). A block whose scale is above
//    65504 (e.g. |x| > ~524k in a Q4_0 block) stores an infinite scale, as
//    GGML does; such a block dequantizes to +-Inf, or NaN where q is 0.
//    Blocks of tiny values (|x| around FLT_MIN) get a zero scale and decode
//    to zeros. Neither affects other blocks.
//  - Every float -> integer conversion is range-checked first.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "hipquant/quant/blocks.hpp"
#include "hipquant/quant/types.hpp"

namespace hipquant::quant::reference {

// --- Typed per-format functions. Block<T> is QuantTraits<T>::Block (float for
// F32, raw f16 / bf16 bits for F16 / BF16). Explicitly instantiated for every
// type of the table.
template <QuantType T>
using Block = typename QuantTraits<T>::Block;

template <QuantType T>
void quantize_row(const float* src, Block<T>* dst, std::size_t n);
template <QuantType T>
void dequantize_row(const Block<T>* src, float* dst, std::size_t n);

// --- Q8_1: the activation format of the 32-element dots (and of the GPU
// mat-vec). d = amax / 127, q = round(x / d) (ties away from zero),
// s = f16(d * sum(q)).
void quantize_row_q8_1(const float* x, BlockQ8_1* y, std::size_t n);
void dequantize_row_q8_1(const BlockQ8_1* x, float* y, std::size_t n);

// --- Any type of the table, by run-time type. `dst` / `src` hold
// row_size_bytes(type, n) bytes.
void quantize_row(QuantType type, const float* src, void* dst, std::size_t n);
void dequantize_row(QuantType type, const void* src, float* dst, std::size_t n);
// As dequantize_row, then rounded to f16 (nearest even), as raw f16 bits.
void dequantize_row_f16(QuantType type, const void* src, std::uint16_t* dst, std::size_t n);

// The activation type GGML pairs with a weight type in its dot products:
// Q8_1 for the 32-element types, Q8_K for the K types (Q8_K with itself),
// F32 for F32/F16/BF16.
QuantType vec_dot_type(QuantType weight_type);
// Dot product of one weight row (`type`) with one activation row already
// quantized to vec_dot_type(type); n values each. Integer sums per block as
// GGML's scalar code (sum of q_w * q_a, then scaled by the f32 scales); the
// F32 / F16 / BF16 dots accumulate in double.
float vec_dot(QuantType type, const void* weight_row, const void* act_row, std::size_t n);

// Whole matrices of rows x cols (row-major, rows packed without padding),
// rows split over `threads` host threads (0: std::thread::hardware_concurrency()).
// cols must be a multiple of the block size (hipquant::Error names both).
std::vector<std::uint8_t> quantize_matrix(QuantType type, const float* src, std::size_t rows, std::size_t cols,
                                          unsigned threads = 0);
std::vector<float> dequantize_matrix(QuantType type, const void* src, std::size_t rows, std::size_t cols,
                                     unsigned threads = 0);

}  // namespace hipquant::quant::reference
