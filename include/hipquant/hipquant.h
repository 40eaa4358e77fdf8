/* hipquant's C API (C99): opaque handles over the C++ library, for C programs
 * and for other languages' bindings. Link libhipquant.so (hipquant::c in
 * CMake, `pkg-config hipquant`).
 *
 * Conventions:
 *  - Every function that can fail returns an hq_status. On failure the
 *    message (naming the function and the argument or operand) is kept in a
 *    thread-local buffer that hq_last_error() returns; output arguments are
 *    left untouched, except that a failed create / open / load sets its
 *    handle output to NULL. No C++ exception ever leaves this API.
 *  - Device pointers are plain pointers into memory the caller owns (an
 *    hq_buffer, or a framework's allocation); the sizes they must hold are
 *    implied by the shapes given and stated per function, in elements.
 *    NULL pointers and zero sizes fail with HQ_ERROR_INVALID_VALUE.
 *  - Streams are `void*` (hipStream_t on AMD, cudaStream_t on NVIDIA); NULL
 *    means the device's own stream. Ops are queued on their stream and
 *    return without waiting unless their name says _sync, or the comment
 *    says they wait.
 *  - Type ids are GGUF's (HQ_TYPE_* below).
 *  - Handles built from a device (weights, workspaces, activations,
 *    buffers) keep it alive: hq_device_close may come first. A weight may be
 *    used from any number of threads and streams at once; a workspace or an
 *    activation buffer serves one stream at a time. Freeing NULL is a no-op.
 */
#ifndef HIPQUANT_HIPQUANT_H
#define HIPQUANT_HIPQUANT_H

#include <stddef.h>
#include <stdint.h>

/* The project version (CMake's project(VERSION); the library checks it). */
#define HQ_VERSION_MAJOR 0
#define HQ_VERSION_MINOR 1
#define HQ_VERSION_PATCH 0
/* MAJOR * 10000 + MINOR * 100 + PATCH, as hq_version() returns it. */
#define HQ_VERSION (HQ_VERSION_MAJOR * 10000 + HQ_VERSION_MINOR * 100 + HQ_VERSION_PATCH)

#if defined(__GNUC__)
#define HQ_API __attribute__((visibility("default")))
#else
#define HQ_API
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* From INVALID_VALUE to NOT_SUPPORTED the values are HIP's (and CUDA's)
 * codes for the same errors, so a status equals hipquant::Error::code()
 * wherever that is one of them; RUNTIME and INTERNAL are hipquant's own. */
typedef enum hq_status {
    HQ_OK = 0,
    HQ_ERROR_INVALID_VALUE = 1,       /* bad argument, shape, size, type id or file contents */
    HQ_ERROR_OUT_OF_MEMORY = 2,       /* device or host memory */
    HQ_ERROR_NO_DEVICE = 100,         /* no GPU, or none of that ordinal */
    HQ_ERROR_INVALID_IMAGE = 200,     /* the embedded kernel image lacks a record */
    HQ_ERROR_NO_BINARY_FOR_GPU = 209, /* the kernel image has no code for this GPU */
    HQ_ERROR_FILE_NOT_FOUND = 301,    /* a file could not be opened */
    HQ_ERROR_NOT_FOUND = 500,         /* unknown tensor, metadata key or kernel */
    HQ_ERROR_NOT_SUPPORTED = 801,     /* a type or shape hipquant has no kernel for */
    HQ_ERROR_RUNTIME = 998,           /* any other HIP / CUDA error; the message names it */
    HQ_ERROR_INTERNAL = 999           /* an unexpected failure inside hipquant */
} hq_status;

/* GGUF type ids of the types hipquant supports (hq_type_name also names
 * GGML's others). */
typedef enum hq_type {
    HQ_TYPE_F32 = 0,
    HQ_TYPE_F16 = 1,
    HQ_TYPE_Q4_0 = 2,
    HQ_TYPE_Q4_1 = 3,
    HQ_TYPE_Q5_0 = 6,
    HQ_TYPE_Q5_1 = 7,
    HQ_TYPE_Q8_0 = 8,
    HQ_TYPE_Q8_1 = 9,
    HQ_TYPE_Q2_K = 10,
    HQ_TYPE_Q3_K = 11,
    HQ_TYPE_Q4_K = 12,
    HQ_TYPE_Q5_K = 13,
    HQ_TYPE_Q6_K = 14,
    HQ_TYPE_Q8_K = 15,
    HQ_TYPE_IQ4_NL = 20,
    HQ_TYPE_IQ4_XS = 23,
    HQ_TYPE_BF16 = 30,
    HQ_TYPE_MXFP4 = 39
} hq_type;

