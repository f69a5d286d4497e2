// What a factstore store keeps when the machine loses power: the store runs
// over PowerCutFileSystem, which drops every byte not yet synced when the
// power goes, and is then reopened with the ordinary file system.
//
// The property the ingest service relies on: a commit written with sync is
// durable once Store::Write returns OK, and whatever survives is always a
// prefix of the commits, each complete (a commit spans many column
// families, so half of one would show).
#include <atomic>
#include <chrono>
#include <iostream>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "rocksdb/env.h"
#include "storage/commit_batch.h"
#include "storage/key_codec.h"
#include "storage/power_cut_file_system.h"
#include "storage/store.h"
#include "storage/test_records.h"
#include "tests/support/temp_dir.h"

namespace factstore::storage {
namespace {

using ::factstore::testing::TempDir;

constexpr int kFactsPerCommit = 6;

StoreOptions SmallOptions() {
  StoreOptions options;
  options.block_cache_bytes = 8 << 20;
  options.write_buffer_bytes = 4 << 20;
  return options;
}

std::string SubjectOf(uint64_t commit) {
  return absl::StrCat("entity:", commit);
}
std::string DocumentOf(uint64_t commit) { return absl::StrCat("doc:", commit); }
std::string RequestOf(uint64_t commit) { return absl::StrCat("req_", commit); }
std::string FoldedNameOf(uint64_t commit) {
  return absl::StrCat("entity", commit);
}

FactRecord MakeFact(uint64_t commit, int i) {
  TestFact fact;
  fact.id = absl::StrCat("f_", commit, "_", i);
  fact.subject = SubjectOf(commit);
  fact.amount = absl::StrCat(commit * 100 + i + 1);
  fact.commit = commit;
  fact.document_id = DocumentOf(commit);
  fact.quote = "the figure reported that quarter";
  return MakeFactRecord(fact);
}

EntityRecord MakeEntity(uint64_t commit) {
  EntityRecord record;
  EntityRevision* revision = record.add_revisions();
  revision->set_commit(commit);
  revision->mutable_entity()->set_id(SubjectOf(commit));
  NameForm* form = revision->add_name_forms();
  form->set_text(absl::StrCat("Entity ", commit));
  form->set_folded(FoldedNameOf(commit));
  form->add_word_suffixes(absl::StrCat(commit));
  return record;
}

// Writes commit `commit` as the ingest service's committer does: one batch
// with an entity, its facts and their index entries, the request record, the
// commit-log record and the new head.
absl::Status WriteCommit(Store& store, uint64_t commit, bool sync) {
  CommitBatch batch(store);
  batch.PutEntity(MakeEntity(commit));
  CommitRecord log;
  log.set_commit(commit);
  for (int i = 0; i < kFactsPerCommit; ++i) {
    FactRecord fact = MakeFact(commit, i);
    absl::Status put = batch.PutFact(nullptr, fact);
    if (!put.ok()) return put;
    Change* change = log.add_changes();
    change->set_kind(CHANGE_KIND_FACT_ASSERTED);
    change->set_fact_id(fact.content().id());
  }
  RequestRecord request;
  request.set_method("Assert");
  request.set_commit(commit);
  batch.PutRequest(RequestOf(commit), request);
  batch.PutCommitRecord(log);
  StoreHead head;
  head.set_last_commit(commit);
  head.set_entity_count(static_cast<int64_t>(commit));
  head.set_fact_count(static_cast<int64_t>(commit * kFactsPerCommit));
  batch.PutHead(head);
  return store.Write(batch, sync);
}

// Every key commit `commit` writes, outside the head, which each commit
// overwrites.
std::vector<IndexEntry> KeysOfCommit(uint64_t commit) {
  std::vector<IndexEntry> keys;
  keys.push_back({ColumnFamily::kEntities, EntityKey(SubjectOf(commit))});
  keys.push_back(
      {ColumnFamily::kNames,
       NameKey(NameKind::kFullName, FoldedNameOf(commit), SubjectOf(commit))});
  keys.push_back(
      {ColumnFamily::kNames, NameKey(NameKind::kWordSuffix,
                                     absl::StrCat(commit), SubjectOf(commit))});
  for (int i = 0; i < kFactsPerCommit; ++i) {
    FactRecord fact = MakeFact(commit, i);
    keys.push_back({ColumnFamily::kFacts, FactKey(fact.content().id())});
    std::vector<IndexEntry> entries;
    EXPECT_TRUE(FactIndexEntries(fact, &entries).ok());
    keys.insert(keys.end(), entries.begin(), entries.end());
  }
  keys.push_back({ColumnFamily::kRequests, RequestKey(RequestOf(commit))});
  keys.push_back({ColumnFamily::kCommitLog, CommitKey(commit)});
  return keys;
}

// How many of commit `commit`'s keys the store holds.
size_t KeysPresent(const Store& store, uint64_t commit) {
  size_t present = 0;
  for (const IndexEntry& entry : KeysOfCommit(commit)) {
    rocksdb::PinnableSlice value;
    rocksdb::Status s = store.db()->Get(
        rocksdb::ReadOptions(), store.handle(entry.family), entry.key, &value);
    EXPECT_TRUE(s.ok() || s.IsNotFound()) << s.ToString();
    if (s.ok()) ++present;
  }
  return present;
}

// Checks that the store holds exactly commits 1..k, each complete, where k
// is its head, and nothing of commits k+1..`last_written`. Returns k.
uint64_t ExpectCompletePrefix(const Store& store, uint64_t last_written) {
  absl::StatusOr<StoreHead> head = store.ReadHead();
  EXPECT_TRUE(head.ok()) << head.status();
  if (!head.ok()) return 0;
  const uint64_t k = head->last_commit();
  EXPECT_LE(k, last_written);
  EXPECT_EQ(head->fact_count(), static_cast<int64_t>(k * kFactsPerCommit));
  const size_t per_commit = KeysOfCommit(1).size();
  for (uint64_t c = 1; c <= last_written; ++c) {
    size_t present = KeysPresent(store, c);
    if (c <= k) {
      EXPECT_EQ(present, per_commit)
          << "commit " << c << " of " << k << " survived only in part";
    } else {
      EXPECT_EQ(present, 0u) << "commit " << c << " is past the head " << k;
    }
  }
  return k;
}

// A primary store in a temp directory whose file I/O goes through a
// PowerCutFileSystem, with the steps of a power cut.
class PowerLossTest : public ::testing::Test {
 protected:
  PowerLossTest()
      : fs_(std::make_shared<PowerCutFileSystem>()),
        env_(rocksdb::NewCompositeEnv(fs_)),
        path_(dir_.path() + "/db") {}

