// The tile product, one implementation per platform: the inner step of the
// mat-mat kernels.
#pragma once

#include "arch.hpp"
#include "scalar.hpp"
#include "warp.hpp"

namespace hipquant::kernels {

// The inner step of the mat-mat kernels: C (16 x 16, int32) = A (16 x K) *
// B (16 x K)^T over K = 16 or 32 int8 values, returned biased: each sum
// starts at kBiasedZero, so result c comes back as the bits of the float
// kBias + c (exact: |c| <= 32 * 128 * 127 < 2^22) and the caller converts it
// with the float math it does anyway. A and B are in shared memory,
// row-major: row r's K bytes start at base + r * stride (stride a multiple of
// 16 bytes, K-slices 16-byte aligned). One implementation per platform; the
// table's HQ_TILE_MMA picks the one the mat-mat kernels use by default, and
// TileMmaDot4 is compiled everywhere (the portable path, kept testable):
//   TileMmaNv    NVIDIA sm_80+: mma.sync m16n8k32 / m16n8k16 on s8
//   TileMmaMfma  AMD CDNA: v_mfma_i32_16x16x16i8 (CDNA1/2: gfx908, gfx90a),
//                v_mfma_i32_16x16x32_i8 (CDNA3/4: gfx942, gfx950)
//   TileMmaWmma  AMD RDNA3/4 (gfx11, gfx12): v_wmma_i32_16x16x16_iu8
//   TileMmaDot4  any GPU: dp4a() over a logical 32-lane warp
// kThreads consecutive threads (a warp, or a 64-lane wavefront for MFMA)
// compute a tile together; `lane` is threadIdx.x % kThreads. Each holds kAcc
// of the 256 results, result i being C[row(lane, i)][col(lane, i)]. AFrag /
// BFrag are the operands in registers, loaded once and reused across tiles.
// The tilings each platform runs are rows of kernels/config/matmul.hpp.

__device__ __forceinline__ int lds_int(const std::int8_t* p) { return *reinterpret_cast<const int*>(p); }

struct TileMmaDot4 {
    static constexpr int kThreads = kWarp;
    static constexpr int kAcc = 8;
    // Thread `lane` owns row lane % 16 and the eight columns 8 * (lane / 16) + i.
    template <int K>
    struct AFrag {
        int v[K / 4];
    };
    template <int K>
    struct BFrag {
        const std::int8_t* base;  // the thread reads its columns as it multiplies
        int stride;
    };
    template <int K>
    __device__ __forceinline__ static void load_a(AFrag<K>& a, const std::int8_t* base, int stride, int lane) {
        const std::int8_t* row = base + (lane % 16) * stride;
#pragma unroll
        for (int k = 0; k < K / 4; ++k) a.v[k] = lds_int(row + 4 * k);
    }
    template <int K>
    __device__ __forceinline__ static void load_b(BFrag<K>& b, const std::int8_t* base, int stride, int lane) {
        b.base = base + 8 * (lane / 16) * stride;
        b.stride = stride;
    }
    template <int K>
    __device__ __forceinline__ static void mma(int (&c)[kAcc], const AFrag<K>& a, const BFrag<K>& b) {
#pragma unroll
        for (int i = 0; i < kAcc; ++i) {
            const std::int8_t* col = b.base + i * b.stride;
            int s = kBiasedZero;
#pragma unroll
            for (int k = 0; k < K / 4; ++k) s = dp4a(a.v[k], lds_int(col + 4 * k), s);
            c[i] = s;
        }
    }
    __device__ __forceinline__ static int row(int lane, int) { return lane % 16; }
    __device__ __forceinline__ static int col(int lane, int i) { return 8 * (lane / 16) + i; }
};

#if HQ_MATRIX_CORE == HQ_MATRIX_NV_MMA
__device__ __forceinline__ void ldmatrix_x4(int (&v)[4], const std::int8_t* p) {
    const auto addr = static_cast<unsigned>(__cvta_generic_to_shared(p));
    asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0, %1, %2, %3}, [%4];"
                 : "=r"(v[0]), "=r"(v[1]), "=r"(v[2]), "=r"(v[3])
                 : "r"(addr));
}
__device__ __forceinline__ void ldmatrix_x2(int (&v)[2], const std::int8_t* p) {
    const auto addr = static_cast<unsigned>(__cvta_generic_to_shared(p));
    asm volatile("ldmatrix.sync.aligned.m8n8.x2.shared.b16 {%0, %1}, [%2];" : "=r"(v[0]), "=r"(v[1]) : "r"(addr));
}

