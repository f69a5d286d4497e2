// Expiry of request ids.
//
// A write's request_id is kept (kRequests) so that a retry is answered from
// the first result instead of writing again. Kept forever, those records
// would grow with every request ever made; after --request_id_retention
// they are deleted, through the committer like every write (so that in
// replicated mode the deletion is in the commit log too). A retry later than
// the retention is treated as a new request.
#ifndef FACTSTORE_INGEST_SERVICE_REQUEST_EXPIRY_H_
#define FACTSTORE_INGEST_SERVICE_REQUEST_EXPIRY_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "ingest_service/write_op.h"
#include "storage/store.h"

namespace factstore::ingest {

// Most request ids one commit deletes; the rest go in the next sweep.
inline constexpr int kMaxExpiredPerCommit = 10000;

// True if `store` holds a request id recorded before `cutoff` (a read-only
// scan, to learn whether a commit is needed at all).
absl::StatusOr<bool> HasRequestIdsBefore(const storage::Store& store,
                                         absl::Time cutoff);

// Deletes the request ids recorded more than `retention` before its commit's
// time, at most kMaxExpiredPerCommit.
class ExpireRequestIdsOp : public WriteOp {
 public:
  explicit ExpireRequestIdsOp(absl::Duration retention)
      : retention_(retention) {}

  absl::Status Apply(CommitContext& ctx) override;
  absl::Status Replay(const storage::RequestRecord& record,
                      CommitContext& ctx) override;
  void RecordItems(storage::RequestRecord*) const override {}
  void Done(const absl::Status& status,
            const std::string& commit_token) override;
  int weight() const override { return 1; }
  const char* method() const override { return "ExpireRequestIds"; }

 private:
  const absl::Duration retention_;
  int expired_ = 0;
};

}  // namespace factstore::ingest

#endif  // FACTSTORE_INGEST_SERVICE_REQUEST_EXPIRY_H_
