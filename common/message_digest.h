// A digest of a protocol buffer message that is the same for equal messages:
// SHA-256 over its deterministic serialization (map entries in key order),
// for fingerprints that are stored or compared across processes: a write's
// request fingerprint (a retry must match it), a page token's query.
//
//   std::string digest = MessageSha256(request);            // 32 bytes
//   std::string typed = MessageSha256(request, type_name);  // salted
#ifndef FACTSTORE_COMMON_MESSAGE_DIGEST_H_
#define FACTSTORE_COMMON_MESSAGE_DIGEST_H_

#include <string>

#include "absl/strings/string_view.h"
#include "google/protobuf/message.h"

namespace factstore {

// SHA-256 (32 raw bytes) of `message`'s deterministic serialization followed
// by `suffix`. Stored digests depend on these exact bytes: never change how
// they are computed.
std::string MessageSha256(const google::protobuf::Message& message,
                          absl::string_view suffix = "");

}  // namespace factstore

#endif  // FACTSTORE_COMMON_MESSAGE_DIGEST_H_
