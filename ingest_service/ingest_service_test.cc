// Service tests of the ingest service: a real server on port 0, a real
// channel, a real RocksDB directory; the query server reads back what was
// written.
#include <atomic>
#include <set>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "storage/commit_token.h"
#include "tests/support/fixtures.h"
#include "tests/support/test_cluster.h"

namespace factstore {
namespace {

using testing::Context;
using testing::Ingest;
using testing::Parse;
using testing::RawFact;
using testing::TestCluster;

constexpr char kDaNangQuote[] =
    "South Korea is currently the largest investor in Vietnam, with a "
    "cumulative total investment capital of US$85.9 billion.";

class IngestServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    cluster_ = TestCluster::Start();
    ASSERT_NE(cluster_, nullptr);
    entities_commit_ = testing::SeedRegistryAndEntities(*cluster_);
  }

  uint64_t CommitOf(const std::string& token) {
    auto commit = storage::DecodeCommitToken(
        token, cluster_->ingest_server()->store()->store_id(), "token");
    EXPECT_TRUE(commit.ok()) << commit.status();
    return commit.ok() ? *commit : 0;
  }

  v1::GetFactResponse ReadFact(const std::string& id, const std::string& token,
                               grpc::Status* status = nullptr) {
    v1::GetFactRequest request;
    request.set_id(id);
    request.mutable_read_options()->set_min_commit(token);
    v1::GetFactResponse response;
    auto context = Context();
    grpc::Status s =
        cluster_->query().GetFact(context.get(), request, &response);
    if (status != nullptr) {
      *status = s;
    } else {
      EXPECT_TRUE(s.ok()) << s.error_message();
    }
    return response;
  }

  v1::GetStatsResponse Stats() {
    v1::GetStatsRequest request;
    request.mutable_read_options()->set_min_commit(
        cluster_->ingest_server()->head_commit_token());
    v1::GetStatsResponse response;
    auto context = Context();
    EXPECT_TRUE(
        cluster_->query().GetStats(context.get(), request, &response).ok());
    return response;
  }

  std::unique_ptr<TestCluster> cluster_;
  std::string entities_commit_;
};

TEST_F(IngestServiceTest, NormalizesAndCommitsRawFacts) {
  v1::IngestFactsRequest request;
  *request.add_facts() =
      RawFact("country:south-korea", "investment.cumulative_total",
              "US$85.9 billion", "doc:da-nang-ict", kDaNangQuote);
  v1::IngestFactsResponse response = Ingest(*cluster_, request);
  ASSERT_EQ(response.results_size(), 1);
  const v1::FactResult& result = response.results(0);
  ASSERT_EQ(result.outcome(), v1::OUTCOME_CREATED) << result.error().message();
  const v1::Quantity& q = result.fact().value().quantity();
  EXPECT_EQ(q.amount(), "85900000000");
  EXPECT_EQ(q.unit(), "USD");
  EXPECT_EQ(q.comparator(), v1::COMPARATOR_EXACT);
  EXPECT_EQ(q.surface_text(), "US$85.9 billion");
  EXPECT_EQ(result.fact().id(), result.fact_id());
  EXPECT_EQ(result.fact().id().size(), 34u);
  EXPECT_EQ(result.fact().modality(), v1::MODALITY_REPORTED);
  EXPECT_EQ(result.fact().mentions(0).quote(), kDaNangQuote);
  EXPECT_GT(CommitOf(response.commit_token()), CommitOf(entities_commit_));
  EXPECT_EQ(response.accepted_count(), 1);

  v1::GetFactResponse read =
      ReadFact(result.fact_id(), response.commit_token());
  EXPECT_EQ(read.fact().value().quantity().amount(), "85900000000");
  EXPECT_EQ(read.fact().asserted_commit(), response.commit_token());
  EXPECT_EQ(read.fact().mentions(0).added_commit(), response.commit_token());
}

TEST_F(IngestServiceTest, TheSameClaimFromAnotherSourceAddsAMention) {
  v1::IngestFactsRequest english;
  *english.add_facts() =
      RawFact("place:da-nang", "workforce.digital_professionals",
              "approximately 53,000 people", "doc:da-nang-ict",
              "The workforce of digital technology "
              "professionals is approximately 53,000 people.");
  v1::IngestFactsResponse first = Ingest(*cluster_, english);
  ASSERT_EQ(first.results(0).outcome(), v1::OUTCOME_CREATED)
      << first.results(0).error().message();

  // The same claim in Vietnamese, from another document.
  v1::IngestFactsRequest vietnamese;
  *vietnamese.add_facts() =
      RawFact("place:da-nang", "workforce.digital_professionals",
              "khoảng 53.000 người", "doc:seoul-forum",
              "Lực lượng nhân lực công nghệ số khoảng 53.000 người.", "vi");
  v1::IngestFactsResponse second = Ingest(*cluster_, vietnamese);
  ASSERT_EQ(second.results(0).outcome(), v1::OUTCOME_MENTION_ADDED)
      << second.results(0).error().message();
  EXPECT_EQ(second.results(0).fact_id(), first.results(0).fact_id());
  EXPECT_EQ(second.results(0).fact().mentions_size(), 2);

  // And again: nothing new.
  v1::IngestFactsResponse third = Ingest(*cluster_, vietnamese);
  EXPECT_EQ(third.results(0).outcome(), v1::OUTCOME_UNCHANGED);
  EXPECT_EQ(CommitOf(third.commit_token()), CommitOf(second.commit_token()));
  EXPECT_EQ(Stats().fact_count(), 1);
  EXPECT_EQ(Stats().mention_count(), 2);
}

