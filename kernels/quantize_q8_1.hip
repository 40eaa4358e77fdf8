// f32 rows -> Q8_1 blocks, each output row padded with zero blocks to a
// multiple of kRowPadding values (the layout the mat-vec kernels read).
#include "common.hpp"
#include "hipquant/quant/kernel_args.hpp"

namespace hipquant::kernels {

// Rows of x may be strided ([extent0][extent1][extent2] rows, see
// QuantizeQ8_1Args); y is always dense.
// One logical warp per 32-value block: lane j quantizes value j. Values past
// `cols` (the padding) read as 0, so a padding block gets d = s = 0, qs = 0.
// Arithmetic matches reference::quantize_row_q8_1 step by step (same f32
// division, reciprocal and round-half-away), so the bytes are identical.
HQ_KERNEL void hq_quantize_q8_1(const float* __restrict__ x, quant::BlockQ8_1* __restrict__ y,
                                quant::QuantizeQ8_1Args args) {
    const std::uint64_t total_blocks = args.rows * args.row_blocks;
    const std::uint64_t block = (static_cast<std::uint64_t>(blockIdx.x) * blockDim.x + threadIdx.x) / kWarp;
    if (block >= total_blocks) return;  // whole logical warps exit together
    const int lane = warp_lane();
    const std::uint64_t row = block / args.row_blocks;
    const std::uint32_t col = static_cast<std::uint32_t>(block % args.row_blocks) * quant::kQK + lane;
    // Row (i0, i1, i2) of the strided input, i2 fastest.
    const std::uint64_t i2 = row % args.extent[2], i01 = row / args.extent[2];
    const std::uint64_t i1 = i01 % args.extent[1], i0 = i01 / args.extent[1];
    const float* x_row = x + i0 * args.stride[0] + i1 * args.stride[1] + i2 * args.stride[2];

    const float v = col < args.cols ? x_row[col] : 0.0f;
    const float amax = warp_max(fabsf(v));
    const float d = amax / 127.0f;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    const float scaled = v * id;
    const int q = isfinite(scaled) ? static_cast<int>(roundf(scaled)) : 0;
    const int sum = warp_sum(q);

    y[block].qs[lane] = static_cast<std::int8_t>(q);
    if (lane == 0) {
        y[block].d = quant::fp32_to_fp16(d);
        y[block].s = quant::fp32_to_fp16(static_cast<float>(sum) * d);
    }
}

}  // namespace hipquant::kernels
