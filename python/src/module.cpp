// The hipquant Python module: the C++ API over pybind11, device arrays in
// and out through DLPack. It adds no behaviour of its own: shapes and
// types are checked by the library, whose Error becomes hipquant.Error.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cstdint>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "dlpack.hpp"
#include "hipquant/gguf/gguf.hpp"
#include "hipquant/gguf/upload.hpp"
#include "hipquant/quant/experts.hpp"
#include "hipquant/quant/reference.hpp"
#include "hipquant/quant/storage.hpp"
#include "hipquant/quant/workspace.hpp"
#include "hipquant/runtime/event.hpp"
#include "hipquant/runtime/stream.hpp"

namespace py = pybind11;
namespace hq = hipquant::quant;
namespace dl = hipquant::python::dlpack;
using hipquant::DeviceSpan;
using hipquant::RocmDevice;

namespace {

constexpr std::int32_t kDeviceType = std::string_view(hipquant::platform::kName) == "nvidia" ? dl::kCUDA : dl::kROCM;

[[noreturn]] void fail(const std::string& message) { HIPQUANT_FAIL(hipquant::errc::invalid_value, message); }

// ---- Streams ----------------------------------------------------------------
// A stream argument: None (the device's own stream), an int (the stream
// handle, as torch's Stream.cuda_stream gives it), or an object with a
// cuda_stream attribute (torch.cuda.Stream).
hipStream_t stream_of(const py::object& s, const RocmDevice& device) {
    if (s.is_none()) return device.stream();
    py::object handle = py::hasattr(s, "cuda_stream") ? s.attr("cuda_stream") : s;
    if (!py::isinstance<py::int_>(handle)) throw py::type_error("stream: an int handle, a torch.cuda.Stream or None");
    return reinterpret_cast<hipStream_t>(handle.cast<std::uintptr_t>());
}
// The stream as the DLPack exchange names it: 1 for the legacy default.
std::uintptr_t exchange_id(hipStream_t s) {
    const auto id = reinterpret_cast<std::uintptr_t>(s);
    return id == 0 ? 1 : id;
}

// ---- Inputs: a producer's tensor, held until the work reading it is done --
// The host callback only queues the tensor; the next call into the module
// (which holds the GIL) runs the producer's deleter.
std::mutex g_done_mutex;
std::vector<dl::ManagedTensor*> g_done;

void release_done() {
    std::vector<dl::ManagedTensor*> done;
    {
        const std::lock_guard<std::mutex> lock(g_done_mutex);
        done.swap(g_done);
    }
    for (dl::ManagedTensor* t : done)
        if (t->deleter) t->deleter(t);
}

void on_done(void* tensor) {
    const std::lock_guard<std::mutex> lock(g_done_mutex);
    g_done.push_back(static_cast<dl::ManagedTensor*>(tensor));
}

void require_device(std::int32_t type, std::int32_t id, const RocmDevice& device, const char* what) {
    if (type != kDeviceType || id != device.ordinal())
        fail(std::string(what) + ": the array is on DLPack device (" + std::to_string(type) + ", " + std::to_string(id) +
             "), not on GPU " + std::to_string(device.ordinal()) + " (" + std::to_string(kDeviceType) + ", " +
             std::to_string(device.ordinal()) + ")");
}

class Imported {
public:
    // Takes x's tensor through x.__dlpack__(stream=...): the producer orders
    // its pending writes before `stream`.
    Imported(const py::object& x, hipStream_t stream, const RocmDevice& device, const char* what) {
        if (!py::hasattr(x, "__dlpack__") || !py::hasattr(x, "__dlpack_device__"))
            throw py::type_error(std::string(what) + ": expected a device array with __dlpack__ (torch, CuPy, JAX)");
        // The device first, as the protocol asks: a producer may refuse a
        // stream for memory that is not on a GPU.
        const auto where = x.attr("__dlpack_device__")().cast<std::pair<std::int32_t, std::int32_t>>();
        require_device(where.first, where.second, device, what);
        py::object capsule = x.attr("__dlpack__")(py::arg("stream") = exchange_id(stream));
        auto* t = static_cast<dl::ManagedTensor*>(PyCapsule_GetPointer(capsule.ptr(), dl::kCapsuleName));
        if (!t) throw py::error_already_set();
        PyCapsule_SetName(capsule.ptr(), dl::kUsedCapsuleName);  // ours now: released by release()
        tensor_ = t;
        const dl::Tensor& d = t->dl_tensor;
        if (d.device.device_type != kDeviceType || d.device.device_id != device.ordinal()) {
            release();
            require_device(d.device.device_type, d.device.device_id, device, what);
        }
    }
    Imported(const Imported&) = delete;
    Imported& operator=(const Imported&) = delete;
    ~Imported() { release(); }

