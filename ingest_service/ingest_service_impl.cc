#include "ingest_service/ingest_service_impl.h"

#include <deque>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/iso_date.h"
#include "common/limits.h"
#include "common/mutex.h"
#include "ingest_service/entity_ops.h"
#include "ingest_service/fact_identity.h"
#include "ingest_service/fact_ops.h"
#include "ingest_service/predicate_ops.h"
#include "ingest_service/request_validator.h"
#include "normalizer/value_finder.h"
#include "server/status_conversion.h"

namespace factstore::ingest {
namespace {

using server::ToGrpcStatus;

grpc::ServerUnaryReactor* FinishNow(grpc::CallbackServerContext* context,
                                    const absl::Status& status) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish(ToGrpcStatus(status));
  return reactor;
}

absl::Status TooMany(absl::string_view field, int count, int limit) {
  return WithReason(InvalidField(field, absl::StrCat(count, " items, at most ",
                                                     limit, " per request")),
                    reason::kRequestTooLarge);
}

absl::Status Overloaded() {
  return WithReason(absl::ResourceExhaustedError(
                        "the ingest queue is full; retry with backoff"),
                    reason::kOverloaded);
}

// Submits `op`, or finishes the call with RESOURCE_EXHAUSTED when the queue
// is full.
void SubmitOrShed(Committer* committer, std::unique_ptr<WriteOp> op) {
  std::unique_ptr<WriteOp> refused = committer->TrySubmit(std::move(op));
  if (refused != nullptr) refused->Done(Overloaded(), "");
}

// The callback of a write op that answers a unary call: the result into
// `response` if the op succeeded, then the call's status.
template <typename Response>
auto AnswerInto(grpc::ServerUnaryReactor* reactor, Response* response) {
  return [reactor, response](const absl::Status& status, Response&& result) {
    if (status.ok()) *response = std::move(result);
    reactor->Finish(ToGrpcStatus(status));
  };
}

// Gives `op` the request id of `request` and the fingerprint of the rest of
// it, which a retry with the same id must match.
template <typename Request>
void RememberRequest(const Request& request, WriteOp* op) {
  Request fingerprinted = request;
  fingerprinted.clear_request_id();
  op->set_request(request.request_id(), fingerprinted);
}

absl::Status CheckRequestId(const std::string& request_id) {
  Violations violations;
  CheckId(request_id, "request_id", kMaxRequestIdBytes, false, &violations);
  if (violations.empty()) return absl::OkStatus();
  return violations.ToStatus();
}

// StreamIngestFacts: reads batches, submits each to the committer, and
// writes one acknowledgement per batch, in order, once it is durable. It
// reads the next batch only while fewer than kStreamWindow batches await
// their acknowledgement and the committer's queue has taken the last one
// (when the queue is full the batch is held back, and reading stops until
// there is room): HTTP/2 flow control then slows the client down.
class StreamIngestReactor final
    : public grpc::ServerBidiReactor<v1::StreamIngestFactsRequest,
                                     v1::StreamIngestFactsResponse> {
 public:
  // Finishes at once with `denied` when it is not OK.
  StreamIngestReactor(const IngestServiceImpl* service, grpc::Status denied)
      : service_(service) {
    if (!denied.ok()) {
      finished_ = true;
      Finish(denied);
      return;
    }
    reading_ = true;
    StartRead(&request_);
  }

  void OnReadDone(bool ok) override {
    {
      MutexLock lock(&mu_);
      // After a failed write the call is over; drop what arrives.
      if (finished_ || write_failed_) ok = false;
      if (!ok) {
        reading_ = false;
        reads_done_ = true;
      } else {
        // The batch counts as in flight from here, in the same locked step
        // as the check above: a write that fails while it is prepared must
        // not let the acknowledgement of an earlier batch finish the call,
        // which would free this reactor under the op about to be queued.
        ++in_flight_;
      }
    }
    if (!ok) {
      MaybeFinish();
      return;
    }
    if (service_->Forwarding()) {
      // This replica stopped leading while the stream was open: end it
      // (once the batches in flight are answered) so that the client opens
      // it again on the leader. This batch was not written.
      {
        MutexLock lock(&mu_);
        --in_flight_;  // not written, and not to be acknowledged
        reading_ = false;
        reads_done_ = true;
        end_ = server::ToGrpcStatus(WithReason(
            absl::UnavailableError(
                "this ingest replica is no longer the leader; open the "
                "stream again (unacknowledged batches were not written)"),
            reason::kNotLeader));
      }
      MaybeFinish();
      return;
    }
    // reading_ stays true while MakeOp consumes request_, so that no other
    // reaction starts the next read into it.
    int64_t index = next_index_++;
    std::unique_ptr<WriteOp> op = MakeOp(index);
    {
      MutexLock lock(&mu_);
      reading_ = false;
      waiting_for_room_ = true;
    }
    // OnQueued may run on the committer thread before this returns.
    if (service_->committer()->SubmitWhenRoom(std::move(op),
                                              [this] { OnQueued(); })) {
      OnQueued();
    }
  }

  void OnWriteDone(bool ok) override {
    bool read = false;
    const v1::StreamIngestFactsResponse* next = nullptr;
    {
      MutexLock lock(&mu_);
      acks_.pop_front();
      --in_flight_;
      if (!ok) write_failed_ = true;
      if (write_failed_) {
        in_flight_ -= static_cast<int>(acks_.size());
        acks_.clear();
      }
      if (!acks_.empty()) {
        next = &acks_.front();
      } else {
        writing_ = false;
      }
      read = StartReadingLocked();
    }
    if (next != nullptr) StartWrite(next);
    if (read) StartRead(&request_);
    MaybeFinish();
  }

  void OnDone() override { delete this; }

 private:
  // The batch last read is in the committer's queue.
  void OnQueued() {
    bool read;
    {
      MutexLock lock(&mu_);
      waiting_for_room_ = false;
      read = StartReadingLocked();
    }
    if (read) StartRead(&request_);
  }

  // Whether to read the next batch now; if so, marks the read started.
  bool StartReadingLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (reading_ || waiting_for_room_ || reads_done_ || write_failed_ ||
        finished_ || in_flight_ >= kStreamWindow) {
      return false;
    }
    reading_ = true;
    return true;
  }

