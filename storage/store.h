// Store: one factstore RocksDB database, opened either as the primary (the
// ingest service, the only writer) or as a secondary (the query service,
// which follows the primary's writes from the same directory).
//
//   FS_ASSIGN_OR_RETURN(auto store, Store::OpenPrimary("/var/factstore", {}));
//   CommitBatch batch(*store);
//   ...
//   FS_RETURN_IF_ERROR(store->Write(batch, /*sync=*/false));
//
//   FS_ASSIGN_OR_RETURN(auto reader,
//                       Store::OpenSecondary("/var/factstore", "/tmp/q", {}));
//   FS_RETURN_IF_ERROR(reader->CatchUp());
//
// Thread safety: all methods may be called concurrently, including CatchUp
// with reads. Writes must come from one thread at a time (the ingest
// service's committer) so that commit sequences stay in order.
#ifndef FACTSTORE_STORAGE_STORE_H_
#define FACTSTORE_STORAGE_STORE_H_

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/arena.h"
#include "rocksdb/db.h"
#include "rocksdb/env.h"
#include "rocksdb/iterator.h"
#include "rocksdb/statistics.h"
#include "storage/column_families.h"
#include "storage/records.pb.h"

namespace factstore::storage {

class CommitBatch;

// Version of the key and record formats. A primary upgrades a store of an
// older version when it opens it (version 1 lacked the kNames entries by
// entity type and external id; version 2 stored each mention with a copy of
// its document's url, title, publisher, publication date and language, which
// version 3 keeps on the document, and reads of version 2 mentions still
// work; version 4 adds the kNames word entries of facts, one per word and
// fact, which version 5 replaces by word postings; version 6 postings hold
// content-derived fact ids as bytes, storage/word_postings.h, and version 5
// postings still read); a secondary reads older versions as they are; a
// store of a newer version is refused at open and at a secondary's catch-up,
// and a replica refuses log entries of a newer writer, so that a build with
// these checks never takes what it would misread.
inline constexpr uint32_t kSchemaVersion = 6;

// Log entries (replicated mode) of writers of this schema version or later
// carry every index entry of what they write; Store::Apply completes the
// entries of older writers.
inline constexpr uint32_t kFirstCompleteLogSchemaVersion = 5;

// The version of how the word index cuts and stems words
// (normalizer/search_terms.h). Changing either changes the index's keys:
// bump it, and every store builds its index again when it opens.
inline constexpr uint32_t kWordIndexVersion = 1;

struct StoreOptions {
  // Size of the block cache shared by all column families.
  size_t block_cache_bytes = 256 << 20;
  // Memtable size per column family (primary only).
  size_t write_buffer_bytes = 64 << 20;
  // All memtables together (primary only): past it, the largest is flushed.
  // Charged to the block cache, so that the cache size bounds both.
  size_t memtable_budget_bytes = 64 << 20;
  // Threads for flushes and compactions (primary only).
  int background_jobs = 2;
  // Largest total size of the write-ahead log files (primary only). Past it,
  // RocksDB flushes the column families that keep the oldest log file alive,
  // so that it can be deleted. A restart replays the whole WAL (after a crash
  // and after a clean stop alike), so this bounds the restart time; without
  // it, the column families written a little at every commit (the head) keep
  // every log file alive up to four times the sum of the write buffers.
  size_t max_wal_bytes = 128 << 20;
  // Collect RocksDB statistics (block cache hits, ...) for metrics.
  bool collect_statistics = true;
  // A new primary store gets a random identity. Replicas of a commit log
  // (replication/) turn this off: their identity arrives with the log.
  bool create_identity = true;
  // Whether the store keeps the word index of facts' quotes and text values
  // (SearchFacts). A primary store opened with the other setting than it has
  // builds the index (reading every fact) or drops it before it opens; a
  // replica of a commit log (create_identity off) keeps the setting of the
  // log it follows (StoreIdentity.word_index_off).
  bool index_words = true;
  // Tests only: the Env RocksDB does its file I/O through, e.g. one that
  // simulates a power cut (storage/power_cut_file_system.h). Not owned; must
  // outlive the store. Null means RocksDB's default Env.
  rocksdb::Env* env = nullptr;
};

// An iterator over the keys of one column family in [lower, upper).
// Counts the entries it visits, which query plans report.
class KeyScan {
 public:
  // Positioned at the first key >= lower. An empty `upper` means no bound.
  KeyScan(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* handle,
          std::string lower, std::string upper);
  KeyScan(const KeyScan&) = delete;
  KeyScan& operator=(const KeyScan&) = delete;

