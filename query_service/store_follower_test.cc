// Unit tests of StoreFollower in embedded mode: a real primary store in a
// temporary directory, written as the ingest service's committer writes it,
// and a follower opening the same directory as a RocksDB secondary.
#include "query_service/store_follower.h"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <future>
#include <initializer_list>
#include <memory>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/remembered_words.h"
#include "gtest/gtest.h"
#include "storage/commit_batch.h"
#include "storage/commit_progress.h"
#include "storage/store.h"
#include "storage/test_records.h"
#include "tests/support/temp_dir.h"

namespace factstore::query {
namespace {

using ::factstore::testing::TempDir;

// How long a test waits for what should take milliseconds before it fails.
constexpr absl::Duration kPatience = absl::Seconds(10);
// StoreFollower::OpenFailure's grace period (store_follower.h).
constexpr absl::Duration kOpenFailureGrace = absl::Seconds(2);

std::unique_ptr<storage::Store> OpenPrimary(const std::string& path) {
  auto store =
      storage::Store::OpenPrimary(path, storage::SmallTestStoreOptions());
  EXPECT_TRUE(store.ok()) << store.status();
  return store.ok() ? *std::move(store) : nullptr;
}

// Writes commit `commit` as the ingest service's committer does: one new
// fact "f_<commit>", the commit record and the head, in one batch. The head
// counts `tombstones` erased entities.
void WriteCommit(storage::Store& primary, uint64_t commit,
                 int64_t tombstones = 0) {
  storage::TestFact fact;
  fact.id = absl::StrCat("f_", commit);
  fact.subject = "place:da-nang";
  fact.commit = commit;
  storage::FactRecord record = storage::MakeFactRecord(fact);
  storage::CommitBatch batch(primary);
  ASSERT_TRUE(batch.PutFact(nullptr, record).ok());
  storage::CommitRecord log;
  log.set_commit(commit);
  log.set_time_micros(absl::ToUnixMicros(absl::Now()));
  storage::Change* change = log.add_changes();
  change->set_kind(storage::CHANGE_KIND_FACT_ASSERTED);
  change->set_fact_id(fact.id);
  change->set_subject(fact.subject);
  change->set_predicate(record.content().predicate());
  batch.PutCommitRecord(log);
  storage::StoreHead head;
  head.set_last_commit(commit);
  head.set_last_commit_time_micros(log.time_micros());
  head.set_fact_count(static_cast<int64_t>(commit));
  head.set_tombstone_count(tombstones);
  batch.PutHead(head);
  absl::Status written = primary.Write(batch, /*sync=*/false);
  ASSERT_TRUE(written.ok()) << written;
}

FollowerOptions Options(const TempDir& dir) {
  FollowerOptions options;
  options.data_dir = dir.path() + "/db";
  options.secondary_dir = dir.path() + "/secondary";
  options.catch_up_interval = absl::Milliseconds(5);
  options.open_retry_interval = absl::Milliseconds(20);
  options.store = storage::SmallTestStoreOptions();
  return options;
}

// WaitForCommit, blocking: the status it calls back with.
absl::Status AwaitCommit(StoreFollower& follower, uint64_t commit,
                         absl::Duration timeout = kPatience) {
  auto promise = std::make_shared<std::promise<absl::Status>>();
  std::future<absl::Status> result = promise->get_future();
  follower.WaitForCommit(
      commit, absl::Now() + timeout,
      [promise](const absl::Status& status) { promise->set_value(status); });
  // The follower answers by the deadline; the margin only keeps a broken
  // follower from hanging the test.
  if (result.wait_for(absl::ToChronoSeconds(timeout + absl::Seconds(10))) !=
      std::future_status::ready) {
    return absl::InternalError("WaitForCommit never called back");
  }
  return result.get();
}

// A primary store in `dir` holding commit 1, and a follower that sees it.
// The follower is declared last, so it stops before the primary closes.
struct FollowedStore {
  std::unique_ptr<storage::Store> primary;
  std::unique_ptr<StoreFollower> follower;
};

void FollowAStoreOfOneCommit(const TempDir& dir, FollowedStore* followed) {
  FollowerOptions options = Options(dir);
  followed->primary = OpenPrimary(options.data_dir);
  ASSERT_NE(followed->primary, nullptr);
  WriteCommit(*followed->primary, 1);
  followed->follower = StoreFollower::Start(options);
  ASSERT_TRUE(AwaitCommit(*followed->follower, 1).ok());
}

// Polls `condition` until it holds or `timeout` passes; returns whether it
// held.
template <typename Condition>
bool PollUntil(Condition condition, absl::Duration timeout = kPatience) {
  const absl::Time deadline = absl::Now() + timeout;
  while (!condition()) {
    if (absl::Now() > deadline) return false;
    absl::SleepFor(absl::Milliseconds(5));
  }
  return true;
}

// Waits until the follower has run `rounds` more catch-up rounds.
void AwaitRounds(StoreFollower& follower, int rounds) {
  auto count = std::make_shared<std::atomic<int>>(0);
  int handle = follower.AddListener([count] { count->fetch_add(1); });
  EXPECT_TRUE(PollUntil([&] { return count->load() >= rounds; }))
      << "the follower ran " << count->load() << " rounds, not " << rounds;
  follower.RemoveListener(handle);
}

void WriteFile(const std::string& path, const std::string& content) {
  // Written aside and renamed, so that the follower never reads half of it.
  const std::string temp = path + ".tmp";
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    out << content;
    ASSERT_TRUE(out.good()) << temp;
  }
  std::filesystem::rename(temp, path);
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in),
                     std::istreambuf_iterator<char>());
}

