#include "query_service/value_resolution.h"

#include <algorithm>
#include <tuple>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/iso_date.h"
#include "storage/source_weighing.h"

namespace factstore::query {
namespace {

// Day number of the latest publication date among `sources`; -1 if none.
int32_t LatestSourceDay(const std::vector<const v1::Mention*>& sources) {
  int32_t latest = -1;
  for (const v1::Mention* m : sources) {
    auto date = ParseIsoDate(m->publication_date());
    if (date.ok()) latest = std::max(latest, DayNumber(date->first_day));
  }
  return latest;
}

// Number of independent sources among `sources`: distinct publishers, or
// documents for mentions without a publisher.
int IndependentSourceCount(const std::vector<const v1::Mention*>& sources) {
  absl::flat_hash_set<std::string> independent;
  for (const v1::Mention* m : sources) {
    std::string publisher =
        absl::AsciiStrToLower(absl::StripAsciiWhitespace(m->publisher()));
    independent.insert(publisher.empty()
                           ? absl::StrCat("document:", m->document_id())
                           : absl::StrCat("publisher:", publisher));
  }
  return static_cast<int>(independent.size());
}

struct Key {
  int rank;
  int modality;
  int sources_at_modality;
  int sources;
  int32_t source_day;
  uint64_t commit;
  const std::string* id;
};

Key KeyOf(const Claim& claim) {
  std::vector<const v1::Mention*> mentions;
  for (const v1::Mention& m : claim.fact.mentions()) mentions.push_back(&m);
  const std::vector<const v1::Mention*> sources =
      storage::CountedSources(mentions);
  std::vector<const v1::Mention*> at_modality;
  for (const v1::Mention* m : sources) {
    if (storage::ModalityOrder(m->modality()) ==
        storage::ModalityOrder(claim.fact.modality())) {
      at_modality.push_back(m);
    }
  }
  return {storage::RankOrder(claim.fact.rank()),
          storage::ModalityOrder(claim.fact.modality()),
          IndependentSourceCount(at_modality),
          IndependentSourceCount(sources),
          LatestSourceDay(sources),
          claim.updated_commit,
          &claim.fact.id()};
}

// True if a comes before b.
bool Before(const Key& a, const Key& b) {
  if (a.rank != b.rank) return a.rank < b.rank;
  if (a.modality != b.modality) return a.modality < b.modality;
  if (a.sources_at_modality != b.sources_at_modality) {
    return a.sources_at_modality > b.sources_at_modality;
  }
  if (a.sources != b.sources) return a.sources > b.sources;
  if (a.source_day != b.source_day) return a.source_day > b.source_day;
  if (a.commit != b.commit) return a.commit > b.commit;
  return *a.id < *b.id;
}

const char* Describe(v1::Rank r) {
  return r == v1::RANK_PREFERRED    ? "PREFERRED"
         : r == v1::RANK_DEPRECATED ? "DEPRECATED"
                                    : "NORMAL";
}

const char* Describe(v1::Modality m) {
  switch (m) {
    case v1::MODALITY_OBSERVED:
      return "OBSERVED";
    case v1::MODALITY_ESTIMATE:
      return "ESTIMATE";
    case v1::MODALITY_FORECAST:
      return "FORECAST";
    default:
      return "REPORTED";
  }
}

}  // namespace

Resolution ResolveClaims(std::vector<Claim> claims) {
  Resolution resolution;
  if (claims.empty()) return resolution;
  std::vector<std::pair<Key, size_t>> keys;
  for (size_t i = 0; i < claims.size(); ++i)
    keys.emplace_back(KeyOf(claims[i]), i);
  std::sort(keys.begin(), keys.end(), [](const auto& a, const auto& b) {
    return Before(a.first, b.first);
  });
  for (const auto& [key, index] : keys) {
    resolution.ordered.push_back(std::move(claims[index]));
  }
  const v1::Fact& winner = resolution.ordered[0].fact;
  if (keys.size() == 1) {
    resolution.reason = v1::RESOLUTION_REASON_SOLE_CLAIM;
    resolution.explanation = "only one claim matches";
    return resolution;
  }
  const Key& a = keys[0].first;
  const Key& b = keys[1].first;
  const v1::Fact& runner_up = resolution.ordered[1].fact;
  if (a.rank != b.rank) {
    resolution.reason = v1::RESOLUTION_REASON_RANK;
    resolution.explanation = absl::StrCat("ranked ", Describe(winner.rank()),
                                          " over ", Describe(runner_up.rank()));
  } else if (a.modality != b.modality) {
    resolution.reason = v1::RESOLUTION_REASON_MODALITY;
    resolution.explanation =
        absl::StrCat(Describe(winner.modality()), " is preferred over ",
                     Describe(runner_up.modality()));
  } else if (a.sources_at_modality != b.sources_at_modality) {
    resolution.reason = v1::RESOLUTION_REASON_SOURCE_COUNT;
    const bool all_at_modality = a.sources_at_modality == a.sources &&
                                 b.sources_at_modality == b.sources;
    resolution.explanation =
        all_at_modality
            ? absl::StrCat(a.sources, " independent sources against ",
                           b.sources)
            : absl::StrCat(a.sources_at_modality,
                           " independent sources present it as ",
                           Describe(winner.modality()), " against ",
                           b.sources_at_modality);
  } else if (a.sources != b.sources) {
    resolution.reason = v1::RESOLUTION_REASON_SOURCE_COUNT;
    resolution.explanation =
        absl::StrCat(a.sources, " independent sources against ", b.sources);
  } else if (a.source_day != b.source_day) {
    resolution.reason = v1::RESOLUTION_REASON_SOURCE_DATE;
    resolution.explanation = "its newest source was published more recently";
  } else if (a.commit != b.commit) {
    resolution.reason = v1::RESOLUTION_REASON_COMMIT;
    resolution.explanation = "it was committed more recently";
  } else {
    resolution.reason = v1::RESOLUTION_REASON_FACT_ID;
    resolution.explanation =
        "the claims tie on every rule; the smaller fact id wins";
  }
  return resolution;
}

}  // namespace factstore::query