  bool Valid() const { return it_->Valid(); }
  void Next() {
    it_->Next();
    ++examined_;
  }
  // Positions at the first key >= target (and >= lower).
  void Seek(absl::string_view target);
  // Positions at the first key > `last` (and >= lower): where a page that
  // ended at `last` goes on.
  void SeekPast(absl::string_view last) {
    Seek(last);
    if (Valid() && key() == last) Next();
  }
  absl::string_view key() const;
  absl::string_view value() const;
  // Status of the scan; check once Valid() is false.
  absl::Status status() const;
  // Number of entries visited so far.
  int64_t examined() const { return examined_; }

 private:
  std::string lower_;
  std::string upper_;
  // The iterator refers to this slice of upper_, so both are declared first.
  rocksdb::Slice upper_slice_;
  std::unique_ptr<rocksdb::Iterator> it_;
  int64_t examined_ = 0;
};

// What a store reports for monitoring: RocksDB's properties and statistics,
// per column family where RocksDB keeps them so.
struct StoreStats {
  struct Family {
    const char* name = "";
    uint64_t sst_bytes = 0;
    uint64_t level0_files = 0;
    uint64_t pending_compaction_bytes = 0;
    uint64_t memtable_bytes = 0;
    // The active memtable and the immutable ones not yet flushed; every
    // point read and every scan looks at each of them.
    uint64_t memtables = 0;
  };
  std::vector<Family> families;
  uint64_t block_cache_usage_bytes = 0;
  // Block cache lookups of one kind of table block.
  struct BlockCacheLookups {
    uint64_t hits = 0;
    // Each read from the table file, unless a readahead buffer held the
    // block already. Reads that bypass the cache (compaction, ScanCommits)
    // count as misses and insert nothing.
    uint64_t misses = 0;
    // What the inserted blocks are charged to the cache: their size
    // uncompressed.
    uint64_t inserted_bytes = 0;
  };
  // The counters below count since the store was opened; they stay zero
  // without StoreOptions::collect_statistics.
  BlockCacheLookups data_blocks;
  BlockCacheLookups index_blocks;
  BlockCacheLookups filter_blocks;
  // Every read of a table file and the bytes it returned: blocks that missed
  // the cache, readahead buffers of scans, what opening a file reads (its
  // footer and metadata; the query service opens the writer's new files as
  // it follows), and in the writer compaction's inputs.
  uint64_t table_reads = 0;
  uint64_t table_read_bytes = 0;
  uint64_t write_stall_micros = 0;
  uint64_t running_compactions = 0;
  // Writes are stopped (too many level-0 files or memtables, or too much
  // pending compaction), or slowed to delayed_write_rate bytes/s (0: not).
  bool writes_stopped = false;
  uint64_t delayed_write_rate = 0;
};

class Store {
 public:
  // Opens the database at `path` as the primary, creating it (and any missing
  // column family) if needed, and upgrading a store of an older schema
  // version. Returns FAILED_PRECONDITION if the store has a newer one, and
  // the RocksDB error (e.g. UNAVAILABLE when another process holds the lock)
  // otherwise.
  static absl::StatusOr<std::unique_ptr<Store>> OpenPrimary(
      const std::string& path, const StoreOptions& options);

