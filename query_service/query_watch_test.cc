// End-to-end tests of the query service (query_test_fixture.h): WatchFacts: the
// change feed.
#include "query_service/query_test_fixture.h"

namespace factstore {
namespace {

// WatchFacts.

TEST_F(QueryServiceTest, WatchStartsWithAResumeTokenThenStreamsChanges) {
  // An empty `after` starts at the latest commit the service sees; make
  // sure that is the seed's.
  Stats();
  v1::WatchFactsRequest request;
  WatchClient watch(query(), request);
  ASSERT_TRUE(watch.WaitForResponses(1, absl::Seconds(5)))
      << "no first response";
  v1::WatchFactsResponse first = watch.Responses()[0];
  EXPECT_EQ(first.events_size(), 0);
  ASSERT_FALSE(first.resume_token().empty());
  auto position =
      storage::DecodeResumeToken(first.resume_token(), store_id(), "x");
  ASSERT_TRUE(position.ok()) << position.status();
  EXPECT_EQ(position->commit, CommitOf(seed_commit_));
  EXPECT_EQ(position->offset, storage::CommitPosition::kWholeCommit);

  v1::IngestFactsResponse ingested = IngestAll({
      RawFact("place:da-nang", "education.it_institution_count", "37",
              "doc:da-nang-ict", "37 institutions"),
      RawFact("country:south-korea", "investment.cumulative_total",
              "US$85.9 billion", "doc:da-nang-ict", "US$85.9 billion"),
  });
  ASSERT_TRUE(watch.WaitForEvents(2));
  std::vector<v1::ChangeEvent> events = watch.Events();
  ASSERT_EQ(events.size(), 2u);
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(events[i].kind(), v1::CHANGE_KIND_ASSERTED);
    EXPECT_EQ(events[i].fact().id(), ingested.results(i).fact_id());
    EXPECT_EQ(events[i].commit_token(), ingested.commit_token());
    EXPECT_GT(events[i].commit_time().seconds(), 0);
  }
  EXPECT_EQ(events[0].fact().value().quantity().amount(), "37");

  // A second source, then a retraction.
  IngestOne(RawFact("place:da-nang", "education.it_institution_count", "37",
                    "doc:seoul-forum", "thirty-seven"));
  std::string retracted = Retract({ingested.results(1).fact_id()}, "wrong");
  ASSERT_TRUE(watch.WaitForEvents(4));
  events = watch.Events();
  ASSERT_EQ(events.size(), 4u);
  EXPECT_EQ(events[2].kind(), v1::CHANGE_KIND_MENTION_ADDED);
  EXPECT_EQ(events[2].fact().id(), ingested.results(0).fact_id());
  EXPECT_EQ(events[2].fact().mentions_size(), 2);
  EXPECT_EQ(events[3].kind(), v1::CHANGE_KIND_RETRACTED);
  EXPECT_EQ(events[3].fact().id(), ingested.results(1).fact_id());
  EXPECT_TRUE(events[3].fact().retracted());
  EXPECT_EQ(events[3].commit_token(), retracted);

