// The specification of read targets: which commit a read waits for and reads
// at, from its ReadOptions, and which commit a time travel reaches.
#include "query_service/read_target.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/time/time.h"
#include "common/errors.h"
#include "factstore/v1/types.pb.h"
#include "gtest/gtest.h"
#include "storage/commit_batch.h"
#include "storage/commit_token.h"
#include "storage/store.h"
#include "storage/test_records.h"
#include "tests/support/temp_dir.h"

namespace factstore::query {
namespace {

using ::factstore::testing::TempDir;

constexpr uint32_t kStoreId = 0x1234abcd;

std::string Token(uint64_t commit) {
  return storage::EncodeCommitToken(kStoreId, commit);
}

google::protobuf::Timestamp Timestamp(int64_t seconds, int32_t nanos) {
  google::protobuf::Timestamp t;
  t.set_seconds(seconds);
  t.set_nanos(nanos);
  return t;
}

// Whether `status` is INVALID_ARGUMENT naming exactly `field`, in its message
// and its BadRequest.
::testing::AssertionResult NamesField(const absl::Status& status,
                                      const std::string& field) {
  std::vector<FieldViolation> violations = FieldViolationsOf(status);
  if (status.code() == absl::StatusCode::kInvalidArgument &&
      absl::StartsWith(status.message(), field + ": ") &&
      violations.size() == 1 && violations[0].field == field) {
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure()
         << status << ", expected INVALID_ARGUMENT naming " << field;
}

TEST(ParseReadOptionsTest, EmptyOptionsReadTheLatestCommitWithoutWaiting) {
  absl::StatusOr<ReadTarget> target =
      ParseReadOptions(v1::ReadOptions(), kStoreId, "read_options");
  ASSERT_TRUE(target.ok()) << target.status();
  EXPECT_EQ(target->wait_for, 0u);
  EXPECT_FALSE(target->at.has_value());
  EXPECT_FALSE(target->at_time.has_value());
}

TEST(ParseReadOptionsTest, MinCommitWaitsForItThenReadsTheLatest) {
  v1::ReadOptions options;
  options.set_min_commit(Token(7));
  absl::StatusOr<ReadTarget> target =
      ParseReadOptions(options, kStoreId, "read_options");
  ASSERT_TRUE(target.ok()) << target.status();
  EXPECT_EQ(target->wait_for, 7u);
  EXPECT_FALSE(target->at.has_value());
  EXPECT_FALSE(target->at_time.has_value());
}

TEST(ParseReadOptionsTest, AsOfReadsAtItsCommitAndWaitsForIt) {
  v1::ReadOptions options;
  options.set_as_of(Token(5));
  absl::StatusOr<ReadTarget> target =
      ParseReadOptions(options, kStoreId, "read_options");
  ASSERT_TRUE(target.ok()) << target.status();
  EXPECT_EQ(target->at, 5u);
  EXPECT_EQ(target->wait_for, 5u);
  EXPECT_FALSE(target->at_time.has_value());
}

TEST(ParseReadOptionsTest, WithMinCommitAndAsOfTheReadWaitsForTheLater) {
  v1::ReadOptions options;
  options.set_as_of(Token(5));
  options.set_min_commit(Token(8));
  absl::StatusOr<ReadTarget> later_min =
      ParseReadOptions(options, kStoreId, "read_options");
  ASSERT_TRUE(later_min.ok()) << later_min.status();
  EXPECT_EQ(later_min->at, 5u);
  EXPECT_EQ(later_min->wait_for, 8u);

  options.set_min_commit(Token(3));
  absl::StatusOr<ReadTarget> earlier_min =
      ParseReadOptions(options, kStoreId, "read_options");
  ASSERT_TRUE(earlier_min.ok()) << earlier_min.status();
  EXPECT_EQ(earlier_min->at, 5u);
  EXPECT_EQ(earlier_min->wait_for, 5u);
}

TEST(ParseReadOptionsTest, AsOfTimeTravelsByTimeToTheNanosecond) {
  v1::ReadOptions options;
  *options.mutable_as_of_time() = Timestamp(1722556800, 123456789);
  absl::StatusOr<ReadTarget> target =
      ParseReadOptions(options, kStoreId, "read_options");
  ASSERT_TRUE(target.ok()) << target.status();
  EXPECT_EQ(target->at_time,
            absl::FromUnixSeconds(1722556800) + absl::Nanoseconds(123456789));
  EXPECT_FALSE(target->at.has_value());
  // Which commit that is, is known only when the read runs.
  EXPECT_EQ(target->wait_for, 0u);

  options.set_min_commit(Token(4));
  absl::StatusOr<ReadTarget> waiting =
      ParseReadOptions(options, kStoreId, "read_options");
  ASSERT_TRUE(waiting.ok()) << waiting.status();
  EXPECT_EQ(waiting->wait_for, 4u);
  EXPECT_TRUE(waiting->at_time.has_value());
}

TEST(ParseReadOptionsTest, TheEpochIsATimeToTravelTo) {
  v1::ReadOptions options;
  *options.mutable_as_of_time() = Timestamp(0, 0);
  absl::StatusOr<ReadTarget> target =
      ParseReadOptions(options, kStoreId, "read_options");
  ASSERT_TRUE(target.ok()) << target.status();
  EXPECT_EQ(target->at_time, absl::UnixEpoch());
}

TEST(ParseReadOptionsTest, AsOfTimeIsIgnoredWhenAsOfIsSet) {
  // As ReadOptions documents: as_of wins, and an as_of_time beside it is not
  // even checked.
  v1::ReadOptions options;
  options.set_as_of(Token(5));
  *options.mutable_as_of_time() = Timestamp(1722556800, 0);
  absl::StatusOr<ReadTarget> target =
      ParseReadOptions(options, kStoreId, "read_options");
  ASSERT_TRUE(target.ok()) << target.status();
  EXPECT_EQ(target->at, 5u);
  EXPECT_FALSE(target->at_time.has_value());

  *options.mutable_as_of_time() = Timestamp(-1, 0);
  EXPECT_TRUE(ParseReadOptions(options, kStoreId, "read_options").ok());
}

TEST(ParseReadOptionsTest, MalformedTokensAreRefusedNamingTheirField) {
  struct Case {
    std::string min_commit;
    std::string as_of;
    std::string field;
  };
  const std::vector<Case> cases = {
      {"not a token", "", "read_options.min_commit"},
      {"", "not a token", "read_options.as_of"},
      {"", "1234abcd-", "read_options.as_of"},
      {"", "1234abcd-5x", "read_options.as_of"},
      {"1234ABCD-5", "", "read_options.min_commit"},
      // A resume token of a watch is no commit token.
      {"", "1234abcd-5.2", "read_options.as_of"},
      // The first bad field is named, min_commit before as_of.
      {"bad", "bad", "read_options.min_commit"},
      {Token(5), "bad", "read_options.as_of"},
  };
  for (const Case& c : cases) {
    v1::ReadOptions options;
    options.set_min_commit(c.min_commit);
    options.set_as_of(c.as_of);
    EXPECT_TRUE(NamesField(
        ParseReadOptions(options, kStoreId, "read_options").status(), c.field))
        << options.ShortDebugString();
  }
}

TEST(ParseReadOptionsTest, TokenOfAnotherStoreIsRefused) {
  v1::ReadOptions options;
  options.set_as_of(storage::EncodeCommitToken(kStoreId + 1, 5));
  absl::Status status =
      ParseReadOptions(options, kStoreId, "read_options").status();
  EXPECT_TRUE(NamesField(status, "read_options.as_of"));
  EXPECT_TRUE(absl::StrContains(status.message(), "another store")) << status;

  options.clear_as_of();
  options.set_min_commit(storage::EncodeCommitToken(kStoreId + 1, 5));
  EXPECT_TRUE(
      NamesField(ParseReadOptions(options, kStoreId, "read_options").status(),
                 "read_options.min_commit"));
}

TEST(ParseReadOptionsTest, InvalidTimestampsAreRefused) {
  for (const google::protobuf::Timestamp& t :
       {Timestamp(-1, 0), Timestamp(1722556800, -1),
        Timestamp(1722556800, 1000000000)}) {
    v1::ReadOptions options;
    *options.mutable_as_of_time() = t;
    EXPECT_TRUE(
        NamesField(ParseReadOptions(options, kStoreId, "read_options").status(),
                   "read_options.as_of_time"))
        << t.ShortDebugString();
  }
  v1::ReadOptions last_nanosecond;
  *last_nanosecond.mutable_as_of_time() = Timestamp(1722556800, 999999999);
  EXPECT_TRUE(ParseReadOptions(last_nanosecond, kStoreId, "read_options").ok());
}

TEST(ParseReadOptionsTest, FieldsAreNamedUnderTheCallersPath) {
  v1::ReadOptions options;
  options.set_as_of("bad");
  EXPECT_TRUE(NamesField(
      ParseReadOptions(options, kStoreId, "requests[2].read_options").status(),
      "requests[2].read_options.as_of"));
  options.clear_as_of();
  *options.mutable_as_of_time() = Timestamp(-5, 0);
  EXPECT_TRUE(NamesField(
      ParseReadOptions(options, kStoreId, "requests[2].read_options").status(),
      "requests[2].read_options.as_of_time"));
}

TEST(ReadTargetTest, PinReadsAtThePageTokensCommitWhateverTheRequestSaid) {
  ReadTarget by_time;
  by_time.at_time = absl::FromUnixSeconds(1722556800);
  by_time.wait_for = 9;
  by_time.Pin(4);
  EXPECT_EQ(by_time.at, 4u);
  EXPECT_FALSE(by_time.at_time.has_value());
  EXPECT_EQ(by_time.wait_for, 4u);

  ReadTarget by_commit;
  by_commit.at = 2;
  by_commit.wait_for = 2;
  by_commit.Pin(6);
  EXPECT_EQ(by_commit.at, 6u);
  EXPECT_EQ(by_commit.wait_for, 6u);
}

// A store whose commits 1-5 were made at known times; 2 and 3 in the same
// microsecond.
class CommitTimesTest : public ::testing::Test {
 protected:
  static constexpr int64_t kStart = 1722556800;  // 2024-08-02T00:00:00Z

  void SetUp() override {
    storage::StoreOptions options = storage::SmallTestStoreOptions();
    auto opened = storage::Store::OpenPrimary(dir_.path() + "/db", options);
    ASSERT_TRUE(opened.ok()) << opened.status();
    store_ = std::move(*opened);
    for (uint64_t commit = 1; commit < commit_times_.size(); ++commit) {
      WriteCommit(commit, commit_times_[commit]);
    }
  }

  // Writes the log record and head of commit `commit`, made at `time`, as
  // the ingest service's committer does.
  void WriteCommit(uint64_t commit, absl::Time time) {
    storage::CommitBatch batch(*store_);
    storage::CommitRecord log;
    log.set_commit(commit);
    log.set_time_micros(absl::ToUnixMicros(time));
    batch.PutCommitRecord(log);
    storage::StoreHead head;
    head.set_last_commit(commit);
    head.set_last_commit_time_micros(absl::ToUnixMicros(time));
    batch.PutHead(head);
    ASSERT_TRUE(store_->Write(batch, /*sync=*/false).ok());
  }

  static absl::Time At(double seconds) {
    return absl::FromUnixSeconds(kStart) + absl::Seconds(seconds);
  }

  uint64_t CommitAt(absl::Time time, uint64_t visible) {
    absl::StatusOr<uint64_t> commit = CommitAtTime(*store_, time, visible);
    EXPECT_TRUE(commit.ok()) << commit.status();
    return commit.value_or(~uint64_t{0});
  }

  // commit_times_[c] is when commit c was made (index 0 unused).
  const std::vector<absl::Time> commit_times_ = {
      absl::UnixEpoch(), At(1), At(2), At(2), At(5), At(9)};
  TempDir dir_;
  std::unique_ptr<storage::Store> store_;
};

TEST_F(CommitTimesTest, TimeReachesTheLastCommitAtOrBeforeIt) {
  EXPECT_EQ(CommitAt(At(1), 5), 1u);
  EXPECT_EQ(CommitAt(At(1.5), 5), 1u);
  EXPECT_EQ(CommitAt(At(4.999999), 5), 3u);
  EXPECT_EQ(CommitAt(At(5), 5), 4u);
  EXPECT_EQ(CommitAt(At(8), 5), 4u);
  EXPECT_EQ(CommitAt(At(9), 5), 5u);
  EXPECT_EQ(CommitAt(At(3600), 5), 5u);
}

TEST_F(CommitTimesTest, CommitsOfTheSameTimeAreAllVisibleAtIt) {
  EXPECT_EQ(CommitAt(At(2), 5), 3u);
  EXPECT_EQ(CommitAt(At(2) - absl::Microseconds(1), 5), 1u);
}

TEST_F(CommitTimesTest, TimeBeforeEveryCommitReachesTheEmptyStore) {
  EXPECT_EQ(CommitAt(At(1) - absl::Microseconds(1), 5), 0u);
  EXPECT_EQ(CommitAt(absl::UnixEpoch(), 5), 0u);
}

TEST_F(CommitTimesTest, CommitsAreComparedToTheMicrosecondTheyWereMadeIn) {
  // A time between two microseconds is before a commit of the later one.
  EXPECT_EQ(CommitAt(At(1) - absl::Nanoseconds(1), 5), 0u);
  EXPECT_EQ(CommitAt(At(1) + absl::Nanoseconds(999), 5), 1u);
}

TEST_F(CommitTimesTest, NoCommitAfterTheVisibleOneIsReached) {
  EXPECT_EQ(CommitAt(At(3600), 3), 3u);
  EXPECT_EQ(CommitAt(At(2), 2), 2u);
  EXPECT_EQ(CommitAt(At(3600), 1), 1u);
  EXPECT_EQ(CommitAt(At(3600), 0), 0u);
}

TEST_F(CommitTimesTest, AgreesWithALinearScanOfTheLog) {
  std::vector<absl::Time> probes = {absl::UnixEpoch(), At(3600)};
  for (size_t c = 1; c < commit_times_.size(); ++c) {
    for (absl::Duration d : {absl::Microseconds(-1), absl::ZeroDuration(),
                             absl::Microseconds(1), absl::Seconds(1)}) {
      probes.push_back(commit_times_[c] + d);
    }
  }
  for (uint64_t visible = 0; visible < commit_times_.size(); ++visible) {
    for (absl::Time probe : probes) {
      uint64_t expected = 0;
      for (uint64_t c = 1; c <= visible; ++c) {
        if (commit_times_[c] <= probe) expected = c;
      }
      EXPECT_EQ(CommitAt(probe, visible), expected)
          << "at " << probe << ", visible " << visible;
    }
  }
}

TEST_F(CommitTimesTest, ResolveReadsTheVisibleCommitWithoutTimeTravel) {
  absl::StatusOr<uint64_t> commit = ResolveReadCommit(*store_, ReadTarget(), 4);
  ASSERT_TRUE(commit.ok()) << commit.status();
  EXPECT_EQ(*commit, 4u);

  ReadTarget waiting;
  waiting.wait_for = 2;
  commit = ResolveReadCommit(*store_, waiting, 4);
  ASSERT_TRUE(commit.ok()) << commit.status();
  EXPECT_EQ(*commit, 4u);
}

TEST_F(CommitTimesTest, ResolveReadsAtTheAsOfCommit) {
  ReadTarget target;
  target.at = 2;
  target.wait_for = 2;
  absl::StatusOr<uint64_t> commit = ResolveReadCommit(*store_, target, 5);
  ASSERT_TRUE(commit.ok()) << commit.status();
  EXPECT_EQ(*commit, 2u);
}

TEST_F(CommitTimesTest, ResolveReadsAtTheCommitOfTheAsOfTime) {
  v1::ReadOptions options;
  *options.mutable_as_of_time() = Timestamp(kStart + 6, 0);
  absl::StatusOr<ReadTarget> target =
      ParseReadOptions(options, store_->store_id(), "read_options");
  ASSERT_TRUE(target.ok()) << target.status();
  absl::StatusOr<uint64_t> commit = ResolveReadCommit(*store_, *target, 5);
  ASSERT_TRUE(commit.ok()) << commit.status();
  EXPECT_EQ(*commit, 4u);
  // Only up to the commit the service has seen.
  commit = ResolveReadCommit(*store_, *target, 2);
  ASSERT_TRUE(commit.ok()) << commit.status();
  EXPECT_EQ(*commit, 2u);
}

}  // namespace
}  // namespace factstore::query
