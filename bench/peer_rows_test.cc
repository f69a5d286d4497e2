#include "bench/peer_rows.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace factstore::bench {
namespace {

v1::Fact QuantityFact() {
  v1::Fact fact;
  fact.set_id("f-1");
  fact.set_subject("place:da-nang");
  fact.set_predicate("investment.amount");
  fact.set_language("vi");
  fact.mutable_value()->mutable_quantity()->set_amount("1234500000");
  fact.mutable_value()->mutable_quantity()->set_unit("USD");
  fact.mutable_value()->mutable_quantity()->set_comparator(
      v1::COMPARATOR_APPROXIMATELY);
  fact.mutable_valid_time()->set_interval_start("2024-01-01");
  fact.mutable_valid_time()->set_interval_end("2025-01-01");
  v1::Mention* m = fact.add_mentions();
  m->set_document_id("doc:news-1");
  m->set_url("https://news.example.com/vi/1");
  m->set_publisher("Báo Đà Nẵng");
  m->set_publication_date("2024-08-02");
  m->set_language("vi");
  m->set_quote("a tab\there, a newline\nthere, a backslash \\ and \\N");
  m->set_extractor("extractor-v3");
  m->set_confidence(0.75);
  return fact;
}

TEST(PeerRowsTest, RoundTripsEveryColumnWithEscapes) {
  std::string line = PeerRow(QuantityFact());
  // One line: tabs and newlines inside fields are escaped.
  EXPECT_EQ(line.find('\n'), std::string::npos);
  std::vector<std::string> fields;
  std::vector<bool> nulls;
  ASSERT_TRUE(SplitPeerRow(line, &fields, &nulls));
  ASSERT_EQ(fields.size(), static_cast<size_t>(kPeerColumns));
  EXPECT_EQ(fields[0], "f-1");
  EXPECT_EQ(fields[4], "1234500000");
  EXPECT_EQ(fields[5], "USD");
  EXPECT_EQ(fields[6], std::to_string(v1::COMPARATOR_APPROXIMATELY));
  EXPECT_TRUE(nulls[7]);  // no text value
  EXPECT_EQ(fields[8], "2024-01-01");
  EXPECT_EQ(fields[9], "2025-01-01");
  EXPECT_EQ(fields[kPeerFactColumns], "doc:news-1");
  EXPECT_EQ(fields[kPeerFactColumns + 2], "Báo Đà Nẵng");
  EXPECT_EQ(fields[kPeerFactColumns + 5],
            "a tab\there, a newline\nthere, a backslash \\ and \\N");
  EXPECT_FALSE(nulls[kPeerFactColumns + 5]);
  EXPECT_EQ(fields[kPeerColumns - 1], "0.75");
}

TEST(PeerRowsTest, AbsentValuesAreNull) {
  v1::Fact fact;
  fact.set_id("f-2");
  fact.set_subject("org:o-3");
  fact.set_predicate("note.text");
  fact.set_language("en");
  fact.mutable_value()->mutable_text()->set_text("opened an office");
  std::vector<std::string> fields;
  std::vector<bool> nulls;
  ASSERT_TRUE(SplitPeerRow(PeerRow(fact), &fields, &nulls));
  EXPECT_TRUE(nulls[4]);  // amount
  EXPECT_TRUE(nulls[5]);  // unit
  EXPECT_TRUE(nulls[6]);  // comparator
  EXPECT_EQ(fields[7], "opened an office");
  EXPECT_TRUE(nulls[8]);                 // open valid time
  EXPECT_TRUE(nulls[kPeerFactColumns]);  // no mention
}

TEST(PeerRowsTest, RefusesLinesWithTheWrongNumberOfFields) {
  std::vector<std::string> fields;
  std::vector<bool> nulls;
  EXPECT_FALSE(SplitPeerRow("a\tb\tc", &fields, &nulls));
}

}  // namespace
}  // namespace factstore::bench