// D = A B + D on TF32 for 16 x 8 results, K = 8: mma.sync m16n8k8, f32
// accumulation. With g = lane / 4 and t = lane % 4, PTX's fragment layouts:
// A holds (row g, k t), (g + 8, t), (g, t + 4), (g + 8, t + 4); B (k t, column
// g), (t + 4, g); D rows g, g, g + 8, g + 8 and columns 2t, 2t + 1, the
// layout of TileMmaNv's results.
struct MinMmaTf32 {
    // x rounded to TF32 (10 mantissa bits, to nearest, ties away), which
    // the product reads exactly.
    __device__ __forceinline__ static float round(float x) {
        unsigned r;
        asm("cvt.rna.tf32.f32 %0, %1;" : "=r"(r) : "f"(x));
        return __uint_as_float(r);
    }
    __device__ __forceinline__ static void mma(float& d0, float& d1, float& d2, float& d3, const float (&a)[4],
                                               const float (&b)[2]) {
        asm("mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 {%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, "
            "{%0, %1, %2, %3};"
            : "+f"(d0), "+f"(d1), "+f"(d2), "+f"(d3)
            : "r"(__float_as_uint(a[0])), "r"(__float_as_uint(a[1])), "r"(__float_as_uint(a[2])),
              "r"(__float_as_uint(a[3])), "r"(__float_as_uint(b[0])), "r"(__float_as_uint(b[1])));
    }
};

// Two m16n8 products side by side. With g = lane / 4 and t = lane % 4, PTX's
// fragment layouts for s8 operands: A holds rows g and g + 8, bytes 4t..4t+3
// of each 16-byte K half; B holds column g (one per n8 product), the same
// bytes; C holds rows g, g + 8 and columns 2t, 2t + 1.
struct TileMmaNv {
    static constexpr int kThreads = kWarp;
    static constexpr int kAcc = 8;
    template <int K>
    struct AFrag {
        int v[K / 8];
    };
    template <int K>
    struct BFrag {
        int v[K / 8];  // [n8 product][K half]
    };
    // The fragments come from shared memory by ldmatrix: each 8 x 8 matrix of
    // 16-bit elements it loads is 8 rows of 16 bytes, and hands thread
    // (g, t) bytes 4t..4t+3 of row g, the s8 layout above. Lanes 8i..8i+7
    // give the row addresses of matrix i (lanes 0..15 for two matrices).
    template <int K>
    __device__ __forceinline__ static void load_a(AFrag<K>& a, const std::int8_t* base, int stride, int lane) {
        // Matrices: rows 0-7 and 8-15 of K half 0, then of half 1.
        const std::int8_t* p = base + (lane % 16) * stride + 16 * (lane / 16);
        if constexpr (K == 32)
            ldmatrix_x4(a.v, p);
        else
            ldmatrix_x2(a.v, p);
    }
    template <int K>
    __device__ __forceinline__ static void load_b(BFrag<K>& b, const std::int8_t* base, int stride, int lane) {
        if constexpr (K == 32) {
            // Matrices: columns 0-7 in halves 0 and 1, then columns 8-15.
            ldmatrix_x4(b.v, base + (lane % 8 + 8 * (lane / 16)) * stride + 16 * ((lane / 8) % 2));
        } else {
            ldmatrix_x2(b.v, base + (lane % 16) * stride);
        }
    }
    template <int K>
    __device__ __forceinline__ static void mma(int (&c)[kAcc], const AFrag<K>& a, const BFrag<K>& b) {
#pragma unroll
        for (int j = 0; j < 2; ++j) {
            int* d = c + 4 * j;
            if constexpr (K == 32) {
                asm(
                    "mma.sync.aligned.m16n8k32.row.col.s32.s8.s8.s32 {%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, "
                    "{%10, %10, %10, %10};"
                    : "=r"(d[0]), "=r"(d[1]), "=r"(d[2]), "=r"(d[3])
                    : "r"(a.v[0]), "r"(a.v[1]), "r"(a.v[2]), "r"(a.v[3]), "r"(b.v[2 * j]), "r"(b.v[2 * j + 1]),
                      "r"(kBiasedZero));
            } else {
                static_assert(K == 16, "K is 16 or 32");
                asm(
                    "mma.sync.aligned.m16n8k16.row.col.s32.s8.s8.s32 {%0, %1, %2, %3}, {%4, %5}, {%6}, "
                    "{%7, %7, %7, %7};"
                    : "=r"(d[0]), "=r"(d[1]), "=r"(d[2]), "=r"(d[3])
                    : "r"(a.v[0]), "r"(a.v[1]), "r"(b.v[j]), "r"(kBiasedZero));
            }
        }
    }
    __device__ __forceinline__ static int row(int lane, int i) { return lane / 4 + row_offset(i); }
    __device__ __forceinline__ static int col(int lane, int i) { return 8 * (i / 4) + 2 * (lane % 4) + i % 2; }
    // row(lane, i) - row(lane, 0): a thread's results lie in rows g and g + 8.
    __device__ __forceinline__ static constexpr int row_offset(int i) { return 8 * ((i / 2) % 2); }
};

