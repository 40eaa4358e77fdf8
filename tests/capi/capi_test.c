/* The C API from C99, through libhipquant.so. Without a GPU: version, type
 * look-ups, the CPU reference against hand-derived bytes, GGUF files, error
 * paths. With one: weights, products (batch 1 and 9, with and without a
 * workspace), quantized activations, gathers and Q8_1 against the CPU
 * reference; without one they print "SKIP: no GPU". The last line is
 * "N passed, N failed"; the exit status is non-zero on a failure.
 * Usage: capi_test [tests/data directory]. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hipquant/hipquant.h"

static int g_passed, g_failed;
static const char* g_data_dir = HQ_TEST_DATA_DIR; /* tests/data; argv[1] overrides */

/* g_data_dir + name, in a buffer the next call reuses. */
static const char* data_file(const char* name) {
    static char path[4096];
    snprintf(path, sizeof path, "%s%s", g_data_dir, name);
    return path;
}

static int check(int ok, const char* what, int line) {
    if (ok) {
        ++g_passed;
    } else {
        ++g_failed;
        printf("FAIL line %d: %s\n  hq_last_error(): %s\n", line, what, hq_last_error());
    }
    return ok;
}
#define CHECK(cond) check((cond) != 0, #cond, __LINE__)
#define CHECK_OK(call) check((call) == HQ_OK, #call, __LINE__)
/* `call` fails with `want`, and hq_last_error() mentions `mention`. */
#define CHECK_FAILS(call, want, mention) check_fails((call), (want), (mention), #call, __LINE__)

static int check_fails(hq_status got, hq_status want, const char* mention, const char* what, int line) {
    const int ok = got == want && strstr(hq_last_error(), mention) != NULL;
    if (!ok)
        printf("  got %s, want %s mentioning \"%s\"\n", hq_status_name(got), hq_status_name(want), mention);
    return check(ok, what, line);
}

/* f32 values -> the bytes `type` quantizes them to, compared with `want`;
 * then decoded, compared with `decoded` (exact). */
static void check_round_trip(uint32_t type, const float* x, size_t rows, size_t cols, const unsigned char* want,
                             size_t want_bytes, const float* decoded) {
    unsigned char bytes[128];
    float back[128];
    size_t row_bytes = 0;
    CHECK_OK(hq_type_row_bytes(type, cols, &row_bytes));
    CHECK(rows * row_bytes == want_bytes && want_bytes <= sizeof bytes && rows * cols <= 128);
    CHECK_OK(hq_reference_quantize(type, x, rows, cols, bytes, want_bytes));
    CHECK(memcmp(bytes, want, want_bytes) == 0);
    CHECK_OK(hq_reference_dequantize(type, bytes, want_bytes, rows, cols, back));
    CHECK(memcmp(back, decoded, rows * cols * sizeof(float)) == 0);
}

static void test_version(void) {
    CHECK(hq_version() == HQ_VERSION);
    CHECK(HQ_VERSION == HQ_VERSION_MAJOR * 10000 + HQ_VERSION_MINOR * 100 + HQ_VERSION_PATCH);
    CHECK(strcmp(hq_status_name(HQ_ERROR_NO_DEVICE), "HQ_ERROR_NO_DEVICE") == 0);
    CHECK(strcmp(hq_status_name((hq_status)12345), "HQ_ERROR_UNKNOWN") == 0);
}

