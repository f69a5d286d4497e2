// Fuzz target for page tokens (query_service/page_token.h), which clients
// send back verbatim and may alter.
//
// 1. The input as a token: Decode must never crash and, as no input can
//    carry a valid MAC under the secret, must refuse it with INVALID_ARGUMENT
//    naming page_token. (Seeds include tokens signed under the fixed secret
//    below, so that mutations reach the code after the MAC check; a token
//    that does verify must hold this query's fingerprint and be unexpired,
//    and must not verify under another secret.)
// 2. A cursor built from the input: Encode then Decode must give it back;
//    the same token must be refused for another query, once expired, and
//    with any bit of its MAC or its signed cursor flipped.
#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "fuzz/fuzz_check.h"
#include "query_service/page_token.h"
#include "query_service/page_token.pb.h"

namespace factstore::fuzz {
namespace {

using query::PageCursor;
using query::PageTokenCodec;
using query::SignedPageCursor;

// Fixed so that a token found once reproduces; the corpus holds tokens
// signed with it (see fuzz/make_seed_corpus.py).
constexpr absl::string_view kSecret = "factstore-fuzz-page-token-secret";
constexpr absl::string_view kFingerprint = "fuzz-fingerprint";  // 16 bytes
// 2025-01-01T00:00:00Z.
const absl::Time kNow = absl::FromUnixSeconds(1735689600);

// Reads fixed-size fields from the front of the input, zeros when short.
class Reader {
 public:
  explicit Reader(absl::string_view data) : data_(data) {}
  uint64_t Take(size_t bytes) {
    uint64_t v = 0;
    for (size_t i = 0; i < bytes; ++i) {
      v <<= 8;
      if (!data_.empty()) {
        v |= static_cast<uint8_t>(data_[0]);
        data_.remove_prefix(1);
      }
    }
    return v;
  }
  absl::string_view rest() const { return data_; }

 private:
  absl::string_view data_;
};

bool Same(const PageCursor& a, const PageCursor& b) {
  return a.SerializeAsString() == b.SerializeAsString();
}

void CheckRefused(const absl::StatusOr<PageCursor>& decoded,
                  absl::string_view why) {
  FUZZ_CHECK(!decoded.ok())
      << why << ": accepted " << decoded->ShortDebugString();
  FUZZ_CHECK(decoded.status().code() == absl::StatusCode::kInvalidArgument)
      << why << ": " << decoded.status().ToString();
  FUZZ_CHECK(absl::StartsWith(decoded.status().message(), "page_token: "))
      << why << ": the message does not name page_token: "
      << decoded.status().ToString();
}

// 1: arbitrary bytes as a token.
void CheckArbitraryToken(const PageTokenCodec& codec, absl::string_view token) {
  absl::StatusOr<PageCursor> decoded = codec.Decode(token, kFingerprint, kNow);
  if (!decoded.ok()) {
    CheckRefused(decoded, "arbitrary token");
    return;
  }
  // Only a (mutated) seed signed under kSecret gets here.
  FUZZ_CHECK(decoded->query_fingerprint() == kFingerprint)
      << "a token of another query was accepted: " << Show(token);
  FUZZ_CHECK(kNow - absl::FromUnixMicros(decoded->issue_time_micros()) <=
             query::kPageTokenLifetime)
      << "an expired token was accepted: " << Show(token);
  PageTokenCodec other("another store's secret");
  CheckRefused(other.Decode(token, kFingerprint, kNow),
               "a token verified under another secret");
  absl::StatusOr<PageCursor> again =
      codec.Decode(codec.Encode(*decoded), kFingerprint, kNow);
  FUZZ_CHECK(again.ok() && Same(*again, *decoded))
      << "re-encoding " << decoded->ShortDebugString()
      << " does not round trip";
}

// Flips bit `bit` of the signed cursor's `field` and re-encodes the token.
std::string Tampered(absl::string_view token, bool mac, uint64_t bit) {
  std::string bytes;
  FUZZ_CHECK(absl::WebSafeBase64Unescape(token, &bytes))
      << "Encode gave a token that is not base64: " << Show(token);
  SignedPageCursor signed_cursor;
  FUZZ_CHECK(signed_cursor.ParseFromString(bytes)) << "token " << Show(token);
  std::string* field =
      mac ? signed_cursor.mutable_mac() : signed_cursor.mutable_cursor();
  if (field->empty()) return "";
  size_t index = static_cast<size_t>(bit / 8) % field->size();
  (*field)[index] = static_cast<char>((*field)[index] ^ (1 << (bit % 8)));
  std::string out;
  absl::WebSafeBase64Escape(signed_cursor.SerializeAsString(), &out);
  return out;
}

// 2: a cursor from the input.
void CheckRoundTrip(const PageTokenCodec& codec, absl::string_view data) {
  Reader in(data);
  PageCursor cursor;
  cursor.set_query_fingerprint(std::string(kFingerprint));
  cursor.set_commit(in.Take(8));
  cursor.set_phase(static_cast<uint32_t>(in.Take(1)));
  // Issued within the lifetime (up to 24 hours before kNow).
  int64_t age_seconds = static_cast<int64_t>(in.Take(4) % (24 * 60 * 60 + 1));
  cursor.set_issue_time_micros(
      absl::ToUnixMicros(kNow - absl::Seconds(age_seconds)));
  const uint64_t bit = in.Take(2);
  cursor.set_after_key(std::string(in.rest()));

  std::string token = codec.Encode(cursor);
  for (char c : token) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') || c == '-' || c == '_';
    FUZZ_CHECK(ok) << "token " << Show(token) << " is not web-safe base64";
  }
  absl::StatusOr<PageCursor> decoded = codec.Decode(token, kFingerprint, kNow);
  FUZZ_CHECK(decoded.ok()) << "the token of " << cursor.ShortDebugString()
                           << " (" << token.size() << " bytes) is refused: "
                           << decoded.status().ToString();
  FUZZ_CHECK(Same(*decoded, cursor))
      << cursor.ShortDebugString() << " comes back as "
      << decoded->ShortDebugString();

  CheckRefused(codec.Decode(token, "other-fingerprnt", kNow),
               "a token used for another query");
  CheckRefused(codec.Decode(token, kFingerprint,
                            absl::FromUnixMicros(cursor.issue_time_micros()) +
                                query::kPageTokenLifetime + absl::Seconds(1)),
               "an expired token");
  PageTokenCodec other("another store's secret");
  CheckRefused(other.Decode(token, kFingerprint, kNow),
               "a token of another store");
  for (bool mac : {true, false}) {
    std::string tampered = Tampered(token, mac, bit);
    if (tampered.empty()) continue;
    CheckRefused(
        codec.Decode(tampered, kFingerprint, kNow),
        mac ? "a token with an altered MAC" : "a token with an altered cursor");
  }
}

}  // namespace
}  // namespace factstore::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace factstore::fuzz;
  static const factstore::query::PageTokenCodec* codec =
      new factstore::query::PageTokenCodec(std::string(kSecret));
  absl::string_view input(reinterpret_cast<const char*>(data), size);
  CheckArbitraryToken(*codec, input);
  CheckRoundTrip(*codec, input);
  return 0;
}
