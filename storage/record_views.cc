#include "storage/record_views.h"

#include <algorithm>
#include <type_traits>
#include <utility>
#include <vector>

#include "storage/commit_token.h"
#include "storage/source_weighing.h"

namespace factstore::storage {
namespace {

// The index of the last element of `revisions` (ordered by commit) with
// commit <= as_of, or -1.
template <typename Revisions>
int LastIndexAtOrBefore(const Revisions& revisions, uint64_t as_of) {
  auto it = std::upper_bound(revisions.begin(), revisions.end(), as_of,
                             [](uint64_t commit, const auto& revision) {
                               return commit < revision.commit();
                             });
  return static_cast<int>(std::distance(revisions.begin(), it)) - 1;
}

// The last element of `revisions` (ordered by commit) with commit <= as_of.
template <typename Revisions>
auto LastAtOrBefore(const Revisions& revisions, uint64_t as_of)
    -> decltype(&*revisions.begin()) {
  int index = LastIndexAtOrBefore(revisions, as_of);
  return index < 0 ? nullptr : &revisions[index];
}

// FactAsOf for a record to copy from (`Record` const) or to move from.
template <typename Record>
bool FillFactAsOf(Record& record, uint64_t as_of, uint32_t store_id,
                  v1::Fact* out) {
  constexpr bool kMove = !std::is_const_v<Record>;
  const int index = LastIndexAtOrBefore(record.revisions(), as_of);
  if (index < 0 || !record.revisions(index).moved_to().empty()) return false;
  const FactRevision& revision = record.revisions(index);
  if constexpr (kMove) {
    *out = std::move(*record.mutable_content());
  } else {
    *out = record.content();
  }
  out->set_modality(revision.modality());
  out->set_rank(revision.rank());
  out->set_asserted_commit(
      EncodeCommitToken(store_id, record.revisions(0).commit()));
  uint64_t updated = revision.commit();
  if (revision.retracted()) {
    out->set_retracted(true);
    out->set_retraction_reason(revision.retraction_reason());
    // The retraction is the first revision of the retracted run that ends
    // at `revision`.
    uint64_t retracted_at = revision.commit();
    for (int i = index; i >= 0 && record.revisions(i).retracted(); --i) {
      retracted_at = record.revisions(i).commit();
    }
    out->set_retracted_commit(EncodeCommitToken(store_id, retracted_at));
  }
  for (int i = 0; i < record.mentions_size(); ++i) {
    const uint64_t commit = record.mentions(i).commit();
    if (commit > as_of) break;
    if (!MentionLiveAsOf(record.mentions(i), as_of)) continue;
    v1::Mention* mention = out->add_mentions();
    if constexpr (kMove) {
      *mention = std::move(*record.mutable_mentions(i)->mutable_mention());
    } else {
      *mention = record.mentions(i).mention();
    }
    FillMentionWeights(revision.modality(), mention);
    mention->set_added_commit(EncodeCommitToken(store_id, commit));
    updated = std::max(updated, commit);
  }
  out->set_updated_commit(EncodeCommitToken(store_id, updated));
  return true;
}

// EntityAsOf for a record to copy from (`Record` const) or to move from.
template <typename Record>
bool FillEntityAsOf(Record& record, uint64_t as_of, uint32_t store_id,
                    v1::Entity* out) {
  const int index = LastIndexAtOrBefore(record.revisions(), as_of);
  if (index < 0 || !record.revisions(index).merged_into().empty()) {
    return false;
  }
  const uint64_t created = record.revisions(0).commit();
  const uint64_t updated = record.revisions(index).commit();
  std::vector<std::string> merged;
  for (int i = 0; i <= index; ++i) {
    for (const std::string& id : record.revisions(i).merged_from()) {
      merged.push_back(id);
    }
  }
  if constexpr (!std::is_const_v<Record>) {
    *out = std::move(*record.mutable_revisions(index)->mutable_entity());
  } else {
    *out = record.revisions(index).entity();
  }
  out->set_created_commit(EncodeCommitToken(store_id, created));
  out->set_updated_commit(EncodeCommitToken(store_id, updated));
  for (std::string& id : merged) out->add_merged_entity_ids(std::move(id));
  return true;
}

}  // namespace

bool FactAsOf(const FactRecord& record, uint64_t as_of, uint32_t store_id,
              v1::Fact* out) {
  return FillFactAsOf(record, as_of, store_id, out);
}

bool FactAsOf(FactRecord&& record, uint64_t as_of, uint32_t store_id,
              v1::Fact* out) {
  return FillFactAsOf(record, as_of, store_id, out);
}

const FactRevision* FactRevisionAsOf(const FactRecord& record, uint64_t as_of) {
  const FactRevision* revision = LastAtOrBefore(record.revisions(), as_of);
  return revision == nullptr || !revision->moved_to().empty() ? nullptr
                                                              : revision;
}

const std::string* FactMovedToAsOf(const FactRecord& record, uint64_t as_of) {
  const FactRevision* revision = LastAtOrBefore(record.revisions(), as_of);
  return revision == nullptr || revision->moved_to().empty()
             ? nullptr
             : &revision->moved_to();
}

const EntityRevision* EntityRevisionAsOf(const EntityRecord& record,
                                         uint64_t as_of) {
  const EntityRevision* revision = LastAtOrBefore(record.revisions(), as_of);
  return revision == nullptr || !revision->merged_into().empty() ? nullptr
                                                                 : revision;
}

const std::string* EntityMergedIntoAsOf(const EntityRecord& record,
                                        uint64_t as_of) {
  const EntityRevision* revision = LastAtOrBefore(record.revisions(), as_of);
  return revision == nullptr || revision->merged_into().empty()
             ? nullptr
             : &revision->merged_into();
}

bool EntityAsOf(const EntityRecord& record, uint64_t as_of, uint32_t store_id,
                v1::Entity* out) {
  return FillEntityAsOf(record, as_of, store_id, out);
}

bool EntityAsOf(EntityRecord&& record, uint64_t as_of, uint32_t store_id,
                v1::Entity* out) {
  return FillEntityAsOf(record, as_of, store_id, out);
}

void FillMentionDocument(const v1::DocumentMetadata& document,
                         v1::Mention* mention) {
  if (!document.url().empty()) mention->set_url(document.url());
  if (!document.title().empty()) mention->set_title(document.title());
  if (!document.publisher().empty()) {
    mention->set_publisher(document.publisher());
  }
  if (!document.publication_date().empty()) {
    mention->set_publication_date(document.publication_date());
  }
  if (!document.language().empty()) mention->set_language(document.language());
}

bool PredicateAsOf(const PredicateRecord& record, uint64_t as_of,
                   uint32_t store_id, v1::Predicate* out) {
  const PredicateRevision* revision = LastAtOrBefore(record.revisions(), as_of);
  if (revision == nullptr) return false;
  *out = revision->predicate();
  out->set_updated_commit(EncodeCommitToken(store_id, revision->commit()));
  return true;
}

}  // namespace factstore::storage