static void test_types(void) {
    const char* name = NULL;
    uint32_t id = 0;
    size_t elems = 0, bytes = 0;
    CHECK(hq_type_name(HQ_TYPE_Q4_K, &name) == HQ_OK && strcmp(name, "Q4_K") == 0);
    CHECK(hq_type_name(16, &name) == HQ_OK && strcmp(name, "IQ2_XXS") == 0); /* named, not supported */
    CHECK_FAILS(hq_type_name(4, &name), HQ_ERROR_INVALID_VALUE, "type_id 4");
    CHECK_FAILS(hq_type_name(HQ_TYPE_Q4_0, NULL), HQ_ERROR_INVALID_VALUE, "name is NULL");
    CHECK(hq_type_from_name("q8_0", &id) == HQ_OK && id == HQ_TYPE_Q8_0);
    CHECK_FAILS(hq_type_from_name("Q9_9", &id), HQ_ERROR_INVALID_VALUE, "Q9_9");
    CHECK(hq_type_block(HQ_TYPE_Q4_K, &elems, &bytes) == HQ_OK && elems == 256 && bytes == 144);
    CHECK(hq_type_block(HQ_TYPE_BF16, &elems, &bytes) == HQ_OK && elems == 1 && bytes == 2);
    CHECK_FAILS(hq_type_block(99, &elems, &bytes), HQ_ERROR_INVALID_VALUE, "type id 99");
    CHECK_FAILS(hq_type_block(16, &elems, &bytes), HQ_ERROR_INVALID_VALUE, "type id 16");
    CHECK(hq_type_row_bytes(HQ_TYPE_Q4_0, 64, &bytes) == HQ_OK && bytes == 36);
    CHECK_FAILS(hq_type_row_bytes(HQ_TYPE_Q4_0, 33, &bytes), HQ_ERROR_INVALID_VALUE, "33");
    /* rows padded to 512 values: 16 blocks of 36 bytes */
    CHECK(hq_q8_1_bytes(2, 100, &bytes) == HQ_OK && bytes == 2 * 16 * 36);
}

static void test_reference(void) {
    float x[64], decoded[64];
    int j;
    /* Q4_0 of j - 16: m = -16 (first largest magnitude), d = m / -8 = 2
     * (f16 0x4000), q = min(15, (int)(x / 2 + 8.5)); byte j = q[j] | q[j+16] << 4. */
    static const unsigned char q4_0[] = {0x00, 0x40, 0x80, 0x91, 0x91, 0xA2, 0xA2, 0xB3, 0xB3, 0xC4, 0xC4,
                                         0xD5, 0xD5, 0xE6, 0xE6, 0xF7, 0xF7, 0xF8};
    unsigned char q4_0_two_rows[36];
    for (j = 0; j < 32; ++j) {
        const int q = j < 16 ? (j + 1) / 2 : ((j - 16 + 1) / 2 + 8 > 15 ? 15 : (j - 16 + 1) / 2 + 8);
        x[j] = (float)(j - 16);
        decoded[j] = (float)(2 * (q - 8));
    }
    check_round_trip(HQ_TYPE_Q4_0, x, 1, 32, q4_0, sizeof q4_0, decoded);
    /* Twice the values in a second row: d = 4 (0x4400), the same quants. */
    memcpy(q4_0_two_rows, q4_0, 18);
    memcpy(q4_0_two_rows + 18, q4_0, 18);
    q4_0_two_rows[19] = 0x44;
    for (j = 0; j < 32; ++j) {
        x[32 + j] = 2 * x[j];
        decoded[32 + j] = 2 * decoded[j];
    }
    check_round_trip(HQ_TYPE_Q4_0, x, 2, 32, q4_0_two_rows, sizeof q4_0_two_rows, decoded);

    {
        /* Q8_0 / Q8_1 of 127 - 8j: amax 127, so d = 1 (0x3C00) and q = x;
         * Q8_1's s = f16(d * sum q) = f16(96) = 0x5600. */
        unsigned char q8_0[34], q8_1[36];
        q8_0[0] = 0x00;
        q8_0[1] = 0x3C;
        memcpy(q8_1, q8_0, 2);
        q8_1[2] = 0x00;
        q8_1[3] = 0x56;
        for (j = 0; j < 32; ++j) {
            x[j] = (float)(127 - 8 * j);
            q8_0[2 + j] = (unsigned char)(signed char)(127 - 8 * j);
            q8_1[4 + j] = q8_0[2 + j];
        }
        check_round_trip(HQ_TYPE_Q8_0, x, 1, 32, q8_0, sizeof q8_0, x);
        check_round_trip(HQ_TYPE_Q8_1, x, 1, 32, q8_1, sizeof q8_1, x);
    }
    {
        static const float f[4] = {1.5f, -2.0f, 0.25f, 65504.0f};
        static const unsigned char f16[8] = {0x00, 0x3E, 0x00, 0xC0, 0x00, 0x34, 0xFF, 0x7B};
        static const unsigned char bf16[8] = {0xC0, 0x3F, 0x00, 0xC0, 0x80, 0x3E, 0x80, 0x47};
        static const float bf16_decoded[4] = {1.5f, -2.0f, 0.25f, 65536.0f}; /* 65504 rounds up in bf16 */
        check_round_trip(HQ_TYPE_F16, f, 1, 4, f16, sizeof f16, f);
        check_round_trip(HQ_TYPE_BF16, f, 1, 4, bf16, sizeof bf16, bf16_decoded);
    }
    {
        /* Q4_K (search-based, no hand bytes): one 256-value block decodes
         * within a tenth of its range. */
        float v[256], back[256];
        unsigned char block[144];
        float worst = 0.0f;
        for (j = 0; j < 256; ++j) v[j] = (float)sin(0.37 * j) * (1.0f + (float)(j % 7) / 7.0f);
        CHECK_OK(hq_reference_quantize(HQ_TYPE_Q4_K, v, 1, 256, block, sizeof block));
        CHECK_OK(hq_reference_dequantize(HQ_TYPE_Q4_K, block, sizeof block, 1, 256, back));
        for (j = 0; j < 256; ++j)
            if (fabsf(back[j] - v[j]) > worst) worst = fabsf(back[j] - v[j]);
        CHECK(worst < 0.4f);
    }

    /* Error paths name the argument. */
    {
        unsigned char out[18];
        CHECK_FAILS(hq_reference_quantize(99, x, 1, 32, out, 18), HQ_ERROR_INVALID_VALUE, "type id 99");
        CHECK_FAILS(hq_reference_quantize(HQ_TYPE_Q4_0, x, 1, 32, out, 17), HQ_ERROR_INVALID_VALUE, "dst_bytes");
        CHECK_FAILS(hq_reference_quantize(HQ_TYPE_Q4_0, NULL, 1, 32, out, 18), HQ_ERROR_INVALID_VALUE, "src is NULL");
        CHECK_FAILS(hq_reference_quantize(HQ_TYPE_Q4_0, x, 1, 32, NULL, 18), HQ_ERROR_INVALID_VALUE, "dst is NULL");
        CHECK_FAILS(hq_reference_quantize(HQ_TYPE_Q4_0, x, 0, 32, out, 0), HQ_ERROR_INVALID_VALUE, "rows is 0");
        CHECK_FAILS(hq_reference_quantize(HQ_TYPE_Q4_0, x, 1, 33, out, 18), HQ_ERROR_INVALID_VALUE, "33");
        CHECK_FAILS(hq_reference_dequantize(HQ_TYPE_Q4_0, out, 18, 1, 32, NULL), HQ_ERROR_INVALID_VALUE, "dst is NULL");
        /* The message starts with the function's name. */
        CHECK(strncmp(hq_last_error(), "hq_reference_dequantize: ", 25) == 0);
    }
}

