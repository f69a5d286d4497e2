#include "storage/store.h"

#include <openssl/rand.h>

#include <algorithm>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/status_macros.h"
#include "rocksdb/cache.h"
#include "rocksdb/filter_policy.h"
#include "rocksdb/options.h"
#include "rocksdb/slice_transform.h"
#include "rocksdb/table.h"
#include "rocksdb/write_buffer_manager.h"
#include "storage/commit_batch.h"
#include "storage/key_codec.h"
#include "storage/word_postings.h"

namespace factstore::storage {
namespace {

// Column families read by point lookups get bloom filters. The reference
// index is one: besides its scans, the ingest service's cardinality check
// asks it whether a fact is mentioned by a document, where the answer is
// almost always no. The other index families are only scanned, where
// whole-key filters do not help.
bool IsPointLookupFamily(ColumnFamily cf) {
  switch (cf) {
    case ColumnFamily::kMeta:
    case ColumnFamily::kEntities:
    case ColumnFamily::kFacts:
    case ColumnFamily::kPredicates:
    case ColumnFamily::kTombstones:
    case ColumnFamily::kRequests:
    case ColumnFamily::kCommitLog:
    case ColumnFamily::kReferenceIndex:
      return true;
    default:
      return false;
  }
}

rocksdb::ColumnFamilyOptions FamilyOptions(
    ColumnFamily cf, const StoreOptions& options,
    const std::shared_ptr<rocksdb::Cache>& cache) {
  rocksdb::ColumnFamilyOptions cf_options;
  rocksdb::BlockBasedTableOptions table;
  table.block_cache = cache;
  table.format_version = 5;
  // Index and filter blocks live in the block cache, so the cache size bounds
  // memory however large the store grows; L0's stay pinned since every read
  // consults them.
  table.cache_index_and_filter_blocks = true;
  table.pin_l0_filter_and_index_blocks_in_cache = true;
  if (IsPointLookupFamily(cf)) {
    table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
    // Memtables get a whole-key bloom filter too: a point read passes through
    // every memtable before the table files (the query service keeps several,
    // replayed from the primary's WAL), and without a filter each one is a
    // full skiplist search even when the key is not there.
    cf_options.memtable_whole_key_filtering = true;
    cf_options.memtable_prefix_bloom_size_ratio = 0.02;
  }
  cf_options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  cf_options.compression = rocksdb::kLZ4Compression;
  // Level 0 and the level below it are rewritten soon after they are
  // written; compressing them costs the writer CPU for little space.
  cf_options.compression_per_level = {rocksdb::kNoCompression,
                                      rocksdb::kNoCompression,
                                      rocksdb::kLZ4Compression};
  cf_options.level_compaction_dynamic_level_bytes = true;
  cf_options.write_buffer_size = options.write_buffer_bytes;
  // A commit batch reaches each family's memtable in key order
  // (CommitBatch::Seal). With one insert hint for the whole family (every
  // key has the same, empty, prefix), each insert starts its skiplist search
  // from where the previous one ended and climbs only as high as the gap
  // between the two keys needs, instead of descending from the top. This
  // holds for the query service's replay of the same batches as well.
  //
  // Not for a family that takes range deletions: RocksDB 7.8's MemTable::Add
  // applies the same hint to the memtable's separate skiplist of range
  // deletions, and a hint from one skiplist corrupts the other (later
  // RocksDB versions skip the hint there).
  if (!TakesRangeDeletions(cf)) {
    static const std::shared_ptr<const rocksdb::SliceTransform> kOneHint(
        rocksdb::NewFixedPrefixTransform(0));
    cf_options.memtable_insert_with_hint_prefix_extractor = kOneHint;
  }
  return cf_options;
}

// RocksDB reports a held LOCK file as a plain IO error; its Posix
// environment words it one of these two ways.
bool IsLockHeld(const rocksdb::Status& status) {
  absl::string_view state =
      status.getState() != nullptr ? status.getState() : "";
  return absl::StrContains(state, "While lock file") ||
         absl::StrContains(state, "lock hold by current process");
}

// Parses a stored record of `cf` into `record`; DATA_LOSS if it does not
// parse.
absl::Status ParseStored(ColumnFamily cf, absl::string_view value,
                         google::protobuf::MessageLite* record) {
  if (!record->ParseFromArray(value.data(), static_cast<int>(value.size()))) {
    return absl::DataLossError(
        absl::StrCat("record in ", ColumnFamilyName(cf), " does not parse"));
  }
  return absl::OkStatus();
}

template <typename Record>
absl::StatusOr<Record> ParseRecord(ColumnFamily cf, absl::string_view value) {
  Record record;
  FS_RETURN_IF_ERROR(ParseStored(cf, value, &record));
  return record;
}

// ParseRecord for a record made on `arena`, which owns it.
template <typename Record>
absl::StatusOr<Record*> ParseRecordOn(google::protobuf::Arena* arena,
                                      ColumnFamily cf,
                                      absl::string_view value) {
  Record* record = google::protobuf::Arena::CreateMessage<Record>(arena);
  FS_RETURN_IF_ERROR(ParseStored(cf, value, record));
  return record;
}

// Adds the deletion of [begin, end) in family `cf` to `batch`; INTERNAL for
// a family that may not take range deletions (TakesRangeDeletions).
absl::Status DeleteRangeOf(rocksdb::WriteBatch* batch, ColumnFamily cf,
                           rocksdb::ColumnFamilyHandle* handle,
                           const rocksdb::Slice& begin,
                           const rocksdb::Slice& end, absl::string_view what) {
  if (!TakesRangeDeletions(cf)) {
    return absl::InternalError(absl::StrCat(
        what, ": family ", ColumnFamilyName(cf), " takes no range deletions"));
  }
  return FromRocksStatus(batch->DeleteRange(handle, begin, end), what);
}

}  // namespace

absl::Status FromRocksStatus(const rocksdb::Status& status,
                             absl::string_view context) {
  if (status.ok()) return absl::OkStatus();
  std::string message = absl::StrCat(context, ": ", status.ToString());
  switch (status.code()) {
    case rocksdb::Status::kNotFound:
      return absl::NotFoundError(message);
    case rocksdb::Status::kCorruption:
      return absl::DataLossError(message);
    case rocksdb::Status::kInvalidArgument:
      return absl::InvalidArgumentError(message);
    case rocksdb::Status::kNotSupported:
      return absl::UnimplementedError(message);
    case rocksdb::Status::kIOError:
      // A full disk will not clear up by retrying at once: the operator
      // must make room (and, if RocksDB stopped writing, restart the
      // ingest server).
      if (status.IsNoSpace()) return absl::ResourceExhaustedError(message);
      // Another process holding the store's lock: it may go away.
      if (IsLockHeld(status)) return absl::UnavailableError(message);
      // Anything else (EIO, a missing or unreadable file) is not a reason
      // for a client to retry.
      return absl::InternalError(message);
    case rocksdb::Status::kBusy:
    case rocksdb::Status::kTryAgain:
    case rocksdb::Status::kTimedOut:
      return absl::UnavailableError(message);
    case rocksdb::Status::kAborted:
      return absl::AbortedError(message);
    default:
      return absl::InternalError(message);
  }
}

KeyScan::KeyScan(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* handle,
                 std::string lower, std::string upper)
    : lower_(std::move(lower)), upper_(std::move(upper)), upper_slice_(upper_) {
  rocksdb::ReadOptions read_options;
  if (!upper_.empty()) read_options.iterate_upper_bound = &upper_slice_;
  it_.reset(db->NewIterator(read_options, handle));
  it_->Seek(lower_);
}

void KeyScan::Seek(absl::string_view target) {
  if (target < lower_) target = lower_;
  it_->Seek(rocksdb::Slice(target.data(), target.size()));
}

absl::string_view KeyScan::key() const {
  rocksdb::Slice k = it_->key();
  return absl::string_view(k.data(), k.size());
}

absl::string_view KeyScan::value() const {
  rocksdb::Slice v = it_->value();
  return absl::string_view(v.data(), v.size());
}

absl::Status KeyScan::status() const {
  return FromRocksStatus(it_->status(), "scan");
}

Store::Store(bool primary, std::string path)
    : primary_(primary), path_(std::move(path)) {}

Store::~Store() {
  if (db_ == nullptr) return;
  for (rocksdb::ColumnFamilyHandle* h : handles_) {
    if (h != nullptr) db_->DestroyColumnFamilyHandle(h);
  }
  db_->Close();
}

absl::StatusOr<std::unique_ptr<Store>> Store::OpenPrimary(
    const std::string& path, const StoreOptions& options) {
  std::unique_ptr<Store> store(new Store(/*primary=*/true, path));
  store->create_identity_ = options.create_identity;
  store->index_words_option_ = options.index_words;
  FS_RETURN_IF_ERROR(store->OpenDb(options, ""));
  FS_RETURN_IF_ERROR(store->LoadIdentity());
  return store;
}

absl::StatusOr<std::unique_ptr<Store>> Store::OpenSecondary(
    const std::string& path, const std::string& secondary_path,
    const StoreOptions& options) {
  std::unique_ptr<Store> store(new Store(/*primary=*/false, path));
  absl::Status opened = store->OpenDb(options, secondary_path);
  if (!opened.ok()) {
    return absl::UnavailableError(absl::StrCat(
        "cannot follow the store at ", path,
        " (has the ingest service created it yet?): ", opened.message()));
  }
  FS_RETURN_IF_ERROR(store->LoadIdentity());
  return store;
}

absl::Status Store::OpenDb(const StoreOptions& options,
                           const std::string& secondary_path) {
  rocksdb::DBOptions db_options;
  if (options.env != nullptr) db_options.env = options.env;
  db_options.create_if_missing = primary_;
  db_options.create_missing_column_families = primary_;
  db_options.max_background_jobs = options.background_jobs;
  db_options.bytes_per_sync = 1 << 20;
  if (primary_) {
    db_options.max_total_wal_size = options.max_wal_bytes;
    // At open, keep what recovery replays from the WAL in memtables (and the
    // WAL files) instead of flushing it to new table files. After such a
    // flush, a secondary that had not yet read the end of the WAL when the
    // primary stopped sees neither the recovered commits (until the next
    // write) nor, for the keys they overwrote, anything newer than its own
    // memtables, which RocksDB 7.8 reads before table files: the query
    // service would serve a stale store until restarted. Without the flush
    // it reads the rest of the old WAL, then the new one.
    // tests/crash_test.py (SecondaryBehindTest) checks this.
    db_options.avoid_flush_during_recovery = true;
    // Flush every column family together. A secondary (the query service)
    // seals a memtable of each family at every new WAL file of the primary
    // and drops it only once that family is flushed; flushed one at a time,
    // the small families (entities, names) kept eight or more memtables
    // there, and every read and seek looked at each of them.
    db_options.atomic_flush = true;
  }
  if (options.collect_statistics) {
    statistics_ = rocksdb::CreateDBStatistics();
    // Counters only: the metrics read RocksDB's tickers (Store::Stats), never
    // its histograms, whose timers cost every read, seek and write two clock
    // reads and a histogram update. Write stalls are still timed: RocksDB
    // times them for their ticker at any level.
    statistics_->set_stats_level(rocksdb::StatsLevel::kExceptHistogramOrTimers);
    db_options.statistics = statistics_;
  }
  // RocksDB's own log: rotated and bounded.
  db_options.max_log_file_size = 16 << 20;
  db_options.keep_log_file_num = 4;
  if (!primary_) {
    // A secondary must keep every table file open: the primary may delete
    // files after compaction, and an open file stays readable.
    db_options.max_open_files = -1;
    // A secondary logs every catch-up (a hundred times a second) at INFO;
    // only warnings are worth keeping.
    db_options.info_log_level = rocksdb::InfoLogLevel::WARN_LEVEL;
    // Each catch-up opens the new table files with this many threads,
    // started and joined every time; one is plenty for a few files.
    db_options.max_file_opening_threads = 1;
  }
  std::shared_ptr<rocksdb::Cache> cache =
      rocksdb::NewLRUCache(options.block_cache_bytes);
  if (primary_) {
    db_options.write_buffer_manager =
        std::make_shared<rocksdb::WriteBufferManager>(
            options.memtable_budget_bytes, cache);
  }
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (ColumnFamily cf : kAllColumnFamilies) {
    descriptors.emplace_back(ColumnFamilyName(cf),
                             FamilyOptions(cf, options, cache));
  }
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s =
      primary_
          ? rocksdb::DB::Open(db_options, path_, descriptors, &handles, &raw)
          : rocksdb::DB::OpenAsSecondary(db_options, path_, secondary_path,
                                         descriptors, &handles, &raw);
  if (!s.ok()) {
    return FromRocksStatus(s, absl::StrCat("open ", path_));
  }
  db_.reset(raw);
  for (size_t i = 0; i < handles.size(); ++i) handles_[i] = handles[i];
  return absl::OkStatus();
}

absl::Status Store::LoadIdentity() {
  std::string value;
  absl::Status found = GetValue(ColumnFamily::kMeta, kIdentityKey, &value);
  if (found.ok()) {
    if (!identity_.ParseFromString(value)) {
      return absl::DataLossError(
          absl::StrCat(path_, ": store identity record does not parse"));
    }
    word_index_off_.store(identity_.word_index_off());
    const uint32_t version = identity_.schema_version();
    if (version >= 1 && version < kSchemaVersion) {
      return primary_ ? UpgradeSchema() : absl::OkStatus();
    }
    if (version != kSchemaVersion) {
      return absl::FailedPreconditionError(absl::StrCat(
          path_, " holds schema version ", identity_.schema_version(),
          "; this build reads version ", kSchemaVersion));
    }
    if (!primary_) return absl::OkStatus();
    FS_ASSIGN_OR_RETURN(bool word_index_work, WordIndexNeedsWork());
    return word_index_work ? UpgradeSchema() : absl::OkStatus();
  }
  if (!absl::IsNotFound(found)) return found;
  if (!primary_) {
    return absl::UnavailableError(
        absl::StrCat(path_, ": the ingest service has not initialized it yet"));
  }
  if (!create_identity_) return absl::OkStatus();
  // A new store: give it an identity and an empty head, atomically.
  absl::StatusOr<StoreIdentity> identity = NewIdentity(index_words_option_);
  if (!identity.ok()) return identity.status();
  identity_ = *std::move(identity);
  word_index_off_.store(identity_.word_index_off());
  rocksdb::WriteBatch batch;
  batch.Put(handle(ColumnFamily::kMeta), std::string(kIdentityKey),
            identity_.SerializeAsString());
  batch.Put(handle(ColumnFamily::kMeta), std::string(kHeadKey),
            StoreHead().SerializeAsString());
  rocksdb::WriteOptions write_options;
  write_options.sync = true;
  return FromRocksStatus(db_->Write(write_options, &batch), "initialize store");
}

namespace {

// Adds to `batch` puts (or deletes) of the kNames entries by type and
// external id of every revision of `record` (in `names`, the kNames family).
absl::Status AddLookupEntries(const EntityRecord& record, bool put,
                              rocksdb::ColumnFamilyHandle* names,
                              rocksdb::WriteBatch* batch) {
  for (const EntityRevision& revision : record.revisions()) {
    for (const std::string& key : EntityLookupKeys(revision.entity())) {
      rocksdb::Status added =
          put ? batch->Put(names, key, "") : batch->Delete(names, key);
      if (!added.ok()) return FromRocksStatus(added, "entity lookup entry");
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status Store::UpgradeSchema() {
  // Version 2 to 3 changes nothing stored: version 2 mentions keep their
  // copies of their document's description, which reads still show. Nor
  // does 5 to 6: version 5 postings keep their ids as text, which reads
  // still take.
  const bool add_lookup_entries = identity_.schema_version() == 1;
  // Version 4 indexes the words of facts, unless the store is to keep none,
  // and version 5 keeps them as postings. An index that is not current (none
  // yet, version 4's, one of another word cutting, or a build cut short) is
  // cleared first, in the first batch written, and built again; one not
  // wanted is cleared.
  const bool keep_words = KeepsWords();
  const bool words_current =
      identity_.schema_version() >= 5 && !identity_.word_index_off() &&
      identity_.word_index_version() == kWordIndexVersion;
  const bool add_fact_words = keep_words && !words_current;
  const bool clear_fact_words = !keep_words || !words_current;
  identity_.set_word_index_off(!keep_words);
  identity_.set_word_index_version(keep_words ? kWordIndexVersion : 0);
  // Batches of about this many entries keep the upgrade's memory small
  // however many entities the store holds.
  constexpr int kEntriesPerBatch = 10000;
  rocksdb::WriteBatch batch;
  auto write = [&]() {
    absl::Status written = FromRocksStatus(
        db_->Write(rocksdb::WriteOptions(), &batch), "upgrade the store");
    batch.Clear();
    return written;
  };
  if (clear_fact_words) {
    FS_RETURN_IF_ERROR(DeleteRangeOf(
        &batch, ColumnFamily::kNames, handle(ColumnFamily::kNames),
        WordIndexBegin(), WordIndexEnd(), "clear the word index"));
  }
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(
      rocksdb::ReadOptions(), handle(ColumnFamily::kEntities)));
  if (add_lookup_entries) it->SeekToFirst();
  for (; add_lookup_entries && it->Valid(); it->Next()) {
    EntityRecord record;
    if (!record.ParseFromArray(it->value().data(),
                               static_cast<int>(it->value().size()))) {
      return absl::DataLossError(absl::StrCat(
          path_, ": an entity record does not parse during the upgrade"));
    }
    FS_RETURN_IF_ERROR(AddLookupEntries(record, /*put=*/true,
                                        handle(ColumnFamily::kNames), &batch));
    if (batch.Count() >= kEntriesPerBatch) FS_RETURN_IF_ERROR(write());
  }
  FS_RETURN_IF_ERROR(
      FromRocksStatus(it->status(), "read the entities to upgrade"));
  it.reset();
  if (add_fact_words) FS_RETURN_IF_ERROR(BuildWordIndex(&batch, write));
  identity_.set_schema_version(kSchemaVersion);
  batch.Put(handle(ColumnFamily::kMeta), std::string(kIdentityKey),
            identity_.SerializeAsString());
  rocksdb::WriteOptions durable;
  durable.sync = true;
  FS_RETURN_IF_ERROR(
      FromRocksStatus(db_->Write(durable, &batch), "upgrade the store"));
  word_index_off_.store(identity_.word_index_off());
  return absl::OkStatus();
}

absl::Status Store::BuildWordIndex(
    rocksdb::WriteBatch* batch,
    const std::function<absl::Status()>& write_batch) {
  constexpr int kEntriesPerBatch = 10000;
  rocksdb::ColumnFamilyHandle* names = handle(ColumnFamily::kNames);
  // Postings gather facts from all over the facts' key order, so every fact
  // first writes one sort key per posting it belongs in, and RocksDB sorts
  // them into the order of the postings.
  std::unique_ptr<rocksdb::Iterator> it(
      db_->NewIterator(rocksdb::ReadOptions(), handle(ColumnFamily::kFacts)));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    FS_ASSIGN_OR_RETURN(
        FactRecord record,
        ParseRecord<FactRecord>(
            ColumnFamily::kFacts,
            absl::string_view(it->value().data(), it->value().size())));
    for (const PostingRef& posting : FactWordPostings(record)) {
      FS_RETURN_IF_ERROR(FromRocksStatus(
          batch->Put(names,
                     WordSortKey(posting.word_hash, posting.commit,
                                 record.content().id()),
                     ""),
          "word index sort key"));
    }
    if (batch->Count() >= kEntriesPerBatch) FS_RETURN_IF_ERROR(write_batch());
  }
  FS_RETURN_IF_ERROR(
      FromRocksStatus(it->status(), "read the facts to index their words"));
  FS_RETURN_IF_ERROR(write_batch());
  // Then each run of sort keys of one word and commit becomes its posting.
  const std::string sort_keys = WordSortKindPrefix();
  WordPosting posting;
  uint64_t posting_hash = 0;
  uint64_t posting_commit = 0;
  auto put_posting = [&]() -> absl::Status {
    if (PostingIsEmpty(posting)) return absl::OkStatus();
    FS_RETURN_IF_ERROR(FromRocksStatus(
        batch->Put(names, WordPostingKey(posting_hash, posting_commit),
                   posting.SerializeAsString()),
        "word posting"));
    posting.Clear();
    return batch->Count() >= kEntriesPerBatch ? write_batch()
                                              : absl::OkStatus();
  };
  std::unique_ptr<KeyScan> scan = ScanPrefix(ColumnFamily::kNames, sort_keys);
  std::string fact_id;
  for (; scan->Valid(); scan->Next()) {
    uint64_t word_hash = 0;
    uint64_t commit = 0;
    if (!DecodeWordSortKey(scan->key(), &word_hash, &commit, &fact_id)) {
      return absl::DataLossError("malformed word index sort key");
    }
    if (word_hash != posting_hash || commit != posting_commit) {
      FS_RETURN_IF_ERROR(put_posting());
      posting_hash = word_hash;
      posting_commit = commit;
    }
    AddPostingFactId(fact_id, &posting);
  }
  FS_RETURN_IF_ERROR(scan->status());
  FS_RETURN_IF_ERROR(put_posting());
  return DeleteRangeOf(batch, ColumnFamily::kNames, names, sort_keys,
                       PrefixSuccessor(sort_keys),
                       "clear the word index sort keys");
}

bool Store::KeepsWords() const {
  return create_identity_ ? index_words_option_ : !identity_.word_index_off();
}

absl::StatusOr<bool> Store::WordIndexNeedsWork() const {
  if (KeepsWords()) {
    return identity_.word_index_off() ||
           identity_.word_index_version() != kWordIndexVersion;
  }
  if (!identity_.word_index_off()) return true;
  // Entries of a build cut short, which nothing maintains while the index
  // is off.
  std::unique_ptr<KeyScan> scan =
      Scan(ColumnFamily::kNames, WordIndexBegin(), WordIndexEnd());
  FS_RETURN_IF_ERROR(scan->status());
  return scan->Valid();
}

absl::StatusOr<StoreIdentity> Store::NewIdentity(bool index_words) {
  uint32_t store_id = 0;
  unsigned char secret[32];
  while (store_id == 0) {
    if (RAND_bytes(reinterpret_cast<unsigned char*>(&store_id),
                   sizeof(store_id)) != 1 ||
        RAND_bytes(secret, sizeof(secret)) != 1) {
      return absl::InternalError("no secure random numbers for the store id");
    }
  }
  StoreIdentity identity;
  identity.set_schema_version(kSchemaVersion);
  identity.set_store_id(store_id);
  identity.set_token_secret(
      std::string(reinterpret_cast<char*>(secret), sizeof(secret)));
  identity.set_create_time_micros(absl::ToUnixMicros(absl::Now()));
  identity.set_word_index_off(!index_words);
  identity.set_word_index_version(index_words ? kWordIndexVersion : 0);
  return identity;
}

absl::Status Store::Destroy(const std::string& path) {
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (ColumnFamily cf : kAllColumnFamilies) {
    descriptors.emplace_back(ColumnFamilyName(cf),
                             rocksdb::ColumnFamilyOptions());
  }
  return FromRocksStatus(
      rocksdb::DestroyDB(path, rocksdb::Options(), descriptors),
      absl::StrCat("delete the store at ", path));
}

absl::Status Store::CatchUp() {
  if (primary_) return absl::OkStatus();
  FS_RETURN_IF_ERROR(
      FromRocksStatus(db_->TryCatchUpWithPrimary(), "catch up with primary"));
  // The primary may have built or dropped the word index since this store
  // opened, or been upgraded to a schema this build would misread.
  std::string value;
  StoreIdentity identity;
  if (GetValue(ColumnFamily::kMeta, kIdentityKey, &value).ok() &&
      identity.ParseFromString(value)) {
    if (identity.schema_version() > kSchemaVersion) {
      return absl::FailedPreconditionError(absl::StrCat(
          path_, " now holds schema version ", identity.schema_version(),
          " (the ingest service was upgraded); this build reads version ",
          kSchemaVersion, ": upgrade this server too"));
    }
    word_index_off_.store(identity.word_index_off());
  }
  return absl::OkStatus();
}

absl::Status Store::GetPinned(ColumnFamily cf, absl::string_view key,
                              rocksdb::PinnableSlice* value) const {
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), handle(cf),
                               rocksdb::Slice(key.data(), key.size()), value);
  return FromRocksStatus(s, ColumnFamilyName(cf));
}

absl::Status Store::GetValue(ColumnFamily cf, absl::string_view key,
                             std::string* value) const {
  rocksdb::PinnableSlice pinned;
  FS_RETURN_IF_ERROR(GetPinned(cf, key, &pinned));
  value->assign(pinned.data(), pinned.size());
  return absl::OkStatus();
}

template <typename Record>
absl::StatusOr<Record> Store::ReadRecord(ColumnFamily cf,
                                         absl::string_view key) const {
  rocksdb::PinnableSlice pinned;
  FS_RETURN_IF_ERROR(GetPinned(cf, key, &pinned));
  return ParseRecord<Record>(cf,
                             absl::string_view(pinned.data(), pinned.size()));
}

template <typename Record>
absl::StatusOr<Record*> Store::ReadRecordOn(
    ColumnFamily cf, absl::string_view key,
    google::protobuf::Arena* arena) const {
  rocksdb::PinnableSlice pinned;
  FS_RETURN_IF_ERROR(GetPinned(cf, key, &pinned));
  return ParseRecordOn<Record>(arena, cf,
                               absl::string_view(pinned.data(), pinned.size()));
}

absl::StatusOr<StoreHead> Store::ReadHead() const {
  return ReadRecord<StoreHead>(ColumnFamily::kMeta, kHeadKey);
}

absl::StatusOr<EntityRecord> Store::ReadEntity(
    absl::string_view entity_id) const {
  return ReadRecord<EntityRecord>(ColumnFamily::kEntities,
                                  EntityKey(entity_id));
}

absl::StatusOr<EntityRecord*> Store::ReadEntity(
    absl::string_view entity_id, google::protobuf::Arena* arena) const {
  return ReadRecordOn<EntityRecord>(ColumnFamily::kEntities,
                                    EntityKey(entity_id), arena);
}

absl::StatusOr<WordPosting> Store::ReadWordPosting(
    absl::string_view key) const {
  absl::StatusOr<WordPosting> posting =
      ReadRecord<WordPosting>(ColumnFamily::kNames, key);
  if (absl::IsNotFound(posting.status())) return WordPosting();
  return posting;
}

absl::StatusOr<bool> Store::HasKey(ColumnFamily cf,
                                   absl::string_view key) const {
  rocksdb::PinnableSlice pinned;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), handle(cf),
                               rocksdb::Slice(key.data(), key.size()), &pinned);
  if (s.IsNotFound()) return false;
  if (!s.ok()) return FromRocksStatus(s, ColumnFamilyName(cf));
  return true;
}

