// Malformed requests against the real servers, one test case per row of a
// table: empty and over-long ids and texts, control characters, non-finite
// numbers, unknown units, predicates and enum values, type mismatches,
// dangling references, duplicates within a batch, oversized batches, bad
// request ids, page tokens, filters and read options.
//
// Each row names the RPC, the request (protobuf text, plus an edit for what
// text cannot say), and how it must fail: the gRPC code of the whole call, or
// the ItemError code of one item, with the path of the field at fault. And
// each row checks that nothing was written: the primary store's head (commit
// and counts) and the query service's GetStats (counts and commit token) are
// the same before and after. ValidRequestsFailTheChecks shows that these
// checks catch a request that is accepted or writes.
//
// Invalid UTF-8 cannot reach the services' validators: factstore.v1 is
// proto3, whose string fields must hold UTF-8, so the server refuses to
// parse such a request before any factstore code runs. The rows for it
// check that nothing is written all the same.
#include <cmath>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "factstore/v1/ingest_service.grpc.pb.h"
#include "factstore/v1/query_service.grpc.pb.h"
#include "google/protobuf/stubs/logging.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "gtest/gtest-spi.h"
#include "gtest/gtest.h"
#include "storage/commit_token.h"
#include "tests/support/fixtures.h"
#include "tests/support/test_cluster.h"

namespace factstore {
namespace {

using testing::Context;
using testing::Parse;
using testing::TestCluster;

// ---- The table ----

enum class Rpc {
  kRegisterPredicates,
  kUpsertEntities,
  kIngestFacts,
  kStreamIngestFacts,
  kRetractFacts,
  kEraseEntity,
  kMergeEntities,
  kParseText,
  kGetEntity,
  kBatchGetEntities,
  kListEntities,
  kLookupEntity,
  kBatchLookupEntities,
  kSearchEntities,
  kGetFact,
  kBatchGetFacts,
  kListFacts,
  kResolveValue,
  kListPredicates,
  kWatchFacts,
  kGetStats,
};

// How a request must fail. Either the whole call fails with `call` (for
// StreamIngestFacts: the batch's batch_error, the stream itself ending OK),
// or the call succeeds and item `item` is REJECTED with `item_code`.
// `field` is the path of the field at fault: exact, or a prefix when it ends
// in '*'; for a failed call, the status message must name it. An empty field
// is not checked: the request did not parse, or a read found nothing.
struct Expect {
  grpc::StatusCode call = grpc::StatusCode::OK;
  int item = -1;
  absl::StatusCode item_code = absl::StatusCode::kOk;
  std::string field;
};

Expect CallFails(grpc::StatusCode code, std::string field) {
  return {code, -1, absl::StatusCode::kOk, std::move(field)};
}
Expect ItemFails(int item, absl::StatusCode code, std::string field) {
  return {grpc::StatusCode::OK, item, code, std::move(field)};
}
// What gRPC answers for a request that does not parse: the callback API of
// gRPC 1.51 runs no handler and answers UNIMPLEMENTED, with no message.
Expect DoesNotParse() { return {grpc::StatusCode::UNIMPLEMENTED, -1, {}, ""}; }

using Edit = std::function<void(google::protobuf::Message*)>;

struct Row {
  std::string name;
  Rpc rpc;
  std::string text;  // the request in protobuf text format
  Edit edit;         // applied after parsing; may be empty
  Expect expect;
};

// gtest prints parameters of failed cases; a row is known by its name.
void PrintTo(const Row& row, std::ostream* os) { *os << row.name; }

// What setting up the cluster left for the rows to use.
struct Shared {
  std::unique_ptr<TestCluster> cluster;
  uint32_t store_id = 0;
  std::string fact_id;       // a stored fact
  std::string list_token;    // next_page_token of the ListFacts below
  std::string search_token;  // next_page_token of the SearchEntities below
};
Shared* shared = nullptr;

constexpr char kListQuery[] = R"pb(filter { subject: "place:da-nang" }
                                   page_size: 1)pb";
constexpr char kSearchQuery[] = R"pb(query: "da" page_size: 1)pb";

// A valid fact that is not stored; rows break one thing about it.
constexpr char kNewFact[] = R"pb(
  subject: "place:da-nang"
  predicate: "market.size"
  value { raw: "US$600 billion" }
  language: "en"
  mentions {
    document_id: "doc:da-nang-ict"
    quote: "The market is valued at US$600 billion."
    language: "en"
    quote_start: 10
    quote_end: 49
    attributed_to: "person:nguyen-van-khoa"
    confidence: 0.9
  }
)pb";

// The fact that setup stores.
constexpr char kStoredFact[] = R"pb(
  subject: "place:da-nang"
  predicate: "investment.cumulative_total"
  value { raw: "US$85.9 billion" }
  mentions {
    document_id: "doc:da-nang-ict"
    quote: "a cumulative total investment capital of US$85.9 billion"
  }
)pb";

template <typename Request>
Edit EditAs(std::function<void(Request&)> edit) {
  return
      [edit](google::protobuf::Message* m) { edit(*static_cast<Request*>(m)); };
}

// An IngestFacts request of kNewFact, changed by `edit`.
Row FactRow(std::string name, std::function<void(v1::Fact&)> edit,
            Expect expect) {
  return {std::move(name), Rpc::kIngestFacts, "",
          EditAs<v1::IngestFactsRequest>([edit](v1::IngestFactsRequest& r) {
            v1::Fact* fact = r.add_facts();
            *fact = Parse<v1::Fact>(kNewFact);
            edit(*fact);
          }),
          std::move(expect)};
}

// An UpsertEntities request of one new entity, changed by `edit`.
Row EntityRow(std::string name, std::function<void(v1::Entity&)> edit,
              Expect expect) {
  return {
      std::move(name), Rpc::kUpsertEntities, "",
      EditAs<v1::UpsertEntitiesRequest>([edit](v1::UpsertEntitiesRequest& r) {
        v1::Entity* entity = r.add_entities();
        entity->set_id("org:new-company");
        entity->set_type(v1::ENTITY_TYPE_ORGANIZATION);
        entity->set_name("New Company");
        edit(*entity);
      }),
      std::move(expect)};
}

constexpr absl::StatusCode kInvalid = absl::StatusCode::kInvalidArgument;
constexpr absl::StatusCode kNotFound = absl::StatusCode::kNotFound;
constexpr grpc::StatusCode kCallInvalid = grpc::StatusCode::INVALID_ARGUMENT;

const std::string kBadUtf8 = "caf\xc3\x28 \xff";

