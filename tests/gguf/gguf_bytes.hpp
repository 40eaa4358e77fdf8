// Test helper: builds GGUF bytes field by field, so tests can write exactly
// the malformed file they mean (the writer only makes valid ones).
#pragma once

#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "hipquant/gguf/gguf.hpp"
#include "hipquant/runtime/error.hpp"

namespace hipquant::gguf::test {

struct GgufBytes {
    std::vector<std::uint8_t> b;

    GgufBytes& le(std::uint64_t v, std::size_t width) {
        for (std::size_t i = 0; i < width; ++i) b.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
        return *this;
    }
    GgufBytes& u8(std::uint8_t v) { return le(v, 1); }
    GgufBytes& u32(std::uint32_t v) { return le(v, 4); }
    GgufBytes& u64(std::uint64_t v) { return le(v, 8); }
    GgufBytes& f32(float f) {
        std::uint32_t u;
        std::memcpy(&u, &f, 4);
        return u32(u);
    }
    GgufBytes& str(const std::string& s) {
        u64(s.size());
        b.insert(b.end(), s.begin(), s.end());
        return *this;
    }
    // Magic, version, tensor count, metadata count (24 bytes).
    GgufBytes& header(std::uint64_t n_tensors, std::uint64_t n_kv, std::uint32_t version = 3) {
        u32(kMagic).u32(version).u64(n_tensors).u64(n_kv);
        return *this;
    }
    // A key with a u32 value.
    GgufBytes& kv_u32(const std::string& key, std::uint32_t v) {
        return str(key).u32(static_cast<std::uint32_t>(ValueType::UInt32)).u32(v);
    }
    // A tensor directory entry.
    GgufBytes& tensor(const std::string& name, std::vector<std::uint64_t> ne, std::uint32_t type,
                      std::uint64_t offset) {
        str(name).u32(static_cast<std::uint32_t>(ne.size()));
        for (const auto n : ne) u64(n);
        return u32(type).u64(offset);
    }
    GgufBytes& pad(std::size_t alignment) {
        while (b.size() % alignment) b.push_back(0);
        return *this;
    }
    GgufBytes& zeros(std::size_t n) {
        b.insert(b.end(), n, 0);
        return *this;
    }
    GgufBytes& raw(const std::vector<std::uint8_t>& bytes) {
        b.insert(b.end(), bytes.begin(), bytes.end());
        return *this;
    }
    std::size_t size() const { return b.size(); }
};

// A GGUF of three [256, 2] tensors: blk.0.ffn_down.weight (IQ2_XXS, id 16)
// and blk.0.ffn_gate.weight (TQ1_0, id 34), types hipquant has no kernels
// for, holding seeded random bytes; blk.0.ffn_up.weight (Q4_K) holding `q4_k`
// (288 bytes).
inline std::vector<std::uint8_t> mixed_types_gguf(const std::vector<std::uint8_t>& q4_k) {
    std::mt19937 rng(7);
    const auto random = [&](std::size_t n) {
        std::vector<std::uint8_t> v(n);
        for (auto& x : v) x = static_cast<std::uint8_t>(rng());
        return v;
    };
    GgufBytes g;
    g.header(3, 0)
        .tensor("blk.0.ffn_down.weight", {256, 2}, 16, 0)    // 2 blocks of 66 bytes
        .tensor("blk.0.ffn_gate.weight", {256, 2}, 34, 160)  // 2 blocks of 54 bytes
        .tensor("blk.0.ffn_up.weight", {256, 2}, 12, 288)    // 2 blocks of 144 bytes
        .pad(32);
    g.raw(random(132)).pad(32).raw(random(108)).pad(32).raw(q4_k);
    return g.b;
}

// Parses `bytes` and returns the hipquant::Error message ("" if none thrown;
// the code goes to *code when given).
inline std::string parse_error(const std::vector<std::uint8_t>& bytes, int* code = nullptr) {
    try {
        GgufFile::from_memory(bytes.data(), bytes.size(), "t.gguf");
    } catch (const Error& e) {
        if (code) *code = e.code();
        return e.what();
    }
    return "";
}

// Passes when `text` contains `part`; prints both otherwise.
inline testing::AssertionResult contains(const std::string& text, const std::string& part) {
    if (text.find(part) != std::string::npos) return testing::AssertionSuccess();
    return testing::AssertionFailure() << "message:  " << (text.empty() ? "<no error thrown>" : text)
                                       << "\nexpected: ..." << part << "...";
}

}  // namespace hipquant::gguf::test
