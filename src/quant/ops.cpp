// Host wrappers of the hq_quantize_q8_1 kernel.
#include <algorithm>
#include <limits>
#include <string>

#include "hipquant/quant/ops.hpp"

#include "hipquant/quant/kernels.hpp"
#include "launch.hpp"

namespace hipquant::quant {

namespace {

void check_cols(std::size_t cols) {
    HIPQUANT_REQUIRE(cols > 0 && cols <= std::numeric_limits<std::uint32_t>::max() - kRowPadding,
                     errc::invalid_value, "quantize_q8_1: cols = " + std::to_string(cols) + " is out of range");
}

}  // namespace

// The last element any row reaches is sum_i (shape_i - 1) * stride_i + cols - 1;
// summed step by step so that no product can overflow.
void check_activation_view(const ActivationView& x, std::size_t cols, const char* op) {
    const std::size_t size = x.data.size();
    const auto fail = [&] {
        HIPQUANT_FAIL(errc::invalid_value,
                      std::string(op) + ": the view's rows reach past the end of x (" + std::to_string(size) +
                          " values): shape [" + std::to_string(x.shape[0]) + ", " + std::to_string(x.shape[1]) +
                          ", " + std::to_string(x.shape[2]) + "] x " + std::to_string(cols) + " values, strides [" +
                          std::to_string(x.strides[0]) + ", " + std::to_string(x.strides[1]) + ", " +
                          std::to_string(x.strides[2]) + "]");
    };
    if (x.rows() == 0) return;
    if (size < cols) fail();
    std::size_t reach = cols;  // one past the last element read so far
    for (int i = 0; i < 3; ++i) {
        const std::size_t steps = x.shape[i] - 1;
        if (steps != 0 && x.strides[i] > (size - reach) / steps) fail();
        reach += steps * x.strides[i];
    }
}

void quantize_q8_1(const RocmDevice& device, DeviceSpan<const float> x, std::size_t rows, std::size_t cols,
                   DeviceSpan<BlockQ8_1> y, hipStream_t stream) {
    check_cols(cols);
    HIPQUANT_REQUIRE(x.size() == rows * cols, errc::invalid_value,
                     "quantize_q8_1: x has " + std::to_string(x.size()) + " values but rows x cols = " +
                         std::to_string(rows) + " x " + std::to_string(cols) + " = " + std::to_string(rows * cols));
    quantize_q8_1(device, ActivationView::matrix(x, rows, cols), cols, y, stream);
}

void quantize_q8_1(const RocmDevice& device, const ActivationView& x, std::size_t cols, DeviceSpan<BlockQ8_1> y,
                   hipStream_t stream) {
    detail::quantize_q8_1_and_reset(device, x, cols, y, nullptr, stream);
}

QuantizeQ8_1Args detail::quantize_args(const ActivationView& x, std::size_t cols, DeviceSpan<BlockQ8_1> y,
                                       std::uint32_t* status) {
    check_cols(cols);
    const std::size_t rows = x.rows();
    const std::size_t row_blocks = q8_1_row_blocks(cols);
    HIPQUANT_REQUIRE(y.size() == rows * row_blocks, errc::invalid_value,
                     "quantize_q8_1: y has " + std::to_string(y.size()) + " blocks but " + std::to_string(rows) +
                         " rows of " + std::to_string(cols) + " values need " + std::to_string(rows * row_blocks) +
                         " (rows padded to " + std::to_string(kRowPadding) + " values)");
    check_activation_view(x, cols, "quantize_q8_1");
    HIPQUANT_REQUIRE(reinterpret_cast<std::uintptr_t>(y.data()) % 4 == 0, errc::invalid_value,
                     "quantize_q8_1: y must be 4-byte aligned (the kernel writes blocks in 4-byte words)");
    return QuantizeQ8_1Args{rows,
                            static_cast<std::uint32_t>(cols),
                            static_cast<std::uint32_t>(row_blocks),
                            {x.shape[0], x.shape[1], x.shape[2]},
                            {x.strides[0], x.strides[1], x.strides[2]},
                            status};
}

void detail::quantize_q8_1_and_reset(const RocmDevice& device, const ActivationView& x, std::size_t cols,
                                     DeviceSpan<BlockQ8_1> y, std::uint32_t* status, hipStream_t stream) {
    const QuantizeQ8_1Args args = quantize_args(x, cols, y, status);
    if (args.rows == 0 && status == nullptr) return;
    HIPQUANT_REQUIRE(args.rows > 0, errc::invalid_value, "quantize_q8_1: no rows to quantize before a status reset");
    // kQuantizeQ8_1Lanes lanes a block: grid x covers a row's blocks, grid y
    // the rows (each y block loops over rows gridDim.y apart).
    static constexpr std::uint32_t kThreads = 128;
    const auto grid_x = static_cast<std::uint32_t>((args.row_blocks * kQuantizeQ8_1Lanes + kThreads - 1) / kThreads);
    const auto grid_y = static_cast<std::uint32_t>(std::min<std::size_t>(args.rows, LaunchConfig::kMaxGridYZ));
    kernel(device, KernelId::quantize_q8_1)
        .function.builder()
        .arg(x.data)
        .arg(y)
        .arg(args)
        .launch(LaunchConfig({grid_x, grid_y, 1}, {kThreads, 1, 1}, 0), stream);
}

}  // namespace hipquant::quant