absl::StatusOr<FactRecord> Store::ReadFact(absl::string_view fact_id) const {
  return ReadRecord<FactRecord>(ColumnFamily::kFacts, FactKey(fact_id));
}

absl::StatusOr<FactRecord*> Store::ReadFact(
    absl::string_view fact_id, google::protobuf::Arena* arena) const {
  return ReadRecordOn<FactRecord>(ColumnFamily::kFacts, FactKey(fact_id),
                                  arena);
}

absl::StatusOr<PredicateRecord> Store::ReadPredicate(
    absl::string_view name) const {
  return ReadRecord<PredicateRecord>(ColumnFamily::kPredicates,
                                     PredicateKey(name));
}

absl::StatusOr<TombstoneRecord> Store::ReadTombstone(
    absl::string_view entity_id) const {
  return ReadRecord<TombstoneRecord>(ColumnFamily::kTombstones,
                                     TombstoneKey(entity_id));
}

absl::StatusOr<RequestRecord> Store::ReadRequest(
    absl::string_view request_id) const {
  return ReadRecord<RequestRecord>(ColumnFamily::kRequests,
                                   RequestKey(request_id));
}

absl::StatusOr<CommitRecord> Store::ReadCommit(uint64_t commit) const {
  return ReadRecord<CommitRecord>(ColumnFamily::kCommitLog, CommitKey(commit));
}

