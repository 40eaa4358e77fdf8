// The C API's host half: errors, version, the type table, the CPU reference
// and GGUF files. Nothing here touches a GPU.
#include <cstdio>
#include <cstring>

#include "capi.hpp"
#include "hipquant/quant/reference.hpp"
#include "hipquant/runtime/module.hpp"

using namespace hipquant;
using capi::guard;

static_assert(HQ_VERSION_MAJOR == HIPQUANT_PROJECT_VERSION_MAJOR && HQ_VERSION_MINOR == HIPQUANT_PROJECT_VERSION_MINOR &&
                  HQ_VERSION_PATCH == HIPQUANT_PROJECT_VERSION_PATCH,
              "hipquant.h's HQ_VERSION_* must match CMake's project(VERSION)");
// Every type of the table has its HQ_TYPE_ constant, with the table's id.
#define HIPQUANT_X(NAME, id, elems, bytes, block, weight, act, kern) \
    static_assert(HQ_TYPE_##NAME == (id), "HQ_TYPE_" #NAME " is GGUF's id");
HIPQUANT_QUANT_TYPES(HIPQUANT_X)
#undef HIPQUANT_X

namespace hipquant::capi {
namespace {

struct StatusName {
    hq_status status;
    const char* name;
    bool is_error_code;  // the value of an Error::code() (asserted below), which maps onto it
};
constexpr StatusName kStatuses[] = {
    {HQ_OK, "HQ_OK", false},
    {HQ_ERROR_INVALID_VALUE, "HQ_ERROR_INVALID_VALUE", true},
    {HQ_ERROR_OUT_OF_MEMORY, "HQ_ERROR_OUT_OF_MEMORY", true},
    {HQ_ERROR_NO_DEVICE, "HQ_ERROR_NO_DEVICE", true},
    {HQ_ERROR_INVALID_IMAGE, "HQ_ERROR_INVALID_IMAGE", true},
    {HQ_ERROR_NO_BINARY_FOR_GPU, "HQ_ERROR_NO_BINARY_FOR_GPU", true},
    {HQ_ERROR_FILE_NOT_FOUND, "HQ_ERROR_FILE_NOT_FOUND", true},
    {HQ_ERROR_NOT_FOUND, "HQ_ERROR_NOT_FOUND", true},
    {HQ_ERROR_NOT_SUPPORTED, "HQ_ERROR_NOT_SUPPORTED", true},
    {HQ_ERROR_RUNTIME, "HQ_ERROR_RUNTIME", false},
    {HQ_ERROR_INTERNAL, "HQ_ERROR_INTERNAL", false},
};
static_assert(HQ_ERROR_INVALID_VALUE == errc::invalid_value && HQ_ERROR_OUT_OF_MEMORY == errc::out_of_memory &&
                  HQ_ERROR_NO_DEVICE == errc::no_device && HQ_ERROR_INVALID_IMAGE == errc::invalid_image &&
                  HQ_ERROR_NO_BINARY_FOR_GPU == errc::no_binary_for_gpu &&
                  HQ_ERROR_FILE_NOT_FOUND == errc::file_not_found && HQ_ERROR_NOT_FOUND == errc::not_found &&
                  HQ_ERROR_NOT_SUPPORTED == errc::not_supported,
              "hq_status values are hipquant's error codes");

// A fixed buffer: storing a message never allocates, so never fails (longer
// messages are cut at its size).
thread_local char t_last_error[4096];

const gguf::Metadata& metadata(const hq_gguf* file) { return deref(file, "file").file.metadata(); }

}  // namespace

hq_status fail(const char* fn, hq_status status, const char* what) noexcept {
    std::snprintf(t_last_error, sizeof t_last_error, "%s: %s", fn, what);
    return status;
}

hq_status status_of_code(int code) noexcept {
    for (const StatusName& s : kStatuses)
        if (s.is_error_code && s.status == code) return s.status;
    return HQ_ERROR_RUNTIME;
}

void bad_argument(const char* name, const std::string& problem) {
    throw Error(errc::invalid_value, std::string(name) + " " + problem, __FILE__, __LINE__);
}

std::size_t checked_product(std::size_t a, std::size_t b, const char* what) {
    std::size_t p = 0;
    if (__builtin_mul_overflow(a, b, &p))
        throw Error(errc::invalid_value,
                    std::string(what) + " (" + std::to_string(a) + " x " + std::to_string(b) + ") overflows size_t",
                    __FILE__, __LINE__);
    return p;
}

void require_matrix_bytes(std::uint32_t type_id, std::size_t rows, std::size_t cols, std::size_t n_bytes,
                          const char* name) {
    const quant::QuantType type = quant::quant_type_from_id(type_id);
    require_nonzero(rows, "rows");
    require_nonzero(cols, "cols");
    const std::size_t want = checked_product(rows, quant::row_size_bytes(type, cols), "rows x row bytes");
    if (n_bytes != want)
        bad_argument(name, "is " + std::to_string(n_bytes) + " bytes but " + std::to_string(rows) + " rows of " +
                               std::to_string(cols) + " " + quant::quant_type_name(type) +
                               " values take " + std::to_string(want));
}

}  // namespace hipquant::capi

using namespace hipquant::capi;

extern "C" {

unsigned hq_version(void) { return HQ_VERSION; }

const char* hq_last_error(void) { return t_last_error; }

const char* hq_status_name(hq_status status) {
    for (const StatusName& s : kStatuses)
        if (s.status == status) return s.name;
    return "HQ_ERROR_UNKNOWN";
}

hq_status hq_type_name(uint32_t type_id, const char** name) {
    return guard(__func__, [&] {
        require_pointer(name, "name");
        const char* n = gguf::ggml_type_name(type_id);
        if (n == nullptr) bad_argument("type_id", std::to_string(type_id) + " is no GGML type");
        *name = n;
    });
}

hq_status hq_type_from_name(const char* name, uint32_t* type_id) {
    return guard(__func__, [&] {
        require_pointer(name, "name");
        deref(type_id, "type_id") = static_cast<std::uint32_t>(quant::parse_quant_type(name));
    });
}

hq_status hq_type_block(uint32_t type_id, size_t* block_elems, size_t* block_bytes) {
    return guard(__func__, [&] {
        require_pointer(block_elems, "block_elems");
        require_pointer(block_bytes, "block_bytes");
        const quant::QuantTypeInfo& info = quant::quant_type_info(quant::quant_type_from_id(type_id));
        *block_elems = info.block_elems;
        *block_bytes = info.block_bytes;
    });
}

hq_status hq_type_row_bytes(uint32_t type_id, size_t cols, size_t* bytes) {
    return guard(__func__, [&] { deref(bytes, "bytes") = quant::row_size_bytes(quant::quant_type_from_id(type_id), cols); });
}

hq_status hq_q8_1_bytes(size_t rows, size_t cols, size_t* bytes) {
    return guard(__func__, [&] {
        require_pointer(bytes, "bytes");
        *bytes = checked_product(checked_product(rows, quant::q8_1_row_blocks(cols), "rows x row blocks"),
                                 sizeof(quant::BlockQ8_1), "Q8_1 blocks x block bytes");
    });
}

hq_status hq_reference_quantize(uint32_t type_id, const float* src, size_t rows, size_t cols, void* dst,
                                size_t dst_bytes) {
    return guard(__func__, [&] {
        require_pointer(src, "src");
        require_pointer(dst, "dst");
        require_matrix_bytes(type_id, rows, cols, dst_bytes, "dst_bytes");
        (void)checked_product(rows, cols, "rows x cols");
        const auto bytes = quant::reference::quantize_matrix(quant::quant_type_from_id(type_id), src, rows, cols);
        std::memcpy(dst, bytes.data(), dst_bytes);
    });
}

hq_status hq_reference_dequantize(uint32_t type_id, const void* src, size_t src_bytes, size_t rows, size_t cols,
                                  float* dst) {
    return guard(__func__, [&] {
        require_pointer(src, "src");
        require_pointer(dst, "dst");
        require_matrix_bytes(type_id, rows, cols, src_bytes, "src_bytes");
        const auto values = quant::reference::dequantize_matrix(quant::quant_type_from_id(type_id), src, rows, cols);
        std::memcpy(dst, values.data(), values.size() * sizeof(float));
    });
}

hq_status hq_gguf_open(const char* path, hq_gguf** file) {
    return create(__func__, file, "file", [&] {
        require_pointer(path, "path");
        return gguf::GgufFile::open(path);
    });
}

hq_status hq_gguf_close(hq_gguf* file) {
    delete file;
    return HQ_OK;
}

hq_status hq_gguf_tensor_count(const hq_gguf* file, size_t* count) {
    return guard(__func__, [&] { deref(count, "count") = deref(file, "file").file.tensors().size(); });
}

hq_status hq_gguf_tensor_info(const hq_gguf* file, size_t index, hq_tensor_info* info) {
    return guard(__func__, [&] {
        require_pointer(info, "info");
        const auto& tensors = deref(file, "file").file.tensors();
        if (index >= tensors.size())
            bad_argument("index", std::to_string(index) + " is past the " + std::to_string(tensors.size()) +
                                      " tensors of '" + file->file.name() + "'");
        const gguf::TensorInfo& t = tensors[index];
        hq_tensor_info out{};
        out.name = t.name.c_str();
        out.type_id = static_cast<std::uint32_t>(t.type);
        out.n_dims = t.n_dims;
        for (std::size_t d = 0; d < gguf::kMaxDims; ++d) out.dims[d] = t.ne[d];
        out.n_bytes = t.n_bytes;
        out.data = t.data;
        *info = out;
    });
}

hq_status hq_gguf_find_tensor(const hq_gguf* file, const char* name, size_t* index) {
    return guard(__func__, [&] {
        require_pointer(name, "name");
        require_pointer(index, "index");
        const gguf::GgufFile& f = deref(file, "file").file;
        *index = static_cast<std::size_t>(&f.tensor(name) - f.tensors().data());
    });
}

hq_status hq_gguf_get_string(const hq_gguf* file, const char* key, const char** value) {
    return guard(__func__, [&] {
        require_pointer(key, "key");
        deref(value, "value") = metadata(file).get_string(key).c_str();
    });
}

hq_status hq_gguf_get_int(const hq_gguf* file, const char* key, int64_t* value) {
    return guard(__func__, [&] {
        require_pointer(key, "key");
        deref(value, "value") = metadata(file).get_int(key);
    });
}

hq_status hq_gguf_get_float(const hq_gguf* file, const char* key, double* value) {
    return guard(__func__, [&] {
        require_pointer(key, "key");
        deref(value, "value") = metadata(file).get_float(key);
    });
}

}  // extern "C"