std::vector<Row> Rows() {
  const std::string id257(257, 'x');
  return {
      // ---- IngestFacts: identifiers and texts ----
      FactRow(
          "IngestEmptySubject", [](v1::Fact& f) { f.clear_subject(); },
          ItemFails(0, kInvalid, "facts[0].subject")),
      FactRow(
          "IngestSubjectTooLong",
          [=](v1::Fact& f) { f.set_subject("place:" + id257); },
          ItemFails(0, kInvalid, "facts[0].subject")),
      FactRow(
          "IngestSubjectNameTooLong",
          [](v1::Fact& f) {
            f.clear_subject();
            f.set_subject_name(std::string(513, 'n'));
          },
          ItemFails(0, kInvalid, "facts[0].subject_name")),
      FactRow(
          "IngestSubjectAndSubjectName",
          [](v1::Fact& f) { f.set_subject_name("Da Nang"); },
          ItemFails(0, kInvalid, "facts[0].subject_name")),
      FactRow(
          "IngestQuoteTooLong",
          [](v1::Fact& f) {
            f.mutable_mentions(0)->set_quote(std::string(4097, 'q'));
          },
          ItemFails(0, kInvalid, "facts[0].mentions[0].quote")),
      FactRow(
          "IngestRawValueTooLong",
          [](v1::Fact& f) {
            f.mutable_value()->set_raw("US$" + std::string(300, '9'));
          },
          ItemFails(0, kInvalid, "facts[0].value.raw")),
      FactRow(
          "IngestSubjectControlCharacter",
          [](v1::Fact& f) { f.set_subject("place:da\x01nang"); },
          ItemFails(0, kInvalid, "facts[0].subject")),
      FactRow(
          "IngestSubjectWithNul",
          [](v1::Fact& f) {
            f.set_subject(std::string("place:da-nang\0x", 15));
          },
          ItemFails(0, kInvalid, "facts[0].subject")),
      FactRow(
          "IngestSubjectWithWhitespace",
          [](v1::Fact& f) { f.set_subject("place:da nang"); },
          ItemFails(0, kInvalid, "facts[0].subject")),
      FactRow(
          "IngestQuoteControlCharacter",
          [](v1::Fact& f) { f.mutable_mentions(0)->set_quote("bell \a"); },
          ItemFails(0, kInvalid, "facts[0].mentions[0].quote")),
      FactRow(
          "IngestDocumentIdControlCharacter",
          [](v1::Fact& f) {
            f.mutable_mentions(0)->set_document_id("doc:\x1b[31m");
          },
          ItemFails(0, kInvalid, "facts[0].mentions[0].document_id")),
      FactRow(
          "IngestSubjectInvalidUtf8",
          [](v1::Fact& f) { f.set_subject("place:" + kBadUtf8); },
          DoesNotParse()),
      FactRow(
          "IngestQuoteInvalidUtf8",
          [](v1::Fact& f) { f.mutable_mentions(0)->set_quote(kBadUtf8); },
          DoesNotParse()),
      FactRow(
          "IngestRawValueInvalidUtf8",
          [](v1::Fact& f) { f.mutable_value()->set_raw("US$1 " + kBadUtf8); },
          DoesNotParse()),
      FactRow(
          "IngestSubjectNameInvalidUtf8",
          [](v1::Fact& f) {
            f.clear_subject();
            f.set_subject_name(kBadUtf8);
          },
          DoesNotParse()),
      FactRow(
          "IngestUrlTooLong",
          [](v1::Fact& f) {
            f.mutable_mentions(0)->set_url("https://example.com/" +
                                           std::string(2048, 'u'));
          },
          ItemFails(0, kInvalid, "facts[0].mentions[0].url")),
      FactRow(
          "IngestBadLanguageTag",
          [](v1::Fact& f) { f.set_language("english!"); },
          ItemFails(0, kInvalid, "facts[0].language")),
      FactRow(
          "IngestMentionWithoutDocument",
          [](v1::Fact& f) { f.mutable_mentions(0)->clear_document_id(); },
          ItemFails(0, kInvalid, "facts[0].mentions[0].document_id")),
      FactRow(
          "IngestBadPublicationDate",
          [](v1::Fact& f) {
            f.mutable_mentions(0)->set_publication_date("2024-13-01");
          },
          ItemFails(0, kInvalid, "facts[0].mentions[0].publication_date")),

      // ---- IngestFacts: numbers and enums ----
      FactRow(
          "IngestConfidenceNaN",
          [](v1::Fact& f) {
            f.mutable_mentions(0)->set_confidence(std::nan(""));
          },
          ItemFails(0, kInvalid, "facts[0].mentions[0].confidence")),
      FactRow(
          "IngestConfidenceInfinite",
          [](v1::Fact& f) {
            f.mutable_mentions(0)->set_confidence(
                std::numeric_limits<double>::infinity());
          },
          ItemFails(0, kInvalid, "facts[0].mentions[0].confidence")),
      FactRow(
          "IngestConfidenceAboveOne",
          [](v1::Fact& f) { f.mutable_mentions(0)->set_confidence(1.5); },
          ItemFails(0, kInvalid, "facts[0].mentions[0].confidence")),
      FactRow(
          "IngestNegativeQuoteOffsets",
          [](v1::Fact& f) {
            f.mutable_mentions(0)->set_quote_start(-5);
            f.mutable_mentions(0)->set_quote_end(-2);
          },
          ItemFails(0, kInvalid, "facts[0].mentions[0].quote_start")),
      FactRow(
          "IngestQuoteEndBeforeStart",
          [](v1::Fact& f) {
            f.mutable_mentions(0)->set_quote_start(40);
            f.mutable_mentions(0)->set_quote_end(10);
          },
          ItemFails(0, kInvalid, "facts[0].mentions[0].quote_end")),
      FactRow(
          "IngestUnknownModality",
          [](v1::Fact& f) { f.set_modality(static_cast<v1::Modality>(99)); },
          ItemFails(0, kInvalid, "facts[0].modality")),
      FactRow(
          "IngestUnknownRank",
          [](v1::Fact& f) { f.set_rank(static_cast<v1::Rank>(-1)); },
          ItemFails(0, kInvalid, "facts[0].rank")),
      FactRow(
          "IngestUnknownMentionModality",
          [](v1::Fact& f) {
            f.mutable_mentions(0)->set_modality(static_cast<v1::Modality>(7));
          },
          ItemFails(0, kInvalid, "facts[0].mentions[0].modality")),
      FactRow(
          "IngestUnknownMentionRank",
          [](v1::Fact& f) {
            f.mutable_mentions(0)->set_rank(static_cast<v1::Rank>(4));
          },
          ItemFails(0, kInvalid, "facts[0].mentions[0].rank")),

      // ---- IngestFacts: values against the registry ----
      FactRow(
          "IngestUnknownCurrency",
          [](v1::Fact& f) { f.mutable_value()->set_raw("85.9 billion USDD"); },
          ItemFails(0, kInvalid, "facts[0].value*")),
      FactRow(
          "IngestUnknownUnitTyped",
          [](v1::Fact& f) {
            f.set_predicate("org.member_count");
            f.set_subject("org:vinasa");
            f.mutable_value()->mutable_quantity()->set_amount("37");
            f.mutable_value()->mutable_quantity()->set_unit("widgets");
          },
          ItemFails(0, kInvalid, "facts[0].value.quantity*")),
      FactRow(
          "IngestUnitOfWrongDimension",
          [](v1::Fact& f) {
            f.set_predicate("org.member_count");
            f.set_subject("org:vinasa");
            f.mutable_value()->mutable_quantity()->set_amount("37");
            f.mutable_value()->mutable_quantity()->set_unit("USD");
          },
          ItemFails(0, kInvalid, "facts[0].value.quantity.unit")),
      FactRow(
          "IngestNonDecimalAmount",
          [](v1::Fact& f) {
            f.mutable_value()->mutable_quantity()->set_amount("6e11");
            f.mutable_value()->mutable_quantity()->set_unit("USD");
          },
          ItemFails(0, kInvalid, "facts[0].value.quantity*")),
      FactRow(
          "IngestUnknownPredicate",
          [](v1::Fact& f) { f.set_predicate("market.no_such_thing"); },
          ItemFails(0, kNotFound, "facts[0].predicate")),
      FactRow(
          "IngestPredicateNotSnakeCase",
          [](v1::Fact& f) { f.set_predicate("Market.Size"); },
          ItemFails(0, kInvalid, "facts[0].predicate")),
      FactRow(
          "IngestTextForQuantityPredicate",
          [](v1::Fact& f) {
            f.mutable_value()->mutable_text()->set_text("very large");
          },
          ItemFails(0, kInvalid, "facts[0].value")),
      FactRow(
          "IngestDateForEntityPredicate",
          [](v1::Fact& f) {
            f.set_subject("event:vn-kr-digital-forum-2024");
            f.set_predicate("event.location");
            f.mutable_value()->mutable_time()->set_date("2024-08-02");
          },
          ItemFails(0, kInvalid, "facts[0].value")),
      FactRow(
          "IngestNoValue", [](v1::Fact& f) { f.clear_value(); },
          ItemFails(0, kInvalid, "facts[0].value")),
      FactRow(
          "IngestBadValidTime",
          [](v1::Fact& f) {
            f.mutable_valid_time()->set_raw("February 30, 2024");
          },
          ItemFails(0, kInvalid, "facts[0].valid_time.raw")),
      FactRow(
          "IngestValidTimeEndBeforeStart",
          [](v1::Fact& f) {
            f.mutable_valid_time()->mutable_start()->set_date("2024");
            f.mutable_valid_time()->mutable_end()->set_date("2020");
          },
          ItemFails(0, kInvalid, "facts[0].valid_time")),
      FactRow(
          "IngestRawQualifier",
          [](v1::Fact& f) {
            (*f.mutable_qualifiers())["location"].set_raw("Seoul");
          },
          ItemFails(0, kInvalid, "facts[0].qualifiers[\"location\"].raw")),
      FactRow(
          "IngestQualifierNameNotSnakeCase",
          [](v1::Fact& f) {
            (*f.mutable_qualifiers())["Bad-Name"].set_entity_id("place:seoul");
          },
          ItemFails(0, kInvalid, "facts[0].qualifiers[\"Bad-Name\"]")),

      FactRow(
          "IngestValidTimeRawAndTyped",
          [](v1::Fact& f) {
            f.mutable_valid_time()->set_raw("in 2022");
            f.mutable_valid_time()->mutable_at()->set_date("2022");
          },
          ItemFails(0, kInvalid, "facts[0].valid_time")),
      FactRow(
          "IngestDateBothTypedAndRaw",
          [](v1::Fact& f) {
            f.set_subject("event:vn-kr-digital-forum-2024");
            f.set_predicate("event.date");
            f.mutable_value()->mutable_time()->set_date("2024-08-02");
            f.mutable_value()->mutable_time()->set_raw("August 2, 2024");
          },
          ItemFails(0, kInvalid, "facts[0].value.time")),
      FactRow(
          "IngestRangeLowerAboveUpper",
          [](v1::Fact& f) {
            v1::Quantity* q = f.mutable_value()->mutable_quantity();
            q->set_unit("USD");
            q->set_comparator(v1::COMPARATOR_RANGE);
            q->set_lower_bound("700000000000");
            q->set_upper_bound("600000000000");
          },
          ItemFails(0, kInvalid, "facts[0].value.quantity*")),
      FactRow(
          "IngestNegativeCount",
          [](v1::Fact& f) {
            f.set_predicate("org.member_count");
            f.set_subject("org:vinasa");
            f.mutable_value()->mutable_quantity()->set_amount("-37");
            f.mutable_value()->mutable_quantity()->set_unit("count");
          },
          ItemFails(0, kInvalid, "facts[0].value.quantity*")),
      FactRow(
          "IngestTextValueTooLong",
          [](v1::Fact& f) {
            f.set_predicate("note.text");
            f.mutable_value()->mutable_text()->set_text(std::string(4097, 't'));
          },
          ItemFails(0, kInvalid, "facts[0].value.text.text")),
      FactRow(
          "IngestBlankTextValue",
          [](v1::Fact& f) {
            f.set_predicate("note.text");
            f.mutable_value()->mutable_text()->set_text("  \n ");
          },
          ItemFails(0, kInvalid, "facts[0].value.text.text")),
      FactRow(
          "IngestTextValueBadLanguage",
          [](v1::Fact& f) {
            f.set_predicate("note.text");
            f.mutable_value()->mutable_text()->set_text("A note");
            f.mutable_value()->mutable_text()->set_language("x");
          },
          ItemFails(0, kInvalid, "facts[0].value.text.language")),
      FactRow(
          "IngestTooManyQualifiers",
          [](v1::Fact& f) {
            for (int i = 0; i < 17; ++i) {
              (*f.mutable_qualifiers())[absl::StrCat("q", i)].set_boolean(true);
            }
          },
          ItemFails(0, kInvalid, "facts[0].qualifiers")),
      FactRow(
          "IngestTooManyMentions",
          [](v1::Fact& f) {
            v1::Mention m = f.mentions(0);
            for (int i = 0; i < 64; ++i) *f.add_mentions() = m;
          },
          ItemFails(0, kInvalid, "facts[0].mentions")),
      FactRow(
          "IngestUnusableSubjectName",
          [](v1::Fact& f) {
            f.clear_subject();
            f.set_subject_name("?!");
          },
          ItemFails(0, kInvalid, "facts[0].subject_name")),

      // ---- IngestFacts: references ----
      FactRow(
          "IngestSubjectOfWrongType",
          [](v1::Fact& f) {
            f.set_predicate("investment.cumulative_total");  // PLACE only
            f.set_subject("org:fpt");
          },
          ItemFails(0, kInvalid, "facts[0].subject")),
      FactRow(
          "IngestObjectOfWrongType",
          [](v1::Fact& f) {
            f.set_subject("event:vn-kr-digital-forum-2024");
            f.set_predicate("event.location");  // object PLACE only
            f.mutable_value()->set_entity_id("org:fpt");
          },
          ItemFails(0, kInvalid, "facts[0].value.entity_id")),
      FactRow(
          "IngestDanglingSubject",
          [](v1::Fact& f) { f.set_subject("place:atlantis"); },
          ItemFails(0, kNotFound, "facts[0].subject")),
      FactRow(
          "IngestDanglingSubjectName",
          [](v1::Fact& f) {
            f.clear_subject();
            f.set_subject_name("Atlantis");
          },
          ItemFails(0, kNotFound, "facts[0].subject_name")),
      FactRow(
          "IngestDanglingObject",
          [](v1::Fact& f) {
            f.set_subject("event:vn-kr-digital-forum-2024");
            f.set_predicate("event.location");
            f.mutable_value()->set_entity_id("place:atlantis");
          },
          ItemFails(0, kNotFound, "facts[0].value.entity_id")),
      FactRow(
          "IngestDanglingMentionDocument",
          [](v1::Fact& f) {
            f.mutable_mentions(0)->set_document_id("doc:never-written");
          },
          ItemFails(0, kNotFound, "facts[0].mentions[0].document_id")),
      FactRow(
          "IngestDanglingAttributedTo",
          [](v1::Fact& f) {
            f.mutable_mentions(0)->set_attributed_to("person:nobody");
          },
          ItemFails(0, kNotFound, "facts[0].mentions[0].attributed_to")),
      FactRow(
          "IngestDocumentOfWrongType",
          [](v1::Fact& f) {
            f.mutable_mentions(0)->set_document_id("org:fpt");
          },
          ItemFails(0, kInvalid, "facts[0].mentions[0].document_id")),
      FactRow(
          "IngestAttributedToAPlace",
          [](v1::Fact& f) {
            f.mutable_mentions(0)->set_attributed_to("place:seoul");
          },
          ItemFails(0, kInvalid, "facts[0].mentions[0].attributed_to")),
      // Separators are data: an id extending a stored one names nothing.
      FactRow(
          "IngestSubjectExtendingAStoredId",
          [](v1::Fact& f) { f.set_subject("place:da-nang/old-town:1"); },
          ItemFails(0, kNotFound, "facts[0].subject")),

      // ---- IngestFacts: the batch ----
      {"IngestSameFactTwice", Rpc::kIngestFacts, "",
       EditAs<v1::IngestFactsRequest>([](v1::IngestFactsRequest& r) {
         // The stored fact twice: the first is unchanged, the second a
         // repeat.
         *r.add_facts() = Parse<v1::Fact>(kStoredFact);
         *r.add_facts() = Parse<v1::Fact>(kStoredFact);
       }),
       ItemFails(1, kInvalid, "facts[1]")},
      {"IngestSameNewFactTwiceAllOrNothing", Rpc::kIngestFacts,
       "all_or_nothing: true",
       EditAs<v1::IngestFactsRequest>([](v1::IngestFactsRequest& r) {
         *r.add_facts() = Parse<v1::Fact>(kNewFact);
         *r.add_facts() = Parse<v1::Fact>(kNewFact);
       }),
       CallFails(kCallInvalid, "facts[1]")},
      {"IngestOneBadFactAllOrNothing", Rpc::kIngestFacts,
       "all_or_nothing: true",
       EditAs<v1::IngestFactsRequest>([](v1::IngestFactsRequest& r) {
         *r.add_facts() = Parse<v1::Fact>(kNewFact);
         *r.add_facts() = Parse<v1::Fact>(kNewFact);
         r.mutable_facts(1)->set_subject("place:atlantis");
       }),
       CallFails(kCallInvalid, "facts[1].subject")},
      {"IngestTooManyFacts", Rpc::kIngestFacts, "",
       EditAs<v1::IngestFactsRequest>([](v1::IngestFactsRequest& r) {
         v1::Fact fact = Parse<v1::Fact>(kNewFact);
         for (int i = 0; i < 10001; ++i) *r.add_facts() = fact;
       }),
       CallFails(kCallInvalid, "facts")},
      {"IngestRequestIdTooLong", Rpc::kIngestFacts, "",
       EditAs<v1::IngestFactsRequest>([](v1::IngestFactsRequest& r) {
         *r.add_facts() = Parse<v1::Fact>(kNewFact);
         r.set_request_id(std::string(129, 'r'));
       }),
       CallFails(kCallInvalid, "request_id")},
      {"IngestRequestIdWithWhitespace", Rpc::kIngestFacts, "",
       EditAs<v1::IngestFactsRequest>([](v1::IngestFactsRequest& r) {
         *r.add_facts() = Parse<v1::Fact>(kNewFact);
         r.set_request_id("load 2024-08-02");
       }),
       CallFails(kCallInvalid, "request_id")},
      {"IngestUnknownMissingEntityPolicy", Rpc::kIngestFacts, "",
       EditAs<v1::IngestFactsRequest>([](v1::IngestFactsRequest& r) {
         *r.add_facts() = Parse<v1::Fact>(kNewFact);
         r.set_missing_entities(static_cast<v1::MissingEntityPolicy>(7));
       }),
       CallFails(kCallInvalid, "missing_entities")},

      // ---- StreamIngestFacts ----
      {"StreamTooManyFacts", Rpc::kStreamIngestFacts, "",
       EditAs<v1::StreamIngestFactsRequest>(
           [](v1::StreamIngestFactsRequest& r) {
             v1::Fact fact = Parse<v1::Fact>(kNewFact);
             for (int i = 0; i < 10001; ++i) *r.add_facts() = fact;
           }),
       CallFails(kCallInvalid, "facts")},
      {"StreamRequestIdWithControlCharacter", Rpc::kStreamIngestFacts, "",
       EditAs<v1::StreamIngestFactsRequest>(
           [](v1::StreamIngestFactsRequest& r) {
             *r.add_facts() = Parse<v1::Fact>(kNewFact);
             r.set_request_id("batch\t7");
           }),
       CallFails(kCallInvalid, "request_id")},
      {"StreamDanglingSubject", Rpc::kStreamIngestFacts, "",
       EditAs<v1::StreamIngestFactsRequest>(
           [](v1::StreamIngestFactsRequest& r) {
             *r.add_facts() = Parse<v1::Fact>(kNewFact);
             r.mutable_facts(0)->set_subject("place:atlantis");
           }),
       ItemFails(0, kNotFound, "facts[0].subject")},

      // ---- UpsertEntities ----
      EntityRow(
          "UpsertEmptyId", [](v1::Entity& e) { e.clear_id(); },
          ItemFails(0, kInvalid, "entities[0].id")),
      EntityRow(
          "UpsertIdTooLong", [=](v1::Entity& e) { e.set_id("org:" + id257); },
          ItemFails(0, kInvalid, "entities[0].id")),
      EntityRow(
          "UpsertLabelNotKeyedByALanguage",
          [](v1::Entity& e) {
            (*e.mutable_labels())["korean"].set_name("다낭");
          },
          ItemFails(0, kInvalid, "entities[0].labels[\"korean\"]")),
      EntityRow(
          "UpsertLabelsOfOneLanguageInTwoCases",
          [](v1::Entity& e) {
            (*e.mutable_labels())["KO"].set_name("다낭");
            (*e.mutable_labels())["ko"].set_name("다낭시");
          },
          ItemFails(0, kInvalid, "entities[0].labels[\"ko\"]")),
      EntityRow(
          "UpsertLabelWithoutName",
          [](v1::Entity& e) {
            (*e.mutable_labels())["ko"].set_description("베트남 중부의 도시.");
          },
          ItemFails(0, kInvalid, "entities[0].labels[\"ko\"].name")),
      EntityRow(
          "UpsertLabelBlankAlias",
          [](v1::Entity& e) {
            v1::EntityLabel& label = (*e.mutable_labels())["vi"];
            label.set_name("Đà Nẵng");
            label.add_aliases("  ");
          },
          ItemFails(0, kInvalid, "entities[0].labels[\"vi\"].aliases[0]")),
      EntityRow(
          "UpsertIdWithNul",
          [](v1::Entity& e) { e.set_id(std::string("org:fpt\0evil", 12)); },
          ItemFails(0, kInvalid, "entities[0].id")),
      EntityRow(
          "UpsertIdWithWhitespace",
          [](v1::Entity& e) { e.set_id("org:new company"); },
          ItemFails(0, kInvalid, "entities[0].id")),
      EntityRow(
          "UpsertNameTooLong",
          [](v1::Entity& e) { e.set_name(std::string(513, 'n')); },
          ItemFails(0, kInvalid, "entities[0].name")),
      EntityRow(
          "UpsertNameControlCharacter",
          [](v1::Entity& e) {
            e.set_name(
                "New\x7f"
                "Company");
          },
          ItemFails(0, kInvalid, "entities[0].name")),
      EntityRow(
          "UpsertBlankName", [](v1::Entity& e) { e.set_name(" \t "); },
          ItemFails(0, kInvalid, "entities[0].name")),
      EntityRow(
          "UpsertNameInvalidUtf8", [](v1::Entity& e) { e.set_name(kBadUtf8); },
          DoesNotParse()),
      EntityRow(
          "UpsertIdInvalidUtf8",
          [](v1::Entity& e) { e.set_id("org:" + kBadUtf8); }, DoesNotParse()),
      EntityRow(
          "UpsertMissingType",
          [](v1::Entity& e) { e.set_type(v1::ENTITY_TYPE_UNSPECIFIED); },
          ItemFails(0, kInvalid, "entities[0].type")),
      EntityRow(
          "UpsertUnknownType",
          [](v1::Entity& e) { e.set_type(static_cast<v1::EntityType>(99)); },
          ItemFails(0, kInvalid, "entities[0].type")),
      EntityRow(
          "UpsertTooManyAliases",
          [](v1::Entity& e) {
            for (int i = 0; i < 65; ++i) e.add_aliases(absl::StrCat("NC ", i));
          },
          ItemFails(0, kInvalid, "entities[0].aliases")),
      EntityRow(
          "UpsertAliasTooLong",
          [](v1::Entity& e) { e.add_aliases(std::string(513, 'a')); },
          ItemFails(0, kInvalid, "entities[0].aliases[0]")),
      EntityRow(
          "UpsertExternalIdSystemWithWhitespace",
          [](v1::Entity& e) {
            (*e.mutable_external_ids())["wiki data"] = "Q1";
          },
          ItemFails(0, kInvalid, "entities[0].external_ids[\"wiki data\"]")),
      EntityRow(
          "UpsertDescriptionTooLong",
          [](v1::Entity& e) { e.set_description(std::string(4097, 'd')); },
          ItemFails(0, kInvalid, "entities[0].description")),
      {"UpsertSameIdTwice", Rpc::kUpsertEntities,
       // The stored org:fpt twice: the first is unchanged, the second a
       // repeat.
       R"pb(entities {
              id: "org:fpt"
              type: ENTITY_TYPE_ORGANIZATION
              name: "FPT"
            }
            entities {
              id: "org:fpt"
              type: ENTITY_TYPE_ORGANIZATION
              name: "FPT"
            })pb",
       nullptr, ItemFails(1, kInvalid, "entities[1].id")},
      {"UpsertSameNewIdTwiceAllOrNothing", Rpc::kUpsertEntities,
       R"pb(all_or_nothing: true
            entities {
              id: "org:new"
              type: ENTITY_TYPE_ORGANIZATION
              name: "New"
            }
            entities {
              id: "org:new"
              type: ENTITY_TYPE_ORGANIZATION
              name: "Newer"
            })pb",
       nullptr, CallFails(kCallInvalid, "entities[1].id")},
      {"UpsertTooManyEntities", Rpc::kUpsertEntities, "",
       EditAs<v1::UpsertEntitiesRequest>([](v1::UpsertEntitiesRequest& r) {
         for (int i = 0; i < 1001; ++i) {
           v1::Entity* e = r.add_entities();
           e->set_id(absl::StrCat("org:bulk-", i));
           e->set_type(v1::ENTITY_TYPE_ORGANIZATION);
           e->set_name(absl::StrCat("Bulk ", i));
         }
       }),
       CallFails(kCallInvalid, "entities")},
      {"UpsertRequestIdWithWhitespace", Rpc::kUpsertEntities,
       R"pb(request_id: " leading-space"
            entities {
              id: "org:new"
              type: ENTITY_TYPE_ORGANIZATION
              name: "New"
            })pb",
       nullptr, CallFails(kCallInvalid, "request_id")},

      // ---- RegisterPredicates ----
      {"RegisterNameNotSnakeCase", Rpc::kRegisterPredicates,
       R"pb(predicates { name: "Market Size" value_type: VALUE_TYPE_TEXT })pb",
       nullptr, ItemFails(0, kInvalid, "predicates[0].name")},
      {"RegisterWithoutValueType", Rpc::kRegisterPredicates,
       R"pb(predicates { name: "market.share" })pb", nullptr,
       ItemFails(0, kInvalid, "predicates[0].value_type")},
      {"RegisterUnknownUnit", Rpc::kRegisterPredicates,
       R"pb(predicates {
              name: "market.share"
              value_type: VALUE_TYPE_QUANTITY
              allowed_units: "widgets"
            })pb",
       nullptr, ItemFails(0, kInvalid, "predicates[0].allowed_units[0]")},
      {"RegisterUnitsOnATextPredicate", Rpc::kRegisterPredicates,
       R"pb(predicates {
              name: "market.comment"
              value_type: VALUE_TYPE_TEXT
              unit_dimension: UNIT_DIMENSION_MONEY
            })pb",
       nullptr, ItemFails(0, kInvalid, "predicates[0].unit_dimension")},
      {"RegisterChangesValueType",
       Rpc::kRegisterPredicates, R"pb(predicates {
                                        name: "note.text"
                                        value_type: VALUE_TYPE_QUANTITY
                                      })pb",
       nullptr,
       ItemFails(0, absl::StatusCode::kFailedPrecondition,
                 "predicates[0].value_type")},
      {"RegisterUnspecifiedSubjectType", Rpc::kRegisterPredicates,
       R"pb(predicates {
              name: "market.leader"
              value_type: VALUE_TYPE_ENTITY
              subject_types: ENTITY_TYPE_UNSPECIFIED
            })pb",
       nullptr, ItemFails(0, kInvalid, "predicates[0].subject_types[0]")},
      {"RegisterUnitOfAnotherDimension", Rpc::kRegisterPredicates,
       R"pb(predicates {
              name: "market.share"
              value_type: VALUE_TYPE_QUANTITY
              unit_dimension: UNIT_DIMENSION_RATIO
              allowed_units: "USD"
            })pb",
       nullptr, ItemFails(0, kInvalid, "predicates[0].allowed_units[0]")},
      {"RegisterMegawattsInLowerCase", Rpc::kRegisterPredicates,
       R"pb(predicates {
              name: "energy.capacity"
              value_type: VALUE_TYPE_QUANTITY
              unit_dimension: UNIT_DIMENSION_POWER
              allowed_units: "mw"
            })pb",
       nullptr, ItemFails(0, kInvalid, "predicates[0].allowed_units[0]")},
      {"RegisterTonnesAsPower", Rpc::kRegisterPredicates,
       R"pb(predicates {
              name: "energy.capacity"
              value_type: VALUE_TYPE_QUANTITY
              unit_dimension: UNIT_DIMENSION_POWER
              allowed_units: "MW"
              allowed_units: "t"
            })pb",
       nullptr, ItemFails(0, kInvalid, "predicates[0].allowed_units[1]")},
      {"RegisterRateOfADataRate", Rpc::kRegisterPredicates,
       R"pb(predicates {
              name: "network.speed"
              value_type: VALUE_TYPE_QUANTITY
              unit_dimension: UNIT_DIMENSION_DATA_RATE
              allowed_units: "Mbit/s/a"
            })pb",
       nullptr, ItemFails(0, kInvalid, "predicates[0].allowed_units[0]")},
      {"RegisterSamePredicateTwice", Rpc::kRegisterPredicates,
       // The stored note.text twice: the first is unchanged, the second a
       // repeat.
       R"pb(predicates {
              name: "note.text"
              value_type: VALUE_TYPE_TEXT
              description: "A free-text note"
            }
            predicates {
              name: "note.text"
              value_type: VALUE_TYPE_TEXT
              description: "A free-text note"
            })pb",
       nullptr, ItemFails(1, kInvalid, "predicates[1].name")},
      {"RegisterTooManyPredicates", Rpc::kRegisterPredicates, "",
       EditAs<v1::RegisterPredicatesRequest>(
           [](v1::RegisterPredicatesRequest& r) {
             for (int i = 0; i < 1001; ++i) {
               v1::Predicate* p = r.add_predicates();
               p->set_name(absl::StrCat("bulk.p", i));
               p->set_value_type(v1::VALUE_TYPE_TEXT);
             }
           }),
       CallFails(kCallInvalid, "predicates")},

      // ---- RetractFacts and EraseEntity ----
      {"RetractWithoutIds", Rpc::kRetractFacts, R"pb(reason: "wrong")pb",
       nullptr, CallFails(kCallInvalid, "fact_ids")},
      {"RetractWithoutReason", Rpc::kRetractFacts, "",
       EditAs<v1::RetractFactsRequest>(
           [](v1::RetractFactsRequest& r) { r.add_fact_ids(shared->fact_id); }),
       CallFails(kCallInvalid, "reason")},
      {"RetractUnknownFact", Rpc::kRetractFacts,
       R"pb(fact_ids: "f_00000000000000000000000000000000" reason: "wrong")pb",
       nullptr, ItemFails(0, kNotFound, "fact_ids[0]")},
      {"RetractTooManyIds", Rpc::kRetractFacts, R"pb(reason: "wrong")pb",
       EditAs<v1::RetractFactsRequest>([](v1::RetractFactsRequest& r) {
         for (int i = 0; i < 10001; ++i) r.add_fact_ids(shared->fact_id);
       }),
       CallFails(kCallInvalid, "fact_ids")},
      {"RetractRequestIdTooLong", Rpc::kRetractFacts, R"pb(reason: "wrong")pb",
       EditAs<v1::RetractFactsRequest>([](v1::RetractFactsRequest& r) {
         r.add_fact_ids(shared->fact_id);
         r.set_request_id(std::string(129, 'r'));
       }),
       CallFails(kCallInvalid, "request_id")},
      {"RetractReasonWithControlCharacter", Rpc::kRetractFacts, "",
       EditAs<v1::RetractFactsRequest>([](v1::RetractFactsRequest& r) {
         r.add_fact_ids(shared->fact_id);
         r.set_reason("wrong\x1b[2J");
       }),
       CallFails(kCallInvalid, "reason")},
      {"EraseWithoutReason", Rpc::kEraseEntity, R"pb(entity_id: "org:fpt")pb",
       nullptr, CallFails(kCallInvalid, "reason")},
      {"EraseWithoutId", Rpc::kEraseEntity, R"pb(reason: "GDPR request #1")pb",
       nullptr, CallFails(kCallInvalid, "entity_id")},
      {"EraseReasonTooLong", Rpc::kEraseEntity, R"pb(entity_id: "org:fpt")pb",
       EditAs<v1::EraseEntityRequest>([](v1::EraseEntityRequest& r) {
         r.set_reason(std::string(257, 'r'));
       }),
       CallFails(kCallInvalid, "reason")},
      {"EraseIdWithNewline", Rpc::kEraseEntity,
       R"pb(entity_id: "org:fpt\n" reason: "GDPR request #1")pb", nullptr,
       CallFails(kCallInvalid, "entity_id")},
      {"EraseUnknownEntity", Rpc::kEraseEntity,
       R"pb(entity_id: "org:never-existed" reason: "GDPR request #1")pb",
       nullptr, CallFails(grpc::StatusCode::NOT_FOUND, "entity_id")},

      {"MergeWithoutFrom", Rpc::kMergeEntities,
       R"pb(into_entity_id: "org:fpt")pb", nullptr,
       CallFails(kCallInvalid, "from_entity_id")},
      {"MergeWithoutInto", Rpc::kMergeEntities,
       R"pb(from_entity_id: "org:fpt")pb", nullptr,
       CallFails(kCallInvalid, "into_entity_id")},
      {"MergeIntoItself", Rpc::kMergeEntities,
       R"pb(from_entity_id: "org:fpt" into_entity_id: "org:fpt")pb", nullptr,
       CallFails(kCallInvalid, "into_entity_id")},
      {"MergeIdWithSpace", Rpc::kMergeEntities,
       R"pb(from_entity_id: "org:f pt" into_entity_id: "org:fpt")pb", nullptr,
       CallFails(kCallInvalid, "from_entity_id")},
      {"MergeUnknownEntity", Rpc::kMergeEntities,
       R"pb(from_entity_id: "org:never-existed" into_entity_id: "org:fpt")pb",
       nullptr, CallFails(grpc::StatusCode::NOT_FOUND, "from_entity_id")},
      {"MergeAcrossTypes", Rpc::kMergeEntities,
       R"pb(from_entity_id: "place:seoul" into_entity_id: "org:fpt")pb",
       nullptr,
       CallFails(grpc::StatusCode::FAILED_PRECONDITION, "into_entity_id")},

      // ---- ParseText ----
      {"ParseWithoutText", Rpc::kParseText, R"pb(language: "en")pb", nullptr,
       CallFails(kCallInvalid, "text")},
      {"ParseTextTooLong", Rpc::kParseText, "",
       EditAs<v1::ParseTextRequest>(
           [](v1::ParseTextRequest& r) { r.set_text(std::string(4097, '7')); }),
       CallFails(kCallInvalid, "text")},
      {"ParseTextNotUtf8", Rpc::kParseText, "",
       EditAs<v1::ParseTextRequest>(
           [](v1::ParseTextRequest& r) { r.set_text(kBadUtf8); }),
       DoesNotParse()},
      {"ParseBadLanguage", Rpc::kParseText,
       R"pb(text: "53,000 people" language: "english language")pb", nullptr,
       CallFails(kCallInvalid, "language")},

      // ---- Reads: ids, batches, searches ----
      {"GetEntityEmptyId", Rpc::kGetEntity, "", nullptr,
       CallFails(kCallInvalid, "id")},
      {"GetEntityIdTooLong", Rpc::kGetEntity, "",
       EditAs<v1::GetEntityRequest>(
           [=](v1::GetEntityRequest& r) { r.set_id("org:" + id257); }),
       CallFails(kCallInvalid, "id")},
      // Separators are data: neither id reads the stored place:da-nang.
      {"GetEntityIdWithNulSuffix", Rpc::kGetEntity, "",
       EditAs<v1::GetEntityRequest>([](v1::GetEntityRequest& r) {
         r.set_id(std::string("place:da-nang\0", 14));
       }),
       CallFails(grpc::StatusCode::NOT_FOUND, "")},
      {"GetEntityIdWithSeparatorSuffix", Rpc::kGetEntity,
       R"pb(id: "place:da-nang/:")pb", nullptr,
       CallFails(grpc::StatusCode::NOT_FOUND, "")},
      {"GetFactEmptyId", Rpc::kGetFact, "", nullptr,
       CallFails(kCallInvalid, "id")},
      {"BatchGetEntitiesTooMany", Rpc::kBatchGetEntities, "",
       EditAs<v1::BatchGetEntitiesRequest>([](v1::BatchGetEntitiesRequest& r) {
         for (int i = 0; i < 1001; ++i) r.add_ids("org:fpt");
       }),
       CallFails(kCallInvalid, "ids")},
      {"BatchGetEntitiesEmptyId", Rpc::kBatchGetEntities, R"pb(ids: "org:fpt"
                                                               ids: "")pb",
       nullptr, CallFails(kCallInvalid, "ids[1]")},
      {"BatchGetFactsTooMany", Rpc::kBatchGetFacts, "",
       EditAs<v1::BatchGetFactsRequest>([](v1::BatchGetFactsRequest& r) {
         for (int i = 0; i < 1001; ++i) r.add_ids(shared->fact_id);
       }),
       CallFails(kCallInvalid, "ids")},
      {"BatchGetFactsIdTooLong", Rpc::kBatchGetFacts, "",
       EditAs<v1::BatchGetFactsRequest>(
           [=](v1::BatchGetFactsRequest& r) { r.add_ids("f_" + id257); }),
       CallFails(kCallInvalid, "ids[0]")},
      {"ListEntitiesUnspecifiedType", Rpc::kListEntities,
       R"pb(types: ENTITY_TYPE_PLACE types: ENTITY_TYPE_UNSPECIFIED)pb",
       nullptr, CallFails(kCallInvalid, "types[1]")},
      {"ListEntitiesUnknownType", Rpc::kListEntities, "",
       EditAs<v1::ListEntitiesRequest>([](v1::ListEntitiesRequest& r) {
         r.add_types(static_cast<v1::EntityType>(99));
       }),
       CallFails(kCallInvalid, "types[0]")},
      {"ListEntitiesNegativePageSize", Rpc::kListEntities,
       R"pb(page_size: -1)pb", nullptr, CallFails(kCallInvalid, "page_size")},
      {"ListEntitiesWithASearchToken", Rpc::kListEntities, "",
       EditAs<v1::ListEntitiesRequest>([](v1::ListEntitiesRequest& r) {
         r.set_page_token(shared->search_token);
       }),
       CallFails(kCallInvalid, "page_token")},
      {"LookupEntityWithoutIdentifier", Rpc::kLookupEntity, "", nullptr,
       CallFails(kCallInvalid, "external_id.system")},
      {"LookupEntityWithoutValue", Rpc::kLookupEntity,
       R"pb(external_id { system: "wikidata" })pb", nullptr,
       CallFails(kCallInvalid, "external_id.value")},
      {"LookupEntityValueTooLong", Rpc::kLookupEntity, "",
       EditAs<v1::LookupEntityRequest>([=](v1::LookupEntityRequest& r) {
         r.mutable_external_id()->set_system("wikidata");
         r.mutable_external_id()->set_value(id257);
       }),
       CallFails(kCallInvalid, "external_id.value")},
      {"LookupEntityNobodyCarries", Rpc::kLookupEntity,
       R"pb(external_id { system: "wikidata" value: "Q0" })pb", nullptr,
       CallFails(grpc::StatusCode::NOT_FOUND, "")},
      {"BatchLookupEntitiesTooMany", Rpc::kBatchLookupEntities, "",
       EditAs<v1::BatchLookupEntitiesRequest>(
           [](v1::BatchLookupEntitiesRequest& r) {
             for (int i = 0; i < 1001; ++i) {
               v1::ExternalId* id = r.add_external_ids();
               id->set_system("wikidata");
               id->set_value("Q1");
             }
           }),
       CallFails(kCallInvalid, "external_ids")},
      {"BatchLookupEntitiesEmptySystem", Rpc::kBatchLookupEntities,
       R"pb(external_ids { system: "wikidata" value: "Q1" }
            external_ids { value: "Q2" })pb",
       nullptr, CallFails(kCallInvalid, "external_ids[1].system")},
      {"SearchEmptyQuery", Rpc::kSearchEntities, "", nullptr,
       CallFails(kCallInvalid, "query")},
      {"SearchNotALanguage", Rpc::kSearchEntities, R"pb(query: "da"
                                                        language: "Korean")pb",
       nullptr, CallFails(kCallInvalid, "language")},
      {"GetEntityReadLanguageNotATag", Rpc::kGetEntity,
       R"pb(id: "place:da-nang"
            read_options { languages: "en" languages: "en_US" })pb",
       nullptr, CallFails(kCallInvalid, "read_options.languages[1]")},
      {"GetEntityTooManyReadLanguages", Rpc::kGetEntity,
       R"pb(id: "place:da-nang")pb",
       EditAs<v1::GetEntityRequest>([](v1::GetEntityRequest& r) {
         for (int i = 0; i < 17; ++i)
           r.mutable_read_options()->add_languages("en");
       }),
       CallFails(kCallInvalid, "read_options.languages")},
      {"SearchQueryTooLong", Rpc::kSearchEntities, "",
       EditAs<v1::SearchEntitiesRequest>([](v1::SearchEntitiesRequest& r) {
         r.set_query(std::string(257, 'd'));
       }),
       CallFails(kCallInvalid, "query")},
      {"SearchQueryWithoutLetters", Rpc::kSearchEntities,
       R"pb(query: "?!. -")pb", nullptr, CallFails(kCallInvalid, "query")},
      {"SearchUnknownType", Rpc::kSearchEntities, R"pb(query: "da")pb",
       EditAs<v1::SearchEntitiesRequest>([](v1::SearchEntitiesRequest& r) {
         r.add_types(static_cast<v1::EntityType>(99));
       }),
       CallFails(kCallInvalid, "types[0]")},
      {"SearchNegativePageSize", Rpc::kSearchEntities, R"pb(query: "da"
                                                            page_size: -1)pb",
       nullptr, CallFails(kCallInvalid, "page_size")},
      {"SearchGarbagePageToken", Rpc::kSearchEntities,
       R"pb(query: "da" page_token: "bm90IGEgdG9rZW4")pb", nullptr,
       CallFails(kCallInvalid, "page_token")},
      {"SearchWithAListFactsToken", Rpc::kSearchEntities, kSearchQuery,
       EditAs<v1::SearchEntitiesRequest>([](v1::SearchEntitiesRequest& r) {
         r.set_page_token(shared->list_token);
       }),
       CallFails(kCallInvalid, "page_token")},
      {"SearchTokenOfAnotherQuery", Rpc::kSearchEntities,
       R"pb(query: "seoul" page_size: 1)pb",
       EditAs<v1::SearchEntitiesRequest>([](v1::SearchEntitiesRequest& r) {
         r.set_page_token(shared->search_token);
       }),
       CallFails(kCallInvalid, "page_token")},

      // ---- ListFacts: page tokens, sizes, filters ----
      {"ListFactsRangeUnitMisspelled", Rpc::kListFacts,
       R"pb(filter {
              predicate: "market.size"
              quantity_range { unit: "usd" min: "1" }
            })pb",
       nullptr, CallFails(kCallInvalid, "filter.quantity_range.unit")},
      {"ListFactsRangeUnitUnknown", Rpc::kListFacts,
       R"pb(filter {
              predicate: "market.size"
              quantity_range { unit: "mw" }
            })pb",
       nullptr, CallFails(kCallInvalid, "filter.quantity_range.unit")},
      {"ListFactsRangeBoundTooLongInBaseUnit", Rpc::kListFacts, "",
       EditAs<v1::ListFactsRequest>([](v1::ListFactsRequest& r) {
         r.mutable_filter()->set_predicate("market.size");
         r.mutable_filter()->mutable_quantity_range()->set_unit("GW");
         r.mutable_filter()->mutable_quantity_range()->set_max(
             "1" + std::string(95, '0'));
       }),
       CallFails(kCallInvalid, "filter.quantity_range.max")},
      {"ListFactsGarbagePageToken", Rpc::kListFacts,
       R"pb(filter { subject: "place:da-nang" }
            page_token: "%%%")pb",
       nullptr, CallFails(kCallInvalid, "page_token")},
      {"ListFactsTruncatedPageToken", Rpc::kListFacts, kListQuery,
       EditAs<v1::ListFactsRequest>([](v1::ListFactsRequest& r) {
         r.set_page_token(
             shared->list_token.substr(0, shared->list_token.size() / 2));
       }),
       CallFails(kCallInvalid, "page_token")},
      {"ListFactsTokenOfAnotherFilter", Rpc::kListFacts,
       R"pb(filter { subject: "country:vietnam" }
            page_size: 1)pb",
       EditAs<v1::ListFactsRequest>([](v1::ListFactsRequest& r) {
         r.set_page_token(shared->list_token);
       }),
       CallFails(kCallInvalid, "page_token")},
      {"ListFactsNegativePageSize", Rpc::kListFacts,
       R"pb(filter { subject: "place:da-nang" }
            page_size: -5)pb",
       nullptr, CallFails(kCallInvalid, "page_size")},
      {"ListFactsRangeWithoutPredicate", Rpc::kListFacts,
       R"pb(filter { quantity_range { unit: "USD" min: "1" } })pb", nullptr,
       CallFails(kCallInvalid, "filter.quantity_range")},
      {"ListFactsRangeWithoutUnit", Rpc::kListFacts,
       R"pb(filter {
              predicate: "market.size"
              quantity_range { min: "1" }
            })pb",
       nullptr, CallFails(kCallInvalid, "filter.quantity_range.unit")},
      {"ListFactsRangeMinAboveMax", Rpc::kListFacts,
       R"pb(filter {
              predicate: "market.size"
              quantity_range { unit: "USD" min: "100" max: "99.5" }
            })pb",
       nullptr, CallFails(kCallInvalid, "filter.quantity_range")},
      {"ListFactsRangeNonDecimalBound", Rpc::kListFacts,
       R"pb(filter {
              predicate: "market.size"
              quantity_range { unit: "USD" min: "1e9" }
            })pb",
       nullptr, CallFails(kCallInvalid, "filter.quantity_range.min")},
      {"ListFactsNoSuchDay", Rpc::kListFacts,
       R"pb(filter { valid_time { start: "2024-02-30" } })pb", nullptr,
       CallFails(kCallInvalid, "filter.valid_time.start")},
      {"ListFactsIntervalEndsBeforeStart", Rpc::kListFacts,
       R"pb(filter { valid_time { start: "2024" end: "2020" } })pb", nullptr,
       CallFails(kCallInvalid, "filter.valid_time")},
      {"ListFactsPredicateAndPrefix", Rpc::kListFacts,
       R"pb(filter { predicate: "market.size" predicate_prefix: "market." })pb",
       nullptr, CallFails(kCallInvalid, "filter.predicate_prefix")},
      {"ListFactsUnknownModality", Rpc::kListFacts, "",
       EditAs<v1::ListFactsRequest>([](v1::ListFactsRequest& r) {
         r.mutable_filter()->add_modalities(static_cast<v1::Modality>(99));
       }),
       CallFails(kCallInvalid, "filter.modalities[0]")},
      {"ListFactsPredicateTooLong", Rpc::kListFacts, "",
       EditAs<v1::ListFactsRequest>([](v1::ListFactsRequest& r) {
         r.mutable_filter()->set_predicate(std::string(129, 'p'));
       }),
       CallFails(kCallInvalid, "filter.predicate")},
      {"ListFactsSubjectTooLong", Rpc::kListFacts, "",
       EditAs<v1::ListFactsRequest>([=](v1::ListFactsRequest& r) {
         r.mutable_filter()->set_subject("place:" + id257);
       }),
       CallFails(kCallInvalid, "filter.subject")},

      // ---- Other reads ----
      {"ResolveValueWithoutSubject", Rpc::kResolveValue,
       R"pb(predicate: "market.size")pb", nullptr,
       CallFails(kCallInvalid, "subject")},
      {"ResolveValueWithoutPredicate", Rpc::kResolveValue,
       R"pb(subject: "place:da-nang")pb", nullptr,
       CallFails(kCallInvalid, "predicate")},
      {"ResolveValueBadDate", Rpc::kResolveValue, R"pb(subject: "place:da-nang"
                                                       predicate: "market.size"
                                                       at: "2024-13")pb",
       nullptr, CallFails(kCallInvalid, "at")},
      {"ListPredicatesNegativePageSize", Rpc::kListPredicates,
       R"pb(page_size: -1)pb", nullptr, CallFails(kCallInvalid, "page_size")},
      {"ListPredicatesPrefixTooLong", Rpc::kListPredicates, "",
       EditAs<v1::ListPredicatesRequest>([](v1::ListPredicatesRequest& r) {
         r.set_prefix(std::string(129, 'p'));
       }),
       CallFails(kCallInvalid, "prefix")},
      {"WatchAfterGarbageToken", Rpc::kWatchFacts, R"pb(after: "yesterday")pb",
       nullptr, CallFails(kCallInvalid, "after")},
      {"WatchUnspecifiedKind",
       Rpc::kWatchFacts, R"pb(kinds: CHANGE_KIND_ENTITY_UPSERTED
                              kinds: CHANGE_KIND_UNSPECIFIED)pb",
       nullptr, CallFails(kCallInvalid, "kinds[1]")},
      {"WatchUnknownKind", Rpc::kWatchFacts, "",
       EditAs<v1::WatchFactsRequest>([](v1::WatchFactsRequest& r) {
         r.add_kinds(static_cast<v1::ChangeKind>(42));
       }),
       CallFails(kCallInvalid, "kinds[0]")},
      {"WatchSubjectTooLong", Rpc::kWatchFacts, "",
       EditAs<v1::WatchFactsRequest>([](v1::WatchFactsRequest& r) {
         r.set_subject("place:" + std::string(300, 'x'));
       }),
       CallFails(kCallInvalid, "subject")},
      {"WatchPredicatePrefixTooLong", Rpc::kWatchFacts, "",
       EditAs<v1::WatchFactsRequest>([](v1::WatchFactsRequest& r) {
         r.set_predicate_prefix(std::string(200, 'p'));
       }),
       CallFails(kCallInvalid, "predicate_prefix")},

      // ---- Read options ----
      {"ReadMalformedMinCommit", Rpc::kGetEntity,
       R"pb(id: "org:fpt"
            read_options { min_commit: "not-a-commit-token" })pb",
       nullptr, CallFails(kCallInvalid, "read_options.min_commit")},
      {"ReadAsOfTokenOfAnotherStore", Rpc::kGetFact, "",
       EditAs<v1::GetFactRequest>([](v1::GetFactRequest& r) {
         r.set_id(shared->fact_id);
         r.mutable_read_options()->set_as_of(
             storage::EncodeCommitToken(shared->store_id + 1, 1));
       }),
       CallFails(kCallInvalid, "read_options.as_of")},
      {"ReadNegativeAsOfTime", Rpc::kListFacts,
       R"pb(filter { subject: "place:da-nang" }
            read_options { as_of_time { seconds: -1 } })pb",
       nullptr, CallFails(kCallInvalid, "read_options.as_of_time")},
      {"ReadAsOfTimeBadNanos", Rpc::kSearchEntities,
       R"pb(query: "da"
            read_options { as_of_time { seconds: 1 nanos: 1000000000 } })pb",
       nullptr, CallFails(kCallInvalid, "read_options.as_of_time")},
      {"WatchAfterTokenOfAnotherStore", Rpc::kWatchFacts, "",
       EditAs<v1::WatchFactsRequest>([](v1::WatchFactsRequest& r) {
         r.set_after(storage::EncodeCommitToken(shared->store_id + 1, 1));
       }),
       CallFails(kCallInvalid, "after")},
      {"StatsAsOf", Rpc::kGetStats, "",
       EditAs<v1::GetStatsRequest>([](v1::GetStatsRequest& r) {
         r.mutable_read_options()->set_as_of(
             storage::EncodeCommitToken(shared->store_id, 1));
       }),
       CallFails(kCallInvalid, "read_options.as_of")},
  };
}

