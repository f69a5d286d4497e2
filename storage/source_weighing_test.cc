#include "storage/source_weighing.h"

#include <vector>

#include "gtest/gtest.h"

namespace factstore::storage {
namespace {

v1::Mention Source(v1::Modality modality, v1::Rank rank = v1::RANK_NORMAL) {
  v1::Mention m;
  m.set_modality(modality);
  m.set_rank(rank);
  return m;
}

std::vector<const v1::Mention*> Pointers(const std::vector<v1::Mention>& v) {
  std::vector<const v1::Mention*> out;
  for (const v1::Mention& m : v) out.push_back(&m);
  return out;
}

TEST(SourceWeighingTest, TheFirmestSourceGivesTheModality) {
  std::vector<v1::Mention> sources = {Source(v1::MODALITY_FORECAST),
                                      Source(v1::MODALITY_REPORTED),
                                      Source(v1::MODALITY_ESTIMATE)};
  EXPECT_EQ(ModalityOfSources(Pointers(sources)), v1::MODALITY_REPORTED);
  sources.push_back(Source(v1::MODALITY_OBSERVED));
  EXPECT_EQ(ModalityOfSources(Pointers(sources)), v1::MODALITY_OBSERVED);
  EXPECT_EQ(ModalityOfSources({}), v1::MODALITY_REPORTED);
}

TEST(SourceWeighingTest, PreferredSourcesDecideAndDeprecatedOnesDoNot) {
  std::vector<v1::Mention> sources = {
      Source(v1::MODALITY_OBSERVED, v1::RANK_DEPRECATED),
      Source(v1::MODALITY_FORECAST)};
  EXPECT_EQ(ModalityOfSources(Pointers(sources)), v1::MODALITY_FORECAST);
  sources.push_back(Source(v1::MODALITY_ESTIMATE, v1::RANK_PREFERRED));
  sources.push_back(Source(v1::MODALITY_REPORTED));
  EXPECT_EQ(ModalityOfSources(Pointers(sources)), v1::MODALITY_ESTIMATE);
  // Only deprecated sources: they decide among themselves.
  std::vector<v1::Mention> deprecated = {
      Source(v1::MODALITY_FORECAST, v1::RANK_DEPRECATED),
      Source(v1::MODALITY_REPORTED, v1::RANK_DEPRECATED)};
  EXPECT_EQ(ModalityOfSources(Pointers(deprecated)), v1::MODALITY_REPORTED);
}

TEST(SourceWeighingTest, DeprecatedSourcesCountOnlyWhenAllAre) {
  std::vector<v1::Mention> sources = {
      Source(v1::MODALITY_REPORTED, v1::RANK_DEPRECATED),
      Source(v1::MODALITY_REPORTED), Source(v1::MODALITY_FORECAST)};
  std::vector<const v1::Mention*> counted = CountedSources(Pointers(sources));
  ASSERT_EQ(counted.size(), 2u);
  EXPECT_EQ(counted[0], &sources[1]);
  EXPECT_EQ(counted[1], &sources[2]);
  sources.erase(sources.begin() + 1, sources.end());
  EXPECT_EQ(CountedSources(Pointers(sources)).size(), 1u);
}

TEST(SourceWeighingTest, UnsetWeightsReadAsTheFactsModalityAndNormal) {
  v1::Mention legacy;
  FillMentionWeights(v1::MODALITY_FORECAST, &legacy);
  EXPECT_EQ(legacy.modality(), v1::MODALITY_FORECAST);
  EXPECT_EQ(legacy.rank(), v1::RANK_NORMAL);
  v1::Mention own = Source(v1::MODALITY_OBSERVED, v1::RANK_PREFERRED);
  FillMentionWeights(v1::MODALITY_FORECAST, &own);
  EXPECT_EQ(own.modality(), v1::MODALITY_OBSERVED);
  EXPECT_EQ(own.rank(), v1::RANK_PREFERRED);
}

TEST(SourceWeighingTest, LegacyMentionsTakeTheLatestModalityWhenLive) {
  FactRecord record;
  record.add_revisions()->set_modality(v1::MODALITY_ESTIMATE);
  record.add_mentions()->set_replaced_commit(5);  // replaced: history
  record.add_mentions();                          // live, no modality
  *record.add_mentions()->mutable_mention() = Source(v1::MODALITY_FORECAST);
  SetLegacyMentionWeights(9, &record);
  ASSERT_EQ(record.mentions_size(), 3);
  EXPECT_EQ(record.mentions(0).mention().modality(), v1::MODALITY_UNSPECIFIED);
  EXPECT_EQ(record.mentions(1).mention().modality(), v1::MODALITY_ESTIMATE);
  EXPECT_EQ(record.mentions(1).mention().rank(), v1::RANK_NORMAL);
  EXPECT_EQ(record.mentions(2).mention().modality(), v1::MODALITY_FORECAST);
  EXPECT_EQ(LiveMentions(record).size(), 2u);
}

TEST(SourceWeighingTest, LegacyMentionsOfAFactWhoseModalityMovedAreCopied) {
  FactRecord record;
  FactRevision* first = record.add_revisions();
  first->set_commit(5);
  first->set_modality(v1::MODALITY_FORECAST);
  FactRevision* later = record.add_revisions();
  later->set_commit(8);
  later->set_modality(v1::MODALITY_REPORTED);
  record.add_mentions()->set_commit(5);  // live, no modality
  SetLegacyMentionWeights(9, &record);
  // The old one reads as of commit 6 as it did (the fact's FORECAST then);
  // the copy from 9 on says REPORTED.
  ASSERT_EQ(record.mentions_size(), 2);
  EXPECT_EQ(record.mentions(0).replaced_commit(), 9u);
  EXPECT_EQ(record.mentions(0).mention().modality(), v1::MODALITY_UNSPECIFIED);
  EXPECT_EQ(record.mentions(1).commit(), 9u);
  EXPECT_EQ(record.mentions(1).replaced_commit(), 0u);
  EXPECT_EQ(record.mentions(1).mention().modality(), v1::MODALITY_REPORTED);
  ASSERT_EQ(LiveMentions(record).size(), 1u);
}

}  // namespace
}  // namespace factstore::storage
