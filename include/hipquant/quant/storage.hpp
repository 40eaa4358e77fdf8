// QuantizedTensor: a quantized rows x cols weight matrix on one device, in
// GGUF's own layout (row-major, one row = cols / block_elems blocks), and the
// products an inference engine asks of it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "hipquant/quant/blocks.hpp"
#include "hipquant/quant/kernel_args.hpp"
#include "hipquant/quant/ops.hpp"
#include "hipquant/quant/types.hpp"
#include "hipquant/quant/workspace.hpp"
#include "hipquant/runtime/device.hpp"

namespace hipquant::quant {

// How QuantizedTensor::matmul computes; kAuto picks the fastest it has.
enum class MatVecPath {
    kAuto,
    kQ8_1,        // activations quantized to Q8_1 on the device, integer products
                  // (above batch 8 on the matrix cores where the GPU has them)
    kQ8_1IntegerDot,  // as kQ8_1, but above batch 8 the portable integer-dot
                      // tile product even where matrix cores exist (the path
                      // GPUs without them take; for tests and comparison)
    kDequantize,  // weights decoded to f32 in registers and dotted with f32
                  // activations (batch 1..8 only)
};

// Immutable once loaded: every const method may be called from any number
// of threads and streams at once. Scratch belongs to the call: pass a
// Workspace (sized by workspace_bytes; nothing is allocated then), or let
// the call take it from the device's stream-ordered pool (hipMallocAsync,
// freed in stream order after the call's kernels).
class QuantizedTensor {
public:
    // All-zero blocks (every value decodes to 0).
    static QuantizedTensor zeros(const RocmDevice& device, QuantType type, std::size_t rows, std::size_t cols);
    // Quantizes row-major f32 values with the CPU reference (multi-threaded)
    // and uploads them; the device overload first copies them to the host.
    static QuantizedTensor quantize(const RocmDevice& device, QuantType type, const float* host_values,
                                    std::size_t rows, std::size_t cols);
    static QuantizedTensor quantize(const RocmDevice& device, QuantType type, DeviceSpan<const float> values,
                                    std::size_t rows, std::size_t cols);
    // Uploads raw GGUF-layout bytes: exactly rows * row_size_bytes(type, cols).
    static QuantizedTensor load(const RocmDevice& device, QuantType type, const void* bytes, std::size_t n_bytes,
                                std::size_t rows, std::size_t cols);

    QuantType type() const noexcept { return type_; }
    std::size_t rows() const noexcept { return rows_; }
    std::size_t cols() const noexcept { return cols_; }
    const RocmDevice& device() const noexcept { return device_; }
    // Bytes of the quantized data (rows * row bytes), without the padding.
    std::size_t storage_size_in_bytes() const noexcept { return rows_ * row_bytes_; }
    std::size_t row_size_in_bytes() const noexcept { return row_bytes_; }
    // The raw blocks on the device (storage_size_in_bytes() bytes).
    DeviceSpan<const std::uint8_t> data() const { return data_.slice(0, storage_size_in_bytes()); }

    // Decoded values, rows x cols row-major; queued on `stream`.
    void dequantize(DeviceSpan<float> out, hipStream_t stream) const;
    void dequantize_f16(DeviceSpan<std::uint16_t> out, hipStream_t stream) const;  // raw f16 bits
    // Same, into new buffers, on the device's stream.
    DeviceMemory<float> dequantize() const;
    DeviceMemory<std::uint16_t> dequantize_f16() const;
    // The blocks copied back to the host; waits for the device's stream.
    std::vector<std::uint8_t> to_host_bytes() const;

