#include "replication/store_snapshot.h"

#include <algorithm>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"
#include "gtest/gtest.h"
#include "rocksdb/iterator.h"
#include "rocksdb/write_batch.h"
#include "storage/column_families.h"
#include "storage/key_codec.h"
#include "storage/records.pb.h"
#include "storage/store.h"
#include "tests/support/temp_dir.h"

namespace factstore::replication {
namespace {

using ::factstore::testing::TempDir;
using storage::ColumnFamily;
using storage::Store;

// What a write batch record costs beyond its key and value: the tag, the
// family and the two lengths (varints: a byte each for small ones).
constexpr size_t kRecordOverheadBytes = 4;

storage::StoreOptions TestStoreOptions(bool create_identity) {
  storage::StoreOptions options;
  options.block_cache_bytes = 8 << 20;
  options.write_buffer_bytes = 4 << 20;
  options.memtable_budget_bytes = 8 << 20;
  options.collect_statistics = false;
  options.create_identity = create_identity;
  return options;
}

void OpenStore(const std::string& path, bool create_identity,
               std::unique_ptr<Store>* store) {
  absl::StatusOr<std::unique_ptr<Store>> opened =
      Store::OpenPrimary(path, TestStoreOptions(create_identity));
  ASSERT_TRUE(opened.ok()) << opened.status();
  *store = *std::move(opened);
}

// One put of a write batch.
struct Record {
  uint32_t family;
  std::string key;
  std::string value;
};

// The puts of a batch representation; any other kind of record fails the
// test (a snapshot only puts).
class PutRecorder : public rocksdb::WriteBatch::Handler {
 public:
  rocksdb::Status PutCF(uint32_t family, const rocksdb::Slice& key,
                        const rocksdb::Slice& value) override {
    puts.push_back({family, key.ToString(), value.ToString()});
    return rocksdb::Status::OK();
  }
  void LogData(const rocksdb::Slice&) override {
    ADD_FAILURE() << "log data in a snapshot batch";
  }
  rocksdb::Status DeleteCF(uint32_t, const rocksdb::Slice&) override {
    ADD_FAILURE() << "delete in a snapshot batch";
    return rocksdb::Status::OK();
  }
  std::vector<Record> puts;
};

std::vector<Record> PutsOf(const std::string& rep) {
  rocksdb::WriteBatch batch(rep);
  PutRecorder recorder;
  rocksdb::Status read = batch.Iterate(&recorder);
  EXPECT_TRUE(read.ok()) << read.ToString();
  EXPECT_EQ(static_cast<size_t>(batch.Count()), recorder.puts.size());
  return recorder.puts;
}

// Every key and value of a store, by (family, key), the log position left
// out unless asked for.
using Contents = std::map<std::pair<uint32_t, std::string>, std::string>;

Contents ReadContents(const Store& store, bool with_log_position) {
  Contents contents;
  for (ColumnFamily cf : storage::kAllColumnFamilies) {
    std::unique_ptr<rocksdb::Iterator> it(
        store.db()->NewIterator(rocksdb::ReadOptions(), store.handle(cf)));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      std::string key = it->key().ToString();
      if (cf == ColumnFamily::kMeta && !with_log_position &&
          absl::string_view(key) == storage::kLogPositionKey) {
        continue;
      }
      contents[{static_cast<uint32_t>(cf), key}] = it->value().ToString();
    }
    EXPECT_TRUE(it->status().ok()) << it->status().ToString();
  }
  return contents;
}

// Writes `puts` into `store` in one batch.
void PutAll(Store& store, const std::vector<Record>& puts) {
  rocksdb::WriteBatch batch;
  for (const Record& put : puts) {
    ASSERT_TRUE(batch
                    .Put(store.handle(static_cast<ColumnFamily>(put.family)),
                         put.key, put.value)
                    .ok());
  }
  absl::Status applied =
      store.Apply(&batch, nullptr, /*sync=*/false, storage::kSchemaVersion);
  ASSERT_TRUE(applied.ok()) << applied;
}

// `count` keys "<prefix>NNNN" of `family`, each with a value of
// `value_bytes`.
std::vector<Record> MakePuts(ColumnFamily family, const std::string& prefix,
                             int count, size_t value_bytes) {
  std::vector<Record> puts;
  for (int i = 0; i < count; ++i) {
    puts.push_back({static_cast<uint32_t>(family),
                    absl::StrFormat("%s%04d", prefix, i),
                    std::string(value_bytes, static_cast<char>('a' + i % 26))});
  }
  return puts;
}

// Gives `store` a log position, as a replica's store has.
void PutLogPosition(Store& store) {
  storage::LogPosition position;
  position.set_log_id("log-id-for-tests");
  position.set_sequence(42);
  rocksdb::WriteBatch empty;
  absl::Status applied =
      store.Apply(&empty, &position, /*sync=*/false, storage::kSchemaVersion);
  ASSERT_TRUE(applied.ok()) << applied;
}

struct Emitted {
  std::string batch;
  bool last;
};

std::vector<Emitted> SnapshotBatches(const Store& store, size_t target_bytes) {
  std::vector<Emitted> emitted;
  absl::Status done = ForEachSnapshotBatch(
      store, target_bytes, [&](std::string batch, bool last) {
        emitted.push_back({std::move(batch), last});
        return absl::OkStatus();
      });
  EXPECT_TRUE(done.ok()) << done;
  return emitted;
}

// A store with an identity, a head, a log position and two families of
// small records.
void MakePopulatedStore(const std::string& path,
                        std::unique_ptr<Store>* store) {
  ASSERT_NO_FATAL_FAILURE(OpenStore(path, /*create_identity=*/true, store));
  ASSERT_NO_FATAL_FAILURE(
      PutAll(**store, MakePuts(ColumnFamily::kFacts, "fact-", 150, 60)));
  ASSERT_NO_FATAL_FAILURE(
      PutAll(**store, MakePuts(ColumnFamily::kRequests, "request-", 50, 30)));
  ASSERT_NO_FATAL_FAILURE(PutLogPosition(**store));
}

// The batches hold every key but the log position, once each, in family
// and key order; each is about target_bytes: no larger than that plus a
// record's overhead, and cut only when the next record would not fit. Only
// the final one says last.
TEST(ForEachSnapshotBatch, EmitsEveryKeyInBatchesOfAboutTargetBytes) {
  TempDir dir;
  std::unique_ptr<Store> store;
  ASSERT_NO_FATAL_FAILURE(MakePopulatedStore(dir.path() + "/db", &store));
  constexpr size_t kTargetBytes = 1000;
  std::vector<Emitted> emitted = SnapshotBatches(*store, kTargetBytes);
  ASSERT_GT(emitted.size(), 5u);

  std::vector<Record> all;
  size_t largest_record = 0;
  std::vector<size_t> first_record_bytes;
  for (size_t i = 0; i < emitted.size(); ++i) {
    SCOPED_TRACE(absl::StrCat("batch ", i));
    EXPECT_EQ(emitted[i].last, i + 1 == emitted.size());
    std::vector<Record> puts = PutsOf(emitted[i].batch);
    ASSERT_FALSE(puts.empty());
    rocksdb::WriteBatch batch(emitted[i].batch);
    EXPECT_LE(batch.GetDataSize(), kTargetBytes + kRecordOverheadBytes);
    first_record_bytes.push_back(puts[0].key.size() + puts[0].value.size());
    for (Record& put : puts) {
      largest_record =
          std::max(largest_record, put.key.size() + put.value.size());
      all.push_back(std::move(put));
    }
  }
  for (size_t i = 0; i + 1 < emitted.size(); ++i) {
    rocksdb::WriteBatch batch(emitted[i].batch);
    EXPECT_GT(batch.GetDataSize() + first_record_bytes[i + 1], kTargetBytes)
        << "batch " << i << " was cut before it was full";
  }

  Contents expected = ReadContents(*store, /*with_log_position=*/false);
  ASSERT_EQ(all.size(), expected.size());
  auto want = expected.begin();
  for (const Record& put : all) {
    EXPECT_EQ(std::make_pair(put.family, put.key), want->first);
    EXPECT_EQ(put.value, want->second);
    EXPECT_FALSE(put.family == 0 &&
                 absl::string_view(put.key) == storage::kLogPositionKey);
    ++want;
  }
}

// A key-value pair larger than the target goes into a batch of its own.
TEST(ForEachSnapshotBatch, LargeValueMakesABatchOfItsOwn) {
  TempDir dir;
  std::unique_ptr<Store> store;
  ASSERT_NO_FATAL_FAILURE(MakePopulatedStore(dir.path() + "/db", &store));
  const std::string large(5000, 'L');
  ASSERT_NO_FATAL_FAILURE(PutAll(
      *store,
      {{static_cast<uint32_t>(ColumnFamily::kFacts), "fact-0010x", large}}));
  std::vector<Emitted> emitted = SnapshotBatches(*store, 1000);
  int found = 0;
  for (const Emitted& e : emitted) {
    std::vector<Record> puts = PutsOf(e.batch);
    for (const Record& put : puts) {
      if (put.value != large) continue;
      ++found;
      EXPECT_EQ(puts.size(), 1u);
    }
  }
  EXPECT_EQ(found, 1);
}

// Applied in order to an empty store, the batches rebuild the store: the
// same keys and values, its identity, and no log position.
TEST(ForEachSnapshotBatch, BatchesRebuildTheStoreInAnEmptyOne) {
  TempDir dir;
  std::unique_ptr<Store> store;
  ASSERT_NO_FATAL_FAILURE(MakePopulatedStore(dir.path() + "/db", &store));
  std::unique_ptr<Store> copy;
  ASSERT_NO_FATAL_FAILURE(
      OpenStore(dir.path() + "/copy", /*create_identity=*/false, &copy));
  for (const Emitted& e : SnapshotBatches(*store, 700)) {
    rocksdb::WriteBatch batch(e.batch);
    absl::Status applied =
        copy->Apply(&batch, nullptr, /*sync=*/false, storage::kSchemaVersion);
    ASSERT_TRUE(applied.ok()) << applied;
  }
  EXPECT_TRUE(ReadContents(*store, false) == ReadContents(*copy, true));
  EXPECT_TRUE(absl::IsNotFound(copy->ReadLogPosition().status()));

  copy.reset();
  ASSERT_NO_FATAL_FAILURE(
      OpenStore(dir.path() + "/copy", /*create_identity=*/false, &copy));
  EXPECT_EQ(copy->identity().SerializeAsString(),
            store->identity().SerializeAsString());
}

// The batches hold the store as it was when the iteration started: writes
// made meanwhile (here from within emit) are not in them.
TEST(ForEachSnapshotBatch, ReadsOneConsistentState) {
  TempDir dir;
  std::unique_ptr<Store> store;
  ASSERT_NO_FATAL_FAILURE(MakePopulatedStore(dir.path() + "/db", &store));
  const Contents before = ReadContents(*store, false);
  const uint32_t requests = static_cast<uint32_t>(ColumnFamily::kRequests);
  Contents seen;
  bool wrote = false;
  absl::Status done =
      ForEachSnapshotBatch(*store, 500, [&](std::string batch, bool) {
        if (!wrote) {
          wrote = true;
          PutAll(*store, {{requests, "request-0001", "changed"},
                          {requests, "request-9999", "added"}});
        }
        for (Record& put : PutsOf(batch)) {
          seen[{put.family, put.key}] = std::move(put.value);
        }
        return absl::OkStatus();
      });
  ASSERT_TRUE(done.ok()) << done;
  ASSERT_TRUE(wrote);
  EXPECT_TRUE(seen == before);
  EXPECT_EQ(seen.count({requests, "request-9999"}), 0u);
}

// The first error emit returns ends the iteration and is returned.
TEST(ForEachSnapshotBatch, ErrorFromEmitStopsTheIteration) {
  TempDir dir;
  std::unique_ptr<Store> store;
  ASSERT_NO_FATAL_FAILURE(MakePopulatedStore(dir.path() + "/db", &store));
  int calls = 0;
  absl::Status done = ForEachSnapshotBatch(*store, 500, [&](std::string, bool) {
    ++calls;
    if (calls == 2) return absl::UnavailableError("the log went away");
    return absl::OkStatus();
  });
  EXPECT_EQ(done, absl::UnavailableError("the log went away"));
  EXPECT_EQ(calls, 2);
}

// A store with nothing but a log position still gives one batch, empty,
// marked last, so that a snapshot always has a last part.
TEST(ForEachSnapshotBatch, EmptyStoreGivesOneEmptyLastBatch) {
  TempDir dir;
  std::unique_ptr<Store> store;
  ASSERT_NO_FATAL_FAILURE(
      OpenStore(dir.path() + "/db", /*create_identity=*/false, &store));
  ASSERT_NO_FATAL_FAILURE(PutLogPosition(*store));
  std::vector<Emitted> emitted = SnapshotBatches(*store, 500);
  ASSERT_EQ(emitted.size(), 1u);
  EXPECT_TRUE(emitted[0].last);
  EXPECT_EQ(rocksdb::WriteBatch(emitted[0].batch).Count(), 0u);
}

// The first snapshot of a new log puts, in kMeta, a fresh identity (this
// schema version, a random non-zero store id, a 32-byte secret) and an
// empty head; nothing else. Each call makes another identity.
TEST(NewStoreBatch, HoldsAFreshIdentityAndAnEmptyHead) {
  absl::StatusOr<std::string> rep = NewStoreBatch();
  ASSERT_TRUE(rep.ok()) << rep.status();
  std::vector<Record> puts = PutsOf(*rep);
  ASSERT_EQ(puts.size(), 2u);
  storage::StoreIdentity identity;
  bool has_identity = false;
  bool has_head = false;
  for (const Record& put : puts) {
    EXPECT_EQ(put.family, static_cast<uint32_t>(ColumnFamily::kMeta));
    if (absl::string_view(put.key) == storage::kIdentityKey) {
      has_identity = identity.ParseFromString(put.value);
    } else if (absl::string_view(put.key) == storage::kHeadKey) {
      storage::StoreHead head;
      has_head = head.ParseFromString(put.value);
      EXPECT_EQ(head.SerializeAsString(),
                storage::StoreHead().SerializeAsString());
    } else {
      ADD_FAILURE() << "unexpected key " << put.key;
    }
  }
  ASSERT_TRUE(has_identity);
  EXPECT_TRUE(has_head);
  EXPECT_EQ(identity.schema_version(), storage::kSchemaVersion);
  EXPECT_NE(identity.store_id(), 0u);
  EXPECT_EQ(identity.token_secret().size(), 32u);
  EXPECT_GT(identity.create_time_micros(), 0);

  absl::StatusOr<std::string> another = NewStoreBatch();
  ASSERT_TRUE(another.ok()) << another.status();
  EXPECT_NE(*another, *rep);

  // An empty store that applies it opens with that identity at commit 0.
  TempDir dir;
  std::unique_ptr<Store> store;
  ASSERT_NO_FATAL_FAILURE(
      OpenStore(dir.path() + "/db", /*create_identity=*/false, &store));
  rocksdb::WriteBatch batch(*rep);
  ASSERT_TRUE(
      store->Apply(&batch, nullptr, /*sync=*/false, storage::kSchemaVersion)
          .ok());
  store.reset();
  ASSERT_NO_FATAL_FAILURE(
      OpenStore(dir.path() + "/db", /*create_identity=*/false, &store));
  EXPECT_EQ(store->identity().SerializeAsString(),
            identity.SerializeAsString());
  absl::StatusOr<storage::StoreHead> head = store->ReadHead();
  ASSERT_TRUE(head.ok()) << head.status();
  EXPECT_EQ(head->last_commit(), 0u);
}

}  // namespace
}  // namespace factstore::replication
