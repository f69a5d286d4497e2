// End-to-end tests of the query service (query_test_fixture.h): ResolveValue:
// the preferred value among conflicting claims.
#include "query_service/query_test_fixture.h"

namespace factstore {
namespace {

// ResolveValue.

TEST_F(QueryServiceTest, ResolveValuePrefersObservedOverForecast) {
  std::string observed = IngestOne(WithModality(
      WithValidTime(RawFact("product:kr-it-outsourcing-market", "market.size",
                            "$600 billion", "doc:seoul-forum", kMarketQuote),
                    "2024"),
      v1::MODALITY_OBSERVED));
  std::string forecast = IngestOne(WithModality(
      WithValidTime(RawFact("product:kr-it-outsourcing-market", "market.size",
                            "$800 billion", "doc:seoul-forum", kMarketQuote),
                    "by 2028"),
      v1::MODALITY_FORECAST));

  v1::ResolveValueResponse resolved =
      Resolve("product:kr-it-outsourcing-market", "market.size");
  EXPECT_EQ(resolved.preferred().id(), observed);
  EXPECT_EQ(resolved.preferred().value().quantity().amount(), "600000000000");
  EXPECT_EQ(resolved.reason(), v1::RESOLUTION_REASON_MODALITY);
  EXPECT_FALSE(resolved.explanation().empty());
  ASSERT_EQ(resolved.competing_size(), 1);
  EXPECT_EQ(resolved.competing(0).id(), forecast);
  EXPECT_EQ(resolved.competing(0).value().quantity().amount(), "800000000000");
  EXPECT_EQ(resolved.commit_token(), last_commit_);

  // In 2028 only the forecast holds.
  resolved = Resolve("product:kr-it-outsourcing-market", "market.size", "2028");
  EXPECT_EQ(resolved.preferred().id(), forecast);
  EXPECT_EQ(resolved.reason(), v1::RESOLUTION_REASON_SOLE_CLAIM);
  EXPECT_EQ(resolved.competing_size(), 0);
  resolved =
      Resolve("product:kr-it-outsourcing-market", "market.size", "2024-06-01");
  EXPECT_EQ(resolved.preferred().id(), observed);
  EXPECT_EQ(resolved.reason(), v1::RESOLUTION_REASON_SOLE_CLAIM);
  resolved = Resolve("product:kr-it-outsourcing-market", "market.size", "2026");
  EXPECT_FALSE(resolved.has_preferred());
  EXPECT_EQ(resolved.competing_size(), 0);

  // A PREFERRED claim beats everything, even a forecast.
  v1::Fact preferred = WithModality(
      WithValidTime(
          RawFact("product:kr-it-outsourcing-market", "market.size",
                  "$700 billion", "doc:da-nang-ict", "an editor's figure"),
          "2024"),
      v1::MODALITY_FORECAST);
  preferred.set_rank(v1::RANK_PREFERRED);
  std::string editor = IngestOne(preferred);
  resolved = Resolve("product:kr-it-outsourcing-market", "market.size");
  EXPECT_EQ(resolved.preferred().id(), editor);
  EXPECT_EQ(resolved.reason(), v1::RESOLUTION_REASON_RANK);
  ASSERT_EQ(resolved.competing_size(), 2);
  EXPECT_EQ(resolved.competing(0).id(), observed);
  EXPECT_EQ(resolved.competing(1).id(), forecast);

  // A DEPRECATED observation ranks below a normal forecast.
  v1::Fact deprecated = WithModality(
      WithValidTime(RawFact("product:kr-it-outsourcing-market", "market.size",
                            "$500 billion", "doc:da-nang-ict", "an old figure"),
                    "2023"),
      v1::MODALITY_OBSERVED);
  deprecated.set_rank(v1::RANK_DEPRECATED);
  std::string old = IngestOne(deprecated);
  resolved = Resolve("product:kr-it-outsourcing-market", "market.size");
  ASSERT_EQ(resolved.competing_size(), 3);
  EXPECT_EQ(resolved.competing(2).id(), old);

  // Retracted claims do not compete.
  Retract({editor});
  resolved = Resolve("product:kr-it-outsourcing-market", "market.size");
  EXPECT_EQ(resolved.preferred().id(), observed);
  EXPECT_EQ(resolved.reason(), v1::RESOLUTION_REASON_MODALITY);
  EXPECT_EQ(resolved.competing_size(), 2);

  // And as of before the forecast, the observation was alone.
  v1::ResolveValueRequest request;
  request.set_subject("product:kr-it-outsourcing-market");
  request.set_predicate("market.size");
  request.mutable_read_options()->set_as_of(Token(CommitOf(seed_commit_) + 1));
  auto context = Context();
  ASSERT_TRUE(query().ResolveValue(context.get(), request, &resolved).ok());
  EXPECT_EQ(resolved.preferred().id(), observed);
  EXPECT_EQ(resolved.reason(), v1::RESOLUTION_REASON_SOLE_CLAIM);

  // Nothing to resolve.
  resolved = Resolve("place:seoul", "market.size");
  EXPECT_FALSE(resolved.has_preferred());
  EXPECT_EQ(resolved.competing_size(), 0);
}

TEST_F(QueryServiceTest, ResolveValueCountsDistinctPublishers) {
  Upsert(R"pb(
    entities { id: "doc:a" type: ENTITY_TYPE_DOCUMENT name: "A" }
    entities { id: "doc:b" type: ENTITY_TYPE_DOCUMENT name: "B" }
    entities { id: "doc:c" type: ENTITY_TYPE_DOCUMENT name: "C" }
    entities { id: "doc:d" type: ENTITY_TYPE_DOCUMENT name: "D" }
    entities { id: "doc:e" type: ENTITY_TYPE_DOCUMENT name: "E" }
    entities { id: "doc:f" type: ENTITY_TYPE_DOCUMENT name: "F" }
  )pb");
  auto mention = [](v1::Fact* fact, const std::string& doc,
                    const std::string& publisher, const std::string& date) {
    v1::Mention* m = fact->add_mentions();
    m->set_document_id(doc);
    m->set_publisher(publisher);
    m->set_publication_date(date);
    m->set_quote("valued at ...");
    m->set_language("en");
  };
  // Two independent publishers.
  v1::Fact two = RawFact("product:kr-it-outsourcing-market", "market.size",
                         "$600 billion", "doc:a", "valued at $600 billion");
  two.mutable_valid_time()->set_raw("2024");
  two.clear_mentions();
  mention(&two, "doc:a", "Vietnam News", "2024-08-01");
  mention(&two, "doc:b", "VietnamNet", "2024-08-01");
  // Two mentions, but from one publisher (spelled differently), published
  // later and committed later: it would win on every later rule.
  v1::Fact one = RawFact("product:kr-it-outsourcing-market", "market.size",
                         "$610 billion", "doc:c", "valued at $610 billion");
  one.mutable_valid_time()->set_raw("2024");
  one.clear_mentions();
  mention(&one, "doc:c", "Vietnam News", "2024-09-01");
  mention(&one, "doc:d", " vietnam news ", "2024-09-01");
  std::string two_id = IngestOne(two);
  std::string one_id = IngestOne(one);

  v1::ResolveValueResponse resolved =
      Resolve("product:kr-it-outsourcing-market", "market.size");
  EXPECT_EQ(resolved.preferred().id(), two_id);
  EXPECT_EQ(resolved.reason(), v1::RESOLUTION_REASON_SOURCE_COUNT)
      << resolved.explanation();
  ASSERT_EQ(resolved.competing_size(), 1);
  EXPECT_EQ(resolved.competing(0).id(), one_id);

  // Two more sources for the second claim (a document without publisher
  // counts by itself) turn it around.
  v1::Fact more = one;
  more.clear_mentions();
  mention(&more, "doc:e", "Korea Herald", "");
  mention(&more, "doc:f", "", "");
  IngestOne(more);
  resolved = Resolve("product:kr-it-outsourcing-market", "market.size");
  EXPECT_EQ(resolved.preferred().id(), one_id);
  EXPECT_EQ(resolved.preferred().mentions_size(), 4);
  EXPECT_EQ(resolved.reason(), v1::RESOLUTION_REASON_SOURCE_COUNT);
}

TEST_F(QueryServiceTest, EachSourceKeepsItsModalityAndTheFirmestDecides) {
  Upsert(R"pb(
    entities { id: "doc:a" type: ENTITY_TYPE_DOCUMENT name: "A" }
    entities { id: "doc:b" type: ENTITY_TYPE_DOCUMENT name: "B" }
  )pb");
  auto from = [](const std::string& doc, v1::Modality modality,
                 v1::Rank rank = v1::RANK_UNSPECIFIED) {
    v1::Fact fact =
        WithValidTime(RawFact("product:kr-it-outsourcing-market", "market.size",
                              "$800 billion", doc, "rise to $800 billion"),
                      "2028");
    fact.mutable_mentions(0)->set_modality(modality);
    fact.mutable_mentions(0)->set_rank(rank);
    return fact;
  };
  auto mention_of = [](const v1::Fact& fact, const std::string& doc) {
    for (const v1::Mention& m : fact.mentions()) {
      if (m.document_id() == doc) return m;
    }
    ADD_FAILURE() << "no mention of " << doc;
    return v1::Mention();
  };
  // One source forecasts the figure: the fact is a FORECAST.
  std::string forecast_commit;
  std::string id =
      IngestOne(from("doc:a", v1::MODALITY_FORECAST), &forecast_commit);
  v1::GetFactResponse got;
  ASSERT_TRUE(GetFact(id, &got).ok());
  EXPECT_EQ(got.fact().modality(), v1::MODALITY_FORECAST);
  EXPECT_EQ(mention_of(got.fact(), "doc:a").rank(), v1::RANK_NORMAL);

  // A second one reports it: the firmest source decides, and the first one
  // still forecasts it.
  v1::IngestFactsResponse added =
      IngestAll({from("doc:b", v1::MODALITY_REPORTED)});
  EXPECT_EQ(added.results(0).outcome(), v1::OUTCOME_UPDATED);
  EXPECT_EQ(added.results(0).fact().modality(), v1::MODALITY_REPORTED);
  ASSERT_TRUE(GetFact(id, &got).ok());
  EXPECT_EQ(got.fact().modality(), v1::MODALITY_REPORTED);
  EXPECT_EQ(mention_of(got.fact(), "doc:a").modality(), v1::MODALITY_FORECAST);
  EXPECT_EQ(mention_of(got.fact(), "doc:b").modality(), v1::MODALITY_REPORTED);
  // Filters read the derived modality, and time travel the one of the time.
  v1::ListFactsRequest reported;
  reported.mutable_filter()->set_predicate("market.size");
  reported.mutable_filter()->add_modalities(v1::MODALITY_REPORTED);
  EXPECT_EQ(IdsOf(ListFactsOk(reported).facts()).count(id), 1u);
  v1::ReadOptions then;
  then.set_as_of(forecast_commit);
  ASSERT_TRUE(GetFact(id, &got, then).ok());
  EXPECT_EQ(got.fact().modality(), v1::MODALITY_FORECAST);
  EXPECT_EQ(got.fact().mentions_size(), 1);

  // The same source again, unchanged, changes nothing; deprecated, it no
  // longer counts, and the forecast is all that is left.
  EXPECT_EQ(
      IngestAll({from("doc:b", v1::MODALITY_REPORTED)}).results(0).outcome(),
      v1::OUTCOME_UNCHANGED);
  v1::IngestFactsResponse deprecated =
      IngestAll({from("doc:b", v1::MODALITY_REPORTED, v1::RANK_DEPRECATED)});
  EXPECT_EQ(deprecated.results(0).outcome(), v1::OUTCOME_UPDATED);
  ASSERT_TRUE(GetFact(id, &got).ok());
  EXPECT_EQ(got.fact().modality(), v1::MODALITY_FORECAST);
  EXPECT_EQ(got.fact().mentions_size(), 2);
  EXPECT_EQ(mention_of(got.fact(), "doc:b").rank(), v1::RANK_DEPRECATED);
  // A preferred source decides alone, even when less firm than others.
  IngestAll({from("doc:b", v1::MODALITY_ESTIMATE, v1::RANK_PREFERRED),
             from("doc:a", v1::MODALITY_OBSERVED)});
  ASSERT_TRUE(GetFact(id, &got).ok());
  EXPECT_EQ(got.fact().modality(), v1::MODALITY_ESTIMATE);
  EXPECT_EQ(mention_of(got.fact(), "doc:a").modality(), v1::MODALITY_OBSERVED);

  // Erasing the deciding source leaves the others to decide.
  Erase("doc:b", "source withdrawn");
  ASSERT_TRUE(GetFact(id, &got).ok());
  EXPECT_EQ(got.fact().modality(), v1::MODALITY_OBSERVED);
  ASSERT_EQ(got.fact().mentions_size(), 1);
  EXPECT_EQ(got.fact().mentions(0).document_id(), "doc:a");
}

TEST_F(QueryServiceTest, ResolveValueWeighsSourcesAtTheFactsModality) {
  Upsert(R"pb(
    entities { id: "doc:a" type: ENTITY_TYPE_DOCUMENT name: "A" }
    entities { id: "doc:b" type: ENTITY_TYPE_DOCUMENT name: "B" }
    entities { id: "doc:c" type: ENTITY_TYPE_DOCUMENT name: "C" }
    entities { id: "doc:d" type: ENTITY_TYPE_DOCUMENT name: "D" }
    entities { id: "doc:e" type: ENTITY_TYPE_DOCUMENT name: "E" }
  )pb");
  auto claim =
      [](const std::string& amount,
         const std::vector<std::pair<std::string, v1::Modality>>& sources) {
        v1::Fact fact =
            WithValidTime(RawFact("product:kr-it-outsourcing-market",
                                  "market.size", amount, "doc:a", "q"),
                          "2024");
        fact.clear_mentions();
        for (const auto& [doc, modality] : sources) {
          v1::Mention* m = fact.add_mentions();
          m->set_document_id(doc);
          m->set_publisher(absl::StrCat("publisher of ", doc));
          m->set_quote(absl::StrCat(amount, " in ", doc));
          m->set_language("en");
          m->set_modality(modality);
        }
        return fact;
      };
  // Reported once and forecast by two more publishers, against reported by
  // two: both are REPORTED, and the two reports win over three sources.
  std::string once =
      IngestOne(claim("$600 billion", {{"doc:a", v1::MODALITY_REPORTED},
                                       {"doc:b", v1::MODALITY_FORECAST},
                                       {"doc:c", v1::MODALITY_FORECAST}}));
  std::string twice =
      IngestOne(claim("$610 billion", {{"doc:d", v1::MODALITY_REPORTED},
                                       {"doc:e", v1::MODALITY_REPORTED}}));
  v1::ResolveValueResponse resolved =
      Resolve("product:kr-it-outsourcing-market", "market.size");
  EXPECT_EQ(resolved.preferred().id(), twice);
  EXPECT_EQ(resolved.reason(), v1::RESOLUTION_REASON_SOURCE_COUNT);
  EXPECT_EQ(resolved.explanation(),
            "2 independent sources present it as REPORTED against 1");
  ASSERT_EQ(resolved.competing_size(), 1);
  EXPECT_EQ(resolved.competing(0).id(), once);
  EXPECT_EQ(resolved.competing(0).modality(), v1::MODALITY_REPORTED);

  // One of the two reports deprecated: one report each, and the three
  // sources in all decide.
  v1::Fact deprecate =
      claim("$610 billion", {{"doc:e", v1::MODALITY_REPORTED}});
  deprecate.mutable_mentions(0)->set_rank(v1::RANK_DEPRECATED);
  IngestOne(deprecate);
  resolved = Resolve("product:kr-it-outsourcing-market", "market.size");
  EXPECT_EQ(resolved.preferred().id(), once);
  EXPECT_EQ(resolved.reason(), v1::RESOLUTION_REASON_SOURCE_COUNT);
  EXPECT_EQ(resolved.explanation(), "3 independent sources against 1");
}

TEST_F(QueryServiceTest, ResolveValueFallsBackToSourceDate) {
  Upsert(R"pb(
    entities { id: "doc:a" type: ENTITY_TYPE_DOCUMENT name: "A" }
    entities { id: "doc:b" type: ENTITY_TYPE_DOCUMENT name: "B" }
  )pb");
  v1::Fact newer = RawFact("product:kr-it-outsourcing-market", "market.size",
                           "$600 billion", "doc:a", "q");
  newer.mutable_valid_time()->set_raw("2024");
  newer.mutable_mentions(0)->set_publication_date("2024-09-01");
  v1::Fact older = RawFact("product:kr-it-outsourcing-market", "market.size",
                           "$650 billion", "doc:b", "q");
  older.mutable_valid_time()->set_raw("2024");
  older.mutable_mentions(0)->set_publication_date("2024-01-01");
  std::string newer_id = IngestOne(newer);
  std::string older_id = IngestOne(older);  // committed later
  v1::ResolveValueResponse resolved =
      Resolve("product:kr-it-outsourcing-market", "market.size");
  EXPECT_EQ(resolved.preferred().id(), newer_id);
  EXPECT_EQ(resolved.reason(), v1::RESOLUTION_REASON_SOURCE_DATE);
  ASSERT_EQ(resolved.competing_size(), 1);
  EXPECT_EQ(resolved.competing(0).id(), older_id);
}

TEST_F(QueryServiceTest, ResolveValueDrawsASeriesScopedByQualifiers) {
  Upsert(R"pb(entities {
                id: "doc:kr-outbound"
                type: ENTITY_TYPE_DOCUMENT
                name: "Korean outbound investment"
              })pb");
  auto claim = [](const std::string& amount, const std::string& year,
                  const std::string& destination, const std::string& document,
                  v1::Modality modality = v1::MODALITY_REPORTED) {
    v1::Fact fact =
        RawFact("country:south-korea", "investment.cumulative_total", amount,
                document, absl::StrCat(amount, " ", year));
    if (!year.empty()) fact.mutable_valid_time()->set_raw(year);
    (*fact.mutable_qualifiers())["destination"].set_entity_id(destination);
    fact.set_modality(modality);
    return fact;
  };
  v1::IngestFactsResponse ingested = IngestAll({
      claim("US$80 billion", "2023", "country:vietnam", "doc:da-nang-ict"),
      claim("US$85.9 billion", "2024", "country:vietnam", "doc:da-nang-ict"),
      claim("US$86 billion", "2024", "country:vietnam", "doc:seoul-forum",
            v1::MODALITY_FORECAST),
      // Another destination: not weighed against the others.
      claim("US$10 billion", "2024", "place:da-nang", "doc:kr-outbound"),
      // No valid time: in no period.
      claim("US$1 billion", "", "country:vietnam", "doc:kr-outbound"),
  });

