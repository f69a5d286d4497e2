#include "replication/log_applier.h"

#include <optional>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "common/sha256.h"
#include "common/status_macros.h"
#include "replication/batch_compression.h"
#include "rocksdb/write_batch.h"
#include "server/log.h"
#include "storage/column_families.h"
#include "storage/key_codec.h"

namespace factstore::replication {
namespace {

// RocksDB's write batch representation starts with an 8-byte sequence and a
// 4-byte count; anything shorter is not a batch.
constexpr size_t kWriteBatchHeaderBytes = 12;

std::string ShortId(const std::string& log_id) {
  return absl::BytesToHexString(log_id.substr(0, 8));
}

// Reads a write batch from the log before it reaches the store: every
// record must parse and name a column family of this schema, the batch may
// not set the replica's own log position nor delete a range in a family
// that takes none (storage::TakesRangeDeletions), and the head it writes (if
// any) is kept for the caller to check. RocksDB would otherwise log a
// damaged batch and then refuse it half-way.
class BatchInspector : public rocksdb::WriteBatch::Handler {
 public:
  rocksdb::Status PutCF(uint32_t cf, const rocksdb::Slice& key,
                        const rocksdb::Slice& value) override {
    if (rocksdb::Status s = CheckFamily(cf); !s.ok()) return s;
    if (cf == static_cast<uint32_t>(storage::ColumnFamily::kMeta)) {
      absl::string_view k(key.data(), key.size());
      if (k == storage::kLogPositionKey) {
        return rocksdb::Status::InvalidArgument(
            "the batch sets a log position");
      }
      if (k == storage::kHeadKey) {
        head_.emplace();
        if (!head_->ParseFromArray(value.data(),
                                   static_cast<int>(value.size()))) {
          return rocksdb::Status::Corruption("the batch's head does not parse");
        }
      }
    }
    return rocksdb::Status::OK();
  }
  rocksdb::Status DeleteCF(uint32_t cf, const rocksdb::Slice&) override {
    return CheckFamily(cf);
  }
  rocksdb::Status SingleDeleteCF(uint32_t cf, const rocksdb::Slice&) override {
    return CheckFamily(cf);
  }
  rocksdb::Status DeleteRangeCF(uint32_t cf, const rocksdb::Slice&,
                                const rocksdb::Slice&) override {
    if (rocksdb::Status s = CheckFamily(cf); !s.ok()) return s;
    const auto family = static_cast<storage::ColumnFamily>(cf);
    if (!storage::TakesRangeDeletions(family)) {
      return rocksdb::Status::InvalidArgument(
          absl::StrCat("the batch deletes a range of column family ",
                       storage::ColumnFamilyName(family),
                       ", which takes no range deletions"));
    }
    return rocksdb::Status::OK();
  }
  rocksdb::Status MergeCF(uint32_t, const rocksdb::Slice&,
                          const rocksdb::Slice&) override {
    return rocksdb::Status::InvalidArgument("factstore batches never merge");
  }
  void LogData(const rocksdb::Slice&) override {}

  // The head the batch writes, if it writes one.
  const std::optional<storage::StoreHead>& head() const { return head_; }

 private:
  static rocksdb::Status CheckFamily(uint32_t cf) {
    if (cf >= static_cast<uint32_t>(storage::kColumnFamilyCount)) {
      return rocksdb::Status::InvalidArgument(
          absl::StrCat("the batch writes to unknown column family ", cf));
    }
    return rocksdb::Status::OK();
  }
  std::optional<storage::StoreHead> head_;
};

// The write batch representation of `data` in `encoding`.
absl::StatusOr<std::string> DecodeBatch(std::string data,
                                        BatchEncoding encoding,
                                        uint64_t batch_bytes) {
  switch (encoding) {
    case BATCH_ENCODING_RAW:
      return data;
    case BATCH_ENCODING_LZ4:
      return DecompressBatch(data, batch_bytes);
    default:
      return absl::InvalidArgumentError(
          absl::StrCat("batch encoding ", static_cast<int>(encoding),
                       " is unknown to this build; upgrade this server"));
  }
}

// Checks `batch` (see BatchInspector); returns the head it writes.
absl::StatusOr<std::optional<storage::StoreHead>> InspectBatch(
    const rocksdb::WriteBatch& batch) {
  if (batch.GetDataSize() < kWriteBatchHeaderBytes) {
    return absl::InvalidArgumentError("not a write batch");
  }
  BatchInspector inspector;
  rocksdb::Status s = batch.Iterate(&inspector);
  if (!s.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("not a write batch this store can apply: ", s.ToString()));
  }
  return inspector.head();
}

}  // namespace

