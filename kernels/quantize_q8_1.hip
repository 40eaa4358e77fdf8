// f32 rows -> Q8_1 blocks, each output row padded with zero blocks to a
// multiple of kRowPadding values (the layout the mat-vec kernels read).
#include "quantize.hpp"

namespace hipquant::kernels {

// Where row `row` of x starts: row (i0, i1, i2) of the strided input, i2
// fastest.
__device__ __forceinline__ std::uint64_t row_offset(const quant::QuantizeQ8_1Args& args, std::uint64_t row) {
    const std::uint64_t i2 = row % args.extent[2], i01 = row / args.extent[2];
    const std::uint64_t i1 = i01 % args.extent[1], i0 = i01 / args.extent[1];
    return i0 * args.stride[0] + i1 * args.stride[1] + i2 * args.stride[2];
}

// Rows of x may be strided ([extent0][extent1][extent2] rows, see
// QuantizeQ8_1Args); y is always dense. Each kQuantizeLanes neighbouring
// lanes quantize one block (quantize_q8_1_block); grid x runs over a row's
// blocks, grid y over rows (blockIdx.y, + gridDim.y, ...). (Lanes per
// block: bench/NOTES.md, eleventh session.)
HQ_KERNEL void HIPQUANT_SYMBOL_QUANTIZE_Q8_1(const float* __restrict__ x, quant::BlockQ8_1* __restrict__ y,
                                             quant::QuantizeQ8_1Args args) {
    // The next kernel's status word (an expert product's index check),
    // reset here rather than by a launch of its own.
    if (args.status != nullptr && blockIdx.x == 0 && blockIdx.y == 0 && threadIdx.x == 0) *args.status = 0xffffffffu;
    const std::uint32_t block = (blockIdx.x * blockDim.x + threadIdx.x) / kQuantizeLanes;  // in its row
    if (block >= args.row_blocks) return;  // whole logical warps exit together
    for (std::uint64_t row = blockIdx.y; row < args.rows; row += gridDim.y)
        quantize_q8_1_block(x + row_offset(args, row), args.cols, y + row * args.row_blocks, block);
}

}  // namespace hipquant::kernels
