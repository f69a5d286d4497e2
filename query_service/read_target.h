// Which commit a read reads at, from the request's ReadOptions (and page
// token): what it must wait for (read-your-writes) and whether it travels in
// time.
#ifndef FACTSTORE_QUERY_SERVICE_READ_TARGET_H_
#define FACTSTORE_QUERY_SERVICE_READ_TARGET_H_

#include <cstdint>
#include <optional>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "factstore/v1/types.pb.h"
#include "storage/store.h"

namespace factstore::query {

struct ReadTarget {
  // The read must not happen before this commit is visible (0: no need).
  uint64_t wait_for = 0;
  // Read exactly at this commit (time travel, or a page token's snapshot).
  std::optional<uint64_t> at;
  // Read at the last commit at or before this time.
  std::optional<absl::Time> at_time;

  // Waits for and reads at `commit` (a page token's snapshot), overriding
  // the request's own options.
  void Pin(uint64_t commit) {
    at = commit;
    at_time.reset();
    wait_for = commit;
  }
};

// Parses `options` (at field path `field`, e.g. "read_options"). Returns
// INVALID_ARGUMENT naming the subfield for a malformed or foreign token.
absl::StatusOr<ReadTarget> ParseReadOptions(const v1::ReadOptions& options,
                                            uint32_t store_id,
                                            absl::string_view field);

// The commit to read at once `visible` is the latest visible commit.
// REQUIRES: target.wait_for <= visible.
absl::StatusOr<uint64_t> ResolveReadCommit(const storage::Store& store,
                                           const ReadTarget& target,
                                           uint64_t visible);

// The last commit at or before `time` among commits <= `visible` (0, the
// empty store, if every commit is later).
absl::StatusOr<uint64_t> CommitAtTime(const storage::Store& store,
                                      absl::Time time, uint64_t visible);

}  // namespace factstore::query

#endif  // FACTSTORE_QUERY_SERVICE_READ_TARGET_H_
