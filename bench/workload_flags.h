// The command-line flags that the benchmark programs share, so that a
// program that loads a store and the programs that read it later (the load
// generator, the PostgreSQL peer) describe the same population and measure
// the same window with the same flags.
//
//   --seed --subjects --documents   the population (WorkloadOptions)
//   --warmup --duration             the measured window of timed scenarios
//
//   const Workload w = WorkloadFromFlags();
//   Recorder recorder(absl::Now(), absl::GetFlag(FLAGS_warmup),
//                     absl::GetFlag(FLAGS_duration));
#ifndef FACTSTORE_BENCH_WORKLOAD_FLAGS_H_
#define FACTSTORE_BENCH_WORKLOAD_FLAGS_H_

#include <cstdint>

#include "absl/flags/declare.h"
#include "absl/time/time.h"
#include "bench/workload.h"

ABSL_DECLARE_FLAG(uint64_t, seed);
ABSL_DECLARE_FLAG(int64_t, subjects);
ABSL_DECLARE_FLAG(int64_t, documents);
ABSL_DECLARE_FLAG(absl::Duration, warmup);
ABSL_DECLARE_FLAG(absl::Duration, duration);

namespace factstore::bench {

// The workload that --seed, --subjects and --documents describe.
Workload WorkloadFromFlags();

}  // namespace factstore::bench

#endif  // FACTSTORE_BENCH_WORKLOAD_FLAGS_H_
