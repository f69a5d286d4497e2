// Loader: `factctl load`. Reads JSON Lines files of LoadRecords and sends
// them to the ingest service in file order: predicates with
// RegisterPredicates, entities with UpsertEntities, facts through one
// StreamIngestFacts stream in batches, retractions with RetractFacts. Runs of
// the same kind are batched; when the kind changes, what was sent is
// acknowledged first, so a fact never arrives before the entities above it.
//
// Every rejected line is reported as "file:line: reason".
#ifndef FACTSTORE_TOOLS_FACTCTL_LOADER_H_
#define FACTSTORE_TOOLS_FACTCTL_LOADER_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "factstore/v1/ingest_service.grpc.pb.h"

namespace factstore::tools {

struct LoadOptions {
  // Facts per StreamIngestFacts batch.
  int batch_size = 1000;
  // Create entities that facts name but that do not exist.
  bool create_missing = false;
  // Redraw a progress line on `progress` (a terminal) as the load goes.
  std::ostream* progress = nullptr;
  // Deadline of each unary call, and of the whole fact stream.
  absl::Duration timeout = absl::Minutes(10);
  // Bearer token sent with every call; empty: none.
  std::string token;
};

struct LoadSummary {
  int64_t lines = 0;
  int64_t predicates = 0;
  int64_t entities = 0;
  int64_t facts = 0;         // facts accepted (created, mention added, ...)
  int64_t retracted = 0;     // facts retracted (or already retracted)
  int64_t rejected = 0;      // lines rejected, for any reason
  std::string commit_token;  // the last commit written
  double seconds = 0;
};

// Loads `files` into the ingest service behind `stub`. Rejected lines are
// reported on `errors` and counted; the status is an error only when the
// load could not go on (unreadable file, the service unavailable).
absl::StatusOr<LoadSummary> LoadFiles(const std::vector<std::string>& files,
                                      v1::IngestService::Stub& stub,
                                      const LoadOptions& options,
                                      std::ostream& errors);

}  // namespace factstore::tools

#endif  // FACTSTORE_TOOLS_FACTCTL_LOADER_H_
