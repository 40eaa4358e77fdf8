// Host side of the streaming-read kernel: the device read bandwidth that
// hipquant-bench reports every kernel against.
#pragma once

#include <cstddef>
#include <cstdint>

#include "hipquant/runtime/device.hpp"

namespace hipquant::bench {

// One 16-byte load of hq_bench_stream_read (the kernel reads it as uint4).
struct alignas(16) Chunk16 {
    std::uint32_t words[4];
};
static_assert(sizeof(Chunk16) == 16, "the streaming-read kernel loads 16 bytes at a time");

// Thread blocks a streaming read of `chunks` 16-byte chunks launches on
// `device`; block_out of stream_read must hold this many values.
std::uint32_t stream_read_blocks(const RocmDevice& device, std::size_t chunks);

// Queues one read of all of src on `stream`; each thread block writes one
// fold of what it read to block_out (stream_read_blocks(device, src.size())
// values), so no load can be optimized away.
void stream_read(const RocmDevice& device, DeviceSpan<const Chunk16> src, DeviceSpan<std::uint32_t> block_out,
                 hipStream_t stream);

struct ReadBandwidth {
    double gbps = 0.0;              // 1e9 bytes per second, from the median time
    double median_us = 0.0;         // one read of the whole buffer
    std::size_t buffer_bytes = 0;   // bytes read per repetition
    int reps = 0;
};

// Reads a buffer of at least min_bytes (rounded up to 16 bytes) `reps`
// times, each launch timed with its own Event pair, after `warmup` untimed
// reads; the buffer is filled with a non-zero pattern first.
ReadBandwidth measure_read_bandwidth(const RocmDevice& device, std::size_t min_bytes, int warmup, int reps);

}  // namespace hipquant::bench
