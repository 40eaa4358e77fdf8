// The CPU reference: quantize, dequantize and dot products for every GGML
// type. It is the oracle every kernel is tested against, and the path users
// without a GPU have. 32-element types quantize to exactly GGML's bytes.
//
// Counts are in values (elements) unless a name says blocks or bytes; `n`
// must be a multiple of the type's block size, else hipquant::Error names both.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "hipquant/quant/blocks.hpp"
#include "hipquant/quant/types.hpp"

namespace hipquant::quant::reference {

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
// Q8_1 for the 32-element types, Q8_K for the K types, F32 for F32/F16/BF16.
QuantType vec_dot_type(QuantType weight_type);
// Dot product of one weight row (`type`) with one activation row already
// quantized to vec_dot_type(type); n values each.
float vec_dot(QuantType type, const void* weight_row, const void* act_row, std::size_t n);

// Whole matrices of rows x cols, rows split over `threads` host threads
// (0: std::thread::hardware_concurrency()).
std::vector<std::uint8_t> quantize_matrix(QuantType type, const float* src, std::size_t rows, std::size_t cols,
                                          unsigned threads = 0);
std::vector<float> dequantize_matrix(QuantType type, const void* src, std::size_t rows, std::size_t cols,
                                     unsigned threads = 0);

}  // namespace hipquant::quant::reference