typedef struct hq_device hq_device;           /* one GPU and its stream */
typedef struct hq_buffer hq_buffer;           /* owned device memory */
typedef struct hq_weight hq_weight;           /* a quantized rows x cols weight matrix on a device */
typedef struct hq_workspace hq_workspace;     /* device scratch for one stream's calls */
typedef struct hq_experts hq_experts;         /* a mixture-of-experts tensor [experts, rows, cols] on a device */
typedef struct hq_activations hq_activations; /* activations quantized once to Q8_1 */
typedef struct hq_gguf hq_gguf;               /* a GGUF file, memory-mapped */

/* --- Library ------------------------------------------------------------ */

/* HQ_VERSION of the library actually loaded. */
HQ_API unsigned hq_version(void);
/* The message of this thread's last failing call ("" before any; cut at
 * 4095 characters). Valid until the next failing call on this thread;
 * successful calls keep it. */
HQ_API const char* hq_last_error(void);
/* "HQ_ERROR_INVALID_VALUE" ...; "HQ_ERROR_UNKNOWN" for other values. */
HQ_API const char* hq_status_name(hq_status status);

/* --- Types (no GPU needed) ---------------------------------------------- */

/* GGML's name of any type id it assigned ("Q4_K", "IQ2_XXS"); static storage. */
HQ_API hq_status hq_type_name(uint32_t type_id, const char** name);
/* The id of a type hipquant supports, by GGML's name ("Q4_0"). */
HQ_API hq_status hq_type_from_name(const char* name, uint32_t* type_id);
/* Values and bytes per block of a supported type. */
HQ_API hq_status hq_type_block(uint32_t type_id, size_t* block_elems, size_t* block_bytes);
/* Bytes of one row of `cols` values (cols a whole number of blocks). */
HQ_API hq_status hq_type_row_bytes(uint32_t type_id, size_t cols, size_t* bytes);
/* Bytes hq_quantize_q8_1 writes for rows x cols activations (rows padded
 * to a multiple of 512 values). */
HQ_API hq_status hq_q8_1_bytes(size_t rows, size_t cols, size_t* bytes);

/* --- CPU reference (no GPU needed; the oracle the kernels are tested against) */

/* Quantizes rows x cols row-major f32 `src` (host) into `dst` (host), which
 * holds exactly dst_bytes = rows * hq_type_row_bytes(type, cols) bytes.
 * Bytes identical to GGML's reference quantizers for the 32-value types. */
HQ_API hq_status hq_reference_quantize(uint32_t type_id, const float* src, size_t rows, size_t cols, void* dst,
                                       size_t dst_bytes);
/* Decodes src_bytes (= rows * row bytes) of `src` into rows x cols f32 `dst`
 * (host), bit-identical to GGML's dequantize_row_*. */
HQ_API hq_status hq_reference_dequantize(uint32_t type_id, const void* src, size_t src_bytes, size_t rows,
                                         size_t cols, float* dst);

/* --- Devices ------------------------------------------------------------ */

/* GPUs present; 0, not an error, without a GPU or a driver. */
HQ_API hq_status hq_device_count(int* count);
/* Opens GPU `ordinal` with a new non-blocking stream it owns
 * (HQ_ERROR_NO_DEVICE when there is no such GPU). */
HQ_API hq_status hq_device_open(int ordinal, hq_device** device);
/* Opens GPU `ordinal` on the caller's stream, which must outlive the device
 * and everything created from it. */
HQ_API hq_status hq_device_open_borrowed_stream(int ordinal, void* stream, hq_device** device);
/* Releases the handle, then reports a failure an earlier free recorded, if
 * any. The handle is gone in every case. */
HQ_API hq_status hq_device_close(hq_device* device);
/* Strings owned by the device, valid until it is closed. Arch: "gfx90a:...",
 * "sm_90". */
HQ_API hq_status hq_device_name(const hq_device* device, const char** name);
HQ_API hq_status hq_device_arch(const hq_device* device, const char** arch);
HQ_API hq_status hq_device_stream(const hq_device* device, void** stream);
/* Waits for everything queued on the device's stream. */
HQ_API hq_status hq_device_synchronize(const hq_device* device);

