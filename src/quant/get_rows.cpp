// QuantizedTensor::get_rows / get_rows_f16: a row gather (embedding lookup)
// with the indices checked on the device.
#include <algorithm>
#include <cstdint>
#include <limits>
#include <string>
#include <type_traits>

#include "hipquant/quant/kernels.hpp"
#include "hipquant/quant/storage.hpp"
#include "hipquant/quant/workspace.hpp"
#include "scratch.hpp"

namespace hipquant::quant {

namespace {

// Threads per block: one column chunk of one output row per block.
constexpr std::uint32_t kGetRowsThreads = 256;
// Grid extents the kernel loops over beyond (the y limit; on x it keeps
// blocks x threads far below AMD's 2^32 work-items per dimension).
constexpr std::size_t kGetRowsMaxGrid = LaunchConfig::kMaxGridYZ;

// Everything the launch needs from the tensor, and the call's status word
// (the lowest bad position) in its scratch.
struct GatherTarget {
    const RocmDevice& device;
    QuantType type;
    DeviceSpan<const std::uint8_t> data;
    std::size_t rows;
    std::size_t cols;
    std::size_t row_bytes;
    DeviceSpan<std::int32_t> status;
};

// Both get_rows ops: shape checks on the host, then the kernel of
// `conversion` for the type, then the device's verdict on the indices, read
// back on `stream`.
template <typename Out>
void gather_rows(const GatherTarget& t, DeviceSpan<const std::int32_t> indices, DeviceSpan<Out> out,
                 const char* op, Conversion conversion, hipStream_t stream) {
    const char* tname = quant_type_name(t.type);
    HIPQUANT_REQUIRE(quant_type_info(t.type).has_kernel(kKernelDequantize), errc::not_supported,
                     std::string(op) + ": no dequantize kernel for weight type " + tname);
    const std::size_t n = indices.size();
    HIPQUANT_REQUIRE(n <= static_cast<std::size_t>(std::numeric_limits<std::int32_t>::max()), errc::invalid_value,
                     std::string(op) + ": " + std::to_string(n) + " indices, more than 2^31 - 1");
    const bool fits = n <= std::numeric_limits<std::size_t>::max() / t.cols;
    HIPQUANT_REQUIRE(fits && out.size() == n * t.cols, errc::invalid_value,
                     std::string(op) + ": out has " + std::to_string(out.size()) +
                         " values but indices x cols = " + std::to_string(n) + " x " + std::to_string(t.cols) +
                         " = " + (fits ? std::to_string(n * t.cols) : std::string("more than 2^64")));
    if (n == 0) return;

    // The lowest bad position, reset to -1 ("none", all bits set: the kernel
    // takes an unsigned minimum) in stream order before the gather.
    HIPQUANT_CHECK(hipMemsetAsync(t.status.data(), 0xff, sizeof(std::int32_t), stream));

    const GetRowsArgs args{n, t.rows, t.row_bytes, t.cols};
    const std::size_t col_chunks = (t.cols + kGetRowsThreads - 1) / kGetRowsThreads;
    const LaunchConfig cfg({static_cast<std::uint32_t>(std::min(n, kGetRowsMaxGrid)),
                            static_cast<std::uint32_t>(std::min(col_chunks, kGetRowsMaxGrid)), 1},
                           {kGetRowsThreads, 1, 1}, 0);
    kernel(t.device, conversion_kernel(conversion, t.type))
        .function.builder()
        .arg(t.data)
        .arg(indices)
        .arg(out)
        .arg(t.status)
        .arg(args)
        .launch(cfg, stream);

    std::uint32_t bad = 0;
    std::int32_t value = 0;
    if (!detail::first_bad_index(t.status.data(), indices.data(), stream, bad, value)) return;
    HIPQUANT_FAIL(errc::invalid_value, std::string(op) + ": indices[" + std::to_string(bad) + "] = " +
                                           std::to_string(value) + " is out of range for a tensor of " +
                                           std::to_string(t.rows) + " rows");
}

}  // namespace

void QuantizedTensor::get_rows(DeviceSpan<const std::int32_t> indices, DeviceSpan<float> out,
                               hipStream_t stream) const {
    gather(indices, out, stream, nullptr);
}

void QuantizedTensor::get_rows_f16(DeviceSpan<const std::int32_t> indices, DeviceSpan<std::uint16_t> out,
                                   hipStream_t stream) const {
    gather(indices, out, stream, nullptr);
}

void QuantizedTensor::get_rows(DeviceSpan<const std::int32_t> indices, DeviceSpan<float> out, hipStream_t stream,
                               Workspace& ws) const {
    gather(indices, out, stream, &ws);
}

void QuantizedTensor::get_rows_f16(DeviceSpan<const std::int32_t> indices, DeviceSpan<std::uint16_t> out,
                                   hipStream_t stream, Workspace& ws) const {
    gather(indices, out, stream, &ws);
}

template <typename Out>
void QuantizedTensor::gather(DeviceSpan<const std::int32_t> indices, DeviceSpan<Out> out, hipStream_t stream,
                             Workspace* ws) const {
    constexpr bool kF16 = std::is_same_v<Out, std::uint16_t>;
    const char* op = kF16 ? "get_rows_f16" : "get_rows";
    if (ws) detail::require_workspace(*ws, kGatherStatusBytes, device_, op);
    const detail::PoolScratch pooled(device_, ws ? 0 : kGatherStatusBytes, stream);
    const auto status = detail::scratch_as<std::int32_t>(ws ? ws->span() : pooled.span(), 0, 1);
    gather_rows(GatherTarget{device_, type_, data(), rows_, cols_, row_bytes_, status}, indices, out, op,
                kF16 ? Conversion::get_rows_f16 : Conversion::get_rows_f32, stream);
}

}  // namespace hipquant::quant
