// LogReplica against a real nats-server: writers that race never fork the
// log, large commits arrive whole, compaction, rebuilds, and a log that goes
// backwards under a replica.
#include "replication/log_replica.h"

#include <nats/nats.h>

#include <atomic>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "rocksdb/iterator.h"
#include "storage/commit_batch.h"
#include "storage/key_codec.h"
#include "tests/support/nats_server.h"
#include "tests/support/temp_dir.h"

namespace factstore::replication {
namespace {

using storage::ColumnFamily;

// Every key and value of every family but the replica's own log position.
std::map<std::string, std::string> Contents(const storage::Store& store) {
  std::map<std::string, std::string> out;
  for (ColumnFamily cf : storage::kAllColumnFamilies) {
    std::unique_ptr<rocksdb::Iterator> it(
        store.db()->NewIterator(rocksdb::ReadOptions(), store.handle(cf)));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      std::string key = it->key().ToString();
      if (cf == ColumnFamily::kMeta && key == storage::kLogPositionKey)
        continue;
      out[absl::StrCat(static_cast<int>(cf), "/", key)] =
          it->value().ToString();
    }
  }
  return out;
}

class Fixture {
 public:
  explicit Fixture(int max_payload = 0)
      : nats_(testing::NatsServer::Start(max_payload)) {}

  bool ok() const { return nats_ != nullptr; }

  // A replica in a directory of its own (`name`); the first may start the
  // log.
  std::unique_ptr<LogReplica> Replica(const std::string& name, bool may_start) {
    if (clients_.count(name) == 0) {
      NatsOptions options;
      options.servers = {nats_->url()};
      options.request_timeout = absl::Seconds(2);
      auto client = NatsClient::Connect(options);
      EXPECT_TRUE(client.ok()) << client.status();
      clients_[name] = *std::move(client);
    }
    LogReplicaOptions options;
    options.data_dir = dir_.path() + "/" + name;
    options.log.stream = "TEST";
    options.log.replicas = 1;
    options.may_start_log = may_start;
    options.check_interval = absl::Milliseconds(100);
    options.append_timeout = absl::Seconds(3);
    options.writer_name = name;
    auto replica = LogReplica::Start(clients_[name].get(), options);
    EXPECT_TRUE(replica.ok()) << replica.status();
    if (!replica.ok()) return nullptr;
    return *std::move(replica);
  }

  NatsClient* client(const std::string& name) { return clients_[name].get(); }
  const testing::NatsServer& nats() const { return *nats_; }

 private:
  std::unique_ptr<testing::NatsServer> nats_;
  testing::TempDir dir_;
  std::map<std::string, std::unique_ptr<NatsClient>> clients_;
};

// Appends commit head + 1 that writes `key` = `value` in kRequests (a
// family nothing else writes here) with `padding` bytes of value.
absl::Status AppendCommit(LogReplica& replica, const std::string& key,
                          size_t padding = 0, bool erasure = false) {
  storage::Store* store = replica.store();
  storage::StoreHead head = replica.status().head;
  uint64_t commit = head.last_commit() + 1;
  storage::CommitBatch batch(*store);
  storage::RequestRecord request;
  // Letters in no order, so that compression does not shrink the batch.
  std::string filler(padding, 'a');
  uint32_t state = 12345;
  for (char& c : filler) {
    state = state * 1103515245u + 12345u;
    c = static_cast<char>('a' + (state >> 16) % 26);
  }
  request.set_method(filler);
  request.set_commit(commit);
  batch.PutRequest(key, request);
  storage::CommitRecord record;
  record.set_commit(commit);
  batch.PutCommitRecord(record);
  head.set_last_commit(commit);
  batch.PutHead(head);
  return replica.AppendCommit(batch.Seal(), commit, erasure);
}

// Waits until `replica` has applied commit `commit`.
bool WaitForCommit(LogReplica& replica, uint64_t commit,
                   absl::Duration timeout = absl::Seconds(20)) {
  absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    if (replica.status().head.last_commit() >= commit) return true;
    absl::SleepFor(absl::Milliseconds(20));
  }
  return false;
}