TEST_F(IngestServiceTest, ValidateOnlyShowsTheNormalizationAndWritesNothing) {
  v1::IngestFactsRequest request;
  request.set_validate_only(true);
  *request.add_facts() = RawFact(
      "place:da-nang", "workforce.digital_professionals", "khoảng 53.000 người",
      "doc:da-nang-ict", "khoảng 53.000 người", "vi");
  v1::IngestFactsResponse response = Ingest(*cluster_, request);
  ASSERT_EQ(response.results(0).outcome(), v1::OUTCOME_VALID)
      << response.results(0).error().message();
  const v1::Quantity& q = response.results(0).fact().value().quantity();
  EXPECT_EQ(q.amount(), "53000");
  EXPECT_EQ(q.unit(), "person");
  EXPECT_EQ(q.comparator(), v1::COMPARATOR_APPROXIMATELY);
  EXPECT_EQ(CommitOf(response.commit_token()), CommitOf(entities_commit_));

  grpc::Status status;
  ReadFact(response.results(0).fact_id(), response.commit_token(), &status);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(Stats().fact_count(), 0);
}

TEST_F(IngestServiceTest,
       InvalidItemsAreRejectedWithTheirFieldAndValidOnesCommit) {
  v1::IngestFactsRequest request;
  *request.add_facts() =
      RawFact("country:south-korea", "investment.cumulative_total",
              "US$85.9 billion", "doc:da-nang-ict", kDaNangQuote);
  *request.add_facts() =
      RawFact("country:south-korea", "investment.cumulative_total",
              "85.9 billion USDD", "doc:da-nang-ict", "bad currency");
  *request.add_facts() =
      RawFact("country:nowhere", "investment.cumulative_total", "US$1 billion",
              "doc:da-nang-ict", "no subject");
  *request.add_facts() = RawFact("country:south-korea", "no.such.predicate",
                                 "1", "doc:da-nang-ict", "no predicate");
  v1::IngestFactsResponse response = Ingest(*cluster_, request);
  ASSERT_EQ(response.results_size(), 4);
  EXPECT_EQ(response.results(0).outcome(), v1::OUTCOME_CREATED);
  EXPECT_EQ(response.accepted_count(), 1);
  EXPECT_EQ(response.rejected_count(), 3);

  const v1::ItemError& currency = response.results(1).error();
  EXPECT_EQ(response.results(1).outcome(), v1::OUTCOME_REJECTED);
  EXPECT_EQ(currency.code(),
            static_cast<int>(grpc::StatusCode::INVALID_ARGUMENT));
  EXPECT_EQ(currency.violations(0).field(), "facts[1].value");
  EXPECT_NE(currency.message().find("USDD"), std::string::npos)
      << currency.message();

  const v1::ItemError& subject = response.results(2).error();
  EXPECT_EQ(subject.code(), static_cast<int>(grpc::StatusCode::NOT_FOUND));
  EXPECT_EQ(subject.violations(0).field(), "facts[2].subject");

  const v1::ItemError& predicate = response.results(3).error();
  EXPECT_EQ(predicate.code(), static_cast<int>(grpc::StatusCode::NOT_FOUND));
  EXPECT_EQ(predicate.violations(0).field(), "facts[3].predicate");
  EXPECT_EQ(Stats().fact_count(), 1);
}

TEST_F(IngestServiceTest, AllOrNothingWritesNothingWhenAnItemIsBad) {
  v1::IngestFactsRequest request;
  request.set_all_or_nothing(true);
  *request.add_facts() =
      RawFact("country:south-korea", "investment.cumulative_total",
              "US$85.9 billion", "doc:da-nang-ict", kDaNangQuote);
  *request.add_facts() =
      RawFact("place:da-nang", "education.it_institution_count",
              "thirty-seven-ish", "doc:da-nang-ict", "bad");
  v1::IngestFactsResponse response;
  auto context = Context();
  grpc::Status status =
      cluster_->ingest().IngestFacts(context.get(), request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(status.error_message().find("facts[1]"), std::string::npos)
      << status.error_message();
  EXPECT_EQ(Stats().fact_count(), 0);
}

TEST_F(IngestServiceTest, TypeMismatchesAndUnitsAreChecked) {
  v1::IngestFactsRequest request;
  v1::Fact* text_for_quantity = request.add_facts();
  *text_for_quantity =
      RawFact("place:da-nang", "education.it_institution_count", "",
              "doc:da-nang-ict", "q");
  text_for_quantity->mutable_value()->mutable_text()->set_text("many");
  // A percentage where a count of organizations is expected.
  *request.add_facts() =
      RawFact("place:da-nang", "education.it_institution_count", "37%",
              "doc:da-nang-ict", "q");
  // The subject must be a PLACE for investment.cumulative_total.
  *request.add_facts() = RawFact("org:fpt", "investment.cumulative_total",
                                 "$5 million", "doc:da-nang-ict", "q");
  // The object of event.location must be a PLACE.
  v1::Fact* location = request.add_facts();
  *location = RawFact("event:vn-kr-digital-forum-2024", "event.location", "",
                      "doc:seoul-forum", "q");
  location->mutable_value()->set_entity_id("org:fpt");
  v1::IngestFactsResponse response = Ingest(*cluster_, request);
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(response.results(i).outcome(), v1::OUTCOME_REJECTED) << i;
    EXPECT_EQ(response.results(i).error().code(),
              static_cast<int>(grpc::StatusCode::INVALID_ARGUMENT))
        << i << ": " << response.results(i).error().message();
  }
  EXPECT_EQ(response.results(0).error().violations(0).field(),
            "facts[0].value");
  EXPECT_EQ(response.results(1).error().violations(0).field(),
            "facts[1].value");
  EXPECT_NE(response.results(1).error().message().find("percent"),
            std::string::npos)
      << response.results(1).error().message();
  EXPECT_EQ(response.results(2).error().violations(0).field(),
            "facts[2].subject");
  EXPECT_EQ(response.results(3).error().violations(0).field(),
            "facts[3].value.entity_id");
}

