// gguf::upload: a GGUF tensor's bytes into a QuantizedTensor.
#include "hipquant/gguf/upload.hpp"

namespace hipquant::gguf {

quant::QuantizedTensor upload(const RocmDevice& device, const TensorInfo& tensor) {
    const quant::QuantType type = tensor.quant_type();  // throws naming the tensor and its type
    HIPQUANT_REQUIRE(tensor.is_matrix(), errc::not_supported,
                     "gguf::upload: tensor '" + tensor.name + "' has shape " + tensor.shape_string() +
                         "; only 1-D and 2-D tensors can be uploaded as a weight matrix");
    HIPQUANT_REQUIRE(tensor.data != nullptr, errc::invalid_value,
                     "gguf::upload: tensor '" + tensor.name + "' has no data");
    try {
        return quant::QuantizedTensor::load(device, type, tensor.data, static_cast<std::size_t>(tensor.n_bytes),
                                            static_cast<std::size_t>(tensor.ne[1]),
                                            static_cast<std::size_t>(tensor.ne[0]));
    } catch (const Error& e) {
        // Say which tensor the shape or type error is about.
        throw Error(e.code(), "gguf::upload: tensor '" + tensor.name + "' " + tensor.shape_string() + ": " + e.what(),
                    __FILE__, __LINE__);
    }
}

quant::QuantizedExperts upload_experts(const RocmDevice& device, const TensorInfo& tensor) {
    const quant::QuantType type = tensor.quant_type();  // throws naming the tensor and its type
    HIPQUANT_REQUIRE(tensor.n_dims == 3 || (tensor.n_dims == 4 && tensor.ne[3] == 1), errc::not_supported,
                     "gguf::upload_experts: tensor '" + tensor.name + "' has shape " + tensor.shape_string() +
                         "; expert tensors are 3-D [cols, rows, experts]");
    HIPQUANT_REQUIRE(tensor.data != nullptr, errc::invalid_value,
                     "gguf::upload_experts: tensor '" + tensor.name + "' has no data");
    try {
        return quant::QuantizedExperts::load(device, type, tensor.data, static_cast<std::size_t>(tensor.n_bytes),
                                             static_cast<std::size_t>(tensor.ne[2]),
                                             static_cast<std::size_t>(tensor.ne[1]),
                                             static_cast<std::size_t>(tensor.ne[0]));
    } catch (const Error& e) {
        throw Error(e.code(),
                    "gguf::upload_experts: tensor '" + tensor.name + "' " + tensor.shape_string() + ": " + e.what(),
                    __FILE__, __LINE__);
    }
}

}  // namespace hipquant::gguf