absl::Status Store::ScanCommits(
    uint64_t first, uint64_t last,
    const std::function<bool(const CommitRecord&)>& visit) const {
  if (first > last) return absl::OkStatus();
  std::string upper = CommitKey(last + 1);
  rocksdb::Slice upper_slice(upper);
  rocksdb::ReadOptions options;
  options.fill_cache = false;
  options.iterate_upper_bound = last == UINT64_MAX ? nullptr : &upper_slice;
  std::unique_ptr<rocksdb::Iterator> it(
      db_->NewIterator(options, handle(ColumnFamily::kCommitLog)));
  CommitRecord record;
  for (it->Seek(CommitKey(first)); it->Valid(); it->Next()) {
    if (!record.ParseFromArray(it->value().data(),
                               static_cast<int>(it->value().size()))) {
      return absl::DataLossError("record in commit_log does not parse");
    }
    if (!visit(record)) return absl::OkStatus();
  }
  if (!it->status().ok()) return FromRocksStatus(it->status(), "commit_log");
  return absl::OkStatus();
}

StoreStats Store::Stats() const {
  StoreStats stats;
  auto property = [this](ColumnFamily cf, const std::string& name) {
    uint64_t value = 0;
    db_->GetIntProperty(handle(cf), name, &value);
    return value;
  };
  for (ColumnFamily cf : kAllColumnFamilies) {
    StoreStats::Family& family = stats.families.emplace_back();
    family.name = ColumnFamilyName(cf);
    family.sst_bytes =
        property(cf, rocksdb::DB::Properties::kTotalSstFilesSize);
    family.level0_files = property(
        cf, rocksdb::DB::Properties::kNumFilesAtLevelPrefix + std::string("0"));
    family.pending_compaction_bytes =
        property(cf, rocksdb::DB::Properties::kEstimatePendingCompactionBytes);
    family.memtable_bytes =
        property(cf, rocksdb::DB::Properties::kCurSizeAllMemTables);
    family.memtables =
        1 + property(cf, rocksdb::DB::Properties::kNumImmutableMemTable);
  }
  db_->GetIntProperty(rocksdb::DB::Properties::kBlockCacheUsage,
                      &stats.block_cache_usage_bytes);
  db_->GetIntProperty(rocksdb::DB::Properties::kNumRunningCompactions,
                      &stats.running_compactions);
  uint64_t stopped = 0;
  db_->GetIntProperty(rocksdb::DB::Properties::kIsWriteStopped, &stopped);
  stats.writes_stopped = stopped != 0;
  db_->GetIntProperty(rocksdb::DB::Properties::kActualDelayedWriteRate,
                      &stats.delayed_write_rate);
  if (statistics_ != nullptr) {
    const rocksdb::Statistics& counters = *statistics_;
    auto lookups = [&counters](rocksdb::Tickers hit, rocksdb::Tickers miss,
                               rocksdb::Tickers inserted) {
      StoreStats::BlockCacheLookups kind;
      kind.hits = counters.getTickerCount(hit);
      kind.misses = counters.getTickerCount(miss);
      kind.inserted_bytes = counters.getTickerCount(inserted);
      return kind;
    };
    stats.data_blocks =
        lookups(rocksdb::BLOCK_CACHE_DATA_HIT, rocksdb::BLOCK_CACHE_DATA_MISS,
                rocksdb::BLOCK_CACHE_DATA_BYTES_INSERT);
    stats.index_blocks =
        lookups(rocksdb::BLOCK_CACHE_INDEX_HIT, rocksdb::BLOCK_CACHE_INDEX_MISS,
                rocksdb::BLOCK_CACHE_INDEX_BYTES_INSERT);
    stats.filter_blocks = lookups(rocksdb::BLOCK_CACHE_FILTER_HIT,
                                  rocksdb::BLOCK_CACHE_FILTER_MISS,
                                  rocksdb::BLOCK_CACHE_FILTER_BYTES_INSERT);
    // RocksDB counts every read of a table file under one of the two, by
    // whether the file is on the last level.
    stats.table_reads =
        counters.getTickerCount(rocksdb::LAST_LEVEL_READ_COUNT) +
        counters.getTickerCount(rocksdb::NON_LAST_LEVEL_READ_COUNT);
    stats.table_read_bytes =
        counters.getTickerCount(rocksdb::LAST_LEVEL_READ_BYTES) +
        counters.getTickerCount(rocksdb::NON_LAST_LEVEL_READ_BYTES);
    stats.write_stall_micros =
        statistics_->getTickerCount(rocksdb::STALL_MICROS);
  }
  return stats;
}