static void test_gguf(void) {
    hq_gguf* f = NULL;
    hq_tensor_info info;
    size_t n = 0, index = 0;
    const char* s = NULL;
    int64_t i = 0;
    double d = 0;

    memset(&info, 0, sizeof info);
    /* The files are tests/data's: without them the rest would read nothing. */
    if (!CHECK_OK(hq_gguf_open(data_file("/gguf_corpus/valid_v2_f32.gguf"), &f))) {
        printf("  (tests/data not at '%s': pass its path as the first argument)\n", g_data_dir);
        return;
    }
    CHECK(hq_gguf_tensor_count(f, &n) == HQ_OK && n == 1);
    CHECK_OK(hq_gguf_tensor_info(f, 0, &info));
    CHECK(strcmp(info.name, "w") == 0 && info.type_id == HQ_TYPE_F32 && info.n_dims == 2);
    CHECK(info.dims[0] == 8 && info.dims[1] == 2 && info.dims[2] == 1 && info.dims[3] == 1 && info.n_bytes == 64);
    CHECK(info.data != NULL && ((const float*)info.data)[5] == 1.25f); /* values i / 4 */
    CHECK(hq_gguf_get_string(f, "general.name", &s) == HQ_OK && strcmp(s, "v2") == 0);
    CHECK(hq_gguf_find_tensor(f, "w", &index) == HQ_OK && index == 0);
    CHECK_OK(hq_gguf_close(f));

    if (!CHECK_OK(hq_gguf_open(data_file("/gguf_corpus/valid_all_value_types.gguf"), &f))) return;
    CHECK(hq_gguf_tensor_count(f, &n) == HQ_OK && n == 4);
    CHECK(hq_gguf_find_tensor(f, "blk.0.ffn_up.weight", &index) == HQ_OK && index == 2);
    CHECK_OK(hq_gguf_tensor_info(f, index, &info));
    CHECK(info.type_id == HQ_TYPE_Q4_K && info.dims[0] == 256 && info.dims[1] == 1 && info.n_bytes == 144);
    CHECK(hq_gguf_get_int(f, "t.i32", &i) == HQ_OK && i == -2000000000);
    CHECK(hq_gguf_get_int(f, "general.alignment", &i) == HQ_OK && i == 64);
    CHECK(hq_gguf_get_float(f, "t.f32", &d) == HQ_OK && d == 0.25);
    CHECK(hq_gguf_get_string(f, "t.str", &s) == HQ_OK && strcmp(s, "h\xc3\xa9llo") == 0);
    CHECK_FAILS(hq_gguf_get_int(f, "t.u64", &i), HQ_ERROR_INVALID_VALUE, "t.u64");
    CHECK_FAILS(hq_gguf_get_string(f, "t.i32", &s), HQ_ERROR_INVALID_VALUE, "t.i32");
    CHECK_FAILS(hq_gguf_get_string(f, "no.such.key", &s), HQ_ERROR_NOT_FOUND, "no.such.key");
    CHECK_FAILS(hq_gguf_find_tensor(f, "nope", &index), HQ_ERROR_NOT_FOUND, "nope");
    CHECK_FAILS(hq_gguf_tensor_info(f, 4, &info), HQ_ERROR_INVALID_VALUE, "index 4");
    CHECK_OK(hq_gguf_close(f));

    f = (hq_gguf*)&n; /* a failed open sets the handle to NULL */
    CHECK_FAILS(hq_gguf_open(data_file("/no_such_file.gguf"), &f), HQ_ERROR_FILE_NOT_FOUND, "no_such_file.gguf");
    CHECK(f == NULL);
    CHECK_FAILS(hq_gguf_open(data_file("/gguf_corpus/bad_magic.gguf"), &f), HQ_ERROR_INVALID_VALUE,
                "bad_magic.gguf");
    CHECK_FAILS(hq_gguf_open(NULL, &f), HQ_ERROR_INVALID_VALUE, "path is NULL");
    CHECK_FAILS(hq_gguf_open(data_file("/gguf_corpus/valid_v2_f32.gguf"), NULL), HQ_ERROR_INVALID_VALUE,
                "file is NULL");
    CHECK_FAILS(hq_gguf_tensor_count(NULL, &n), HQ_ERROR_INVALID_VALUE, "file is NULL");
    CHECK_OK(hq_gguf_close(NULL));
}