  // Another modality from the same source updates the claim; the other
  // source still reports it, so the fact stays REPORTED.
  v1::Fact estimate = RawFact("place:da-nang", "education.it_institution_count",
                              "37", "doc:da-nang-ict", "37 institutions");
  estimate.set_modality(v1::MODALITY_ESTIMATE);
  IngestOne(estimate);
  ASSERT_TRUE(watch.WaitForEvents(5));
  events = watch.Events();
  ASSERT_EQ(events.size(), 5u);
  EXPECT_EQ(events[4].kind(), v1::CHANGE_KIND_UPDATED);
  EXPECT_EQ(events[4].fact().id(), ingested.results(0).fact_id());
  EXPECT_EQ(events[4].fact().modality(), v1::MODALITY_REPORTED);
  ASSERT_EQ(events[4].fact().mentions_size(), 2);
  EXPECT_EQ(events[4].fact().mentions(0).document_id(), "doc:seoul-forum");
  EXPECT_EQ(events[4].fact().mentions(0).modality(), v1::MODALITY_REPORTED);
  EXPECT_EQ(events[4].fact().mentions(1).document_id(), "doc:da-nang-ict");
  EXPECT_EQ(events[4].fact().mentions(1).modality(), v1::MODALITY_ESTIMATE);
  // Every response carries a resume token.
  for (const auto& r : watch.Responses())
    EXPECT_FALSE(r.resume_token().empty());
}

TEST_F(QueryServiceTest, WatchFiltersBySubjectAndPredicatePrefix) {
  v1::WatchFactsRequest by_subject;
  by_subject.set_subject("place:da-nang");
  v1::WatchFactsRequest by_prefix;
  by_prefix.set_predicate_prefix("market.");
  v1::WatchFactsRequest both;
  both.set_subject("place:da-nang");
  both.set_predicate_prefix("education.");
  WatchClient subject_watch(query(), by_subject);
  WatchClient prefix_watch(query(), by_prefix);
  WatchClient both_watch(query(), both);
  ASSERT_TRUE(subject_watch.WaitForResponses(1));
  ASSERT_TRUE(prefix_watch.WaitForResponses(1));
  ASSERT_TRUE(both_watch.WaitForResponses(1));

  v1::IngestFactsResponse ingested = IngestAll({
      RawFact("place:da-nang", "education.it_institution_count", "37",
              "doc:da-nang-ict", "q"),  // 0
      RawFact("country:south-korea", "investment.cumulative_total",
              "US$85.9 billion", "doc:da-nang-ict", "q"),  // 1
      WithValidTime(RawFact("product:kr-it-outsourcing-market", "market.size",
                            "$600 billion", "doc:seoul-forum", kMarketQuote),
                    "2024"),  // 2
      RawFact("place:da-nang", "workforce.digital_professionals",
              "53,000 people", "doc:da-nang-ict", "q"),  // 3
      RawFact("place:da-nang", "note.text", "market. not a predicate",
              "doc:da-nang-ict", "q"),  // 4
  });
  auto id = [&](int i) { return ingested.results(i).fact_id(); };
  // Once the retraction arrived, everything before it did.
  std::string retracted = Retract({id(0)});
  ASSERT_TRUE(subject_watch.WaitForEvents(4));
  ASSERT_TRUE(prefix_watch.WaitForEvents(1));
  ASSERT_TRUE(both_watch.WaitForEvents(2));
  // Give stray events a moment to show up.
  IngestOne(
      WithValidTime(RawFact("product:kr-it-outsourcing-market", "market.size",
                            "$800 billion", "doc:seoul-forum", kMarketQuote),
                    "by 2028"));
  ASSERT_TRUE(prefix_watch.WaitForEvents(2));
  absl::SleepFor(absl::Milliseconds(50));

  auto facts = [](WatchClient& w) {
    std::vector<std::string> out;
    for (const auto& e : w.Events()) {
      out.push_back(
          absl::StrCat(v1::ChangeKind_Name(e.kind()), " ", e.fact().id()));
    }
    return out;
  };
  EXPECT_THAT(facts(subject_watch),
              ElementsAre(absl::StrCat("CHANGE_KIND_ASSERTED ", id(0)),
                          absl::StrCat("CHANGE_KIND_ASSERTED ", id(3)),
                          absl::StrCat("CHANGE_KIND_ASSERTED ", id(4)),
                          absl::StrCat("CHANGE_KIND_RETRACTED ", id(0))));
  std::vector<std::string> prefix_events = facts(prefix_watch);
  ASSERT_EQ(prefix_events.size(), 2u);
  EXPECT_EQ(prefix_events[0], absl::StrCat("CHANGE_KIND_ASSERTED ", id(2)));
  EXPECT_THAT(facts(both_watch),
              ElementsAre(absl::StrCat("CHANGE_KIND_ASSERTED ", id(0)),
                          absl::StrCat("CHANGE_KIND_RETRACTED ", id(0))));
}

TEST_F(QueryServiceTest, WatchSendsHeartbeatsWhenNothingHappens) {
  Stats();  // caught up, so that the position does not move
  v1::WatchFactsRequest request;
  request.set_heartbeat_ms(100);
  WatchClient watch(query(), request);
  ASSERT_TRUE(watch.WaitForResponses(4, absl::Seconds(5)));
  for (const auto& r : watch.Responses()) {
    EXPECT_EQ(r.events_size(), 0);
    EXPECT_EQ(r.resume_token(), seed_commit_);
  }
}

// Resumes after every response from `after`, until a stream's first
// response is empty; returns the events' keys and the resume tokens.
std::vector<std::string> WatchByResuming(v1::QueryService::Stub& stub,
                                         v1::WatchFactsRequest request,
                                         std::vector<std::string>* tokens,
                                         int* mid_commit_resumes) {
  std::vector<std::string> keys;
  for (int stream = 0; stream < 200; ++stream) {
    WatchClient watch(stub, request);
    EXPECT_TRUE(watch.WaitForResponses(1)) << "stream " << stream;
    std::vector<v1::WatchFactsResponse> responses = watch.Responses();
    watch.Stop();
    if (responses.empty()) break;
    const v1::WatchFactsResponse& first = responses[0];
    EXPECT_LE(first.events_size(), 100);
    for (const auto& e : first.events()) keys.push_back(KeyOf(e));
    EXPECT_FALSE(first.resume_token().empty());
    if (first.resume_token().find('.') != std::string::npos)
      ++*mid_commit_resumes;
    tokens->push_back(first.resume_token());
    if (first.events_size() == 0) return keys;
    request.set_after(first.resume_token());
  }
  ADD_FAILURE() << "the watch did not catch up";
  return keys;
}

TEST_F(QueryServiceTest, ResumingDeliversEveryChangeExactlyOnce) {
  // The document knows its language already, so that the big commit's
  // changes are its facts alone (a mention telling a document something new
  // about itself adds the document's upsert to the commit).
  Upsert(R"pb(entities {
                id: "doc:da-nang-ict"
                type: ENTITY_TYPE_DOCUMENT
                name: "Korea - Vietnam ICT investment conference in Da Nang"
                document { language: "en" }
              })pb");
  // One big commit of 250 facts, then smaller ones.
  std::vector<v1::Fact> big;
  for (int i = 0; i < 250; ++i) {
    big.push_back(QuantityFact(i % 2 == 0 ? "place:da-nang" : "place:seoul",
                               "org.member_count", absl::StrCat(i), "count",
                               "doc:da-nang-ict", "big"));
  }
  v1::IngestFactsResponse big_commit = IngestAll(big, /*compact=*/true);
  std::vector<std::string> expected;
  for (const auto& r : big_commit.results()) {
    expected.push_back(absl::StrCat(
        "CHANGE_KIND_ASSERTED ", big_commit.commit_token(), " ", r.fact_id()));
  }
  v1::IngestFactsResponse small = IngestAll({
      RawFact("place:da-nang", "education.it_institution_count", "37",
              "doc:da-nang-ict", "q"),
      RawFact("country:south-korea", "investment.cumulative_total",
              "US$85.9 billion", "doc:da-nang-ict", "q"),
  });
  for (const auto& r : small.results()) {
    expected.push_back(absl::StrCat("CHANGE_KIND_ASSERTED ",
                                    small.commit_token(), " ", r.fact_id()));
  }
  std::string retracted =
      Retract({big_commit.results(0).fact_id(), small.results(1).fact_id()});
  expected.push_back(absl::StrCat("CHANGE_KIND_RETRACTED ", retracted, " ",
                                  big_commit.results(0).fact_id()));
  expected.push_back(absl::StrCat("CHANGE_KIND_RETRACTED ", retracted, " ",
                                  small.results(1).fact_id()));
  std::vector<v1::Fact> more;
  for (int i = 0; i < 120; ++i) {
    more.push_back(QuantityFact("place:da-nang", "org.member_count",
                                absl::StrCat(1000 + i), "count",
                                "doc:seoul-forum", "more"));
  }
  v1::IngestFactsResponse more_commit = IngestAll(more, /*compact=*/true);
  for (const auto& r : more_commit.results()) {
    expected.push_back(absl::StrCat(
        "CHANGE_KIND_ASSERTED ", more_commit.commit_token(), " ", r.fact_id()));
  }
  Stats();  // caught up