#endif

#if HQ_MATRIX_CORE == HQ_MATRIX_MFMA
// On a 64-lane wavefront, lane l gets C[4 (l / 16) + i][l % 16] in result i.
// Its operands are bytes of A's row l % 16 and of B's row (C's column) l % 16:
//   CDNA1/2, v_mfma_i32_16x16x16i8: bytes 4 (l / 16) .. +3 of each 16-byte
//     K half, one product per half;
//   CDNA3/4, v_mfma_i32_16x16x32_i8 (which replaced it): bytes 8 (l / 16)
//     .. +7 of all 32, one product; K = 16 is that product with lanes 32..63
//     (bytes 16..31) zero.
struct TileMmaMfma {
    static constexpr int kThreads = 64;
    static constexpr int kAcc = 4;
#if HQ_ARCH_CDNA >= 3
    template <int K>
    struct AFrag {
        long v;  // 8 bytes
    };
#else
    template <int K>
    struct AFrag {
        int v[K / 16];  // 4 bytes per K half
    };
#endif
    template <int K>
    using BFrag = AFrag<K>;
    template <int K>
    __device__ __forceinline__ static void load_a(AFrag<K>& a, const std::int8_t* base, int stride, int lane) {
        const std::int8_t* row = base + (lane % 16) * stride;
#if HQ_ARCH_CDNA >= 3
        // 8-byte aligned (rows and K slices start 16-byte aligned); for K = 16
        // lanes 32..63 read the next 16 bytes, still inside the tile row, and
        // drop them.
        const long v = *reinterpret_cast<const long*>(row + 8 * (lane / 16));
        a.v = K == 32 || lane < 32 ? v : 0;
#else
#pragma unroll
        for (int h = 0; h < K / 16; ++h) a.v[h] = lds_int(row + 16 * h + 4 * (lane / 16));
#endif
    }
    template <int K>
    __device__ __forceinline__ static void load_b(BFrag<K>& b, const std::int8_t* base, int stride, int lane) {
        load_a<K>(b, base, stride, lane);
    }
    template <int K>
    __device__ __forceinline__ static void mma(int (&c)[kAcc], const AFrag<K>& a, const BFrag<K>& b) {
        typedef int Int4 __attribute__((ext_vector_type(4)));
        Int4 acc = {kBiasedZero, kBiasedZero, kBiasedZero, kBiasedZero};
#if HQ_ARCH_CDNA >= 3
        acc = __builtin_amdgcn_mfma_i32_16x16x32_i8(a.v, b.v, acc, 0, 0, 0);
#else
#pragma unroll
        for (int h = 0; h < K / 16; ++h) acc = __builtin_amdgcn_mfma_i32_16x16x16i8(a.v[h], b.v[h], acc, 0, 0, 0);
#endif
#pragma unroll
        for (int i = 0; i < kAcc; ++i) c[i] = acc[i];
    }
    __device__ __forceinline__ static int row(int lane, int i) { return 4 * (lane / 16) + i; }
    __device__ __forceinline__ static int col(int lane, int) { return lane % 16; }
};
#endif