// ---- Running a row ----

// What a call returned: its status and the outcome and error of each item.
struct Item {
  v1::Outcome outcome = v1::OUTCOME_UNSPECIFIED;
  bool has_error = false;
  v1::ItemError error;
};
struct Result {
  grpc::Status status;
  std::vector<Item> items;
  // StreamIngestFacts: the batch's error, which `status` mirrors.
  std::optional<v1::ItemError> batch_error;
};

template <typename Results>
std::vector<Item> ItemsOfResults(const Results& results) {
  std::vector<Item> items;
  for (const auto& r : results)
    items.push_back({r.outcome(), r.has_error(), r.error()});
  return items;
}
std::vector<Item> ItemsOf(const v1::IngestFactsResponse& r) {
  return ItemsOfResults(r.results());
}
std::vector<Item> ItemsOf(const v1::UpsertEntitiesResponse& r) {
  return ItemsOfResults(r.results());
}
std::vector<Item> ItemsOf(const v1::RegisterPredicatesResponse& r) {
  return ItemsOfResults(r.results());
}
std::vector<Item> ItemsOf(const v1::RetractFactsResponse& r) {
  return ItemsOfResults(r.results());
}
std::vector<Item> ItemsOf(const google::protobuf::Message&) { return {}; }

template <typename Request>
Request Build(const Row& row) {
  Request request = Parse<Request>(row.text);
  if (row.edit) row.edit(&request);
  return request;
}

