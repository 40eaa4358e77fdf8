// GGUF v2/v3 reader: memory-maps a file, checks every number in it, and
// exposes its metadata and tensor directory; tensor bytes are spans into the map.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "hipquant/gguf/value.hpp"
#include "hipquant/quant/types.hpp"

namespace hipquant::gguf {

inline constexpr std::uint32_t kMagic = 0x46554747u;   // "GGUF" read as a little-endian u32
inline constexpr std::uint32_t kDefaultAlignment = 32; // bytes, when general.alignment is absent
inline constexpr std::uint32_t kMaxDims = 4;           // GGML tensors have 1..4 dimensions
inline constexpr const char* kAlignmentKey = "general.alignment";
// Arrays may nest; deeper nesting than this is refused so that a hostile file
// cannot exhaust the stack (each level costs only 12 bytes of file).
inline constexpr int kMaxArrayDepth = 16;

// A read-only view of bytes (C++17 has no std::span). Never owns.
class ByteSpan {
public:
    constexpr ByteSpan() noexcept = default;
    constexpr ByteSpan(const std::uint8_t* data, std::size_t size) noexcept : data_(data), size_(size) {}

    constexpr const std::uint8_t* data() const noexcept { return data_; }
    constexpr std::size_t size() const noexcept { return size_; }
    constexpr bool empty() const noexcept { return size_ == 0; }
    constexpr const std::uint8_t* begin() const noexcept { return data_; }
    constexpr const std::uint8_t* end() const noexcept { return data_ + size_; }
    constexpr std::uint8_t operator[](std::size_t i) const noexcept { return data_[i]; }
    // Bytes [offset, offset + count); throws hipquant::Error when out of range.
    ByteSpan subspan(std::size_t offset, std::size_t count) const;

private:
    const std::uint8_t* data_ = nullptr;
    std::size_t size_ = 0;
};

// A tensor type as GGML numbers it in GGUF files, whether or not hipquant has
// kernels for it. QuantType uses the same numbers for the types it has.
struct GgmlTypeInfo {
    std::uint32_t id;
    const char* name;           // as GGML spells it: "Q4_K", "IQ2_XXS", "TQ1_0"
    std::uint32_t block_elems;  // values per block
    std::uint32_t block_bytes;  // bytes per block
};

// Every type GGML can size; null for ids it removed (4, 5, 31..33, 36..38)
// or never assigned.
const GgmlTypeInfo* ggml_type_info(std::uint32_t id) noexcept;
// Its name ("IQ2_XXS" for 16); null where ggml_type_info is.
const char* ggml_type_name(std::uint32_t id) noexcept;

// One entry of the tensor directory, checked: the type is one GGML can size,
// the shape is whole blocks, and the bytes lie inside the file, aligned, and
// overlap no other tensor.
struct TensorInfo {
    std::string name;
    // The file's GGML type id, always one ggml_type_info() knows. Only the
    // supported() ones are QuantType enumerators: every quant:: function
    // throws for the others, and quant_type() throws naming the tensor.
    quant::QuantType type = quant::QuantType::F32;
    std::uint32_t n_dims = 1;  // 1..4, as stored
    // Elements per dimension in GGML order: ne[0] is the contiguous one (the
    // columns of a matrix), ne[1] the rows; dimensions past n_dims are 1.
    std::array<std::uint64_t, kMaxDims> ne{{1, 1, 1, 1}};
    std::uint64_t offset = 0;       // bytes from the start of the data section, as stored
    std::uint64_t file_offset = 0;  // bytes from the start of the file
    std::uint64_t n_bytes = 0;      // bytes the tensor takes: rows * ne[0] / block_elems * block_bytes
    const std::uint8_t* data = nullptr;  // file_offset into the mapping; valid while the file lives

