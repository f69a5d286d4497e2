// DocumentCache: the query service's cache of documents' records, so that
// pages of facts whose mentions cite the same documents do not read each
// document from RocksDB again for every page (MentionDocuments uses it).
//
//   uint64_t epoch = cache.epoch();          // after choosing the commit
//   if (auto hit = cache.Find(id, epoch)) ...  // else read, then:
//   cache.Insert(id, epoch, record_or_nullopt);
//
// What keeps it exact: the ingest service moves
// StoreHead.documents_changed_commit with every commit that writes the record
// of an entity that is or was a document. A view's epoch is that commit + 1
// (EpochOf). An entry keeps the epoch of the read that filled it, and serves
// only reads of the same epoch or an older one; a read of a later epoch
// finds it missing, reads the record again and replaces it. The follower sets
// a view's epoch before the view becomes visible (SetEpoch), and a read takes
// epoch() after its commit, so a read's epoch is never older than its
// commit's. A record read after epoch() may be newer than the read's view:
// revisions are only ever appended, each with its commit, so a read as of an
// earlier commit picks the same revision from it as from the record of its
// view, and a deleted (erased) record reads as absent either way.
//
// Stores whose last writer did not keep the field (an earlier build) have
// epoch kUncached: nothing is found or kept then.
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
#include "rocksdb/cache.h"
#include "storage/records.pb.h"

namespace factstore::query {

class DocumentCache {
 public:
  // The epoch of views whose documents_changed_commit cannot be relied on.
  static constexpr uint64_t kUncached = 0;

  // What a read found for one document id.
  struct Entry {
    // The epoch of the read that found it.
    uint64_t epoch = kUncached;
    // The serialized EntityRecord; nullopt when the document did not exist.
    std::optional<std::string> record;
  };

  // `capacity_bytes` 0 keeps nothing.
  explicit DocumentCache(size_t capacity_bytes);

  // The epoch of reads of a view with `head`: documents_changed_commit + 1
  // when the writer of its last commit kept that field, else kUncached.
  static uint64_t EpochOf(const storage::StoreHead& head);

  // The follower: the epoch of the view about to become visible.
  void SetEpoch(uint64_t epoch) { epoch_.store(epoch); }
  // The epoch for a read: take it after the read's commit is chosen.
  uint64_t epoch() const { return epoch_.load(); }

  // The entry for `document_id` if one of epoch >= `epoch` is kept; null
  // otherwise, and always for kUncached.
  std::shared_ptr<const Entry> Find(absl::string_view document_id,
                                    uint64_t epoch) const;
  // Keeps what a read of `epoch` found (nothing for kUncached).
  void Insert(absl::string_view document_id, uint64_t epoch,
              std::optional<std::string> record);

  // Bytes kept; Find calls that found an entry, and that did not (kUncached
  // reads count as neither): for metrics and tests.
  size_t usage_bytes() const;
  uint64_t hits() const { return hits_.load(std::memory_order_relaxed); }
  uint64_t misses() const { return misses_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> epoch_{kUncached};
  mutable std::atomic<uint64_t> hits_{0};
  mutable std::atomic<uint64_t> misses_{0};
  // Values are heap std::shared_ptr<const Entry>, so that a found entry
  // outlives its eviction.
  std::shared_ptr<rocksdb::Cache> entries_;
};

}  // namespace factstore::query

#endif  // FACTSTORE_QUERY_SERVICE_DOCUMENT_CACHE_H_
