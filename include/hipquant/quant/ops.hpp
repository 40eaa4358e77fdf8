// Stream-ordered operations on device memory. Each takes the stream it is
// queued on and returns without waiting; shapes are checked on the host and
// a mismatch throws hipquant::Error naming the operand and both sizes, with
// nothing launched.
#pragma once

#include <cstddef>

#include "hipquant/quant/blocks.hpp"
#include "hipquant/quant/kernel_args.hpp"
#include "hipquant/runtime/device.hpp"

namespace hipquant::quant {

// Q8_1 blocks per row of `cols` values, the row padded with zero blocks to a
// multiple of kRowPadding (512) values.
constexpr std::size_t q8_1_row_blocks(std::size_t cols) {
    return (cols + kRowPadding - 1) / kRowPadding * kRowPadding / kQK;
}

// Quantizes x (rows x cols f32, row-major) to Q8_1: y holds
// rows * q8_1_row_blocks(cols) blocks; values in the padding are zero.
void quantize_q8_1(const RocmDevice& device, DeviceSpan<const float> x, std::size_t rows, std::size_t cols,
                   DeviceSpan<BlockQ8_1> y, hipStream_t stream);

}  // namespace hipquant::quant
