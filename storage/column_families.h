// The column families of a factstore database.
//
// Each family has a fixed numeric id and name. The names are what RocksDB
// stores on disk, so neither ids nor names may ever be renumbered or renamed;
// new families are added at the end. storage/key_codec.h documents the key
// layout of each.
#ifndef FACTSTORE_STORAGE_COLUMN_FAMILIES_H_
#define FACTSTORE_STORAGE_COLUMN_FAMILIES_H_

#include <array>
#include <cstdint>

namespace factstore::storage {

enum class ColumnFamily : uint8_t {
  // Store identity, schema version and the head record (last commit, counts).
  // RocksDB's "default" family.
  kMeta = 0,
  // Entity id -> EntityRecord (every revision of the entity).
  kEntities = 1,
  // Folded name or word suffix + entity id -> display name (SearchEntities and
  // name resolution).
  kNames = 2,
  // Fact id -> FactRecord (content, revisions, mentions).
  kFacts = 3,
  // Subject + predicate + fact id (facts about an entity).
  kSubjectIndex = 4,
  // Predicate + typed sortable value + fact id (predicate scans and
  // quantity ranges).
  kPredicateIndex = 5,
  // Referenced entity + role + fact id (objects, qualifiers, source
  // documents, attributions).
  kReferenceIndex = 6,
  // Valid-time start + end + fact id.
  kValidTimeIndex = 7,
  // Predicate name -> PredicateRecord (the registry).
  kPredicates = 8,
  // Commit sequence -> CommitRecord (what each commit changed).
  kCommitLog = 9,
  // Entity id -> TombstoneRecord (erasures).
  kTombstones = 10,
  // Request id -> RequestRecord (idempotent retries).
  kRequests = 11,
};

inline constexpr int kColumnFamilyCount = 12;

// Every family, in id order.
inline constexpr std::array<ColumnFamily, kColumnFamilyCount>
    kAllColumnFamilies = {
        ColumnFamily::kMeta,           ColumnFamily::kEntities,
        ColumnFamily::kNames,          ColumnFamily::kFacts,
        ColumnFamily::kSubjectIndex,   ColumnFamily::kPredicateIndex,
        ColumnFamily::kReferenceIndex, ColumnFamily::kValidTimeIndex,
        ColumnFamily::kPredicates,     ColumnFamily::kCommitLog,
        ColumnFamily::kTombstones,     ColumnFamily::kRequests,
};

// Whether range deletions (rocksdb::WriteBatch::DeleteRange) are ever
// written to `cf`: only the names family's, when an upgrade clears the word
// index or its sort keys. No other family may take one (storage/store.cc
// FamilyOptions says why): the store's own range deletions are checked
// against this, and the replicated log's applier refuses a logged batch with
// one elsewhere before it reaches Store::Apply.
inline constexpr bool TakesRangeDeletions(ColumnFamily cf) {
  return cf == ColumnFamily::kNames;
}

// The on-disk name of a family.
inline const char* ColumnFamilyName(ColumnFamily cf) {
  switch (cf) {
    case ColumnFamily::kMeta:
      return "default";
    case ColumnFamily::kEntities:
      return "entities";
    case ColumnFamily::kNames:
      return "names";
    case ColumnFamily::kFacts:
      return "facts";
    case ColumnFamily::kSubjectIndex:
      return "index_subject";
    case ColumnFamily::kPredicateIndex:
      return "index_predicate_value";
    case ColumnFamily::kReferenceIndex:
      return "index_reference";
    case ColumnFamily::kValidTimeIndex:
      return "index_valid_time";
    case ColumnFamily::kPredicates:
      return "predicates";
    case ColumnFamily::kCommitLog:
      return "commit_log";
    case ColumnFamily::kTombstones:
      return "tombstones";
    case ColumnFamily::kRequests:
      return "requests";
  }
  return "unknown";
}

}  // namespace factstore::storage

#endif  // FACTSTORE_STORAGE_COLUMN_FAMILIES_H_
