// Every kernel in hipquant's image, from one set of lists: the kernel files
// define their entry points with the HIPQUANT_SYMBOL_* macros over these
// lists, and the host's KernelId enum and name table come from the same
// lists, so a name cannot drift. Host code asks for a kernel by KernelId
// (kernel(device, id)); it never builds a kernel name.
#pragma once

#include <cstddef>
#include <cstdint>

#include "hipquant/quant/kernel_args.hpp"
#include "hipquant/quant/types.hpp"

// ---- Symbols (extern "C" entry points) ------------------------------------
#define HIPQUANT_SYMBOL_QUANTIZE_Q8_1 hq_quantize_q8_1
#define HIPQUANT_SYMBOL_SUM_K_SLICES hq_sum_k_slices
#define HIPQUANT_SYMBOL_BENCH_STREAM_READ hq_bench_stream_read
#define HIPQUANT_SYMBOL_MOE_GROUP hq_moe_group
#define HIPQUANT_SYMBOL_MOE_GATHER hq_moe_gather
#define HIPQUANT_SYMBOL_MOE_SCATTER hq_moe_scatter
#define HIPQUANT_SYMBOL_DEQUANTIZE(TO, NAME) hq_dequantize_##TO##_##NAME
#define HIPQUANT_SYMBOL_GET_ROWS(TO, NAME) hq_get_rows_##TO##_##NAME
// ACT: q8_1 (integer dots on quantized activations) or f32.
#define HIPQUANT_SYMBOL_MUL_MAT_VEC(ACT, NAME, B) hq_mul_mat_vec_##ACT##_##NAME##_b##B
// The expert-indexed mat-vec (batch 1 per (token, slot) pair).
#define HIPQUANT_SYMBOL_MUL_MAT_VEC_ID(NAME) hq_mul_mat_vec_id_q8_1_##NAME
// The grouped expert product (the tile product's narrow tiling).
#define HIPQUANT_SYMBOL_MUL_MAT_ID(NAME) hq_mul_mat_id_q8_1_##NAME
// PRODUCT: q8_1 (the target's tile product) or q8_1_dot4 (integer dots).
#define HIPQUANT_SYMBOL_MUL_MAT(PRODUCT, NAME, TILING) hq_mul_mat_##PRODUCT##_##NAME##_##TILING

// ---- The lists ------------------------------------------------------------
// Per format of the type table: dequantize and get_rows, to f32 and f16.
// Per weight format (HIPQUANT_WEIGHT_FORMATS): mat-vec kernels per batch,
// on Q8_1 (1..kMaxMatVecBatch) and f32 (1..kMaxMatVecF32Batch) activations,
// mat-mat kernels per tiling, narrowest first (quant::matmul_tiling), and
// the expert products: indexed mat-vec and grouped mat-mat.
#define HIPQUANT_MATVEC_Q8_1_BATCHES(X, NAME) \
    X(NAME, 1) X(NAME, 2) X(NAME, 3) X(NAME, 4) X(NAME, 5) X(NAME, 6) X(NAME, 7) X(NAME, 8)
#define HIPQUANT_MATVEC_F32_BATCHES(X, NAME) X(NAME, 1) X(NAME, 2) X(NAME, 3) X(NAME, 4)
#define HIPQUANT_MATMUL_TILINGS(X, NAME) X(NAME, skinny) X(NAME, narrow) X(NAME, mid) X(NAME, wide)
// A type's conversions, and a weight format's products, in KernelId order.
#define HIPQUANT_CONVERSIONS(X, NAME) \
    X(dequantize, f32, NAME) X(dequantize, f16, NAME) X(get_rows, f32, NAME) X(get_rows, f16, NAME)
#define HIPQUANT_PRODUCTS(MMVQ, MMVF, MMQ, MMQ_DOT4, MMVQ_ID, MMQ_ID, NAME)                              \
    HIPQUANT_MATVEC_Q8_1_BATCHES(MMVQ, NAME) HIPQUANT_MATVEC_F32_BATCHES(MMVF, NAME)                     \
    HIPQUANT_MATMUL_TILINGS(MMQ, NAME) HIPQUANT_MATMUL_TILINGS(MMQ_DOT4, NAME) MMVQ_ID(NAME) MMQ_ID(NAME)

