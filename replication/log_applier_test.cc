#include "replication/log_applier.h"

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "replication/batch_compression.h"
#include "replication/log_entry.pb.h"
#include "replication/store_snapshot.h"
#include "rocksdb/iterator.h"
#include "rocksdb/write_batch.h"
#include "storage/column_families.h"
#include "storage/commit_batch.h"
#include "storage/key_codec.h"
#include "storage/records.pb.h"
#include "storage/store.h"
#include "storage/test_records.h"
#include "tests/support/temp_dir.h"

namespace factstore::replication {
namespace {

using ::factstore::testing::TempDir;
using storage::ColumnFamily;
using storage::CommitBatch;
using storage::EntityRecord;
using storage::FactRecord;
using storage::LogPosition;
using storage::Store;
using storage::StoreHead;
using ::testing::HasSubstr;

// The log of these tests, and another one (log ids are 16 random bytes).
constexpr absl::string_view kLogId = "log-id-for-tests";
constexpr absl::string_view kOtherLogId = "another-log-id!!";
// JetStream's timestamp of the entry at sequence s is kLogStartMicros + s ms.
constexpr int64_t kLogStartMicros = 1'700'000'000'000'000;

// ---- Stores ----

storage::StoreOptions TestStoreOptions(bool create_identity) {
  storage::StoreOptions options;
  options.block_cache_bytes = 8 << 20;
  options.write_buffer_bytes = 4 << 20;
  options.memtable_budget_bytes = 8 << 20;
  options.collect_statistics = false;
  options.create_identity = create_identity;
  return options;
}

// Opens (creating it if needed) the primary store at `path`. A replica's
// store is opened without an identity of its own, as LogReplica opens it.
void OpenStore(const std::string& path, bool create_identity,
               std::unique_ptr<Store>* store) {
  absl::StatusOr<std::unique_ptr<Store>> opened =
      Store::OpenPrimary(path, TestStoreOptions(create_identity));
  ASSERT_TRUE(opened.ok()) << opened.status();
  *store = *std::move(opened);
}

// Every key and value of a store, by (family, key). The log position is left
// out unless asked for: each replica keeps its own.
using Contents = std::map<std::pair<int, std::string>, std::string>;

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
      contents[{static_cast<int>(cf), key}] = it->value().ToString();
    }
    EXPECT_TRUE(it->status().ok()) << it->status().ToString();
  }
  return contents;
}

std::string KeyName(const std::pair<int, std::string>& key) {
  return absl::StrCat(
      storage::ColumnFamilyName(static_cast<ColumnFamily>(key.first)), "/",
      absl::CHexEscape(key.second));
}

// "" if `expected` and `actual` hold the same keys and values; otherwise
// their first differences.
std::string Diff(const Contents& expected, const Contents& actual) {
  std::string diff;
  int shown = 0;
  auto note = [&](absl::string_view what,
                  const std::pair<int, std::string>& key) {
    if (++shown <= 5) absl::StrAppend(&diff, what, " ", KeyName(key), "\n");
  };
  for (const auto& [key, value] : expected) {
    auto found = actual.find(key);
    if (found == actual.end()) {
      note("missing", key);
    } else if (found->second != value) {
      note("different value at", key);
    }
  }
  for (const auto& [key, value] : actual) {
    if (expected.count(key) == 0) note("unexpected", key);
  }
  if (shown > 5) absl::StrAppend(&diff, "... ", shown - 5, " more\n");
  return diff;
}

// "" if the replica holds exactly what the writer's store holds.
std::string DiffStores(const Store& source, const Store& replica) {
  return Diff(ReadContents(source, false), ReadContents(replica, false));
}

// The store's identity record as stored ("" if none). Store::identity() is
// read once at open, so this is how to see one that arrived with the log.
std::string ReadIdentityRecord(const Store& store) {
  std::string value;
  rocksdb::Status read =
      store.db()->Get(rocksdb::ReadOptions(), store.handle(ColumnFamily::kMeta),
                      std::string(storage::kIdentityKey), &value);
  return read.ok() ? value : "";
}

uint64_t StoredLastCommit(const Store& store) {
  absl::StatusOr<StoreHead> head = store.ReadHead();
  EXPECT_TRUE(head.ok()) << head.status();
  return head.ok() ? head->last_commit() : 0;
}

// ---- Records and commits, as the ingest service makes them ----

FactRecord MakeFact(
    const std::string& id, const std::string& subject,
    const std::string& quote = "South Korea is the largest investor") {
  storage::TestFact fact;
  fact.id = id;
  fact.subject = subject;
  fact.quote = quote;
  return storage::MakeFactRecord(fact);
}

EntityRecord MakeEntity(const std::string& id, const std::string& name,
                        const std::string& folded) {
  EntityRecord record;
  storage::EntityRevision* revision = record.add_revisions();
  revision->mutable_entity()->set_id(id);
  revision->mutable_entity()->set_type(v1::ENTITY_TYPE_PLACE);
  revision->mutable_entity()->set_name(name);
  storage::NameForm* form = revision->add_name_forms();
  form->set_text(name);
  form->set_folded(folded);
  if (folded.size() > 2) form->add_word_suffixes(folded.substr(2));
  return record;
}

// Builds the next commit of `store` (its head's last commit + 1) as the
// ingest service's committer does: the records, the commit record and the
// head, in one batch. With `write`, `store` applies it (the writer's own
// store); without, it is a commit its writer never finished publishing.
// Returns the batch's representation: what a CommitPart carries.
std::string MakeCommit(Store& store, std::vector<EntityRecord> entities,
                       std::vector<FactRecord> facts, bool write) {
  absl::StatusOr<StoreHead> head = store.ReadHead();
  EXPECT_TRUE(head.ok()) << head.status();
  StoreHead next = head.ok() ? *head : StoreHead();
  const uint64_t commit = next.last_commit() + 1;
  const int64_t time_micros = kLogStartMicros + static_cast<int64_t>(commit);
  CommitBatch batch(store);
  storage::CommitRecord log;
  log.set_commit(commit);
  log.set_time_micros(time_micros);
  for (EntityRecord& entity : entities) {
    entity.mutable_revisions(entity.revisions_size() - 1)->set_commit(commit);
    batch.PutEntity(entity);
    storage::Change* change = log.add_changes();
    change->set_kind(storage::CHANGE_KIND_ENTITY_UPSERTED);
    change->set_entity_id(entity.revisions(0).entity().id());
    next.set_entity_count(next.entity_count() + 1);
  }
  for (FactRecord& fact : facts) {
    fact.mutable_revisions(0)->set_commit(commit);
    fact.mutable_mentions(0)->set_commit(commit);
    absl::Status put = batch.PutFact(nullptr, fact);
    EXPECT_TRUE(put.ok()) << put;
    storage::Change* change = log.add_changes();
    change->set_kind(storage::CHANGE_KIND_FACT_ASSERTED);
    change->set_fact_id(fact.content().id());
    change->set_subject(fact.content().subject());
    change->set_predicate(fact.content().predicate());
    next.set_fact_count(next.fact_count() + 1);
    next.set_mention_count(next.mention_count() + 1);
  }
  batch.PutCommitRecord(log);
  next.set_last_commit(commit);
  next.set_last_commit_time_micros(time_micros);
  batch.PutHead(next);
  std::string rep = batch.Seal()->Data();
  if (write) {
    absl::Status written = store.Write(batch, /*sync=*/false);
    EXPECT_TRUE(written.ok()) << written;
  }
  return rep;
}

std::string WriteCommit(Store& store, std::vector<EntityRecord> entities,
                        std::vector<FactRecord> facts) {
  return MakeCommit(store, std::move(entities), std::move(facts), true);
}

