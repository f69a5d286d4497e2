// Record views: what a stored record looked like at a given commit, in the
// public factstore.v1 form.
//
// Records keep every revision with its commit (storage/records.proto), so a
// view at commit C shows exactly what was visible right after C: facts
// asserted later do not exist yet, a retraction after C has not happened,
// mentions added after C are absent.
#ifndef FACTSTORE_STORAGE_RECORD_VIEWS_H_
#define FACTSTORE_STORAGE_RECORD_VIEWS_H_

#include <cstdint>

#include "factstore/v1/types.pb.h"
#include "storage/records.pb.h"

namespace factstore::storage {

// Fills `out` with the fact as of `as_of` and returns true, or returns false
// if the fact had not been asserted by then.
bool FactAsOf(const FactRecord& record, uint64_t as_of, uint32_t store_id,
              v1::Fact* out);
// The same, moving the fact's content and mentions out of `record` instead of
// copying them (a read answering from a record it has just parsed); `record`
// is left valid but unspecified.
bool FactAsOf(FactRecord&& record, uint64_t as_of, uint32_t store_id,
              v1::Fact* out);

// The revision of the fact's attributes in effect at `as_of`, or null.
const FactRevision* FactRevisionAsOf(const FactRecord& record, uint64_t as_of);

// The entity revision in effect at `as_of`, or null if the entity did not
// exist yet.
const EntityRevision* EntityRevisionAsOf(const EntityRecord& record,
                                         uint64_t as_of);

// Fills `out` with the entity as of `as_of` and returns true, or returns
// false if it did not exist yet.
bool EntityAsOf(const EntityRecord& record, uint64_t as_of, uint32_t store_id,
                v1::Entity* out);
// The same, moving the entity out of `record`'s revision instead of copying
// it; `record` is left valid but unspecified.
bool EntityAsOf(EntityRecord&& record, uint64_t as_of, uint32_t store_id,
                v1::Entity* out);

// Fills `out` with the predicate as of `as_of` and returns true, or returns
// false if it was not registered yet.
bool PredicateAsOf(const PredicateRecord& record, uint64_t as_of,
                   uint32_t store_id, v1::Predicate* out);

}  // namespace factstore::storage

#endif  // FACTSTORE_STORAGE_RECORD_VIEWS_H_
