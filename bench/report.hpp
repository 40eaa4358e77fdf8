// Results of hipquant-bench: the rows, the printed table, and the JSON / CSV files.
#pragma once

#include <cstddef>
#include <cstdio>
#include <limits>
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

// One measured (type, shape, batch, path). Mat-vec rows (batch 1..8) are
// compared with the read bandwidth (gbps, fraction_of_read_bw), mat-mat rows
// (batch > 8) with the dense f16 GEMM of the same shape (tflops,
// dense_f16_tflops, fraction_of_dense_f16). The pair a row is not compared
// with stays NaN: n.a., printed "-", null in JSON, empty in CSV.
struct CaseRow {
    static constexpr double kNotApplicable = std::numeric_limits<double>::quiet_NaN();

    std::string section;              // "mat_vec" | "mat_mat" | "experts"
    std::string type;                 // "Q4_0"
    std::size_t rows = 0;             // weight rows
    std::size_t cols = 0;             // weight cols = activation length
    std::size_t batch = 0;            // activation vectors
    std::string path;                 // "q8_1" | "q8_1_intdot" | "dequantize"
    double kernel_us = 0.0;           // the product alone, or op_us where it is not timed alone (kernel_timing)
    double op_us = 0.0;               // QuantizedTensor::matmul, median
    std::size_t weight_bytes = 0;     // rows * row bytes of the quantized type
    std::size_t activation_bytes = 0; // Q8_1 blocks (q8_1 paths) or f32 values (dequantize path)
    std::size_t bytes = 0;            // weight_bytes + activation_bytes: what the kernel must read
    double bound_us = kNotApplicable; // every row: bytes / RunInfo::read_bw_gbps, microseconds
    double gbps = kNotApplicable;                  // mat-vec: bytes / kernel_us, 1e9 bytes per second
    double fraction_of_read_bw = kNotApplicable;   // mat-vec: gbps / RunInfo::read_bw_gbps
    double tflops = kNotApplicable;                // mat-mat: 2 rows cols batch / op_us, 1e12 per second
    double dense_f16_tflops = kNotApplicable;      // mat-mat: the dense f16 GEMM of this shape and batch
    double fraction_of_dense_f16 = kNotApplicable; // mat-mat: tflops / dense_f16_tflops
    std::string kernel_timing;        // "kernel" or "op": how kernel_us was obtained (see hipquant_bench.cpp)
    std::size_t weight_copies = 0;    // copies rotated so no repetition hits L2
    int reps = 0;
};

// The dense f16 GEMM (vendor BLAS) of one mat-mat shape and batch.
struct DenseCase {
    std::size_t rows = 0;  // M
    std::size_t cols = 0;  // K
    std::size_t batch = 0; // N
    double us = 0.0;       // one GEMM, median
    double tflops = 0.0;   // 2 rows cols batch / us
    std::size_t weight_copies = 0;
};

// What the run learned of the dense f16 baseline.
struct DenseBaseline {
    bool wanted = false;     // a batch above 8 was asked for
    bool available = false;  // the vendor BLAS loaded and a handle was made
    std::string library;     // "cuBLAS (libcublas.so.13)"
    std::string reason;      // why it is unavailable
    std::vector<DenseCase> cases;

    // The case of this shape and batch, or null (not measured, or it failed).
    const DenseCase* find(std::size_t rows, std::size_t cols, std::size_t batch) const;
};

// A case that was not measured, and why.
struct SkippedCase {
    std::string what;    // "Q2_K 4096x14336 batch 1 q8_1"
    std::string reason;
};

void print_run_info(std::FILE* out, const RunInfo& info);
// The baseline's library and its cases, or "dense f16 baseline: unavailable (reason)".
void print_dense_baseline(std::FILE* out, const RunInfo& info, const DenseBaseline& dense);
void print_table_header(std::FILE* out);
void print_row(std::FILE* out, const CaseRow& row);
// One line per (shape, type, path) with a batch-1 row: op_us of each other
// batch / op_us of batch 1, then batch 1's op_us / bound_us. Nothing without one.
void print_batch_scaling(std::FILE* out, const std::vector<CaseRow>& rows);

// Throw std::runtime_error naming the file if it cannot be written.
void write_json(const std::string& path, const RunInfo& info, const DenseBaseline& dense,
                const std::vector<CaseRow>& rows, const std::vector<SkippedCase>& skipped);
void write_csv(const std::string& path, const RunInfo& info, const std::vector<CaseRow>& rows);

}  // namespace hipquant::bench
