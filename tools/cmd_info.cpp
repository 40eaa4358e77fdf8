// `hipquant info FILE`: a GGUF file's header, metadata and tensor table, as
// aligned text or (--json) one JSON object. Every tensor is listed, those of
// types hipquant has no kernels for marked unsupported.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "cli.hpp"
#include "hipquant/gguf/gguf.hpp"

namespace hipquant::cli {

namespace {

using gguf::GgufFile;
using gguf::TensorInfo;
using gguf::Value;
using gguf::ValueType;

// "u32", or "f32[8]" / "string[32000]" for arrays.
std::string type_label(const Value& v) {
    if (!v.is_array()) return gguf::value_type_name(v.type());
    return std::string(gguf::value_type_name(v.element_type())) + "[" + std::to_string(v.size()) + "]";
}

std::string pad(std::string s, std::size_t width) {
    if (s.size() < width) s.append(width - s.size(), ' ');
    return s;
}

std::string json_number(double d, bool is_f32) {
    if (!std::isfinite(d)) return "null";  // JSON has no NaN / Inf
    char buf[40];
    std::snprintf(buf, sizeof buf, is_f32 ? "%.9g" : "%.17g", d);
    return buf;
}

// A value as JSON; arrays show at most `max` elements (0 = all).
std::string json_value(const Value& v, std::size_t max) {
    if (v.is_string()) return json_string(v.as_string());
    if (v.type() == ValueType::Bool) return v.as_bool() ? "true" : "false";
    if (v.is_float()) return json_number(v.as_float(), v.type() == ValueType::Float32);
    if (v.is_integer()) return v.to_string();
    const std::size_t n = v.size();
    const std::size_t shown = max == 0 || n <= max ? n : max;
    std::string out = "[";
    for (std::size_t i = 0; i < shown; ++i) {
        if (i) out += ", ";
        out += json_value(v.at(i), max);
    }
    return out + "]";
}

std::string json_shape(const TensorInfo& t) {
    std::string out = "[";
    for (std::uint32_t d = 0; d < t.n_dims; ++d) out += (d ? ", " : "") + std::to_string(t.ne[d]);
    return out + "]";
}

std::string json_tensor(const TensorInfo& t) {
    return "{\"name\": " + json_string(t.name) + ", \"type\": \"" + t.type_name() +
           "\", \"type_id\": " + std::to_string(t.ggml_type()) + ", \"shape\": " +
           json_shape(t) + ", \"elements\": " + std::to_string(t.n_elements()) + ", \"bytes\": " +
           std::to_string(t.n_bytes) + ", \"offset\": " + std::to_string(t.offset) +
           ", \"file_offset\": " + std::to_string(t.file_offset) +
           ", \"supported\": " + (t.supported() ? "true" : "false") + "}";
}

void print_json(const GgufFile& f, const std::vector<const TensorInfo*>& tensors, bool with_metadata,
                std::size_t max_array) {
    std::string out = "{\n  \"file\": " + json_string(f.name()) +
                      ",\n  \"file_size\": " + std::to_string(f.file_size()) +
                      ",\n  \"version\": " + std::to_string(f.version()) +
                      ",\n  \"alignment\": " + std::to_string(f.alignment()) +
                      ",\n  \"data_offset\": " + std::to_string(f.data_offset());
    if (with_metadata) {
        out += ",\n  \"metadata\": [";
        bool first = true;
        for (const auto& [key, v] : f.metadata().entries()) {
            out += first ? "\n    " : ",\n    ";
            first = false;
            out += "{\"key\": " + json_string(key) + ", \"type\": \"" + gguf::value_type_name(v.type()) + "\"";
            if (v.is_array()) {
                const bool cut = max_array != 0 && v.size() > max_array;
                out += std::string(", \"element_type\": \"") + gguf::value_type_name(v.element_type()) +
                       "\", \"count\": " + std::to_string(v.size()) + (cut ? ", \"truncated\": true" : "");
            }
            out += ", \"value\": " + json_value(v, max_array) + "}";
        }
        out += first ? "]" : "\n  ]";
    }
    out += ",\n  \"tensors\": [";
    for (std::size_t i = 0; i < tensors.size(); ++i) out += (i ? ",\n    " : "\n    ") + json_tensor(*tensors[i]);
    out += tensors.empty() ? "]\n}\n" : "\n  ]\n}\n";
    std::fputs(out.c_str(), stdout);
}

void print_text(const GgufFile& f, const std::vector<const TensorInfo*>& tensors, bool with_metadata,
                std::size_t max_array) {
    std::printf("file       %s (%llu bytes)\n", printable(f.name()).c_str(),
                static_cast<unsigned long long>(f.file_size()));
    std::printf("version    %u\n", f.version());
    std::printf("alignment  %u bytes\n", f.alignment());
    std::printf("data       at byte %llu\n", static_cast<unsigned long long>(f.data_offset()));
    if (with_metadata) {
        std::size_t kw = 3, tw = 4;
        for (const auto& [key, v] : f.metadata().entries()) {
            kw = std::max(kw, printable(key).size());
            tw = std::max(tw, type_label(v).size());
        }
        std::printf("\nmetadata (%zu keys)\n", f.metadata().size());
        for (const auto& [key, v] : f.metadata().entries())
            std::printf("  %s  %s  %s\n", pad(printable(key), kw).c_str(), pad(type_label(v), tw).c_str(),
                        v.to_string(max_array).c_str());  // escapes strings itself
    }
    std::uint64_t total = 0;
    for (const TensorInfo* t : tensors) total += t->n_bytes;
    std::printf("\ntensors (%zu, %llu bytes)\n", tensors.size(), static_cast<unsigned long long>(total));
    if (tensors.empty()) return;
    std::vector<std::vector<std::string>> rows = {{"name", "type", "shape", "bytes", "offset"}};
    std::size_t unsupported = 0;
    for (const TensorInfo* t : tensors) {
        unsupported += t->supported() ? 0 : 1;
        rows.push_back({printable(t->name), std::string(t->type_name()) + (t->supported() ? "" : " (unsupported)"),
                        t->shape_string(), std::to_string(t->n_bytes), std::to_string(t->offset)});
    }
    std::vector<std::size_t> w(rows[0].size(), 0);
    for (const auto& r : rows)
        for (std::size_t c = 0; c < r.size(); ++c) w[c] = std::max(w[c], r[c].size());
    for (const auto& r : rows) {
        std::string line = " ";
        for (std::size_t c = 0; c < r.size(); ++c) {
            // Numbers right-aligned, text left-aligned.
            const bool numeric = c >= 3;
            const std::string cell = numeric ? std::string(w[c] - r[c].size(), ' ') + r[c] : pad(r[c], w[c]);
            line += " " + cell;
        }
        while (!line.empty() && line.back() == ' ') line.pop_back();
        std::printf("%s\n", line.c_str());
    }
    if (unsupported)
        std::printf("\n%zu unsupported: GGML types hipquant has no kernels for; loading them fails\n", unsupported);
}

}  // namespace

int cmd_info(const std::vector<std::string>& args) {
    const ArgParser p(args, {"json"}, {"tensor", "max-array"});
    p.expect_positionals(1, "FILE");
    const std::size_t max_array = static_cast<std::size_t>(p.uint_value("max-array", 16));
    const GgufFile f = GgufFile::open(p.positionals()[0]);

    std::vector<const TensorInfo*> tensors;
    const bool one = p.flag("tensor");
    if (one) {
        tensors.push_back(&f.tensor(p.value("tensor", "")));  // throws not_found naming it
    } else {
        for (const TensorInfo& t : f.tensors()) tensors.push_back(&t);
    }
    if (p.flag("json")) {
        print_json(f, tensors, !one, max_array);
    } else {
        print_text(f, tensors, !one, max_array);
    }
    return std::fflush(stdout) == 0 ? kExitOk : kExitRuntimeError;
}

}  // namespace hipquant::cli
