// RocmDevice and the device state its handles share.
#include "hipquant/runtime/device.hpp"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <map>
#include <mutex>
#include <utility>

namespace hipquant {
namespace detail {

class DeviceContext {
public:
    DeviceContext(int ordinal_, hipStream_t stream_, bool owns) : ordinal(ordinal_), stream(stream_), owns_stream(owns) {}
    DeviceContext(const DeviceContext&) = delete;  // owns a stream and modules
    DeviceContext& operator=(const DeviceContext&) = delete;
    ~DeviceContext() {
        if (hipSetDevice(ordinal) != hipSuccess) return;
        for (auto& entry : modules) (void)hipModuleUnload(entry.second);
        if (owns_stream && stream) (void)hipStreamDestroy(stream);
    }

    void make_current() const { HIPQUANT_CHECK(hipSetDevice(ordinal)); }

    int ordinal;
    hipStream_t stream;
    bool owns_stream;
    std::string name;
    std::string arch;
    std::size_t total_memory = 0;
    std::size_t l2_bytes = 0;
    std::size_t max_dynamic_shared = 0;
    std::size_t shared_per_multiprocessor = 0;
    std::size_t reserved_shared_per_block = 0;
    int multiprocessors = 0;
    int wavefront = 0;
    bool overlapped_launch = false;

    std::mutex mutex;  // guards the caches and deferred_error
    std::map<const void*, hipModule_t> modules;                          // by image address
    // By image and name; map nodes stay put, so Functions may point at
    // `shared_allowed`.
    struct LoadedFunction {
        hipFunction_t handle{};
        std::atomic<std::uint32_t> shared_allowed{0};  // dynamic shared memory allowed so far
    };
    std::map<std::pair<const void*, std::string>, LoadedFunction> functions;
    std::map<std::pair<const void*, std::string>, std::vector<unsigned char>> constants;  // image_constant
    std::string deferred_error;

