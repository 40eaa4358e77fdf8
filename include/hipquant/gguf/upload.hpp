// GGUF tensors onto the GPU: a tensor of a GgufFile becomes a QuantizedTensor.
#pragma once

#include "hipquant/gguf/gguf.hpp"
#include "hipquant/quant/storage.hpp"

namespace hipquant::gguf {

// Uploads `tensor`'s bytes as a rows x cols weight on `device`, with
// cols = ne[0] and rows = ne[1] (a 1-D tensor is one row). Throws
// hipquant::Error naming the tensor and its shape for higher ranks
// (ne[2] or ne[3] > 1), and naming the tensor and its type for types
// hipquant has no kernels for (!tensor.supported()) or that cannot be weights.
quant::QuantizedTensor upload(const RocmDevice& device, const TensorInfo& tensor);

}  // namespace hipquant::gguf