TEST(StoreFollowerTest, FollowsAnExistingStoreAndSeesCommitsMadeAfterStart) {
  TempDir dir;
  FollowerOptions options = Options(dir);
  std::unique_ptr<storage::Store> primary = OpenPrimary(options.data_dir);
  ASSERT_NE(primary, nullptr);
  WriteCommit(*primary, 1);

  const absl::Time before_start = absl::Now();
  std::unique_ptr<StoreFollower> follower = StoreFollower::Start(options);
  ASSERT_TRUE(AwaitCommit(*follower, 1).ok());
  ASSERT_NE(follower->store(), nullptr);
  EXPECT_FALSE(follower->store()->is_primary());
  EXPECT_EQ(follower->store()->store_id(), primary->store_id());
  EXPECT_TRUE(follower->OpenFailure().ok());

  WriteCommit(*primary, 2);
  WriteCommit(*primary, 3);
  absl::Status waited = AwaitCommit(*follower, 3);
  ASSERT_TRUE(waited.ok()) << waited;

  FollowerView view = follower->view();
  EXPECT_TRUE(view.ready);
  EXPECT_EQ(view.commit, 3u);
  EXPECT_EQ(view.head.last_commit(), 3u);
  EXPECT_EQ(view.head.fact_count(), 3);
  // When the catch-up that showed commit 3 started: after the follower did,
  // and possibly before commits 2 and 3 were written (a round that started
  // just before them may already see them).
  EXPECT_GE(view.caught_up_at, before_start);
  EXPECT_LE(view.caught_up_at, absl::Now());
  EXPECT_EQ(follower->visible_commit(), 3u);
  // What the commit wrote is readable through the follower's store.
  auto fact = follower->store()->ReadFact("f_3");
  ASSERT_TRUE(fact.ok()) << fact.status();
  EXPECT_EQ(fact->content().subject(), "place:da-nang");
  auto log = follower->store()->ReadCommit(3);
  ASSERT_TRUE(log.ok()) << log.status();
  EXPECT_EQ(log->changes(0).fact_id(), "f_3");
}