TEST_F(IngestServiceTest, SubjectsAndObjectsByName) {
  v1::IngestFactsRequest request;
  v1::Fact* by_name = request.add_facts();
  *by_name =
      RawFact("", "education.it_institution_count", "37", "doc:da-nang-ict",
              "Da Nang has 37 educational institutions providing "
              "training of information technology.");
  by_name->set_subject_name("DA NANG");
  v1::Fact* object_by_name = request.add_facts();
  *object_by_name = RawFact("event:vn-kr-digital-forum-2024", "event.location",
                            "Seoul", "doc:seoul-forum", "in Seoul, Korea");
  v1::Fact* unknown_in_request = request.add_facts();
  *unknown_in_request = RawFact("", "education.it_institution_count", "3",
                                "doc:da-nang-ict", "q");
  unknown_in_request->set_subject_name("Atlantis");
  const v1::Fact unknown = *unknown_in_request;
  v1::IngestFactsResponse response = Ingest(*cluster_, request);
  ASSERT_EQ(response.results(0).outcome(), v1::OUTCOME_CREATED)
      << response.results(0).error().message();
  EXPECT_EQ(response.results(0).fact().subject(), "place:da-nang");
  EXPECT_EQ(response.results(0).fact().value().quantity().unit(),
            "organization");
  ASSERT_EQ(response.results(1).outcome(), v1::OUTCOME_CREATED)
      << response.results(1).error().message();
  EXPECT_EQ(response.results(1).fact().value().entity_id(), "place:seoul");
  EXPECT_EQ(response.results(2).error().code(),
            static_cast<int>(grpc::StatusCode::NOT_FOUND));
  EXPECT_EQ(response.results(2).error().violations(0).field(),
            "facts[2].subject_name");

  // Asked to, missing entities are created with derived ids.
  request.Clear();
  request.set_missing_entities(v1::MISSING_ENTITY_POLICY_CREATE);
  *request.add_facts() = unknown;
  request.mutable_facts(0)->set_subject_name("Hội An");
  response = Ingest(*cluster_, request);
  ASSERT_EQ(response.results(0).outcome(), v1::OUTCOME_CREATED)
      << response.results(0).error().message();
  EXPECT_EQ(response.results(0).fact().subject(), "other:hoi-an");
  ASSERT_EQ(response.results(0).created_entity_ids_size(), 1);
  EXPECT_EQ(response.results(0).created_entity_ids(0), "other:hoi-an");
}

TEST_F(IngestServiceTest, AmbiguousNamesListTheCandidates) {
  auto entities = Parse<v1::UpsertEntitiesRequest>(R"pb(
    entities {
      id: "org:korea-a"
      type: ENTITY_TYPE_ORGANIZATION
      name: "Korea Agency"
      aliases: "KA"
    }
    entities {
      id: "org:korea-b"
      type: ENTITY_TYPE_ORGANIZATION
      name: "Kinetic Alliance"
      aliases: "ka"
    }
  )pb");
  v1::UpsertEntitiesResponse upserted;
  auto context = Context();
  ASSERT_TRUE(cluster_->ingest()
                  .UpsertEntities(context.get(), entities, &upserted)
                  .ok());
  v1::IngestFactsRequest request;
  *request.add_facts() =
      RawFact("", "org.member_count", "12", "doc:seoul-forum", "q");
  request.mutable_facts(0)->set_subject_name("K.A.");
  v1::IngestFactsResponse response = Ingest(*cluster_, request);
  const v1::ItemError& error = response.results(0).error();
  EXPECT_EQ(error.code(), static_cast<int>(grpc::StatusCode::INVALID_ARGUMENT));
  EXPECT_NE(error.message().find("ambiguous"), std::string::npos)
      << error.message();
  ASSERT_EQ(error.candidates_size(), 2);
  EXPECT_EQ(error.candidates(0), "org:korea-a");
  EXPECT_EQ(error.candidates(1), "org:korea-b");
}

