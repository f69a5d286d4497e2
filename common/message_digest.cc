#include "common/message_digest.h"

#include "absl/strings/str_cat.h"
#include "common/sha256.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"

namespace factstore {

std::string MessageSha256(const google::protobuf::Message& message,
                          absl::string_view suffix) {
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream stream(&bytes);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    message.SerializeToCodedStream(&coded);
  }
  absl::StrAppend(&bytes, suffix);
  return DigestBytes(Sha256(bytes));
}

}  // namespace factstore