    std::uint64_t n_elements() const noexcept { return ne[0] * ne[1] * ne[2] * ne[3]; }
    std::uint64_t cols() const noexcept { return ne[0]; }
    // Rows of the 2-D matrix view the kernels use: every dimension but ne[0].
    std::uint64_t rows() const noexcept { return ne[1] * ne[2] * ne[3]; }
    ByteSpan bytes() const noexcept { return {data, static_cast<std::size_t>(n_bytes)}; }
    std::uint32_t ggml_type() const noexcept { return static_cast<std::uint32_t>(type); }
    // GGML's name of the type ("Q4_K", "IQ2_XXS"); never null.
    const char* type_name() const noexcept;
    // True when hipquant has the type (QuantType table): it loads and dequantizes.
    bool supported() const noexcept;
    // `type`, checked: throws hipquant::Error (not_supported) naming the
    // tensor and its type when !supported(). Use it before loading the data.
    quant::QuantType quant_type() const;
    // True for 1-D and 2-D tensors (ne[2] == ne[3] == 1): those are weight matrices.
    bool is_matrix() const noexcept { return ne[2] == 1 && ne[3] == 1; }
    // "[4096, 14336]": the first n_dims entries of ne.
    std::string shape_string() const;
};

namespace detail {
class MappedFile;  // RAII mmap of a whole file; defined in src/gguf/reader.cpp
}

// A parsed GGUF file. Move-only: it owns the mapping every TensorInfo::data
// points into, so moving keeps those pointers valid, copying could not.
class GgufFile {
public:
    // Maps `path` read-only and parses it. Throws hipquant::Error:
    // file_not_found when it cannot be opened, invalid_value when the file is
    // malformed (the message names the field, the numbers and the byte offset).
    // Tensors of GGML types hipquant has no kernels for are listed all the
    // same (TensorInfo::supported() is false); only loading them throws.
    static GgufFile open(const std::string& path);
    // Parses `size` bytes at `data` without copying; the caller keeps them
    // alive and unchanged for the life of the result. `name` appears in errors.
    static GgufFile from_memory(const void* data, std::size_t size, std::string name = "<memory>");

    GgufFile(GgufFile&&) noexcept;
    GgufFile& operator=(GgufFile&&) noexcept;
    GgufFile(const GgufFile&) = delete;
    GgufFile& operator=(const GgufFile&) = delete;
    ~GgufFile();

    const std::string& name() const noexcept { return name_; }  // path, or from_memory's name
    std::uint32_t version() const noexcept { return version_; }   // 2 or 3
    std::uint32_t alignment() const noexcept { return alignment_; }  // bytes
    std::uint64_t data_offset() const noexcept { return data_offset_; }  // start of the data section
    std::uint64_t file_size() const noexcept { return bytes_.size(); }
    ByteSpan file_bytes() const noexcept { return bytes_; }

    const Metadata& metadata() const noexcept { return metadata_; }
    // Tensors in the order of the file's directory.
    const std::vector<TensorInfo>& tensors() const noexcept { return tensors_; }
    const TensorInfo* find_tensor(std::string_view name) const;  // null when absent
    // Throws hipquant::Error (not_found) naming the tensor and the file.
    const TensorInfo& tensor(std::string_view name) const;

private:
    GgufFile() = default;
    void parse();

    std::string name_;
    std::unique_ptr<detail::MappedFile> mapping_;  // null for from_memory
    ByteSpan bytes_;
    std::uint32_t version_ = 0;
    std::uint32_t alignment_ = kDefaultAlignment;
    std::uint64_t data_offset_ = 0;
    Metadata metadata_;
    std::vector<TensorInfo> tensors_;
    std::unordered_map<std::string, std::size_t> tensor_index_;  // name -> position in tensors_
};

// The shape rules the reader enforces, shared with the writer so it never
// writes what the reader refuses. Every prefix product ne[0] * ... * ne[d]
// must stay below 2^63 (GGML counts elements in int64_t), and every byte
// stride row_bytes * ne[1] * ... * ne[d] must fit 64 bits, even when a later
// dimension is 0 (GGML computes those strides regardless).
enum class ShapeCheck { ok, not_whole_blocks, too_many_elements, too_many_bytes };
// On ok, *bytes is the tensor's byte size. `ne` holds n_dims entries (1..4).
ShapeCheck check_tensor_shape(const GgmlTypeInfo& type, const std::uint64_t* ne, std::size_t n_dims,
                              std::uint64_t* bytes) noexcept;

}  // namespace hipquant::gguf
