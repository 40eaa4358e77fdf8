// The grouped expert product's bookkeeping (QuantizedExperts::mul_mat_id,
// many tokens): the (token, slot) pairs sorted by expert, their activation
// rows gathered in that order, and the results put back. The product itself
// is hq_mul_mat_id_q8_1_<format> (mul_mat.hip).
#include "barrier.hpp"
#include "hipquant/quant/kernel_args.hpp"
#include "hipquant/quant/kernels.hpp"

namespace hipquant::kernels {

namespace moe_detail {

// Pair p's token and slot, and the row of activations it multiplies.
struct PairOf {
    std::uint32_t token, slot;
    __device__ __forceinline__ PairOf(std::uint32_t p, const quant::MoeArgs& a) : token(p / a.top_k), slot(p - token * a.top_k) {}
    __device__ __forceinline__ std::uint64_t x_row(const quant::MoeArgs& a) const {
        return static_cast<std::uint64_t>(token) * a.x_slots + (a.x_slots > 1 ? slot : 0u);
    }
};

__device__ __forceinline__ bool valid_expert(std::int32_t id, const quant::MoeArgs& a) {
    return id >= 0 && static_cast<std::uint32_t>(id) < a.experts;
}

}  // namespace moe_detail

// One block: expert e's pairs go to order[offsets[e] .. offsets[e + 1]).
// Dynamic shared memory: 2 x experts words (counts, then cursors). A pair
// whose id is outside [0, experts) is left out: its row of y is zeroed and
// *status lowered to it. (Within an expert the order is the atomics'; each
// pair's result does not depend on where in its run it lands.)
HQ_KERNEL void HIPQUANT_SYMBOL_MOE_GROUP(const std::int32_t* __restrict__ ids, std::uint32_t* __restrict__ offsets,
                                         std::uint32_t* __restrict__ order, std::uint32_t* __restrict__ status,
                                         float* __restrict__ y, quant::MoeArgs a) {
    extern __shared__ __align__(16) std::uint8_t dynamic_shared[];
    auto* counts = reinterpret_cast<std::uint32_t*>(dynamic_shared);
    std::uint32_t* cursor = counts + a.experts;
    wait_for_previous_kernel();  // the router's ids
    for (std::uint32_t e = threadIdx.x; e < a.experts; e += blockDim.x) counts[e] = 0;
    __syncthreads();
    for (std::uint32_t p = threadIdx.x; p < a.pairs; p += blockDim.x) {
        const moe_detail::PairOf pair(p, a);
        const std::int32_t id = ids[static_cast<std::uint64_t>(pair.token) * a.ids_stride + pair.slot];
        if (moe_detail::valid_expert(id, a)) {
            atomicAdd(&counts[id], 1u);
        } else {
            atomicMin(status, p);
            for (std::uint64_t r = 0; r < a.rows; ++r) y[static_cast<std::uint64_t>(p) * a.rows + r] = 0.0f;
        }
    }
    __syncthreads();
    if (threadIdx.x == 0) {  // experts are few (hundreds): a serial scan
        std::uint32_t sum = 0;
        for (std::uint32_t e = 0; e < a.experts; ++e) {
            offsets[e] = sum;
            cursor[e] = sum;
            sum += counts[e];
        }
        offsets[a.experts] = sum;
    }
    __syncthreads();
    for (std::uint32_t p = threadIdx.x; p < a.pairs; p += blockDim.x) {
        const moe_detail::PairOf pair(p, a);
        const std::int32_t id = ids[static_cast<std::uint64_t>(pair.token) * a.ids_stride + pair.slot];
        if (moe_detail::valid_expert(id, a)) order[atomicAdd(&cursor[id], 1u)] = p;
    }
}

// Row pos of xs = the Q8_1 activation row of pair order[pos] (9 words a
// block). Grid: x the row's words, y the positions; both loop.
HQ_KERNEL void HIPQUANT_SYMBOL_MOE_GATHER(const int* __restrict__ xq, int* __restrict__ xs,
                                          const std::uint32_t* __restrict__ order,
                                          const std::uint32_t* __restrict__ offsets, quant::MoeArgs a) {
    wait_for_previous_kernel();
    const std::uint32_t n = offsets[a.experts];
    const std::uint64_t row_words = static_cast<std::uint64_t>(a.row_blocks) * 9;
    for (std::uint32_t pos = blockIdx.y; pos < n; pos += gridDim.y) {
        const std::uint64_t src = moe_detail::PairOf(order[pos], a).x_row(a) * row_words;
        for (std::uint64_t i = static_cast<std::uint64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < row_words;
             i += static_cast<std::uint64_t>(gridDim.x) * blockDim.x)
            xs[pos * row_words + i] = xq[src + i];
    }
}

// Row order[pos] of y = row pos of ys. Grid as the gather's.
HQ_KERNEL void HIPQUANT_SYMBOL_MOE_SCATTER(const float* __restrict__ ys, float* __restrict__ y,
                                           const std::uint32_t* __restrict__ order,
                                           const std::uint32_t* __restrict__ offsets, quant::MoeArgs a) {
    wait_for_previous_kernel();
    const std::uint32_t n = offsets[a.experts];
    for (std::uint32_t pos = blockIdx.y; pos < n; pos += gridDim.y) {
        const std::uint64_t dst = static_cast<std::uint64_t>(order[pos]) * a.rows;
        for (std::uint64_t r = static_cast<std::uint64_t>(blockIdx.x) * blockDim.x + threadIdx.x; r < a.rows;
             r += static_cast<std::uint64_t>(gridDim.x) * blockDim.x)
            y[dst + r] = ys[static_cast<std::uint64_t>(pos) * a.rows + r];
    }
}

}  // namespace hipquant::kernels
