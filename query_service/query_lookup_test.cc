// End-to-end tests of the query service (query_test_fixture.h): Entities and
// facts by id, SearchEntities, ListPredicates.
#include "query_service/query_test_fixture.h"

namespace factstore {
namespace {

// Entities and facts by id.

TEST_F(QueryServiceTest, GetsEntitiesOneByOneAndInBatches) {
  v1::GetEntityRequest request;
  request.set_id("place:da-nang");
  request.mutable_read_options()->set_min_commit(seed_commit_);
  v1::GetEntityResponse response;
  auto context = Context();
  ASSERT_TRUE(query().GetEntity(context.get(), request, &response).ok());
  EXPECT_EQ(response.entity().id(), "place:da-nang");
  EXPECT_EQ(response.entity().type(), v1::ENTITY_TYPE_PLACE);
  EXPECT_EQ(response.entity().name(), "Đà Nẵng");
  EXPECT_THAT(response.entity().aliases(),
              ElementsAre("Da Nang", "Danang", "Da Nang City"));
  EXPECT_EQ(response.entity().created_commit(), seed_commit_);
  EXPECT_EQ(response.entity().updated_commit(), seed_commit_);
  EXPECT_GE(CommitOf(response.commit_token()), CommitOf(seed_commit_));

  request.set_id("place:atlantis");
  auto missing_context = Context();
  grpc::Status status =
      query().GetEntity(missing_context.get(), request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_THAT(status.error_message(), HasSubstr("place:atlantis"));

  v1::BatchGetEntitiesRequest batch;
  batch.add_ids("org:fpt");
  batch.add_ids("place:atlantis");
  batch.add_ids("place:da-nang");
  batch.add_ids("org:nobody");
  batch.add_ids("country:south-korea");
  batch.mutable_read_options()->set_min_commit(seed_commit_);
  v1::BatchGetEntitiesResponse batched;
  auto batch_context = Context();
  ASSERT_TRUE(
      query().BatchGetEntities(batch_context.get(), batch, &batched).ok());
  ASSERT_EQ(batched.entities_size(), 3);
  EXPECT_EQ(batched.entities(0).id(), "org:fpt");
  EXPECT_EQ(batched.entities(1).id(), "place:da-nang");
  EXPECT_EQ(batched.entities(2).id(), "country:south-korea");
  EXPECT_EQ(batched.entities(2).name(), "South Korea");
  EXPECT_THAT(batched.missing_ids(),
              ElementsAre("place:atlantis", "org:nobody"));
  EXPECT_FALSE(batched.commit_token().empty());
}

TEST_F(QueryServiceTest, ErasedEntitiesAnswerNotFoundWithTheReason) {
  Erase("person:nguyen-van-khoa", "privacy request #12");
  v1::GetEntityRequest request;
  request.set_id("person:nguyen-van-khoa");
  request.mutable_read_options()->set_min_commit(last_commit_);
  v1::GetEntityResponse response;
  auto context = Context();
  grpc::Status status = query().GetEntity(context.get(), request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_THAT(status.error_message(), HasSubstr("privacy request #12"));

  v1::BatchGetEntitiesRequest batch;
  batch.add_ids("person:nguyen-van-khoa");
  batch.mutable_read_options()->set_min_commit(last_commit_);
  v1::BatchGetEntitiesResponse batched;
  auto batch_context = Context();
  ASSERT_TRUE(
      query().BatchGetEntities(batch_context.get(), batch, &batched).ok());
  EXPECT_EQ(batched.entities_size(), 0);
  EXPECT_THAT(batched.missing_ids(), ElementsAre("person:nguyen-van-khoa"));
}

TEST_F(QueryServiceTest, GetsFactsOneByOneAndInBatches) {
  v1::IngestFactsResponse ingested = IngestAll({
      RawFact("country:south-korea", "investment.cumulative_total",
              "US$85.9 billion", "doc:da-nang-ict",
              "a cumulative total investment capital of US$85.9 billion"),
      RawFact("place:da-nang", "education.it_institution_count", "37",
              "doc:da-nang-ict", "37 educational institutions"),
  });
  std::string investment = ingested.results(0).fact_id();
  std::string institutions = ingested.results(1).fact_id();

  v1::GetFactResponse response;
  ASSERT_TRUE(GetFact(investment, &response).ok());
  EXPECT_EQ(response.fact().id(), investment);
  EXPECT_EQ(response.fact().subject(), "country:south-korea");
  EXPECT_EQ(response.fact().predicate(), "investment.cumulative_total");
  EXPECT_EQ(response.fact().value().quantity().amount(), "85900000000");
  EXPECT_EQ(response.fact().value().quantity().unit(), "USD");
  ASSERT_EQ(response.fact().mentions_size(), 1);
  EXPECT_EQ(response.fact().mentions(0).document_id(), "doc:da-nang-ict");
  EXPECT_EQ(response.fact().asserted_commit(), ingested.commit_token());
  EXPECT_FALSE(response.fact().retracted());

  grpc::Status status =
      GetFact("f_00000000000000000000000000000000", &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);

  v1::BatchGetFactsRequest batch;
  batch.add_ids(institutions);
  batch.add_ids("f_00000000000000000000000000000000");
  batch.add_ids(investment);
  batch.add_ids("not-a-fact");
  v1::BatchGetFactsResponse batched;
  auto context = Context();
  ASSERT_TRUE(
      query().BatchGetFacts(context.get(), Fresh(batch), &batched).ok());
  ASSERT_EQ(batched.facts_size(), 2);
  EXPECT_EQ(batched.facts(0).id(), institutions);
  EXPECT_EQ(batched.facts(0).value().quantity().amount(), "37");
  EXPECT_EQ(batched.facts(1).id(), investment);
  EXPECT_THAT(batched.missing_ids(),
              ElementsAre("f_00000000000000000000000000000000", "not-a-fact"));
  EXPECT_EQ(batched.commit_token(), ingested.commit_token());
}

// SearchEntities.

class SearchTest : public QueryServiceTest {
 protected:
  void SetUp() override {
    QueryServiceTest::SetUp();
    Upsert(R"pb(
      entities { id: "place:korea" type: ENTITY_TYPE_PLACE name: "Korea" }
    )pb");
  }

  // (id, kind) of every match.
  std::vector<std::pair<std::string, v1::MatchKind>> Matches(
      const v1::SearchEntitiesResponse& response) {
    std::vector<std::pair<std::string, v1::MatchKind>> out;
    for (const auto& m : response.matches()) {
      out.emplace_back(m.entity().id(), m.match_kind());
    }
    return out;
  }
};

TEST_F(SearchTest, FindsNamesWhateverTheCaseDiacriticsAndSpacing) {
  for (const char* q :
       {"danang", "Đà Nẵng", "da nang", "DA NANG", "Da-Nang", "ĐÀ NẴNG"}) {
    v1::SearchEntitiesResponse response = Search(q);
    ASSERT_GE(response.matches_size(), 1) << q;
    EXPECT_EQ(response.matches(0).entity().id(), "place:da-nang") << q;
    EXPECT_EQ(response.matches(0).match_kind(), v1::MATCH_KIND_EXACT) << q;
    EXPECT_EQ(response.matches(0).entity().name(), "Đà Nẵng") << q;
    // The entity is listed once, although several of its names match.
    int count = 0;
    for (const auto& m : response.matches()) {
      count += m.entity().id() == "place:da-nang";
    }
    EXPECT_EQ(count, 1) << q;
  }
  // Other scripts.
  v1::SearchEntitiesResponse seoul = Search("서울");
  ASSERT_EQ(seoul.matches_size(), 1);
  EXPECT_EQ(seoul.matches(0).entity().id(), "place:seoul");
  EXPECT_EQ(seoul.matches(0).matched_name(), "서울");
  EXPECT_EQ(seoul.matches(0).match_kind(), v1::MATCH_KIND_EXACT);
}

TEST_F(SearchTest, PrefixesAndLaterWords) {
  // "Đà Nẵng" starts with "da n"; "... conference in Da Nang" has a later
  // word that does.
  EXPECT_THAT(Matches(Search("da n")),
              ElementsAre(std::make_pair(std::string("place:da-nang"),
                                         v1::MATCH_KIND_PREFIX),
                          std::make_pair(std::string("doc:da-nang-ict"),
                                         v1::MATCH_KIND_WORD_PREFIX)));

  v1::SearchEntitiesResponse word = Search("nang");
  std::map<std::string, v1::MatchKind> kinds;
  for (const auto& m : word.matches()) {
    EXPECT_TRUE(kinds.emplace(m.entity().id(), m.match_kind()).second)
        << "listed twice: " << m.entity().id();
  }
  EXPECT_EQ(kinds["place:da-nang"], v1::MATCH_KIND_WORD_PREFIX);
  // "Korea - Vietnam ICT investment conference in Da Nang".
  EXPECT_EQ(kinds["doc:da-nang-ict"], v1::MATCH_KIND_WORD_PREFIX);
  EXPECT_EQ(kinds.size(), 2u);

  v1::SearchEntitiesResponse later = Search("korea");
  auto matches = Matches(later);
  // Exact, then prefix, then word prefix.
  std::vector<std::pair<std::string, v1::MatchKind>> expected = {
      {"place:korea", v1::MATCH_KIND_EXACT},
      {"doc:da-nang-ict", v1::MATCH_KIND_PREFIX},
  };
  ASSERT_GE(matches.size(), 2u);
  EXPECT_EQ(matches[0], expected[0]);
  EXPECT_EQ(matches[1], expected[1]);
  std::set<std::string> word_matches;
  for (size_t i = 2; i < matches.size(); ++i) {
    EXPECT_EQ(matches[i].second, v1::MATCH_KIND_WORD_PREFIX)
        << matches[i].first;
    EXPECT_TRUE(word_matches.insert(matches[i].first).second)
        << "listed twice: " << matches[i].first;
  }
  EXPECT_EQ(word_matches,
            (std::set<std::string>{"country:south-korea", "doc:seoul-forum",
                                   "event:vn-kr-digital-forum-2024",
                                   "product:kr-it-outsourcing-market"}));
  for (const auto& m : later.matches()) {
    if (m.entity().id() == "country:south-korea") {
      // "South Korea" (suffix "korea") sorts before "Republic of Korea"'s
      // suffix "ofkorea"... either way the matched name is one of its names.
      EXPECT_THAT(m.matched_name(),
                  ::testing::AnyOf("South Korea", "Republic of Korea"));
    }
  }
}

TEST_F(SearchTest, TypesFilterAndExactOnly) {
  v1::SearchEntitiesRequest request;
  request.set_query("korea");
  request.add_types(v1::ENTITY_TYPE_PLACE);
  auto places = Matches(Search(request));
  EXPECT_THAT(places,
              ElementsAre(std::make_pair(std::string("place:korea"),
                                         v1::MATCH_KIND_EXACT),
                          std::make_pair(std::string("country:south-korea"),
                                         v1::MATCH_KIND_WORD_PREFIX)));

  request.clear_types();
  request.add_types(v1::ENTITY_TYPE_DOCUMENT);
  request.add_types(v1::ENTITY_TYPE_EVENT);
  std::set<std::string> ids;
  for (const auto& [id, kind] : Matches(Search(request))) ids.insert(id);
  EXPECT_EQ(ids, (std::set<std::string>{"doc:da-nang-ict", "doc:seoul-forum",
                                        "event:vn-kr-digital-forum-2024"}));

  request.clear_types();
  request.set_exact_only(true);
  EXPECT_THAT(Matches(Search(request)),
              ElementsAre(std::make_pair(std::string("place:korea"),
                                         v1::MATCH_KIND_EXACT)));
  request.set_query("kor");
  EXPECT_EQ(Search(request).matches_size(), 0);

  // A page that ends at the last exact match has no next page, though names
  // that start with the query follow the exact ones in the index.
  Upsert(R"pb(
    entities {
      id: "org:korea-telecom"
      type: ENTITY_TYPE_ORGANIZATION
      name: "Korea Telecom"
    }
  )pb");
  request.set_query("korea");
  request.set_page_size(1);
  v1::SearchEntitiesResponse one = Search(request);
  EXPECT_THAT(Matches(one),
              ElementsAre(std::make_pair(std::string("place:korea"),
                                         v1::MATCH_KIND_EXACT)));
  EXPECT_EQ(one.next_page_token(), "");
  // Without exact_only, the next page goes on from the exact match to the
  // names that start with the query.
  request.set_exact_only(false);
  v1::SearchEntitiesResponse first = Search(request);
  EXPECT_THAT(Matches(first),
              ElementsAre(std::make_pair(std::string("place:korea"),
                                         v1::MATCH_KIND_EXACT)));
  ASSERT_NE(first.next_page_token(), "");
  request.set_page_token(first.next_page_token());
  EXPECT_THAT(Matches(Search(request)),
              ElementsAre(std::make_pair(std::string("org:korea-telecom"),
                                         v1::MATCH_KIND_PREFIX)));
}

TEST_F(SearchTest, PagesOfOneListEveryMatchExactlyOnce) {
  for (const char* q : {"korea", "nang", "viet", "da", "s"}) {
    v1::SearchEntitiesRequest request;
    request.set_query(q);
    request.set_page_size(1000);
    v1::SearchEntitiesResponse all = Search(request);
    EXPECT_TRUE(all.next_page_token().empty());
    std::vector<std::pair<std::string, v1::MatchKind>> expected = Matches(all);
    ASSERT_FALSE(expected.empty()) << q;

    request.set_page_size(1);
    std::vector<std::pair<std::string, v1::MatchKind>> paged;
    std::string commit;
    for (int page = 0; page < 100; ++page) {
      v1::SearchEntitiesResponse response = Search(request);
      EXPECT_LE(response.matches_size(), 1);
      if (page == 0) commit = response.commit_token();
      EXPECT_EQ(response.commit_token(), commit);
      for (const auto& m : Matches(response)) paged.push_back(m);
      if (response.next_page_token().empty()) break;
      request.set_page_token(response.next_page_token());
    }
    EXPECT_EQ(paged, expected) << q;
    // The order is exact, then prefix, then word prefix.
    EXPECT_TRUE(std::is_sorted(
        paged.begin(), paged.end(),
        [](const auto& a, const auto& b) { return a.second < b.second; }))
        << q;
  }
}

TEST_F(SearchTest, APageStopsAtTheKeyBudgetAndTheNextGoesOn) {
  // What one search lists with no budget to speak of ...
  std::map<std::string, std::vector<std::pair<std::string, v1::MatchKind>>>
      expected;
  for (const char* q : {"korea", "nang", "s"}) {
    v1::SearchEntitiesRequest request;
    request.set_query(q);
    request.set_page_size(1000);
    expected[q] = Matches(Search(request));
    ASSERT_FALSE(expected[q].empty()) << q;
  }
  // ... is what pages listing at most 3 index entries each list together.
  TestClusterOptions options;
  options.query_limits.max_keys_per_read = 3;
  StartCluster(options);
  Upsert(R"pb(
    entities { id: "place:korea" type: ENTITY_TYPE_PLACE name: "Korea" }
  )pb");
  for (const auto& [q, all] : expected) {
    v1::SearchEntitiesRequest request;
    request.set_query(q);
    request.set_page_size(1000);
    std::vector<std::pair<std::string, v1::MatchKind>> paged;
    size_t pages = 0;
    while (true) {
      v1::SearchEntitiesResponse response = Search(request);
      ++pages;
      // Three entries examined list three matches at most.
      EXPECT_LE(response.matches_size(), 3) << q;
      for (const auto& m : Matches(response)) paged.push_back(m);
      if (response.next_page_token().empty()) break;
      request.set_page_token(response.next_page_token());
      ASSERT_LT(pages, 1000u) << q;
    }
    EXPECT_EQ(paged, all) << q;
    EXPECT_GE(pages, (all.size() + 2) / 3) << q;
  }
  EXPECT_GT(expected["s"].size(), 3u);
}

TEST_F(SearchTest, ASearchOutOfTimeOnGrpcsThreadStartsAgainOnAReadThread) {
  // No time at all on gRPC's thread: a search that needs a second batch of
  // index entries stops before it and starts again on a read thread.
  TestClusterOptions options;
  options.query_limits.inline_scan_time = absl::Nanoseconds(1);
  StartCluster(options);
  // "Zeta 01" to "Zeta 40": persons at 03 and 10, within the first batch
  // (16 entries for a page of 5), and at 20, 25, 30 and 35; organizations
  // between them.
  std::string entities;
  std::vector<std::string> persons;
  for (int i = 1; i <= 40; ++i) {
    const bool person =
        i == 3 || i == 10 || i == 20 || i == 25 || i == 30 || i == 35;
    const std::string number = absl::StrCat(i < 10 ? "0" : "", i);
    const std::string id =
        absl::StrCat(person ? "person:zeta-" : "org:zeta-", number);
    absl::StrAppend(&entities, "entities { id: \"", id, "\" type: ",
                    person ? "ENTITY_TYPE_PERSON" : "ENTITY_TYPE_ORGANIZATION",
                    " name: \"Zeta ", number, "\" }\n");
    if (person) persons.push_back(id);
  }
  Upsert(entities);
  ASSERT_EQ(persons.size(), 6u);
  // Once the query service sees the upsert, reads need not wait for it (a
  // read that waits runs on a read thread from the start).
  ASSERT_EQ(Search("zeta 01").matches_size(), 1);

  v1::SearchEntitiesRequest request;
  request.set_query("zeta");
  request.add_types(v1::ENTITY_TYPE_PERSON);
  request.set_page_size(5);
  const int64_t moved_before = cluster_->query_server()->reads_moved();
  v1::SearchEntitiesResponse first = Search(request);
  // Listed once each: what the stopped run had found is not kept.
  std::vector<std::string> listed;
  for (const auto& [id, kind] : Matches(first)) listed.push_back(id);
  EXPECT_THAT(listed, ElementsAre(persons[0], persons[1], persons[2],
                                  persons[3], persons[4]));
  EXPECT_EQ(cluster_->query_server()->reads_moved(), moved_before + 1);
  ASSERT_FALSE(first.next_page_token().empty());

  // A search that one batch answers ends on gRPC's thread, whatever its
  // time.
  request.clear_types();
  request.clear_page_token();
  request.set_page_size(3);
  EXPECT_EQ(Search(request).matches_size(), 3);
  EXPECT_EQ(cluster_->query_server()->reads_moved(), moved_before + 1);

  request.add_types(v1::ENTITY_TYPE_PERSON);
  request.set_page_size(5);
  request.set_page_token(first.next_page_token());
  listed.clear();
  for (const auto& [id, kind] : Matches(Search(request))) listed.push_back(id);
  EXPECT_THAT(listed, ElementsAre(persons[5]));
}

// ListPredicates.

TEST_F(QueryServiceTest, ListsPredicatesByPrefixAndPage) {
  v1::ListPredicatesRequest request;
  request.mutable_read_options()->set_min_commit(seed_commit_);
  v1::ListPredicatesResponse response;
  auto context = Context();
  ASSERT_TRUE(query().ListPredicates(context.get(), request, &response).ok());
  std::vector<std::string> all;
  for (const auto& p : response.predicates()) all.push_back(p.name());
  const std::vector<std::string> expected = {"education.it_institution_count",
                                             "event.date",
                                             "event.location",
                                             "investment.cumulative_total",
                                             "market.size",
                                             "note.text",
                                             "org.member_count",
                                             "workforce.digital_professionals"};
  EXPECT_EQ(all, expected);
  EXPECT_TRUE(response.next_page_token().empty());
  for (const auto& p : response.predicates()) {
    if (p.name() == "market.size") {
      EXPECT_EQ(p.value_type(), v1::VALUE_TYPE_QUANTITY);
      EXPECT_EQ(p.unit_dimension(), v1::UNIT_DIMENSION_MONEY);
      EXPECT_EQ(p.cardinality(), v1::CARDINALITY_ONE);
    }
  }

  request.set_prefix("event.");
  auto prefix_context = Context();
  ASSERT_TRUE(
      query().ListPredicates(prefix_context.get(), request, &response).ok());
  ASSERT_EQ(response.predicates_size(), 2);
  EXPECT_EQ(response.predicates(0).name(), "event.date");
  EXPECT_EQ(response.predicates(1).name(), "event.location");
  request.set_prefix("e");
  auto e_context = Context();
  ASSERT_TRUE(query().ListPredicates(e_context.get(), request, &response).ok());
  EXPECT_EQ(response.predicates_size(), 3);
  request.set_prefix("zzz");
  auto z_context = Context();
  ASSERT_TRUE(query().ListPredicates(z_context.get(), request, &response).ok());
  EXPECT_EQ(response.predicates_size(), 0);

  // Pages of 3, while another predicate is registered: the pages keep to
  // the first page's snapshot.
  request.set_prefix("");
  request.set_page_size(3);
  std::vector<std::string> paged;
  std::string commit;
  for (int page = 0; page < 10; ++page) {
    auto page_context = Context();
    ASSERT_TRUE(
        query().ListPredicates(page_context.get(), request, &response).ok());
    EXPECT_LE(response.predicates_size(), 3);
    if (page == 0) {
      commit = response.commit_token();
      Register(
          R"pb(predicates { name: "aaa.first" value_type: VALUE_TYPE_TEXT }
               predicates { name: "zzz.last" value_type: VALUE_TYPE_TEXT })pb");
    }
    EXPECT_EQ(response.commit_token(), commit);
    for (const auto& p : response.predicates()) paged.push_back(p.name());
    if (response.next_page_token().empty()) break;
    request.set_page_token(response.next_page_token());
  }
  EXPECT_EQ(paged, expected);

  // The token belongs to its prefix.
  request.set_prefix("event.");
  request.set_page_size(1);
  request.clear_page_token();
  auto one_context = Context();
  ASSERT_TRUE(
      query().ListPredicates(one_context.get(), request, &response).ok());
  ASSERT_FALSE(response.next_page_token().empty());
  request.set_page_token(response.next_page_token());
  request.set_prefix("market.");
  auto bad_context = Context();
  ExpectInvalid(query().ListPredicates(bad_context.get(), request, &response),
                "page_token");

  // Before the registry existed.
  v1::ListPredicatesRequest before;
  before.mutable_read_options()->set_as_of(Token(0));
  auto before_context = Context();
  ASSERT_TRUE(
      query().ListPredicates(before_context.get(), before, &response).ok());
  EXPECT_EQ(response.predicates_size(), 0);

  // Now with the new ones.
  v1::ListPredicatesRequest fresh;
  fresh.mutable_read_options()->set_min_commit(last_commit_);
  auto fresh_context = Context();
  ASSERT_TRUE(
      query().ListPredicates(fresh_context.get(), fresh, &response).ok());
  EXPECT_EQ(response.predicates_size(), 10);
  EXPECT_EQ(response.predicates(0).name(), "aaa.first");
}

}  // namespace
}  // namespace factstore
