// GGUF metadata values and the Metadata table.
#include "hipquant/gguf/value.hpp"

#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <limits>

#include "hipquant/runtime/error.hpp"

namespace hipquant::gguf {

const char* value_type_name(ValueType type) noexcept {
    switch (type) {
    case ValueType::UInt8: return "u8";
    case ValueType::Int8: return "i8";
    case ValueType::UInt16: return "u16";
    case ValueType::Int16: return "i16";
    case ValueType::UInt32: return "u32";
    case ValueType::Int32: return "i32";
    case ValueType::Float32: return "f32";
    case ValueType::Bool: return "bool";
    case ValueType::String: return "string";
    case ValueType::Array: return "array";
    case ValueType::UInt64: return "u64";
    case ValueType::Int64: return "i64";
    case ValueType::Float64: return "f64";
    }
    return "?";
}

bool is_valid_value_type(std::uint32_t id) noexcept { return id <= 12; }

std::size_t value_type_size(ValueType type) noexcept {
    switch (type) {
    case ValueType::UInt8:
    case ValueType::Int8:
    case ValueType::Bool: return 1;
    case ValueType::UInt16:
    case ValueType::Int16: return 2;
    case ValueType::UInt32:
    case ValueType::Int32:
    case ValueType::Float32: return 4;
    case ValueType::UInt64:
    case ValueType::Int64:
    case ValueType::Float64: return 8;
    case ValueType::String:
    case ValueType::Array: return 0;
    }
    return 0;
}

bool is_integer_type(ValueType type) noexcept {
    switch (type) {
    case ValueType::UInt8:
    case ValueType::Int8:
    case ValueType::UInt16:
    case ValueType::Int16:
    case ValueType::UInt32:
    case ValueType::Int32:
    case ValueType::UInt64:
    case ValueType::Int64: return true;
    default: return false;
    }
}

bool is_signed_integer_type(ValueType type) noexcept {
    return type == ValueType::Int8 || type == ValueType::Int16 || type == ValueType::Int32 ||
           type == ValueType::Int64;
}

bool is_float_type(ValueType type) noexcept {
    return type == ValueType::Float32 || type == ValueType::Float64;
}

namespace {

std::uint64_t f32_bits(float f) {
    std::uint32_t u;
    std::memcpy(&u, &f, sizeof u);
    return u;
}

std::uint64_t f64_bits(double f) {
    std::uint64_t u;
    std::memcpy(&u, &f, sizeof u);
    return u;
}

double bits_to_double(ValueType type, std::uint64_t bits) {
    if (type == ValueType::Float32) {
        const auto u = static_cast<std::uint32_t>(bits);
        float f;
        std::memcpy(&f, &u, sizeof f);
        return f;
    }
    double d;
    std::memcpy(&d, &bits, sizeof d);
    return d;
}

// Sign-extends the low `bytes` bytes of `bits` when `type` is signed.
std::uint64_t extend(ValueType type, std::uint64_t bits, std::size_t bytes) {
    if (bytes >= 8 || !is_signed_integer_type(type)) return bits;
    const unsigned shift = static_cast<unsigned>(64 - 8 * bytes);
    return static_cast<std::uint64_t>(static_cast<std::int64_t>(bits << shift) >> shift);
}

[[noreturn]] void wrong_type(const char* wanted, ValueType have) {
    HIPQUANT_FAIL(errc::invalid_value, std::string("GGUF value: wanted ") + wanted + ", the value is " +
                                           value_type_name(have));
}

void append_quoted(std::string& out, const std::string& s) {
    out += '"';
    for (const char c : s) {
        const auto u = static_cast<unsigned char>(c);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (c == '\n') {
            out += "\\n";
        } else if (u < 0x20 || u == 0x7f) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\x%02x", u);
            out += buf;
        } else {
            out += c;
        }
    }
    out += '"';
}

}  // namespace

Value Value::scalar(ValueType type, std::uint64_t bits) {
    Value v;
    v.type_ = type;
    v.bits_ = bits;
    return v;
}

