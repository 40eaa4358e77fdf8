// GGUF v3 writer: collect metadata and tensors in memory, then emit a file
// (or bytes) with a chosen data alignment. Used by tests, examples and the tool.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "hipquant/gguf/gguf.hpp"
#include "hipquant/gguf/value.hpp"
#include "hipquant/quant/types.hpp"

namespace hipquant::gguf {

class GgufWriter {
public:
    // `alignment` (bytes, a power of two) applies to the data section and to
    // every tensor in it. When it differs from the default 32 the writer
    // stores it as general.alignment (u32), as readers expect.
    explicit GgufWriter(std::uint32_t alignment = kDefaultAlignment);

    // A writer holding a copy of `file`'s metadata and tensors (in directory
    // order, of any type the reader sized) with its alignment: to_bytes()
    // then re-serializes the file.
    static GgufWriter copy_of(const GgufFile& file);

    std::uint32_t alignment() const noexcept { return alignment_; }

    // Metadata, written in insertion order. general.alignment is managed by
    // the writer: setting it here to another value than `alignment` throws.
    Metadata& metadata() noexcept { return metadata_; }
    const Metadata& metadata() const noexcept { return metadata_; }
    void set(std::string key, Value value) { metadata_.set(std::move(key), std::move(value)); }

    // Adds a tensor with `shape` in GGML order (shape[0] = columns, 1..4
    // entries) and its bytes, which are copied. `type` is a QuantType or a
    // TensorInfo's type (any GGML type the reader sizes). Throws
    // hipquant::Error (invalid_value) when the name is taken, the shape is
    // empty or has more than 4 entries, the type id is no GGML type, shape[0]
    // is not whole blocks of `type`, or data.size() is not the tensor's byte
    // size; each message names the tensor.
    void add_tensor(std::string name, quant::QuantType type, const std::vector<std::uint64_t>& shape,
                    ByteSpan data);
    void add_tensor(std::string name, quant::QuantType type, const std::vector<std::uint64_t>& shape,
                    const std::vector<std::uint8_t>& data) {
        add_tensor(std::move(name), type, shape, ByteSpan(data.data(), data.size()));
    }

    std::size_t tensor_count() const noexcept { return tensors_.size(); }

    // The whole file. Tensors are laid out in insertion order, each at the
    // next multiple of alignment(), padding bytes zero; a file without
    // tensors ends after its metadata (no data section, no padding).
    std::vector<std::uint8_t> to_bytes() const;
    // Writes to_bytes() to `path`; throws hipquant::Error (file_not_found)
    // naming the path and the OS reason when it cannot be written.
    void write(const std::string& path) const;

private:
    struct Tensor {
        std::string name;
        quant::QuantType type;
        std::vector<std::uint64_t> shape;
        std::vector<std::uint8_t> data;
    };
    std::uint32_t alignment_;
    Metadata metadata_;
    std::vector<Tensor> tensors_;
};

// Bytes a tensor of `type` (as in add_tensor) and `shape` (GGML order) takes:
// rows x row bytes. Throws hipquant::Error (invalid_value) when the type id is
// no GGML type, shape[0] is not whole blocks or the size overflows 64 bits.
std::uint64_t tensor_size_bytes(quant::QuantType type, const std::vector<std::uint64_t>& shape);

}  // namespace hipquant::gguf
