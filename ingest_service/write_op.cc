#include "ingest_service/write_op.h"

#include "common/message_digest.h"

namespace factstore::ingest {

void WriteOp::set_request(const std::string& request_id,
                          const google::protobuf::Message& request) {
  request_id_ = request_id;
  if (request_id.empty()) return;
  fingerprint_ = MessageSha256(request);
}

}  // namespace factstore::ingest
