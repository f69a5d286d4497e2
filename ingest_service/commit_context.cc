#include "ingest_service/commit_context.h"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "common/status_macros.h"
#include "storage/key_codec.h"

namespace factstore::ingest {
namespace {

// A group of a few thousand facts makes some megabytes of records: blocks
// grow to 1 MiB instead of the default 8 KiB, so that there are few of them.
google::protobuf::ArenaOptions ArenaOptionsForGroup() {
  google::protobuf::ArenaOptions options;
  options.start_block_size = 16 << 10;
  options.max_block_size = 1 << 20;
  return options;
}

// A RecordTable loader from a read that returns the record by value, for the
// tables read a few times per group (not worth a read onto the arena): the
// record is copied onto the arena.
template <typename Record, typename Read>
typename RecordTable<Record>::Loader OntoArena(Read read) {
  return [read = std::move(read)](
             const std::string& key,
             google::protobuf::Arena* arena) -> absl::StatusOr<Record*> {
    absl::StatusOr<Record> record = read(key);
    if (!record.ok()) return record.status();
    Record* kept = google::protobuf::Arena::CreateMessage<Record>(arena);
    *kept = *std::move(record);
    return kept;
  };
}

// Whether any revision of `record` (null: none) is or describes a document:
// a write of it may change what mentions of it show.
bool IsOrWasDocument(const storage::EntityRecord* record) {
  if (record == nullptr) return false;
  for (const storage::EntityRevision& revision : record->revisions()) {
    if (revision.entity().type() == v1::ENTITY_TYPE_DOCUMENT ||
        revision.entity().has_document()) {
      return true;
    }
  }
  return false;
}

}  // namespace

CommitContext::CommitContext(const storage::Store& store,
                             const storage::StoreHead& head,
                             int64_t time_micros)
    : store_(store),
      arena_(ArenaOptionsForGroup()),
      head_(head),
      commit_(head.last_commit() + 1),
      // Time travel by time (read_target.h's CommitAtTime) searches the log
      // by commit time: a clock stepped back, or a new leader whose clock is
      // behind the old one's, must not make a commit older than the last.
      time_micros_(std::max(time_micros, head.last_commit_time_micros())),
      entities_(
          &arena_,
          [&store](const std::string& id, google::protobuf::Arena* arena) {
            return store.ReadEntity(id, arena);
          },
          [&store](const std::vector<std::string>& ids,
                   google::protobuf::Arena* arena) {
            return store.ReadEntities(ids, arena);
          }),
      facts_(
          &arena_,
          [&store](const std::string& id, google::protobuf::Arena* arena) {
            return store.ReadFact(id, arena);
          },
          [&store](const std::vector<std::string>& ids,
                   google::protobuf::Arena* arena) {
            return store.ReadFacts(ids, arena);
          }),
      predicates_(&arena_, OntoArena<storage::PredicateRecord>(
                               [&store](const std::string& name) {
                                 return store.ReadPredicate(name);
                               })),
      tombstones_(&arena_, OntoArena<storage::TombstoneRecord>(
                               [&store](const std::string& id) {
                                 return store.ReadTombstone(id);
                               })),
      requests_(&arena_, OntoArena<storage::RequestRecord>(
                             [&store](const std::string& id) {
                               return store.ReadRequest(id);
                             })),
      commit_log_(&arena_, OntoArena<storage::CommitRecord>(
                               [&store](const std::string& key)
                                   -> absl::StatusOr<storage::CommitRecord> {
                                 uint64_t commit;
                                 if (!storage::DecodeCommitKey(key, &commit)) {
                                   return absl::InternalError("bad commit key");
                                 }
                                 return store.ReadCommit(commit);
                               })) {}

void CommitContext::SetSavePoint() {
  save_points_.push_back({entities_.Mark(), facts_.Mark(), predicates_.Mark(),
                          tombstones_.Mark(), requests_.Mark(),
                          commit_log_.Mark(), changes_.size(), head_});
}

void CommitContext::RollbackToSavePoint() {
  const SavePoint& sp = save_points_.back();
  entities_.RollbackTo(sp.entities);
  facts_.RollbackTo(sp.facts);
  predicates_.RollbackTo(sp.predicates);
  tombstones_.RollbackTo(sp.tombstones);
  requests_.RollbackTo(sp.requests);
  commit_log_.RollbackTo(sp.commit_log);
  changes_.resize(sp.changes);
  head_ = sp.head;
  save_points_.pop_back();
}

void CommitContext::ReleaseSavePoint() {
  save_points_.pop_back();
  if (save_points_.empty()) {
    entities_.ForgetUndo();
    facts_.ForgetUndo();
    predicates_.ForgetUndo();
    tombstones_.ForgetUndo();
    requests_.ForgetUndo();
    commit_log_.ForgetUndo();
  }
}

storage::KeyScan& CommitContext::SubjectIndexScan() {
  if (subject_index_scan_ == nullptr) {
    subject_index_scan_ =
        store_.Scan(storage::ColumnFamily::kSubjectIndex, "", "");
  }
  return *subject_index_scan_;
}

bool CommitContext::HasWrites() const {
  return !changes_.empty() || entities_.pending_count() > 0 ||
         facts_.pending_count() > 0 || predicates_.pending_count() > 0 ||
         tombstones_.pending_count() > 0 || requests_.pending_count() > 0 ||
         commit_log_.pending_count() > 0;
}

absl::Status CommitContext::Finalize(storage::CommitBatch* batch) {
  // The checks are done: let go of the files and memtables the scan pins
  // while the batch is written.
  subject_index_scan_.reset();
  // The writer before may not have kept documents_changed_commit (an earlier
  // build): this commit counts as a change of every document.
  bool documents_changed = head_.documents_kept_commit() != head_.last_commit();
  for (const auto& [id, record] : entities_.pending()) {
    FS_ASSIGN_OR_RETURN(const storage::EntityRecord* before,
                        entities_.Original(id));
    if (record != nullptr) {
      batch->PutEntity(*record);
    } else if (before != nullptr) {
      batch->DeleteEntity(*before);
    }
    // A record created by this commit changes nothing the query service
    // keeps: it keeps only records it found. Any deletion counts, though: a
    // read may have kept the record of an id erased as a document and
    // created again as something else (document_cache.h).
    if (before != nullptr && (record == nullptr || IsOrWasDocument(before) ||
                              IsOrWasDocument(record))) {
      documents_changed = true;
    }
  }
  batch->UseCutTexts(&cut_texts_);
  // In id order: each word posting then gets its facts' ids in order, and
  // its edits need no sorting (storage::WordPostingEdits::ForEachChange).
  std::vector<const std::pair<const std::string, const storage::FactRecord*>*>
      facts;
  facts.reserve(facts_.pending().size());
  for (const auto& entry : facts_.pending()) facts.push_back(&entry);
  std::sort(facts.begin(), facts.end(),
            [](const auto* a, const auto* b) { return a->first < b->first; });
  for (const auto* entry : facts) {
    const auto& [id, record] = *entry;
    FS_ASSIGN_OR_RETURN(const storage::FactRecord* before, facts_.Original(id));
    if (record != nullptr) {
      FS_RETURN_IF_ERROR(batch->PutFact(before, *record));
    } else if (before != nullptr) {
      FS_RETURN_IF_ERROR(batch->DeleteFact(*before));
    }
  }
  for (const auto& [name, record] : predicates_.pending()) {
    if (record != nullptr) batch->PutPredicate(name, *record);
  }
  for (const auto& [id, record] : tombstones_.pending()) {
    if (record != nullptr) batch->PutTombstone(id, *record);
  }
  for (const auto& [id, record] : requests_.pending()) {
    if (record != nullptr) {
      batch->PutRequest(id, *record);
    } else {
      batch->DeleteRequest(id);
    }
  }
  for (const auto& [key, record] : commit_log_.pending()) {
    if (record != nullptr) batch->PutCommitRecord(*record);
  }
  storage::CommitRecord log;
  log.set_commit(commit());
  log.set_time_micros(time_micros_);
  for (storage::Change& change : changes_)
    *log.add_changes() = std::move(change);
  changes_.clear();
  batch->PutCommitRecord(log);
  head_.set_last_commit(commit());
  head_.set_last_commit_time_micros(time_micros_);
  if (documents_changed) head_.set_documents_changed_commit(commit());
  head_.set_documents_kept_commit(commit());
  batch->PutHead(head_);
  return absl::OkStatus();
}

}  // namespace factstore::ingest
