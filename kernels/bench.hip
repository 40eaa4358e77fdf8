// Streaming-read kernel of hipquant-bench: the device's achievable read bandwidth.
#include "arch.hpp"
#include "hipquant/quant/kernels.hpp"

namespace hipquant::kernels {

// Independent 16-byte loads each thread issues per loop trip, so that enough
// bytes are in flight to saturate device memory.
inline constexpr int kStreamReadUnroll = 4;

// Reads src[0, n) (n 16-byte chunks) once, grid-stride, and XOR-folds every
// word; each thread block writes its fold to block_out[blockIdx.x] so the
// compiler cannot drop the loads. block_out holds gridDim.x values.
HQ_KERNEL void HIPQUANT_SYMBOL_BENCH_STREAM_READ(const uint4* __restrict__ src, std::uint64_t n,
                                    std::uint32_t* __restrict__ block_out) {
    const std::uint64_t stride = static_cast<std::uint64_t>(gridDim.x) * blockDim.x;
    std::uint64_t i = static_cast<std::uint64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
    std::uint32_t acc = 0;
    for (; i + (kStreamReadUnroll - 1) * stride < n; i += kStreamReadUnroll * stride) {
        uint4 v[kStreamReadUnroll];
#pragma unroll
        for (int u = 0; u < kStreamReadUnroll; ++u) v[u] = src[i + u * stride];
#pragma unroll
        for (int u = 0; u < kStreamReadUnroll; ++u) acc ^= v[u].x ^ v[u].y ^ v[u].z ^ v[u].w;
    }
    for (; i < n; i += stride) {
        const uint4 v = src[i];
        acc ^= v.x ^ v.y ^ v.z ^ v.w;
    }

    // One shared-memory atomic per thread, once per launch: negligible next
    // to the loop, and independent of the wavefront width.
    __shared__ std::uint32_t block_acc;
    if (threadIdx.x == 0) block_acc = 0;
    __syncthreads();
    atomicXor(&block_acc, acc);
    __syncthreads();
    if (threadIdx.x == 0) block_out[blockIdx.x] = block_acc;
}

}  // namespace hipquant::kernels
