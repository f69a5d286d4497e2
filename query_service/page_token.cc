#include "query_service/page_token.h"

#include <openssl/crypto.h>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/message_digest.h"
#include "common/sha256.h"

namespace factstore::query {
namespace {

// Longer tokens are refused unread. The limit must stay above the longest
// token Encode() issues: a cursor's after_key can be a name index key, whose
// folded name may be ten times the 512 bytes of the name it comes from
// (U+FDFA alone folds to 18 letters), so tokens of SearchEntities reach about
// 8 KiB.
constexpr size_t kMaxTokenBytes = 64 << 10;
constexpr size_t kMacBytes = 16;

absl::Status Invalid(absl::string_view why) {
  return WithReason(
      InvalidField("page_token",
                   absl::StrCat(why, "; start again without a page token")),
      reason::kInvalidPageToken);
}

}  // namespace

std::string PageTokenCodec::Mac(absl::string_view data) const {
  return DigestBytes(HmacSha256(secret_, data), kMacBytes);
}

std::string PageTokenCodec::Encode(const PageCursor& cursor) const {
  SignedPageCursor signed_cursor;
  signed_cursor.set_cursor(cursor.SerializeAsString());
  signed_cursor.set_mac(Mac(signed_cursor.cursor()));
  std::string token;
  absl::WebSafeBase64Escape(signed_cursor.SerializeAsString(), &token);
  return token;
}

absl::StatusOr<PageCursor> PageTokenCodec::Decode(absl::string_view token,
                                                  absl::string_view fingerprint,
                                                  absl::Time now) const {
  if (token.size() > kMaxTokenBytes) return Invalid("too long");
  std::string bytes;
  if (!absl::WebSafeBase64Unescape(token, &bytes)) {
    return Invalid("not a token issued by this service");
  }
  SignedPageCursor signed_cursor;
  if (!signed_cursor.ParseFromString(bytes) ||
      signed_cursor.mac().size() != kMacBytes) {
    return Invalid("not a token issued by this service");
  }
  std::string expected = Mac(signed_cursor.cursor());
  if (CRYPTO_memcmp(expected.data(), signed_cursor.mac().data(), kMacBytes) !=
      0) {
    return Invalid("not a token issued by this store (altered or forged)");
  }
  PageCursor cursor;
  if (!cursor.ParseFromString(signed_cursor.cursor())) {
    return Invalid("not a token issued by this service");
  }
  if (cursor.query_fingerprint() != fingerprint) {
    return Invalid("it belongs to a different query (the filter changed)");
  }
  absl::Time issued = absl::FromUnixMicros(cursor.issue_time_micros());
  if (now - issued > kPageTokenLifetime) return Invalid("it has expired");
  return cursor;
}

std::string QueryFingerprint(const google::protobuf::Message& request) {
  return MessageSha256(request, request.GetDescriptor()->full_name())
      .substr(0, 16);
}

}  // namespace factstore::query
