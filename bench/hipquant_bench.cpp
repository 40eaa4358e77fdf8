// hipquant-bench: times the quantized matmul kernels and reports the mat-vec
// ones against the device's read bandwidth and the mat-mat ones against a
// dense f16 GEMM of the vendor BLAS, both measured by the same program in
// the same run.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <exception>
#include <iterator>
#include <limits>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "bench_main.hpp"
#include "bench_util.hpp"
#include "dense_baseline.hpp"
#include "hipquant/quant/kernels.hpp"
#include "hipquant/hipquant.hpp"
#include "hipquant/quant/storage.hpp"
#include "hipquant/quant/workspace.hpp"
#include "report.hpp"
#include "stream_read.hpp"

namespace hq = hipquant::quant;
namespace hb = hipquant::bench;

namespace {

// Exit codes (also in the --help text).
constexpr int kExitOk = 0;
constexpr int kExitFailed = 1;  // a case or the run failed with an error
constexpr int kExitUsage = 2;   // bad command line
constexpr int kExitNoGpu = 3;   // no GPU (or no driver): nothing to measure

// The weight copies one case rotates over hold, besides the copy being read,
// at least this many times the L2 size, so a repetition never finds its
// weights in L2 from an earlier one.
constexpr std::size_t kWeightL2Multiple = 4;
// The streaming-read buffer is at least this many times the L2 size, and at
// least kReadMinBytes, so L2 hits do not inflate the read bandwidth.
constexpr std::size_t kReadL2Multiple = 8;
constexpr std::size_t kReadMinBytes = std::size_t{256} << 20;
// Weight copies may use at most this fraction of device memory.
constexpr double kMaxWeightMemoryFraction = 0.5;
// Rows quantized by the CPU reference; the rest of the matrix repeats them
// (quantizing all 4096 rows of every K type on the CPU would dominate the run).
constexpr std::size_t kPatternRows = 64;

struct Shape {
    std::size_t rows = 0;
    std::size_t cols = 0;
};

struct Options {
    std::vector<hq::QuantType> types;
    std::vector<Shape> shapes;
    std::vector<std::size_t> batches;
    std::vector<hq::MatVecPath> paths;
    int reps = 50;
    int launches = 10;
    int warmup = 5;
    int read_reps = 20;
    int device = 0;
    unsigned seed = 1234;
    std::string json_path;
    std::string csv_path;
    bool experts = true;  // the expert-product section
    bool help = false;
};

// The largest --batch; above kMaxMatVecBatch a batch is a mat-mat case.
constexpr std::size_t kMaxBatch = std::size_t{1} << 16;

constexpr unsigned kMatVecBatch = hq::kMaxMatVecBatch;

bool is_mat_mat(std::size_t batch) { return batch > kMatVecBatch; }

struct UsageError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

void print_usage(std::FILE* out) {
    std::fprintf(out,
                 "Usage: hipquant-bench [options]\n"
                 "\n"
                 "Times QuantizedTensor::matmul per weight type, shape, batch and path. Mat-vec cases (batch\n"
                 "1..%u) report kernel time, bytes read, GB/s and the fraction of the device's read bandwidth,\n"
                 "measured in the same run by a streaming-read kernel over a buffer of >= %zux the L2 size.\n"
                 "Mat-mat cases (batch > %u) report TFLOP/s = 2 x rows x cols x batch / time and its fraction\n"
                 "of a dense f16 GEMM of the same shape (M = rows, N = batch, K = cols; f16 operands and result,\n"
                 "f32 accumulation) by the vendor BLAS (%s), loaded at run time and timed in the same run;\n"
                 "without it the run prints \"dense f16 baseline: unavailable (reason)\" and leaves those\n"
                 "columns empty. After the table, per type, shape and path with a batch-1 row: op_us of each\n"
                 "batch / op_us of batch 1, and batch 1's op_us / bound_us.\n"
                 "\n"
                 "Options:\n"
                 "  --types LIST      weight types, comma separated\n"
                 "                    (default Q4_0,Q4_1,Q5_0,Q5_1,Q8_0,Q2_K,Q3_K,Q4_K,Q5_K,Q6_K,IQ4_NL,IQ4_XS,MXFP4)\n"
                 "  --shape RxC       weight rows x cols; repeatable (default 4096x14336 and 16384x14336)\n"
                 "  --batch LIST      activation vectors per call, comma separated, 1..%zu\n"
                 "                    (default 1,2,3,4,8,16,32,64,128,512)\n"
                 "  --path LIST       comma separated, of (default q8_1):\n"
                 "                      q8_1         activations quantized to Q8_1, integer products (above batch\n"
                 "                                   %u on the matrix cores where the GPU has them)\n"
                 "                      q8_1_intdot  as q8_1, but above batch %u the portable integer-dot tile\n"
                 "                                   product; measured for mat-mat batches only (below, it is q8_1)\n"
                 "                      dequantize   weights decoded to f32; mat-vec batches only\n"
                 "                    'both' is q8_1,dequantize\n"
                 "  --reps N          timed repetitions per case (default 50); medians are reported\n"
                 "  --launches N      back-to-back launches (over rotating weight copies) per repetition;\n"
                 "                    the time of one is the repetition's time / N (default 10; 1 times\n"
                 "                    each launch alone, launch overhead included)\n"
                 "  --warmup N        untimed launches per case first (default 5; at least one per weight copy)\n"
                 "  --read-reps N     repetitions of the streaming-read kernel (default 20)\n"
                 "  --device N        GPU ordinal (default 0)\n"
                 "  --seed N          seed of the random weights and activations (default 1234)\n"
                 "  --experts on|off  the expert-product section (default on): QuantizedExperts::mul_mat_id at\n"
                 "                    Qwen3-30B-A3B's shapes (128 experts, top 8; 768x2048 gate/up and 2048x768\n"
                 "                    down with a row per slot; Q4_K and Q8_0) and gpt-oss-20b's (32 experts,\n"
                 "                    top 4, 2880x2880 MXFP4), for 1, 8, 32 and 512 tokens; section \"experts\",\n"
                 "                    batch = tokens, path idKofN (/s: a row per slot; g: the grouped path),\n"
                 "                    bytes = the experts the router ids touch (averaged over 16 random id\n"
                 "                    sets) + activations, tflops = 2 x tokens x top_k x rows x cols / op_us\n"
                 "  --json FILE       write the results as JSON\n"
                 "  --csv FILE        write the results as CSV\n"
                 "  -h, --help        this text\n"
                 "\n"
                 "Fields (table, JSON rows and CSV columns alike; n.a. is '-' in the table, null in JSON and\n"
                 "empty in CSV):\n"
                 "  section            mat_vec (batch 1..%u), mat_mat (batch > %u) or experts; the JSON file\n"
                 "                     has one array of each, beside dense_f16_baseline and skipped\n"
                 "  kernel_us, op_us   medians, microseconds per launch. op_us is the whole matmul with a\n"
                 "                     Workspace (activation quantization included); kernel_us the product alone where it can be timed\n"
                 "                     alone (the q8_1 path, kernel_timing \"kernel\"), else op_us (kernel_timing\n"
                 "                     \"op\"); mat-mat rows are rated by op_us\n"
                 "  bytes              weight bytes + activation bytes the kernel reads (q8_1 paths: Q8_1\n"
                 "                     blocks; dequantize: f32), the table's MB read\n"
                 "  bound_us           every row: bytes / the read bandwidth (read_bw_gbps), microseconds: the\n"
                 "                     op's time were it bound by reading them once\n"
                 "  gbps               mat-vec: bytes / kernel_us (1e9 B/s); mat-mat: n.a.\n"
                 "  fraction_of_read_bw  mat-vec: gbps / the read bandwidth (read_bw_gbps); mat-mat: n.a.\n"
                 "  tflops             mat-mat: 2 x rows x cols x batch / op_us (1e12 per second); mat-vec: n.a.\n"
                 "  dense_f16_tflops   mat-mat: the dense f16 GEMM of the same rows, cols and batch; n.a. where\n"
                 "                     the BLAS is unavailable (and for mat-vec)\n"
                 "  fraction_of_dense_f16  tflops / dense_f16_tflops\n"
                 "  weight_copies      weight copies rotated so that no repetition finds its weights in L2\n"
                 "                     (the dense GEMM's weight is rotated the same way)\n"
                 "\n"
                 "Exit status: 0 all cases measured (types or paths without a kernel are listed as skipped, with\n"
                 "the library's message), 1 an error (partial results are still printed and written), 2 bad\n"
                 "command line, 3 no GPU found (no device or no driver).\n",
                 kMatVecBatch, kReadL2Multiple, kMatVecBatch, hipquant::platform::blas::kVendor, kMaxBatch,
                 kMatVecBatch, kMatVecBatch, kMatVecBatch, kMatVecBatch);
}

std::vector<std::string> split(const std::string& s, char sep) {
    std::vector<std::string> out;
    std::size_t at = 0;
    while (true) {
        const std::size_t next = s.find(sep, at);
        out.push_back(s.substr(at, next == std::string::npos ? std::string::npos : next - at));
        if (next == std::string::npos) break;
        at = next + 1;
    }
    return out;
}

std::size_t parse_size(const std::string& s, const char* what) {
    if (s.empty() || !std::all_of(s.begin(), s.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); }))
        throw UsageError(std::string(what) + ": '" + s + "' is not a non-negative integer");
    try {
        return static_cast<std::size_t>(std::stoull(s));
    } catch (const std::exception&) {
        throw UsageError(std::string(what) + ": '" + s + "' is out of range");
    }
}