    // KernelLists resolved on this device (RocmDevice::resolve): a slot per
    // (list, image), published with `list` last, so that readers need no
    // lock; each entry is published by its `ready` flag.
    struct ResolvedSlot {
        std::atomic<bool> ready{false};
        ResolvedKernel value;
    };
    struct ResolvedList {
        std::atomic<const KernelList*> list{nullptr};
        const void* image = nullptr;
        std::unique_ptr<ResolvedSlot[]> slots;
    };
    static constexpr int kMaxResolvedLists = 4;
    ResolvedList resolved[kMaxResolvedLists];
};

int context_ordinal(const DeviceContext& ctx) noexcept { return ctx.ordinal; }

void device_free(DeviceContext& ctx, void* ptr, void* stream) noexcept {
    hipError_t e = hipSetDevice(ctx.ordinal);
    if (e == hipSuccess) e = stream != nullptr ? hipFreeAsync(ptr, static_cast<hipStream_t>(stream)) : hipFree(ptr);
    if (e != hipSuccess) {
        (void)hipGetLastError();
        std::lock_guard<std::mutex> lock(ctx.mutex);
        if (ctx.deferred_error.empty())
            ctx.deferred_error = std::string(stream != nullptr ? "hipFreeAsync" : "hipFree") +
                                 " in ~DeviceMemory failed: " + hipGetErrorName(e) + ": " + hipGetErrorString(e);
    }
}

void* device_alloc(DeviceContext& ctx, std::size_t bytes, const char* what) {
    ctx.make_current();
    if (bytes == 0) return nullptr;
    void* p = nullptr;
    const hipError_t e = hipMalloc(&p, bytes);
    if (e != hipSuccess) {
        (void)hipGetLastError();  // clear the sticky-free error state of the runtime
        HIPQUANT_FAIL(static_cast<int>(e),
                      std::string(what) + ": cannot allocate " + std::to_string(bytes) + " bytes on device " +
                          std::to_string(ctx.ordinal) + " (" + ctx.name + ", " +
                          std::to_string(ctx.total_memory) + " bytes in all): " + hipGetErrorName(e));
    }
    return p;
}

void device_memset_zero(DeviceContext& ctx, void* ptr, std::size_t bytes) {
    if (bytes == 0) return;
    ctx.make_current();
    HIPQUANT_CHECK(hipMemsetAsync(ptr, 0, bytes, ctx.stream));
}

void device_copy(DeviceContext& ctx, void* dst, const void* src, std::size_t bytes, hipMemcpyKind kind) {
    if (bytes == 0) return;
    HIPQUANT_REQUIRE(dst && src, errc::invalid_value, "copy of " + std::to_string(bytes) + " bytes with a null pointer");
    ctx.make_current();
    HIPQUANT_CHECK(hipMemcpyAsync(dst, src, bytes, kind, ctx.stream));
}

void device_sync(DeviceContext& ctx) {
    ctx.make_current();
    HIPQUANT_CHECK(hipStreamSynchronize(ctx.stream));
}

}  // namespace detail

namespace {
std::shared_ptr<detail::DeviceContext> make_context(int ordinal, hipStream_t borrowed, bool borrow) {
    const int n = RocmDevice::count();
    HIPQUANT_REQUIRE(ordinal >= 0 && ordinal < n, errc::no_device,
                     "RocmDevice::open: device " + std::to_string(ordinal) + " does not exist (" +
                         std::to_string(n) + " GPU(s) present)");
    HIPQUANT_CHECK(hipSetDevice(ordinal));
    hipDeviceProp_t prop{};
    HIPQUANT_CHECK(hipGetDeviceProperties(&prop, ordinal));
    hipStream_t stream = borrowed;
    if (!borrow) HIPQUANT_CHECK(hipStreamCreateWithFlags(&stream, hipStreamNonBlocking));
    auto ctx = std::make_shared<detail::DeviceContext>(ordinal, stream, !borrow);
    ctx->name = prop.name;
    ctx->arch = platform::arch_name(prop);
    ctx->total_memory = prop.totalGlobalMem;
    ctx->l2_bytes = static_cast<std::size_t>(prop.l2CacheSize);
    ctx->max_dynamic_shared = platform::max_dynamic_shared(prop);
    ctx->shared_per_multiprocessor = platform::shared_per_multiprocessor(prop);
    ctx->reserved_shared_per_block = platform::reserved_shared_per_block(prop);
    ctx->multiprocessors = prop.multiProcessorCount;
    ctx->wavefront = platform::wavefront_size(prop);
    ctx->overlapped_launch = platform::overlapped_launch_supported(prop);
    return ctx;
}
}  // namespace

int RocmDevice::count() {
    int n = 0;
    const hipError_t e = hipGetDeviceCount(&n);
    if (e == hipErrorNoDevice || e == hipErrorInsufficientDriver) {
        (void)hipGetLastError();
        return 0;
    }
    HIPQUANT_CHECK(e);
    return n;
}

RocmDevice RocmDevice::open(int ordinal) { return RocmDevice(make_context(ordinal, nullptr, false)); }

RocmDevice RocmDevice::open_borrowed_stream(int ordinal, hipStream_t stream) {
    return RocmDevice(make_context(ordinal, stream, true));
}

namespace {
// A version query's answer, or 0 where it fails (no driver); the failure is
// cleared so it does not surface at the next call.
int version_or_zero(hipError_t (*query)(int*)) {
    int v = 0;
    if (query(&v) != hipSuccess) {
        (void)hipGetLastError();
        return 0;
    }
    return v;
}
}  // namespace

int RocmDevice::driver_version() { return version_or_zero(hipDriverGetVersion); }
int RocmDevice::runtime_version() { return version_or_zero(hipRuntimeGetVersion); }

std::string RocmDevice::version_string(int v) {
    if (v <= 0) return "none";
    // The two encodings do not overlap: CUDA's is 1000 * major + 10 * minor
    // (below 10^6), HIP's major * 10^7 + minor * 10^5 + patch.
    if (v < 1000000) return std::to_string(v / 1000) + "." + std::to_string(v % 1000 / 10);
    return std::to_string(v / 10000000) + "." + std::to_string(v / 100000 % 100) + "." + std::to_string(v % 100000);
}

int RocmDevice::ordinal() const noexcept { return ctx_->ordinal; }
const std::string& RocmDevice::name() const noexcept { return ctx_->name; }
const std::string& RocmDevice::arch() const noexcept { return ctx_->arch; }
std::size_t RocmDevice::total_memory_bytes() const noexcept { return ctx_->total_memory; }
std::size_t RocmDevice::l2_cache_bytes() const noexcept { return ctx_->l2_bytes; }
std::size_t RocmDevice::max_dynamic_shared_bytes() const noexcept { return ctx_->max_dynamic_shared; }
std::size_t RocmDevice::shared_bytes_per_multiprocessor() const noexcept { return ctx_->shared_per_multiprocessor; }
std::size_t RocmDevice::reserved_shared_bytes_per_block() const noexcept { return ctx_->reserved_shared_per_block; }
int RocmDevice::multiprocessor_count() const noexcept { return ctx_->multiprocessors; }
int RocmDevice::wavefront_size() const noexcept { return ctx_->wavefront; }
bool RocmDevice::overlapped_launch() const noexcept { return ctx_->overlapped_launch; }
hipStream_t RocmDevice::stream() const noexcept { return ctx_->stream; }
bool RocmDevice::owns_stream() const noexcept { return ctx_->owns_stream; }

void RocmDevice::synchronize() const { detail::device_sync(*ctx_); }

void RocmDevice::check() const {
    std::string error;
    {
        std::lock_guard<std::mutex> lock(ctx_->mutex);
        std::swap(error, ctx_->deferred_error);
    }
    HIPQUANT_REQUIRE(error.empty(), errc::invalid_value, error);
}

std::string RocmDevice::code_object_arch(const CodeObject& image) const {
    const std::vector<std::string> entries = image.architectures();
    std::string picked = pick_architecture(entries, ctx_->arch);
    if (!picked.empty()) return picked;
    auto join = [](const std::vector<std::string>& v, const char* sep) {
        std::string out;
        for (const auto& s : v) out += (out.empty() ? "" : sep) + s;
        return out.empty() ? std::string("nothing") : out;
    };
    // The target to add: the device's name without feature suffixes (an
    // entry without them runs on every setting); NVIDIA's targets are numbers.
    std::string target = ctx_->arch.substr(0, ctx_->arch.find(':'));
    if (target.rfind("sm_", 0) == 0) target = target.substr(3);
    std::vector<std::string> targets = built_targets();
    if (std::find(targets.begin(), targets.end(), target) == targets.end()) targets.push_back(target);
    HIPQUANT_FAIL(errc::no_binary_for_gpu,
                  "GPU " + std::to_string(ctx_->ordinal) + " (" + ctx_->name + ") has architecture " + ctx_->arch +
                      ", but code object '" + image.name + "' holds code only for " + join(entries, ", ") +
                      " (this hipquant was built with HIPQUANT_GPU_TARGETS=" + join(built_targets(), ";") +
                      "); rebuild hipquant with -DHIPQUANT_GPU_TARGETS=\"" + join(targets, ";") + "\"");
}

namespace {
// The module of `image` on ctx's device, loaded on first use (ctx.mutex held).
hipModule_t loaded_module(detail::DeviceContext& ctx, const RocmDevice& device, const CodeObject& image) {
    ctx.make_current();
    auto mod = ctx.modules.find(image.data);
    if (mod == ctx.modules.end()) {
        (void)device.code_object_arch(image);  // a clear error instead of the loader's "no binary for GPU"
        hipModule_t m{};
        HIPQUANT_CHECK(hipModuleLoadData(&m, image.data));
        mod = ctx.modules.emplace(image.data, m).first;
    }
    return mod->second;
}
}  // namespace

Function RocmDevice::get_or_load_func(const std::string& name, const CodeObject& image) const {
    HIPQUANT_REQUIRE(image.data != nullptr && image.size > 0, errc::invalid_image,
                     std::string("get_or_load_func('") + name + "'): code object '" + image.name + "' is empty");
    std::lock_guard<std::mutex> lock(ctx_->mutex);
    const auto key = std::make_pair(image.data, name);
    if (auto it = ctx_->functions.find(key); it != ctx_->functions.end())
        return Function(it->second.handle, it->first.second.c_str(), &it->second.shared_allowed);

    const hipModule_t mod = loaded_module(*ctx_, *this, image);
    hipFunction_t fn{};
    const hipError_t e = hipModuleGetFunction(&fn, mod, name.c_str());
    if (e != hipSuccess) {
        (void)hipGetLastError();
        HIPQUANT_FAIL(errc::not_found, "kernel '" + name + "' is not in code object '" + image.name +
                                           "' (" + hipGetErrorName(e) + ")");
    }
    const auto it = ctx_->functions.try_emplace(key).first;
    it->second.handle = fn;
    return Function(fn, it->first.second.c_str(), &it->second.shared_allowed);
}

void* RocmDevice::alloc_async(std::size_t bytes, hipStream_t stream) const {
    HIPQUANT_CHECK(hipSetDevice(ctx_->ordinal));
    void* p = nullptr;
    const hipError_t e = hipMallocAsync(&p, bytes, stream);
    if (e != hipSuccess) {
        (void)hipGetLastError();
        HIPQUANT_FAIL(errc::out_of_memory, "alloc_async of " + std::to_string(bytes) + " bytes on device " +
                                               std::to_string(ctx_->ordinal) + " failed: " + hipGetErrorName(e));
    }
    return p;
}

const ResolvedKernel& RocmDevice::resolve(const KernelList& list, std::size_t index, const CodeObject& image) const {
    HIPQUANT_REQUIRE(index < list.size, errc::invalid_value,
                     "resolve: kernel " + std::to_string(index) + " of a list of " + std::to_string(list.size));
    for (auto& r : ctx_->resolved) {
        if (r.list.load(std::memory_order_acquire) == &list && r.image == image.data) {
            auto& slot = r.slots[index];
            if (slot.ready.load(std::memory_order_acquire)) return slot.value;
            break;
        }
    }
    const KernelListEntry& entry = list.entries[index];
    HIPQUANT_REQUIRE(entry.geometry_bytes <= ResolvedKernel::kMaxGeometryBytes, errc::invalid_value,
                     std::string("resolve: the geometry of '") + entry.name + "' is larger than a ResolvedKernel holds");
    // Loaded outside the lock below: both take the context's mutex.
    ResolvedKernel value;
    value.function = get_or_load_func(entry.name, image);
    if (entry.geometry_bytes > 0) read_image_constant(entry.geometry, value.geometry, entry.geometry_bytes, image);

    std::lock_guard<std::mutex> lock(ctx_->mutex);
    detail::DeviceContext::ResolvedList* found = nullptr;
    for (auto& r : ctx_->resolved) {
        const KernelList* held = r.list.load(std::memory_order_relaxed);
        if (held == &list && r.image == image.data) {
            found = &r;
            break;
        }
        if (held == nullptr) {
            r.slots = std::make_unique<detail::DeviceContext::ResolvedSlot[]>(list.size);
            r.image = image.data;
            r.list.store(&list, std::memory_order_release);
            found = &r;
            break;
        }
    }
    HIPQUANT_REQUIRE(found != nullptr, errc::invalid_value,
                     "resolve: more than " + std::to_string(detail::DeviceContext::kMaxResolvedLists) +
                         " kernel lists on one device");
    auto& slot = found->slots[index];
    if (!slot.ready.load(std::memory_order_relaxed)) {
        slot.value = value;
        slot.ready.store(true, std::memory_order_release);
    }
    return slot.value;
}

void RocmDevice::read_image_constant(const std::string& name, void* out, std::size_t bytes,
                                     const CodeObject& image) const {
    HIPQUANT_REQUIRE(image.data != nullptr && image.size > 0, errc::invalid_image,
                     std::string("image_constant('") + name + "'): code object '" + image.name + "' is empty");
    std::lock_guard<std::mutex> lock(ctx_->mutex);
    const auto key = std::make_pair(image.data, name);
    auto it = ctx_->constants.find(key);
    if (it == ctx_->constants.end()) {
        const hipModule_t mod = loaded_module(*ctx_, *this, image);
        void* address = nullptr;
        std::size_t size = 0;
        const hipError_t e = platform::module_global(mod, name.c_str(), &address, &size);
        if (e != hipSuccess) {
            (void)hipGetLastError();
            HIPQUANT_FAIL(errc::not_found, "device variable '" + name + "' is not in code object '" + image.name +
                                               "' (" + hipGetErrorName(e) + ")");
        }
        std::vector<unsigned char> value(size);
        HIPQUANT_CHECK(hipMemcpyAsync(value.data(), address, size, hipMemcpyDeviceToHost, ctx_->stream));
        HIPQUANT_CHECK(hipStreamSynchronize(ctx_->stream));
        it = ctx_->constants.emplace(key, std::move(value)).first;
    }
    HIPQUANT_REQUIRE(it->second.size() == bytes, errc::invalid_image,
                     "device variable '" + name + "' in code object '" + image.name + "' has " +
                         std::to_string(it->second.size()) + " bytes, not the " + std::to_string(bytes) + " expected");
    std::memcpy(out, it->second.data(), bytes);
}

}  // namespace hipquant
