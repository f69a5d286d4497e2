// How a fact's sources weigh: which of its mentions count, and the modality
// the fact takes from them (documented for users at Fact.modality and
// Mention.rank, and in docs/query.md).
//
// Each mention carries how its source presents the claim (Mention.modality)
// and the source's weight (Mention.rank). The ingest service derives the
// fact's modality from its live mentions whenever they change and stores it
// on a new revision of the fact, so that filters, aggregates and time travel
// read it like any other attribute; ResolveValue weighs the mentions with
// the same rules.
#ifndef FACTSTORE_STORAGE_SOURCE_WEIGHING_H_
#define FACTSTORE_STORAGE_SOURCE_WEIGHING_H_

#include <cstdint>
#include <vector>

#include "absl/types/span.h"
#include "factstore/v1/types.pb.h"
#include "storage/records.pb.h"

namespace factstore::storage {

// Modalities, firmest first: OBSERVED 0, REPORTED 1 (and unset), ESTIMATE 2,
// FORECAST 3.
int ModalityOrder(v1::Modality modality);

// Ranks, weightiest first: PREFERRED 0, NORMAL 1 (and unset), DEPRECATED 2.
int RankOrder(v1::Rank rank);

// Sets what `mention` leaves unset: its modality to `fact_modality` (a
// mention stored before mentions had their own modality presents the claim
// as its fact did) and its rank to NORMAL.
void FillMentionWeights(v1::Modality fact_modality, v1::Mention* mention);

// The mentions that count as sources: all but the DEPRECATED ones, or all of
// them when every one is DEPRECATED. Keeps the order of `mentions`.
std::vector<const v1::Mention*> CountedSources(
    absl::Span<const v1::Mention* const> mentions);

// The modality a fact takes from `mentions`: the firmest among the mentions
// of the best rank present. REPORTED when there are none.
v1::Modality ModalityOfSources(absl::Span<const v1::Mention* const> mentions);

// The live mentions of `record` (not replaced by a merge's copy).
std::vector<const v1::Mention*> LiveMentions(const FactRecord& record);

// Gives every live mention of `record` that has no modality (or no rank)
// the modality of the fact's latest revision (and NORMAL): the ingest
// service calls it before it changes a record written before mentions had
// their own, so that they keep presenting the claim as they did when the
// fact's modality moves. Where the fact's modality changed over its history,
// the mention is replaced by a copy stamped `commit` instead, so that reads
// as of earlier commits still see the modality of their time.
// REQUIRES: `record` has a revision; `commit` is the commit being written.
void SetLegacyMentionWeights(uint64_t commit, FactRecord* record);

}  // namespace factstore::storage

#endif  // FACTSTORE_STORAGE_SOURCE_WEIGHING_H_