TEST(StoreFollowerTest, AnErasureForgetsTheRememberedWordsBeforeItIsVisible) {
  TempDir dir;
  FollowedStore followed;
  ASSERT_NO_FATAL_FAILURE(FollowAStoreOfOneCommit(dir, &followed));
  storage::Store* primary = followed.primary.get();
  StoreFollower* follower = followed.follower.get();
  // A word of a quote SearchFacts read, remembered as it remembers them.
  RememberedWords<int> remembered(/*capacity=*/16);
  remembered.Get("nguyễn", [](absl::string_view) { return 1; });

  WriteCommit(*primary, 2);
  ASSERT_TRUE(AwaitCommit(*follower, 2).ok());
  EXPECT_EQ(remembered.size(), 1u);  // nothing erased
  WriteCommit(*primary, 3, /*tombstones=*/1);
  ASSERT_TRUE(AwaitCommit(*follower, 3).ok());
  EXPECT_EQ(remembered.size(), 0u);
}

TEST(StoreFollowerTest, WaitForCommitAnswersBeforeReturningWhenVisible) {
  TempDir dir;
  FollowedStore followed;
  ASSERT_NO_FATAL_FAILURE(FollowAStoreOfOneCommit(dir, &followed));
  StoreFollower* follower = followed.follower.get();

  bool called = false;
  absl::Status status = absl::UnknownError("not called");
  follower->WaitForCommit(1, absl::Now() + kPatience,
                          [&](const absl::Status& s) {
                            called = true;
                            status = s;
                          });
  EXPECT_TRUE(called);
  EXPECT_TRUE(status.ok()) << status;
}

TEST(StoreFollowerTest, WaitForCommitFailsAtItsDeadlineForACommitNotMade) {
  TempDir dir;
  FollowedStore followed;
  ASSERT_NO_FATAL_FAILURE(FollowAStoreOfOneCommit(dir, &followed));
  StoreFollower* follower = followed.follower.get();

  const absl::Time start = absl::Now();
  const absl::Duration timeout = absl::Milliseconds(300);
  absl::Status status = AwaitCommit(*follower, 2, timeout);
  EXPECT_EQ(status.code(), absl::StatusCode::kDeadlineExceeded) << status;
  EXPECT_GE(absl::Now() - start, timeout);
  // It names what it sees.
  EXPECT_NE(status.message().find("sees commit 1"), std::string::npos)
      << status;
}

TEST(StoreFollowerTest, StopReleasesWaitersWithUnavailable) {
  TempDir dir;
  FollowedStore followed;
  ASSERT_NO_FATAL_FAILURE(FollowAStoreOfOneCommit(dir, &followed));
  StoreFollower* follower = followed.follower.get();

  auto promise = std::make_shared<std::promise<absl::Status>>();
  std::future<absl::Status> waiting = promise->get_future();
  follower->WaitForCommit(
      2, absl::Now() + absl::Hours(1),
      [promise](const absl::Status& s) { promise->set_value(s); });
  follower->Stop();
  ASSERT_EQ(waiting.wait_for(std::chrono::seconds(10)),
            std::future_status::ready);
  EXPECT_EQ(waiting.get().code(), absl::StatusCode::kUnavailable);
  EXPECT_TRUE(follower->stopped());
  EXPECT_TRUE(follower->feeds_ended());

  // Later waits for a commit not visible are refused at once.
  absl::Status late = absl::UnknownError("not called");
  follower->WaitForCommit(2, absl::Now() + kPatience,
                          [&](const absl::Status& s) { late = s; });
  EXPECT_EQ(late.code(), absl::StatusCode::kUnavailable) << late;
}

