// The C API's device half: GPUs, device memory, weights and their products,
// activations and workspaces.
#include <cstdint>
#include <cstring>

#include "capi.hpp"
#include "hipquant/gguf/upload.hpp"

using namespace hipquant;
using namespace hipquant::capi;

namespace {

// The caller's stream, or the device's own for NULL.
hipStream_t stream_or_default(void* stream, const RocmDevice& device) {
    return stream != nullptr ? static_cast<hipStream_t>(stream) : device.stream();
}

// n elements of caller-owned device memory at p (argument `name`).
template <typename T>
DeviceSpan<T> device_span(T* p, std::size_t n, const char* name) {
    require_pointer(p, name);
    return DeviceSpan<T>::wrap(p, n);
}

// Runs op(workspace) with the caller's workspace, or op() (the overloads that
// take their scratch from the stream-ordered pool) for NULL.
template <typename Op>
void with_workspace(hq_workspace* ws, Op&& op) {
    if (ws != nullptr)
        op(ws->workspace);
    else
        op();
}

const quant::QuantizedTensor& tensor_of(const hq_weight* weight) { return deref(weight, "weight").tensor; }
const RocmDevice& device_of(const hq_device* device) { return deref(device, "device").device; }

}  // namespace

extern "C" {

hq_status hq_device_count(int* count) {
    return guard(__func__, [&] { deref(count, "count") = RocmDevice::count(); });
}

hq_status hq_device_open(int ordinal, hq_device** device) {
    return create(__func__, device, "device", [&] { return RocmDevice::open(ordinal); });
}

hq_status hq_device_open_borrowed_stream(int ordinal, void* stream, hq_device** device) {
    return create(__func__, device, "device", [&] {
        require_pointer(stream, "stream");  // never the legacy default stream
        return RocmDevice::open_borrowed_stream(ordinal, static_cast<hipStream_t>(stream));
    });
}

hq_status hq_device_close(hq_device* device) {
    if (device == nullptr) return HQ_OK;
    const hq_status status = guard(__func__, [&] { device->device.check(); });
    delete device;
    return status;
}

hq_status hq_device_name(const hq_device* device, const char** name) {
    return guard(__func__, [&] { deref(name, "name") = device_of(device).name().c_str(); });
}

hq_status hq_device_arch(const hq_device* device, const char** arch) {
    return guard(__func__, [&] { deref(arch, "arch") = device_of(device).arch().c_str(); });
}

hq_status hq_device_stream(const hq_device* device, void** stream) {
    return guard(__func__, [&] { deref(stream, "stream") = device_of(device).stream(); });
}

hq_status hq_device_synchronize(const hq_device* device) {
    return guard(__func__, [&] { device_of(device).synchronize(); });
}

hq_status hq_buffer_alloc(const hq_device* device, size_t bytes, hq_buffer** buffer) {
    return create(__func__, buffer, "buffer", [&] {
        require_nonzero(bytes, "bytes");
        return device_of(device).alloc<std::uint8_t>(bytes);
    });
}

hq_status hq_buffer_free(hq_buffer* buffer) {
    delete buffer;
    return HQ_OK;
}

hq_status hq_buffer_ptr(const hq_buffer* buffer, void** device_ptr) {
    return guard(__func__, [&] { deref(device_ptr, "device_ptr") = deref(buffer, "buffer").memory.data(); });
}

hq_status hq_copy_to_device_sync(const hq_device* device, void* device_dst, const void* host_src, size_t bytes) {
    return guard(__func__, [&] {
        const RocmDevice& d = device_of(device);
        require_pointer(host_src, "host_src");
        require_nonzero(bytes, "bytes");
        d.memcpy_htod(static_cast<const std::uint8_t*>(host_src), bytes,
                      device_span(static_cast<std::uint8_t*>(device_dst), bytes, "device_dst"));
        d.synchronize();
    });
}

hq_status hq_copy_to_host_sync(const hq_device* device, void* host_dst, const void* device_src, size_t bytes) {
    return guard(__func__, [&] {
        const RocmDevice& d = device_of(device);
        require_pointer(host_dst, "host_dst");
        require_nonzero(bytes, "bytes");
        const auto host = d.memcpy_dtov(device_span(static_cast<const std::uint8_t*>(device_src), bytes, "device_src"));
        std::memcpy(host_dst, host.data(), bytes);
    });
}

hq_status hq_weight_load(const hq_device* device, uint32_t type_id, const void* host_bytes, size_t n_bytes,
                         size_t rows, size_t cols, hq_weight** weight) {
    return create(__func__, weight, "weight", [&] {
        const RocmDevice& d = device_of(device);
        require_pointer(host_bytes, "host_bytes");
        require_matrix_bytes(type_id, rows, cols, n_bytes, "n_bytes");
        return quant::QuantizedTensor::load(d, quant::quant_type_from_id(type_id), host_bytes, n_bytes, rows, cols);
    });
}

hq_status hq_weight_load_gguf(const hq_device* device, const hq_gguf* file, const char* name, hq_weight** weight) {
    return create(__func__, weight, "weight", [&] {
        const RocmDevice& d = device_of(device);
        require_pointer(name, "name");
        return gguf::upload(d, deref(file, "file").file.tensor(name));
    });
}

hq_status hq_weight_quantize(const hq_device* device, uint32_t type_id, const float* host_values, size_t rows,
                             size_t cols, hq_weight** weight) {
    return create(__func__, weight, "weight", [&] {
        const RocmDevice& d = device_of(device);
        const quant::QuantType type = quant::quant_type_from_id(type_id);
        require_pointer(host_values, "host_values");
        require_nonzero(rows, "rows");
        require_nonzero(cols, "cols");
        return quant::QuantizedTensor::quantize(d, type, host_values, rows, cols);
    });
}

hq_status hq_weight_free(hq_weight* weight) {
    delete weight;
    return HQ_OK;
}

hq_status hq_weight_rows(const hq_weight* weight, size_t* rows) {
    return guard(__func__, [&] { deref(rows, "rows") = tensor_of(weight).rows(); });
}

hq_status hq_weight_cols(const hq_weight* weight, size_t* cols) {
    return guard(__func__, [&] { deref(cols, "cols") = tensor_of(weight).cols(); });
}

hq_status hq_weight_type(const hq_weight* weight, uint32_t* type_id) {
    return guard(__func__, [&] { deref(type_id, "type_id") = static_cast<std::uint32_t>(tensor_of(weight).type()); });
}

hq_status hq_weight_workspace_bytes(const hq_weight* weight, size_t batch, size_t* bytes) {
    return guard(__func__, [&] { deref(bytes, "bytes") = tensor_of(weight).workspace_bytes(batch); });
}

hq_status hq_weight_matmul(const hq_weight* weight, const float* x, size_t batch, float* y, void* stream,
                           hq_workspace* ws) {
    return guard(__func__, [&] {
        const quant::QuantizedTensor& t = tensor_of(weight);
        require_nonzero(batch, "batch");
        const auto xs = device_span(x, checked_product(batch, t.cols(), "batch x cols"), "x");
        const auto ys = device_span(y, checked_product(batch, t.rows(), "batch x rows"), "y");
        const hipStream_t s = stream_or_default(stream, t.device());
        with_workspace(ws, [&](auto&... w) { t.matmul(xs, batch, ys, s, w...); });
    });
}

hq_status hq_weight_matmul_quantized(const hq_weight* weight, const hq_activations* x, float* y, void* stream,
                                     hq_workspace* ws) {
    return guard(__func__, [&] {
        const quant::QuantizedTensor& t = tensor_of(weight);
        const quant::QuantizedActivations& xq = deref(x, "x").quantized;
        if (xq.rows == 0) bad_argument("x", "holds no activations yet (call hq_activations_quantize first)");
        const auto ys = device_span(y, checked_product(xq.rows, t.rows(), "x rows x weight rows"), "y");
        const hipStream_t s = stream_or_default(stream, t.device());
        with_workspace(ws, [&](auto&... w) { t.matmul(xq, ys, s, w...); });
    });
}

hq_status hq_weight_dequantize(const hq_weight* weight, float* out, void* stream) {
    return guard(__func__, [&] {
        const quant::QuantizedTensor& t = tensor_of(weight);
        t.dequantize(device_span(out, t.rows() * t.cols(), "out"), stream_or_default(stream, t.device()));
    });
}

hq_status hq_weight_get_rows(const hq_weight* weight, const int32_t* indices, size_t n_indices, float* out,
                             void* stream, hq_workspace* ws) {
    return guard(__func__, [&] {
        const quant::QuantizedTensor& t = tensor_of(weight);
        require_nonzero(n_indices, "n_indices");
        const auto ids = device_span(indices, n_indices, "indices");
        const auto outs = device_span(out, checked_product(n_indices, t.cols(), "n_indices x cols"), "out");
        const hipStream_t s = stream_or_default(stream, t.device());
        with_workspace(ws, [&](auto&... w) { t.get_rows(ids, outs, s, w...); });
    });
}

hq_status hq_experts_load(const hq_device* device, uint32_t type_id, const void* host_bytes, size_t n_bytes,
                          size_t experts, size_t rows, size_t cols, hq_experts** out) {
    return create(__func__, out, "out", [&] {
        const RocmDevice& d = device_of(device);
        require_pointer(host_bytes, "host_bytes");
        require_nonzero(experts, "experts");
        require_matrix_bytes(type_id, checked_product(experts, rows, "experts x rows"), cols, n_bytes, "n_bytes");
        return quant::QuantizedExperts::load(d, quant::quant_type_from_id(type_id), host_bytes, n_bytes, experts,
                                             rows, cols);
    });
}

hq_status hq_experts_load_gguf(const hq_device* device, const hq_gguf* file, const char* name, hq_experts** out) {
    return create(__func__, out, "out", [&] {
        const RocmDevice& d = device_of(device);
        require_pointer(name, "name");
        return gguf::upload_experts(d, deref(file, "file").file.tensor(name));
    });
}

hq_status hq_experts_free(hq_experts* experts) {
    delete experts;
    return HQ_OK;
}

hq_status hq_experts_workspace_bytes(const hq_experts* experts, size_t tokens, size_t x_slots, size_t top_k,
                                     size_t* bytes) {
    return guard(__func__, [&] {
        deref(bytes, "bytes") = deref(experts, "experts").experts.workspace_bytes(tokens, x_slots, top_k);
    });
}

hq_status hq_experts_mul_mat_id(const hq_experts* experts, const float* x, size_t tokens, size_t x_slots,
                                const int32_t* ids, size_t top_k, float* y, void* stream, hq_workspace* ws) {
    return guard(__func__, [&] {
        const quant::QuantizedExperts& e = deref(experts, "experts").experts;
        require_nonzero(tokens, "tokens");
        require_nonzero(top_k, "top_k");
        const std::size_t pairs = checked_product(tokens, top_k, "tokens x top_k");
        const auto xs = device_span(x, checked_product(checked_product(tokens, x_slots, "tokens x x_slots"), e.cols(),
                                                       "tokens x x_slots x cols"),
                                    "x");
        const auto is = device_span(ids, pairs, "ids");
        const auto ys = device_span(y, checked_product(pairs, e.rows(), "tokens x top_k x rows"), "y");
        const hipStream_t s = stream_or_default(stream, e.device());
        with_workspace(ws, [&](auto&... w) { e.mul_mat_id(xs, tokens, x_slots, is, top_k, ys, s, w...); });
    });
}

hq_status hq_quantize_q8_1(const hq_device* device, const float* x, size_t rows, size_t cols, void* y,
                           void* stream) {
    return guard(__func__, [&] {
        const RocmDevice& d = device_of(device);
        require_nonzero(rows, "rows");
        require_nonzero(cols, "cols");
        require_pointer(y, "y");
        if (reinterpret_cast<std::uintptr_t>(y) % 4 != 0) bad_argument("y", "is not 4-byte aligned");
        const auto xs = device_span(x, checked_product(rows, cols, "rows x cols"), "x");
        const auto ys = device_span(static_cast<quant::BlockQ8_1*>(y),
                                    checked_product(rows, quant::q8_1_row_blocks(cols), "rows x row blocks"), "y");
        quant::quantize_q8_1(d, xs, rows, cols, ys, stream_or_default(stream, d));
    });
}

hq_status hq_activations_create(const hq_device* device, size_t max_rows, size_t cols,
                                hq_activations** activations) {
    return create(__func__, activations, "activations", [&] {
        const RocmDevice& d = device_of(device);
        require_nonzero(max_rows, "max_rows");
        require_nonzero(cols, "cols");
        (void)checked_product(max_rows, quant::q8_1_row_blocks(cols), "max_rows x row blocks");
        return hq_activations{d, quant::QuantizedActivationBuffer(d, max_rows, cols), {}};
    });
}

hq_status hq_activations_quantize(hq_activations* activations, const float* x, size_t rows, void* stream) {
    return guard(__func__, [&] {
        hq_activations& a = deref(activations, "activations");
        require_nonzero(rows, "rows");
        const auto xs = device_span(x, checked_product(rows, a.buffer.cols(), "rows x cols"), "x");
        a.quantized = a.buffer.quantize(quant::ActivationView::matrix(xs, rows, a.buffer.cols()),
                                        stream_or_default(stream, a.device));
    });
}

hq_status hq_activations_free(hq_activations* activations) {
    delete activations;
    return HQ_OK;
}

hq_status hq_workspace_create(const hq_device* device, size_t bytes, hq_workspace** ws) {
    return create(__func__, ws, "ws", [&] { return quant::Workspace(device_of(device), bytes); });
}

hq_status hq_workspace_free(hq_workspace* ws) {
    delete ws;
    return HQ_OK;
}

}  // extern "C"