  // From the beginning without interruption.
  v1::WatchFactsRequest request;
  request.set_after(Token(0));
  WatchClient whole(query(), request);
  ASSERT_TRUE(whole.WaitForEvents(expected.size()));
  absl::SleepFor(absl::Milliseconds(30));
  std::vector<std::string> uninterrupted = whole.EventKeys();
  EXPECT_EQ(uninterrupted, expected);
  for (const auto& r : whole.Responses()) EXPECT_LE(r.events_size(), 100);
  // The big commit needs at least three responses.
  int with_big = 0;
  for (const auto& r : whole.Responses()) {
    for (const auto& e : r.events()) {
      if (e.commit_token() == big_commit.commit_token()) {
        ++with_big;
        break;
      }
    }
  }
  EXPECT_GE(with_big, 3);
  whole.Stop();

  // Resuming after every single response.
  std::vector<std::string> tokens;
  int mid_commit = 0;
  std::vector<std::string> resumed =
      WatchByResuming(query(), request, &tokens, &mid_commit);
  EXPECT_EQ(resumed, expected);
  EXPECT_GE(mid_commit, 2) << "never resumed inside a commit";

  // With a filter too.
  request.set_subject("place:seoul");
  std::vector<std::string> seoul_expected;
  for (size_t i = 0; i < big.size(); ++i) {
    if (big[i].subject() == "place:seoul")
      seoul_expected.push_back(expected[i]);
  }
  tokens.clear();
  mid_commit = 0;
  std::vector<std::string> seoul =
      WatchByResuming(query(), request, &tokens, &mid_commit);
  EXPECT_EQ(seoul, seoul_expected);

