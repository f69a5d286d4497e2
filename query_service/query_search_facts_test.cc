// SearchFacts finds facts by the words of their quotes and text values, in
// English, Vietnamese and Korean, ranked, within a ListFacts filter, paged
// at one commit, and as of any commit.
#include "query_service/query_test_fixture.h"

namespace factstore {
namespace {

class SearchFactsTest : public QueryServiceTest {
 protected:
  grpc::Status SearchFacts(v1::SearchFactsRequest request,
                           v1::SearchFactsResponse* response) {
    auto context = Context();
    return query().SearchFacts(context.get(), Fresh(request), response);
  }
  v1::SearchFactsResponse SearchOk(v1::SearchFactsRequest request) {
    v1::SearchFactsResponse response;
    grpc::Status status = SearchFacts(request, &response);
    EXPECT_TRUE(status.ok())
        << request.query() << ": " << status.error_message();
    return response;
  }
  v1::SearchFactsResponse SearchOk(const std::string& q) {
    v1::SearchFactsRequest request;
    request.set_query(q);
    return SearchOk(request);
  }
  // The ids of the hits, in order.
  static std::vector<std::string> HitIds(
      const v1::SearchFactsResponse& response) {
    std::vector<std::string> ids;
    for (const v1::FactHit& hit : response.hits()) {
      ids.push_back(hit.fact().id());
    }
    return ids;
  }
};

TEST_F(SearchFactsTest, FindsWordsAndLongerWordsTheyStartRankedByUse) {
  std::string da_nang = IngestOne(RawFact(
      "place:da-nang", "note.text", "industry policy", "doc:da-nang-ict",
      "Da Nang focuses on microelectronics and semiconductors."));
  std::string design = IngestOne(RawFact(
      "org:fpt", "note.text", "chip design", "doc:da-nang-ict",
      "FPT designs semiconductor chips; semiconductor design is growing."));
  IngestOne(RawFact("place:seoul", "note.text", "capital", "doc:seoul-forum",
                    "Seoul is the capital of South Korea."));

  v1::SearchFactsResponse found = SearchOk("Semiconductor");
  // The fact that says it twice ranks first.
  EXPECT_THAT(HitIds(found), ElementsAre(design, da_nang));
  EXPECT_EQ(found.total_size(), 2);
  EXPECT_GT(found.hits(0).score(), found.hits(1).score());
  EXPECT_THAT(found.hits(0).matched_words(), ElementsAre("semiconductor"));
  EXPECT_THAT(found.hits(1).matched_words(), ElementsAre("semiconductors"));
  EXPECT_EQ(found.plan().index(), "words");
  EXPECT_GT(found.plan().keys_examined(), 0);
  EXPECT_FALSE(found.commit_token().empty());
  // Hits carry the whole fact, mentions and all.
  EXPECT_EQ(found.hits(1).fact().subject(), "place:da-nang");
  EXPECT_EQ(found.hits(1).fact().mentions(0).document_id(), "doc:da-nang-ict");

  // Every word must occur, though not together; a short word is whole.
  EXPECT_THAT(HitIds(SearchOk("growing chips FPT")), ElementsAre(design));
  EXPECT_TRUE(SearchOk("semiconductor Seoul").hits().empty());
  EXPECT_TRUE(SearchOk("chi").hits().empty());
  // Text values are searched as well as quotes.
  EXPECT_THAT(HitIds(SearchOk("policy")), ElementsAre(da_nang));
}

TEST_F(SearchFactsTest, VietnameseWithoutDiacriticsAndKoreanInsideWords) {
  v1::Fact vietnamese =
      RawFact("place:da-nang", "note.text", "bán dẫn", "doc:da-nang-ict",
              "Đà Nẵng phát triển ngành công nghiệp bán dẫn", "vi");
  v1::Fact korean =
      RawFact("place:da-nang", "note.text", "반도체", "doc:seoul-forum",
              "다낭은 반도체를 육성한다", "ko");
  std::string vi = IngestOne(vietnamese);
  std::string ko = IngestOne(korean);
  EXPECT_THAT(HitIds(SearchOk("bán dẫn")), ElementsAre(vi));
  EXPECT_THAT(HitIds(SearchOk("BAN DAN")), ElementsAre(vi));
  EXPECT_THAT(HitIds(SearchOk("cong nghiep")), ElementsAre(vi));
  EXPECT_THAT(HitIds(SearchOk("반도체")), ElementsAre(ko));
  EXPECT_THAT(HitIds(SearchOk("다낭 육성")), ElementsAre(ko));
  EXPECT_TRUE(SearchOk("반도체 bán").hits().empty());
  // Without its diacritics a syllable is no stem of a longer one: "ngân"
  // ("ngan") does not find "ngành" ("nganh").
  EXPECT_TRUE(SearchOk("ngân").hits().empty());
  EXPECT_THAT(HitIds(SearchOk("ngành")), ElementsAre(vi));
}

TEST_F(SearchFactsTest, FiltersNarrowAndPagesReadOneCommit) {
  std::vector<std::string> fpt_ids;
  for (int i = 0; i < 5; ++i) {
    std::string subject = i < 3 ? "org:fpt" : "org:vinasa";
    std::string id = IngestOne(RawFact(
        subject, "note.text", absl::StrCat("investment ", i), "doc:da-nang-ict",
        absl::StrCat("Investment number ", i, " in software parks")));
    if (i < 3) fpt_ids.push_back(id);
  }
  v1::SearchFactsRequest request;
  request.set_query("investment");
  request.mutable_filter()->set_subject("org:fpt");
  v1::SearchFactsResponse filtered = SearchOk(request);
  EXPECT_EQ(filtered.total_size(), 3);
  EXPECT_THAT(HitIds(filtered), UnorderedElementsAreArray(fpt_ids));

  // Two at a time: pages repeat nothing, read the first page's commit even
  // as writes go on, and count every hit.
  request.clear_filter();
  request.set_page_size(2);
  request = Fresh(request);
  std::set<std::string> seen;
  std::string first_commit;
  int pages = 0;
  do {
    v1::SearchFactsResponse page = SearchOk(request);
    EXPECT_EQ(page.total_size(), 5);
    EXPECT_LE(page.hits_size(), 2);
    if (pages == 0) {
      first_commit = page.commit_token();
      IngestOne(RawFact("place:seoul", "note.text", "investment later",
                        "doc:da-nang-ict", "A later investment"));
    }
    EXPECT_EQ(page.commit_token(), first_commit);
    for (const v1::FactHit& hit : page.hits()) {
      EXPECT_TRUE(seen.insert(hit.fact().id()).second) << hit.fact().id();
    }
    request.set_page_token(page.next_page_token());
    ++pages;
  } while (!request.page_token().empty() && pages < 10);
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(seen.size(), 5u);
  EXPECT_EQ(SearchOk("investment").total_size(), 6);

  // A token continues only its own search.
  v1::SearchFactsRequest first = Fresh(request);
  first.clear_page_token();
  std::string token = SearchOk(first).next_page_token();
  ASSERT_FALSE(token.empty());
  v1::SearchFactsRequest other = first;
  other.set_query("software");
  other.set_page_token(token);
  v1::SearchFactsResponse unused;
  ExpectInvalid(SearchFacts(other, &unused), "page_token");
}

TEST_F(SearchFactsTest, LaterPagesRankAsTheFirstDidWhateverIsWrittenSince) {
  // "investment" is rarer than "chip" at first, so the fact that says it
  // three times ranks first.
  std::string investment =
      IngestOne(RawFact("org:fpt", "note.text", "a", "doc:da-nang-ict",
                        "chip investment investment investment"));
  std::string chip =
      IngestOne(RawFact("org:vinasa", "note.text", "b", "doc:da-nang-ict",
                        "chip chip chip investment"));
  IngestOne(RawFact("place:seoul", "note.text", "c", "doc:da-nang-ict",
                    "chip design"));
  v1::SearchFactsRequest request;
  request.set_query("chip investment");
  request.set_page_size(1);
  request = Fresh(request);
  v1::SearchFactsResponse first = SearchOk(request);
  ASSERT_THAT(HitIds(first), ElementsAre(investment));
  // Many facts about investment make it the commoner word; the second page
  // still ranks by the first page's weights, so it is the other fact.
  for (int i = 0; i < 5; ++i) {
    IngestOne(RawFact("place:da-nang", "note.text", absl::StrCat("d", i),
                      "doc:da-nang-ict", absl::StrCat("investment round ", i)));
  }
  v1::SearchFactsRequest now = request;
  now.clear_read_options();
  EXPECT_THAT(HitIds(SearchOk(now)), ElementsAre(chip));
  request.set_page_token(first.next_page_token());
  v1::SearchFactsResponse second = SearchOk(request);
  EXPECT_THAT(HitIds(second), ElementsAre(chip));
  EXPECT_TRUE(second.next_page_token().empty());
}

TEST_F(SearchFactsTest, ReadsAsOfACommitAndSkipsRetractedFacts) {
  v1::Fact fact = RawFact("org:fpt", "note.text", "exhibitor",
                          "doc:da-nang-ict", "FPT exhibited at the forum");
  std::string before;
  std::string id = IngestOne(fact, &before);
  // The same claim from another document adds a mention and its words.
  v1::Fact again = fact;
  again.mutable_mentions(0)->set_document_id("doc:seoul-forum");
  again.mutable_mentions(0)->set_quote("FPT showed robotics in Seoul");
  std::string after;
  EXPECT_EQ(IngestOne(again, &after), id);
  EXPECT_THAT(HitIds(SearchOk("robotics")), ElementsAre(id));
  v1::SearchFactsRequest then;
  then.set_query("robotics");
  then.mutable_read_options()->set_as_of(before);
  EXPECT_TRUE(SearchOk(then).hits().empty());
  then.set_query("exhibited");
  EXPECT_THAT(HitIds(SearchOk(then)), ElementsAre(id));

  Retract({id});
  EXPECT_TRUE(SearchOk("robotics").hits().empty());
  v1::SearchFactsRequest retracted;
  retracted.set_query("robotics");
  retracted.mutable_filter()->set_include_retracted(true);
  EXPECT_THAT(HitIds(SearchOk(retracted)), ElementsAre(id));

  // Erasing the document takes its quote out of the search.
  Erase("doc:seoul-forum", "takedown request");
  EXPECT_TRUE(SearchOk(retracted).hits().empty());
  retracted.set_query("exhibited");
  EXPECT_THAT(HitIds(SearchOk(retracted)), ElementsAre(id));
}

TEST_F(SearchFactsTest, AStoreWithoutTheWordIndexRefusesSearches) {
  TestClusterOptions options;
  options.index_words = false;
  StartCluster(options);
  IngestOne(RawFact("org:fpt", "note.text", "exhibitor", "doc:da-nang-ict",
                    "FPT exhibited chips"));
  v1::SearchFactsRequest request;
  request.set_query("chips");
  v1::SearchFactsResponse response;
  grpc::Status status = SearchFacts(request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(status.error_message(), HasSubstr("--index_words=false"));
  EXPECT_THAT(status.error_details(), HasSubstr("WORD_INDEX_OFF"));
}

TEST_F(SearchFactsTest, BadRequestsNameTheField) {
  v1::SearchFactsResponse response;
  v1::SearchFactsRequest request;
  ExpectInvalid(SearchFacts(request, &response), "query");
  request.set_query("the of and");
  ExpectInvalid(SearchFacts(request, &response), "query");
  request.set_query(std::string(257, 'a'));
  ExpectInvalid(SearchFacts(request, &response), "query");
  request.set_query(
      "one two three four five six seven eight nine ten eleven twelve "
      "thirteen fourteen fifteen sixteen seventeen");
  ExpectInvalid(SearchFacts(request, &response), "query");
  request.set_query("chips");
  request.set_page_size(-1);
  ExpectInvalid(SearchFacts(request, &response), "page_size");
  request.set_page_size(0);
  request.mutable_filter()->set_predicate(std::string(200, 'x'));
  ExpectInvalid(SearchFacts(request, &response), "filter.predicate");
}

}  // namespace
}  // namespace factstore
