// Argument structs shared by kernels and their host wrappers: one struct per
// launch instead of long positional integer lists, and the launch
// geometries kernels publish. Plain data, same layout for host and device
// compilers.
#pragma once

#include <cstdint>

#include "hipquant/detail/host_device.hpp"
#include "hipquant/quant/blocks.hpp"
#include "hipquant/quant/dispatch.hpp"

namespace hipquant::quant {

// The activations' quantization (hq_quantize_q8_1).
struct QuantizeQ8_1Args {
    std::uint64_t rows;        // rows of x: extent[0] * extent[1] * extent[2]
    std::uint32_t cols;        // f32 values per row of x
    std::uint32_t row_blocks;  // Q8_1 blocks per output row: padded cols / 32
    std::uint64_t extent[3];   // x is [extent0][extent1][extent2] rows (extent0 implied by rows)
    std::uint64_t stride[3];   // of each, in floats
    std::uint32_t* status = nullptr;  // if set, a status word set to all ones (an index check's "none bad")
};

// Dequantize: the tensor is a contiguous run of blocks (rows have no gaps).
struct DequantizeArgs {
    std::uint64_t n_values;  // rows * cols
};

// Mat-vec over one weight matrix in GGUF layout.
struct MatVecArgs {
    std::uint64_t rows;           // weight rows = outputs per batch column
    std::uint64_t row_bytes;      // bytes of one weight row
    std::uint32_t parts_per_row;  // 32-value parts of a row: cols / 32
    std::uint32_t batch;          // activation rows (1 .. kMaxMatVecBatch)
    std::uint64_t x_row_stride;   // activation row stride: Q8_1 blocks (Q8_1 path) or f32 values
    // Mat-mat only, set by the host (launch_q8_1): the shared dimension is
    // cut into k slices (work item i is tile i % tiles of slice i / tiles,
    // written to its own batch x rows slab of y: a workspace then summed by
    // hq_sum_k_slices; one slice writes y directly). slice_parts: parts per
    // slice (matmul_slice_parts: a multiple of kMatMulSliceAlign; slices
    // past the row's end are empty); work_items: tiles x k (tiles of the
    // kernel's geometry), fewer than 2^32. Passed rather than derived in the
    // kernels: values held across their loop took registers that some
    // kernels spilled.
    std::uint32_t slice_parts = 0;
    std::uint32_t work_items = 0;
    // Mat-vec Q8_1 path, set by the host (matvec_row_slices of the kernel's
    // geometry): weight rows a block's thread slices take side by side.
    std::uint32_t row_slices = 1;
};

// The grid counters' words (MatVecQuantizeArgs::counters): tickets taken,
// tickets done, blocks gone. The done count has a 128-byte line of its
// own: blocks poll it while others still take tickets.
inline constexpr std::uint32_t kTicketWord = 0, kDoneWord = 32, kLeftWord = 33, kGridCounterWords = 64;

// The Q8_1 mat-vec kernels' last argument. Where x is set (kernels whose
// geometry says fused_quantize), the kernel first quantizes its batch's
// activation rows, `cols` f32 values from x + b * row_stride, as
// hq_quantize_q8_1 does, into the Q8_1 rows it then reads: one launch
// instead of two. `counters`: kGridCounterWords words, zero before the
// launch and left zero after it (a Workspace's; one launch at a time).
// Apart from MatVecArgs, which the mat-mat kernels share: a larger
// argument there shifted their register allocation.
struct MatVecQuantizeArgs {
    const float* x = nullptr;
    std::uint32_t row_stride = 0;  // in floats
    std::uint32_t cols = 0;
    std::uint32_t* counters = nullptr;
};

// What the host needs to launch a kernel, published by the kernel as the
// device variable <kernel name>_geometry in the image (tilings differ per
// target); the host reads it once per device (quant::kernel).
struct MatVecGeometry {
    std::uint32_t threads;         // per block
    std::uint32_t rows_per_block;  // weight rows a block computes (a row group)
    std::uint32_t blocks_per_cu;   // persistent grid: resident blocks per CU; 0: a block per row group
    std::uint32_t overlapped;      // 1: launched overlapping the kernel before (where the GPU can)
    std::uint32_t chunk_parts;     // parts of a row a block takes per step, where it slices short rows; else 0
    std::uint32_t fused_quantize;  // 1: quantizes MatVecQuantizeArgs::x itself where that is set
};

// Short rows: where a weight row has at most half the parts a mat-vec block
// takes per step (chunk_parts), its warps split into S slices (2 or 4,
// whole warps each) that take S neighbouring rows at once, so that threads
// past the row's end do not idle (K = 4096 at two parts a thread; the
// experts' K = 768 and 2048). 1 where rows are longer.
inline constexpr std::uint32_t kMaxMatVecRowSlices = 4;
HIPQUANT_HD constexpr std::uint32_t matvec_row_slices(std::uint32_t parts_per_row, std::uint32_t chunk_parts) {
    std::uint32_t s = 1;
    while (s < kMaxMatVecRowSlices && static_cast<std::uint64_t>(parts_per_row) * 2 * s <= chunk_parts) s *= 2;
    return s;
}
struct MatMulGeometry {
    std::uint32_t threads;        // per block
    std::uint32_t blocks_per_cu;  // resident blocks per compute unit the persistent grid is sized for
    std::uint32_t shared_bytes;   // dynamic shared memory per block
    std::uint32_t tile_rows;      // outputs per block: weight rows
    std::uint32_t tile_cols;      // and activation rows
    std::uint32_t first_batch;    // skinny tilings: the smallest batch the host gives them rather than
                                  // the mat-vec kernels (the tuning table's, per format); others 0
};

// The expert-indexed product (QuantizedExperts::mul_mat_id): pair
// p = token * top_k + slot (block y + gridDim.y * z) multiplies expert ids[token * ids_stride + slot]
// (weights at expert_bytes per expert) by activation row
// token * x_slots + (x_slots > 1 ? slot : 0) into row p of y. mv holds one
// expert's geometry (batch 1); an id outside [0, experts) zeroes its row of
// y and lowers the status word to p.
struct MatVecIdArgs {
    MatVecArgs mv;
    std::uint64_t expert_bytes;  // rows * row_bytes
    std::uint64_t ids_stride;    // int32 ids per token row (at least top_k)
    std::uint32_t pairs;         // tokens * top_k, below 2^32 - 1
    std::uint32_t experts;
    std::uint32_t top_k;
    std::uint32_t x_slots;  // activation rows per token: 1 or top_k
};

// The grouped expert product (many tokens): hq_moe_group sorts the pairs
// by expert (offsets[e] .. offsets[e + 1] of `order` are expert e's pairs;
// a bad id is left out, its row of y zeroed and *status lowered to it),
// hq_moe_gather copies each sorted pair's Q8_1 activation row to its
// position, hq_mul_mat_id_q8_1_<format> multiplies expert e by its run of
// rows with a mat-mat tiling, and hq_moe_scatter puts each result row back
// at its pair's place in y.
struct MoeArgs {
    std::uint64_t ids_stride;   // int32 ids per token row
    std::uint64_t rows;         // outputs per pair (the experts' rows)
    std::uint32_t pairs;        // tokens * top_k
    std::uint32_t experts;
    std::uint32_t top_k;
    std::uint32_t x_slots;      // activation rows per token: 1 or top_k
    std::uint32_t row_blocks;   // Q8_1 blocks per activation row
};
// hq_mul_mat_id_q8_1_<format>: mm as for one expert's product (batch and
// work_items are set per expert on the device; one k slice).
struct MatMulIdArgs {
    MatVecArgs mm;
    std::uint64_t expert_bytes;  // rows * row_bytes
    std::uint32_t experts;
};

// Row gather (QuantizedTensor::get_rows): out[i][c] = W[indices[i]][c].
struct GetRowsArgs {
    std::uint64_t n_indices;  // output rows; at most 2^31 - 1 (positions are reported as int32)
    std::uint64_t rows;       // weight rows: valid indices are [0, rows)
    std::uint64_t row_bytes;  // bytes of one weight row
    std::uint64_t cols;       // values per row (whole blocks)
};

}  // namespace hipquant::quant
