// transport_baseline_server: a gRPC callback server that does no work, the
// transport baseline of the factstore benchmarks.
//
//   transport_baseline_server --listen=127.0.0.1:50053
//
// Unary answers at once with a reply of the size the caller asks for (the
// load generator asks for the size of a real GetFactResponse). Stream
// acknowledges every batch as soon as it is read, in order, keeping at most
// as many batches in flight as factstore's StreamIngestFacts does, so the
// flow control is the same and only factstore's work is missing. The gRPC
// server options that matter for throughput (message limits, concurrent
// streams) are factstore's defaults. SIGINT or SIGTERM stops it.
#include <signal.h>

#include <deque>
#include <iostream>
#include <memory>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/synchronization/mutex.h"
#include "bench/bench.grpc.pb.h"
#include "grpcpp/grpcpp.h"
#include "grpcpp/health_check_service_interface.h"

ABSL_FLAG(std::string, listen, "127.0.0.1:50053", "host:port to listen on.");

namespace factstore::bench {
namespace {

// factstore's StreamIngestFacts window (ingest_service/ingest_service_impl.h).
constexpr int kStreamWindow = 4;

// A payload of `size` bytes, built once per size and thread.
const std::string& Payload(int size) {
  thread_local absl::flat_hash_map<int, std::string> cache;
  auto it = cache.find(size);
  if (it == cache.end()) {
    it = cache.emplace(size, std::string(std::max(0, size), 'p')).first;
  }
  return it->second;
}

class StreamReactor final
    : public grpc::ServerBidiReactor<StreamBatch, StreamAck> {
 public:
  StreamReactor() { StartRead(&batch_); }

  void OnReadDone(bool ok) override {
    if (!ok) {
      {
        absl::MutexLock lock(&mu_);
        reads_done_ = true;
      }
      MaybeFinish();
      return;
    }
    StreamAck ack;
    ack.set_batch_index(next_index_++);
    ack.set_payload(Payload(batch_.ack_bytes()));
    const StreamAck* write = nullptr;
    bool read_more;
    {
      absl::MutexLock lock(&mu_);
      acks_.push_back(std::move(ack));
      ++in_flight_;
      read_more = in_flight_ < kStreamWindow;
      read_paused_ = !read_more;
      if (!writing_) {
        writing_ = true;
        write = &acks_.front();
      }
    }
    if (write != nullptr) StartWrite(write);
    if (read_more) StartRead(&batch_);
  }

  void OnWriteDone(bool ok) override {
    const StreamAck* next = nullptr;
    bool resume = false;
    {
      absl::MutexLock lock(&mu_);
      acks_.pop_front();
      --in_flight_;
      if (!ok) failed_ = true;
      if (read_paused_ && !reads_done_ && !failed_) {
        read_paused_ = false;
        resume = true;
      }
      if (!acks_.empty() && !failed_) {
        next = &acks_.front();
      } else {
        writing_ = false;
      }
    }
    if (next != nullptr) StartWrite(next);
    if (resume) StartRead(&batch_);
    MaybeFinish();
  }

  void OnDone() override { delete this; }

 private:
  void MaybeFinish() {
    bool failed;
    {
      absl::MutexLock lock(&mu_);
      if (finished_ || writing_ || !(reads_done_ || failed_)) return;
      if (!failed_ && in_flight_ > 0) return;
      finished_ = true;
      failed = failed_;
    }
    Finish(failed ? grpc::Status(grpc::StatusCode::CANCELLED, "write failed")
                  : grpc::Status::OK);
  }

  // Touched by OnReadDone only, which gRPC serializes.
  StreamBatch batch_;
  int64_t next_index_ = 0;

  absl::Mutex mu_;
  // std::deque keeps elements in place while it grows.
  std::deque<StreamAck> acks_ ABSL_GUARDED_BY(mu_);
  int in_flight_ ABSL_GUARDED_BY(mu_) = 0;
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool read_paused_ ABSL_GUARDED_BY(mu_) = false;
  bool reads_done_ ABSL_GUARDED_BY(mu_) = false;
  bool failed_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
};

class BaselineService final : public TransportBaseline::CallbackService {
 public:
  grpc::ServerUnaryReactor* Unary(grpc::CallbackServerContext* context,
                                  const UnaryRequest* request,
                                  UnaryReply* reply) override {
    reply->set_payload(Payload(request->reply_bytes()));
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }

  grpc::ServerBidiReactor<StreamBatch, StreamAck>* Stream(
      grpc::CallbackServerContext*) override {
    return new StreamReactor();
  }
};

}  // namespace
}  // namespace factstore::bench

int main(int argc, char** argv) {
  // Block the stop signals in every thread; main waits for them below.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  // As factstore's servers do (server/grpc_server.h), so that the baseline
  // pays the same gRPC locking costs.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);

  absl::SetProgramUsageMessage(
      "factstore transport baseline: a gRPC server that does no work.");
  absl::ParseCommandLine(argc, argv);

  grpc::EnableDefaultHealthCheckService(true);
  factstore::bench::BaselineService service;
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(absl::GetFlag(FLAGS_listen),
                           grpc::InsecureServerCredentials(), &port);
  // factstore's defaults (server/grpc_server.h).
  builder.SetMaxReceiveMessageSize(32 << 20);
  builder.SetMaxSendMessageSize(32 << 20);
  builder.AddChannelArgument(GRPC_ARG_MAX_CONCURRENT_STREAMS, 256);
  builder.RegisterService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) {
    std::cerr << "transport_baseline_server: cannot listen on "
              << absl::GetFlag(FLAGS_listen) << "\n";
    return 2;
  }
  std::cerr << "transport_baseline_server: listening on port " << port << "\n";
  int received = 0;
  sigwait(&signals, &received);
  server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
  return 0;
}
