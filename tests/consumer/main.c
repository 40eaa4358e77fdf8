/* The consumer project's C program: links libhipquant.so through the C API
 * alone, quantizes a block with the CPU reference, counts GPUs, and exits 0
 * when both behave. */
#include <stdio.h>

#include "hipquant/hipquant.h"

int main(void) {
    float x[32], back[32];
    unsigned char block[34]; /* one Q8_0 block */
    const char* name = NULL;
    int gpus = -1, i;
    for (i = 0; i < 32; ++i) x[i] = (float)i - 15.5f;
    if (hq_reference_quantize(HQ_TYPE_Q8_0, x, 1, 32, block, sizeof block) != HQ_OK ||
        hq_reference_dequantize(HQ_TYPE_Q8_0, block, sizeof block, 1, 32, back) != HQ_OK ||
        hq_type_name(HQ_TYPE_Q8_0, &name) != HQ_OK || hq_device_count(&gpus) != HQ_OK) {
        fprintf(stderr, "consumer_c: %s\n", hq_last_error());
        return 1;
    }
    printf("consumer_c: hipquant %u, %s, %d GPU(s), x[0] %g -> %g\n", hq_version(), name, gpus, (double)x[0],
           (double)back[0]);
    return back[0] < -15.0f && back[0] > -16.0f ? 0 : 1;
}
