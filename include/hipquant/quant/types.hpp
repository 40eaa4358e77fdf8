// QuantType, numbered as GGML/GGUF type ids, and the one traits table every
// other part of hipquant reads (names, block geometry, what kernels exist).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "hipquant/quant/blocks.hpp"

namespace hipquant::quant {

// Kernels a type has; a bit set in QuantTypeInfo::kernels.
enum KernelBits : std::uint32_t {
    kKernelQuantize = 1u << 0,     // f32 -> type on the GPU
    kKernelDequantize = 1u << 1,   // type -> f32 / f16 on the GPU
    kKernelMulMatVec = 1u << 2,    // weight x activations, batch 1..8
    kKernelMulMat = 1u << 3,       // weight x activations, larger batches
};

// The table. Columns: name, GGUF id, values per block, bytes per block,
// block struct, can be a weight, can be an activation, GPU kernels other
// than the products (every type dequantizes and gathers rows on the GPU).
// Block geometry must match blocks.hpp; static_asserts below check it.
#define HIPQUANT_QUANT_TYPES(X)                                                 \
    X(F32, 0, 1, 4, float, true, true, kKernelDequantize)                       \
    X(F16, 1, 1, 2, std::uint16_t, true, true, kKernelDequantize)               \
    X(Q4_0, 2, 32, 18, BlockQ4_0, true, false, kKernelDequantize)               \
    X(Q4_1, 3, 32, 20, BlockQ4_1, true, false, kKernelDequantize)               \
    X(Q5_0, 6, 32, 22, BlockQ5_0, true, false, kKernelDequantize)               \
    X(Q5_1, 7, 32, 24, BlockQ5_1, true, false, kKernelDequantize)               \
    X(Q8_0, 8, 32, 34, BlockQ8_0, true, false, kKernelDequantize)               \
    X(Q8_1, 9, 32, 36, BlockQ8_1, false, true, kKernelDequantize | kKernelQuantize) \
    X(Q2_K, 10, 256, 84, BlockQ2_K, true, false, kKernelDequantize)             \
    X(Q3_K, 11, 256, 110, BlockQ3_K, true, false, kKernelDequantize)            \
    X(Q4_K, 12, 256, 144, BlockQ4_K, true, false, kKernelDequantize)            \
    X(Q5_K, 13, 256, 176, BlockQ5_K, true, false, kKernelDequantize)            \
    X(Q6_K, 14, 256, 210, BlockQ6_K, true, false, kKernelDequantize)            \
    X(Q8_K, 15, 256, 292, BlockQ8_K, false, true, kKernelDequantize)            \
    X(IQ4_NL, 20, 32, 18, BlockIQ4_NL, true, false, kKernelDequantize)          \
    X(IQ4_XS, 23, 256, 136, BlockIQ4_XS, true, false, kKernelDequantize)        \
    X(BF16, 30, 1, 2, std::uint16_t, true, true, kKernelDequantize)             \
    X(MXFP4, 39, 32, 17, BlockMXFP4, true, false, kKernelDequantize)

// The weight formats with product kernels (mat-vec and mat-mat), by the
// table's names: the one list the kernel files and the host's kernel table
// (quant/kernels.hpp) are generated from. The table's kernel column gets
// kKernelMulMatVec | kKernelMulMat from it.
#define HIPQUANT_WEIGHT_FORMATS(X) \
    X(Q4_0) X(Q4_1) X(Q5_0) X(Q5_1) X(Q8_0) X(Q2_K) X(Q3_K) X(Q4_K) X(Q5_K) X(Q6_K) X(IQ4_NL) X(IQ4_XS) X(MXFP4)

enum class QuantType : std::uint32_t {
#define HIPQUANT_X(name, id, elems, bytes, block, weight, act, kernels) name = id,
    HIPQUANT_QUANT_TYPES(HIPQUANT_X)
#undef HIPQUANT_X
};

struct QuantTypeInfo {
    QuantType type;
    const char* name;          // as GGML spells it: "Q4_0", "F16"...
    std::uint32_t block_elems; // values per block
    std::uint32_t block_bytes; // bytes per block
    bool can_be_weight;
    bool can_be_activation;
    std::uint32_t kernels;     // KernelBits

