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

// Activations of shape [b0, b1, batch, cols] (outermost first) read in place:
// x[i0][i1][i2][c] is data[i0 * strides[0] + i1 * strides[1] + i2 * strides[2] + c],
// strides counted in floats. A transformer layer's several sequences against
// one weight, or a view into a larger buffer, without copying.
struct ActivationView {
    DeviceSpan<const float> data;
    std::size_t shape[3];    // b0, b1, batch
    std::size_t strides[3];  // in floats; rows may overlap (a stride of 0 repeats a row)

    // Activation rows in all: b0 * b1 * batch.
    std::size_t rows() const noexcept { return shape[0] * shape[1] * shape[2]; }
    // A plain rows x cols matrix.
    static ActivationView matrix(DeviceSpan<const float> x, std::size_t rows, std::size_t cols) {
        return ActivationView{x, {1, 1, rows}, {0, 0, cols}};
    }
};

// Throws unless every row of cols values of the view lies inside x.data
// (`op` names the caller in the message).
void check_activation_view(const ActivationView& x, std::size_t cols, const char* op);

// Quantizes x (rows x cols f32, row-major) to Q8_1: y holds
// rows * q8_1_row_blocks(cols) blocks, 4-byte aligned (as DeviceMemory
// gives them); values in the padding are zero.
void quantize_q8_1(const RocmDevice& device, DeviceSpan<const float> x, std::size_t rows, std::size_t cols,
                   DeviceSpan<BlockQ8_1> y, hipStream_t stream);
// The same for every row of a view, in its row order (i0, i1, i2 with i2
// fastest): y holds x.rows() * q8_1_row_blocks(cols) blocks. Throws if a row
// of the view would reach past the end of x.data.
void quantize_q8_1(const RocmDevice& device, const ActivationView& x, std::size_t cols, DeviceSpan<BlockQ8_1> y,
                   hipStream_t stream);

}  // namespace hipquant::quant
