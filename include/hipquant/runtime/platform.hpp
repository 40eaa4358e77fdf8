// The one host header that knows which GPU vendor hipquant is built for.
// On AMD it is HIP itself. On NVIDIA it maps the small subset of HIP names
// the library uses onto the CUDA runtime, and reaches the driver API (module
// load, kernel launch) through the runtime's entry-point query, so nothing
// links libcuda and the library still starts where no NVIDIA driver exists.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#if defined(HIPQUANT_PLATFORM_AMD)

#include <hip/hip_runtime_api.h>

namespace hipquant::platform {
inline constexpr const char* kName = "amd";
// "gfx90a:sramecc+:xnack-": the target name with its feature suffixes.
inline std::string arch_name(const hipDeviceProp_t& prop) { return prop.gcnArchName; }
// Threads that execute in lockstep: 64 on CDNA/GCN, 32 on RDNA.
inline int wavefront_size(const hipDeviceProp_t& prop) { return prop.warpSize; }
// The most dynamic shared memory a block may be launched with (on AMD all of
// a CU's LDS, no opt-in needed).
inline std::size_t max_dynamic_shared(const hipDeviceProp_t& prop) { return prop.sharedMemPerBlock; }
// Shared memory (LDS) of one CU, and what the platform keeps of it per
// resident block (nothing on AMD).
inline std::size_t shared_per_multiprocessor(const hipDeviceProp_t& prop) {
    return prop.maxSharedMemoryPerMultiProcessor;
}
inline std::size_t reserved_shared_per_block(const hipDeviceProp_t&) { return 0; }
// Whether a kernel may be launched to overlap the end of the kernel before
// it (see launch_kernel): not on AMD.
inline bool overlapped_launch_supported(const hipDeviceProp_t&) { return false; }
// Whether kernels copy global memory to shared memory asynchronously (and
// take dynamic shared memory for it): kernels/arch.hpp's HQ_ASYNC_COPY.
inline constexpr bool kAsyncSharedCopy = false;
// Lets `f` be launched with `bytes` of dynamic shared memory: nothing to do
// on AMD (a block may use all of a CU's LDS without opting in).
inline hipError_t allow_dynamic_shared(hipFunction_t, unsigned) { return hipSuccess; }
// The device address and size of the global variable `name` of a loaded module.
inline hipError_t module_global(hipModule_t module, const char* name, void** address, size_t* bytes) {
    hipDeviceptr_t p{};
    const hipError_t e = hipModuleGetGlobal(&p, bytes, module, name);
    *address = reinterpret_cast<void*>(p);
    return e;
}
// hipModuleLaunchKernel; `overlap_previous` has no effect on AMD.
inline hipError_t launch_kernel(hipFunction_t f, const unsigned (&grid)[3], const unsigned (&block)[3],
                                unsigned shared_bytes, hipStream_t stream, void** params, bool overlap_previous) {
    (void)overlap_previous;
    return hipModuleLaunchKernel(f, grid[0], grid[1], grid[2], block[0], block[1], block[2], shared_bytes, stream,
                                 params, nullptr);
}
// Calls fn(data) on a host thread once the work queued on `stream` is done:
// the stream callback (HIP 5.2's library lacks hipLaunchHostFunc).
inline hipError_t call_when_done(hipStream_t stream, void (*fn)(void*), void* data) {
    struct Call {
        void (*fn)(void*);
        void* data;
    };
    auto* call = new Call{fn, data};
    const hipError_t e = hipStreamAddCallback(
        stream,
        [](hipStream_t, hipError_t, void* p) {
            auto* c = static_cast<Call*>(p);
            c->fn(c->data);
            delete c;
        },
        call, 0);
    if (e != hipSuccess) delete call;
    return e;
}
}  // namespace hipquant::platform

#elif defined(HIPQUANT_PLATFORM_NVIDIA)

#include <cuda.h>  // driver types only; the functions are looked up at run time
#include <cuda_runtime_api.h>

using hipError_t = cudaError_t;
using hipStream_t = cudaStream_t;
using hipEvent_t = cudaEvent_t;
using hipDeviceProp_t = cudaDeviceProp;
using hipModule_t = CUmodule;
using hipFunction_t = CUfunction;
using hipMemcpyKind = cudaMemcpyKind;