// Writes the next commit of `store`: the erasure of `entity_id` and of the
// facts `fact_ids`, which leaves a tombstone. Returns its batch.
std::string WriteErasure(Store& store, const std::string& entity_id,
                         const std::vector<std::string>& fact_ids) {
  absl::StatusOr<StoreHead> head = store.ReadHead();
  EXPECT_TRUE(head.ok()) << head.status();
  StoreHead next = head.ok() ? *head : StoreHead();
  const uint64_t commit = next.last_commit() + 1;
  const int64_t time_micros = kLogStartMicros + static_cast<int64_t>(commit);
  CommitBatch batch(store);
  absl::StatusOr<EntityRecord> entity = store.ReadEntity(entity_id);
  EXPECT_TRUE(entity.ok()) << entity.status();
  if (entity.ok()) batch.DeleteEntity(*entity);
  for (const std::string& id : fact_ids) {
    absl::StatusOr<FactRecord> fact = store.ReadFact(id);
    EXPECT_TRUE(fact.ok()) << fact.status();
    if (fact.ok()) {
      EXPECT_TRUE(batch.DeleteFact(*fact).ok());
    }
  }
  storage::TombstoneRecord tombstone;
  storage::TombstoneEntry* erasure = tombstone.add_erasures();
  erasure->set_commit(commit);
  erasure->set_time_micros(time_micros);
  erasure->set_reason("GDPR request #1234");
  batch.PutTombstone(entity_id, tombstone);
  storage::CommitRecord log;
  log.set_commit(commit);
  log.set_time_micros(time_micros);
  storage::Change* change = log.add_changes();
  change->set_kind(storage::CHANGE_KIND_ENTITY_ERASED);
  change->set_entity_id(entity_id);
  batch.PutCommitRecord(log);
  next.set_last_commit(commit);
  next.set_last_commit_time_micros(time_micros);
  next.set_entity_count(next.entity_count() - 1);
  next.set_fact_count(next.fact_count() -
                      static_cast<int64_t>(fact_ids.size()));
  next.set_tombstone_count(next.tombstone_count() + 1);
  batch.PutHead(next);
  std::string rep = batch.Seal()->Data();
  absl::Status written = store.Write(batch, /*sync=*/false);
  EXPECT_TRUE(written.ok()) << written;
  return rep;
}

// ---- Log entries ----

LogEntry CommitEntry(uint64_t commit, std::string batch, uint32_t part = 0,
                     uint32_t part_count = 1) {
  LogEntry entry;
  entry.set_log_id(std::string(kLogId));
  CommitPart* body = entry.mutable_commit();
  body->set_commit(commit);
  body->set_part(part);
  body->set_part_count(part_count);
  body->set_batch(std::move(batch));
  body->set_writer("test-writer");
  return entry;
}

LogEntry SnapshotEntry(uint64_t base_sequence, uint64_t commit,
                       std::string batch, uint32_t part = 0, bool last = true,
                       bool batch_ends = true) {
  LogEntry entry;
  entry.set_log_id(std::string(kLogId));
  SnapshotPart* body = entry.mutable_snapshot();
  body->set_base_sequence(base_sequence);
  body->set_commit(commit);
  body->set_part(part);
  body->set_last(last);
  body->set_batch(std::move(batch));
  body->set_batch_ends(batch_ends);
  body->set_writer("test-writer");
  return entry;
}

// `entry` as JetStream delivers it at `sequence`.
LogMessage At(uint64_t sequence, const LogEntry& entry) {
  LogMessage message;
  message.sequence = sequence;
  message.time_micros = kLogStartMicros + static_cast<int64_t>(sequence) * 1000;
  message.payload = entry.SerializeAsString();
  return message;
}

// The snapshot parts of `store` at `base_sequence`, as LogReplica publishes
// them: ForEachSnapshotBatch's batches of about `target_bytes`, each cut in
// slices of at most `target_bytes` (batch_ends on a batch's last slice).
std::vector<LogEntry> SnapshotOf(const Store& store, uint64_t base_sequence,
                                 size_t target_bytes) {
  std::vector<LogEntry> entries;
  uint64_t commit = StoredLastCommit(store);
  absl::Status done = ForEachSnapshotBatch(
      store, target_bytes, [&](std::string batch, bool last) {
        for (size_t offset = 0; offset < batch.size(); offset += target_bytes) {
          bool ends = offset + target_bytes >= batch.size();
          entries.push_back(SnapshotEntry(
              base_sequence, commit, batch.substr(offset, target_bytes),
              static_cast<uint32_t>(entries.size()), last && ends, ends));
        }
        return absl::OkStatus();
      });
  EXPECT_TRUE(done.ok()) << done;
  return entries;
}

// Applies `message`, which must succeed, and returns what it did.
ApplyResult MustApply(LogApplier& applier, const LogMessage& message) {
  absl::StatusOr<ApplyResult> result = applier.Apply(message);
  EXPECT_TRUE(result.ok()) << "entry " << message.sequence << ": "
                           << result.status();
  return result.ok() ? *result : ApplyResult();
}

// A writer's store and a replica following the same log. The writer's
// store starts from the log's first snapshot (NewStoreBatch), as a writer
// that starts a new log does, and writes every commit it publishes; the
// replica is an empty store.
struct Replication {
  // Opens both stores and the replica's applier.
  void Open() {
    ASSERT_NO_FATAL_FAILURE(
        OpenStore(dir.path() + "/source", /*create_identity=*/false, &source));
    absl::StatusOr<std::string> batch = NewStoreBatch();
    ASSERT_TRUE(batch.ok()) << batch.status();
    first_snapshot = *batch;
    rocksdb::WriteBatch initial(first_snapshot);
    absl::Status applied = source->Apply(&initial, nullptr, /*sync=*/false,
                                         storage::kSchemaVersion);
    ASSERT_TRUE(applied.ok()) << applied;
    ASSERT_NO_FATAL_FAILURE(
        OpenStore(replica_path(), /*create_identity=*/false, &replica));
    ASSERT_NO_FATAL_FAILURE(CreateApplier());
  }

  // Open, then the replica loads the first snapshot, at sequence 1.
  void OpenAndLoad() {
    ASSERT_NO_FATAL_FAILURE(Open());
    ApplyResult loaded =
        MustApply(*applier, At(1, SnapshotEntry(0, 0, first_snapshot)));
    ASSERT_TRUE(loaded.snapshot_loaded);
  }

  // Closes the replica's store and opens it again, with a new applier, as
  // a restarted server does.
  void Reopen() {
    applier.reset();
    replica.reset();
    ASSERT_NO_FATAL_FAILURE(
        OpenStore(replica_path(), /*create_identity=*/false, &replica));
    ASSERT_NO_FATAL_FAILURE(CreateApplier());
  }

  void CreateApplier() {
    absl::StatusOr<std::unique_ptr<LogApplier>> created =
        LogApplier::Create(replica.get(), LogApplier::Options());
    ASSERT_TRUE(created.ok()) << created.status();
    applier = *std::move(created);
  }

  std::string replica_path() const { return dir.path() + "/replica"; }

  TempDir dir;
  std::unique_ptr<Store> source;
  std::unique_ptr<Store> replica;
  std::unique_ptr<LogApplier> applier;
  std::string first_snapshot;
};

// ---- Tests ----

// The digest kept in LogPosition is the first 16 bytes of the payload's
// SHA-256.
TEST(LogApplier, EntryDigestIsTheFirstHalfOfSha256) {
  EXPECT_EQ(absl::BytesToHexString(EntryDigest("abc")),
            "ba7816bf8f01cfea414140de5dae2223");
  EXPECT_EQ(EntryDigest("").size(), 16u);
}