TEST_F(IngestServiceTest, RequestIdsMakeRetriesSafe) {
  v1::IngestFactsRequest request;
  request.set_request_id("load-2024-08-03-batch-7");
  *request.add_facts() =
      RawFact("country:south-korea", "investment.cumulative_total",
              "US$85.9 billion", "doc:da-nang-ict", kDaNangQuote);
  v1::IngestFactsResponse first = Ingest(*cluster_, request);
  ASSERT_EQ(first.results(0).outcome(), v1::OUTCOME_CREATED);
  v1::IngestFactsResponse retry = Ingest(*cluster_, request);
  EXPECT_EQ(retry.results(0).outcome(), v1::OUTCOME_CREATED);
  EXPECT_EQ(retry.results(0).fact_id(), first.results(0).fact_id());
  EXPECT_EQ(retry.results(0).fact().value().quantity().amount(), "85900000000");
  EXPECT_EQ(CommitOf(retry.commit_token()), CommitOf(first.commit_token()));

  // The same id for another request is an error, and writes nothing.
  request.mutable_facts(0)->mutable_value()->set_raw("US$86 billion");
  v1::IngestFactsResponse response;
  auto context = Context();
  grpc::Status status =
      cluster_->ingest().IngestFacts(context.get(), request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_NE(status.error_message().find("request_id"), std::string::npos);
  EXPECT_EQ(Stats().fact_count(), 1);
}

TEST_F(IngestServiceTest, DuplicatesWithinOneRequestAreRejected) {
  v1::IngestFactsRequest request;
  v1::Fact fact = RawFact("place:da-nang", "education.it_institution_count",
                          "37", "doc:da-nang-ict", "Da Nang has 37 ...");
  *request.add_facts() = fact;
  *request.add_facts() = fact;
  v1::IngestFactsResponse response = Ingest(*cluster_, request);
  EXPECT_EQ(response.results(0).outcome(), v1::OUTCOME_CREATED);
  EXPECT_EQ(response.results(1).outcome(), v1::OUTCOME_REJECTED);
  EXPECT_EQ(response.results(1).error().violations(0).field(), "facts[1]");
}

TEST_F(IngestServiceTest, OneClaimFromTwoSourcesInOneRequestIsNotADuplicate) {
  v1::IngestFactsRequest request;
  *request.add_facts() = RawFact(
      "country:south-korea", "note.text", "largest investor in Vietnam",
      "doc:da-nang-ict", "South Korea is currently the largest investor");
  *request.add_facts() =
      RawFact("country:south-korea", "note.text", "largest investor in Vietnam",
              "doc:seoul-forum", "South Korea is now the biggest investor");
  v1::IngestFactsResponse first = Ingest(*cluster_, request);
  EXPECT_EQ(first.results(0).outcome(), v1::OUTCOME_CREATED);
  EXPECT_EQ(first.results(1).outcome(), v1::OUTCOME_MENTION_ADDED);
  // Sending the same request again (a reload) changes nothing and rejects
  // nothing.
  v1::IngestFactsResponse again = Ingest(*cluster_, request);
  EXPECT_EQ(again.results(0).outcome(), v1::OUTCOME_UNCHANGED);
  EXPECT_EQ(again.results(1).outcome(), v1::OUTCOME_UNCHANGED)
      << again.results(1).error().message();
  EXPECT_EQ(again.rejected_count(), 0);
}

TEST_F(IngestServiceTest,
       CardinalityOneRejectsASecondValueFromTheSameDocument) {
  v1::IngestFactsRequest request;
  *request.add_facts() =
      RawFact("product:kr-it-outsourcing-market", "market.size", "$600 billion",
              "doc:seoul-forum", "valued at $600 billion");
  request.mutable_facts(0)->mutable_valid_time()->set_raw("2024");
  ASSERT_EQ(Ingest(*cluster_, request).results(0).outcome(),
            v1::OUTCOME_CREATED);
  request.mutable_facts(0)->mutable_value()->set_raw("$650 billion");
  v1::IngestFactsResponse same_doc = Ingest(*cluster_, request);
  EXPECT_EQ(same_doc.results(0).error().code(),
            static_cast<int>(grpc::StatusCode::FAILED_PRECONDITION))
      << same_doc.results(0).error().message();
  // Another document may disagree: that is what ResolveValue is for.
  request.mutable_facts(0)->mutable_mentions(0)->set_document_id(
      "doc:da-nang-ict");
  EXPECT_EQ(Ingest(*cluster_, request).results(0).outcome(),
            v1::OUTCOME_CREATED);
}

// The check finds a stored competitor through the documents that mention
// it, including one added in a later commit, and lets a retracted one be.
TEST_F(IngestServiceTest, CardinalityOneSeesMentionsAddedLaterAndRetractions) {
  auto fact = [](const std::string& value, const std::string& document) {
    v1::IngestFactsRequest request;
    *request.add_facts() =
        RawFact("product:kr-it-outsourcing-market", "market.size", value,
                document, absl::StrCat("valued at ", value));
    request.mutable_facts(0)->mutable_valid_time()->set_raw("2023");
    return request;
  };
  v1::IngestFactsResponse first =
      Ingest(*cluster_, fact("$600 billion", "doc:seoul-forum"));
  ASSERT_EQ(first.results(0).outcome(), v1::OUTCOME_CREATED);
  // The same claim from a second document: one fact, two mentions.
  ASSERT_EQ(Ingest(*cluster_, fact("$600 billion", "doc:da-nang-ict"))
                .results(0)
                .outcome(),
            v1::OUTCOME_MENTION_ADDED);
  // Each of the two documents now gives that value.
  for (const std::string document : {"doc:seoul-forum", "doc:da-nang-ict"}) {
    v1::IngestFactsResponse other =
        Ingest(*cluster_, fact("$650 billion", document));
    EXPECT_EQ(other.results(0).error().code(),
              static_cast<int>(grpc::StatusCode::FAILED_PRECONDITION))
        << document << ": " << other.results(0).error().message();
    EXPECT_NE(
        other.results(0).error().message().find(first.results(0).fact_id()),
        std::string::npos)
        << other.results(0).error().message();
  }
  // Once the stored value is retracted, the document may give another.
  v1::RetractFactsRequest retract;
  retract.add_fact_ids(first.results(0).fact_id());
  retract.set_reason("misread figure");
  v1::RetractFactsResponse retracted;
  auto context = Context();
  ASSERT_TRUE(
      cluster_->ingest().RetractFacts(context.get(), retract, &retracted).ok());
  ASSERT_EQ(retracted.results(0).outcome(), v1::OUTCOME_UPDATED);
  EXPECT_EQ(Ingest(*cluster_, fact("$650 billion", "doc:da-nang-ict"))
                .results(0)
                .outcome(),
            v1::OUTCOME_CREATED);
}

// The facts of one request are checked in one commit group, which looks up
// their competitors with one scan of the subject index, sought to each fact
// in turn (commit_context.h SubjectIndexScan), backwards as well as forwards.
TEST_F(IngestServiceTest, CardinalityOneChecksEachFactOfARequest) {
  auto fact = [](const std::string& value, const std::string& year) {
    v1::Fact f = RawFact("product:kr-it-outsourcing-market", "market.size",
                         value, "doc:seoul-forum",
                         absl::StrCat("valued at ", value, " in ", year));
    f.mutable_valid_time()->set_raw(year);
    return f;
  };
  v1::IngestFactsRequest stored;
  *stored.add_facts() = fact("$500 billion", "2022");
  *stored.add_facts() = fact("$600 billion", "2024");
  v1::IngestFactsResponse first = Ingest(*cluster_, stored);
  ASSERT_EQ(first.results(0).outcome(), v1::OUTCOME_CREATED);
  ASSERT_EQ(first.results(1).outcome(), v1::OUTCOME_CREATED);

  v1::IngestFactsRequest request;
  *request.add_facts() = fact("$650 billion", "2024");  // competes
  *request.add_facts() = fact("$550 billion", "2022");  // competes, before
  *request.add_facts() = fact("$580 billion", "2023");  // no competitor
  v1::IngestFactsResponse response = Ingest(*cluster_, request);
  ASSERT_EQ(response.results_size(), 3);
  for (int i : {0, 1}) {
    const std::string& competitor = first.results(1 - i).fact_id();
    EXPECT_EQ(response.results(i).error().code(),
              static_cast<int>(grpc::StatusCode::FAILED_PRECONDITION))
        << i << ": " << response.results(i).error().message();
    EXPECT_NE(response.results(i).error().message().find(competitor),
              std::string::npos)
        << i << ": " << response.results(i).error().message();
  }
  EXPECT_EQ(response.results(2).outcome(), v1::OUTCOME_CREATED)
      << response.results(2).error().message();
}

TEST_F(IngestServiceTest, StreamAcknowledgesEveryBatchInOrder) {
  auto context = Context(absl::Seconds(30));
  auto stream = cluster_->ingest().StreamIngestFacts(context.get());
  constexpr int kBatches = 12;
  std::thread writer([&] {
    for (int b = 0; b < kBatches; ++b) {
      v1::StreamIngestFactsRequest batch;
      batch.set_compact_results(true);
      for (int i = 0; i < 50; ++i) {
        *batch.add_facts() =
            RawFact("place:da-nang", "education.it_institution_count",
                    absl::StrCat(b * 1000 + i), "doc:da-nang-ict",
                    absl::StrCat("batch ", b, " fact ", i));
      }
      if (b == 5) {
        // A bad batch is reported and the stream goes on.
        batch.set_all_or_nothing(true);
        batch.mutable_facts(3)->mutable_value()->set_raw("lots");
      }
      ASSERT_TRUE(stream->Write(batch));
    }
    stream->WritesDone();
  });
  std::string last_token;
  int acks = 0;
  v1::StreamIngestFactsResponse ack;
  while (stream->Read(&ack)) {
    EXPECT_EQ(ack.batch_index(), acks);
    if (acks == 5) {
      EXPECT_EQ(ack.batch_error().code(),
                static_cast<int>(grpc::StatusCode::INVALID_ARGUMENT));
      EXPECT_EQ(ack.accepted_count(), 0);
    } else {
      EXPECT_FALSE(ack.has_batch_error()) << ack.batch_error().message();
      EXPECT_EQ(ack.accepted_count(), 50);
      EXPECT_FALSE(ack.results(0).has_fact());  // compact results
      EXPECT_FALSE(ack.results(0).fact_id().empty());
      if (!last_token.empty()) {
        // Batches in flight together may share a group commit.
        EXPECT_GE(CommitOf(ack.commit_token()), CommitOf(last_token));
      }
      last_token = ack.commit_token();
    }
    ++acks;
  }
  writer.join();
  EXPECT_TRUE(stream->Finish().ok());
  EXPECT_EQ(acks, kBatches);
  EXPECT_EQ(Stats().fact_count(), (kBatches - 1) * 50);
}

TEST_F(IngestServiceTest, ConcurrentClientsLoseAndDuplicateNothing) {
  constexpr int kClients = 8;
  constexpr int kRequests = 10;
  constexpr int kFactsPerRequest = 25;
  std::vector<std::thread> clients;
  std::mutex mu;
  std::set<std::string> ids;
  std::atomic<int> failures{0};
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&, c] {
      uint64_t last = 0;
      for (int r = 0; r < kRequests; ++r) {
        v1::IngestFactsRequest request;
        request.set_compact_results(true);
        for (int i = 0; i < kFactsPerRequest; ++i) {
          *request.add_facts() =
              RawFact("place:da-nang", "org.member_count",
                      absl::StrCat(c * 100000 + r * 1000 + i),
                      "doc:da-nang-ict", absl::StrCat("client ", c));
        }
        v1::IngestFactsResponse response;
        auto context = Context();
        if (!cluster_->ingest()
                 .IngestFacts(context.get(), request, &response)
                 .ok()) {
          ++failures;
          continue;
        }
        uint64_t commit = CommitOf(response.commit_token());
        if (commit <= last) ++failures;  // each client's commits increase
        last = commit;
        std::lock_guard<std::mutex> lock(mu);
        for (const auto& result : response.results()) {
          if (result.outcome() != v1::OUTCOME_CREATED) ++failures;
          ids.insert(result.fact_id());
        }
      }
    });
  }
  for (auto& t : clients) t.join();
  EXPECT_EQ(failures, 0);
  EXPECT_EQ(ids.size(),
            static_cast<size_t>(kClients * kRequests * kFactsPerRequest));
  EXPECT_EQ(Stats().fact_count(), kClients * kRequests * kFactsPerRequest);

  // The commit log holds every commit, in order, without gaps.
  storage::Store* store = cluster_->ingest_server()->store();
  uint64_t head = store->ReadHead()->last_commit();
  size_t asserted = 0;
  for (uint64_t c = 1; c <= head; ++c) {
    auto record = store->ReadCommit(c);
    ASSERT_TRUE(record.ok()) << "commit " << c << ": " << record.status();
    for (const auto& change : record->changes()) {
      if (change.kind() == storage::CHANGE_KIND_FACT_ASSERTED) ++asserted;
    }
  }
  EXPECT_EQ(asserted, ids.size());
}

