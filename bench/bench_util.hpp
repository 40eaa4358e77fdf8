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

// How one case is timed (the --warmup, --reps and --launches options).
struct TimingPlan {
    std::size_t warmup = 5;    // untimed launches first
    std::size_t reps = 50;     // timed repetitions; the median is reported
    std::size_t launches = 10; // back-to-back launches per repetition
};

// Median microseconds of one launch: plan.reps repetitions, each timing
// plan.launches back-to-back calls of launch(next++) on `stream` with one
// Event pair. `next` runs on across calls, so a caller that rotates over
// weight copies with it (copy next % copies) never launches the same copy
// twice in a row.
template <typename Launch>
double median_launch_us(const TimingPlan& plan, hipStream_t stream, std::size_t& next, Launch&& launch) {
    LaunchTimer timer(plan.reps);
    for (std::size_t rep = 0; rep < plan.reps; ++rep)
        timer.time(rep, stream, [&] {
            for (std::size_t l = 0; l < plan.launches; ++l) launch(next++);
        });
    return median(timer.microseconds()) / static_cast<double>(plan.launches);
}

// 1e12 floating-point operations per second of a rows x cols by cols x batch
// product (2 * rows * cols * batch operations) that took `us` microseconds.
inline double tflops(std::size_t rows, std::size_t cols, std::size_t batch, double us) {
    return 2.0 * static_cast<double>(rows) * static_cast<double>(cols) * static_cast<double>(batch) / (us * 1e6);
}

// n values from N(0, 1), reproducible from `seed`.
inline std::vector<float> random_normal(std::size_t n, unsigned seed) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> dist(0.0f, 1.0f);
    std::vector<float> v(n);
    for (auto& x : v) x = dist(rng);
    return v;
}

}  // namespace hipquant::bench
