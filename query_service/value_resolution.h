// The policy ResolveValue uses to prefer one claim among competing ones, as
// a pure function over facts (no store access), documented for users in
// docs/query.md.
//
// Claims are ordered by, in turn:
//   1. rank: PREFERRED, then NORMAL, then DEPRECATED;
//   2. modality (the one the fact's sources give it, see
//      storage/source_weighing.h): OBSERVED, then REPORTED, then ESTIMATE,
//      then FORECAST;
//   3. sources at that modality: more independent sources (distinct
//      publishers; a mention without a publisher counts by its document)
//      that present the claim the way the fact's modality says first;
//   4. independent sources: more in all first;
//   5. source date: the latest publication date among the sources first
//      (a claim with no dated source comes last);
//   6. commit: the most recently changed claim first;
//   7. fact id, smaller first, so the order is total and deterministic.
// Sources are the mentions that count (storage::CountedSources: DEPRECATED
// ones only when every one is). The reason reported is the first rule that
// separates the winner from the runner-up (SOURCE_COUNT for rules 3 and 4).
#ifndef FACTSTORE_QUERY_SERVICE_VALUE_RESOLUTION_H_
#define FACTSTORE_QUERY_SERVICE_VALUE_RESOLUTION_H_

#include <cstdint>
#include <string>
#include <vector>

#include "factstore/v1/query_service.pb.h"
#include "factstore/v1/types.pb.h"

namespace factstore::query {

// A claim with what the policy needs to know about it.
struct Claim {
  v1::Fact fact;
  // Commit of the claim's last change (from Fact.updated_commit).
  uint64_t updated_commit = 0;
};

struct Resolution {
  // Claims, preferred first.
  std::vector<Claim> ordered;
  v1::ResolutionReason reason = v1::RESOLUTION_REASON_UNSPECIFIED;
  std::string explanation;
};

// Orders `claims` by the policy. An empty input gives an empty resolution.
Resolution ResolveClaims(std::vector<Claim> claims);

}  // namespace factstore::query

#endif  // FACTSTORE_QUERY_SERVICE_VALUE_RESOLUTION_H_
