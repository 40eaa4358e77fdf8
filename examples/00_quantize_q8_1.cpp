// Demo: quantize a random matrix to Q8_1 on the first GPU and check it
// against the CPU reference; with no GPU, say so and run the CPU path.
#include <chrono>
#include <cstdio>
#include <cstring>
#include <random>

#include "hipquant/hipquant.hpp"

namespace hq = hipquant::quant;

int main() try {
    constexpr std::size_t rows = 512, cols = 4096;
    std::mt19937 rng(42);
    std::normal_distribution<float> dist(0.0f, 1.0f);
    std::vector<float> x(rows * cols);
    for (auto& v : x) v = dist(rng);

    // CPU reference, the oracle.
    const std::size_t row_blocks = hq::q8_1_row_blocks(cols);
    std::vector<hq::BlockQ8_1> expect(rows * row_blocks);
    const auto t0 = std::chrono::steady_clock::now();
    for (std::size_t r = 0; r < rows; ++r)
        hq::reference::quantize_row_q8_1(x.data() + r * cols, expect.data() + r * row_blocks, cols);
    const double cpu_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    std::printf("CPU reference: quantized %zu x %zu f32 to Q8_1 in %.2f ms\n", rows, cols, cpu_ms);

    if (hipquant::RocmDevice::count() == 0) {
        std::printf("No GPU found (RocmDevice::count() == 0): ran the CPU reference path only.\n");
        return 0;
    }
    const auto dev = hipquant::RocmDevice::open(0);
    std::printf("GPU 0: %s (%s)\n", dev.name().c_str(), dev.arch().c_str());
    auto dx = dev.memcpy_stod(x);
    auto dy = dev.alloc<hq::BlockQ8_1>(rows * row_blocks);

    hq::quantize_q8_1(dev, dx.span(), rows, cols, dy.span(), dev.stream());  // warm-up: loads the module
    hipquant::Event start, stop;
    constexpr int reps = 20;
    start.record(dev.stream());
    for (int i = 0; i < reps; ++i) hq::quantize_q8_1(dev, dx.span(), rows, cols, dy.span(), dev.stream());
    stop.record(dev.stream());
    const float ms = hipquant::Event::elapsed_ms(start, stop);

    const auto got = dev.memcpy_dtov(dy);
    std::size_t mismatched = 0;
    for (std::size_t b = 0; b < got.size(); ++b)
        if (std::memcmp(&got[b], &expect[b], sizeof(hq::BlockQ8_1)) != 0) ++mismatched;
    const double us = 1000.0 * ms / reps;
    const double gbs = static_cast<double>(x.size() * sizeof(float) + got.size() * sizeof(hq::BlockQ8_1)) / (us * 1e3);
    std::printf("GPU: quantized %zu x %zu to Q8_1 in %.1f us (%.0f GB/s moved); %zu of %zu blocks differ from the "
                "CPU reference\n",
                rows, cols, us, gbs, mismatched, got.size());
    return mismatched == 0 ? 0 : 1;
} catch (const hipquant::Error& e) {
    std::fprintf(stderr, "hipquant error: %s\n", e.what());
    return 1;
}
