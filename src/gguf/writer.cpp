// GGUF v3 writer: serializes metadata, the tensor directory and aligned data.
#include "hipquant/gguf/writer.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

#include "hipquant/runtime/error.hpp"

namespace hipquant::gguf {

namespace {

class Out {
public:
    void u32(std::uint32_t v) { le(v, 4); }
    void u64(std::uint64_t v) { le(v, 8); }
    void le(std::uint64_t v, std::size_t width) {
        for (std::size_t b = 0; b < width; ++b) bytes.push_back(static_cast<std::uint8_t>(v >> (8 * b)));
    }
    void string(const std::string& s) {
        u64(s.size());
        bytes.insert(bytes.end(), s.begin(), s.end());
    }
    void raw(const std::uint8_t* p, std::size_t n) { bytes.insert(bytes.end(), p, p + n); }
    void pad_to(std::uint64_t alignment) {
        while (bytes.size() % alignment != 0) bytes.push_back(0);
    }
    std::vector<std::uint8_t> bytes;
};

// The value's payload, without its type id (arrays write their element type).
void write_value(Out& out, const Value& v) {
    switch (v.type()) {
    case ValueType::String: out.string(v.as_string()); return;
    case ValueType::Array: {
        out.u32(static_cast<std::uint32_t>(v.element_type()));
        out.u64(v.size());
        if (v.element_type() == ValueType::String) {
            for (const std::string& s : v.strings()) out.string(s);
        } else if (v.element_type() == ValueType::Array) {
            for (const Value& a : v.arrays()) write_value(out, a);
        } else {
            out.raw(v.raw().data(), v.raw().size());  // already little-endian
        }
        return;
    }
    // Floats by their bits: a trip through double would quiet signalling NaNs.
    case ValueType::Float32: out.u32(static_cast<std::uint32_t>(v.float_bits())); return;
    case ValueType::Float64: out.u64(v.float_bits()); return;
    case ValueType::Bool: out.le(v.as_bool() ? 1 : 0, 1); return;
    default:  // integers: the low bytes of the two's complement value
        out.le(is_signed_integer_type(v.type()) ? static_cast<std::uint64_t>(v.as_int()) : v.as_uint(),
               value_type_size(v.type()));
        return;
    }
}

// The GGML type `type` holds: a QuantType, or a TensorInfo's type, which may
// be one hipquant has no kernels for (copy_of re-encodes those too).
GgmlTypeInfo ggml_type_of(quant::QuantType type, const std::string& what) {
    const GgmlTypeInfo* info = ggml_type_info(static_cast<std::uint32_t>(type));
    HIPQUANT_REQUIRE(info, errc::invalid_value,
                     what + ": type id " + std::to_string(static_cast<std::uint32_t>(type)) +
                         " is no GGML type hipquant can size");
    return *info;
}

}  // namespace

std::uint64_t tensor_size_bytes(quant::QuantType type, const std::vector<std::uint64_t>& shape) {
    const GgmlTypeInfo info = ggml_type_of(type, "tensor_size_bytes");
    HIPQUANT_REQUIRE(!shape.empty() && shape.size() <= kMaxDims, errc::invalid_value,
                     "tensor_size_bytes: " + std::to_string(shape.size()) + " dimensions, not 1..4");
    std::uint64_t bytes = 0;
    switch (check_tensor_shape(info, shape.data(), shape.size(), &bytes)) {
    case ShapeCheck::ok: break;
    case ShapeCheck::not_whole_blocks:
        HIPQUANT_FAIL(errc::invalid_value, "tensor_size_bytes: " + std::to_string(shape[0]) +
                                               " columns is not whole " + info.name + " blocks of " +
                                               std::to_string(info.block_elems) + " values");
    case ShapeCheck::too_many_elements:
        HIPQUANT_FAIL(errc::invalid_value, "tensor_size_bytes: more than 2^63-1 elements");
    case ShapeCheck::too_many_bytes:
        HIPQUANT_FAIL(errc::invalid_value, "tensor_size_bytes: byte size overflows 64 bits");
    }
    return bytes;
}

GgufWriter::GgufWriter(std::uint32_t alignment) : alignment_(alignment) {
    HIPQUANT_REQUIRE(alignment != 0 && (alignment & (alignment - 1)) == 0, errc::invalid_value,
                     "GgufWriter: alignment " + std::to_string(alignment) + " is not a power of two");
}

GgufWriter GgufWriter::copy_of(const GgufFile& file) {
    GgufWriter w(file.alignment());
    w.metadata_ = file.metadata();
    for (const TensorInfo& t : file.tensors())
        w.add_tensor(t.name, t.type, std::vector<std::uint64_t>(t.ne.begin(), t.ne.begin() + t.n_dims), t.bytes());
    return w;
}

void GgufWriter::add_tensor(std::string name, quant::QuantType type, const std::vector<std::uint64_t>& shape,
                            ByteSpan data) {
    for (const Tensor& t : tensors_)
        HIPQUANT_REQUIRE(t.name != name, errc::invalid_value, "GgufWriter: duplicate tensor name '" + name + "'");
    HIPQUANT_REQUIRE(!shape.empty() && shape.size() <= kMaxDims, errc::invalid_value,
                     "GgufWriter: tensor '" + name + "' has " + std::to_string(shape.size()) +
                         " dimensions, not 1..4");
    const GgmlTypeInfo info = ggml_type_of(type, "GgufWriter: tensor '" + name + "'");
    HIPQUANT_REQUIRE(shape[0] % info.block_elems == 0, errc::invalid_value,
                     "GgufWriter: tensor '" + name + "': " + std::to_string(shape[0]) + " columns is not whole " +
                         info.name + " blocks of " + std::to_string(info.block_elems) + " values");
    const std::uint64_t bytes = tensor_size_bytes(type, shape);
    HIPQUANT_REQUIRE(data.size() == bytes, errc::invalid_value,
                     "GgufWriter: tensor '" + name + "' (" + info.name + ") needs " +
                         std::to_string(bytes) + " bytes, got " + std::to_string(data.size()));
    tensors_.push_back(Tensor{std::move(name), type, shape, std::vector<std::uint8_t>(data.begin(), data.end())});
}

std::vector<std::uint8_t> GgufWriter::to_bytes() const {
    // general.alignment is written when it is not the default, and must agree.
    Metadata meta = metadata_;
    if (const Value* a = meta.find(kAlignmentKey)) {
        HIPQUANT_REQUIRE(a->type() == ValueType::UInt32 && a->as_uint() == alignment_, errc::invalid_value,
                         "GgufWriter: metadata general.alignment is " + a->to_string() + " (" +
                             value_type_name(a->type()) + "), the writer's alignment is u32 " +
                             std::to_string(alignment_));
    } else if (alignment_ != kDefaultAlignment) {
        meta.add(kAlignmentKey, Value::u32(alignment_));
    }

    Out out;
    out.u32(kMagic);
    out.u32(3);  // version
    out.u64(tensors_.size());
    out.u64(meta.size());
    for (const auto& [key, value] : meta.entries()) {
        out.string(key);
        out.u32(static_cast<std::uint32_t>(value.type()));
        write_value(out, value);
    }
    std::uint64_t offset = 0;  // from the start of the data section, bytes
    std::vector<std::uint64_t> offsets;
    for (const Tensor& t : tensors_) {
        out.string(t.name);
        out.u32(static_cast<std::uint32_t>(t.shape.size()));
        for (const std::uint64_t n : t.shape) out.u64(n);
        out.u32(static_cast<std::uint32_t>(t.type));
        out.u64(offset);
        offsets.push_back(offset);
        offset = (offset + t.data.size() + alignment_ - 1) / alignment_ * alignment_;
    }
    // Without tensors there is no data section, so no padding: a file that
    // declares a huge alignment (up to 2^31) must not grow by it.
    if (tensors_.empty()) return std::move(out.bytes);
    out.pad_to(alignment_);
    const std::size_t data_start = out.bytes.size();
    for (std::size_t i = 0; i < tensors_.size(); ++i) {
        out.bytes.resize(data_start + offsets[i], 0);  // zero padding up to this tensor
        out.raw(tensors_[i].data.data(), tensors_[i].data.size());
    }
    // Pad the last tensor too, so concatenating or appending keeps alignment.
    out.pad_to(alignment_);
    return std::move(out.bytes);
}

void GgufWriter::write(const std::string& path) const {
    const std::vector<std::uint8_t> bytes = to_bytes();
    struct Closer {
        void operator()(std::FILE* f) const noexcept { std::fclose(f); }
    };
    std::unique_ptr<std::FILE, Closer> f(std::fopen(path.c_str(), "wb"));
    HIPQUANT_REQUIRE(f, errc::file_not_found,
                     "GgufWriter: cannot create '" + path + "': " + std::strerror(errno));
    const std::size_t n = std::fwrite(bytes.data(), 1, bytes.size(), f.get());
    const int close_rc = std::fclose(f.release());
    HIPQUANT_REQUIRE(n == bytes.size() && close_rc == 0, errc::file_not_found,
                     "GgufWriter: writing " + std::to_string(bytes.size()) + " bytes to '" + path +
                         "' failed: " + std::strerror(errno));
}

}  // namespace hipquant::gguf