TEST_F(IngestServiceTest, RetractionKeepsHistory) {
  v1::IngestFactsRequest request;
  *request.add_facts() =
      RawFact("place:da-nang", "education.it_institution_count", "37",
              "doc:da-nang-ict", "37 institutions");
  v1::IngestFactsResponse ingested = Ingest(*cluster_, request);
  std::string id = ingested.results(0).fact_id();

  v1::RetractFactsRequest retract;
  retract.add_fact_ids(id);
  retract.add_fact_ids("f_00000000000000000000000000000000");
  retract.set_reason("misread figure");
  v1::RetractFactsResponse retracted;
  auto context = Context();
  ASSERT_TRUE(
      cluster_->ingest().RetractFacts(context.get(), retract, &retracted).ok());
  EXPECT_EQ(retracted.results(0).outcome(), v1::OUTCOME_UPDATED);
  EXPECT_EQ(retracted.results(1).outcome(), v1::OUTCOME_REJECTED);
  EXPECT_EQ(retracted.results(1).error().code(),
            static_cast<int>(grpc::StatusCode::NOT_FOUND));

  v1::GetFactResponse now = ReadFact(id, retracted.commit_token());
  EXPECT_TRUE(now.fact().retracted());
  EXPECT_EQ(now.fact().retraction_reason(), "misread figure");
  EXPECT_EQ(now.fact().retracted_commit(), retracted.commit_token());

  v1::GetFactRequest before;
  before.set_id(id);
  before.mutable_read_options()->set_as_of(ingested.commit_token());
  v1::GetFactResponse then;
  auto before_context = Context();
  ASSERT_TRUE(
      cluster_->query().GetFact(before_context.get(), before, &then).ok());
  EXPECT_FALSE(then.fact().retracted());

  // Retracting again changes nothing.
  v1::RetractFactsResponse again;
  auto again_context = Context();
  ASSERT_TRUE(cluster_->ingest()
                  .RetractFacts(again_context.get(), retract, &again)
                  .ok());
  EXPECT_EQ(again.results(0).outcome(), v1::OUTCOME_UNCHANGED);
}

