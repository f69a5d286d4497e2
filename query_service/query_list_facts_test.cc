// End-to-end tests of the query service (query_test_fixture.h): ListFacts:
// filters and plans, keys examined, paging while writes go on, page tokens.
#include "google/protobuf/util/message_differencer.h"
#include "query_service/query_test_fixture.h"

namespace factstore {
namespace {

// ListFacts filters and plans.

class ListFactsTest : public QueryServiceTest {
 protected:
  void SetUp() override {
    QueryServiceTest::SetUp();
    Register(R"pb(
      predicates {
        name: "economy.growth_rate"
        value_type: VALUE_TYPE_QUANTITY
        unit_dimension: UNIT_DIMENSION_RATIO
        description: "Growth of the economy"
      }
    )pb");
    Upsert(R"pb(
      entities {
        id: "event:da-nang-ict-conference"
        type: ENTITY_TYPE_EVENT
        name: "ICT investment conference"
      }
    )pb");
    std::vector<std::pair<std::string, v1::Fact>> facts = {
        {"dn_institutions",
         WithValidTime(
             RawFact("place:da-nang", "education.it_institution_count", "37",
                     "doc:da-nang-ict", "37 institutions"),
             "2024")},
        {"dn_workforce",
         WithValidTime(
             RawFact("place:da-nang", "workforce.digital_professionals",
                     "approximately 53,000 people", "doc:da-nang-ict",
                     "approximately 53,000 people"),
             "2024-08")},
        {"kr_investment",
         WithValidTime(
             RawFact("country:south-korea", "investment.cumulative_total",
                     "US$85.9 billion", "doc:da-nang-ict", "US$85.9 billion"),
             "2024-08-02")},
        {"forum_location",
         WithModality(
             RawFact("event:vn-kr-digital-forum-2024", "event.location",
                     "Seoul", "doc:seoul-forum", "held in Seoul"),
             v1::MODALITY_OBSERVED)},
        {"forum_date", RawFact("event:vn-kr-digital-forum-2024", "event.date",
                               "2024-08-02", "doc:seoul-forum", "on 2 August")},
        {"conf_location",
         RawFact("event:da-nang-ict-conference", "event.location", "Da Nang",
                 "doc:da-nang-ict", "in Da Nang")},
        {"market_600",
         WithModality(WithValidTime(RawFact("product:kr-it-outsourcing-market",
                                            "market.size", "$600 billion",
                                            "doc:seoul-forum", kMarketQuote),
                                    "2024"),
                      v1::MODALITY_OBSERVED)},
        {"market_800",
         WithModality(WithValidTime(RawFact("product:kr-it-outsourcing-market",
                                            "market.size", "$800 billion",
                                            "doc:seoul-forum", kMarketQuote),
                                    "by 2028"),
                      v1::MODALITY_FORECAST)},
        {"g-1.5",
         WithValidTime(
             QuantityFact("place:da-nang", "economy.growth_rate", "-1.5",
                          "percent", "doc:da-nang-ict", "fell 1.5%"),
             "2019")},
        {"g-0.5",
         WithValidTime(
             QuantityFact("place:da-nang", "economy.growth_rate", "-0.5",
                          "percent", "doc:da-nang-ict", "fell 0.5%"),
             "2020")},
        {"g0",
         WithValidTime(QuantityFact("place:da-nang", "economy.growth_rate", "0",
                                    "percent", "doc:da-nang-ict", "flat"),
                       "2021")},
        {"g0.25",
         WithValidTime(
             QuantityFact("place:da-nang", "economy.growth_rate", "0.25",
                          "percent", "doc:da-nang-ict", "rose 0.25%"),
             "2022")},
        {"g2",
         WithValidTime(QuantityFact("place:da-nang", "economy.growth_rate", "2",
                                    "percent", "doc:da-nang-ict", "rose 2%"),
                       "2023")},
        {"vn_g0.25",
         WithValidTime(
             QuantityFact("country:vietnam", "economy.growth_rate", "0.25",
                          "percent", "doc:seoul-forum", "rose 0.25%"),
             "2022")},
        {"vn_per_mille",
         WithValidTime(QuantityFact("country:vietnam", "economy.growth_rate",
                                    "0.25", "per_1000_people",
                                    "doc:seoul-forum", "0.25 per 1000"),
                       "2022")},
        {"dn_note_open", WithInterval(RawFact("place:da-nang", "note.text",
                                              "an open-ended note",
                                              "doc:da-nang-ict", "since 2020"),
                                      "2020", "")},
        {"vn_note_long",
         WithInterval(RawFact("country:vietnam", "note.text", "a long note",
                              "doc:seoul-forum", "from 2000 to 2030"),
                      "2000", "2030")},
        {"fpt_members", QuantityFact("org:fpt", "org.member_count", "12",
                                     "count", "doc:seoul-forum", "12 members")},
    };
    std::vector<v1::Fact> list;
    for (const auto& [name, fact] : facts) list.push_back(fact);
    v1::IngestFactsResponse response = IngestAll(list);
    ASSERT_EQ(response.results_size(), static_cast<int>(facts.size()));
    for (size_t i = 0; i < facts.size(); ++i) {
      ids_[facts[i].first] = response.results(i).fact_id();
      stored_[facts[i].first] = response.results(i).fact();
      names_[response.results(i).fact_id()] = facts[i].first;
    }
    Retract({ids_["fpt_members"]});
  }

  IdSet Ids(const std::vector<std::string>& names) {
    IdSet out;
    for (const auto& n : names) {
      EXPECT_TRUE(ids_.count(n)) << n;
      out.insert(ids_[n]);
    }
    return out;
  }
  std::vector<std::string> Names(const IdSet& ids) {
    std::vector<std::string> out;
    for (const auto& id : ids)
      out.push_back(names_.count(id) ? names_[id] : id);
    std::sort(out.begin(), out.end());
    return out;
  }

