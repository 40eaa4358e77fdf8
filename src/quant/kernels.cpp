// The kernel table: KernelId -> the device's resolved kernel.
#include "hipquant/quant/kernels.hpp"

#include "hipquant/runtime/device.hpp"

namespace hipquant::quant {

namespace {

// The typed lookups (kernels.hpp) land on the enumerators of the same
// kernels, for every type and variant.
#define HIPQUANT_X(NAME, id, elems, bytes, block, weight, act, kern)                                           \
    static_assert(conversion_kernel(Conversion::dequantize_f32, QuantType::NAME) == KernelId::dequantize_f32_##NAME); \
    static_assert(conversion_kernel(Conversion::dequantize_f16, QuantType::NAME) == KernelId::dequantize_f16_##NAME); \
    static_assert(conversion_kernel(Conversion::get_rows_f32, QuantType::NAME) == KernelId::get_rows_f32_##NAME);     \
    static_assert(conversion_kernel(Conversion::get_rows_f16, QuantType::NAME) == KernelId::get_rows_f16_##NAME);
HIPQUANT_QUANT_TYPES(HIPQUANT_X)
#undef HIPQUANT_X
#define HIPQUANT_MMVQ(NAME, B) \
    static_assert(mul_mat_vec_q8_1_kernel(QuantType::NAME, B) == KernelId::mul_mat_vec_q8_1_##NAME##_b##B);
#define HIPQUANT_MMVF(NAME, B) \
    static_assert(mul_mat_vec_f32_kernel(QuantType::NAME, B) == KernelId::mul_mat_vec_f32_##NAME##_b##B);
#define HIPQUANT_MMQ(NAME, TILING)                                                                         \
    static_assert(mul_mat_kernel(QuantType::NAME, static_cast<int>(Tiling::TILING), false) ==              \
                  KernelId::mul_mat_q8_1_##NAME##_##TILING);                                                \
    static_assert(mul_mat_kernel(QuantType::NAME, static_cast<int>(Tiling::TILING), true) ==               \
                  KernelId::mul_mat_q8_1_dot4_##NAME##_##TILING);
enum class Tiling { narrow, mid, wide };
#define HIPQUANT_X(NAME)                              \
    HIPQUANT_MATVEC_Q8_1_BATCHES(HIPQUANT_MMVQ, NAME) \
    HIPQUANT_MATVEC_F32_BATCHES(HIPQUANT_MMVF, NAME)  \
    HIPQUANT_MATMUL_TILINGS(HIPQUANT_MMQ, NAME)
HIPQUANT_WEIGHT_FORMATS(HIPQUANT_X)
#undef HIPQUANT_X
#undef HIPQUANT_MMVQ
#undef HIPQUANT_MMVF
#undef HIPQUANT_MMQ

KernelListEntry entry(const KernelInfo& k) { return {k.name, k.geometry, k.geometry_bytes}; }

struct Table {
    KernelListEntry entries[kKernelCount];
    KernelList list;
    Table() : list{entries, kKernelCount} {
        for (std::size_t i = 0; i < kKernelCount; ++i) entries[i] = entry(kKernels[i]);
    }
};

const KernelList& kernel_list() {
    static const Table table;
    return table.list;
}

}  // namespace

const ResolvedKernel& kernel(const RocmDevice& device, KernelId id) {
    return device.resolve(kernel_list(), static_cast<std::size_t>(id));
}

}  // namespace hipquant::quant
