// LogCommitSink: the committer's sink in replicated mode. Each group's write
// batch is appended to the commit log (JetStream acknowledges once a quorum
// of its servers has it) and applied to the local store before the clients
// hear back. After an erasure, the log is compacted behind a snapshot, so
// that no copy of the erased data stays in it.
#ifndef FACTSTORE_INGEST_SERVICE_LOG_COMMIT_SINK_H_
#define FACTSTORE_INGEST_SERVICE_LOG_COMMIT_SINK_H_

#include "absl/time/time.h"
#include "ingest_service/commit_sink.h"
#include "replication/log_replica.h"

namespace factstore::ingest {

class LogCommitSink : public CommitSink {
 public:
  // `replica` must outlive the sink.
  explicit LogCommitSink(replication::LogReplica* replica,
                         absl::Duration catch_up_timeout = absl::Seconds(30))
      : replica_(replica), catch_up_timeout_(catch_up_timeout) {}

  absl::Status Write(storage::CommitBatch& batch, uint64_t commit,
                     bool erasure) override;
  absl::StatusOr<storage::StoreHead> CatchUp() override;
  std::optional<storage::StoreHead> ForeignHead() override {
    return replica_->status().head;
  }

 private:
  replication::LogReplica* const replica_;
  const absl::Duration catch_up_timeout_;
  // A compaction that failed is tried again with a later commit, at most
  // this often.
  absl::Time next_compaction_retry_ = absl::InfinitePast();
};

}  // namespace factstore::ingest

#endif  // FACTSTORE_INGEST_SERVICE_LOG_COMMIT_SINK_H_