  std::unique_ptr<WriteOp> MakeOp(int64_t index) {
    v1::StreamIngestFactsRequest& batch = request_;
    IngestFactsOp::Options options;
    options.all_or_nothing = batch.all_or_nothing();
    options.compact_results = batch.compact_results();
    auto callback = [this, index](const absl::Status& status,
                                  v1::IngestFactsResponse&& response) {
      v1::StreamIngestFactsResponse ack;
      ack.set_batch_index(index);
      ack.set_commit_token(response.commit_token());
      ack.set_accepted_count(response.accepted_count());
      ack.set_rejected_count(response.rejected_count());
      ack.mutable_results()->Swap(response.mutable_results());
      if (!status.ok()) {
        *ack.mutable_batch_error() = ItemErrorFromStatus(status);
        ack.set_accepted_count(0);
      }
      Acknowledge(std::move(ack));
    };
    absl::Status valid = CheckRequestId(batch.request_id());
    absl::StatusOr<PreparedFacts> prepared =
        valid.ok()
            ? service_->PrepareFacts(batch.facts(), batch.missing_entities())
            : absl::StatusOr<PreparedFacts>(valid);
    if (!prepared.ok()) {
      // The batch is refused as a whole; it still gets its acknowledgement,
      // in order, through the committer.
      auto op = std::make_unique<IngestFactsOp>(
          PreparedFacts(), options,
          [callback, status = prepared.status()](
              const absl::Status&, v1::IngestFactsResponse&& response) {
            callback(status, std::move(response));
          });
      return op;
    }
    auto op = std::make_unique<IngestFactsOp>(*std::move(prepared), options,
                                              std::move(callback));
    std::string request_id = batch.request_id();
    batch.clear_request_id();
    op->set_request(request_id, batch);
    return op;
  }

  // Runs on the committer thread, outside any reaction: once it releases
  // mu_, a reaction on a gRPC thread may finish the call and delete this
  // reactor, so it touches nothing afterwards unless it holds the write
  // (writing_ keeps the call open) or is the one finishing.
  void Acknowledge(v1::StreamIngestFactsResponse ack) {
    const v1::StreamIngestFactsResponse* to_write = nullptr;
    std::optional<grpc::Status> finish;
    {
      MutexLock lock(&mu_);
      if (write_failed_) {
        --in_flight_;
        finish = TakeFinishLocked();
      } else {
        acks_.push_back(std::move(ack));
        if (!writing_) {
          writing_ = true;
          to_write = &acks_.front();
        }
        // Otherwise OnWriteDone writes it after the one in progress.
      }
    }
    if (to_write != nullptr) {
      StartWrite(to_write);
    } else if (finish.has_value()) {
      Finish(*finish);
    }
  }

