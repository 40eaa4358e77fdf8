// GGUF reader: the mapping, a bounds-checked cursor, and the parser that
// validates every count, length, id and offset before it is used.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <limits>
#include <utility>

#include "hipquant/gguf/gguf.hpp"
#include "hipquant/runtime/error.hpp"

namespace hipquant::gguf {

// --- ByteSpan / TensorInfo

ByteSpan ByteSpan::subspan(std::size_t offset, std::size_t count) const {
    HIPQUANT_REQUIRE(offset <= size_ && count <= size_ - offset, errc::invalid_value,
                     "ByteSpan::subspan: bytes [" + std::to_string(offset) + ", +" + std::to_string(count) +
                         ") are outside a span of " + std::to_string(size_) + " bytes");
    return {data_ + offset, count};
}

std::string TensorInfo::shape_string() const {
    std::string out = "[";
    for (std::uint32_t d = 0; d < n_dims && d < kMaxDims; ++d) {
        if (d) out += ", ";
        out += std::to_string(ne[d]);
    }
    return out + "]";
}

namespace {

// GGML's types in id order (ggml.h, ggml_type); the gaps 4, 5, 31..33 and
// 36..38 are types GGML removed, so files cannot hold them any more.
constexpr GgmlTypeInfo kGgmlTypes[] = {
    {0, "F32", 1, 4},          {1, "F16", 1, 2},         {2, "Q4_0", 32, 18},      {3, "Q4_1", 32, 20},
    {6, "Q5_0", 32, 22},       {7, "Q5_1", 32, 24},      {8, "Q8_0", 32, 34},      {9, "Q8_1", 32, 36},
    {10, "Q2_K", 256, 84},     {11, "Q3_K", 256, 110},   {12, "Q4_K", 256, 144},   {13, "Q5_K", 256, 176},
    {14, "Q6_K", 256, 210},    {15, "Q8_K", 256, 292},   {16, "IQ2_XXS", 256, 66}, {17, "IQ2_XS", 256, 74},
    {18, "IQ3_XXS", 256, 98},  {19, "IQ1_S", 256, 50},   {20, "IQ4_NL", 32, 18},   {21, "IQ3_S", 256, 110},
    {22, "IQ2_S", 256, 82},    {23, "IQ4_XS", 256, 136}, {24, "I8", 1, 1},         {25, "I16", 1, 2},
    {26, "I32", 1, 4},         {27, "I64", 1, 8},        {28, "F64", 1, 8},        {29, "IQ1_M", 256, 56},
    {30, "BF16", 1, 2},        {34, "TQ1_0", 256, 54},   {35, "TQ2_0", 256, 66},   {39, "MXFP4", 32, 17},
};

constexpr const GgmlTypeInfo* find_ggml_type(std::uint32_t id) noexcept {
    for (const GgmlTypeInfo& t : kGgmlTypes)
        if (t.id == id) return &t;
    return nullptr;
}

constexpr bool same_string(const char* a, const char* b) noexcept {
    while (*a != '\0' && *a == *b) ++a, ++b;
    return *a == *b;
}

// hipquant's types are GGML's: same id, name and block geometry.
constexpr bool quant_types_agree() noexcept {
    for (const quant::QuantTypeInfo& q : quant::kQuantTypes) {
        const GgmlTypeInfo* g = find_ggml_type(static_cast<std::uint32_t>(q.type));
        if (!g || !same_string(g->name, q.name) || g->block_elems != q.block_elems || g->block_bytes != q.block_bytes)
            return false;
    }
    return true;
}
static_assert(quant_types_agree(), "kGgmlTypes disagrees with the QuantType table (types.hpp)");

}  // namespace

const GgmlTypeInfo* ggml_type_info(std::uint32_t id) noexcept { return find_ggml_type(id); }

const char* ggml_type_name(std::uint32_t id) noexcept {
    const GgmlTypeInfo* t = find_ggml_type(id);
    return t ? t->name : nullptr;
}

const char* TensorInfo::type_name() const noexcept {
    const char* n = ggml_type_name(ggml_type());
    return n ? n : "unknown";  // only for a TensorInfo no reader made
}

bool TensorInfo::supported() const noexcept { return quant::find_quant_type(ggml_type()) != nullptr; }

quant::QuantType TensorInfo::quant_type() const {
    HIPQUANT_REQUIRE(supported(), errc::not_supported,
                     "tensor '" + name + "' has type " + type_name() + " (GGML type id " +
                         std::to_string(ggml_type()) + "), which hipquant has no kernels for");
    return type;
}

ShapeCheck check_tensor_shape(const GgmlTypeInfo& type, const std::uint64_t* ne, std::size_t n_dims,
                              std::uint64_t* bytes) noexcept {
    constexpr auto kMaxElements = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
    std::uint64_t elements = 1;
    for (std::size_t d = 0; d < n_dims; ++d)
        if (__builtin_mul_overflow(elements, ne[d], &elements) || elements > kMaxElements)
            return ShapeCheck::too_many_elements;
    if (ne[0] % type.block_elems != 0) return ShapeCheck::not_whole_blocks;
    std::uint64_t b = 0;
    if (__builtin_mul_overflow(ne[0] / type.block_elems, std::uint64_t{type.block_bytes}, &b))
        return ShapeCheck::too_many_bytes;
    for (std::size_t d = 1; d < n_dims; ++d)
        if (__builtin_mul_overflow(b, ne[d], &b)) return ShapeCheck::too_many_bytes;
    *bytes = b;
    return ShapeCheck::ok;
}

// --- the mapping

namespace detail {

// A whole file mapped read-only. Owns the mapping (munmap in the destructor);
// the descriptor is closed as soon as the map exists, since a map outlives it.
class MappedFile {
public:
    explicit MappedFile(const std::string& path) {
        const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
        HIPQUANT_REQUIRE(fd >= 0, errc::file_not_found,
                         "cannot open GGUF file '" + path + "': " + std::strerror(errno));
        struct stat st {};
        if (::fstat(fd, &st) != 0) {
            const int err = errno;
            ::close(fd);
            HIPQUANT_FAIL(errc::file_not_found, "cannot stat GGUF file '" + path + "': " + std::strerror(err));
        }
        if (!S_ISREG(st.st_mode)) {
            ::close(fd);
            HIPQUANT_FAIL(errc::file_not_found, "GGUF file '" + path + "' is not a regular file");
        }
        size_ = static_cast<std::size_t>(st.st_size);
        if (size_ > 0) {  // mmap of 0 bytes fails; an empty file parses as truncated
            void* p = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd, 0);
            if (p == MAP_FAILED) {
                const int err = errno;
                ::close(fd);
                HIPQUANT_FAIL(errc::file_not_found, "cannot map GGUF file '" + path + "' (" +
                                                        std::to_string(size_) + " bytes): " + std::strerror(err));
            }
            data_ = static_cast<const std::uint8_t*>(p);
        }
        ::close(fd);
    }
    ~MappedFile() {
        if (data_) ::munmap(const_cast<std::uint8_t*>(data_), size_);
    }
    // One owner per mapping: a copy would unmap twice.
    MappedFile(const MappedFile&) = delete;
    MappedFile& operator=(const MappedFile&) = delete;

