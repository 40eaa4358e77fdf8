// What an engine relies on: one weight shared by threads and streams, one
// quantization of activations shared by weights, products captured into a
// graph, and workspaces that never allocate behind the caller's back.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <thread>
#include <vector>

#include "gpu_test_util.hpp"
#include "hipquant/quant/storage.hpp"
#include "hipquant/quant/workspace.hpp"
#include "hipquant/runtime/stream.hpp"
#include "hipquant/selftest.hpp"

namespace hq = hipquant::quant;
using hipquant::selftest::random_values;
using hipquant::test::GpuTest;

namespace {

// 4096 rows: at batch 16 and 512 the mat-mat cuts the shared dimension into
// k-slices (partial sums in the scratch) on GPUs with many CUs.
constexpr std::size_t kRows = 4096;
constexpr std::size_t kCols = 2048;
constexpr std::size_t kBatches[] = {1, 8, 16, 64, 512};

bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
    return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

}  // namespace

// Eight host threads, each on its own stream with its own workspace, run
// the same products on one weight at once; every result equals the
// single-threaded one bit for bit (the products are deterministic).
TEST_F(GpuTest, EightThreadsOnEightStreamsShareOneWeight) {
    const auto values = random_values(kRows * kCols, 11);
    const auto w = hq::QuantizedTensor::quantize(device(), hq::QuantType::Q4_K, values.data(), kRows, kCols);
    for (const std::size_t batch : kBatches) {
        SCOPED_TRACE(batch);
        const auto x = device().memcpy_stod(random_values(batch * kCols, 12 + static_cast<std::uint32_t>(batch)));
        auto y = device().alloc<float>(batch * kRows);
        w.matmul(x.span(), batch, y.span(), device().stream());
        const auto expect = device().memcpy_dtov(y);

        constexpr int kThreads = 8;
        std::vector<std::vector<float>> got(kThreads);
        std::vector<std::thread> threads;
        for (int t = 0; t < kThreads; ++t) {
            threads.emplace_back([&, t] {
                const hipquant::Stream stream(device());
                hq::Workspace ws(device(), w.workspace_bytes(batch));
                auto yt = device().alloc<float>(batch * kRows);
                for (int rep = 0; rep < 4; ++rep) w.matmul(x.span(), batch, yt.span(), stream.get(), ws);
                stream.synchronize();
                got[t] = device().memcpy_dtov(yt);
            });
        }
        for (auto& th : threads) th.join();
        for (int t = 0; t < kThreads; ++t) EXPECT_TRUE(same_bits(got[t], expect)) << "thread " << t;
    }
}

// Activations quantized once, multiplied by three weights (a layer's Q, K
// and V), equal each weight's own product from f32.
TEST_F(GpuTest, WeightsShareOneQuantizationOfTheActivations) {
    const hq::QuantType types[] = {hq::QuantType::Q8_0, hq::QuantType::Q4_0, hq::QuantType::Q6_K};
    std::vector<hq::QuantizedTensor> weights;
    std::uint32_t seed = 30;
    for (const auto type : types) {
        const auto v = random_values(kRows * kCols, seed++);
        weights.push_back(hq::QuantizedTensor::quantize(device(), type, v.data(), kRows, kCols));
    }
    hq::QuantizedActivationBuffer xq_buffer(device(), 512, kCols);
    for (const std::size_t batch : kBatches) {
        SCOPED_TRACE(batch);
        const auto x = device().memcpy_stod(random_values(batch * kCols, seed++));
        const auto xq = xq_buffer.quantize(hq::ActivationView::matrix(x.span(), batch, kCols), device().stream());
        std::size_t ws_bytes = 0;
        for (const auto& w : weights) ws_bytes = std::max(ws_bytes, w.workspace_bytes(batch));
        hq::Workspace ws(device(), ws_bytes);
        for (const auto& w : weights) {
            auto shared = device().alloc<float>(batch * kRows);
            auto own = device().alloc<float>(batch * kRows);
            w.matmul(xq, shared.span(), device().stream(), ws);
            w.matmul(x.span(), batch, own.span(), device().stream());
            EXPECT_TRUE(same_bits(device().memcpy_dtov(shared), device().memcpy_dtov(own)))
                << hq::quant_type_name(w.type());
        }
    }
}