  // Lists `filter` in one page, checks the plan and the result, and checks
  // that pages of 1 and 2 give the same facts.
  void ExpectListed(const std::string& filter_text,
                    const std::vector<std::string>& expected,
                    const std::string& index) {
    v1::ListFactsRequest request;
    *request.mutable_filter() = Parse<v1::FactFilter>(filter_text);
    request.set_page_size(1000);
    v1::ListFactsResponse response = ListFactsOk(request);
    std::vector<std::string> want = expected;
    std::sort(want.begin(), want.end());
    EXPECT_EQ(Names(IdsOf(response.facts())), want) << filter_text;
    EXPECT_EQ(response.plan().index(), index) << filter_text;
    EXPECT_TRUE(response.next_page_token().empty()) << filter_text;
    for (int page_size : {1, 2}) {
      std::vector<std::string> paged = ListAllPages(request, page_size);
      EXPECT_EQ(Names(IdSet(paged.begin(), paged.end())), want)
          << filter_text << " in pages of " << page_size;
      EXPECT_EQ(paged.size(), expected.size()) << filter_text;
    }
  }

  std::map<std::string, std::string> ids_;
  std::map<std::string, v1::Fact> stored_;
  std::map<std::string, std::string> names_;
};

TEST_F(ListFactsTest, SubjectAndPredicate) {
  ExpectListed(R"pb(subject: "place:da-nang")pb",
               {"dn_institutions", "dn_workforce", "g-1.5", "g-0.5", "g0",
                "g0.25", "g2", "dn_note_open"},
               "subject_predicate");
  ExpectListed(
      R"pb(subject: "place:da-nang" predicate: "economy.growth_rate")pb",
      {"g-1.5", "g-0.5", "g0", "g0.25", "g2"}, "subject_predicate");
  ExpectListed(R"pb(subject: "place:da-nang" predicate_prefix: "economy.")pb",
               {"g-1.5", "g-0.5", "g0", "g0.25", "g2"}, "subject_predicate");
  ExpectListed(R"pb(subject: "place:da-nang" predicate_prefix: "e")pb",
               {"dn_institutions", "g-1.5", "g-0.5", "g0", "g0.25", "g2"},
               "subject_predicate");
  ExpectListed(R"pb(subject: "place:nowhere")pb", {}, "subject_predicate");
  ExpectListed(R"pb(predicate: "market.size")pb", {"market_600", "market_800"},
               "predicate_value");
  ExpectListed(R"pb(predicate_prefix: "market.")pb",
               {"market_600", "market_800"}, "predicate_value");
  ExpectListed(R"pb(predicate_prefix: "event.")pb",
               {"forum_location", "forum_date", "conf_location"},
               "predicate_value");
  ExpectListed(R"pb(predicate: "market")pb", {}, "predicate_value");
  ExpectListed(R"pb(predicate: "note.text" subject: "country:vietnam")pb",
               {"vn_note_long"}, "subject_predicate");
}

TEST_F(ListFactsTest, ObjectAndSourceDocument) {
  ExpectListed(R"pb(object: "place:seoul")pb", {"forum_location"}, "object");
  ExpectListed(R"pb(object: "place:da-nang")pb", {"conf_location"}, "object");
  ExpectListed(R"pb(object: "place:da-nang" predicate: "event.location")pb",
               {"conf_location"}, "object");
  ExpectListed(R"pb(source_document: "doc:seoul-forum")pb",
               {"forum_location", "forum_date", "market_600", "market_800",
                "vn_g0.25", "vn_per_mille", "vn_note_long"},
               "source");
  ExpectListed(R"pb(source_document: "doc:seoul-forum"
                    predicate_prefix: "market.")pb",
               {"market_600", "market_800"}, "source");
  ExpectListed(
      R"pb(subject: "place:da-nang" source_document: "doc:seoul-forum")pb", {},
      "subject_predicate");
}

TEST_F(ListFactsTest, QualifiersSpeakersAndEveryRole) {
  v1::Fact invest =
      RawFact("country:south-korea", "investment.cumulative_total",
              "US$90 billion", "doc:seoul-forum", "90 billion dollars");
  (*invest.mutable_qualifiers())["destination"].set_entity_id(
      "country:vietnam");
  invest.mutable_mentions(0)->set_attributed_to("person:nguyen-van-khoa");
  // Names Vietnam twice (subject and qualifier), and comes once.
  v1::Fact self = RawFact("country:vietnam", "note.text", "about itself",
                          "doc:seoul-forum", "Vietnam on Vietnam");
  (*self.mutable_qualifiers())["about"].set_entity_id("country:vietnam");
  v1::IngestFactsResponse added = IngestAll({invest, self});
  for (int i = 0; i < 2; ++i) {
    std::string name = i == 0 ? "invest" : "self";
    ids_[name] = added.results(i).fact_id();
    names_[added.results(i).fact_id()] = name;
  }

  ExpectListed(
      R"pb(qualifiers { key: "destination" value: "country:vietnam" })pb",
      {"invest"}, "qualifier");
  ExpectListed(R"pb(qualifiers { key: "destination" value: "country:vietnam" }
                    qualifiers { key: "about" value: "country:vietnam" })pb",
               {}, "qualifier");
  ExpectListed(R"pb(qualifiers { key: "about" value: "country:vietnam" })pb",
               {"self"}, "qualifier");
  ExpectListed(R"pb(attributed_to: "person:nguyen-van-khoa")pb", {"invest"},
               "attribution");
  ExpectListed(R"pb(involves: "country:vietnam")pb",
               {"invest", "self", "vn_g0.25", "vn_per_mille", "vn_note_long"},
               "involves");
  ExpectListed(R"pb(involves: "person:nguyen-van-khoa")pb", {"invest"},
               "involves");
  ExpectListed(R"pb(involves: "doc:seoul-forum" predicate: "note.text")pb",
               {"vn_note_long", "self"}, "involves");
  ExpectListed(R"pb(involves: "place:seoul")pb", {"forum_location"},
               "involves");
  // With a more selective filter the plan is that filter's, and the entity
  // still has to appear in some role.
  ExpectListed(R"pb(subject: "country:vietnam"
                    involves: "country:vietnam"
                    predicate: "note.text")pb",
               {"vn_note_long", "self"}, "subject_predicate");

  v1::ListFactsResponse response;
  v1::ListFactsRequest bad;
  (*bad.mutable_filter()->mutable_qualifiers())[""] = "country:vietnam";
  ExpectInvalid(ListFacts(bad, &response), "filter.qualifiers");
  bad.Clear();
  for (int i = 0; i < 9; ++i) {
    (*bad.mutable_filter()->mutable_qualifiers())[absl::StrCat("q", i)] = "x";
  }
  ExpectInvalid(ListFacts(bad, &response), "filter.qualifiers");
  bad.Clear();
  bad.mutable_filter()->set_involves(std::string(300, 'x'));
  ExpectInvalid(ListFacts(bad, &response), "filter.involves");
}

