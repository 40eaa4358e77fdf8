// libFuzzer target for the GGUF reader: any input must either parse or throw
// hipquant::Error, never read outside the buffer (ASan), hit UB (UBSan),
// exhaust memory or crash; whatever parses must survive a write/read round trip.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <vector>

#include "hipquant/gguf/gguf.hpp"
#include "hipquant/gguf/writer.hpp"
#include "hipquant/runtime/error.hpp"

namespace hg = hipquant::gguf;

namespace {

[[noreturn]] void fail(const char* what) {
    std::fprintf(stderr, "fuzz_gguf: %s\n", what);
    std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::optional<hg::GgufFile> parsed;
    try {
        parsed.emplace(hg::GgufFile::from_memory(data, size, "fuzz"));
    } catch (const hipquant::Error&) {
        return 0;  // refusing bad input is the expected outcome; anything else escapes and crashes
    }
    const hg::GgufFile& f = *parsed;

    // Touch everything the reader hands out, so ASan sees any pointer that
    // escapes the buffer.
    std::size_t sink = 0;
    for (const auto& [key, value] : f.metadata().entries()) {
        sink += key.size() + value.to_string(4).size();
        if (f.metadata().find(key) != &value) fail("metadata look-up by key disagrees");
    }
    for (const hg::TensorInfo& t : f.tensors()) {
        if (t.data < data || t.file_offset + t.n_bytes > size) fail("tensor bytes outside the input");
        if (t.n_bytes != 0) sink += t.data[0] + t.data[t.n_bytes - 1];
        if (f.find_tensor(t.name) != &t) fail("tensor look-up by name disagrees");
        if (t.file_offset % f.alignment() != 0) fail("tensor data misaligned");
        // Types hipquant has no kernels for are listed by name, refused only when asked for.
        sink += std::strlen(t.type_name());
        try {
            if (t.quant_type() != t.type) fail("quant_type() disagrees with type");
            if (!t.supported()) fail("quant_type() accepted an unsupported type");
        } catch (const hipquant::Error&) {
            if (t.supported()) fail("quant_type() refused a supported type");
        }
    }

    // Round trip: hipquant's writer must re-encode what its reader accepted,
    // and reading that back must give the same directory and bytes. Errors
    // here are bugs, so nothing is caught.
    const std::vector<std::uint8_t> bytes = hg::GgufWriter::copy_of(f).to_bytes();
    const hg::GgufFile g = hg::GgufFile::from_memory(bytes.data(), bytes.size(), "rewrite");
    if (g.metadata() != f.metadata()) fail("metadata changed in the round trip");
    if (g.alignment() != f.alignment() || g.tensors().size() != f.tensors().size())
        fail("alignment or tensor count changed in the round trip");
    for (std::size_t i = 0; i < f.tensors().size(); ++i) {
        const hg::TensorInfo& a = f.tensors()[i];
        const hg::TensorInfo& b = g.tensors()[i];
        if (a.name != b.name || a.type != b.type || a.ne != b.ne || a.n_dims != b.n_dims || a.n_bytes != b.n_bytes)
            fail("tensor entry changed in the round trip");
        for (std::size_t k = 0; k < a.n_bytes; ++k)
            if (a.data[k] != b.data[k]) fail("tensor bytes changed in the round trip");
    }
    return sink == 0xdeadbeef ? 1 : 0;  // keep `sink` alive; libFuzzer ignores the value
}
