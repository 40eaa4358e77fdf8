/* Demo of the C API: the CPU reference on a Q4_0 row, the tensors of a GGUF
 * file (argv[1], if given), and on the first GPU a Q4_0 weight times a
 * batch of 4 activations beside the reference; without a GPU, says so.
 * Exit status 0 on success, 1 on any error (printed with hq_last_error). */
#include <math.h>
#include <stdio.h>

#include "hipquant/hipquant.h"

#define TRY(call)                                                                                \
    do {                                                                                         \
        const hq_status s_ = (call);                                                             \
        if (s_ != HQ_OK) {                                                                       \
            fprintf(stderr, "%s failed: %s: %s\n", #call, hq_status_name(s_), hq_last_error()); \
            return 1;                                                                            \
        }                                                                                        \
    } while (0)

enum { kRows = 256, kCols = 1024, kBatch = 4 };

static int list_gguf(const char* path) {
    hq_gguf* file = NULL;
    size_t n = 0, i;
    const char* arch = NULL;
    TRY(hq_gguf_open(path, &file));
    TRY(hq_gguf_tensor_count(file, &n));
    if (hq_gguf_get_string(file, "general.architecture", &arch) != HQ_OK) arch = "(none)";
    printf("%s: architecture %s, %zu tensors\n", path, arch, n);
    for (i = 0; i < n; ++i) {
        hq_tensor_info t;
        const char* type = NULL;
        TRY(hq_gguf_tensor_info(file, i, &t));
        TRY(hq_type_name(t.type_id, &type));
        printf("  %-32s %-5s %llu x %llu, %llu bytes\n", t.name, type, (unsigned long long)t.dims[1],
               (unsigned long long)t.dims[0], (unsigned long long)t.n_bytes);
    }
    return hq_gguf_close(file) == HQ_OK ? 0 : 1;
}

/* Row r of the decoded weights dotted with activation row b, in double. */
static double reference_dot(const float* w_ref, const float* x, size_t r, size_t b) {
    double sum = 0.0;
    size_t c;
    for (c = 0; c < kCols; ++c) sum += (double)w_ref[r * kCols + c] * x[b * kCols + c];
    return sum;
}

/* y = W x on the GPU; a few values beside the reference's. */
static int gpu_matmul(const float* w, const float* x) {
    static float w_ref[kRows * kCols], y[kBatch * kRows];
    static unsigned char q4[kRows * kCols / 32 * 18];
    hq_device* dev = NULL;
    hq_weight* weight = NULL;
    hq_buffer *bx = NULL, *by = NULL;
    void *px = NULL, *py = NULL;
    const char *name = NULL, *arch = NULL;
    size_t b;

    TRY(hq_device_open(0, &dev));
    TRY(hq_device_name(dev, &name));
    TRY(hq_device_arch(dev, &arch));
    TRY(hq_weight_quantize(dev, HQ_TYPE_Q4_0, w, kRows, kCols, &weight));
    TRY(hq_buffer_alloc(dev, sizeof(float) * kBatch * kCols, &bx));
    TRY(hq_buffer_alloc(dev, sizeof y, &by));
    TRY(hq_buffer_ptr(bx, &px));
    TRY(hq_buffer_ptr(by, &py));
    TRY(hq_copy_to_device_sync(dev, px, x, sizeof(float) * kBatch * kCols));
    /* NULL stream: the device's own; NULL workspace: the stream-ordered pool. */
    TRY(hq_weight_matmul(weight, (const float*)px, kBatch, (float*)py, NULL, NULL));
    TRY(hq_copy_to_host_sync(dev, y, py, sizeof y));

    TRY(hq_reference_quantize(HQ_TYPE_Q4_0, w, kRows, kCols, q4, sizeof q4));
    TRY(hq_reference_dequantize(HQ_TYPE_Q4_0, q4, sizeof q4, kRows, kCols, w_ref));
    printf("GPU 0 %s (%s): Q4_0 %d x %d times batch %d (activations quantized to Q8_1 on the GPU)\n", name, arch,
           kRows, kCols, kBatch);
    for (b = 0; b < kBatch; ++b)
        printf("  y[%zu][7] = %10.5f, reference %10.5f\n", b, y[b * kRows + 7], reference_dot(w_ref, x, 7, b));
    TRY(hq_buffer_free(bx));
    TRY(hq_buffer_free(by));
    TRY(hq_weight_free(weight));
    TRY(hq_device_close(dev));
    return 0;
}

int main(int argc, char** argv) {
    static float w[kRows * kCols], x[kBatch * kCols];
    unsigned char block[18];
    float back[32];
    unsigned state = 1;
    int gpus = 0, i;

    for (i = 0; i < kRows * kCols; ++i) w[i] = (float)sin(0.37 * i) * (float)(1 + i % 7);
    for (i = 0; i < kBatch * kCols; ++i) {
        state = state * 1664525u + 1013904223u;
        x[i] = (float)(state >> 8) / (float)(1u << 23) - 1.0f;
    }

    /* CPU reference, no GPU needed: one Q4_0 block and back. */
    TRY(hq_reference_quantize(HQ_TYPE_Q4_0, w, 1, 32, block, sizeof block));
    TRY(hq_reference_dequantize(HQ_TYPE_Q4_0, block, sizeof block, 1, 32, back));
    printf("hipquant %u: w[0..31] as one Q4_0 block: w[5] = %.4f -> %.4f\n", hq_version(), w[5], back[5]);

    if (argc > 1 && list_gguf(argv[1]) != 0) return 1;

    TRY(hq_device_count(&gpus));
    if (gpus == 0) {
        printf("No GPU found (hq_device_count() is 0): ran the CPU reference only.\n");
        return 0;
    }
    return gpu_matmul(w, x);
}