template <typename Stub, typename Request, typename Response>
Result Unary(Stub& stub,
             grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&,
                                          Response*),
             const Row& row) {
  Request request = Build<Request>(row);
  Response response;
  auto context = Context(absl::Seconds(30));
  Result result;
  result.status = (stub.*method)(context.get(), request, &response);
  result.items = ItemsOf(response);
  return result;
}

Result Stream(TestCluster& cluster, const Row& row) {
  auto request = Build<v1::StreamIngestFactsRequest>(row);
  auto context = Context(absl::Seconds(30));
  auto stream = cluster.ingest().StreamIngestFacts(context.get());
  Result result;
  EXPECT_TRUE(stream->Write(request));
  EXPECT_TRUE(stream->WritesDone());
  v1::StreamIngestFactsResponse ack;
  bool acknowledged = stream->Read(&ack);
  grpc::Status finished = stream->Finish();
  EXPECT_TRUE(finished.ok())
      << "the stream itself failed: " << finished.error_message();
  EXPECT_TRUE(acknowledged) << "the batch was not acknowledged";
  if (ack.has_batch_error()) {
    result.status =
        grpc::Status(static_cast<grpc::StatusCode>(ack.batch_error().code()),
                     ack.batch_error().message());
    result.batch_error = ack.batch_error();
  }
  result.items = ItemsOfResults(ack.results());
  return result;
}

