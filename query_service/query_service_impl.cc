#include "query_service/query_service_impl.h"

#include <chrono>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/errors.h"
#include "common/status_macros.h"
#include "google/protobuf/util/time_util.h"
#include "query_service/change_feed.h"
#include "server/status_conversion.h"

namespace factstore::query {
namespace {

using server::ToGrpcStatus;

using DecodedCursor = absl::StatusOr<std::optional<PageCursor>>;

// The pin step of a paged read: `decode` reads the request's page token into
// `*cursor` (none on a first page), and the read is pinned to the commit of
// the first page, so that every page of a listing reads one snapshot.
template <typename Decode>
auto PinToPageToken(std::shared_ptr<std::optional<PageCursor>> cursor,
                    Decode decode) {
  return [cursor = std::move(cursor), decode = std::move(decode)](
             const StoreQueries& q, ReadTarget* target) -> absl::Status {
    FS_ASSIGN_OR_RETURN(*cursor, decode(q));
    if (cursor->has_value()) target->Pin((*cursor)->commit());
    return absl::OkStatus();
  };
}

absl::Status NotReady() {
  return WithReason(absl::UnavailableError("the query service has not caught "
                                           "up with the store yet; retry "
                                           "shortly"),
                    reason::kReplicaBehind);
}

void FillReplicationStatus(const replication::ReplicaStatus& status,
                           v1::ReplicationStatus* out) {
  out->set_state(replication::ReplicaStateName(status.state));
  out->set_applied_sequence(status.position.sequence());
  out->set_log_last_sequence(status.log_last_sequence);
  out->set_entries_behind(status.entries_behind());
  out->set_nats_connected(status.nats_connected);
  if (status.log_read_at != absl::InfinitePast()) {
    out->set_log_read_age_seconds(
        absl::ToDoubleSeconds(absl::Now() - status.log_read_at));
  }
  out->set_error(status.error);
}

}  // namespace

absl::Status ReadLimits::Validate() const {
  if (max_read_time <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("--max_wait must be positive");
  }
  if (max_pending_reads < 1) {
    return absl::InvalidArgumentError("--max_pending_reads must be at least 1");
  }
  if (inline_scan_time < absl::ZeroDuration() ||
      inline_scan_time > absl::Milliseconds(10)) {
    return absl::InvalidArgumentError(
        "--inline_scan_time must be between 0 and 10ms");
  }
  if (read_threads < 1 || read_threads > 256) {
    return absl::InvalidArgumentError(
        "--read_threads must be between 1 and 256");
  }
  if (max_keys_per_read < 1) {
    return absl::InvalidArgumentError("--max_keys_per_read must be at least 1");
  }
  if (max_watches < 1) {
    return absl::InvalidArgumentError("--max_watches must be at least 1");
  }
  return absl::OkStatus();
}

QueryServiceImpl::QueryServiceImpl(StoreFollower* follower,
                                   const ReadLimits& limits,
                                   server::Authorizer* authorizer)
    : follower_(follower),
      limits_(limits),
      authorizer_(authorizer),
      feeds_(follower, limits.max_watches),
      reads_(limits.read_threads) {
  SetMessageAllocatorFor_GetFact(&get_fact_messages_);
  SetMessageAllocatorFor_BatchGetFacts(&batch_get_facts_messages_);
  SetMessageAllocatorFor_ListFacts(&list_facts_messages_);
  SetMessageAllocatorFor_SearchFacts(&search_facts_messages_);
  SetMessageAllocatorFor_SearchEntities(&search_entities_messages_);
}

bool QueryServiceImpl::TryAdmit() {
  if (pending_reads_.fetch_add(1) < limits_.max_pending_reads) return true;
  pending_reads_.fetch_sub(1);
  return false;
}

grpc::Status QueryServiceImpl::Authorize(
    const grpc::CallbackServerContext* context) const {
  return authorizer_ == nullptr
             ? grpc::Status::OK
             : authorizer_->Check(*context, server::Role::kReader);
}

const StoreQueries* QueryServiceImpl::queries() {
  if (const StoreQueries* ready =
          ready_queries_.load(std::memory_order_acquire)) {
    return ready;
  }
  MutexLock lock(&mu_);
  if (queries_ == nullptr) {
    const storage::Store* store = follower_->store();
    if (store == nullptr || !follower_->view().ready) return nullptr;
    queries_ = std::make_unique<StoreQueries>(store, limits_.max_keys_per_read,
                                              follower_->document_cache());
    ready_queries_.store(queries_.get(), std::memory_order_release);
  }
  return queries_.get();
}

grpc::ServerUnaryReactor* QueryServiceImpl::Serve(
    grpc::CallbackServerContext* context, const v1::ReadOptions& options,
    Cost cost,
    const std::function<absl::Status(const StoreQueries&, ReadTarget*)>& pin,
    Read read, std::function<void()> reset) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  if (grpc::Status denied = Authorize(context); !denied.ok()) {
    reactor->Finish(denied);
    return reactor;
  }
  const StoreQueries* queries = this->queries();
  if (queries == nullptr) {
    absl::Status failed = follower_->OpenFailure();
    reactor->Finish(ToGrpcStatus(failed.ok() ? NotReady() : failed));
    return reactor;
  }
  if (absl::Status failed = follower_->ReplicaFailure(); !failed.ok()) {
    reactor->Finish(ToGrpcStatus(failed));
    return reactor;
  }
  absl::StatusOr<ReadTarget> target =
      ParseReadOptions(options, queries->store().store_id(), "read_options");
  if (target.ok() && pin) {
    absl::Status pinned = pin(*queries, &*target);
    if (!pinned.ok()) target = pinned;
  }
  if (!target.ok()) {
    reactor->Finish(ToGrpcStatus(target.status()));
    return reactor;
  }
  if (!TryAdmit()) {
    reactor->Finish(ToGrpcStatus(WithReason(
        absl::ResourceExhaustedError(absl::StrCat(
            "this query service has ", limits_.max_pending_reads,
            " reads pending, its limit (--max_pending_reads); retry with "
            "backoff or on another replica")),
        reason::kOverloaded)));
    return reactor;
  }
  // The server's deadline, or the call's when it is sooner.
  const absl::Time deadline = std::min(absl::FromChrono(context->deadline()),
                                       absl::Now() + limits_.max_read_time);
  // Runs the read and finishes the call. Returns false, having finished
  // nothing, if the read stopped at `slice_end` (a short scan's time on the
  // callback thread) before the call's deadline.
  auto run = [this, reactor, queries, context, deadline, target = *target,
              read = std::move(read)](const absl::Status& waited,
                                      absl::Time slice_end) {
    absl::Status status = waited;
    // The follower is ready (queries exist), so this is its view's commit,
    // read without copying the view. It reads 0 only once a replica has
    // failed, which the follower records first and the check after reports.
    const uint64_t visible = follower_->visible_commit();
    if (status.ok()) status = follower_->ReplicaFailure();
    if (status.ok()) {
      absl::StatusOr<uint64_t> commit =
          ResolveReadCommit(queries->store(), target, visible);
      const absl::Time stop_at = std::min(deadline, slice_end);
      StopCheck stop = [context, stop_at] {
        return context->IsCancelled() || absl::Now() >= stop_at;
      };
      status = !commit.ok()              ? commit.status()
               : absl::Now() >= deadline ? absl::CancelledError("")
                                         : read(*queries, *commit, stop);
      if (absl::IsCancelled(status) && !context->IsCancelled()) {
        const absl::Time now = absl::Now();
        if (now >= slice_end && now < deadline) return false;
        status = absl::DeadlineExceededError(absl::StrCat(
            "the read ran out of time (the call's deadline, at most "
            "--max_wait=",
            absl::FormatDuration(limits_.max_read_time),
            "); narrow it or page with a smaller page_size"));
      }
    }
    // Counted out before the answer leaves: a client that sends its next
    // read on receiving it must find the room this one made.
    pending_reads_.fetch_sub(1);
    reactor->Finish(ToGrpcStatus(status));
    return true;
  };
  if (target->wait_for <= follower_->visible_commit()) {
    if (cost == Cost::kPoint) {
      run(absl::OkStatus(), absl::InfiniteFuture());
      return reactor;
    }
    if (cost == Cost::kShortScan && reset &&
        limits_.inline_scan_time > absl::ZeroDuration()) {
      if (run(absl::OkStatus(), absl::Now() + limits_.inline_scan_time)) {
        return reactor;
      }
      reset();
      reads_moved_->fetch_add(1, std::memory_order_relaxed);
    }
    reads_.Run([run = std::move(run)] {
      run(absl::OkStatus(), absl::InfiniteFuture());
    });
    return reactor;
  }
  follower_->WaitForCommit(
      target->wait_for, deadline,
      [this, run = std::move(run)](const absl::Status& waited) {
        reads_.Run([run, waited] { run(waited, absl::InfiniteFuture()); });
      });
  return reactor;
}