    ByteSpan bytes() const noexcept { return {data_, size_}; }

private:
    const std::uint8_t* data_ = nullptr;
    std::size_t size_ = 0;
};

}  // namespace detail

// --- the parser

namespace {

std::string hex32(std::uint32_t v) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "0x%08" PRIx32, v);
    return buf;
}

std::uint32_t bswap32(std::uint32_t v) {
    return (v >> 24) | ((v >> 8) & 0xff00u) | ((v << 8) & 0xff0000u) | (v << 24);
}

// Reads little-endian fields from a span. Every read first checks that the
// bytes are there; nothing is dereferenced outside [0, size).
class Cursor {
public:
    Cursor(ByteSpan bytes, const std::string& name) : bytes_(bytes), name_(name) {}

    std::size_t pos() const noexcept { return pos_; }
    std::size_t left() const noexcept { return bytes_.size() - pos_; }
    std::size_t size() const noexcept { return bytes_.size(); }

    [[noreturn]] void fail(const std::string& what) const {
        HIPQUANT_FAIL(errc::invalid_value, "GGUF '" + name_ + "': " + what);
    }

    // `what` is a callable giving the field's description, built only on failure.
    template <typename What>
    void need(std::uint64_t n, const What& what) const {
        if (n > left())
            fail("truncated: " + what() + " at byte offset " + std::to_string(pos_) + " needs " +
                 std::to_string(n) + " bytes, " + std::to_string(left()) + " left");
    }

