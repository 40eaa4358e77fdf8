// The QuantType table: ids, names, block geometry, look-up errors.
#include <gtest/gtest.h>

#include <string>

#include "hipquant/quant/types.hpp"
#include "hipquant/runtime/error.hpp"

namespace hq = hipquant::quant;

TEST(QuantTypes, IdsAreGgufTypeIds) {
    EXPECT_EQ(static_cast<int>(hq::QuantType::F32), 0);
    EXPECT_EQ(static_cast<int>(hq::QuantType::F16), 1);
    EXPECT_EQ(static_cast<int>(hq::QuantType::Q4_0), 2);
    EXPECT_EQ(static_cast<int>(hq::QuantType::Q5_0), 6);
    EXPECT_EQ(static_cast<int>(hq::QuantType::Q8_1), 9);
    EXPECT_EQ(static_cast<int>(hq::QuantType::Q6_K), 14);
    EXPECT_EQ(static_cast<int>(hq::QuantType::Q8_K), 15);
    EXPECT_EQ(static_cast<int>(hq::QuantType::BF16), 30);
}

TEST(QuantTypes, TableMatchesTraits) {
    for (const auto& info : hq::kQuantTypes) {
        SCOPED_TRACE(info.name);
        const auto bytes = hq::visit_quant_type(info.type, [](auto t) {
            return static_cast<std::uint32_t>(sizeof(typename decltype(t)::Block));
        });
        EXPECT_EQ(bytes, info.block_bytes);
        EXPECT_EQ(hq::parse_quant_type(info.name), info.type);
        EXPECT_EQ(hq::quant_type_from_id(static_cast<std::uint32_t>(info.type)), info.type);
    }
    EXPECT_EQ(hq::parse_quant_type("q4_k"), hq::QuantType::Q4_K);
}

TEST(QuantTypes, UnknownNameOrIdThrowsNamingIt) {
    try {
        hq::parse_quant_type("Q9_9");
        FAIL() << "expected an Error";
    } catch (const hipquant::Error& e) {
        EXPECT_NE(std::string(e.what()).find("'Q9_9'"), std::string::npos) << e.what();
    }
    try {
        hq::quant_type_from_id(4);  // GGML's removed Q4_2
        FAIL() << "expected an Error";
    } catch (const hipquant::Error& e) {
        EXPECT_NE(std::string(e.what()).find("id 4"), std::string::npos) << e.what();
        EXPECT_EQ(e.code(), hipquant::errc::invalid_value);
    }
}

TEST(QuantTypes, RowSizeNeedsWholeBlocks) {
    EXPECT_EQ(hq::row_size_bytes(hq::QuantType::Q4_0, 4096), 4096u / 32 * 18);
    EXPECT_EQ(hq::row_size_bytes(hq::QuantType::Q6_K, 512), 2u * 210);
    EXPECT_EQ(hq::row_size_bytes(hq::QuantType::F16, 7), 14u);
    try {
        hq::row_size_bytes(hq::QuantType::Q4_K, 100);
        FAIL() << "expected an Error";
    } catch (const hipquant::Error& e) {
        const std::string m = e.what();
        EXPECT_NE(m.find("100"), std::string::npos) << m;
        EXPECT_NE(m.find("256"), std::string::npos) << m;
    }
}

// Errors from the library name its files relative to the source tree
// (-fmacro-prefix-map), never by the build machine's absolute path.
TEST(QuantTypes, ErrorsNameSourceFilesWithoutTheBuildPath) {
    try {
        (void)hq::parse_quant_type("Q9_9");
        ADD_FAILURE() << "expected an Error";
    } catch (const hipquant::Error& e) {
        const std::string what = e.what();
        EXPECT_NE(what.find("[src/quant/types.cpp:"), std::string::npos) << what;
        EXPECT_EQ(what.find(HIPQUANT_SOURCE_DIR), std::string::npos) << what;
    }
}
