// Page tokens (AIP-158): opaque, tamper-proof continuations of a paged read.
//
// A token carries the commit the first page read at, so every page of one
// listing reads the same snapshot: paging while writes go on neither skips
// nor repeats an item. It is signed with HMAC-SHA256 under the store's
// secret, so a forged or altered token, a token of another query, another
// store or an expired token is rejected with INVALID_ARGUMENT naming
// `page_token`, never misread.
//
//   PageTokenCodec codec(store.identity().token_secret());
//   std::string token = codec.Encode(cursor);
//   FS_ASSIGN_OR_RETURN(PageCursor cursor, codec.Decode(token, fingerprint));
#ifndef FACTSTORE_QUERY_SERVICE_PAGE_TOKEN_H_
#define FACTSTORE_QUERY_SERVICE_PAGE_TOKEN_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "google/protobuf/message.h"
#include "query_service/page_token.pb.h"

namespace factstore::query {

// How long a page token stays valid.
inline constexpr absl::Duration kPageTokenLifetime = absl::Hours(24);

class PageTokenCodec {
 public:
  explicit PageTokenCodec(std::string secret) : secret_(std::move(secret)) {}

  // Signs and encodes a cursor (base64url without padding).
  std::string Encode(const PageCursor& cursor) const;

  // Decodes and verifies a token of the query with `fingerprint`.
  absl::StatusOr<PageCursor> Decode(absl::string_view token,
                                    absl::string_view fingerprint,
                                    absl::Time now) const;

 private:
  std::string Mac(absl::string_view data) const;

  std::string secret_;
};

// A hash identifying what a request asks for: `request` with its paging and
// consistency fields cleared by the caller.
std::string QueryFingerprint(const google::protobuf::Message& request);

}  // namespace factstore::query

#endif  // FACTSTORE_QUERY_SERVICE_PAGE_TOKEN_H_