std::string EntryDigest(const std::string& payload) {
  return DigestBytes(Sha256(payload), 16);
}

absl::StatusOr<bool> LogApplier::NeedsRebuild(const storage::Store& store) {
  absl::StatusOr<storage::LogPosition> position = store.ReadLogPosition();
  if (position.ok()) return position->snapshot_incomplete();
  if (!absl::IsNotFound(position.status())) return position.status();
  return false;
}

absl::StatusOr<std::unique_ptr<LogApplier>> LogApplier::Create(
    storage::Store* store, Options options) {
  if (!store->is_primary()) {
    return absl::FailedPreconditionError(
        "a log replica's store must be a primary");
  }
  if (!store->HasCanonicalColumnFamilyIds()) {
    return absl::FailedPreconditionError(absl::StrCat(
        store->path(),
        ": the store's column families were not created "
        "together, so write batches from the log would land in the wrong "
        "ones; start this replica on an empty directory"));
  }
  std::unique_ptr<LogApplier> applier(new LogApplier(store, options));
  absl::StatusOr<storage::LogPosition> position = store->ReadLogPosition();
  if (position.ok()) {
    if (position->snapshot_incomplete()) {
      return absl::FailedPreconditionError(
          absl::StrCat(store->path(),
                       " holds a snapshot that stopped loading half-way; "
                       "it must be deleted and loaded again"));
    }
    applier->position_ = *std::move(position);
    applier->last_seen_ = applier->position_.sequence();
    FS_ASSIGN_OR_RETURN(applier->head_, store->ReadHead());
    applier->initialized_ = true;
    return applier;
  }
  if (!absl::IsNotFound(position.status())) return position.status();
  FS_ASSIGN_OR_RETURN(bool empty, store->IsEmpty());
  if (!empty) {
    return absl::FailedPreconditionError(absl::StrCat(
        store->path(),
        " holds a store that is not a view of a commit log (an "
        "embedded-mode store?); a replica needs an empty directory"));
  }
  return applier;
}

storage::LogPosition LogApplier::PositionAt(const LogMessage& message,
                                            const std::string& log_id) const {
  storage::LogPosition position = position_;
  position.set_log_id(log_id);
  position.set_sequence(message.sequence);
  position.set_entry_digest(EntryDigest(message.payload));
  position.set_entry_time_micros(message.time_micros);
  position.set_snapshot_incomplete(false);
  return position;
}

absl::Status LogApplier::Write(rocksdb::WriteBatch* batch,
                               const storage::LogPosition& position,
                               uint32_t writer_schema_version) {
  FS_RETURN_IF_ERROR(
      store_->Apply(batch, &position, options_.sync, writer_schema_version));
  position_ = position;
  absl::StatusOr<storage::StoreHead> head = store_->ReadHead();
  if (head.ok()) {
    head_ = *std::move(head);
  } else if (!absl::IsNotFound(head.status())) {
    return head.status();
  }
  return absl::OkStatus();
}

absl::Status LogApplier::ClearPendingCompaction() {
  if (position_.pending_compaction() == 0) return absl::OkStatus();
  storage::LogPosition position = position_;
  position.set_pending_compaction(0);
  rocksdb::WriteBatch empty;
  return Write(&empty, position);
}

absl::StatusOr<ApplyResult> LogApplier::Apply(const LogMessage& message) {
  absl::StatusOr<ApplyResult> result = ApplyMessage(message);
  if (!result.ok()) {
    // Whatever was buffered is dropped: the caller reads again from the
    // entry after the position.
    last_seen_ = position_.sequence();
    pending_parts_ = 0;
    pending_batch_.clear();
    if (loading_batch_.size() > 0) {
      // Slices of a snapshot batch: the next read starts after the last
      // applied batch, at the first of them.
      loading_batch_.clear();
      loading_next_part_ = loading_applied_parts_;
    }
  }
  return result;
}