inline constexpr hipError_t hipSuccess = cudaSuccess;
inline constexpr hipError_t hipErrorNoDevice = cudaErrorNoDevice;
inline constexpr hipError_t hipErrorInsufficientDriver = cudaErrorInsufficientDriver;
inline constexpr hipError_t hipErrorNotFound = cudaErrorSymbolNotFound;
inline constexpr hipMemcpyKind hipMemcpyHostToDevice = cudaMemcpyHostToDevice;
inline constexpr hipMemcpyKind hipMemcpyDeviceToHost = cudaMemcpyDeviceToHost;
inline constexpr hipMemcpyKind hipMemcpyDeviceToDevice = cudaMemcpyDeviceToDevice;
inline constexpr unsigned hipStreamNonBlocking = cudaStreamNonBlocking;

inline const char* hipGetErrorName(hipError_t e) { return cudaGetErrorName(e); }
inline const char* hipGetErrorString(hipError_t e) { return cudaGetErrorString(e); }
inline hipError_t hipGetDeviceCount(int* n) { return cudaGetDeviceCount(n); }
inline hipError_t hipSetDevice(int d) { return cudaSetDevice(d); }
inline hipError_t hipGetDevice(int* d) { return cudaGetDevice(d); }
inline hipError_t hipGetDeviceProperties(hipDeviceProp_t* p, int d) { return cudaGetDeviceProperties(p, d); }
inline hipError_t hipDriverGetVersion(int* v) { return cudaDriverGetVersion(v); }
inline hipError_t hipRuntimeGetVersion(int* v) { return cudaRuntimeGetVersion(v); }
inline hipError_t hipMemGetInfo(size_t* free_bytes, size_t* total) { return cudaMemGetInfo(free_bytes, total); }
inline hipError_t hipMalloc(void** p, size_t n) { return cudaMalloc(p, n); }
inline hipError_t hipFree(void* p) { return cudaFree(p); }
inline hipError_t hipMallocAsync(void** p, size_t n, hipStream_t s) { return cudaMallocAsync(p, n, s); }
inline hipError_t hipFreeAsync(void* p, hipStream_t s) { return cudaFreeAsync(p, s); }
inline hipError_t hipMemcpyAsync(void* dst, const void* src, size_t n, hipMemcpyKind k, hipStream_t s) {
    return cudaMemcpyAsync(dst, src, n, k, s);
}
inline hipError_t hipMemsetAsync(void* dst, int v, size_t n, hipStream_t s) { return cudaMemsetAsync(dst, v, n, s); }
inline hipError_t hipStreamCreateWithFlags(hipStream_t* s, unsigned flags) { return cudaStreamCreateWithFlags(s, flags); }
inline hipError_t hipStreamDestroy(hipStream_t s) { return cudaStreamDestroy(s); }
inline hipError_t hipStreamSynchronize(hipStream_t s) { return cudaStreamSynchronize(s); }
inline hipError_t hipEventCreate(hipEvent_t* e) { return cudaEventCreate(e); }
inline hipError_t hipEventDestroy(hipEvent_t e) { return cudaEventDestroy(e); }
inline hipError_t hipEventRecord(hipEvent_t e, hipStream_t s) { return cudaEventRecord(e, s); }
inline hipError_t hipEventSynchronize(hipEvent_t e) { return cudaEventSynchronize(e); }
inline hipError_t hipEventElapsedTime(float* ms, hipEvent_t a, hipEvent_t b) { return cudaEventElapsedTime(ms, a, b); }
inline hipError_t hipGetLastError() { return cudaGetLastError(); }
inline hipError_t hipStreamWaitEvent(hipStream_t s, hipEvent_t e, unsigned flags) {
    return cudaStreamWaitEvent(s, e, flags);
}
using hipGraph_t = cudaGraph_t;
using hipGraphExec_t = cudaGraphExec_t;
using hipStreamCaptureMode = cudaStreamCaptureMode;
inline constexpr hipStreamCaptureMode hipStreamCaptureModeThreadLocal = cudaStreamCaptureModeThreadLocal;
inline hipError_t hipStreamBeginCapture(hipStream_t s, hipStreamCaptureMode m) { return cudaStreamBeginCapture(s, m); }
inline hipError_t hipStreamEndCapture(hipStream_t s, hipGraph_t* g) { return cudaStreamEndCapture(s, g); }
using hipStreamCaptureStatus = cudaStreamCaptureStatus;
inline constexpr hipStreamCaptureStatus hipStreamCaptureStatusNone = cudaStreamCaptureStatusNone;
inline hipError_t hipStreamIsCapturing(hipStream_t s, hipStreamCaptureStatus* status) {
    return cudaStreamIsCapturing(s, status);
}
inline hipError_t hipGraphInstantiate(hipGraphExec_t* e, hipGraph_t g, void*, char*, size_t) {
    return cudaGraphInstantiate(e, g, 0);
}
inline hipError_t hipGraphLaunch(hipGraphExec_t e, hipStream_t s) { return cudaGraphLaunch(e, s); }
inline hipError_t hipGraphDestroy(hipGraph_t g) { return cudaGraphDestroy(g); }
inline hipError_t hipGraphExecDestroy(hipGraphExec_t e) { return cudaGraphExecDestroy(e); }

