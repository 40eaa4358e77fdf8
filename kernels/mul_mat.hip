// Mat-mat kernels for batches above the mat-vec's: y[n][r] = sum_c W[r][c] * x[n][c]
// with x quantized to Q8_1 (activation rows padded, as for the mat-vec).
//   hq_mul_mat_q8_1_<T>_{wide,narrow}:      the tile product the target table
//                                           picks (TileMma), in its two tilings
//   hq_mul_mat_q8_1_dot4_<T>_{wide,narrow}: the portable integer-dot product
// A thread block computes a kTileRows x kTileCols block of y (weight rows x
// activation rows) and walks the shared dimension a chunk of 32-value parts
// at a time (tile shapes and chunk: the tuning table, kernels/config/matmul.hpp).
// The weight rows' parts are decoded into int8 (q - offset) with their
// scales and mins, the activation blocks copied as they are, both into
// shared memory (from global memory, or where the table has HQ_ASYNC_COPY
// from raw copies of the blocks made a chunk ahead, while the chunk before
// was multiplied; with two sets of tiles, decoded a chunk ahead too, and
// where the tiling has producer warps by those alone: warp specialization,
// mul_mat_q8_1_specialized); then
// the block's thread groups multiply 16 x 16 tiles of it
// with the tile primitive (kernels/mma.hpp), one scale group (16 or 32
// values) at a time, and fold each integer result into f32 sums:
//   y += a_w * (d_x * sum(q_w' * q_x)) - b_w * (d_x * sum(q_x)),
// the mat-vec's terms (q_w' = q_w - offset, value = a_w * q_w' - b_w), two
// fused multiply-adds per output and group, and one per min (Q2_K's and
// Q3_K's integer scales are folded into their quants: kFoldScales); where
// the tiling has a floating-point tile product (NVIDIA), the min terms are
// that product per chunk instead (multiply_mins).
#include "async_copy.hpp"
#include "barrier.hpp"
#include "config/matmul.hpp"
#include "formats.hpp"
#include "hipquant/quant/kernel_args.hpp"
#include "hipquant/quant/kernels.hpp"
#include "mma.hpp"
#include "scalar.hpp"
#include "tiling.hpp"
#include "warp.hpp"

namespace hipquant::kernels {

// Formats whose integer sub-block scales fold into the int8 weights
// (Format::kFoldsScales: Q2_K, Q3_K): each byte (offset - q) * scale, so the
// tile products run on 32-value groups under one scale -d (one product and
// two multiply-adds per output and 32 values instead of two and four,
// besides the mins, which stay per 16 values). Sums stay below 2^22
// (32 * 128 * 127), as kBias needs.
template <QuantType T>
inline constexpr bool kFoldScales = Format<T>::kFoldsScales;
// Values sharing one weight scale in the products (16 or 32), values sharing
// one min (the format's scale group), and whether values have a min (then
// the activation sums are needed).
template <QuantType T>
inline constexpr int kScaleGroup = kFoldScales<T> ? 32 : Format<T>::kScaleGroup;
template <QuantType T>
inline constexpr int kMinGroup = Format<T>::kScaleGroup;
template <QuantType T>
inline constexpr bool kHasMin = Format<T>::kHasMin;

// q - offset in every byte as int8, for bytes 0..127 and offsets 0..128:
// q + 128 - offset stays within its byte (no carry or borrow between
// bytes), and flipping bit 7 takes the 128 back off.
__device__ __forceinline__ int subtract_offset(int q, int offset) {
    return (q + (128 - offset) * 0x01010101) ^ static_cast<int>(0x80808080u);
}

// Each activation block's d and -kBias * d (exact: d is an f16, kBias
// 3 * 2^22), which the scale step reads together: as one float2 where the
// table says so (kPairedScales: NVIDIA, where it measured faster), else in
// two arrays (gfx906 with clang 21 spilled the interleaved form).
// In 8-part chunks each part's columns are followed by 2 unused entries,
// so that the 8 parts of a stagers' half warp land in different banks (as
// MatMulTiles::kRowPad).
template <int kParts>
inline constexpr int kColumnPad = kParts == 8 ? 2 : 0;
template <bool kPaired, int kParts, int kCols>
struct ActivationScales {
    float2 d_bias[kParts][kCols + kColumnPad<kParts>];
    __device__ __forceinline__ void set(int k, int n, float d) { d_bias[k][n] = make_float2(d, -kBias * d); }
    __device__ __forceinline__ float2 get(int k, int n) const { return d_bias[k][n]; }
};
template <int kParts, int kCols>
struct ActivationScales<false, kParts, kCols> {
    float d[kParts][kCols + kColumnPad<kParts>];
    float bias[kParts][kCols + kColumnPad<kParts>];
    __device__ __forceinline__ void set(int k, int n, float v) {
        d[k][n] = v;
        bias[k][n] = -kBias * v;
    }
    __device__ __forceinline__ float2 get(int k, int n) const { return make_float2(d[k][n], bias[k][n]); }
};

// The shared-memory tiles of one chunk.
template <QuantType T, typename L>
struct MatMulTiles {
    static constexpr int kParts = L::kParts;
    static constexpr int kStride = kParts * 32 + 16;  // bytes per tile row; the 16 spread rows over banks
    static constexpr int kGroups = kParts * 32 / kScaleGroup<T>;  // scale groups per row per chunk
    static constexpr int kMinGroups = kParts * 32 / kMinGroup<T>;
    // The min terms as the tiling's floating-point tile product (kMinMma,
    // TF32 on NVIDIA: 11 significant bits), added by the product to the f32
    // sums: per row the chunk's mins negated, as two parts that add up to
    // them exactly (dmin * m has at most 17 significant bits, Q4_1's and
    // Q5_1's halves 11); per column the activation sums d * sum(q) as two
    // parts (22 bits); K padded with zeros to the product's 8, rows
    // kMinStride floats apart (rows g .. g + 7 of a fragment in different
    // banks).
    static constexpr bool kMinMma = kHasMin<T> && L::kMinProduct;
    // Q4_1's and Q5_1's mins are halves, exact in TF32: no low parts.
    static constexpr bool kMinsFit = Format<T>::kBlockElems == 32;
    static constexpr int kMinK = (kMinGroups + 7) / 8 * 8;
    static constexpr int kMinStride = kMinK + 4;
    static constexpr int kMinRows = kHasMin<T> && !kMinMma ? L::kTileRows : 1;
    static constexpr int kMinCols = kHasMin<T> && !kMinMma ? L::kTileCols : 1;
    static constexpr int kMmaMinRows = kMinMma ? L::kTileRows : 1;
    static constexpr int kMmaMinCols = kMinMma ? L::kTileCols : 1;

    // Per group or part, then row: a tile's threads read neighbouring rows
    // (different banks). In 8-part chunks, kRowPad floats after each
    // group's rows put the groups a warp stores at once (its 4 rows, 8
    // parts each: stage_chunk) in different banks; without, they all fell
    // in the same ones (9.5-way conflicted stores in the skinny tiling,
    // ncu). The 4-part tilings keep their layout (with the padding, Q6_K's
    // wide kernel spilled on sm_80), as do the interleaved rows of
    // kScaleRows > 1.
    static constexpr int kRowPad = L::kScaleRows == 1 && kParts == 8 ? 4 : 0;

    Vec16 w_q[L::kTileRows * kStride / 16];  // int8 q - offset
    Vec16 x_q[L::kTileCols * kStride / 16];  // int8 activation quants
    float w_scale[kGroups][L::kTileRows + kRowPad];  // a
    float w_min[kMinGroups][kMinRows + (kMinRows > 1 ? kRowPad : 0)];  // b
    ActivationScales<kPairedScales, kParts, L::kTileCols> x_scales;
    float x_sum[kMinGroups][kMinCols];     // d * sum(q) per min group
    // With kMinMma instead of w_min and x_sum: -b = min_hi + min_lo.
    float min_hi[kMmaMinRows][kMinStride];
    float min_lo[kMinsFit ? 1 : kMmaMinRows][kMinStride];
    float x_sum_hi[kMmaMinCols][kMinStride];
    float x_sum_lo[kMmaMinCols][kMinStride];

