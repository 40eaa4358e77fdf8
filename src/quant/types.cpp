// Look-ups over the QuantType table.
#include "hipquant/quant/types.hpp"

#include "hipquant/runtime/error.hpp"

namespace hipquant::quant {

const QuantTypeInfo* find_quant_type(std::uint32_t id) noexcept {
    for (const auto& info : kQuantTypes)
        if (static_cast<std::uint32_t>(info.type) == id) return &info;
    return nullptr;
}

const QuantTypeInfo* find_quant_type(std::string_view name) noexcept {
    for (const auto& info : kQuantTypes) {
        const std::string_view n = info.name;
        if (n.size() != name.size()) continue;
        bool same = true;  // GGML names are upper case; accept any case
        for (std::size_t i = 0; i < n.size() && same; ++i) {
            char c = name[i];
            if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
            same = c == n[i];
        }
        if (same) return &info;
    }
    return nullptr;
}

void throw_unknown_quant_type(QuantType type) {
    HIPQUANT_FAIL(errc::invalid_value, "unsupported quant type id " +
                                           std::to_string(static_cast<std::uint32_t>(type)));
}

const QuantTypeInfo& quant_type_info(QuantType type) {
    const QuantTypeInfo* info = find_quant_type(static_cast<std::uint32_t>(type));
    if (!info) throw_unknown_quant_type(type);
    return *info;
}

QuantType parse_quant_type(std::string_view name) {
    const QuantTypeInfo* info = find_quant_type(name);
    HIPQUANT_REQUIRE(info, errc::invalid_value,
                     "unsupported quant type name '" + std::string(name) + "'");
    return info->type;
}

QuantType quant_type_from_id(std::uint32_t id) {
    const QuantTypeInfo* info = find_quant_type(id);
    HIPQUANT_REQUIRE(info, errc::invalid_value,
                     "unsupported quant type id " + std::to_string(id));
    return info->type;
}

std::size_t row_size_bytes(QuantType type, std::size_t cols) {
    const QuantTypeInfo& info = quant_type_info(type);
    HIPQUANT_REQUIRE(cols % info.block_elems == 0, errc::invalid_value,
                     std::string(info.name) + ": column count " + std::to_string(cols) +
                         " is not a multiple of the block size " +
                         std::to_string(info.block_elems));
    return cols / info.block_elems * info.block_bytes;
}

}  // namespace hipquant::quant