namespace hipquant::platform {
inline constexpr const char* kName = "nvidia";
inline std::string arch_name(const hipDeviceProp_t& prop) {
    return "sm_" + std::to_string(prop.major * 10 + prop.minor);
}
inline int wavefront_size(const hipDeviceProp_t& prop) { return prop.warpSize; }
// With the opt-in (allow_dynamic_shared): 227 KB on sm_90, 163 KB on sm_80,
// 99 KB on sm_86, sm_89 and sm_120.
inline std::size_t max_dynamic_shared(const hipDeviceProp_t& prop) { return prop.sharedMemPerBlockOptin; }
// 228 KB an SM on sm_90, of which each resident block leaves 1 KB to the
// system.
inline std::size_t shared_per_multiprocessor(const hipDeviceProp_t& prop) { return prop.sharedMemPerMultiprocessor; }
inline std::size_t reserved_shared_per_block(const hipDeviceProp_t& prop) { return prop.reservedSharedMemPerBlock; }

namespace detail {
// A driver-API function resolved through the CUDA runtime (no libcuda link).
// Null when no driver is installed or it lacks the symbol.
template <typename Fn>
Fn driver_entry(const char* symbol) {
    void* fn = nullptr;
    cudaDriverEntryPointQueryResult found{};
    if (cudaGetDriverEntryPointByVersion(symbol, &fn, 12000, cudaEnableDefault, &found) != cudaSuccess ||
        found != cudaDriverEntryPointSuccess)
        return nullptr;
    return reinterpret_cast<Fn>(fn);
}
// CUDA numbers runtime and driver errors alike (CUDA_ERROR_NOT_FOUND and
// cudaErrorSymbolNotFound are both 500, and so on), so the cast keeps meaning.
inline hipError_t from_driver(CUresult r) { return static_cast<hipError_t>(r); }
}  // namespace detail
}  // namespace hipquant::platform

inline hipError_t hipModuleLoadData(hipModule_t* module, const void* image) {
    using Fn = CUresult (*)(CUmodule*, const void*);
    static const Fn fn = hipquant::platform::detail::driver_entry<Fn>("cuModuleLoadData");
    if (!fn) return cudaErrorInsufficientDriver;
    return hipquant::platform::detail::from_driver(fn(module, image));
}
inline hipError_t hipModuleUnload(hipModule_t module) {
    using Fn = CUresult (*)(CUmodule);
    static const Fn fn = hipquant::platform::detail::driver_entry<Fn>("cuModuleUnload");
    if (!fn) return cudaErrorInsufficientDriver;
    return hipquant::platform::detail::from_driver(fn(module));
}
inline hipError_t hipModuleGetFunction(hipFunction_t* function, hipModule_t module, const char* name) {
    using Fn = CUresult (*)(CUfunction*, CUmodule, const char*);
    static const Fn fn = hipquant::platform::detail::driver_entry<Fn>("cuModuleGetFunction");
    if (!fn) return cudaErrorInsufficientDriver;
    return hipquant::platform::detail::from_driver(fn(function, module, name));
}
inline hipError_t hipModuleLaunchKernel(hipFunction_t f, unsigned gx, unsigned gy, unsigned gz, unsigned bx,
                                        unsigned by, unsigned bz, unsigned shared_bytes, hipStream_t stream,
                                        void** params, void** extra) {
    using Fn = CUresult (*)(CUfunction, unsigned, unsigned, unsigned, unsigned, unsigned, unsigned, unsigned,
                            CUstream, void**, void**);
    static const Fn fn = hipquant::platform::detail::driver_entry<Fn>("cuLaunchKernel");
    if (!fn) return cudaErrorInsufficientDriver;
    return hipquant::platform::detail::from_driver(
        fn(f, gx, gy, gz, bx, by, bz, shared_bytes, stream, params, extra));
}