Value Value::u8(std::uint8_t v) { return scalar(ValueType::UInt8, v); }
Value Value::i8(std::int8_t v) { return scalar(ValueType::Int8, static_cast<std::uint64_t>(std::int64_t{v})); }
Value Value::u16(std::uint16_t v) { return scalar(ValueType::UInt16, v); }
Value Value::i16(std::int16_t v) { return scalar(ValueType::Int16, static_cast<std::uint64_t>(std::int64_t{v})); }
Value Value::u32(std::uint32_t v) { return scalar(ValueType::UInt32, v); }
Value Value::i32(std::int32_t v) { return scalar(ValueType::Int32, static_cast<std::uint64_t>(std::int64_t{v})); }
Value Value::u64(std::uint64_t v) { return scalar(ValueType::UInt64, v); }
Value Value::i64(std::int64_t v) { return scalar(ValueType::Int64, static_cast<std::uint64_t>(v)); }
Value Value::f32(float v) { return scalar(ValueType::Float32, f32_bits(v)); }
Value Value::f64(double v) { return scalar(ValueType::Float64, f64_bits(v)); }
Value Value::f32_from_bits(std::uint32_t bits) { return scalar(ValueType::Float32, bits); }
Value Value::f64_from_bits(std::uint64_t bits) { return scalar(ValueType::Float64, bits); }
Value Value::boolean(bool v) { return scalar(ValueType::Bool, v ? 1u : 0u); }

Value Value::string(std::string v) {
    Value out;
    out.type_ = ValueType::String;
    out.string_ = std::move(v);
    return out;
}

Value Value::array(ValueType element_type, const std::vector<Value>& elements) {
    HIPQUANT_REQUIRE(is_valid_value_type(static_cast<std::uint32_t>(element_type)), errc::invalid_value,
                     "GGUF array: element type id " +
                         std::to_string(static_cast<std::uint32_t>(element_type)) + " is not a GGUF type");
    Value out;
    out.type_ = ValueType::Array;
    out.element_type_ = element_type;
    const std::size_t width = value_type_size(element_type);
    for (std::size_t i = 0; i < elements.size(); ++i) {
        const Value& e = elements[i];
        HIPQUANT_REQUIRE(e.type_ == element_type, errc::invalid_value,
                         std::string("GGUF array of ") + value_type_name(element_type) + ": element " +
                             std::to_string(i) + " is " + value_type_name(e.type_));
        if (element_type == ValueType::String) {
            out.strings_.push_back(e.string_);
        } else if (element_type == ValueType::Array) {
            out.arrays_.push_back(e);
        } else {
            for (std::size_t b = 0; b < width; ++b)  // little-endian, as in the file
                out.raw_.push_back(static_cast<std::uint8_t>(e.bits_ >> (8 * b)));
        }
    }
    return out;
}

Value Value::array(std::vector<std::string> elements) {
    Value out;
    out.type_ = ValueType::Array;
    out.element_type_ = ValueType::String;
    out.strings_ = std::move(elements);
    return out;
}

namespace {
template <typename T>
std::vector<std::uint8_t> le_bytes(const std::vector<T>& v, std::size_t width) {
    std::vector<std::uint8_t> out;
    out.reserve(v.size() * width);
    for (const T& x : v) {
        std::uint64_t bits = 0;
        if constexpr (std::is_same_v<T, float>) {
            bits = f32_bits(x);
        } else {
            bits = static_cast<std::uint64_t>(x);
        }
        for (std::size_t b = 0; b < width; ++b) out.push_back(static_cast<std::uint8_t>(bits >> (8 * b)));
    }
    return out;
}
}  // namespace

Value Value::array_u32(const std::vector<std::uint32_t>& e) { return array_from_raw(ValueType::UInt32, le_bytes(e, 4)); }
Value Value::array_i32(const std::vector<std::int32_t>& e) { return array_from_raw(ValueType::Int32, le_bytes(e, 4)); }
Value Value::array_u64(const std::vector<std::uint64_t>& e) { return array_from_raw(ValueType::UInt64, le_bytes(e, 8)); }
Value Value::array_f32(const std::vector<float>& e) { return array_from_raw(ValueType::Float32, le_bytes(e, 4)); }

Value Value::array_from_raw(ValueType element_type, std::vector<std::uint8_t> bytes) {
    const std::size_t width = value_type_size(element_type);
    HIPQUANT_REQUIRE(width != 0, errc::invalid_value,
                     std::string("GGUF array_from_raw: element type ") + value_type_name(element_type) +
                         " has no fixed size");
    HIPQUANT_REQUIRE(bytes.size() % width == 0, errc::invalid_value,
                     "GGUF array_from_raw: " + std::to_string(bytes.size()) + " bytes is not a multiple of " +
                         std::to_string(width) + "-byte " + value_type_name(element_type) + " elements");
    Value out;
    out.type_ = ValueType::Array;
    out.element_type_ = element_type;
    out.raw_ = std::move(bytes);
    return out;
}

