// CommitContext: the state of one group commit while the committer applies
// its write operations.
//
// Reads see the store plus everything earlier operations of the group wrote;
// writes go to an in-memory overlay. At the end, Finalize turns the overlay
// into one CommitBatch: each touched record is written once, with index
// entries computed from its stored and its final version, plus the commit-log
// record and the head. Save points let one operation be undone without
// disturbing the others (all_or_nothing, validate_only).
//
// Used by the committer thread only (which may hand it to another thread to
// be destroyed once the group is answered); not thread-safe.
#ifndef FACTSTORE_INGEST_SERVICE_COMMIT_CONTEXT_H_
#define FACTSTORE_INGEST_SERVICE_COMMIT_CONTEXT_H_

#include <algorithm>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/node_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/arena.h"
#include "storage/commit_batch.h"
#include "storage/records.pb.h"
#include "storage/store.h"
#include "storage/word_postings.h"

namespace factstore::ingest {

// The stored and pending versions of the records of one column family,
// keyed by id, all made on the arena of the commit group (CommitContext),
// which frees them at once when the context is destroyed. A pending null means
// "deleted in this group". Records are never changed once they are in the
// table: a change puts a new version (New, fill it, Put), so the pointers
// Get returns stay valid, unchanged, for the life of the arena, and undoing
// a change only puts the previous pointer back.
template <typename Record>
class RecordTable {
 public:
  // Reads the stored record of a key onto the arena (which owns it);
  // NOT_FOUND if the store has none.
  using Loader = std::function<absl::StatusOr<Record*>(
      const std::string&, google::protobuf::Arena*)>;
  // Reads the stored records of several keys at once, each as Loader would,
  // in the order of the keys.
  using BatchLoader = std::function<std::vector<absl::StatusOr<Record*>>(
      const std::vector<std::string>&, google::protobuf::Arena*)>;
  // REQUIRES: `arena` outlives the table.
  RecordTable(google::protobuf::Arena* arena, Loader loader,
              BatchLoader batch_loader = nullptr)
      : arena_(arena),
        loader_(std::move(loader)),
        batch_loader_(std::move(batch_loader)) {}

  // Reads, all at once, the stored records of those `keys` the table has
  // not read yet, so that Get and Original need no read of their own for
  // them: one MultiGet instead of a point read each. A key whose read fails
  // stays unread, and its Get reads it again and reports the error. Without
  // a batch loader, does nothing.
  void Prefetch(std::vector<std::string> keys) {
    if (!batch_loader_) return;
    keys.erase(std::remove_if(keys.begin(), keys.end(),
                              [this](const std::string& key) {
                                return stored_.contains(key);
                              }),
               keys.end());
    std::sort(keys.begin(), keys.end());
    keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
    if (keys.empty()) return;
    std::vector<absl::StatusOr<Record*>> loaded = batch_loader_(keys, arena_);
    for (size_t i = 0; i < keys.size() && i < loaded.size(); ++i) {
      if (loaded[i].ok()) {
        stored_.emplace(std::move(keys[i]), *loaded[i]);
      } else if (absl::IsNotFound(loaded[i].status())) {
        stored_.emplace(std::move(keys[i]), nullptr);
      }
    }
  }

  // The current version of `key`, or null if it does not exist.
  absl::StatusOr<const Record*> Get(const std::string& key) {
    if (auto it = pending_.find(key); it != pending_.end()) return it->second;
    return Stored(key);
  }

  // An empty record on the table's arena, to fill and Put.
  Record* New() {
    return google::protobuf::Arena::CreateMessage<Record>(arena_);
  }

  // Makes `record` the current version of `key`.
  // REQUIRES: `record` came from New(); it is not changed afterwards.
  void Put(const std::string& key, const Record* record) {
    Remember(key);
    pending_[key] = record;
  }
  // The same for a record built elsewhere (copied onto the arena).
  void Put(const std::string& key, Record record) {
    Record* kept = New();
    *kept = std::move(record);
    Put(key, static_cast<const Record*>(kept));
  }

  void Delete(const std::string& key) {
    Remember(key);
    pending_[key] = nullptr;
  }

  // The version in the store before this group, or null.
  absl::StatusOr<const Record*> Original(const std::string& key) {
    return Stored(key);
  }

  // Whether this group has read or written `key` (Get, Put, Delete or
  // Original), so that the table, not the store, has its current version.
  bool Holds(const std::string& key) const {
    return pending_.contains(key) || stored_.contains(key);
  }

  size_t pending_count() const { return pending_.size(); }
  // The keys this group put (their version) or deleted (null).
  const absl::flat_hash_map<std::string, const Record*>& pending() const {
    return pending_;
  }

  // Undo support: Mark() returns a position; RollbackTo() restores the
  // pending state of that moment; ForgetUndo() forgets the undo history.
  size_t Mark() const { return undo_.size(); }
  void RollbackTo(size_t mark) {
    while (undo_.size() > mark) {
      auto& [key, previous] = undo_.back();
      if (previous.has_value()) {
        pending_[key] = *previous;
      } else {
        pending_.erase(key);
      }
      undo_.pop_back();
    }
  }
  void ForgetUndo() { undo_.clear(); }

