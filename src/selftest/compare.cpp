// The self-test's comparisons of kernel output with the CPU reference (no
// device needed): bit-exact dequantize, Q8_1 bytes, the mat-vec bound.
#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <sstream>

#include "hipquant/quant/half.hpp"
#include "hipquant/quant/ops.hpp"
#include "hipquant/quant/reference.hpp"
#include "hipquant/selftest.hpp"

namespace hipquant::selftest {

namespace hq = hipquant::quant;

namespace {

constexpr int kMismatchesShown = 3;  // detail lists the first few; the count says the rest

// |a - b|, infinite where either is not finite and they differ.
double abs_diff(double a, double b) {
    const double d = std::fabs(a - b);
    return std::isfinite(d) ? d : std::numeric_limits<double>::infinity();
}

CheckResult finish(std::string name, std::size_t bad, std::size_t total, double max_error, double bound,
                   std::string unit, const std::ostringstream& mismatches, const std::string& what) {
    CheckResult r;
    r.name = std::move(name);
    r.passed = bad == 0;
    r.max_error = max_error;
    r.bound = bound;
    r.unit = std::move(unit);
    std::ostringstream d;
    if (bad == 0) d << total << " " << what << " ok";
    else d << bad << " of " << total << " " << what << " wrong: " << mismatches.str();
    r.detail = d.str();
    return r;
}

}  // namespace

CheckResult merge(std::string name, const std::vector<CheckResult>& parts) {
    CheckResult r;
    r.name = std::move(name);
    r.passed = !parts.empty();
    for (const auto& p : parts) {
        r.passed = r.passed && p.passed;
        // NaN-safe maximum: a NaN error is the worst.
        if (!(p.max_error <= r.max_error)) r.max_error = p.max_error;
        r.bound = p.bound;
        r.unit = p.unit;
        r.fault_injected = r.fault_injected || p.fault_injected;
        if (!p.passed || parts.size() == 1) r.detail += (r.detail.empty() ? "" : "; ") + p.detail;
    }
    if (r.passed && parts.size() > 1) r.detail = std::to_string(parts.size()) + " runs ok: " + parts.front().detail + " ...";
    return r;
}

CheckResult compare_dequantize_f32(std::string name, const std::vector<float>& got, const std::vector<float>& expect) {
    std::size_t bad = 0;
    double worst = 0;
    std::ostringstream m;
    if (got.size() != expect.size()) {
        m << "got " << got.size() << " values, expected " << expect.size();
        return finish(std::move(name), 1, expect.size(), std::numeric_limits<double>::infinity(), 0, "abs", m,
                      "values");
    }
    for (std::size_t i = 0; i < expect.size(); ++i) {
        if (hq::float_bits(got[i]) == hq::float_bits(expect[i])) continue;
        worst = std::max(worst, abs_diff(got[i], expect[i]));
        if (bad++ < kMismatchesShown) m << "[" << i << "] " << got[i] << " != " << expect[i] << " ";
    }
    return finish(std::move(name), bad, expect.size(), worst, 0, "abs", m, "values");
}

CheckResult compare_dequantize_f16(std::string name, const std::vector<std::uint16_t>& got,
                                   const std::vector<float>& expect) {
    std::size_t bad = 0;
    std::ostringstream m;
    if (got.size() != expect.size()) {
        m << "got " << got.size() << " values, expected " << expect.size();
        return finish(std::move(name), 1, expect.size(), std::numeric_limits<double>::infinity(), 0, "values", m,
                      "values");
    }
    for (std::size_t i = 0; i < expect.size(); ++i) {
        const std::uint16_t want = hq::fp32_to_fp16(expect[i]);
        if (got[i] == want) continue;
        if (bad++ < kMismatchesShown) m << "[" << i << "] 0x" << std::hex << got[i] << " != 0x" << want << std::dec << " ";
    }
    return finish(std::move(name), bad, expect.size(), static_cast<double>(bad), 0, "values", m, "values");
}

CheckResult compare_quantize_q8_1(std::string name, const std::vector<hq::BlockQ8_1>& got,
                                  const std::vector<float>& x, std::size_t rows, std::size_t cols) {
    const std::size_t rb = hq::q8_1_row_blocks(cols);
    std::ostringstream m;
    if (got.size() != rows * rb || x.size() != rows * cols) {
        m << "got " << got.size() << " blocks, expected " << rows * rb;
        return finish(std::move(name), 1, rows * rb, std::numeric_limits<double>::infinity(), 0, "bytes", m,
                      "blocks");
    }
    const std::vector<hq::BlockQ8_1> expect = q8_1_blocks(x, rows, cols);  // padded as the kernel pads

    std::size_t bad = 0, bad_blocks = 0, ties = 0;
    const auto note = [&](std::size_t b, const char* what) {
        if (bad_blocks++ < kMismatchesShown) m << "block " << b << " (row " << b / rb << "): " << what << "; ";
    };
    for (std::size_t b = 0; b < got.size(); ++b) {
        // Padding blocks need no case of their own: their reference is all
        // zeros and nothing there is a tie, so any written byte is a mismatch.
        const std::size_t row = b / rb, first = (b % rb) * hq::kQK;
        if (got[b].d != expect[b].d) ++bad, note(b, "scale d differs");
        if (got[b].s != expect[b].s) ++bad, note(b, "sum s differs");
        float amax = -1.0f;  // computed on the first difference only
        for (int j = 0; j < hq::kQK; ++j) {
            if (got[b].qs[j] == expect[b].qs[j]) continue;
            if (amax < 0) {
                amax = 0.0f;
                for (std::size_t c = first; c < first + hq::kQK && c < cols; ++c)
                    amax = std::fmax(amax, std::fabs(x[row * cols + c]));
            }
            const std::size_t c = first + static_cast<std::size_t>(j);
            // Only a one-step difference where x / d is exactly k + 0.5 is allowed.
            const float scaled = c < cols ? x[row * cols + c] * (127.0f / amax) : 0.0f;
            const bool tie = c < cols && std::fabs(scaled - std::trunc(scaled)) == 0.5f &&
                             std::abs(got[b].qs[j] - expect[b].qs[j]) == 1;
            if (tie) ++ties;
            else ++bad, note(b, "a quant differs off a rounding tie");
        }
    }
    if (ties > 2) {
        bad += ties - 2;
        m << ties << " quants differ at rounding ties (at most 2 allowed); ";
    }
    CheckResult r = finish(std::move(name), bad, got.size() * sizeof(hq::BlockQ8_1), static_cast<double>(bad), 0,
                           "bytes", m, "bytes");
    if (ties > 0) r.detail += " (" + std::to_string(ties) + " quants one off at exact rounding ties)";
    return r;
}

double mat_vec_error(double got, double ref, double magnitude) {
    const double e = std::fabs(got - ref) / (magnitude + kMatVecAbsoluteBound / kMatVecRelativeBound);
    return std::isnan(e) ? std::numeric_limits<double>::infinity() : e;
}

MatVecReference mat_vec_reference(const float* wq, const float* xq, std::size_t rows, std::size_t cols,
                                  std::size_t batch, const float* w, const float* x) {
    MatVecReference ref;
    ref.batch = batch;
    ref.rows = rows;
    ref.y.assign(batch * rows, 0.0);
    ref.magnitude.assign(batch * rows, 0.0);
    const bool unquantized = w != nullptr && x != nullptr;
    std::vector<double> xx(batch), dxx(batch);
    if (unquantized) {
        ref.unquantized.assign(batch * rows, 0.0);
        ref.quantization_bound.assign(batch * rows, 0.0);
        for (std::size_t b = 0; b < batch; ++b)
            for (std::size_t c = 0; c < cols; ++c) {
                const double v = x[b * cols + c], e = v - xq[b * cols + c];
                xx[b] += v * v;
                dxx[b] += e * e;
            }
    }
    for (std::size_t r = 0; r < rows; ++r) {
        const float* wr = wq + r * cols;
        double ww = 0, dww = 0;
        if (unquantized)
            for (std::size_t c = 0; c < cols; ++c) {
                const double e = double(w[r * cols + c]) - wr[c];
                ww += double(wr[c]) * wr[c];
                dww += e * e;
            }
        for (std::size_t b = 0; b < batch; ++b) {
            const float* xb = xq + b * cols;
            double s = 0, mag = 0, exact = 0;
            for (std::size_t c = 0; c < cols; ++c) {
                const double term = double(wr[c]) * xb[c];
                s += term;
                mag += std::fabs(term);
            }
            const std::size_t i = b * rows + r;
            ref.y[i] = s;
            ref.magnitude[i] = mag;
            if (unquantized) {
                for (std::size_t c = 0; c < cols; ++c) exact += double(w[r * cols + c]) * x[b * cols + c];
                ref.unquantized[i] = exact;
                ref.quantization_bound[i] = std::sqrt(dww * xx[b]) + std::sqrt(ww * dxx[b]) +
                                            kMatVecRelativeBound * mag + kMatVecAbsoluteBound;
            }
        }
    }
    return ref;
}

CheckResult compare_mat_vec(std::string name, const std::vector<float>& y, const MatVecReference& ref) {
    std::ostringstream m;
    const std::size_t n = ref.batch * ref.rows;
    if (y.size() != n || ref.y.size() != n || ref.magnitude.size() != n) {
        m << "got " << y.size() << " outputs, expected " << n;
        return finish(std::move(name), 1, n, std::numeric_limits<double>::infinity(), kMatVecRelativeBound,
                      "rel", m, "outputs");
    }
    const bool quantized_check = ref.unquantized.size() == n && ref.quantization_bound.size() == n;
    std::size_t bad = 0;
    double worst = 0;
    for (std::size_t i = 0; i < n; ++i) {
        const double err = mat_vec_error(y[i], ref.y[i], ref.magnitude[i]);
        worst = std::max(worst, err);
        const bool within = err <= kMatVecRelativeBound;
        const bool near_exact = !quantized_check || std::fabs(y[i] - ref.unquantized[i]) <= ref.quantization_bound[i];
        if (within && near_exact) continue;
        if (bad++ < kMismatchesShown) {
            m << "y[" << i / ref.rows << "][" << i % ref.rows << "] = " << y[i] << ", reference " << ref.y[i]
              << " (tol " << kMatVecRelativeBound * ref.magnitude[i] + kMatVecAbsoluteBound << ")";
            if (quantized_check)
                m << ", unquantized product " << ref.unquantized[i] << " (bound " << ref.quantization_bound[i] << ")";
            m << "; ";
        }
    }
    return finish(std::move(name), bad, n, worst, kMatVecRelativeBound, "rel", m, "outputs");
}

std::vector<hq::BlockQ8_1> q8_1_blocks(const std::vector<float>& x, std::size_t rows, std::size_t cols) {
    const std::size_t rb = hq::q8_1_row_blocks(cols);
    std::vector<hq::BlockQ8_1> out(rows * rb);
    std::vector<float> padded(rb * hq::kQK);
    for (std::size_t r = 0; r < rows; ++r) {
        std::fill(padded.begin(), padded.end(), 0.0f);
        std::copy_n(x.begin() + static_cast<std::ptrdiff_t>(r * cols), cols, padded.begin());
        hq::reference::quantize_row_q8_1(padded.data(), out.data() + r * rb, padded.size());
    }
    return out;
}

std::vector<float> q8_1_decoded(const std::vector<float>& x, std::size_t batch, std::size_t cols) {
    const std::size_t rb = hq::q8_1_row_blocks(cols);
    const auto blocks = q8_1_blocks(x, batch, cols);
    std::vector<float> decoded(rb * hq::kQK), out(batch * cols);
    for (std::size_t b = 0; b < batch; ++b) {
        hq::reference::dequantize_row_q8_1(blocks.data() + b * rb, decoded.data(), decoded.size());
        std::copy_n(decoded.begin(), cols, out.begin() + static_cast<std::ptrdiff_t>(b * cols));
    }
    return out;
}

std::vector<float> random_values(std::size_t n, std::uint32_t seed, float scale) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> dist(0.0f, scale);
    std::vector<float> v(n);
    for (auto& x : v) x = dist(rng);
    return v;
}

}  // namespace hipquant::selftest