// A decode step's products at every batch, k-slice sums included, captured
// into a graph and replayed twice equal the products run eagerly.
TEST_F(GpuTest, ProductsCapturedIntoAGraphReplayEqual) {
    const auto values = random_values(kRows * kCols, 41);
    const auto w = hq::QuantizedTensor::quantize(device(), hq::QuantType::Q5_K, values.data(), kRows, kCols);
    const hipquant::Stream stream(device());
    std::vector<hipquant::DeviceMemory<float>> xs, ys;
    std::vector<std::vector<float>> expect;
    std::size_t ws_bytes = 0;
    for (const std::size_t batch : kBatches) {
        xs.push_back(device().memcpy_stod(random_values(batch * kCols, 42 + static_cast<std::uint32_t>(batch))));
        ys.push_back(device().alloc<float>(batch * kRows));
        w.matmul(xs.back().span(), batch, ys.back().span(), device().stream());
        expect.push_back(device().memcpy_dtov(ys.back()));
        ws_bytes = std::max(ws_bytes, w.workspace_bytes(batch));
    }
    hq::Workspace ws(device(), ws_bytes);
    const auto record = [&](hipStream_t s) {
        for (std::size_t i = 0; i < xs.size(); ++i) w.matmul(xs[i].span(), kBatches[i], ys[i].span(), s, ws);
    };
    const auto graph = hipquant::Graph::capture(stream.get(), record);
    for (int replay = 0; replay < 2; ++replay) {
        std::vector<float> poison(kRows * 512, std::nanf(""));
        for (std::size_t i = 0; i < ys.size(); ++i) {
            device().memcpy_htod(poison.data(), ys[i].size(), ys[i].span());
        }
        device().synchronize();
        graph.launch(stream.get());
        stream.synchronize();
        for (std::size_t i = 0; i < ys.size(); ++i)
            EXPECT_TRUE(same_bits(device().memcpy_dtov(ys[i]), expect[i])) << "batch " << kBatches[i];
    }
    // The simple calls take their scratch from the stream-ordered pool,
    // which graphs capture too.
    const auto pooled = hipquant::Graph::capture(stream.get(), [&](hipStream_t s) {
        for (std::size_t i = 0; i < xs.size(); ++i) w.matmul(xs[i].span(), kBatches[i], ys[i].span(), s);
    });
    pooled.launch(stream.get());
    stream.synchronize();
    for (std::size_t i = 0; i < ys.size(); ++i)
        EXPECT_TRUE(same_bits(device().memcpy_dtov(ys[i]), expect[i])) << "pooled, batch " << kBatches[i];
}

