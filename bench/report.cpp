// Printing and file output of hipquant-bench results.
#include "report.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <iterator>
#include <sstream>
#include <stdexcept>

#include "hipquant/quant/kernel_args.hpp"

namespace hipquant::bench {

namespace {

// The largest mat-vec batch; larger ones are mat-mat rows.
constexpr unsigned kMatVecBatch = quant::kMaxMatVecBatch;

std::string json_string(const std::string& s) {
    std::string out = "\"";
    for (const char c : s) {
        switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\n': out += "\\n"; break;
            case '\t': out += "\\t"; break;
            default:
                if (static_cast<unsigned char>(c) < 0x20) {
                    char buf[8];
                    std::snprintf(buf, sizeof(buf), "\\u%04x", static_cast<unsigned>(static_cast<unsigned char>(c)));
                    out += buf;
                } else {
                    out += c;
                }
        }
    }
    return out + "\"";
}

// JSON has no NaN or Inf: those become null.
std::string json_number(double v) {
    if (!std::isfinite(v)) return "null";
    char buf[32];
    std::snprintf(buf, sizeof(buf), "%.6g", v);
    return buf;
}

std::string csv_field(const std::string& s) {
    if (s.find_first_of(",\"\n") == std::string::npos) return s;
    std::string out = "\"";
    for (const char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
    return out + "\"";
}

std::string csv_number(double v) {
    if (!std::isfinite(v)) return "";
    char buf[32];
    std::snprintf(buf, sizeof(buf), "%.6g", v);
    return buf;
}

// A table cell: the value with `precision` decimals, or "-" for n.a. (NaN).
std::string table_number(double v, int precision) {
    if (!std::isfinite(v)) return "-";
    char buf[32];
    std::snprintf(buf, sizeof(buf), "%.*f", precision, v);
    return buf;
}

std::string table_percent(double fraction) {
    return std::isfinite(fraction) ? table_number(100.0 * fraction, 1) + "%" : "-";
}

const char* json_bool(bool v) { return v ? "true" : "false"; }

// "[\n<indent>  item,\n<indent>  item\n<indent>]" (or "[]"), each item written by write(item).
template <typename T, typename Write>
void json_array(std::ostringstream& o, const char* indent, const std::vector<T>& items, Write&& write) {
    o << "[";
    for (std::size_t i = 0; i < items.size(); ++i) {
        o << (i ? ",\n" : "\n") << indent << "  ";
        write(items[i]);
    }
    if (!items.empty()) o << "\n" << indent;
    o << "]";
}

void json_row(std::ostringstream& o, const RunInfo& info, const CaseRow& r) {
    o << "{"
      << "\"device\": " << json_string(info.device) << ", \"arch\": " << json_string(info.arch)
      << ", \"section\": " << json_string(r.section) << ", \"type\": " << json_string(r.type)
      << ", \"rows\": " << r.rows << ", \"cols\": " << r.cols << ", \"batch\": " << r.batch
      << ", \"path\": " << json_string(r.path) << ", \"kernel_us\": " << json_number(r.kernel_us)
      << ", \"op_us\": " << json_number(r.op_us) << ", \"bound_us\": " << json_number(r.bound_us)
      << ", \"bytes\": " << r.bytes << ", \"gbps\": " << json_number(r.gbps)
      << ", \"fraction_of_read_bw\": " << json_number(r.fraction_of_read_bw)
      << ", \"read_bw_gbps\": " << json_number(info.read_bw_gbps) << ", \"tflops\": " << json_number(r.tflops)
      << ", \"dense_f16_tflops\": " << json_number(r.dense_f16_tflops)
      << ", \"fraction_of_dense_f16\": " << json_number(r.fraction_of_dense_f16)
      << ", \"weight_bytes\": " << r.weight_bytes << ", \"activation_bytes\": " << r.activation_bytes
      << ", \"kernel_timing\": " << json_string(r.kernel_timing) << ", \"weight_copies\": " << r.weight_copies
      << ", \"reps\": " << r.reps << "}";
}

void write_file(const std::string& path, const std::string& text) {
    std::ofstream f(path, std::ios::binary | std::ios::trunc);
    if (!f) throw std::runtime_error("cannot open " + path + " for writing");
    f << text;
    f.close();
    if (!f) throw std::runtime_error("failed writing " + path);
}

}  // namespace

void print_run_info(std::FILE* out, const RunInfo& info) {
    std::fprintf(out, "Device: %s (%s), %d compute units, L2 %.1f MiB\n", info.device.c_str(), info.arch.c_str(),
                 info.compute_units, static_cast<double>(info.l2_bytes) / (1024.0 * 1024.0));
    std::fprintf(out,
                 "Read bandwidth: %.1f GB/s (streaming-read kernel, 16-byte loads over %.0f MiB, median of %d reads "
                 "of %.1f us)\n",
                 info.read_bw_gbps, static_cast<double>(info.read_buffer_bytes) / (1024.0 * 1024.0), info.read_reps,
                 info.read_us);
}

const DenseCase* DenseBaseline::find(std::size_t rows, std::size_t cols, std::size_t batch) const {
    for (const DenseCase& c : cases)
        if (c.rows == rows && c.cols == cols && c.batch == batch) return &c;
    return nullptr;
}

void print_dense_baseline(std::FILE* out, const RunInfo& info, const DenseBaseline& dense) {
    if (!dense.wanted) {
        std::fprintf(out, "dense f16 baseline: not measured (no batch above %u)\n", kMatVecBatch);
    } else if (!dense.available) {
        std::fprintf(out, "dense f16 baseline: unavailable (%s)\n", dense.reason.c_str());
    } else {
        std::fprintf(out,
                     "dense f16 baseline: %s on %s: f16 x f16 -> f16 GEMM, f32 accumulate, M = rows, N = batch, "
                     "K = cols\n",
                     dense.library.c_str(), info.device.c_str());
        for (const DenseCase& c : dense.cases)
            std::fprintf(out, "  %zux%zu batch %zu: %.2f us (median), %.1f TFLOP/s\n", c.rows, c.cols, c.batch,
                         c.us, c.tflops);
    }
}

void print_table_header(std::FILE* out) {
    std::fprintf(out,
                 "\nMat-vec rows (batch 1..%u): bytes = weight bytes + activation bytes the kernel reads (q8_1 "
                 "path: Q8_1 blocks,\n"
                 "dequantize path: f32); GB/s = bytes / kernel time (1e9 B/s); %% read BW = GB/s / read bandwidth "
                 "above.\n"
                 "Mat-mat rows (batch > %u): op_us is the whole matmul (activation quantization included),\n"
                 "kernel_us the product alone on the q8_1 path (else op_us); TFLOP/s = 2 x rows x cols x batch / "
                 "op_us;\n"
                 "%% dense = TFLOP/s / the dense f16 baseline's above.\n"
                 "All rows: bound_us = bytes / read bandwidth above, the time to read them once.\n"
                 "Times are medians; - : not applicable to the row, or not measured.\n",
                 kMatVecBatch, kMatVecBatch);
    std::fprintf(out, "%-6s %-12s %5s %-11s %10s %10s %9s %8s %9s %9s %8s %10s %8s\n", "type", "rows x cols",
                 "batch", "path", "kernel_us", "op_us", "bound_us", "MB read", "GB/s", "% read BW", "TFLOP/s",
                 "dense TF/s", "% dense");
}

void print_row(std::FILE* out, const CaseRow& row) {
    const std::string shape = std::to_string(row.rows) + "x" + std::to_string(row.cols);
    // Above the streaming-read bandwidth means the kernel read less than it
    // should (or the weights stayed in a cache): flag it rather than hide it.
    const char* flag = row.fraction_of_read_bw > 1.05 ? "  (!) above read bandwidth" : "";
    std::fprintf(out, "%-6s %-12s %5zu %-11s %10.2f %10.2f %9s %8.2f %9s %9s %8s %10s %8s%s\n", row.type.c_str(),
                 shape.c_str(), row.batch, row.path.c_str(), row.kernel_us, row.op_us,
                 table_number(row.bound_us, 2).c_str(), static_cast<double>(row.bytes) / 1e6,
                 table_number(row.gbps, 1).c_str(), table_percent(row.fraction_of_read_bw).c_str(),
                 table_number(row.tflops, 1).c_str(),
                 table_number(row.dense_f16_tflops, 1).c_str(), table_percent(row.fraction_of_dense_f16).c_str(),
                 flag);
    std::fflush(out);
}

void print_batch_scaling(std::FILE* out, const std::vector<CaseRow>& rows) {
    const auto is_b1 = [](const CaseRow& r) { return r.batch == 1; };
    if (std::none_of(rows.begin(), rows.end(), is_b1)) return;
    std::fprintf(out,
                 "\nop/op(b1): op_us at each batch / op_us at batch 1, per type, shape and path; "
                 "b1 op/bound: batch 1 op_us / bound_us\n");
    // Rows come shape by shape, type by type, so the lines do too.
    for (const CaseRow& b1 : rows) {
        if (!is_b1(b1)) continue;
        std::string line;
        for (const CaseRow& r : rows)
            if (!is_b1(r) && r.rows == b1.rows && r.cols == b1.cols && r.type == b1.type && r.path == b1.path)
                line += "  b" + std::to_string(r.batch) + " " + table_number(r.op_us / b1.op_us, 2);
        const std::string shape = std::to_string(b1.rows) + "x" + std::to_string(b1.cols);
        std::fprintf(out, "%-6s %-12s %-11s op/op(b1):%s   b1 op/bound %s\n", b1.type.c_str(), shape.c_str(),
                     b1.path.c_str(), line.c_str(), table_number(b1.op_us / b1.bound_us, 2).c_str());
    }
}

void write_json(const std::string& path, const RunInfo& info, const DenseBaseline& dense,
                const std::vector<CaseRow>& rows, const std::vector<SkippedCase>& skipped) {
    std::ostringstream o;
    o << "{\n";
    o << "  \"device\": " << json_string(info.device) << ",\n";
    o << "  \"arch\": " << json_string(info.arch) << ",\n";
    o << "  \"l2_bytes\": " << info.l2_bytes << ",\n";
    o << "  \"compute_units\": " << info.compute_units << ",\n";
    o << "  \"read_bw_gbps\": " << json_number(info.read_bw_gbps) << ",\n";
    o << "  \"read_us\": " << json_number(info.read_us) << ",\n";
    o << "  \"read_buffer_bytes\": " << info.read_buffer_bytes << ",\n";
    o << "  \"read_reps\": " << info.read_reps << ",\n";
    o << "  \"bytes_definition\": "
      << json_string("weight bytes + activation bytes the mat-vec kernel must read (q8_1 paths: Q8_1 blocks; "
                     "dequantize path: f32 values); output writes not counted")
      << ",\n";
    o << "  \"tflops_definition\": "
      << json_string("mat-mat rows: 2 * rows * cols * batch / op_us (the whole matmul, activation quantization "
                     "included); dense_f16_tflops: the same for an f16 x f16 -> f16 GEMM with f32 accumulation by "
                     "the vendor BLAS, M = rows, N = batch, K = cols, same device and run")
      << ",\n";
    o << "  \"dense_f16_baseline\": {\"wanted\": " << json_bool(dense.wanted)
      << ", \"available\": " << json_bool(dense.available)
      << ", \"library\": " << (dense.library.empty() ? "null" : json_string(dense.library))
      << ", \"unavailable_reason\": " << (dense.reason.empty() ? "null" : json_string(dense.reason))
      << ",\n    \"cases\": ";
    json_array(o, "    ", dense.cases, [&](const DenseCase& c) {
        o << "{\"rows\": " << c.rows << ", \"cols\": " << c.cols << ", \"batch\": " << c.batch
          << ", \"us\": " << json_number(c.us) << ", \"tflops\": " << json_number(c.tflops)
          << ", \"weight_copies\": " << c.weight_copies << "}";
    });
    o << "},\n";
    for (const char* section : {"mat_vec", "mat_mat", "experts"}) {
        std::vector<CaseRow> in_section;
        std::copy_if(rows.begin(), rows.end(), std::back_inserter(in_section),
                     [&](const CaseRow& r) { return r.section == section; });
        o << "  \"" << section << "\": ";
        json_array(o, "  ", in_section, [&](const CaseRow& r) { json_row(o, info, r); });
        o << ",\n";
    }
    o << "  \"skipped\": ";
    json_array(o, "  ", skipped, [&](const SkippedCase& c) {
        o << "{\"case\": " << json_string(c.what) << ", \"reason\": " << json_string(c.reason) << "}";
    });
    o << "\n}\n";
    write_file(path, o.str());
}

void write_csv(const std::string& path, const RunInfo& info, const std::vector<CaseRow>& rows) {
    std::ostringstream o;
    o << "device,arch,type,rows,cols,batch,path,kernel_us,op_us,bytes,gbps,fraction_of_read_bw,read_bw_gbps,"
         "weight_bytes,activation_bytes,kernel_timing,weight_copies,reps,section,tflops,dense_f16_tflops,"
         "fraction_of_dense_f16,bound_us\n";
    for (const CaseRow& r : rows) {
        o << csv_field(info.device) << ',' << csv_field(info.arch) << ',' << csv_field(r.type) << ',' << r.rows
          << ',' << r.cols << ',' << r.batch << ',' << csv_field(r.path) << ',' << csv_number(r.kernel_us) << ','
          << csv_number(r.op_us) << ',' << r.bytes << ',' << csv_number(r.gbps) << ','
          << csv_number(r.fraction_of_read_bw) << ',' << csv_number(info.read_bw_gbps) << ',' << r.weight_bytes
          << ',' << r.activation_bytes << ',' << csv_field(r.kernel_timing) << ',' << r.weight_copies << ','
          << r.reps << ',' << csv_field(r.section) << ',' << csv_number(r.tflops) << ','
          << csv_number(r.dense_f16_tflops) << ',' << csv_number(r.fraction_of_dense_f16) << ','
          << csv_number(r.bound_us) << '\n';
    }
    write_file(path, o.str());
}

}  // namespace hipquant::bench