TEST(StoreFollowerTest, StartsBeforeTheStoreExistsAndOpensOnceItIsCreated) {
  TempDir dir;
  FollowerOptions options = Options(dir);
  const absl::Time start = absl::Now();
  std::unique_ptr<StoreFollower> follower = StoreFollower::Start(options);

  // A read waiting for the first commit, from before the store exists.
  auto promise = std::make_shared<std::promise<absl::Status>>();
  std::future<absl::Status> first_commit = promise->get_future();
  follower->WaitForCommit(
      1, absl::Now() + absl::Seconds(30),
      [promise](const absl::Status& s) { promise->set_value(s); });

  // Not open, and not a failure: the ingest service has not created the
  // store yet, however long that takes (past the grace period too).
  AwaitRounds(*follower, 3);
  const absl::Time past_grace = start + kOpenFailureGrace + absl::Seconds(1);
  while (absl::Now() < past_grace) {
    EXPECT_EQ(follower->store(), nullptr);
    EXPECT_TRUE(follower->OpenFailure().ok()) << follower->OpenFailure();
    absl::SleepFor(absl::Milliseconds(100));
  }
  AwaitRounds(*follower, 1);
  EXPECT_EQ(follower->store(), nullptr);
  EXPECT_TRUE(follower->OpenFailure().ok()) << follower->OpenFailure();
  FollowerView view = follower->view();
  EXPECT_FALSE(view.ready);
  EXPECT_EQ(view.commit, 0u);
  EXPECT_EQ(follower->visible_commit(), 0u);
  EXPECT_EQ(first_commit.wait_for(std::chrono::seconds(0)),
            std::future_status::timeout);

  std::unique_ptr<storage::Store> primary = OpenPrimary(options.data_dir);
  ASSERT_NE(primary, nullptr);
  WriteCommit(*primary, 1);
  ASSERT_EQ(first_commit.wait_for(std::chrono::seconds(10)),
            std::future_status::ready);
  absl::Status status = first_commit.get();
  EXPECT_TRUE(status.ok()) << status;
  ASSERT_NE(follower->store(), nullptr);
  EXPECT_EQ(follower->store()->store_id(), primary->store_id());
  EXPECT_TRUE(follower->view().ready);
  EXPECT_TRUE(follower->OpenFailure().ok());

  WriteCommit(*primary, 2);
  EXPECT_TRUE(AwaitCommit(*follower, 2).ok());
  EXPECT_EQ(follower->view().head.last_commit(), 2u);
}

TEST(StoreFollowerTest, ReportsItsCommitAndThePrimarysPublishedCommit) {
  TempDir dir;
  FollowerOptions options = Options(dir);
  std::unique_ptr<storage::Store> primary = OpenPrimary(options.data_dir);
  ASSERT_NE(primary, nullptr);
  auto progress = storage::CommitProgressWriter::Open(options.data_dir);
  ASSERT_TRUE(progress.ok()) << progress.status();
  WriteCommit(*primary, 1);
  (*progress)->Publish(1);

  std::unique_ptr<StoreFollower> follower = StoreFollower::Start(options);
  ASSERT_TRUE(AwaitCommit(*follower, 1).ok());
  FollowerView view = follower->view();
  EXPECT_EQ(view.commit, 1u);
  EXPECT_EQ(view.primary_commit, 1u);

  // The primary has published commit 3; the follower sees commit 2 only:
  // one behind, which it reports rather than hides.
  WriteCommit(*primary, 2);
  (*progress)->Publish(3);
  ASSERT_TRUE(AwaitCommit(*follower, 2).ok());
  ASSERT_TRUE(PollUntil([&] { return follower->view().primary_commit == 3; }));
  AwaitRounds(*follower, 2);
  view = follower->view();
  EXPECT_EQ(view.commit, 2u);
  EXPECT_EQ(view.primary_commit, 3u);
  EXPECT_EQ(view.primary_commit - view.commit, 1u);
  EXPECT_EQ(follower->visible_commit(), 2u);

  // Commit 3 lands: nothing behind.
  WriteCommit(*primary, 3);
  ASSERT_TRUE(AwaitCommit(*follower, 3).ok());
  view = follower->view();
  EXPECT_EQ(view.commit, 3u);
  EXPECT_EQ(view.primary_commit, 3u);
}

