// WriteForwarder: in replicated mode, sends the writes that reach an ingest
// replica which is not the leader on to the one that is.
//
// Clients (and a Kubernetes Service in front of every ingest replica) can
// therefore call any replica: the leader commits, the others forward the
// call with its metadata (authorization included) and deadline and pass the
// answer back; a StreamIngestFacts stream is relayed message by message to
// a stream on the leader. A call that arrives already forwarded is never
// forwarded again (the leader changed in between): it is refused with
// UNAVAILABLE naming the leader, as are calls made while no leader is
// known.
//
//   if (forwarder != nullptr && !forwarder->leading()) {
//     return forwarder->Forward(context, request, response,
//                               &v1::IngestService::Stub::async::IngestFacts);
//   }
//
// Thread-safe.
#ifndef FACTSTORE_INGEST_SERVICE_WRITE_FORWARDER_H_
#define FACTSTORE_INGEST_SERVICE_WRITE_FORWARDER_H_

#include <functional>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "common/mutex.h"
#include "factstore/v1/ingest_service.grpc.pb.h"
#include "grpcpp/grpcpp.h"
#include "replication/leader_lease.h"

namespace factstore::ingest {

// Metadata key marking a forwarded call; its value is the forwarder's
// address.
inline constexpr char kForwardedFromKey[] = "factstore-forwarded-from";
// Trailing metadata key with the leader's address, on calls refused because
// this replica is not the leader.
inline constexpr char kLeaderAddressKey[] = "factstore-leader";

class WriteForwarder {
 public:
  // `lease` must outlive the forwarder. `credentials` is how to reach the
  // leader (insecure, or TLS when the servers use TLS).
  WriteForwarder(replication::LeaderLease* lease, std::string self_address,
                 std::shared_ptr<grpc::ChannelCredentials> credentials);

  // True if this replica is the leader and commits writes itself.
  bool leading() const { return lease_->is_leader(); }

  // The status for a write this replica will not forward: UNAVAILABLE
  // naming the leader (also in the kLeaderAddressKey trailer).
  grpc::Status NotLeader(grpc::CallbackServerContext* context,
                         const std::string& why) const;

  template <typename Request, typename Response>
  using AsyncMethod = void (v1::IngestService::Stub::async::*)(
      grpc::ClientContext*, const Request*, Response*,
      std::function<void(grpc::Status)>);

  using StreamReactor = grpc::ServerBidiReactor<v1::StreamIngestFactsRequest,
                                                v1::StreamIngestFactsResponse>;

  // Relays a StreamIngestFacts call to a stream on the leader, or (no leader
  // to forward to) returns null with the refusal in `*refused`.
  StreamReactor* ForwardStream(grpc::CallbackServerContext* context,
                               grpc::Status* refused);

  // Forwards a unary call to the leader and finishes it with the leader's
  // answer. A caller that cancels (or a server shutting down) cancels the
  // forwarded call.
  template <typename Request, typename Response>
  grpc::ServerUnaryReactor* Forward(grpc::CallbackServerContext* context,
                                    const Request* request, Response* response,
                                    AsyncMethod<Request, Response> method) {
    std::string why;
    std::shared_ptr<v1::IngestService::Stub> stub = LeaderStub(context, &why);
    if (stub == nullptr) {
      grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
      reactor->Finish(NotLeader(context, why));
      return reactor;
    }
    auto* relay = new UnaryRelay(std::move(stub));
    PrepareClientContext(*context, &relay->client);
    (relay->stub->async()->*method)(
        &relay->client, request, response,
        [relay](grpc::Status status) { relay->Finish(status); });
    return relay;
  }

 private:
  friend class StreamRelay;

  // One unary call on its way to the leader; deletes itself when done.
  struct UnaryRelay final : public grpc::ServerUnaryReactor {
    explicit UnaryRelay(std::shared_ptr<v1::IngestService::Stub> leader)
        : stub(std::move(leader)) {}
    void OnCancel() override { client.TryCancel(); }
    void OnDone() override { delete this; }

    // Kept for the call's lifetime: the leader may change meanwhile.
    const std::shared_ptr<v1::IngestService::Stub> stub;
    grpc::ClientContext client;
  };

  // A stub for the leader, or null with `why` when the call cannot be
  // forwarded (no leader known, the leader is this replica, already
  // forwarded once). Shared: a call keeps it even when the leader changes.
  std::shared_ptr<v1::IngestService::Stub> LeaderStub(
      grpc::CallbackServerContext* context, std::string* why);
  // Copies the deadline and the caller's metadata, and marks the call.
  void PrepareClientContext(const grpc::CallbackServerContext& from,
                            grpc::ClientContext* to) const;

  replication::LeaderLease* const lease_;
  const std::string self_address_;
  const std::shared_ptr<grpc::ChannelCredentials> credentials_;

  Mutex mu_;
  // The channel to the leader, kept while the leader stays the same.
  std::string stub_address_ ABSL_GUARDED_BY(mu_);
  std::shared_ptr<v1::IngestService::Stub> stub_ ABSL_GUARDED_BY(mu_);
};

}  // namespace factstore::ingest

#endif  // FACTSTORE_INGEST_SERVICE_WRITE_FORWARDER_H_