TEST_F(ListFactsTest, AggregatesCountAndSumByGroup) {
  auto aggregate = [&](const std::string& text) {
    auto request = Parse<v1::AggregateFactsRequest>(text);
    v1::AggregateFactsResponse response;
    auto context = Context();
    grpc::Status status =
        query().AggregateFacts(context.get(), Fresh(request), &response);
    EXPECT_TRUE(status.ok()) << text << ": " << status.error_message();
    return response;
  };
  auto groups = [](const v1::AggregateFactsResponse& response) {
    std::vector<std::pair<std::string, int64_t>> out;
    for (const v1::FactGroup& g : response.groups()) {
      out.emplace_back(g.key(), g.fact_count());
    }
    return out;
  };
  using Groups = std::vector<std::pair<std::string, int64_t>>;

  v1::AggregateFactsResponse by_predicate =
      aggregate(R"pb(filter { subject: "place:da-nang" }
                     group_by: FACT_GROUPING_PREDICATE)pb");
  EXPECT_EQ(groups(by_predicate),
            (Groups{{"economy.growth_rate", 5},
                    {"education.it_institution_count", 1},
                    {"note.text", 1},
                    {"workforce.digital_professionals", 1}}));
  EXPECT_EQ(by_predicate.fact_count(), 8);
  EXPECT_EQ(by_predicate.group_count(), 4);
  EXPECT_EQ(by_predicate.plan().index(), "subject_predicate");

  // Sums, least and greatest of one unit, exactly; by valid-time year.
  v1::AggregateFactsResponse growth = aggregate(
      R"pb(filter { subject: "place:da-nang" predicate: "economy.growth_rate" }
           unit: "percent")pb");
  ASSERT_EQ(growth.groups_size(), 1);
  EXPECT_EQ(growth.groups(0).key(), "");
  EXPECT_EQ(growth.groups(0).quantity_count(), 5);
  EXPECT_EQ(growth.groups(0).sum(), "0.25");
  EXPECT_EQ(growth.groups(0).min(), "-1.5");
  EXPECT_EQ(growth.groups(0).max(), "2");
  v1::AggregateFactsResponse by_year = aggregate(
      R"pb(filter { predicate: "economy.growth_rate" }
           group_by: FACT_GROUPING_VALID_YEAR
           unit: "percent")pb");
  EXPECT_EQ(
      groups(by_year),
      (Groups{
          {"2022", 3}, {"2019", 1}, {"2020", 1}, {"2021", 1}, {"2023", 1}}));
  // 2022: 0.25 and 0.25 percent, and 0.25 per 1000 people (not summed).
  EXPECT_EQ(by_year.groups(0).quantity_count(), 2);
  EXPECT_EQ(by_year.groups(0).sum(), "0.5");

  // By document and modality, with the other filters; the largest first,
  // at most max_groups of them.
  v1::AggregateFactsResponse by_document =
      aggregate(R"pb(group_by: FACT_GROUPING_DOCUMENT)pb");
  EXPECT_EQ(groups(by_document),
            (Groups{{"doc:da-nang-ict", 10}, {"doc:seoul-forum", 7}}));
  v1::AggregateFactsResponse by_modality = aggregate(
      R"pb(filter { source_document: "doc:seoul-forum" }
           group_by: FACT_GROUPING_MODALITY
           max_groups: 1)pb");
  EXPECT_EQ(by_modality.group_count(), 3);
  ASSERT_EQ(by_modality.groups_size(), 1);
  EXPECT_EQ(by_modality.groups(0).key(), "MODALITY_REPORTED");
  EXPECT_EQ(by_modality.groups(0).fact_count(), 4);
  // Retracted facts count only when asked for, as in ListFacts.
  EXPECT_EQ(aggregate(R"pb(filter { subject: "org:fpt" })pb").fact_count(), 0);
  EXPECT_EQ(
      aggregate(R"pb(filter { subject: "org:fpt" include_retracted: true })pb")
          .fact_count(),
      1);

  v1::AggregateFactsRequest bad;
  bad.set_group_by(static_cast<v1::FactGrouping>(99));
  v1::AggregateFactsResponse response;
  auto context = Context();
  ExpectInvalid(query().AggregateFacts(context.get(), Fresh(bad), &response),
                "group_by");
  bad.Clear();
  bad.set_max_groups(-1);
  auto negative_context = Context();
  ExpectInvalid(
      query().AggregateFacts(negative_context.get(), Fresh(bad), &response),
      "max_groups");
}