TEST(StoreFollowerTest,
     CatchesUpWithinTheForcedIntervalWhenNothingIsPublished) {
  TempDir dir;
  FollowerOptions options = Options(dir);
  std::unique_ptr<storage::Store> primary = OpenPrimary(options.data_dir);
  ASSERT_NE(primary, nullptr);
  auto progress = storage::CommitProgressWriter::Open(options.data_dir);
  ASSERT_TRUE(progress.ok()) << progress.status();
  WriteCommit(*primary, 1);
  (*progress)->Publish(1);
  std::unique_ptr<StoreFollower> follower = StoreFollower::Start(options);
  ASSERT_TRUE(AwaitCommit(*follower, 1).ok());

  // A commit the primary wrote but never published (the progress file is
  // advisory): the follower still sees it by the next forced catch-up.
  WriteCommit(*primary, 2);
  const absl::Time written = absl::Now();
  absl::Status status = AwaitCommit(*follower, 2, absl::Seconds(5));
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_LE(absl::Now() - written, kForcedCatchUpInterval + absl::Seconds(2));
  EXPECT_EQ(follower->view().primary_commit, 1u);
}

TEST(StoreFollowerTest, ReportsAStoreThatCannotOpenAfterTheGracePeriod) {
  TempDir dir;
  FollowerOptions options = Options(dir);
  const std::string current = options.data_dir + "/CURRENT";
  uint32_t store_id;
  {
    std::unique_ptr<storage::Store> primary = OpenPrimary(options.data_dir);
    ASSERT_NE(primary, nullptr);
    WriteCommit(*primary, 1);
    store_id = primary->store_id();
  }
  // A damaged store: its CURRENT file names no manifest.
  const std::string good_current = ReadFile(current);
  ASSERT_FALSE(good_current.empty());
  WriteFile(current, "not a manifest name");

  const absl::Time start = absl::Now();
  std::unique_ptr<StoreFollower> follower = StoreFollower::Start(options);
  absl::Status failure;
  ASSERT_TRUE(PollUntil(
      [&] {
        failure = follower->OpenFailure();
        return !failure.ok();
      },
      kOpenFailureGrace + kPatience));
  // Reported only once it has failed for the whole grace period.
  EXPECT_GE(absl::Now() - start, kOpenFailureGrace);
  EXPECT_EQ(failure.code(), absl::StatusCode::kUnavailable) << failure;
  EXPECT_NE(failure.message().find(options.data_dir), std::string::npos)
      << failure;
  EXPECT_EQ(follower->store(), nullptr);
  EXPECT_FALSE(follower->view().ready);
  EXPECT_EQ(follower->visible_commit(), 0u);

  // Repaired: the follower opens the store and the failure is gone.
  WriteFile(current, good_current);
  ASSERT_TRUE(PollUntil([&] { return follower->store() != nullptr; }));
  absl::Status status = AwaitCommit(*follower, 1);
  EXPECT_TRUE(status.ok()) << status;
  EXPECT_TRUE(follower->OpenFailure().ok()) << follower->OpenFailure();
  EXPECT_EQ(follower->store()->store_id(), store_id);
}

// How many lines of stderr `captured` hold one of `texts`.
int LinesWith(const std::string& captured,
              std::initializer_list<absl::string_view> texts) {
  int lines = 0;
  for (absl::string_view line : absl::StrSplit(captured, '\n')) {
    for (absl::string_view text : texts) {
      if (absl::StrContains(line, text)) {
        ++lines;
        break;
      }
    }
  }
  return lines;
}

// Captures stderr (gtest's capture) from construction until Take(), and
// releases it if the test ends early, so that a failed assertion does not
// leave it captured.
class StderrCapture {
 public:
  StderrCapture() { ::testing::internal::CaptureStderr(); }
  ~StderrCapture() {
    if (!taken_) ::testing::internal::GetCapturedStderr();
  }
  std::string Take() {
    taken_ = true;
    return ::testing::internal::GetCapturedStderr();
  }

 private:
  bool taken_ = false;
};