/* Device-free checks: argument errors come before any GPU work. */
static void test_device_arguments(int gpus) {
    hq_device* dev = (hq_device*)&gpus;
    const char* name = NULL;
    float y[1];
    CHECK_FAILS(hq_device_count(NULL), HQ_ERROR_INVALID_VALUE, "count is NULL");
    CHECK_FAILS(hq_device_open(-1, &dev), HQ_ERROR_NO_DEVICE, "device -1");
    CHECK(dev == NULL);
    CHECK_FAILS(hq_device_open(gpus, &dev), HQ_ERROR_NO_DEVICE, "does not exist");
    CHECK_FAILS(hq_device_name(NULL, &name), HQ_ERROR_INVALID_VALUE, "device is NULL");
    CHECK_FAILS(hq_weight_matmul(NULL, y, 1, y, NULL, NULL), HQ_ERROR_INVALID_VALUE, "weight is NULL");
    CHECK_FAILS(hq_weight_quantize(NULL, HQ_TYPE_Q4_0, y, 1, 32, NULL), HQ_ERROR_INVALID_VALUE, "weight is NULL");
    CHECK_OK(hq_device_close(NULL));
    CHECK_OK(hq_weight_free(NULL));
    CHECK_OK(hq_workspace_free(NULL));
    CHECK_OK(hq_activations_free(NULL));
    CHECK_OK(hq_buffer_free(NULL));
}

