// WatchFacts: the change feed, a server stream of changes to facts after a
// position in the commit log.
//
// The feed reads the commit log itself rather than buffering changes as they
// happen, so a slow consumer only falls behind in the log: the server holds
// at most one response per stream (and the rest of one commit it filled up
// in), and the next is built when the previous one has been written (flow
// control, not memory). Positions are (commit,
// number of changes of that commit already delivered), so resuming with the
// last resume_token delivers every later change exactly once, whatever the
// filters. Erased facts are scrubbed from the log and never replayed.
//
// Feeds read on threads of their own (ChangeFeeds' executor), never on the
// store follower's catch-up thread or on gRPC's callback threads: the
// follower only tells them that there may be more to read. A feed reads at
// most kMaxCommitsPerRead commits per turn (fewer when its response fills),
// then lets the others have theirs, so a watch resuming from far back delays
// no read and no other watch for long. The number of open watches is capped.
#ifndef FACTSTORE_QUERY_SERVICE_CHANGE_FEED_H_
#define FACTSTORE_QUERY_SERVICE_CHANGE_FEED_H_

#include <atomic>

#include "factstore/v1/query_service.pb.h"
#include "grpcpp/grpcpp.h"
#include "query_service/change_reader.h"
#include "query_service/store_follower.h"
#include "server/executor.h"

namespace factstore::query {

// Most commits one feed reads in one turn on the executor.
inline constexpr int kMaxCommitsPerRead = 256;

// The change feeds of one query service. Thread-safe. Must outlive every
// call it started (destroy it after the gRPC server has shut down).
class ChangeFeeds {
 public:
  // `follower` must outlive this. At most `max_watches` watches are open at
  // once; one thread, at a lower scheduling priority, reads for all of them.
  ChangeFeeds(StoreFollower* follower, int max_watches);

  // Creates the reactor of one WatchFacts call. It finishes at once with
  // `allowed` when that is not OK, with RESOURCE_EXHAUSTED (reason
  // TOO_MANY_WATCHES) when max_watches are open, with INVALID_ARGUMENT for a
  // bad request; it deletes itself when done.
  grpc::ServerWriteReactor<v1::WatchFactsResponse>* Start(
      const v1::WatchFactsRequest& request, const grpc::Status& allowed);

 private:
  friend class WatchReactor;
  // Counts a watch in, unless max_watches are open.
  bool TryOpen();
  void Close() { open_.fetch_sub(1); }

  StoreFollower* const follower_;
  const int max_watches_;
  std::atomic<int> open_{0};
  // Last: destroyed first, running what is queued while the rest is alive.
  server::Executor executor_;
};

}  // namespace factstore::query

#endif  // FACTSTORE_QUERY_SERVICE_CHANGE_FEED_H_