TEST(StoreFollowerTest, ALastingCatchUpFailureIsLoggedOnceAnInterval) {
  TempDir dir;
  FollowerOptions options = Options(dir);
  // Longer than the test, whatever the machine's speed: one line in all.
  options.catch_up_failure_log_interval = absl::Hours(1);
  std::unique_ptr<storage::Store> primary = OpenPrimary(options.data_dir);
  ASSERT_NE(primary, nullptr);
  WriteCommit(*primary, 1);
  primary.reset();
  std::unique_ptr<StoreFollower> follower = StoreFollower::Start(options);
  ASSERT_TRUE(AwaitCommit(*follower, 1).ok());

  // The ingest server beside it moved to a newer schema version, which this
  // follower refuses to catch up with, and goes on committing: every round
  // sees a new published commit and tries (and fails) to catch up.
  auto progress = storage::CommitProgressWriter::Open(options.data_dir);
  ASSERT_TRUE(progress.ok()) << progress.status();
  std::string logged;
  {
    StderrCapture capture;
    absl::Status rewritten = storage::RewriteClosedStore(
        options.data_dir, [](storage::StoreIdentity* identity) {
          identity->set_schema_version(storage::kSchemaVersion + 1);
        });
    ASSERT_TRUE(rewritten.ok()) << rewritten;
    for (uint64_t commit = 2; commit < 2 + 25; ++commit) {
      (*progress)->Publish(commit);
      AwaitRounds(*follower, 2);
    }
    logged = capture.Take();
  }
  // About 50 failed catch-ups: one line, for the first.
  EXPECT_EQ(LinesWith(logged, {"\"catch-up failed\""}), 1) << logged;
  EXPECT_EQ(LinesWith(logged, {"now holds schema version"}), 1) << logged;
  EXPECT_EQ(LinesWith(logged,
                      {"\"failures_in_a_row\":1,", "\"failures_in_a_row\":1}"}),
            1)
      << logged;
  EXPECT_EQ(follower->visible_commit(), 1u);

  // Back to this build's version (as if the upgrade were rolled back): the
  // follower catches up again and says so once.
  std::string recovered;
  {
    StderrCapture capture;
    absl::Status rewritten = storage::RewriteClosedStore(
        options.data_dir, [](storage::StoreIdentity* identity) {
          identity->set_schema_version(storage::kSchemaVersion);
        });
    ASSERT_TRUE(rewritten.ok()) << rewritten;
    (*progress)->Publish(100);
    AwaitRounds(*follower, 3);
    recovered = capture.Take();
  }
  EXPECT_EQ(LinesWith(recovered, {"\"catching up again\""}), 1) << recovered;
  EXPECT_EQ(LinesWith(recovered, {"\"catch-up failed\""}), 0) << recovered;
}

TEST(StoreFollowerTest, ListenersRunAfterEveryRoundUntilRemoved) {
  TempDir dir;
  FollowerOptions options = Options(dir);
  std::unique_ptr<storage::Store> primary = OpenPrimary(options.data_dir);
  ASSERT_NE(primary, nullptr);
  std::unique_ptr<StoreFollower> follower = StoreFollower::Start(options);

  auto calls = std::make_shared<std::atomic<int>>(0);
  int handle = follower->AddListener([calls] { calls->fetch_add(1); });
  // Rounds run also when nothing changed.
  ASSERT_TRUE(PollUntil([&] { return calls->load() >= 3; }));
  follower->RemoveListener(handle);
  const int after_removal = calls->load();
  AwaitRounds(*follower, 3);
  EXPECT_EQ(calls->load(), after_removal);

  // The last call, at Stop, sees the follower stopped and the feeds ended.
  auto saw_stop = std::make_shared<std::atomic<bool>>(false);
  StoreFollower* raw = follower.get();
  follower->AddListener([raw, saw_stop] {
    if (raw->stopped() && raw->feeds_ended()) saw_stop->store(true);
  });
  follower->Stop();
  follower.reset();  // joins the thread
  EXPECT_TRUE(saw_stop->load());
}

}  // namespace
}  // namespace factstore::query