  // From reactions only (gRPC does not delete the reactor while one runs).
  void MaybeFinish() {
    std::optional<grpc::Status> finish;
    {
      MutexLock lock(&mu_);
      finish = TakeFinishLocked();
    }
    if (finish.has_value()) Finish(*finish);
  }

  // If the call is over, marks it finished and returns the status to finish
  // it with; the caller must call Finish with it.
  std::optional<grpc::Status> TakeFinishLocked()
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (finished_ || !(reads_done_ || write_failed_) || in_flight_ > 0 ||
        writing_) {
      return std::nullopt;
    }
    finished_ = true;
    if (write_failed_) {
      return server::ToGrpcStatus(
          absl::CancelledError("the client stopped reading"));
    }
    return end_;
  }

  const IngestServiceImpl* service_;
  // Only touched by OnReadDone; the next read starts after MakeOp has
  // consumed it.
  v1::StreamIngestFactsRequest request_;
  int64_t next_index_ = 0;

  Mutex mu_;
  // Acknowledgements waiting to be written; the front one is being written
  // when writing_. std::deque keeps elements in place while it grows.
  std::deque<v1::StreamIngestFactsResponse> acks_ ABSL_GUARDED_BY(mu_);
  // Batches read (from the moment OnReadDone takes one) whose
  // acknowledgement is not written yet, or dropped after a failed write. The
  // call finishes only at 0, so no op is applied or answered after the
  // reactor is gone (an answered op may be destroyed later: its callback
  // only holds `this`, committer.h).
  int in_flight_ ABSL_GUARDED_BY(mu_) = 0;
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool reads_done_ ABSL_GUARDED_BY(mu_) = false;
  // A read is outstanding, or its batch is being prepared.
  bool reading_ ABSL_GUARDED_BY(mu_) = false;
  // The batch last read is held back until the committer's queue has room.
  bool waiting_for_room_ ABSL_GUARDED_BY(mu_) = false;
  bool write_failed_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  // How the call ends once the reads are done and answered.
  grpc::Status end_ ABSL_GUARDED_BY(mu_) = grpc::Status::OK;
};

}  // namespace

IngestServiceImpl::IngestServiceImpl(const storage::Store* store,
                                     Committer* committer,
                                     PredicateRegistry* registry,
                                     server::Authorizer* authorizer,
                                     bool replicated)
    : committer_(committer),
      registry_(registry),
      authorizer_(authorizer),
      replicated_(replicated),
      resolver_(store),
      preparer_(registry, &resolver_, store->indexes_words()) {}

grpc::Status IngestServiceImpl::Authorize(grpc::CallbackServerContext* context,
                                          server::Role needed) const {
  return authorizer_ == nullptr ? grpc::Status::OK
                                : authorizer_->Check(*context, needed);
}

absl::StatusOr<PreparedFacts> IngestServiceImpl::PrepareFacts(
    const google::protobuf::RepeatedPtrField<v1::Fact>& facts,
    v1::MissingEntityPolicy policy) const {
  if (facts.size() > kMaxFactsPerRequest) {
    return TooMany("facts", facts.size(), kMaxFactsPerRequest);
  }
  if (!v1::MissingEntityPolicy_IsValid(policy)) {
    return InvalidField("missing_entities", "unknown policy");
  }
  PreparedFacts prepared;
  prepared.facts.reserve(facts.size());
  NameCache names;
  for (int i = 0; i < facts.size(); ++i) {
    prepared.facts.push_back(
        preparer_.Prepare(facts.Get(i), absl::StrCat("facts[", i, "]"), policy,
                          &names, prepared.arena.get()));
  }
  return prepared;
}