int parse_int(const std::string& s, const char* what, int min_value) {
    const std::size_t v = parse_size(s, what);
    if (v > static_cast<std::size_t>(std::numeric_limits<int>::max()) || static_cast<int>(v) < min_value)
        throw UsageError(std::string(what) + ": " + s + " is out of range (at least " + std::to_string(min_value) +
                         ")");
    return static_cast<int>(v);
}

hq::QuantType parse_type(std::string name) {
    for (char& c : name) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    const hq::QuantTypeInfo* info = hq::find_quant_type(name);
    if (info == nullptr) throw UsageError("--types: unknown type '" + name + "'");
    if (!info->can_be_weight) throw UsageError("--types: " + name + " is not a weight type");
    return info->type;
}

const char* path_name(hq::MatVecPath path) {
    switch (path) {
        case hq::MatVecPath::kQ8_1: return "q8_1";
        case hq::MatVecPath::kQ8_1IntegerDot: return "q8_1_intdot";
        case hq::MatVecPath::kDequantize: return "dequantize";
        case hq::MatVecPath::kAuto: return "auto";
    }
    return "?";
}

hq::MatVecPath parse_path(const std::string& name) {
    for (const hq::MatVecPath path :
         {hq::MatVecPath::kQ8_1, hq::MatVecPath::kQ8_1IntegerDot, hq::MatVecPath::kDequantize})
        if (name == path_name(path)) return path;
    throw UsageError("--path: '" + name + "' is not q8_1, q8_1_intdot, dequantize or both");
}