  void SetUp() override {
    StoreOptions options = SmallOptions();
    options.env = env_.get();
    auto opened = Store::OpenPrimary(path_, options);
    ASSERT_TRUE(opened.ok()) << opened.status();
    store_ = std::move(*opened);
  }

  // Cuts the power, lets the store close (its writes fail), drops what was
  // never synced and reopens the store with the ordinary file system.
  void CutPowerAndReopen() {
    fs_->CutPower();
    store_.reset();
    unsynced_at_restore_ = fs_->UnsyncedBytes();
    absl::Status restored = fs_->RestoreAfterCut();
    ASSERT_TRUE(restored.ok()) << restored;
    auto reopened = Store::OpenPrimary(path_, SmallOptions());
    ASSERT_TRUE(reopened.ok()) << reopened.status();
    store_ = std::move(*reopened);
  }

  TempDir dir_;
  std::shared_ptr<PowerCutFileSystem> fs_;
  std::unique_ptr<rocksdb::Env> env_;
  const std::string path_;
  std::unique_ptr<Store> store_;
  uint64_t unsynced_at_restore_ = 0;
};

TEST_F(PowerLossTest, AcknowledgedSyncedCommitsSurviveACutMidStream) {
  // A committer writes with sync until a write fails; the power goes while
  // it is at it.
  std::atomic<uint64_t> acknowledged{0};
  absl::Status failure;
  std::thread committer([&] {
    for (uint64_t c = 1; c <= 5000; ++c) {
      absl::Status written = WriteCommit(*store_, c, /*sync=*/true);
      if (!written.ok()) {
        failure = written;
        return;
      }
      acknowledged = c;
    }
  });
  while (acknowledged < 40) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  fs_->CutPower();
  committer.join();
  const uint64_t last_acknowledged = acknowledged;
  EXPECT_FALSE(failure.ok()) << "no write failed after the power cut";
  std::cerr << "writes acknowledged before the cut: " << last_acknowledged
            << "; the next one failed with: " << failure << "\n";

  ASSERT_NO_FATAL_FAILURE(CutPowerAndReopen());
  uint64_t k = ExpectCompletePrefix(*store_, last_acknowledged + 1);
  // Exact here: a commit survives the simulated cut only if its sync
  // completed before it, and then Store::Write returns OK. (A real disk may
  // also keep the commit whose sync the cut interrupted.)
  EXPECT_EQ(k, last_acknowledged);
  // The store takes writes again after the restart.
  EXPECT_TRUE(WriteCommit(*store_, k + 1, /*sync=*/true).ok());
}

TEST_F(PowerLossTest, UnsyncedCommitsAreLostFromTheEndOnly) {
  constexpr uint64_t kCommits = 200;
  for (uint64_t c = 1; c <= kCommits; ++c) {
    ASSERT_TRUE(WriteCommit(*store_, c, /*sync=*/false).ok());
  }
  // Every commit is readable before the cut.
  EXPECT_EQ(store_->ReadHead()->last_commit(), kCommits);

  ASSERT_NO_FATAL_FAILURE(CutPowerAndReopen());
  EXPECT_GT(unsynced_at_restore_, 0u);
  uint64_t k = ExpectCompletePrefix(*store_, kCommits);
  std::cerr << "commits written without sync: " << kCommits
            << "; surviving the cut: " << k << " (" << unsynced_at_restore_
            << " unsynced bytes dropped)\n";
  RecordProperty("surviving_commits", static_cast<int>(k));
  // Nothing synced the write-ahead log after the store was created (no
  // sync, no flush), so the cut takes every commit with it; if any survive,
  // the file system did not cut what was unsynced.
  EXPECT_EQ(k, 0u);
}

TEST_F(PowerLossTest, OneSyncedCommitMakesTheEarlierOnesDurable) {
  // Syncing the write-ahead log syncs everything before it in the log.
  constexpr uint64_t kSynced = 60;
  constexpr uint64_t kCommits = 100;
  for (uint64_t c = 1; c <= kCommits; ++c) {
    ASSERT_TRUE(WriteCommit(*store_, c, /*sync=*/c == kSynced).ok());
  }

  ASSERT_NO_FATAL_FAILURE(CutPowerAndReopen());
  uint64_t k = ExpectCompletePrefix(*store_, kCommits);
  std::cerr << "commit " << kSynced << " of " << kCommits
            << " synced; surviving the cut: " << k << "\n";
  EXPECT_EQ(k, kSynced);
}

TEST_F(PowerLossTest, FlushedCommitsSurviveWithoutSync) {
  // Flushes write table files and the MANIFEST, which RocksDB syncs itself.
  // The first flushes only the head's family: the other families of the
  // same commits are still only in the write-ahead log, and must not come
  // back without them.
  constexpr uint64_t kHeadFlushed = 40;
  constexpr uint64_t kAllFlushed = 80;
  constexpr uint64_t kCommits = 120;
  std::vector<rocksdb::ColumnFamilyHandle*> all_families;
  for (ColumnFamily cf : kAllColumnFamilies) {
    all_families.push_back(store_->handle(cf));
  }
  for (uint64_t c = 1; c <= kCommits; ++c) {
    ASSERT_TRUE(WriteCommit(*store_, c, /*sync=*/false).ok());
    if (c == kHeadFlushed) {
      ASSERT_TRUE(store_->db()
                      ->Flush(rocksdb::FlushOptions(),
                              store_->handle(ColumnFamily::kMeta))
                      .ok());
    }
    if (c == kAllFlushed) {
      ASSERT_TRUE(
          store_->db()->Flush(rocksdb::FlushOptions(), all_families).ok());
    }
  }

  ASSERT_NO_FATAL_FAILURE(CutPowerAndReopen());
  // Each family a commit writes has a table file now, and the head's has two.
  std::set<ColumnFamily> written = {ColumnFamily::kMeta};
  for (const IndexEntry& entry : KeysOfCommit(1)) written.insert(entry.family);
  std::vector<rocksdb::LiveFileMetaData> tables;
  store_->db()->GetLiveFilesMetaData(&tables);
  EXPECT_EQ(tables.size(), written.size() + 1);
  uint64_t k = ExpectCompletePrefix(*store_, kCommits);
  std::cerr << "commits written without sync: " << kCommits
            << ", all families flushed after " << kAllFlushed
            << "; surviving the cut: " << k << " (" << tables.size()
            << " table files)\n";
  EXPECT_GE(k, kAllFlushed);
  EXPECT_LT(k, kCommits);
}

TEST_F(PowerLossTest, FlushingOnlyTheHeadKeepsCommitsWhole) {
  // After the head's family alone is flushed, its table file says commit
  // kFlushed while the rest of those commits is only in the write-ahead log,
  // never synced by a write. RocksDB must not lose that part of the log.
  constexpr uint64_t kFlushed = 40;
  constexpr uint64_t kCommits = 60;
  for (uint64_t c = 1; c <= kCommits; ++c) {
    ASSERT_TRUE(WriteCommit(*store_, c, /*sync=*/false).ok());
    if (c == kFlushed) {
      ASSERT_TRUE(store_->db()
                      ->Flush(rocksdb::FlushOptions(),
                              store_->handle(ColumnFamily::kMeta))
                      .ok());
    }
  }

  ASSERT_NO_FATAL_FAILURE(CutPowerAndReopen());
  uint64_t k = ExpectCompletePrefix(*store_, kCommits);
  std::cerr << "commits written without sync: " << kCommits
            << ", the head flushed after " << kFlushed
            << "; surviving the cut: " << k << "\n";
  EXPECT_EQ(k, kFlushed);
}

// The file system on its own, one file at a time.

class PowerCutFileSystemTest : public ::testing::Test {
 protected:
  // Appends `data` to `file` through RocksDB's file interface.
  static void Append(rocksdb::FSWritableFile& file, const std::string& data) {
    ASSERT_TRUE(file.Append(data, rocksdb::IOOptions(), nullptr).ok());
  }

