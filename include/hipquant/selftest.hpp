// Field checks: every kernel hipquant ships, run on the user's GPU against the
// CPU reference, with the bound each comparison allows. `hipquant selftest`
// prints them and the GPU test suite asserts them: one copy of the logic.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "hipquant/quant/blocks.hpp"
#include "hipquant/quant/storage.hpp"
#include "hipquant/quant/types.hpp"
#include "hipquant/runtime/device.hpp"

namespace hipquant::selftest {

// The outcome of one check: one kernel on one or more shapes.
struct CheckResult {
    std::string name;      // the kernel's symbol, e.g. "hq_mul_mat_vec_q8_1_Q4_0_b3"
    bool passed = false;
    double max_error = 0;  // the worst error found, in `unit`
    double bound = 0;      // passing needs max_error <= bound (and what `detail` names)
    std::string unit;      // what max_error measures
    std::string detail;    // shapes and seeds; on failure the first mismatches or the exception
    // The kernel was compiled wrong on purpose (HIPQUANT_SELFTEST_INJECT_FAULT=ON):
    // this check is expected to fail, and the run still exits non-zero.
    bool fault_injected = false;
};

// One result for several runs of the same kernel (shapes, batches): passed
// if all passed, the largest error, details joined.
CheckResult merge(std::string name, const std::vector<CheckResult>& parts);

// --- Comparisons (CPU only). ---

// Dequantize to f32 must equal the reference bit for bit (NaN payloads,
// signed zeros included). max_error: largest |got - expect|, bound 0.
CheckResult compare_dequantize_f32(std::string name, const std::vector<float>& got, const std::vector<float>& expect);
// Dequantize to f16 must equal the reference's f32 rounded to f16 (nearest
// even), bit for bit. max_error: mismatching values, bound 0.
CheckResult compare_dequantize_f16(std::string name, const std::vector<std::uint16_t>& got,
                                   const std::vector<float>& expect);

// quantize_q8_1 of `x` (rows x cols) against the CPU reference on each row
// padded with zeros to q8_1_row_blocks(cols) blocks: scales d and sums s
// exact, padding blocks all zero, and a quant may differ only by 1 where
// x / d is an exact rounding tie (k + 0.5: the device may divide where the
// reference multiplies by 1/d), at most 2 of them. max_error: mismatching
// bytes that are not such ties, bound 0.
CheckResult compare_quantize_q8_1(std::string name, const std::vector<quant::BlockQ8_1>& got,
                                  const std::vector<float>& x, std::size_t rows, std::size_t cols);

// Mat-vec bound: the GPU sums the same products as the reference, in
// another order and in f32, so |y - ref| <= 1e-4 * sum_c |W[r][c] x[b][c]|
// + 1e-6, where ref is the exact (double) sum over the same decoded weights
// and the same decoded activations. Relative to the sum of magnitudes, not
// to |ref|, because a row's terms can cancel: f32 summation of n terms errs
// by about n * 2^-24 * sum|terms| in the worst case and sqrt(n) times that
// typically (n = 14336: ~1e-5), so 1e-4 leaves a 10x margin yet catches any
// wrong term. As one number: |y - ref| / (sum|w x| + 0.01) <= 1e-4.
inline constexpr double kMatVecRelativeBound = 1e-4;
inline constexpr double kMatVecAbsoluteBound = 1e-6;
// |got - ref| / (magnitude + 0.01): the error in units of the bound's scale.
double mat_vec_error(double got, double ref, double magnitude);

// The reference of a product y = W x for batch rows of x (y is batch x rows).
struct MatVecReference {
    std::size_t batch = 0, rows = 0;
    std::vector<double> y;          // exact sums over the decoded weights and activations
    std::vector<double> magnitude;  // sum_c |w x| per output, the scale of its rounding error
    // Optional (empty or batch x rows): the product of the unquantized W and x,
    // and how far the quantized product may lie from it (Cauchy-Schwarz:
    // |W.x - Wq.xq| <= ||W - Wq|| ||x|| + ||Wq|| ||x - xq||, plus the rounding bound).
    std::vector<double> unquantized;
    std::vector<double> quantization_bound;
};

// The reference from row-major matrices: wq (rows x cols) and xq (batch x
// cols) are the decoded values the kernel multiplies; w and x, if not null,
// the unquantized ones, which add the quantization-error check.
MatVecReference mat_vec_reference(const float* wq, const float* xq, std::size_t rows, std::size_t cols,
                                  std::size_t batch, const float* w = nullptr, const float* x = nullptr);

// y (batch x rows) against the reference with the bound above.
CheckResult compare_mat_vec(std::string name, const std::vector<float>& y, const MatVecReference& ref);

// Each of `rows` rows of `cols` values quantized to Q8_1 by the CPU
// reference, padded to q8_1_row_blocks(cols) blocks: the layout of
// quantize_q8_1's output and what matmul_q8_1 takes.
std::vector<quant::BlockQ8_1> q8_1_blocks(const std::vector<float>& x, std::size_t rows, std::size_t cols);
// Activations as the Q8_1 path sees them: each of `batch` rows of `cols`
// values quantized by the CPU reference (padded to 512 values), then decoded.
std::vector<float> q8_1_decoded(const std::vector<float>& x, std::size_t batch, std::size_t cols);

// Seeded N(0, scale^2) values, the inputs of every check.
std::vector<float> random_values(std::size_t n, std::uint32_t seed, float scale = 1.0f);

// --- Checks on a device. Each queues its work on the device's stream,
// waits, and compares; errors from the device propagate as hipquant::Error. ---

// quantize_q8_1 of a seeded rows x cols matrix (with a zero value and an
// all-zero block where cols >= 64); the output is poisoned first so
// unwritten blocks show.
CheckResult check_quantize_q8_1(const RocmDevice& device, std::size_t rows, std::size_t cols, std::uint32_t seed);

// Both dequantize kernels of `type` on a seeded rows x cols matrix quantized
// by the CPU reference: {hq_dequantize_f32_<T>, hq_dequantize_f16_<T>}.
std::vector<CheckResult> check_dequantize(const RocmDevice& device, quant::QuantType type, std::size_t rows,
                                          std::size_t cols, std::uint32_t seed);

// A weight matrix for mat-vec checks: uploaded once, reused for every batch.
struct MatVecWeights {
    quant::QuantizedTensor tensor;
    std::vector<float> values;   // the unquantized weights
    std::vector<float> decoded;  // the CPU reference's decoding of the uploaded blocks
};
MatVecWeights make_mat_vec_weights(const RocmDevice& device, quant::QuantType type, std::size_t rows,
                                   std::size_t cols, std::uint32_t seed);

// Which product entry point a check drives (the mat-vec kernels for batch
// <= 8, the mat-mat kernels above).
enum class MatVecInput {
    kQ8_1Host,    // matmul_q8_1 on activations quantized by the CPU: the product kernel alone
    kQ8_1Device,  // matmul, MatVecPath::kQ8_1: the quantize_q8_1 kernel, then the product kernel
    kQ8_1DeviceIntegerDot,  // matmul, MatVecPath::kQ8_1IntegerDot: as kQ8_1Device, with the
                            // portable integer-dot mat-mat tile product above batch 8
    kF32,         // matmul, MatVecPath::kDequantize: f32 activations (batch <= 8)
};
// w x for a seeded batch of activations; y is poisoned with NaN first.
CheckResult check_mat_vec(const RocmDevice& device, const MatVecWeights& w, std::size_t batch, MatVecInput input,
                          std::uint32_t seed);
// The expert products of `type` (QuantizedExperts::mul_mat_id) on seeded
// experts and activations, a line per path (per pair, grouped) named by
// the kernel it runs: 5 experts of `rows` x `cols`, 9 tokens x top 3 with
// a row per slot, one expert chosen twice by a token and one by none.
std::vector<CheckResult> check_experts(const RocmDevice& device, quant::QuantType type, std::size_t rows,
                                       std::size_t cols, std::uint32_t seed);

// --- The whole self-test. ---

// The device and build facts selftest reports.
struct DeviceReport {
    int ordinal = 0;
    std::string name, arch, platform;
    std::size_t memory_bytes = 0;
    int driver_version = 0, runtime_version = 0;  // RocmDevice::version_string() spells them
    std::vector<std::string> built_targets;       // HIPQUANT_GPU_TARGETS
    std::vector<std::string> image_architectures; // entries of the embedded image
    std::string code_object_arch;                 // the entry this GPU runs; "" when none
    std::string code_object_error;                // why none, when none
};
DeviceReport describe(const RocmDevice& device);

// Every kernel hipquant ships, on small awkward shapes (row counts and
// lengths off every tile multiple): quantize_q8_1; dequantize to f32 and f16
// for every weight type; the Q8_1 mat-vec for every type and batch 1..8;
// the f32 mat-vec for every type over batches 1..8. A check that throws is
// a failed result, not an exception. `on_result`, if set, sees each result
// as it is made. Takes seconds.
std::vector<CheckResult> run_selftest(const RocmDevice& device,
                                      const std::function<void(const CheckResult&)>& on_result = {});

// The kernels this build deliberately compiled wrong
// (HIPQUANT_SELFTEST_INJECT_FAULT=ON), by check name; normally empty. Read
// from marker kernels in the embedded image, so it describes the image in use.
std::vector<std::string> injected_faults(const RocmDevice& device);

}  // namespace hipquant::selftest
