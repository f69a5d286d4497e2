#include "server/metrics.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/mutex.h"
#include "grpcpp/server_context.h"
#include "prometheus/counter.h"
#include "prometheus/histogram.h"
#include "server/log.h"

namespace factstore::server {

const char* GrpcCodeName(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK:
      return "OK";
    case grpc::StatusCode::CANCELLED:
      return "Canceled";
    case grpc::StatusCode::UNKNOWN:
      return "Unknown";
    case grpc::StatusCode::INVALID_ARGUMENT:
      return "InvalidArgument";
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return "DeadlineExceeded";
    case grpc::StatusCode::NOT_FOUND:
      return "NotFound";
    case grpc::StatusCode::ALREADY_EXISTS:
      return "AlreadyExists";
    case grpc::StatusCode::PERMISSION_DENIED:
      return "PermissionDenied";
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return "ResourceExhausted";
    case grpc::StatusCode::FAILED_PRECONDITION:
      return "FailedPrecondition";
    case grpc::StatusCode::ABORTED:
      return "Aborted";
    case grpc::StatusCode::OUT_OF_RANGE:
      return "OutOfRange";
    case grpc::StatusCode::UNIMPLEMENTED:
      return "Unimplemented";
    case grpc::StatusCode::INTERNAL:
      return "Internal";
    case grpc::StatusCode::UNAVAILABLE:
      return "Unavailable";
    case grpc::StatusCode::DATA_LOSS:
      return "DataLoss";
    case grpc::StatusCode::UNAUTHENTICATED:
      return "Unauthenticated";
    default:
      return "Unknown";
  }
}

namespace {

using InterceptionPoint = grpc::experimental::InterceptionHookPoints;

const char* TypeName(grpc::experimental::ServerRpcInfo::Type type) {
  switch (type) {
    case grpc::experimental::ServerRpcInfo::Type::UNARY:
      return "unary";
    case grpc::experimental::ServerRpcInfo::Type::CLIENT_STREAMING:
      return "client_stream";
    case grpc::experimental::ServerRpcInfo::Type::SERVER_STREAMING:
      return "server_stream";
    default:
      return "bidi_stream";
  }
}

// Errors that are the client's (bad input, missing things, its own
// deadline) are logged at info; the rest of the errors at warning.
bool IsClientError(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::CANCELLED:
    case grpc::StatusCode::INVALID_ARGUMENT:
    case grpc::StatusCode::DEADLINE_EXCEEDED:
    case grpc::StatusCode::NOT_FOUND:
    case grpc::StatusCode::ALREADY_EXISTS:
    case grpc::StatusCode::PERMISSION_DENIED:
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
    case grpc::StatusCode::FAILED_PRECONDITION:
    case grpc::StatusCode::OUT_OF_RANGE:
    case grpc::StatusCode::UNAUTHENTICATED:
      return true;
    default:
      return false;
  }
}

}  // namespace

// The gRPC server metric families and a cache of their per-method children.
class RpcMetrics {
 public:
  explicit RpcMetrics(prometheus::Registry& registry)
      : started_(prometheus::BuildCounter()
                     .Name("grpc_server_started_total")
                     .Help("RPCs started on the server.")
                     .Register(registry)),
        handled_(prometheus::BuildCounter()
                     .Name("grpc_server_handled_total")
                     .Help("RPCs completed on the server, by status code.")
                     .Register(registry)),
        handling_(prometheus::BuildHistogram()
                      .Name("grpc_server_handling_seconds")
                      .Help("Time from the start of an RPC to its status.")
                      .Register(registry)),
        received_(prometheus::BuildCounter()
                      .Name("grpc_server_msg_received_total")
                      .Help("Messages received from clients (a stream's each).")
                      .Register(registry)),
        sent_(prometheus::BuildCounter()
                  .Name("grpc_server_msg_sent_total")
                  .Help("Messages sent to clients (a stream's each).")
                  .Register(registry)) {}

  struct Method {
    std::string service;
    std::string name;
    std::string type;
    prometheus::Counter* started;
    prometheus::Histogram* handling;
    prometheus::Counter* received;
    prometheus::Counter* sent;
    Mutex mu;
    absl::flat_hash_map<int, prometheus::Counter*> handled ABSL_GUARDED_BY(mu);
  };

  Method* ForMethod(const char* full_method,
                    grpc::experimental::ServerRpcInfo::Type type) {
    MutexLock lock(&mu_);
    auto it = methods_.find(full_method);
    if (it != methods_.end()) return it->second.get();
    // "/factstore.v1.QueryService/GetFact"
    std::string path =
        full_method != nullptr ? full_method : "/unknown/unknown";
    size_t slash = path.rfind('/');
    auto method = std::make_unique<Method>();
    method->service =
        path.substr(1, slash == std::string::npos ? 0 : slash - 1);
    method->name = slash == std::string::npos ? path : path.substr(slash + 1);
    method->type = TypeName(type);
    std::map<std::string, std::string> labels = {
        {"grpc_service", method->service},
        {"grpc_method", method->name},
        {"grpc_type", method->type}};
    method->started = &started_.Add(labels);
    method->received = &received_.Add(labels);
    method->sent = &sent_.Add(labels);
    method->handling = &handling_.Add(
        labels, prometheus::Histogram::BucketBoundaries{
                    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                    0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30});
    Method* raw = method.get();
    methods_.emplace(path, std::move(method));
    return raw;
  }