TEST_F(IngestServiceTest, ErasureRemovesEverythingAndLeavesATombstone) {
  v1::IngestFactsRequest request;
  v1::Fact quote =
      RawFact("org:vinasa", "org.member_count", "more than 10",
              "doc:seoul-forum", "more than 10 Vietnamese digital firms ...");
  quote.mutable_mentions(0)->set_attributed_to("person:nguyen-van-khoa");
  *request.add_facts() = quote;
  v1::Fact about =
      RawFact("person:nguyen-van-khoa", "note.text", "Vinasa chair",
              "doc:seoul-forum", "Vinasa chair Nguyen Van Khoa");
  *request.add_facts() = about;
  // Said by the person, and also reported by an article on its own.
  v1::Fact twice = RawFact("org:vinasa", "note.text", "digital firms in Seoul",
                           "doc:seoul-forum", "Vietnamese firms came to Seoul");
  twice.mutable_mentions(0)->set_attributed_to("person:nguyen-van-khoa");
  *twice.add_mentions() =
      RawFact("org:vinasa", "note.text", "x", "doc:da-nang-ict",
              "Vinasa brought firms to Seoul")
          .mentions(0);
  *request.add_facts() = twice;
  v1::IngestFactsResponse ingested = Ingest(*cluster_, request);
  ASSERT_EQ(ingested.accepted_count(), 3)
      << ingested.results(0).error().message()
      << ingested.results(1).error().message()
      << ingested.results(2).error().message();

  v1::EraseEntityRequest erase;
  erase.set_entity_id("person:nguyen-van-khoa");
  erase.set_reason("privacy request #12");
  erase.set_request_id("erase-12");
  v1::EraseEntityResponse erased;
  auto context = Context();
  ASSERT_TRUE(
      cluster_->ingest().EraseEntity(context.get(), erase, &erased).ok());
  // The fact about the person, and the quote that only the person gave.
  EXPECT_EQ(erased.erased_fact_count(), 2);
  EXPECT_EQ(erased.erased_mention_count(), 1);
  EXPECT_EQ(erased.tombstone().reason(), "privacy request #12");

  // The fact about the person is gone, even as of before the erasure.
  grpc::Status status;
  ReadFact(ingested.results(1).fact_id(), erased.commit_token(), &status);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  // So is the fact whose only source was the person: a fact is not kept
  // without any mention.
  ReadFact(ingested.results(0).fact_id(), erased.commit_token(), &status);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  // The fact another article reported too stays, with that mention only.
  v1::GetFactResponse kept =
      ReadFact(ingested.results(2).fact_id(), erased.commit_token());
  ASSERT_EQ(kept.fact().mentions_size(), 1);
  EXPECT_EQ(kept.fact().mentions(0).document_id(), "doc:da-nang-ict");
  EXPECT_TRUE(kept.fact().mentions(0).attributed_to().empty());

  // A retry with the request id gets the first answer; without one, the
  // entity is gone; the id with another request is refused.
  v1::EraseEntityResponse retried;
  auto retry_context = Context();
  ASSERT_TRUE(cluster_->ingest()
                  .EraseEntity(retry_context.get(), erase, &retried)
                  .ok());
  EXPECT_EQ(retried.tombstone().ShortDebugString(),
            erased.tombstone().ShortDebugString());
  EXPECT_EQ(retried.erased_fact_count(), 2);
  EXPECT_EQ(retried.erased_mention_count(), 1);
  v1::EraseEntityRequest plain = erase;
  plain.clear_request_id();
  auto plain_context = Context();
  EXPECT_EQ(cluster_->ingest()
                .EraseEntity(plain_context.get(), plain, &retried)
                .error_code(),
            grpc::StatusCode::NOT_FOUND);
  v1::EraseEntityRequest other = erase;
  other.set_reason("another request");
  auto other_context = Context();
  EXPECT_EQ(cluster_->ingest()
                .EraseEntity(other_context.get(), other, &retried)
                .error_code(),
            grpc::StatusCode::ALREADY_EXISTS);
  // The entity answers NOT_FOUND with the tombstone's reason.
  v1::GetEntityRequest get;
  get.set_id("person:nguyen-van-khoa");
  get.mutable_read_options()->set_min_commit(erased.commit_token());
  v1::GetEntityResponse entity;
  auto get_context = Context();
  status = cluster_->query().GetEntity(get_context.get(), get, &entity);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_NE(status.error_message().find("privacy request #12"),
            std::string::npos);
  // Nothing of it is left in the commit log.
  storage::Store* store = cluster_->ingest_server()->store();
  for (uint64_t c = 1; c <= store->ReadHead()->last_commit(); ++c) {
    auto record = store->ReadCommit(c);
    ASSERT_TRUE(record.ok());
    for (const auto& change : record->changes()) {
      EXPECT_NE(change.fact_id(), ingested.results(1).fact_id());
      if (change.kind() != storage::CHANGE_KIND_ENTITY_ERASED) {
        EXPECT_NE(change.entity_id(), "person:nguyen-van-khoa");
        EXPECT_NE(change.subject(), "person:nguyen-van-khoa");
      }
    }
  }
  // The id can be used again.
  auto again = Parse<v1::UpsertEntitiesRequest>(R"pb(
    entities {
      id: "person:nguyen-van-khoa"
      type: ENTITY_TYPE_PERSON
      name: "N. V. Khoa"
    }
  )pb");
  v1::UpsertEntitiesResponse recreated;
  auto upsert_context = Context();
  ASSERT_TRUE(cluster_->ingest()
                  .UpsertEntities(upsert_context.get(), again, &recreated)
                  .ok());
  EXPECT_EQ(recreated.results(0).outcome(), v1::OUTCOME_CREATED);
  EXPECT_EQ(Stats().tombstone_count(), 1);
}

