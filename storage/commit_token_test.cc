#include "storage/commit_token.h"

#include "gtest/gtest.h"

namespace factstore::storage {
namespace {

TEST(CommitTokenTest, RoundTrips) {
  std::string token = EncodeCommitToken(0x5f3a91c2, 42);
  EXPECT_EQ(token, "5f3a91c2-42");
  auto commit = DecodeCommitToken(token, 0x5f3a91c2, "min_commit");
  ASSERT_TRUE(commit.ok());
  EXPECT_EQ(*commit, 42u);
  EXPECT_EQ(EncodeCommitToken(7, UINT64_MAX), "00000007-18446744073709551615");
  EXPECT_EQ(*DecodeCommitToken(EncodeCommitToken(7, UINT64_MAX), 7, "f"),
            UINT64_MAX);
  EXPECT_EQ(EncodeCommitToken(0xffffffff, 0), "ffffffff-0");
  EXPECT_EQ(EncodeCommitToken(0, 1), "00000000-1");
}

TEST(CommitTokenTest, ResumeTokensCarryAnOffset) {
  std::string token = EncodeResumeToken(9, {12, 3});
  EXPECT_EQ(token, "00000009-12.3");
  EXPECT_EQ(EncodeResumeToken(0xabcdef01, {UINT64_MAX, 0}),
            "abcdef01-18446744073709551615.0");
  auto position = DecodeResumeToken(token, 9, "after");
  ASSERT_TRUE(position.ok());
  EXPECT_EQ(position->commit, 12u);
  EXPECT_EQ(position->offset, 3u);
  // A plain commit token means "after the whole commit".
  position = DecodeResumeToken("00000009-12", 9, "after");
  ASSERT_TRUE(position.ok());
  EXPECT_EQ(position->offset, CommitPosition::kWholeCommit);
  // A resume token is not a commit token.
  EXPECT_FALSE(DecodeCommitToken(token, 9, "min_commit").ok());
}

TEST(CommitTokenTest, RejectsForeignAndMalformedTokensNamingTheField) {
  auto other_store =
      DecodeCommitToken("00000008-12", 9, "read_options.min_commit");
  ASSERT_FALSE(other_store.ok());
  EXPECT_EQ(other_store.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(other_store.status().message().find("read_options.min_commit"),
            std::string::npos);
  EXPECT_NE(other_store.status().message().find("another store"),
            std::string::npos);
  for (const char* bad :
       {"", "12", "00000009", "00000009-", "00000009-x", "0000000g-1",
        "00000009-1.", "00000009-1.x", "00000009--1", "00000009-+1",
        "00000009-99999999999999999999999", "00000009-1.4294967295",
        "0000000A-1"}) {
    EXPECT_FALSE(DecodeResumeToken(bad, 9, "after").ok()) << bad;
  }
  EXPECT_FALSE(
      DecodeResumeToken(absl::string_view("00000009-1\0", 11), 9, "after")
          .ok());
}

}  // namespace
}  // namespace factstore::storage
