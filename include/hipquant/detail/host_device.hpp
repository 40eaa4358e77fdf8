// HIPQUANT_HD marks functions that both the host compiler and the GPU
// compiler (hipcc or nvcc) build. It tests which compiler runs, not which
// vendor: that is platform.hpp's business alone.
#pragma once

#if defined(__HIPCC__) || defined(__CUDACC__)
#define HIPQUANT_HD __host__ __device__
#else
#define HIPQUANT_HD
#endif
