// Results of hipquant-bench: the rows, the printed table, and the JSON / CSV files.
#pragma once

#include <cstddef>
#include <cstdio>
#include <string>
#include <vector>

namespace hipquant::bench {

// What the run measured once, printed at the top and repeated in every row.
struct RunInfo {
    std::string device;
    std::string arch;
    std::size_t l2_bytes = 0;
    int compute_units = 0;
    double read_bw_gbps = 0.0;           // streaming-read kernel, median
    double read_us = 0.0;                // one read of the buffer, median
    std::size_t read_buffer_bytes = 0;
    int read_reps = 0;
};

// One measured case of the mat-vec section. A later mat-mat section adds its
// own fields (TFLOP/s, the dense f16 GEMM it is compared with) beside these.
struct MatVecRow {
    std::string type;                 // "Q4_0"
    std::size_t rows = 0;             // weight rows
    std::size_t cols = 0;             // weight cols = activation length
    std::size_t batch = 0;            // activation vectors
    std::string path;                 // "q8_1" | "dequantize"
    double kernel_us = 0.0;           // mat-vec kernel alone, median (see kernel_timing)
    double op_us = 0.0;               // QuantizedTensor::matmul, median
    std::size_t weight_bytes = 0;     // rows * row bytes of the quantized type
    std::size_t activation_bytes = 0; // Q8_1 blocks (q8_1 path) or f32 values (dequantize path)
    std::size_t bytes = 0;            // weight_bytes + activation_bytes: what the kernel must read
    double gbps = 0.0;                // bytes / kernel_us, 1e9 bytes per second
    double fraction_of_read_bw = 0.0; // gbps / RunInfo::read_bw_gbps
    std::string kernel_timing;        // how kernel_us was obtained (see hipquant_bench.cpp)
    std::size_t weight_copies = 0;    // copies rotated so no repetition hits L2
    int reps = 0;
};

// A case that was not measured, and why.
struct SkippedCase {
    std::string what;    // "Q2_K 4096x14336 batch 1 q8_1"
    std::string reason;
};

void print_run_info(std::FILE* out, const RunInfo& info);
void print_matvec_table_header(std::FILE* out);
void print_matvec_row(std::FILE* out, const MatVecRow& row);

// Throw std::runtime_error naming the file if it cannot be written.
void write_json(const std::string& path, const RunInfo& info, const std::vector<MatVecRow>& rows,
                const std::vector<SkippedCase>& skipped);
void write_csv(const std::string& path, const RunInfo& info, const std::vector<MatVecRow>& rows);

}  // namespace hipquant::bench