  // Resuming with a token from the middle continues from there.
  request.clear_subject();
  request.set_after(absl::StrCat(big_commit.commit_token(), ".200"));
  WatchClient tail(query(), request);
  size_t tail_count = expected.size() - 200;
  ASSERT_TRUE(tail.WaitForEvents(tail_count));
  absl::SleepFor(absl::Milliseconds(30));
  EXPECT_EQ(tail.EventKeys(),
            std::vector<std::string>(expected.begin() + 200, expected.end()));
}

TEST_F(QueryServiceTest, WatchReportsErasuresAndNeverReplaysErasedFacts) {
  v1::WatchFactsRequest live_request;
  WatchClient live(query(), live_request);
  ASSERT_TRUE(live.WaitForResponses(1));

  v1::Fact quote = RawFact("org:vinasa", "org.member_count", "more than 10",
                           "doc:seoul-forum", "more than 10 firms ...");
  quote.mutable_mentions(0)->set_attributed_to("person:nguyen-van-khoa");
  // Another source, so that the fact outlives the speaker's erasure.
  *quote.add_mentions() = RawFact("org:vinasa", "org.member_count", "x",
                                  "doc:da-nang-ict", "over ten firms")
                              .mentions(0);
  v1::IngestFactsResponse ingested = IngestAll({
      RawFact("person:nguyen-van-khoa", "note.text", "Vinasa chair",
              "doc:seoul-forum", "Vinasa chair Nguyen Van Khoa"),
      quote,
      RawFact("place:da-nang", "education.it_institution_count", "37",
              "doc:da-nang-ict", "q"),
  });
  std::string erased_fact = ingested.results(0).fact_id();
  // The live watch sees the assertions before the erasure happens.
  ASSERT_TRUE(live.WaitForEvents(3));
  v1::EraseEntityResponse erased =
      Erase("person:nguyen-van-khoa", "privacy request #12");
  EXPECT_EQ(erased.erased_fact_count(), 1);

  ASSERT_TRUE(live.WaitForEvents(4));
  std::vector<v1::ChangeEvent> events = live.Events();
  ASSERT_EQ(events.size(), 4u);
  EXPECT_EQ(events[3].kind(), v1::CHANGE_KIND_ERASED);
  EXPECT_EQ(events[3].erased_entity_id(), "person:nguyen-van-khoa");
  EXPECT_EQ(events[3].commit_token(), erased.commit_token());
  EXPECT_FALSE(events[3].has_fact());

  // From the beginning: the erasure, but not the erased fact.
  v1::WatchFactsRequest replay;
  replay.set_after(Token(0));
  WatchClient from_start(query(), replay);
  ASSERT_TRUE(from_start.WaitForEvents(3));
  absl::SleepFor(absl::Milliseconds(50));
  std::vector<std::string> keys = from_start.EventKeys();
  EXPECT_THAT(
      keys,
      ElementsAre(absl::StrCat("CHANGE_KIND_ASSERTED ", ingested.commit_token(),
                               " ", ingested.results(1).fact_id()),
                  absl::StrCat("CHANGE_KIND_ASSERTED ", ingested.commit_token(),
                               " ", ingested.results(2).fact_id()),
                  absl::StrCat("CHANGE_KIND_ERASED ", erased.commit_token(),
                               " person:nguyen-van-khoa")));
  for (const auto& e : from_start.Events()) {
    EXPECT_NE(e.fact().id(), erased_fact);
    EXPECT_EQ(e.fact().DebugString().find("nguyen-van-khoa"), std::string::npos)
        << e.DebugString();
  }
  // A subject watch of the erased entity sees only its erasure.
  replay.set_subject("person:nguyen-van-khoa");
  WatchClient subject(query(), replay);
  ASSERT_TRUE(subject.WaitForEvents(1));
  absl::SleepFor(absl::Milliseconds(50));
  EXPECT_THAT(
      subject.EventKeys(),
      ElementsAre(absl::StrCat("CHANGE_KIND_ERASED ", erased.commit_token(),
                               " person:nguyen-van-khoa")));
}

