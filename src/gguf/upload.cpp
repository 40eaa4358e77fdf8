// gguf::upload / upload_experts: a GGUF tensor's bytes onto the device.
#include "hipquant/gguf/upload.hpp"

namespace hipquant::gguf {

namespace {

// Loads `tensor` with load(type) after the checks both uploads share; an
// Error from the load is rethrown naming the tensor and its shape.
template <typename Load>
auto upload_checked(const char* op, const TensorInfo& tensor, bool rank_ok, const char* rank_rule, Load&& load) {
    const quant::QuantType type = tensor.quant_type();  // throws naming the tensor and its type
    HIPQUANT_REQUIRE(rank_ok, errc::not_supported,
                     std::string(op) + ": tensor '" + tensor.name + "' has shape " + tensor.shape_string() + "; " +
                         rank_rule);
    HIPQUANT_REQUIRE(tensor.data != nullptr, errc::invalid_value,
                     std::string(op) + ": tensor '" + tensor.name + "' has no data");
    try {
        return load(type);
    } catch (const Error& e) {
        throw Error(e.code(), std::string(op) + ": tensor '" + tensor.name + "' " + tensor.shape_string() + ": " +
                                  e.what(),
                    __FILE__, __LINE__);
    }
}

}  // namespace

quant::QuantizedTensor upload(const RocmDevice& device, const TensorInfo& tensor) {
    return upload_checked("gguf::upload", tensor, tensor.is_matrix(),
                          "only 1-D and 2-D tensors can be uploaded as a weight matrix", [&](quant::QuantType type) {
                              return quant::QuantizedTensor::load(device, type, tensor.data,
                                                                  static_cast<std::size_t>(tensor.n_bytes),
                                                                  static_cast<std::size_t>(tensor.ne[1]),
                                                                  static_cast<std::size_t>(tensor.ne[0]));
                          });
}

quant::QuantizedExperts upload_experts(const RocmDevice& device, const TensorInfo& tensor) {
    return upload_checked("gguf::upload_experts", tensor,
                          tensor.n_dims == 3 || (tensor.n_dims == 4 && tensor.ne[3] == 1),
                          "expert tensors are 3-D [cols, rows, experts]", [&](quant::QuantType type) {
                              return quant::QuantizedExperts::load(device, type, tensor.data,
                                                                   static_cast<std::size_t>(tensor.n_bytes),
                                                                   static_cast<std::size_t>(tensor.ne[2]),
                                                                   static_cast<std::size_t>(tensor.ne[1]),
                                                                   static_cast<std::size_t>(tensor.ne[0]));
                          });
}

}  // namespace hipquant::gguf