    bool has_kernel(KernelBits k) const noexcept { return (kernels & k) != 0; }
    bool is_block_quantized() const noexcept { return block_elems > 1; }
};

// Compile-time traits: QuantTraits<QuantType::Q4_0>::Block is BlockQ4_0, etc.
template <QuantType T>
struct QuantTraits;

#define HIPQUANT_X(NAME, id, elems, bytes, block, weight, act, kern)              \
    template <>                                                                   \
    struct QuantTraits<QuantType::NAME> {                                         \
        using Block = block;                                                      \
        static constexpr QuantType type = QuantType::NAME;                        \
        static constexpr const char* name = #NAME;                                \
        static constexpr std::uint32_t block_elems = elems;                       \
        static constexpr std::uint32_t block_bytes = bytes;                       \
        static_assert(sizeof(Block) == bytes, #NAME ": block struct size");       \
    };
HIPQUANT_QUANT_TYPES(HIPQUANT_X)
#undef HIPQUANT_X

// HIPQUANT_WEIGHT_FORMATS as an array, in its order.
inline constexpr QuantType kWeightFormats[] = {
#define HIPQUANT_X(NAME) QuantType::NAME,
    HIPQUANT_WEIGHT_FORMATS(HIPQUANT_X)
#undef HIPQUANT_X
};
inline constexpr std::size_t kWeightFormatCount = sizeof(kWeightFormats) / sizeof(kWeightFormats[0]);

// Position of `type` in kWeightFormats; kWeightFormatCount if it has no
// product kernels.
constexpr std::size_t weight_format_index(QuantType type) noexcept {
    for (std::size_t i = 0; i < kWeightFormatCount; ++i)
        if (kWeightFormats[i] == type) return i;
    return kWeightFormatCount;
}
constexpr std::uint32_t product_kernels(QuantType type) noexcept {
    return weight_format_index(type) < kWeightFormatCount ? kKernelMulMatVec | kKernelMulMat : 0u;
}

// The table as an array, in GGUF id order.
inline constexpr QuantTypeInfo kQuantTypes[] = {
#define HIPQUANT_X(NAME, id, elems, bytes, block, weight, act, kern) \
    {QuantType::NAME, #NAME, elems, bytes, weight, act, (kern) | product_kernels(QuantType::NAME)},
    HIPQUANT_QUANT_TYPES(HIPQUANT_X)
#undef HIPQUANT_X
};
inline constexpr std::size_t kQuantTypeCount = sizeof(kQuantTypes) / sizeof(kQuantTypes[0]);

// Position of `type` in kQuantTypes; kQuantTypeCount if it is not there.
constexpr std::size_t quant_type_index(QuantType type) noexcept {
    for (std::size_t i = 0; i < kQuantTypeCount; ++i)
        if (kQuantTypes[i].type == type) return i;
    return kQuantTypeCount;
}

// Null when `id` is not a type hipquant supports.
const QuantTypeInfo* find_quant_type(std::uint32_t id) noexcept;
const QuantTypeInfo* find_quant_type(std::string_view name) noexcept;

// Throw hipquant::Error naming the id / name when it is not supported.
const QuantTypeInfo& quant_type_info(QuantType type);
QuantType parse_quant_type(std::string_view name);
QuantType quant_type_from_id(std::uint32_t id);

inline const char* quant_type_name(QuantType type) { return quant_type_info(type).name; }

// Bytes of one row of `cols` values; throws if cols is not whole blocks.
std::size_t row_size_bytes(QuantType type, std::size_t cols);

[[noreturn]] void throw_unknown_quant_type(QuantType type);

// Calls f(QuantTraits<T>{}) for the run-time type `type`: the one switch on
// QuantType in hipquant. Returns what f returns.
template <typename F>
decltype(auto) visit_quant_type(QuantType type, F&& f) {
    switch (type) {
#define HIPQUANT_X(NAME, id, elems, bytes, block, weight, act, kern) \
    case QuantType::NAME:                                            \
        return f(QuantTraits<QuantType::NAME>{});
        HIPQUANT_QUANT_TYPES(HIPQUANT_X)
#undef HIPQUANT_X
    }
    throw_unknown_quant_type(type);
}

}  // namespace hipquant::quant