Result Watch(TestCluster& cluster, const Row& row) {
  auto request = Build<v1::WatchFactsRequest>(row);
  auto context = Context(absl::Seconds(5));
  auto reader = cluster.query().WatchFacts(context.get(), request);
  v1::WatchFactsResponse response;
  int responses = 0;
  while (reader->Read(&response)) ++responses;
  Result result;
  result.status = reader->Finish();
  EXPECT_EQ(responses, 0) << "the watch started";
  return result;
}

Result Call(TestCluster& cluster, const Row& row) {
  auto& ingest = cluster.ingest();
  auto& query = cluster.query();
  using IS = v1::IngestService::Stub;
  using QS = v1::QueryService::Stub;
  switch (row.rpc) {
    case Rpc::kRegisterPredicates:
      return Unary(ingest, &IS::RegisterPredicates, row);
    case Rpc::kUpsertEntities:
      return Unary(ingest, &IS::UpsertEntities, row);
    case Rpc::kIngestFacts:
      return Unary(ingest, &IS::IngestFacts, row);
    case Rpc::kStreamIngestFacts:
      return Stream(cluster, row);
    case Rpc::kRetractFacts:
      return Unary(ingest, &IS::RetractFacts, row);
    case Rpc::kEraseEntity:
      return Unary(ingest, &IS::EraseEntity, row);
    case Rpc::kMergeEntities:
      return Unary(ingest, &IS::MergeEntities, row);
    case Rpc::kParseText:
      return Unary(ingest, &IS::ParseText, row);
    case Rpc::kGetEntity:
      return Unary(query, &QS::GetEntity, row);
    case Rpc::kBatchGetEntities:
      return Unary(query, &QS::BatchGetEntities, row);
    case Rpc::kListEntities:
      return Unary(query, &QS::ListEntities, row);
    case Rpc::kLookupEntity:
      return Unary(query, &QS::LookupEntity, row);
    case Rpc::kBatchLookupEntities:
      return Unary(query, &QS::BatchLookupEntities, row);
    case Rpc::kSearchEntities:
      return Unary(query, &QS::SearchEntities, row);
    case Rpc::kGetFact:
      return Unary(query, &QS::GetFact, row);
    case Rpc::kBatchGetFacts:
      return Unary(query, &QS::BatchGetFacts, row);
    case Rpc::kListFacts:
      return Unary(query, &QS::ListFacts, row);
    case Rpc::kResolveValue:
      return Unary(query, &QS::ResolveValue, row);
    case Rpc::kListPredicates:
      return Unary(query, &QS::ListPredicates, row);
    case Rpc::kWatchFacts:
      return Watch(cluster, row);
    case Rpc::kGetStats:
      return Unary(query, &QS::GetStats, row);
  }
  ADD_FAILURE() << "unknown rpc";
  return {};
}

