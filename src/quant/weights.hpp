// Weight uploads shared by QuantizedTensor and QuantizedExperts.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "hipquant/quant/storage.hpp"
#include "hipquant/runtime/device.hpp"

namespace hipquant::quant::detail {

// n_bytes of blocks into the start of `whole`, then kWeightPaddingBytes of
// zeros after them (kernels read whole tiles past the end); waits, since the
// host buffer may go away once the caller returns.
inline void upload_weights(const RocmDevice& device, const void* bytes, std::size_t n_bytes,
                           DeviceSpan<std::uint8_t> whole) {
    device.memcpy_htod(static_cast<const std::uint8_t*>(bytes), n_bytes, whole.slice(0, n_bytes));
    const std::vector<std::uint8_t> zeros(kWeightPaddingBytes, 0);
    device.memcpy_htod(zeros, whole.slice(n_bytes, kWeightPaddingBytes));
    device.synchronize();
}

}  // namespace hipquant::quant::detail