absl::StatusOr<LogPosition> Store::ReadLogPosition() const {
  return ReadRecord<LogPosition>(ColumnFamily::kMeta, kLogPositionKey);
}

absl::StatusOr<bool> Store::IsEmpty() const {
  for (ColumnFamily cf : kAllColumnFamilies) {
    std::unique_ptr<rocksdb::Iterator> it(
        db_->NewIterator(rocksdb::ReadOptions(), handle(cf)));
    it->SeekToFirst();
    if (it->Valid()) return false;
    if (!it->status().ok()) return FromRocksStatus(it->status(), "scan");
  }
  return true;
}

template <typename Result, typename Decode>
std::vector<absl::StatusOr<Result>> Store::MultiRead(
    ColumnFamily cf, const std::vector<std::string>& keys,
    Decode decode) const {
  std::vector<rocksdb::Slice> slices(keys.begin(), keys.end());
  std::vector<rocksdb::PinnableSlice> values(keys.size());
  std::vector<rocksdb::Status> statuses(keys.size());
  db_->MultiGet(rocksdb::ReadOptions(), handle(cf), slices.size(),
                slices.data(), values.data(), statuses.data());
  std::vector<absl::StatusOr<Result>> out;
  out.reserve(keys.size());
  for (size_t i = 0; i < keys.size(); ++i) {
    if (statuses[i].ok()) {
      out.push_back(
          decode(absl::string_view(values[i].data(), values[i].size())));
    } else {
      out.push_back(FromRocksStatus(statuses[i], ColumnFamilyName(cf)));
    }
  }
  return out;
}

