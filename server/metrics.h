// Metrics: Prometheus exposition of a factstore server (prometheus-cpp).
//
// The standard gRPC server metrics come from an interceptor on every call:
//   grpc_server_started_total{grpc_service,grpc_method,grpc_type}
//   grpc_server_handled_total{grpc_service,grpc_method,grpc_type,grpc_code}
//   grpc_server_handling_seconds{grpc_service,grpc_method,grpc_type}
//     (a histogram)
// with the code names other gRPC exporters use ("OK", "InvalidArgument", ...),
// so existing dashboards work. The same interceptor writes the RPC log line:
// at debug level for every call, at info for calls the client got wrong,
// at warning for calls the server failed. Components add their own metrics
// to registry() or as collectors computed at scrape time.
//
//   FS_ASSIGN_OR_RETURN(auto metrics, Metrics::Start("0.0.0.0:9091"));
//   GrpcServer::Start(options, services, names, metrics->Interceptors());
#ifndef FACTSTORE_SERVER_METRICS_H_
#define FACTSTORE_SERVER_METRICS_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "grpcpp/support/server_interceptor.h"
#include "prometheus/collectable.h"
#include "prometheus/exposer.h"
#include "prometheus/registry.h"

namespace factstore::server {

class RpcMetrics;

class Metrics {
 public:
  // Serves /metrics on `listen_address` (host:port; port 0 picks one), or
  // nowhere when it is empty. Returns UNAVAILABLE if it cannot listen.
  static absl::StatusOr<std::unique_ptr<Metrics>> Start(
      const std::string& listen_address);
  ~Metrics();

  prometheus::Registry& registry() { return *registry_; }
  // Registers a collector whose metrics are computed at each scrape. Kept
  // alive by Metrics.
  void AddCollectable(std::shared_ptr<prometheus::Collectable> collectable);
  // The interceptor factories to install on a gRPC server.
  std::vector<
      std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>
  Interceptors();
  // The port /metrics is served on (0 when not served).
  int port() const;

 private:
  Metrics() = default;

  std::shared_ptr<prometheus::Registry> registry_;
  std::unique_ptr<prometheus::Exposer> exposer_;
  std::shared_ptr<RpcMetrics> rpc_metrics_;
  std::vector<std::shared_ptr<prometheus::Collectable>> collectables_;
};

// "InvalidArgument" for INVALID_ARGUMENT, as gRPC's other exporters name it.
const char* GrpcCodeName(grpc::StatusCode code);

}  // namespace factstore::server

#endif  // FACTSTORE_SERVER_METRICS_H_