TEST_F(ListFactsTest, QuantityRanges) {
  const std::string g = R"pb(predicate: "economy.growth_rate")pb";
  ExpectListed(g + R"pb(quantity_range { unit: "percent" })pb",
               {"g-1.5", "g-0.5", "g0", "g0.25", "g2", "vn_g0.25"},
               "predicate_value");
  ExpectListed(
      g + R"pb(quantity_range { unit: "percent" min: "-1" max: "0.25" })pb",
      {"g-0.5", "g0", "g0.25", "vn_g0.25"}, "predicate_value");
  ExpectListed(g + R"pb(quantity_range {
                          unit: "percent"
                          min: "-0.5"
                          max: "0.25"
                          min_exclusive: true
                        })pb",
               {"g0", "g0.25", "vn_g0.25"}, "predicate_value");
  ExpectListed(g + R"pb(quantity_range {
                          unit: "percent"
                          min: "-0.5"
                          max: "0.25"
                          max_exclusive: true
                        })pb",
               {"g-0.5", "g0"}, "predicate_value");
  ExpectListed(g + R"pb(quantity_range {
                          unit: "percent"
                          min: "-1.5"
                          max: "2"
                          min_exclusive: true
                          max_exclusive: true
                        })pb",
               {"g-0.5", "g0", "g0.25", "vn_g0.25"}, "predicate_value");
  ExpectListed(g + R"pb(quantity_range { unit: "percent" max: "-1.5" })pb",
               {"g-1.5"}, "predicate_value");
  ExpectListed(g + R"pb(quantity_range { unit: "percent" max: "-1.49" })pb",
               {"g-1.5"}, "predicate_value");
  ExpectListed(g + R"pb(quantity_range { unit: "percent" max: "-1.51" })pb", {},
               "predicate_value");
  ExpectListed(
      g + R"pb(quantity_range { unit: "percent" min: "-0.55" max: "-0.45" })pb",
      {"g-0.5"}, "predicate_value");
  ExpectListed(
      g + R"pb(quantity_range { unit: "percent" min: "0" max: "0" })pb", {"g0"},
      "predicate_value");
  ExpectListed(g + R"pb(quantity_range {
                          unit: "percent"
                          min: "0"
                          max: "0"
                          min_exclusive: true
                        })pb",
               {}, "predicate_value");
  ExpectListed(g + R"pb(quantity_range { unit: "percent" min: "0.250" })pb",
               {"g0.25", "vn_g0.25", "g2"}, "predicate_value");
  ExpectListed(
      g + R"pb(quantity_range { unit: "percent" min: "0.2" max: "0.3" })pb",
      {"g0.25", "vn_g0.25"}, "predicate_value");
  ExpectListed(
      g + R"pb(quantity_range { unit: "percent" min: "1.5" max: "2.5" })pb",
      {"g2"}, "predicate_value");
  ExpectListed(
      g + R"pb(quantity_range { unit: "percent" min: "2" max: "2" })pb", {"g2"},
      "predicate_value");
  ExpectListed(g + R"pb(quantity_range { unit: "percent" min: "2.01" })pb", {},
               "predicate_value");
  ExpectListed(g + R"pb(quantity_range { unit: "per_1000_people" })pb",
               {"vn_per_mille"}, "predicate_value");
  ExpectListed(g + R"pb(quantity_range { unit: "USD" })pb", {},
               "predicate_value");
  ExpectListed(
      R"pb(predicate: "market.size"
           quantity_range { unit: "USD" min: "700000000000" })pb",
      {"market_800"}, "predicate_value");
  ExpectListed(
      R"pb(predicate: "market.size"
           quantity_range { unit: "USD" max: "600000000000" })pb",
      {"market_600"}, "predicate_value");
  // With a subject the subject index is cheaper; the range still applies.
  ExpectListed(R"pb(subject: "place:da-nang"
                    predicate: "economy.growth_rate"
                    quantity_range { unit: "percent" min: "0" max: "10" })pb",
               {"g0", "g0.25", "g2"}, "subject_predicate");
}

TEST_F(ListFactsTest, ValidTimeOverlap) {
  // The forecast "by 2028" is dated 2028.
  ASSERT_EQ(stored_["market_800"].valid_time().interval_start(), "2028-01-01")
      << stored_["market_800"].DebugString();
  ASSERT_EQ(stored_["market_800"].valid_time().interval_end(), "2029-01-01");
  ExpectListed(R"pb(valid_time { start: "2028" end: "2029" })pb",
               {"market_800", "dn_note_open", "vn_note_long"}, "valid_time");
  ExpectListed(R"pb(valid_time { start: "2024-08" end: "2024-09" })pb",
               {"dn_institutions", "dn_workforce", "kr_investment",
                "market_600", "dn_note_open", "vn_note_long"},
               "valid_time");
  ExpectListed(R"pb(valid_time { start: "2024-08-03" end: "2024-08-04" })pb",
               {"dn_institutions", "dn_workforce", "market_600", "dn_note_open",
                "vn_note_long"},
               "valid_time");
  // Open ends.
  ExpectListed(R"pb(valid_time { end: "2020" })pb", {"g-1.5", "vn_note_long"},
               "valid_time");
  ExpectListed(R"pb(valid_time { start: "2030-12-31" })pb",
               {"dn_note_open", "vn_note_long"}, "valid_time");
  ExpectListed(R"pb(valid_time { start: "2031" })pb", {"dn_note_open"},
               "valid_time");
  ExpectListed(R"pb(valid_time { start: "1990" end: "2000" })pb", {},
               "valid_time");
  ExpectListed(
      R"pb(valid_time { start: "2022" end: "2023" })pb",
      {"g0.25", "vn_g0.25", "vn_per_mille", "dn_note_open", "vn_note_long"},
      "valid_time");
  // Combined with an index of its own.
  ExpectListed(R"pb(subject: "place:da-nang"
                    valid_time { start: "2021" end: "2023" })pb",
               {"g0", "g0.25", "dn_note_open"}, "subject_predicate");
}

TEST_F(ListFactsTest, ModalitiesRetractedAndEverything) {
  ExpectListed(R"pb(modalities: MODALITY_FORECAST)pb", {"market_800"},
               "all_facts");
  ExpectListed(
      R"pb(modalities: MODALITY_OBSERVED modalities: MODALITY_FORECAST)pb",
      {"forum_location", "market_600", "market_800"}, "all_facts");
  ExpectListed(R"pb(predicate: "market.size" modalities: MODALITY_OBSERVED)pb",
               {"market_600"}, "predicate_value");
  ExpectListed(R"pb(subject: "org:fpt")pb", {}, "subject_predicate");
  ExpectListed(R"pb(subject: "org:fpt" include_retracted: true)pb",
               {"fpt_members"}, "subject_predicate");

  std::vector<std::string> everything;
  for (const auto& [name, id] : ids_) {
    if (name != "fpt_members") everything.push_back(name);
  }
  ExpectListed("", everything, "all_facts");
  everything.push_back("fpt_members");
  ExpectListed("include_retracted: true", everything, "all_facts");

  v1::ListFactsRequest request;
  request.mutable_filter()->set_subject("org:fpt");
  request.mutable_filter()->set_include_retracted(true);
  v1::ListFactsResponse response = ListFactsOk(request);
  ASSERT_EQ(response.facts_size(), 1);
  EXPECT_TRUE(response.facts(0).retracted());
  EXPECT_EQ(response.facts(0).retraction_reason(), "misread figure");
}

// Selective queries read only what they return.

