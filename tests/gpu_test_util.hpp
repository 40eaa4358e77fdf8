// Shared by the GPU test suites: a fixture that opens device 0, or skips
// (visibly, with the reason) when this machine has no GPU.
#pragma once

#include <gtest/gtest.h>

#include <optional>
#include <vector>

#include "hipquant/quant/types.hpp"
#include "hipquant/runtime/device.hpp"

namespace hipquant::test {

class GpuTest : public ::testing::Test {
protected:
    void SetUp() override {
        if (RocmDevice::count() == 0)
            GTEST_SKIP() << "no GPU on this machine (RocmDevice::count() == 0): device test not run";
        device_.emplace(RocmDevice::open(0));
    }
    const RocmDevice& device() const { return *device_; }

private:
    std::optional<RocmDevice> device_;
};

// The weight types (QuantizedTensor can hold them) that have `kernel`.
inline std::vector<quant::QuantType> weight_types(quant::KernelBits kernel) {
    std::vector<quant::QuantType> out;
    for (const auto& info : quant::kQuantTypes)
        if (info.can_be_weight && info.has_kernel(kernel)) out.push_back(info.type);
    return out;
}

// EXPECT that `stmt` throws hipquant::Error whose message contains `needle`.
#define HQ_EXPECT_ERROR(stmt, needle)                                                       \
    do {                                                                                    \
        try {                                                                               \
            stmt;                                                                           \
            ADD_FAILURE() << "expected hipquant::Error from: " #stmt;                       \
        } catch (const ::hipquant::Error& e_) {                                             \
            EXPECT_NE(std::string(e_.what()).find(needle), std::string::npos)              \
                << "message: " << e_.what();                                                \
        }                                                                                   \
    } while (0)

}  // namespace hipquant::test
