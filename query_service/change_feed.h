// WatchFacts: the change feed, a server stream of changes to facts after a
// position in the commit log.
//
// The feed reads the commit log itself rather than buffering changes as they
// happen, so a slow consumer only falls behind in the log: the server holds
// at most one response per stream, and the next is built when the previous
// one has been written (flow control, not memory). Positions are (commit,
// number of changes of that commit already delivered), so resuming with the
// last resume_token delivers every later change exactly once, whatever the
// filters. Erased facts are scrubbed from the log and never replayed.
#ifndef FACTSTORE_QUERY_SERVICE_CHANGE_FEED_H_
#define FACTSTORE_QUERY_SERVICE_CHANGE_FEED_H_

#include "factstore/v1/query_service.pb.h"
#include "grpcpp/grpcpp.h"
#include "query_service/store_follower.h"

namespace factstore::query {

// Most events in one WatchFactsResponse.
inline constexpr int kMaxEventsPerResponse = 100;

// Creates the reactor of one WatchFacts call. It finishes at once with
// `allowed` when that is not OK, validates the request (finishing with
// INVALID_ARGUMENT if needed) and deletes itself when done.
grpc::ServerWriteReactor<v1::WatchFactsResponse>* StartWatch(
    StoreFollower* follower, const v1::WatchFactsRequest& request,
    const grpc::Status& allowed);

}  // namespace factstore::query

#endif  // FACTSTORE_QUERY_SERVICE_CHANGE_FEED_H_
