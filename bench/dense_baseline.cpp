// The vendor BLAS loaded with dlopen and its f16 GEMM timed with device events.
#include "dense_baseline.hpp"

#include <dlfcn.h>
#include <glob.h>

#include <algorithm>
#include <climits>
#include <stdexcept>
#include <string>
#include <vector>

#include "hipquant/quant/half.hpp"

namespace hipquant::bench {

namespace blas = platform::blas;

namespace {

// Random values are drawn for at most this many elements of a matrix and
// repeated over the rest (drawing 58 M normals for 4096 x 14336 would take
// longer than the GEMMs); the GEMM's speed does not depend on the values as
// long as they are not zeros.
constexpr std::size_t kPatternValues = std::size_t{1} << 20;

// n f16 values (raw bits) from N(0, 1): a seeded pattern, repeated.
std::vector<std::uint16_t> random_f16(std::size_t n, unsigned seed) {
    const std::vector<float> pattern = random_normal(std::min(n, kPatternValues), seed);
    std::vector<std::uint16_t> out(n);
    for (std::size_t i = 0; i < n; ++i) out[i] = quant::fp32_to_fp16(pattern[i % pattern.size()]);
    return out;
}

// The candidate file names of one Library entry: the name itself, or the
// files its glob pattern matches.
std::vector<std::string> candidate_files(const char* name) {
    if (std::string(name).find('*') == std::string::npos) return {name};
    std::vector<std::string> files;
    glob_t found{};
    if (glob(name, 0, nullptr, &found) == 0)
        for (std::size_t i = 0; i < found.gl_pathc; ++i) files.emplace_back(found.gl_pathv[i]);
    globfree(&found);
    return files;
}

int checked_int(std::size_t v, const char* what) {
    if (v > static_cast<std::size_t>(INT_MAX))
        throw std::runtime_error(std::string(what) + " " + std::to_string(v) + " exceeds the BLAS int range");
    return static_cast<int>(v);
}

void check_status(blas::Status status, const char* call) {
    if (status != blas::kSuccess)
        throw std::runtime_error(std::string(call) + " returned status " + std::to_string(status));
}

// A function of the loaded library, or null.
template <typename Fn>
Fn symbol(void* lib, const char* name) {
    return reinterpret_cast<Fn>(dlsym(lib, name));
}

}  // namespace

struct BlasApi {
    std::string library;  // "cuBLAS (libcublas.so.13)"
    blas::GemmEnums enums{};
    blas::CreateFn create = nullptr;
    blas::DestroyFn destroy = nullptr;
    blas::SetStreamFn set_stream = nullptr;
    blas::GemmExFn gemm_ex = nullptr;