    // Where row m's weight scales and mins sit: with kScaleRows = R > 1,
    // in each 8R rows, rows m, m + 8, ..., m + 8(R - 1) side by side (the
    // rows an NVIDIA thread's products hold in R / 2 neighbouring 16 x 16
    // tiles, read as one 4R-byte load), where the tiling says so
    // (bench/NOTES.md, "scale rows").
    static constexpr int kScaleRows = L::kScaleRows;
    static_assert(kScaleRows == 1 || kScaleRows == 2 || kScaleRows == 4, "rows read 1, 2 or 4 at a time");
    static_assert(2 * L::kGroupTilesM % kScaleRows == 0, "a thread's rows fill its row vectors");
    static_assert(kScaleRows == 1 || !kHasMin<T> || kMinMma, "mins read per output take rows one at a time");
    __device__ static int row_slot(int m) {
        constexpr int kSpan = 8 * kScaleRows;
        return (m & ~(kSpan - 1)) | (m & 7) * kScaleRows | (m >> 3 & (kScaleRows - 1));
    }
    // out[u] = row `first + 8u`'s entry of a per-row array, read kScaleRows
    // (2 or 4) entries at a time (first: a row of the first 8 of a span of
    // 8 kScaleRows).
    template <int kBands>
    __device__ static void row_values(const float* v, int first, float (&out)[kBands]) {
        static_assert(kScaleRows > 1 && kBands % kScaleRows == 0, "whole vectors of rows");
#pragma unroll
        for (int q = 0; q < kBands / kScaleRows; ++q) {
            const float* rows = v + row_slot(first + 8 * kScaleRows * q);
            if constexpr (kScaleRows == 4) {
                const float4 r = *reinterpret_cast<const float4*>(rows);
                out[4 * q] = r.x;
                out[4 * q + 1] = r.y;
                out[4 * q + 2] = r.z;
                out[4 * q + 3] = r.w;
            } else {
                const float2 r = *reinterpret_cast<const float2*>(rows);
                out[2 * q] = r.x;
                out[2 * q + 1] = r.y;
            }
        }
    }

    __device__ std::int8_t* w_bytes() { return reinterpret_cast<std::int8_t*>(w_q); }
    __device__ std::int8_t* x_bytes() { return reinterpret_cast<std::int8_t*>(x_q); }
};

__device__ __forceinline__ void store_ints(std::int8_t* dst, const int (&v)[8]) {
    Vec16* d = reinterpret_cast<Vec16*>(dst);
#pragma unroll
    for (int h = 0; h < 2; ++h) {
        Vec16 u;
        u.x = v[4 * h];
        u.y = v[4 * h + 1];
        u.z = v[4 * h + 2];
        u.w = v[4 * h + 3];
        d[h] = u;
    }
}

// Where stage_chunk reads a chunk's blocks. Both return the block holding
// part p (in bounds) of tile row m, and the Q8_1 block p of tile column n
// (as 4-byte aligned ints: d and s, then the quants); rows past the end
// repeat the last one (their results are never stored). kAlignedColumns:
// a column's chunk starts 16-byte aligned.
// In global memory: the tensors themselves (a column's chunk at any
// offset of a strided view).
template <QuantType T, typename L>
struct GlobalBlocks {
    using Block = typename Format<T>::Block;
    static constexpr bool kAlignedColumns = false;
    const std::uint8_t* w;
    const quant::BlockQ8_1* x;
    const quant::MatVecArgs& args;
    std::uint64_t row0, col0;

    __device__ __forceinline__ const Block& weight(int m, std::uint32_t p) const {
        const std::uint64_t row = min(row0 + static_cast<std::uint64_t>(m), args.rows - 1);
        return reinterpret_cast<const Block*>(w + row * args.row_bytes)[p / Format<T>::kParts];
    }
    __device__ __forceinline__ const int* activation(int n, std::uint32_t p) const {
        const std::uint64_t last = static_cast<std::uint64_t>(args.batch) - 1;
        const std::uint64_t xrow = min(col0 + static_cast<std::uint64_t>(n), last);
        return reinterpret_cast<const int*>(x + xrow * args.x_row_stride + p);
    }
};

// The copies of the stagers that copy one chunk ahead: the kernels without
// producer warps, whose copies share registers with the products, and Q8_0's
// and Q4_K's producers. A warp copies whole rows, 32 / kLanes of them per
// step (neighbouring lanes, neighbouring vectors), each step's source from
// the row index (one multiply-add, no running pointer). Kept apart from
// copy_rows_async: run through it (a running 64-bit pointer, the same
// mapping), the one-ahead kernels measured slower on the H100 (Q8_0 wide
// 15 %, Q5_1 4 %; bench/NOTES.md, thirteenth session). Rows from `rows` on
// are zero-filled, not read; offsets within the tile are 32-bit.
template <int kThreads, int kRows, int kVectors, int kSlot, bool kAligned>
__device__ __forceinline__ void copy_rows_async_warp_rows(unsigned buffer, const std::uint8_t* base,
                                                          std::uint32_t stride, std::uint64_t rows, int thread) {
    static_assert(kVectors <= kWarp && 16 * kVectors <= kSlot, "a row fits one step of a warp, and its slot");
    static_assert(static_cast<std::uint64_t>(kRows - 1) * (quant::kMaxMatMulRowBytes - 1) + 16 * kWarp <= 0xffffffffu,
                  "a tile's offsets fit 32 bits");
    constexpr int kLanes = kVectors <= 4 ? 4 : kVectors <= 8 ? 8 : kVectors <= 16 ? 16 : 32;  // per row
    constexpr int kRowsPerStep = kThreads / kWarp * (kWarp / kLanes);
    constexpr int kSteps = (kRows + kRowsPerStep - 1) / kRowsPerStep;
    static_assert(kRows % kRowsPerStep == 0 || kSteps == 1, "every step but a single one copies whole rows");
    const int lane = warp_lane();
    const int v = lane % kLanes;
    const int m0 = thread / kWarp * (kWarp / kLanes) + lane / kLanes;
    if (v >= kVectors || m0 >= kRows) return;
    const int valid_rows = static_cast<int>(min(rows, static_cast<std::uint64_t>(kRows)));
    const unsigned to = buffer + static_cast<unsigned>(m0 * kSlot + 16 * v);
#pragma unroll
    for (int step = 0; step < kSteps; ++step) {
        const int m = m0 + step * kRowsPerStep;
        const std::uint8_t* p = base + (static_cast<std::uint32_t>(m) * stride + 16u * static_cast<unsigned>(v));
        // Rounding down to 16 clears the low 4 bits (see load_ints_a2).
        copy_async_16(to + static_cast<unsigned>(step * kRowsPerStep * kSlot),
                      kAligned ? p : p - (reinterpret_cast<std::uintptr_t>(p) & 15u), m < valid_rows);
    }
}

// The copies of a tiling's stagers: every thread busy (kVectors threads a
// row) where the producer warps copy two chunks ahead
// (StagedBlocks::kTwoAhead); else whole rows per warp (above).
template <typename L, bool kTwoAhead, int kRows, int kVectors, int kSlot, bool kAligned>
__device__ __forceinline__ void copy_rows(unsigned buffer, const std::uint8_t* base, std::uint32_t stride,
                                          std::uint64_t rows, int thread) {
    if constexpr (kTwoAhead)
        copy_rows_async<L::kStagers, kRows, kVectors, kSlot, kAligned>(buffer, base, stride, rows, thread);
    else
        copy_rows_async_warp_rows<L::kStagers, kRows, kVectors, kSlot, kAligned>(buffer, base, stride, rows, thread);
}

// Bytes of a row's slot in the raw copies: an odd number of 16-byte
// vectors, so that the 8 rows a warp decodes at once start in different
// banks.
HIPQUANT_HD constexpr int raw_slot_bytes(int bytes) { return ((bytes + 15) / 16 | 1) * 16; }

// The raw copies in shared memory (HQ_ASYNC_COPY), in two or three buffers
// each (kWDepth, kXDepth: the one being decoded, those being filled): per
// tile row a slot of kSlot
// bytes holding the weight unit that starts at part `unit` (the chunk's
// parts, or a whole block of the format if that is longer: a K format's
// super-block serves two chunks), from its first byte rounded down to 16
// (kLead bytes before it at most: 14 for 2-byte aligned blocks); per tile
// column the chunk's kParts activation blocks (rows of q8_1_row_blocks(cols)
// blocks start 16-byte aligned, and chunks too). (Rows past the matrix hold
// zeros: any content would do.)
template <QuantType T, typename L>
struct StagedBlocks {
    using F = Format<T>;
    using Block = typename F::Block;
    static constexpr bool kAlignedColumns = true;  // slots of whole 16-byte vectors, from aligned chunks
    static constexpr int kUnitParts = F::kParts > L::kParts ? F::kParts : L::kParts;
    static constexpr int kLead = 16 - static_cast<int>(alignof(Block));  // a unit's start past a 16-byte boundary
    static constexpr int kSlot = raw_slot_bytes(kUnitParts / F::kParts * static_cast<int>(sizeof(Block)) + kLead);
    static constexpr int kXSlot = raw_slot_bytes(L::kParts * static_cast<int>(sizeof(quant::BlockQ8_1)));
    static constexpr int kWBufferBytes = L::kTileRows * kSlot;
    static constexpr int kXBufferBytes = L::kTileCols * kXSlot;
    // Where the producer warps copy chunk c + 2 once chunk c is decoded
    // (kTwoAhead: MatMulFormat::copies_two_ahead, mul_mat_q8_1_specialized; the copies off the
    // path from a chunk's copies landing to its tiles decoded), 3 activation
    // buffers and, where a weight unit is one chunk, 3 weight buffers (a K
    // format's unit of two chunks is copied after the first chunk of the
    // unit before it is decoded: 2 buffers), if they fit beside the tiles;
    // else 2 of each, chunk c + 1 copied before chunk c is decoded.
    static constexpr int kTilesBytes = L::kSets * static_cast<int>(sizeof(MatMulTiles<T, L>));
    static constexpr int kWDepthAhead = kUnitParts == L::kParts ? 3 : 2;
    static constexpr bool kTwoAhead = L::kProducerThreads > 0 && MatMulFormat<T>::copies_two_ahead &&
                                      kWDepthAhead * kWBufferBytes + 3 * kXBufferBytes + kTilesBytes <= kBlockSharedMax;
    static constexpr int kWDepth = kTwoAhead ? kWDepthAhead : L::kCopiesAhead + 1;
    static constexpr int kXDepth = kTwoAhead ? 3 : L::kCopiesAhead + 1;
    static_assert(L::kCopiesAhead == 1 || kUnitParts == L::kParts, "deeper copies: a weight unit per chunk");
    static constexpr int kRawBytes = kWDepth * kWBufferBytes + kXDepth * kXBufferBytes;
    static_assert(kUnitParts % L::kParts == 0 && kUnitParts % F::kParts == 0, "units hold whole chunks and blocks");
    static_assert(kSlot % 16 == 0 && kXSlot % 16 == 0, "slots are whole 16-byte vectors");
    static_assert(L::kParts * sizeof(quant::BlockQ8_1) % 16 == 0, "activation chunks are whole 16-byte vectors");

