// The DLPack exchange structs (the ABI of the DLPack specification, v0.8:
// https://dmlc.github.io/dlpack/latest/c_api.html), declared here so that
// the module needs no outside header. Layouts must match the spec exactly.
#pragma once

#include <cstdint>

namespace hipquant::python::dlpack {

enum DeviceType : std::int32_t {
    kCPU = 1,
    kCUDA = 2,
    kROCM = 10,
};
enum DataTypeCode : std::uint8_t {
    kInt = 0,
    kUInt = 1,
    kFloat = 2,
};

struct Device {
    std::int32_t device_type;
    std::int32_t device_id;
};
struct DataType {
    std::uint8_t code;
    std::uint8_t bits;
    std::uint16_t lanes;
};
struct Tensor {
    void* data;
    Device device;
    std::int32_t ndim;
    DataType dtype;
    std::int64_t* shape;
    std::int64_t* strides;  // in elements; null: compact row-major
    std::uint64_t byte_offset;
};
struct ManagedTensor {
    Tensor dl_tensor;
    void* manager_ctx;
    void (*deleter)(ManagedTensor* self);
};

// Capsule names: a fresh tensor, and one a consumer has taken.
inline constexpr const char* kCapsuleName = "dltensor";
inline constexpr const char* kUsedCapsuleName = "used_dltensor";

}  // namespace hipquant::python::dlpack
