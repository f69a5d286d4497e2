// QueryServiceImpl: factstore.v1.QueryService on gRPC's callback API.
//
// Each read decides the commit it reads at (query_service/read_target.h):
// with min_commit, or a page token or as_of newer than what the follower
// sees, it asks the follower to catch up and waits, asynchronously and
// within the call's deadline, never answering from an older state. The read
// itself is StoreQueries'.
//
// Work per call is bounded (docs/limits.md): every read ends at the call's
// deadline or ReadLimits::max_read_time, whichever comes first; reads
// admitted and not yet answered are capped; reads that scan (lists,
// searches, resolutions, batch gets) and reads released by a commit run on
// the service's read threads, never on gRPC's callback threads or the
// follower's; point reads that need no wait answer on the callback thread.
#ifndef FACTSTORE_QUERY_SERVICE_QUERY_SERVICE_IMPL_H_
#define FACTSTORE_QUERY_SERVICE_QUERY_SERVICE_IMPL_H_

#include <atomic>
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
#include "server/arena_message_allocator.h"
#include "server/auth.h"
#include "server/executor.h"

namespace factstore::query {

// How much one query service takes on (flags of the same names).
struct ReadLimits {
  // The server's deadline for a read, waiting for min_commit included; the
  // call's own deadline applies when it is sooner (--max_wait).
  absl::Duration max_read_time = absl::Seconds(30);
  // Reads admitted and not answered yet (waiting for a commit, queued for
  // or on a read thread); more get RESOURCE_EXHAUSTED (OVERLOADED).
  int max_pending_reads = 10000;
  // Threads that run scanning reads and reads released by a commit.
  int read_threads = 2;
  // How long a search (SearchEntities) may run on gRPC's callback thread
  // before it starts again on a read thread; most end well within it, and
  // save the hand-off. Zero: always on a read thread. At most 10 ms
  // (--inline_scan_time).
  absl::Duration inline_scan_time = absl::Microseconds(200);
  // Index entries one page or resolution may examine (StoreQueries).
  int64_t max_keys_per_read = kMaxKeysExaminedPerPage;
  // WatchFacts calls open at once; more get RESOURCE_EXHAUSTED.
  int max_watches = 1000;

  // INVALID_ARGUMENT naming the flag of a value out of range.
  absl::Status Validate() const;
};

class QueryServiceImpl final : public v1::QueryService::CallbackService {
 public:
  // `follower` and `authorizer` (null: every caller allowed) must outlive
  // the service. REQUIRES: limits.Validate() is OK.
  QueryServiceImpl(StoreFollower* follower, const ReadLimits& limits,
                   server::Authorizer* authorizer);

  // How many reads ran past limits.inline_scan_time on gRPC's thread and
  // started again on a read thread. Shared, so that a metrics collector may
  // outlive the service.
  std::shared_ptr<const std::atomic<int64_t>> reads_moved() const {
    return reads_moved_;
  }

  grpc::ServerUnaryReactor* GetEntity(grpc::CallbackServerContext* context,
                                      const v1::GetEntityRequest* request,
                                      v1::GetEntityResponse* response) override;
  grpc::ServerUnaryReactor* BatchGetEntities(
      grpc::CallbackServerContext* context,
      const v1::BatchGetEntitiesRequest* request,
      v1::BatchGetEntitiesResponse* response) override;
  grpc::ServerUnaryReactor* ListEntities(
      grpc::CallbackServerContext* context,
      const v1::ListEntitiesRequest* request,
      v1::ListEntitiesResponse* response) override;
  grpc::ServerUnaryReactor* LookupEntity(
      grpc::CallbackServerContext* context,
      const v1::LookupEntityRequest* request,
      v1::LookupEntityResponse* response) override;
  grpc::ServerUnaryReactor* BatchLookupEntities(
      grpc::CallbackServerContext* context,
      const v1::BatchLookupEntitiesRequest* request,
      v1::BatchLookupEntitiesResponse* response) override;
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
  grpc::ServerUnaryReactor* SearchFacts(
      grpc::CallbackServerContext* context,
      const v1::SearchFactsRequest* request,
      v1::SearchFactsResponse* response) override;
  grpc::ServerUnaryReactor* AggregateFacts(
      grpc::CallbackServerContext* context,
      const v1::AggregateFactsRequest* request,
      v1::AggregateFactsResponse* response) override;
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
  // A read at the commit it resolves to; long ones check `stop` as they go.
  using Read = std::function<absl::Status(
      const StoreQueries& queries, uint64_t commit, const StopCheck& stop)>;
  // Where a read that needs no wait runs: a point read on the callback
  // thread, a scan on a read thread. A short scan starts on the callback
  // thread; if it is still running after limits.inline_scan_time (its `stop`
  // says so, and it returns CANCELLED), its answer is reset and it runs
  // again, from the start, on a read thread.
  enum class Cost { kPoint, kShortScan, kScan };
  // Runs `read` once the target's commit is visible, then finishes the call.
  // `reset` clears what a stopped run of `read` left in the answer; a
  // kShortScan without one runs as a kScan.
  grpc::ServerUnaryReactor* Serve(
      grpc::CallbackServerContext* context, const v1::ReadOptions& options,
      Cost cost,
      const std::function<absl::Status(const StoreQueries&, ReadTarget*)>& pin,
      Read read, std::function<void()> reset = nullptr);
  // Counts a read in, unless max_pending_reads are pending.
  bool TryAdmit();
  // OK, or why the caller may not read (every call needs the reader role).
  grpc::Status Authorize(const grpc::CallbackServerContext* context) const;
  // The queries over the follower's store, once it is open; null before.
  const StoreQueries* queries();

  StoreFollower* const follower_;
  const ReadLimits limits_;
  server::Authorizer* const authorizer_;
  // Reads admitted and not finished.
  std::atomic<int> pending_reads_{0};
  // See reads_moved().
  const std::shared_ptr<std::atomic<int64_t>> reads_moved_ =
      std::make_shared<std::atomic<int64_t>>(0);
  // WatchFacts calls, reading on a thread of their own.
  ChangeFeeds feeds_;
  Mutex mu_;
  std::unique_ptr<StoreQueries> queries_ ABSL_GUARDED_BY(mu_);
  // queries_ once created (it never changes after), for reads to find
  // without taking mu_.
  std::atomic<const StoreQueries*> ready_queries_{nullptr};
  // The messages of the reads answered on one arena per call, onto which
  // they parse the stored records of their answers (StoreQueries::GetFact,
  // BatchGetFacts, ListFacts, SearchFacts, SearchEntities).
  server::ArenaMessageAllocator<v1::GetFactRequest, v1::GetFactResponse>
      get_fact_messages_;
  server::ArenaMessageAllocator<v1::BatchGetFactsRequest,
                                v1::BatchGetFactsResponse>
      batch_get_facts_messages_;
  server::ArenaMessageAllocator<v1::ListFactsRequest, v1::ListFactsResponse>
      list_facts_messages_;
  server::ArenaMessageAllocator<v1::SearchFactsRequest, v1::SearchFactsResponse>
      search_facts_messages_;
  server::ArenaMessageAllocator<v1::SearchEntitiesRequest,
                                v1::SearchEntitiesResponse>
      search_entities_messages_;
  // Runs scans, and the reads that had to wait for a commit: the follower
  // releases them on its own thread, which must get back to catching up.
  // Last: destroyed first, running what is queued while the rest is alive.
  server::Executor reads_;
};

}  // namespace factstore::query

#endif  // FACTSTORE_QUERY_SERVICE_QUERY_SERVICE_IMPL_H_