TEST_F(QueryServiceTest, SelectiveListsExamineKeysInProportionToTheirResult) {
  constexpr int kSubjects = 100;
  constexpr int kFactsPerSubject = 30;
  std::string entities;
  for (int s = 0; s < kSubjects; ++s) {
    absl::StrAppend(&entities, "entities { id: \"org:o", s,
                    "\" type: ENTITY_TYPE_ORGANIZATION name: \"Organization ",
                    s, "\" }\n");
  }
  Upsert(entities);
  for (int half = 0; half < 2; ++half) {
    std::vector<v1::Fact> facts;
    for (int s = half * kSubjects / 2; s < (half + 1) * kSubjects / 2; ++s) {
      for (int i = 0; i < kFactsPerSubject; ++i) {
        facts.push_back(QuantityFact(
            absl::StrCat("org:o", s), "org.member_count",
            absl::StrCat(s * 1000 + i), "count", "doc:seoul-forum", "members"));
      }
    }
    IngestAll(facts, /*compact=*/true);
  }
  EXPECT_EQ(Stats().fact_count(), kSubjects * kFactsPerSubject);

  v1::ListFactsRequest request;
  request.set_page_size(1000);
  // "org:o4" is a prefix of "org:o40" ... "org:o49": only its own facts.
  request.mutable_filter()->set_subject("org:o4");
  v1::ListFactsResponse o4 = ListFactsOk(request);
  EXPECT_EQ(o4.facts_size(), kFactsPerSubject);
  for (const v1::Fact& f : o4.facts()) EXPECT_EQ(f.subject(), "org:o4");
  EXPECT_LE(o4.plan().keys_examined(), kFactsPerSubject + 1);

  request.mutable_filter()->set_subject("org:o42");
  v1::ListFactsResponse response = ListFactsOk(request);
  EXPECT_EQ(response.facts_size(), kFactsPerSubject);
  EXPECT_EQ(response.plan().index(), "subject_predicate");
  EXPECT_LE(response.plan().keys_examined(), response.facts_size() + 1);
  EXPECT_GE(response.plan().keys_examined(), response.facts_size());

  request.mutable_filter()->set_predicate("org.member_count");
  response = ListFactsOk(request);
  EXPECT_EQ(response.facts_size(), kFactsPerSubject);
  EXPECT_LE(response.plan().keys_examined(), response.facts_size() + 1);

  request.Clear();
  request.set_page_size(1000);
  request.mutable_filter()->set_predicate("org.member_count");
  auto* range = request.mutable_filter()->mutable_quantity_range();
  range->set_unit("count");
  range->set_min("42003");
  range->set_max("42007");
  response = ListFactsOk(request);
  EXPECT_EQ(response.facts_size(), 5);
  EXPECT_EQ(response.plan().index(), "predicate_value");
  EXPECT_LE(response.plan().keys_examined(), response.facts_size() + 1);
  for (const v1::Fact& f : response.facts()) {
    EXPECT_EQ(f.subject(), "org:o42");
  }
  // Exclusive bounds and an empty range cost no more.
  range->set_min_exclusive(true);
  range->set_max_exclusive(true);
  response = ListFactsOk(request);
  EXPECT_EQ(response.facts_size(), 3);
  EXPECT_LE(response.plan().keys_examined(), 5 + 1);
  range->set_min("42010.5");
  range->set_max("42010.7");
  response = ListFactsOk(request);
  EXPECT_EQ(response.facts_size(), 0);
  EXPECT_LE(response.plan().keys_examined(), 1);

  // Default page sizes.
  request.Clear();
  response = ListFactsOk(request);
  EXPECT_EQ(response.facts_size(), 100);
  EXPECT_FALSE(response.next_page_token().empty());
  v1::SearchEntitiesRequest search;
  search.set_query("organization");
  v1::SearchEntitiesResponse found = Search(search);
  EXPECT_EQ(found.matches_size(), 20);
  EXPECT_FALSE(found.next_page_token().empty());
  for (const auto& m : found.matches()) {
    EXPECT_EQ(m.match_kind(), v1::MATCH_KIND_PREFIX) << m.entity().id();
  }
  v1::ListPredicatesRequest predicates;
  predicates.set_page_size(5000);
  v1::ListPredicatesResponse listed;
  auto predicates_context = Context();
  ASSERT_TRUE(
      query()
          .ListPredicates(predicates_context.get(), Fresh(predicates), &listed)
          .ok());
  EXPECT_EQ(listed.predicates_size(), 8);

  // Pages hold at most 1000 facts.
  request.Clear();
  request.set_page_size(5000);
  response = ListFactsOk(request);
  EXPECT_EQ(response.facts_size(), 1000);
  EXPECT_EQ(response.plan().index(), "all_facts");
  EXPECT_FALSE(response.next_page_token().empty());

  // A page of a broad query stops when it is full.
  request.Clear();
  request.set_page_size(10);
  request.mutable_filter()->set_predicate_prefix("org.");
  response = ListFactsOk(request);
  EXPECT_EQ(response.facts_size(), 10);
  EXPECT_LE(response.plan().keys_examined(), 11);
  EXPECT_FALSE(response.next_page_token().empty());
  request.set_page_token(response.next_page_token());
  response = ListFactsOk(request);
  EXPECT_EQ(response.facts_size(), 10);
  EXPECT_LE(response.plan().keys_examined(), 11);
}

// A page whose facts come after many entries that do not match: the scan
// reads them in batches it frees as it goes, and the facts it keeps are whole
// (the same as GetFact gives) on every page.
TEST_F(QueryServiceTest, PagesAfterManyUnmatchedEntriesHoldWholeFacts) {
  Upsert(R"pb(entities {
                id: "org:scanned"
                type: ENTITY_TYPE_ORGANIZATION
                name: "Scanned Organization"
              })pb");
  // In the predicate's value order, the first 900 facts are valid in 2020
  // and do not match; the last 300 are valid in 2024.
  constexpr int kUnmatched = 900;
  constexpr int kMatched = 300;
  for (int start = 0; start < kUnmatched + kMatched; start += 600) {
    std::vector<v1::Fact> facts;
    for (int i = start; i < start + 600; ++i) {
      facts.push_back(WithValidTime(
          QuantityFact("org:scanned", "org.member_count",
                       absl::StrCat(10000 + i), "count", "doc:seoul-forum",
                       absl::StrCat("The organization counted ", 10000 + i,
                                    " members that year")),
          i < kUnmatched ? "2020" : "2024"));
    }
    IngestAll(facts, /*compact=*/true);
  }

  v1::ListFactsRequest request;
  request.set_page_size(250);
  request.mutable_filter()->set_predicate("org.member_count");
  request.mutable_filter()->mutable_valid_time()->set_start("2024");
  request.mutable_filter()->mutable_valid_time()->set_end("2025");
  std::vector<int> amounts;
  for (int page = 0; page < 3; ++page) {
    v1::ListFactsResponse response = ListFactsOk(request);
    EXPECT_EQ(response.plan().index(), "predicate_value");
    for (const v1::Fact& fact : response.facts()) {
      amounts.push_back(std::stoi(fact.value().quantity().amount()));
      v1::GetFactResponse got;
      ASSERT_TRUE(GetFact(fact.id(), &got).ok()) << fact.id();
      EXPECT_TRUE(
          google::protobuf::util::MessageDifferencer::Equals(fact, got.fact()))
          << fact.DebugString() << "\nGetFact:\n"
          << got.fact().DebugString();
      ASSERT_EQ(fact.mentions_size(), 1);
      EXPECT_EQ(
          fact.mentions(0).quote(),
          absl::StrCat("The organization counted ",
                       fact.value().quantity().amount(), " members that year"));
    }
    if (page == 0) {
      EXPECT_EQ(response.facts_size(), 250);
      EXPECT_GE(response.plan().keys_examined(), kUnmatched + 250);
    }
    if (response.next_page_token().empty()) break;
    request.set_page_token(response.next_page_token());
  }
  std::vector<int> expected;
  for (int i = kUnmatched; i < kUnmatched + kMatched; ++i) {
    expected.push_back(10000 + i);
  }
  EXPECT_EQ(amounts, expected);
}