  v1::ResolveValueRequest request;
  request.set_subject("country:south-korea");
  request.set_predicate("investment.cumulative_total");
  (*request.mutable_qualifiers())["destination"] = "country:vietnam";
  request.set_series(v1::SERIES_PERIOD_YEAR);
  v1::ResolveValueResponse response;
  auto context = Context();
  ASSERT_TRUE(
      query().ResolveValue(context.get(), Fresh(request), &response).ok());
  EXPECT_FALSE(response.has_preferred());
  ASSERT_EQ(response.series_size(), 2);
  EXPECT_EQ(response.series(0).period(), "2023");
  EXPECT_EQ(response.series(0).preferred().id(), ingested.results(0).fact_id());
  EXPECT_EQ(response.series(0).reason(), v1::RESOLUTION_REASON_SOLE_CLAIM);
  EXPECT_EQ(response.series(1).period(), "2024");
  EXPECT_EQ(response.series(1).claim_count(), 2);
  EXPECT_EQ(response.series(1).preferred().id(), ingested.results(1).fact_id());
  EXPECT_EQ(response.series(1).reason(), v1::RESOLUTION_REASON_MODALITY);
  EXPECT_FALSE(response.series(1).explanation().empty());

  request.set_series(v1::SERIES_PERIOD_MONTH);
  auto month_context = Context();
  ASSERT_TRUE(query()
                  .ResolveValue(month_context.get(), Fresh(request), &response)
                  .ok());
  ASSERT_EQ(response.series_size(), 2);
  EXPECT_EQ(response.series(1).period(), "2024-01");

  // Without a series: one resolution of the destination's claims, all four.
  request.set_series(v1::SERIES_PERIOD_UNSPECIFIED);
  auto one_context = Context();
  ASSERT_TRUE(
      query().ResolveValue(one_context.get(), Fresh(request), &response).ok());
  EXPECT_TRUE(response.has_preferred());
  EXPECT_EQ(response.competing_size(), 3);

  request.set_series(static_cast<v1::SeriesPeriod>(9));
  auto bad_context = Context();
  ExpectInvalid(
      query().ResolveValue(bad_context.get(), Fresh(request), &response),
      "series");
  request.set_series(v1::SERIES_PERIOD_YEAR);
  (*request.mutable_qualifiers())[""] = "country:vietnam";
  auto bad_name_context = Context();
  ExpectInvalid(
      query().ResolveValue(bad_name_context.get(), Fresh(request), &response),
      "qualifiers");
}

}  // namespace
}  // namespace factstore