Shape parse_shape(const std::string& s) {
    const std::size_t x = s.find_first_of("xX");
    if (x == std::string::npos) throw UsageError("--shape: '" + s + "' is not ROWSxCOLS");
    Shape shape{parse_size(s.substr(0, x), "--shape rows"), parse_size(s.substr(x + 1), "--shape cols")};
    if (shape.rows == 0 || shape.cols == 0) throw UsageError("--shape: '" + s + "' has a zero dimension");
    return shape;
}

Options parse_options(int argc, char** argv) {
    Options opt;
    bool shapes_given = false;
    for (int i = 1; i < argc; ++i) {
        std::string arg = argv[i];
        std::string value;
        bool has_value = false;
        if (arg.rfind("--", 0) == 0) {
            if (const std::size_t eq = arg.find('='); eq != std::string::npos) {
                value = arg.substr(eq + 1);
                arg = arg.substr(0, eq);
                has_value = true;
            }
        }
        auto next = [&]() -> std::string {
            if (has_value) return value;
            if (i + 1 >= argc) throw UsageError(arg + " needs a value");
            return argv[++i];
        };
        if (arg == "-h" || arg == "--help") {
            opt.help = true;
        } else if (arg == "--types") {
            opt.types.clear();
            for (const std::string& t : split(next(), ',')) opt.types.push_back(parse_type(t));
        } else if (arg == "--shape") {
            if (!shapes_given) opt.shapes.clear();
            shapes_given = true;
            opt.shapes.push_back(parse_shape(next()));
        } else if (arg == "--batch") {
            opt.batches.clear();
            for (const std::string& b : split(next(), ',')) {
                const std::size_t batch = parse_size(b, "--batch");
                if (batch == 0 || batch > kMaxBatch)
                    throw UsageError("--batch: " + b + " is outside 1.." + std::to_string(kMaxBatch));
                opt.batches.push_back(batch);
            }
        } else if (arg == "--path") {
            opt.paths.clear();
            for (const std::string& p : split(next(), ',')) {
                if (p == "both") {
                    opt.paths.push_back(hq::MatVecPath::kQ8_1);
                    opt.paths.push_back(hq::MatVecPath::kDequantize);
                } else {
                    opt.paths.push_back(parse_path(p));
                }
            }
        } else if (arg == "--reps") {
            opt.reps = parse_int(next(), "--reps", 1);
        } else if (arg == "--launches") {
            opt.launches = parse_int(next(), "--launches", 1);
        } else if (arg == "--warmup") {
            opt.warmup = parse_int(next(), "--warmup", 0);
        } else if (arg == "--read-reps") {
            opt.read_reps = parse_int(next(), "--read-reps", 1);
        } else if (arg == "--device") {
            opt.device = parse_int(next(), "--device", 0);
        } else if (arg == "--seed") {
            opt.seed = static_cast<unsigned>(parse_size(next(), "--seed"));
        } else if (arg == "--experts") {
            const std::string v = next();
            if (v != "on" && v != "off") throw UsageError("--experts: '" + v + "' is not on or off");
            opt.experts = v == "on";
        } else if (arg == "--json") {
            opt.json_path = next();
        } else if (arg == "--csv") {
            opt.csv_path = next();
        } else {
            throw UsageError("unknown option '" + arg + "'");
        }
    }
    if (opt.types.empty())
        for (const char* t : {"Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q8_0", "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K", "IQ4_NL",
                              "IQ4_XS", "MXFP4"})
            opt.types.push_back(parse_type(t));
    if (opt.shapes.empty()) opt.shapes = {{4096, 14336}, {16384, 14336}};
    if (opt.batches.empty()) opt.batches = {1, 2, 3, 4, 8, 16, 32, 64, 128, 512};
    if (opt.paths.empty()) opt.paths = {hq::MatVecPath::kQ8_1};
    return opt;
}


