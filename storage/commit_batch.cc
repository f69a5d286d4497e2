#include "storage/commit_batch.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <iterator>

#include "absl/container/flat_hash_set.h"
#include "common/iso_date.h"
#include "common/status_macros.h"
#include "protos/api_dates.h"
#include "storage/key_codec.h"

namespace factstore::storage {
namespace {

bool IndexEntryLess(const IndexEntry& a, const IndexEntry& b) {
  return a.family != b.family ? a.family < b.family : a.key < b.key;
}

void AddReference(absl::string_view entity_id, ReferenceRole role,
                  absl::string_view fact_id, std::vector<IndexEntry>* entries) {
  if (entity_id.empty()) return;
  entries->push_back({ColumnFamily::kReferenceIndex,
                      ReferenceIndexKey(entity_id, role, fact_id)});
}

}  // namespace

std::vector<std::string> EntityLookupKeys(const v1::Entity& entity) {
  std::vector<std::string> keys;
  keys.reserve(1 + entity.external_ids_size());
  keys.push_back(EntityTypeKey(entity.type(), entity.id()));
  for (const auto& [system, value] : entity.external_ids()) {
    keys.push_back(ExternalIdKey(system, value, entity.id()));
  }
  return keys;
}

absl::Status FactIndexEntries(const FactRecord& record,
                              std::vector<IndexEntry>* entries) {
  entries->clear();
  const v1::Fact& fact = record.content();
  const std::string& id = fact.id();
  FS_ASSIGN_OR_RETURN(std::optional<DayRange> range,
                      ValidTimeRange(fact.valid_time()));
  entries->push_back(
      {ColumnFamily::kSubjectIndex,
       range.has_value()
           ? SubjectIndexKey(fact.subject(), fact.predicate(),
                             static_cast<uint32_t>(range->first),
                             static_cast<uint32_t>(range->end), id)
           : SubjectIndexKey(fact.subject(), fact.predicate(), kNoValidTimeDay,
                             kNoValidTimeDay, id)});
  std::string key;
  FS_RETURN_IF_ERROR(
      PredicateIndexKey(fact.predicate(), fact.value(), id, &key));
  entries->push_back({ColumnFamily::kPredicateIndex, std::move(key)});
  if (fact.value().kind_case() == v1::Value::kEntityId) {
    AddReference(fact.value().entity_id(), ReferenceRole::kObject, id, entries);
  }
  for (const auto& [name, value] : fact.qualifiers()) {
    if (value.kind_case() == v1::Value::kEntityId) {
      AddReference(value.entity_id(), ReferenceRole::kQualifier, id, entries);
    }
  }
  for (const MentionRecord& m : record.mentions()) {
    AddReference(m.mention().document_id(), ReferenceRole::kDocument, id,
                 entries);
    AddReference(m.mention().attributed_to(), ReferenceRole::kAttribution, id,
                 entries);
  }
  if (range.has_value()) {
    entries->push_back(
        {ColumnFamily::kValidTimeIndex,
         ValidTimeIndexKey(static_cast<uint32_t>(range->first),
                           static_cast<uint32_t>(range->end), id)});
  }
  // Several mentions may share a document or speaker: keep each key once.
  std::sort(entries->begin(), entries->end(), IndexEntryLess);
  entries->erase(std::unique(entries->begin(), entries->end()), entries->end());
  return absl::OkStatus();
}

CommitBatch::CommitBatch(const Store& store, uint64_t commit)
    : store_(store), word_postings_(store, commit) {}

void CommitBatch::CheckNotSealed() const {
  // A write added after Seal would never reach RocksDB; that is a bug in
  // the caller, in every build.
  if (sealed_) {
    std::fputs("factstore: CommitBatch changed after Seal\n", stderr);
    std::abort();
  }
}

void CommitBatch::Put(ColumnFamily cf, absl::string_view key,
                      absl::string_view value) {
  CheckNotSealed();
  operations_.push_back({cf, false, data_.size(), key.size(),
                         data_.size() + key.size(), value.size()});
  data_.append(key.data(), key.size());
  data_.append(value.data(), value.size());
}

void CommitBatch::Delete(ColumnFamily cf, absl::string_view key) {
  CheckNotSealed();
  operations_.push_back({cf, true, data_.size(), key.size(), 0, 0});
  data_.append(key.data(), key.size());
}

rocksdb::WriteBatch* CommitBatch::Seal() {
  if (sealed_) return &batch_;
  // The postings' edits become puts and deletes like any other.
  absl::Status postings = word_postings_.ForEachChange(
      [this](const std::string& key, const std::string* value) {
        if (value == nullptr) {
          Delete(ColumnFamily::kNames, key);
        } else {
          Put(ColumnFamily::kNames, key, *value);
        }
        return absl::OkStatus();
      });
  (void)postings;  // the visitor never fails
  sealed_ = true;
  auto key_of = [this](const Operation& op) {
    return absl::string_view(data_.data() + op.key_offset, op.key_size);
  };
  std::vector<const Operation*> order;
  order.reserve(operations_.size());
  for (const Operation& op : operations_) order.push_back(&op);
  std::stable_sort(order.begin(), order.end(),
                   [&](const Operation* a, const Operation* b) {
                     if (a->family != b->family) return a->family < b->family;
                     return key_of(*a) < key_of(*b);
                   });
  for (const Operation* op : order) {
    absl::string_view key = key_of(*op);
    rocksdb::Slice key_slice(key.data(), key.size());
    if (op->is_delete) {
      batch_.Delete(store_.handle(op->family), key_slice);
    } else {
      batch_.Put(
          store_.handle(op->family), key_slice,
          rocksdb::Slice(data_.data() + op->value_offset, op->value_size));
    }
  }
  return &batch_;
}

void CommitBatch::PutEntity(const EntityRecord& now) {
  const EntityRevision& newest = *now.revisions().rbegin();
  const std::string& id = newest.entity().id();
  now.SerializeToString(&scratch_);
  Put(ColumnFamily::kEntities, EntityKey(id), scratch_);
  for (const NameForm& form : newest.name_forms()) {
    Put(ColumnFamily::kNames, NameKey(NameKind::kFullName, form.folded(), id),
        "");
    for (const std::string& suffix : form.word_suffixes()) {
      Put(ColumnFamily::kNames, NameKey(NameKind::kWordSuffix, suffix, id), "");
    }
  }
  for (const std::string& key : EntityLookupKeys(newest.entity())) {
    Put(ColumnFamily::kNames, key, "");
  }
}

void CommitBatch::DeleteEntity(const EntityRecord& record) {
  if (record.revisions().empty()) return;
  const std::string& id = record.revisions(0).entity().id();
  Delete(ColumnFamily::kEntities, EntityKey(id));
  absl::flat_hash_set<std::string> deleted;
  for (const EntityRevision& revision : record.revisions()) {
    for (const NameForm& form : revision.name_forms()) {
      std::string key = NameKey(NameKind::kFullName, form.folded(), id);
      if (deleted.insert(key).second) Delete(ColumnFamily::kNames, key);
      for (const std::string& suffix : form.word_suffixes()) {
        key = NameKey(NameKind::kWordSuffix, suffix, id);
        if (deleted.insert(key).second) Delete(ColumnFamily::kNames, key);
      }
    }
    for (std::string& key : EntityLookupKeys(revision.entity())) {
      if (deleted.insert(key).second) Delete(ColumnFamily::kNames, key);
    }
  }
}

absl::Status CommitBatch::EditWordPostings(const FactRecord* before,
                                           const FactRecord& now) {
  const std::string& id = now.content().id();
  const std::vector<WordText> now_texts = FactWordTexts(now);
  std::vector<WordText> before_texts;
  if (before != nullptr) before_texts = FactWordTexts(*before);
  std::vector<WordText> added;
  std::set_difference(now_texts.begin(), now_texts.end(), before_texts.begin(),
                      before_texts.end(), std::back_inserter(added));
  // Most puts only add mentions (or assert a new fact): every stored text is
  // still there, brought by the same commit, and only the new texts' words
  // are cut, into postings of this commit.
  if (added.size() + before_texts.size() == now_texts.size()) {
    for (const PostingRef& posting : WordPostings(added, cut_texts_)) {
      FS_RETURN_IF_ERROR(word_postings_.Add(posting, id));
    }
    return absl::OkStatus();
  }
  // A text went (an erasure) or moved to a later commit (the oldest mention
  // quoting it went): compare every word.
  const std::vector<PostingRef> now_keys = WordPostings(now_texts, cut_texts_);
  const std::vector<PostingRef> before_keys =
      WordPostings(before_texts, cut_texts_);
  std::vector<PostingRef> changed;
  std::set_difference(before_keys.begin(), before_keys.end(), now_keys.begin(),
                      now_keys.end(), std::back_inserter(changed));
  for (const PostingRef& posting : changed) {
    FS_RETURN_IF_ERROR(word_postings_.Remove(posting, id));
  }
  changed.clear();
  std::set_difference(now_keys.begin(), now_keys.end(), before_keys.begin(),
                      before_keys.end(), std::back_inserter(changed));
  for (const PostingRef& posting : changed) {
    FS_RETURN_IF_ERROR(word_postings_.Add(posting, id));
  }
  return absl::OkStatus();
}

absl::Status CommitBatch::PutFact(const FactRecord* before,
                                  const FactRecord& now) {
  CheckNotSealed();
  if (store_.indexes_words()) FS_RETURN_IF_ERROR(EditWordPostings(before, now));
  std::vector<IndexEntry> now_entries;
  FS_RETURN_IF_ERROR(FactIndexEntries(now, &now_entries));
  if (before != nullptr) {
    // Both lists are sorted.
    std::vector<IndexEntry> before_entries;
    FS_RETURN_IF_ERROR(FactIndexEntries(*before, &before_entries));
    for (const IndexEntry& old_entry : before_entries) {
      if (!std::binary_search(now_entries.begin(), now_entries.end(), old_entry,
                              IndexEntryLess)) {
        Delete(old_entry.family, old_entry.key);
      }
    }
    // Entries both versions have are already on disk.
    now_entries.erase(std::remove_if(now_entries.begin(), now_entries.end(),
                                     [&](const IndexEntry& e) {
                                       return std::binary_search(
                                           before_entries.begin(),
                                           before_entries.end(), e,
                                           IndexEntryLess);
                                     }),
                      now_entries.end());
  }
  now.SerializeToString(&scratch_);
  Put(ColumnFamily::kFacts, FactKey(now.content().id()), scratch_);
  for (const IndexEntry& entry : now_entries) Put(entry.family, entry.key, "");
  return absl::OkStatus();
}

absl::Status CommitBatch::DeleteFact(const FactRecord& record) {
  CheckNotSealed();
  std::vector<IndexEntry> entries;
  FS_RETURN_IF_ERROR(FactIndexEntries(record, &entries));
  if (store_.indexes_words()) {
    for (const PostingRef& posting :
         WordPostings(FactWordTexts(record), cut_texts_)) {
      FS_RETURN_IF_ERROR(word_postings_.Remove(posting, record.content().id()));
    }
  }
  Delete(ColumnFamily::kFacts, FactKey(record.content().id()));
  for (const IndexEntry& entry : entries) Delete(entry.family, entry.key);
  return absl::OkStatus();
}

void CommitBatch::PutPredicate(absl::string_view name,
                               const PredicateRecord& record) {
  record.SerializeToString(&scratch_);
  Put(ColumnFamily::kPredicates, PredicateKey(name), scratch_);
}

void CommitBatch::PutTombstone(absl::string_view entity_id,
                               const TombstoneRecord& record) {
  record.SerializeToString(&scratch_);
  Put(ColumnFamily::kTombstones, TombstoneKey(entity_id), scratch_);
}

void CommitBatch::PutRequest(absl::string_view request_id,
                             const RequestRecord& record) {
  record.SerializeToString(&scratch_);
  Put(ColumnFamily::kRequests, RequestKey(request_id), scratch_);
}

void CommitBatch::DeleteRequest(absl::string_view request_id) {
  Delete(ColumnFamily::kRequests, RequestKey(request_id));
}

void CommitBatch::PutCommitRecord(const CommitRecord& record) {
  record.SerializeToString(&scratch_);
  Put(ColumnFamily::kCommitLog, CommitKey(record.commit()), scratch_);
}

void CommitBatch::PutHead(const StoreHead& head) {
  head.SerializeToString(&scratch_);
  Put(ColumnFamily::kMeta, kHeadKey, scratch_);
}

}  // namespace factstore::storage