    const std::uint8_t* w_raw;  // the unit's buffer
    const std::uint8_t* x_raw;  // the chunk's buffer
    std::uint32_t unit, chunk;  // their first parts
    const std::uint8_t* w;
    const quant::MatVecArgs& args;
    std::uint64_t row0;

    // The buffers of the unit and of the chunk starting at part p.
    __device__ __forceinline__ static std::uint8_t* w_buffer(std::uint8_t* stage, std::uint32_t p) {
        return stage + (p / kUnitParts % kWDepth) * kWBufferBytes;
    }
    __device__ __forceinline__ static std::uint8_t* x_buffer(std::uint8_t* stage, std::uint32_t p) {
        return stage + kWDepth * kWBufferBytes + (p / L::kParts % kXDepth) * kXBufferBytes;
    }
    __device__ __forceinline__ const Block& weight(int m, std::uint32_t p) const {
        // Where the unit of row m starts, mod 16 (rows past the end: any
        // slot content will do, their results are never stored).
        const auto start = static_cast<std::uint32_t>(reinterpret_cast<std::uintptr_t>(w)) +
                           static_cast<std::uint32_t>(row0 + static_cast<std::uint64_t>(m)) *
                               static_cast<std::uint32_t>(args.row_bytes) +
                           unit / F::kParts * static_cast<std::uint32_t>(sizeof(Block));
        const std::uint32_t shift = start & 15u;
        return reinterpret_cast<const Block*>(w_raw + m * kSlot + shift)[(p - unit) / F::kParts];
    }
    __device__ __forceinline__ const int* activation(int n, std::uint32_t p) const {
        return reinterpret_cast<const int*>(x_raw + n * kXSlot + (p - chunk) * sizeof(quant::BlockQ8_1));
    }

