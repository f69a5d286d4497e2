// Fixtures for service tests: request messages written as protobuf text, and
// a small registry and entity set taken from the seed articles.
#ifndef FACTSTORE_TESTS_SUPPORT_FIXTURES_H_
#define FACTSTORE_TESTS_SUPPORT_FIXTURES_H_

#include <string>

#include "factstore/v1/ingest_service.pb.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "tests/support/test_cluster.h"

namespace factstore::testing {

// Parses protobuf text format; fails the test (and returns an empty
// message) if it does not parse.
template <typename Message>
Message Parse(const std::string& text) {
  Message message;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &message))
      << "bad text proto: " << text;
  return message;
}

// Registers the predicates and upserts the entities below; returns the
// commit token of the entities' commit.
//
// Predicates: investment.cumulative_total (money, subject PLACE, ONE),
// workforce.digital_professionals (count of person, ONE),
// education.it_institution_count (count of organization), market.size (money,
// ONE), event.location (entity, object PLACE), event.date (date),
// org.member_count (count), note.text (text).
// Entities: country:south-korea, country:vietnam, place:da-nang ("Đà Nẵng",
// aliases "Da Nang", "Danang"), place:seoul, event:vn-kr-digital-forum-2024,
// product:kr-it-outsourcing-market, org:fpt, org:vinasa,
// person:nguyen-van-khoa, doc:da-nang-ict, doc:seoul-forum.
std::string SeedRegistryAndEntities(TestCluster& cluster);

// A fact about `subject` with `predicate`, a raw value, and one mention of
// `document` quoting `quote`.
v1::Fact RawFact(const std::string& subject, const std::string& predicate,
                 const std::string& raw_value, const std::string& document,
                 const std::string& quote, const std::string& language = "en");

// Ingests `request`; fails the test if the call fails.
v1::IngestFactsResponse Ingest(TestCluster& cluster,
                               const v1::IngestFactsRequest& request);

}  // namespace factstore::testing

#endif  // FACTSTORE_TESTS_SUPPORT_FIXTURES_H_