// Paging while writes go on.

TEST_F(QueryServiceTest, PagesReadOneSnapshotWhileWritesGoOn) {
  std::vector<v1::Fact> initial;
  for (int i = 0; i < 150; ++i) {
    initial.push_back(QuantityFact("place:da-nang", "org.member_count",
                                   absl::StrCat(i), "count", "doc:da-nang-ict",
                                   "initial"));
  }
  v1::IngestFactsResponse seeded = IngestAll(initial, /*compact=*/true);
  std::vector<std::string> initial_ids;
  for (const auto& r : seeded.results()) initial_ids.push_back(r.fact_id());

  std::atomic<bool> stop{false};
  std::atomic<int> writes{0};
  std::atomic<int> write_failures{0};
  std::thread writer([&] {
    for (int round = 0; !stop && round < 2000; ++round) {
      v1::IngestFactsRequest request;
      request.set_compact_results(true);
      for (int i = 0; i < 3; ++i) {
        *request.add_facts() =
            QuantityFact("place:da-nang", "org.member_count",
                         absl::StrCat(100000 + round * 10 + i), "count",
                         "doc:da-nang-ict", "concurrent");
      }
      v1::IngestFactsResponse response;
      auto context = Context();
      if (!ingest().IngestFacts(context.get(), request, &response).ok()) {
        ++write_failures;
      }
      // And retract one of the initial facts now and then.
      if (round % 3 == 0 && round / 3 < static_cast<int>(initial_ids.size())) {
        v1::RetractFactsRequest retract;
        retract.add_fact_ids(initial_ids[round / 3]);
        retract.set_reason("concurrent retraction");
        v1::RetractFactsResponse retracted;
        auto retract_context = Context();
        if (!ingest()
                 .RetractFacts(retract_context.get(), retract, &retracted)
                 .ok()) {
          ++write_failures;
        }
      }
      ++writes;
    }
  });

  v1::ListFactsRequest request;
  request.mutable_filter()->set_subject("place:da-nang");
  request.mutable_filter()->set_predicate("org.member_count");
  request.set_page_size(7);
  request.mutable_read_options()->set_min_commit(seeded.commit_token());
  std::vector<std::string> paged;
  std::set<std::string> seen;
  std::string commit;
  int pages = 0;
  while (true) {
    v1::ListFactsResponse response;
    auto context = Context();
    grpc::Status status = query().ListFacts(context.get(), request, &response);
    ASSERT_TRUE(status.ok()) << status.error_message();
    if (pages == 0) commit = response.commit_token();
    EXPECT_EQ(response.commit_token(), commit) << "page " << pages;
    for (const auto& f : response.facts()) {
      EXPECT_TRUE(seen.insert(f.id()).second) << "repeated " << f.id();
      EXPECT_FALSE(f.retracted());
      paged.push_back(f.id());
    }
    ++pages;
    if (response.next_page_token().empty()) break;
    request.set_page_token(response.next_page_token());
    // Let some writes land between pages.
    int before = writes;
    absl::Time deadline = absl::Now() + absl::Seconds(5);
    while (writes < before + 1 && absl::Now() < deadline) {
      absl::SleepFor(absl::Milliseconds(1));
    }
  }
  stop = true;
  writer.join();
  EXPECT_EQ(write_failures, 0);
  EXPECT_GE(pages, 150 / 7);

  // Exactly what was visible at the first page's commit.
  v1::ListFactsRequest snapshot;
  *snapshot.mutable_filter() = request.filter();
  snapshot.set_page_size(1000);
  snapshot.mutable_read_options()->set_as_of(commit);
  v1::ListFactsResponse at_commit;
  auto context = Context();
  ASSERT_TRUE(query().ListFacts(context.get(), snapshot, &at_commit).ok());
  EXPECT_EQ(at_commit.commit_token(), commit);
  EXPECT_EQ(IdSet(paged.begin(), paged.end()), IdsOf(at_commit.facts()));
  // And the store did change meanwhile.
  v1::ListFactsRequest latest = snapshot;
  latest.mutable_read_options()->Clear();
  latest.mutable_read_options()->set_min_commit(
      cluster_->ingest_server()->head_commit_token());
  v1::ListFactsResponse now = ListFactsOk(latest);
  EXPECT_NE(IdsOf(now.facts()), IdsOf(at_commit.facts()));
  EXPECT_GT(CommitOf(now.commit_token()), CommitOf(commit));
}

// Page tokens cannot be forged or misapplied.

