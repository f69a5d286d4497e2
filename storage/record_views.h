// Record views: what a stored record looked like at a given commit, in the
// public factstore.v1 form.
//
// Records keep every revision with its commit (storage/records.proto), so a
// view at commit C shows exactly what was visible right after C: facts
// asserted later do not exist yet, a retraction after C has not happened,
// mentions added after C are absent.
//
// Merges (MergeEntities) turn records into redirects: from the merge's commit
// on, a merged entity and each fact that named it no longer exist under
// their own ids (the views below return false or null) and lead elsewhere
// (EntityMergedIntoAsOf, FactMovedToAsOf); before it they read as they were.
#ifndef FACTSTORE_STORAGE_RECORD_VIEWS_H_
#define FACTSTORE_STORAGE_RECORD_VIEWS_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "factstore/v1/types.pb.h"
#include "storage/records.pb.h"

namespace factstore::storage {

// Fills `out` with the fact as of `as_of` and returns true, or returns false
// if the fact had not been asserted by then or had moved to another id.
bool FactAsOf(const FactRecord& record, uint64_t as_of, uint32_t store_id,
              v1::Fact* out);
// The same, moving the fact's content and mentions out of `record` instead of
// copying them (a read answering from a record it has just parsed); `record`
// is left valid but unspecified.
bool FactAsOf(FactRecord&& record, uint64_t as_of, uint32_t store_id,
              v1::Fact* out);

// The revision of the fact's attributes in effect at `as_of`, or null if
// the fact had not been asserted by then or had moved to another id.
const FactRevision* FactRevisionAsOf(const FactRecord& record, uint64_t as_of);

// The id the fact had moved to by `as_of`, or null if it had not.
const std::string* FactMovedToAsOf(const FactRecord& record, uint64_t as_of);

// True if `mention` is part of its fact at `as_of`: added by then and not
// replaced by a merge's copy of it by then.
inline bool MentionLiveAsOf(const MentionRecord& mention, uint64_t as_of) {
  return mention.commit() <= as_of &&
         (mention.replaced_commit() == 0 || mention.replaced_commit() > as_of);
}

// The entity revision in effect at `as_of`, or null if the entity did not
// exist yet or had been merged into another.
const EntityRevision* EntityRevisionAsOf(const EntityRecord& record,
                                         uint64_t as_of);

// The id the entity had been merged into by `as_of`, or null if it had not.
const std::string* EntityMergedIntoAsOf(const EntityRecord& record,
                                        uint64_t as_of);

// Fills `out` with the entity as of `as_of` and returns true, or returns
// false if it did not exist yet or had been merged into another.
bool EntityAsOf(const EntityRecord& record, uint64_t as_of, uint32_t store_id,
                v1::Entity* out);
// The same, moving the entity out of `record`'s revision instead of copying
// it; `record` is left valid but unspecified.
bool EntityAsOf(EntityRecord&& record, uint64_t as_of, uint32_t store_id,
                v1::Entity* out);

// What the document was at `as_of` (Entity.document of the revision in
// effect then), decoded from `record`, a serialized EntityRecord, reading
// only that revision's document: the same as
// EntityRevisionAsOf(record, as_of)->entity().document() at a fraction of
// the cost of parsing the record (every revision's entity and name forms),
// for reads that fill in a page of mentions. Empty if the entity did not
// exist yet or had been merged into another; DATA_LOSS if the parts it reads
// are not a well-formed encoding. On success, sets `*latest_revision` (if not
// null) to the highest commit of the record's revisions (0 if it has none):
// the answer is the same for every `as_of` from that commit on.
absl::StatusOr<v1::DocumentMetadata> DocumentAsOf(
    absl::string_view record, uint64_t as_of,
    uint64_t* latest_revision = nullptr);

// Sets the document fields of `mention` (url, title, publisher, publication
// date, language) that `document` has to its values. Mentions are stored
// without them (older ones may keep copies, which the document's values
// override).
void FillMentionDocument(const v1::DocumentMetadata& document,
                         v1::Mention* mention);

// Fills `out` with the predicate as of `as_of` and returns true, or returns
// false if it was not registered yet.
bool PredicateAsOf(const PredicateRecord& record, uint64_t as_of,
                   uint32_t store_id, v1::Predicate* out);

}  // namespace factstore::storage

#endif  // FACTSTORE_STORAGE_RECORD_VIEWS_H_