    bool complete() const { return create && destroy && set_stream && gemm_ex; }
};

namespace {

struct LoadedBlas {
    BlasApi api;
    bool loaded = false;
    std::string reason;  // why not loaded
};

// The first library of platform::blas::kLibraries that loads and has all
// four functions.
LoadedBlas load_blas() {
    LoadedBlas out;
    std::string tried;
    std::string last_error;
    for (const blas::Library& entry : blas::kLibraries) {
        tried += (tried.empty() ? "" : ", ") + std::string(entry.file);
        for (const std::string& file : candidate_files(entry.file)) {
            void* lib = dlopen(file.c_str(), RTLD_NOW | RTLD_LOCAL);
            if (lib == nullptr) {
                const char* err = dlerror();
                last_error = err ? err : file + ": cannot be loaded";
                continue;
            }
            out.api = BlasApi{std::string(blas::kVendor) + " (" + file + ")", entry.enums,
                              symbol<blas::CreateFn>(lib, blas::kCreate), symbol<blas::DestroyFn>(lib, blas::kDestroy),
                              symbol<blas::SetStreamFn>(lib, blas::kSetStream),
                              symbol<blas::GemmExFn>(lib, blas::kGemmEx)};
            if (out.api.complete()) {
                out.loaded = true;
                return out;
            }
            last_error = file + " lacks one of " + blas::kCreate + ", " + blas::kDestroy + ", " + blas::kSetStream +
                         ", " + blas::kGemmEx;
            dlclose(lib);
        }
    }
    out.reason = std::string(blas::kVendor) + " not found; tried " + tried + "; last error: " + last_error;
    return out;
}

// Loaded once per process and never unloaded: a BLAS keeps device state
// and registers exit handlers.
const LoadedBlas& loaded_blas() {
    static const LoadedBlas blas_library = load_blas();
    return blas_library;
}

}  // namespace

DenseF16Gemm::DenseF16Gemm(const RocmDevice& device) : device_(device) {
    const LoadedBlas& lib = loaded_blas();
    if (!lib.loaded) {
        reason_ = lib.reason;
        return;
    }
    api_ = &lib.api;
    library_ = api_->library;
    blas::Handle handle = nullptr;
    if (const blas::Status s = api_->create(&handle); s != blas::kSuccess) {
        reason_ = library_ + ": " + blas::kCreate + " returned status " + std::to_string(s);
        return;
    }
    if (const blas::Status s = api_->set_stream(handle, device_.stream()); s != blas::kSuccess) {
        reason_ = library_ + ": " + blas::kSetStream + " returned status " + std::to_string(s);
        (void)api_->destroy(handle);
        return;
    }
    handle_ = handle;
}

DenseF16Gemm::~DenseF16Gemm() {
    if (handle_ != nullptr) (void)api_->destroy(handle_);
}

void DenseF16Gemm::set_weight(std::size_t rows, std::size_t cols, std::size_t copies, unsigned seed) {
    if (!available()) throw std::logic_error("DenseF16Gemm::set_weight: the BLAS is unavailable: " + reason_);
    weights_.clear();  // free the previous weight before allocating the next
    const std::vector<std::uint16_t> host = random_f16(rows * cols, seed);
    for (std::size_t c = 0; c < copies; ++c) weights_.push_back(device_.memcpy_stod(host));
    device_.synchronize();  // the uploads finish before the host values go
    rows_ = rows;
    cols_ = cols;
}

double DenseF16Gemm::time_us(std::size_t batch, const TimingPlan& plan, unsigned seed) const {
    if (weights_.empty()) throw std::logic_error("DenseF16Gemm::time_us: no weight (call set_weight first)");
    const int m = checked_int(rows_, "rows");
    const int n = checked_int(batch, "batch");
    const int k = checked_int(cols_, "cols");
    const std::vector<std::uint16_t> x_host = random_f16(batch * cols_, seed);
    const DeviceMemory<std::uint16_t> x = device_.memcpy_stod(x_host);
    DeviceMemory<std::uint16_t> y = device_.alloc<std::uint16_t>(batch * rows_);
    const float alpha = 1.0f;
    const float beta = 0.0f;
    const int f16 = api_->enums.f16;
    // Column-major: the row-major rows x cols weight is a cols x rows matrix,
    // used transposed (lda = cols); x (batch x cols row-major) is cols x
    // batch; y (batch x rows row-major, as QuantizedTensor::matmul writes it)
    // is rows x batch.
    auto gemm = [&](std::size_t i) {
        const std::uint16_t* w = weights_[i % weights_.size()].data();
        check_status(api_->gemm_ex(handle_, blas::kOpT, blas::kOpN, m, n, k, &alpha, w, f16, k, x.data(), f16, k,
                                   &beta, y.data(), f16, m, api_->enums.compute_f32, blas::kGemmDefault),
                     blas::kGemmEx);
    };
    const std::size_t warm = std::max(plan.warmup, weights_.size());
    for (std::size_t i = 0; i < warm; ++i) gemm(i);
    device_.synchronize();
    std::size_t next = warm;  // continue the rotation where the warm-up stopped
    const double us = median_launch_us(plan, device_.stream(), next, gemm);
    device_.check();
    return us;
}

}  // namespace hipquant::bench
