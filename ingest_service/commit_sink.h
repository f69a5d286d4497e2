// CommitSink: where the committer's write batches go.
//
// Embedded mode writes each group's batch to the store (StoreCommitSink).
// Replicated mode appends it to the commit log first and then applies it
// (LogCommitSink, ingest_service/log_commit_sink.h): there another writer
// may have moved the log since the group was built, and the committer then
// catches up and builds the group again.
//
// Used by the committer thread only.
#ifndef FACTSTORE_INGEST_SERVICE_COMMIT_SINK_H_
#define FACTSTORE_INGEST_SERVICE_COMMIT_SINK_H_

#include <cstdint>
#include <memory>
#include <optional>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "storage/commit_batch.h"
#include "storage/erasure_compactor.h"
#include "storage/records.pb.h"
#include "storage/store.h"

namespace factstore::ingest {

class CommitSink {
 public:
  virtual ~CommitSink() = default;

  // Makes commit `commit` (`batch`, built on the head the committer knows)
  // durable and visible in the store. `erasure`: the group erases an entity.
  // Errors:
  //   ABORTED: the store moved under the group (another writer committed);
  //     nothing of it was written. Call CatchUp and build the group again.
  //   UNAVAILABLE: not written, or (replicated mode) not known whether the
  //     log has it; the clients are told to retry.
  //   other: not written.
  virtual absl::Status Write(storage::CommitBatch& batch, uint64_t commit,
                             bool erasure) = 0;

  // After ABORTED: brings the store up to date and returns its head.
  virtual absl::StatusOr<storage::StoreHead> CatchUp() = 0;

  // The store's head if others than the committer write to it (replicated
  // mode: what the replica applied from the log); nullopt when only the
  // committer writes, whose own head is then current.
  virtual std::optional<storage::StoreHead> ForeignHead() {
    return std::nullopt;
  }
};

// Embedded mode: the store is the only copy. After an erasure it is
// compacted in the background, so that the erased data leaves its files.
class StoreCommitSink : public CommitSink {
 public:
  // `store` must outlive the sink. With `sync`, every commit is fsynced.
  StoreCommitSink(storage::Store* store, bool sync)
      : store_(store), sync_(sync) {}

  absl::Status Write(storage::CommitBatch& batch, uint64_t commit,
                     bool erasure) override {
    absl::Status written = store_->Write(batch, sync_);
    if (!written.ok()) {
      // A RocksDB write batch is all or nothing.
      return absl::Status(written.code(), absl::StrCat("nothing was written: ",
                                                       written.message()));
    }
    if (erasure) {
      if (compactor_ == nullptr) {
        compactor_ = std::make_unique<storage::ErasureCompactor>(store_);
      }
      compactor_->Request();
    }
    return written;
  }
  absl::StatusOr<storage::StoreHead> CatchUp() override {
    return store_->ReadHead();
  }

 private:
  storage::Store* const store_;
  const bool sync_;
  // Made at the first erasure; the committer thread only.
  std::unique_ptr<storage::ErasureCompactor> compactor_;
};

}  // namespace factstore::ingest

#endif  // FACTSTORE_INGEST_SERVICE_COMMIT_SINK_H_
