// Stream and Graph: RAII owners of a GPU stream and of a captured,
// instantiated graph of work.
#pragma once

#include <utility>

#include "hipquant/runtime/device.hpp"
#include "hipquant/runtime/error.hpp"
#include "hipquant/runtime/platform.hpp"

namespace hipquant {

// A non-blocking stream on one device, destroyed with the object (which
// waits for nothing: destroy it after its work is done or waited for).
class Stream {
public:
    explicit Stream(const RocmDevice& device) {
        HIPQUANT_CHECK(hipSetDevice(device.ordinal()));
        HIPQUANT_CHECK(hipStreamCreateWithFlags(&stream_, hipStreamNonBlocking));
    }
    Stream(const Stream&) = delete;  // owns the handle
    Stream& operator=(const Stream&) = delete;
    Stream(Stream&& other) noexcept : stream_(std::exchange(other.stream_, nullptr)) {}
    Stream& operator=(Stream&& other) noexcept {
        std::swap(stream_, other.stream_);
        return *this;
    }
    ~Stream() {
        if (stream_) (void)hipStreamDestroy(stream_);
    }
    hipStream_t get() const noexcept { return stream_; }
    void synchronize() const { HIPQUANT_CHECK(hipStreamSynchronize(stream_)); }

private:
    hipStream_t stream_ = nullptr;
};

// Calls fn(data) on a host thread once the work queued on `stream` so far is
// done. fn must not call the GPU runtime (nor block on it).
inline void call_when_done(hipStream_t stream, void (*fn)(void*), void* data) {
    HIPQUANT_CHECK(platform::call_when_done(stream, fn, data));
}

// The work that `record(stream)` queues on `stream`, captured once (nothing
// runs then) and replayed by launch(stream) as one graph. Work captured
// must not synchronize or allocate outside the stream-ordered pool.
class Graph {
public:
    template <typename Record>
    static Graph capture(hipStream_t stream, Record&& record) {
        HIPQUANT_CHECK(hipStreamBeginCapture(stream, hipStreamCaptureModeThreadLocal));
        hipGraph_t graph = nullptr;
        try {
            std::forward<Record>(record)(stream);
        } catch (...) {
            (void)hipStreamEndCapture(stream, &graph);  // leaves the stream usable
            if (graph) (void)hipGraphDestroy(graph);
            throw;
        }
        HIPQUANT_CHECK(hipStreamEndCapture(stream, &graph));
        Graph g;
        const hipError_t e = hipGraphInstantiate(&g.exec_, graph, nullptr, nullptr, 0);
        (void)hipGraphDestroy(graph);
        HIPQUANT_CHECK(e);
        return g;
    }
    Graph(const Graph&) = delete;  // owns the handle
    Graph& operator=(const Graph&) = delete;
    Graph(Graph&& other) noexcept : exec_(std::exchange(other.exec_, nullptr)) {}
    Graph& operator=(Graph&& other) noexcept {
        std::swap(exec_, other.exec_);
        return *this;
    }
    ~Graph() {
        if (exec_) (void)hipGraphExecDestroy(exec_);
    }
    void launch(hipStream_t stream) const { HIPQUANT_CHECK(hipGraphLaunch(exec_, stream)); }

private:
    Graph() = default;
    hipGraphExec_t exec_ = nullptr;
};

}  // namespace hipquant
