// LogApplier: turns the messages of the commit log, in stream order, into
// writes to a local store, the same way on every server.
//
// Every server of the replicated mode keeps its own store as a view of the
// log: the ingest service applies what it publishes through here as well as
// what other writers published, and query replicas apply everything. Each
// entry is written in one RocksDB write batch together with the store's new
// LogPosition, so a crash never leaves the data and the position apart.
//
//   FS_ASSIGN_OR_RETURN(auto applier, LogApplier::Create(store.get(), {}));
//   for (const LogMessage& message : messages) {
//     FS_ASSIGN_OR_RETURN(ApplyResult applied, applier->Apply(message));
//   }
//
// It checks that the log is the one the store follows and that nothing is
// missing: an entry of another log, a commit out of order or a sequence the
// store cannot bridge is refused, never applied (see Apply).
//
// Not thread-safe: one caller at a time (LogReplica serializes them).
#ifndef FACTSTORE_REPLICATION_LOG_APPLIER_H_
#define FACTSTORE_REPLICATION_LOG_APPLIER_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "replication/log_entry.pb.h"
#include "storage/records.pb.h"
#include "storage/store.h"

namespace factstore::replication {

// One message of the log as JetStream stored it.
struct LogMessage {
  // Stream sequence (1 for the first message ever published).
  uint64_t sequence = 0;
  // When JetStream stored it, microseconds since the Unix epoch (0 if not
  // known).
  int64_t time_micros = 0;
  // A serialized LogEntry.
  std::string payload;
};

// What one Apply did.
struct ApplyResult {
  // The commit that became visible, 0 if none did (a part of a commit, a
  // skipped or partly loaded snapshot).
  uint64_t commit = 0;
  // That commit erases an entity.
  bool erasure = false;
  // An empty store finished loading a snapshot: it now has the log's state.
  bool snapshot_loaded = false;
};

// The first 16 bytes of the SHA-256 of `payload`: what LogPosition keeps of
// the last entry applied.
std::string EntryDigest(const std::string& payload);

class LogApplier {
 public:
  struct Options {
    // fsync each applied entry (a replica then loses nothing it applied on
    // power loss; without it, the log has it anyway and a restart catches
    // up from there).
    bool sync = false;
  };

  // `store` must be a primary store opened with create_identity = false,
  // whose column family ids are canonical; it must outlive the applier.
  // Returns FAILED_PRECONDITION if the store holds data that did not come
  // from a commit log (or a half-loaded snapshot: see NeedsRebuild).
  static absl::StatusOr<std::unique_ptr<LogApplier>> Create(
      storage::Store* store, Options options);

  // True if `store` holds a snapshot that stopped loading half-way (the
  // process died): it cannot be used and must be deleted and loaded again.
  static absl::StatusOr<bool> NeedsRebuild(const storage::Store& store);

  // True once the store holds a complete state of the log: a snapshot
  // loaded, and whatever followed it.
  bool initialized() const { return initialized_; }
  // The last entry applied (all zero before the first).
  const storage::LogPosition& position() const { return position_; }
  // The last sequence read: the position, or a later message that was
  // buffered (a part of a commit) or discarded. A writer appends after it.
  uint64_t last_seen_sequence() const { return last_seen_; }
  // The store's head after the last entry applied.
  const storage::StoreHead& head() const { return head_; }

  // Applies the next message of the log. Messages at or below
  // last_seen_sequence() are skipped (a redelivery). Errors:
  //   FAILED_PRECONDITION: the message cannot follow what the store applied:
  //     it belongs to another log, its commit is out of order, or it does
  //     not parse as a commit the store can apply. The store must stop
  //     following this log: applying it would fork the history.
  //   OUT_OF_RANGE: the store missed entries that the log no longer holds
  //     (compacted behind a snapshot), or a snapshot it was loading was
  //     compacted away: the store must be deleted and loaded again from the
  //     log's current start.
  //   DATA_LOSS: the payload is not a LogEntry.
  //   other: the store could not be written (nothing changed).
  // After an error, last_seen_sequence() is the position's again (parts
  // buffered are dropped): read again from the entry after it.
  absl::StatusOr<ApplyResult> Apply(const LogMessage& message);

  // Records that the log no longer holds the entries before the erasure
  // that made a compaction pending (they were purged behind a snapshot).
  absl::Status ClearPendingCompaction();

 private:
  absl::StatusOr<ApplyResult> ApplyMessage(const LogMessage& message);
  LogApplier(storage::Store* store, Options options)
      : store_(store), options_(options) {}

  absl::StatusOr<ApplyResult> ApplyCommitPart(const LogMessage& message,
                                              const CommitPart& part,
                                              const std::string& log_id);
  absl::StatusOr<ApplyResult> ApplySnapshotPart(const LogMessage& message,
                                                const SnapshotPart& part,
                                                const std::string& log_id,
                                                bool gap);
  // Writes `batch`, made by a writer of `writer_schema_version`, with
  // `position`, then re-reads the head.
  absl::Status Write(rocksdb::WriteBatch* batch,
                     const storage::LogPosition& position,
                     uint32_t writer_schema_version = storage::kSchemaVersion);
  storage::LogPosition PositionAt(const LogMessage& message,
                                  const std::string& log_id) const;

  storage::Store* const store_;
  const Options options_;

  bool initialized_ = false;
  storage::LogPosition position_;
  storage::StoreHead head_;
  uint64_t last_seen_ = 0;

  // A snapshot being loaded into the empty store: its next part.
  bool loading_ = false;
  uint32_t loading_next_part_ = 0;
  // Parts written so far, and the slices of the batch being received.
  uint32_t loading_applied_parts_ = 0;
  std::string loading_batch_;
  // The log the snapshot being loaded belongs to.
  std::string loading_log_id_;
  // The head the snapshot being loaded wrote, checked at its last part.
  std::optional<storage::StoreHead> loading_head_;

  // The parts of a commit received so far (pending_parts_ == 0: none).
  uint64_t pending_commit_ = 0;
  uint32_t pending_parts_ = 0;
  uint32_t pending_part_count_ = 0;
  bool pending_erasure_ = false;
  BatchEncoding pending_encoding_ = BATCH_ENCODING_RAW;
  uint64_t pending_batch_bytes_ = 0;
  uint32_t pending_schema_version_ = 0;
  std::string pending_batch_;
};

}  // namespace factstore::replication

#endif  // FACTSTORE_REPLICATION_LOG_APPLIER_H_
