#include "ingest_service/write_op.h"

#include <openssl/sha.h>

#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"

namespace factstore::ingest {

void WriteOp::set_request(const std::string& request_id,
                          const google::protobuf::Message& request) {
  request_id_ = request_id;
  if (request_id.empty()) return;
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream stream(&bytes);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    request.SerializeToCodedStream(&coded);
  }
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(),
         digest);
  fingerprint_.assign(reinterpret_cast<char*>(digest), sizeof(digest));
}

}  // namespace factstore::ingest