bool FieldMatches(const std::string& field, const std::string& pattern) {
  if (absl::EndsWith(pattern, "*")) {
    return absl::StartsWith(field, pattern.substr(0, pattern.size() - 1));
  }
  return field == pattern;
}

// Everything a write would change: the primary's head and what the query
// service reports once it has caught up with the primary.
struct Snapshot {
  std::string head;        // StoreHead of the primary, serialized
  std::string head_token;  // the ingest server's last commit
  std::string stats;       // GetStats counts and commit token
};

Snapshot Take(TestCluster& cluster) {
  Snapshot s;
  auto head = cluster.ingest_server()->store()->ReadHead();
  EXPECT_TRUE(head.ok()) << head.status();
  if (head.ok()) {
    head->clear_last_commit_time_micros();
    s.head = head->ShortDebugString();
  }
  s.head_token = cluster.ingest_server()->head_commit_token();
  v1::GetStatsRequest request;
  request.mutable_read_options()->set_min_commit(s.head_token);
  v1::GetStatsResponse stats;
  auto context = Context();
  grpc::Status status =
      cluster.query().GetStats(context.get(), request, &stats);
  EXPECT_TRUE(status.ok()) << status.error_message();
  stats.clear_commit_time();
  stats.clear_catch_up_age_seconds();
  stats.clear_commits_behind();
  s.stats = stats.ShortDebugString();
  return s;
}

