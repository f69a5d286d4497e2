// IngestServiceImpl: factstore.v1.IngestService on gRPC's callback API.
//
// Each RPC validates and normalizes its input on the calling thread, then
// hands a WriteOp to the Committer and finishes when the commit is durable.
// StreamIngestFacts keeps up to kStreamWindow batches in flight per stream:
// it stops reading when the window is full, and while the committer's queue
// is full (max_queued_items), so a fast client is slowed down by HTTP/2 flow
// control instead of making the server buffer. Unary writes that find the
// queue full are refused with RESOURCE_EXHAUSTED.
#ifndef FACTSTORE_INGEST_SERVICE_INGEST_SERVICE_IMPL_H_
#define FACTSTORE_INGEST_SERVICE_INGEST_SERVICE_IMPL_H_

#include <atomic>
#include <memory>
#include <vector>

#include "common/errors.h"
#include "factstore/v1/ingest_service.grpc.pb.h"
#include "ingest_service/committer.h"
#include "ingest_service/fact_preparer.h"
#include "ingest_service/name_resolver.h"
#include "ingest_service/predicate_registry.h"
#include "ingest_service/write_forwarder.h"
#include "server/auth.h"
#include "server/status_conversion.h"
#include "storage/store.h"

namespace factstore::ingest {

// UNAVAILABLE for calls that arrive before a replicated ingest service knows
// whether it leads.
inline absl::Status StartingUp() {
  return WithReason(
      absl::UnavailableError("the ingest service is starting; retry shortly"),
      reason::kNotServing);
}

// Batches of one stream that may be read and not yet acknowledged.
inline constexpr int kStreamWindow = 4;

class IngestServiceImpl final : public v1::IngestService::CallbackService {
 public:
  // `store`, `committer`, `registry` and `authorizer` (which may be null:
  // every caller allowed) must outlive the service.
  // `replicated`: writes are committed here only while this replica leads
  // (see set_forwarder; until it is called they are refused).
  IngestServiceImpl(const storage::Store* store, Committer* committer,
                    PredicateRegistry* registry, server::Authorizer* authorizer,
                    bool replicated = false);

  grpc::ServerUnaryReactor* RegisterPredicates(
      grpc::CallbackServerContext* context,
      const v1::RegisterPredicatesRequest* request,
      v1::RegisterPredicatesResponse* response) override;
  grpc::ServerUnaryReactor* UpsertEntities(
      grpc::CallbackServerContext* context,
      const v1::UpsertEntitiesRequest* request,
      v1::UpsertEntitiesResponse* response) override;
  grpc::ServerUnaryReactor* IngestFacts(
      grpc::CallbackServerContext* context,
      const v1::IngestFactsRequest* request,
      v1::IngestFactsResponse* response) override;
  grpc::ServerBidiReactor<v1::StreamIngestFactsRequest,
                          v1::StreamIngestFactsResponse>*
  StreamIngestFacts(grpc::CallbackServerContext* context) override;
  grpc::ServerUnaryReactor* RetractFacts(
      grpc::CallbackServerContext* context,
      const v1::RetractFactsRequest* request,
      v1::RetractFactsResponse* response) override;
  grpc::ServerUnaryReactor* EraseEntity(
      grpc::CallbackServerContext* context,
      const v1::EraseEntityRequest* request,
      v1::EraseEntityResponse* response) override;
  grpc::ServerUnaryReactor* MergeEntities(
      grpc::CallbackServerContext* context,
      const v1::MergeEntitiesRequest* request,
      v1::MergeEntitiesResponse* response) override;
  // Answered on the calling thread by any replica (it writes nothing).
  grpc::ServerUnaryReactor* ParseText(grpc::CallbackServerContext* context,
                                      const v1::ParseTextRequest* request,
                                      v1::ParseTextResponse* response) override;

  // Prepares the facts of one request or stream batch. Returns
  // INVALID_ARGUMENT when the batch itself is unacceptable (too many facts).
  absl::StatusOr<PreparedFacts> PrepareFacts(
      const google::protobuf::RepeatedPtrField<v1::Fact>& facts,
      v1::MissingEntityPolicy policy) const;

  // Replicated mode: from now on, writes go to the leader unless this
  // replica leads. `forwarder` must outlive the service.
  void set_forwarder(WriteForwarder* forwarder) { forwarder_.store(forwarder); }

  Committer* committer() const { return committer_; }
  PredicateRegistry* registry() const { return registry_; }

  // True if writes go to the leader instead of this replica's committer
  // (replicated mode, this replica does not lead).
  bool Forwarding() const {
    if (!replicated_) return false;
    WriteForwarder* forwarder = forwarder_.load();
    return forwarder == nullptr || !forwarder->leading();
  }

 private:
  // OK, or why the caller may not make a call that needs `needed`.
  grpc::Status Authorize(grpc::CallbackServerContext* context,
                         server::Role needed) const;

  // The start of every unary write: nullptr if this replica takes the call;
  // otherwise the reactor that has answered it (the caller lacks `needed`)
  // or that relays it to the leader.
  template <typename Request, typename Response>
  grpc::ServerUnaryReactor* DenyOrForward(
      grpc::CallbackServerContext* context, server::Role needed,
      const Request* request, Response* response,
      WriteForwarder::AsyncMethod<Request, Response> method) {
    if (grpc::Status denied = Authorize(context, needed); !denied.ok()) {
      grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
      reactor->Finish(denied);
      return reactor;
    }
    if (Forwarding()) return ToLeader(context, request, response, method);
    return nullptr;
  }

  // Forwards a unary write to the leader.
  template <typename Request, typename Response>
  grpc::ServerUnaryReactor* ToLeader(
      grpc::CallbackServerContext* context, const Request* request,
      Response* response,
      WriteForwarder::AsyncMethod<Request, Response> method) {
    WriteForwarder* forwarder = forwarder_.load();
    if (forwarder == nullptr) {
      grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
      reactor->Finish(server::ToGrpcStatus(StartingUp()));
      return reactor;
    }
    return forwarder->Forward(context, request, response, method);
  }

  Committer* committer_;
  PredicateRegistry* registry_;
  server::Authorizer* authorizer_;
  const bool replicated_;
  std::atomic<WriteForwarder*> forwarder_{nullptr};
  NameResolver resolver_;
  FactPreparer preparer_;
};

}  // namespace factstore::ingest

#endif  // FACTSTORE_INGEST_SERVICE_INGEST_SERVICE_IMPL_H_