    template <typename What>
    std::uint64_t uint(std::size_t width, const What& what) {
        need(width, what);
        std::uint64_t v = 0;
        for (std::size_t b = 0; b < width; ++b) v |= std::uint64_t{bytes_[pos_ + b]} << (8 * b);
        pos_ += width;
        return v;
    }
    template <typename What>
    std::uint32_t u32(const What& what) { return static_cast<std::uint32_t>(uint(4, what)); }
    template <typename What>
    std::uint64_t u64(const What& what) { return uint(8, what); }

    // A GGUF string: u64 byte length, then the bytes (no terminator).
    template <typename What>
    std::string string(const What& what) {
        const std::size_t at = pos_;
        const std::uint64_t len = u64([&] { return "length of " + what(); });
        if (len > left())
            fail(what() + ": string length " + std::to_string(len) + " at byte offset " + std::to_string(at) +
                 " runs past the end of the file (" + std::to_string(left()) + " bytes left)");
        std::string s(reinterpret_cast<const char*>(bytes_.data() + pos_), static_cast<std::size_t>(len));
        pos_ += static_cast<std::size_t>(len);
        return s;
    }

    // Copies n bytes (already checked by the caller with need()).
    std::vector<std::uint8_t> take(std::size_t n) {
        std::vector<std::uint8_t> v(bytes_.data() + pos_, bytes_.data() + pos_ + n);
        pos_ += n;
        return v;
    }
    std::uint8_t byte_at(std::size_t i) const noexcept { return bytes_[i]; }

    void seek(std::size_t p) noexcept { pos_ = p; }

private:
    ByteSpan bytes_;
    std::size_t pos_ = 0;
    const std::string& name_;
};

// Reads one metadata value of type `type` for key `key` (for messages).
Value read_value(Cursor& c, const std::string& key, ValueType type, int depth);

Value read_array(Cursor& c, const std::string& key, int depth) {
    const std::size_t at = c.pos();
    if (depth >= kMaxArrayDepth)
        c.fail("metadata '" + key + "': arrays nested deeper than " + std::to_string(kMaxArrayDepth) +
               " levels at byte offset " + std::to_string(at));
    const std::uint32_t elem_id = c.u32([&] { return "element type of array '" + key + "'"; });
    if (!is_valid_value_type(elem_id))
        c.fail("metadata '" + key + "': unknown array element type id " + std::to_string(elem_id) +
               " at byte offset " + std::to_string(at));
    const auto elem = static_cast<ValueType>(elem_id);
    const std::size_t count_at = c.pos();
    const std::uint64_t count = c.u64([&] { return "element count of array '" + key + "'"; });
    // Smallest encoding of one element: its fixed size, a string's 8-byte
    // length, or a nested array's 4-byte type + 8-byte count. Refusing counts
    // the remaining bytes cannot hold bounds every allocation below by the file size.
    const std::size_t width = value_type_size(elem);
    const std::uint64_t min_elem = width ? width : elem == ValueType::String ? 8 : 12;
    if (count > c.left() / min_elem)
        c.fail("metadata '" + key + "': array of " + std::to_string(count) + " " + value_type_name(elem) +
               " elements at byte offset " + std::to_string(count_at) +
               " runs past the end of the file (" + std::to_string(c.left()) + " bytes left, at least " +
               std::to_string(min_elem) + " per element)");
    const auto n = static_cast<std::size_t>(count);
    if (width) {
        const std::size_t start = c.pos();
        if (elem == ValueType::Bool) {
            for (std::size_t i = 0; i < n; ++i) {
                const std::uint8_t b = c.byte_at(start + i);
                if (b > 1)
                    c.fail("metadata '" + key + "': bool element " + std::to_string(i) + " is " +
                           std::to_string(b) + " at byte offset " + std::to_string(start + i) +
                           ", neither 0 nor 1");
            }
        }
        return Value::array_from_raw(elem, c.take(n * width));
    }
    if (elem == ValueType::String) {
        std::vector<std::string> strings;
        strings.reserve(n);
        for (std::size_t i = 0; i < n; ++i)
            strings.push_back(c.string([&] { return "element " + std::to_string(i) + " of array '" + key + "'"; }));
        return Value::array(std::move(strings));
    }
    std::vector<Value> arrays;
    arrays.reserve(n);
    for (std::size_t i = 0; i < n; ++i) arrays.push_back(read_value(c, key, ValueType::Array, depth + 1));
    return Value::array(ValueType::Array, arrays);
}