// Two writers that keep appending at the same time: each append names the
// entry it follows, so one of two racing appends is refused (ABORTED) and
// its writer catches up and builds on the other's. At the end both stores
// hold the same history, with every acknowledged commit in it once.
TEST(LogReplica, RacingWritersNeverForkTheLog) {
  Fixture f;
  ASSERT_TRUE(f.ok());
  auto a = f.Replica("a", /*may_start=*/true);
  ASSERT_TRUE(a->WaitUntilLoaded(absl::Now() + absl::Seconds(20)).ok());
  auto b = f.Replica("b", /*may_start=*/false);
  ASSERT_TRUE(b->WaitUntilLoaded(absl::Now() + absl::Seconds(20)).ok());

  constexpr int kCommitsEach = 40;
  std::atomic<int> aborted{0};
  auto write = [&](LogReplica* replica, const std::string& name) {
    for (int i = 0; i < kCommitsEach;) {
      absl::Status s = AppendCommit(*replica, absl::StrCat(name, "-", i));
      if (s.ok()) {
        ++i;
      } else if (absl::IsAborted(s)) {
        ++aborted;
        ASSERT_TRUE(replica->CatchUp(absl::Now() + absl::Seconds(10)).ok());
      } else {
        FAIL() << s;
      }
    }
  };
  std::thread ta(write, a.get(), "a");
  std::thread tb(write, b.get(), "b");
  ta.join();
  tb.join();

  ASSERT_TRUE(WaitForCommit(*a, 2 * kCommitsEach));
  ASSERT_TRUE(WaitForCommit(*b, 2 * kCommitsEach));
  EXPECT_EQ(a->status().head.last_commit(), 2u * kCommitsEach);
  EXPECT_EQ(Contents(*a->store()), Contents(*b->store()));
  for (const char* name : {"a", "b"}) {
    for (int i = 0; i < kCommitsEach; ++i) {
      EXPECT_TRUE(a->store()->ReadRequest(absl::StrCat(name, "-", i)).ok())
          << name << i;
    }
  }
  // The two did race (else this test proves nothing about fencing).
  EXPECT_GT(aborted.load(), 0);
}

// A commit larger than an entry is appended in parts, and a replica applies
// it only whole.
TEST(LogReplica, LargeCommitTravelsInPartsAndArrivesWhole) {
  Fixture f;
  ASSERT_TRUE(f.ok());
  auto a = f.Replica("a", true);
  ASSERT_TRUE(a->WaitUntilLoaded(absl::Now() + absl::Seconds(20)).ok());
  auto b = f.Replica("b", false);
  ASSERT_TRUE(b->WaitUntilLoaded(absl::Now() + absl::Seconds(20)).ok());
  a->set_max_entry_bytes_for_testing(4096);
  uint64_t before = a->status().position.sequence();
  ASSERT_TRUE(AppendCommit(*a, "large", /*padding=*/50000).ok());
  uint64_t after = a->status().position.sequence();
  EXPECT_GE(after - before, 12u) << "50 KB in entries of 4 KB";
  ASSERT_TRUE(WaitForCommit(*b, 1));
  EXPECT_EQ(b->status().position.sequence(), after);
  EXPECT_EQ(Contents(*a->store()), Contents(*b->store()));
}

// Compaction appends a snapshot and purges what came before: a replica
// started afterwards loads the snapshot and ends equal, and a replica that
// was away while the log was compacted asks to be rebuilt, then is.
TEST(LogReplica, CompactionLoadsNewReplicasAndRebuildsStaleOnes) {
  Fixture f;
  ASSERT_TRUE(f.ok());
  auto a = f.Replica("a", true);
  ASSERT_TRUE(a->WaitUntilLoaded(absl::Now() + absl::Seconds(20)).ok());
  auto stale = f.Replica("stale", false);
  ASSERT_TRUE(stale->WaitUntilLoaded(absl::Now() + absl::Seconds(20)).ok());
  a->set_max_entry_bytes_for_testing(4096);
  for (int i = 0; i < 5; ++i)
    ASSERT_TRUE(AppendCommit(*a, absl::StrCat("k", i), 3000).ok());
  ASSERT_TRUE(WaitForCommit(*stale, 5));
  stale.reset();  // away while the log is compacted
  for (int i = 5; i < 10; ++i) {
    // The last one marked as an erasure: what makes a compaction due.
    ASSERT_TRUE(
        AppendCommit(*a, absl::StrCat("k", i), 3000, /*erasure=*/i == 9).ok());
  }
  EXPECT_TRUE(a->compaction_pending());

  ASSERT_TRUE(a->CompactLog().ok());
  auto state = a->log()->State();
  ASSERT_TRUE(state.ok());
  EXPECT_GT(state->first_sequence, 1u);
  EXPECT_FALSE(a->compaction_pending());
  // Writes go on after the snapshot.
  ASSERT_TRUE(AppendCommit(*a, "after").ok());

  auto fresh = f.Replica("fresh", false);
  ASSERT_TRUE(fresh->WaitUntilLoaded(absl::Now() + absl::Seconds(20)).ok());
  ASSERT_TRUE(WaitForCommit(*fresh, 11));
  EXPECT_EQ(Contents(*a->store()), Contents(*fresh->store()));

  // The stale replica missed entries the log no longer has.
  stale = f.Replica("stale", false);
  absl::Time deadline = absl::Now() + absl::Seconds(20);
  while (!stale->status().rebuild_required && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(20));
  }
  EXPECT_TRUE(stale->status().rebuild_required) << stale->status().error;
  EXPECT_EQ(stale->status().state, ReplicaStatus::State::kFailed);
  // Restarted, it loads the snapshot instead.
  stale.reset();
  stale = f.Replica("stale", false);
  ASSERT_TRUE(stale->WaitUntilLoaded(absl::Now() + absl::Seconds(20)).ok());
  ASSERT_TRUE(WaitForCommit(*stale, 11));
  EXPECT_EQ(Contents(*a->store()), Contents(*stale->store()));
}

