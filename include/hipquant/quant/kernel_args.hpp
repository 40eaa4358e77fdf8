// Argument structs shared by kernels and their host wrappers: one struct per
// launch instead of long positional integer lists. Plain data, same layout
// for host and device compilers.
#pragma once

#include <cstdint>

namespace hipquant::quant {

// Activation rows padded to this many values so mat-vec kernels may read
// whole tiles past a row's end: padding blocks are zero and add nothing.
inline constexpr std::uint32_t kRowPadding = 512;

struct QuantizeQ8_1Args {
    std::uint64_t rows;        // rows of x
    std::uint32_t cols;        // f32 values per row of x (row stride of x)
    std::uint32_t row_blocks;  // Q8_1 blocks per output row: padded cols / 32
};

}  // namespace hipquant::quant