class MalformedRequestTest : public ::testing::TestWithParam<Row> {
 protected:
  static void SetUpTestSuite() {
    // The invalid-UTF-8 rows make protobuf log on every serialization.
    google::protobuf::SetLogHandler(nullptr);
    shared = new Shared;
    shared->cluster = TestCluster::Start();
    ASSERT_NE(shared->cluster, nullptr);
    TestCluster& cluster = *shared->cluster;
    testing::SeedRegistryAndEntities(cluster);
    shared->store_id = cluster.ingest_server()->store()->store_id();

    v1::IngestFactsRequest facts;
    *facts.add_facts() = Parse<v1::Fact>(kStoredFact);
    *facts.add_facts() =
        testing::RawFact("place:da-nang", "workforce.digital_professionals",
                         "approximately 53,000 people", "doc:da-nang-ict",
                         "The workforce is approximately 53,000 people.");
    v1::IngestFactsResponse ingested = testing::Ingest(cluster, facts);
    ASSERT_EQ(ingested.accepted_count(), 2) << ingested.ShortDebugString();
    shared->fact_id = ingested.results(0).fact_id();

    v1::ListFactsRequest list = Parse<v1::ListFactsRequest>(kListQuery);
    list.mutable_read_options()->set_min_commit(ingested.commit_token());
    v1::ListFactsResponse listed;
    auto context = Context();
    ASSERT_TRUE(cluster.query().ListFacts(context.get(), list, &listed).ok());
    shared->list_token = listed.next_page_token();
    ASSERT_FALSE(shared->list_token.empty());

    v1::SearchEntitiesRequest search =
        Parse<v1::SearchEntitiesRequest>(kSearchQuery);
    v1::SearchEntitiesResponse found;
    auto search_context = Context();
    ASSERT_TRUE(cluster.query()
                    .SearchEntities(search_context.get(), search, &found)
                    .ok());
    shared->search_token = found.next_page_token();
    ASSERT_FALSE(shared->search_token.empty());
  }

