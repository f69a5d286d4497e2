#include "tests/support/fixtures.h"

namespace factstore::testing {

std::string SeedRegistryAndEntities(TestCluster& cluster) {
  auto predicates = Parse<v1::RegisterPredicatesRequest>(R"pb(
    predicates {
      name: "investment.cumulative_total"
      value_type: VALUE_TYPE_QUANTITY
      unit_dimension: UNIT_DIMENSION_MONEY
      subject_types: ENTITY_TYPE_PLACE
      cardinality: CARDINALITY_ONE
      description: "Total foreign investment in the subject so far"
    }
    predicates {
      name: "workforce.digital_professionals"
      value_type: VALUE_TYPE_QUANTITY
      unit_dimension: UNIT_DIMENSION_COUNT
      allowed_units: "person"
      cardinality: CARDINALITY_ONE
      description: "Digital technology professionals working in the subject"
    }
    predicates {
      name: "education.it_institution_count"
      value_type: VALUE_TYPE_QUANTITY
      unit_dimension: UNIT_DIMENSION_COUNT
      allowed_units: "organization"
      description: "Educational institutions providing IT training"
    }
    predicates {
      name: "market.size"
      value_type: VALUE_TYPE_QUANTITY
      unit_dimension: UNIT_DIMENSION_MONEY
      cardinality: CARDINALITY_ONE
      description: "Value of a market"
    }
    predicates {
      name: "event.location"
      value_type: VALUE_TYPE_ENTITY
      object_types: ENTITY_TYPE_PLACE
      description: "Where the event took place"
    }
    predicates {
      name: "event.date"
      value_type: VALUE_TYPE_TIME
      description: "When the event took place"
    }
    predicates {
      name: "org.member_count"
      value_type: VALUE_TYPE_QUANTITY
      unit_dimension: UNIT_DIMENSION_COUNT
      description: "Members of an organization"
    }
    predicates {
      name: "note.text"
      value_type: VALUE_TYPE_TEXT
      description: "A free-text note"
    }
  )pb");
  v1::RegisterPredicatesResponse registered;
  auto context = Context();
  grpc::Status status = cluster.ingest().RegisterPredicates(
      context.get(), predicates, &registered);
  EXPECT_TRUE(status.ok()) << status.error_message();

  auto entities = Parse<v1::UpsertEntitiesRequest>(R"pb(
    entities {
      id: "country:south-korea"
      type: ENTITY_TYPE_PLACE
      name: "South Korea"
      aliases: "Republic of Korea"
      aliases: "Hàn Quốc"
      aliases: "대한민국"
    }
    entities {
      id: "country:vietnam"
      type: ENTITY_TYPE_PLACE
      name: "Vietnam"
      aliases: "Việt Nam"
    }
    entities {
      id: "place:da-nang"
      type: ENTITY_TYPE_PLACE
      name: "Đà Nẵng"
      aliases: "Da Nang"
      aliases: "Danang"
      aliases: "Da Nang City"
    }
    entities {
      id: "place:seoul"
      type: ENTITY_TYPE_PLACE
      name: "Seoul"
      aliases: "서울"
    }
    entities {
      id: "event:vn-kr-digital-forum-2024"
      type: ENTITY_TYPE_EVENT
      name: "Vietnam - Korea Digital Forum 2024"
    }
    entities {
      id: "product:kr-it-outsourcing-market"
      type: ENTITY_TYPE_PRODUCT
      name: "South Korean IT outsourcing market"
    }
    entities { id: "org:fpt" type: ENTITY_TYPE_ORGANIZATION name: "FPT" }
    entities {
      id: "org:vinasa"
      type: ENTITY_TYPE_ORGANIZATION
      name: "Vietnam Software and IT Services Association"
      aliases: "Vinasa"
    }
    entities {
      id: "person:nguyen-van-khoa"
      type: ENTITY_TYPE_PERSON
      name: "Nguyễn Văn Khoa"
      aliases: "Nguyen Van Khoa"
    }
    entities {
      id: "doc:da-nang-ict"
      type: ENTITY_TYPE_DOCUMENT
      name: "Korea - Vietnam ICT investment conference in Da Nang"
    }
    entities {
      id: "doc:seoul-forum"
      type: ENTITY_TYPE_DOCUMENT
      name: "First Vietnam - Korea Digital Forum held in Seoul"
    }
  )pb");
  v1::UpsertEntitiesResponse upserted;
  auto entity_context = Context();
  status = cluster.ingest().UpsertEntities(entity_context.get(), entities,
                                           &upserted);
  EXPECT_TRUE(status.ok()) << status.error_message();
  for (const auto& result : upserted.results()) {
    EXPECT_NE(result.outcome(), v1::OUTCOME_REJECTED)
        << result.error().message();
  }
  return upserted.commit_token();
}

v1::Fact RawFact(const std::string& subject, const std::string& predicate,
                 const std::string& raw_value, const std::string& document,
                 const std::string& quote, const std::string& language) {
  v1::Fact fact;
  fact.set_subject(subject);
  fact.set_predicate(predicate);
  fact.mutable_value()->set_raw(raw_value);
  fact.set_language(language);
  v1::Mention* mention = fact.add_mentions();
  mention->set_document_id(document);
  mention->set_quote(quote);
  mention->set_language(language);
  return fact;
}

v1::IngestFactsResponse Ingest(TestCluster& cluster,
                               const v1::IngestFactsRequest& request) {
  v1::IngestFactsResponse response;
  auto context = Context();
  grpc::Status status =
      cluster.ingest().IngestFacts(context.get(), request, &response);
  EXPECT_TRUE(status.ok()) << status.error_message();
  return response;
}

}  // namespace factstore::testing
