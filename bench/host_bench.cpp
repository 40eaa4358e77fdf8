// hipquant-host-bench: host time to enqueue one QuantizedTensor::matmul
// (with a workspace: the engine's call), beside the raw cost of launching
// as many kernels straight through the platform's launch call with
// prepared arguments, and per product when a graph of 50 is launched (an
// engine's captured decode step). Host time, not GPU time: each timed loop
// enqueues fewer launches than a stream queues, then waits outside the
// timing.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "hipquant/quant/kernel_args.hpp"
#include "hipquant/quant/kernels.hpp"
#include "hipquant/quant/storage.hpp"
#include "hipquant/quant/workspace.hpp"
#include "hipquant/runtime/stream.hpp"

namespace hq = hipquant::quant;

namespace {

constexpr int kCalls = 100;  // per timed loop: at most 300 launches queued
constexpr int kRounds = 30;  // timed loops; the median is reported
constexpr int kGraphCalls = 50;  // products per captured graph

template <typename Enqueue>
double median_us_per_call(const hipquant::Stream& stream, Enqueue&& enqueue) {
    std::vector<double> per_call;
    for (int round = 0; round < kRounds + 3; ++round) {
        stream.synchronize();
        const auto t0 = std::chrono::steady_clock::now();
        for (int i = 0; i < kCalls; ++i) enqueue();
        const auto t1 = std::chrono::steady_clock::now();
        if (round >= 3) per_call.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count() / kCalls);
    }
    stream.synchronize();
    std::nth_element(per_call.begin(), per_call.begin() + per_call.size() / 2, per_call.end());
    return per_call[per_call.size() / 2];
}

// Whether the call quantizes x in its mat-vec kernel (one launch fewer),
// as that kernel's published geometry says.
bool quantizes_in_product(const hipquant::RocmDevice& dev, const hq::QuantizedTensor& w, std::size_t batch) {
    if (batch > hq::kMaxMatVecBatch) return false;
    const hq::KernelId id = hq::mul_mat_vec_q8_1_kernel(w.type(), batch);
    if (std::string(w.product_kernel(batch)) != hq::kernel_name(id)) return false;  // a skinny mat-mat
    hq::MatVecGeometry g;
    std::memcpy(&g, hq::kernel(dev, id).geometry, sizeof g);
    return g.fused_quantize != 0;
}

}  // namespace

int main() {
    if (hipquant::RocmDevice::count() == 0) {
        std::fprintf(stderr, "hipquant-host-bench: no GPU on this machine: nothing to measure. Exit status 3.\n");
        return 3;
    }
    const auto dev = hipquant::RocmDevice::open(0);
    const hipquant::Stream stream(dev);
    std::printf("device: %s\n", dev.name().c_str());
    std::printf("%-5s %11s %5s %8s %13s %15s %6s %14s\n", "type", "shape", "batch", "kernels", "matmul us",
                "raw launch us", "ratio", "in a graph us");
    struct Case {
        hq::QuantType type;
        std::size_t rows, cols;
    };
    const Case cases[] = {{hq::QuantType::Q4_0, 4096, 4096},
                          {hq::QuantType::Q4_K, 4096, 4096},
                          {hq::QuantType::Q4_K, 4096, 14336}};
    for (const Case& c : cases) {
        const auto w = hq::QuantizedTensor::zeros(dev, c.type, c.rows, c.cols);
        for (const std::size_t batch : {1u, 4u, 64u}) {
            auto x = dev.alloc_zeros<float>(batch * c.cols);
            auto y = dev.alloc<float>(batch * c.rows);
            hq::Workspace ws(dev, w.workspace_bytes(batch));
            const double op = median_us_per_call(stream, [&] { w.matmul(x.span(), batch, y.span(), stream.get(), ws); });

            // The raw cost of as many launches: the quantization kernel with
            // its real arguments, through the platform call, as often as
            // the op launches kernels (1 where the mat-vec quantizes x
            // itself, else 2, or 3 with the k-slice sum: the workspace then
            // holds partial sums past the Q8_1 blocks).
            const std::size_t q8_1_bytes = batch * hq::q8_1_row_blocks(c.cols) * sizeof(hq::BlockQ8_1);
            const int kernels = quantizes_in_product(dev, w, batch)                             ? 1
                                : w.workspace_bytes(batch) > (q8_1_bytes + 15) / 16 * 16 ? 3
                                                                                          : 2;
            const auto& quantize = hq::kernel(dev, hq::KernelId::quantize_q8_1);
            const float* xp = x.data();
            void* yq = ws.span().data();
            const hq::QuantizeQ8_1Args args{batch,
                                            static_cast<std::uint32_t>(c.cols),
                                            static_cast<std::uint32_t>(hq::q8_1_row_blocks(c.cols)),
                                            {1, 1, batch},
                                            {0, 0, c.cols}};
            void* params[] = {&xp, &yq, const_cast<hq::QuantizeQ8_1Args*>(&args)};
            const unsigned grid[3] = {static_cast<unsigned>((hq::q8_1_row_blocks(c.cols) * 4 + 127) / 128),
                                      static_cast<unsigned>(batch), 1};
            const unsigned block[3] = {128, 1, 1};
            const double raw = median_us_per_call(stream, [&] {
                for (int k = 0; k < kernels; ++k)
                    HIPQUANT_CHECK(hipquant::platform::launch_kernel(quantize.function.handle(), grid, block, 0,
                                                                     stream.get(), params, false));
            });
            // An engine's decode step as one graph of kGraphCalls products:
            // the host's cost per product when the step is launched whole.
            const auto graph = hipquant::Graph::capture(stream.get(), [&](hipStream_t s) {
                for (int i = 0; i < kGraphCalls; ++i) w.matmul(x.span(), batch, y.span(), s, ws);
            });
            const double in_graph = median_us_per_call(stream, [&] { graph.launch(stream.get()); }) / kGraphCalls;
            std::printf("%-5s %5zux%-5zu %5zu %8d %13.2f %15.2f %6.2f %14.3f\n", hq::quant_type_name(c.type), c.rows,
                        c.cols, batch, kernels, op, raw, op / raw, in_graph);
        }
    }
    return 0;
}
