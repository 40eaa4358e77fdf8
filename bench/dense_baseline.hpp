// The dense f16 GEMM that hipquant-bench compares its mat-mat cases with:
// the vendor BLAS (cuBLAS on NVIDIA, hipBLAS on AMD), loaded at run time so
// that the benchmark neither links it nor needs it installed. What to load
// and how to call it is in hipquant/runtime/platform.hpp (platform::blas).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "bench_util.hpp"
#include "hipquant/runtime/device.hpp"

namespace hipquant::bench {

struct BlasApi;  // the library's functions, looked up with dlsym (dense_baseline.cpp)

class DenseF16Gemm {
public:
    // Loads the vendor BLAS and creates a handle on device.stream(). A
    // missing library or a failing handle is not an error: available() is
    // then false and unavailable_reason() says why.
    explicit DenseF16Gemm(const RocmDevice& device);
    ~DenseF16Gemm();
    DenseF16Gemm(const DenseF16Gemm&) = delete;  // owns the BLAS handle
    DenseF16Gemm& operator=(const DenseF16Gemm&) = delete;

    bool available() const noexcept { return handle_ != nullptr; }
    const std::string& unavailable_reason() const noexcept { return reason_; }
    // "cuBLAS (libcublas.so.13)": the vendor and the file that was loaded.
    const std::string& library() const noexcept { return library_; }

    // Uploads `copies` copies of a rows x cols f16 weight of random values
    // (seeded), which the following time_us calls rotate over so that no
    // repetition finds its weight in L2. Requires available().
    void set_weight(std::size_t rows, std::size_t cols, std::size_t copies, unsigned seed);

    // Median microseconds of one y = W x GEMM of the weight above with
    // `batch` random f16 activation vectors: M = rows, N = batch, K = cols,
    // f16 operands and result, f32 accumulation, the library's default
    // algorithm. Warms up first (at least once per copy). Throws
    // std::runtime_error naming the BLAS call that failed.
    double time_us(std::size_t batch, const TimingPlan& plan, unsigned seed) const;

private:
    RocmDevice device_;
    const BlasApi* api_ = nullptr;  // loaded once per process, never unloaded
    void* handle_ = nullptr;  // platform::blas::Handle
    std::string library_;
    std::string reason_;
    std::size_t rows_ = 0;
    std::size_t cols_ = 0;
    std::vector<DeviceMemory<std::uint16_t>> weights_;  // f16 bits, rows x cols row-major
};

}  // namespace hipquant::bench