TEST_F(QueryServiceTest, PageTokensAreTamperSafe) {
  std::vector<v1::Fact> facts;
  for (int i = 0; i < 5; ++i) {
    facts.push_back(QuantityFact("place:da-nang", "org.member_count",
                                 absl::StrCat(i), "count", "doc:da-nang-ict",
                                 "q"));
  }
  IngestAll(facts);
  v1::ListFactsRequest request;
  request.mutable_filter()->set_subject("place:da-nang");
  request.set_page_size(2);
  v1::ListFactsResponse first = ListFactsOk(request);
  const std::string token = first.next_page_token();
  ASSERT_FALSE(token.empty());

  v1::ListFactsRequest next = request;
  next.set_page_token(token);
  v1::ListFactsResponse second = ListFactsOk(next);
  ASSERT_EQ(second.facts_size(), 2);

  auto expect_rejected = [&](const v1::ListFactsRequest& r,
                             const std::string& what) {
    v1::ListFactsResponse response;
    ExpectInvalid(ListFacts(r, &response), "page_token", what);
  };
  const std::vector<std::string> garbage_tokens = {
      "garbage",
      "!!!!",
      "AAAA",
      std::string(5000, 'A'),
      token.substr(0, token.size() / 2),
      token + "AAAA"};
  for (const std::string& garbage : garbage_tokens) {
    v1::ListFactsRequest bad = next;
    bad.set_page_token(garbage);
    expect_rejected(bad, garbage.substr(0, 40));
  }

  // Every single-character change is caught, unless the changed text still
  // decodes to the very same bytes (unused bits of the last base64 digit).
  std::string original_bytes;
  ASSERT_TRUE(absl::WebSafeBase64Unescape(token, &original_bytes));
  int rejected = 0;
  for (size_t i = 0; i < token.size(); ++i) {
    std::string altered = token;
    altered[i] = altered[i] == 'A' ? 'B' : 'A';
    v1::ListFactsRequest bad = next;
    bad.set_page_token(altered);
    v1::ListFactsResponse response;
    grpc::Status status = ListFacts(bad, &response);
    std::string altered_bytes;
    if (absl::WebSafeBase64Unescape(altered, &altered_bytes) &&
        altered_bytes == original_bytes) {
      if (status.ok()) {
        EXPECT_EQ(IdsOf(response.facts()), IdsOf(second.facts()));
      }
      continue;
    }
    ExpectInvalid(status, "page_token", absl::StrCat("character ", i));
    ++rejected;
  }
  EXPECT_GE(rejected, static_cast<int>(token.size()) - 2);

  // A token continues only the query that issued it.
  v1::ListFactsRequest other_filter = next;
  other_filter.mutable_filter()->set_subject("country:vietnam");
  expect_rejected(other_filter, "another subject");
  other_filter = next;
  other_filter.mutable_filter()->set_include_retracted(true);
  expect_rejected(other_filter, "include_retracted");
  other_filter = next;
  other_filter.mutable_filter()->set_predicate("org.member_count");
  expect_rejected(other_filter, "added predicate");

  // ... of the store that issued it.
  {
    auto other = TestCluster::Start();
    ASSERT_NE(other, nullptr);
    std::string other_seed = testing::SeedRegistryAndEntities(*other);
    auto other_context = Context();
    v1::ListPredicatesRequest other_predicates;
    other_predicates.set_page_size(1);
    other_predicates.mutable_read_options()->set_min_commit(other_seed);
    v1::ListPredicatesResponse other_listed;
    ASSERT_TRUE(other->query()
                    .ListPredicates(other_context.get(), other_predicates,
                                    &other_listed)
                    .ok());
    ASSERT_FALSE(other_listed.next_page_token().empty());
    v1::ListPredicatesRequest here;
    here.set_page_size(1);
    here.set_page_token(other_listed.next_page_token());
    v1::ListPredicatesResponse here_listed;
    auto here_context = Context();
    ExpectInvalid(
        query().ListPredicates(here_context.get(), here, &here_listed),
        "page_token", "another store");
  }

  // ... and only the RPC that issued it.
  v1::SearchEntitiesRequest search;
  search.set_query("da");
  search.set_page_token(token);
  v1::SearchEntitiesResponse searched;
  auto search_context = Context();
  ExpectInvalid(query().SearchEntities(search_context.get(), search, &searched),
                "page_token", "search");
  v1::ListPredicatesRequest predicates;
  predicates.set_page_token(token);
  v1::ListPredicatesResponse listed;
  auto predicates_context = Context();
  ExpectInvalid(
      query().ListPredicates(predicates_context.get(), predicates, &listed),
      "page_token", "predicates");

  // The page size may change from page to page.
  v1::ListFactsRequest bigger = next;
  bigger.set_page_size(10);
  v1::ListFactsResponse rest = ListFactsOk(bigger);
  EXPECT_EQ(rest.facts_size(), 3);
  EXPECT_TRUE(rest.next_page_token().empty());
}

// Dates of periods longer than a month ("Q3 2024", "the 2020s") stand for
// all their days: in the valid-time index and filters, and in what the
// service returns.
// A physical quantity is indexed in its dimension's base unit, so a range
// or a sum in one unit takes the facts stated in the others; the facts keep
// the unit their source used.
TEST_F(QueryServiceTest, PhysicalQuantitiesCompareAcrossTheirUnits) {
  Register(R"pb(
    predicates {
      name: "energy.plant_capacity"
      value_type: VALUE_TYPE_QUANTITY
      unit_dimension: UNIT_DIMENSION_POWER
      description: "Installed capacity of a power plant"
    }
  )pb");
  auto capacity = [&](const std::string& subject, const std::string& raw) {
    return IngestOne(RawFact(subject, "energy.plant_capacity", raw,
                             "doc:da-nang-ict", raw + " of capacity"));
  };
  const std::string gw = capacity("place:da-nang", "2.5 GW");
  const std::string mw = capacity("place:seoul", "800 MW");
  const std::string kw = capacity("country:vietnam", "300,000 kW");

  auto listed = [this](const std::string& filter_text) {
    v1::ListFactsRequest request;
    *request.mutable_filter() = Parse<v1::FactFilter>(filter_text);
    return IdsOf(ListFactsOk(request).facts());
  };
  const std::string p = R"pb(predicate: "energy.plant_capacity")pb";
  EXPECT_EQ(listed(p + R"pb(quantity_range { unit: "MW" min: "1000" })pb"),
            IdSet{gw});
  EXPECT_EQ(listed(p + R"pb(quantity_range { unit: "GW" max: "0.8" })pb"),
            (IdSet{mw, kw}));
  EXPECT_EQ(listed(p + R"pb(quantity_range {
                              unit: "kW"
                              min: "300000"
                              max: "800000"
                              max_exclusive: true
                            })pb"),
            IdSet{kw});
  EXPECT_EQ(listed(p + R"pb(quantity_range { unit: "W" })pb"),
            (IdSet{gw, mw, kw}));
  // Another dimension, or none, matches nothing.
  EXPECT_EQ(listed(p + R"pb(quantity_range { unit: "t" })pb"), IdSet{});
  EXPECT_EQ(listed(p + R"pb(quantity_range { unit: "USD" })pb"), IdSet{});
  // Through the subject index, whose entries do not hold the amount.
  EXPECT_EQ(
      listed(R"pb(subject: "place:da-nang"
                  predicate: "energy.plant_capacity"
                  quantity_range { unit: "MW" min: "2500" max: "2500" })pb"),
      IdSet{gw});

  v1::GetFactResponse got;
  ASSERT_TRUE(GetFact(gw, &got).ok());
  EXPECT_EQ(got.fact().value().quantity().unit(), "GW");
  EXPECT_EQ(got.fact().value().quantity().amount(), "2.5");

  v1::AggregateFactsRequest sum;
  sum.mutable_filter()->set_predicate("energy.plant_capacity");
  sum.set_unit("MW");
  v1::AggregateFactsResponse response;
  auto context = Context();
  ASSERT_TRUE(
      query().AggregateFacts(context.get(), Fresh(sum), &response).ok());
  ASSERT_EQ(response.groups_size(), 1);
  EXPECT_EQ(response.groups(0).quantity_count(), 3);
  EXPECT_EQ(response.groups(0).sum(), "3600");
  EXPECT_EQ(response.groups(0).min(), "300");
  EXPECT_EQ(response.groups(0).max(), "2500");

  // A misspelled unit is an error, not an empty sum.
  sum.set_unit("mw");
  auto misspelled = Context();
  ExpectInvalid(query().AggregateFacts(misspelled.get(), Fresh(sum), &response),
                "unit");
}

