// Mat-vec kernels for batch 1..8: y[b][r] = sum_c W[r][c] * x[b][c].
//   hq_mul_mat_vec_q8_1_<T>_b<B>: x quantized to Q8_1, integer dot products
//   hq_mul_mat_vec_f32_<T>_b<B>:  x in f32, weights decoded in registers
// Q8_1 path: a thread block of kMatVecWarps logical warps computes a group
// of matvec_rows_per_block(B) weight rows. Its threads stride over the rows' 32-value
// parts together, so the block reads each row's blocks contiguously, and each
// activation block a thread loads serves every row of the group: the
// activations are re-read from L2 once per group, not once per row (for
// 4096 x 14336 at batch 1 that is 16 MB instead of 66 MB next to 33 MB of Q4_0
// weights). Partial sums meet in butterfly and shared-memory reductions.
#include "async_copy.hpp"
#include "barrier.hpp"
#include "config/matvec.hpp"
#include "formats.hpp"
#include "hipquant/quant/kernel_args.hpp"
#include "hipquant/quant/kernels.hpp"
#include "quantize.hpp"
#include "scalar.hpp"
#include "warp.hpp"

namespace hipquant::kernels {

// One Q8_1 activation block in registers: its scale, eight ints of quants,
// and the integer sum of each 16-value half (for offsets and mins), computed
// once here rather than once per weight row it meets.
struct ActivationPart {
    int u[8];
    int sum[2];
    float d;
};

// One block from its nine words (d and s, then the quants), in memory or
// in registers.
template <bool kWithSums>
__device__ __forceinline__ ActivationPart activation_from_words(const int* p) {
    ActivationPart a;
    a.d = half_bits_to_float(static_cast<std::uint16_t>(p[0] & 0xffff));
#pragma unroll
    for (int k = 0; k < 8; ++k) a.u[k] = p[1 + k];
#pragma unroll
    for (int h = 0; h < 2; ++h) {
        a.sum[h] = 0;
        if (kWithSums) {
#pragma unroll
            for (int k = 4 * h; k < 4 * h + 4; ++k) a.sum[h] = dp4a(0x01010101, a.u[k], a.sum[h]);
        }
    }
    return a;
}

// 36-byte blocks are 4-byte aligned: nine 32-bit loads.
template <bool kWithSums>
__device__ __forceinline__ ActivationPart load_activation(const quant::BlockQ8_1& blk) {
    return activation_from_words<kWithSums>(reinterpret_cast<const int*>(&blk));
}

// Two consecutive blocks from an 8-byte aligned address: nine 8-byte loads
// instead of eighteen 4-byte ones.
template <bool kWithSums>
__device__ __forceinline__ void load_activation_pair(const quant::BlockQ8_1* blk, ActivationPart (&a)[2]) {
    const auto* p = reinterpret_cast<const int2*>(blk);
    int v[18];
#pragma unroll
    for (int k = 0; k < 9; ++k) {
        const int2 w = p[k];
        v[2 * k] = w.x;
        v[2 * k + 1] = w.y;
    }
    a[0] = activation_from_words<kWithSums>(v);
    a[1] = activation_from_words<kWithSums>(v + 9);
}

// sum_j value_j * (d8 * y_j) over the 32 values of a part and one Q8_1
// block, all integer sums exact:
//   d8 * (a_unit * sum_h a_int[h] (S_qy - off*S_y) - b_unit * sum_h b_int[h] S_y),
// one conversion to float for each of the two integer sums.
template <bool kUsesSumY>
__device__ __forceinline__ float dot_part_q8_1(const WeightPart& w, const ActivationPart& y) {
    int s = 0;
    int m = 0;
#pragma unroll
    for (int h = 0; h < 2; ++h) {
        int sqy = 0;
#pragma unroll
        for (int k = 4 * h; k < 4 * h + 4; ++k) sqy = dp4a(w.q[k], y.u[k], sqy);
        if (kUsesSumY) {
            s += w.a_int[h] * (sqy - w.offset * y.sum[h]);
            m += w.b_int[h] * y.sum[h];
        } else {
            s += w.a_int[h] * sqy;
        }
    }
    float sum = w.a_unit * static_cast<float>(s);
    if (kUsesSumY) sum -= w.b_unit * static_cast<float>(m);
    return sum * y.d;
}

// Formats whose parts never have an offset or a min skip the sum of y.
template <QuantType T>
inline constexpr bool kUsesSumY = Format<T>::kOffset != 0 || Format<T>::kHasMin;

// Weight row of tile row r of row group g, for slice s of S.
__device__ __forceinline__ std::uint64_t slice_row(std::uint64_t g, int R, int r, std::uint32_t S, std::uint32_t s) {
    return (g * static_cast<std::uint64_t>(R) + static_cast<std::uint64_t>(r)) * S + s;
}

// Sums acc[r * B + b] over the logical warps of each slice and stores it
// as y[b][row]: each warp's lane 0 puts its warp total in shared memory,
// then thread (s * R + r) * B + b adds up one column of slice s.
template <int R, int B, int S>
__device__ __forceinline__ void block_reduce_store(const float (&acc)[R * B], float* __restrict__ y,
                                                   std::uint64_t group, std::uint64_t rows) {
    __shared__ float partial[kMatVecWarps][R * B];
    const int lane = warp_lane();
    const int warp = static_cast<int>(threadIdx.x) / kWarp;
#pragma unroll
    for (int k = 0; k < R * B; ++k) {
        const float s = warp_sum(acc[k]);
        if (lane == 0) partial[warp][k] = s;
    }
    __syncthreads();
    constexpr int kSliceWarps = kMatVecWarps / S;
    const int slice = S == 1 ? 0 : static_cast<int>(threadIdx.x) / (R * B);  // >= S: no column
    const int k = S == 1 ? static_cast<int>(threadIdx.x) : static_cast<int>(threadIdx.x) % (R * B);
    const std::uint64_t row = slice_row(group, R, k / B, S, static_cast<std::uint32_t>(slice));
    if ((S == 1 ? k < R * B : slice < S) && row < rows) {
        float s = 0.0f;
#pragma unroll
        for (int w = 0; w < kSliceWarps; ++w) s += partial[slice * kSliceWarps + w][k];
        y[static_cast<std::uint64_t>(k % B) * rows + row] = s;
    }
}

// A chunk of `bytes` bytes from global memory (2-byte aligned `src`), read
// as whole 16-byte vectors from `src` rounded down to 16 bytes (the weight
// buffer is padded past its end for the rounding up) into shared memory at
// `dst`. Thread t takes vectors t, t + kThreads, ...: kAsync (HQ_ASYNC_COPY)
// copies them there directly, while the block goes on; otherwise the thread
// holds them in registers until store(), so every thread's loads for every
// row are in flight together before any of them is stored.
template <int kThreads, int kVectors, bool kAsync>
struct Staged {
    static constexpr int kPerThread = (kVectors + kThreads - 1) / kThreads;
    Vec16 v[kAsync ? 1 : kPerThread];
    std::uint32_t shift;
    std::uint32_t count;

