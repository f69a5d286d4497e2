// CommitBatch: the writes of one commit, built up and then applied as one
// atomic RocksDB write batch by Store::Write.
//
// CommitBatch owns the mapping from records to index entries: putting a fact
// writes its record and every index entry derived from it, and removes the
// entries its previous version had that the new one does not. Callers never
// touch index keys themselves.
//
//   CommitBatch batch(store);
//   FS_RETURN_IF_ERROR(batch.PutFact(nullptr, new_fact));
//   batch.PutCommitRecord(commit_record);
//   batch.PutHead(head);
//   FS_RETURN_IF_ERROR(store.Write(batch, sync));
//
// The operations are kept aside and handed to RocksDB sorted by column family
// and key (Seal), so that RocksDB inserts each family's keys into its
// memtable in ascending order: its skip list then starts each search where
// the previous insert ended instead of from the top. Operations on the same
// key keep their order, so the last one wins as it would unsorted.
//
// Not thread-safe; one batch belongs to one committer.
#ifndef FACTSTORE_STORAGE_COMMIT_BATCH_H_
#define FACTSTORE_STORAGE_COMMIT_BATCH_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "rocksdb/write_batch.h"
#include "storage/column_families.h"
#include "storage/records.pb.h"
#include "storage/store.h"
#include "storage/word_postings.h"

namespace factstore::storage {

// One key of an index column family.
struct IndexEntry {
  ColumnFamily family;
  std::string key;
  bool operator==(const IndexEntry& other) const {
    return family == other.family && key == other.key;
  }
};

// Every index entry of a fact but its word postings (word_postings.h),
// sorted by family and key: subject, predicate-value, references (object,
// qualifier entities, mention documents and speakers) and valid time.
// Returns INVALID_ARGUMENT if the record's content is not normalized.
absl::Status FactIndexEntries(const FactRecord& record,
                              std::vector<IndexEntry>* entries);

// The kNames entries that list `entity` by its type and by each of its
// external ids (key_codec.h).
std::vector<std::string> EntityLookupKeys(const v1::Entity& entity);

class CommitBatch {
 public:
  // `commit`: the commit the batch writes (its facts' new word postings are
  // then known to be new, and not read); 0 for a batch of no one commit,
  // whose postings are all read before they are changed.
  explicit CommitBatch(const Store& store, uint64_t commit = 0);
  CommitBatch(const CommitBatch&) = delete;
  CommitBatch& operator=(const CommitBatch&) = delete;

  // Writes an entity record and the name, type and external-id keys of its
  // newest revision. Keys of older revisions stay, so time-travel reads
  // still find them.
  // REQUIRES: now.revisions() is not empty.
  void PutEntity(const EntityRecord& now);
  // Deletes an entity record and the name, type and external-id keys of all
  // its revisions.
  void DeleteEntity(const EntityRecord& record);

  // Writes a fact record and its index entries; `before` is the stored
  // version (null for a new fact), whose entries not derived from `now` are
  // deleted. With the store's word index, the fact joins and leaves word
  // postings (word_postings.h), which may read postings of older commits.
  // Calls for one fact take effect in order when each one's `before` is what
  // the previous one left (the stored record for the first).
  absl::Status PutFact(const FactRecord* before, const FactRecord& now);
  // Deletes a fact record and its index entries.
  absl::Status DeleteFact(const FactRecord& record);
  // Texts whose words PutFact and DeleteFact take from `cut` instead of
  // cutting them (null: none). REQUIRES: `cut` and what it points to outlive
  // those calls.
  void UseCutTexts(const CutTexts* cut) { cut_texts_ = cut; }

  void PutPredicate(absl::string_view name, const PredicateRecord& record);
  void PutTombstone(absl::string_view entity_id, const TombstoneRecord& record);
  void PutRequest(absl::string_view request_id, const RequestRecord& record);
  // Forgets a request id (it expired).
  void DeleteRequest(absl::string_view request_id);
  // Writes a commit-log record: the current commit's, or an older one
  // rewritten by an erasure.
  void PutCommitRecord(const CommitRecord& record);
  void PutHead(const StoreHead& head);

  // Number of RocksDB operations in the batch.
  int operation_count() const { return static_cast<int>(operations_.size()); }
  // Bytes of keys and values in the batch.
  size_t byte_size() const { return data_.size(); }

  // The RocksDB write batch of every operation so far, sorted by column
  // family and key. Nothing may be added afterwards.
  rocksdb::WriteBatch* Seal();

 private:
  struct Operation {
    ColumnFamily family;
    bool is_delete;
    // Offsets into data_ (which grows, so no pointers).
    size_t key_offset;
    size_t key_size;
    size_t value_offset;
    size_t value_size;
  };

  // The word postings' part of PutFact.
  absl::Status EditWordPostings(const FactRecord* before,
                                const FactRecord& now);
  void Put(ColumnFamily cf, absl::string_view key, absl::string_view value);
  void Delete(ColumnFamily cf, absl::string_view key);
  void CheckNotSealed() const;

  const Store& store_;
  WordPostingEdits word_postings_;
  const CutTexts* cut_texts_ = nullptr;
  std::vector<Operation> operations_;
  std::string data_;  // the keys and values of operations_, back to back
  rocksdb::WriteBatch batch_;
  bool sealed_ = false;
  std::string scratch_;
};

}  // namespace factstore::storage

#endif  // FACTSTORE_STORAGE_COMMIT_BATCH_H_