namespace hipquant::platform {
// Hopper and later: programmatic dependent launch.
inline bool overlapped_launch_supported(const hipDeviceProp_t& prop) { return prop.major >= 9; }
// cp.async (sm_80+, every target the NVIDIA build compiles for): see the AMD
// definition.
inline constexpr bool kAsyncSharedCopy = true;

// Lets `f` be launched with `bytes` of dynamic shared memory: a block may
// take more than 48 KB of static and dynamic shared memory together only
// once its function allows the dynamic part. Asks too for the largest
// shared-memory share of the SM, so that two such blocks fit side by side.
// (Function::allow_dynamic_shared calls it once per function and size.)
inline hipError_t allow_dynamic_shared(hipFunction_t f, unsigned bytes) {
    using Fn = CUresult (*)(CUfunction, CUfunction_attribute, int);
    static const Fn fn = detail::driver_entry<Fn>("cuFuncSetAttribute");
    if (!fn) return cudaErrorInsufficientDriver;
    CUresult r = fn(f, CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, static_cast<int>(bytes));
    if (r == CUDA_SUCCESS) r = fn(f, CU_FUNC_ATTRIBUTE_PREFERRED_SHARED_MEMORY_CARVEOUT, 100);
    return detail::from_driver(r);
}
inline hipError_t module_global(hipModule_t module, const char* name, void** address, size_t* bytes) {
    using Fn = CUresult (*)(CUdeviceptr*, size_t*, CUmodule, const char*);
    static const Fn fn = detail::driver_entry<Fn>("cuModuleGetGlobal");
    if (!fn) return cudaErrorInsufficientDriver;
    CUdeviceptr p{};
    const CUresult r = fn(&p, bytes, module, name);
    *address = reinterpret_cast<void*>(static_cast<std::uintptr_t>(p));
    return detail::from_driver(r);
}
// Launches `f`. With `overlap_previous` (only where
// overlapped_launch_supported), the launch may begin while the kernel
// before it in the stream is still finishing (programmatic dependent
// launch): the kernel must wait (kernels/barrier.hpp,
// wait_for_previous_kernel) before it reads or writes memory that kernel
// may touch; memory no kernel writes it may read at once.
inline hipError_t launch_kernel(hipFunction_t f, const unsigned (&grid)[3], const unsigned (&block)[3],
                                unsigned shared_bytes, hipStream_t stream, void** params, bool overlap_previous) {
    if (!overlap_previous)
        return hipModuleLaunchKernel(f, grid[0], grid[1], grid[2], block[0], block[1], block[2], shared_bytes,
                                     stream, params, nullptr);
    using Fn = CUresult (*)(const CUlaunchConfig*, CUfunction, void**, void**);
    static const Fn fn = detail::driver_entry<Fn>("cuLaunchKernelEx");
    if (!fn) return cudaErrorInsufficientDriver;
    CUlaunchAttribute attribute{};
    attribute.id = CU_LAUNCH_ATTRIBUTE_PROGRAMMATIC_STREAM_SERIALIZATION;
    attribute.value.programmaticStreamSerializationAllowed = 1;
    CUlaunchConfig config{};
    config.gridDimX = grid[0];
    config.gridDimY = grid[1];
    config.gridDimZ = grid[2];
    config.blockDimX = block[0];
    config.blockDimY = block[1];
    config.blockDimZ = block[2];
    config.sharedMemBytes = shared_bytes;
    config.hStream = stream;
    config.attrs = &attribute;
    config.numAttrs = 1;
    return detail::from_driver(fn(&config, f, params, nullptr));
}
// Calls fn(data) on a host thread once the work queued on `stream` is done.
inline hipError_t call_when_done(hipStream_t stream, void (*fn)(void*), void* data) {
    return cudaLaunchHostFunc(stream, fn, data);
}
}  // namespace hipquant::platform

#else
#error "hipquant: define HIPQUANT_PLATFORM_AMD or HIPQUANT_PLATFORM_NVIDIA (the CMake target hipquant::hipquant does)"
#endif

