// Printing and file output of hipquant-bench results.
#include "report.hpp"

#include <cmath>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace hipquant::bench {

namespace {

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

void print_matvec_table_header(std::FILE* out) {
    std::fprintf(out,
                 "\nMat-vec: bytes = weight bytes + activation bytes the kernel reads (q8_1 path: Q8_1 blocks, "
                 "dequantize path: f32);\n"
                 "GB/s = bytes / kernel time (1e9 B/s); %% read BW = GB/s / read bandwidth above. kernel_us and "
                 "op_us are medians.\n");
    std::fprintf(out, "%-6s %-12s %5s %-10s %10s %10s %10s %9s %9s %s\n", "type", "rows x cols", "batch", "path",
                 "kernel_us", "op_us", "MB read", "GB/s", "% read BW", "");
}

void print_matvec_row(std::FILE* out, const MatVecRow& row) {
    const std::string shape = std::to_string(row.rows) + "x" + std::to_string(row.cols);
    // Above the streaming-read bandwidth means the kernel read less than it
    // should (or the weights stayed in a cache): flag it rather than hide it.
    const char* flag = row.fraction_of_read_bw > 1.05 ? "  (!) above read bandwidth" : "";
    std::fprintf(out, "%-6s %-12s %5zu %-10s %10.2f %10.2f %10.2f %9.1f %8.1f%%%s\n", row.type.c_str(),
                 shape.c_str(), row.batch, row.path.c_str(), row.kernel_us, row.op_us,
                 static_cast<double>(row.bytes) / 1e6, row.gbps, 100.0 * row.fraction_of_read_bw, flag);
    std::fflush(out);
}

void write_json(const std::string& path, const RunInfo& info, const std::vector<MatVecRow>& rows,
                const std::vector<SkippedCase>& skipped) {
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
      << json_string("weight bytes + activation bytes the mat-vec kernel must read (q8_1 path: Q8_1 blocks; "
                     "dequantize path: f32 values); output writes not counted")
      << ",\n";
    o << "  \"mat_vec\": [";
    for (std::size_t i = 0; i < rows.size(); ++i) {
        const MatVecRow& r = rows[i];
        o << (i ? ",\n" : "\n") << "    {"
          << "\"device\": " << json_string(info.device) << ", \"arch\": " << json_string(info.arch)
          << ", \"type\": " << json_string(r.type) << ", \"rows\": " << r.rows << ", \"cols\": " << r.cols
          << ", \"batch\": " << r.batch << ", \"path\": " << json_string(r.path)
          << ", \"kernel_us\": " << json_number(r.kernel_us) << ", \"op_us\": " << json_number(r.op_us)
          << ", \"bytes\": " << r.bytes << ", \"gbps\": " << json_number(r.gbps)
          << ", \"fraction_of_read_bw\": " << json_number(r.fraction_of_read_bw)
          << ", \"read_bw_gbps\": " << json_number(info.read_bw_gbps) << ", \"weight_bytes\": " << r.weight_bytes
          << ", \"activation_bytes\": " << r.activation_bytes
          << ", \"kernel_timing\": " << json_string(r.kernel_timing) << ", \"weight_copies\": " << r.weight_copies
          << ", \"reps\": " << r.reps << "}";
    }
    o << (rows.empty() ? "],\n" : "\n  ],\n");
    o << "  \"skipped\": [";
    for (std::size_t i = 0; i < skipped.size(); ++i)
        o << (i ? ",\n" : "\n") << "    {\"case\": " << json_string(skipped[i].what)
          << ", \"reason\": " << json_string(skipped[i].reason) << "}";
    o << (skipped.empty() ? "]\n" : "\n  ]\n");
    o << "}\n";
    write_file(path, o.str());
}

void write_csv(const std::string& path, const RunInfo& info, const std::vector<MatVecRow>& rows) {
    std::ostringstream o;
    o << "device,arch,type,rows,cols,batch,path,kernel_us,op_us,bytes,gbps,fraction_of_read_bw,read_bw_gbps,"
         "weight_bytes,activation_bytes,kernel_timing,weight_copies,reps\n";
    for (const MatVecRow& r : rows) {
        o << csv_field(info.device) << ',' << csv_field(info.arch) << ',' << csv_field(r.type) << ',' << r.rows
          << ',' << r.cols << ',' << r.batch << ',' << csv_field(r.path) << ',' << csv_number(r.kernel_us) << ','
          << csv_number(r.op_us) << ',' << r.bytes << ',' << csv_number(r.gbps) << ','
          << csv_number(r.fraction_of_read_bw) << ',' << csv_number(info.read_bw_gbps) << ',' << r.weight_bytes
          << ',' << r.activation_bytes << ',' << csv_field(r.kernel_timing) << ',' << r.weight_copies << ','
          << r.reps << '\n';
    }
    write_file(path, o.str());
}

}  // namespace hipquant::bench