std::string case_name(const char* type, Shape s, std::size_t batch, const char* path) {
    return std::string(type) + " " + std::to_string(s.rows) + "x" + std::to_string(s.cols) + " batch " +
           std::to_string(batch) + " " + path;
}

// GGUF-layout bytes of a rows x cols weight matrix: kPatternRows rows of
// N(0, 1) values quantized by the CPU reference, repeated down the matrix.
// Real quantized data (not zeros or noise bytes), so scale and sign decoding
// does the same work as on a model's weights.
std::vector<std::uint8_t> make_weight_bytes(hq::QuantType type, Shape s, unsigned seed) {
    const std::size_t row_bytes = hq::row_size_bytes(type, s.cols);
    const std::size_t pattern_rows = std::min(kPatternRows, s.rows);
    const std::vector<float> values = hb::random_normal(pattern_rows * s.cols, seed);
    const std::vector<std::uint8_t> pattern =
        hq::reference::quantize_matrix(type, values.data(), pattern_rows, s.cols);
    std::vector<std::uint8_t> bytes(s.rows * row_bytes);
    for (std::size_t r = 0; r < s.rows; ++r)
        std::memcpy(bytes.data() + r * row_bytes, pattern.data() + (r % pattern_rows) * row_bytes, row_bytes);
    return bytes;
}

// How many copies of a weight of `weight_bytes` to rotate over: the others
// must together exceed kWeightL2Multiple x L2, and there are at least 2.
// Where fewer fit in device memory, says so on stderr, naming `what`.
std::size_t weight_copies_for(const hipquant::RocmDevice& dev, std::size_t weight_bytes, const std::string& what) {
    const std::size_t others = (kWeightL2Multiple * dev.l2_cache_bytes() + weight_bytes - 1) / weight_bytes;
    const std::size_t copies = std::max<std::size_t>(2, others + 1);
    const auto budget =
        static_cast<std::size_t>(kMaxWeightMemoryFraction * static_cast<double>(dev.total_memory_bytes()));
    const std::size_t fit = std::max<std::size_t>(1, budget / weight_bytes);
    if (copies > fit)
        std::fprintf(stderr,
                     "%s: only %zu weight copies fit in %.0f%% of device memory; fewer than "
                     "%zux L2 rotate between repetitions\n",
                     what.c_str(), fit, 100.0 * kMaxWeightMemoryFraction, kWeightL2Multiple);
    return std::min(copies, fit);
}

// What the cases of one run share, and where their results go.
struct Section {
    const hipquant::RocmDevice& dev;
    const Options& opt;
    const hb::RunInfo& info;
    const hb::DenseBaseline& dense;
    std::vector<hb::CaseRow>& rows;
    std::vector<hb::SkippedCase>& skipped;
    int failures = 0;

    void skip(const std::string& what, const std::string& reason, bool is_failure) {
        std::fprintf(stderr, "%s: %s %s\n", what.c_str(), is_failure ? "FAILED:" : "skipped:", reason.c_str());
        skipped.push_back({what, (is_failure ? "error: " : "") + reason});
        if (is_failure) ++failures;
    }

    hb::TimingPlan plan() const {
        return {static_cast<std::size_t>(opt.warmup), static_cast<std::size_t>(opt.reps),
                static_cast<std::size_t>(opt.launches)};
    }
};

// Whether (batch, path) is a case at all: dequantize has no mat-mat kernel,
// and below batch 9 q8_1_intdot is the q8_1 mat-vec (--help says so).
bool is_case(std::size_t batch, hq::MatVecPath path) {
    if (path == hq::MatVecPath::kDequantize) return !is_mat_mat(batch);
    if (path == hq::MatVecPath::kQ8_1IntegerDot) return is_mat_mat(batch);
    return true;
}

