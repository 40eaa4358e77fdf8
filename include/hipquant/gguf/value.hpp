// GGUF metadata: the value types of the format, an owned Value, and the ordered
// key -> Value table (Metadata) shared by the reader and the writer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace hipquant::gguf {

// Metadata value type ids, numbered as the GGUF format stores them (u32).
enum class ValueType : std::uint32_t {
    UInt8 = 0,
    Int8 = 1,
    UInt16 = 2,
    Int16 = 3,
    UInt32 = 4,
    Int32 = 5,
    Float32 = 6,
    Bool = 7,
    String = 8,
    Array = 9,
    UInt64 = 10,
    Int64 = 11,
    Float64 = 12,
};

// "u8", "i32", "f32", "bool", "string", "array"...; "?" for ids outside the enum.
const char* value_type_name(ValueType type) noexcept;
// True for the ids 0..12 above.
bool is_valid_value_type(std::uint32_t id) noexcept;
// Bytes one value takes in the file for the fixed-size types (u8..f64, bool);
// 0 for String and Array, whose size depends on their contents.
std::size_t value_type_size(ValueType type) noexcept;
bool is_integer_type(ValueType type) noexcept;
bool is_signed_integer_type(ValueType type) noexcept;
bool is_float_type(ValueType type) noexcept;

// One metadata value: a scalar, a string, or an array of any of these
// (arrays of arrays included). Owns its contents, so it outlives the file it
// came from. Arrays of fixed-size scalars keep the file's little-endian bytes
// (one byte per u8, four per f32...) rather than one Value per element, so a
// tokenizer's 150k scores cost 600 KB, not 150k objects.
class Value {
public:
    Value() = default;  // a u8 zero; real values come from the factories below

    static Value u8(std::uint8_t v);
    static Value i8(std::int8_t v);
    static Value u16(std::uint16_t v);
    static Value i16(std::int16_t v);
    static Value u32(std::uint32_t v);
    static Value i32(std::int32_t v);
    static Value u64(std::uint64_t v);
    static Value i64(std::int64_t v);
    static Value f32(float v);
    static Value f64(double v);
    // Floats from their IEEE bits, as stored in a GGUF file: every bit is
    // kept, signalling NaNs and NaN payloads included (a float argument may
    // be quieted on the way in).
    static Value f32_from_bits(std::uint32_t bits);
    static Value f64_from_bits(std::uint64_t bits);
    static Value boolean(bool v);
    static Value string(std::string v);

    // An array whose elements all have type `element_type`; throws
    // hipquant::Error (invalid_value) naming the first element that does not.
    static Value array(ValueType element_type, const std::vector<Value>& elements);
    static Value array(std::vector<std::string> elements);  // array of strings
    static Value array_u32(const std::vector<std::uint32_t>& elements);
    static Value array_i32(const std::vector<std::int32_t>& elements);
    static Value array_u64(const std::vector<std::uint64_t>& elements);
    static Value array_f32(const std::vector<float>& elements);
    // Array of fixed-size scalars from their little-endian bytes, as stored in
    // a GGUF file; `bytes.size()` must be a multiple of the element size.
    static Value array_from_raw(ValueType element_type, std::vector<std::uint8_t> bytes);

    ValueType type() const noexcept { return type_; }
    bool is_array() const noexcept { return type_ == ValueType::Array; }
    bool is_string() const noexcept { return type_ == ValueType::String; }
    bool is_integer() const noexcept { return is_integer_type(type_); }
    bool is_float() const noexcept { return is_float_type(type_); }

    // Scalar access. Each throws hipquant::Error (invalid_value) naming both
    // types when the value has another type or does not fit the result:
    // as_uint accepts any integer type >= 0, as_int any integer <= INT64_MAX,
    // as_float f32 or f64 only.
    std::uint64_t as_uint() const;
    std::int64_t as_int() const;
    double as_float() const;
    // The IEEE bits of an f32 (in the low 32 bits) or f64, exactly as stored;
    // throws like as_float.
    std::uint64_t float_bits() const;
    bool as_bool() const;
    const std::string& as_string() const;

    // Array access; these throw unless is_array().
    ValueType element_type() const;
    std::size_t size() const;  // number of elements
    // Element i as a Value (a copy); throws when i >= size().
    Value at(std::size_t i) const;
    // The elements of a string array, without copying.
    const std::vector<std::string>& strings() const;
    // The elements of an array of arrays, without copying.
    const std::vector<Value>& arrays() const;
    // Little-endian bytes of an array of fixed-size scalars (see array_from_raw).
    const std::vector<std::uint8_t>& raw() const;
    // Every element of an integer / float array, converted (as at(i).as_int()...).
    std::vector<std::int64_t> to_ints() const;
    std::vector<double> to_floats() const;

    // Human-readable: 7, 1.5, true, "text", [1, 2, 3] with at most
    // `max_elements` elements of each array shown (0 = all) and "... (N total)".
    std::string to_string(std::size_t max_elements = 0) const;

    // Same type, same element type, same bits (so NaN == NaN of the same bits).
    friend bool operator==(const Value& a, const Value& b);
    friend bool operator!=(const Value& a, const Value& b) { return !(a == b); }

private:
    ValueType type_ = ValueType::UInt8;
    std::uint64_t bits_ = 0;  // scalar payload: integer (sign-extended), bool, or f32/f64 bits
    std::string string_;      // String
    // Array: element type, and the elements in exactly one of the vectors below.
    ValueType element_type_ = ValueType::UInt8;
    std::vector<std::uint8_t> raw_;       // fixed-size scalars, little-endian
    std::vector<std::string> strings_;    // strings
    std::vector<Value> arrays_;           // nested arrays

    static Value scalar(ValueType type, std::uint64_t bits);
    std::uint64_t raw_element_bits(std::size_t i) const;
};

// The key -> value table, in the order of the file (or of insertion), with
// unique keys. Look-ups by key are O(1).
class Metadata {
public:
    using Entry = std::pair<std::string, Value>;

    // Appends a new key; throws hipquant::Error (invalid_value) if `key` exists.
    void add(std::string key, Value value);
    // Replaces the value of `key`, or appends it.
    void set(std::string key, Value value);
    // Removes `key`; returns whether it was there.
    bool remove(std::string_view key);

    bool contains(std::string_view key) const { return find(key) != nullptr; }
    const Value* find(std::string_view key) const;  // null when absent
    // Throws hipquant::Error (not_found) naming the key when absent.
    const Value& at(std::string_view key) const;

    // Typed getters: throw hipquant::Error naming the key when it is absent
    // (not_found) or holds another type (invalid_value).
    std::uint64_t get_uint(std::string_view key) const;
    std::int64_t get_int(std::string_view key) const;
    double get_float(std::string_view key) const;
    bool get_bool(std::string_view key) const;
    const std::string& get_string(std::string_view key) const;

    const std::vector<Entry>& entries() const noexcept { return entries_; }
    std::size_t size() const noexcept { return entries_.size(); }
    bool empty() const noexcept { return entries_.empty(); }

    // Same keys in the same order with equal values.
    friend bool operator==(const Metadata& a, const Metadata& b) { return a.entries_ == b.entries_; }
    friend bool operator!=(const Metadata& a, const Metadata& b) { return !(a == b); }

private:
    std::vector<Entry> entries_;
    std::unordered_map<std::string, std::size_t> index_;  // key -> position in entries_
};

}  // namespace hipquant::gguf
