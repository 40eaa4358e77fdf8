// Reference Q8_1 quantize / dequantize, as GGML's quantize_row_q8_1_ref.
#include <cmath>

#include "hipquant/quant/half.hpp"
#include "hipquant/quant/reference.hpp"
#include "hipquant/runtime/error.hpp"

namespace hipquant::quant::reference {

namespace {
void require_whole_blocks(const char* type, std::size_t n, std::size_t block) {
    HIPQUANT_REQUIRE(n % block == 0, errc::invalid_value,
                     std::string(type) + ": row of " + std::to_string(n) +
                         " values is not a multiple of the block size " + std::to_string(block));
}
}  // namespace

void quantize_row_q8_1(const float* x, BlockQ8_1* y, std::size_t n) {
    require_whole_blocks("Q8_1", n, kQK);
    for (std::size_t i = 0; i < n / kQK; ++i) {
        const float* xb = x + i * kQK;
        float amax = 0.0f;
        for (int j = 0; j < kQK; ++j) amax = std::fmax(amax, std::fabs(xb[j]));
        const float d = amax / 127.0f;
        const float id = d != 0.0f ? 1.0f / d : 0.0f;
        int sum = 0;
        for (int j = 0; j < kQK; ++j) {
            const float v = xb[j] * id;
            // NaN (or an Inf that made amax Inf) has no int8 value; it becomes 0.
            const int q = std::isfinite(v) ? static_cast<int>(std::round(v)) : 0;
            y[i].qs[j] = static_cast<std::int8_t>(q);
            sum += q;
        }
        y[i].d = fp32_to_fp16(d);
        y[i].s = fp32_to_fp16(static_cast<float>(sum) * d);
    }
}

void dequantize_row_q8_1(const BlockQ8_1* x, float* y, std::size_t n) {
    require_whole_blocks("Q8_1", n, kQK);
    for (std::size_t i = 0; i < n / kQK; ++i) {
        const float d = fp16_to_fp32(x[i].d);
        for (int j = 0; j < kQK; ++j) y[i * kQK + j] = static_cast<float>(x[i].qs[j]) * d;
    }
}

}  // namespace hipquant::quant::reference
