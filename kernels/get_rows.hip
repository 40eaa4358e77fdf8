// Row gather (an embedding lookup): out[i][c] = W[indices[i]][c], decoded
// with the per-value decode dequantize uses, so values are bit-identical.
#include "formats.hpp"
#include "hipquant/quant/kernel_args.hpp"
#include "hipquant/quant/kernels.hpp"

namespace hipquant::kernels {

namespace get_rows_detail {

// One decoded value into the output: f32 as is, f16 rounded to nearest even
// (as dequantize_f16 rounds).
__device__ __forceinline__ void store_value(float* dst, float v) { *dst = v; }
__device__ __forceinline__ void store_value(std::uint16_t* dst, float v) { *dst = quant::fp32_to_fp16(v); }

}  // namespace get_rows_detail

// Grid: x walks the output rows (positions i of indices), y the columns of a
// row in chunks of blockDim.x values; both loop, so any n_indices and cols
// fit the grid limits. Consecutive threads decode consecutive values of one
// row, so they read the same few blocks and their writes coalesce.
//
// An index outside [0, rows) gives a row of zeros, and its position goes
// into *status through an unsigned minimum: the host resets the word to
// 0xffffffff (-1, "none") before the launch, so afterwards it holds the
// lowest bad position. Positions are < 2^31 (the host checks), below that
// sentinel.
template <QuantType T, typename Out>
__device__ void get_rows(const std::uint8_t* __restrict__ src, const std::int32_t* __restrict__ indices,
                         Out* __restrict__ dst, std::int32_t* status, quant::GetRowsArgs args) {
    using F = Format<T>;
    const std::uint64_t first_col = static_cast<std::uint64_t>(blockIdx.y) * blockDim.x + threadIdx.x;
    const std::uint64_t col_stride = static_cast<std::uint64_t>(gridDim.y) * blockDim.x;
    for (std::uint64_t i = blockIdx.x; i < args.n_indices; i += gridDim.x) {
        const std::int64_t row = indices[i];
        // The same for the whole block: no divergence below.
        const bool valid = row >= 0 && static_cast<std::uint64_t>(row) < args.rows;
        if (!valid && blockIdx.y == 0 && threadIdx.x == 0)
            atomicMin(reinterpret_cast<unsigned int*>(status), static_cast<unsigned int>(i));
        const std::uint64_t src_row = valid ? static_cast<std::uint64_t>(row) : 0;
        const auto* blocks = reinterpret_cast<const typename F::Block*>(src + src_row * args.row_bytes);
        Out* out_row = dst + i * args.cols;
        for (std::uint64_t c = first_col; c < args.cols; c += col_stride) {
            const float v = valid ? F::decode(blocks[c / F::kBlockElems], static_cast<int>(c % F::kBlockElems)) : 0.0f;
            get_rows_detail::store_value(out_row + c, v);
        }
    }
}

#define HQ_GET_ROWS_KERNELS(NAME, id, elems, bytes, block, weight, act, kern)                           \
    HQ_KERNEL void HIPQUANT_SYMBOL_GET_ROWS(f32, NAME)(const std::uint8_t* src, const std::int32_t* indices, float* dst, \
                                          std::int32_t* status, quant::GetRowsArgs args) {                \
        get_rows<QuantType::NAME, float>(src, indices, dst, status, args);                              \
    }                                                                                                   \
    HQ_KERNEL void HIPQUANT_SYMBOL_GET_ROWS(f16, NAME)(const std::uint8_t* src, const std::int32_t* indices,           \
                                          std::uint16_t* dst, std::int32_t* status,                     \
                                          quant::GetRowsArgs args) {                                    \
        get_rows<QuantType::NAME, std::uint16_t>(src, indices, dst, status, args);                      \
    }
HIPQUANT_QUANT_TYPES(HQ_GET_ROWS_KERNELS)
#undef HQ_GET_ROWS_KERNELS

}  // namespace hipquant::kernels
