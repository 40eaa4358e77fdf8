// The seed corpus (tests/data/gguf_corpus, written by make_corpus.py, an
// encoder independent of hipquant's writer): valid_* parse, bad_* are refused
// with the expected message, and the two sets are exactly the files present.
#include <gtest/gtest.h>

#include <dirent.h>

#include <map>
#include <set>
#include <string>

#include "gguf/gguf_bytes.hpp"
#include "hipquant/gguf/gguf.hpp"
#include "hipquant/gguf/writer.hpp"
#include "hipquant/runtime/error.hpp"

namespace hg = hipquant::gguf;

namespace {

const std::string kDir = std::string(HIPQUANT_TEST_DATA_DIR) + "/gguf_corpus/";

// Expected message part for each invalid seed.
const std::map<std::string, std::string> kBad = {
    {"bad_magic.gguf", "not a GGUF file: magic at byte offset 0 is 0x544a4747"},
    {"bad_version.gguf", "unsupported GGUF version 1 at byte offset 4"},
    {"bad_truncated_header.gguf", "truncated: tensor count at byte offset 8 needs 8 bytes, 5 left"},
    {"bad_truncated_data.gguf", "tensor 'w': bytes [96 + 0, +1024) run past the end of the file (1020 bytes)"},
    {"bad_string_length.gguf", "string value of 'k': string length 3 at byte offset 37 runs past the end"},
    {"bad_array_count.gguf", "metadata 'a': array of 1099511627776 u32 elements at byte offset 41 runs past"},
    {"bad_value_type.gguf", "metadata 'k': unknown value type id 40 at byte offset 33"},
    {"bad_bool.gguf", "metadata 'b': bool byte 7 at byte offset 37 is neither 0 nor 1"},
    {"bad_duplicate_key.gguf", "duplicate metadata key 'k' at byte offset 41"},
    {"bad_alignment.gguf", "general.alignment is 48, not a power of two"},
    {"bad_n_dims.gguf", "tensor 'w': n_dims 5 at byte offset 33 is outside 1..4"},
    {"bad_element_overflow.gguf", "tensor 'w': element count [4294967296, 4294967296] overflows"},
    {"bad_zero_dim_overflow.gguf", "tensor 'w': byte size of [2305843009213693952, 2, 0] F32 overflows 64 bits"},
    {"bad_partial_block.gguf", "tensor 'w': 33 columns is not whole Q4_0 blocks of 32 values"},
    {"bad_unknown_type.gguf", "tensor 'w': unknown type id 99 at byte offset 45"},
    {"bad_removed_type.gguf", "tensor 'w': unknown type id 4 at byte offset 45"},
    {"bad_misaligned.gguf", "tensor 'a': data offset 16 at byte offset 49 is not a multiple of the alignment 32"},
    {"bad_overlap.gguf", "tensors 'a' (data bytes [0, 64)) and 'b' (data bytes [32, 64)) overlap"},
    {"bad_duplicate_tensor.gguf", "duplicate tensor name 'w' at byte offset 57"},
    {"bad_offset_past_end.gguf", "tensor 'w': bytes [64 + 9223372036854775808, +32) run past the end"},
};

std::set<std::string> corpus_files() {
    std::set<std::string> names;
    if (DIR* d = ::opendir(kDir.c_str())) {
        while (const dirent* e = ::readdir(d)) {
            const std::string n = e->d_name;
            if (n.size() > 5 && n.compare(n.size() - 5, 5, ".gguf") == 0) names.insert(n);
        }
        ::closedir(d);
    }
    return names;
}

TEST(GgufCorpus, BadSeedsAreRefusedWithTheirMessage) {
    const auto files = corpus_files();
    for (const auto& [name, part] : kBad) {
        SCOPED_TRACE(name);
        EXPECT_TRUE(files.count(name)) << "missing seed; run make_corpus.py";
        try {
            hg::GgufFile::open(kDir + name);
            ADD_FAILURE() << "parsed without error";
        } catch (const hipquant::Error& e) {
            EXPECT_TRUE(hg::test::contains(e.what(), part));
        }
    }
    for (const auto& name : files)
        if (name.rfind("bad_", 0) == 0) EXPECT_TRUE(kBad.count(name)) << name << " has no expected message";
}

TEST(GgufCorpus, ValidSeedsParseAndRewriteIdentically) {
    int n = 0;
    for (const auto& name : corpus_files()) {
        if (name.rfind("valid_", 0) != 0) continue;
        SCOPED_TRACE(name);
        ++n;
        const auto f = hg::GgufFile::open(kDir + name);
        // Through hipquant's writer and back: same metadata, names, shapes, bytes.
        const auto bytes = hg::GgufWriter::copy_of(f).to_bytes();
        const auto g = hg::GgufFile::from_memory(bytes.data(), bytes.size());
        EXPECT_EQ(g.metadata(), f.metadata());
        EXPECT_EQ(g.alignment(), f.alignment());
        ASSERT_EQ(g.tensors().size(), f.tensors().size());
        for (std::size_t i = 0; i < f.tensors().size(); ++i) {
            const auto& a = f.tensors()[i];
            const auto& b = g.tensors()[i];
            EXPECT_EQ(a.name, b.name);
            EXPECT_EQ(a.type, b.type);
            EXPECT_EQ(a.ne, b.ne);
            EXPECT_TRUE(std::equal(a.bytes().begin(), a.bytes().end(), b.bytes().begin(), b.bytes().end()));
        }
    }
    EXPECT_GE(n, 4);
}

TEST(GgufCorpus, AllValueTypesSeedHasWhatPythonWrote) {
    const auto f = hg::GgufFile::open(kDir + "valid_all_value_types.gguf");
    const auto& m = f.metadata();
    EXPECT_EQ(f.alignment(), 64u);
    EXPECT_EQ(m.get_string("general.architecture"), "corpus");
    EXPECT_EQ(m.get_uint("t.u8"), 200u);
    EXPECT_EQ(m.get_int("t.i8"), -100);
    EXPECT_EQ(m.get_int("t.i16"), -30000);
    EXPECT_EQ(m.get_uint("t.u32"), 4000000000u);
    EXPECT_EQ(m.get_int("t.i32"), -2000000000);
    EXPECT_EQ(m.get_uint("t.u64"), ~std::uint64_t{0});
    EXPECT_EQ(m.get_int("t.i64"), INT64_MIN);
    EXPECT_EQ(m.get_float("t.f32"), 0.25);
    EXPECT_EQ(m.get_float("t.f64"), -1e300);
    EXPECT_TRUE(m.get_bool("t.bool"));
    EXPECT_EQ(m.get_string("t.str"), "h\xc3\xa9llo");
    EXPECT_EQ(m.at("t.arr_f32").to_floats(), (std::vector<double>{1.0, -2.5, 3.0}));
    EXPECT_EQ(m.at("t.arr_str").strings(), (std::vector<std::string>{"<s>", "</s>", ""}));
    EXPECT_EQ(m.at("t.arr_arr").arrays().at(0).to_ints(), (std::vector<std::int64_t>{1, -2}));
    EXPECT_EQ(m.at("t.arr_arr").arrays().at(1).strings(), (std::vector<std::string>{"x"}));
    const auto& q = f.tensor("blk.0.ffn_up.weight");
    EXPECT_EQ(q.type, hipquant::quant::QuantType::Q4_K);
    EXPECT_EQ(q.n_bytes, 144u);
    EXPECT_EQ(q.file_offset % 64, 0u);
}

}  // namespace
