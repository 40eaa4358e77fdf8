// GGUF tensors onto the GPU: a tensor of a GgufFile becomes a QuantizedTensor
// (or, for expert tensors, QuantizedExperts).
#pragma once

#include "hipquant/gguf/gguf.hpp"
#include "hipquant/quant/experts.hpp"
#include "hipquant/quant/storage.hpp"

namespace hipquant::gguf {

// Uploads `tensor`'s bytes as a rows x cols weight on `device`, with
// cols = ne[0] and rows = ne[1] (a 1-D tensor is one row). Throws
// hipquant::Error naming the tensor and its shape for higher ranks
// (ne[2] or ne[3] > 1), and naming the tensor and its type for types
// hipquant has no kernels for (!tensor.supported()) or that cannot be weights.
quant::QuantizedTensor upload(const RocmDevice& device, const TensorInfo& tensor);

// Uploads a mixture-of-experts tensor (blk.N.ffn_gate_exps.weight and the
// like) as ne[2] experts of ne[1] x ne[0]. Throws hipquant::Error naming the
// tensor for a rank other than 3 (ne[3] > 1, or a 1-D or 2-D tensor: those
// are upload's) and for types without an expert product.
quant::QuantizedExperts upload_experts(const RocmDevice& device, const TensorInfo& tensor);

}  // namespace hipquant::gguf