grpc::ServerUnaryReactor* IngestServiceImpl::RegisterPredicates(
    grpc::CallbackServerContext* context,
    const v1::RegisterPredicatesRequest* request,
    v1::RegisterPredicatesResponse* response) {
  if (auto* answered =
          DenyOrForward(context, server::Role::kAdmin, request, response,
                        &v1::IngestService::Stub::async::RegisterPredicates)) {
    return answered;
  }
  if (request->predicates_size() > kMaxPredicatesPerRequest) {
    return FinishNow(context, TooMany("predicates", request->predicates_size(),
                                      kMaxPredicatesPerRequest));
  }
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  auto op = std::make_unique<RegisterPredicatesOp>(
      *request, registry_, AnswerInto(reactor, response));
  SubmitOrShed(committer_, std::move(op));
  return reactor;
}

grpc::ServerUnaryReactor* IngestServiceImpl::UpsertEntities(
    grpc::CallbackServerContext* context,
    const v1::UpsertEntitiesRequest* request,
    v1::UpsertEntitiesResponse* response) {
  if (auto* answered =
          DenyOrForward(context, server::Role::kWriter, request, response,
                        &v1::IngestService::Stub::async::UpsertEntities)) {
    return answered;
  }
  if (request->entities_size() > kMaxEntitiesPerRequest) {
    return FinishNow(context, TooMany("entities", request->entities_size(),
                                      kMaxEntitiesPerRequest));
  }
  if (absl::Status s = CheckRequestId(request->request_id()); !s.ok()) {
    return FinishNow(context, s);
  }
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  auto op = std::make_unique<UpsertEntitiesOp>(*request,
                                               AnswerInto(reactor, response));
  RememberRequest(*request, op.get());
  SubmitOrShed(committer_, std::move(op));
  return reactor;
}

grpc::ServerUnaryReactor* IngestServiceImpl::IngestFacts(
    grpc::CallbackServerContext* context, const v1::IngestFactsRequest* request,
    v1::IngestFactsResponse* response) {
  if (auto* answered =
          DenyOrForward(context, server::Role::kWriter, request, response,
                        &v1::IngestService::Stub::async::IngestFacts)) {
    return answered;
  }
  if (absl::Status s = CheckRequestId(request->request_id()); !s.ok()) {
    return FinishNow(context, s);
  }
  absl::StatusOr<PreparedFacts> prepared =
      PrepareFacts(request->facts(), request->missing_entities());
  if (!prepared.ok()) return FinishNow(context, prepared.status());
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  IngestFactsOp::Options options;
  options.all_or_nothing = request->all_or_nothing();
  options.compact_results = request->compact_results();
  auto op = std::make_unique<IngestFactsOp>(*std::move(prepared), options,
                                            AnswerInto(reactor, response));
  op->set_validate_only(request->validate_only());
  RememberRequest(*request, op.get());
  SubmitOrShed(committer_, std::move(op));
  return reactor;
}

grpc::ServerBidiReactor<v1::StreamIngestFactsRequest,
                        v1::StreamIngestFactsResponse>*
IngestServiceImpl::StreamIngestFacts(grpc::CallbackServerContext* context) {
  grpc::Status allowed = Authorize(context, server::Role::kWriter);
  if (allowed.ok() && Forwarding()) {
    WriteForwarder* forwarder = forwarder_.load();
    if (forwarder == nullptr) {
      allowed = server::ToGrpcStatus(StartingUp());
    } else if (auto* relay = forwarder->ForwardStream(context, &allowed)) {
      return relay;
    }
  }
  return new StreamIngestReactor(this, allowed);
}

grpc::ServerUnaryReactor* IngestServiceImpl::RetractFacts(
    grpc::CallbackServerContext* context,
    const v1::RetractFactsRequest* request,
    v1::RetractFactsResponse* response) {
  if (auto* answered =
          DenyOrForward(context, server::Role::kWriter, request, response,
                        &v1::IngestService::Stub::async::RetractFacts)) {
    return answered;
  }
  if (request->fact_ids_size() > kMaxRetractionsPerRequest) {
    return FinishNow(context, TooMany("fact_ids", request->fact_ids_size(),
                                      kMaxRetractionsPerRequest));
  }
  Violations violations;
  CheckText(request->reason(), "reason", kMaxShortTextBytes, true, false,
            &violations);
  CheckId(request->request_id(), "request_id", kMaxRequestIdBytes, false,
          &violations);
  if (request->fact_ids_size() == 0) violations.Add("fact_ids", "is required");
  if (!violations.empty()) {
    return FinishNow(context, violations.ToStatus());
  }
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  auto op =
      std::make_unique<RetractFactsOp>(*request, AnswerInto(reactor, response));
  RememberRequest(*request, op.get());
  SubmitOrShed(committer_, std::move(op));
  return reactor;
}