// An empty store loads the log's first snapshot and takes its identity,
// then applies every commit until it holds what the writer's store holds;
// its position is the last entry's, stored with the data, and a new
// applier on the reopened store resumes from it.
TEST(LogApplier, EmptyStoreLoadsTheFirstSnapshotAndFollowsCommits) {
  Replication r;
  ASSERT_NO_FATAL_FAILURE(r.Open());
  EXPECT_FALSE(r.applier->initialized());
  EXPECT_EQ(r.applier->position().sequence(), 0u);
  EXPECT_EQ(r.applier->last_seen_sequence(), 0u);

  ApplyResult loaded =
      MustApply(*r.applier, At(1, SnapshotEntry(0, 0, r.first_snapshot)));
  EXPECT_TRUE(loaded.snapshot_loaded);
  EXPECT_EQ(loaded.commit, 0u);
  EXPECT_TRUE(r.applier->initialized());
  EXPECT_EQ(r.applier->head().last_commit(), 0u);
  EXPECT_EQ(r.applier->position().log_id(), kLogId);
  const std::string identity = ReadIdentityRecord(*r.replica);
  EXPECT_FALSE(identity.empty());
  EXPECT_EQ(identity, ReadIdentityRecord(*r.source));
  EXPECT_EQ(DiffStores(*r.source, *r.replica), "");

  std::string commit1 = WriteCommit(
      *r.source, {MakeEntity("place:da-nang", "Đà Nẵng", "da nang")},
      {MakeFact("f_1", "place:da-nang"), MakeFact("f_2", "country:korea")});
  std::string commit2 =
      WriteCommit(*r.source, {}, {MakeFact("f_3", "org:fpt")});
  LogMessage m2 = At(2, CommitEntry(1, commit1));
  LogMessage m3 = At(3, CommitEntry(2, commit2));
  EXPECT_EQ(MustApply(*r.applier, m2).commit, 1u);
  ApplyResult applied = MustApply(*r.applier, m3);
  EXPECT_EQ(applied.commit, 2u);
  EXPECT_FALSE(applied.erasure);
  EXPECT_FALSE(applied.snapshot_loaded);
  EXPECT_EQ(DiffStores(*r.source, *r.replica), "");
  EXPECT_EQ(r.applier->head().last_commit(), 2u);

  const LogPosition position = r.applier->position();
  EXPECT_EQ(position.log_id(), kLogId);
  EXPECT_EQ(position.sequence(), 3u);
  EXPECT_EQ(position.entry_digest(), EntryDigest(m3.payload));
  EXPECT_EQ(position.entry_time_micros(), m3.time_micros);
  EXPECT_FALSE(position.snapshot_incomplete());
  EXPECT_EQ(position.pending_compaction(), 0u);
  EXPECT_EQ(r.applier->last_seen_sequence(), 3u);
  absl::StatusOr<LogPosition> stored = r.replica->ReadLogPosition();
  ASSERT_TRUE(stored.ok()) << stored.status();
  EXPECT_EQ(stored->SerializeAsString(), position.SerializeAsString());

  // Reopened, the store has the log's identity and resumes where it was.
  const std::string head = r.applier->head().SerializeAsString();
  ASSERT_NO_FATAL_FAILURE(r.Reopen());
  EXPECT_TRUE(r.replica->initialized());
  EXPECT_EQ(r.replica->identity().SerializeAsString(), identity);
  absl::StatusOr<bool> rebuild = LogApplier::NeedsRebuild(*r.replica);
  ASSERT_TRUE(rebuild.ok()) << rebuild.status();
  EXPECT_FALSE(*rebuild);
  EXPECT_TRUE(r.applier->initialized());
  EXPECT_EQ(r.applier->position().SerializeAsString(),
            position.SerializeAsString());
  EXPECT_EQ(r.applier->last_seen_sequence(), 3u);
  EXPECT_EQ(r.applier->head().SerializeAsString(), head);

  std::string commit3 =
      WriteCommit(*r.source, {}, {MakeFact("f_4", "org:fpt")});
  EXPECT_EQ(MustApply(*r.applier, At(4, CommitEntry(3, commit3))).commit, 3u);
  EXPECT_EQ(DiffStores(*r.source, *r.replica), "");
}

// A commit published in parts (its batch cut at arbitrary bytes, even in
// the batch's header) becomes visible only with its last part, whole, and
// only once even if its parts are delivered again.
TEST(LogApplier, CommitInPartsIsAppliedWithItsLastPartOnly) {
  Replication r;
  ASSERT_NO_FATAL_FAILURE(r.OpenAndLoad());
  std::string batch =
      WriteCommit(*r.source, {MakeEntity("place:hue", "Huế", "hue")},
                  {MakeFact("f_1", "place:hue"), MakeFact("f_2", "place:hue"),
                   MakeFact("f_3", "place:hue")});
  ASSERT_GT(batch.size(), 100u);
  const size_t middle = batch.size() / 2 + 3;
  const std::vector<std::string> parts = {
      batch.substr(0, 5), batch.substr(5, middle - 5), batch.substr(middle)};
  const Contents before = ReadContents(*r.replica, true);

  for (uint32_t part : {0, 1}) {
    SCOPED_TRACE(absl::StrCat("part ", part));
    ApplyResult result = MustApply(
        *r.applier, At(2 + part, CommitEntry(1, parts[part], part, 3)));
    EXPECT_EQ(result.commit, 0u);
    EXPECT_EQ(r.applier->head().last_commit(), 0u);
    EXPECT_EQ(StoredLastCommit(*r.replica), 0u);
    EXPECT_EQ(r.applier->position().sequence(), 1u);
    EXPECT_EQ(r.applier->last_seen_sequence(), 2u + part);
    EXPECT_EQ(Diff(before, ReadContents(*r.replica, true)), "");
  }
  EXPECT_EQ(MustApply(*r.applier, At(4, CommitEntry(1, parts[2], 2, 3))).commit,
            1u);
  EXPECT_EQ(r.applier->head().last_commit(), 1u);
  EXPECT_EQ(StoredLastCommit(*r.replica), 1u);
  EXPECT_EQ(r.applier->position().sequence(), 4u);
  EXPECT_EQ(DiffStores(*r.source, *r.replica), "");

  // Delivered again, the parts change nothing.
  const Contents applied = ReadContents(*r.replica, true);
  for (uint32_t part : {0, 1, 2}) {
    EXPECT_EQ(MustApply(*r.applier,
                        At(2 + part, CommitEntry(1, parts[part], part, 3)))
                  .commit,
              0u);
  }
  EXPECT_EQ(Diff(applied, ReadContents(*r.replica, true)), "");
  EXPECT_EQ(r.applier->position().sequence(), 4u);

  std::string next = WriteCommit(*r.source, {}, {MakeFact("f_4", "org:fpt")});
  EXPECT_EQ(MustApply(*r.applier, At(5, CommitEntry(2, next))).commit, 2u);
  EXPECT_EQ(DiffStores(*r.source, *r.replica), "");
}

// A commit appended LZ4-compressed (the default) and cut in parts is
// decompressed whole once its last part arrives, and a compressed snapshot
// loads into an empty store.
TEST(LogApplier, CompressedCommitsAndSnapshotsApply) {
  Replication r;
  ASSERT_NO_FATAL_FAILURE(r.OpenAndLoad());
  std::string batch =
      WriteCommit(*r.source, {MakeEntity("place:hue", "Huế", "hue")},
                  {MakeFact("f_1", "place:hue"), MakeFact("f_2", "place:hue")});
  std::string compressed = *CompressBatch(batch);
  ASSERT_LT(compressed.size(), batch.size());
  const size_t middle = compressed.size() / 2;
  for (uint32_t part : {0, 1}) {
    LogEntry entry = CommitEntry(
        1, part == 0 ? compressed.substr(0, middle) : compressed.substr(middle),
        part, 2);
    entry.mutable_commit()->set_encoding(BATCH_ENCODING_LZ4);
    entry.mutable_commit()->set_batch_bytes(batch.size());
    EXPECT_EQ(MustApply(*r.applier, At(2 + part, entry)).commit,
              part == 0 ? 0u : 1u);
  }
  EXPECT_EQ(DiffStores(*r.source, *r.replica), "");

  // The whole source store as one compressed snapshot batch, into an empty
  // store.
  Replication fresh;
  ASSERT_NO_FATAL_FAILURE(fresh.Open());
  std::vector<std::string> batches;
  ASSERT_TRUE(
      ForEachSnapshotBatch(*r.source, 1 << 20, [&](std::string b, bool) {
        batches.push_back(std::move(b));
        return absl::OkStatus();
      }).ok());
  ASSERT_EQ(batches.size(), 1u);
  LogEntry snapshot = SnapshotEntry(3, 1, *CompressBatch(batches[0]));
  snapshot.mutable_snapshot()->set_encoding(BATCH_ENCODING_LZ4);
  snapshot.mutable_snapshot()->set_batch_bytes(batches[0].size());
  EXPECT_TRUE(MustApply(*fresh.applier, At(7, snapshot)).snapshot_loaded);
  EXPECT_EQ(DiffStores(*r.source, *fresh.replica), "");
}

