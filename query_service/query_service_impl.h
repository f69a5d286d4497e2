// QueryServiceImpl: factstore.v1.QueryService on gRPC's callback API.
//
// Each read decides the commit it reads at (query_service/read_target.h):
// with min_commit, or a page token or as_of newer than what the follower
// sees, it asks the follower to catch up and waits, asynchronously and
// within the call's deadline, never answering from an older state. The read
// itself is StoreQueries'.
#ifndef FACTSTORE_QUERY_SERVICE_QUERY_SERVICE_IMPL_H_
#define FACTSTORE_QUERY_SERVICE_QUERY_SERVICE_IMPL_H_

#include <functional>
#include <memory>

#include "absl/base/thread_annotations.h"
#include "absl/time/time.h"
#include "common/mutex.h"
#include "factstore/v1/query_service.grpc.pb.h"
#include "query_service/change_feed.h"
#include "query_service/read_target.h"
#include "query_service/store_follower.h"
#include "query_service/store_queries.h"
#include "server/auth.h"
#include "server/executor.h"

namespace factstore::query {

class QueryServiceImpl final : public v1::QueryService::CallbackService {
 public:
  // `follower` and `authorizer` (null: every caller allowed) must outlive
  // the service. `max_wait` bounds waits for a commit when the call has no
  // deadline; at most `max_watches` WatchFacts calls are open at once.
  QueryServiceImpl(StoreFollower* follower, absl::Duration max_wait,
                   int max_watches, server::Authorizer* authorizer);

  grpc::ServerUnaryReactor* GetEntity(grpc::CallbackServerContext* context,
                                      const v1::GetEntityRequest* request,
                                      v1::GetEntityResponse* response) override;
  grpc::ServerUnaryReactor* BatchGetEntities(
      grpc::CallbackServerContext* context,
      const v1::BatchGetEntitiesRequest* request,
      v1::BatchGetEntitiesResponse* response) override;
  grpc::ServerUnaryReactor* SearchEntities(
      grpc::CallbackServerContext* context,
      const v1::SearchEntitiesRequest* request,
      v1::SearchEntitiesResponse* response) override;
  grpc::ServerUnaryReactor* GetFact(grpc::CallbackServerContext* context,
                                    const v1::GetFactRequest* request,
                                    v1::GetFactResponse* response) override;
  grpc::ServerUnaryReactor* BatchGetFacts(
      grpc::CallbackServerContext* context,
      const v1::BatchGetFactsRequest* request,
      v1::BatchGetFactsResponse* response) override;
  grpc::ServerUnaryReactor* ListFacts(grpc::CallbackServerContext* context,
                                      const v1::ListFactsRequest* request,
                                      v1::ListFactsResponse* response) override;
  grpc::ServerUnaryReactor* ResolveValue(
      grpc::CallbackServerContext* context,
      const v1::ResolveValueRequest* request,
      v1::ResolveValueResponse* response) override;
  grpc::ServerUnaryReactor* ListPredicates(
      grpc::CallbackServerContext* context,
      const v1::ListPredicatesRequest* request,
      v1::ListPredicatesResponse* response) override;
  grpc::ServerWriteReactor<v1::WatchFactsResponse>* WatchFacts(
      grpc::CallbackServerContext* context,
      const v1::WatchFactsRequest* request) override;
  grpc::ServerUnaryReactor* GetStats(grpc::CallbackServerContext* context,
                                     const v1::GetStatsRequest* request,
                                     v1::GetStatsResponse* response) override;

 private:
  // A read at the commit it resolves to.
  using Read = std::function<absl::Status(const StoreQueries& queries,
                                          uint64_t commit)>;
  // Runs `read` once the target's commit is visible, then finishes the call.
  grpc::ServerUnaryReactor* Serve(grpc::CallbackServerContext* context,
                                  const v1::ReadOptions& options,
                                  const std::function<absl::Status(
                                      const StoreQueries&, ReadTarget*)>& pin,
                                  Read read);
  // OK, or why the caller may not read (every call needs the reader role).
  grpc::Status Authorize(const grpc::CallbackServerContext* context) const;
  // The queries over the follower's store, once it is open; null before.
  const StoreQueries* queries();

  StoreFollower* const follower_;
  const absl::Duration max_wait_;
  server::Authorizer* const authorizer_;
  // Runs the reads that had to wait for a commit: the follower releases
  // them on its own thread, which must get back to catching up.
  server::Executor waited_reads_{2};
  // WatchFacts calls, reading on a thread of their own.
  ChangeFeeds feeds_;
  Mutex mu_;
  std::unique_ptr<StoreQueries> queries_ ABSL_GUARDED_BY(mu_);
};

}  // namespace factstore::query

#endif  // FACTSTORE_QUERY_SERVICE_QUERY_SERVICE_IMPL_H_