absl::StatusOr<ApplyResult> LogApplier::ApplyMessage(
    const LogMessage& message) {
  if (message.sequence <= last_seen_) return ApplyResult();  // redelivered
  LogEntry entry;
  if (!entry.ParseFromString(message.payload)) {
    return absl::DataLossError(
        absl::StrCat("log entry ", message.sequence, " does not parse"));
  }
  if (initialized_ && entry.log_id() != position_.log_id()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "log entry ", message.sequence, " belongs to log ",
        ShortId(entry.log_id()), ", but this store follows log ",
        ShortId(position_.log_id()),
        ": the stream was deleted and created again, or another deployment "
        "writes to it"));
  }
  // Entries of a newer writer may hold records this build would misread (as
  // version 5 builds, which lack this check, read version 6 postings without
  // their derived ids): the replica stops until it is upgraded.
  const uint32_t writer_version =
      entry.has_commit()     ? entry.commit().schema_version()
      : entry.has_snapshot() ? entry.snapshot().schema_version()
                             : 0;
  if (writer_version > storage::kSchemaVersion) {
    return absl::FailedPreconditionError(
        absl::StrCat("log entry ", message.sequence,
                     " was written by a server of schema version ",
                     writer_version, "; this build reads up to version ",
                     storage::kSchemaVersion, ": upgrade this server"));
  }
  bool gap = message.sequence != last_seen_ + 1;
  switch (entry.body_case()) {
    case LogEntry::kCommit:
      if (!initialized_ || gap) {
        return absl::OutOfRangeError(absl::StrCat(
            "log entry ", message.sequence, " follows entry ",
            message.sequence - 1, ", which this store has not seen (it has ",
            last_seen_,
            "): the entries between were compacted out of the "
            "log; the store must be loaded again from the log's snapshot"));
      }
      return ApplyCommitPart(message, entry.commit(), entry.log_id());
    case LogEntry::kSnapshot:
      return ApplySnapshotPart(message, entry.snapshot(), entry.log_id(), gap);
    case LogEntry::BODY_NOT_SET:
      break;
  }
  return absl::FailedPreconditionError(absl::StrCat(
      "log entry ", message.sequence,
      " has a kind this build does not know; upgrade this server"));
}

absl::StatusOr<ApplyResult> LogApplier::ApplyCommitPart(
    const LogMessage& message, const CommitPart& part,
    const std::string& log_id) {
  // Parts of a commit arrive one after the other; anything else ends the
  // commit in progress, which its writer never finished (and never
  // acknowledged): it is discarded whole.
  bool continues = pending_parts_ > 0 && part.commit() == pending_commit_ &&
                   part.part() == pending_parts_ &&
                   part.part_count() == pending_part_count_;
  if (pending_parts_ > 0 && !continues) {
    server::Log(server::LogLevel::kWarning,
                "discarding an incomplete commit from the log",
                {{"commit", pending_commit_},
                 {"parts_seen", static_cast<int64_t>(pending_parts_)},
                 {"parts", static_cast<int64_t>(pending_part_count_)}});
    pending_parts_ = 0;
    pending_batch_.clear();
  }
  if (!continues) {
    if (part.part() != 0 || part.part_count() == 0) {
      // The rest of a commit whose start was discarded.
      last_seen_ = message.sequence;
      return ApplyResult();
    }
    pending_commit_ = part.commit();
    pending_part_count_ = part.part_count();
    pending_erasure_ = part.erasure();
    pending_encoding_ = part.encoding();
    pending_batch_bytes_ = part.batch_bytes();
    pending_schema_version_ = part.schema_version();
  }
  pending_batch_.append(part.batch());
  ++pending_parts_;
  if (pending_parts_ < pending_part_count_) {
    last_seen_ = message.sequence;
    return ApplyResult();
  }

  // The commit is complete.
  std::string rep = std::move(pending_batch_);
  pending_batch_.clear();
  pending_parts_ = 0;
  uint64_t commit = pending_commit_;
  auto fail = [&](std::string why) {
    return absl::FailedPreconditionError(absl::StrCat(
        "log entry ", message.sequence, " (commit ", commit, "): ", why));
  };
  if (commit != head_.last_commit() + 1) {
    return fail(absl::StrCat("this store's last commit is ",
                             head_.last_commit(), ", so the next must be ",
                             head_.last_commit() + 1,
                             "; two writers forked the history"));
  }
  absl::StatusOr<std::string> decoded =
      DecodeBatch(std::move(rep), pending_encoding_, pending_batch_bytes_);
  if (!decoded.ok()) return fail(std::string(decoded.status().message()));
  rep = *std::move(decoded);
  if (rep.size() < kWriteBatchHeaderBytes) return fail("not a write batch");
  rocksdb::WriteBatch batch(std::move(rep));
  absl::StatusOr<std::optional<storage::StoreHead>> head = InspectBatch(batch);
  if (!head.ok()) return fail(std::string(head.status().message()));
  if (!head->has_value() || (*head)->last_commit() != commit) {
    return fail("the batch does not move the store's head to its commit");
  }
  storage::LogPosition position = PositionAt(message, log_id);
  if (pending_erasure_) position.set_pending_compaction(message.sequence);
  FS_RETURN_IF_ERROR(Write(&batch, position, pending_schema_version_));
  last_seen_ = message.sequence;
  ApplyResult result;
  result.commit = commit;
  result.erasure = pending_erasure_;
  return result;
}