  static void TearDownTestSuite() {
    delete shared;
    shared = nullptr;
  }
};

// Every refused call carries the standard error details (AIP-193) in its
// grpc-status-details-bin trailer: a google.rpc.Status with the call's code
// and message, one ErrorInfo with a reason in the factstore.v1 domain, and,
// for INVALID_ARGUMENT, a BadRequest naming the field the row names.
void CheckErrorDetails(const grpc::Status& status, const Expect& expect) {
  google::rpc::Status details;
  ASSERT_FALSE(status.error_details().empty())
      << "no error details: " << status.error_message();
  ASSERT_TRUE(details.ParseFromString(status.error_details()));
  EXPECT_EQ(details.code(), static_cast<int>(status.error_code()));
  EXPECT_EQ(details.message(), status.error_message());
  int error_infos = 0;
  bool named = expect.field.empty() ||
               status.error_code() != grpc::StatusCode::INVALID_ARGUMENT;
  for (const google::protobuf::Any& detail : details.details()) {
    google::rpc::ErrorInfo info;
    google::rpc::BadRequest bad_request;
    if (detail.UnpackTo(&info)) {
      ++error_infos;
      EXPECT_EQ(info.domain(), "factstore.v1");
      EXPECT_FALSE(info.reason().empty());
      EXPECT_EQ(info.reason().find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ_"),
                std::string::npos)
          << info.reason();
    } else if (detail.UnpackTo(&bad_request)) {
      for (const auto& v : bad_request.field_violations()) {
        named = named || FieldMatches(v.field(), expect.field);
      }
    }
  }
  EXPECT_EQ(error_infos, 1) << details.ShortDebugString();
  EXPECT_TRUE(named) << "no BadRequest.FieldViolation names " << expect.field
                     << ": " << details.ShortDebugString();
}

// Runs `row` and checks how it failed and that nothing was written.
void CheckRow(TestCluster& cluster, const Row& row) {
  const Expect& expect = row.expect;

  const Snapshot before = Take(cluster);
  const Result result = Call(cluster, row);

  EXPECT_EQ(result.status.error_code(), expect.call)
      << "status: " << result.status.error_code() << " "
      << result.status.error_message();
  if (expect.call != grpc::StatusCode::OK) {
    if (!expect.field.empty()) {
      std::string field = expect.field;
      if (absl::EndsWith(field, "*")) field.pop_back();
      EXPECT_TRUE(absl::StrContains(result.status.error_message(), field))
          << "the message does not name " << expect.field << ": "
          << result.status.error_message();
    }
    if (result.batch_error.has_value()) {
      // A batch of a stream: its ItemError lists the fields at fault.
      bool named = expect.field.empty() ||
                   expect.call != grpc::StatusCode::INVALID_ARGUMENT;
      for (const v1::FieldViolation& v : result.batch_error->violations()) {
        named = named || FieldMatches(v.field(), expect.field);
      }
      EXPECT_TRUE(named) << "no violation of the batch error names "
                         << expect.field << ": "
                         << result.batch_error->ShortDebugString();
    } else if (expect.call != grpc::StatusCode::UNIMPLEMENTED) {
      // (UNIMPLEMENTED: the request did not parse; gRPC itself refused it
      // before any factstore code ran.)
      CheckErrorDetails(result.status, expect);
    }
  } else if (static_cast<int>(result.items.size()) <= expect.item) {
    ADD_FAILURE() << "no result for item " << expect.item;
  } else {
    const Item& item = result.items[expect.item];
    EXPECT_EQ(item.outcome, v1::OUTCOME_REJECTED)
        << "item " << expect.item << " was " << v1::Outcome_Name(item.outcome);
    EXPECT_TRUE(item.has_error) << "item " << expect.item << " has no error";
    EXPECT_EQ(item.error.code(), static_cast<int>(expect.item_code))
        << item.error.ShortDebugString();
    bool named = false;
    for (const v1::FieldViolation& v : item.error.violations()) {
      named = named || FieldMatches(v.field(), expect.field);
    }
    EXPECT_TRUE(named) << "no violation names " << expect.field << ": "
                       << item.error.ShortDebugString();
    for (size_t i = 0; i < result.items.size(); ++i) {
      EXPECT_TRUE(result.items[i].outcome == v1::OUTCOME_REJECTED ||
                  result.items[i].outcome == v1::OUTCOME_UNCHANGED)
          << "item " << i << " was "
          << v1::Outcome_Name(result.items[i].outcome);
    }
  }

  const Snapshot after = Take(cluster);
  EXPECT_EQ(after.head_token, before.head_token) << "a commit was made";
  EXPECT_EQ(after.head, before.head) << "the store's head changed";
  EXPECT_EQ(after.stats, before.stats) << "GetStats changed";
}

TEST_P(MalformedRequestTest, IsRefusedAndWritesNothing) {
  ASSERT_NE(shared, nullptr);
  ASSERT_NE(shared->cluster, nullptr);
  CheckRow(*shared->cluster, GetParam());
}

// The checks themselves can fail: a valid request run as a row fails it, on
// the outcome and on the write it makes.
TEST_F(MalformedRequestTest, ValidRequestsFailTheChecks) {
  ASSERT_NE(shared, nullptr);
  ASSERT_NE(shared->cluster, nullptr);
  const Row valid_fact = FactRow(
      "ValidFact", [](v1::Fact&) {},
      ItemFails(0, kInvalid, "facts[0].subject"));
  const Row valid_entity = EntityRow(
      "ValidEntity", [](v1::Entity&) {},
      CallFails(kCallInvalid, "entities[0].id"));
  for (const Row* row : {&valid_fact, &valid_entity}) {
    SCOPED_TRACE(row->name);
    ::testing::TestPartResultArray failures;
    {
      ::testing::ScopedFakeTestPartResultReporter intercept(
          ::testing::ScopedFakeTestPartResultReporter::
              INTERCEPT_ONLY_CURRENT_THREAD,
          &failures);
      CheckRow(*shared->cluster, *row);
    }
    std::string messages;
    for (int i = 0; i < failures.size(); ++i) {
      absl::StrAppend(&messages, failures.GetTestPartResult(i).message(), "\n");
    }
    EXPECT_TRUE(absl::StrContains(messages, "a commit was made")) << messages;
    EXPECT_TRUE(absl::StrContains(messages, "GetStats changed")) << messages;
    EXPECT_TRUE(absl::StrContains(messages, "the store's head changed"))
        << messages;
  }
  const std::string wrong_field = [&] {
    ::testing::TestPartResultArray failures;
    {
      ::testing::ScopedFakeTestPartResultReporter intercept(
          ::testing::ScopedFakeTestPartResultReporter::
              INTERCEPT_ONLY_CURRENT_THREAD,
          &failures);
      // Read-only, and refused, but not for the field the row names.
      CheckRow(*shared->cluster,
               {"WrongField", Rpc::kListFacts,
                R"pb(filter { predicate: "a" predicate_prefix: "b" })pb",
                nullptr, CallFails(kCallInvalid, "filter.subject")});
    }
    // The message and the error details both miss the field.
    std::string messages;
    for (int i = 0; i < failures.size(); ++i) {
      absl::StrAppend(&messages, failures.GetTestPartResult(i).message(), "\n");
    }
    return failures.size() == 2 ? messages
                                : std::string("not exactly two failures");
  }();
  EXPECT_TRUE(absl::StrContains(wrong_field, "does not name filter.subject"))
      << wrong_field;
  EXPECT_TRUE(absl::StrContains(
      wrong_field, "no BadRequest.FieldViolation names filter.subject"))
      << wrong_field;
}

INSTANTIATE_TEST_SUITE_P(Table, MalformedRequestTest,
                         ::testing::ValuesIn(Rows()),
                         [](const ::testing::TestParamInfo<Row>& info) {
                           return info.param.name;
                         });

}  // namespace
}  // namespace factstore