namespace {

// The key `key_of` gives each of `ids`, in order.
std::vector<std::string> KeysOf(const std::vector<std::string>& ids,
                                std::string (*key_of)(absl::string_view)) {
  std::vector<std::string> keys;
  keys.reserve(ids.size());
  for (const std::string& id : ids) keys.push_back(key_of(id));
  return keys;
}

}  // namespace

std::vector<absl::StatusOr<FactRecord*>> Store::ReadFacts(
    const std::vector<std::string>& fact_ids,
    google::protobuf::Arena* arena) const {
  return MultiRead<FactRecord*>(
      ColumnFamily::kFacts, KeysOf(fact_ids, &FactKey),
      [arena](absl::string_view value) {
        return ParseRecordOn<FactRecord>(arena, ColumnFamily::kFacts, value);
      });
}

std::vector<absl::StatusOr<EntityRecord*>> Store::ReadEntities(
    const std::vector<std::string>& entity_ids,
    google::protobuf::Arena* arena) const {
  return MultiRead<EntityRecord*>(ColumnFamily::kEntities,
                                  KeysOf(entity_ids, &EntityKey),
                                  [arena](absl::string_view value) {
                                    return ParseRecordOn<EntityRecord>(
                                        arena, ColumnFamily::kEntities, value);
                                  });
}

