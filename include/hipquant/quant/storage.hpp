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
    // (on the matrix cores where the GPU has them). Queued on `stream`.
    // The Q8_1 paths quantize x into a workspace the tensor keeps and
    // reuses; a call on a different stream than the previous one first
    // waits for the previous stream, so the workspace is never shared
    // between two streams in flight (nor may two host threads use one
    // tensor at once: the workspace and get_rows' status word are shared).
    void matmul(DeviceSpan<const float> x, std::size_t batch, DeviceSpan<float> y, hipStream_t stream,
                MatVecPath path = MatVecPath::kAuto) const;
    // The product alone on activations already quantized by quantize_q8_1:
    // xq is batch x q8_1_row_blocks(cols) blocks. Lets a caller quantize an
    // activation once and multiply it by several weights.
    void matmul_q8_1(DeviceSpan<const BlockQ8_1> xq, std::size_t batch, DeviceSpan<float> y,
                     hipStream_t stream) const;
    // The same on owning buffers, which also checks that x and y live on
    // the tensor's device (spans cannot tell).
    void matmul(const DeviceMemory<float>& x, std::size_t batch, DeviceMemory<float>& y, hipStream_t stream,
                MatVecPath path = MatVecPath::kAuto) const;
    // Broadcast product: y[i0][i1][i2][r] = sum_c W[r][c] * x[i0][i1][i2][c],
    // y contiguous (b0 * b1 * batch x rows). All b0 * b1 * batch activation
    // rows are quantized once and multiplied as one batch.
    void matmul(const ActivationView& x, DeviceSpan<float> y, hipStream_t stream,
                MatVecPath path = MatVecPath::kAuto) const;

    // Row gather (an embedding lookup): out[i][c] = W[indices[i]][c] for
    // i < indices.size(), decoded to f32 (get_rows) or f16 bits
    // (get_rows_f16); out holds indices.size() x cols values. The indices
    // live on the device and are checked there: an index outside
    // [0, rows) throws an Error naming its position and value. Reporting it
    // means the call waits for `stream` once the gather is done.
    void get_rows(DeviceSpan<const std::int32_t> indices, DeviceSpan<float> out, hipStream_t stream) const;
    void get_rows_f16(DeviceSpan<const std::int32_t> indices, DeviceSpan<std::uint16_t> out,
                      hipStream_t stream) const;

private:
    QuantizedTensor(RocmDevice device, QuantType type, std::size_t rows, std::size_t cols);
    // matmul_q8_1 with the path's choice of mat-mat tile product.
    void launch_q8_1(DeviceSpan<const BlockQ8_1> xq, std::size_t batch, DeviceSpan<float> y, hipStream_t stream,
                     MatVecPath path) const;
    // Before a call's kernels use workspace_ or partial_ on `stream`: waits
    // for the stream that used them last if it is another one.
    void claim_workspaces(hipStream_t stream) const;

    RocmDevice device_;
    QuantType type_;
    std::size_t rows_;
    std::size_t cols_;
    std::size_t row_bytes_;
    DeviceMemory<std::uint8_t> data_;  // rows * row_bytes_, then zeroed padding (kWeightPaddingBytes)
    mutable DeviceMemory<BlockQ8_1> workspace_;  // quantized activations, grown on demand
    mutable DeviceMemory<float> partial_;        // mat-mat k-slice partial sums, grown on demand
    mutable hipStream_t workspace_stream_ = nullptr;  // the stream that used the workspaces last
    mutable bool workspace_used_ = false;
    mutable DeviceMemory<std::int32_t> gather_status_;  // get_rows: first bad index position, or -1
};

// Zeroed bytes after the last row, so kernels may read whole tiles past the
// end: the mat-vec kernels copy 16-byte vectors from an aligned start, so
// they may read up to 31 bytes past a row's last block.
inline constexpr std::size_t kWeightPaddingBytes = 2048;

}  // namespace hipquant::quant
