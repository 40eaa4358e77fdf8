// Times the CPU reference's whole-matrix quantize / dequantize per type on a
// weight-sized matrix (default 4096 x 14336), using every host thread.
//
// Usage: hipquant-reference-bench [rows cols [threads [TYPE...]]]
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "hipquant/quant/reference.hpp"
#include "hipquant/quant/types.hpp"

namespace hq = hipquant::quant;
namespace ref = hipquant::quant::reference;

int main(int argc, char** argv) {
    const std::size_t rows = argc > 2 ? std::strtoull(argv[1], nullptr, 10) : 4096;
    const std::size_t cols = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 14336;
    const unsigned threads = argc > 3 ? static_cast<unsigned>(std::strtoul(argv[3], nullptr, 10)) : 0;
    std::vector<hq::QuantType> types;
    for (int i = 4; i < argc; ++i) types.push_back(hq::parse_quant_type(argv[i]));
    if (types.empty())
        for (const auto& info : hq::kQuantTypes) types.push_back(info.type);

    // GGML's synthetic data, 0.1 + 2 cos(i), over the whole matrix.
    std::vector<float> x(rows * cols);
    for (std::size_t i = 0; i < x.size(); ++i) x[i] = 0.1f + 2.0f * std::cos(static_cast<float>(i % 100003));

    const unsigned used = threads ? threads : std::thread::hardware_concurrency();
    std::printf("reference quantize/dequantize of %zu x %zu f32 (%.1f MB), %u threads\n", rows, cols,
                static_cast<double>(x.size()) * 4 / 1e6, used);
    std::printf("%-6s %12s %12s %14s %14s\n", "type", "quantize s", "Mvalues/s", "dequantize s", "Mvalues/s");
    using clock = std::chrono::steady_clock;
    for (hq::QuantType t : types) {
        const auto t0 = clock::now();
        const auto q = ref::quantize_matrix(t, x.data(), rows, cols, threads);
        const auto t1 = clock::now();
        const auto y = ref::dequantize_matrix(t, q.data(), rows, cols, threads);
        const auto t2 = clock::now();
        const double qs = std::chrono::duration<double>(t1 - t0).count();
        const double ds = std::chrono::duration<double>(t2 - t1).count();
        const double mv = static_cast<double>(x.size()) / 1e6;
        std::printf("%-6s %12.3f %12.1f %14.3f %14.1f\n", hq::quant_type_name(t), qs, mv / qs, ds, mv / ds);
        std::fflush(stdout);
        if (y.size() != x.size()) return 1;
    }
    return 0;
}