std::uint64_t Value::as_uint() const {
    if (!is_integer()) wrong_type("an unsigned integer", type_);
    HIPQUANT_REQUIRE(!is_signed_integer_type(type_) || static_cast<std::int64_t>(bits_) >= 0,
                     errc::invalid_value,
                     "GGUF value: wanted an unsigned integer, the value is " +
                         std::to_string(static_cast<std::int64_t>(bits_)));
    return bits_;
}

std::int64_t Value::as_int() const {
    if (!is_integer()) wrong_type("a signed integer", type_);
    HIPQUANT_REQUIRE(is_signed_integer_type(type_) ||
                         bits_ <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()),
                     errc::invalid_value,
                     "GGUF value: " + std::to_string(bits_) + " does not fit a signed 64-bit integer");
    return static_cast<std::int64_t>(bits_);
}

double Value::as_float() const {
    if (!is_float()) wrong_type("a float (f32 or f64)", type_);
    return bits_to_double(type_, bits_);
}

std::uint64_t Value::float_bits() const {
    if (!is_float()) wrong_type("a float (f32 or f64)", type_);
    return bits_;
}

bool Value::as_bool() const {
    if (type_ != ValueType::Bool) wrong_type("a bool", type_);
    return bits_ != 0;
}

const std::string& Value::as_string() const {
    if (type_ != ValueType::String) wrong_type("a string", type_);
    return string_;
}

ValueType Value::element_type() const {
    if (!is_array()) wrong_type("an array", type_);
    return element_type_;
}

std::size_t Value::size() const {
    if (!is_array()) wrong_type("an array", type_);
    if (element_type_ == ValueType::String) return strings_.size();
    if (element_type_ == ValueType::Array) return arrays_.size();
    return raw_.size() / value_type_size(element_type_);
}

std::uint64_t Value::raw_element_bits(std::size_t i) const {
    const std::size_t width = value_type_size(element_type_);
    std::uint64_t bits = 0;
    for (std::size_t b = 0; b < width; ++b) bits |= std::uint64_t{raw_[i * width + b]} << (8 * b);
    return extend(element_type_, bits, width);
}

Value Value::at(std::size_t i) const {
    const std::size_t n = size();
    HIPQUANT_REQUIRE(i < n, errc::invalid_value,
                     "GGUF array: index " + std::to_string(i) + " is past its " + std::to_string(n) +
                         " elements");
    if (element_type_ == ValueType::String) return string(strings_[i]);
    if (element_type_ == ValueType::Array) return arrays_[i];
    return scalar(element_type_, raw_element_bits(i));
}

const std::vector<std::string>& Value::strings() const {
    if (element_type() != ValueType::String) wrong_type("an array of strings", element_type_);
    return strings_;
}

const std::vector<Value>& Value::arrays() const {
    if (element_type() != ValueType::Array) wrong_type("an array of arrays", element_type_);
    return arrays_;
}

const std::vector<std::uint8_t>& Value::raw() const {
    if (value_type_size(element_type()) == 0) wrong_type("an array of fixed-size scalars", element_type_);
    return raw_;
}

std::vector<std::int64_t> Value::to_ints() const {
    std::vector<std::int64_t> out;
    if (!is_integer_type(element_type())) wrong_type("an array of integers", element_type_);
    const std::size_t n = size();
    out.reserve(n);
    for (std::size_t i = 0; i < n; ++i) out.push_back(scalar(element_type_, raw_element_bits(i)).as_int());
    return out;
}

std::vector<double> Value::to_floats() const {
    std::vector<double> out;
    if (!is_float_type(element_type())) wrong_type("an array of floats", element_type_);
    const std::size_t n = size();
    out.reserve(n);
    for (std::size_t i = 0; i < n; ++i) out.push_back(bits_to_double(element_type_, raw_element_bits(i)));
    return out;
}