// Compressed bytes that do not decompress to the size the entry gives are
// refused, and nothing is written.
TEST(LogApplier, DamagedCompressedCommitIsRefused) {
  Replication r;
  ASSERT_NO_FATAL_FAILURE(r.OpenAndLoad());
  std::string batch = WriteCommit(*r.source, {}, {MakeFact("f_1", "org:fpt")});
  const Contents before = ReadContents(*r.replica, true);
  LogEntry entry = CommitEntry(1, *CompressBatch(batch));
  entry.mutable_commit()->set_encoding(BATCH_ENCODING_LZ4);
  entry.mutable_commit()->set_batch_bytes(batch.size() + 1);
  absl::StatusOr<ApplyResult> refused = r.applier->Apply(At(2, entry));
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition)
      << refused.status();
  EXPECT_EQ(Diff(before, ReadContents(*r.replica, true)), "");
}

// A commit whose writer stopped before publishing every part is discarded
// whole when something else follows its parts (here another writer's
// commit), and its remaining parts, should they come later, are skipped.
// Until then last_seen_sequence() runs ahead of the position.
TEST(LogApplier, IncompleteCommitIsDiscardedWhole) {
  Replication r;
  ASSERT_NO_FATAL_FAILURE(r.OpenAndLoad());
  std::string abandoned = MakeCommit(
      *r.source, {}, {MakeFact("f_lost", "place:hue")}, /*write=*/false);
  std::string kept =
      WriteCommit(*r.source, {}, {MakeFact("f_kept", "org:fpt")});
  const size_t third = abandoned.size() / 3;
  const size_t half = kept.size() / 2;

  EXPECT_EQ(MustApply(*r.applier,
                      At(2, CommitEntry(1, abandoned.substr(0, third), 0, 3)))
                .commit,
            0u);
  EXPECT_EQ(
      MustApply(*r.applier,
                At(3, CommitEntry(1, abandoned.substr(third, third), 1, 3)))
          .commit,
      0u);
  EXPECT_EQ(r.applier->last_seen_sequence(), 3u);
  EXPECT_EQ(r.applier->position().sequence(), 1u);

  // Another writer's commit 1 starts: the unfinished one is dropped.
  EXPECT_EQ(
      MustApply(*r.applier, At(4, CommitEntry(1, kept.substr(0, half), 0, 2)))
          .commit,
      0u);
  EXPECT_EQ(r.applier->last_seen_sequence(), 4u);
  EXPECT_EQ(r.applier->position().sequence(), 1u);
  EXPECT_EQ(StoredLastCommit(*r.replica), 0u);
  EXPECT_EQ(
      MustApply(*r.applier, At(5, CommitEntry(1, kept.substr(half), 1, 2)))
          .commit,
      1u);
  EXPECT_EQ(r.applier->position().sequence(), 5u);
  EXPECT_EQ(DiffStores(*r.source, *r.replica), "");
  EXPECT_TRUE(absl::IsNotFound(r.replica->ReadFact("f_lost").status()));
  EXPECT_TRUE(r.replica->ReadFact("f_kept").ok());

  // The abandoned commit's last part, published late, is skipped.
  const Contents before = ReadContents(*r.replica, true);
  EXPECT_EQ(MustApply(*r.applier,
                      At(6, CommitEntry(1, abandoned.substr(2 * third), 2, 3)))
                .commit,
            0u);
  EXPECT_EQ(Diff(before, ReadContents(*r.replica, true)), "");
  EXPECT_EQ(r.applier->last_seen_sequence(), 6u);
  EXPECT_EQ(r.applier->position().sequence(), 5u);

  std::string next = WriteCommit(*r.source, {}, {MakeFact("f_5", "org:fpt")});
  EXPECT_EQ(MustApply(*r.applier, At(7, CommitEntry(2, next))).commit, 2u);
  EXPECT_EQ(DiffStores(*r.source, *r.replica), "");
}

// Messages at or below the last sequence seen (a redelivery after a
// reconnect) are skipped, the snapshot included: nothing changes.
TEST(LogApplier, RedeliveredMessagesAreSkipped) {
  Replication r;
  ASSERT_NO_FATAL_FAILURE(r.OpenAndLoad());
  std::vector<LogMessage> log = {At(1, SnapshotEntry(0, 0, r.first_snapshot))};
  log.push_back(
      At(2, CommitEntry(
                1, WriteCommit(*r.source, {}, {MakeFact("f_1", "org:fpt")}))));
  log.push_back(
      At(3, CommitEntry(
                2, WriteCommit(*r.source, {}, {MakeFact("f_2", "org:fpt")}))));
  for (size_t i = 1; i < log.size(); ++i) MustApply(*r.applier, log[i]);
  const Contents before = ReadContents(*r.replica, true);

  for (const LogMessage& message : log) {
    SCOPED_TRACE(absl::StrCat("entry ", message.sequence));
    ApplyResult result = MustApply(*r.applier, message);
    EXPECT_EQ(result.commit, 0u);
    EXPECT_FALSE(result.snapshot_loaded);
    EXPECT_EQ(r.applier->last_seen_sequence(), 3u);
    EXPECT_EQ(r.applier->position().sequence(), 3u);
  }
  EXPECT_EQ(Diff(before, ReadContents(*r.replica, true)), "");
  EXPECT_EQ(r.applier->head().last_commit(), 2u);
}

// A commit that is not the store's next (a gap in commit numbers, or a
// number already used: two writers forked the history) is refused with
// FAILED_PRECONDITION and leaves the store as it was.
TEST(LogApplier, CommitOutOfOrderIsRefused) {
  Replication r;
  ASSERT_NO_FATAL_FAILURE(r.OpenAndLoad());
  std::string commit1 =
      WriteCommit(*r.source, {}, {MakeFact("f_1", "org:fpt")});
  MustApply(*r.applier, At(2, CommitEntry(1, commit1)));
  std::string commit2 =
      WriteCommit(*r.source, {}, {MakeFact("f_2", "org:fpt")});
  std::string commit3 =
      WriteCommit(*r.source, {}, {MakeFact("f_3", "org:fpt")});
  const Contents before = ReadContents(*r.replica, true);

  absl::StatusOr<ApplyResult> ahead =
      r.applier->Apply(At(3, CommitEntry(3, commit3)));
  EXPECT_EQ(ahead.status().code(), absl::StatusCode::kFailedPrecondition)
      << ahead.status();
  EXPECT_EQ(Diff(before, ReadContents(*r.replica, true)), "");
  EXPECT_EQ(r.applier->head().last_commit(), 1u);
  EXPECT_EQ(r.applier->last_seen_sequence(), 2u);

  absl::StatusOr<ApplyResult> again =
      r.applier->Apply(At(3, CommitEntry(1, commit2)));
  EXPECT_EQ(again.status().code(), absl::StatusCode::kFailedPrecondition)
      << again.status();
  EXPECT_EQ(Diff(before, ReadContents(*r.replica, true)), "");
  EXPECT_EQ(r.applier->position().sequence(), 2u);
  EXPECT_EQ(r.applier->last_seen_sequence(), 2u);
}

