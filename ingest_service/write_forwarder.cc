#include "ingest_service/write_forwarder.h"

#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "server/status_conversion.h"

namespace factstore::ingest {

// One StreamIngestFacts call relayed to a stream on the leader. The callback
// API allows one read and one write in flight per side, so requests and
// answers each go one at a time: the next request is read from the client
// once the previous one was handed to the leader's stream, and the next
// answer is read from the leader once the previous one was sent to the
// client. The leader's status ends the client's call; a client that goes
// away cancels the leader's stream. Deletes itself when both calls are over.
//
// The leader's side (Upstream) is held (AddHold) until this side will start
// nothing more on it: the leader's answers are over (its read loop ended)
// and no request is being handed to it. Otherwise gRPC could end that call,
// and free it, between a check and a StartWrite.
class StreamRelay final : public WriteForwarder::StreamReactor {
 public:
  StreamRelay(const WriteForwarder& forwarder,
              std::shared_ptr<v1::IngestService::Stub> stub,
              grpc::CallbackServerContext* context)
      : stub_(std::move(stub)), upstream_(this) {
    forwarder.PrepareClientContext(*context, &client_context_);
    stub_->async()->StreamIngestFacts(&client_context_, &upstream_);
    upstream_.AddHold();
    upstream_.StartRead(&response_);
    upstream_.StartCall();
    StartRead(&request_);
  }

  // The client's next request (or its end): to the leader, unless the
  // leader's answers are already over.
  void OnReadDone(bool ok) override {
    {
      MutexLock lock(&mu_);
      if (answers_over_) return;
      ++starting_;
    }
    if (ok) {
      upstream_.StartWrite(&request_);
    } else {
      upstream_.StartWritesDone();  // the client is done sending
    }
    MaybeReleaseHold([this]()
                         ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { --starting_; });
  }

  // An answer reached the client: read the leader's next one.
  void OnWriteDone(bool ok) override {
    bool finish = false;
    grpc::Status status;
    {
      MutexLock lock(&mu_);
      writing_ = false;
      if (upstream_done_) {
        finish = true;
        status = upstream_status_;
      }
    }
    if (finish) {
      Finish(status);
    } else if (ok) {
      upstream_.StartRead(&response_);
    } else {
      // The client is gone: no more answers will be read.
      client_context_.TryCancel();
      EndAnswers();
    }
  }

  void OnCancel() override { client_context_.TryCancel(); }
  void OnDone() override { delete this; }

 private:
  class Upstream final
      : public grpc::ClientBidiReactor<v1::StreamIngestFactsRequest,
                                       v1::StreamIngestFactsResponse> {
   public:
    explicit Upstream(StreamRelay* relay) : relay_(relay) {}

    // A request reached the leader: read the client's next one.
    void OnWriteDone(bool ok) override {
      if (ok) relay_->StartRead(&relay_->request_);
    }
    // The leader's next answer: to the client. None left: OnDone follows.
    void OnReadDone(bool ok) override {
      if (!ok) {
        relay_->EndAnswers();
        return;
      }
      {
        MutexLock lock(&relay_->mu_);
        relay_->writing_ = true;
      }
      relay_->StartWrite(&relay_->response_);
    }
    // The leader's stream is over: so is the client's, once the answer in
    // flight (if any) has been sent.
    void OnDone(const grpc::Status& status) override {
      {
        MutexLock lock(&relay_->mu_);
        relay_->upstream_done_ = true;
        relay_->upstream_status_ = status;
        if (relay_->writing_) return;  // OnWriteDone finishes
      }
      relay_->Finish(status);
    }

   private:
    StreamRelay* const relay_;
  };