  uint64_t SizeOf(const std::string& name) {
    uint64_t size = 0;
    EXPECT_TRUE(rocksdb::FileSystem::Default()
                    ->GetFileSize(name, rocksdb::IOOptions(), &size, nullptr)
                    .ok());
    return size;
  }

  std::unique_ptr<rocksdb::FSWritableFile> Create(const std::string& name) {
    std::unique_ptr<rocksdb::FSWritableFile> file;
    EXPECT_TRUE(
        fs_.NewWritableFile(name, rocksdb::FileOptions(), &file, nullptr).ok());
    return file;
  }

  TempDir dir_;
  PowerCutFileSystem fs_;
};

TEST_F(PowerCutFileSystemTest, KeepsEachFileUpToItsLastSync) {
  const std::string synced = dir_.path() + "/synced";
  const std::string never = dir_.path() + "/never-synced";
  auto a = Create(synced);
  auto b = Create(never);
  Append(*a, "durable");
  ASSERT_TRUE(a->Sync(rocksdb::IOOptions(), nullptr).ok());
  Append(*a, "-lost");
  // Neither a range sync nor closing makes data durable.
  ASSERT_TRUE(a->RangeSync(0, 12, rocksdb::IOOptions(), nullptr).ok());
  Append(*b, "lost");
  ASSERT_TRUE(b->Close(rocksdb::IOOptions(), nullptr).ok());
  EXPECT_EQ(fs_.UnsyncedBytes(), 9u);

  fs_.CutPower();
  EXPECT_FALSE(a->Append("x", rocksdb::IOOptions(), nullptr).ok());
  EXPECT_FALSE(a->Sync(rocksdb::IOOptions(), nullptr).ok());
  EXPECT_EQ(fs_.RestoreAfterCut().code(), absl::StatusCode::kFailedPrecondition)
      << "restored while a file was open";
  a.reset();
  b.reset();
  ASSERT_TRUE(fs_.RestoreAfterCut().ok());
  EXPECT_EQ(SizeOf(synced), 7u);
  EXPECT_EQ(SizeOf(never), 0u);
}

TEST_F(PowerCutFileSystemTest, NothingChangesOnDiskAfterTheCut) {
  const std::string name = dir_.path() + "/file";
  auto file = Create(name);
  Append(*file, "abc");
  ASSERT_TRUE(file->Sync(rocksdb::IOOptions(), nullptr).ok());
  file.reset();
  fs_.CutPower();
  std::unique_ptr<rocksdb::FSWritableFile> created;
  EXPECT_FALSE(fs_.NewWritableFile(dir_.path() + "/new", rocksdb::FileOptions(),
                                   &created, nullptr)
                   .ok());
  EXPECT_FALSE(fs_.RenameFile(name, dir_.path() + "/moved",
                              rocksdb::IOOptions(), nullptr)
                   .ok());
  EXPECT_FALSE(fs_.DeleteFile(name, rocksdb::IOOptions(), nullptr).ok());
  EXPECT_FALSE(
      fs_.CreateDir(dir_.path() + "/d", rocksdb::IOOptions(), nullptr).ok());
  ASSERT_TRUE(fs_.RestoreAfterCut().ok());
  EXPECT_EQ(SizeOf(name), 3u);
  EXPECT_TRUE(
      fs_.FileExists(dir_.path() + "/new", rocksdb::IOOptions(), nullptr)
          .IsNotFound());
}

TEST_F(PowerCutFileSystemTest, RenamedFileKeepsItsSyncedLength) {
  // RocksDB writes CURRENT and OPTIONS under a temporary name, syncs, then
  // renames.
  const std::string temp = dir_.path() + "/000001.dbtmp";
  const std::string current = dir_.path() + "/CURRENT";
  auto file = Create(temp);
  Append(*file, "MANIFEST-000001\n");
  ASSERT_TRUE(file->Fsync(rocksdb::IOOptions(), nullptr).ok());
  file.reset();
  ASSERT_TRUE(
      fs_.RenameFile(temp, current, rocksdb::IOOptions(), nullptr).ok());
  fs_.CutPower();
  ASSERT_TRUE(fs_.RestoreAfterCut().ok());
  EXPECT_EQ(SizeOf(current), 16u);
}

}  // namespace
}  // namespace factstore::storage
