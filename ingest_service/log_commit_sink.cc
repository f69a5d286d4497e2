#include "ingest_service/log_commit_sink.h"

#include "absl/time/clock.h"
#include "server/log.h"

namespace factstore::ingest {

absl::Status LogCommitSink::Write(storage::CommitBatch& batch, uint64_t commit,
                                  bool erasure) {
  absl::Status appended = replica_->AppendCommit(batch.Seal(), commit, erasure);
  if (!appended.ok()) return appended;
  if (erasure || (replica_->compaction_pending() &&
                  absl::Now() >= next_compaction_retry_)) {
    // The erasure is committed either way; if the log cannot be compacted
    // now, the next commit (or the next leader) tries again.
    absl::Status compacted = replica_->CompactLog();
    if (!compacted.ok()) {
      next_compaction_retry_ = absl::Now() + absl::Minutes(1);
      server::Log(server::LogLevel::kError,
                  "could not compact the commit log after an erasure; the "
                  "erased data stays in the log until a later compaction",
                  {{"error", std::string(compacted.message())}});
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<storage::StoreHead> LogCommitSink::CatchUp() {
  absl::Status caught_up = replica_->CatchUp(absl::Now() + catch_up_timeout_);
  if (!caught_up.ok()) return caught_up;
  return replica_->status().head;
}

}  // namespace factstore::ingest