// At batches 1 and 2 a product given a Workspace quantizes its activations
// in the mat-vec kernel itself (one launch; MatVecQuantizeArgs). For every
// format, rows short enough to slice and long ones, strided and misaligned
// views, and a product whose input the product before it wrote (launched
// overlapping it), the result equals the product on activations quantized
// by their own launch, bit for bit, and the workspace's grid counters are
// zero again after each call.
TEST_F(GpuTest, MatVecQuantizingItsOwnActivationsEqualsTheSeparateQuantization) {
    constexpr std::size_t kShapes[][2] = {{768, 768}, {300, 2048}, {2048, 4096 + 256}};  // rows, cols
    std::uint32_t seed = 60;
    for (const auto type : hipquant::test::weight_types(hq::kKernelMulMatVec)) {
        for (const auto& shape : kShapes) {
            const std::size_t rows = shape[0], cols = shape[1];
            if (cols % hq::quant_type_info(type).block_elems != 0) continue;
            SCOPED_TRACE(std::string(hq::quant_type_name(type)) + " " + std::to_string(rows) + "x" +
                         std::to_string(cols));
            const auto v = random_values(rows * cols, seed++);
            const auto w = hq::QuantizedTensor::quantize(device(), type, v.data(), rows, cols);
            hq::Workspace ws(device(), w.workspace_bytes(2));
            hq::QuantizedActivationBuffer xq(device(), 2, cols);
            const auto counters = hipquant::DeviceSpan<const std::uint32_t>::wrap_unchecked(ws.counters(), hq::kGridCounterWords);
            for (const std::size_t batch : {1, 2}) {
                // Rows 3 + cols + 1 floats apart, from float 1: neither row
                // starts 16-byte aligned.
                const std::size_t stride = cols + 1;
                const auto x = device().memcpy_stod(random_values(1 + batch * stride, seed++));
                const hq::ActivationView views[] = {
                    hq::ActivationView::matrix(x.slice(1, batch * cols), batch, cols),
                    hq::ActivationView{x.span(), {1, 1, batch}, {0, 0, stride}},
                    hq::ActivationView{x.slice(1, batch * stride), {batch, 1, 1}, {stride, 0, 0}}};
                for (const auto& view : views) {
                    auto fused = device().alloc<float>(batch * rows);
                    auto separate = device().alloc<float>(batch * rows);
                    w.matmul(view, fused.span(), device().stream(), ws);
                    w.matmul(xq.quantize(view, device().stream()), separate.span(), device().stream(), ws);
                    EXPECT_TRUE(same_bits(device().memcpy_dtov(fused), device().memcpy_dtov(separate)))
                        << "batch " << batch << ", strides " << view.strides[0] << " " << view.strides[2];
                    EXPECT_EQ(device().memcpy_dtov(counters), std::vector<std::uint32_t>(hq::kGridCounterWords, 0));
                }
            }
            if (rows != cols) continue;
            // y1 = W x, y2 = W y1, y3 = W y2 back to back: each reads what
            // the kernel before it wrote.
            const auto x = device().memcpy_stod(random_values(cols, seed++));
            std::vector<hipquant::DeviceMemory<float>> fused, separate;
            for (int i = 0; i < 3; ++i) {
                fused.push_back(device().alloc<float>(rows));
                separate.push_back(device().alloc<float>(rows));
            }
            for (int i = 0; i < 3; ++i)
                w.matmul(i == 0 ? x.span() : fused[i - 1].span(), 1, fused[i].span(), device().stream(), ws);
            for (int i = 0; i < 3; ++i) {
                const auto in = i == 0 ? x.span() : separate[i - 1].span();
                w.matmul(xq.quantize(hq::ActivationView::matrix(in, 1, cols), device().stream()),
                         separate[i].span(), device().stream(), ws);
            }
            for (int i = 0; i < 3; ++i)
                EXPECT_TRUE(same_bits(device().memcpy_dtov(fused[i]), device().memcpy_dtov(separate[i])))
                    << "chained product " << i;
        }
    }
}

// A workspace smaller than the call needs is an Error naming both sizes,
// and nothing is launched; workspace_bytes covers get_rows too.
TEST_F(GpuTest, TooSmallAWorkspaceIsAnError) {
    const auto values = random_values(kRows * kCols, 51);
    const auto w = hq::QuantizedTensor::quantize(device(), hq::QuantType::Q8_0, values.data(), kRows, kCols);
    const auto x = device().memcpy_stod(random_values(64 * kCols, 52));
    auto y = device().alloc<float>(64 * kRows);
    const std::size_t need = w.workspace_bytes(64);
    hq::Workspace small(device(), need - 16);
    HQ_EXPECT_ERROR(w.matmul(x.span(), 64, y.span(), device().stream(), small),
                    "bytes but the call needs " + std::to_string(need));
    hq::Workspace enough(device(), w.workspace_bytes(1));
    const std::vector<std::int32_t> ids = {3, 0, 4095};
    const auto d_ids = device().memcpy_stod(ids);
    auto rows = device().alloc<float>(ids.size() * kCols);
    w.get_rows(d_ids.span(), rows.span(), device().stream(), enough);
    auto rows_pooled = device().alloc<float>(ids.size() * kCols);
    w.get_rows(d_ids.span(), rows_pooled.span(), device().stream());
    EXPECT_TRUE(same_bits(device().memcpy_dtov(rows), device().memcpy_dtov(rows_pooled)));
}