  // Opens the database at `path` as a read-only secondary. `secondary_path`
  // is a directory of its own for the secondary's info log. Returns
  // UNAVAILABLE if the primary has not created the store yet. A store of an
  // older schema version is accepted: its primary upgrades it when it opens
  // it, and the secondary reads the upgrade as it catches up (until then, on
  // a version 1 store, ListEntities and the lookups by external id miss the
  // entities written before it).
  static absl::StatusOr<std::unique_ptr<Store>> OpenSecondary(
      const std::string& path, const std::string& secondary_path,
      const StoreOptions& options);

  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // A new store's identity: this schema version, a random store id and
  // page-token secret, the current time.
  // `index_words`: StoreOptions::index_words.
  static absl::StatusOr<StoreIdentity> NewIdentity(bool index_words = true);

  // Deletes the store at `path` (every file RocksDB made there). OK if there
  // is none. REQUIRES: no Store has it open.
  static absl::Status Destroy(const std::string& path);

  bool is_primary() const { return primary_; }
  // False for a store opened without create_identity that has none yet.
  bool initialized() const { return identity_.store_id() != 0; }
  const StoreIdentity& identity() const { return identity_; }
  // Whether facts' words are indexed (StoreOptions::index_words when the
  // store was created or upgraded).
  // A secondary sees a change of it as it catches up.
  bool indexes_words() const {
    return !word_index_off_.load(std::memory_order_relaxed);
  }
  uint32_t store_id() const { return identity_.store_id(); }
  const std::string& path() const { return path_; }

  // Secondary only: makes the primary's writes so far visible.
  // FAILED_PRECONDITION once the primary has upgraded the store to a schema
  // version newer than this build's (the writes are visible to RocksDB
  // reads, but the caller should not take them).
  absl::Status CatchUp();

  // The head record: last commit and counts. An empty store has commit 0.
  absl::StatusOr<StoreHead> ReadHead() const;

  // Point reads. Each returns NOT_FOUND if the key is absent and DATA_LOSS if
  // the stored record does not parse.
  absl::StatusOr<EntityRecord> ReadEntity(absl::string_view entity_id) const;
  absl::StatusOr<FactRecord> ReadFact(absl::string_view fact_id) const;
  // The same, the record made on `arena` (which owns it): a read that builds
  // its answer on the same arena moves the record's parts into it instead of
  // copying them, and a commit group frees all it read at once.
  // REQUIRES: `arena` is not null.
  absl::StatusOr<EntityRecord*> ReadEntity(
      absl::string_view entity_id, google::protobuf::Arena* arena) const;
  absl::StatusOr<FactRecord*> ReadFact(absl::string_view fact_id,
                                       google::protobuf::Arena* arena) const;
  absl::StatusOr<PredicateRecord> ReadPredicate(absl::string_view name) const;
  absl::StatusOr<TombstoneRecord> ReadTombstone(
      absl::string_view entity_id) const;
  absl::StatusOr<RequestRecord> ReadRequest(absl::string_view request_id) const;
  absl::StatusOr<CommitRecord> ReadCommit(uint64_t commit) const;
  // Calls `visit` with the record of each commit first..last that has one (a
  // commit may have none), in order, until it returns false: one sequential
  // scan that leaves the block cache as it was (for the change feeds, which
  // read far back).
  absl::Status ScanCommits(
      uint64_t first, uint64_t last,
      const std::function<bool(const CommitRecord&)>& visit) const;
  // Replicated mode: where the store is in its commit log; NOT_FOUND if it
  // has applied no log entry.
  absl::StatusOr<LogPosition> ReadLogPosition() const;
  // True if no column family holds a key.
  absl::StatusOr<bool> IsEmpty() const;

  // Whether `cf` holds `key` (OK true or false, or the read's error). For
  // families with bloom filters (see store.cc) an absent key usually costs
  // no table read.
  absl::StatusOr<bool> HasKey(ColumnFamily cf, absl::string_view key) const;

  // The word posting at `key` (key_codec.h WordPostingKey); an empty one if
  // there is none.
  absl::StatusOr<WordPosting> ReadWordPosting(absl::string_view key) const;