    __device__ __forceinline__ void load(const std::uint8_t* src, std::uint32_t bytes, Vec16* dst) {
        shift = static_cast<std::uint32_t>(reinterpret_cast<std::uintptr_t>(src) & 15u);
        count = (shift + bytes + 15u) / 16u;
        const auto* from = reinterpret_cast<const Vec16*>(src - shift);  // pointer arithmetic: see load_ints_a2
#pragma unroll
        for (int k = 0; k < kPerThread; ++k) {
            const std::uint32_t i = threadIdx.x + static_cast<std::uint32_t>(k * kThreads);
            if (i < count) {
                if constexpr (kAsync)
                    copy_async_16(shared_address(dst + i), from + i);
                else
                    v[k] = from[i];
            }
        }
    }
    // The chunk in `dst` (stored there now, or copied by then: the caller
    // waits for the copies and the block): where its first byte is.
    __device__ __forceinline__ const std::uint8_t* store(Vec16* __restrict__ dst) const {
        if constexpr (!kAsync) {
#pragma unroll
            for (int k = 0; k < kPerThread; ++k) {
                const std::uint32_t i = threadIdx.x + static_cast<std::uint32_t>(k * kThreads);
                if (i < count) dst[i] = v[k];
            }
        }
        return reinterpret_cast<const std::uint8_t*>(dst) + shift;
    }
};

// Row pointers of row group g: tile row r starts at weight row
// slice_row(g, R, r, S, 0) and holds the S rows from there (rows past the
// end re-read the last row, in bounds, and are never stored).
template <int R, int S>
__device__ __forceinline__ void group_rows(const std::uint8_t* w, std::uint64_t g, const quant::MatVecArgs& args,
                                           const std::uint8_t* (&rows)[R]) {
#pragma unroll
    for (int r = 0; r < R; ++r) {
        const std::uint64_t row = slice_row(g, R, r, S, 0);
        rows[r] = w + (row < args.rows ? row : args.rows - 1) * args.row_bytes;
    }
}

// Weight rows held by tile row r of row group g: S, fewer at the end, and
// 1 (the re-read last row) past it.
__device__ __forceinline__ std::uint32_t tile_row_count(std::uint64_t g, int R, int r, std::uint32_t S,
                                                      const quant::MatVecArgs& args) {
    const std::uint64_t row = slice_row(g, R, r, S, 0);
    return row < args.rows ? static_cast<std::uint32_t>(min(static_cast<std::uint64_t>(S), args.rows - row)) : 1u;
}

// Issues the loads of the chunk starting at part `first` of row group g:
// whole weight blocks of each row (with slices, whole rows: a tile row
// holds its S rows back to back), and (kStageX) the matching Q8_1
// activation blocks.
template <typename F, int kChunkParts, int R, int S, typename WStage, int kVectors>
__device__ __forceinline__ void load_weight_chunk(WStage (&stage)[R], const std::uint8_t* const (&rows)[R],
                                                  const quant::MatVecArgs& args, std::uint64_t g, std::uint32_t first,
                                                  Vec16 (&tile)[R][kVectors]) {
    const std::uint32_t parts = min(static_cast<std::uint32_t>(kChunkParts), args.parts_per_row - first);
    const std::uint32_t w_bytes =
        (parts + F::kParts - 1) / F::kParts * static_cast<std::uint32_t>(sizeof(typename F::Block));
#pragma unroll
    for (int r = 0; r < R; ++r) {
        if constexpr (S == 1) {
            stage[r].load(rows[r] + first / F::kParts * sizeof(typename F::Block), w_bytes, tile[r]);
        } else {  // whole rows: first is 0, w_bytes a row
            const std::uint32_t more_rows = tile_row_count(g, R, r, S, args) - 1;
            stage[r].load(rows[r], w_bytes + more_rows * static_cast<std::uint32_t>(args.row_bytes), tile[r]);
        }
    }
}
template <int kChunkParts, bool kStageX, int B, typename XStage, int kRows, int kVectors>
__device__ __forceinline__ void load_activation_chunk(XStage (&x_stage)[kStageX ? B : 1], const quant::BlockQ8_1* x,
                                                      const quant::MatVecArgs& args, std::uint32_t first,
                                                      Vec16 (&tile)[kRows][kVectors]) {
    if constexpr (kStageX) {
        const std::uint32_t parts = min(static_cast<std::uint32_t>(kChunkParts), args.parts_per_row - first);
#pragma unroll
        for (int b = 0; b < B; ++b)
            x_stage[b].load(reinterpret_cast<const std::uint8_t*>(x + b * args.x_row_stride + first),
                            parts * static_cast<std::uint32_t>(sizeof(quant::BlockQ8_1)), tile[b]);
    }
}

// The persistent kernels quantize their activations themselves where the
// host passes them in f32 (MatVecQuantizeArgs): one launch instead of two.
template <int B>
inline constexpr bool kMatVecFusedQuantize = B <= kMatVecPersistentBatch;
static_assert(kMatVecPersistentBatch <= 2, "quantize_in_grid's row offsets (row 0 or 1) fit 32 bits");

// The activations' pointer: __restrict__ except where the kernel writes
// them itself (their loads must not then take a read-only path).
template <int B>
using ActivationPointer =
    std::conditional_t<kMatVecFusedQuantize<B>, const quant::BlockQ8_1*, const quant::BlockQ8_1* __restrict__>;

// A block done with the counters below counts itself gone; the grid's last
// (grids are 1-D) sets them back to zero for the next launch. Thread 0
// took all of its block's tickets.
__device__ __forceinline__ void leave_quantizing_grid(std::uint32_t* counters) {
    if (threadIdx.x != 0) return;
    __threadfence();
    if (atomicAdd(&counters[quant::kLeftWord], 1u) == gridDim.x - 1) {
        __threadfence();
        atomicExch(&counters[quant::kTicketWord], 0u);
        atomicExch(&counters[quant::kDoneWord], 0u);
        atomicExch(&counters[quant::kLeftWord], 0u);
    }
}

// That quantization, into xq (rows of row_blocks blocks), cut into tickets
// of kThreads / kQuantizeLanes blocks: a thread block takes tickets
// (counters[kTicketWord]) until none is left, quantizes each and counts
// it done (counters[kDoneWord]) and waits until all are. A block
// waits only for tickets that running blocks took, so the wait ends however
// few of the grid's blocks are resident (other work on the GPU, a small
// partition). Every block of the grid calls this, and once done with its
// work leave_quantizing_grid (after the product: counting 528 blocks out
// on one word before it stalled them all).
// (rows: the kernel's batch, which it holds anyway: an argument of its own
// took the batch-2 kernels past gfx9's scalar registers.)
template <int kThreads>
__device__ __forceinline__ void quantize_in_grid(const quant::MatVecQuantizeArgs& f, quant::BlockQ8_1* xq,
                                                 std::uint32_t row_blocks, std::uint32_t rows) {
    constexpr std::uint32_t kTicketBlocks = kThreads / kQuantizeLanes;
    static_assert(kTicketBlocks % (kWarp / kQuantizeLanes) == 0, "a ticket's blocks fill whole logical warps");
    const std::uint32_t per_row = (row_blocks + kTicketBlocks - 1) / kTicketBlocks;
    const std::uint32_t tickets = rows * per_row;  // the host keeps it below 2^32
    __shared__ std::uint32_t taken;
    for (;;) {
        // Blocks that find the tickets gone skip the atomic: they all
        // arrive at once, when the kernel before completes.
        if (threadIdx.x == 0)
            taken = load_volatile(&f.counters[quant::kTicketWord]) >= tickets
                        ? tickets
                        : atomicAdd(&f.counters[quant::kTicketWord], 1u);
        __syncthreads();
        const std::uint32_t ticket = taken;
        __syncthreads();  // all have read it before thread 0 takes the next
        if (ticket >= tickets) break;  // uniform across the block
        const std::uint32_t row = ticket / per_row;
        const std::uint32_t block = (ticket - row * per_row) * kTicketBlocks + threadIdx.x / kQuantizeLanes;
        // Rows are whole logical warps of blocks, so whole warps skip.
        // (row * row_stride fits 32 bits: row is 0 or 1.)
        if (block < row_blocks)
            quantize_q8_1_block(f.x + row * f.row_stride, f.cols, xq + static_cast<std::uint64_t>(row) * row_blocks,
                                block);
        __threadfence();  // the blocks are written before they are counted
        __syncthreads();
        if (threadIdx.x == 0) atomicAdd(&f.counters[quant::kDoneWord], 1u);
    }
    if (threadIdx.x == 0) {
        while (load_volatile(&f.counters[quant::kDoneWord]) < tickets) backoff();
        __threadfence();
    }
    __syncthreads();
    __threadfence();  // and read only after they were seen counted
}

// Whether the batch-B kernel of T takes short rows in slices (below).
template <QuantType T, int B>
inline constexpr bool kMatVecRowSlicing = B <= kMatVecPersistentBatch && MatVecFormat<T>::row_slices;

// The shape of mul_mat_vec_q8_1<T, B>: chunk, row group, staged tiles.
template <QuantType T, int B>
struct MatVecShape {
    using F = Format<T>;
    static constexpr int kThreads = kMatVecWarps * kWarp;
    static constexpr int kU = kMatVecPartsPerThread<T, B>;
    static constexpr int kChunkParts = kThreads * kU;
    static_assert(kMatVecWarps % quant::kMaxMatVecRowSlices == 0, "row slices are whole warps");
    static_assert(kChunkParts % F::kParts == 0, "a chunk holds whole weight blocks");
    static constexpr int kChunkBytes = kChunkParts / F::kParts * static_cast<int>(sizeof(typename F::Block));
    static constexpr int R = matvec_rows_per_block(B);
    static constexpr int kChunkVectors = kChunkBytes / 16 + 1;  // +1: the start's misalignment
    static_assert(kChunkBytes % 16 == 0, "with whole 16-byte chunks one more vector covers any start");
    // From batch 7, where the platform copies asynchronously
    // (HQ_ASYNC_COPY), the next chunk of weights is copied into a second set
    // of tiles while this one is computed (when both fit the static shared
    // memory, 1 KB staying for the reduction's partial sums): no registers
    // hold it, one barrier per chunk instead of two; smaller batches measured
    // slower so (bench/NOTES.md, "mat-vec copies ahead"). Otherwise the chunk
    // waits in registers, and batches 1 and 2 stage the activations too
    // (their 36-byte blocks cost nine 4-byte loads a thread when read
    // directly; larger batches would need too many registers for it).
    static constexpr bool kCopyAhead =
        kAsyncCopy && B >= 7 && 2 * 16 * R * kChunkVectors <= kStaticSharedBytes - 1024;
    static constexpr bool kStageX = B <= 2;
    static constexpr int kXVectors = kChunkParts * static_cast<int>(sizeof(quant::BlockQ8_1)) / 16 + 1;
    static_assert(!(kCopyAhead && kStageX), "the activations are staged only in registers");
    static constexpr int kSets = kCopyAhead ? 2 : 1;
    using WeightTiles = Vec16[kSets][R][kChunkVectors];
    using ActivationTiles = Vec16[kStageX ? B : 1][kStageX ? kXVectors : 1];
};

// The block walks its R weight rows in chunks of kChunkParts consecutive
// 32-value parts (kU per thread). Each chunk is staged in shared memory with coalesced
// 16-byte loads (the blocks' odd sizes, 18 / 22 / 34 / 110 / 210 bytes, would
// otherwise cost a load instruction per 2 or 4 bytes per thread), software
// pipelined: the loads of chunk c + 1 are in flight while chunk c is
// computed. Thread t then dots parts t, t + kThreads, ... of each row (or
// parts kU t .. kU t + kU - 1, for formats that decode consecutive parts
// together: kSharedParts) with the same parts of each activation row; those
// are staged the same way for batch <= 2 and read directly otherwise (L1
// hits, each shared by the R rows). With S row slices (short rows, at
// most 1 / S of a chunk: MatVecArgs::row_slices) the threads split into S
// slices of whole warps, each the block above for one of S neighbouring
// rows: a group is R x S rows, and a chunk R runs of S whole rows.
template <QuantType T, int B, int S>
__device__ __forceinline__ void mul_mat_vec_q8_1_slices(const std::uint8_t* __restrict__ w, ActivationPointer<B> x,
                                                        float* __restrict__ y, quant::MatVecArgs args,
                                                        const quant::MatVecQuantizeArgs& fused,
                                                        typename MatVecShape<T, B>::WeightTiles& w_tile,
                                                        typename MatVecShape<T, B>::ActivationTiles& x_tile) {
    using Shape = MatVecShape<T, B>;
    using F = Format<T>;
    using Block = typename F::Block;
    constexpr int kThreads = Shape::kThreads, kU = Shape::kU, kChunkParts = Shape::kChunkParts, R = Shape::R;
    constexpr int kChunkVectors = Shape::kChunkVectors, kXVectors = Shape::kXVectors, kSets = Shape::kSets;
    constexpr bool kCopyAhead = Shape::kCopyAhead, kStageX = Shape::kStageX;
    constexpr int kSliceThreads = kThreads / S;
    static_assert(kSliceThreads % kWarp == 0, "a slice is whole warps");
    int set = 0;  // the tiles of the chunk computed next

    // Persistent blocks: block i computes row groups i, i + gridDim.x, ...
    // and its pipeline runs on from one group's last chunk into the next
    // group's first, so only the kernel's first load is not overlapped.
    // (Helpers are functions, not lambdas: clang 17+ keeps arrays a lambda
    // captures in scratch memory.)
    const std::uint32_t slice = S == 1 ? 0u : threadIdx.x / kSliceThreads;
    const std::uint64_t groups = (args.rows + R * S - 1) / (R * S);
    std::uint64_t group = blockIdx.x;
    // Uniform across the block. The host sizes the grid so that no block
    // returns here: where the kernel quantizes, every block must take part.
    if (group >= groups) return;
    const std::uint8_t* rows[R];
    group_rows<R, S>(w, group, args, rows);
    float acc[R * B];
#pragma unroll
    for (int k = 0; k < R * B; ++k) acc[k] = 0.0f;

    const std::uint32_t P = args.parts_per_row;
    Staged<kThreads, kChunkVectors, kCopyAhead> stage[R];
    Staged<kThreads, kXVectors, false> x_stage[kStageX ? B : 1];
    // Launched overlapping the kernel before (where the GPU can): the
    // weights, which no kernel writes, are requested at once; the
    // activations (and y) only once that kernel is done.
    const bool quantizes = kMatVecFusedQuantize<B> && fused.x != nullptr;
    const bool weights_after = kMatVecWeightsAfterQuantize && quantizes;
    if (!weights_after) load_weight_chunk<F, kChunkParts, R, S>(stage, rows, args, group, 0, w_tile[0]);
    wait_for_previous_kernel();
    if constexpr (kMatVecFusedQuantize<B>) {
        if (quantizes)
            quantize_in_grid<kThreads>(fused, const_cast<quant::BlockQ8_1*>(x),
                                       static_cast<std::uint32_t>(args.x_row_stride), args.batch);
    }
    if (weights_after) load_weight_chunk<F, kChunkParts, R, S>(stage, rows, args, group, 0, w_tile[0]);
    load_activation_chunk<kChunkParts, kStageX, B>(x_stage, x, args, 0, x_tile);

    const std::uint32_t t = S == 1 ? threadIdx.x : threadIdx.x % kSliceThreads;
    const std::uint32_t slice_bytes = slice * static_cast<std::uint32_t>(args.row_bytes);  // 0 without slices
    std::uint32_t first = 0;
    for (;;) {
        if constexpr (kCopyAhead) {
            commit_async_copies();
            wait_async_copies<0>();
        }
        const std::uint8_t* tile[R];
#pragma unroll
        for (int r = 0; r < R; ++r) {
            // This slice's row. Past the weights' last row that is stale
            // bytes of the tile: in bounds (S rows fit a chunk), never stored.
            tile[r] = stage[r].store(w_tile[set][r]) + slice_bytes;
        }
        const quant::BlockQ8_1* x_staged[kStageX ? B : 1];
        if constexpr (kStageX) {
#pragma unroll
            for (int b = 0; b < B; ++b)
                x_staged[b] = reinterpret_cast<const quant::BlockQ8_1*>(x_stage[b].store(x_tile[b]));
        }
        // Everyone's chunk is in; with two sets, everyone is also done with
        // the chunk before, whose set the next copies refill.
        __syncthreads();
        set ^= kSets - 1;

        // Issue the next step's loads before computing this one.
        const bool row_done = first + kChunkParts >= P;
        const std::uint64_t next_group = row_done ? group + gridDim.x : group;
        const std::uint32_t next_first = row_done ? 0u : first + kChunkParts;
        const bool more = next_group < groups;
        const std::uint8_t* next_rows[R];
#pragma unroll
        for (int r = 0; r < R; ++r) next_rows[r] = rows[r];
        if (row_done && more) group_rows<R, S>(w, next_group, args, next_rows);
        if (more) {
            load_weight_chunk<F, kChunkParts, R, S>(stage, next_rows, args, next_group, next_first, w_tile[set]);
            load_activation_chunk<kChunkParts, kStageX, B>(x_stage, x, args, next_first, x_tile);
        }

        if constexpr (kSharedParts<F, kU>) {
            // Consecutive parts i0 .. i0 + kU - 1, decoded together. Rows hold
            // whole blocks of kParts (a multiple of kU), so all are in the row.
            const std::uint32_t i0 = kU * t;
            if (first + i0 < P) {
                ActivationPart xb[kU][B];
                if constexpr (kU == 2 && kStageX) {
                    // The staged blocks start 16-byte aligned (the host checks
                    // x's alignment; rows and chunks are whole 16-byte
                    // vectors of blocks), so pairs at even parts are 8-byte
                    // aligned.
                    static_assert(quant::kRowPadding / 32 * sizeof(quant::BlockQ8_1) % 16 == 0 &&
                                      kChunkParts * sizeof(quant::BlockQ8_1) % 16 == 0,
                                  "activation rows and chunks start 16-byte aligned");
#pragma unroll
                    for (int b = 0; b < B; ++b) {
                        ActivationPart pair[2];
                        load_activation_pair<kUsesSumY<T>>(x_staged[b] + i0, pair);
                        xb[0][b] = pair[0];
                        xb[1][b] = pair[1];
                    }
                } else {
#pragma unroll
                    for (int u = 0; u < kU; ++u) {
#pragma unroll
                        for (int b = 0; b < B; ++b)
                            xb[u][b] = load_activation<kUsesSumY<T>>(
                                kStageX ? x_staged[b][i0 + u] : x[b * args.x_row_stride + first + i0 + u]);
                    }
                }
#pragma unroll
                for (int r = 0; r < R; ++r) {
                    WeightPart part[kU];
                    F::template parts<kU>(reinterpret_cast<const Block*>(tile[r])[i0 / F::kParts],
                                          static_cast<int>(i0 % F::kParts), part);
#pragma unroll
                    for (int u = 0; u < kU; ++u) {
#pragma unroll
                        for (int b = 0; b < B; ++b) acc[r * B + b] += dot_part_q8_1<kUsesSumY<T>>(part[u], xb[u][b]);
                    }
                }
            }
        } else {
#pragma unroll
            for (int u = 0; u < kU; ++u) {
                const std::uint32_t i = t + static_cast<std::uint32_t>(u * kSliceThreads);  // part of the chunk
                if (first + i >= P) break;
                ActivationPart xb[B];
#pragma unroll
                for (int b = 0; b < B; ++b)
                    xb[b] = load_activation<kUsesSumY<T>>(kStageX ? x_staged[b][i]
                                                                  : x[b * args.x_row_stride + first + i]);
                const int p = static_cast<int>(i % F::kParts);
#pragma unroll
                for (int r = 0; r < R; ++r) {
                    const WeightPart part = F::part(reinterpret_cast<const Block*>(tile[r])[i / F::kParts], p);
#pragma unroll
                    for (int b = 0; b < B; ++b) acc[r * B + b] += dot_part_q8_1<kUsesSumY<T>>(part, xb[b]);
                }
            }
        }
        if constexpr (!kCopyAhead) __syncthreads();  // the tiles are refilled next step

        if (row_done) {
            block_reduce_store<R, B, S>(acc, y, group, args.rows);
#pragma unroll
            for (int k = 0; k < R * B; ++k) acc[k] = 0.0f;
        }
        if (!more) {
            // Its work done, the block lets the next kernel's blocks in.
            // (Letting them in from the start measured slower at batch 1:
            // they took resources while this kernel still ran.)
            allow_next_kernel();
            break;
        }
        group = next_group;
        first = next_first;
#pragma unroll
        for (int r = 0; r < R; ++r) rows[r] = next_rows[r];
    }
}

// The tiles live here, shared by the three slicings (each its own code, so
// that the slicing's constants fold as the unsliced kernel's do). Only the
// persistent kernels slice rows (their launch bounds keep the extra code
// from costing resident blocks; and where the format's table row says so):
// above batch 2 a thread takes one part, so a chunk is 128 parts and rows
// of K >= 4096 fill it anyway.
// Inlined: the batch-1 kernel and the expert-indexed one share the
// instantiation, and a call out of line keeps its frame in scratch.
template <QuantType T, int B>
__device__ __forceinline__ void mul_mat_vec_q8_1(const std::uint8_t* __restrict__ w, ActivationPointer<B> x,
                                                 float* __restrict__ y, quant::MatVecArgs args,
                                                 const quant::MatVecQuantizeArgs& fused) {
    static_assert(quant::kMaxMatVecRowSlices == 4, "the slicings below");
    __shared__ typename MatVecShape<T, B>::WeightTiles w_tile;
    __shared__ typename MatVecShape<T, B>::ActivationTiles x_tile;
    if constexpr (kMatVecRowSlicing<T, B>) {
        if (args.row_slices == 4)
            mul_mat_vec_q8_1_slices<T, B, 4>(w, x, y, args, fused, w_tile, x_tile);
        else if (args.row_slices == 2)
            mul_mat_vec_q8_1_slices<T, B, 2>(w, x, y, args, fused, w_tile, x_tile);
        else
            mul_mat_vec_q8_1_slices<T, B, 1>(w, x, y, args, fused, w_tile, x_tile);
    } else {
        mul_mat_vec_q8_1_slices<T, B, 1>(w, x, y, args, fused, w_tile, x_tile);
    }
    if constexpr (kMatVecFusedQuantize<B>) {
        if (fused.x != nullptr) leave_quantizing_grid(fused.counters);
    }
}

template <QuantType T, int B>
__device__ void mul_mat_vec_f32(const std::uint8_t* __restrict__ w, const float* __restrict__ x,
                                float* __restrict__ y, quant::MatVecArgs args) {
    using F = Format<T>;
    const std::uint64_t row = static_cast<std::uint64_t>(blockIdx.x) * kMatVecF32RowsPerBlock + threadIdx.x / kWarp;
    if (row >= args.rows) return;
    const int lane = warp_lane();
    const auto* blocks = reinterpret_cast<const typename F::Block*>(w + row * args.row_bytes);

    float acc[B];
#pragma unroll
    for (int b = 0; b < B; ++b) acc[b] = 0.0f;
    for (std::uint32_t i = static_cast<std::uint32_t>(lane); i < args.parts_per_row; i += kWarp) {
        const WeightPart part = F::part(blocks[i / F::kParts], static_cast<int>(i % F::kParts));
        float v[32];
#pragma unroll
        for (int j = 0; j < 32; ++j) {
            const int q = static_cast<int>(static_cast<signed char>(part.q[j / 4] >> (8 * (j % 4))));
            v[j] = part.a[j / 16] * static_cast<float>(q - part.offset) - part.b[j / 16];
        }
#pragma unroll
        for (int b = 0; b < B; ++b) {
            const float4* xb = reinterpret_cast<const float4*>(x + b * args.x_row_stride + i * 32u);
            float s = 0.0f;
#pragma unroll
            for (int k = 0; k < 8; ++k) {
                const float4 xv = xb[k];
                s += v[4 * k] * xv.x + v[4 * k + 1] * xv.y + v[4 * k + 2] * xv.z + v[4 * k + 3] * xv.w;
            }
            acc[b] += s;
        }
    }
#pragma unroll
    for (int b = 0; b < B; ++b) {
        const float s = warp_sum(acc[b]);
        if (lane == 0) y[b * args.rows + row] = s;
    }
}

// The expert-indexed product: block (x, y, z) takes pair y + gridDim.y * z
// and multiplies the pair's expert by its activation row with the batch-1
// mat-vec (x: its row groups, as that kernel's grid). A pair whose id is
// outside [0, experts) gets a row of zeros and lowers *status to its index.
// The ids are read only once the kernel before is done. (One pair a block,
// 32-bit pair arithmetic: a loop over pairs spilled SGPRs on gfx9. Its
// activations are quantized by a launch of their own: with thousands of
// blocks, counting each in and out of the in-kernel quantization measured
// 1.2-1.7x slower.)
template <QuantType T>
__device__ __forceinline__ void mul_mat_vec_id_q8_1(const std::uint8_t* __restrict__ w,
                                                    const quant::BlockQ8_1* __restrict__ x, float* __restrict__ y,
                                                    const std::int32_t* __restrict__ ids,
                                                    std::uint32_t* __restrict__ status,
                                                    const quant::MatVecIdArgs& a) {
    const std::uint32_t pair = blockIdx.y + gridDim.y * blockIdx.z;
    if (pair >= a.pairs) return;  // uniform across the block
    wait_for_previous_kernel();
    const std::uint32_t token = pair / a.top_k, slot = pair - token * a.top_k;
    const std::int32_t id = ids[static_cast<std::uint64_t>(token) * a.ids_stride + slot];
    float* out = y + static_cast<std::uint64_t>(pair) * a.mv.rows;
    if (id < 0 || static_cast<std::uint32_t>(id) >= a.experts) {  // uniform across the block
        if (blockIdx.x == 0 && threadIdx.x == 0) atomicMin(status, pair);
        for (std::uint64_t r = static_cast<std::uint64_t>(blockIdx.x) * blockDim.x + threadIdx.x; r < a.mv.rows;
             r += static_cast<std::uint64_t>(gridDim.x) * blockDim.x)
            out[r] = 0.0f;
        return;
    }
    const std::uint32_t x_row = token * a.x_slots + (a.x_slots > 1 ? slot : 0u);
    mul_mat_vec_q8_1<T, 1>(w + static_cast<std::uint64_t>(id) * a.expert_bytes, x + x_row * a.mv.x_row_stride, out,
                           a.mv, quant::MatVecQuantizeArgs{});
}

// The persistent grids (batch <= kMatVecPersistentBatch, and the expert
// kernel) are sized for kMatVecBlocksPerCu resident blocks: compiled so
// that they fit (the row slicings' code must not push them out). Others
// leave the registers to the compiler.
static_assert(kMatVecPersistentBatch == 2, "HQ_MMVQ_BOUNDS_<B> below");
#define HQ_MMVQ_BOUNDS_PERSISTENT __launch_bounds__(kMatVecWarps * kWarp, HQ_MIN_BLOCKS(kMatVecBlocksPerCu))
#define HQ_MMVQ_BOUNDS_1 HQ_MMVQ_BOUNDS_PERSISTENT
#define HQ_MMVQ_BOUNDS_2 HQ_MMVQ_BOUNDS_PERSISTENT
#define HQ_MMVQ_BOUNDS_3 __launch_bounds__(kMatVecWarps * kWarp)
#define HQ_MMVQ_BOUNDS_4 HQ_MMVQ_BOUNDS_3
#define HQ_MMVQ_BOUNDS_5 HQ_MMVQ_BOUNDS_3
#define HQ_MMVQ_BOUNDS_6 HQ_MMVQ_BOUNDS_3
#define HQ_MMVQ_BOUNDS_7 HQ_MMVQ_BOUNDS_3
#define HQ_MMVQ_BOUNDS_8 HQ_MMVQ_BOUNDS_3
static_assert(quant::kMaxMatVecBatch == 8, "HQ_MMVQ_BOUNDS_<B> above");

// Each kernel publishes its launch geometry as <name>_geometry.
#define HQ_MMVQ_KERNEL(NAME, B)                                                                                   \
    extern "C" __device__ quant::MatVecGeometry HQ_CONCAT(HIPQUANT_SYMBOL_MUL_MAT_VEC(q8_1, NAME, B), _geometry) = { \
        kMatVecWarps * kWarp, matvec_rows_per_block(B), B <= kMatVecPersistentBatch ? kMatVecBlocksPerCu : 0,     \
        B <= kMatVecPersistentBatch,                                                                              \
        kMatVecRowSlicing<QuantType::NAME, B> ? MatVecShape<QuantType::NAME, B>::kChunkParts : 0,                   \
        kMatVecFusedQuantize<B>};                                                                                 \
    HQ_KERNEL HQ_MMVQ_BOUNDS_##B void HIPQUANT_SYMBOL_MUL_MAT_VEC(q8_1, NAME, B)(                                 \
        const std::uint8_t* w, const quant::BlockQ8_1* x, float* y, quant::MatVecArgs args,                       \
        quant::MatVecQuantizeArgs fused) {                                                                       \
        mul_mat_vec_q8_1<QuantType::NAME, B>(w, x, y, args, fused);                                                \
    }