/* --- GPU ------------------------------------------------------------------ */

enum { kRows = 67, kCols = 320, kMaxBatch = 9 }; /* off every tile and padding multiple */

/* A deterministic value in [-1, 1). */
static float next_value(unsigned* state) {
    *state = *state * 1664525u + 1013904223u;
    return (float)(*state >> 8) / (float)(1u << 23) - 1.0f;
}

/* Device memory of `bytes`; its pointer in *ptr. */
static hq_buffer* alloc_buffer(hq_device* dev, size_t bytes, void** ptr) {
    hq_buffer* b = NULL;
    *ptr = NULL;
    if (CHECK_OK(hq_buffer_alloc(dev, bytes, &b))) CHECK_OK(hq_buffer_ptr(b, ptr));
    return b;
}

/* y (batch x kRows, on the device) against the exact product of the decoded
 * weights and x in double: |error| <= 1e-3 * sum |w x| (x is exactly Q8_1). */
static int check_product(hq_device* dev, const float* y_dev, size_t batch, const float* w, const float* x,
                         const char* what) {
    static float y[kMaxBatch * kRows];
    size_t b, r, c;
    double worst = 0.0;
    if (!CHECK_OK(hq_copy_to_host_sync(dev, y, y_dev, batch * kRows * sizeof(float)))) return 0;
    for (b = 0; b < batch; ++b)
        for (r = 0; r < kRows; ++r) {
            double exact = 0.0, scale = 1e-6;
            for (c = 0; c < kCols; ++c) {
                exact += (double)w[r * kCols + c] * x[b * kCols + c];
                scale += fabs((double)w[r * kCols + c] * x[b * kCols + c]);
            }
            if (fabs(y[b * kRows + r] - exact) / scale > worst) worst = fabs(y[b * kRows + r] - exact) / scale;
        }
    printf("  %s, batch %zu: max error %.2e of sum |w x|\n", what, batch, worst);
    return check(worst <= 1e-3, what, __LINE__);
}