TEST_F(QueryServiceTest,
       WatchesEndWithAResumeTokenOnShutdownAndResumeElsewhere) {
  v1::WatchFactsRequest request;
  request.set_after(Token(0));
  auto watch = std::make_unique<WatchClient>(query(), request);
  v1::IngestFactsResponse before = IngestAll({
      RawFact("place:da-nang", "education.it_institution_count", "37",
              "doc:da-nang-ict", "q"),
      RawFact("country:south-korea", "investment.cumulative_total",
              "US$85.9 billion", "doc:da-nang-ict", "q"),
  });
  ASSERT_TRUE(watch->WaitForEvents(2));

  cluster_->query_server()->Shutdown(absl::Seconds(2));
  grpc::Status ended = watch->WaitForEnd();
  EXPECT_EQ(ended.error_code(), grpc::StatusCode::UNAVAILABLE)
      << ended.error_message();
  const std::string marker = "after=\"";
  size_t at = ended.error_message().find(marker);
  ASSERT_NE(at, std::string::npos) << ended.error_message();
  std::string token = ended.error_message().substr(at + marker.size());
  token = token.substr(0, token.find('"'));
  auto position = storage::DecodeResumeToken(token, store_id(), "token");
  ASSERT_TRUE(position.ok()) << token;
  EXPECT_GE(position->commit, CommitOf(before.commit_token()));
  // The resume token of the last response received works as well.
  std::string last_received = watch->Responses().back().resume_token();
  watch.reset();

  // Writes go on while no query server runs.
  v1::IngestFactsResponse during = IngestAll({
      RawFact("org:vinasa", "org.member_count", "12", "doc:seoul-forum", "q"),
  });
  ASSERT_TRUE(cluster_->StartQuery());
  for (const std::string& after : {token, last_received}) {
    request.set_after(after);
    WatchClient resumed(query(), request);
    ASSERT_TRUE(resumed.WaitForEvents(1));
    absl::SleepFor(absl::Milliseconds(50));
    EXPECT_THAT(
        resumed.EventKeys(),
        ElementsAre(absl::StrCat("CHANGE_KIND_ASSERTED ", during.commit_token(),
                                 " ", during.results(0).fact_id())));
  }
}

TEST_F(QueryServiceTest, WatchRejectsBadPositions) {
  const std::vector<std::string> positions = {
      "garbage", storage::EncodeCommitToken(store_id() + 1, 3),
      absl::StrCat(seed_commit_, ".x")};
  for (const std::string& after : positions) {
    v1::WatchFactsRequest request;
    request.set_after(after);
    WatchClient watch(query(), request);
    grpc::Status status = watch.WaitForEnd();
    ExpectInvalid(status, "after", after);
    EXPECT_TRUE(watch.Responses().empty());
  }
}

}  // namespace
}  // namespace factstore