  // Nothing more will be read from the leader.
  void EndAnswers() {
    MaybeReleaseHold(
        [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { answers_over_ = true; });
  }

  // Runs `update` under mu_, then releases the hold on the leader's call if
  // nothing more will be started on it.
  template <typename Update>
  void MaybeReleaseHold(Update update) {
    bool release = false;
    {
      MutexLock lock(&mu_);
      update();
      if (answers_over_ && starting_ == 0 && !hold_released_) {
        hold_released_ = true;
        release = true;
      }
    }
    if (release) upstream_.RemoveHold();
  }

  const std::shared_ptr<v1::IngestService::Stub> stub_;
  grpc::ClientContext client_context_;
  v1::StreamIngestFactsRequest request_;
  v1::StreamIngestFactsResponse response_;
  Upstream upstream_;
  Mutex mu_;
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool upstream_done_ ABSL_GUARDED_BY(mu_) = false;
  grpc::Status upstream_status_ ABSL_GUARDED_BY(mu_);
  // Nothing more will be read from the leader.
  bool answers_over_ ABSL_GUARDED_BY(mu_) = false;
  // Requests being handed to the leader right now.
  int starting_ ABSL_GUARDED_BY(mu_) = 0;
  bool hold_released_ ABSL_GUARDED_BY(mu_) = false;
};

WriteForwarder::WriteForwarder(
    replication::LeaderLease* lease, std::string self_address,
    std::shared_ptr<grpc::ChannelCredentials> credentials)
    : lease_(lease),
      self_address_(std::move(self_address)),
      credentials_(std::move(credentials)) {}

grpc::Status WriteForwarder::NotLeader(grpc::CallbackServerContext* context,
                                       const std::string& why) const {
  std::string leader = lease_->leader_address();
  if (!leader.empty()) context->AddTrailingMetadata(kLeaderAddressKey, leader);
  std::vector<std::pair<std::string, std::string>> metadata;
  if (!leader.empty()) metadata.emplace_back("leader", leader);
  return server::ToGrpcStatus(WithReason(
      absl::UnavailableError(absl::StrCat(
          "this ingest replica (", self_address_, ") is not the leader: ", why,
          leader.empty() ? "; no leader is known right now, retry shortly"
                         : absl::StrCat("; the leader is ", leader))),
      reason::kNotLeader, std::move(metadata)));
}

WriteForwarder::StreamReactor* WriteForwarder::ForwardStream(
    grpc::CallbackServerContext* context, grpc::Status* refused) {
  std::string why;
  std::shared_ptr<v1::IngestService::Stub> stub = LeaderStub(context, &why);
  if (stub == nullptr) {
    *refused = NotLeader(context, why);
    return nullptr;
  }
  return new StreamRelay(*this, std::move(stub), context);
}

std::shared_ptr<v1::IngestService::Stub> WriteForwarder::LeaderStub(
    grpc::CallbackServerContext* context, std::string* why) {
  const auto& metadata = context->client_metadata();
  if (metadata.find(kForwardedFromKey) != metadata.end()) {
    *why = "the call was already forwarded here by another replica";
    return nullptr;
  }
  std::string leader = lease_->leader_address();
  if (leader.empty()) {
    *why = "there is no leader";
    return nullptr;
  }
  if (leader == self_address_) {
    *why = "the lease names this replica, which is not leading yet";
    return nullptr;
  }
  MutexLock lock(&mu_);
  if (stub_ == nullptr || stub_address_ != leader) {
    stub_ =
        v1::IngestService::NewStub(grpc::CreateChannel(leader, credentials_));
    stub_address_ = leader;
  }
  return stub_;
}

void WriteForwarder::PrepareClientContext(
    const grpc::CallbackServerContext& from, grpc::ClientContext* to) const {
  to->set_deadline(from.deadline());
  for (const auto& [key, value] : from.client_metadata()) {
    std::string name(key.data(), key.size());
    // gRPC's own headers (and binary ones it re-encodes) are not copied.
    if (absl::StartsWith(name, "grpc-") || name == "user-agent" ||
        name == ":authority") {
      continue;
    }
    to->AddMetadata(name, std::string(value.data(), value.size()));
  }
  to->AddMetadata(kForwardedFromKey, self_address_);
}

}  // namespace factstore::ingest