// The f32 kernels: the minimum of one block keeps ptxas from capping
// registers at 64 and spilling a few bytes to raise occupancy.
#define HQ_MMVF_KERNEL(NAME, B)                                                                                  \
    extern "C" __device__ quant::MatVecGeometry HQ_CONCAT(HIPQUANT_SYMBOL_MUL_MAT_VEC(f32, NAME, B), _geometry) = { \
        kMatVecF32RowsPerBlock * kWarp, kMatVecF32RowsPerBlock, 0, 0, 0, 0};                                     \
    HQ_KERNEL __launch_bounds__(kMatVecF32RowsPerBlock * kWarp, 1) void HIPQUANT_SYMBOL_MUL_MAT_VEC(f32, NAME, B)( \
        const std::uint8_t* w, const float* x, float* y, quant::MatVecArgs args) {                               \
        mul_mat_vec_f32<QuantType::NAME, B>(w, x, y, args);                                                       \
    }
// The expert-indexed kernel launches as the batch-1 one, a grid row per pair.
#define HQ_MMVQ_ID_KERNEL(NAME)                                                                                  \
    extern "C" __device__ quant::MatVecGeometry HQ_CONCAT(HIPQUANT_SYMBOL_MUL_MAT_VEC_ID(NAME), _geometry) = {    \
        kMatVecWarps * kWarp, matvec_rows_per_block(1), 1 <= kMatVecPersistentBatch ? kMatVecBlocksPerCu : 0, 0,   \
        kMatVecRowSlicing<QuantType::NAME, 1> ? MatVecShape<QuantType::NAME, 1>::kChunkParts : 0, 0};               \
    HQ_KERNEL HQ_MMVQ_BOUNDS_PERSISTENT void HIPQUANT_SYMBOL_MUL_MAT_VEC_ID(NAME)(                                 \
        const std::uint8_t* w, const quant::BlockQ8_1* x, float* y, const std::int32_t* ids, std::uint32_t* status, \
        quant::MatVecIdArgs args) {                                                                              \
        mul_mat_vec_id_q8_1<QuantType::NAME>(w, x, y, ids, status, args);                                        \
    }
#define HQ_MATVEC_KERNELS(NAME)                          \
    HIPQUANT_MATVEC_F32_BATCHES(HQ_MMVF_KERNEL, NAME)    \
    HIPQUANT_MATVEC_Q8_1_BATCHES(HQ_MMVQ_KERNEL, NAME)   \
    HQ_MMVQ_ID_KERNEL(NAME)
HIPQUANT_WEIGHT_FORMATS(HQ_MATVEC_KERNELS)
#undef HQ_MATVEC_KERNELS
#undef HQ_MMVQ_ID_KERNEL
#undef HQ_MMVQ_KERNEL
#undef HQ_MMVF_KERNEL
#undef HQ_MMVQ_BOUNDS_PERSISTENT
#undef HQ_MMVQ_BOUNDS_1
#undef HQ_MMVQ_BOUNDS_2
#undef HQ_MMVQ_BOUNDS_3
#undef HQ_MMVQ_BOUNDS_4
#undef HQ_MMVQ_BOUNDS_5
#undef HQ_MMVQ_BOUNDS_6
#undef HQ_MMVQ_BOUNDS_7
#undef HQ_MMVQ_BOUNDS_8

}  // namespace hipquant::kernels