// The activations of one batch: f32 values, the output, and (mat-vec only)
// the Q8_1 blocks the q8_1 kernel is timed on alone.
struct Activations {
    hipquant::DeviceMemory<float> x;
    hipquant::DeviceMemory<float> y;
    hipquant::DeviceMemory<hq::BlockQ8_1> xq;
};

// Times one (type, shape, batch, path) over the rotated weight copies.
//
// op_us is the whole matmul (on the q8_1 paths: quantize + product).
// kernel_us is the product alone: on the q8_1 path
// QuantizedTensor::matmul_q8_1 on activations quantized beforehand
// ("kernel"); elsewhere the op ("op": the dequantize mat-vec is one kernel,
// and matmul_q8_1 has no integer-dot path). A mat-mat row is compared by
// its whole op with the dense GEMM.
void run_case(Section& sec, const std::vector<hq::QuantizedTensor>& weights, Shape s, std::size_t batch,
              hq::MatVecPath path, Activations& act) {
    const hipquant::RocmDevice& dev = sec.dev;
    const hipStream_t stream = dev.stream();
    const bool mat_mat = is_mat_mat(batch);
    const bool kernel_alone = path == hq::MatVecPath::kQ8_1;
    const std::size_t copies = weights.size();
    const hb::TimingPlan plan = sec.plan();
    // With a Workspace, as an engine calls it: the calls without one take
    // their scratch from the stream-ordered pool, about 1 us more per call
    // on the H100 (bench/NOTES.md, thirteenth session).
    hq::Workspace ws(dev, weights.front().workspace_bytes(batch, path));
    auto op = [&](std::size_t i) {
        weights[i % copies].matmul(act.x.span(), batch, act.y.span(), stream, ws, path);
    };
    auto product = [&](std::size_t i) {
        weights[i % copies].matmul(hq::QuantizedActivations{act.xq.span(), batch, s.cols}, act.y.span(), stream, ws);
    };

    // Warm-up: every copy once (a path without a kernel for this batch
    // throws here).
    const std::size_t warm = std::max(plan.warmup, copies);
    for (std::size_t i = 0; i < warm; ++i) op(i);
    dev.synchronize();

    // Each repetition times plan.launches back-to-back launches, each on the
    // next weight copy, so the device never idles between them and the
    // per-launch figure is throughput, not launch latency.
    std::size_t next = warm;  // continue the rotation where the warm-up stopped
    double kernel_us = 0.0;
    if (kernel_alone) {
        hq::quantize_q8_1(dev, act.x.span(), batch, s.cols, act.xq.span(), stream);
        kernel_us = hb::median_launch_us(plan, stream, next, product);
    }
    const double op_us = hb::median_launch_us(plan, stream, next, op);
    if (!kernel_alone) kernel_us = op_us;
    dev.check();

    hb::CaseRow row;
    row.section = mat_mat ? "mat_mat" : "mat_vec";
    row.type = hq::quant_type_name(weights.front().type());
    row.rows = s.rows;
    row.cols = s.cols;
    row.batch = batch;
    row.path = path_name(path);
    row.op_us = op_us;
    row.kernel_us = kernel_us;
    row.kernel_timing = kernel_alone ? "kernel" : "op";
    row.weight_bytes = weights.front().storage_size_in_bytes();
    // What the kernel must read of the activations: Q8_1 blocks of each row
    // (without the zero padding to 512 values) or the f32 values.
    row.activation_bytes = path != hq::MatVecPath::kDequantize
                               ? batch * ((s.cols + hq::kQK - 1) / hq::kQK) * sizeof(hq::BlockQ8_1)
                               : batch * s.cols * sizeof(float);
    row.bytes = row.weight_bytes + row.activation_bytes;
    row.bound_us = static_cast<double>(row.bytes) / (sec.info.read_bw_gbps * 1e3);
    if (mat_mat) {
        row.tflops = hb::tflops(s.rows, s.cols, batch, op_us);
        if (const hb::DenseCase* d = sec.dense.find(s.rows, s.cols, batch)) {
            row.dense_f16_tflops = d->tflops;
            row.fraction_of_dense_f16 = row.tflops / d->tflops;
        }
    } else {
        row.gbps = static_cast<double>(row.bytes) / (row.kernel_us * 1e3);
        row.fraction_of_read_bw = row.gbps / sec.info.read_bw_gbps;
    }
    row.weight_copies = copies;
    row.reps = sec.opt.reps;
    hb::print_row(stdout, row);
    sec.rows.push_back(row);
}