 private:
  absl::StatusOr<const Record*> Stored(const std::string& key) {
    auto it = stored_.find(key);
    if (it == stored_.end()) {
      absl::StatusOr<Record*> loaded = loader_(key, arena_);
      if (loaded.ok()) {
        it = stored_.emplace(key, *loaded).first;
      } else if (absl::IsNotFound(loaded.status())) {
        it = stored_.emplace(key, nullptr).first;
      } else {
        return loaded.status();
      }
    }
    return it->second;
  }

  void Remember(const std::string& key) {
    auto it = pending_.find(key);
    if (it == pending_.end()) {
      undo_.emplace_back(key, std::nullopt);
    } else {
      undo_.emplace_back(key, it->second);
    }
  }

  google::protobuf::Arena* const arena_;
  Loader loader_;
  BatchLoader batch_loader_;
  // What the store held (null: absent), read on first use.
  absl::flat_hash_map<std::string, const Record*> stored_;
  absl::flat_hash_map<std::string, const Record*> pending_;
  // (key, pending entry before the change; nullopt: there was none).
  std::vector<std::pair<std::string, std::optional<const Record*>>> undo_;
};

class CommitContext {
 public:
  // `head` is the state after the previous commit; this group's commit is
  // head.last_commit() + 1, made at `time_micros` or, if the clock is behind
  // it, at the previous commit's time: commit times never decrease.
  CommitContext(const storage::Store& store, const storage::StoreHead& head,
                int64_t time_micros);
  CommitContext(const CommitContext&) = delete;
  CommitContext& operator=(const CommitContext&) = delete;

  // The commit this group writes (if it writes anything).
  uint64_t commit() const { return commit_; }
  int64_t time_micros() const { return time_micros_; }
  uint32_t store_id() const { return store_.store_id(); }
  const storage::Store& store() const { return store_; }

  RecordTable<storage::EntityRecord>& entities() { return entities_; }
  RecordTable<storage::FactRecord>& facts() { return facts_; }
  RecordTable<storage::PredicateRecord>& predicates() { return predicates_; }
  RecordTable<storage::TombstoneRecord>& tombstones() { return tombstones_; }
  RecordTable<storage::RequestRecord>& requests() { return requests_; }
  RecordTable<storage::CommitRecord>& commit_log() { return commit_log_; }

  // Counts and limits of the store as of this group.
  storage::StoreHead& head() { return head_; }

  // Records a change for the commit log and the change feed.
  void AddChange(storage::Change change) {
    changes_.push_back(std::move(change));
  }

  // Ids of facts this group asserted under a subject-index prefix (subject,
  // predicate and valid time: storage::SubjectPredicateTimePrefix). Some may
  // have been rolled back since; look them up in facts().
  std::vector<std::string>& NewFactIds(const std::string& subject_time_prefix) {
    return new_facts_[subject_time_prefix];
  }

  // A scan of the subject index, shared by the group's cardinality checks:
  // one RocksDB iterator per group rather than one per fact, each of which
  // costs microseconds to make. It reads the store as it was at its first
  // use; the group itself writes nothing before Finalize, which drops it.
  // (In replicated mode another writer's commits may reach the store while
  // the group is built, as they may between the point reads of its checks;
  // the log's append then refuses the group, which is built again on a new
  // CommitContext.) It has no upper bound: a caller seeks to its prefix and
  // stops where the keys leave it. REQUIRES: Finalize has not been called.
  storage::KeyScan& SubjectIndexScan();

  // Texts of the group's facts whose words were cut while they were
  // prepared (storage/word_postings.h), handed to the batch by Finalize.
  // REQUIRES: what the entries point to outlives Finalize.
  storage::CutTexts& cut_texts() { return cut_texts_; }

  // Save points nest like a stack: every SetSavePoint is ended by exactly
  // one RollbackToSavePoint or ReleaseSavePoint.
  void SetSavePoint();
  void RollbackToSavePoint();
  void ReleaseSavePoint();

  // True if the group has anything to write.
  bool HasWrites() const;

  // Builds the group's write batch: every touched record, its index entries,
  // the commit-log record and the head (head() then reports commit()).
  // REQUIRES: HasWrites(); no open save point; called once.
  absl::Status Finalize(storage::CommitBatch* batch);

 private:
  struct SavePoint {
    size_t entities, facts, predicates, tombstones, requests, commit_log;
    size_t changes;
    storage::StoreHead head;
  };

  const storage::Store& store_;
  // Owns every record of the tables below; declared before them, so that it
  // outlives them.
  google::protobuf::Arena arena_;
  storage::StoreHead head_;
  const uint64_t commit_;
  const int64_t time_micros_;
  RecordTable<storage::EntityRecord> entities_;
  RecordTable<storage::FactRecord> facts_;
  RecordTable<storage::PredicateRecord> predicates_;
  RecordTable<storage::TombstoneRecord> tombstones_;
  RecordTable<storage::RequestRecord> requests_;
  RecordTable<storage::CommitRecord> commit_log_;
  std::vector<storage::Change> changes_;
  storage::CutTexts cut_texts_;
  std::vector<SavePoint> save_points_;
  absl::node_hash_map<std::string, std::vector<std::string>> new_facts_;
  std::unique_ptr<storage::KeyScan> subject_index_scan_;  // made on first use
};

}  // namespace factstore::ingest

#endif  // FACTSTORE_INGEST_SERVICE_COMMIT_CONTEXT_H_