    const dl::Tensor& tensor() const { return tensor_->dl_tensor; }
    void require(std::uint8_t code, std::uint8_t bits, const char* what, const char* dtype) {
        const dl::DataType& t = tensor().dtype;
        if (t.code != code || t.bits != bits || t.lanes != 1) {
            release();
            fail(std::string(what) + ": expected " + dtype + " values, got DLPack dtype (code " +
                 std::to_string(t.code) + ", " + std::to_string(t.bits) + " bits)");
        }
    }
    // Element strides, filled in for a compact tensor.
    std::vector<std::int64_t> strides() const {
        const dl::Tensor& t = tensor();
        std::vector<std::int64_t> s(static_cast<std::size_t>(t.ndim));
        std::int64_t next = 1;
        for (int i = t.ndim - 1; i >= 0; --i) {
            s[static_cast<std::size_t>(i)] = t.strides ? t.strides[i] : next;
            next *= t.shape[i];
        }
        return s;
    }
    template <typename T>
    T* data() const {
        return reinterpret_cast<T*>(static_cast<char*>(tensor().data) + tensor().byte_offset);
    }
    // The work queued on `stream` reads the tensor: hand it back to its
    // producer once that work is done.
    void keep_until_done(hipStream_t stream) {
        hipquant::call_when_done(stream, on_done, tensor_);
        tensor_ = nullptr;
    }

private:
    void release() {
        if (tensor_ && tensor_->deleter) tensor_->deleter(tensor_);
        tensor_ = nullptr;
    }
    dl::ManagedTensor* tensor_ = nullptr;
};

// ---- Outputs ------------------------------------------------------------------
// A device array the module made: the memory, its shape and element type,
// and the event its producing work recorded.
struct Array {
    RocmDevice device;
    hipquant::DeviceMemory<std::uint8_t> memory;
    std::vector<std::int64_t> shape;
    dl::DataType dtype;
    hipquant::Event ready;
};
using ArrayPtr = std::shared_ptr<Array>;

ArrayPtr new_array(const RocmDevice& device, std::vector<std::int64_t> shape, dl::DataType dtype) {
    std::size_t n = 1;
    for (auto d : shape) n *= static_cast<std::size_t>(d);
    auto a = std::make_shared<Array>(Array{device, device.alloc<std::uint8_t>(std::max<std::size_t>(n * dtype.bits / 8, 1)),
                                           std::move(shape), dtype, hipquant::Event{}});
    return a;
}
template <typename T>
DeviceSpan<T> span_of(const Array& a) {
    std::size_t n = 1;
    for (auto d : a.shape) n *= static_cast<std::size_t>(d);
    return DeviceSpan<T>::wrap_unchecked(reinterpret_cast<T*>(a.memory.data()), n);
}

struct Exported {
    dl::ManagedTensor managed;
    ArrayPtr array;  // keeps the memory alive while the consumer holds it
};

py::capsule export_array(const ArrayPtr& a, const py::object& stream) {
    // The consumer's stream waits for the work that made the array; -1: the
    // consumer orders it itself; None: wait on the host.
    if (stream.is_none()) {
        a->ready.synchronize();
    } else {
        const auto id = stream.cast<std::intptr_t>();
        if (id != -1) {
            const auto consumer = reinterpret_cast<hipStream_t>(id == 1 ? 0 : id);
            HIPQUANT_CHECK(hipStreamWaitEvent(consumer, a->ready.get(), 0));
        }
    }
    auto* e = new Exported{};
    e->array = a;
    dl::Tensor& t = e->managed.dl_tensor;
    t.data = a->memory.data();
    t.device = {kDeviceType, a->device.ordinal()};
    t.ndim = static_cast<std::int32_t>(a->shape.size());
    t.dtype = a->dtype;
    t.shape = a->shape.data();
    t.strides = nullptr;
    t.byte_offset = 0;
    e->managed.manager_ctx = e;
    e->managed.deleter = [](dl::ManagedTensor* self) { delete static_cast<Exported*>(self->manager_ctx); };
    return py::capsule(&e->managed, dl::kCapsuleName, [](PyObject* capsule) {
        // Never taken by a consumer: release it here.
        if (PyCapsule_IsValid(capsule, dl::kCapsuleName)) {
            auto* m = static_cast<dl::ManagedTensor*>(PyCapsule_GetPointer(capsule, dl::kCapsuleName));
            if (m && m->deleter) m->deleter(m);
        }
    });
}

template <typename T>
py::array to_numpy(const Array& a) {
    a.ready.synchronize();
    const auto host = a.device.memcpy_dtov(DeviceSpan<const T>(span_of<T>(a)));
    py::array_t<T> out(std::vector<py::ssize_t>(a.shape.begin(), a.shape.end()));
    std::memcpy(out.mutable_data(), host.data(), host.size() * sizeof(T));
    return out;
}

const dl::DataType kF32{dl::kFloat, 32, 1};
const dl::DataType kF16{dl::kFloat, 16, 1};

// ---- Products ---------------------------------------------------------------
// x[..., cols] (1 to 4 dimensions, the last one contiguous) as the library's
// strided activation view.
hq::ActivationView activation_view(const Imported& x, std::size_t cols, std::vector<std::int64_t>& lead) {
    const dl::Tensor& t = x.tensor();
    if (t.ndim < 1 || t.ndim > 4) fail("matmul: x has " + std::to_string(t.ndim) + " dimensions, not 1 to 4");
    const auto strides = x.strides();
    if (static_cast<std::size_t>(t.shape[t.ndim - 1]) != cols)
        fail("matmul: x has " + std::to_string(t.shape[t.ndim - 1]) + " values a row but the weight has " +
             std::to_string(cols) + " columns");
    if (strides.back() != 1) fail("matmul: x's last dimension must be contiguous (stride 1)");
    std::size_t shape[3] = {1, 1, 1}, step[3] = {0, 0, 0};
    std::size_t extent = cols;  // elements the view reaches
    for (int i = 0; i < t.ndim - 1; ++i) {
        if (strides[static_cast<std::size_t>(i)] < 0) fail("matmul: negative strides are not supported");
        const int k = 3 - (t.ndim - 1) + i;
        shape[k] = static_cast<std::size_t>(t.shape[i]);
        step[k] = static_cast<std::size_t>(strides[static_cast<std::size_t>(i)]);
        if (shape[k] > 0) extent += (shape[k] - 1) * step[k];
        lead.push_back(t.shape[i]);
    }
    return hq::ActivationView{DeviceSpan<const float>::wrap(x.data<const float>(), extent),
                              {shape[0], shape[1], shape[2]},
                              {step[0], step[1], step[2]}};
}

// The caller's Workspace, if one was given (None: the call's scratch comes
// from the device's stream-ordered pool).
hq::Workspace* workspace_of(const py::object& ws) { return ws.is_none() ? nullptr : &ws.cast<hq::Workspace&>(); }

ArrayPtr weight_matmul(const hq::QuantizedTensor& w, const py::object& x, const py::object& stream_arg,
                       const py::object& ws_arg) {
    release_done();
    const hipStream_t stream = stream_of(stream_arg, w.device());
    Imported in(x, stream, w.device(), "matmul");
    in.require(dl::kFloat, 32, "matmul: x", "float32");
    std::vector<std::int64_t> lead;
    const hq::ActivationView view = activation_view(in, w.cols(), lead);
    lead.push_back(static_cast<std::int64_t>(w.rows()));
    auto y = new_array(w.device(), lead, kF32);
    hq::Workspace* ws = workspace_of(ws_arg);
    if (view.rows() > 0 && ws != nullptr)
        w.matmul(view, span_of<float>(*y), stream, *ws);
    else if (view.rows() > 0)
        w.matmul(view, span_of<float>(*y), stream);
    y->ready.record(stream);
    in.keep_until_done(stream);
    return y;
}

ArrayPtr weight_dequantize(const hq::QuantizedTensor& w, const std::string& dtype, const py::object& stream_arg) {
    release_done();
    const hipStream_t stream = stream_of(stream_arg, w.device());
    const std::vector<std::int64_t> shape = {static_cast<std::int64_t>(w.rows()), static_cast<std::int64_t>(w.cols())};
    ArrayPtr y;
    if (dtype == "float32") {
        y = new_array(w.device(), shape, kF32);
        w.dequantize(span_of<float>(*y), stream);
    } else if (dtype == "float16") {
        y = new_array(w.device(), shape, kF16);
        w.dequantize_f16(span_of<std::uint16_t>(*y), stream);
    } else {
        fail("dequantize: dtype '" + dtype + "' is not float32 or float16");
    }
    y->ready.record(stream);
    return y;
}

ArrayPtr weight_get_rows(const hq::QuantizedTensor& w, const py::object& indices, const std::string& dtype,
                         const py::object& stream_arg) {
    release_done();
    const hipStream_t stream = stream_of(stream_arg, w.device());
    Imported in(indices, stream, w.device(), "get_rows");
    in.require(dl::kInt, 32, "get_rows: indices", "int32");
    const dl::Tensor& t = in.tensor();
    if (t.ndim != 1 || in.strides()[0] != 1) fail("get_rows: indices must be a contiguous 1-D array");
    const auto n = static_cast<std::size_t>(t.shape[0]);
    const auto ids = DeviceSpan<const std::int32_t>::wrap(in.data<const std::int32_t>(), n);
    const std::vector<std::int64_t> shape = {static_cast<std::int64_t>(n), static_cast<std::int64_t>(w.cols())};
    ArrayPtr y;
    if (dtype == "float32") {
        y = new_array(w.device(), shape, kF32);
        w.get_rows(ids, span_of<float>(*y), stream);  // waits for `stream` to check the ids
    } else if (dtype == "float16") {
        y = new_array(w.device(), shape, kF16);
        w.get_rows_f16(ids, span_of<std::uint16_t>(*y), stream);
    } else {
        fail("get_rows: dtype '" + dtype + "' is not float32 or float16");
    }
    y->ready.record(stream);
    in.keep_until_done(stream);
    return y;
}

// ---- Expert products ------------------------------------------------------------
// Whether the imported tensor is compact row-major.
bool row_major(const Imported& t) {
    const auto strides = t.strides();
    std::int64_t expect = 1;
    for (int i = t.tensor().ndim - 1; i >= 0; --i) {
        if (t.tensor().shape[i] != 1 && strides[static_cast<std::size_t>(i)] != expect) return false;
        expect *= t.tensor().shape[i];
    }
    return true;
}

// y[t][s] = experts[ids[t][s]] x[t] (x [tokens, cols]) or x[t][s] (x
// [tokens, top_k, cols]); ids [tokens, top_k] int32; both row-major.
ArrayPtr experts_mul_mat_id(const hq::QuantizedExperts& w, const py::object& x, const py::object& ids,
                            const py::object& stream_arg, const py::object& ws_arg) {
    release_done();
    const hipStream_t stream = stream_of(stream_arg, w.device());
    Imported xi(x, stream, w.device(), "mul_mat_id");
    xi.require(dl::kFloat, 32, "mul_mat_id: x", "float32");
    Imported ii(ids, stream, w.device(), "mul_mat_id");
    ii.require(dl::kInt, 32, "mul_mat_id: ids", "int32");
    const dl::Tensor& it = ii.tensor();
    const dl::Tensor& xt = xi.tensor();
    if (it.ndim != 2 || !row_major(ii)) fail("mul_mat_id: ids must be a row-major [tokens, top_k] array");
    const auto tokens = static_cast<std::size_t>(it.shape[0]), top_k = static_cast<std::size_t>(it.shape[1]);
    if ((xt.ndim != 2 && xt.ndim != 3) || !row_major(xi))
        fail("mul_mat_id: x must be a row-major [tokens, cols] or [tokens, top_k, cols] array");
    const std::size_t x_slots = xt.ndim == 3 ? static_cast<std::size_t>(xt.shape[1]) : 1;
    if (static_cast<std::size_t>(xt.shape[0]) != tokens)
        fail("mul_mat_id: x has " + std::to_string(xt.shape[0]) + " tokens but ids has " + std::to_string(tokens));
    const std::size_t x_values = tokens * x_slots * static_cast<std::size_t>(xt.shape[xt.ndim - 1]);
    auto y = new_array(w.device(),
                       {static_cast<std::int64_t>(tokens), static_cast<std::int64_t>(top_k),
                        static_cast<std::int64_t>(w.rows())},
                       kF32);
    if (tokens > 0 && top_k > 0) {  // waits for `stream` to check the ids
        const auto xs = DeviceSpan<const float>::wrap(xi.data<const float>(), x_values);
        const auto is = DeviceSpan<const std::int32_t>::wrap(ii.data<const std::int32_t>(), tokens * top_k);
        if (hq::Workspace* ws = workspace_of(ws_arg))
            w.mul_mat_id(xs, tokens, x_slots, is, top_k, span_of<float>(*y), stream, *ws);
        else
            w.mul_mat_id(xs, tokens, x_slots, is, top_k, span_of<float>(*y), stream);
    }
    y->ready.record(stream);
    xi.keep_until_done(stream);
    ii.keep_until_done(stream);
    return y;
}

// ---- Host buffers -------------------------------------------------------------
using F32Array = py::array_t<float, py::array::c_style | py::array::forcecast>;

std::pair<std::size_t, std::size_t> matrix_shape(const F32Array& a, const char* what) {
    if (a.ndim() == 1) return {1, static_cast<std::size_t>(a.shape(0))};
    if (a.ndim() == 2) return {static_cast<std::size_t>(a.shape(0)), static_cast<std::size_t>(a.shape(1))};
    fail(std::string(what) + ": expected a 1-D or 2-D float32 array, got " + std::to_string(a.ndim()) +
         " dimensions");
}

py::bytes buffer_bytes(const py::buffer& data) {
    const py::buffer_info info = data.request();
    if (info.ndim != 1 && !(PyBuffer_IsContiguous(info.view(), 'C')))
        fail("expected contiguous bytes (bytes, bytearray or a contiguous NumPy array)");
    return py::bytes(static_cast<const char*>(info.ptr), static_cast<std::size_t>(info.size * info.itemsize));
}

py::object metadata_value(const hipquant::gguf::Value& v) {
    using hipquant::gguf::ValueType;
    if (v.is_string()) return py::str(v.as_string());
    if (v.type() == ValueType::Bool) return py::bool_(v.as_bool());
    if (v.is_float()) return py::float_(v.as_float());
    if (v.is_integer()) {
        if (hipquant::gguf::is_signed_integer_type(v.type())) return py::int_(v.as_int());
        return py::int_(v.as_uint());
    }
    py::list out;
    if (v.element_type() == ValueType::Array) {
        for (const auto& e : v.arrays()) out.append(metadata_value(e));
    } else {
        for (std::size_t i = 0; i < v.size(); ++i) out.append(metadata_value(v.at(i)));
    }
    return std::move(out);
}

std::vector<std::uint64_t> tensor_shape(const hipquant::gguf::TensorInfo& t) {
    return std::vector<std::uint64_t>(t.ne.begin(), t.ne.begin() + t.n_dims);
}

}  // namespace