    // Start the copies of the unit at part `unit` into a weight buffer (at
    // shared address `dst`), each row from up to kLead bytes before the
    // unit; and of the chunk at part `chunk` into an
    // activation buffer; by the block's stagers (`thread`: this one's index
    // among them).
    __device__ __forceinline__ static void copy_weights(unsigned dst, const std::uint8_t* w,
                                                        const quant::MatVecArgs& args, std::uint64_t row0,
                                                        std::uint32_t unit, int thread) {
        constexpr int kVectors = (kUnitParts / F::kParts * static_cast<int>(sizeof(Block)) + kLead + 15) / 16;
        const std::uint8_t* base = w + row0 * args.row_bytes + unit / F::kParts * sizeof(Block);
        copy_rows<L, kTwoAhead, L::kTileRows, kVectors, kSlot, false>(
            dst, base, static_cast<std::uint32_t>(args.row_bytes), args.rows - row0, thread);
    }
    __device__ __forceinline__ static void copy_activations(unsigned dst, const quant::BlockQ8_1* x,
                                                            const quant::MatVecArgs& args, std::uint64_t col0,
                                                            std::uint32_t chunk, int thread) {
        constexpr int kVectors = L::kParts * static_cast<int>(sizeof(quant::BlockQ8_1)) / 16;
        const auto* base = reinterpret_cast<const std::uint8_t*>(x + col0 * args.x_row_stride + chunk);
        copy_rows<L, kTwoAhead, L::kTileCols, kVectors, kXSlot, true>(
            dst, base, static_cast<std::uint32_t>(args.x_row_stride * sizeof(quant::BlockQ8_1)), args.batch - col0,
            thread);
    }
};

// Item i of a chunk's kParts parts of each tile row (or column), spread
// over the stagers: row i / kParts, part i % kParts. With kPairs (the
// tiling's stage_pairs; 8-part chunks) each 8 neighbouring items take 4
// parts of 2 rows instead of 8 parts of one: a 16-byte store is served 8
// lanes at a time, and parts k and k + 4 of a row lie in the same banks
// (a 2-way conflict in every quant store, bench/NOTES.md sixteenth session).
template <int kParts, bool kStagePairs>
struct StageItems {
    static constexpr bool kPairs = kStagePairs && kParts == 8;
    __device__ __forceinline__ static int row(int i) { return kPairs ? i / 16 * 2 + (i >> 2 & 1) : i / kParts; }
    __device__ __forceinline__ static int part(int i) { return kPairs ? (i & 3) + (i >> 3 & 1) * 4 : i % kParts; }
};

// Stages parts [first, first + kParts) of the tile's rows in shared memory
// from `src` (GlobalBlocks or StagedBlocks): the weight parts decoded to int8
// q - offset with their scales and mins (parts past the row's end get zero
// scales and mins), and the activation blocks as they are (the rows' zero
// padding covers parts past the end). The block's L::kStagers threads do it
// (t: this one's index among them), each a fixed number of items,
// all loads issued before the first store (straight-line code: no branch
// between them), so their latencies overlap.
template <QuantType T, typename L, typename Source>
__device__ __forceinline__ void stage_chunk(MatMulTiles<T, L>& s, const Source& src, const quant::MatVecArgs& args,
                                            std::uint32_t first, int t) {
    using F = Format<T>;
    using Tiles = MatMulTiles<T, L>;
    constexpr int kThreads = L::kStagers;
    constexpr int kPerPart = 32 / kScaleGroup<T>;
    constexpr int kMinPerPart = 32 / kMinGroup<T>;
    constexpr int kWItems = L::kTileRows * L::kParts / kThreads;
    constexpr int kXItems = L::kTileCols * L::kParts / kThreads;
    static_assert(kWItems * kThreads == L::kTileRows * L::kParts && kXItems * kThreads == L::kTileCols * L::kParts,
                  "every thread stages the same number of items");

    // Formats that decode consecutive parts together (Format::parts<N>, the
    // K formats: shared loads of quants, high bits and super-block scales)
    // give a thread kWItems consecutive parts of one row, decoded kRun at a
    // time; the others parts t, t + kThreads, ... of the tile. Item r of
    // this thread: tile row m_of(r), part k_of(r) of the chunk.
    constexpr int kRun = 2;
    constexpr bool kRuns = kSharedParts<F, kRun> && kWItems % kRun == 0 && L::kParts % kWItems == 0;
    using Items = StageItems<L::kParts, L::kStagePairs>;
    const auto m_of = [t](int r) { return kRuns ? t / (L::kParts / kWItems) : Items::row(t + r * kThreads); };
    const auto k_of = [t](int r) {
        return kRuns ? t % (L::kParts / kWItems) * kWItems + r : Items::part(t + r * kThreads);
    };
    WeightPart parts[kWItems];
    bool valid[kWItems];
    if constexpr (kRuns) {
#pragma unroll
        for (int u = 0; u < kWItems; u += kRun) {
            const std::uint32_t p = first + static_cast<std::uint32_t>(k_of(u));
            // A row holds whole blocks, so a run is in the row or past its end.
            const bool in_row = p < args.parts_per_row;
            const std::uint32_t pc = in_row ? p : args.parts_per_row - kRun;  // in bounds either way
            WeightPart run[kRun];
            F::template parts<kRun>(src.weight(m_of(u), pc), static_cast<int>(pc % F::kParts), run);
#pragma unroll
            for (int r = 0; r < kRun; ++r) {
                parts[u + r] = run[r];
                valid[u + r] = in_row;
            }
        }
    } else {
#pragma unroll
        for (int r = 0; r < kWItems; ++r) {
            const std::uint32_t p = first + static_cast<std::uint32_t>(k_of(r));
            valid[r] = p < args.parts_per_row;
            const std::uint32_t pc = valid[r] ? p : args.parts_per_row - 1;  // in bounds either way
            parts[r] = F::part(src.weight(m_of(r), pc), static_cast<int>(pc % F::kParts));
        }
    }
    // The activation items: with one per part (kXItems == kParts: the
    // producer warps), an aligned source and 32-value blocks without mins,
    // a thread takes column t's whole chunk, 16 bytes at a time (faster for
    // Q8_0; with mins it spilled, bench/NOTES.md); else items t,
    // t + kThreads, ... of the tile. Item r: tile column n_of(r),
    // part kx_of(r).
    constexpr bool kXColumn = Source::kAlignedColumns && F::kBlockElems == 32 && !kHasMin<T> &&
                              kXItems == L::kParts && 9 * kXItems % 4 == 0;
    const auto n_of = [t](int r) { return kXColumn ? t : Items::row(t + r * kThreads); };
    const auto kx_of = [t](int r) { return kXColumn ? r : Items::part(t + r * kThreads); };
    int xq[kXItems][9];  // one Q8_1 block each: d and s, then 8 ints of quants (4-byte aligned)
    const auto load_activations = [&] {
        if constexpr (kXColumn) {
            const auto* v = reinterpret_cast<const Vec16*>(src.activation(t, first));
#pragma unroll
            for (int u = 0; u < 9 * kXItems / 4; ++u) {
                const Vec16 w = v[u];
                const int words[4] = {w.x, w.y, w.z, w.w};
#pragma unroll
                for (int j = 0; j < 4; ++j) xq[(4 * u + j) / 9][(4 * u + j) % 9] = words[j];
            }
        } else {
#pragma unroll
            for (int r = 0; r < kXItems; ++r) {
                const int* blk = src.activation(n_of(r), first + static_cast<std::uint32_t>(kx_of(r)));
#pragma unroll
                for (int i = 0; i < 9; ++i) xq[r][i] = blk[i];
            }
        }
    };
    const auto store_weights = [&] {
#pragma unroll
        for (int r = 0; r < kWItems; ++r) {
            const int m = m_of(r), k = k_of(r);
            // A part past the row's end (a clamped copy of its last part) keeps
            // its quants and gets zero scales and mins: it adds nothing.
            int q[8];
#pragma unroll
            for (int i = 0; i < 8; ++i) {
                if constexpr (kFoldScales<T>) {
                    // (offset - q) * scale in every byte, plus 128 with bit 7
                    // flipped back: q * |scale| and 128 + that stay within a
                    // byte (Format::kFoldsScales), so nothing carries.
                    // (Unsigned: the words wrap modulo 2^32, bytes do not.)
                    const int sc = parts[r].a_int[i / 4];
                    const auto base = static_cast<std::uint32_t>(128 + parts[r].offset * sc) * 0x01010101u;
                    const auto qs = static_cast<std::uint32_t>(parts[r].q[i]) * static_cast<std::uint32_t>(sc);
                    q[i] = static_cast<int>((base - qs) ^ 0x80808080u);
                } else {
                    q[i] = parts[r].offset != 0 ? subtract_offset(parts[r].q[i], parts[r].offset) : parts[r].q[i];
                }
            }
            store_ints(s.w_bytes() + m * Tiles::kStride + 32 * k, q);
#pragma unroll
            for (int g = 0; g < kPerPart; ++g)
                s.w_scale[k * kPerPart + g][Tiles::row_slot(m)] =
                    valid[r] ? (kFoldScales<T> ? -parts[r].a_unit : parts[r].a[g]) : 0.0f;
            if constexpr (Tiles::kMinMma) {
                using P = typename L::MinProduct;
#pragma unroll
                for (int g = 0; g < kMinPerPart; ++g) {
                    const float b = valid[r] ? -parts[r].b[g] : 0.0f;
                    if constexpr (Tiles::kMinsFit) {
                        s.min_hi[m][k * kMinPerPart + g] = b;
                    } else {
                        const float hi = P::round(b);
                        s.min_hi[m][k * kMinPerPart + g] = hi;
                        s.min_lo[m][k * kMinPerPart + g] = b - hi;  // exact, and exact in the product
                    }
                }
            } else if constexpr (kHasMin<T>) {
#pragma unroll
                for (int g = 0; g < kMinPerPart; ++g)
                    s.w_min[k * kMinPerPart + g][Tiles::row_slot(m)] = valid[r] ? parts[r].b[g] : 0.0f;
            }
        }
    };
    // With producer warps the weights are stored before the activations are
    // loaded (fewer registers held at once); else all loads come first.
    if constexpr (L::kProducerThreads > 0) {
        store_weights();
        load_activations();
    } else {
        load_activations();
        store_weights();
    }
#pragma unroll
    for (int r = 0; r < kXItems; ++r) {
        const int n = n_of(r), k = kx_of(r);
        int q[8];
#pragma unroll
        for (int i = 0; i < 8; ++i) q[i] = xq[r][1 + i];
        const float d = half_bits_to_float(static_cast<std::uint16_t>(xq[r][0] & 0xffff));
        store_ints(s.x_bytes() + n * Tiles::kStride + 32 * k, q);
        s.x_scales.set(k, n, d);
        if constexpr (kHasMin<T>) {
#pragma unroll
            for (int g = 0; g < kMinPerPart; ++g) {
                int sum = 0;
#pragma unroll
                for (int i = g * 8 / kMinPerPart; i < (g + 1) * 8 / kMinPerPart; ++i)
                    sum = dp4a(0x01010101, q[i], sum);
                const float v = d * static_cast<float>(sum);
                if constexpr (Tiles::kMinMma) {
                    using P = typename L::MinProduct;
                    const float hi = P::round(v);
                    s.x_sum_hi[n][k * kMinPerPart + g] = hi;
                    s.x_sum_lo[n][k * kMinPerPart + g] = P::round(v - hi);
                } else {
                    s.x_sum[k * kMinPerPart + g][n] = v;
                }
            }
        }
    }
}

// One scale group g of the staged chunk: the group's tiles multiplied and
// folded into the f32 sums.
template <QuantType T, typename Mma, typename L>
__device__ __forceinline__ void multiply_group(const MatMulTiles<T, L>& s, int g, int lane, int m_base, int n_base,
                                               float (&acc)[L::kGroupTilesM][L::kGroupTilesN][Mma::kAcc]) {
    using Tiles = MatMulTiles<T, L>;
    constexpr int G = kScaleGroup<T>;
    constexpr int kTM = L::kGroupTilesM, kTN = L::kGroupTilesN;
    const auto* w_bytes = reinterpret_cast<const std::int8_t*>(s.w_q);
    const auto* x_bytes = reinterpret_cast<const std::int8_t*>(s.x_q);
    typename Mma::template AFrag<G> a[kTM];
    typename Mma::template BFrag<G> b[kTN];
#pragma unroll
    for (int i = 0; i < kTM; ++i)
        Mma::template load_a<G>(a[i], w_bytes + (m_base + 16 * i) * Tiles::kStride + G * g, Tiles::kStride, lane);
#pragma unroll
    for (int j = 0; j < kTN; ++j)
        Mma::template load_b<G>(b[j], x_bytes + (n_base + 16 * j) * Tiles::kStride + G * g, Tiles::kStride, lane);
    const int part = g * G / 32;
    // With kScaleRows > 1 (NVIDIA's layout: a thread's rows in tile i are
    // g and g + 8), the thread's 2 kTM weight scales, kScaleRows at a time.
    float w_rows[Tiles::kScaleRows > 1 ? 2 * kTM : 1];
    if constexpr (Tiles::kScaleRows > 1) Tiles::row_values(s.w_scale[g], m_base + Mma::row(lane, 0), w_rows);
#pragma unroll
    for (int i = 0; i < kTM; ++i) {
#pragma unroll
        for (int j = 0; j < kTN; ++j) {
            int c[Mma::kAcc];
            Mma::template mma<G>(c, a[i], b[j]);
#pragma unroll
            for (int k = 0; k < Mma::kAcc; ++k) {
                const int m = m_base + 16 * i + Mma::row(lane, k);
                const int n = n_base + 16 * j + Mma::col(lane, k);
                // Row m's weight scale or min (with kScaleRows > 1 from the
                // vectors read above: m is the thread's band 2i or 2i + 1).
                const auto row_value = [&](const float* v) {
                    if constexpr (Tiles::kScaleRows > 1)
                        return w_rows[2 * i + Mma::row_offset(k) / 8];
                    else
                        return v[m];
                };
                // c[k] holds the float kBias + sum: one fused multiply-add
                // gives sum * d_x rounded once, a second adds a_w times it
                // (explicit: the kernels build without contraction).
                const float2 x = s.x_scales.get(part, n);
                const float sum_dx = fmaf(__int_as_float(c[k]), x.x, x.y);
                acc[i][j][k] = fmaf(row_value(s.w_scale[g]), sum_dx, acc[i][j][k]);
                if constexpr (kHasMin<T> && !Tiles::kMinMma) {
                    constexpr int kMins = kScaleGroup<T> / kMinGroup<T>;  // min groups in this scale group
#pragma unroll
                    for (int h = 0; h < kMins; ++h)
                        acc[i][j][k] =
                            fmaf(-row_value(s.w_min[kMins * g + h]), s.x_sum[kMins * g + h][n], acc[i][j][k]);
                }
            }
        }
    }
}

// The chunk's min terms with the tiling's product (MatMulTiles::kMinMma),
// added to the f32 sums by it: per 16 x 8 results, the rows' negated mins
// times the columns' activation sums over the chunk's min groups, as the
// three products of their parts that matter (lo x lo is below 2^-22 of the
// term). Its results lie where the tile product's do (two m16n8 halves per
// 16 x 16 tile).
template <QuantType T, typename Mma, typename L>
__device__ __forceinline__ void multiply_mins(const MatMulTiles<T, L>& s, int lane, int m_base, int n_base,
                                              float (&acc)[L::kGroupTilesM][L::kGroupTilesN][Mma::kAcc]) {
    using Tiles = MatMulTiles<T, L>;
    using P = typename L::MinProduct;
    static_assert(Mma::kThreads == 32 && Mma::kAcc == 8, "the product's m16n8 layout, twice per tile");
    constexpr int kSteps = Tiles::kMinK / 8;
    const int g = lane / 4, t = lane % 4;
    // A fragment of a per-row array: rows r, r + 8, columns t, t + 4 of step q.
    const auto fragment = [&](const float (*v)[Tiles::kMinStride], int r, int q, float (&a)[4]) {
        a[0] = v[r][8 * q + t];
        a[1] = v[r + 8][8 * q + t];
        a[2] = v[r][8 * q + t + 4];
        a[3] = v[r + 8][8 * q + t + 4];
    };
#pragma unroll
    for (int i = 0; i < L::kGroupTilesM; ++i) {
        const int r = m_base + 16 * i + g;
#pragma unroll
        for (int q = 0; q < kSteps; ++q) {
            float hi[4], lo[4];
            fragment(s.min_hi, r, q, hi);
            if constexpr (!Tiles::kMinsFit) fragment(s.min_lo, r, q, lo);
#pragma unroll
            for (int j = 0; j < L::kGroupTilesN; ++j) {
#pragma unroll
                for (int h = 0; h < 2; ++h) {
                    const int c = n_base + 16 * j + 8 * h + g;
                    const float x_hi[2] = {s.x_sum_hi[c][8 * q + t], s.x_sum_hi[c][8 * q + t + 4]};
                    const float x_lo[2] = {s.x_sum_lo[c][8 * q + t], s.x_sum_lo[c][8 * q + t + 4]};
                    float* d = acc[i][j] + 4 * h;
                    P::mma(d[0], d[1], d[2], d[3], hi, x_hi);
                    P::mma(d[0], d[1], d[2], d[3], hi, x_lo);
                    if constexpr (!Tiles::kMinsFit) P::mma(d[0], d[1], d[2], d[3], lo, x_hi);
                }
            }
        }
    }
}

// All scale groups of the staged chunk, as many per loop step as the tiling
// says (kUnroll16, kUnroll32, kUnroll32Min: the tuning table; unrolled, the loads
// of one group overlap the products of another, where registers allow).
template <QuantType T, typename Mma, typename L>
__device__ __forceinline__ void multiply_chunk(const MatMulTiles<T, L>& s, int lane, int m_base, int n_base,
                                               float (&acc)[L::kGroupTilesM][L::kGroupTilesN][Mma::kAcc]) {
    if constexpr (MatMulTiles<T, L>::kMinMma) multiply_mins<T, Mma, L>(s, lane, m_base, n_base, acc);
#pragma unroll(kScaleGroup<T> == 16 ? L::kUnroll16 : kHasMin<T> ? L::kUnroll32Min : L::kUnroll32)
    for (int g = 0; g < MatMulTiles<T, L>::kGroups; ++g) multiply_group<T, Mma, L>(s, g, lane, m_base, n_base, acc);
}

// Dynamic shared memory a mat-mat kernel takes: where the copies are
// asynchronous, the raw copies' buffers and then kSets sets of tiles; else
// none (one set of tiles in static shared memory).
template <QuantType T, typename L>
HIPQUANT_HD constexpr int matmul_shared_bytes() {
    if constexpr (kAsyncCopy) {
        using Staged = StagedBlocks<T, L>;
        return Staged::kRawBytes + L::kSets * static_cast<int>(sizeof(MatMulTiles<T, L>));
    } else {
        return 0;
    }
}

// Resident blocks per CU a mat-mat kernel's persistent grid is sized for:
// the tiling's, or fewer where that many blocks' dynamic shared memory
// (and the 1 KB NVIDIA keeps per block) would not fit an SM, which holds
// kBlockSharedMax + 1 KB (sm_80, sm_90): a grid sized for blocks that cannot
// all be resident runs its last ones after the others (Q5_K's mid tiling,
// 119 KB a block, was published as 2 an SM on the H100).
template <QuantType T, typename L>
HIPQUANT_HD constexpr int matmul_blocks_per_cu() {
    constexpr int kReserved = 1024;
    constexpr int kFit = (kBlockSharedMax + kReserved) / (matmul_shared_bytes<T, L>() + kReserved);
    if constexpr (kAsyncCopy)
        return L::kBlocksPerCu < kFit ? L::kBlocksPerCu : (kFit > 0 ? kFit : 1);
    else
        return L::kBlocksPerCu;
}

// One work item: a tile of y and a slice of the shared dimension (parts
// [first_part, end_part)); slice s writes its own batch x rows slab of y.
struct MatMulItem {
    std::uint64_t row0, col0;
    std::uint32_t slice, first_part, end_part;
};
template <typename L>
__device__ __forceinline__ MatMulItem matmul_item(const quant::MatVecArgs& args, std::uint32_t item) {
    const std::uint64_t tiles_m = (args.rows + L::kTileRows - 1) / L::kTileRows;
    const std::uint64_t tiles = tiles_m * ((args.batch + L::kTileCols - 1) / L::kTileCols);
    const std::uint64_t tile = item % tiles;
    const auto slice = static_cast<std::uint32_t>(item / tiles);
    const std::uint32_t first_part = min(args.parts_per_row, slice * args.slice_parts);
    return {tile % tiles_m * L::kTileRows, tile / tiles_m * L::kTileCols, slice, first_part,
            min(args.parts_per_row, first_part + args.slice_parts)};
}

// The f32 sums of a thread's tiles, into the item's slab of y (rows and
// columns past the matrix are not stored).
template <typename Mma, typename L>
__device__ __forceinline__ void store_sums(float* y, const quant::MatVecArgs& args, const MatMulItem& it, int lane,
                                           int m_base, int n_base,
                                           const float (&acc)[L::kGroupTilesM][L::kGroupTilesN][Mma::kAcc]) {
    float* out = y + static_cast<std::uint64_t>(it.slice) * args.batch * args.rows;
#pragma unroll
    for (int i = 0; i < L::kGroupTilesM; ++i) {
#pragma unroll
        for (int j = 0; j < L::kGroupTilesN; ++j) {
#pragma unroll
            for (int k = 0; k < Mma::kAcc; ++k) {
                const std::uint64_t m = it.row0 + static_cast<std::uint64_t>(m_base + 16 * i + Mma::row(lane, k));
                const std::uint64_t n = it.col0 + static_cast<std::uint64_t>(n_base + 16 * j + Mma::col(lane, k));
                if (m < args.rows && n < args.batch) out[n * args.rows + m] = acc[i][j][k];
            }
        }
    }
}

// The raw copies and decodes of one work item's chunks (HQ_ASYNC_COPY), by
// the block's stagers (`stager`: this thread's index among them). copy(q):
// chunk q's activations, and its weight unit when q starts one (or the
// item), into the raw buffers of q (w_buffer, x_buffer),
// one commit group per call (empty past the item's end). decode(q, set):
// chunk q from the raw buffers into a set of tiles.
template <QuantType T, typename L>
struct ChunkStager {
    using Staged = StagedBlocks<T, L>;
    using Tiles = MatMulTiles<T, L>;
    static constexpr std::uint32_t kUnit = Staged::kUnitParts;
    static constexpr int kRawBytes = Staged::kRawBytes;

