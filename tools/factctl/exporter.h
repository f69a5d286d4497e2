// Exporter: `factctl export`. Writes the store (or the facts of a filter) as
// JSON Lines of LoadRecords that `factctl load` reads back: the predicate
// registry, the entities, the retracted facts each followed by its
// retraction (with its reason), then the other facts, all with their
// mentions. Loaded into an empty
// store, an export gives the same predicates, entities, facts (the same ids:
// they derive from the content), mentions and retractions; commits, and so the
// history that time travel and the change feed read, start anew.
//
// Everything is read at one commit (that of the first page, as as_of of the
// later calls), so an export is a consistent snapshot while writes go on.
#ifndef FACTSTORE_TOOLS_FACTCTL_EXPORTER_H_
#define FACTSTORE_TOOLS_FACTCTL_EXPORTER_H_

#include <cstdint>
#include <ostream>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "factstore/v1/query_service.grpc.pb.h"

namespace factstore::tools {

struct ExportOptions {
  // The facts to write (every fact when empty); retracted ones are always
  // included. Predicates and entities are written whole either way.
  v1::FactFilter filter;
  // Read at least this commit (a commit token; empty: the latest).
  std::string min_commit;
  // Redraw a progress line on `progress` (a terminal) as the export goes.
  std::ostream* progress = nullptr;
  // Deadline of each call.
  absl::Duration timeout = absl::Minutes(1);
  // Bearer token sent with every call; empty: none.
  std::string token;
};

struct ExportSummary {
  int64_t predicates = 0;
  int64_t entities = 0;
  int64_t facts = 0;
  int64_t retracted = 0;
  std::string commit_token;  // the commit everything was read at
};

// Writes the export to `out`. An error when a read failed; what was written
// until then is an incomplete export.
absl::StatusOr<ExportSummary> ExportStore(v1::QueryService::Stub& stub,
                                          const ExportOptions& options,
                                          std::ostream& out);

}  // namespace factstore::tools

#endif  // FACTSTORE_TOOLS_FACTCTL_EXPORTER_H_