std::vector<absl::StatusOr<std::string>> Store::ReadEntityValues(
    const std::vector<std::string>& entity_ids) const {
  return MultiRead<std::string>(
      ColumnFamily::kEntities, KeysOf(entity_ids, &EntityKey),
      [](absl::string_view value) -> absl::StatusOr<std::string> {
        return std::string(value);
      });
}

std::unique_ptr<KeyScan> Store::Scan(ColumnFamily cf, std::string lower,
                                     std::string upper) const {
  return std::make_unique<KeyScan>(db_.get(), handle(cf), std::move(lower),
                                   std::move(upper));
}

std::unique_ptr<KeyScan> Store::ScanPrefix(ColumnFamily cf,
                                           const std::string& prefix) const {
  return Scan(cf, prefix, PrefixSuccessor(prefix));
}

uint64_t Store::ApproximatePrefixBytes(ColumnFamily cf,
                                       const std::string& prefix) const {
  const std::string limit = PrefixSuccessor(prefix);
  rocksdb::Range range(prefix, limit.empty()
                                   ? rocksdb::Slice("\xff\xff\xff\xff")
                                   : rocksdb::Slice(limit));
  rocksdb::SizeApproximationOptions options;
  options.include_memtables = true;
  options.include_files = true;
  uint64_t size = 0;
  if (!db_->GetApproximateSizes(options, handle(cf), &range, 1, &size).ok()) {
    return 0;
  }
  return size;
}