grpc::ServerUnaryReactor* QueryServiceImpl::GetEntity(
    grpc::CallbackServerContext* context, const v1::GetEntityRequest* request,
    v1::GetEntityResponse* response) {
  return Serve(context, request->read_options(), Cost::kPoint, nullptr,
               [request, response](const StoreQueries& q, uint64_t commit,
                                   const StopCheck&) {
                 return q.GetEntity(*request, commit, response);
               });
}

grpc::ServerUnaryReactor* QueryServiceImpl::BatchGetEntities(
    grpc::CallbackServerContext* context,
    const v1::BatchGetEntitiesRequest* request,
    v1::BatchGetEntitiesResponse* response) {
  return Serve(context, request->read_options(), Cost::kScan, nullptr,
               [request, response](const StoreQueries& q, uint64_t commit,
                                   const StopCheck&) {
                 return q.BatchGetEntities(*request, commit, response);
               });
}

grpc::ServerUnaryReactor* QueryServiceImpl::ListEntities(
    grpc::CallbackServerContext* context,
    const v1::ListEntitiesRequest* request,
    v1::ListEntitiesResponse* response) {
  auto cursor = std::make_shared<std::optional<PageCursor>>();
  return Serve(
      context, request->read_options(), Cost::kScan,
      PinToPageToken(cursor,
                     [request](const StoreQueries& q) -> DecodedCursor {
                       return q.ListEntitiesCursor(*request);
                     }),
      [request, response, cursor](const StoreQueries& q, uint64_t commit,
                                  const StopCheck& stop) {
        return q.ListEntities(*request, commit, *cursor, stop, response);
      });
}