absl::StatusOr<ApplyResult> LogApplier::ApplySnapshotPart(
    const LogMessage& message, const SnapshotPart& part,
    const std::string& log_id, bool gap) {
  if (initialized_) {
    // The store already has the snapshot's state, or it is behind it with
    // the entries between compacted away.
    if (part.base_sequence() > position_.sequence() ||
        (gap && part.part() != 0)) {
      return absl::OutOfRangeError(absl::StrCat(
          "the log was compacted behind a snapshot of entry ",
          part.base_sequence(), ", but this store has only applied up to ",
          position_.sequence(), "; it must be loaded again from the snapshot"));
    }
    // Also ends a commit that never got all its parts.
    pending_parts_ = 0;
    pending_batch_.clear();
    last_seen_ = message.sequence;
    if (!part.last()) return ApplyResult();
    // Moves the position past the snapshot, so that a later restart starts
    // reading after it. A pending compaction stays pending: the snapshot
    // is only half of it, until the entries before it are purged
    // (ClearPendingCompaction).
    storage::LogPosition position = PositionAt(message, log_id);
    rocksdb::WriteBatch empty;
    FS_RETURN_IF_ERROR(Write(&empty, position));
    return ApplyResult();
  }

  // Loading into the empty store, from its first part, all of one log.
  bool next = loading_ ? (!gap && part.part() == loading_next_part_ &&
                          log_id == loading_log_id_)
                       : part.part() == 0;
  if (!next) {
    return absl::OutOfRangeError(absl::StrCat(
        "log entry ", message.sequence, " is part ", part.part(),
        " of a snapshot, not the part this store needs next (",
        loading_ ? loading_next_part_ : 0,
        "): the snapshot being loaded was compacted away; start again from "
        "the log's first entry"));
  }
  if (part.part() == 0) loading_log_id_ = log_id;
  loading_batch_.append(part.batch());
  if (!part.batch_ends() && !part.last()) {
    // A slice of a batch larger than one message: wait for the rest.
    last_seen_ = message.sequence;
    loading_ = true;
    loading_next_part_ = part.part() + 1;
    return ApplyResult();
  }
  absl::StatusOr<std::string> decoded = DecodeBatch(
      std::move(loading_batch_), part.encoding(), part.batch_bytes());
  loading_batch_.clear();
  if (!decoded.ok()) {
    return absl::FailedPreconditionError(
        absl::StrCat("log entry ", message.sequence,
                     " (snapshot): ", decoded.status().message()));
  }
  if (decoded->size() < kWriteBatchHeaderBytes) {
    return absl::FailedPreconditionError(
        absl::StrCat("log entry ", message.sequence, " holds no write batch"));
  }
  rocksdb::WriteBatch batch(*std::move(decoded));
  absl::StatusOr<std::optional<storage::StoreHead>> head = InspectBatch(batch);
  if (!head.ok()) {
    return absl::FailedPreconditionError(
        absl::StrCat("log entry ", message.sequence,
                     " (snapshot): ", head.status().message()));
  }
  if (head->has_value()) loading_head_ = **head;
  if (part.last() && (!loading_head_.has_value() ||
                      loading_head_->last_commit() != part.commit())) {
    // Nothing is written: the store stays incomplete, to be loaded again.
    return absl::FailedPreconditionError(
        absl::StrCat("the snapshot ending at log entry ", message.sequence,
                     " was of commit ", part.commit(), " but holds ",
                     loading_head_.has_value()
                         ? absl::StrCat("commit ", loading_head_->last_commit())
                         : std::string("no head")));
  }
  storage::LogPosition position = PositionAt(message, log_id);
  position.set_snapshot_incomplete(!part.last());
  position.set_pending_compaction(0);
  FS_RETURN_IF_ERROR(Write(&batch, position, part.schema_version()));
  last_seen_ = message.sequence;
  loading_ = !part.last();
  loading_next_part_ = part.part() + 1;
  loading_applied_parts_ = loading_next_part_;
  ApplyResult result;
  if (part.last()) {
    initialized_ = true;
    result.snapshot_loaded = true;
    server::Log(server::LogLevel::kInfo, "loaded the log's snapshot",
                {{"log", ShortId(log_id)},
                 {"sequence", message.sequence},
                 {"commit", part.commit()}});
  }
  return result;
}

}  // namespace factstore::replication