Value read_value(Cursor& c, const std::string& key, ValueType type, int depth) {
    const auto what = [&] { return std::string(value_type_name(type)) + " value of '" + key + "'"; };
    switch (type) {
    case ValueType::UInt8: return Value::u8(static_cast<std::uint8_t>(c.uint(1, what)));
    case ValueType::Int8: return Value::i8(static_cast<std::int8_t>(c.uint(1, what)));
    case ValueType::UInt16: return Value::u16(static_cast<std::uint16_t>(c.uint(2, what)));
    case ValueType::Int16: return Value::i16(static_cast<std::int16_t>(c.uint(2, what)));
    case ValueType::UInt32: return Value::u32(c.u32(what));
    case ValueType::Int32: return Value::i32(static_cast<std::int32_t>(c.u32(what)));
    case ValueType::UInt64: return Value::u64(c.u64(what));
    case ValueType::Int64: return Value::i64(static_cast<std::int64_t>(c.u64(what)));
    case ValueType::Float32: return Value::f32_from_bits(c.u32(what));
    case ValueType::Float64: return Value::f64_from_bits(c.u64(what));
    case ValueType::Bool: {
        const std::size_t at = c.pos();
        const std::uint64_t b = c.uint(1, what);
        if (b > 1)
            c.fail("metadata '" + key + "': bool byte " + std::to_string(b) + " at byte offset " +
                   std::to_string(at) + " is neither 0 nor 1");
        return Value::boolean(b != 0);
    }
    case ValueType::String: return Value::string(c.string(what));
    case ValueType::Array: return read_array(c, key, depth);
    }
    c.fail("metadata '" + key + "': unknown value type id " + std::to_string(static_cast<std::uint32_t>(type)));
}

bool add_u64(std::uint64_t a, std::uint64_t b, std::uint64_t& out) { return !__builtin_add_overflow(a, b, &out); }

}  // namespace

GgufFile::GgufFile(GgufFile&&) noexcept = default;
GgufFile& GgufFile::operator=(GgufFile&&) noexcept = default;
GgufFile::~GgufFile() = default;

GgufFile GgufFile::open(const std::string& path) {
    GgufFile f;
    f.name_ = path;
    f.mapping_ = std::make_unique<detail::MappedFile>(path);
    f.bytes_ = f.mapping_->bytes();
    f.parse();
    return f;
}

GgufFile GgufFile::from_memory(const void* data, std::size_t size, std::string name) {
    HIPQUANT_REQUIRE(data != nullptr || size == 0, errc::invalid_value,
                     "GgufFile::from_memory: null data with size " + std::to_string(size));
    GgufFile f;
    f.name_ = std::move(name);
    f.bytes_ = ByteSpan(static_cast<const std::uint8_t*>(data), size);
    f.parse();
    return f;
}