static void test_gpu(void) {
    static float w[kRows * kCols], w_ref[kRows * kCols], w_gpu[kRows * kCols], x[kMaxBatch * kCols];
    static unsigned char q4[kRows * (kCols / 32) * 18];
    hq_device *dev = NULL, *borrowed = NULL;
    hq_weight *weight = NULL, *loaded = NULL;
    hq_workspace *ws = NULL, *tiny = NULL;
    hq_activations* acts = NULL;
    hq_buffer *bx, *by, *bw, *bids, *bq;
    void *px, *py, *pw, *pids, *pq, *stream = NULL;
    const char *name = NULL, *arch = NULL;
    size_t rows = 0, cols = 0, ws_bytes = 0, q8_bytes = 0, batches[2] = {1, kMaxBatch}, i, b;
    uint32_t type = 0;
    unsigned seed = 7;

    if (!CHECK_OK(hq_device_open(0, &dev))) return;
    CHECK_OK(hq_device_name(dev, &name));
    CHECK_OK(hq_device_arch(dev, &arch));
    printf("GPU 0: %s (%s)\n", name, arch);

    /* Weights in [-1, 1); x = q / 64 with |q| <= 127 and q = 127 first in
     * every 32-value block, so Q8_1 holds x exactly (d = 1/64). */
    for (i = 0; i < kRows * kCols; ++i) w[i] = next_value(&seed);
    for (i = 0; i < kMaxBatch * kCols; ++i)
        x[i] = (float)(i % 32 == 0 ? 127 : (int)(next_value(&seed) * 127.0f)) / 64.0f;
    CHECK_OK(hq_reference_quantize(HQ_TYPE_Q4_0, w, kRows, kCols, q4, sizeof q4));
    CHECK_OK(hq_reference_dequantize(HQ_TYPE_Q4_0, q4, sizeof q4, kRows, kCols, w_ref));

    CHECK_OK(hq_weight_quantize(dev, HQ_TYPE_Q4_0, w, kRows, kCols, &weight));
    CHECK(hq_weight_rows(weight, &rows) == HQ_OK && rows == kRows);
    CHECK(hq_weight_cols(weight, &cols) == HQ_OK && cols == kCols);
    CHECK(hq_weight_type(weight, &type) == HQ_OK && type == HQ_TYPE_Q4_0);
    CHECK_FAILS(hq_weight_load(dev, HQ_TYPE_Q4_0, q4, sizeof q4 - 1, kRows, kCols, &loaded), HQ_ERROR_INVALID_VALUE,
                "n_bytes");
    CHECK(loaded == NULL);
    CHECK_OK(hq_weight_load(dev, HQ_TYPE_Q4_0, q4, sizeof q4, kRows, kCols, &loaded));

    bx = alloc_buffer(dev, sizeof x, &px);
    by = alloc_buffer(dev, sizeof w, &py);
    bw = alloc_buffer(dev, sizeof w, &pw);
    CHECK_OK(hq_copy_to_device_sync(dev, px, x, sizeof x));

    /* Dequantize: both weights decode bit-exactly as the reference. */
    CHECK_OK(hq_weight_dequantize(weight, (float*)pw, NULL));
    CHECK(hq_copy_to_host_sync(dev, w_gpu, pw, sizeof w_gpu) == HQ_OK && memcmp(w_gpu, w_ref, sizeof w_ref) == 0);
    CHECK_OK(hq_weight_dequantize(loaded, (float*)pw, NULL));
    CHECK(hq_copy_to_host_sync(dev, w_gpu, pw, sizeof w_gpu) == HQ_OK && memcmp(w_gpu, w_ref, sizeof w_ref) == 0);

    /* Products with the pool, then with a workspace. */
    CHECK_OK(hq_weight_workspace_bytes(weight, kMaxBatch, &ws_bytes));
    CHECK_OK(hq_workspace_create(dev, ws_bytes, &ws));
    for (b = 0; b < 2; ++b) {
        CHECK_OK(hq_weight_matmul(weight, (const float*)px, batches[b], (float*)py, NULL, NULL));
        check_product(dev, (const float*)py, batches[b], w_ref, x, "matmul, pool scratch");
        CHECK_OK(hq_weight_matmul(weight, (const float*)px, batches[b], (float*)py, NULL, ws));
        check_product(dev, (const float*)py, batches[b], w_ref, x, "matmul, workspace");
    }
    CHECK_OK(hq_workspace_create(dev, 1, &tiny));
    CHECK_FAILS(hq_weight_matmul(weight, (const float*)px, kMaxBatch, (float*)py, NULL, tiny), HQ_ERROR_INVALID_VALUE,
                "workspace has 1 bytes");
    CHECK_FAILS(hq_weight_matmul(weight, NULL, 1, (float*)py, NULL, NULL), HQ_ERROR_INVALID_VALUE, "x is NULL");
    CHECK_FAILS(hq_weight_matmul(weight, (const float*)px, 0, (float*)py, NULL, NULL), HQ_ERROR_INVALID_VALUE,
                "batch is 0");

    /* Quantized once, multiplied on the caller's stream. */
    CHECK_OK(hq_device_stream(dev, &stream));
    CHECK_OK(hq_activations_create(dev, kMaxBatch, kCols, &acts));
    CHECK_FAILS(hq_weight_matmul_quantized(weight, acts, (float*)py, stream, ws), HQ_ERROR_INVALID_VALUE,
                "hq_activations_quantize");
    CHECK_OK(hq_activations_quantize(acts, (const float*)px, kMaxBatch, stream));
    CHECK_OK(hq_weight_matmul_quantized(weight, acts, (float*)py, stream, ws));
    check_product(dev, (const float*)py, kMaxBatch, w_ref, x, "matmul on quantized activations");
    CHECK_OK(hq_weight_matmul_quantized(loaded, acts, (float*)py, stream, NULL));
    check_product(dev, (const float*)py, kMaxBatch, w_ref, x, "matmul on quantized activations, pool");

    /* Q8_1 activations: each row's first kCols / 32 blocks are the reference's. */
    {
        static unsigned char q8[kMaxBatch * 16 * 36], want[(kCols / 32) * 36];
        int same = 1;
        CHECK(hq_q8_1_bytes(kMaxBatch, kCols, &q8_bytes) == HQ_OK && q8_bytes == sizeof q8);
        bq = alloc_buffer(dev, q8_bytes, &pq);
        CHECK_OK(hq_quantize_q8_1(dev, (const float*)px, kMaxBatch, kCols, pq, NULL));
        CHECK_OK(hq_copy_to_host_sync(dev, q8, pq, q8_bytes));
        for (b = 0; b < kMaxBatch; ++b) {
            CHECK_OK(hq_reference_quantize(HQ_TYPE_Q8_1, x + b * kCols, 1, kCols, want, sizeof want));
            same = same && memcmp(q8 + b * (q8_bytes / kMaxBatch), want, sizeof want) == 0;
        }
        CHECK(same);
    }

    /* Row gather, and an index out of range. */
    {
        static const int32_t ids[3] = {kRows - 1, 0, 5}, bad[1] = {kRows};
        static float rows_out[3 * kCols];
        bids = alloc_buffer(dev, sizeof ids, &pids);
        CHECK_OK(hq_copy_to_device_sync(dev, pids, ids, sizeof ids));
        CHECK_OK(hq_weight_get_rows(weight, (const int32_t*)pids, 3, (float*)py, NULL, ws));
        CHECK_OK(hq_copy_to_host_sync(dev, rows_out, py, sizeof rows_out));
        for (i = 0; i < 3; ++i)
            CHECK(memcmp(rows_out + i * kCols, w_ref + (size_t)ids[i] * kCols, kCols * sizeof(float)) == 0);
        CHECK_OK(hq_copy_to_device_sync(dev, pids, bad, sizeof bad));
        CHECK_FAILS(hq_weight_get_rows(weight, (const int32_t*)pids, 1, (float*)py, NULL, NULL),
                    HQ_ERROR_INVALID_VALUE, "67");
    }

    /* The weight's two halves as two experts: token t's slots multiply the
     * experts ids[t][s] by x row t; an id out of range is an error. */
    {
        static const int32_t ids[4] = {1, 0, 0, 0}, bad[4] = {1, 0, 2, 0};
        static float ye[4 * (kRows / 2)];
        const size_t e_need = 2 * (kRows / 2) * (kCols / 32) * 18; /* the first 2 x 33 of the 67 rows */
        hq_experts* experts = NULL;
        hq_buffer* be; /* its own: bids (the row gather's) is freed at the end */
        void* pe = NULL;
        size_t e_bytes = 0, t, s, r, c;
        double worst = 0.0;
        be = alloc_buffer(dev, sizeof ids, &pe);
        CHECK_OK(hq_copy_to_device_sync(dev, pe, ids, sizeof ids));
        CHECK_FAILS(hq_experts_load(dev, HQ_TYPE_Q4_0, q4, e_need - 1, 2, kRows / 2, kCols, &experts),
                    HQ_ERROR_INVALID_VALUE, "n_bytes");
        if (CHECK_OK(hq_experts_load(dev, HQ_TYPE_Q4_0, q4, e_need, 2, kRows / 2, kCols, &experts))) {
            CHECK(hq_experts_workspace_bytes(experts, 2, 1, 2, &e_bytes) == HQ_OK && e_bytes > 0);
            CHECK_OK(hq_experts_mul_mat_id(experts, (const float*)px, 2, 1, (const int32_t*)pe, 2, (float*)py, NULL,
                                           NULL));
            CHECK_OK(hq_copy_to_host_sync(dev, ye, py, sizeof ye));
            for (t = 0; t < 2; ++t)
                for (s = 0; s < 2; ++s)
                    for (r = 0; r < kRows / 2; ++r) {
                        const size_t row = (size_t)ids[t * 2 + s] * (kRows / 2) + r;
                        double exact = 0.0, scale = 1e-6;
                        for (c = 0; c < kCols; ++c) {
                            exact += (double)w_ref[row * kCols + c] * x[t * kCols + c];
                            scale += fabs((double)w_ref[row * kCols + c] * x[t * kCols + c]);
                        }
                        if (fabs(ye[(t * 2 + s) * (kRows / 2) + r] - exact) / scale > worst)
                            worst = fabs(ye[(t * 2 + s) * (kRows / 2) + r] - exact) / scale;
                    }
            printf("  experts mul_mat_id: max error %.2e of sum |w x|\n", worst);
            CHECK(worst <= 1e-3);
            CHECK_OK(hq_copy_to_device_sync(dev, pe, bad, sizeof bad));
            CHECK_FAILS(hq_experts_mul_mat_id(experts, (const float*)px, 2, 1, (const int32_t*)pe, 2, (float*)py,
                                              NULL, NULL),
                        HQ_ERROR_INVALID_VALUE, "ids[1][0] = 2");
            CHECK_OK(hq_experts_free(experts));
        }
        CHECK_OK(hq_buffer_free(be));
    }

    /* A GGUF tensor uploaded as a weight decodes as the reference does. */
    {
        hq_gguf* f = NULL;
        hq_weight* g = NULL;
        hq_tensor_info info;
        size_t index = 0;
        float want[64], got[64];
        if (CHECK_OK(hq_gguf_open(data_file("/gguf_corpus/valid_all_value_types.gguf"), &f))) {
            CHECK_OK(hq_gguf_find_tensor(f, "blk.0.attn_q.weight", &index));
            CHECK_OK(hq_gguf_tensor_info(f, index, &info));
            CHECK_OK(hq_weight_load_gguf(dev, f, "blk.0.attn_q.weight", &g));
            /* info.data lives as long as the file: decode it before closing. */
            CHECK_OK(hq_reference_dequantize(HQ_TYPE_Q8_0, info.data, (size_t)info.n_bytes, 2, 32, want));
            CHECK_OK(hq_gguf_close(f)); /* the weight has its own copy */
            CHECK(hq_weight_rows(g, &rows) == HQ_OK && rows == 2 && hq_weight_type(g, &type) == HQ_OK &&
                  type == HQ_TYPE_Q8_0);
            CHECK_OK(hq_weight_dequantize(g, (float*)pw, NULL));
            CHECK(hq_copy_to_host_sync(dev, got, pw, sizeof got) == HQ_OK && memcmp(got, want, sizeof want) == 0);
            CHECK_OK(hq_weight_free(g));
        }
    }

    /* A second device handle on the first one's stream. */
    CHECK_OK(hq_device_open_borrowed_stream(0, stream, &borrowed));
    {
        void* s2 = NULL;
        CHECK(hq_device_stream(borrowed, &s2) == HQ_OK && s2 == stream);
    }
    CHECK_OK(hq_device_close(borrowed)); /* before `dev`, which owns the stream */
    CHECK_FAILS(hq_device_open_borrowed_stream(0, NULL, &borrowed), HQ_ERROR_INVALID_VALUE, "stream is NULL");

    CHECK_OK(hq_device_synchronize(dev));
    CHECK_OK(hq_buffer_free(bx));
    CHECK_OK(hq_buffer_free(by));
    CHECK_OK(hq_buffer_free(bw));
    CHECK_OK(hq_buffer_free(bq));
    CHECK_OK(hq_buffer_free(bids));
    CHECK_OK(hq_activations_free(acts));
    CHECK_OK(hq_workspace_free(ws));
    CHECK_OK(hq_workspace_free(tiny));
    CHECK_OK(hq_weight_free(weight));
    CHECK_OK(hq_weight_free(loaded));
    CHECK_OK(hq_device_close(dev));
}

int main(int argc, char** argv) {
    int gpus = -1;
    if (argc > 1) g_data_dir = argv[1];
    test_version();
    test_types();
    test_reference();
    test_gguf();
    if (CHECK_OK(hq_device_count(&gpus))) {
        test_device_arguments(gpus);
        if (gpus > 0)
            test_gpu();
        else
            printf("SKIP: no GPU (hq_device_count() is 0): the GPU checks did not run\n");
    }
    printf("%d passed, %d failed\n", g_passed, g_failed);
    return g_failed == 0 ? 0 : 1;
}
