// f32 rows -> Q8_1 blocks, each output row padded with zero blocks to a
// multiple of kRowPadding values (the layout the mat-vec kernels read).
#include "hipquant/quant/kernel_args.hpp"
#include "hipquant/quant/kernels.hpp"
#include "warp.hpp"

namespace hipquant::kernels {

// Lanes per 32-value block (the host launches by it), and values per lane.
inline constexpr int kQuantizeLanes = static_cast<int>(quant::kQuantizeQ8_1Lanes);
inline constexpr int kQuantizeValues = quant::kQK / kQuantizeLanes;
inline constexpr int kQuantizeWords = kQuantizeValues / 4;  // a lane's 16-byte loads, and 4-byte stores
static_assert(kQuantizeValues % 4 == 0, "a lane's values are whole 16-byte loads and 4-byte stores");
static_assert(quant::kRowPadding / quant::kQK % (kWarp / kQuantizeLanes) == 0,
              "a row's blocks fill whole logical warps (which then exit together)");

// Where row `row` of x starts: row (i0, i1, i2) of the strided input, i2
// fastest.
__device__ __forceinline__ std::uint64_t row_offset(const quant::QuantizeQ8_1Args& args, std::uint64_t row) {
    const std::uint64_t i2 = row % args.extent[2], i01 = row / args.extent[2];
    const std::uint64_t i1 = i01 % args.extent[1], i0 = i01 / args.extent[1];
    return i0 * args.stride[0] + i1 * args.stride[1] + i2 * args.stride[2];
}

// Rows of x may be strided ([extent0][extent1][extent2] rows, see
// QuantizeQ8_1Args); y is always dense.
// Each kQuantizeLanes neighbouring lanes quantize one block, kQuantizeValues
// a lane (16-byte loads where they lie 16-byte aligned in x, else one at a
// time); grid x runs over a row's blocks, grid y over rows (blockIdx.y,
// + gridDim.y, ...). Values past `cols` (the padding) read as 0, so a
// padding block gets d = s = 0, qs = 0. Arithmetic matches
// reference::quantize_row_q8_1 step by step (same f32 division, reciprocal
// and round-half-away), so the bytes are identical. (Lanes per block:
// bench/NOTES.md, eleventh session.)
HQ_KERNEL void HIPQUANT_SYMBOL_QUANTIZE_Q8_1(const float* __restrict__ x, quant::BlockQ8_1* __restrict__ y,
                                quant::QuantizeQ8_1Args args) {
    // The next kernel's status word (an expert product's index check),
    // reset here rather than by a launch of its own.
    if (args.status != nullptr && blockIdx.x == 0 && blockIdx.y == 0 && threadIdx.x == 0) *args.status = 0xffffffffu;
    const std::uint32_t block = (blockIdx.x * blockDim.x + threadIdx.x) / kQuantizeLanes;  // in its row
    if (block >= args.row_blocks) return;  // whole logical warps exit together
    const int lane = static_cast<int>(threadIdx.x) % kQuantizeLanes;
    const std::uint32_t col = block * quant::kQK + static_cast<std::uint32_t>(lane * kQuantizeValues);
    for (std::uint64_t row = blockIdx.y; row < args.rows; row += gridDim.y) {
        const float* from = x + row_offset(args, row) + col;

        float v[kQuantizeValues];
        if (col + kQuantizeValues <= args.cols && reinterpret_cast<std::uintptr_t>(from) % 16 == 0) {
#pragma unroll
            for (int h = 0; h < kQuantizeWords; ++h) {
                const float4 u = reinterpret_cast<const float4*>(from)[h];
                v[4 * h] = u.x;
                v[4 * h + 1] = u.y;
                v[4 * h + 2] = u.z;
                v[4 * h + 3] = u.w;
            }
        } else {
#pragma unroll
            for (int e = 0; e < kQuantizeValues; ++e) v[e] = col + e < args.cols ? from[e] : 0.0f;
        }
        float amax = 0.0f;
#pragma unroll
        for (int e = 0; e < kQuantizeValues; ++e) amax = fmaxf(amax, fabsf(v[e]));
        amax = warp_max<kQuantizeLanes>(amax);
        const float d = amax / 127.0f;
        const float id = d != 0.0f ? 1.0f / d : 0.0f;
        int sum = 0;
        std::uint32_t words[kQuantizeWords] = {};
#pragma unroll
        for (int e = 0; e < kQuantizeValues; ++e) {
            const float scaled = v[e] * id;
            const int q = isfinite(scaled) ? static_cast<int>(roundf(scaled)) : 0;
            sum += q;
            words[e / 4] |= (static_cast<std::uint32_t>(q) & 0xffu) << (8 * (e % 4));
        }
        sum = warp_sum<kQuantizeLanes>(sum);

        // A block is 36 bytes, 4-byte aligned: d and s, then the quants.
        auto* out = reinterpret_cast<std::uint32_t*>(y + row * args.row_blocks + block);
#pragma unroll
        for (int h = 0; h < kQuantizeWords; ++h) out[1 + kQuantizeWords * lane + h] = words[h];
        if (lane == 0) {
            const std::uint32_t s = quant::fp32_to_fp16(static_cast<float>(sum) * d);
            out[0] = quant::fp32_to_fp16(d) | s << 16;
        }
    }
}

}  // namespace hipquant::kernels