grpc::ServerUnaryReactor* QueryServiceImpl::LookupEntity(
    grpc::CallbackServerContext* context,
    const v1::LookupEntityRequest* request,
    v1::LookupEntityResponse* response) {
  return Serve(context, request->read_options(), Cost::kScan, nullptr,
               [request, response](const StoreQueries& q, uint64_t commit,
                                   const StopCheck& stop) {
                 return q.LookupEntity(*request, commit, stop, response);
               });
}

grpc::ServerUnaryReactor* QueryServiceImpl::BatchLookupEntities(
    grpc::CallbackServerContext* context,
    const v1::BatchLookupEntitiesRequest* request,
    v1::BatchLookupEntitiesResponse* response) {
  return Serve(context, request->read_options(), Cost::kScan, nullptr,
               [request, response](const StoreQueries& q, uint64_t commit,
                                   const StopCheck& stop) {
                 return q.BatchLookupEntities(*request, commit, stop, response);
               });
}

grpc::ServerUnaryReactor* QueryServiceImpl::SearchEntities(
    grpc::CallbackServerContext* context,
    const v1::SearchEntitiesRequest* request,
    v1::SearchEntitiesResponse* response) {
  auto cursor = std::make_shared<std::optional<PageCursor>>();
  return Serve(
      context, request->read_options(), Cost::kShortScan,
      PinToPageToken(cursor,
                     [request](const StoreQueries& q) -> DecodedCursor {
                       return q.SearchEntitiesCursor(*request);
                     }),
      [request, response, cursor](const StoreQueries& q, uint64_t commit,
                                  const StopCheck& stop) {
        return q.SearchEntities(*request, commit, *cursor, stop, response);
      },
      [response] { response->Clear(); });
}

grpc::ServerUnaryReactor* QueryServiceImpl::GetFact(
    grpc::CallbackServerContext* context, const v1::GetFactRequest* request,
    v1::GetFactResponse* response) {
  return Serve(context, request->read_options(), Cost::kPoint, nullptr,
               [request, response](const StoreQueries& q, uint64_t commit,
                                   const StopCheck&) {
                 return q.GetFact(*request, commit, response);
               });
}

grpc::ServerUnaryReactor* QueryServiceImpl::BatchGetFacts(
    grpc::CallbackServerContext* context,
    const v1::BatchGetFactsRequest* request,
    v1::BatchGetFactsResponse* response) {
  return Serve(context, request->read_options(), Cost::kScan, nullptr,
               [request, response](const StoreQueries& q, uint64_t commit,
                                   const StopCheck&) {
                 return q.BatchGetFacts(*request, commit, response);
               });
}

grpc::ServerUnaryReactor* QueryServiceImpl::ListFacts(
    grpc::CallbackServerContext* context, const v1::ListFactsRequest* request,
    v1::ListFactsResponse* response) {
  auto cursor = std::make_shared<std::optional<PageCursor>>();
  return Serve(
      context, request->read_options(), Cost::kScan,
      PinToPageToken(cursor,
                     [request](const StoreQueries& q) -> DecodedCursor {
                       FS_RETURN_IF_ERROR(
                           StoreQueries::ValidateFilter(request->filter()));
                       return q.ListFactsCursor(*request);
                     }),
      [request, response, cursor](const StoreQueries& q, uint64_t commit,
                                  const StopCheck& stop) {
        return q.ListFacts(*request, commit, *cursor, stop, response);
      });
}