  // Reads many facts at once (RocksDB MultiGet); one result per id, in
  // order, each record made on `arena` (which owns it; see ReadFact).
  // REQUIRES: `arena` is not null.
  std::vector<absl::StatusOr<FactRecord*>> ReadFacts(
      const std::vector<std::string>& fact_ids,
      google::protobuf::Arena* arena) const;
  // Reads many entities at once (RocksDB MultiGet); one result per id, in
  // order, each record made on `arena` (which owns it; see ReadEntity).
  // REQUIRES: `arena` is not null.
  std::vector<absl::StatusOr<EntityRecord*>> ReadEntities(
      const std::vector<std::string>& entity_ids,
      google::protobuf::Arena* arena) const;
  // Reads many entities' records at once (RocksDB MultiGet), left serialized
  // for readers that decode only part of one (record_views.h DocumentAsOf):
  // one result per id, in order, NOT_FOUND for an absent one.
  std::vector<absl::StatusOr<std::string>> ReadEntityValues(
      const std::vector<std::string>& entity_ids) const;

  // Scans keys of `cf` in [lower, upper); an empty `upper` means no bound.
  std::unique_ptr<KeyScan> Scan(ColumnFamily cf, std::string lower,
                                std::string upper) const;
  // Scans every key of `cf` starting with `prefix`.
  std::unique_ptr<KeyScan> ScanPrefix(ColumnFamily cf,
                                      const std::string& prefix) const;
  // RocksDB's estimate of the bytes the keys of `cf` starting with `prefix`
  // take, memtables included: cheap, and only good for choosing an order of
  // work (it changes with flushes and compactions).
  uint64_t ApproximatePrefixBytes(ColumnFamily cf,
                                  const std::string& prefix) const;

  // Primary only: applies `batch` atomically. With `sync`, the WAL is fsynced
  // before returning (survives power loss); otherwise the write survives a
  // process crash but may be lost with the machine.
  absl::Status Write(CommitBatch& batch, bool sync);

  // Primary only: applies a RocksDB write batch made by another store of
  // schema `writer_schema_version` (a commit-log entry; 0 for writers that
  // did not say, all before version 4), adding to it, to be written
  // atomically: `position` (if not null), and for a writer before
  // kFirstCompleteLogSchemaVersion the index entries it left out
  // (CompleteOlderWritersBatch). The batch's column family ids must mean
  // what they mean here: see HasCanonicalColumnFamilyIds.
  // REQUIRES: the batch deletes ranges only in families that
  // TakesRangeDeletions (the caller checks; replication's applier does).
  absl::Status Apply(rocksdb::WriteBatch* batch, const LogPosition* position,
                     bool sync, uint32_t writer_schema_version);

  // True if every column family's RocksDB id is its ColumnFamily value, as
  // in every store that created all its families at once. Write batches
  // (which name families by id) can then move between stores.
  bool HasCanonicalColumnFamilyIds() const;

  // Primary only: flushes the memtables and compacts every column family
  // down to its last level, so that deleted keys and values are gone from
  // the table files, and the write-ahead log files that held them are
  // released. Costs a rewrite of the whole store: for erasure.
  absl::Status CompactAll();

  // Stops CompactAll calls running now (they return an error) and refuses
  // new ones: for a process shutting down.
  void CancelCompactions();

  // For metrics; cheap (RocksDB keeps these figures up to date).
  StoreStats Stats() const;

  // RocksDB internals for tools.
  rocksdb::DB* db() const { return db_.get(); }
  rocksdb::ColumnFamilyHandle* handle(ColumnFamily cf) const {
    return handles_[static_cast<size_t>(cf)];
  }
  // Null unless StoreOptions::collect_statistics.
  rocksdb::Statistics* statistics() const { return statistics_.get(); }

 private:
  Store(bool primary, std::string path);

