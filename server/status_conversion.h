// Converting absl::Status (used inside factstore) to grpc::Status (what
// clients see), at the service edge only. The codes are the same numbers.
#ifndef FACTSTORE_SERVER_STATUS_CONVERSION_H_
#define FACTSTORE_SERVER_STATUS_CONVERSION_H_

#include <string>

#include "absl/status/status.h"
#include "grpcpp/support/status.h"

namespace factstore::server {

inline grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()),
                      std::string(status.message()));
}

}  // namespace factstore::server

#endif  // FACTSTORE_SERVER_STATUS_CONVERSION_H_
