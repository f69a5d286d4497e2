// DocumentCache: the query service's cache of documents' records, so that
// pages of facts whose mentions cite the same documents do not read each
// document from RocksDB again for every page (MentionDocuments uses it).
//
//   uint64_t epoch = cache.epoch();          // after choosing the commit
//   if (auto hit = cache.Find(id, epoch)) ...  // else read; if found:
//   cache.Insert(id, DocumentCache::MakeEntry(epoch, record));
//
// What keeps it exact: the ingest service moves
// StoreHead.documents_changed_commit with every commit that changes the
// record of an entity that is or was a document, or deletes any entity's
// record (erasure). A view's epoch is that commit + 1. The follower gives
// each view's head to Follow before the view becomes visible, and a read
// takes epoch() after its commit, so a read's epoch is never older than its
// commit's. An entry keeps the epoch of the read that filled it and serves
// only reads of the same epoch or an older one: reads whose views hold no
// commit that moved the field since. A read of a later epoch finds it
// missing, reads the record again and replaces it.
//
// What the commits that do not move the field can do to a kept record:
// nothing, when they create records (only records a read found are kept,
// never an absence, so the record existed before them) or change entities
// that never were documents (which describe no document at any commit). And
// revisions are only ever appended, each with its commit, so a revision a
// commit adds that the serving read does not see yet leaves what the record
// says as of the read's commit as it was: the same as the live record, which
// an uncached read would decode. An erasure moves the field; a read whose
// view predates it may still be answered from an entry kept before, as it
// would have been a moment earlier.
//
// A store whose last writer did not keep the field (an earlier build) has
// epoch kUncached: nothing is found or kept then. When the follower moves to
// another history (another store, or one with fewer commits), epochs go on
// from above every epoch given out before.
//
// Entries live in a RocksDB LRU cache charged with their size. Thread-safe.
#ifndef FACTSTORE_QUERY_SERVICE_DOCUMENT_CACHE_H_
#define FACTSTORE_QUERY_SERVICE_DOCUMENT_CACHE_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "factstore/v1/types.pb.h"
#include "rocksdb/cache.h"
#include "storage/records.pb.h"

namespace factstore::query {

class DocumentCache {
 public:
  // The epoch of views whose documents_changed_commit cannot be relied on.
  static constexpr uint64_t kUncached = 0;

  // The record of one document as a read found it.
  struct Entry {
    // The epoch of the read that found it.
    uint64_t epoch = kUncached;
    // The serialized EntityRecord.
    std::string record;
    // storage::DocumentAsOf(record, as_of) for every as_of >= latest_from
    // (the highest commit of the record's revisions), decoded once when the
    // entry is made, so that reads of the latest commits need not decode
    // it; none if the record does not decode.
    std::optional<v1::DocumentMetadata> latest;
    uint64_t latest_from = 0;
  };

  // `capacity_bytes` 0 keeps nothing.
  explicit DocumentCache(size_t capacity_bytes);

  // The follower, for each view before it becomes visible: the store's id
  // and the view's head. Sets epoch(): documents_changed_commit + 1 (plus
  // an offset after a change of history) when the writer of the head's last
  // commit kept that field, else kUncached.
  // REQUIRES: calls are not concurrent.
  void Follow(uint32_t store_id, const storage::StoreHead& head);
  // The epoch for a read: take it after the read's commit is chosen.
  uint64_t epoch() const { return epoch_.load(); }

  // The entry for `document_id` if one of epoch >= `epoch` is kept; null
  // otherwise, and always for kUncached.
  std::shared_ptr<const Entry> Find(absl::string_view document_id,
                                    uint64_t epoch) const;
  // The entry of `record`, which a read of `epoch` found, its latest
  // document decoded.
  static std::shared_ptr<const Entry> MakeEntry(uint64_t epoch,
                                                std::string record);
  // Keeps `entry` (nothing if its epoch is kUncached).
  void Insert(absl::string_view document_id,
              std::shared_ptr<const Entry> entry);

  // Bytes kept; Find calls that found an entry, and that did not (kUncached
  // reads count as neither): for metrics and tests.
  size_t usage_bytes() const;
  uint64_t hits() const { return hits_.load(std::memory_order_relaxed); }
  uint64_t misses() const { return misses_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> epoch_{kUncached};
  // Follow's: the history followed, and the highest epoch given out.
  uint32_t followed_store_id_ = 0;
  uint64_t followed_commit_ = 0;
  uint64_t history_offset_ = 0;
  uint64_t highest_epoch_ = 0;
  mutable std::atomic<uint64_t> hits_{0};
  mutable std::atomic<uint64_t> misses_{0};
  // Values are heap std::shared_ptr<const Entry>, so that a found entry
  // outlives its eviction.
  std::shared_ptr<rocksdb::Cache> entries_;
};

}  // namespace factstore::query

#endif  // FACTSTORE_QUERY_SERVICE_DOCUMENT_CACHE_H_
