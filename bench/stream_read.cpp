// Host wrapper of hq_bench_stream_read and the read-bandwidth measurement.
#include "stream_read.hpp"
#include "hipquant/quant/kernels.hpp"

#include <algorithm>
#include <string>
#include <vector>

#include "bench_util.hpp"

namespace hipquant::bench {

namespace {
constexpr std::uint32_t kThreads = 256;
// Resident thread blocks per compute unit we ask for: enough 16-byte loads in
// flight (with the kernel's 4-way unroll) to saturate HBM on current GPUs.
constexpr std::uint32_t kBlocksPerCu = 8;
// Host staging size for filling the buffer, bytes.
constexpr std::size_t kFillChunkBytes = std::size_t{16} << 20;
}  // namespace

std::uint32_t stream_read_blocks(const RocmDevice& device, std::size_t chunks) {
    const std::size_t wanted = static_cast<std::size_t>(std::max(device.multiprocessor_count(), 1)) * kBlocksPerCu;
    const std::size_t needed = std::max<std::size_t>((chunks + kThreads - 1) / kThreads, 1);
    return static_cast<std::uint32_t>(std::min(wanted, needed));
}

void stream_read(const RocmDevice& device, DeviceSpan<const Chunk16> src, DeviceSpan<std::uint32_t> block_out,
                 hipStream_t stream) {
    const std::uint32_t blocks = stream_read_blocks(device, src.size());
    HIPQUANT_REQUIRE(block_out.size() == blocks, errc::invalid_value,
                     "stream_read: block_out has " + std::to_string(block_out.size()) + " values but the launch has " +
                         std::to_string(blocks) + " thread blocks");
    const std::uint64_t n = src.size();
    hipquant::quant::kernel(device, hipquant::quant::KernelId::bench_stream_read)
        .function.builder()
        .arg(src)
        .arg(n)
        .arg(block_out)
        .launch(LaunchConfig({blocks, 1, 1}, {kThreads, 1, 1}, 0), stream);
}

ReadBandwidth measure_read_bandwidth(const RocmDevice& device, std::size_t min_bytes, int warmup, int reps) {
    HIPQUANT_REQUIRE(reps > 0, errc::invalid_value, "measure_read_bandwidth: reps = " + std::to_string(reps));
    const std::size_t chunks = (min_bytes + sizeof(Chunk16) - 1) / sizeof(Chunk16);
    DeviceMemory<Chunk16> buffer = device.alloc<Chunk16>(chunks);
    DeviceMemory<std::uint32_t> block_out = device.alloc<std::uint32_t>(stream_read_blocks(device, chunks));

    // A non-zero, non-repeating-per-line pattern, so no memory compression or
    // zero-page shortcut can make the read cheaper than real data.
    std::vector<Chunk16> pattern(std::min(chunks, kFillChunkBytes / sizeof(Chunk16)));
    for (std::size_t i = 0; i < pattern.size(); ++i) {
        const auto w = static_cast<std::uint32_t>(i * 2654435761u);
        pattern[i] = Chunk16{{w, w ^ 0x9e3779b9u, w + 0x7f4a7c15u, ~w}};
    }
    for (std::size_t at = 0; at < chunks; at += pattern.size()) {
        const std::size_t len = std::min(pattern.size(), chunks - at);
        device.memcpy_htod(pattern.data(), len, buffer.slice(at, len));
    }
    device.synchronize();

    const hipStream_t stream = device.stream();
    for (int i = 0; i < warmup; ++i) stream_read(device, buffer.span(), block_out.span(), stream);
    LaunchTimer timer(static_cast<std::size_t>(reps));
    for (int i = 0; i < reps; ++i)
        timer.time(static_cast<std::size_t>(i), stream,
                   [&] { stream_read(device, buffer.span(), block_out.span(), stream); });

    ReadBandwidth bw;
    bw.median_us = median(timer.microseconds());
    bw.buffer_bytes = chunks * sizeof(Chunk16);
    bw.reps = reps;
    bw.gbps = bw.median_us > 0.0 ? static_cast<double>(bw.buffer_bytes) / (bw.median_us * 1e3) : 0.0;
    return bw;
}

}  // namespace hipquant::bench
