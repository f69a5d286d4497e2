#include "ingest_service/request_expiry.h"

#include "absl/strings/str_cat.h"
#include "server/log.h"
#include "storage/key_codec.h"

namespace factstore::ingest {
namespace {

// Calls `expired(request_id)` for each request id recorded before `cutoff`
// (Unix microseconds) until it returns false.
template <typename Visit>
absl::Status ForEachExpired(const storage::Store& store, int64_t cutoff,
                            Visit expired) {
  auto scan = store.ScanPrefix(storage::ColumnFamily::kRequests, "");
  for (; scan->Valid(); scan->Next()) {
    storage::RequestRecord record;
    if (!record.ParseFromArray(scan->value().data(),
                               static_cast<int>(scan->value().size()))) {
      return absl::DataLossError("a request record does not parse");
    }
    if (record.time_micros() >= cutoff) continue;
    std::string request_id;
    if (!storage::DecodeStringKey(scan->key(), &request_id)) {
      return absl::DataLossError("a request key does not parse");
    }
    if (!expired(request_id)) break;
  }
  return scan->status();
}

}  // namespace

absl::StatusOr<bool> HasRequestIdsBefore(const storage::Store& store,
                                         absl::Time cutoff) {
  bool found = false;
  absl::Status scanned = ForEachExpired(store, absl::ToUnixMicros(cutoff),
                                        [&found](const std::string&) {
                                          found = true;
                                          return false;
                                        });
  if (!scanned.ok()) return scanned;
  return found;
}

absl::Status ExpireRequestIdsOp::Apply(CommitContext& ctx) {
  expired_ = 0;
  int64_t cutoff = ctx.time_micros() - absl::ToInt64Microseconds(retention_);
  return ForEachExpired(ctx.store(), cutoff,
                        [&](const std::string& request_id) {
                          ctx.requests().Delete(request_id);
                          return ++expired_ < kMaxExpiredPerCommit;
                        });
}

absl::Status ExpireRequestIdsOp::Replay(const storage::RequestRecord&,
                                        CommitContext&) {
  return absl::InternalError("ExpireRequestIds has no request id");
}

void ExpireRequestIdsOp::Done(const absl::Status& status,
                              const std::string& commit_token) {
  if (!status.ok()) {
    server::Log(server::LogLevel::kWarning, "request ids did not expire",
                {{"error", std::string(status.message())}});
  } else if (expired_ > 0) {
    server::Log(server::LogLevel::kInfo, "request ids expired",
                {{"count", expired_}, {"commit", commit_token}});
  }
}

}  // namespace factstore::ingest