// --- The vendor BLAS, for benchmarks that compare against a dense GEMM.
// Nothing here links it: these are the facts a caller needs to dlopen the
// library and call a column-major f16 GEMM with f32 accumulation (cuBLAS or
// hipBLAS GemmEx) without the vendor's headers. Every enum travels as int,
// as the C ABI passes it.
namespace hipquant::platform::blas {

using Handle = void*;
using Status = int;  // 0 is success in cuBLAS and hipBLAS alike
inline constexpr Status kSuccess = 0;

// The enum values one library's GemmEx takes for f16 operands and f32 compute.
struct GemmEnums {
    int f16;          // element type of A, B and C
    int compute_f32;  // compute (accumulation) type
};
// A file name to dlopen, and the values that library version takes. A name
// containing '*' is a glob pattern, expanded in sorted order.
struct Library {
    const char* file;
    GemmEnums enums;
};

using CreateFn = Status (*)(Handle* handle);
using DestroyFn = Status (*)(Handle handle);
using SetStreamFn = Status (*)(Handle handle, hipStream_t stream);
// C = alpha * op(A) * op(B) + beta * C, column-major, m x n x k; alpha and
// beta point at floats for an f32 compute type.
using GemmExFn = Status (*)(Handle handle, int trans_a, int trans_b, int m, int n, int k, const void* alpha,
                            const void* a, int a_type, int lda, const void* b, int b_type, int ldb, const void* beta,
                            void* c, int c_type, int ldc, int compute_type, int algo);

#if defined(HIPQUANT_PLATFORM_AMD)

inline constexpr const char* kVendor = "hipBLAS";
// hipBLAS up to 2.x (ROCm 5.x and 6.x) takes hipblasDatatype_t for the
// element types and, as the compute type, HIPBLAS_R_32F (the
// hipblasComputeType_t form is only its HIPBLAS_V2 API). hipBLAS 3.0
// (ROCm 7, libhipblas.so.3) takes hipDataType (HIP_R_16F) and
// hipblasComputeType_t (HIPBLAS_COMPUTE_32F) in the same positions.
inline constexpr GemmEnums kDatatypeEnums{150, 151};  // HIPBLAS_R_16F, HIPBLAS_R_32F
inline constexpr GemmEnums kV3Enums{2, 2};            // HIP_R_16F, HIPBLAS_COMPUTE_32F
// Newest first; the unversioned development link, last, is taken for a pre-3.0 one.
inline constexpr Library kLibraries[] = {
    {"libhipblas.so.3", kV3Enums},       {"libhipblas.so.2", kDatatypeEnums}, {"libhipblas.so.1", kDatatypeEnums},
    {"libhipblas.so.0", kDatatypeEnums}, {"libhipblas.so", kDatatypeEnums},
};
inline constexpr const char* kCreate = "hipblasCreate";
inline constexpr const char* kDestroy = "hipblasDestroy";
inline constexpr const char* kSetStream = "hipblasSetStream";
inline constexpr const char* kGemmEx = "hipblasGemmEx";
inline constexpr int kOpN = 111;          // HIPBLAS_OP_N
inline constexpr int kOpT = 112;          // HIPBLAS_OP_T
inline constexpr int kGemmDefault = 160;  // HIPBLAS_GEMM_DEFAULT

#elif defined(HIPQUANT_PLATFORM_NVIDIA)

inline constexpr const char* kVendor = "cuBLAS";
inline constexpr GemmEnums kEnums{2, 68};  // CUDA_R_16F, CUBLAS_COMPUTE_32F (cuBLAS 11 and later)
inline constexpr Library kLibraries[] = {
    {"libcublas.so.13", kEnums},
    {"libcublas.so.12", kEnums},
    {"libcublas.so", kEnums},
    {"/usr/local/cuda/lib64/libcublas.so*", kEnums},
};
inline constexpr const char* kCreate = "cublasCreate_v2";
inline constexpr const char* kDestroy = "cublasDestroy_v2";
inline constexpr const char* kSetStream = "cublasSetStream_v2";
inline constexpr const char* kGemmEx = "cublasGemmEx";
inline constexpr int kOpN = 0;           // CUBLAS_OP_N
inline constexpr int kOpT = 1;           // CUBLAS_OP_T
inline constexpr int kGemmDefault = -1;  // CUBLAS_GEMM_DEFAULT

#endif

}  // namespace hipquant::platform::blas