// Copies of one weight to rotate over (see weight_copies_for); empty, with
// the reason recorded, when they cannot be made.
std::vector<hq::QuantizedTensor> load_weight_copies(Section& sec, hq::QuantType type, Shape s, unsigned seed,
                                                    const std::string& what) {
    std::vector<hq::QuantizedTensor> weights;
    try {
        const std::vector<std::uint8_t> bytes = make_weight_bytes(type, s, seed);
        const std::size_t copies = weight_copies_for(sec.dev, bytes.size(), what);
        weights.reserve(copies);
        for (std::size_t c = 0; c < copies; ++c)
            weights.push_back(hq::QuantizedTensor::load(sec.dev, type, bytes.data(), bytes.size(), s.rows, s.cols));
        sec.dev.synchronize();  // the uploads finish before the host bytes go
    } catch (const hipquant::Error& e) {
        sec.skip(what, std::string("weights: ") + e.what(), e.code() != hipquant::errc::not_supported);
        weights.clear();
    }
    return weights;
}

// Every (shape, type, batch, path): mat-vec and mat-mat rows in one table.
void run_cases(Section& sec) {
    const hipquant::RocmDevice& dev = sec.dev;
    hb::print_table_header(stdout);
    unsigned seed = sec.opt.seed;
    for (const Shape& s : sec.opt.shapes) {
        for (const hq::QuantType type : sec.opt.types) {
            const hq::QuantTypeInfo& tinfo = hq::quant_type_info(type);
            const std::string what =
                std::string(tinfo.name) + " " + std::to_string(s.rows) + "x" + std::to_string(s.cols);
            if (s.cols % tinfo.block_elems != 0) {
                sec.skip(what, "cols " + std::to_string(s.cols) + " is not a multiple of the block size " +
                                   std::to_string(tinfo.block_elems),
                         false);
                continue;
            }
            const std::vector<hq::QuantizedTensor> weights = load_weight_copies(sec, type, s, ++seed, what);
            if (weights.empty()) continue;

            for (const std::size_t batch : sec.opt.batches) {
                const std::vector<float> xh = hb::random_normal(batch * s.cols, ++seed);
                Activations act{dev.memcpy_stod(xh), dev.alloc_zeros<float>(batch * s.rows),
                                dev.alloc<hq::BlockQ8_1>(batch * hq::q8_1_row_blocks(s.cols))};
                for (const hq::MatVecPath path : sec.opt.paths) {
                    if (!is_case(batch, path)) continue;
                    try {
                        run_case(sec, weights, s, batch, path, act);
                    } catch (const hipquant::Error& e) {
                        sec.skip(case_name(tinfo.name, s, batch, path_name(path)), e.what(),
                                 e.code() != hipquant::errc::not_supported);
                    }
                }
            }
        }
    }
}

// ---- Expert products ------------------------------------------------------
struct ExpertCase {
    hq::QuantType type;
    std::size_t experts, top_k, rows, cols;
    bool per_slot;  // a row of activations per (token, slot): the down projection
};
constexpr ExpertCase kExpertCases[] = {
    {hq::QuantType::Q4_K, 128, 8, 768, 2048, false},  {hq::QuantType::Q4_K, 128, 8, 2048, 768, true},
    {hq::QuantType::Q8_0, 128, 8, 768, 2048, false},  {hq::QuantType::Q8_0, 128, 8, 2048, 768, true},
    {hq::QuantType::MXFP4, 32, 4, 2880, 2880, false},
};
constexpr std::size_t kExpertTokens[] = {1, 8, 32, 512};
constexpr std::size_t kExpertIdSets = 16;  // router choices rotated with the weight copies

// A router's choices: top_k distinct experts per token, uniformly at random.
std::vector<std::int32_t> random_router_ids(std::size_t tokens, std::size_t top_k, std::size_t experts,
                                            unsigned seed) {
    std::mt19937 rng(seed);
    std::vector<std::int32_t> all(experts), ids;
    for (std::size_t e = 0; e < experts; ++e) all[e] = static_cast<std::int32_t>(e);
    for (std::size_t t = 0; t < tokens; ++t) {
        std::shuffle(all.begin(), all.end(), rng);
        ids.insert(ids.end(), all.begin(), all.begin() + static_cast<std::ptrdiff_t>(top_k));
    }
    return ids;
}

