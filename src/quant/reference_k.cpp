// Reference quantizers of the 256-value K blocks (Q2_K .. Q6_K, Q8_K),
// following GGML's quantize_row_*_ref procedures step for step, so the
// error (RMSE) is GGML's: per sub-block a scale (and min) search, then the
// sub-block scales quantized against one f16 super-block scale, then every
// value re-quantized against the scale that will actually be decoded.
#include <cmath>
#include <cstring>

#include "hipquant/quant/decode.hpp"
#include "hipquant/quant/half.hpp"
#include "reference_internal.hpp"

namespace hipquant::quant::reference::detail {

namespace {

// Below this largest magnitude a group counts as all zero (GGML's GROUP_MAX_EPS).
constexpr float kGroupMaxEps = 1e-15f;

// Scale and min for x = scale * L + min, L in [0, nmax], min <= 0, fitted by
// weighted least squares over nstep + 1 trial inverse scales
// (rmin + rdelta * is + nmax) / (max - min) (GGML's make_qkx2_quants).
// Error is the weighted |diff| (use_mad) or diff^2. Returns the scale and
// stores -min in *neg_min.
float fit_scale_min(int n, int nmax, const float* x, const float* w, std::uint8_t* L, float* neg_min, float rmin,
                    float rdelta, int nstep, bool use_mad) {
    float mn = x[0], mx = x[0];
    float sum_w = w[0];
    float sum_x = sum_w * x[0];
    for (int i = 1; i < n; ++i) {
        if (x[i] < mn) mn = x[i];
        if (x[i] > mx) mx = x[i];
        sum_w += w[i];
        sum_x += w[i] * x[i];
    }
    if (mn > 0) mn = 0;
    if (mx == mn) {
        for (int i = 0; i < n; ++i) L[i] = 0;
        *neg_min = -mn;
        return 0.0f;
    }
    auto error_of = [&](float diff) { return use_mad ? std::fabs(diff) : diff * diff; };
    float iscale = static_cast<float>(nmax) / (mx - mn);
    float scale = 1.0f / iscale;
    float best_error = 0;
    for (int i = 0; i < n; ++i) {
        L[i] = static_cast<std::uint8_t>(clamp_int(nearest_int(iscale * (x[i] - mn)), 0, nmax));
        const float diff = scale * static_cast<float>(L[i]) + mn - x[i];
        best_error += w[i] * error_of(diff);
    }
    std::uint8_t trial[32];
    for (int is = 0; is <= nstep; ++is) {
        iscale = (rmin + rdelta * static_cast<float>(is) + static_cast<float>(nmax)) / (mx - mn);
        float sum_l = 0, sum_l2 = 0, sum_xl = 0;
        for (int i = 0; i < n; ++i) {
            const int l = clamp_int(nearest_int(iscale * (x[i] - mn)), 0, nmax);
            trial[i] = static_cast<std::uint8_t>(l);
            const float fl = static_cast<float>(l);
            sum_l += w[i] * fl;
            sum_l2 += w[i] * fl * fl;
            sum_xl += w[i] * fl * x[i];
        }
        const float D = sum_w * sum_l2 - sum_l * sum_l;
        if (!(D > 0)) continue;
        float this_scale = (sum_w * sum_xl - sum_x * sum_l) / D;
        float this_min = (sum_l2 * sum_x - sum_l * sum_xl) / D;
        if (this_min > 0) {  // the min may only lower values: refit the scale alone
            this_min = 0;
            this_scale = sum_xl / sum_l2;
        }
        float cur_error = 0;
        for (int i = 0; i < n; ++i) {
            const float diff = this_scale * static_cast<float>(trial[i]) + this_min - x[i];
            cur_error += w[i] * error_of(diff);
        }
        if (cur_error < best_error) {
            std::memcpy(L, trial, static_cast<std::size_t>(n));
            best_error = cur_error;
            scale = this_scale;
            mn = this_min;
        }
    }
    *neg_min = -mn;
    return scale;
}

// Signed value of largest magnitude (first wins); 0 for an empty group.
float signed_absmax(int n, const float* x) {
    float amax = 0, max = 0;
    for (int i = 0; i < n; ++i) {
        if (std::fabs(x[i]) > amax) {
            amax = std::fabs(x[i]);
            max = x[i];
        }
    }
    return max;
}

// Symmetric scale for x = scale * (L - nmax), L - nmax in [-nmax, nmax - 1],
// starting from -nmax / max and improving single quants by coordinate
// descent on the x^2-weighted error, up to 5 sweeps (GGML's make_q3_quants
// with do_rmse). Stores L in [0, 2*nmax).
float fit_scale_q3(int n, int nmax, const float* x, std::int8_t* L) {
    const float max = signed_absmax(n, x);
    if (std::fabs(max) < kGroupMaxEps) {
        for (int i = 0; i < n; ++i) L[i] = 0;
        return 0.0f;
    }
    const float iscale = static_cast<float>(-nmax) / max;
    float sumlx = 0, suml2 = 0;
    for (int i = 0; i < n; ++i) {
        const int l = clamp_int(nearest_int(iscale * x[i]), -nmax, nmax - 1);
        L[i] = static_cast<std::int8_t>(l);
        const float w = x[i] * x[i];
        sumlx += w * x[i] * static_cast<float>(l);
        suml2 += w * static_cast<float>(l) * static_cast<float>(l);
    }
    for (int sweep = 0; sweep < 5; ++sweep) {
        int changed = 0;
        for (int i = 0; i < n; ++i) {
            const float w = x[i] * x[i];
            const float li = static_cast<float>(L[i]);
            float slx = sumlx - w * x[i] * li;
            if (!(slx > 0)) continue;
            float sl2 = suml2 - w * li * li;
            const int nl = clamp_int(nearest_int(x[i] * sl2 / slx), -nmax, nmax - 1);
            if (nl == L[i]) continue;
            const float fnl = static_cast<float>(nl);
            slx += w * x[i] * fnl;
            sl2 += w * fnl * fnl;
            // Keep the change if it raises sumlx^2 / suml2 (lowers the error).
            if (sl2 > 0 && slx * slx * suml2 > sumlx * sumlx * sl2) {
                L[i] = static_cast<std::int8_t>(nl);
                sumlx = slx;
                suml2 = sl2;
                ++changed;
            }
        }
        if (!changed) break;
    }
    for (int i = 0; i < n; ++i) L[i] = static_cast<std::int8_t>(L[i] + nmax);
    return suml2 > 0.0f ? sumlx / suml2 : 0.0f;
}

// Symmetric scale as fit_scale_q3, but searched over the 19 trial inverse
// scales -(nmax + 0.1 * is) / max, is in [-9, 9], keeping the one of least
// x^2-weighted error (GGML's make_qx_quants, rmse_type 1, no weights).
float fit_scale_qx(int n, int nmax, const float* x, std::int8_t* L) {
    const float max = signed_absmax(n, x);
    if (std::fabs(max) < kGroupMaxEps) {
        for (int i = 0; i < n; ++i) L[i] = 0;
        return 0.0f;
    }
    auto sums = [&](float iscale, float& sumlx, float& suml2) {
        sumlx = suml2 = 0;
        for (int i = 0; i < n; ++i) {
            const float l = static_cast<float>(clamp_int(nearest_int(iscale * x[i]), -nmax, nmax - 1));
            const float w = x[i] * x[i];
            sumlx += w * x[i] * l;
            suml2 += w * l * l;
        }
    };
    auto store = [&](float iscale) {
        for (int i = 0; i < n; ++i)
            L[i] = static_cast<std::int8_t>(nmax + clamp_int(nearest_int(iscale * x[i]), -nmax, nmax - 1));
    };
    float iscale = static_cast<float>(-nmax) / max;
    float sumlx, suml2;
    sums(iscale, sumlx, suml2);
    store(iscale);
    float scale = suml2 != 0 ? sumlx / suml2 : 0.0f;
    float best = scale * sumlx;
    for (int is = -9; is <= 9; ++is) {
        if (is == 0) continue;
        iscale = -(static_cast<float>(nmax) + 0.1f * static_cast<float>(is)) / max;
        sums(iscale, sumlx, suml2);
        if (suml2 > 0 && sumlx * sumlx > best * suml2) {
            store(iscale);
            scale = sumlx / suml2;
            best = scale * sumlx;
        }
    }
    return scale;
}

// The 2-bit quants of Q2_K and the low 2 bits of Q3_K: in each 128-value
// half, byte l holds values l, l+32, l+64, l+96 from bit 0 up.
void pack_2bit(const std::uint8_t* L, std::uint8_t* qs) {
    for (int h = 0; h < kQKK; h += 128)
        for (int l = 0; l < 32; ++l)
            qs[h / 4 + l] = static_cast<std::uint8_t>(L[h + l] | (L[h + l + 32] << 2) | (L[h + l + 64] << 4) |
                                                      (L[h + l + 96] << 6));
}

// Q4_K / Q5_K 6-bit scales and mins into 12 bytes (inverse of get_scale_min_k4).
void pack_scale_min_k4(const std::uint8_t* ls, const std::uint8_t* lm, std::uint8_t* q) {
    std::memset(q, 0, kKScaleBytes);
    for (int j = 0; j < 8; ++j) {
        if (j < 4) {
            q[j] = ls[j];
            q[j + 4] = lm[j];
        } else {
            q[j + 4] = static_cast<std::uint8_t>((ls[j] & 0x0f) | ((lm[j] & 0x0f) << 4));
            q[j - 4] = static_cast<std::uint8_t>(q[j - 4] | ((ls[j] >> 4) << 6));
            q[j] = static_cast<std::uint8_t>(q[j] | ((lm[j] >> 4) << 6));
        }
    }
}

// Shared by Q4_K (nmax 15) and Q5_K (nmax 31): 8 sub-blocks of 32, each
// fitted with weights sqrt(mean x^2) + |x|; 6-bit scales and mins against
// d = max_scale / 63, dmin = max_min / 63; values re-quantized against the
// decoded (d * sc, dmin * m). Fills scales, d, dmin; returns quants in L.
void quantize_k4_like(const float* x, int nmax, float rmin, float rdelta, int nstep, std::uint8_t* scales_out,
                      std::uint16_t& d_out, std::uint16_t& dmin_out, std::uint8_t* L) {
    float scales[8], mins[8], weights[32];
    float max_scale = 0, max_min = 0;
    for (int j = 0; j < 8; ++j) {
        const float* xs = x + 32 * j;
        float sum_x2 = 0;
        for (int l = 0; l < 32; ++l) sum_x2 += xs[l] * xs[l];
        const float av_x = std::sqrt(sum_x2 / 32);
        for (int l = 0; l < 32; ++l) weights[l] = av_x + std::fabs(xs[l]);
        scales[j] = fit_scale_min(32, nmax, xs, weights, L + 32 * j, &mins[j], rmin, rdelta, nstep, false);
        if (scales[j] > max_scale) max_scale = scales[j];
        if (mins[j] > max_min) max_min = mins[j];
    }
    const float inv_scale = max_scale > 0 ? 63.0f / max_scale : 0.0f;
    const float inv_min = max_min > 0 ? 63.0f / max_min : 0.0f;
    std::uint8_t ls[8], lm[8];
    for (int j = 0; j < 8; ++j) {
        ls[j] = static_cast<std::uint8_t>(clamp_int(nearest_int(inv_scale * scales[j]), 0, 63));
        lm[j] = static_cast<std::uint8_t>(clamp_int(nearest_int(inv_min * mins[j]), 0, 63));
    }
    pack_scale_min_k4(ls, lm, scales_out);
    d_out = fp32_to_fp16(max_scale / 63.0f);
    dmin_out = fp32_to_fp16(max_min / 63.0f);
    for (int j = 0; j < 8; ++j) {
        std::uint8_t sc, m;
        get_scale_min_k4(j, scales_out, sc, m);
        const float d = fp16_to_fp32(d_out) * static_cast<float>(sc);
        if (d == 0.0f) continue;  // keep the fitted quants; they decode to -dm anyway
        const float dm = fp16_to_fp32(dmin_out) * static_cast<float>(m);
        for (int i = 0; i < 32; ++i)
            L[32 * j + i] = static_cast<std::uint8_t>(clamp_int(nearest_int((x[32 * j + i] + dm) / d), 0, nmax));
    }
}

}  // namespace

// 16 sub-blocks of 16: scale and min fitted with weights |x| (MAD error),
// 4-bit each against d = max_scale / 15, dmin = max_min / 15.
template <>
void quantize_block<QuantType::Q2_K>(const float* x, BlockQ2_K& y) {
    std::uint8_t L[kQKK];
    float scales[16], mins[16], weights[16];
    float max_scale = 0, max_min = 0;
    for (int j = 0; j < 16; ++j) {
        for (int l = 0; l < 16; ++l) weights[l] = std::fabs(x[16 * j + l]);
        scales[j] = fit_scale_min(16, 3, x + 16 * j, weights, L + 16 * j, &mins[j], -0.5f, 0.1f, 15, true);
        if (scales[j] > max_scale) max_scale = scales[j];
        if (mins[j] > max_min) max_min = mins[j];
    }
    constexpr float q4scale = 15.0f;
    std::memset(y.scales, 0, sizeof y.scales);
    y.d = fp32_to_fp16(0.0f);
    y.dmin = fp32_to_fp16(0.0f);
    if (max_scale > 0) {
        const float iscale = q4scale / max_scale;
        for (int j = 0; j < 16; ++j)
            y.scales[j] = static_cast<std::uint8_t>(clamp_int(nearest_int(iscale * scales[j]), 0, 15));
        y.d = fp32_to_fp16(max_scale / q4scale);
    }
    if (max_min > 0) {
        const float iscale = q4scale / max_min;
        for (int j = 0; j < 16; ++j)
            y.scales[j] = static_cast<std::uint8_t>(y.scales[j] | (clamp_int(nearest_int(iscale * mins[j]), 0, 15) << 4));
        y.dmin = fp32_to_fp16(max_min / q4scale);
    }
    for (int j = 0; j < 16; ++j) {
        const float d = fp16_to_fp32(y.d) * static_cast<float>(y.scales[j] & 0x0f);
        if (d == 0.0f) continue;
        const float dm = fp16_to_fp32(y.dmin) * static_cast<float>(y.scales[j] >> 4);
        for (int i = 0; i < 16; ++i)
            L[16 * j + i] = static_cast<std::uint8_t>(clamp_int(nearest_int((x[16 * j + i] + dm) / d), 0, 3));
    }
    pack_2bit(L, y.qs);
}

// 16 sub-blocks of 16 with signed scales (fit_scale_q3, 3-bit quants in
// [-4, 3]); 6-bit scales against d = -max_scale / 32.
template <>
void quantize_block<QuantType::Q3_K>(const float* x, BlockQ3_K& y) {
    std::int8_t L[kQKK];
    float scales[16];
    float max_scale = 0, amax = 0;
    for (int j = 0; j < 16; ++j) {
        scales[j] = fit_scale_q3(16, 4, x + 16 * j, L + 16 * j);
        if (std::fabs(scales[j]) > amax) {
            amax = std::fabs(scales[j]);
            max_scale = scales[j];
        }
    }
    std::memset(y.scales, 0, sizeof y.scales);
    y.d = fp32_to_fp16(0.0f);
    if (max_scale != 0.0f) {
        const float iscale = -32.0f / max_scale;
        for (int j = 0; j < 16; ++j) {
            const int l = clamp_int(nearest_int(iscale * scales[j]), -32, 31) + 32;  // 0..63
            if (j < 8)
                y.scales[j] = static_cast<std::uint8_t>(l & 0x0f);
            else
                y.scales[j - 8] = static_cast<std::uint8_t>(y.scales[j - 8] | ((l & 0x0f) << 4));
            y.scales[8 + j % 4] = static_cast<std::uint8_t>(y.scales[8 + j % 4] | ((l >> 4) << (2 * (j / 4))));
        }
        y.d = fp32_to_fp16(1.0f / iscale);
    }
    for (int j = 0; j < 16; ++j) {
        const float d = fp16_to_fp32(y.d) * static_cast<float>(q3_k_scale(y.scales, j) - 32);
        if (d == 0.0f) continue;
        for (int i = 0; i < 16; ++i)
            L[16 * j + i] = static_cast<std::int8_t>(clamp_int(nearest_int(x[16 * j + i] / d), -4, 3) + 4);
    }
    // High bit of value j -> bit j/32 of hmask[j%32]; the low 2 bits go to qs.
    std::memset(y.hmask, 0, sizeof y.hmask);
    std::uint8_t low[kQKK];
    for (int j = 0; j < kQKK; ++j) {
        int l = L[j];
        if (l > 3) {
            y.hmask[j % 32] = static_cast<std::uint8_t>(y.hmask[j % 32] | (1 << (j / 32)));
            l -= 4;
        }
        low[j] = static_cast<std::uint8_t>(l);
    }
    pack_2bit(low, y.qs);
}

template <>
void quantize_block<QuantType::Q4_K>(const float* x, BlockQ4_K& y) {
    std::uint8_t L[kQKK];
    quantize_k4_like(x, 15, -1.0f, 0.1f, 20, y.scales, y.d, y.dmin, L);
    for (int c = 0; c < 4; ++c)
        for (int l = 0; l < 32; ++l)
            y.qs[32 * c + l] = static_cast<std::uint8_t>(L[64 * c + l] | (L[64 * c + l + 32] << 4));
}

template <>
void quantize_block<QuantType::Q5_K>(const float* x, BlockQ5_K& y) {
    std::uint8_t L[kQKK];
    quantize_k4_like(x, 31, -0.5f, 0.1f, 15, y.scales, y.d, y.dmin, L);
    std::memset(y.qh, 0, sizeof y.qh);
    for (int c = 0; c < 4; ++c) {
        for (int l = 0; l < 32; ++l) {
            const int lo = L[64 * c + l], hi = L[64 * c + l + 32];
            y.qs[32 * c + l] = static_cast<std::uint8_t>((lo & 0x0f) | ((hi & 0x0f) << 4));
            // Fifth bit of value j -> bit j/32 of qh[j%32].
            y.qh[l] = static_cast<std::uint8_t>(y.qh[l] | ((lo >> 4) << (2 * c)) | ((hi >> 4) << (2 * c + 1)));
        }
    }
}

// 16 sub-blocks of 16 with signed 6-bit quants (fit_scale_qx, nmax 32);
// int8 scales against d = -max_scale / 128.
template <>
void quantize_block<QuantType::Q6_K>(const float* x, BlockQ6_K& y) {
    std::int8_t L[kQKK];
    float scales[16];
    float max_scale = 0, max_abs_scale = 0;
    for (int j = 0; j < 16; ++j) {
        scales[j] = fit_scale_qx(16, 32, x + 16 * j, L + 16 * j);
        if (std::fabs(scales[j]) > max_abs_scale) {
            max_abs_scale = std::fabs(scales[j]);
            max_scale = scales[j];
        }
    }
    if (max_abs_scale < kGroupMaxEps) {
        std::memset(&y, 0, sizeof y);
        return;
    }
    const float iscale = -128.0f / max_scale;
    y.d = fp32_to_fp16(1.0f / iscale);
    for (int j = 0; j < 16; ++j)
        y.scales[j] = static_cast<std::int8_t>(clamp_int(nearest_int(iscale * scales[j]), -128, 127));
    for (int j = 0; j < 16; ++j) {
        const float d = fp16_to_fp32(y.d) * static_cast<float>(y.scales[j]);
        if (d == 0.0f) continue;
        for (int i = 0; i < 16; ++i)
            L[16 * j + i] = static_cast<std::int8_t>(clamp_int(nearest_int(x[16 * j + i] / d), -32, 31) + 32);
    }
    // Per 128-value half: ql[l] = v(l) | v(l+64) << 4, ql[l+32] = v(l+32) |
    // v(l+96) << 4 (low 4 bits), qh[l] = the high 2 bits of v(l), v(l+32),
    // v(l+64), v(l+96) from bit 0 up.
    for (int h = 0; h < 2; ++h) {
        const std::int8_t* Lh = L + 128 * h;
        std::uint8_t* ql = y.ql + 64 * h;
        std::uint8_t* qh = y.qh + 32 * h;
        for (int l = 0; l < 32; ++l) {
            ql[l] = static_cast<std::uint8_t>((Lh[l] & 0x0f) | ((Lh[l + 64] & 0x0f) << 4));
            ql[l + 32] = static_cast<std::uint8_t>((Lh[l + 32] & 0x0f) | ((Lh[l + 96] & 0x0f) << 4));
            qh[l] = static_cast<std::uint8_t>((Lh[l] >> 4) | ((Lh[l + 32] >> 4) << 2) | ((Lh[l + 64] >> 4) << 4) |
                                              ((Lh[l + 96] >> 4) << 6));
        }
    }
}

// d = max / -127 (max: signed value of largest magnitude), q = min(127,
// round(x / d)), bsums = sums of each 16 quants. d stays f32.
template <>
void quantize_block<QuantType::Q8_K>(const float* x, BlockQ8_K& y) {
    const float max = signed_absmax(kQKK, x);
    std::memset(y.bsums, 0, sizeof y.bsums);
    if (max == 0.0f) {
        y.d = 0.0f;
        std::memset(y.qs, 0, sizeof y.qs);
        return;
    }
    const float iscale = -127.0f / max;
    for (int j = 0; j < kQKK; ++j) y.qs[j] = static_cast<std::int8_t>(clamp_int(nearest_int(iscale * x[j]), -128, 127));
    for (int j = 0; j < kQKK / 16; ++j) {
        int sum = 0;
        for (int i = 0; i < 16; ++i) sum += y.qs[16 * j + i];
        y.bsums[j] = static_cast<std::int16_t>(sum);
    }
    y.d = 1.0f / iscale;
}

}  // namespace hipquant::quant::reference::detail
