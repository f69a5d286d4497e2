#include "storage/store.h"

#include <algorithm>
#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/remembered_words.h"
#include "gmock/gmock.h"
#include "google/protobuf/arena.h"
#include "gtest/gtest.h"
#include "normalizer/search_terms.h"
#include "rocksdb/db.h"
#include "rocksdb/write_batch.h"
#include "storage/commit_batch.h"
#include "storage/key_codec.h"
#include "storage/record_views.h"
#include "storage/test_records.h"
#include "storage/word_postings.h"
#include "tests/support/temp_dir.h"

namespace factstore::storage {
namespace {

using ::factstore::testing::TempDir;
using ::testing::ElementsAre;

StoreOptions SmallOptions() {
  StoreOptions options;
  options.block_cache_bytes = 8 << 20;
  options.write_buffer_bytes = 4 << 20;
  return options;
}

FactRecord MakeFact(const std::string& id, const std::string& subject,
                    const std::string& amount, uint64_t commit) {
  TestFact fact;
  fact.id = id;
  fact.subject = subject;
  fact.amount = amount;
  fact.commit = commit;
  return MakeFactRecord(fact);
}

// Writes one commit holding `facts`, as the ingest service's committer does.
void CommitFacts(Store& store, uint64_t commit,
                 const std::vector<FactRecord>& facts) {
  CommitBatch batch(store, commit);
  CommitRecord log;
  log.set_commit(commit);
  for (const FactRecord& fact : facts) {
    ASSERT_TRUE(batch.PutFact(nullptr, fact).ok());
    Change* change = log.add_changes();
    change->set_kind(CHANGE_KIND_FACT_ASSERTED);
    change->set_fact_id(fact.content().id());
  }
  batch.PutCommitRecord(log);
  StoreHead head;
  head.set_last_commit(commit);
  head.set_fact_count(static_cast<int64_t>(commit * facts.size()));
  batch.PutHead(head);
  ASSERT_TRUE(store.Write(batch, /*sync=*/false).ok());
}

std::vector<std::string> ScanKeys(const Store& store, ColumnFamily cf,
                                  const std::string& prefix) {
  std::vector<std::string> keys;
  auto scan = store.ScanPrefix(cf, prefix);
  for (; scan->Valid(); scan->Next()) keys.emplace_back(scan->key());
  EXPECT_TRUE(scan->status().ok());
  return keys;
}

// The facts in the word postings of `word`, as "fact_id@commit", in the
// order of the postings.
std::vector<std::string> Posted(const Store& store, absl::string_view word) {
  std::vector<std::string> posted;
  auto scan = store.ScanPrefix(ColumnFamily::kNames, WordPostingPrefix(word));
  for (; scan->Valid(); scan->Next()) {
    uint64_t hash = 0;
    uint64_t commit = 0;
    EXPECT_TRUE(DecodeWordPostingKey(scan->key(), &hash, &commit));
    WordPosting posting;
    EXPECT_TRUE(posting.ParseFromArray(scan->value().data(),
                                       static_cast<int>(scan->value().size())));
    EXPECT_FALSE(PostingIsEmpty(posting));
    absl::Status listed =
        ForEachPostingFactId(posting, [&](absl::string_view id) {
          posted.push_back(absl::StrCat(id, "@", commit));
          return absl::OkStatus();
        });
    EXPECT_TRUE(listed.ok()) << listed;
  }
  EXPECT_TRUE(scan->status().ok());
  return posted;
}

// Every key of the word index.
std::vector<std::string> WordIndexKeys(const Store& store) {
  std::vector<std::string> keys;
  auto scan =
      store.Scan(ColumnFamily::kNames, WordIndexBegin(), WordIndexEnd());
  for (; scan->Valid(); scan->Next()) keys.emplace_back(scan->key());
  EXPECT_TRUE(scan->status().ok());
  return keys;
}

// A word entry of schema version 4 (kind 5: word hash, then fact id).
std::string LegacyWordKey(uint64_t word_hash, absl::string_view fact_id) {
  std::string key(1, '\x05');
  for (int shift = 56; shift >= 0; shift -= 8) {
    key.push_back(static_cast<char>((word_hash >> shift) & 0xff));
  }
  key.append(fact_id.data(), fact_id.size());
  return key;
}

TEST(StoreTest, NewStoreGetsAnIdentityThatSurvivesReopening) {
  TempDir dir;
  uint32_t store_id;
  {
    auto store = Store::OpenPrimary(dir.path() + "/db", SmallOptions());
    ASSERT_TRUE(store.ok()) << store.status();
    store_id = (*store)->store_id();
    EXPECT_NE(store_id, 0u);
    EXPECT_EQ((*store)->identity().token_secret().size(), 32u);
    auto head = (*store)->ReadHead();
    ASSERT_TRUE(head.ok());
    EXPECT_EQ(head->last_commit(), 0u);
  }
  auto reopened = Store::OpenPrimary(dir.path() + "/db", SmallOptions());
  ASSERT_TRUE(reopened.ok()) << reopened.status();
  EXPECT_EQ((*reopened)->store_id(), store_id);
}

TEST(StoreTest, SecondWriterIsRefused) {
  TempDir dir;
  auto first = Store::OpenPrimary(dir.path() + "/db", SmallOptions());
  ASSERT_TRUE(first.ok());
  auto second = Store::OpenPrimary(dir.path() + "/db", SmallOptions());
  ASSERT_FALSE(second.ok());
  // The lock may be let go: worth retrying, unlike other I/O errors.
  EXPECT_EQ(second.status().code(), absl::StatusCode::kUnavailable)
      << second.status();
}

TEST(StoreTest, SecondaryOfMissingStoreIsUnavailable) {
  TempDir dir;
  auto reader = Store::OpenSecondary(dir.path() + "/nothing-here",
                                     dir.path() + "/secondary", SmallOptions());
  ASSERT_FALSE(reader.ok());
  EXPECT_EQ(reader.status().code(), absl::StatusCode::kUnavailable);
}

TEST(StoreTest, FactsAndIndexEntriesAreWrittenTogether) {
  TempDir dir;
  auto store = Store::OpenPrimary(dir.path() + "/db", SmallOptions());
  ASSERT_TRUE(store.ok());
  FactRecord fact = MakeFact("f_1", "country:south-korea", "85900000000", 1);
  CommitFacts(**store, 1, {fact});

  auto read = (*store)->ReadFact("f_1");
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(read->content().subject(), "country:south-korea");
  EXPECT_EQ(ScanKeys(**store, ColumnFamily::kSubjectIndex,
                     SubjectPrefix("country:south-korea"))
                .size(),
            1u);
  EXPECT_EQ(
      ScanKeys(**store, ColumnFamily::kPredicateIndex,
               PredicateQuantityPrefix("investment.cumulative_total", "USD"))
          .size(),
      1u);
  EXPECT_EQ(ScanKeys(**store, ColumnFamily::kReferenceIndex,
                     ReferencePrefix("doc:a", ReferenceRole::kDocument))
                .size(),
            1u);
  EXPECT_EQ(ScanKeys(**store, ColumnFamily::kValidTimeIndex, "").size(), 1u);
  auto log = (*store)->ReadCommit(1);
  ASSERT_TRUE(log.ok());
  EXPECT_EQ(log->changes(0).fact_id(), "f_1");
  EXPECT_EQ((*store)->ReadFact("f_missing").status().code(),
            absl::StatusCode::kNotFound);
}

TEST(StoreTest, ReplacingAFactMovesItsIndexEntries) {
  TempDir dir;
  auto store = Store::OpenPrimary(dir.path() + "/db", SmallOptions());
  ASSERT_TRUE(store.ok());
  FactRecord before = MakeFact("f_1", "place:da-nang", "37", 1);
  CommitFacts(**store, 1, {before});

  FactRecord after = before;
  after.mutable_mentions(0)->mutable_mention()->set_document_id("doc:b");
  CommitBatch batch(**store);
  ASSERT_TRUE(batch.PutFact(&before, after).ok());
  ASSERT_TRUE((*store)->Write(batch, false).ok());

  EXPECT_TRUE(ScanKeys(**store, ColumnFamily::kReferenceIndex,
                       ReferenceEntityPrefix("doc:a"))
                  .empty());
  EXPECT_EQ(ScanKeys(**store, ColumnFamily::kReferenceIndex,
                     ReferenceEntityPrefix("doc:b"))
                .size(),
            1u);

  CommitBatch erase(**store);
  ASSERT_TRUE(erase.DeleteFact(after).ok());
  ASSERT_TRUE((*store)->Write(erase, false).ok());
  for (ColumnFamily cf :
       {ColumnFamily::kFacts, ColumnFamily::kSubjectIndex,
        ColumnFamily::kPredicateIndex, ColumnFamily::kReferenceIndex,
        ColumnFamily::kValidTimeIndex}) {
    EXPECT_TRUE(ScanKeys(**store, cf, "").empty()) << ColumnFamilyName(cf);
  }
}

// Collects what a sealed batch hands to RocksDB, in order.
class BatchRecorder : public rocksdb::WriteBatch::Handler {
 public:
  struct Entry {
    uint32_t family;
    std::string key;
    bool is_delete;
  };
  rocksdb::Status PutCF(uint32_t family, const rocksdb::Slice& key,
                        const rocksdb::Slice&) override {
    entries.push_back({family, key.ToString(), false});
    return rocksdb::Status::OK();
  }
  rocksdb::Status DeleteCF(uint32_t family,
                           const rocksdb::Slice& key) override {
    entries.push_back({family, key.ToString(), true});
    return rocksdb::Status::OK();
  }
  std::vector<Entry> entries;
};

TEST(StoreTest, SealedBatchesAreSortedByFamilyAndKey) {
  TempDir dir;
  auto store = Store::OpenPrimary(dir.path() + "/db", SmallOptions());
  ASSERT_TRUE(store.ok());
  CommitBatch batch(**store);
  for (const char* id : {"f_9", "f_2", "f_7", "f_1", "f_5"}) {
    ASSERT_TRUE(
        batch
            .PutFact(nullptr, MakeFact(id, std::string("place:") + id, "37", 1))
            .ok());
  }
  StoreHead head;
  head.set_last_commit(1);
  batch.PutHead(head);
  BatchRecorder recorder;
  ASSERT_TRUE(batch.Seal()->Iterate(&recorder).ok());
  // Sealing adds the word postings.
  const int operations = batch.operation_count();
  ASSERT_EQ(static_cast<int>(recorder.entries.size()), operations);
  // RocksDB's ids of the families, back to factstore's.
  std::map<uint32_t, int> family_of_id;
  for (int cf = 0; cf < kColumnFamilyCount; ++cf) {
    family_of_id[(*store)->handle(static_cast<ColumnFamily>(cf))->GetID()] = cf;
  }
  std::set<int> families;
  for (size_t i = 0; i < recorder.entries.size(); ++i) {
    ASSERT_EQ(family_of_id.count(recorder.entries[i].family), 1u);
    int family = family_of_id[recorder.entries[i].family];
    families.insert(family);
    if (i == 0) continue;
    const auto& a = recorder.entries[i - 1];
    const auto& b = recorder.entries[i];
    int previous = family_of_id[a.family];
    // Families in the order of ColumnFamily, each in one run; keys in order
    // within a family.
    EXPECT_LE(previous, family) << "entry " << i;
    if (a.family == b.family) {
      EXPECT_LT(a.key, b.key) << "entry " << i;
    }
  }
  // Facts, their indexes and the head: enough families for the order to
  // matter.
  EXPECT_GE(families.size(), 4u);
}

TEST(StoreTest, OperationsOnOneKeyKeepTheirOrderInABatch) {
  TempDir dir;
  auto store = Store::OpenPrimary(dir.path() + "/db", SmallOptions());
  ASSERT_TRUE(store.ok());
  FactRecord gone = MakeFact("f_gone", "place:da-nang", "37", 1);
  FactRecord kept = MakeFact("f_kept", "place:seoul", "38", 1);
  CommitFacts(**store, 1, {kept});

  CommitBatch batch(**store);
  ASSERT_TRUE(batch.PutFact(nullptr, gone).ok());  // put, then deleted
  ASSERT_TRUE(batch.DeleteFact(gone).ok());
  ASSERT_TRUE(batch.DeleteFact(kept).ok());  // deleted, then put back
  ASSERT_TRUE(batch.PutFact(nullptr, kept).ok());
  ASSERT_TRUE((*store)->Write(batch, false).ok());

  EXPECT_TRUE(ScanKeys(**store, ColumnFamily::kSubjectIndex,
                       SubjectPrefix("place:da-nang"))
                  .empty());
  EXPECT_EQ(ScanKeys(**store, ColumnFamily::kSubjectIndex,
                     SubjectPrefix("place:seoul"))
                .size(),
            1u);
  auto read = (*store)->ReadFact("f_kept");
  EXPECT_TRUE(read.ok()) << read.status();
  auto missing = (*store)->ReadFact("f_gone");
  EXPECT_TRUE(absl::IsNotFound(missing.status())) << missing.status();
}

TEST(StoreTest, IdsWithSeparatorsStayApart) {
  TempDir dir;
  auto store = Store::OpenPrimary(dir.path() + "/db", SmallOptions());
  ASSERT_TRUE(store.ok());
  std::string tricky(std::string("a\0b", 3));
  CommitFacts(**store, 1,
              {MakeFact("f_1", "a", "1", 1), MakeFact("f_2", tricky, "2", 1),
               MakeFact("f_3", "a/b", "3", 1), MakeFact("f_4", "a:b", "4", 1)});
  EXPECT_EQ(
      ScanKeys(**store, ColumnFamily::kSubjectIndex, SubjectPrefix("a")).size(),
      1u);
  EXPECT_EQ(
      ScanKeys(**store, ColumnFamily::kSubjectIndex, SubjectPrefix(tricky))
          .size(),
      1u);
}

TEST(StoreTest, EntityLookupKeysOfAllRevisionsAreRemovedOnDelete) {
  TempDir dir;
  auto store = Store::OpenPrimary(dir.path() + "/db", SmallOptions());
  ASSERT_TRUE(store.ok());
  EntityRecord record;
  EntityRevision* first = record.add_revisions();
  first->set_commit(1);
  first->mutable_entity()->set_id("place:da-nang");
  first->mutable_entity()->set_type(v1::ENTITY_TYPE_PLACE);
  (*first->mutable_entity()->mutable_external_ids())["wikidata"] = "Q25282";
  NameForm* form = first->add_name_forms();
  form->set_text("Đà Nẵng");
  form->set_folded("danang");
  form->add_word_suffixes("nang");
  CommitBatch batch(**store);
  batch.PutEntity(record);
  ASSERT_TRUE((*store)->Write(batch, false).ok());

  EntityRevision* second = record.add_revisions();
  second->set_commit(2);
  second->mutable_entity()->set_id("place:da-nang");
  second->mutable_entity()->set_type(v1::ENTITY_TYPE_ORGANIZATION);
  (*second->mutable_entity()->mutable_external_ids())["wikidata"] = "Q1";
  second->add_name_forms()->set_folded("danangcity");
  CommitBatch update(**store);
  update.PutEntity(record);
  ASSERT_TRUE((*store)->Write(update, false).ok());
  // The keys of old names, types and external ids stay for time travel.
  EXPECT_EQ(ScanKeys(**store, ColumnFamily::kNames, "").size(), 7u);
  EXPECT_EQ(ScanKeys(**store, ColumnFamily::kNames,
                     EntityTypePrefix(v1::ENTITY_TYPE_PLACE)),
            std::vector<std::string>{
                EntityTypeKey(v1::ENTITY_TYPE_PLACE, "place:da-nang")});
  EXPECT_EQ(ScanKeys(**store, ColumnFamily::kNames,
                     ExternalIdPrefix("wikidata", "Q1")),
            std::vector<std::string>{
                ExternalIdKey("wikidata", "Q1", "place:da-nang")});
  auto read = (*store)->ReadEntity("place:da-nang");
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(EntityRevisionAsOf(*read, 1)->name_forms(0).folded(), "danang");
  EXPECT_EQ(EntityRevisionAsOf(*read, 5)->name_forms(0).folded(), "danangcity");
  EXPECT_EQ(EntityRevisionAsOf(*read, 0), nullptr);

  CommitBatch erase(**store);
  erase.DeleteEntity(record);
  ASSERT_TRUE((*store)->Write(erase, false).ok());
  EXPECT_TRUE(ScanKeys(**store, ColumnFamily::kNames, "").empty());
  EXPECT_TRUE(ScanKeys(**store, ColumnFamily::kEntities, "").empty());
}

// RewriteClosedStore, failing the test if it fails.
void RewriteStore(const std::string& path,
                  const std::function<void(StoreIdentity*)>& change,
                  const ClosedStoreEdit& edit) {
  absl::Status rewritten = RewriteClosedStore(path, change, edit);
  ASSERT_TRUE(rewritten.ok()) << rewritten;
}

// Makes the closed store at `path` look as a store of schema `version` does.
void RewriteWithSchemaVersion(const std::string& path, uint32_t version) {
  RewriteStore(
      path, [version](StoreIdentity* id) { id->set_schema_version(version); },
      [version](rocksdb::DB* db, rocksdb::ColumnFamilyHandle* names,
                rocksdb::WriteBatch* batch) {
        std::unique_ptr<rocksdb::Iterator> it(
            db->NewIterator(rocksdb::ReadOptions(), names));
        // Before version 4 there were no fact words, version 4 had an
        // entry per word and fact instead of postings; version 1 had only
        // names.
        for (it->SeekToFirst(); it->Valid(); it->Next()) {
          NameKeyParts parts;
          uint64_t word_hash;
          uint64_t commit;
          const std::string key = it->key().ToString();
          const bool word = DecodeWordPostingKey(key, &word_hash, &commit);
          if ((word && version < 5) ||
              (!word && version == 1 && !DecodeNameKey(key, &parts))) {
            batch->Delete(names, it->key());
          }
          WordPosting posting;
          if (word && (version == 4 || version == 5) &&
              posting.ParseFromArray(it->value().data(),
                                     static_cast<int>(it->value().size()))) {
            // Version 5 postings list every id as text.
            WordPosting as_text;
            EXPECT_TRUE(
                ForEachPostingFactId(posting, [&](absl::string_view id) {
                  as_text.add_fact_ids(std::string(id));
                  if (version == 4) {
                    batch->Put(names, LegacyWordKey(word_hash, id), "");
                  }
                  return absl::OkStatus();
                }).ok());
            if (version == 5) {
              batch->Put(names, it->key(), as_text.SerializeAsString());
            }
          }
        }
      });
}

// Makes the closed store at `path` hold the kNames entry `names_key` (one
// an older index version, or a build cut short, left), its identity changed
// by `change`.
void RewriteIdentity(const std::string& path,
                     const std::function<void(StoreIdentity*)>& change,
                     const std::string& names_key) {
  RewriteStore(path, change,
               [&names_key](rocksdb::DB*, rocksdb::ColumnFamilyHandle* names,
                            rocksdb::WriteBatch* batch) {
                 batch->Put(names, names_key, "");
               });
}

TEST(StoreTest, PrimaryUpgradesAVersion1StoreAndASecondaryReadsIt) {
  TempDir dir;
  const std::string path = dir.path() + "/db";
  EntityRecord record;
  EntityRevision* revision = record.add_revisions();
  revision->set_commit(1);
  revision->mutable_entity()->set_id("place:da-nang");
  revision->mutable_entity()->set_type(v1::ENTITY_TYPE_PLACE);
  (*revision->mutable_entity()->mutable_external_ids())["wikidata"] = "Q25282";
  std::vector<std::string> all_keys;
  {
    auto store = Store::OpenPrimary(path, SmallOptions());
    ASSERT_TRUE(store.ok());
    CommitBatch batch(**store);
    batch.PutEntity(record);
    ASSERT_TRUE((*store)->Write(batch, false).ok());
    all_keys = ScanKeys(**store, ColumnFamily::kNames, "");
    ASSERT_EQ(all_keys.size(), 2u);  // its type and its external id
  }
  ASSERT_NO_FATAL_FAILURE(RewriteWithSchemaVersion(path, 1));
  {
    // A secondary reads a version 1 store as it is.
    auto secondary =
        Store::OpenSecondary(path, dir.path() + "/secondary", SmallOptions());
    ASSERT_TRUE(secondary.ok()) << secondary.status();
    EXPECT_EQ((*secondary)->identity().schema_version(), 1u);
    EXPECT_TRUE(ScanKeys(**secondary, ColumnFamily::kNames, "").empty());

    auto store = Store::OpenPrimary(path, SmallOptions());
    ASSERT_TRUE(store.ok()) << store.status();
    EXPECT_EQ((*store)->identity().schema_version(), kSchemaVersion);
    EXPECT_EQ(ScanKeys(**store, ColumnFamily::kNames, ""), all_keys);
    // ... and sees the upgrade as it catches up.
    ASSERT_TRUE((*secondary)->CatchUp().ok());
    EXPECT_EQ(ScanKeys(**secondary, ColumnFamily::kNames, ""), all_keys);
  }
  auto reopened = Store::OpenPrimary(path, SmallOptions());
  ASSERT_TRUE(reopened.ok());
  EXPECT_EQ((*reopened)->identity().schema_version(), kSchemaVersion);
}

TEST(StoreTest, AVersion2StoreIsUpgradedWithoutRewritingAnything) {
  TempDir dir;
  const std::string path = dir.path() + "/db";
  std::vector<std::string> entity_keys;
  {
    auto store = Store::OpenPrimary(path, SmallOptions());
    ASSERT_TRUE(store.ok());
    EntityRecord record;
    EntityRevision* revision = record.add_revisions();
    revision->set_commit(1);
    revision->mutable_entity()->set_id("doc:a");
    revision->mutable_entity()->set_type(v1::ENTITY_TYPE_DOCUMENT);
    CommitBatch batch(**store);
    batch.PutEntity(record);
    ASSERT_TRUE((*store)->Write(batch, false).ok());
    entity_keys = ScanKeys(**store, ColumnFamily::kNames, "");
  }
  ASSERT_NO_FATAL_FAILURE(RewriteWithSchemaVersion(path, 2));
  auto secondary =
      Store::OpenSecondary(path, dir.path() + "/secondary", SmallOptions());
  ASSERT_TRUE(secondary.ok()) << secondary.status();
  EXPECT_EQ((*secondary)->identity().schema_version(), 2u);
  auto store = Store::OpenPrimary(path, SmallOptions());
  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_EQ((*store)->identity().schema_version(), kSchemaVersion);
  EXPECT_EQ(ScanKeys(**store, ColumnFamily::kNames, ""), entity_keys);
}

TEST(StoreTest, ApplyCompletesTheLookupEntriesAVersion1WriterLeftOut) {
  TempDir dir;
  auto store = Store::OpenPrimary(dir.path() + "/db", SmallOptions());
  ASSERT_TRUE(store.ok());
  EntityRecord record;
  for (uint64_t commit : {1, 2}) {
    EntityRevision* revision = record.add_revisions();
    revision->set_commit(commit);
    revision->mutable_entity()->set_id("place:da-nang");
    revision->mutable_entity()->set_type(
        commit == 1 ? v1::ENTITY_TYPE_PLACE : v1::ENTITY_TYPE_ORGANIZATION);
    (*revision->mutable_entity()->mutable_external_ids())["wikidata"] =
        absl::StrCat("Q", commit);
  }
  // The entity record alone, as a version 1 writer's log entry holds it.
  rocksdb::WriteBatch batch;
  ASSERT_TRUE(batch
                  .Put((*store)->handle(ColumnFamily::kEntities),
                       EntityKey("place:da-nang"), record.SerializeAsString())
                  .ok());
  ASSERT_TRUE((*store)->Apply(&batch, nullptr, false, 1).ok());
  std::vector<std::string> expected = {
      EntityTypeKey(v1::ENTITY_TYPE_ORGANIZATION, "place:da-nang"),
      EntityTypeKey(v1::ENTITY_TYPE_PLACE, "place:da-nang"),
      ExternalIdKey("wikidata", "Q1", "place:da-nang"),
      ExternalIdKey("wikidata", "Q2", "place:da-nang")};
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(ScanKeys(**store, ColumnFamily::kNames, ""), expected);

  // Its erasure, as a version 1 writer's log entry holds it: the record's
  // key deleted, the new entries left to the applying store.
  rocksdb::WriteBatch erasure;
  ASSERT_TRUE(erasure
                  .Delete((*store)->handle(ColumnFamily::kEntities),
                          EntityKey("place:da-nang"))
                  .ok());
  ASSERT_TRUE((*store)->Apply(&erasure, nullptr, false, 1).ok());
  EXPECT_TRUE(ScanKeys(**store, ColumnFamily::kNames, "").empty());
  EXPECT_FALSE((*store)->ReadEntity("place:da-nang").ok());

  rocksdb::WriteBatch damaged;
  ASSERT_TRUE(damaged
                  .Put((*store)->handle(ColumnFamily::kEntities),
                       EntityKey("org:x"), "\xff\xff not a record")
                  .ok());
  EXPECT_EQ((*store)->Apply(&damaged, nullptr, false, 1).code(),
            absl::StatusCode::kDataLoss);
  EXPECT_FALSE((*store)->ReadEntity("org:x").ok());
}

TEST(StoreTest, FactsJoinAndLeaveTheWordPostingsOfTheirTexts) {
  TempDir dir;
  auto store = Store::OpenPrimary(dir.path() + "/db", SmallOptions());
  ASSERT_TRUE(store.ok());
  // Two facts of one commit share its posting of each word they both have.
  FactRecord before = MakeFact("f_1", "place:da-nang", "37", 1);
  CommitFacts(**store, 1, {before, MakeFact("f_2", "place:seoul", "38", 1)});
  EXPECT_EQ(Posted(**store, "korea"),
            (std::vector<std::string>{"f_1@1", "f_2@1"}));
  EXPECT_EQ(ScanKeys(**store, ColumnFamily::kNames, WordPostingPrefix("korea"))
                .size(),
            1u);
  EXPECT_TRUE(Posted(**store, "the").empty());  // a stop word

  // A second mention (commit 2) puts the fact in commit 2's postings of the
  // words of its quote; the first mention's stay where they are.
  FactRecord now = before;
  MentionRecord* second = now.add_mentions();
  *second = before.mentions(0);
  second->set_commit(2);
  second->mutable_mention()->set_quote("Đầu tư vào bán dẫn");
  {
    CommitBatch batch(**store, 2);
    ASSERT_TRUE(batch.PutFact(&before, now).ok());
    ASSERT_TRUE((*store)->Write(batch, false).ok());
  }
  EXPECT_EQ(Posted(**store, "ban"), std::vector<std::string>{"f_1@2"});
  EXPECT_EQ(Posted(**store, "korea"),
            (std::vector<std::string>{"f_1@1", "f_2@1"}));

  // A third mention repeating the first quote changes no posting; when the
  // first mention goes, that quote's words move to the third's commit, and
  // the words only the first had leave.
  FactRecord three = now;
  MentionRecord* third = three.add_mentions();
  *third = before.mentions(0);
  third->set_commit(3);
  {
    CommitBatch batch(**store, 3);
    ASSERT_TRUE(batch.PutFact(&now, three).ok());
    ASSERT_TRUE((*store)->Write(batch, false).ok());
  }
  EXPECT_EQ(Posted(**store, "korea"),
            (std::vector<std::string>{"f_1@1", "f_2@1"}));
  FactRecord fewer = three;
  fewer.mutable_mentions()->DeleteSubrange(0, 1);
  {
    // A batch of no one commit reads every posting it changes.
    CommitBatch batch(**store);
    ASSERT_TRUE(batch.PutFact(&three, fewer).ok());
    ASSERT_TRUE((*store)->Write(batch, false).ok());
  }
  EXPECT_EQ(Posted(**store, "korea"),
            (std::vector<std::string>{"f_2@1", "f_1@3"}));
  FactRecord erased = fewer;
  erased.mutable_mentions()->DeleteSubrange(1, 1);
  {
    CommitBatch batch(**store, 4);
    ASSERT_TRUE(batch.PutFact(&fewer, erased).ok());
    ASSERT_TRUE((*store)->Write(batch, false).ok());
  }
  EXPECT_EQ(Posted(**store, "korea"), std::vector<std::string>{"f_2@1"});
  EXPECT_EQ(Posted(**store, "dau"), std::vector<std::string>{"f_1@2"});

  // Deleting the facts empties their postings, which are deleted.
  {
    CommitBatch batch(**store, 5);
    ASSERT_TRUE(batch.DeleteFact(erased).ok());
    ASSERT_TRUE(batch.DeleteFact(MakeFact("f_2", "place:seoul", "38", 1)).ok());
    ASSERT_TRUE((*store)->Write(batch, false).ok());
  }
  EXPECT_TRUE(WordIndexKeys(**store).empty());
}

TEST(StoreTest, AFactsTextValueIsInThePostingsOfTheCommitThatAssertedIt) {
  TempDir dir;
  auto store = Store::OpenPrimary(dir.path() + "/db", SmallOptions());
  ASSERT_TRUE(store.ok());
  FactRecord fact = MakeFact("f_1", "place:da-nang", "37", 7);
  fact.mutable_content()->mutable_value()->mutable_text()->set_text(
      "semiconductor hub");
  fact.mutable_mentions(0)->set_commit(9);
  fact.mutable_mentions(0)->mutable_mention()->set_quote("semiconductor plant");
  CommitFacts(**store, 9, {fact});
  EXPECT_EQ(Posted(**store, "hub"), std::vector<std::string>{"f_1@7"});
  EXPECT_EQ(Posted(**store, "plant"), std::vector<std::string>{"f_1@9"});
  EXPECT_EQ(Posted(**store, "semiconductor"),
            (std::vector<std::string>{"f_1@7", "f_1@9"}));
}

// Writes facts f_1, f_2 (commit 1) and f_3 (commit 2) into a new store at
// `path` and closes it; returns its kNames keys.
std::vector<std::string> StoreOfThreeFacts(const std::string& path) {
  auto store = Store::OpenPrimary(path, SmallOptions());
  EXPECT_TRUE(store.ok());
  if (!store.ok()) return {};
  CommitFacts(**store, 1,
              {MakeFact("f_1", "place:da-nang", "37", 1),
               MakeFact("f_2", "place:seoul", "38", 1)});
  CommitFacts(**store, 2, {MakeFact("f_3", "place:hanoi", "39", 2)});
  // 4 words of one quote, in the postings of commits 1 and 2.
  EXPECT_EQ(WordIndexKeys(**store).size(), 8u);
  EXPECT_EQ(Posted(**store, "korea"),
            (std::vector<std::string>{"f_1@1", "f_2@1", "f_3@2"}));
  return ScanKeys(**store, ColumnFamily::kNames, "");
}

TEST(StoreTest, AVersion3StoreGetsTheWordsOfItsFacts) {
  TempDir dir;
  const std::string path = dir.path() + "/db";
  const std::vector<std::string> words = StoreOfThreeFacts(path);
  ASSERT_NO_FATAL_FAILURE(RewriteWithSchemaVersion(path, 3));
  auto secondary =
      Store::OpenSecondary(path, dir.path() + "/secondary", SmallOptions());
  ASSERT_TRUE(secondary.ok()) << secondary.status();
  EXPECT_TRUE(ScanKeys(**secondary, ColumnFamily::kNames, "").empty());
  auto store = Store::OpenPrimary(path, SmallOptions());
  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_EQ((*store)->identity().schema_version(), kSchemaVersion);
  EXPECT_EQ(ScanKeys(**store, ColumnFamily::kNames, ""), words);
  ASSERT_TRUE((*secondary)->CatchUp().ok());
  EXPECT_EQ(ScanKeys(**secondary, ColumnFamily::kNames, ""), words);
}

TEST(StoreTest, AVersion4StoresWordEntriesBecomePostings) {
  TempDir dir;
  const std::string path = dir.path() + "/db";
  const std::vector<std::string> words = StoreOfThreeFacts(path);
  ASSERT_NO_FATAL_FAILURE(RewriteWithSchemaVersion(path, 4));
  {
    auto old =
        Store::OpenSecondary(path, dir.path() + "/secondary", SmallOptions());
    ASSERT_TRUE(old.ok()) << old.status();
    EXPECT_EQ(WordIndexKeys(**old).size(), 12u);  // 4 words of 3 facts
    EXPECT_TRUE(Posted(**old, "korea").empty());
  }
  auto store = Store::OpenPrimary(path, SmallOptions());
  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_EQ((*store)->identity().schema_version(), kSchemaVersion);
  EXPECT_EQ(ScanKeys(**store, ColumnFamily::kNames, ""), words);
  EXPECT_EQ(Posted(**store, "korea"),
            (std::vector<std::string>{"f_1@1", "f_2@1", "f_3@2"}));
}

// A fact id of the shape every new fact gets: "f_" and 32 lowercase hex
// digits, here those of `n`.
std::string DerivedFactId(uint64_t n) {
  return absl::StrCat("f_", std::string(16, '0'),
                      absl::Hex(n, absl::kZeroPad16));
}

// The word postings of `word`, as stored.
std::vector<WordPosting> RawPostings(const Store& store,
                                     absl::string_view word) {
  std::vector<WordPosting> postings;
  auto scan = store.ScanPrefix(ColumnFamily::kNames, WordPostingPrefix(word));
  for (; scan->Valid(); scan->Next()) {
    postings.emplace_back();
    EXPECT_TRUE(postings.back().ParseFromArray(
        scan->value().data(), static_cast<int>(scan->value().size())));
  }
  return postings;
}

TEST(StoreTest, DerivedFactIdsArePostedAsTheirBytes) {
  TempDir dir;
  auto store = Store::OpenPrimary(dir.path() + "/db", SmallOptions());
  ASSERT_TRUE(store.ok());
  const std::string first = DerivedFactId(0xfa0b);
  const std::string second = DerivedFactId(0x3c);
  // Not of the shape: upper case digits, and an id of another length.
  const std::string upper = "f_" + std::string(32, 'A');
  const std::string other = "f_other";
  FactRecord erased = MakeFact(first, "place:da-nang", "37", 1);
  CommitFacts(**store, 1,
              {erased, MakeFact(second, "place:seoul", "38", 1),
               MakeFact(upper, "place:hanoi", "39", 1),
               MakeFact(other, "place:hue", "40", 1)});
  std::vector<WordPosting> korea = RawPostings(**store, "korea");
  ASSERT_EQ(korea.size(), 1u);
  EXPECT_EQ(korea[0].derived_ids().size(), 32u);
  EXPECT_EQ(korea[0].derived_ids().substr(0, 16),
            absl::HexStringToBytes(second.substr(2)));
  EXPECT_THAT(korea[0].fact_ids(), ElementsAre(upper, other));
  EXPECT_EQ(Posted(**store, "korea"),
            (std::vector<std::string>{second + "@1", first + "@1", upper + "@1",
                                      other + "@1"}));

  // Taking a fact out reads the stored ids back and writes the rest.
  {
    CommitBatch batch(**store, 2);
    ASSERT_TRUE(batch.DeleteFact(erased).ok());
    ASSERT_TRUE((*store)->Write(batch, false).ok());
  }
  EXPECT_EQ(
      Posted(**store, "korea"),
      (std::vector<std::string>{second + "@1", upper + "@1", other + "@1"}));
}

TEST(StoreTest, APostingWhoseDerivedIdsAreCutIsDataLoss) {
  WordPosting posting;
  posting.set_derived_ids(std::string(17, '\x01'));
  int visited = 0;
  absl::Status listed = ForEachPostingFactId(posting, [&](absl::string_view) {
    ++visited;
    return absl::OkStatus();
  });
  EXPECT_EQ(listed.code(), absl::StatusCode::kDataLoss) << listed;
  EXPECT_EQ(visited, 0);
}

TEST(StoreTest, AVersion5StoresPostingsAreReadAsTheyAre) {
  TempDir dir;
  const std::string path = dir.path() + "/db";
  const std::string first = DerivedFactId(1);
  const std::string second = DerivedFactId(2);
  FactRecord erased = MakeFact(first, "place:da-nang", "37", 1);
  {
    auto store = Store::OpenPrimary(path, SmallOptions());
    ASSERT_TRUE(store.ok());
    CommitFacts(**store, 1, {erased, MakeFact(second, "place:seoul", "38", 1)});
  }
  ASSERT_NO_FATAL_FAILURE(RewriteWithSchemaVersion(path, 5));
  auto store = Store::OpenPrimary(path, SmallOptions());
  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_EQ((*store)->identity().schema_version(), kSchemaVersion);
  // Nothing was rewritten: the version 5 posting lists its ids as text.
  std::vector<WordPosting> korea = RawPostings(**store, "korea");
  ASSERT_EQ(korea.size(), 1u);
  EXPECT_THAT(korea[0].fact_ids(), ElementsAre(first, second));
  EXPECT_TRUE(korea[0].derived_ids().empty());
  EXPECT_EQ(Posted(**store, "korea"),
            (std::vector<std::string>{first + "@1", second + "@1"}));
  // A change of the posting writes it in the new form.
  {
    CommitBatch batch(**store, 2);
    ASSERT_TRUE(batch.DeleteFact(erased).ok());
    ASSERT_TRUE((*store)->Write(batch, false).ok());
  }
  korea = RawPostings(**store, "korea");
  ASSERT_EQ(korea.size(), 1u);
  EXPECT_TRUE(korea[0].fact_ids().empty());
  EXPECT_EQ(korea[0].derived_ids(), absl::HexStringToBytes(second.substr(2)));
  EXPECT_EQ(Posted(**store, "korea"),
            (std::vector<std::string>{second + "@1"}));
}

TEST(StoreTest, TheWordIndexIsBuiltOrDroppedAsTheOptionsSay) {
  TempDir dir;
  const std::string path = dir.path() + "/db";
  StoreOptions without = SmallOptions();
  without.index_words = false;
  {
    auto store = Store::OpenPrimary(path, without);
    ASSERT_TRUE(store.ok());
    EXPECT_FALSE((*store)->indexes_words());
    CommitFacts(**store, 1, {MakeFact("f_1", "place:da-nang", "37", 1)});
    EXPECT_TRUE(ScanKeys(**store, ColumnFamily::kNames, "").empty());
    // Its other index entries are all there.
    EXPECT_EQ(ScanKeys(**store, ColumnFamily::kSubjectIndex, "").size(), 1u);
  }
  {
    // Opened with the index, it builds it for the facts it has.
    auto store = Store::OpenPrimary(path, SmallOptions());
    ASSERT_TRUE(store.ok());
    EXPECT_TRUE((*store)->indexes_words());
    EXPECT_EQ(Posted(**store, "korea"), std::vector<std::string>{"f_1@1"});
    CommitFacts(**store, 2, {MakeFact("f_2", "place:seoul", "38", 2)});
    EXPECT_EQ(Posted(**store, "korea"),
              (std::vector<std::string>{"f_1@1", "f_2@2"}));
  }
  // Opened without it again, it drops it; a secondary sees that.
  auto store = Store::OpenPrimary(path, without);
  ASSERT_TRUE(store.ok());
  EXPECT_FALSE((*store)->indexes_words());
  EXPECT_TRUE(ScanKeys(**store, ColumnFamily::kNames, "").empty());
  auto secondary =
      Store::OpenSecondary(path, dir.path() + "/secondary", SmallOptions());
  ASSERT_TRUE(secondary.ok());
  EXPECT_FALSE((*secondary)->indexes_words());
  EXPECT_TRUE(ScanKeys(**secondary, ColumnFamily::kNames, "").empty());

  // A version 3 store upgraded without the index gets no words either.
  TempDir other;
  const std::string old_path = other.path() + "/db";
  {
    auto old = Store::OpenPrimary(old_path, SmallOptions());
    ASSERT_TRUE(old.ok());
    CommitFacts(**old, 1, {MakeFact("f_1", "place:da-nang", "37", 1)});
  }
  ASSERT_NO_FATAL_FAILURE(RewriteWithSchemaVersion(old_path, 3));
  auto upgraded = Store::OpenPrimary(old_path, without);
  ASSERT_TRUE(upgraded.ok());
  EXPECT_EQ((*upgraded)->identity().schema_version(), kSchemaVersion);
  EXPECT_FALSE((*upgraded)->indexes_words());
  EXPECT_TRUE(ScanKeys(**upgraded, ColumnFamily::kNames, "").empty());
}

TEST(StoreTest, AWordIndexOfAnotherVersionIsBuiltAgain) {
  TempDir dir;
  const std::string path = dir.path() + "/db";
  std::vector<std::string> words;
  {
    auto store = Store::OpenPrimary(path, SmallOptions());
    ASSERT_TRUE(store.ok());
    EXPECT_EQ((*store)->identity().word_index_version(), kWordIndexVersion);
    CommitFacts(**store, 1, {MakeFact("f_1", "place:da-nang", "37", 1)});
    words = ScanKeys(**store, ColumnFamily::kNames, "");
  }
  // An index of an older version, with an entry this version would not
  // write.
  const std::string stale = WordPostingKey(WordHash("korea"), 99);
  ASSERT_NO_FATAL_FAILURE(RewriteIdentity(
      path, [](StoreIdentity* id) { id->set_word_index_version(0); }, stale));
  auto store = Store::OpenPrimary(path, SmallOptions());
  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_EQ((*store)->identity().word_index_version(), kWordIndexVersion);
  EXPECT_EQ(ScanKeys(**store, ColumnFamily::kNames, ""), words);
}

TEST(StoreTest, WordEntriesABuildCutShortLeftAreClearedWhenTheIndexIsOff) {
  TempDir dir;
  const std::string path = dir.path() + "/db";
  StoreOptions without = SmallOptions();
  without.index_words = false;
  {
    auto store = Store::OpenPrimary(path, without);
    ASSERT_TRUE(store.ok());
    CommitFacts(**store, 1, {MakeFact("f_1", "place:da-nang", "37", 1)});
  }
  ASSERT_NO_FATAL_FAILURE(RewriteIdentity(
      path, [](StoreIdentity*) {}, WordSortKey(WordHash("korea"), 1, "f_1")));
  auto store = Store::OpenPrimary(path, without);
  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_FALSE((*store)->indexes_words());
  EXPECT_TRUE(ScanKeys(**store, ColumnFamily::kNames, "").empty());
}

TEST(StoreTest, AReplicaOfACommitLogKeepsTheLogsWordIndexSetting) {
  TempDir dir;
  const std::string path = dir.path() + "/db";
  StoreOptions without = SmallOptions();
  without.index_words = false;
  ASSERT_TRUE(Store::OpenPrimary(path, without).ok());
  // A replica (its identity arrives with the log) opened with the index on
  // keeps the log's setting.
  StoreOptions replica = SmallOptions();
  replica.create_identity = false;
  auto store = Store::OpenPrimary(path, replica);
  ASSERT_TRUE(store.ok());
  EXPECT_FALSE((*store)->indexes_words());
}

// Writes one fact into a new store at `dir`/db, closes it, and opens a
// secondary of it (in `dir`/secondary) into `secondary`.
void SecondaryOfOneFact(const TempDir& dir, std::unique_ptr<Store>* secondary) {
  const std::string path = dir.path() + "/db";
  {
    auto store = Store::OpenPrimary(path, SmallOptions());
    ASSERT_TRUE(store.ok()) << store.status();
    CommitFacts(**store, 1, {MakeFact("f_1", "place:da-nang", "37", 1)});
  }
  auto opened =
      Store::OpenSecondary(path, dir.path() + "/secondary", SmallOptions());
  ASSERT_TRUE(opened.ok()) << opened.status();
  *secondary = *std::move(opened);
}

TEST(StoreTest, ASecondarySeesTheWordIndexDroppedAsItCatchesUp) {
  TempDir dir;
  const std::string path = dir.path() + "/db";
  std::unique_ptr<Store> secondary;
  ASSERT_NO_FATAL_FAILURE(SecondaryOfOneFact(dir, &secondary));
  EXPECT_TRUE(secondary->indexes_words());
  StoreOptions without = SmallOptions();
  without.index_words = false;
  auto store = Store::OpenPrimary(path, without);
  ASSERT_TRUE(store.ok());
  ASSERT_TRUE(secondary->CatchUp().ok());
  EXPECT_FALSE(secondary->indexes_words());
}

TEST(StoreTest, ApplyCompletesTheWordsAnOlderWriterLeftOut) {
  TempDir dir;
  auto store = Store::OpenPrimary(dir.path() + "/db", SmallOptions());
  ASSERT_TRUE(store.ok());
  rocksdb::ColumnFamilyHandle* facts = (*store)->handle(ColumnFamily::kFacts);
  rocksdb::ColumnFamilyHandle* names = (*store)->handle(ColumnFamily::kNames);
  auto apply = [&](rocksdb::WriteBatch& batch, uint32_t version) {
    absl::Status applied = (*store)->Apply(&batch, nullptr, false, version);
    ASSERT_TRUE(applied.ok()) << applied;
  };
  // The fact record alone, as a version 3 writer's log entry has it.
  FactRecord first = MakeFact("f_1", "place:da-nang", "37", 1);
  rocksdb::WriteBatch put;
  ASSERT_TRUE(put.Put(facts, FactKey("f_1"), first.SerializeAsString()).ok());
  ASSERT_NO_FATAL_FAILURE(apply(put, 3));
  EXPECT_EQ(Posted(**store, "korea"), std::vector<std::string>{"f_1@1"});

  // A new version of it with another quote: the old words go.
  FactRecord second = first;
  second.mutable_mentions(0)->mutable_mention()->set_quote("반도체 투자");
  rocksdb::WriteBatch replace;
  ASSERT_TRUE(
      replace.Put(facts, FactKey("f_1"), second.SerializeAsString()).ok());
  ASSERT_NO_FATAL_FAILURE(apply(replace, 0));
  EXPECT_TRUE(Posted(**store, "korea").empty());
  EXPECT_EQ(Posted(**store, "반도"), std::vector<std::string>{"f_1@1"});

  // A version 4 writer's batch has a word entry per word and fact, which
  // become postings; a fact of the same commit joins them.
  FactRecord third = MakeFact("f_3", "place:hanoi", "39", 1);
  third.mutable_mentions(0)->mutable_mention()->set_quote("반도체 공장");
  rocksdb::WriteBatch version4;
  ASSERT_TRUE(
      version4.Put(facts, FactKey("f_3"), third.SerializeAsString()).ok());
  ASSERT_TRUE(
      version4.Put(names, LegacyWordKey(WordHash("공장"), "f_3"), "").ok());
  ASSERT_NO_FATAL_FAILURE(apply(version4, 4));
  EXPECT_EQ(Posted(**store, "반도"),
            (std::vector<std::string>{"f_1@1", "f_3@1"}));
  EXPECT_EQ(Posted(**store, "공장"), std::vector<std::string>{"f_3@1"});
  for (const std::string& key : WordIndexKeys(**store)) {
    EXPECT_FALSE(IsLegacyFactWordKey(key));
  }

  // A current writer's batch is taken as it is (it carries its postings).
  FactRecord other = MakeFact("f_2", "place:seoul", "38", 1);
  other.mutable_mentions(0)->mutable_mention()->set_quote("chip");
  rocksdb::WriteBatch current;
  ASSERT_TRUE(
      current.Put(facts, FactKey("f_2"), other.SerializeAsString()).ok());
  ASSERT_NO_FATAL_FAILURE(apply(current, kSchemaVersion));
  EXPECT_TRUE(Posted(**store, "chip").empty());

  // Erasures by a version 3 writer: the stored versions' words go.
  rocksdb::WriteBatch erase;
  ASSERT_TRUE(erase.Delete(facts, FactKey("f_1")).ok());
  ASSERT_TRUE(erase.Delete(facts, FactKey("f_3")).ok());
  ASSERT_NO_FATAL_FAILURE(apply(erase, 3));
  EXPECT_TRUE(WordIndexKeys(**store).empty());
}

TEST(StoreTest, TextWordHashesAreTheHashedStemsOfTheTextsTerms) {
  const std::vector<std::string> texts = {
      "FPT's chips and Samsung\u2019s chip designs, designed in Da Nang",
      "Ngành bán dẫn của Đà Nẵng đạt 1,5 tỷ USD năm 2024",
      "한국과 베트남 디지털 협력 포럼에서 반도체를 육성한다 반도체",
      "The trade, the trades and the trading of the traders",
      "",
      " ,.;!? ",
  };
  auto expected = [](absl::string_view text) {
    std::vector<uint64_t> hashes;
    for (const std::string& term : normalizer::SearchTerms(text)) {
      hashes.push_back(WordHash(normalizer::SearchStem(term)));
    }
    std::sort(hashes.begin(), hashes.end());
    hashes.erase(std::unique(hashes.begin(), hashes.end()), hashes.end());
    return hashes;
  };
  // First from words never met, then from the words remembered, then after
  // an erasure made this thread forget them.
  for (int round = 0; round < 3; ++round) {
    if (round == 2) ForgetRememberedWords();
    for (const std::string& text : texts) {
      EXPECT_EQ(TextWordHashes(text), expected(text))
          << "round " << round << ": " << text;
    }
  }
  EXPECT_EQ(TextWordHashes("chip chips CHIP"),
            std::vector<uint64_t>{WordHash("chip")});
  EXPECT_TRUE(TextWordHashes("the of and").empty());
}

TEST(StoreTest, TextsCutAheadAreTakenAsCut) {
  TempDir dir;
  auto store = Store::OpenPrimary(dir.path() + "/db", SmallOptions());
  ASSERT_TRUE(store.ok());
  FactRecord fact = MakeFact("f_1", "place:da-nang", "37", 1);
  const std::string& quote = fact.mentions(0).mention().quote();
  // Cut ahead as the ingest service cuts it, the quote indexes the same
  // postings as when the batch cuts it.
  const std::vector<uint64_t> hashes = TextWordHashes(quote);
  CutTexts cut{{quote, &hashes}};
  EXPECT_EQ(WordPostings(FactWordTexts(fact), &cut), FactWordPostings(fact));
  // And the batch takes the words from the cut texts, not the text.
  const std::vector<uint64_t> other = {WordHash("chip")};
  CutTexts told{{quote, &other}};
  CommitBatch batch(**store, 1);
  batch.UseCutTexts(&told);
  ASSERT_TRUE(batch.PutFact(nullptr, fact).ok());
  ASSERT_TRUE((*store)->Write(batch, false).ok());
  EXPECT_EQ(Posted(**store, "chip"), std::vector<std::string>{"f_1@1"});
  EXPECT_TRUE(Posted(**store, "korea").empty());
}

TEST(StoreTest, AFactDeletedAndPutAgainInOneBatchKeepsItsPostings) {
  TempDir dir;
  auto store = Store::OpenPrimary(dir.path() + "/db", SmallOptions());
  ASSERT_TRUE(store.ok());
  FactRecord stored = MakeFact("f_1", "place:da-nang", "37", 1);
  CommitFacts(**store, 1, {stored});
  // The last call for a fact decides, as for its other index entries.
  CommitBatch batch(**store, 2);
  ASSERT_TRUE(batch.DeleteFact(stored).ok());
  ASSERT_TRUE(batch.PutFact(nullptr, stored).ok());
  ASSERT_TRUE((*store)->Write(batch, false).ok());
  EXPECT_EQ(Posted(**store, "korea"), std::vector<std::string>{"f_1@1"});
  EXPECT_EQ(ScanKeys(**store, ColumnFamily::kSubjectIndex, "").size(), 1u);
}

TEST(StoreTest, ABatchsPostingsListEachFactOnceInIdOrderAsItsLastCallSays) {
  TempDir dir;
  auto store = Store::OpenPrimary(dir.path() + "/db", SmallOptions());
  ASSERT_TRUE(store.ok());
  auto derived = [](char digit) {
    return absl::StrCat(kDerivedFactIdPrefix, std::string(30, '0'),
                        std::string(2, digit));
  };
  // Derived ids are stored as bytes, any other id (here one with an
  // uppercase digit, and one of another shape) as it is, after them.
  const std::string uppercase = absl::StrCat(derived('a').substr(0, 33), "A");
  const std::vector<std::string> put = {derived('c'), "f_other", derived('a'),
                                        uppercase, derived('b')};
  {
    CommitBatch batch(**store, 1);
    for (const std::string& id : put) {
      ASSERT_TRUE(
          batch.PutFact(nullptr, MakeFact(id, "place:hue", "1", 1)).ok());
    }
    // Put and then deleted in the same batch: not listed. Deleted and then
    // put again: listed once.
    FactRecord gone = MakeFact(derived('d'), "place:hue", "1", 1);
    ASSERT_TRUE(batch.PutFact(nullptr, gone).ok());
    ASSERT_TRUE(batch.DeleteFact(gone).ok());
    FactRecord back = MakeFact(derived('a'), "place:hue", "1", 1);
    ASSERT_TRUE(batch.DeleteFact(back).ok());
    ASSERT_TRUE(batch.PutFact(nullptr, back).ok());
    ASSERT_TRUE((*store)->Write(batch, false).ok());
  }
  const std::vector<std::string> listed = {
      absl::StrCat(derived('a'), "@1"), absl::StrCat(derived('b'), "@1"),
      absl::StrCat(derived('c'), "@1"), absl::StrCat(uppercase, "@1"),
      "f_other@1"};
  EXPECT_EQ(Posted(**store, "korea"), listed);

  // A batch of no one commit reads the stored ids and merges its edits in.
  {
    CommitBatch batch(**store);
    ASSERT_TRUE(
        batch.DeleteFact(MakeFact(derived('b'), "place:hue", "1", 1)).ok());
    ASSERT_TRUE(
        batch.PutFact(nullptr, MakeFact(derived('0'), "place:hue", "1", 1))
            .ok());
    ASSERT_TRUE((*store)->Write(batch, false).ok());
  }
  EXPECT_EQ(
      Posted(**store, "korea"),
      (std::vector<std::string>{absl::StrCat(derived('0'), "@1"),
                                absl::StrCat(derived('a'), "@1"),
                                absl::StrCat(derived('c'), "@1"),
                                absl::StrCat(uppercase, "@1"), "f_other@1"}));
}

TEST(StoreTest, ASnapshotOfAnOlderWriterGetsItsPostingsWhenItIsOpenedAgain) {
  TempDir dir;
  const std::string path = dir.path() + "/db";
  StoreOptions replica = SmallOptions();
  replica.create_identity = false;
  // A replica loading a version 4 snapshot: the identity and the facts
  // arrive in parts, and the postings are not derived part by part.
  {
    auto store = Store::OpenPrimary(path, replica);
    ASSERT_TRUE(store.ok()) << store.status();
    ASSERT_FALSE((*store)->initialized());
    absl::StatusOr<StoreIdentity> identity = Store::NewIdentity();
    ASSERT_TRUE(identity.ok());
    identity->set_schema_version(4);
    rocksdb::WriteBatch part;
    ASSERT_TRUE(part.Put((*store)->handle(ColumnFamily::kMeta),
                         std::string(kIdentityKey),
                         identity->SerializeAsString())
                    .ok());
    ASSERT_TRUE(part.Put((*store)->handle(ColumnFamily::kMeta),
                         std::string(kHeadKey), StoreHead().SerializeAsString())
                    .ok());
    for (const char* id : {"f_1", "f_2"}) {
      ASSERT_TRUE(
          part.Put((*store)->handle(ColumnFamily::kFacts), FactKey(id),
                   MakeFact(id, "place:da-nang", "37", 1).SerializeAsString())
              .ok());
      ASSERT_TRUE(part.Put((*store)->handle(ColumnFamily::kNames),
                           LegacyWordKey(WordHash("korea"), id), "")
                      .ok());
    }
    absl::Status applied = (*store)->Apply(&part, nullptr, false, 4);
    ASSERT_TRUE(applied.ok()) << applied;
    EXPECT_EQ(WordIndexKeys(**store).size(), 2u);  // version 4's, as sent
  }
  auto store = Store::OpenPrimary(path, replica);
  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_EQ((*store)->identity().schema_version(), kSchemaVersion);
  EXPECT_EQ(Posted(**store, "korea"),
            (std::vector<std::string>{"f_1@1", "f_2@1"}));
  for (const std::string& key : WordIndexKeys(**store)) {
    EXPECT_FALSE(IsLegacyFactWordKey(key));
  }
}

TEST(StoreTest, ASecondaryRefusesToCatchUpWithAStoreOfANewerSchema) {
  TempDir dir;
  std::unique_ptr<Store> secondary;
  ASSERT_NO_FATAL_FAILURE(SecondaryOfOneFact(dir, &secondary));
  ASSERT_TRUE(secondary->CatchUp().ok());
  ASSERT_NO_FATAL_FAILURE(
      RewriteWithSchemaVersion(dir.path() + "/db", kSchemaVersion + 1));
  absl::Status caught_up = secondary->CatchUp();
  EXPECT_EQ(caught_up.code(), absl::StatusCode::kFailedPrecondition)
      << caught_up;
  EXPECT_TRUE(absl::StrContains(
      caught_up.message(),
      absl::StrCat("now holds schema version ", kSchemaVersion + 1)))
      << caught_up;
}

TEST(StoreTest, StoreOfAnUnknownSchemaVersionIsRefused) {
  TempDir dir;
  const std::string path = dir.path() + "/db";
  ASSERT_TRUE(Store::OpenPrimary(path, SmallOptions()).ok());
  ASSERT_NO_FATAL_FAILURE(RewriteWithSchemaVersion(path, kSchemaVersion + 1));
  auto store = Store::OpenPrimary(path, SmallOptions());
  EXPECT_EQ(store.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(absl::StrContains(
      store.status().message(),
      absl::StrCat("holds schema version ", kSchemaVersion + 1)))
      << store.status();
  auto secondary =
      Store::OpenSecondary(path, dir.path() + "/secondary", SmallOptions());
  EXPECT_EQ(secondary.status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST(StoreTest, FactViewsTravelInTime) {
  FactRecord record = MakeFact("f_1", "s", "5", 3);
  MentionRecord* later = record.add_mentions();
  later->set_commit(5);
  later->mutable_mention()->set_document_id("doc:b");
  FactRevision* retraction = record.add_revisions();
  *retraction = record.revisions(0);
  retraction->set_commit(7);
  retraction->set_retracted(true);
  retraction->set_retraction_reason("wrong figure");

  v1::Fact fact;
  EXPECT_FALSE(FactAsOf(record, 2, 1, &fact));
  ASSERT_TRUE(FactAsOf(record, 4, 1, &fact));
  EXPECT_EQ(fact.mentions_size(), 1);
  EXPECT_FALSE(fact.retracted());
  EXPECT_EQ(fact.asserted_commit(), "00000001-3");
  EXPECT_EQ(fact.updated_commit(), "00000001-3");
  ASSERT_TRUE(FactAsOf(record, 6, 1, &fact));
  EXPECT_EQ(fact.mentions_size(), 2);
  EXPECT_EQ(fact.mentions(1).added_commit(), "00000001-5");
  EXPECT_EQ(fact.updated_commit(), "00000001-5");
  EXPECT_FALSE(fact.retracted());
  ASSERT_TRUE(FactAsOf(record, 100, 1, &fact));
  EXPECT_TRUE(fact.retracted());
  EXPECT_EQ(fact.retracted_commit(), "00000001-7");
  EXPECT_EQ(fact.retraction_reason(), "wrong figure");

  // A view that moves out of the record shows the same fact as one that
  // copies, at every commit.
  for (uint64_t as_of = 0; as_of <= 8; ++as_of) {
    v1::Fact copied, moved;
    FactRecord consumed = record;
    bool exists = FactAsOf(record, as_of, 1, &copied);
    EXPECT_EQ(FactAsOf(std::move(consumed), as_of, 1, &moved), exists);
    EXPECT_EQ(moved.SerializeAsString(), copied.SerializeAsString())
        << "as of " << as_of;
  }
}

TEST(StoreTest, EntityViewsThatMoveShowWhatCopiesShow) {
  EntityRecord record;
  for (uint64_t commit : {2, 5}) {
    EntityRevision* revision = record.add_revisions();
    revision->set_commit(commit);
    revision->mutable_entity()->set_id("place:da-nang");
    revision->mutable_entity()->set_name(absl::StrCat("Da Nang ", commit));
  }
  for (uint64_t as_of = 0; as_of <= 6; ++as_of) {
    v1::Entity copied, moved;
    EntityRecord consumed = record;
    bool exists = EntityAsOf(record, as_of, 1, &copied);
    EXPECT_EQ(exists, as_of >= 2);
    EXPECT_EQ(EntityAsOf(std::move(consumed), as_of, 1, &moved), exists);
    EXPECT_EQ(moved.SerializeAsString(), copied.SerializeAsString())
        << "as of " << as_of;
  }
  v1::Entity entity;
  ASSERT_TRUE(EntityAsOf(EntityRecord(record), 4, 1, &entity));
  EXPECT_EQ(entity.name(), "Da Nang 2");
  EXPECT_EQ(entity.updated_commit(), "00000001-2");
}

// A document's record over time: created at 2 without a title, titled at 4
// (with the name forms a revision keeps), retitled at 6, merged into
// another document at 8.
EntityRecord DocumentRecordOverTime() {
  EntityRecord record;
  for (uint64_t commit : {2, 4, 6, 8}) {
    EntityRevision* revision = record.add_revisions();
    revision->set_commit(commit);
    v1::Entity* entity = revision->mutable_entity();
    entity->set_id("doc:vnexpress-1");
    entity->set_type(v1::ENTITY_TYPE_DOCUMENT);
    entity->set_name("Hàn Quốc đầu tư vào Việt Nam");
    entity->add_aliases("Korea invests in Vietnam");
    NameForm* form = revision->add_name_forms();
    form->set_text(entity->name());
    form->set_folded("hanquocdautuvaovietnam");
    form->add_word_suffixes("vietnam");
    v1::DocumentMetadata* document = entity->mutable_document();
    document->set_url("https://vnexpress.net/1");
    document->set_language("vi");
    if (commit >= 4) {
      document->set_title(commit >= 6 ? "Hàn Quốc (sửa)" : "Hàn Quốc");
      document->set_publication_date("2024-11-05");
    }
    if (commit == 8) revision->set_merged_into("doc:vnexpress-2");
  }
  return record;
}

TEST(StoreTest, DocumentAsOfReadsWhatTheWholeRecordSays) {
  const EntityRecord record = DocumentRecordOverTime();
  const std::string encoded = record.SerializeAsString();
  for (uint64_t as_of = 0; as_of <= 9; ++as_of) {
    const EntityRevision* revision = EntityRevisionAsOf(record, as_of);
    const v1::DocumentMetadata expected = revision == nullptr
                                              ? v1::DocumentMetadata()
                                              : revision->entity().document();
    absl::StatusOr<v1::DocumentMetadata> read = DocumentAsOf(encoded, as_of);
    ASSERT_TRUE(read.ok()) << read.status();
    EXPECT_EQ(read->SerializeAsString(), expected.SerializeAsString())
        << "as of " << as_of;
  }
  EXPECT_EQ(DocumentAsOf(encoded, 1)->url(), "");
  EXPECT_EQ(DocumentAsOf(encoded, 3)->url(), "https://vnexpress.net/1");
  EXPECT_EQ(DocumentAsOf(encoded, 3)->title(), "");
  EXPECT_EQ(DocumentAsOf(encoded, 5)->title(), "Hàn Quốc");
  EXPECT_EQ(DocumentAsOf(encoded, 7)->title(), "Hàn Quốc (sửa)");
  // Merged: the id is a redirect, with no document of its own.
  EXPECT_EQ(DocumentAsOf(encoded, 8)->url(), "");
  // An entity that is no document, and an empty record.
  EntityRecord place;
  place.add_revisions()->set_commit(1);
  place.mutable_revisions(0)->mutable_entity()->set_name("Đà Nẵng");
  EXPECT_EQ(DocumentAsOf(place.SerializeAsString(), 1)->ByteSizeLong(), 0u);
  EXPECT_EQ(DocumentAsOf("", 1)->ByteSizeLong(), 0u);
}

TEST(StoreTest, DocumentAsOfRefusesWhatDoesNotParse) {
  const std::string encoded = DocumentRecordOverTime().SerializeAsString();
  // Cut anywhere inside, the record no longer parses; neither does it with a
  // tag of a wire type proto3 does not write, or a zero tag.
  for (size_t size : {size_t{1}, encoded.size() / 3, encoded.size() - 1}) {
    EXPECT_EQ(DocumentAsOf(encoded.substr(0, size), 9).status().code(),
              absl::StatusCode::kDataLoss)
        << "cut to " << size;
  }
  EXPECT_EQ(DocumentAsOf(encoded + "\x0b", 9).status().code(),
            absl::StatusCode::kDataLoss);
  EXPECT_EQ(DocumentAsOf(std::string("\0\0", 2), 9).status().code(),
            absl::StatusCode::kDataLoss);
  // Fields it does not know are skipped, as protobuf's parser skips them.
  EXPECT_EQ(DocumentAsOf(encoded + "\xf8\x01\x07", 5)->title(), "Hàn Quốc");

  // As protobuf's parser, it refuses field number 0, and a length of 2^32
  // (whose low 32 bits are 0).
  EXPECT_EQ(DocumentAsOf(std::string("\x02\x00", 2), 9).status().code(),
            absl::StatusCode::kDataLoss);
  EXPECT_EQ(DocumentAsOf("\x0a\x80\x80\x80\x80\x10", 9).status().code(),
            absl::StatusCode::kDataLoss);
  // And a document with a zero byte after its fields.
  const auto delimited = [](char tag, const std::string& value) {
    return std::string(1, tag) + static_cast<char>(value.size()) + value;
  };
  v1::DocumentMetadata document;
  document.set_title("Hàn Quốc");
  const std::string revision =
      std::string("\x08\x01") +  // commit 1
      delimited('\x12', delimited('\x6a', document.SerializeAsString() +
                                              std::string(1, '\0')));
  EXPECT_EQ(DocumentAsOf(delimited('\x0a', revision), 1).status().code(),
            absl::StatusCode::kDataLoss);
  EntityRecord parsed;
  EXPECT_FALSE(parsed.ParseFromString(delimited('\x0a', revision)));
}

TEST(StoreTest, ScanCommitsVisitsTheRecordsOfARangeInOrder) {
  TempDir dir;
  auto store = Store::OpenPrimary(dir.path() + "/db", SmallOptions());
  ASSERT_TRUE(store.ok()) << store.status();
  // Commits 1, 2, 4 and 5 have records; 3 has none.
  for (uint64_t commit : {1, 2, 4, 5}) {
    CommitFacts(**store, commit,
                {MakeFact(absl::StrCat("f_", commit), "s", "1", commit)});
  }
  // The commits visited, stopping after `max`.
  auto commits = [&](uint64_t first, uint64_t last, int max) {
    std::vector<uint64_t> found;
    absl::Status scanned =
        (*store)->ScanCommits(first, last, [&](const CommitRecord& r) {
          found.push_back(r.commit());
          return static_cast<int>(found.size()) < max;
        });
    EXPECT_TRUE(scanned.ok()) << scanned;
    return found;
  };
  EXPECT_EQ(commits(1, 5, 100), (std::vector<uint64_t>{1, 2, 4, 5}));
  EXPECT_EQ(commits(2, 4, 100), (std::vector<uint64_t>{2, 4}));
  EXPECT_EQ(commits(3, 3, 100), std::vector<uint64_t>{});
  EXPECT_EQ(commits(1, 5, 2), (std::vector<uint64_t>{1, 2}));
  EXPECT_EQ(commits(5, 1, 100), std::vector<uint64_t>{});
  EXPECT_EQ(commits(4, UINT64_MAX, 100), (std::vector<uint64_t>{4, 5}));
  std::string fact_id;
  ASSERT_TRUE((*store)
                  ->ScanCommits(5, 5,
                                [&](const CommitRecord& r) {
                                  fact_id = r.changes(0).fact_id();
                                  return true;
                                })
                  .ok());
  EXPECT_EQ(fact_id, "f_5");
}

TEST(StoreTest, SecondaryCatchesUpWithCommits) {
  TempDir dir;
  auto writer = Store::OpenPrimary(dir.path() + "/db", SmallOptions());
  ASSERT_TRUE(writer.ok());
  auto reader = Store::OpenSecondary(dir.path() + "/db",
                                     dir.path() + "/secondary", SmallOptions());
  ASSERT_TRUE(reader.ok()) << reader.status();
  EXPECT_EQ((*reader)->store_id(), (*writer)->store_id());

  CommitFacts(**writer, 1, {MakeFact("f_1", "s", "1", 1)});
  ASSERT_TRUE((*reader)->CatchUp().ok());
  EXPECT_EQ((*reader)->ReadHead()->last_commit(), 1u);
  EXPECT_TRUE((*reader)->ReadFact("f_1").ok());

  // A flush moves the data from the WAL to a table file; the secondary
  // follows that too.
  ASSERT_TRUE((*writer)->db()->Flush(rocksdb::FlushOptions()).ok());
  CommitFacts(**writer, 2, {MakeFact("f_2", "s", "2", 2)});
  ASSERT_TRUE((*reader)->CatchUp().ok());
  EXPECT_EQ((*reader)->ReadHead()->last_commit(), 2u);
  EXPECT_TRUE((*reader)->ReadFact("f_1").ok());
  EXPECT_TRUE((*reader)->ReadFact("f_2").ok());

  CommitBatch refused(**reader);
  EXPECT_EQ((*reader)->Write(refused, false).code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST(StoreTest, SecondaryNeverSeesHalfACommit) {
  // While the primary writes commits of 20 facts each, the secondary catches
  // up repeatedly; whatever head it sees, every fact of that commit and of
  // every earlier one must be there, and none of a later one.
  TempDir dir;
  auto writer = Store::OpenPrimary(dir.path() + "/db", SmallOptions());
  ASSERT_TRUE(writer.ok());
  auto reader = Store::OpenSecondary(dir.path() + "/db",
                                     dir.path() + "/secondary", SmallOptions());
  ASSERT_TRUE(reader.ok());
  constexpr int kCommits = 200;
  constexpr int kFactsPerCommit = 20;
  std::atomic<bool> done{false};
  std::thread write_thread([&] {
    for (int c = 1; c <= kCommits; ++c) {
      std::vector<FactRecord> facts;
      for (int i = 0; i < kFactsPerCommit; ++i) {
        facts.push_back(MakeFact(absl::StrCat("f_", c, "_", i), "s",
                                 absl::StrCat(i + 1), c));
      }
      CommitFacts(**writer, c, facts);
    }
    done = true;
  });
  int checks = 0;
  while (!done || checks == 0) {
    ASSERT_TRUE((*reader)->CatchUp().ok());
    uint64_t head = (*reader)->ReadHead()->last_commit();
    size_t facts = ScanKeys(**reader, ColumnFamily::kFacts, "").size();
    // Facts may be ahead of the head read just before the scan, never behind.
    EXPECT_GE(facts, head * kFactsPerCommit);
    EXPECT_EQ(facts % kFactsPerCommit, 0u) << "half a commit visible";
    ++checks;
  }
  write_thread.join();
  ASSERT_TRUE((*reader)->CatchUp().ok());
  EXPECT_EQ((*reader)->ReadHead()->last_commit(),
            static_cast<uint64_t>(kCommits));
  EXPECT_GT(checks, 1);
}

TEST(StoreTest, SecondaryDropsMemtablesOfEveryFamilyAtAFlush) {
  // The facts fill their memtables many times over while the head (the
  // default family) gets a few bytes per commit. The secondary seals a
  // memtable of each family at every new WAL file and drops it only when
  // that family is flushed: the primary flushes all families together, so
  // the secondary keeps a few memtables of the head, not one per flush of
  // the facts.
  TempDir dir;
  StoreOptions options = SmallOptions();
  options.write_buffer_bytes = 64 << 10;
  auto writer = Store::OpenPrimary(dir.path() + "/db", options);
  ASSERT_TRUE(writer.ok());
  auto reader = Store::OpenSecondary(dir.path() + "/db",
                                     dir.path() + "/secondary", options);
  ASSERT_TRUE(reader.ok());
  auto family = [](const StoreStats& stats, absl::string_view name) {
    for (const StoreStats::Family& f : stats.families) {
      if (name == f.name) return f;
    }
    ADD_FAILURE() << "no family " << name;
    return StoreStats::Family();
  };
  for (int c = 1; c <= 100; ++c) {
    std::vector<FactRecord> facts;
    for (int i = 0; i < 20; ++i) {
      facts.push_back(
          MakeFact(absl::StrCat("f_", c, "_", i), "s", absl::StrCat(i + 1), c));
    }
    CommitFacts(**writer, c, facts);
    ASSERT_TRUE((*reader)->CatchUp().ok());
    EXPECT_LE(family((*reader)->Stats(), "default").memtables, 4u)
        << "after commit " << c;
  }
  // The facts did fill their memtables: what the test is about happened.
  EXPECT_GT(family((*writer)->Stats(), "facts").sst_bytes, 0u);
  EXPECT_EQ((*reader)->ReadHead()->last_commit(), 100u);
}

TEST(StoreTest, StatsCountBlockCacheLookupsByKindAndTableReads) {
  TempDir dir;
  auto writer = Store::OpenPrimary(dir.path() + "/db", SmallOptions());
  ASSERT_TRUE(writer.ok());
  CommitFacts(**writer, 1,
              {MakeFact("f_1", "s", "1", 1), MakeFact("f_2", "s", "2", 1)});
  // Into table files below level 0 (whose index and filter blocks are
  // pinned in the cache), so that reading a fact looks its block up in the
  // table's index and reads it.
  ASSERT_TRUE((*writer)->CompactAll().ok());
  // Read where the query service reads: a secondary, with a cache of its own
  // that holds no memtables (the writer's cache also holds its memtables'
  // reservations, which can leave no room for a block in a shard).
  auto store = Store::OpenSecondary(dir.path() + "/db",
                                    dir.path() + "/secondary", SmallOptions());
  ASSERT_TRUE(store.ok());
  const StoreStats opened = (*store)->Stats();

  ASSERT_TRUE((*store)->ReadFact("f_1").ok());
  const StoreStats first = (*store)->Stats();
  EXPECT_EQ(first.data_blocks.misses, opened.data_blocks.misses + 1);
  EXPECT_EQ(first.data_blocks.hits, opened.data_blocks.hits);
  EXPECT_GT(first.data_blocks.inserted_bytes,
            opened.data_blocks.inserted_bytes);
  EXPECT_GT(first.table_reads, opened.table_reads);
  EXPECT_GT(first.table_read_bytes, opened.table_read_bytes);
  // The read found its block through the table's index.
  EXPECT_GT(first.index_blocks.hits + first.index_blocks.misses,
            opened.index_blocks.hits + opened.index_blocks.misses);

  // Its neighbour is in the block the first read put in the cache.
  ASSERT_TRUE((*store)->ReadFact("f_2").ok());
  const StoreStats second = (*store)->Stats();
  EXPECT_EQ(second.data_blocks.hits, first.data_blocks.hits + 1);
  EXPECT_EQ(second.data_blocks.misses, first.data_blocks.misses);
  EXPECT_EQ(second.table_reads, first.table_reads);
  EXPECT_EQ(second.table_read_bytes, first.table_read_bytes);
}

TEST(StoreTest, RocksDbErrorsMapByKind) {
  EXPECT_EQ(
      FromRocksStatus(rocksdb::Status::NoSpace("write", "disk full"), "facts")
          .code(),
      absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(FromRocksStatus(rocksdb::Status::IOError(
                                "While lock file: /data/LOCK: Resource "
                                "temporarily unavailable"),
                            "open")
                .code(),
            absl::StatusCode::kUnavailable);
  absl::Status io =
      FromRocksStatus(rocksdb::Status::IOError(
                          "While pread offset 0 len 4096: /data/000012.sst: "
                          "Input/output error"),
                      "facts");
  EXPECT_EQ(io.code(), absl::StatusCode::kInternal);
  EXPECT_TRUE(absl::StartsWith(io.message(), "facts: ")) << io.message();
  EXPECT_EQ(FromRocksStatus(rocksdb::Status::Busy(), "write").code(),
            absl::StatusCode::kUnavailable);
  EXPECT_EQ(
      FromRocksStatus(rocksdb::Status::Corruption("bad block"), "facts").code(),
      absl::StatusCode::kDataLoss);
  EXPECT_TRUE(FromRocksStatus(rocksdb::Status::OK(), "facts").ok());
}

TEST(StoreTest, ReadFactsReturnsOneResultPerId) {
  TempDir dir;
  auto store = Store::OpenPrimary(dir.path() + "/db", SmallOptions());
  ASSERT_TRUE(store.ok());
  CommitFacts(**store, 1,
              {MakeFact("f_1", "s", "1", 1), MakeFact("f_2", "s", "2", 1)});
  google::protobuf::Arena arena;
  auto results = (*store)->ReadFacts({"f_2", "f_nope", "f_1"}, &arena);
  ASSERT_EQ(results.size(), 3u);
  ASSERT_TRUE(results[0].ok());
  EXPECT_EQ((*results[0])->content().id(), "f_2");
  EXPECT_EQ((*results[0])->GetArena(), &arena);
  EXPECT_EQ(results[1].status().code(), absl::StatusCode::kNotFound);
  ASSERT_TRUE(results[2].ok());
  EXPECT_EQ((*results[2])->content().id(), "f_1");
}

// A store in `dir` holding DocumentRecordOverTime().
std::unique_ptr<Store> StoreWithDocumentRecord(const TempDir& dir) {
  auto store = Store::OpenPrimary(dir.path() + "/db", SmallOptions());
  EXPECT_TRUE(store.ok()) << store.status();
  if (!store.ok()) return nullptr;
  CommitBatch batch(**store);
  batch.PutEntity(DocumentRecordOverTime());
  EXPECT_TRUE((*store)->Write(batch, false).ok());
  return *std::move(store);
}

TEST(StoreTest, ReadEntitiesReturnsOneRecordPerIdOnTheArena) {
  TempDir dir;
  std::unique_ptr<Store> store = StoreWithDocumentRecord(dir);
  ASSERT_NE(store, nullptr);
  const EntityRecord record = DocumentRecordOverTime();
  google::protobuf::Arena arena;
  auto read = store->ReadEntities(
      {"doc:vnexpress-1", "doc:nope", "doc:vnexpress-1"}, &arena);
  ASSERT_EQ(read.size(), 3u);
  ASSERT_TRUE(read[0].ok()) << read[0].status();
  EXPECT_EQ((*read[0])->GetArena(), &arena);
  EXPECT_EQ((*read[0])->SerializeAsString(), record.SerializeAsString());
  EXPECT_EQ(read[1].status().code(), absl::StatusCode::kNotFound);
  // An id asked twice gets two records of its own.
  ASSERT_TRUE(read[2].ok()) << read[2].status();
  EXPECT_NE(*read[2], *read[0]);
  EXPECT_EQ((*read[2])->SerializeAsString(), record.SerializeAsString());
}

TEST(StoreTest, ReadEntityValuesReturnsOneEncodedRecordPerId) {
  TempDir dir;
  std::unique_ptr<Store> store = StoreWithDocumentRecord(dir);
  ASSERT_NE(store, nullptr);
  auto values = store->ReadEntityValues({"doc:nope", "doc:vnexpress-1"});
  ASSERT_EQ(values.size(), 2u);
  EXPECT_EQ(values[0].status().code(), absl::StatusCode::kNotFound);
  ASSERT_TRUE(values[1].ok()) << values[1].status();
  EXPECT_EQ(DocumentAsOf(*values[1], 7)->title(), "Hàn Quốc (sửa)");
}

}  // namespace
}  // namespace factstore::storage
