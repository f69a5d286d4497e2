// What the benchmark programs measure and how they print it: operation
// latencies and completions over time, CPU time of this process and of the
// servers, and a small JSON writer for the one-object result every program
// prints.
//
//   Recorder recorder(absl::Now(), /*warmup=*/absl::Seconds(1),
//                     /*measure=*/absl::Seconds(5));
//   ... from any thread: recorder.Record(start, absl::Now(), ok, items);
//   Json out;
//   recorder.AddSummary(&out);
#ifndef FACTSTORE_BENCH_MEASURE_H_
#define FACTSTORE_BENCH_MEASURE_H_

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace factstore::bench {

// A JSON object built up key by key, in insertion order.
class Json {
 public:
  Json& Add(absl::string_view key, double value);
  Json& Add(absl::string_view key, int64_t value);
  Json& Add(absl::string_view key, int value) {
    return Add(key, static_cast<int64_t>(value));
  }
  Json& Add(absl::string_view key, bool value);
  Json& Add(absl::string_view key, absl::string_view value);
  Json& Add(absl::string_view key, const char* value) {
    return Add(key, absl::string_view(value));
  }
  Json& Add(absl::string_view key, const std::string& value) {
    return Add(key, absl::string_view(value));
  }
  Json& Add(absl::string_view key, const Json& object);
  // `raw` must already be valid JSON (an array, a number, ...).
  Json& AddRaw(absl::string_view key, absl::string_view raw);
  std::string ToString() const;
  bool empty() const { return fields_.empty(); }

 private:
  std::vector<std::pair<std::string, std::string>> fields_;
};

// A JSON string literal for `s` (quotes included).
std::string JsonQuote(absl::string_view s);
// A JSON number; non-finite values become null.
std::string JsonNumber(double value);

// Latency percentiles of `samples_ms` (sorted in place).
struct Percentiles {
  int64_t count = 0;
  double mean = 0, p50 = 0, p90 = 0, p99 = 0, p999 = 0, max = 0;
};
Percentiles ComputePercentiles(std::vector<float>* samples_ms);
Json PercentilesJson(const Percentiles& p);

// Collects completed operations. An operation counts when it completes in
// the measurement window [start + warmup, start + warmup + measure);
// throughput is counted operations (or items) over the window's length.
// Every completion, warm-up included, also lands in a per-second timeline.
// Thread-safe.
class Recorder {
 public:
  Recorder(absl::Time start, absl::Duration warmup, absl::Duration measure);

  absl::Time start() const { return start_; }
  absl::Time measure_start() const { return measure_start_; }
  absl::Time end() const {
    absl::MutexLock lock(&mu_);
    return end_;
  }
  bool Finished(absl::Time now) const { return now >= end(); }

  // One operation that started at `started` and completed at `done`,
  // carrying `items` (facts in a batch or a page).
  void Record(absl::Time started, absl::Time done, bool ok, int64_t items = 1);
  // A failed operation with its gRPC status code.
  void RecordError(absl::Time done, int code);
  // Ends the window early (runs bounded by a count rather than a time).
  void EndNow(absl::Time now);

  // ops, items, seconds, ops_per_s, items_per_s, latency_ms, errors,
  // error_codes, and the timeline (when `with_timeline`).
  void AddSummary(Json* out, bool with_timeline) const;
  int64_t counted_ops() const;
  int64_t counted_items() const;
  int64_t errors() const;

 private:
  const absl::Time start_;
  const absl::Time measure_start_;
  mutable absl::Mutex mu_;
  absl::Time end_ ABSL_GUARDED_BY(mu_);
  std::vector<float> latencies_ms_ ABSL_GUARDED_BY(mu_);
  int64_t ops_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t items_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t errors_ ABSL_GUARDED_BY(mu_) = 0;
  std::map<int, int64_t> error_codes_ ABSL_GUARDED_BY(mu_);
  struct Second {
    int64_t ops = 0;
    int64_t items = 0;
    std::vector<float> latencies_ms;
  };
  std::vector<Second> timeline_ ABSL_GUARDED_BY(mu_);
};

// CPU seconds (user + system) this process has used.
double ProcessCpuSeconds();

// What RunForCpuSeconds did: inputs passed over, and CPU seconds spent.
struct CpuRun {
  int64_t items = 0;
  double seconds = 0;
  double MicrosPerItem() const {
    return items > 0 ? seconds * 1e6 / static_cast<double>(items) : 0;
  }
};

// For one-thread micro-benchmarks: calls `pass` (one pass over
// `items_per_pass` inputs) again and again until `seconds` of this process's
// CPU have passed.
template <typename Pass>
CpuRun RunForCpuSeconds(double seconds, int64_t items_per_pass, Pass pass) {
  CpuRun run;
  const double start = ProcessCpuSeconds();
  while (run.seconds < seconds) {
    pass();
    run.items += items_per_pass;
    run.seconds = ProcessCpuSeconds() - start;
  }
  return run;
}
// CPU seconds (user + system) process `pid` has used, from /proc/PID/stat;
// negative if it cannot be read.
double CpuSecondsOfPid(pid_t pid);
// Resident set size of `pid` in bytes, from /proc/PID/status; negative if it
// cannot be read.
int64_t RssBytesOfPid(pid_t pid);

// Reads the CPU time of a set of server processes at the start and the end
// of a measurement window.
class ServerCpu {
 public:
  explicit ServerCpu(std::vector<pid_t> pids) : pids_(std::move(pids)) {}
  void Start();
  void Stop();
  // {"PID": seconds, ...}
  Json ToJson() const;

 private:
  std::vector<pid_t> pids_;
  std::vector<double> start_, stop_;
};

}  // namespace factstore::bench

#endif  // FACTSTORE_BENCH_MEASURE_H_
