// WriteOp: one unit of work for the committer, usually one request (or one
// batch of a stream). The RPC thread prepares it (validation and
// normalization, which need no lock); the committer thread applies it to a
// group commit and then calls Done.
#ifndef FACTSTORE_INGEST_SERVICE_WRITE_OP_H_
#define FACTSTORE_INGEST_SERVICE_WRITE_OP_H_

#include <string>

#include "absl/status/status.h"
#include "google/protobuf/message.h"
#include "ingest_service/commit_context.h"
#include "storage/records.pb.h"

namespace factstore::ingest {

class WriteOp {
 public:
  virtual ~WriteOp() = default;

  // Applies the operation to the group: reads and writes through `ctx` and
  // records per-item results. A non-OK status fails the whole operation
  // (all_or_nothing with violations, a limit): the committer then undoes
  // what it wrote and passes the status to Done.
  virtual absl::Status Apply(CommitContext& ctx) = 0;

  // Rebuilds the response of the earlier request with the same request id
  // from its stored outcome, reading content through `ctx`.
  virtual absl::Status Replay(const storage::RequestRecord& record,
                              CommitContext& ctx) = 0;

  // Stores the per-item outcomes for Replay.
  virtual void RecordItems(storage::RequestRecord* record) const = 0;

  // Called exactly once on the committer thread: after the group is durable
  // (OK), or with the reason it failed. `commit_token` names the group's
  // commit, or the latest commit if nothing was written. An operation
  // submitted after the committer's Shutdown is refused at once on the
  // submitting thread instead (UNAVAILABLE, empty token): callers must not
  // submit while holding a lock that Done takes.
  virtual void Done(const absl::Status& status,
                    const std::string& commit_token) = 0;

  // How many items the operation carries, to size groups.
  virtual int weight() const = 0;

  // An exclusive operation is committed in a group of its own, so that what
  // it reads from the store is complete (erasure scans the indexes).
  virtual bool exclusive() const { return false; }

  // True if the operation erases data: in replicated mode the commit log is
  // then compacted so that no copy of it stays there.
  virtual bool erases() const { return false; }

  // Validate only: the committer undoes the operation after Apply.
  bool validate_only() const { return validate_only_; }
  // Optional idempotency key; the fingerprint identifies the request
  // without it (a retry must match).
  const std::string& request_id() const { return request_id_; }
  const std::string& fingerprint() const { return fingerprint_; }
  // The RPC name, stored with the request id.
  virtual const char* method() const = 0;

  void set_validate_only(bool v) { validate_only_ = v; }
  // Sets the request id and fingerprints `request` (which must have its
  // request id cleared).
  void set_request(const std::string& request_id,
                   const google::protobuf::Message& request);

 private:
  bool validate_only_ = false;
  std::string request_id_;
  std::string fingerprint_;
};

}  // namespace factstore::ingest

#endif  // FACTSTORE_INGEST_SERVICE_WRITE_OP_H_
