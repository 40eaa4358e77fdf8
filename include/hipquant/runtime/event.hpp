// Event: a RAII GPU event, for ordering and for timing work on a stream.
#pragma once

#include <utility>

#include "hipquant/runtime/error.hpp"
#include "hipquant/runtime/platform.hpp"

namespace hipquant {

class Event {
public:
    Event() { HIPQUANT_CHECK(hipEventCreate(&event_)); }
    Event(const Event&) = delete;  // owns the event handle
    Event& operator=(const Event&) = delete;
    Event(Event&& other) noexcept : event_(std::exchange(other.event_, nullptr)) {}
    Event& operator=(Event&& other) noexcept {
        std::swap(event_, other.event_);
        return *this;
    }
    ~Event() {
        if (event_) (void)hipEventDestroy(event_);
    }

    void record(hipStream_t stream) { HIPQUANT_CHECK(hipEventRecord(event_, stream)); }
    void synchronize() const { HIPQUANT_CHECK(hipEventSynchronize(event_)); }
    hipEvent_t get() const noexcept { return event_; }

    // Milliseconds between two recorded events; waits for `end`.
    static float elapsed_ms(const Event& start, const Event& end) {
        end.synchronize();
        float ms = 0.0f;
        HIPQUANT_CHECK(hipEventElapsedTime(&ms, start.event_, end.event_));
        return ms;
    }

private:
    hipEvent_t event_ = nullptr;
};

}  // namespace hipquant