absl::Status Store::Write(CommitBatch& batch, bool sync) {
  if (!primary_) {
    return absl::FailedPreconditionError("a secondary store cannot write");
  }
  rocksdb::WriteOptions write_options;
  write_options.sync = sync;
  return FromRocksStatus(db_->Write(write_options, batch.Seal()), "write");
}

namespace {

// Collects the entity and fact records a write batch puts and the entity and
// fact keys it puts or deletes; accepts every other operation (the
// handler's defaults refuse those on other column families).
class RecordChangeCollector : public rocksdb::WriteBatch::Handler {
 public:
  rocksdb::Status PutCF(uint32_t cf, const rocksdb::Slice& key,
                        const rocksdb::Slice& value) override {
    if (cf == static_cast<uint32_t>(ColumnFamily::kEntities)) {
      entity_records_.emplace_back(value.data(), value.size());
    } else if (cf == static_cast<uint32_t>(ColumnFamily::kFacts)) {
      fact_changes_.push_back({std::string(key.data(), key.size()),
                               std::string(value.data(), value.size()),
                               /*deleted=*/false});
    } else if (cf == static_cast<uint32_t>(ColumnFamily::kNames) &&
               IsLegacyFactWordKey(absl::string_view(key.data(), key.size()))) {
      legacy_word_keys_.emplace_back(key.data(), key.size());
    }
    return rocksdb::Status::OK();
  }
  rocksdb::Status DeleteCF(uint32_t cf, const rocksdb::Slice& key) override {
    if (cf == static_cast<uint32_t>(ColumnFamily::kEntities)) {
      deleted_entities_.emplace_back(key.data(), key.size());
    } else if (cf == static_cast<uint32_t>(ColumnFamily::kFacts)) {
      fact_changes_.push_back(
          {std::string(key.data(), key.size()), "", /*deleted=*/true});
    }
    return rocksdb::Status::OK();
  }
  rocksdb::Status SingleDeleteCF(uint32_t cf,
                                 const rocksdb::Slice& key) override {
    return DeleteCF(cf, key);
  }
  rocksdb::Status DeleteRangeCF(uint32_t, const rocksdb::Slice&,
                                const rocksdb::Slice&) override {
    return rocksdb::Status::OK();
  }
  rocksdb::Status MergeCF(uint32_t, const rocksdb::Slice&,
                          const rocksdb::Slice&) override {
    return rocksdb::Status::OK();
  }
  void LogData(const rocksdb::Slice&) override {}

  struct FactChange {
    std::string key;
    std::string record;  // empty when deleted
    bool deleted;
  };

  const std::vector<std::string>& entity_records() const {
    return entity_records_;
  }
  const std::vector<std::string>& deleted_entities() const {
    return deleted_entities_;
  }
  const std::vector<FactChange>& fact_changes() const { return fact_changes_; }
  // Schema version 4's word entries the batch puts.
  const std::vector<std::string>& legacy_word_keys() const {
    return legacy_word_keys_;
  }

 private:
  std::vector<std::string> entity_records_;
  std::vector<std::string> deleted_entities_;
  std::vector<FactChange> fact_changes_;
  std::vector<std::string> legacy_word_keys_;
};

}  // namespace

absl::Status Store::Apply(rocksdb::WriteBatch* batch,
                          const LogPosition* position, bool sync,
                          uint32_t writer_schema_version) {
  if (!primary_) {
    return absl::FailedPreconditionError("a secondary store cannot write");
  }
  if (writer_schema_version < kFirstCompleteLogSchemaVersion) {
    FS_RETURN_IF_ERROR(CompleteOlderWritersBatch(batch));
  }
  if (position != nullptr) {
    rocksdb::Status put =
        batch->Put(handle(ColumnFamily::kMeta), std::string(kLogPositionKey),
                   position->SerializeAsString());
    if (!put.ok()) return FromRocksStatus(put, "log position");
  }
  rocksdb::WriteOptions write_options;
  write_options.sync = sync;
  return FromRocksStatus(db_->Write(write_options, batch), "apply log entry");
}

