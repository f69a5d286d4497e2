#include "storage/source_weighing.h"

#include <algorithm>

namespace factstore::storage {

int ModalityOrder(v1::Modality modality) {
  switch (modality) {
    case v1::MODALITY_OBSERVED:
      return 0;
    case v1::MODALITY_ESTIMATE:
      return 2;
    case v1::MODALITY_FORECAST:
      return 3;
    default:
      return 1;  // REPORTED, or unset
  }
}

int RankOrder(v1::Rank rank) {
  switch (rank) {
    case v1::RANK_PREFERRED:
      return 0;
    case v1::RANK_DEPRECATED:
      return 2;
    default:
      return 1;  // NORMAL, or unset
  }
}

void FillMentionWeights(v1::Modality fact_modality, v1::Mention* mention) {
  if (mention->modality() == v1::MODALITY_UNSPECIFIED) {
    mention->set_modality(fact_modality == v1::MODALITY_UNSPECIFIED
                              ? v1::MODALITY_REPORTED
                              : fact_modality);
  }
  if (mention->rank() == v1::RANK_UNSPECIFIED) {
    mention->set_rank(v1::RANK_NORMAL);
  }
}

std::vector<const v1::Mention*> CountedSources(
    absl::Span<const v1::Mention* const> mentions) {
  std::vector<const v1::Mention*> counted;
  for (const v1::Mention* m : mentions) {
    if (m->rank() != v1::RANK_DEPRECATED) counted.push_back(m);
  }
  if (counted.empty()) counted.assign(mentions.begin(), mentions.end());
  return counted;
}

v1::Modality ModalityOfSources(absl::Span<const v1::Mention* const> mentions) {
  if (mentions.empty()) return v1::MODALITY_REPORTED;
  int best_rank = RankOrder(v1::RANK_DEPRECATED);
  for (const v1::Mention* m : mentions) {
    best_rank = std::min(best_rank, RankOrder(m->rank()));
  }
  v1::Modality firmest = v1::MODALITY_FORECAST;
  for (const v1::Mention* m : mentions) {
    if (RankOrder(m->rank()) == best_rank &&
        ModalityOrder(m->modality()) < ModalityOrder(firmest)) {
      firmest = m->modality() == v1::MODALITY_UNSPECIFIED
                    ? v1::MODALITY_REPORTED
                    : m->modality();
    }
  }
  return firmest;
}

std::vector<const v1::Mention*> LiveMentions(const FactRecord& record) {
  std::vector<const v1::Mention*> live;
  for (const MentionRecord& m : record.mentions()) {
    if (m.replaced_commit() == 0) live.push_back(&m.mention());
  }
  return live;
}

void SetLegacyMentionWeights(uint64_t commit, FactRecord* record) {
  const v1::Modality latest = record->revisions().rbegin()->modality();
  // Until now such a mention read as having the modality of the revision in
  // effect at the read; if that was not always the latest, a copy from
  // `commit` on keeps the earlier reads as they were.
  bool one_modality = true;
  for (const FactRevision& revision : record->revisions()) {
    one_modality = one_modality && revision.modality() == latest;
  }
  const int n = record->mentions_size();
  for (int i = 0; i < n; ++i) {
    MentionRecord* m = record->mutable_mentions(i);
    if (m->replaced_commit() != 0 ||
        (m->mention().modality() != v1::MODALITY_UNSPECIFIED &&
         m->mention().rank() != v1::RANK_UNSPECIFIED)) {
      continue;
    }
    if (one_modality || m->commit() == commit) {
      FillMentionWeights(latest, m->mutable_mention());
      continue;
    }
    MentionRecord copy = *m;
    m->set_replaced_commit(commit);
    copy.set_commit(commit);
    FillMentionWeights(latest, copy.mutable_mention());
    *record->add_mentions() = std::move(copy);
  }
}

}  // namespace factstore::storage