/* --- Device memory ------------------------------------------------------ */

/* `bytes` of uninitialized device memory; hq_buffer_free waits for the
 * device before freeing. */
HQ_API hq_status hq_buffer_alloc(const hq_device* device, size_t bytes, hq_buffer** buffer);
HQ_API hq_status hq_buffer_free(hq_buffer* buffer);
HQ_API hq_status hq_buffer_ptr(const hq_buffer* buffer, void** device_ptr);
/* Copies `bytes` between host and device on the device's stream and waits
 * for that stream (so after work queued on it before). */
HQ_API hq_status hq_copy_to_device_sync(const hq_device* device, void* device_dst, const void* host_src,
                                        size_t bytes);
HQ_API hq_status hq_copy_to_host_sync(const hq_device* device, void* host_dst, const void* device_src,
                                      size_t bytes);

/* --- Weights ------------------------------------------------------------ */

/* Uploads raw GGUF-layout blocks: n_bytes = rows * hq_type_row_bytes(type, cols). */
HQ_API hq_status hq_weight_load(const hq_device* device, uint32_t type_id, const void* host_bytes, size_t n_bytes,
                                size_t rows, size_t cols, hq_weight** weight);
/* Uploads tensor `name` of an open GGUF file (cols = dims[0], rows =
 * dims[1]; 1-D and 2-D tensors only). The file may be closed afterwards. */
HQ_API hq_status hq_weight_load_gguf(const hq_device* device, const hq_gguf* file, const char* name,
                                     hq_weight** weight);
/* Quantizes rows x cols host f32 values with the CPU reference, uploads them. */
HQ_API hq_status hq_weight_quantize(const hq_device* device, uint32_t type_id, const float* host_values,
                                    size_t rows, size_t cols, hq_weight** weight);
HQ_API hq_status hq_weight_free(hq_weight* weight);
HQ_API hq_status hq_weight_rows(const hq_weight* weight, size_t* rows);
HQ_API hq_status hq_weight_cols(const hq_weight* weight, size_t* cols);
HQ_API hq_status hq_weight_type(const hq_weight* weight, uint32_t* type_id);
/* Bytes of workspace a matmul of up to `batch` rows or a get_rows takes. */
HQ_API hq_status hq_weight_workspace_bytes(const hq_weight* weight, size_t batch, size_t* bytes);

/* y[b][r] = sum_c W[r][c] * x[b][c]: x holds batch x cols f32, y batch x rows
 * (device, row-major). x is quantized to Q8_1 first. Scratch comes from `ws`
 * (sized by hq_weight_workspace_bytes; nothing is allocated) or, with ws
 * NULL, from the device's stream-ordered pool. */
HQ_API hq_status hq_weight_matmul(const hq_weight* weight, const float* x, size_t batch, float* y, void* stream,
                                  hq_workspace* ws);
/* The same on activations quantized by hq_activations_quantize (their
 * rows x weight rows values into y). */
HQ_API hq_status hq_weight_matmul_quantized(const hq_weight* weight, const hq_activations* x, float* y,
                                            void* stream, hq_workspace* ws);
/* Decodes the weight into rows x cols f32 `out` (device). */
HQ_API hq_status hq_weight_dequantize(const hq_weight* weight, float* out, void* stream);
/* out[i] = row indices[i] of the weight as f32: `indices` (device, n_indices
 * int32) checked on the device, `out` n_indices x cols. Waits for `stream`
 * to report an index out of range (HQ_ERROR_INVALID_VALUE). */
HQ_API hq_status hq_weight_get_rows(const hq_weight* weight, const int32_t* indices, size_t n_indices, float* out,
                                    void* stream, hq_workspace* ws);

/* --- Expert products (mixture of experts) ------------------------------- */

/* Uploads a GGUF expert tensor: n_bytes = experts * rows *
 * hq_type_row_bytes(type, cols), expert e's rows x cols after expert e - 1's. */
HQ_API hq_status hq_experts_load(const hq_device* device, uint32_t type_id, const void* host_bytes, size_t n_bytes,
                                 size_t experts, size_t rows, size_t cols, hq_experts** out);
/* Uploads expert tensor `name` of an open GGUF file (3-D: cols = dims[0],
 * rows = dims[1], experts = dims[2]). The file may be closed afterwards. */
HQ_API hq_status hq_experts_load_gguf(const hq_device* device, const hq_gguf* file, const char* name,
                                      hq_experts** out);
