// f32 rows -> Q8_1 blocks, each output row padded with zero blocks to a
// multiple of kRowPadding values (the layout the mat-vec kernels read).
#include "common.hpp"
#include "hipquant/quant/kernel_args.hpp"

namespace hipquant::kernels {

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

    const float v = col < args.cols ? x[row * args.cols + col] : 0.0f;
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
