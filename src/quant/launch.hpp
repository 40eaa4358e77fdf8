// Launch helpers shared by the ops in src/quant: the geometry a kernel
// publishes, and the mat-vec grid it implies.
#pragma once

#include <cstddef>
#include <cstring>

#include "hipquant/quant/kernel_args.hpp"
#include "hipquant/quant/ops.hpp"
#include "hipquant/runtime/launch.hpp"
#include "hipquant/runtime/module.hpp"

namespace hipquant::quant::detail {

// The launch geometry a resolved kernel publishes.
template <typename G>
G geometry_of(const ResolvedKernel& k) {
    static_assert(sizeof(G) <= ResolvedKernel::kMaxGeometryBytes, "fits the resolved record");
    G g;
    std::memcpy(&g, k.geometry, sizeof g);
    return g;
}

// Row slices (MatVecArgs::row_slices) of a kernel of geometry g on rows
// of parts_per_row parts.
inline std::uint32_t matvec_slices(std::uint32_t parts_per_row, const MatVecGeometry& g) {
    return g.chunk_parts > 0 ? matvec_row_slices(parts_per_row, g.chunk_parts) : 1u;
}

// One block per row group (rows_per_block x slices rows), or
// (blocks_per_cu > 0) a persistent grid of at most that many blocks per CU
// that loop over the groups.
inline std::uint32_t matvec_blocks(std::size_t rows, std::uint32_t slices, const MatVecGeometry& g,
                                   int compute_units) {
    const std::size_t group_rows = static_cast<std::size_t>(g.rows_per_block) * slices;
    const std::size_t groups = (rows + group_rows - 1) / group_rows;
    const std::size_t resident = static_cast<std::size_t>(compute_units > 0 ? compute_units : 1) * g.blocks_per_cu;
    return static_cast<std::uint32_t>(g.blocks_per_cu > 0 && groups > resident ? resident : groups);
}

// Where row r of the view starts, in floats: row (i0, i1, i2), i2 fastest.
inline std::size_t view_row_offset(const ActivationView& x, std::size_t r) {
    const std::size_t i2 = r % x.shape[2], i01 = r / x.shape[2];
    return i01 / x.shape[1] * x.strides[0] + i01 % x.shape[1] * x.strides[1] + i2 * x.strides[2];
}

// quantize_q8_1's checks and kernel arguments (x into y; `status` as
// below). x may have no rows.
QuantizeQ8_1Args quantize_args(const ActivationView& x, std::size_t cols, DeviceSpan<BlockQ8_1> y,
                               std::uint32_t* status);

// quantize_q8_1 (ops.hpp) that also sets *status (if not null) to all ones
// for the kernel after it: an index check's reset without a launch of its
// own. x has at least one row.
void quantize_q8_1_and_reset(const RocmDevice& device, const ActivationView& x, std::size_t cols,
                             DeviceSpan<BlockQ8_1> y, std::uint32_t* status, hipStream_t stream);

}  // namespace hipquant::quant::detail
