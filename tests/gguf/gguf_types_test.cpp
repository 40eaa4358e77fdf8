// GGML tensor types in GGUF files: every type GGML can size is read, named
// and listed; those hipquant has no kernels for are refused only when loaded.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <iterator>
#include <string>
#include <utility>
#include <vector>

#include "gguf/gguf_bytes.hpp"
#include "hipquant/gguf/gguf.hpp"
#include "hipquant/gguf/writer.hpp"
#include "hipquant/quant/reference.hpp"
#include "hipquant/runtime/error.hpp"

namespace hg = hipquant::gguf;
namespace hq = hipquant::quant;
namespace errc = hipquant::errc;
using hg::test::contains;

namespace {

// GGML's numbering and block geometry (ggml.h, ggml-common.h).
TEST(GgmlTypes, TableHasGgmlNumberingAndGeometry) {
    // Spot checks against ggml.h / ggml-common.h, one per family and the
    // ends of the numbering (the whole table would only restate it).
    const hg::GgmlTypeInfo expected[] = {
        {0, "F32", 1, 4},          {9, "Q8_1", 32, 36},   {15, "Q8_K", 256, 292}, {16, "IQ2_XXS", 256, 66},
        {19, "IQ1_S", 256, 50},    {20, "IQ4_NL", 32, 18}, {23, "IQ4_XS", 256, 136}, {28, "F64", 1, 8},
        {29, "IQ1_M", 256, 56},    {34, "TQ1_0", 256, 54}, {35, "TQ2_0", 256, 66}, {39, "MXFP4", 32, 17},
    };
    std::size_t sized = 0;
    for (std::uint32_t id = 0; id < 256; ++id) sized += hg::ggml_type_info(id) != nullptr;
    EXPECT_EQ(sized, 32u);  // ids 0..39 less the removed 4, 5, 31..33, 36..38
    for (const auto& e : expected) {
        SCOPED_TRACE(e.name);
        const hg::GgmlTypeInfo* t = hg::ggml_type_info(e.id);
        ASSERT_NE(t, nullptr);
        EXPECT_EQ(t->id, e.id);
        EXPECT_STREQ(t->name, e.name);
        EXPECT_STREQ(hg::ggml_type_name(e.id), e.name);
        EXPECT_EQ(t->block_elems, e.block_elems);
        EXPECT_EQ(t->block_bytes, e.block_bytes);
    }
    for (const std::uint32_t removed : {4u, 5u, 31u, 32u, 33u, 36u, 37u, 38u}) {
        EXPECT_EQ(hg::ggml_type_info(removed), nullptr) << removed;
        EXPECT_EQ(hg::ggml_type_name(removed), nullptr) << removed;
    }
}

// The example: IQ2_XXS and TQ1_0 beside Q4_K.
class MixedTypes : public testing::Test {
protected:
    static std::vector<float> values() {
        std::vector<float> v(2 * 256);
        for (std::size_t i = 0; i < v.size(); ++i) v[i] = std::sin(0.37f * static_cast<float>(i));
        return v;
    }
    const std::vector<std::uint8_t> q4_k = hq::reference::quantize_matrix(hq::QuantType::Q4_K, values().data(), 2, 256);
    const std::vector<std::uint8_t> bytes = hg::test::mixed_types_gguf(q4_k);
    const hg::GgufFile file = hg::GgufFile::from_memory(bytes.data(), bytes.size(), "mixed.gguf");
};

TEST_F(MixedTypes, EveryTensorIsListedWithItsTypeName) {
    const auto& t = file.tensors();
    ASSERT_EQ(t.size(), 3u);
    const struct {
        const char* name;
        const char* type;
        std::uint32_t id;
        bool supported;
        std::uint64_t n_bytes;
    } expected[] = {{"blk.0.ffn_down.weight", "IQ2_XXS", 16, false, 132},
                    {"blk.0.ffn_gate.weight", "TQ1_0", 34, false, 108},
                    {"blk.0.ffn_up.weight", "Q4_K", 12, true, 288}};
    for (std::size_t i = 0; i < t.size(); ++i) {
        SCOPED_TRACE(expected[i].name);
        EXPECT_EQ(t[i].name, expected[i].name);
        EXPECT_STREQ(t[i].type_name(), expected[i].type);
        EXPECT_EQ(t[i].ggml_type(), expected[i].id);
        EXPECT_EQ(t[i].supported(), expected[i].supported);
        EXPECT_EQ(t[i].n_bytes, expected[i].n_bytes);
        EXPECT_EQ(t[i].shape_string(), "[256, 2]");
        EXPECT_EQ(&file.tensor(expected[i].name), &t[i]);
    }
}

TEST_F(MixedTypes, Q4KLoadsOthersThrowNamingTensorAndType) {
    const hg::TensorInfo& q = file.tensor("blk.0.ffn_up.weight");
    ASSERT_EQ(q.quant_type(), hq::QuantType::Q4_K);
    EXPECT_EQ(std::vector<std::uint8_t>(q.bytes().begin(), q.bytes().end()), q4_k);
    const auto decoded = hq::reference::dequantize_matrix(q.quant_type(), q.data, 2, 256);
    const auto original = values();
    for (std::size_t i = 0; i < decoded.size(); ++i) ASSERT_NEAR(decoded[i], original[i], 0.1f) << i;

    for (const auto& [name, type] : {std::pair{"blk.0.ffn_down.weight", "IQ2_XXS (GGML type id 16)"},
                                     std::pair{"blk.0.ffn_gate.weight", "TQ1_0 (GGML type id 34)"}}) {
        SCOPED_TRACE(name);
        const hg::TensorInfo& t = file.tensor(name);
        try {
            t.quant_type();
            ADD_FAILURE() << "no error";
        } catch (const hipquant::Error& e) {
            EXPECT_EQ(e.code(), errc::not_supported);
            EXPECT_TRUE(contains(e.what(), std::string("tensor '") + name + "' has type " + type +
                                               ", which hipquant has no kernels for"));
        }
        // `type` itself is no QuantType enumerator: the type table refuses it.
        EXPECT_THROW(hq::quant_type_info(t.type), hipquant::Error);
        EXPECT_THROW(hq::row_size_bytes(t.type, 256), hipquant::Error);
    }
}

TEST_F(MixedTypes, WriterReencodesUnsupportedTypes) {
    const auto rewritten = hg::GgufWriter::copy_of(file).to_bytes();
    const auto g = hg::GgufFile::from_memory(rewritten.data(), rewritten.size(), "rewritten.gguf");
    ASSERT_EQ(g.tensors().size(), file.tensors().size());
    for (std::size_t i = 0; i < g.tensors().size(); ++i) {
        const hg::TensorInfo& a = file.tensors()[i];
        const hg::TensorInfo& b = g.tensors()[i];
        SCOPED_TRACE(a.name);
        EXPECT_EQ(b.name, a.name);
        EXPECT_EQ(b.ggml_type(), a.ggml_type());
        EXPECT_EQ(b.ne, a.ne);
        EXPECT_TRUE(std::equal(a.bytes().begin(), a.bytes().end(), b.bytes().begin(), b.bytes().end()));
    }
    EXPECT_EQ(hg::tensor_size_bytes(file.tensor("blk.0.ffn_gate.weight").type, {512, 3}), 6u * 54u);
}

TEST(GgmlTypes, WriterRefusesIdsGgmlCannotSize) {
    hg::GgufWriter w;
    try {
        w.add_tensor("w", static_cast<hq::QuantType>(4), {32}, std::vector<std::uint8_t>(20));
        ADD_FAILURE() << "no error";
    } catch (const hipquant::Error& e) {
        EXPECT_TRUE(contains(e.what(), "GgufWriter: tensor 'w': type id 4 is no GGML type hipquant can size"));
    }
}

}  // namespace