HQ_API hq_status hq_experts_free(hq_experts* experts);
/* Bytes of workspace an hq_experts_mul_mat_id of these sizes takes. */
HQ_API hq_status hq_experts_workspace_bytes(const hq_experts* experts, size_t tokens, size_t x_slots, size_t top_k,
                                            size_t* bytes);
/* y[t][s] = W[ids[t][s]] x[t][s'] for t < tokens, s < top_k (device,
 * row-major): x tokens x x_slots x cols f32, x_slots 1 (s' = 0) or top_k
 * (s' = s); ids tokens x top_k int32, checked on the device; y tokens x
 * top_k x rows. An id outside [0, experts) zeroes its row and, unless
 * `stream` is capturing a graph, the call waits and returns
 * HQ_ERROR_INVALID_VALUE naming it. Scratch as for hq_weight_matmul. */
HQ_API hq_status hq_experts_mul_mat_id(const hq_experts* experts, const float* x, size_t tokens, size_t x_slots,
                                       const int32_t* ids, size_t top_k, float* y, void* stream, hq_workspace* ws);

/* --- Activations -------------------------------------------------------- */

/* Quantizes rows x cols f32 `x` (device) to Q8_1 into `y` (device,
 * hq_q8_1_bytes(rows, cols) bytes, 4-byte aligned). */
HQ_API hq_status hq_quantize_q8_1(const hq_device* device, const float* x, size_t rows, size_t cols, void* y,
                                  void* stream);
/* Device memory for up to max_rows x cols activations in Q8_1. */
HQ_API hq_status hq_activations_create(const hq_device* device, size_t max_rows, size_t cols,
                                       hq_activations** activations);
/* Quantizes rows x cols f32 `x` (device) into it, for every weight of
 * `cols` columns to take with hq_weight_matmul_quantized. */
HQ_API hq_status hq_activations_quantize(hq_activations* activations, const float* x, size_t rows, void* stream);
HQ_API hq_status hq_activations_free(hq_activations* activations);

/* --- Workspaces --------------------------------------------------------- */

HQ_API hq_status hq_workspace_create(const hq_device* device, size_t bytes, hq_workspace** ws);
HQ_API hq_status hq_workspace_free(hq_workspace* ws);

/* --- GGUF files (no GPU needed) ----------------------------------------- */

/* One tensor of a GGUF directory. Pointers are valid while the file is open. */
typedef struct hq_tensor_info {
    const char* name;
    uint32_t type_id;
    uint32_t n_dims;  /* 1..4 */
    uint64_t dims[4]; /* GGML order: dims[0] is contiguous (a matrix's columns); 1 past n_dims */
    uint64_t n_bytes;
    const void* data; /* n_bytes in the read-only mapping of the file */
} hq_tensor_info;

/* Maps and checks the whole file: HQ_ERROR_FILE_NOT_FOUND when it cannot be
 * opened, HQ_ERROR_INVALID_VALUE when malformed (the message says where).
 * Tensors of any GGML type are listed (hq_type_name names their type_id);
 * hq_weight_load_gguf refuses those of types hipquant lacks with
 * HQ_ERROR_NOT_SUPPORTED, naming the tensor and its type. */
HQ_API hq_status hq_gguf_open(const char* path, hq_gguf** file);
HQ_API hq_status hq_gguf_close(hq_gguf* file);
HQ_API hq_status hq_gguf_tensor_count(const hq_gguf* file, size_t* count);
/* Tensor `index` in directory order. */
HQ_API hq_status hq_gguf_tensor_info(const hq_gguf* file, size_t index, hq_tensor_info* info);
/* Index of the tensor `name`; HQ_ERROR_NOT_FOUND when absent. */
HQ_API hq_status hq_gguf_find_tensor(const hq_gguf* file, const char* name, size_t* index);
/* Metadata values: HQ_ERROR_NOT_FOUND when the key is absent,
 * HQ_ERROR_INVALID_VALUE when it holds another type (or an integer outside
 * int64). Strings are valid while the file is open. */
HQ_API hq_status hq_gguf_get_string(const hq_gguf* file, const char* key, const char** value);
HQ_API hq_status hq_gguf_get_int(const hq_gguf* file, const char* key, int64_t* value);
HQ_API hq_status hq_gguf_get_float(const hq_gguf* file, const char* key, double* value);

#ifdef __cplusplus
}
#endif

#endif /* HIPQUANT_HIPQUANT_H */