// An entry of another log (the stream was deleted and made again, or
// another deployment writes to it) is refused with FAILED_PRECONDITION,
// commit or snapshot, and the store is left as it was.
TEST(LogApplier, EntryOfAnotherLogIsRefused) {
  Replication r;
  ASSERT_NO_FATAL_FAILURE(r.OpenAndLoad());
  std::string commit1 =
      WriteCommit(*r.source, {}, {MakeFact("f_1", "org:fpt")});
  const Contents before = ReadContents(*r.replica, true);

  LogEntry foreign_commit = CommitEntry(1, commit1);
  foreign_commit.set_log_id(std::string(kOtherLogId));
  absl::StatusOr<ApplyResult> commit = r.applier->Apply(At(2, foreign_commit));
  EXPECT_EQ(commit.status().code(), absl::StatusCode::kFailedPrecondition)
      << commit.status();
  LogEntry foreign_snapshot = SnapshotEntry(0, 0, r.first_snapshot);
  foreign_snapshot.set_log_id(std::string(kOtherLogId));
  absl::StatusOr<ApplyResult> snapshot =
      r.applier->Apply(At(2, foreign_snapshot));
  EXPECT_EQ(snapshot.status().code(), absl::StatusCode::kFailedPrecondition)
      << snapshot.status();
  EXPECT_EQ(Diff(before, ReadContents(*r.replica, true)), "");
  EXPECT_EQ(r.applier->position().log_id(), kLogId);
  EXPECT_EQ(r.applier->last_seen_sequence(), 1u);
}

// An entry written by a server of a newer schema version (a rolling update
// that reached the writer first) is refused with FAILED_PRECONDITION, and
// nothing is written: this build could misread what it holds. The same
// entry of this build's version then applies.
TEST(LogApplier, EntryOfANewerWriterIsRefused) {
  Replication r;
  ASSERT_NO_FATAL_FAILURE(r.OpenAndLoad());
  std::string commit1 =
      WriteCommit(*r.source, {}, {MakeFact("f_1", "org:fpt")});
  const Contents before = ReadContents(*r.replica, true);

  LogEntry newer_commit = CommitEntry(1, commit1);
  newer_commit.mutable_commit()->set_schema_version(storage::kSchemaVersion +
                                                    1);
  absl::StatusOr<ApplyResult> commit = r.applier->Apply(At(2, newer_commit));
  EXPECT_EQ(commit.status().code(), absl::StatusCode::kFailedPrecondition)
      << commit.status();
  EXPECT_THAT(
      commit.status().message(),
      HasSubstr(absl::StrCat("schema version ", storage::kSchemaVersion + 1)));
  LogEntry newer_snapshot = SnapshotEntry(0, 0, r.first_snapshot);
  newer_snapshot.mutable_snapshot()->set_schema_version(
      storage::kSchemaVersion + 1);
  EXPECT_EQ(r.applier->Apply(At(2, newer_snapshot)).status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(Diff(before, ReadContents(*r.replica, true)), "");
  EXPECT_EQ(r.applier->last_seen_sequence(), 1u);

  LogEntry current_commit = CommitEntry(1, commit1);
  current_commit.mutable_commit()->set_schema_version(storage::kSchemaVersion);
  EXPECT_EQ(MustApply(*r.applier, At(2, current_commit)).commit, 1u);
  EXPECT_EQ(DiffStores(*r.source, *r.replica), "");
}

// A payload that is not a LogEntry is DATA_LOSS.
TEST(LogApplier, PayloadThatDoesNotParseIsDataLoss) {
  Replication r;
  ASSERT_NO_FATAL_FAILURE(r.OpenAndLoad());
  LogMessage garbage;
  garbage.sequence = 2;
  garbage.payload = "\xff\xff\xff\xff";
  EXPECT_EQ(r.applier->Apply(garbage).status().code(),
            absl::StatusCode::kDataLoss);
  EXPECT_EQ(r.applier->last_seen_sequence(), 1u);
}

// A commit whose batch is too short to be a write batch is refused with
// FAILED_PRECONDITION, and the store is left as it was.
TEST(LogApplier, CommitThatIsNotAWriteBatchIsRefused) {
  Replication r;
  ASSERT_NO_FATAL_FAILURE(r.OpenAndLoad());
  const Contents before = ReadContents(*r.replica, true);
  absl::StatusOr<ApplyResult> applied =
      r.applier->Apply(At(2, CommitEntry(1, "short")));
  EXPECT_EQ(applied.status().code(), absl::StatusCode::kFailedPrecondition)
      << applied.status();
  EXPECT_EQ(Diff(before, ReadContents(*r.replica, true)), "");
  EXPECT_EQ(r.applier->last_seen_sequence(), 1u);
  EXPECT_EQ(r.applier->position().sequence(), 1u);
}

// A commit whose batch does not parse as a write batch (here a real one cut
// short in its last record) is refused with FAILED_PRECONDITION and leaves
// the store as it was, also after a restart.
TEST(LogApplier, TruncatedWriteBatchIsRefusedWithoutTouchingTheStore) {
  Replication r;
  ASSERT_NO_FATAL_FAILURE(r.OpenAndLoad());
  std::string commit1 =
      WriteCommit(*r.source, {}, {MakeFact("f_1", "org:fpt")});
  const Contents before = ReadContents(*r.replica, true);

  absl::StatusOr<ApplyResult> truncated = r.applier->Apply(
      At(2, CommitEntry(1, commit1.substr(0, commit1.size() - 3))));
  EXPECT_EQ(truncated.status().code(), absl::StatusCode::kFailedPrecondition)
      << truncated.status();
  EXPECT_EQ(Diff(before, ReadContents(*r.replica, true)), "");
  EXPECT_EQ(r.applier->head().last_commit(), 0u);
  EXPECT_EQ(r.applier->last_seen_sequence(), 1u);

  ASSERT_NO_FATAL_FAILURE(r.Reopen());
  EXPECT_EQ(Diff(before, ReadContents(*r.replica, true)), "");
  EXPECT_EQ(r.applier->position().sequence(), 1u);
}

// A commit whose batch writes to a column family no store has is refused
// with FAILED_PRECONDITION and leaves the store as it was, also after a
// restart.
TEST(LogApplier, WriteBatchForAnUnknownFamilyIsRefusedWithoutTouchingTheStore) {
  Replication r;
  ASSERT_NO_FATAL_FAILURE(r.OpenAndLoad());
  const Contents before = ReadContents(*r.replica, true);
  // A write batch holding one put ("key" = "value") into family 40: the
  // header (sequence, count = 1), then kTypeColumnFamilyValue, the family,
  // and the length-prefixed key and value.
  std::string unknown_family(12, '\0');
  unknown_family[8] = 1;
  unknown_family += std::string("\x05\x28\x03key\x05value", 12);

  absl::StatusOr<ApplyResult> refused =
      r.applier->Apply(At(2, CommitEntry(1, unknown_family)));
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition)
      << refused.status();
  EXPECT_EQ(Diff(before, ReadContents(*r.replica, true)), "");
  EXPECT_EQ(r.applier->last_seen_sequence(), 1u);

  ASSERT_NO_FATAL_FAILURE(r.Reopen());
  EXPECT_EQ(Diff(before, ReadContents(*r.replica, true)), "");
  EXPECT_EQ(r.applier->position().sequence(), 1u);
  EXPECT_EQ(r.applier->last_seen_sequence(), 1u);
}

// A commit whose batch deletes a range of a family that never takes range
// deletions (storage::TakesRangeDeletions; the store's memtables of those
// families insert with a hint that range deletions would corrupt) is refused
// with FAILED_PRECONDITION and leaves the store as it was.
TEST(LogApplier, RangeDeletionInAFamilyThatTakesNoneIsRefused) {
  Replication r;
  ASSERT_NO_FATAL_FAILURE(r.OpenAndLoad());
  const Contents before = ReadContents(*r.replica, true);
  // A write batch holding one range deletion ["a", "b") of the facts family:
  // the header (sequence, count = 1), then kTypeColumnFamilyRangeDeletion,
  // the family, and the length-prefixed begin and end keys.
  std::string range_deletion(12, '\0');
  range_deletion[8] = 1;
  range_deletion.append({'\x0e', '\x03', '\x01', 'a', '\x01', 'b'});

  absl::StatusOr<ApplyResult> refused =
      r.applier->Apply(At(2, CommitEntry(1, range_deletion)));
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition)
      << refused.status();
  EXPECT_THAT(refused.status().message(),
              HasSubstr("column family facts, which takes no range deletions"));
  EXPECT_EQ(Diff(before, ReadContents(*r.replica, true)), "");
  EXPECT_EQ(r.applier->last_seen_sequence(), 1u);
}

