// Converting absl::Status (used inside factstore) to grpc::Status (what
// clients see), at the service edge only. The codes are the same numbers;
// the message is bounded in length, and the standard error details
// (common/errors.h) go in the grpc-status-details-bin trailer as a
// serialized google.rpc.Status.
#ifndef FACTSTORE_SERVER_STATUS_CONVERSION_H_
#define FACTSTORE_SERVER_STATUS_CONVERSION_H_

#include <string>

#include "absl/status/status.h"
#include "common/errors.h"
#include "google/rpc/status.pb.h"
#include "grpcpp/support/status.h"

namespace factstore::server {

inline grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  google::rpc::Status details = ToRpcStatus(status);
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()),
                      details.message(), details.SerializeAsString());
}

}  // namespace factstore::server

#endif  // FACTSTORE_SERVER_STATUS_CONVERSION_H_
