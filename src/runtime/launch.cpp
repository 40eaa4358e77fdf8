// ArgBuilder::launch: the single place kernels are launched.
#include "hipquant/runtime/launch.hpp"

namespace hipquant {

void ArgBuilder::launch(const LaunchConfig& cfg, hipStream_t stream) {
    const Dim3& g = cfg.grid_dim;
    const Dim3& b = cfg.block_dim;
    HIPQUANT_REQUIRE(g.x > 0 && g.y > 0 && g.z > 0 && b.x > 0 && b.y > 0 && b.z > 0, errc::invalid_value,
                     std::string("launch of '") + fn_.name() + "': empty grid or block (" + std::to_string(g.x) + "x" +
                         std::to_string(g.y) + "x" + std::to_string(g.z) + " blocks of " + std::to_string(b.x) +
                         "x" + std::to_string(b.y) + "x" + std::to_string(b.z) + ")");
    void* params[kMaxArgs];
    for (std::size_t i = 0; i < count_; ++i) params[i] = storage_ + offsets_[i];
    if (cfg.shared_mem_bytes > 0) fn_.allow_dynamic_shared(cfg.shared_mem_bytes);
    const unsigned grid[3] = {g.x, g.y, g.z};
    const unsigned block[3] = {b.x, b.y, b.z};
    HIPQUANT_CHECK(platform::launch_kernel(fn_.handle(), grid, block, cfg.shared_mem_bytes, stream, params,
                                           cfg.overlap_previous));
}

void ArgBuilder::too_many_args() const {
    HIPQUANT_FAIL(errc::invalid_value, std::string("launch of '") + fn_.name() + "': more than " +
                                           std::to_string(kMaxArgs) + " arguments or " +
                                           std::to_string(kMaxArgBytes) + " bytes of them");
}

void Function::allow_dynamic_shared(std::uint32_t bytes) const {
    if (shared_allowed_ && shared_allowed_->load(std::memory_order_relaxed) >= bytes) return;
    HIPQUANT_CHECK(platform::allow_dynamic_shared(handle_, bytes));
    if (!shared_allowed_) return;
    // Two threads may both get here: allowing twice is harmless; keep the larger.
    std::uint32_t seen = shared_allowed_->load(std::memory_order_relaxed);
    while (seen < bytes && !shared_allowed_->compare_exchange_weak(seen, bytes, std::memory_order_relaxed)) {
    }
}

}  // namespace hipquant