TEST_F(IngestServiceTest, EntitiesAreValidatedAndUpsertsReportWhatChanged) {
  auto request = Parse<v1::UpsertEntitiesRequest>(R"pb(
    entities { id: "org:fpt" type: ENTITY_TYPE_ORGANIZATION name: "FPT" }
    entities { id: "org:cmc" type: ENTITY_TYPE_ORGANIZATION name: "CMC" }
    entities { id: "org:vinasa" type: ENTITY_TYPE_ORGANIZATION name: "Vinasa" }
    entities { id: "bad id" type: ENTITY_TYPE_ORGANIZATION name: "x" }
    entities { id: "org:no-type" name: "x" }
    entities { id: "org:cmc" type: ENTITY_TYPE_ORGANIZATION name: "CMC again" }
  )pb");
  v1::UpsertEntitiesResponse response;
  auto context = Context();
  ASSERT_TRUE(cluster_->ingest()
                  .UpsertEntities(context.get(), request, &response)
                  .ok());
  EXPECT_EQ(response.results(0).outcome(), v1::OUTCOME_UNCHANGED);
  EXPECT_EQ(response.results(1).outcome(), v1::OUTCOME_CREATED);
  EXPECT_EQ(response.results(2).outcome(), v1::OUTCOME_UPDATED);
  EXPECT_EQ(response.results(3).error().violations(0).field(),
            "entities[3].id");
  EXPECT_EQ(response.results(4).error().violations(0).field(),
            "entities[4].type");
  EXPECT_EQ(response.results(5).error().violations(0).field(),
            "entities[5].id");
}

TEST_F(IngestServiceTest, PredicatesCannotChangeTheirValueType) {
  auto request = Parse<v1::RegisterPredicatesRequest>(R"pb(
    predicates { name: "market.size" value_type: VALUE_TYPE_TEXT }
    predicates { name: "Bad Name" value_type: VALUE_TYPE_TEXT }
    predicates {
      name: "x.units"
      value_type: VALUE_TYPE_QUANTITY
      allowed_units: "furlong"
    }
  )pb");
  v1::RegisterPredicatesResponse response;
  auto context = Context();
  ASSERT_TRUE(cluster_->ingest()
                  .RegisterPredicates(context.get(), request, &response)
                  .ok());
  EXPECT_EQ(response.results(0).error().code(),
            static_cast<int>(grpc::StatusCode::FAILED_PRECONDITION));
  EXPECT_EQ(response.results(1).error().violations(0).field(),
            "predicates[1].name");
  EXPECT_EQ(response.results(2).error().violations(0).field(),
            "predicates[2].allowed_units[0]");
}