// A commit whose batch does not make the commit it claims (it leaves the
// head where it was) is refused with FAILED_PRECONDITION, never applied.
TEST(LogApplier, CommitThatDoesNotMoveTheHeadIsRefused) {
  Replication r;
  ASSERT_NO_FATAL_FAILURE(r.OpenAndLoad());
  const Contents before = ReadContents(*r.replica, true);
  rocksdb::WriteBatch headless;
  ASSERT_TRUE(headless
                  .Put(r.source->handle(ColumnFamily::kRequests),
                       "request-without-a-head", "x")
                  .ok());
  absl::StatusOr<ApplyResult> refused =
      r.applier->Apply(At(2, CommitEntry(1, headless.Data())));
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition)
      << refused.status();
  EXPECT_EQ(Diff(before, ReadContents(*r.replica, true)), "");
  EXPECT_EQ(r.applier->position().sequence(), 1u);
  EXPECT_EQ(r.applier->last_seen_sequence(), 1u);
}

// A snapshot whose batches do not hold the commit it claims is refused with
// FAILED_PRECONDITION, and the store is not taken for a loaded one later.
TEST(LogApplier, SnapshotThatDoesNotHoldItsCommitIsRefused) {
  Replication r;
  ASSERT_NO_FATAL_FAILURE(r.Open());
  absl::StatusOr<ApplyResult> refused =
      r.applier->Apply(At(1, SnapshotEntry(0, /*commit=*/7, r.first_snapshot)));
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition)
      << refused.status();
  EXPECT_FALSE(r.applier->initialized());

  absl::StatusOr<bool> rebuild = LogApplier::NeedsRebuild(*r.replica);
  ASSERT_TRUE(rebuild.ok()) << rebuild.status();
  absl::StatusOr<std::unique_ptr<LogApplier>> restarted =
      LogApplier::Create(r.replica.get(), LogApplier::Options());
  EXPECT_TRUE(*rebuild || !restarted.ok() || !(*restarted)->initialized())
      << "the store passes for one that loaded the snapshot";
}

// A log compacted behind a snapshot starts at a later sequence: an empty
// store loads the snapshot from there and follows the commits after it.
TEST(LogApplier, EmptyStoreLoadsASnapshotFromTheMiddleOfTheLog) {
  Replication r;
  ASSERT_NO_FATAL_FAILURE(r.Open());
  WriteCommit(*r.source, {MakeEntity("place:hue", "Huế", "hue")},
              {MakeFact("f_1", "place:hue")});
  WriteCommit(*r.source, {}, {MakeFact("f_2", "org:fpt")});
  std::vector<LogEntry> snapshot =
      SnapshotOf(*r.source, /*base_sequence=*/6, 300);
  ASSERT_GT(snapshot.size(), 1u);
  uint64_t sequence = 6;
  ApplyResult result;
  for (const LogEntry& entry : snapshot) {
    result = MustApply(*r.applier, At(++sequence, entry));
  }
  EXPECT_TRUE(result.snapshot_loaded);
  EXPECT_TRUE(r.applier->initialized());
  EXPECT_EQ(r.applier->position().sequence(), sequence);
  EXPECT_EQ(r.applier->head().last_commit(), 2u);
  EXPECT_EQ(DiffStores(*r.source, *r.replica), "");

  std::string commit3 =
      WriteCommit(*r.source, {}, {MakeFact("f_3", "org:fpt")});
  EXPECT_EQ(
      MustApply(*r.applier, At(sequence + 1, CommitEntry(3, commit3))).commit,
      3u);
  EXPECT_EQ(DiffStores(*r.source, *r.replica), "");
}

// A commit that follows entries the store has not seen is OUT_OF_RANGE:
// they were compacted out of the log (also for a store that has loaded
// nothing yet), and nothing is applied. A gap between a commit's parts is
// one too; the parts received are then dropped, and reading again from
// the entry after the position applies the commit.
TEST(LogApplier, MissingEntriesBeforeACommitAreOutOfRange) {
  Replication r;
  ASSERT_NO_FATAL_FAILURE(r.Open());
  std::string commit1 =
      WriteCommit(*r.source, {}, {MakeFact("f_1", "org:fpt")});
  absl::StatusOr<ApplyResult> unloaded =
      r.applier->Apply(At(2, CommitEntry(1, commit1)));
  EXPECT_EQ(unloaded.status().code(), absl::StatusCode::kOutOfRange)
      << unloaded.status();
  absl::StatusOr<bool> empty = r.replica->IsEmpty();
  ASSERT_TRUE(empty.ok()) << empty.status();
  EXPECT_TRUE(*empty);
  EXPECT_FALSE(r.applier->initialized());

  MustApply(*r.applier, At(1, SnapshotEntry(0, 0, r.first_snapshot)));
  MustApply(*r.applier, At(2, CommitEntry(1, commit1)));
  std::string commit2 =
      WriteCommit(*r.source, {}, {MakeFact("f_2", "org:fpt")});
  const Contents before = ReadContents(*r.replica, true);

  absl::StatusOr<ApplyResult> gap =
      r.applier->Apply(At(4, CommitEntry(2, commit2)));
  EXPECT_EQ(gap.status().code(), absl::StatusCode::kOutOfRange) << gap.status();
  EXPECT_EQ(Diff(before, ReadContents(*r.replica, true)), "");
  EXPECT_EQ(r.applier->last_seen_sequence(), 2u);

  const size_t half = commit2.size() / 2;
  MustApply(*r.applier, At(3, CommitEntry(2, commit2.substr(0, half), 0, 2)));
  EXPECT_EQ(r.applier->last_seen_sequence(), 3u);
  absl::StatusOr<ApplyResult> parts_apart =
      r.applier->Apply(At(5, CommitEntry(2, commit2.substr(half), 1, 2)));
  EXPECT_EQ(parts_apart.status().code(), absl::StatusCode::kOutOfRange)
      << parts_apart.status();
  EXPECT_EQ(Diff(before, ReadContents(*r.replica, true)), "");
  EXPECT_EQ(r.applier->last_seen_sequence(), 2u);

  EXPECT_EQ(MustApply(*r.applier,
                      At(3, CommitEntry(2, commit2.substr(0, half), 0, 2)))
                .commit,
            0u);
  EXPECT_EQ(
      MustApply(*r.applier, At(4, CommitEntry(2, commit2.substr(half), 1, 2)))
          .commit,
      2u);
  EXPECT_EQ(DiffStores(*r.source, *r.replica), "");
}

// A snapshot of a position beyond the store's (the log was compacted past
// it), or a later part of a snapshot after missing entries, is OUT_OF_RANGE
// and changes nothing.
TEST(LogApplier, SnapshotBeyondThePositionIsOutOfRange) {
  Replication r;
  ASSERT_NO_FATAL_FAILURE(r.OpenAndLoad());
  std::string commit1 =
      WriteCommit(*r.source, {}, {MakeFact("f_1", "org:fpt")});
  MustApply(*r.applier, At(2, CommitEntry(1, commit1)));
  const Contents before = ReadContents(*r.replica, true);

  absl::StatusOr<ApplyResult> beyond =
      r.applier->Apply(At(10, SnapshotEntry(8, 5, r.first_snapshot)));
  EXPECT_EQ(beyond.status().code(), absl::StatusCode::kOutOfRange)
      << beyond.status();
  EXPECT_EQ(Diff(before, ReadContents(*r.replica, true)), "");
  EXPECT_EQ(r.applier->last_seen_sequence(), 2u);

  absl::StatusOr<ApplyResult> later_part = r.applier->Apply(
      At(5, SnapshotEntry(2, 1, r.first_snapshot, /*part=*/1)));
  EXPECT_EQ(later_part.status().code(), absl::StatusCode::kOutOfRange)
      << later_part.status();
  EXPECT_EQ(Diff(before, ReadContents(*r.replica, true)), "");
  EXPECT_EQ(r.applier->position().sequence(), 2u);
}