  absl::Status OpenDb(const StoreOptions& options,
                      const std::string& secondary_path);
  // Reads the identity record, creating it in a new primary store and
  // upgrading an older one.
  absl::Status LoadIdentity();
  // Writes the kNames entries by type and external id of every revision of
  // every entity (from version 1), and the word postings of every fact (from
  // versions before 5, or a store without them) when StoreOptions::
  // index_words asks for them, or deletes them all when it does not, then
  // the current version and word index setting into the identity. An upgrade
  // cut short is done again at the next open: the entries are plain puts and
  // the version is written last. REQUIRES: primary.
  absl::Status UpgradeSchema();
  // Part of UpgradeSchema: writes the word postings of every stored fact,
  // adding to `batch` and calling `write_batch` to write (and clear) it when
  // it is big and at the end. REQUIRES: no word index entries stored.
  absl::Status BuildWordIndex(rocksdb::WriteBatch* batch,
                              const std::function<absl::Status()>& write_batch);
  // Adds to a batch of an older writer the kNames entries it lacks: by type
  // and external id for the entities it puts (put) or deletes (deleted, as
  // stored before the batch), and the word postings of the facts it puts or
  // deletes (the fact leaves the stored version's postings the new one lacks
  // and joins the new one's; a version 4 writer's word entries are deleted).
  // A store without an identity yet (loading a snapshot) gets no postings:
  // it builds them all when it is opened again.
  absl::Status CompleteOlderWritersBatch(rocksdb::WriteBatch* batch);
  // Whether the store is to keep the word index: as the options say for a
  // store of its own, as its commit log's identity says for a replica.
  bool KeepsWords() const;
  // True when the word index is not what KeepsWords() wants (a store of
  // schema version 4): kept but off or of another kWordIndexVersion, or not
  // kept but with entries (left by a build cut short).
  absl::StatusOr<bool> WordIndexNeedsWork() const;
  // Reads the value at `key` in `cf` (NOT_FOUND if absent), pinned where
  // RocksDB can pin it instead of copying it.
  absl::Status GetPinned(ColumnFamily cf, absl::string_view key,
                         rocksdb::PinnableSlice* value) const;
  absl::Status GetValue(ColumnFamily cf, absl::string_view key,
                        std::string* value) const;
  template <typename Record>
  absl::StatusOr<Record> ReadRecord(ColumnFamily cf,
                                    absl::string_view key) const;
  // ReadRecord for a record made on `arena`, which owns it.
  template <typename Record>
  absl::StatusOr<Record*> ReadRecordOn(ColumnFamily cf, absl::string_view key,
                                       google::protobuf::Arena* arena) const;
  // Reads the values of `keys` in `cf` at once (RocksDB MultiGet) and returns
  // one result per key, in order: what `decode` makes of the value, or the
  // read's error (NOT_FOUND for an absent key).
  template <typename Result, typename Decode>
  std::vector<absl::StatusOr<Result>> MultiRead(
      ColumnFamily cf, const std::vector<std::string>& keys,
      Decode decode) const;

  // Constant after construction.
  const bool primary_;
  const std::string path_;
  bool create_identity_ = true;
  bool index_words_option_ = true;
  // identity_.word_index_off(), which a secondary's CatchUp updates while
  // readers ask indexes_words().
  std::atomic<bool> word_index_off_{false};
  StoreIdentity identity_;
  std::shared_ptr<rocksdb::Statistics> statistics_;
  std::unique_ptr<rocksdb::DB> db_;
  std::array<rocksdb::ColumnFamilyHandle*, kColumnFamilyCount> handles_{};
};

// Converts a RocksDB status into the absl::Status with the closest code, its
// message prefixed by `context`. I/O errors map by kind: the store's lock
// held by another process -> UNAVAILABLE (retry later), no space left ->
// RESOURCE_EXHAUSTED (retrying will not help until room is made), any other
// -> INTERNAL; busy / try again / timed out -> UNAVAILABLE.
absl::Status FromRocksStatus(const rocksdb::Status& status,
                             absl::string_view context);

}  // namespace factstore::storage

#endif  // FACTSTORE_STORAGE_STORE_H_
