// ChangeReader: what one WatchFacts stream reads from the commit log, without
// the stream: its position, its filters, and the events of the commits after
// that position, a response at a time. The reactor around it (change_feed.h)
// only schedules turns, writes responses and finishes the call.
//
//   ChangeReader reader(store, "place:da-nang", "");
//   FS_RETURN_IF_ERROR(reader.Seek(request.after(), visible));
//   v1::WatchFactsResponse response;
//   FS_ASSIGN_OR_RETURN(bool more, reader.Read(visible, 256, &response));
//   response.set_resume_token(reader.ResumeToken());
//
// Positions are (commit, number of that commit's changes already read), so
// that resuming from a resume token reads every later change exactly once,
// whatever the filters. Not thread-safe: one watch's turns run one at a time.
#ifndef FACTSTORE_QUERY_SERVICE_CHANGE_READER_H_
#define FACTSTORE_QUERY_SERVICE_CHANGE_READER_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "factstore/v1/query_service.pb.h"
#include "query_service/mention_documents.h"
#include "storage/records.pb.h"
#include "storage/store.h"

namespace factstore::query {

// Most events in one WatchFactsResponse.
inline constexpr int kMaxEventsPerResponse = 100;

class ChangeReader {
 public:
  // Reads `store`, which must outlive this. An empty `subject` or
  // `predicate_prefix` does not filter; `kinds` are those to deliver, empty
  // meaning the changes to facts and the erasures (WatchFactsRequest.kinds).
  // REQUIRES: every kind is a ChangeKind other than UNSPECIFIED.
  ChangeReader(const storage::Store* store, std::string subject,
               std::string predicate_prefix,
               const std::vector<v1::ChangeKind>& kinds = {});

  // Sets the position: right after resume token `after`, or, when it is
  // empty, after commit `latest`. Returns INVALID_ARGUMENT (field "after")
  // for a token that is malformed or of another store.
  absl::Status Seek(const std::string& after, uint64_t latest);

  // Adds to `response` the events of the changes after the position that
  // match the filters, in commit order, from commits up to `visible`, and
  // moves the position past what it read. Stops when the response holds
  // kMaxEventsPerResponse events or after `max_commits` commits. Returns
  // true when it stopped at one of those bounds (there may be more to
  // read), false when it read everything visible; the store's error if a
  // read failed: the events read before it are then lost with `response`,
  // and the watch must resume from the last resume token it sent.
  // REQUIRES: Seek succeeded.
  absl::StatusOr<bool> Read(uint64_t visible, int max_commits,
                            v1::WatchFactsResponse* response);

  // The resume token of the current position. REQUIRES: Seek succeeded.
  std::string ResumeToken() const;

  // The commit the next read starts in.
  uint64_t next_commit() const { return next_commit_; }

 private:
  bool Matches(const storage::Change& change) const;
  // Adds the matching changes of `record` (the commit at next_commit_) from
  // next_offset_ on to `response`. Returns true when the commit is done
  // (next_commit_ moves past it), false when the response filled first.
  absl::StatusOr<bool> Deliver(const storage::CommitRecord& record,
                               v1::WatchFactsResponse* response);
  // The event of `change`, unless what it changed has been erased since;
  // `documents` fills in its mentions as of `record`'s commit.
  absl::StatusOr<std::optional<v1::ChangeEvent>> EventOf(
      const storage::CommitRecord& record, const storage::Change& change,
      MentionDocuments& documents) const;

  const storage::Store* const store_;
  const std::string subject_;
  const std::string predicate_prefix_;
  // Bit k set: deliver public ChangeKind k.
  uint32_t kinds_ = 0;
  uint64_t next_commit_ = 0;
  uint32_t next_offset_ = 0;
  // The commit a full response left off in: a commit may hold tens of
  // thousands of changes, read once rather than once per response.
  std::optional<storage::CommitRecord> partial_;
};

}  // namespace factstore::query

#endif  // FACTSTORE_QUERY_SERVICE_CHANGE_READER_H_