  prometheus::Counter& Handled(Method& method, grpc::StatusCode code) {
    MutexLock lock(&method.mu);
    auto it = method.handled.find(code);
    if (it != method.handled.end()) return *it->second;
    prometheus::Counter* counter =
        &handled_.Add({{"grpc_service", method.service},
                       {"grpc_method", method.name},
                       {"grpc_type", method.type},
                       {"grpc_code", GrpcCodeName(code)}});
    method.handled.emplace(code, counter);
    return *counter;
  }

 private:
  prometheus::Family<prometheus::Counter>& started_;
  prometheus::Family<prometheus::Counter>& handled_;
  prometheus::Family<prometheus::Histogram>& handling_;
  prometheus::Family<prometheus::Counter>& received_;
  prometheus::Family<prometheus::Counter>& sent_;
  Mutex mu_;
  absl::flat_hash_map<std::string, std::unique_ptr<Method>> methods_
      ABSL_GUARDED_BY(mu_);
};

namespace {

class RpcInterceptor : public grpc::experimental::Interceptor {
 public:
  RpcInterceptor(RpcMetrics* metrics, grpc::experimental::ServerRpcInfo* info)
      : metrics_(metrics),
        info_(info),
        method_(metrics->ForMethod(info->method(), info->type())) {}

  void Intercept(
      grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(
            InterceptionPoint::POST_RECV_INITIAL_METADATA)) {
      start_ = absl::Now();
      method_->started->Increment();
    }
    if (methods->QueryInterceptionHookPoint(
            InterceptionPoint::POST_RECV_MESSAGE) &&
        methods->GetRecvMessage() != nullptr) {
      method_->received->Increment();
    }
    if (methods->QueryInterceptionHookPoint(
            InterceptionPoint::PRE_SEND_MESSAGE)) {
      method_->sent->Increment();
    }
    if (methods->QueryInterceptionHookPoint(
            InterceptionPoint::PRE_SEND_STATUS)) {
      grpc::Status status = methods->GetSendStatus();
      double seconds = absl::ToDoubleSeconds(absl::Now() - start_);
      metrics_->Handled(*method_, status.error_code()).Increment();
      method_->handling->Observe(seconds);
      LogLevel level = status.ok() ? LogLevel::kDebug
                       : IsClientError(status.error_code())
                           ? LogLevel::kInfo
                           : LogLevel::kWarning;
      if (LogEnabled(level)) {
        Log(level, status.ok() ? "rpc" : status.error_message(),
            {{"method", info_->method() != nullptr ? info_->method() : ""},
             {"code", GrpcCodeName(status.error_code())},
             {"duration_ms", seconds * 1000},
             {"peer", info_->server_context()->peer()}});
      }
    }
    methods->Proceed();
  }

 private:
  RpcMetrics* metrics_;
  grpc::experimental::ServerRpcInfo* info_;
  RpcMetrics::Method* method_;
  absl::Time start_ = absl::Now();
};

class RpcInterceptorFactory
    : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  explicit RpcInterceptorFactory(std::shared_ptr<RpcMetrics> metrics)
      : metrics_(std::move(metrics)) {}
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override {
    return new RpcInterceptor(metrics_.get(), info);
  }

 private:
  std::shared_ptr<RpcMetrics> metrics_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<Metrics>> Metrics::Start(
    const std::string& listen_address) {
  std::unique_ptr<Metrics> metrics(new Metrics());
  metrics->registry_ = std::make_shared<prometheus::Registry>();
  metrics->rpc_metrics_ = std::make_shared<RpcMetrics>(*metrics->registry_);
  if (!listen_address.empty()) {
    // The HTTP server underneath crashes on some malformed addresses rather
    // than failing, so check the shape first: an IP address and a port.
    size_t colon = listen_address.rfind(':');
    std::string host =
        colon == std::string::npos ? "" : listen_address.substr(0, colon);
    if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
      host = host.substr(1, host.size() - 2);
    }
    int port = -1;
    unsigned char address[sizeof(struct in6_addr)];
    if (colon == std::string::npos ||
        !absl::SimpleAtoi(listen_address.substr(colon + 1), &port) ||
        port < 0 || port > 65535 ||
        (inet_pton(AF_INET, host.c_str(), address) != 1 &&
         inet_pton(AF_INET6, host.c_str(), address) != 1)) {
      return absl::InvalidArgumentError(
          absl::StrCat("--metrics_listen: \"", listen_address,
                       "\" is not IP:port (for example 0.0.0.0:9091)"));
    }
    try {
      // prometheus-cpp reports a failed bind with an exception; it stops here.
      metrics->exposer_ = std::make_unique<prometheus::Exposer>(listen_address);
    } catch (const std::exception& e) {
      return absl::UnavailableError(
          absl::StrCat("--metrics_listen: cannot serve metrics on ",
                       listen_address, ": ", e.what()));
    }
    metrics->exposer_->RegisterCollectable(metrics->registry_);
  }
  return metrics;
}

Metrics::~Metrics() = default;

void Metrics::AddCollectable(
    std::shared_ptr<prometheus::Collectable> collectable) {
  if (exposer_ != nullptr) exposer_->RegisterCollectable(collectable);
  collectables_.push_back(std::move(collectable));
}

std::vector<
    std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>
Metrics::Interceptors() {
  std::vector<
      std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>
      factories;
  factories.push_back(std::make_unique<RpcInterceptorFactory>(rpc_metrics_));
  return factories;
}

int Metrics::port() const {
  if (exposer_ == nullptr) return 0;
  std::vector<int> ports = exposer_->GetListeningPorts();
  return ports.empty() ? 0 : ports[0];
}

}  // namespace factstore::server