// A snapshot of a position the store has reached (published where the log
// is compacted) is not applied; its last part moves the position to its
// own sequence, and clears the pending compaction it performs.
TEST(LogApplier, SnapshotAtOrBelowThePositionIsSkipped) {
  Replication r;
  ASSERT_NO_FATAL_FAILURE(r.OpenAndLoad());
  std::string commit1 =
      WriteCommit(*r.source, {MakeEntity("person:an", "An", "an")},
                  {MakeFact("f_1", "person:an"), MakeFact("f_2", "org:fpt")});
  MustApply(*r.applier, At(2, CommitEntry(1, commit1)));
  LogEntry erasure =
      CommitEntry(2, WriteErasure(*r.source, "person:an", {"f_1"}));
  erasure.mutable_commit()->set_erasure(true);
  MustApply(*r.applier, At(3, erasure));
  ASSERT_EQ(r.applier->position().pending_compaction(), 3u);

  // If the snapshot's parts were applied, this key would appear.
  rocksdb::WriteBatch marker;
  ASSERT_TRUE(marker
                  .Put(r.source->handle(ColumnFamily::kRequests),
                       "not-from-the-log", "x")
                  .ok());
  const Contents before = ReadContents(*r.replica, true);
  EXPECT_EQ(
      MustApply(*r.applier, At(4, SnapshotEntry(3, 2, marker.Data(), 0, false)))
          .commit,
      0u);
  EXPECT_EQ(r.applier->position().sequence(), 3u);
  EXPECT_EQ(r.applier->position().pending_compaction(), 3u);
  EXPECT_EQ(r.applier->last_seen_sequence(), 4u);
  EXPECT_EQ(Diff(before, ReadContents(*r.replica, true)), "");

  LogMessage last = At(5, SnapshotEntry(3, 2, marker.Data(), 1, true));
  ApplyResult result = MustApply(*r.applier, last);
  EXPECT_EQ(result.commit, 0u);
  EXPECT_FALSE(result.snapshot_loaded);
  const LogPosition& position = r.applier->position();
  EXPECT_EQ(position.sequence(), 5u);
  EXPECT_EQ(position.entry_digest(), EntryDigest(last.payload));
  // Still pending: the snapshot alone does not remove the erased data from
  // the log; the purge after it does.
  EXPECT_EQ(position.pending_compaction(), 3u);
  EXPECT_EQ(r.applier->last_seen_sequence(), 5u);
  absl::StatusOr<LogPosition> stored = r.replica->ReadLogPosition();
  ASSERT_TRUE(stored.ok()) << stored.status();
  EXPECT_EQ(stored->SerializeAsString(), position.SerializeAsString());
  EXPECT_EQ(
      Diff(ReadContents(*r.source, false), ReadContents(*r.replica, false)),
      "");
  EXPECT_EQ(r.applier->head().last_commit(), 2u);

  std::string commit3 =
      WriteCommit(*r.source, {}, {MakeFact("f_3", "org:fpt")});
  EXPECT_EQ(MustApply(*r.applier, At(6, CommitEntry(3, commit3))).commit, 3u);
  EXPECT_EQ(DiffStores(*r.source, *r.replica), "");
}

// An erasure commit says so in its result and leaves its sequence as the
// position's pending compaction, through later commits and a restart,
// until a snapshot compacts the log behind it.
TEST(LogApplier, ErasureCommitLeavesAPendingCompaction) {
  Replication r;
  ASSERT_NO_FATAL_FAILURE(r.OpenAndLoad());
  std::string commit1 = WriteCommit(
      *r.source, {MakeEntity("person:an", "Nguyễn An", "nguyen an")},
      {MakeFact("f_1", "person:an"), MakeFact("f_2", "org:fpt")});
  MustApply(*r.applier, At(2, CommitEntry(1, commit1)));
  ASSERT_TRUE(r.replica->ReadEntity("person:an").ok());

  LogEntry erasure =
      CommitEntry(2, WriteErasure(*r.source, "person:an", {"f_1"}));
  erasure.mutable_commit()->set_erasure(true);
  ApplyResult erased = MustApply(*r.applier, At(3, erasure));
  EXPECT_EQ(erased.commit, 2u);
  EXPECT_TRUE(erased.erasure);
  EXPECT_EQ(r.applier->position().pending_compaction(), 3u);
  absl::StatusOr<LogPosition> stored = r.replica->ReadLogPosition();
  ASSERT_TRUE(stored.ok()) << stored.status();
  EXPECT_EQ(stored->pending_compaction(), 3u);
  EXPECT_TRUE(absl::IsNotFound(r.replica->ReadEntity("person:an").status()));
  EXPECT_TRUE(absl::IsNotFound(r.replica->ReadFact("f_1").status()));
  EXPECT_TRUE(r.replica->ReadTombstone("person:an").ok());
  EXPECT_EQ(DiffStores(*r.source, *r.replica), "");

  std::string commit3 =
      WriteCommit(*r.source, {}, {MakeFact("f_3", "org:fpt")});
  ApplyResult plain = MustApply(*r.applier, At(4, CommitEntry(3, commit3)));
  EXPECT_EQ(plain.commit, 3u);
  EXPECT_FALSE(plain.erasure);
  EXPECT_EQ(r.applier->position().pending_compaction(), 3u);

  ASSERT_NO_FATAL_FAILURE(r.CreateApplier());
  EXPECT_EQ(r.applier->position().pending_compaction(), 3u);
  MustApply(*r.applier, At(5, SnapshotEntry(4, 3, r.first_snapshot)));
  EXPECT_EQ(r.applier->position().pending_compaction(), 3u);
  EXPECT_EQ(r.applier->position().sequence(), 5u);
  // Once the entries before the snapshot are purged, it is done.
  ASSERT_TRUE(r.applier->ClearPendingCompaction().ok());
  EXPECT_EQ(r.applier->position().pending_compaction(), 0u);
  absl::StatusOr<LogPosition> cleared = r.replica->ReadLogPosition();
  ASSERT_TRUE(cleared.ok()) << cleared.status();
  EXPECT_EQ(cleared->pending_compaction(), 0u);
}