std::string Value::to_string(std::size_t max_elements) const {
    char buf[64];
    switch (type_) {
    case ValueType::Bool: return bits_ ? "true" : "false";
    case ValueType::String: {
        std::string out;
        append_quoted(out, string_);
        return out;
    }
    case ValueType::Float32:
        std::snprintf(buf, sizeof buf, "%.9g", bits_to_double(type_, bits_));
        return buf;
    case ValueType::Float64:
        std::snprintf(buf, sizeof buf, "%.17g", bits_to_double(type_, bits_));
        return buf;
    case ValueType::Array: {
        const std::size_t n = size();
        const std::size_t shown = max_elements == 0 || n <= max_elements ? n : max_elements;
        std::string out = "[";
        for (std::size_t i = 0; i < shown; ++i) {
            if (i) out += ", ";
            if (element_type_ == ValueType::Array) {
                out += arrays_[i].to_string(max_elements);
            } else if (element_type_ == ValueType::String) {
                append_quoted(out, strings_[i]);
            } else {
                out += scalar(element_type_, raw_element_bits(i)).to_string();
            }
        }
        if (shown < n) out += ", ... (" + std::to_string(n) + " total)";
        return out + "]";
    }
    default:
        if (is_signed_integer_type(type_)) return std::to_string(static_cast<std::int64_t>(bits_));
        return std::to_string(bits_);
    }
}

bool operator==(const Value& a, const Value& b) {
    if (a.type_ != b.type_) return false;
    if (a.type_ == ValueType::String) return a.string_ == b.string_;
    if (a.type_ != ValueType::Array) return a.bits_ == b.bits_;
    return a.element_type_ == b.element_type_ && a.raw_ == b.raw_ && a.strings_ == b.strings_ &&
           a.arrays_ == b.arrays_;
}

// --- Metadata

void Metadata::add(std::string key, Value value) {
    HIPQUANT_REQUIRE(index_.find(key) == index_.end(), errc::invalid_value,
                     "GGUF metadata: duplicate key '" + key + "'");
    index_.emplace(key, entries_.size());
    entries_.emplace_back(std::move(key), std::move(value));
}

void Metadata::set(std::string key, Value value) {
    const auto it = index_.find(key);
    if (it != index_.end()) {
        entries_[it->second].second = std::move(value);
        return;
    }
    add(std::move(key), std::move(value));
}

bool Metadata::remove(std::string_view key) {
    const auto it = index_.find(std::string(key));
    if (it == index_.end()) return false;
    entries_.erase(entries_.begin() + static_cast<std::ptrdiff_t>(it->second));
    index_.clear();
    for (std::size_t i = 0; i < entries_.size(); ++i) index_.emplace(entries_[i].first, i);
    return true;
}

const Value* Metadata::find(std::string_view key) const {
    const auto it = index_.find(std::string(key));
    return it == index_.end() ? nullptr : &entries_[it->second].second;
}

const Value& Metadata::at(std::string_view key) const {
    const Value* v = find(key);
    HIPQUANT_REQUIRE(v, errc::not_found, "GGUF metadata: no key '" + std::string(key) + "'");
    return *v;
}

namespace {
template <typename F>
auto keyed(std::string_view key, const Value& v, F&& get) -> decltype(get(v)) {
    try {
        return get(v);
    } catch (const Error& e) {
        // Re-throw with the key, which the Value does not know; drop the
        // inner " [file:line]" so the message carries one location.
        std::string inner = e.what();
        const std::size_t at = inner.rfind(" [");
        if (at != std::string::npos) inner.resize(at);
        HIPQUANT_FAIL(e.code(), "GGUF metadata '" + std::string(key) + "': " + inner);
    }
}
}  // namespace

std::uint64_t Metadata::get_uint(std::string_view key) const {
    return keyed(key, at(key), [](const Value& v) { return v.as_uint(); });
}
std::int64_t Metadata::get_int(std::string_view key) const {
    return keyed(key, at(key), [](const Value& v) { return v.as_int(); });
}
double Metadata::get_float(std::string_view key) const {
    return keyed(key, at(key), [](const Value& v) { return v.as_float(); });
}
bool Metadata::get_bool(std::string_view key) const {
    return keyed(key, at(key), [](const Value& v) { return v.as_bool(); });
}
const std::string& Metadata::get_string(std::string_view key) const {
    return keyed(key, at(key), [](const Value& v) -> const std::string& { return v.as_string(); });
}

}  // namespace hipquant::gguf