grpc::ServerUnaryReactor* IngestServiceImpl::ParseText(
    grpc::CallbackServerContext* context, const v1::ParseTextRequest* request,
    v1::ParseTextResponse* response) {
  // Extractors call it before they write, with their writer credentials.
  if (grpc::Status denied = Authorize(context, server::Role::kWriter);
      !denied.ok()) {
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    reactor->Finish(denied);
    return reactor;
  }
  Violations violations;
  CheckText(request->text(), "text", kMaxQuoteBytes, true, true, &violations);
  CheckLanguage(request->language(), "language", &violations);
  if (!request->publication_date().empty() &&
      !ParseIsoDate(request->publication_date()).ok()) {
    violations.Add("publication_date",
                   absl::StrCat("is not an ISO-8601 date like \"2024-08-02\": ",
                                request->publication_date()));
  }
  if (!violations.empty()) return FinishNow(context, violations.ToStatus());
  bool truncated = false;
  absl::StatusOr<std::vector<normalizer::FoundValue>> found =
      normalizer::FindValues(request->text(), request->language(),
                             {request->publication_date()}, &truncated);
  response->set_truncated(truncated);
  if (!found.ok()) {
    return FinishNow(context, InvalidField("text", found.status().message()));
  }
  for (normalizer::FoundValue& f : *found) {
    v1::TextValue* value = response->add_values();
    value->set_start(f.start);
    value->set_end(f.end);
    value->set_text(std::move(f.text));
    if (f.quantity.has_value()) {
      *value->mutable_quantity() = std::move(*f.quantity);
    } else if (f.time.has_value()) {
      *value->mutable_time() = std::move(*f.time);
    } else if (f.period.has_value()) {
      *value->mutable_period() = std::move(*f.period);
    }
  }
  return FinishNow(context, absl::OkStatus());
}

grpc::ServerUnaryReactor* IngestServiceImpl::EraseEntity(
    grpc::CallbackServerContext* context, const v1::EraseEntityRequest* request,
    v1::EraseEntityResponse* response) {
  if (auto* answered =
          DenyOrForward(context, server::Role::kAdmin, request, response,
                        &v1::IngestService::Stub::async::EraseEntity)) {
    return answered;
  }
  Violations violations;
  CheckId(request->entity_id(), "entity_id", kMaxIdBytes, true, &violations);
  CheckText(request->reason(), "reason", kMaxShortTextBytes, true, false,
            &violations);
  CheckId(request->request_id(), "request_id", kMaxRequestIdBytes, false,
          &violations);
  if (!violations.empty()) {
    return FinishNow(context, violations.ToStatus());
  }
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  auto op =
      std::make_unique<EraseEntityOp>(*request, AnswerInto(reactor, response));
  RememberRequest(*request, op.get());
  SubmitOrShed(committer_, std::move(op));
  return reactor;
}

grpc::ServerUnaryReactor* IngestServiceImpl::MergeEntities(
    grpc::CallbackServerContext* context,
    const v1::MergeEntitiesRequest* request,
    v1::MergeEntitiesResponse* response) {
  if (auto* answered =
          DenyOrForward(context, server::Role::kAdmin, request, response,
                        &v1::IngestService::Stub::async::MergeEntities)) {
    return answered;
  }
  Violations violations;
  CheckId(request->from_entity_id(), "from_entity_id", kMaxIdBytes, true,
          &violations);
  CheckId(request->into_entity_id(), "into_entity_id", kMaxIdBytes, true,
          &violations);
  if (!request->from_entity_id().empty() &&
      request->from_entity_id() == request->into_entity_id()) {
    violations.Add("into_entity_id", "must differ from from_entity_id");
  }
  CheckId(request->request_id(), "request_id", kMaxRequestIdBytes, false,
          &violations);
  if (!violations.empty()) {
    return FinishNow(context, violations.ToStatus());
  }
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  auto op = std::make_unique<MergeEntitiesOp>(*request,
                                              AnswerInto(reactor, response));
  RememberRequest(*request, op.get());
  SubmitOrShed(committer_, std::move(op));
  return reactor;
}

}  // namespace factstore::ingest