    // y[b][r] = sum_c W[r][c] * x[b][c] for b < batch: x is batch x cols,
    // y is batch x rows, both row-major f32. Batch 1..8 (kMaxMatVecBatch)
    // runs the mat-vec kernels, larger batches the tiled mat-mat kernels
    // (on the matrix cores where the GPU has them). Queued on `stream`;
    // nothing waits. The Q8_1 paths first quantize x into the scratch.
    void matmul(DeviceSpan<const float> x, std::size_t batch, DeviceSpan<float> y, hipStream_t stream,
                MatVecPath path = MatVecPath::kAuto) const;
    void matmul(DeviceSpan<const float> x, std::size_t batch, DeviceSpan<float> y, hipStream_t stream,
                Workspace& ws, MatVecPath path = MatVecPath::kAuto) const;
    // Broadcast product: y[i0][i1][i2][r] = sum_c W[r][c] * x[i0][i1][i2][c],
    // y contiguous (b0 * b1 * batch x rows). All b0 * b1 * batch activation
    // rows are quantized once and multiplied as one batch.
    void matmul(const ActivationView& x, DeviceSpan<float> y, hipStream_t stream,
                MatVecPath path = MatVecPath::kAuto) const;
    void matmul(const ActivationView& x, DeviceSpan<float> y, hipStream_t stream, Workspace& ws,
                MatVecPath path = MatVecPath::kAuto) const;
    // The product alone on activations quantized once for several weights
    // (QuantizedActivationBuffer::quantize): x.rows x rows of y. The
    // workspace (or the pool) only holds the k-slice partial sums.
    void matmul(const QuantizedActivations& x, DeviceSpan<float> y, hipStream_t stream) const;
    void matmul(const QuantizedActivations& x, DeviceSpan<float> y, hipStream_t stream, Workspace& ws) const;
    // The same over a span of batch x q8_1_row_blocks(cols) blocks.
    void matmul_q8_1(DeviceSpan<const BlockQ8_1> xq, std::size_t batch, DeviceSpan<float> y,
                     hipStream_t stream) const;
    // The same on owning buffers, which also checks that x and y live on
    // the tensor's device (spans cannot tell).
    void matmul(const DeviceMemory<float>& x, std::size_t batch, DeviceMemory<float>& y, hipStream_t stream,
                MatVecPath path = MatVecPath::kAuto) const;
    // Bytes of Workspace a product of `batch` activation rows (on `path`)
    // and a get_rows take on this tensor's device.
    std::size_t workspace_bytes(std::size_t batch, MatVecPath path = MatVecPath::kAuto) const;
    // The kernel that multiplies a batch of `batch` rows on `path` (the
    // first, where the f32 path takes several launches): for profiles and
    // logs; the choice follows the image's tuning table for this device.
    const char* product_kernel(std::size_t batch, MatVecPath path = MatVecPath::kAuto) const;

    // Row gather (an embedding lookup): out[i][c] = W[indices[i]][c] for
    // i < indices.size(), decoded to f32 (get_rows) or f16 bits
    // (get_rows_f16); out holds indices.size() x cols values. The indices
    // live on the device and are checked there: an index outside
    // [0, rows) throws an Error naming its position and value. Reporting it
    // means the call waits for `stream` once the gather is done.
    void get_rows(DeviceSpan<const std::int32_t> indices, DeviceSpan<float> out, hipStream_t stream) const;
    void get_rows_f16(DeviceSpan<const std::int32_t> indices, DeviceSpan<std::uint16_t> out,
                      hipStream_t stream) const;
    void get_rows(DeviceSpan<const std::int32_t> indices, DeviceSpan<float> out, hipStream_t stream,
                  Workspace& ws) const;
    void get_rows_f16(DeviceSpan<const std::int32_t> indices, DeviceSpan<std::uint16_t> out, hipStream_t stream,
                      Workspace& ws) const;

private:
    struct MatMulPlan;
    struct CallPlan;
    struct PendingQuantization;
    QuantizedTensor(RocmDevice device, QuantType type, std::size_t rows, std::size_t cols);
    MatMulPlan plan_mat_mul(std::size_t batch, MatVecPath path) const;
    std::size_t skinny_first_batch() const;
    // Checks a product's shapes and plans its launch and scratch, once per call.
    CallPlan plan_call(std::size_t batch, std::size_t y_size, MatVecPath path, bool quantizes) const;
    void check_matmul_input(std::size_t x_size, std::size_t batch) const;
    // The f32 view's product with its scratch (the Q8_1 activations, then
    // the partial sums) and, where not null, a Workspace's grid counters
    // (for a mat-vec kernel that quantizes x itself).
    void product(const ActivationView& x, DeviceSpan<float> y, hipStream_t stream, MatVecPath path,
                 DeviceSpan<std::uint8_t> scratch, const CallPlan& plan, std::uint32_t* counters) const;
    // The product on quantized activations as `plan` says (its mat-mat
    // kernel is the path's tile product); `scratch` holds the partial sums.
    // With `pending`, x.blocks are still to be quantized from f32.
    void launch_q8_1(const QuantizedActivations& x, DeviceSpan<float> y, hipStream_t stream,
                     DeviceSpan<std::uint8_t> scratch, const CallPlan& plan,
                     const PendingQuantization* pending = nullptr) const;
    template <typename Out>
    void gather(DeviceSpan<const std::int32_t> indices, DeviceSpan<Out> out, hipStream_t stream, Workspace* ws) const;

    RocmDevice device_;
    QuantType type_;
    std::size_t rows_;
    std::size_t cols_;
    std::size_t row_bytes_;
    DeviceMemory<std::uint8_t> data_;  // rows * row_bytes_, then zeroed padding (kWeightPaddingBytes)
};

// Zeroed bytes after the last row, so kernels may read whole tiles past the
// end: the mat-vec kernels copy 16-byte vectors from an aligned start, so
// they may read up to 31 bytes past a row's last block.
inline constexpr std::size_t kWeightPaddingBytes = 2048;
// get_rows' share of a workspace: its status word, 16-byte aligned.
inline constexpr std::size_t kGatherStatusBytes = 16;

}  // namespace hipquant::quant