grpc::ServerUnaryReactor* QueryServiceImpl::SearchFacts(
    grpc::CallbackServerContext* context, const v1::SearchFactsRequest* request,
    v1::SearchFactsResponse* response) {
  auto cursor = std::make_shared<std::optional<PageCursor>>();
  return Serve(
      context, request->read_options(), Cost::kScan,
      PinToPageToken(cursor,
                     [request](const StoreQueries& q) -> DecodedCursor {
                       FS_RETURN_IF_ERROR(
                           StoreQueries::ValidateFilter(request->filter()));
                       return q.SearchFactsCursor(*request);
                     }),
      [request, response, cursor](const StoreQueries& q, uint64_t commit,
                                  const StopCheck& stop) {
        return q.SearchFacts(*request, commit, *cursor, stop, response);
      });
}

grpc::ServerUnaryReactor* QueryServiceImpl::AggregateFacts(
    grpc::CallbackServerContext* context,
    const v1::AggregateFactsRequest* request,
    v1::AggregateFactsResponse* response) {
  return Serve(context, request->read_options(), Cost::kScan, nullptr,
               [request, response](const StoreQueries& q, uint64_t commit,
                                   const StopCheck& stop) {
                 return q.AggregateFacts(*request, commit, stop, response);
               });
}

grpc::ServerUnaryReactor* QueryServiceImpl::ResolveValue(
    grpc::CallbackServerContext* context,
    const v1::ResolveValueRequest* request,
    v1::ResolveValueResponse* response) {
  return Serve(context, request->read_options(), Cost::kScan, nullptr,
               [request, response](const StoreQueries& q, uint64_t commit,
                                   const StopCheck& stop) {
                 return q.ResolveValue(*request, commit, stop, response);
               });
}

grpc::ServerUnaryReactor* QueryServiceImpl::ListPredicates(
    grpc::CallbackServerContext* context,
    const v1::ListPredicatesRequest* request,
    v1::ListPredicatesResponse* response) {
  auto cursor = std::make_shared<std::optional<PageCursor>>();
  return Serve(
      context, request->read_options(), Cost::kScan,
      PinToPageToken(cursor,
                     [request](const StoreQueries& q) -> DecodedCursor {
                       return q.ListPredicatesCursor(*request);
                     }),
      [request, response, cursor](const StoreQueries& q, uint64_t commit,
                                  const StopCheck&) {
        return q.ListPredicates(*request, commit, *cursor, response);
      });
}

grpc::ServerWriteReactor<v1::WatchFactsResponse>* QueryServiceImpl::WatchFacts(
    grpc::CallbackServerContext* context,
    const v1::WatchFactsRequest* request) {
  return feeds_.Start(*request, Authorize(context));
}

grpc::ServerUnaryReactor* QueryServiceImpl::GetStats(
    grpc::CallbackServerContext* context, const v1::GetStatsRequest* request,
    v1::GetStatsResponse* response) {
  // Who is calling is settled before anything about the request is answered.
  if (grpc::Status denied = Authorize(context); !denied.ok()) {
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    reactor->Finish(denied);
    return reactor;
  }
  if (!request->read_options().as_of().empty() ||
      request->read_options().has_as_of_time()) {
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    reactor->Finish(ToGrpcStatus(
        InvalidField("read_options.as_of",
                     "statistics are only kept for the latest commit")));
    return reactor;
  }
  return Serve(
      context, request->read_options(), Cost::kPoint, nullptr,
      [this, response](const StoreQueries& q, uint64_t, const StopCheck&) {
        FollowerView view = follower_->view();
        const storage::StoreHead& head = view.head;
        response->set_entity_count(head.entity_count());
        response->set_fact_count(head.fact_count());
        response->set_retracted_fact_count(head.retracted_fact_count());
        response->set_mention_count(head.mention_count());
        response->set_predicate_count(head.predicate_count());
        response->set_tombstone_count(head.tombstone_count());
        response->set_commit_token(q.CommitToken(view.commit));
        if (int64_t micros = head.last_commit_time_micros(); micros > 0) {
          *response->mutable_commit_time() =
              google::protobuf::util::TimeUtil::MicrosecondsToTimestamp(micros);
        }
        response->set_commits_behind(
            view.primary_commit > view.commit
                ? static_cast<int64_t>(view.primary_commit - view.commit)
                : 0);
        response->set_catch_up_age_seconds(
            absl::ToDoubleSeconds(absl::Now() - view.caught_up_at));
        if (view.replica.has_value()) {
          FillReplicationStatus(*view.replica, response->mutable_replication());
        }
        return absl::OkStatus();
      });
}

}  // namespace factstore::query