absl::Status Store::CompleteOlderWritersBatch(rocksdb::WriteBatch* batch) {
  RecordChangeCollector changes;
  rocksdb::Status read = batch->Iterate(&changes);
  if (!read.ok()) return FromRocksStatus(read, "read the log entry");
  rocksdb::ColumnFamilyHandle* names = handle(ColumnFamily::kNames);
  // A writer of schema version 1 writes and erases entities without their
  // kNames entries by type and external id. They are completed for every
  // revision, as an upgrade would: deleted for the entities the batch deletes
  // (as they are stored before it), then put for the records it puts, so
  // that an entity deleted and put again keeps the entries of what is put.
  // A batch that already has them writes the same keys again.
  auto add_keys = [&](const std::string& value, bool put) -> absl::Status {
    EntityRecord record;
    if (!record.ParseFromString(value)) {
      return absl::DataLossError("an entity record does not parse");
    }
    return AddLookupEntries(record, put, names, batch);
  };
  for (const std::string& key : changes.deleted_entities()) {
    std::string stored;
    absl::Status found = GetValue(ColumnFamily::kEntities, key, &stored);
    if (absl::IsNotFound(found)) continue;
    FS_RETURN_IF_ERROR(found);
    FS_RETURN_IF_ERROR(add_keys(stored, /*put=*/false));
  }
  for (const std::string& value : changes.entity_records()) {
    FS_RETURN_IF_ERROR(add_keys(value, /*put=*/true));
  }
  // A writer before version 5 writes facts without their word postings
  // (version 4 with its entries of kind 5, which nothing reads now and are
  // deleted): the facts leave the postings of the record as stored before
  // the batch that the batch's last version of it lacks, and join those it
  // adds.
  // A store with no identity yet is loading a snapshot (replication): its
  // facts come in parts in id order, so each part would rewrite the postings
  // of every commit again; the store is opened again once loaded, and builds
  // them all at once then (the snapshot's identity names the older version).
  if (!indexes_words() || !initialized()) return absl::OkStatus();
  for (const std::string& key : changes.legacy_word_keys()) {
    rocksdb::Status deleted = batch->Delete(names, key);
    if (!deleted.ok()) return FromRocksStatus(deleted, "fact word entry");
  }
  absl::flat_hash_map<std::string, const RecordChangeCollector::FactChange*>
      last_change;
  for (const auto& change : changes.fact_changes()) {
    last_change[change.key] = &change;
  }
  WordPostingEdits postings(*this, /*new_commit=*/0);
  for (const auto& [key, change] : last_change) {
    std::vector<PostingRef> now;
    std::string fact_id;
    if (!change->deleted) {
      FS_ASSIGN_OR_RETURN(
          FactRecord record,
          ParseRecord<FactRecord>(ColumnFamily::kFacts, change->record));
      now = FactWordPostings(record);
      fact_id = record.content().id();
    }
    std::vector<PostingRef> before;
    std::string stored;
    absl::Status found = GetValue(ColumnFamily::kFacts, key, &stored);
    if (!found.ok() && !absl::IsNotFound(found)) return found;
    if (found.ok()) {
      FS_ASSIGN_OR_RETURN(FactRecord record, ParseRecord<FactRecord>(
                                                 ColumnFamily::kFacts, stored));
      before = FactWordPostings(record);
      fact_id = record.content().id();
    }
    for (const PostingRef& posting : before) {
      if (std::binary_search(now.begin(), now.end(), posting)) continue;
      FS_RETURN_IF_ERROR(postings.Remove(posting, fact_id));
    }
    for (const PostingRef& posting : now) {
      if (std::binary_search(before.begin(), before.end(), posting)) continue;
      FS_RETURN_IF_ERROR(postings.Add(posting, fact_id));
    }
  }
  return postings.ForEachChange([&](const std::string& key,
                                    const std::string* value) {
    return FromRocksStatus(value == nullptr ? batch->Delete(names, key)
                                            : batch->Put(names, key, *value),
                           "word posting");
  });
}

void Store::CancelCompactions() { db_->DisableManualCompaction(); }

bool Store::HasCanonicalColumnFamilyIds() const {
  for (ColumnFamily cf : kAllColumnFamilies) {
    if (handle(cf)->GetID() != static_cast<uint32_t>(cf)) return false;
  }
  return true;
}

absl::Status Store::CompactAll() {
  if (!primary_) {
    return absl::FailedPreconditionError("a secondary store cannot compact");
  }
  std::vector<rocksdb::ColumnFamilyHandle*> all(handles_.begin(),
                                                handles_.end());
  // The head (kMeta) is flushed after everything else, so that a secondary
  // catching up between two of these flushes tends to see data newer than
  // its head (which reads at the head's commit filter out) rather than a
  // head newer than its data. Commits landing meanwhile and RocksDB's own
  // flushes make no such promise; the change feeds do not rely on it.
  std::vector<rocksdb::ColumnFamilyHandle*> data;
  for (rocksdb::ColumnFamilyHandle* h : all) {
    if (h != handle(ColumnFamily::kMeta)) data.push_back(h);
  }
  FS_RETURN_IF_ERROR(FromRocksStatus(db_->Flush(rocksdb::FlushOptions(), data),
                                     "flush before compaction"));
  FS_RETURN_IF_ERROR(FromRocksStatus(
      db_->Flush(rocksdb::FlushOptions(), handle(ColumnFamily::kMeta)),
      "flush the head before compaction"));
  rocksdb::CompactRangeOptions options;
  // Rewrite the last level too: that is where old versions and deletion
  // markers meet and both disappear.
  options.bottommost_level_compaction =
      rocksdb::BottommostLevelCompaction::kForce;
  for (rocksdb::ColumnFamilyHandle* h : all) {
    FS_RETURN_IF_ERROR(
        FromRocksStatus(db_->CompactRange(options, h, nullptr, nullptr),
                        absl::StrCat("compact ", h->GetName())));
  }
  // Writes after the flush went to a new log file; the old ones are no
  // longer needed and are deleted now rather than at the next flush.
  return FromRocksStatus(db_->FlushWAL(/*sync=*/true), "sync the log");
}

}  // namespace factstore::storage