// One (case, tokens): the whole mul_mat_id (quantization included, ids
// trusted: IdCheck::kDeviceOnly, as an engine calls it) over rotated
// weight copies and id sets.
void run_expert_case(Section& sec, const std::vector<hq::QuantizedExperts>& copies, const ExpertCase& c,
                     std::size_t tokens, unsigned seed) {
    const hipquant::RocmDevice& dev = sec.dev;
    const hipStream_t stream = dev.stream();
    const std::size_t x_slots = c.per_slot ? c.top_k : 1;
    const auto x = dev.memcpy_stod(hb::random_normal(tokens * x_slots * c.cols, seed));
    auto y = dev.alloc<float>(tokens * c.top_k * c.rows);
    std::vector<hipquant::DeviceMemory<std::int32_t>> id_sets;
    double touched = 0;  // experts a call reads, on average
    for (std::size_t k = 0; k < kExpertIdSets; ++k) {
        const auto ids = random_router_ids(tokens, c.top_k, c.experts, seed + 1 + static_cast<unsigned>(k));
        std::vector<bool> used(c.experts, false);
        for (const std::int32_t id : ids) used[static_cast<std::size_t>(id)] = true;
        touched += static_cast<double>(std::count(used.begin(), used.end(), true)) / kExpertIdSets;
        id_sets.push_back(dev.memcpy_stod(ids));
    }
    hq::Workspace ws(dev, copies.front().workspace_bytes(tokens, x_slots, c.top_k));
    auto op = [&](std::size_t i) {
        copies[i % copies.size()].mul_mat_id(x.span(), tokens, x_slots, id_sets[i % kExpertIdSets].span(), c.top_k,
                                             y.span(), stream, ws, hq::IdCheck::kDeviceOnly);
    };
    const hb::TimingPlan plan = sec.plan();
    const std::size_t warm = std::max(plan.warmup, copies.size());
    for (std::size_t i = 0; i < warm; ++i) op(i);
    dev.synchronize();
    std::size_t next = warm;
    const double op_us = hb::median_launch_us(plan, stream, next, op);
    dev.check();

    hb::CaseRow row;
    row.section = "experts";
    row.type = hq::quant_type_name(c.type);
    row.rows = c.rows;
    row.cols = c.cols;
    row.batch = tokens;
    // idKofN, /s a row per slot, g the grouped path (else a mat-vec per pair).
    const bool grouped = copies.front().product_kernel(tokens, c.top_k) == hq::kernel_name(hq::mul_mat_id_kernel(c.type));
    row.path = "id" + std::to_string(c.top_k) + "of" + std::to_string(c.experts) + (c.per_slot ? "/s" : "") +
               (grouped ? "g" : "");
    row.op_us = row.kernel_us = op_us;
    row.kernel_timing = "op";
    row.weight_bytes = static_cast<std::size_t>(touched * static_cast<double>(copies.front().expert_size_in_bytes()));
    row.activation_bytes = tokens * x_slots * (c.cols / hq::kQK) * sizeof(hq::BlockQ8_1);
    row.bytes = row.weight_bytes + row.activation_bytes;
    row.bound_us = static_cast<double>(row.bytes) / (sec.info.read_bw_gbps * 1e3);
    row.gbps = static_cast<double>(row.bytes) / (op_us * 1e3);
    row.fraction_of_read_bw = row.gbps / sec.info.read_bw_gbps;
    row.tflops = hb::tflops(c.rows, c.cols, tokens * c.top_k, op_us);
    row.weight_copies = copies.size();
    row.reps = sec.opt.reps;
    hb::print_row(stdout, row);
    sec.rows.push_back(row);
}

void run_expert_cases(Section& sec) {
    unsigned seed = sec.opt.seed ^ 0xe4e4u;
    for (const ExpertCase& c : kExpertCases) {
        const std::string what = std::string(hq::quant_type_name(c.type)) + " experts " + std::to_string(c.experts) +
                                 " x " + std::to_string(c.rows) + "x" + std::to_string(c.cols);
        std::vector<hq::QuantizedExperts> copies;
        try {
            const auto bytes = make_weight_bytes(c.type, Shape{c.experts * c.rows, c.cols}, ++seed);
            const std::size_t n = weight_copies_for(sec.dev, bytes.size(), what);
            for (std::size_t k = 0; k < n; ++k)
                copies.push_back(hq::QuantizedExperts::load(sec.dev, c.type, bytes.data(), bytes.size(), c.experts,
                                                            c.rows, c.cols));
        } catch (const hipquant::Error& e) {
            sec.skip(what, std::string("weights: ") + e.what(), e.code() != hipquant::errc::not_supported);
            continue;
        }
        for (const std::size_t tokens : kExpertTokens) {
            try {
                run_expert_case(sec, copies, c, tokens, seed += 100);
            } catch (const hipquant::Error& e) {
                sec.skip(what + " tokens " + std::to_string(tokens), e.what(),
                         e.code() != hipquant::errc::not_supported);
            }
        }
    }
}