#if HQ_MATRIX_CORE == HQ_MATRIX_WMMA
// v_wmma_i32_16x16x16_iu8 (both operands signed) on a 32-lane wave, one
// product per 16-byte K half. Lane l's operands are bytes of A's row l % 16
// and of B's row (C's column) l % 16, and result i is C[row(l, i)][l % 16]:
//   RDNA3 (gfx11): all 16 bytes (lanes 16..31 repeat lanes 0..15, as the
//     instruction requires); row 2 i + l / 16;
//   RDNA4 (gfx12): bytes 8 (l / 16) .. +7; row 8 (l / 16) + i.
struct TileMmaWmma {
    static constexpr int kThreads = 32;
    static constexpr int kAcc = 8;
#if HQ_ARCH_RDNA3
    typedef int Operand __attribute__((ext_vector_type(4)));
    static constexpr int kLaneBytes = 16;
#else
    typedef int Operand __attribute__((ext_vector_type(2)));
    static constexpr int kLaneBytes = 8;
#endif
    template <int K>
    struct AFrag {
        Operand v[K / 16];
    };
    template <int K>
    using BFrag = AFrag<K>;
    template <int K>
    __device__ __forceinline__ static void load_a(AFrag<K>& a, const std::int8_t* base, int stride, int lane) {
        // Aligned to kLaneBytes: rows and K slices start 16-byte aligned.
        const std::int8_t* row = base + (lane % 16) * stride + (kLaneBytes == 8 ? 8 * (lane / 16) : 0);
#pragma unroll
        for (int h = 0; h < K / 16; ++h) a.v[h] = *reinterpret_cast<const Operand*>(row + 16 * h);
    }
    template <int K>
    __device__ __forceinline__ static void load_b(BFrag<K>& b, const std::int8_t* base, int stride, int lane) {
        load_a<K>(b, base, stride, lane);
    }
    template <int K>
    __device__ __forceinline__ static void mma(int (&c)[kAcc], const AFrag<K>& a, const BFrag<K>& b) {
        typedef int Int8 __attribute__((ext_vector_type(8)));
        Int8 acc = {kBiasedZero, kBiasedZero, kBiasedZero, kBiasedZero,
                    kBiasedZero, kBiasedZero, kBiasedZero, kBiasedZero};
#pragma unroll
        for (int h = 0; h < K / 16; ++h) {
#if HQ_ARCH_RDNA3
            acc = __builtin_amdgcn_wmma_i32_16x16x16_iu8_w32(true, a.v[h], true, b.v[h], acc, false);
#else
            acc = __builtin_amdgcn_wmma_i32_16x16x16_iu8_w32_gfx12(true, a.v[h], true, b.v[h], acc, false);
#endif
        }
#pragma unroll
        for (int i = 0; i < kAcc; ++i) c[i] = acc[i];
    }
#if HQ_ARCH_RDNA3
    __device__ __forceinline__ static int row(int lane, int i) { return 2 * i + lane / 16; }
#else
    __device__ __forceinline__ static int row(int lane, int i) { return 8 * (lane / 16) + i; }
#endif
    __device__ __forceinline__ static int col(int lane, int) { return lane % 16; }
};
#endif

// The table's choice (HIPQUANT_PORTABLE_DP4A forces TileMmaDot4).
#if HQ_TILE_MMA == HQ_TILE_MMA_NV
using TileMma = TileMmaNv;
#elif HQ_TILE_MMA == HQ_TILE_MMA_MFMA
using TileMma = TileMmaMfma;
#elif HQ_TILE_MMA == HQ_TILE_MMA_WMMA
using TileMma = TileMmaWmma;
#else
using TileMma = TileMmaDot4;
#endif

}  // namespace hipquant::kernels