TEST_F(QueryServiceTest, PeriodsCoverAllTheirDays) {
  const std::string quarter = IngestOne(
      WithValidTime(RawFact("place:da-nang", "education.it_institution_count",
                            "40", "doc:da-nang-ict", "40 institutions"),
                    "Q3 2024"));
  const std::string decade = IngestOne(
      RawFact("event:vn-kr-digital-forum-2024", "event.date", "the 2020s",
              "doc:seoul-forum", "sometime in the 2020s"));
  ASSERT_FALSE(quarter.empty());
  ASSERT_FALSE(decade.empty());

  auto listed = [this](const std::string& filter_text,
                       const std::string& index) {
    v1::ListFactsRequest request;
    *request.mutable_filter() = Parse<v1::FactFilter>(filter_text);
    v1::ListFactsResponse response = ListFactsOk(request);
    EXPECT_EQ(response.plan().index(), index) << filter_text;
    return IdsOf(response.facts());
  };
  // Q3 2024 is July to September: found in August, not in November.
  EXPECT_EQ(listed(R"pb(valid_time { start: "2024-08" end: "2024-09" })pb",
                   "valid_time"),
            IdSet{quarter});
  EXPECT_EQ(listed(R"pb(valid_time { start: "2024-11" end: "2024-12" })pb",
                   "valid_time"),
            IdSet{});
  EXPECT_EQ(
      listed(R"pb(valid_time { start: "2024-09-30" end: "2024-10-01" })pb",
             "valid_time"),
      IdSet{quarter});
  EXPECT_EQ(
      listed(R"pb(valid_time { start: "2024-10-01" end: "2024-10-02" })pb",
             "valid_time"),
      IdSet{});
  // Through the subject index too, whose keys carry the same days.
  EXPECT_EQ(listed(R"pb(subject: "place:da-nang"
                        predicate: "education.it_institution_count"
                        valid_time { start: "2024-08" end: "2024-09" })pb",
                   "subject_predicate"),
            IdSet{quarter});
  EXPECT_EQ(listed(R"pb(subject: "place:da-nang"
                        predicate: "education.it_institution_count"
                        valid_time { start: "2024-11" end: "2024-12" })pb",
                   "subject_predicate"),
            IdSet{});

  v1::GetFactResponse got;
  ASSERT_TRUE(GetFact(quarter, &got).ok());
  const v1::ValidTime& valid_time = got.fact().valid_time();
  EXPECT_EQ(valid_time.at().date(), "2024-07");
  EXPECT_EQ(valid_time.at().precision(), v1::DATE_PRECISION_QUARTER);
  EXPECT_EQ(valid_time.at().interval_start(), "2024-07-01");
  EXPECT_EQ(valid_time.at().interval_end(), "2024-10-01");
  EXPECT_EQ(valid_time.interval_start(), "2024-07-01");
  EXPECT_EQ(valid_time.interval_end(), "2024-10-01");

  // The decade as a value, listed from the value index (whose key holds the
  // decade's days, 2020-01-01 to 2030-01-01).
  v1::ListFactsRequest by_predicate;
  by_predicate.mutable_filter()->set_predicate("event.date");
  v1::ListFactsResponse dates = ListFactsOk(by_predicate);
  EXPECT_EQ(dates.plan().index(), "predicate_value");
  ASSERT_EQ(IdsOf(dates.facts()), IdSet{decade});
  const v1::TimeValue& time = dates.facts(0).value().time();
  EXPECT_EQ(time.date(), "2020");
  EXPECT_EQ(time.precision(), v1::DATE_PRECISION_DECADE);
  EXPECT_EQ(time.modifier(), v1::DATE_MODIFIER_EXACT);
  EXPECT_EQ(time.interval_start(), "2020-01-01");
  EXPECT_EQ(time.interval_end(), "2030-01-01");
  EXPECT_EQ(time.surface_text(), "the 2020s");

  // A typed period must start where one starts; the error names the field.
  v1::Fact typed = RawFact("event:vn-kr-digital-forum-2024", "event.date", "",
                           "doc:seoul-forum", "in the third quarter");
  typed.mutable_value()->mutable_time()->set_date("2024-08");
  typed.mutable_value()->mutable_time()->set_precision(
      v1::DATE_PRECISION_QUARTER);
  v1::IngestFactsRequest request;
  *request.add_facts() = typed;
  v1::IngestFactsResponse refused = testing::Ingest(*cluster_, request);
  ASSERT_EQ(refused.results_size(), 1);
  EXPECT_EQ(refused.results(0).outcome(), v1::OUTCOME_REJECTED);
  ASSERT_GT(refused.results(0).error().violations_size(), 0);
  EXPECT_EQ(refused.results(0).error().violations(0).field(),
            "facts[0].value.time");
  EXPECT_THAT(refused.results(0).error().violations(0).description(),
              HasSubstr("date: \"2024-08\" does not start a quarter"));
}

}  // namespace
}  // namespace factstore