// The dense f16 GEMM of every shape and mat-mat batch, before any quantized
// weight takes device memory. A missing BLAS leaves dense unavailable with
// the reason; a failing GEMM is listed as not measured and leaves its rows'
// dense columns empty (the quantized cases are still measured).
void measure_dense_baseline(Section& sec, hb::DenseBaseline& dense) {
    std::vector<std::size_t> batches;
    std::copy_if(sec.opt.batches.begin(), sec.opt.batches.end(), std::back_inserter(batches), is_mat_mat);
    dense.wanted = !batches.empty();
    if (!dense.wanted) return;
    hb::DenseF16Gemm gemm(sec.dev);
    dense.available = gemm.available();
    dense.library = gemm.library();
    dense.reason = gemm.unavailable_reason();
    if (!dense.available) return;
    unsigned seed = sec.opt.seed ^ 0x5eedu;  // from --seed, but not the quantized weights' sequence
    for (const Shape& s : sec.opt.shapes) {
        const std::string shape = std::to_string(s.rows) + "x" + std::to_string(s.cols);
        try {
            const std::size_t copies =
                weight_copies_for(sec.dev, s.rows * s.cols * sizeof(std::uint16_t), "dense f16 " + shape);
            gemm.set_weight(s.rows, s.cols, copies, ++seed);
            for (const std::size_t batch : batches) {
                const std::string what = "dense f16 " + shape + " batch " + std::to_string(batch);
                try {
                    const double us = gemm.time_us(batch, sec.plan(), ++seed);
                    dense.cases.push_back({s.rows, s.cols, batch, us, hb::tflops(s.rows, s.cols, batch, us), copies});
                } catch (const std::exception& e) {
                    sec.skip(what, e.what(), false);
                }
            }
        } catch (const std::exception& e) {
            sec.skip("dense f16 " + shape, e.what(), false);
        }
    }
}

int run(const Options& opt) {
    const int count = hipquant::RocmDevice::count();
    if (count == 0) {
        std::fprintf(stderr,
                     "hipquant-bench: no GPU found (RocmDevice::count() is 0: no device, or no driver); "
                     "nothing to measure. Exit status %d.\n",
                     kExitNoGpu);
        return kExitNoGpu;
    }
    if (opt.device >= count) {
        std::fprintf(stderr, "hipquant-bench: --device %d, but there are %d GPUs\n", opt.device, count);
        return kExitUsage;
    }
    const hipquant::RocmDevice dev = hipquant::RocmDevice::open(opt.device);
    // Loads the kernel module (all kernels are in one image) before anything is timed.
    (void)hipquant::quant::kernel(dev, hipquant::quant::KernelId::bench_stream_read);

    hb::RunInfo info;
    info.device = dev.name();
    info.arch = dev.arch();
    info.l2_bytes = dev.l2_cache_bytes();
    info.compute_units = dev.multiprocessor_count();
    const std::size_t read_bytes = std::max(kReadL2Multiple * info.l2_bytes, kReadMinBytes);
    const hb::ReadBandwidth bw = hb::measure_read_bandwidth(dev, read_bytes, 3, opt.read_reps);
    info.read_bw_gbps = bw.gbps;
    info.read_us = bw.median_us;
    info.read_buffer_bytes = bw.buffer_bytes;
    info.read_reps = bw.reps;
    hb::print_run_info(stdout, info);

    hb::DenseBaseline dense;
    std::vector<hb::CaseRow> rows;
    std::vector<hb::SkippedCase> skipped;
    Section sec{dev, opt, info, dense, rows, skipped};
    measure_dense_baseline(sec, dense);
    hb::print_dense_baseline(stdout, info, dense);
    run_cases(sec);
    if (opt.experts) run_expert_cases(sec);
    hb::print_batch_scaling(stdout, rows);

    if (!skipped.empty()) {
        std::printf("\nNot measured:\n");
        for (const hb::SkippedCase& c : skipped) std::printf("  %s: %s\n", c.what.c_str(), c.reason.c_str());
    }
    if (!opt.json_path.empty()) hb::write_json(opt.json_path, info, dense, rows, skipped);
    if (!opt.csv_path.empty()) hb::write_csv(opt.csv_path, info, rows);
    return sec.failures == 0 ? kExitOk : kExitFailed;
}

}  // namespace

// The benchmark's whole command line; `hipquant-bench` and `hipquant bench`
// both end here (bench/bench_main.hpp).
int hipquant_bench_main(int argc, char** argv) {
    Options opt;
    try {
        opt = parse_options(argc, argv);
    } catch (const UsageError& e) {
        std::fprintf(stderr, "hipquant-bench: %s\n\n", e.what());
        print_usage(stderr);
        return kExitUsage;
    }
    if (opt.help) {
        print_usage(stdout);
        return kExitOk;
    }
    try {
        return run(opt);
    } catch (const hipquant::Error& e) {
        std::fprintf(stderr, "hipquant-bench: hipquant error: %s\n", e.what());
    } catch (const std::exception& e) {
        std::fprintf(stderr, "hipquant-bench: %s\n", e.what());
    }
    return kExitFailed;
}
