// Scratch memory and quantized activations, owned by the caller: weights
// hold neither, so one weight serves any number of threads and streams.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "hipquant/quant/blocks.hpp"
#include "hipquant/quant/kernel_args.hpp"
#include "hipquant/quant/ops.hpp"
#include "hipquant/runtime/device.hpp"

namespace hipquant::quant {

// Device scratch for the products and gathers of one stream at a time: the
// activations quantized to Q8_1, the k-slice partial sums, get_rows' status
// word. Size it with QuantizedTensor::workspace_bytes(batch) (the largest
// over the calls it will serve); a call given a smaller one throws, naming
// both sizes, and never allocates. Calls on different streams in flight at
// once need different workspaces (sharing one, they may compute garbage or
// never finish: the kernels keep counters in it); calls in stream order
// may share one.
class Workspace {
public:
    Workspace() = default;
    Workspace(const RocmDevice& device, std::size_t bytes) { reserve(device, bytes); }

    // Grows to at least `bytes` (allocates: not for the launch path; waits
    // for the device, as hipFree does).
    void reserve(const RocmDevice& device, std::size_t bytes) {
        if (buffer_.valid() && size_bytes() >= bytes) return;
        buffer_ = DeviceMemory<std::uint8_t>();
        buffer_ = device.alloc_zeros<std::uint8_t>(kCounterBytes + (bytes > 0 ? bytes : 1));
        device.synchronize();  // the counters are zero before any stream uses them
    }
    std::size_t size_bytes() const noexcept { return buffer_.valid() ? buffer_.size() - kCounterBytes : 0; }
    // The device it lives on; -1 until reserved.
    int device_ordinal() const { return buffer_.valid() ? buffer_.device_ordinal() : -1; }
    // Empty until reserved (the calls that need no scratch accept that).
    DeviceSpan<std::uint8_t> span() const {
        if (!buffer_.valid()) return {};
        return DeviceSpan<std::uint8_t>::wrap_unchecked(buffer_.data() + kCounterBytes, size_bytes());
    }
    // The kernels' grid counters (MatVecQuantizeArgs::counters), apart from
    // span(): zero between calls. Null until reserved.
    std::uint32_t* counters() const noexcept {
        return buffer_.valid() ? reinterpret_cast<std::uint32_t*>(buffer_.data()) : nullptr;
    }

private:
    // The counters' words, a multiple of 256 bytes (span() stays as aligned as the buffer).
    static constexpr std::size_t kCounterBytes = (kGridCounterWords * 4 + 255) / 256 * 256;
    DeviceMemory<std::uint8_t> buffer_;
};

// Activations quantized to Q8_1 once, for every weight that takes them
// (a layer's Q, K and V, or gate and up): rows x q8_1_row_blocks(cols)
// blocks. A view: the blocks live in memory the caller owns (a
// QuantizedActivationBuffer, or a framework's).
struct QuantizedActivations {
    DeviceSpan<const BlockQ8_1> blocks;
    std::size_t rows = 0;
    std::size_t cols = 0;
};

// An owning buffer for quantized activations of up to `rows` x `cols`.
class QuantizedActivationBuffer {
public:
    QuantizedActivationBuffer(const RocmDevice& device, std::size_t rows, std::size_t cols)
        : device_(device), rows_(rows), cols_(cols), blocks_(device.alloc<BlockQ8_1>(rows * q8_1_row_blocks(cols))) {}

    // Quantizes every row of x (x.rows() <= rows(), `cols` values each) on
    // `stream`; the result stays valid until the next quantize.
    QuantizedActivations quantize(const ActivationView& x, hipStream_t stream) {
        HIPQUANT_REQUIRE(x.rows() <= rows_, errc::invalid_value,
                         "QuantizedActivationBuffer: x has " + std::to_string(x.rows()) +
                             " rows but the buffer holds " + std::to_string(rows_));
        auto out = blocks_.slice(0, x.rows() * q8_1_row_blocks(cols_));
        quantize_q8_1(device_, x, cols_, out, stream);
        return QuantizedActivations{out, x.rows(), cols_};
    }
    std::size_t rows() const noexcept { return rows_; }
    std::size_t cols() const noexcept { return cols_; }

private:
    RocmDevice device_;
    std::size_t rows_, cols_;
    DeviceMemory<BlockQ8_1> blocks_;
};

}  // namespace hipquant::quant