PYBIND11_MODULE(_hipquant, m) {
    m.doc() = "GGML-style quantized matrix products on AMD and NVIDIA GPUs (hipquant)";

    static py::exception<hipquant::Error> error(m, "Error", PyExc_RuntimeError);
    py::register_exception_translator([](std::exception_ptr p) {
        try {
            if (p) std::rethrow_exception(p);
        } catch (const hipquant::Error& e) {
            py::object inst = py::reinterpret_borrow<py::object>(error.ptr())(e.what());
            inst.attr("code") = e.code();
            PyErr_SetObject(error.ptr(), inst.ptr());
        }
    });

    m.def("device_count", &RocmDevice::count, "GPUs this build can use (0 without a GPU or driver)");
    m.attr("platform") = hipquant::platform::kName;
    m.def("type_names", [] {
        std::vector<std::string> out;
        for (const auto& info : hq::kQuantTypes) out.emplace_back(info.name);
        return out;
    });
    m.def("row_size_bytes", [](const std::string& type, std::size_t cols) {
        return hq::row_size_bytes(hq::parse_quant_type(type), cols);
    });

    py::class_<RocmDevice>(m, "Device")
        .def(py::init([](int ordinal) { return RocmDevice::open(ordinal); }), py::arg("ordinal") = 0)
        .def_property_readonly("ordinal", &RocmDevice::ordinal)
        .def_property_readonly("name", &RocmDevice::name)
        .def_property_readonly("arch", &RocmDevice::arch)
        .def_property_readonly("stream", [](const RocmDevice& d) { return reinterpret_cast<std::uintptr_t>(d.stream()); })
        .def("synchronize", [](const RocmDevice& d) {
            d.synchronize();
            release_done();
        });

    py::class_<Array, ArrayPtr>(m, "Array")
        .def_property_readonly("shape", [](const Array& a) { return py::tuple(py::cast(a.shape)); })
        .def_property_readonly("dtype", [](const Array& a) { return a.dtype.bits == 16 ? "float16" : "float32"; })
        .def_property_readonly("data_ptr", [](const Array& a) { return reinterpret_cast<std::uintptr_t>(a.memory.data()); })
        .def("__dlpack__", [](const ArrayPtr& a, py::object stream, py::kwargs) { return export_array(a, stream); },
             py::arg("stream") = py::none())
        .def("__dlpack_device__", [](const Array& a) { return py::make_tuple(kDeviceType, a.device.ordinal()); })
        .def("numpy", [](const Array& a) -> py::object {
            if (a.dtype.bits == 16) return to_numpy<std::uint16_t>(a).attr("view")("float16");
            return to_numpy<float>(a);
        });

    py::class_<hq::Workspace>(m, "Workspace")
        .def(py::init([](const RocmDevice& d, std::size_t nbytes) { return hq::Workspace(d, nbytes); }),
             py::arg("device"), py::arg("nbytes"))
        .def_property_readonly("nbytes", &hq::Workspace::size_bytes);

    py::class_<hq::QuantizedTensor>(m, "Weight")
        .def_static(
            "load",
            [](const RocmDevice& d, const std::string& type, const py::buffer& data, std::size_t rows, std::size_t cols) {
                const std::string bytes = buffer_bytes(data);
                return hq::QuantizedTensor::load(d, hq::parse_quant_type(type), bytes.data(), bytes.size(), rows, cols);
            },
            py::arg("device"), py::arg("type"), py::arg("data"), py::arg("rows"), py::arg("cols"))
        .def_static(
            "quantize",
            [](const RocmDevice& d, const std::string& type, const F32Array& values) {
                const auto [rows, cols] = matrix_shape(values, "Weight.quantize");
                return hq::QuantizedTensor::quantize(d, hq::parse_quant_type(type), values.data(), rows, cols);
            },
            py::arg("device"), py::arg("type"), py::arg("values"))
        .def_property_readonly("type", [](const hq::QuantizedTensor& w) { return hq::quant_type_name(w.type()); })
        .def_property_readonly("rows", &hq::QuantizedTensor::rows)
        .def_property_readonly("cols", &hq::QuantizedTensor::cols)
        .def_property_readonly("nbytes", &hq::QuantizedTensor::storage_size_in_bytes)
        .def("workspace_bytes", [](const hq::QuantizedTensor& w, std::size_t batch) { return w.workspace_bytes(batch); },
             py::arg("batch"))
        .def("matmul", &weight_matmul, py::arg("x"), py::kw_only(), py::arg("stream") = py::none(),
             py::arg("workspace") = py::none())
        .def("dequantize", &weight_dequantize, py::kw_only(), py::arg("dtype") = "float32",
             py::arg("stream") = py::none())
        .def("get_rows", &weight_get_rows, py::arg("indices"), py::kw_only(), py::arg("dtype") = "float32",
             py::arg("stream") = py::none())
        .def("to_bytes", [](const hq::QuantizedTensor& w) {
            const auto v = w.to_host_bytes();
            return py::bytes(reinterpret_cast<const char*>(v.data()), v.size());
        });

    py::class_<hq::QuantizedExperts>(m, "Experts")
        .def_static(
            "load",
            [](const RocmDevice& d, const std::string& type, const py::buffer& data, std::size_t experts,
               std::size_t rows, std::size_t cols) {
                const std::string bytes = buffer_bytes(data);
                return hq::QuantizedExperts::load(d, hq::parse_quant_type(type), bytes.data(), bytes.size(), experts,
                                                  rows, cols);
            },
            py::arg("device"), py::arg("type"), py::arg("data"), py::arg("experts"), py::arg("rows"), py::arg("cols"))
        .def_static(
            "quantize",
            [](const RocmDevice& d, const std::string& type, const F32Array& values) {
                if (values.ndim() != 3)
                    fail("Experts.quantize: expected a 3-D float32 array [experts, rows, cols], got " +
                         std::to_string(values.ndim()) + " dimensions");
                return hq::QuantizedExperts::quantize(d, hq::parse_quant_type(type), values.data(),
                                                      static_cast<std::size_t>(values.shape(0)),
                                                      static_cast<std::size_t>(values.shape(1)),
                                                      static_cast<std::size_t>(values.shape(2)));
            },
            py::arg("device"), py::arg("type"), py::arg("values"))
        .def_property_readonly("type", [](const hq::QuantizedExperts& w) { return hq::quant_type_name(w.type()); })
        .def_property_readonly("experts", &hq::QuantizedExperts::experts)
        .def_property_readonly("rows", &hq::QuantizedExperts::rows)
        .def_property_readonly("cols", &hq::QuantizedExperts::cols)
        .def(
            "workspace_bytes",
            [](const hq::QuantizedExperts& w, std::size_t tokens, std::size_t top_k, bool per_slot) {
                return w.workspace_bytes(tokens, per_slot ? top_k : 1, top_k);
            },
            py::arg("tokens"), py::arg("top_k"), py::kw_only(), py::arg("per_slot") = false)
        .def("mul_mat_id", &experts_mul_mat_id, py::arg("x"), py::arg("ids"), py::kw_only(),
             py::arg("stream") = py::none(), py::arg("workspace") = py::none());

    py::module_ ref = m.def_submodule("reference", "The CPU reference (the oracle the GPU kernels are tested against)");
    ref.def(
        "quantize",
        [](const std::string& type, const F32Array& values) {
            const auto [rows, cols] = matrix_shape(values, "reference.quantize");
            const auto v = hq::reference::quantize_matrix(hq::parse_quant_type(type), values.data(), rows, cols);
            return py::bytes(reinterpret_cast<const char*>(v.data()), v.size());
        },
        py::arg("type"), py::arg("values"));
    ref.def(
        "dequantize",
        [](const std::string& type, const py::buffer& data, std::size_t rows, std::size_t cols) {
            const std::string bytes = buffer_bytes(data);
            const hq::QuantType t = hq::parse_quant_type(type);
            const std::size_t need = rows * hq::row_size_bytes(t, cols);
            if (bytes.size() != need)
                fail("reference.dequantize: " + std::string(hq::quant_type_name(t)) + " " + std::to_string(rows) +
                     " x " + std::to_string(cols) + " needs " + std::to_string(need) + " bytes, got " +
                     std::to_string(bytes.size()));
            const auto v = hq::reference::dequantize_matrix(t, bytes.data(), rows, cols);
            py::array_t<float> out({static_cast<py::ssize_t>(rows), static_cast<py::ssize_t>(cols)});
            std::memcpy(out.mutable_data(), v.data(), v.size() * sizeof(float));
            return out;
        },
        py::arg("type"), py::arg("data"), py::arg("rows"), py::arg("cols"));

    py::module_ gg = m.def_submodule("_gguf", "GGUF files (hipquant.gguf wraps it)");
    py::class_<hipquant::gguf::TensorInfo>(gg, "TensorInfo")
        .def_readonly("name", &hipquant::gguf::TensorInfo::name)
        .def_property_readonly("type", &hipquant::gguf::TensorInfo::type_name)  // any GGML type, e.g. "IQ2_XXS"
        .def_property_readonly("supported", &hipquant::gguf::TensorInfo::supported)
        .def_property_readonly("shape", &tensor_shape)
        .def_readonly("nbytes", &hipquant::gguf::TensorInfo::n_bytes)
        .def_readonly("offset", &hipquant::gguf::TensorInfo::offset)
        .def("__repr__", [](const hipquant::gguf::TensorInfo& t) {
            return "TensorInfo('" + t.name + "', " + t.type_name() + ", " + t.shape_string() + ")";
        });
    py::class_<hipquant::gguf::GgufFile>(gg, "GgufFile")
        .def_static("open", &hipquant::gguf::GgufFile::open, py::arg("path"))
        .def_property_readonly("name", &hipquant::gguf::GgufFile::name)
        .def_property_readonly("version", &hipquant::gguf::GgufFile::version)
        .def_property_readonly("alignment", &hipquant::gguf::GgufFile::alignment)
        .def_property_readonly("metadata",
                               [](const hipquant::gguf::GgufFile& f) {
                                   py::dict out;
                                   for (const auto& [key, v] : f.metadata().entries()) out[py::str(key)] = metadata_value(v);
                                   return out;
                               })
        .def_property_readonly("tensors", &hipquant::gguf::GgufFile::tensors, py::return_value_policy::reference_internal)
        .def("tensor", &hipquant::gguf::GgufFile::tensor, py::arg("name"), py::return_value_policy::reference_internal)
        .def(
            "data",
            [](const hipquant::gguf::GgufFile& f, const std::string& name) {
                const auto& t = f.tensor(name);
                return py::bytes(reinterpret_cast<const char*>(t.data), t.n_bytes);
            },
            py::arg("name"))
        .def(
            "load",
            [](const hipquant::gguf::GgufFile& f, const RocmDevice& d, const std::string& name) {
                return hipquant::gguf::upload(d, f.tensor(name));
            },
            py::arg("device"), py::arg("name"))
        .def(
            "load_experts",
            [](const hipquant::gguf::GgufFile& f, const RocmDevice& d, const std::string& name) {
                return hipquant::gguf::upload_experts(d, f.tensor(name));
            },
            py::arg("device"), py::arg("name"));
}