void GgufFile::parse() {
    Cursor c(bytes_, name_);

    // Header: magic, version, tensor count, metadata count.
    const std::uint32_t magic = c.u32([] { return std::string("magic"); });
    if (magic != kMagic)
        c.fail("not a GGUF file: magic at byte offset 0 is " + hex32(magic) + " (expected " + hex32(kMagic) +
               ", \"GGUF\")");
    version_ = c.u32([] { return std::string("version"); });
    if (version_ != 2 && version_ != 3) {
        const std::uint32_t swapped = bswap32(version_);
        if (swapped == 2 || swapped == 3)
            c.fail("big-endian GGUF (version " + std::to_string(swapped) +
                   " byte-swapped at byte offset 4) is not supported");
        c.fail("unsupported GGUF version " + std::to_string(version_) +
               " at byte offset 4 (hipquant reads versions 2 and 3)");
    }
    const std::uint64_t n_tensors = c.u64([] { return std::string("tensor count"); });
    const std::uint64_t n_kv = c.u64([] { return std::string("metadata count"); });
    // Each metadata entry takes at least 13 bytes (8 key length, 4 type, 1
    // value) and each tensor entry 32 (8 name length, 4 n_dims, 8 dim, 4 type,
    // 8 offset): counts the file cannot hold are refused before any allocation.
    constexpr std::uint64_t kMinKv = 13, kMinTensor = 32;
    if (n_kv > c.left() / kMinKv)
        c.fail("metadata count " + std::to_string(n_kv) + " at byte offset 16 cannot fit in the " +
               std::to_string(c.left()) + " bytes left (at least " + std::to_string(kMinKv) + " per entry)");
    if (n_tensors > (c.left() - n_kv * kMinKv) / kMinTensor)
        c.fail("tensor count " + std::to_string(n_tensors) + " at byte offset 8 cannot fit in the " +
               std::to_string(c.left()) + " bytes left (at least " + std::to_string(kMinTensor) +
               " per tensor entry)");

    // Metadata.
    for (std::uint64_t i = 0; i < n_kv; ++i) {
        const std::size_t key_at = c.pos();
        std::string key = c.string([&] { return "key of metadata entry " + std::to_string(i); });
        if (metadata_.contains(key))
            c.fail("duplicate metadata key '" + key + "' at byte offset " + std::to_string(key_at));
        const std::size_t type_at = c.pos();
        const std::uint32_t type_id = c.u32([&] { return "value type of '" + key + "'"; });
        if (!is_valid_value_type(type_id))
            c.fail("metadata '" + key + "': unknown value type id " + std::to_string(type_id) +
                   " at byte offset " + std::to_string(type_at));
        Value v = read_value(c, key, static_cast<ValueType>(type_id), 0);
        metadata_.add(std::move(key), std::move(v));
    }

    // general.alignment: a u32 power of two (the spec's type; 0 would divide by zero).
    alignment_ = kDefaultAlignment;
    if (const Value* a = metadata_.find(kAlignmentKey)) {
        if (a->type() != ValueType::UInt32)
            c.fail(std::string(kAlignmentKey) + " has type " + value_type_name(a->type()) + ", expected u32");
        const std::uint64_t v = a->as_uint();
        if (v == 0 || (v & (v - 1)) != 0)
            c.fail(std::string(kAlignmentKey) + " is " + std::to_string(v) + ", not a power of two");
        alignment_ = static_cast<std::uint32_t>(v);
    }

    // Tensor directory.
    tensors_.reserve(static_cast<std::size_t>(n_tensors));
    for (std::uint64_t i = 0; i < n_tensors; ++i) {
        TensorInfo t;
        const std::size_t name_at = c.pos();
        t.name = c.string([&] { return "name of tensor " + std::to_string(i); });
        if (tensor_index_.count(t.name))
            c.fail("duplicate tensor name '" + t.name + "' at byte offset " + std::to_string(name_at));
        const std::string& nm = t.name;
        const std::size_t dims_at = c.pos();
        t.n_dims = c.u32([&] { return "n_dims of tensor '" + nm + "'"; });
        if (t.n_dims < 1 || t.n_dims > kMaxDims)
            c.fail("tensor '" + nm + "': n_dims " + std::to_string(t.n_dims) + " at byte offset " +
                   std::to_string(dims_at) + " is outside 1..4");
        for (std::uint32_t d = 0; d < t.n_dims; ++d)
            t.ne[d] = c.u64([&] { return "dimension " + std::to_string(d) + " of tensor '" + nm + "'"; });
        const std::size_t type_at = c.pos();
        const std::uint32_t type_id = c.u32([&] { return "type of tensor '" + nm + "'"; });
        const GgmlTypeInfo* info = ggml_type_info(type_id);
        if (!info)
            c.fail("tensor '" + nm + "': unknown type id " + std::to_string(type_id) + " at byte offset " +
                   std::to_string(type_at));
        t.type = static_cast<quant::QuantType>(type_id);  // may be a type hipquant lacks: TensorInfo::supported()
        switch (check_tensor_shape(*info, t.ne.data(), t.n_dims, &t.n_bytes)) {
        case ShapeCheck::ok: break;
        case ShapeCheck::too_many_elements:
            c.fail("tensor '" + nm + "': element count " + t.shape_string() +
                   " overflows (more than 2^63-1 elements)");
        case ShapeCheck::not_whole_blocks:
            c.fail("tensor '" + nm + "': " + std::to_string(t.ne[0]) + " columns is not whole " + info->name +
                   " blocks of " + std::to_string(info->block_elems) + " values");
        case ShapeCheck::too_many_bytes:
            c.fail("tensor '" + nm + "': byte size of " + t.shape_string() + " " + info->name +
                   " overflows 64 bits");
        }
        const std::size_t offset_at = c.pos();
        t.offset = c.u64([&] { return "data offset of tensor '" + nm + "'"; });
        if (t.offset % alignment_ != 0)
            c.fail("tensor '" + nm + "': data offset " + std::to_string(t.offset) + " at byte offset " +
                   std::to_string(offset_at) + " is not a multiple of the alignment " + std::to_string(alignment_));
        tensor_index_.emplace(t.name, tensors_.size());
        tensors_.push_back(std::move(t));
    }

    // Data section: the next multiple of the alignment after the directory.
    // Its position is at most file size + alignment, far from overflowing.
    data_offset_ = (std::uint64_t{c.pos()} + alignment_ - 1) / alignment_ * alignment_;

    // Each tensor inside the file...
    for (TensorInfo& t : tensors_) {
        std::uint64_t end = 0;
        if (!add_u64(data_offset_, t.offset, t.file_offset) || !add_u64(t.file_offset, t.n_bytes, end) ||
            end > bytes_.size())
            c.fail("tensor '" + t.name + "': bytes [" + std::to_string(data_offset_) + " + " +
                   std::to_string(t.offset) + ", +" + std::to_string(t.n_bytes) +
                   ") run past the end of the file (" + std::to_string(bytes_.size()) + " bytes)");
        t.data = bytes_.data() + t.file_offset;
    }
    // ...and no two overlapping (sorted by start, each must end before the next starts).
    std::vector<const TensorInfo*> by_offset;
    by_offset.reserve(tensors_.size());
    for (const TensorInfo& t : tensors_) by_offset.push_back(&t);
    std::sort(by_offset.begin(), by_offset.end(),
              [](const TensorInfo* a, const TensorInfo* b) { return a->offset < b->offset; });
    // Empty tensors occupy no bytes and cannot overlap anything.
    const TensorInfo* prev = nullptr;
    for (const TensorInfo* t : by_offset) {
        if (t->n_bytes == 0) continue;
        if (prev && prev->offset + prev->n_bytes > t->offset)
            c.fail("tensors '" + prev->name + "' (data bytes [" + std::to_string(prev->offset) + ", " +
                   std::to_string(prev->offset + prev->n_bytes) + ")) and '" + t->name + "' (data bytes [" +
                   std::to_string(t->offset) + ", " + std::to_string(t->offset + t->n_bytes) + ")) overlap");
        prev = t;
    }
}

const TensorInfo* GgufFile::find_tensor(std::string_view name) const {
    const auto it = tensor_index_.find(std::string(name));
    return it == tensor_index_.end() ? nullptr : &tensors_[it->second];
}

const TensorInfo& GgufFile::tensor(std::string_view name) const {
    const TensorInfo* t = find_tensor(name);
    HIPQUANT_REQUIRE(t, errc::not_found,
                     "GGUF '" + name_ + "': tensor '" + std::string(name) + "' not found (" +
                         std::to_string(tensors_.size()) + " tensors)");
    return *t;
}

}  // namespace hipquant::gguf