#define HIPQUANT_STRINGIFY_(x) #x
#define HIPQUANT_STRINGIFY(x) HIPQUANT_STRINGIFY_(x)

namespace hipquant {
class RocmDevice;
struct ResolvedKernel;
}  // namespace hipquant

namespace hipquant::quant {

// Every kernel, in one order: the singles, then per type of the table
// its four conversions, then per weight format its products.
enum class KernelId : std::uint16_t {
    quantize_q8_1,
    sum_k_slices,
    bench_stream_read,
    moe_group,
    moe_gather,
    moe_scatter,
#define HIPQUANT_CONV(OP, TO, NAME) OP##_##TO##_##NAME,
#define HIPQUANT_X(NAME, id, elems, bytes, block, weight, act, kern) HIPQUANT_CONVERSIONS(HIPQUANT_CONV, NAME)
    HIPQUANT_QUANT_TYPES(HIPQUANT_X)
#undef HIPQUANT_X
#undef HIPQUANT_CONV
#define HIPQUANT_MMVQ(NAME, B) mul_mat_vec_q8_1_##NAME##_b##B,
#define HIPQUANT_MMVF(NAME, B) mul_mat_vec_f32_##NAME##_b##B,
#define HIPQUANT_MMQ(NAME, TILING) mul_mat_q8_1_##NAME##_##TILING,
#define HIPQUANT_MMQ_DOT4(NAME, TILING) mul_mat_q8_1_dot4_##NAME##_##TILING,
#define HIPQUANT_MMVQ_ID(NAME) mul_mat_vec_id_q8_1_##NAME,
#define HIPQUANT_MMQ_ID(NAME) mul_mat_id_q8_1_##NAME,
#define HIPQUANT_X(NAME)                                                                                  \
    HIPQUANT_PRODUCTS(HIPQUANT_MMVQ, HIPQUANT_MMVF, HIPQUANT_MMQ, HIPQUANT_MMQ_DOT4, HIPQUANT_MMVQ_ID, \
                      HIPQUANT_MMQ_ID, NAME)
    HIPQUANT_WEIGHT_FORMATS(HIPQUANT_X)
#undef HIPQUANT_X
#undef HIPQUANT_MMVQ
#undef HIPQUANT_MMVF
#undef HIPQUANT_MMQ
#undef HIPQUANT_MMQ_DOT4
#undef HIPQUANT_MMVQ_ID
#undef HIPQUANT_MMQ_ID
    count
};
inline constexpr std::size_t kKernelCount = static_cast<std::size_t>(KernelId::count);

// Symbol names and published geometries, in KernelId order.
struct KernelInfo {
    const char* name;
    const char* geometry;  // the device variable with its launch geometry, or null
    std::uint32_t geometry_bytes;
};
#define HIPQUANT_SYMBOL_NAME(...) HIPQUANT_STRINGIFY(__VA_ARGS__)
inline constexpr KernelInfo kKernels[] = {
    {HIPQUANT_SYMBOL_NAME(HIPQUANT_SYMBOL_QUANTIZE_Q8_1), nullptr, 0},
    {HIPQUANT_SYMBOL_NAME(HIPQUANT_SYMBOL_SUM_K_SLICES), nullptr, 0},
    {HIPQUANT_SYMBOL_NAME(HIPQUANT_SYMBOL_BENCH_STREAM_READ), nullptr, 0},
    {HIPQUANT_SYMBOL_NAME(HIPQUANT_SYMBOL_MOE_GROUP), nullptr, 0},
    {HIPQUANT_SYMBOL_NAME(HIPQUANT_SYMBOL_MOE_GATHER), nullptr, 0},
    {HIPQUANT_SYMBOL_NAME(HIPQUANT_SYMBOL_MOE_SCATTER), nullptr, 0},
#define HIPQUANT_SYMBOL_dequantize HIPQUANT_SYMBOL_DEQUANTIZE
#define HIPQUANT_SYMBOL_get_rows HIPQUANT_SYMBOL_GET_ROWS
#define HIPQUANT_CONV(OP, TO, NAME) {HIPQUANT_SYMBOL_NAME(HIPQUANT_SYMBOL_##OP(TO, NAME)), nullptr, 0},
#define HIPQUANT_X(NAME, id, elems, bytes, block, weight, act, kern) HIPQUANT_CONVERSIONS(HIPQUANT_CONV, NAME)
    HIPQUANT_QUANT_TYPES(HIPQUANT_X)
#undef HIPQUANT_X
#undef HIPQUANT_CONV
#undef HIPQUANT_SYMBOL_dequantize
#undef HIPQUANT_SYMBOL_get_rows
#define HIPQUANT_MMV(ACT, NAME, B)                                                       \
    {HIPQUANT_SYMBOL_NAME(HIPQUANT_SYMBOL_MUL_MAT_VEC(ACT, NAME, B)),                    \
     HIPQUANT_SYMBOL_NAME(HIPQUANT_SYMBOL_MUL_MAT_VEC(ACT, NAME, B)) "_geometry",        \
     sizeof(MatVecGeometry)},
#define HIPQUANT_MMVQ(NAME, B) HIPQUANT_MMV(q8_1, NAME, B)
#define HIPQUANT_MMVF(NAME, B) HIPQUANT_MMV(f32, NAME, B)
#define HIPQUANT_MM(PRODUCT, NAME, TILING)                                               \
    {HIPQUANT_SYMBOL_NAME(HIPQUANT_SYMBOL_MUL_MAT(PRODUCT, NAME, TILING)),               \
     HIPQUANT_SYMBOL_NAME(HIPQUANT_SYMBOL_MUL_MAT(PRODUCT, NAME, TILING)) "_geometry",   \
     sizeof(MatMulGeometry)},
#define HIPQUANT_MMQ(NAME, TILING) HIPQUANT_MM(q8_1, NAME, TILING)
#define HIPQUANT_MMQ_DOT4(NAME, TILING) HIPQUANT_MM(q8_1_dot4, NAME, TILING)
#define HIPQUANT_MMVQ_ID(NAME)                                                            \
    {HIPQUANT_SYMBOL_NAME(HIPQUANT_SYMBOL_MUL_MAT_VEC_ID(NAME)),                          \
     HIPQUANT_SYMBOL_NAME(HIPQUANT_SYMBOL_MUL_MAT_VEC_ID(NAME)) "_geometry", sizeof(MatVecGeometry)},
#define HIPQUANT_MMQ_ID(NAME)                                                             \
    {HIPQUANT_SYMBOL_NAME(HIPQUANT_SYMBOL_MUL_MAT_ID(NAME)),                              \
     HIPQUANT_SYMBOL_NAME(HIPQUANT_SYMBOL_MUL_MAT_ID(NAME)) "_geometry", sizeof(MatMulGeometry)},
#define HIPQUANT_X(NAME)                                                                                  \
    HIPQUANT_PRODUCTS(HIPQUANT_MMVQ, HIPQUANT_MMVF, HIPQUANT_MMQ, HIPQUANT_MMQ_DOT4, HIPQUANT_MMVQ_ID, \
                      HIPQUANT_MMQ_ID, NAME)
    HIPQUANT_WEIGHT_FORMATS(HIPQUANT_X)
#undef HIPQUANT_X
#undef HIPQUANT_MMVQ_ID
#undef HIPQUANT_MMQ_ID
#undef HIPQUANT_MMV
#undef HIPQUANT_MMVQ
#undef HIPQUANT_MMVF
#undef HIPQUANT_MM
#undef HIPQUANT_MMQ
#undef HIPQUANT_MMQ_DOT4
};
#undef HIPQUANT_SYMBOL_NAME
static_assert(sizeof(kKernels) / sizeof(kKernels[0]) == kKernelCount, "a name for every KernelId");
#define HIPQUANT_X(NAME, B) +1
static_assert(0 HIPQUANT_MATVEC_Q8_1_BATCHES(HIPQUANT_X, _) == kMaxMatVecBatch, "a Q8_1 mat-vec kernel per batch");
static_assert(0 HIPQUANT_MATVEC_F32_BATCHES(HIPQUANT_X, _) == kMaxMatVecF32Batch, "an f32 mat-vec kernel per batch");
static_assert(0 HIPQUANT_MATMUL_TILINGS(HIPQUANT_X, _) == kMatMulTilings, "a kernel per mat-mat tiling");
#undef HIPQUANT_X

// ---- Typed lookups --------------------------------------------------------
// Each family's kernels of one format are contiguous: a format's first
// kernel plus the variant. Valid for the formats the family has (the type
// table's kernel column says which); a check_kernel_ids static_assert in
// kernels.cpp ties every enumerator to these.
inline constexpr std::size_t kConversionsPerType = 4;
inline constexpr std::size_t kMatMulTilingCount = kMatMulTilings;
inline constexpr std::size_t kProductsPerFormat = kMaxMatVecBatch + kMaxMatVecF32Batch + 2 * kMatMulTilingCount + 2;
inline constexpr std::size_t kFirstConversion = static_cast<std::size_t>(KernelId::dequantize_f32_F32);
inline constexpr std::size_t kFirstProduct = kFirstConversion + kConversionsPerType * kQuantTypeCount;

enum class Conversion : std::uint8_t { dequantize_f32, dequantize_f16, get_rows_f32, get_rows_f16 };
constexpr KernelId conversion_kernel(Conversion c, QuantType type) {
    return static_cast<KernelId>(kFirstConversion + kConversionsPerType * quant_type_index(type) +
                                 static_cast<std::size_t>(c));
}
// Batch 1..kMaxMatVecBatch.
constexpr KernelId mul_mat_vec_q8_1_kernel(QuantType type, std::size_t batch) {
    return static_cast<KernelId>(kFirstProduct + kProductsPerFormat * weight_format_index(type) + batch - 1);
}
// Batch 1..kMaxMatVecF32Batch.
constexpr KernelId mul_mat_vec_f32_kernel(QuantType type, std::size_t batch) {
    return static_cast<KernelId>(kFirstProduct + kProductsPerFormat * weight_format_index(type) + kMaxMatVecBatch +
                                 batch - 1);
}
// tiling: 0 skinny, 1 narrow, 2 mid, 3 wide; integer_dot: the portable integer-dot
// product instead of the target's tile product.
constexpr KernelId mul_mat_kernel(QuantType type, int tiling, bool integer_dot) {
    return static_cast<KernelId>(kFirstProduct + kProductsPerFormat * weight_format_index(type) + kMaxMatVecBatch +
                                 kMaxMatVecF32Batch + (integer_dot ? kMatMulTilingCount : 0) +
                                 static_cast<std::size_t>(tiling));
}

// The expert-indexed mat-vec.
constexpr KernelId mul_mat_vec_id_kernel(QuantType type) {
    return static_cast<KernelId>(kFirstProduct + kProductsPerFormat * weight_format_index(type) + kMaxMatVecBatch +
                                 kMaxMatVecF32Batch + 2 * kMatMulTilingCount);
}

// The grouped expert mat-mat.
constexpr KernelId mul_mat_id_kernel(QuantType type) {
    return static_cast<KernelId>(static_cast<std::size_t>(mul_mat_vec_id_kernel(type)) + 1);
}

constexpr const char* kernel_name(KernelId id) { return kKernels[static_cast<std::size_t>(id)].name; }

// Kernel `id` on `device`: handle and published geometry, resolved on first
// use and cached in the device (RocmDevice::resolve); afterwards no lock,
// allocation or string. Throws Error naming the kernel if the image lacks it.
const ResolvedKernel& kernel(const RocmDevice& device, KernelId id);

// Resolves every kernel a weight of `type` may launch (the singles, its
// conversions and, for a weight format, its products). Weights call it when
// they are made: resolving reads the geometry back from the device and
// waits for it, which a stream being captured into a graph must not see.
void prepare_kernels(const RocmDevice& device, QuantType type);

}  // namespace hipquant::quant
