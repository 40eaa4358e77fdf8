// The consumer project's program: links hipquant, uses the CPU reference and
// the device API, and exits 0 when both behave.
#include <cstdio>
#include <vector>

#include "hipquant/hipquant.hpp"

int main() {
    namespace hq = hipquant::quant;
    std::vector<float> x(64);
    for (std::size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(i) - 31.5f;
    std::vector<hq::BlockQ8_1> q(2);
    hq::reference::quantize_row_q8_1(x.data(), q.data(), x.size());
    std::vector<float> back(64);
    hq::reference::dequantize_row_q8_1(q.data(), back.data(), back.size());
    const int gpus = hipquant::RocmDevice::count();
    std::printf("consumer: %s, image of %zu bytes, %d GPU(s), x[0] %g -> %g\n", hq::quant_type_name(hq::QuantType::Q8_1),
                hipquant::kernel_image().size, gpus, static_cast<double>(x[0]), static_cast<double>(back[0]));
    return back[0] < -31.0f && back[0] > -32.0f ? 0 : 1;
}
