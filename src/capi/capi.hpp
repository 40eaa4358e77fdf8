// The C API's boundary: its handle structs, argument checks, and guard(),
// which every hq_* function runs its body through so that no exception
// crosses into C.
#pragma once

#include <cstddef>
#include <new>
#include <stdexcept>
#include <string>

#include "hipquant/gguf/gguf.hpp"
#include "hipquant/hipquant.h"
#include "hipquant/quant/experts.hpp"
#include "hipquant/quant/storage.hpp"
#include "hipquant/quant/workspace.hpp"
#include "hipquant/runtime/device.hpp"
#include "hipquant/runtime/error.hpp"

// The handles hipquant.h declares: each owns (or shares) one C++ object.
struct hq_device {
    hipquant::RocmDevice device;
};
struct hq_buffer {
    hipquant::DeviceMemory<std::uint8_t> memory;
};
struct hq_weight {
    hipquant::quant::QuantizedTensor tensor;
};
struct hq_experts {
    hipquant::quant::QuantizedExperts experts;
};
struct hq_workspace {
    hipquant::quant::Workspace workspace;
};
struct hq_activations {
    hipquant::RocmDevice device;
    hipquant::quant::QuantizedActivationBuffer buffer;
    hipquant::quant::QuantizedActivations quantized;  // rows == 0 until the first quantize
};
struct hq_gguf {
    hipquant::gguf::GgufFile file;
};

namespace hipquant::capi {

// Stores "<fn>: <what>" as this thread's hq_last_error() and returns `status`.
hq_status fail(const char* fn, hq_status status, const char* what) noexcept;
// The status for an Error's code: its own value where hq_status has it,
// HQ_ERROR_RUNTIME for any other HIP / CUDA code.
hq_status status_of_code(int code) noexcept;

// Runs f(); an exception becomes its status and message. `fn` (the C
// function's name, __func__) starts every message.
template <typename F>
hq_status guard(const char* fn, F&& f) noexcept {
    try {
        f();
        return HQ_OK;
    } catch (const Error& e) {
        return fail(fn, status_of_code(e.code()), e.what());
    } catch (const std::bad_alloc&) {
        return fail(fn, HQ_ERROR_OUT_OF_MEMORY, "out of host memory");
    } catch (const std::exception& e) {
        return fail(fn, HQ_ERROR_INTERNAL, e.what());
    } catch (...) {
        return fail(fn, HQ_ERROR_INTERNAL, "unknown exception");
    }
}

// Argument checks: each throws Error(invalid_value) naming the argument.
[[noreturn]] void bad_argument(const char* name, const std::string& problem);
inline void require_pointer(const void* p, const char* name) {
    if (p == nullptr) bad_argument(name, "is NULL");
}
inline void require_nonzero(std::size_t n, const char* name) {
    if (n == 0) bad_argument(name, "is 0");
}
template <typename T>
T& deref(T* p, const char* name) {
    require_pointer(p, name);
    return *p;
}
// a * b, refusing overflow (`what` names the product).
std::size_t checked_product(std::size_t a, std::size_t b, const char* what);
// Throws unless rows and cols are nonzero and `n_bytes` (argument `name`) is
// exactly rows x cols values of `type_id`.
void require_matrix_bytes(std::uint32_t type_id, std::size_t rows, std::size_t cols, std::size_t n_bytes,
                          const char* name);

// Creates a handle: *out = new H{make()}. On failure *out is NULL.
template <typename H, typename Make>
hq_status create(const char* fn, H** out, const char* out_name, Make&& make) noexcept {
    if (out) *out = nullptr;
    return guard(fn, [&] {
        require_pointer(out, out_name);
        *out = new H{make()};
    });
}

}  // namespace hipquant::capi
