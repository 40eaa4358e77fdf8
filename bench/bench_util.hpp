// Timing and statistics helpers shared by the sections of hipquant-bench.
#pragma once

#include <algorithm>
#include <cstddef>
#include <random>
#include <vector>

#include "hipquant/runtime/event.hpp"
#include "hipquant/runtime/platform.hpp"

namespace hipquant::bench {

// Median of the values (mean of the middle two for an even count); 0 if empty.
inline double median(std::vector<double> v) {
    if (v.empty()) return 0.0;
    const std::size_t mid = v.size() / 2;
    std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(mid), v.end());
    const double hi = v[mid];
    if (v.size() % 2 == 1) return hi;
    return 0.5 * (hi + *std::max_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(mid)));
}

// One Event pair per repetition around whatever it launches (no host
// synchronization between launches; the device runs them back to back).
class LaunchTimer {
public:
    explicit LaunchTimer(std::size_t reps) : start_(reps), stop_(reps) {}

    // Brackets what launch() queues on `stream` with repetition rep's events.
    template <typename F>
    void time(std::size_t rep, hipStream_t stream, F&& launch) {
        start_.at(rep).record(stream);
        launch();
        stop_.at(rep).record(stream);
    }

    // Microseconds of each repetition; waits for the last one.
    std::vector<double> microseconds() const {
        std::vector<double> us(start_.size());
        for (std::size_t i = 0; i < us.size(); ++i)
            us[i] = 1000.0 * static_cast<double>(Event::elapsed_ms(start_[i], stop_[i]));
        return us;
    }

private:
    std::vector<Event> start_;
    std::vector<Event> stop_;
};

// n values from N(0, 1), reproducible from `seed`.
inline std::vector<float> random_normal(std::size_t n, unsigned seed) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> dist(0.0f, 1.0f);
    std::vector<float> v(n);
    for (auto& x : v) x = dist(rng);
    return v;
}

}  // namespace hipquant::bench