// Appending with an expected sequence of 0 means "the log is empty": the
// first entry of a log is never appended twice by writers starting
// together.
TEST(CommitLog, FirstEntryOnlyIntoAnEmptyLog) {
  Fixture f;
  ASSERT_TRUE(f.ok());
  auto a = f.Replica("a", true);  // a client for the log
  CommitLog log(f.client("a"), {"FIRST", 1});
  ASSERT_TRUE(log.Create().ok());
  absl::StatusOr<uint64_t> first = log.Append("one", 0, "first-1");
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(*first, 1u);
  absl::StatusOr<uint64_t> second = log.Append("two", 0, "first-2");
  EXPECT_TRUE(absl::IsAborted(second.status())) << second.status();
  // A resend of the first (same message id) is answered with its sequence.
  absl::StatusOr<uint64_t> again = log.Append("one", 0, "first-1");
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(*again, 1u);
}

// The stream deleted and created again under a running replica: it stops
// following (loudly) instead of applying a log that is not its own, and a
// writer's appends are refused.
TEST(LogReplica, LogGoingBackwardsStopsTheReplica) {
  Fixture f;
  ASSERT_TRUE(f.ok());
  auto a = f.Replica("a", true);
  ASSERT_TRUE(a->WaitUntilLoaded(absl::Now() + absl::Seconds(20)).ok());
  auto b = f.Replica("b", false);
  ASSERT_TRUE(b->WaitUntilLoaded(absl::Now() + absl::Seconds(20)).ok());
  for (int i = 0; i < 3; ++i)
    ASSERT_TRUE(AppendCommit(*a, absl::StrCat("k", i)).ok());
  ASSERT_TRUE(WaitForCommit(*b, 3));

  jsCtx* js = f.client("a")->jetstream();
  ASSERT_EQ(js_DeleteStream(js, "TEST", nullptr, nullptr), NATS_OK);
  CommitLog log(f.client("a"), {"TEST", 1});
  ASSERT_TRUE(log.Create().ok());

  absl::Time deadline = absl::Now() + absl::Seconds(20);
  while (b->status().state != ReplicaStatus::State::kFailed &&
         absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(20));
  }
  ReplicaStatus status = b->status();
  EXPECT_EQ(status.state, ReplicaStatus::State::kFailed);
  EXPECT_FALSE(status.rebuild_required);
  EXPECT_NE(status.error.find("went backwards"), std::string::npos)
      << status.error;
  absl::Status refused = AppendCommit(*a, "fork");
  EXPECT_FALSE(refused.ok());
  // Restarted on its store, the replica still refuses that log.
  b.reset();
  b = f.Replica("b", false);
  EXPECT_EQ(
      b->WaitUntilLoaded(absl::Now() + absl::Seconds(1)).code(),
      absl::StatusCode::kOk);  // its store is usable until it reads the log
  deadline = absl::Now() + absl::Seconds(20);
  while (b->status().state != ReplicaStatus::State::kFailed &&
         absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(20));
  }
  EXPECT_EQ(b->status().state, ReplicaStatus::State::kFailed);
}

}  // namespace
}  // namespace factstore::replication
