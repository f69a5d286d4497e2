#include "bench/workload_flags.h"

#include "absl/flags/flag.h"

ABSL_FLAG(uint64_t, seed, 1,
          "Seed of the workload (the same in every program of one run).");
ABSL_FLAG(int64_t, subjects, 1000, "Subject entities of the population.");
ABSL_FLAG(int64_t, documents, 5000, "Source documents of the population.");
ABSL_FLAG(absl::Duration, warmup, absl::Seconds(1), "Time before measuring.");
ABSL_FLAG(absl::Duration, duration, absl::Seconds(5), "Time measured.");

namespace factstore::bench {

Workload WorkloadFromFlags() {
  WorkloadOptions options;
  options.seed = absl::GetFlag(FLAGS_seed);
  options.subjects = absl::GetFlag(FLAGS_subjects);
  options.documents = absl::GetFlag(FLAGS_documents);
  return Workload(options);
}

}  // namespace factstore::bench
