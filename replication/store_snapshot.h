// The whole content of a store as RocksDB write batches of puts: what a
// snapshot in the commit log carries (LogReplica::CompactLog), and what an
// empty store loads to catch up (LogApplier).
//
//   FS_RETURN_IF_ERROR(ForEachSnapshotBatch(store, 1 << 20,
//       [&](std::string batch, bool last) { return Send(batch, last); }));
#ifndef FACTSTORE_REPLICATION_STORE_SNAPSHOT_H_
#define FACTSTORE_REPLICATION_STORE_SNAPSHOT_H_

#include <cstddef>
#include <functional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "storage/store.h"

namespace factstore::replication {

// Reads every key of every column family of `store` (from one consistent
// RocksDB snapshot), except the store's own log position, and calls
// `emit(representation, last)` with write batches that put them, each of
// about `target_bytes` (one larger key-value pair makes a larger batch),
// in family and key order. `last` is true for the final batch. Stops at the
// first error `emit` returns.
absl::Status ForEachSnapshotBatch(
    const storage::Store& store, size_t target_bytes,
    const std::function<absl::Status(std::string batch, bool last)>& emit);

// The write batch of a new, empty store: a fresh identity (random store id
// and page-token secret) and an empty head. The first snapshot of a new
// log. `index_words`: storage::StoreOptions::index_words.
absl::StatusOr<std::string> NewStoreBatch(bool index_words = true);

}  // namespace factstore::replication

#endif  // FACTSTORE_REPLICATION_STORE_SNAPSHOT_H_
