// Host wrapper of the hq_quantize_q8_1 kernel.
#include <limits>
#include <string>

#include "hipquant/quant/ops.hpp"

namespace hipquant::quant {

void quantize_q8_1(const RocmDevice& device, DeviceSpan<const float> x, std::size_t rows, std::size_t cols,
                   DeviceSpan<BlockQ8_1> y, hipStream_t stream) {
    HIPQUANT_REQUIRE(cols > 0 && cols <= std::numeric_limits<std::uint32_t>::max() - kRowPadding,
                     errc::invalid_value, "quantize_q8_1: cols = " + std::to_string(cols) + " is out of range");
    HIPQUANT_REQUIRE(x.size() == rows * cols, errc::invalid_value,
                     "quantize_q8_1: x has " + std::to_string(x.size()) + " values but rows x cols = " +
                         std::to_string(rows) + " x " + std::to_string(cols) + " = " + std::to_string(rows * cols));
    const std::size_t row_blocks = q8_1_row_blocks(cols);
    HIPQUANT_REQUIRE(y.size() == rows * row_blocks, errc::invalid_value,
                     "quantize_q8_1: y has " + std::to_string(y.size()) + " blocks but " + std::to_string(rows) +
                         " rows of " + std::to_string(cols) + " values need " + std::to_string(rows * row_blocks) +
                         " (rows padded to " + std::to_string(kRowPadding) + " values)");
    if (rows == 0) return;

    static constexpr std::uint32_t kThreads = 256;  // 8 blocks of 32 values per thread block
    const QuantizeQ8_1Args args{rows, static_cast<std::uint32_t>(cols), static_cast<std::uint32_t>(row_blocks)};
    device.get_or_load_func("hq_quantize_q8_1")
        .builder()
        .arg(x)
        .arg(y)
        .arg(args)
        .launch(LaunchConfig::for_num_elems(rows * row_blocks * kQK, kThreads), stream);
}

}  // namespace hipquant::quant
