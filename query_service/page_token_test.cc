// The specification of page tokens: what a token carries back, which tokens
// are refused, and what a query fingerprint tells apart.
#include "query_service/page_token.h"

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/time/time.h"
#include "common/errors.h"
#include "factstore/v1/query_service.pb.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "query_service/page_token.pb.h"

namespace factstore::query {
namespace {

using ::testing::HasSubstr;

const absl::Time kIssued = absl::FromUnixSeconds(1722556800);  // 2024-08-02
const char kSecret[] = "0123456789abcdef0123456789abcdef";

// A cursor of the query with fingerprint `fingerprint`, first read at
// kIssued, every field set.
PageCursor MakeCursor(const std::string& fingerprint) {
  PageCursor cursor;
  cursor.set_query_fingerprint(fingerprint);
  cursor.set_commit(42);
  cursor.set_phase(1);
  cursor.set_after_key(std::string("key\0with\xFF bytes", 15));
  cursor.set_issue_time_micros(absl::ToUnixMicros(kIssued));
  return cursor;
}

std::string ListFactsFingerprint(const std::string& subject) {
  v1::ListFactsRequest request;
  request.mutable_filter()->set_subject(subject);
  return QueryFingerprint(request);
}

// Whether `decoded` is the refusal every bad token gets: INVALID_ARGUMENT
// naming `page_token` (message and BadRequest), reason INVALID_PAGE_TOKEN,
// saying `why`.
::testing::AssertionResult RefusedAsPageToken(
    const absl::StatusOr<PageCursor>& decoded, absl::string_view why) {
  if (decoded.ok()) {
    return ::testing::AssertionFailure()
           << "accepted: " << decoded->ShortDebugString();
  }
  const absl::Status& status = decoded.status();
  std::vector<FieldViolation> violations = FieldViolationsOf(status);
  if (status.code() != absl::StatusCode::kInvalidArgument ||
      !absl::StartsWith(status.message(), "page_token: ") ||
      !absl::StrContains(status.message(), why) || violations.size() != 1 ||
      violations[0].field != "page_token" ||
      ReasonOf(status) != reason::kInvalidPageToken) {
    return ::testing::AssertionFailure()
           << status << " (reason " << ReasonOf(status) << ", "
           << violations.size() << " field violations), expected "
           << "INVALID_ARGUMENT naming page_token, saying \"" << why << "\"";
  }
  return ::testing::AssertionSuccess();
}

TEST(PageTokenCodecTest, TokenDecodesToTheCursorItWasMadeFrom) {
  PageTokenCodec codec(kSecret);
  const std::string fingerprint = ListFactsFingerprint("country:south-korea");
  const PageCursor cursor = MakeCursor(fingerprint);
  std::string token = codec.Encode(cursor);

  absl::StatusOr<PageCursor> decoded =
      codec.Decode(token, fingerprint, kIssued + absl::Minutes(5));
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(decoded->SerializeAsString(), cursor.SerializeAsString())
      << decoded->ShortDebugString();
  // A codec of the same secret (another replica, or after a restart) reads
  // it too.
  EXPECT_TRUE(PageTokenCodec(kSecret).Decode(token, fingerprint, kIssued).ok());
}

TEST(PageTokenCodecTest, TokenIsUrlSafeTextWithoutPadding) {
  std::string token =
      PageTokenCodec(kSecret).Encode(MakeCursor(ListFactsFingerprint("s")));
  ASSERT_FALSE(token.empty());
  for (char c : token) {
    EXPECT_TRUE(absl::ascii_isalnum(c) || c == '-' || c == '_')
        << "character '" << c << "' in " << token;
  }
}

TEST(PageTokenCodecTest, EveryChangedBitOfATokenIsRefused) {
  PageTokenCodec codec(kSecret);
  const std::string fingerprint = ListFactsFingerprint("s");
  std::string bytes;
  ASSERT_TRUE(absl::WebSafeBase64Unescape(codec.Encode(MakeCursor(fingerprint)),
                                          &bytes));
  for (size_t i = 0; i < bytes.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string altered = bytes;
      altered[i] = static_cast<char>(altered[i] ^ (1 << bit));
      std::string token;
      absl::WebSafeBase64Escape(altered, &token);
      EXPECT_TRUE(RefusedAsPageToken(codec.Decode(token, fingerprint, kIssued),
                                     "start again without a page token"))
          << "byte " << i << " bit " << bit;
    }
  }
}

TEST(PageTokenCodecTest, CursorChangedUnderItsMacIsRefusedAsForged) {
  // A client that decodes its token and moves the cursor (another commit, a
  // later key) keeps the old MAC, which no longer matches.
  PageTokenCodec codec(kSecret);
  const std::string fingerprint = ListFactsFingerprint("s");
  std::string bytes;
  ASSERT_TRUE(absl::WebSafeBase64Unescape(codec.Encode(MakeCursor(fingerprint)),
                                          &bytes));
  SignedPageCursor signed_cursor;
  ASSERT_TRUE(signed_cursor.ParseFromString(bytes));
  PageCursor moved;
  ASSERT_TRUE(moved.ParseFromString(signed_cursor.cursor()));
  moved.set_commit(1);
  signed_cursor.set_cursor(moved.SerializeAsString());
  std::string forged;
  absl::WebSafeBase64Escape(signed_cursor.SerializeAsString(), &forged);

  EXPECT_TRUE(RefusedAsPageToken(codec.Decode(forged, fingerprint, kIssued),
                                 "altered or forged"));
}

TEST(PageTokenCodecTest, TokenOfAnotherSecretIsRefused) {
  // Another store (every store has its own secret) issued it.
  const std::string fingerprint = ListFactsFingerprint("s");
  std::string token =
      PageTokenCodec("another store's secret").Encode(MakeCursor(fingerprint));
  EXPECT_TRUE(RefusedAsPageToken(
      PageTokenCodec(kSecret).Decode(token, fingerprint, kIssued),
      "altered or forged"));
}

TEST(PageTokenCodecTest, TokenOfAnotherQueryIsRefused) {
  PageTokenCodec codec(kSecret);
  std::string token = codec.Encode(MakeCursor(ListFactsFingerprint("a")));
  EXPECT_TRUE(RefusedAsPageToken(
      codec.Decode(token, ListFactsFingerprint("b"), kIssued),
      "different query"));
}

TEST(PageTokenCodecTest, TokenIsValidForTwentyFourHoursFromIssue) {
  PageTokenCodec codec(kSecret);
  const std::string fingerprint = ListFactsFingerprint("s");
  std::string token = codec.Encode(MakeCursor(fingerprint));

  EXPECT_TRUE(codec.Decode(token, fingerprint, kIssued).ok());
  EXPECT_TRUE(
      codec.Decode(token, fingerprint, kIssued + kPageTokenLifetime).ok());
  EXPECT_TRUE(RefusedAsPageToken(
      codec.Decode(token, fingerprint,
                   kIssued + kPageTokenLifetime + absl::Microseconds(1)),
      "expired"));
  EXPECT_TRUE(RefusedAsPageToken(
      codec.Decode(token, fingerprint, kIssued + absl::Hours(24 * 30)),
      "expired"));
  EXPECT_EQ(kPageTokenLifetime, absl::Hours(24));
}

TEST(PageTokenCodecTest, TextThatIsNoTokenIsRefused) {
  PageTokenCodec codec(kSecret);
  const std::string fingerprint = ListFactsFingerprint("s");
  std::string not_a_message;
  absl::WebSafeBase64Escape("\xFF\xFF\xFF\xFF", &not_a_message);
  std::string empty_message;  // parses, but has no MAC
  absl::WebSafeBase64Escape(SignedPageCursor().SerializeAsString(),
                            &empty_message);
  for (const std::string& token : {std::string("not base64!"), std::string(""),
                                   not_a_message, empty_message}) {
    EXPECT_TRUE(RefusedAsPageToken(codec.Decode(token, fingerprint, kIssued),
                                   "not a token issued by this service"))
        << "token \"" << token << "\"";
  }
}

TEST(PageTokenCodecTest, OverlongTokenIsRefusedUnread) {
  PageTokenCodec codec(kSecret);
  EXPECT_TRUE(RefusedAsPageToken(
      codec.Decode(std::string((64 << 10) + 1, 'A'), "", kIssued), "too long"));
}

TEST(PageTokenCodecTest, CursorWithALongKeyRoundTrips) {
  // A SearchEntities cursor's key holds a folded name: up to about 8 KiB.
  PageTokenCodec codec(kSecret);
  const std::string fingerprint = ListFactsFingerprint("s");
  PageCursor cursor = MakeCursor(fingerprint);
  cursor.set_after_key(std::string(16 << 10, 'x'));
  absl::StatusOr<PageCursor> decoded =
      codec.Decode(codec.Encode(cursor), fingerprint, kIssued);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(decoded->after_key(), cursor.after_key());
}

TEST(QueryFingerprintTest, EqualQueriesHaveEqualFingerprints) {
  v1::ListFactsRequest a;
  a.mutable_filter()->set_subject("country:south-korea");
  a.mutable_filter()->set_predicate("investment.cumulative_total");
  v1::ListFactsRequest b;  // the same, built in another order
  b.mutable_filter()->set_predicate("investment.cumulative_total");
  b.mutable_filter()->set_subject("country:south-korea");

  EXPECT_EQ(QueryFingerprint(a), QueryFingerprint(b));
  EXPECT_EQ(QueryFingerprint(a).size(), 16u);
}

TEST(QueryFingerprintTest, ChangedFilterChangesTheFingerprint) {
  v1::ListFactsRequest base;
  base.mutable_filter()->set_subject("country:south-korea");
  const std::string fingerprint = QueryFingerprint(base);

  std::vector<v1::ListFactsRequest> changed(5, base);
  changed[0].mutable_filter()->set_subject("country:japan");
  changed[1].mutable_filter()->set_predicate("investment.cumulative_total");
  changed[2].mutable_filter()->set_include_retracted(true);
  changed[3].mutable_filter()->add_modalities(v1::MODALITY_REPORTED);
  changed[4].mutable_filter()->mutable_valid_time()->set_start("2024");
  for (size_t i = 0; i < changed.size(); ++i) {
    EXPECT_NE(QueryFingerprint(changed[i]), fingerprint)
        << changed[i].ShortDebugString();
  }
}

TEST(QueryFingerprintTest, CoversEveryFieldItIsGivenSoCallersClearPaging) {
  // The fingerprint does not know which fields are paging or consistency
  // options: the callers clear page_token, page_size and read_options first
  // (StoreQueries does; store_queries_test checks that a token outlives a
  // change of page size).
  v1::ListFactsRequest base;
  base.mutable_filter()->set_subject("s");
  v1::ListFactsRequest paged = base;
  paged.set_page_size(10);
  EXPECT_NE(QueryFingerprint(paged), QueryFingerprint(base));
}

TEST(QueryFingerprintTest, QueriesOfDifferentMethodsDiffer) {
  // Empty requests of two methods serialize alike; the type name tells them
  // apart, so a token of one method does not continue another.
  EXPECT_NE(QueryFingerprint(v1::ListFactsRequest()),
            QueryFingerprint(v1::SearchEntitiesRequest()));
  EXPECT_NE(QueryFingerprint(v1::ListFactsRequest()),
            QueryFingerprint(v1::ListPredicatesRequest()));
}

}  // namespace
}  // namespace factstore::query