TEST_F(IngestServiceTest, OversizedBatchesAreRefusedWhole) {
  v1::IngestFactsRequest request;
  v1::Fact fact =
      RawFact("place:da-nang", "org.member_count", "1", "doc:da-nang-ict", "q");
  for (int i = 0; i < 10001; ++i) *request.add_facts() = fact;
  v1::IngestFactsResponse response;
  auto context = Context();
  grpc::Status status =
      cluster_->ingest().IngestFacts(context.get(), request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(status.error_message().find("facts"), std::string::npos);
}

TEST_F(IngestServiceTest, CommitsSurviveARestart) {
  v1::IngestFactsRequest request;
  *request.add_facts() =
      RawFact("country:south-korea", "investment.cumulative_total",
              "US$85.9 billion", "doc:da-nang-ict", kDaNangQuote);
  v1::IngestFactsResponse before = Ingest(*cluster_, request);
  ASSERT_TRUE(cluster_->RestartIngest());
  v1::IngestFactsResponse after = Ingest(*cluster_, request);
  EXPECT_EQ(after.results(0).outcome(), v1::OUTCOME_UNCHANGED);
  // New commits continue the sequence.
  *request.mutable_facts(0)->mutable_mentions(0)->mutable_quote() += " (again)";
  v1::IngestFactsResponse next = Ingest(*cluster_, request);
  EXPECT_EQ(CommitOf(next.commit_token()), CommitOf(before.commit_token()) + 1);
}

TEST_F(IngestServiceTest, RelativeDatesResolveAgainstThePublicationDate) {
  // The mention's publication date, which the document then keeps.
  v1::IngestFactsRequest request;
  v1::Fact* last_year = request.add_facts();
  *last_year = RawFact("place:da-nang", "education.it_institution_count", "37",
                       "doc:da-nang-ict", "37 institutions last year");
  last_year->mutable_valid_time()->set_raw("last year");
  last_year->mutable_mentions(0)->set_publication_date("2024-08-02");
  v1::IngestFactsResponse response = Ingest(*cluster_, request);
  ASSERT_EQ(response.results(0).outcome(), v1::OUTCOME_CREATED)
      << response.results(0).error().message();
  EXPECT_EQ(response.results(0).fact().valid_time().at().date(), "2023");
  EXPECT_EQ(response.results(0).fact().valid_time().interval_start(),
            "2023-01-01");

  // A later mention of the same document need not repeat it.
  request.Clear();
  v1::Fact* yesterday = request.add_facts();
  *yesterday = RawFact("place:da-nang", "education.it_institution_count", "38",
                       "doc:da-nang-ict", "38 institutions yesterday");
  yesterday->mutable_valid_time()->set_raw("yesterday");
  response = Ingest(*cluster_, request);
  ASSERT_EQ(response.results(0).outcome(), v1::OUTCOME_CREATED)
      << response.results(0).error().message();
  EXPECT_EQ(response.results(0).fact().valid_time().at().date(), "2024-08-01");

  // A document without one: the relative date is refused, saying why.
  request.Clear();
  v1::Fact* undated = request.add_facts();
  *undated = RawFact("place:seoul", "education.it_institution_count", "40",
                     "doc:seoul-forum", "40 institutions last year");
  undated->mutable_valid_time()->set_raw("năm ngoái");
  undated->set_language("vi");
  response = Ingest(*cluster_, request);
  ASSERT_EQ(response.results(0).outcome(), v1::OUTCOME_REJECTED);
  EXPECT_EQ(response.results(0).error().violations(0).field(),
            "facts[0].valid_time.raw");
  EXPECT_NE(response.results(0).error().message().find("publication date"),
            std::string::npos)
      << response.results(0).error().message();
}

TEST_F(IngestServiceTest, ParseTextFindsTheValuesOfASentenceAndWritesNothing) {
  const std::string head = cluster_->ingest_server()->head_commit_token();
  v1::ParseTextRequest request;
  request.set_text(
      "Vinasa chair Nguyen Van Khoa said the market is valued at $600 billion "
      "and is expected to rise to $800 billion by 2028.");
  request.set_language("en");
  v1::ParseTextResponse response;
  auto context = Context();
  grpc::Status status =
      cluster_->ingest().ParseText(context.get(), request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(response.values_size(), 3);
  const v1::TextValue& first = response.values(0);
  EXPECT_EQ(first.text(), "$600 billion");
  EXPECT_EQ(request.text().substr(first.start(), first.end() - first.start()),
            "$600 billion");  // ASCII: code points are bytes
  EXPECT_EQ(first.quantity().amount(), "600000000000");
  EXPECT_EQ(first.quantity().unit(), "USD");
  EXPECT_EQ(response.values(1).quantity().amount(), "800000000000");
  EXPECT_EQ(response.values(2).text(), "by 2028");
  EXPECT_EQ(response.values(2).time().date(), "2028");
  EXPECT_EQ(response.values(2).time().modifier(), v1::DATE_MODIFIER_BY);

  // Korean offsets count code points.
  request.set_text("IT 인력 74만 명이 필요하다");
  request.set_language("ko");
  auto korean = Context();
  ASSERT_TRUE(
      cluster_->ingest().ParseText(korean.get(), request, &response).ok());
  ASSERT_EQ(response.values_size(), 1);
  // "인력 74만": "IT" adds nothing to the value, "명이" neither.
  EXPECT_EQ(response.values(0).start(), 3);
  EXPECT_EQ(response.values(0).end(), 9);
  EXPECT_EQ(response.values(0).quantity().amount(), "740000");
  EXPECT_EQ(cluster_->ingest_server()->head_commit_token(), head);

  // With a publication date, relative dates are values too.
  request.set_text("Năm ngoái có 37 cơ sở đào tạo.");
  request.set_language("vi");
  request.set_publication_date("2024-08-02");
  auto dated = Context();
  ASSERT_TRUE(
      cluster_->ingest().ParseText(dated.get(), request, &response).ok());
  ASSERT_EQ(response.values_size(), 2);
  EXPECT_EQ(response.values(0).text(), "Năm ngoái");
  EXPECT_EQ(response.values(0).time().date(), "2023");
  request.set_publication_date("August 2nd");
  auto bad = Context();
  status = cluster_->ingest().ParseText(bad.get(), request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(status.error_message().find("publication_date"), std::string::npos);
}

}  // namespace
}  // namespace factstore
