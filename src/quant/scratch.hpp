// A call's device scratch (internal to src/quant): where it comes from and
// how it is laid out.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "hipquant/quant/workspace.hpp"
#include "hipquant/runtime/device.hpp"

namespace hipquant::quant::detail {

constexpr std::size_t align16(std::size_t n) { return (n + 15) / 16 * 16; }

// A product's scratch: the Q8_1 activations first, then the k-slice
// partial sums, each 16-byte aligned.
struct ScratchLayout {
    std::size_t q8_1_bytes = 0, partial_bytes = 0;
    std::size_t partial_offset() const { return align16(q8_1_bytes); }
    std::size_t total() const { return align16(q8_1_bytes) + align16(partial_bytes); }
};

// Scratch from the device's stream-ordered pool, freed in stream order
// after the call's kernels (the simple calls' scratch, graph-capturable).
class PoolScratch {
public:
    PoolScratch(const RocmDevice& device, std::size_t bytes, hipStream_t stream)
        : buffer_(device.alloc_async<std::uint8_t>(bytes, stream)) {}
    DeviceSpan<std::uint8_t> span() const {
        return DeviceSpan<std::uint8_t>::wrap_unchecked(buffer_.data(), buffer_.size());
    }

private:
    DeviceMemory<std::uint8_t> buffer_;  // alloc_async: hipFreeAsync on the call's stream
};

// `count` values of T at byte `offset` of the scratch (16-byte aligned).
template <typename T>
DeviceSpan<T> scratch_as(DeviceSpan<std::uint8_t> scratch, std::size_t offset, std::size_t count) {
    return DeviceSpan<T>::wrap_unchecked(reinterpret_cast<T*>(scratch.data() + offset), count);
}

inline void require_workspace(const Workspace& ws, std::size_t need, const RocmDevice& device, const char* op) {
    if (ws.size_bytes() > 0 && ws.device_ordinal() != device.ordinal())  // the message is built only then
        hipquant::detail::check_same_device((std::string(op) + ": the workspace").c_str(), ws.device_ordinal(),
                                            device.ordinal());
    HIPQUANT_REQUIRE(ws.size_bytes() >= need, errc::invalid_value,
                     std::string(op) + ": the workspace has " + std::to_string(ws.size_bytes()) +
                         " bytes but the call needs " + std::to_string(need) + " (QuantizedTensor::workspace_bytes)");
}

// The device-side index check's verdict (get_rows, mul_mat_id): the kernel
// lowers the status word (reset to all bits set) to the first bad position
// and keeps only that; the value is read back from the caller's indices,
// unchanged on `stream`. Waits for `stream`. False when none was bad.
inline bool first_bad_index(const void* status, const std::int32_t* indices, hipStream_t stream,
                            std::uint32_t& position, std::int32_t& value) {
    position = 0xffffffffu;
    HIPQUANT_CHECK(hipMemcpyAsync(&position, status, sizeof position, hipMemcpyDeviceToHost, stream));
    HIPQUANT_CHECK(hipStreamSynchronize(stream));
    if (position == 0xffffffffu) return false;
    HIPQUANT_CHECK(hipMemcpyAsync(&value, indices + position, sizeof value, hipMemcpyDeviceToHost, stream));
    HIPQUANT_CHECK(hipStreamSynchronize(stream));
    return true;
}

}  // namespace hipquant::quant::detail
