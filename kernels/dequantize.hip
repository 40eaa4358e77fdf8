// Dequantize kernels: any type of the table to f32 or f16, through the
// same per-value decode the CPU reference uses, so results are bit-identical.
#include <type_traits>

#include "formats.hpp"
#include "hipquant/quant/kernel_args.hpp"
#include "hipquant/quant/kernels.hpp"

namespace hipquant::kernels {

struct ToF32 {
    __device__ static float convert(float v) { return v; }
    using Out = float;
};
struct ToF16 {
    __device__ static std::uint16_t convert(float v) { return quant::fp32_to_fp16(v); }
    using Out = std::uint16_t;
};

// One thread per output value; consecutive threads write consecutive values
// and read the same few blocks, so both sides coalesce.
template <QuantType T, typename To>
__device__ void dequantize(const std::uint8_t* __restrict__ src, typename To::Out* __restrict__ dst,
                           quant::DequantizeArgs args) {
    using F = Format<T>;
    const std::uint64_t i = static_cast<std::uint64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
    if (i >= args.n_values) return;
    const auto* blocks = reinterpret_cast<const typename F::Block*>(src);
    float v = F::decode(blocks[i / F::kBlockElems], static_cast<int>(i % F::kBlockElems));
#ifdef HIPQUANT_INJECT_FAULT_DEQUANTIZE_Q4_0
    // HIPQUANT_SELFTEST_INJECT_FAULT=ON builds only: a deliberately wrong
    // result (one value in 32 off by 0.25), so `hipquant selftest` can be
    // seen to fail on exactly the hq_dequantize_f32_Q4_0 line.
    if constexpr (T == QuantType::Q4_0 && std::is_same<To, ToF32>::value) {
        if (i % 32 == 7) v += 0.25f;
    }
#endif
    dst[i] = To::convert(v);
}

#define HQ_DEQUANTIZE_KERNELS(NAME, id, elems, bytes, block, weight, act, kern)                       \
    HQ_KERNEL void HIPQUANT_SYMBOL_DEQUANTIZE(f32, NAME)(const std::uint8_t* src, float* dst,           \
                                                         quant::DequantizeArgs args) {                  \
        dequantize<QuantType::NAME, ToF32>(src, dst, args);                                             \
    }                                                                                                   \
    HQ_KERNEL void HIPQUANT_SYMBOL_DEQUANTIZE(f16, NAME)(const std::uint8_t* src, std::uint16_t* dst,   \
                                                         quant::DequantizeArgs args) {                  \
        dequantize<QuantType::NAME, ToF16>(src, dst, args);                                             \
    }
HIPQUANT_QUANT_TYPES(HQ_DEQUANTIZE_KERNELS)
#undef HQ_DEQUANTIZE_KERNELS

#ifdef HIPQUANT_INJECT_FAULT_DEQUANTIZE_Q4_0
// Marks the image as carrying the fault above: selftest::injected_faults()
// looks this name up.
HQ_KERNEL void hq_injected_fault_dequantize_f32_Q4_0() {}
#endif

}  // namespace hipquant::kernels
