// The kernel table: KernelId -> the device's resolved kernel.
#include "hipquant/quant/kernels.hpp"

#include "hipquant/runtime/device.hpp"

namespace hipquant::quant {

namespace {

// The typed lookups (kernels.hpp) land on the enumerators of the same
// kernels, for every type and variant.
#define HIPQUANT_CONV(OP, TO, NAME) \
    static_assert(conversion_kernel(Conversion::OP##_##TO, QuantType::NAME) == KernelId::OP##_##TO##_##NAME);
#define HIPQUANT_X(NAME, id, elems, bytes, block, weight, act, kern) HIPQUANT_CONVERSIONS(HIPQUANT_CONV, NAME)
HIPQUANT_QUANT_TYPES(HIPQUANT_X)
#undef HIPQUANT_X
#undef HIPQUANT_CONV
#define HIPQUANT_MMVQ(NAME, B) \
    static_assert(mul_mat_vec_q8_1_kernel(QuantType::NAME, B) == KernelId::mul_mat_vec_q8_1_##NAME##_b##B);
#define HIPQUANT_MMVF(NAME, B) \
    static_assert(mul_mat_vec_f32_kernel(QuantType::NAME, B) == KernelId::mul_mat_vec_f32_##NAME##_b##B);
#define HIPQUANT_MMQ(NAME, TILING)                                                            \
    static_assert(mul_mat_kernel(QuantType::NAME, static_cast<int>(Tiling::TILING), false) == \
                  KernelId::mul_mat_q8_1_##NAME##_##TILING);
#define HIPQUANT_MMQ_DOT4(NAME, TILING)                                                      \
    static_assert(mul_mat_kernel(QuantType::NAME, static_cast<int>(Tiling::TILING), true) == \
                  KernelId::mul_mat_q8_1_dot4_##NAME##_##TILING);
#define HIPQUANT_MMVQ_ID(NAME) \
    static_assert(mul_mat_vec_id_kernel(QuantType::NAME) == KernelId::mul_mat_vec_id_q8_1_##NAME);
#define HIPQUANT_MMQ_ID(NAME) static_assert(mul_mat_id_kernel(QuantType::NAME) == KernelId::mul_mat_id_q8_1_##NAME);
enum class Tiling { skinny, narrow, mid, wide };  // matmul_tiling's numbering
#define HIPQUANT_X(NAME)                                                                                  \
    HIPQUANT_PRODUCTS(HIPQUANT_MMVQ, HIPQUANT_MMVF, HIPQUANT_MMQ, HIPQUANT_MMQ_DOT4, HIPQUANT_MMVQ_ID, \
                      HIPQUANT_MMQ_ID, NAME)
HIPQUANT_WEIGHT_FORMATS(HIPQUANT_X)
#undef HIPQUANT_X
#undef HIPQUANT_MMVQ_ID
#undef HIPQUANT_MMQ_ID
#undef HIPQUANT_MMVQ
#undef HIPQUANT_MMVF
#undef HIPQUANT_MMQ
#undef HIPQUANT_MMQ_DOT4

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

void prepare_kernels(const RocmDevice& device, QuantType type) {
    for (std::size_t i = 0; i < kFirstConversion; ++i) (void)kernel(device, static_cast<KernelId>(i));
    for (std::size_t c = 0; c < kConversionsPerType; ++c)
        (void)kernel(device, conversion_kernel(static_cast<Conversion>(c), type));
    if (weight_format_index(type) >= kWeightFormatCount) return;
    const auto first = static_cast<std::size_t>(mul_mat_vec_q8_1_kernel(type, 1));
    for (std::size_t i = 0; i < kProductsPerFormat; ++i) (void)kernel(device, static_cast<KernelId>(first + i));
}

}  // namespace hipquant::quant
