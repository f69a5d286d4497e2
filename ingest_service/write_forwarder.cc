#include "ingest_service/write_forwarder.h"

#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace factstore::ingest {

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
  return grpc::Status(
      grpc::StatusCode::UNAVAILABLE,
      absl::StrCat("this ingest replica (", self_address_,
                   ") is not the leader: ", why,
                   leader.empty() ? "; no leader is known right now, retry shortly"
                                  : absl::StrCat("; the leader is ", leader)));
}

v1::IngestService::Stub* WriteForwarder::LeaderStub(
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
    stub_ = v1::IngestService::NewStub(grpc::CreateChannel(leader, credentials_));
    stub_address_ = leader;
  }
  return stub_.get();
}

void WriteForwarder::PrepareClientContext(const grpc::CallbackServerContext& from,
                                          grpc::ClientContext* to) const {
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
