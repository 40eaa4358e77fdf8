// `hipquant matvec FILE TENSOR`: multiplies a GGUF weight by a seeded random
// batch on the first GPU (or with the CPU reference), prints a checksum, the
// time and GB/s, and with --check compares the GPU against the CPU.
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "cli.hpp"
#include "hipquant/gguf/gguf.hpp"
#include "hipquant/gguf/upload.hpp"
#include "hipquant/quant/ops.hpp"
#include "hipquant/quant/reference.hpp"
#include "hipquant/runtime/event.hpp"
#include "hipquant/selftest.hpp"

namespace hipquant::cli {

namespace {

namespace hq = hipquant::quant;

// A one-line progress bar on stderr, only when stderr is a terminal: piped
// output stays free of it.
class Progress {
public:
    Progress(const char* what, std::size_t total) : what_(what), total_(total), tty_(isatty(STDERR_FILENO) == 1) {}
    ~Progress() {
        if (tty_ && shown_ >= 0) std::fprintf(stderr, "\r%*s\r", 60, "");
    }
    void update(std::size_t done) {
        if (!tty_ || total_ == 0) return;
        const int pct = static_cast<int>(100 * done / total_);
        if (pct == shown_) return;
        shown_ = pct;
        const int bar = pct * 30 / 100;
        std::fprintf(stderr, "\r%s [%.*s%*s] %3d%%", what_, bar, "==============================", 30 - bar, "",
                     pct);
        std::fflush(stderr);
    }

private:
    const char* what_;
    std::size_t total_;
    bool tty_;
    int shown_ = -1;
};

std::vector<float> random_batch(std::size_t n, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::normal_distribution<float> dist(0.0f, 1.0f);
    std::vector<float> x(n);
    for (auto& v : x) v = dist(rng);
    return x;
}

struct CpuProduct {
    std::vector<double> y;    // batch x rows
    std::vector<double> mag;  // sum |w * x| per output, the scale of its rounding error
};

// y = W x with the CPU reference: each row decoded exactly, dotted in double.
CpuProduct cpu_product(const gguf::TensorInfo& t, const std::vector<float>& x, std::size_t batch) {
    const std::size_t rows = static_cast<std::size_t>(t.rows()), cols = static_cast<std::size_t>(t.cols());
    const hq::QuantType type = t.quant_type();
    const std::size_t row_bytes = hq::row_size_bytes(type, cols);
    CpuProduct p{std::vector<double>(batch * rows), std::vector<double>(batch * rows)};
    std::vector<float> w(cols);
    Progress progress("CPU reference", rows);
    for (std::size_t r = 0; r < rows; ++r) {
        hq::reference::dequantize_row(type, t.data + r * row_bytes, w.data(), cols);
        for (std::size_t b = 0; b < batch; ++b) {
            double s = 0, m = 0;
            for (std::size_t c = 0; c < cols; ++c) {
                const double term = static_cast<double>(w[c]) * x[b * cols + c];
                s += term;
                m += std::fabs(term);
            }
            p.y[b * rows + r] = s;
            p.mag[b * rows + r] = m;
        }
        progress.update(r + 1);
    }
    return p;
}

void print_checksum(const char* where, const std::vector<double>& y) {
    double sum = 0, abs_sum = 0;
    for (double v : y) {
        sum += v;
        abs_sum += std::fabs(v);
    }
    std::printf("checksum (%s): sum(y) = %.6e, sum|y| = %.6e\n", where, sum, abs_sum);
}

}  // namespace

int cmd_matvec(const std::vector<std::string>& args) {
    const ArgParser p(args, {"cpu", "check"}, {"batch", "seed", "reps", "device"});
    p.expect_positionals(2, "FILE TENSOR");
    const std::uint64_t batch = p.uint_value("batch", 1);
    if (batch < 1) throw UsageError("--batch must be at least 1");
    const bool cpu = p.flag("cpu"), check = p.flag("check");
    if (cpu && check) throw UsageError("--cpu and --check exclude each other (--check runs both)");
    const std::uint64_t seed = p.uint_value("seed", 42), reps = p.uint_value("reps", 20);
    const int device_index = static_cast<int>(p.uint_value("device", 0));

    const auto file = gguf::GgufFile::open(p.positionals()[0]);
    const gguf::TensorInfo& t = file.tensor(p.positionals()[1]);
    HIPQUANT_REQUIRE(t.is_matrix(), errc::not_supported,
                     "tensor '" + t.name + "' has shape " + t.shape_string() +
                         "; matvec takes 1-D and 2-D tensors (weight matrices)");
    const std::size_t rows = static_cast<std::size_t>(t.rows()), cols = static_cast<std::size_t>(t.cols());
    t.quant_type();  // a type without kernels: the Error names the tensor and its type
    const auto x = random_batch(batch * cols, seed);
    std::printf("matvec: tensor '%s' %s %s, batch %llu, seed %llu\n", t.name.c_str(), t.type_name(),
                t.shape_string().c_str(), static_cast<unsigned long long>(batch),
                static_cast<unsigned long long>(seed));

    const bool have_gpu = RocmDevice::count() > 0;
    if (check && !have_gpu)
        HIPQUANT_FAIL(errc::no_device, "--check needs a GPU, and none was found (RocmDevice::count() is 0)");
    if (cpu || !have_gpu) {
        const CpuProduct ref = cpu_product(t, x, batch);
        std::printf("computed with the CPU reference (%s)\n", cpu ? "--cpu" : "no GPU found");
        print_checksum("CPU", ref.y);
        return kExitOk;
    }

    const RocmDevice dev = RocmDevice::open(device_index);
    const auto w = gguf::upload(dev, t);
    auto dx = dev.memcpy_stod(x);
    auto dy = dev.alloc<float>(batch * rows);
    w.matmul(dx, batch, dy, dev.stream());  // warm-up: loads the kernels, sizes the workspace
    Event start, stop;
    start.record(dev.stream());
    for (std::uint64_t i = 0; i < reps; ++i) w.matmul(dx, batch, dy, dev.stream());
    stop.record(dev.stream());
    const double us = 1000.0 * Event::elapsed_ms(start, stop) / static_cast<double>(reps);
    const auto y = dev.memcpy_dtov(dy);
    std::printf("computed on GPU %d: %s (%s)\n", dev.ordinal(), dev.name().c_str(), dev.arch().c_str());
    print_checksum("GPU", std::vector<double>(y.begin(), y.end()));
    std::printf("time: %.2f us per product (quantize + mat-vec, mean of %llu), %.1f GB/s of weights\n", us,
                static_cast<unsigned long long>(reps), static_cast<double>(w.storage_size_in_bytes()) / (us * 1e3));

    if (!check) return kExitOk;
    // The comparison of `hipquant selftest` and the GPU test suite: the GPU
    // sums the same products as the reference on the same Q8_1 activations,
    // in another order and in f32 (selftest::kMatVecRelativeBound says why).
    const CpuProduct product = cpu_product(t, selftest::q8_1_decoded(x, batch, cols), batch);
    selftest::MatVecReference ref;
    ref.batch = batch;
    ref.rows = rows;
    ref.y = product.y;
    ref.magnitude = product.mag;
    const auto r = selftest::compare_mat_vec(t.name, y, ref);
    std::printf("check: max |gpu - cpu| / (sum|w x| + 0.01) = %.3g (bound %g): %s\n", r.max_error, r.bound,
                r.passed ? "PASS" : "FAIL");
    if (!r.passed) std::printf("  %s\n", r.detail.c_str());
    return r.passed ? kExitOk : kExitRuntimeError;
}

}  // namespace hipquant::cli