    std::uint8_t* raw;  // the block's dynamic shared memory: raw buffers, then the sets
    const std::uint8_t* w;
    const quant::BlockQ8_1* x;
    const quant::MatVecArgs& args;
    const MatMulItem& it;
    int stager;

    __device__ __forceinline__ Tiles* sets() const { return reinterpret_cast<Tiles*>(raw + kRawBytes); }
    __device__ __forceinline__ void copy(std::uint32_t q) const {
        if (q < it.end_part) {
            const unsigned raw_at = shared_address(raw);
            Staged::copy_activations(raw_at + static_cast<unsigned>(Staged::x_buffer(raw, q) - raw), x, args, it.col0,
                                     q, stager);
            if (q == it.first_part || q % kUnit == 0) {
                const std::uint32_t unit = q / kUnit * kUnit;
                Staged::copy_weights(raw_at + static_cast<unsigned>(Staged::w_buffer(raw, unit) - raw), w, args,
                                     it.row0, unit, stager);
            }
        }
        commit_async_copies();
    }
    __device__ __forceinline__ void decode(std::uint32_t q, Tiles& into) const {
        const std::uint32_t unit = q / kUnit * kUnit;
        stage_chunk<T, L>(
            into, Staged{Staged::w_buffer(raw, unit), Staged::x_buffer(raw, q), unit, q, w, args, it.row0}, args, q,
            stager);
    }
};

// The min product's K padding (MatMulTiles::kMinK past kMinGroups): zeros,
// once per block in every set (the stages write only the chunk's groups);
// the block's first barrier publishes them.
template <QuantType T, typename L>
__device__ __forceinline__ void zero_min_padding(MatMulTiles<T, L>* sets) {
    using Tiles = MatMulTiles<T, L>;
    if constexpr (Tiles::kMinMma && Tiles::kMinK > Tiles::kMinGroups) {
        constexpr int kPad = Tiles::kMinK - Tiles::kMinGroups;
        constexpr int kPerSet = (L::kTileRows + L::kTileCols) * kPad;
        for (int e = static_cast<int>(threadIdx.x); e < L::kSets * kPerSet; e += L::kBlockThreads) {
            Tiles& set = sets[e / kPerSet];
            const int i = e % kPerSet / kPad, k = Tiles::kMinGroups + e % kPad;
            if (i < L::kTileRows) {
                set.min_hi[i][k] = 0.0f;
                if constexpr (!Tiles::kMinsFit) set.min_lo[i][k] = 0.0f;
            } else {
                set.x_sum_hi[i - L::kTileRows][k] = 0.0f;
                set.x_sum_lo[i - L::kTileRows][k] = 0.0f;
            }
        }
    }
}

// Registers a thread of the warp-specialized kernel holds (setmaxnreg):
// each SM scheduler runs kThreads / 128 multiplying warps and
// kProducerThreads / 128 producer warps (warp w on scheduler w % 4), which
// start with an even share (168 a thread for 2 + 1 warps: 16384 / 96, in
// steps of 8); the producers keep the format's producer_registers
// (MatMulFormat) and the multiplying warps take the rest.
template <QuantType T, typename L>
struct WarpRegisters {
    static constexpr int kWarps = L::kThreads / 128, kProducerWarps = L::kProducerThreads / 128;
    static_assert(kWarps * 128 == L::kThreads && kProducerWarps * 128 == L::kProducerThreads,
                  "every scheduler runs as many warps of each kind");
    static constexpr int kShare = 16384 / (32 * (kWarps + kProducerWarps)) / 8 * 8;
    static constexpr int kProducers = MatMulFormat<T>::producer_registers;
    static constexpr int kMultipliers =
        ((kWarps + kProducerWarps) * kShare - kProducerWarps * kProducers) / kWarps / 8 * 8;
};

// The warp-specialized kernel (L::kProducerThreads > 0; NVIDIA with two
// sets of tiles): the producer warps, after the kThreads that multiply,
// decode chunk c into set c % 2 while the others multiply chunk c - 1 from
// the other set, and copy chunk c + 1 before that decode or, where
// StagedBlocks::kTwoAhead, chunk c + 2 after it. Named barriers per set: kFull + s
// (the producers arrive once it is decoded, the multiplying threads wait),
// kEmpty + s (the other way round); kStaged among the producers only (chunk
// c's copies landed everywhere, chunk c - 1's raw buffers decoded and free
// to refill). Each side runs its own loop over the work items from the
// start, with the registers it needs (WarpRegisters).
template <QuantType T, typename Mma, typename L>
__device__ __forceinline__ void mul_mat_q8_1_specialized(const std::uint8_t* __restrict__ w,
                                                         const quant::BlockQ8_1* __restrict__ x,
                                                         float* __restrict__ y, const quant::MatVecArgs& args) {
    using Tiles = MatMulTiles<T, L>;
    static_assert(kAsyncCopy && L::kSets == 2, "the producers decode into one set while the other is multiplied");
    constexpr int kAll = L::kBlockThreads, kProducers = L::kProducerThreads;
    constexpr int kFull = 1, kEmpty = 3, kStaged = 5;
    extern __shared__ __align__(16) std::uint8_t dynamic_shared[];
    const auto chunks_of = [](const MatMulItem& it) {
        return static_cast<int>((it.end_part - it.first_part + Tiles::kParts - 1) / Tiles::kParts);
    };
    if (static_cast<int>(threadIdx.x) >= L::kThreads) {
        set_warp_registers<WarpRegisters<T, L>::kProducers, true>();
        for (std::uint32_t item = blockIdx.x; item < args.work_items; item += gridDim.x) {
            const MatMulItem it = matmul_item<L>(args, item);
            const ChunkStager<T, L> stage{dynamic_shared, w, x, args, it, static_cast<int>(threadIdx.x) - L::kThreads};
            const int chunks = chunks_of(it);
            constexpr bool kTwoAhead = StagedBlocks<T, L>::kTwoAhead;
            stage.copy(it.first_part);
            if constexpr (kTwoAhead) stage.copy(it.first_part + Tiles::kParts);
            for (int c = 0; c < chunks; ++c) {
                const std::uint32_t q = it.first_part + static_cast<std::uint32_t>(c) * Tiles::kParts;
                wait_async_copies<kTwoAhead ? 1 : 0>();
                barrier_sync<kProducers>(kStaged);
                if constexpr (!kTwoAhead) stage.copy(q + Tiles::kParts);
                if (c >= 2) barrier_sync<kAll>(kEmpty + c % 2);  // chunk c - 2 multiplied
                stage.decode(q, stage.sets()[c % 2]);
                named_barrier<kAll, kNvHandoffSync == 2>(kFull + c % 2);  // arrive (HQ_TUNE_HANDOFF_SYNC)
                if constexpr (kTwoAhead) stage.copy(q + 2 * Tiles::kParts);
            }
            // The last two chunks multiplied: both sets free for the next
            // item, and every producer past its decodes.
            for (int c = chunks < 2 ? 0 : chunks - 2; c < chunks; ++c) barrier_sync<kAll>(kEmpty + c % 2);
        }
    } else {
        set_warp_registers<WarpRegisters<T, L>::kMultipliers, false>();
        const Tiles* sets = reinterpret_cast<const Tiles*>(dynamic_shared + ChunkStager<T, L>::kRawBytes);
        const int lane = static_cast<int>(threadIdx.x) % Mma::kThreads;
        const int group = static_cast<int>(threadIdx.x) / Mma::kThreads;
        constexpr int kGroupsM = L::kTileRows / (16 * L::kGroupTilesM);
        const int m_base = (group % kGroupsM) * 16 * L::kGroupTilesM;
        const int n_base = (group / kGroupsM) * 16 * L::kGroupTilesN;
        for (std::uint32_t item = blockIdx.x; item < args.work_items; item += gridDim.x) {
            const MatMulItem it = matmul_item<L>(args, item);
            float acc[L::kGroupTilesM][L::kGroupTilesN][Mma::kAcc] = {};
            const int chunks = chunks_of(it);
            for (int c = 0; c < chunks; ++c) {
                barrier_sync<kAll>(kFull + c % 2);
                multiply_chunk<T, Mma, L>(sets[c % 2], lane, m_base, n_base, acc);
                named_barrier<kAll, kNvHandoffSync == 1>(kEmpty + c % 2);  // arrive (HQ_TUNE_HANDOFF_SYNC)
            }
            store_sums<Mma, L>(y, args, it, lane, m_base, n_base, acc);
        }
    }
}

// Inlined into each kernel: where two kernels share an instantiation (the
// dot4 twins on gfx906), clang 21 kept it out of line, its frame in scratch.
template <QuantType T, typename Mma, typename L>
__device__ __forceinline__ void mul_mat_q8_1(const std::uint8_t* __restrict__ w, const quant::BlockQ8_1* __restrict__ x,
                             float* __restrict__ y, quant::MatVecArgs args) {
    using Tiles = MatMulTiles<T, L>;
    constexpr int kTM = L::kGroupTilesM, kTN = L::kGroupTilesN;
    constexpr int kGroupsM = L::kTileRows / (16 * kTM);
    static_assert(kGroupsM * (L::kTileCols / (16 * kTN)) * Mma::kThreads == L::kThreads,
                  "the thread groups cover the block's tile exactly");
    static_assert(L::kSets == 1 || L::kSets == 2, "one set of tiles, or two in turn");
    static_assert(sizeof(Tiles) % 16 == 0, "sets of tiles follow each other 16-byte aligned");
    static_assert(quant::kMatMulSliceAlign % Tiles::kParts == 0, "slices start at whole chunks");
    static_assert(!Tiles::kMinMma || kAsyncCopy, "the min product's tiles are the dynamic ones");
    static_assert(matmul_shared_bytes<T, L>() <= kBlockSharedMax, "the raw buffers and tiles fit one block");
    extern __shared__ __align__(16) std::uint8_t dynamic_shared[];
    require_dynamic_shared(matmul_shared_bytes<T, L>());
    if constexpr (kAsyncCopy)
        zero_min_padding<T, L>(reinterpret_cast<Tiles*>(dynamic_shared + ChunkStager<T, L>::kRawBytes));
    // Launched overlapping the kernel before (the activations' quantization,
    // where the GPU can): nothing in global memory is touched before it is
    // done.
    wait_for_previous_kernel();
    if constexpr (L::kProducerThreads > 0) {
        mul_mat_q8_1_specialized<T, Mma, L>(w, x, y, args);
        return;
    }

    const int lane = static_cast<int>(threadIdx.x) % Mma::kThreads;
    const int group = static_cast<int>(threadIdx.x) / Mma::kThreads;
    const int m_base = (group % kGroupsM) * 16 * kTM;  // the group's first row in the block's tile
    const int n_base = (group / kGroupsM) * 16 * kTN;
    for (std::uint32_t item = blockIdx.x; item < args.work_items; item += gridDim.x) {
        const MatMulItem it = matmul_item<L>(args, item);
        float acc[kTM][kTN][Mma::kAcc] = {};
        if constexpr (kAsyncCopy) {
            // Copied a chunk ahead (ChunkStager); a raw buffer is refilled
            // only after the barrier that follows its last decode.
            const ChunkStager<T, L> stage{dynamic_shared, w, x, args, it, static_cast<int>(threadIdx.x)};
            Tiles* sets = stage.sets();
            if constexpr (L::kSets == 2) {
                constexpr int kSchedulers = 4;
                // Between two barriers a warp decodes chunk c + 1 into one set
                // and multiplies chunk c from the other, while chunks up to
                // c + 1 + kCopiesAhead are copied; half the warps multiply
                // first, so that decoding and multiplying overlap. Warp w issues from the SM's scheduler
                // w % 4, so the halves alternate every 4 warps: each scheduler
                // holds warps of both.
                constexpr int kAhead = L::kCopiesAhead;
#pragma unroll
                for (int c = 0; c <= kAhead; ++c) stage.copy(it.first_part + c * Tiles::kParts);
                wait_async_copies<kAhead>();
                __syncthreads();
                if (it.first_part < it.end_part) stage.decode(it.first_part, sets[0]);  // (a last k-slice may be empty)
                int cur = 0;  // chunk first's set
                for (std::uint32_t first = it.first_part; first < it.end_part; first += Tiles::kParts) {
                    const std::uint32_t next = first + Tiles::kParts;
                    wait_async_copies<kAhead - 1>();
                    // Set cur decoded, chunk next copied; the other set and
                    // chunk first's raw copies free.
                    __syncthreads();
                    stage.copy(next + kAhead * Tiles::kParts);
                    if (group / kSchedulers % 2 == 0) {
                        if (next < it.end_part) stage.decode(next, sets[cur ^ 1]);
                        multiply_chunk<T, Mma, L>(sets[cur], lane, m_base, n_base, acc);
                    } else {
                        multiply_chunk<T, Mma, L>(sets[cur], lane, m_base, n_base, acc);
                        if (next < it.end_part) stage.decode(next, sets[cur ^ 1]);
                    }
                    cur ^= 1;
                }
            } else {
                // One set: decode chunk c, barrier, multiply it, while the
                // copies of chunk c + 1 run.
                stage.copy(it.first_part);
                for (std::uint32_t first = it.first_part; first < it.end_part; first += Tiles::kParts) {
                    stage.copy(first + Tiles::kParts);
                    wait_async_copies<1>();  // all but the copies just started
                    __syncthreads();         // everyone's, and the last chunk's products are done
                    stage.decode(first, sets[0]);
                    __syncthreads();
                    multiply_chunk<T, Mma, L>(sets[0], lane, m_base, n_base, acc);
                }
            }
            wait_async_copies<0>();
            __syncthreads();  // the buffers are refilled by the next work item
        } else {
            static_assert(sizeof(Tiles) <= static_cast<std::size_t>(kLdsBytes), "the tiles fit in shared memory");
            __shared__ Tiles s;
            for (std::uint32_t first = it.first_part; first < it.end_part; first += Tiles::kParts) {
                stage_chunk<T, L>(s, GlobalBlocks<T, L>{w, x, args, it.row0, it.col0}, args, first,
                                  static_cast<int>(threadIdx.x));
                __syncthreads();
                multiply_chunk<T, Mma, L>(s, lane, m_base, n_base, acc);
                __syncthreads();  // the tiles are refilled next chunk
            }
        }
        store_sums<Mma, L>(y, args, it, lane, m_base, n_base, acc);
    }
}

// y[i] = sum over the k slices of partial[s][i], in slice order (the same
// bits every run).
HQ_KERNEL void HIPQUANT_SYMBOL_SUM_K_SLICES(const float* __restrict__ partial, float* __restrict__ y, std::uint64_t n,
                               std::uint32_t slices) {
    const std::uint64_t i = static_cast<std::uint64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
    if (i >= n) return;
    float s = partial[i];
    for (std::uint32_t k = 1; k < slices; ++k) s += partial[k * n + i];
    y[i] = s;
}

// The host picks the tiling by batch (quant::matmul_tiling) on these
// column counts.
template <typename Mma>
inline constexpr bool kTilingsAsTheHostPicks =
    MatMulTilings<Mma>::Skinny::kTileCols == quant::kMatMulSkinnyCols &&
    MatMulTilings<Mma>::Narrow::kTileCols == quant::kMatMulNarrowCols &&
    MatMulTilings<Mma>::Mid::kTileCols == quant::kMatMulMidCols &&
    (MatMulTilings<Mma>::Wide::kTileCols == quant::kMatMulMidCols ||
     MatMulTilings<Mma>::Wide::kTileCols == 2 * quant::kMatMulMidCols);
static_assert(kTilingsAsTheHostPicks<TileMma> && kTilingsAsTheHostPicks<TileMmaDot4>,
              "tile columns as quant/dispatch.hpp says");

// Per type: {table's tile product, portable integer dot} x {narrow, mid,
// wide} tiling (the host picks one by batch), each with its launch geometry
// as the device variable <kernel>_geometry. The minimum blocks per SM steer
// ptxas: the tiling's blocks per SM hold the tile-product kernels to what
// that many blocks leave a thread; 1 lets the integer-dot ones use what
// they need (lower minimums made ptxas cap them and spill). Nothing on AMD.
#define HQ_MMQ_TILING(NAME, MMA, TILING) TilingFor<QuantType::NAME, TilingOf<MMA, Tiling::TILING>>
#define HQ_MMQ_KERNEL(NAME, PRODUCT, MMA, TILING, MIN_BLOCKS)                                                    \
    extern "C" __device__ quant::MatMulGeometry HQ_CONCAT(HIPQUANT_SYMBOL_MUL_MAT(PRODUCT, NAME, TILING),        \
                                                          _geometry) = {                                          \
        HQ_MMQ_TILING(NAME, MMA, TILING)::kBlockThreads,                                                          \
        matmul_blocks_per_cu<QuantType::NAME, HQ_MMQ_TILING(NAME, MMA, TILING)>(),                                \
        matmul_shared_bytes<QuantType::NAME, HQ_MMQ_TILING(NAME, MMA, TILING)>(),                                 \
        HQ_MMQ_TILING(NAME, MMA, TILING)::kTileRows, HQ_MMQ_TILING(NAME, MMA, TILING)::kTileCols,                 \
        Tiling::TILING == Tiling::skinny ? MatMulFormat<QuantType::NAME>::skinny_from_batch : 0};                 \
    HQ_KERNEL __launch_bounds__((HQ_MMQ_TILING(NAME, MMA, TILING)::kBlockThreads), HQ_MIN_BLOCKS(MIN_BLOCKS)) void \
    HIPQUANT_SYMBOL_MUL_MAT(PRODUCT, NAME, TILING)(const std::uint8_t* w, const quant::BlockQ8_1* x, float* y,    \
                                                   quant::MatVecArgs args) {                                      \
        mul_mat_q8_1<QuantType::NAME, MMA, HQ_MMQ_TILING(NAME, MMA, TILING)>(w, x, y, args);                      \
    }
// The grouped expert product (kernels/experts.hip sorts the pairs):
// block (x, y, z) works on expert y + gridDim.y * z, multiplying it by its
// run offsets[e] .. offsets[e + 1] of the sorted activation rows xs into
// the same rows of ys, with the narrow tiling and one k slice; x walks the
// run's tiles. The counts live on the device only, so the work items are
// counted here.
template <QuantType T, typename L>
__device__ __forceinline__ void mul_mat_id_q8_1(const std::uint8_t* __restrict__ w,
                                                const quant::BlockQ8_1* __restrict__ xs, float* __restrict__ ys,
                                                const std::uint32_t* __restrict__ offsets,
                                                const quant::MatMulIdArgs& a) {
    const std::uint32_t e = blockIdx.y + gridDim.y * blockIdx.z;
    if (e >= a.experts) return;  // uniform across the block
    wait_for_previous_kernel();  // the offsets are hq_moe_group's
    const std::uint32_t first = offsets[e], n = offsets[e + 1] - first;
    if (n == 0) return;
    quant::MatVecArgs m = a.mm;
    m.batch = n;
    m.work_items = static_cast<std::uint32_t>((m.rows + L::kTileRows - 1) / L::kTileRows) *
                   ((n + L::kTileCols - 1) / L::kTileCols);
    mul_mat_q8_1<T, TileMma, L>(w + e * a.expert_bytes, xs + static_cast<std::uint64_t>(first) * m.x_row_stride,
                                ys + static_cast<std::uint64_t>(first) * m.rows, m);
}
#define HQ_MMQ_ID_KERNEL(NAME)                                                                                     \
    extern "C" __device__ quant::MatMulGeometry HQ_CONCAT(HIPQUANT_SYMBOL_MUL_MAT_ID(NAME), _geometry) = {          \
        HQ_MMQ_TILING(NAME, TileMma, narrow)::kBlockThreads,                                                        \
        matmul_blocks_per_cu<QuantType::NAME, HQ_MMQ_TILING(NAME, TileMma, narrow)>(),                              \
        matmul_shared_bytes<QuantType::NAME, HQ_MMQ_TILING(NAME, TileMma, narrow)>(),                               \
        HQ_MMQ_TILING(NAME, TileMma, narrow)::kTileRows, HQ_MMQ_TILING(NAME, TileMma, narrow)::kTileCols, 0};      \
    HQ_KERNEL __launch_bounds__((HQ_MMQ_TILING(NAME, TileMma, narrow)::kBlockThreads),                              \
                                HQ_MIN_BLOCKS((TilingOf<TileMma, Tiling::narrow>::kBlocksPerCu))) void               \
    HIPQUANT_SYMBOL_MUL_MAT_ID(NAME)(const std::uint8_t* w, const quant::BlockQ8_1* xs, float* ys,                  \
                                     const std::uint32_t* offsets, quant::MatMulIdArgs args) {                       \
        mul_mat_id_q8_1<QuantType::NAME, HQ_MMQ_TILING(NAME, TileMma, narrow)>(w, xs, ys, offsets, args);            \
    }
#define HQ_MMQ_TILE(NAME, TILING) \
    HQ_MMQ_KERNEL(NAME, q8_1, TileMma, TILING, (TilingOf<TileMma, Tiling::TILING>::kBlocksPerCu))
#define HQ_MMQ_DOT4(NAME, TILING) HQ_MMQ_KERNEL(NAME, q8_1_dot4, TileMmaDot4, TILING, 1)
#define HQ_MMQ_KERNELS(NAME)                                                                      \
    HIPQUANT_MATMUL_TILINGS(HQ_MMQ_TILE, NAME) HIPQUANT_MATMUL_TILINGS(HQ_MMQ_DOT4, NAME) \
    HQ_MMQ_ID_KERNEL(NAME)
HIPQUANT_WEIGHT_FORMATS(HQ_MMQ_KERNELS)
#undef HQ_MMQ_KERNELS
#undef HQ_MMQ_ID_KERNEL
#undef HQ_MMQ_DOT4
#undef HQ_MMQ_TILE
#undef HQ_MMQ_KERNEL
#undef HQ_MMQ_TILING

}  // namespace hipquant::kernels