// A log that starts with a snapshot of a populated store: cut in many
// small batches, and a value larger than a message cut in slices, it loads
// into an empty store part by part. Until its last part the store says it
// holds an incomplete snapshot (to be rebuilt if the process dies); then it
// holds what the writer's store holds, and follows its commits.
TEST(LogApplier, SnapshotOfAPopulatedStoreLoadsPartByPart) {
  TempDir dir;
  std::unique_ptr<Store> source;
  ASSERT_NO_FATAL_FAILURE(
      OpenStore(dir.path() + "/source", /*create_identity=*/true, &source));
  for (int i = 0; i < 4; ++i) {
    std::string id = absl::StrCat("place:p", i);
    WriteCommit(
        *source,
        {MakeEntity(id, absl::StrCat("Place ", i), absl::StrCat("place ", i))},
        {MakeFact(absl::StrCat("f_", i, "_a"), id),
         MakeFact(absl::StrCat("f_", i, "_b"), id)});
  }
  WriteCommit(*source, {},
              {MakeFact("f_long", "org:fpt", std::string(3000, 'q'))});
  constexpr size_t kTargetBytes = 200;
  std::vector<LogEntry> snapshot = SnapshotOf(*source, 0, kTargetBytes);
  ASSERT_GT(snapshot.size(), 20u);
  int slices = 0;
  for (const LogEntry& entry : snapshot)
    slices += !entry.snapshot().batch_ends();
  ASSERT_GT(slices, 10) << "the long value should be cut in slices";

  std::unique_ptr<Store> replica;
  ASSERT_NO_FATAL_FAILURE(
      OpenStore(dir.path() + "/replica", /*create_identity=*/false, &replica));
  absl::StatusOr<std::unique_ptr<LogApplier>> applier =
      LogApplier::Create(replica.get(), LogApplier::Options());
  ASSERT_TRUE(applier.ok()) << applier.status();
  uint64_t sequence = 0;
  uint64_t batch_written = 0;  // the sequence of the last complete batch
  for (const LogEntry& entry : snapshot) {
    ++sequence;
    SCOPED_TRACE(absl::StrCat("entry ", sequence));
    ApplyResult result = MustApply(**applier, At(sequence, entry));
    EXPECT_EQ((*applier)->last_seen_sequence(), sequence);
    if (entry.snapshot().last()) {
      EXPECT_TRUE(result.snapshot_loaded);
      break;
    }
    EXPECT_FALSE(result.snapshot_loaded);
    EXPECT_FALSE((*applier)->initialized());
    if (entry.snapshot().batch_ends()) batch_written = sequence;
    absl::StatusOr<LogPosition> position = replica->ReadLogPosition();
    absl::StatusOr<bool> rebuild = LogApplier::NeedsRebuild(*replica);
    ASSERT_TRUE(rebuild.ok()) << rebuild.status();
    if (batch_written == 0) {
      EXPECT_TRUE(absl::IsNotFound(position.status())) << position.status();
      EXPECT_FALSE(*rebuild);
      continue;
    }
    ASSERT_TRUE(position.ok()) << position.status();
    EXPECT_TRUE(position->snapshot_incomplete());
    EXPECT_EQ(position->sequence(), batch_written);
    EXPECT_TRUE(*rebuild);
  }
  EXPECT_EQ(sequence, snapshot.size());
  EXPECT_TRUE((*applier)->initialized());
  absl::StatusOr<bool> rebuild = LogApplier::NeedsRebuild(*replica);
  ASSERT_TRUE(rebuild.ok()) << rebuild.status();
  EXPECT_FALSE(*rebuild);
  absl::StatusOr<LogPosition> position = replica->ReadLogPosition();
  ASSERT_TRUE(position.ok()) << position.status();
  EXPECT_FALSE(position->snapshot_incomplete());
  EXPECT_EQ(position->sequence(), sequence);
  EXPECT_EQ(DiffStores(*source, *replica), "");
  EXPECT_EQ((*applier)->head().last_commit(), 5u);

  std::string next = WriteCommit(*source, {}, {MakeFact("f_next", "org:fpt")});
  EXPECT_EQ(MustApply(**applier, At(sequence + 1, CommitEntry(6, next))).commit,
            6u);
  EXPECT_EQ(DiffStores(*source, *replica), "");
}

// A snapshot load that meets a part out of order (its parts were compacted
// away under the reader) is OUT_OF_RANGE; the store stays marked for
// rebuilding and a new applier refuses it. Reading again from the entry
// after the position, with the parts in order, completes the load.
TEST(LogApplier, SnapshotLoadInterruptedIsOutOfRange) {
  TempDir dir;
  std::unique_ptr<Store> source;
  ASSERT_NO_FATAL_FAILURE(
      OpenStore(dir.path() + "/source", /*create_identity=*/true, &source));
  WriteCommit(*source, {MakeEntity("place:hue", "Huế", "hue")},
              {MakeFact("f_1", "place:hue"), MakeFact("f_2", "place:hue")});
  WriteCommit(*source, {},
              {MakeFact("f_long", "org:fpt", std::string(2000, 'q'))});
  std::vector<LogEntry> snapshot = SnapshotOf(*source, 0, 200);
  // The first complete batch, and the first slice of a batch after it.
  size_t first_end = 0;
  while (!snapshot[first_end].snapshot().batch_ends()) ++first_end;
  size_t slice = first_end + 1;
  while (slice < snapshot.size() && snapshot[slice].snapshot().batch_ends()) {
    ++slice;
  }
  ASSERT_LT(slice + 2, snapshot.size());

  std::unique_ptr<Store> replica;
  ASSERT_NO_FATAL_FAILURE(
      OpenStore(dir.path() + "/replica", /*create_identity=*/false, &replica));
  absl::StatusOr<std::unique_ptr<LogApplier>> applier =
      LogApplier::Create(replica.get(), LogApplier::Options());
  ASSERT_TRUE(applier.ok()) << applier.status();
  for (size_t i = 0; i <= slice; ++i)
    MustApply(**applier, At(i + 1, snapshot[i]));
  uint64_t position = (*applier)->position().sequence();
  EXPECT_GT(position, 0u);
  EXPECT_LT(position, slice + 1);
  EXPECT_EQ((*applier)->last_seen_sequence(), slice + 1);

  // The next entry is a later part than the one the load needs.
  absl::StatusOr<ApplyResult> skipped =
      (*applier)->Apply(At(slice + 2, snapshot[slice + 2]));
  EXPECT_EQ(skipped.status().code(), absl::StatusCode::kOutOfRange)
      << skipped.status();
  EXPECT_FALSE((*applier)->initialized());
  EXPECT_EQ((*applier)->position().sequence(), position);
  EXPECT_EQ((*applier)->last_seen_sequence(), position);
  absl::StatusOr<bool> rebuild = LogApplier::NeedsRebuild(*replica);
  ASSERT_TRUE(rebuild.ok()) << rebuild.status();
  EXPECT_TRUE(*rebuild);
  absl::StatusOr<std::unique_ptr<LogApplier>> refused =
      LogApplier::Create(replica.get(), LogApplier::Options());
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition)
      << refused.status();

  // A part after a gap in sequences is out of order too.
  absl::StatusOr<ApplyResult> gap =
      (*applier)->Apply(At(position + 2, snapshot[position]));
  EXPECT_EQ(gap.status().code(), absl::StatusCode::kOutOfRange) << gap.status();
  EXPECT_EQ((*applier)->last_seen_sequence(), position);

  for (size_t i = position; i < snapshot.size(); ++i) {
    MustApply(**applier, At(i + 1, snapshot[i]));
  }
  EXPECT_TRUE((*applier)->initialized());
  EXPECT_EQ(DiffStores(*source, *replica), "");
}

// An applier refuses a store that holds data that did not come from a log
// (an embedded-mode store, which made its own identity) with
// FAILED_PRECONDITION; an empty store is accepted, not initialized.
TEST(LogApplier, CreateRefusesAStoreThatIsNotAViewOfALog) {
  TempDir dir;
  std::unique_ptr<Store> embedded;
  ASSERT_NO_FATAL_FAILURE(
      OpenStore(dir.path() + "/embedded", /*create_identity=*/true, &embedded));
  absl::StatusOr<std::unique_ptr<LogApplier>> refused =
      LogApplier::Create(embedded.get(), LogApplier::Options());
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition)
      << refused.status();
  absl::StatusOr<bool> rebuild = LogApplier::NeedsRebuild(*embedded);
  ASSERT_TRUE(rebuild.ok()) << rebuild.status();
  EXPECT_FALSE(*rebuild);

  std::unique_ptr<Store> empty;
  ASSERT_NO_FATAL_FAILURE(
      OpenStore(dir.path() + "/empty", /*create_identity=*/false, &empty));
  absl::StatusOr<std::unique_ptr<LogApplier>> accepted =
      LogApplier::Create(empty.get(), LogApplier::Options());
  ASSERT_TRUE(accepted.ok()) << accepted.status();
  EXPECT_FALSE((*accepted)->initialized());
  EXPECT_EQ((*accepted)->position().sequence(), 0u);
}

}  // namespace
}  // namespace factstore::replication
