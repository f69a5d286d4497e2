// FactPreparer on its own: what a fact becomes before it reaches the
// committer. The predicate registry and the name resolver are the real ones,
// over a store in a temporary directory into which the committer has written
// a few predicates and entities, as the ingest service would.
#include "ingest_service/fact_preparer.h"

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/synchronization/notification.h"
#include "factstore/v1/ingest_service.pb.h"
#include "factstore/v1/types.pb.h"
#include "gmock/gmock.h"
#include "google/protobuf/arena.h"
#include "gtest/gtest.h"
#include "ingest_service/committer.h"
#include "ingest_service/entity_ops.h"
#include "ingest_service/fact_identity.h"
#include "ingest_service/name_resolver.h"
#include "ingest_service/predicate_ops.h"
#include "ingest_service/predicate_registry.h"
#include "storage/key_codec.h"
#include "storage/store.h"
#include "storage/test_records.h"
#include "tests/support/temp_dir.h"

namespace factstore::ingest {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Pair;
using ::testing::UnorderedElementsAre;

constexpr int kInvalidArgument =
    static_cast<int>(absl::StatusCode::kInvalidArgument);
constexpr int kNotFound = static_cast<int>(absl::StatusCode::kNotFound);

v1::Predicate MakePredicate(const std::string& name, v1::ValueType type) {
  v1::Predicate predicate;
  predicate.set_name(name);
  predicate.set_value_type(type);
  return predicate;
}

v1::Entity MakeEntity(const std::string& id, v1::EntityType type,
                      const std::string& name,
                      const std::vector<std::string>& aliases) {
  v1::Entity entity;
  entity.set_id(id);
  entity.set_type(type);
  entity.set_name(name);
  for (const std::string& alias : aliases) entity.add_aliases(alias);
  return entity;
}

// The registry and store every test starts from:
//   workforce.size               QUANTITY, COUNT units, about a PLACE
//   investment.cumulative_total  QUANTITY, MONEY units, about a PLACE
//   energy.capacity              QUANTITY, POWER units, about a PLACE
//   land.area                    QUANTITY, AREA units ha or km2, about a PLACE
//   event.date                   TIME, about an EVENT
//   organization.headquarters    ENTITY, an ORGANIZATION's PLACE
//   place:da-nang  PLACE         "Đà Nẵng" (aliases "Da Nang", "다낭")
//   org:fpt        ORGANIZATION  "FPT Corporation" (alias "FPT")
void Seed(storage::Store* store) {
  v1::RegisterPredicatesRequest predicates;
  v1::Predicate* p = predicates.add_predicates();
  *p = MakePredicate("workforce.size", v1::VALUE_TYPE_QUANTITY);
  p->set_unit_dimension(v1::UNIT_DIMENSION_COUNT);
  p->add_subject_types(v1::ENTITY_TYPE_PLACE);
  p = predicates.add_predicates();
  *p = MakePredicate("investment.cumulative_total", v1::VALUE_TYPE_QUANTITY);
  p->set_unit_dimension(v1::UNIT_DIMENSION_MONEY);
  p->add_subject_types(v1::ENTITY_TYPE_PLACE);
  p = predicates.add_predicates();
  *p = MakePredicate("energy.capacity", v1::VALUE_TYPE_QUANTITY);
  p->set_unit_dimension(v1::UNIT_DIMENSION_POWER);
  p->add_subject_types(v1::ENTITY_TYPE_PLACE);
  p = predicates.add_predicates();
  *p = MakePredicate("land.area", v1::VALUE_TYPE_QUANTITY);
  p->set_unit_dimension(v1::UNIT_DIMENSION_AREA);
  p->add_allowed_units("ha");
  p->add_allowed_units("km2");
  p->add_subject_types(v1::ENTITY_TYPE_PLACE);
  p = predicates.add_predicates();
  *p = MakePredicate("event.date", v1::VALUE_TYPE_TIME);
  p->add_subject_types(v1::ENTITY_TYPE_EVENT);
  p = predicates.add_predicates();
  *p = MakePredicate("organization.headquarters", v1::VALUE_TYPE_ENTITY);
  p->add_subject_types(v1::ENTITY_TYPE_ORGANIZATION);
  p->add_object_types(v1::ENTITY_TYPE_PLACE);

  v1::UpsertEntitiesRequest entities;
  *entities.add_entities() = MakeEntity("place:da-nang", v1::ENTITY_TYPE_PLACE,
                                        "Đà Nẵng", {"Da Nang", "다낭"});
  *entities.add_entities() = MakeEntity("org:fpt", v1::ENTITY_TYPE_ORGANIZATION,
                                        "FPT Corporation", {"FPT"});

  auto committer = Committer::Start(store, CommitterOptions());
  ASSERT_TRUE(committer.ok()) << committer.status();
  // Only the registry loaded below, from the store, is used by the tests.
  auto scratch_registry = PredicateRegistry::Load(*store);
  ASSERT_TRUE(scratch_registry.ok()) << scratch_registry.status();
  absl::Notification registered, upserted;
  absl::Status registered_status, upserted_status;
  (*committer)
      ->Submit(std::make_unique<RegisterPredicatesOp>(
          predicates, scratch_registry->get(),
          [&](const absl::Status& status, v1::RegisterPredicatesResponse&& r) {
            registered_status = status;
            for (const v1::PredicateResult& result : r.results()) {
              if (result.outcome() != v1::OUTCOME_CREATED) {
                registered_status =
                    absl::InternalError(result.ShortDebugString());
              }
            }
            registered.Notify();
          }));
  (*committer)
      ->Submit(std::make_unique<UpsertEntitiesOp>(
          entities,
          [&](const absl::Status& status, v1::UpsertEntitiesResponse&& r) {
            upserted_status = status;
            for (const v1::EntityResult& result : r.results()) {
              if (result.outcome() != v1::OUTCOME_CREATED) {
                upserted_status =
                    absl::InternalError(result.ShortDebugString());
              }
            }
            upserted.Notify();
          }));
  registered.WaitForNotification();
  upserted.WaitForNotification();
  ASSERT_TRUE(registered_status.ok()) << registered_status;
  ASSERT_TRUE(upserted_status.ok()) << upserted_status;
}

class FactPreparerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    storage::StoreOptions options = storage::SmallTestStoreOptions();
    auto store = storage::Store::OpenPrimary(dir_.path() + "/db", options);
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
    ASSERT_NO_FATAL_FAILURE(Seed(store_.get()));
    // As the ingest server does at start-up.
    auto registry = PredicateRegistry::Load(*store_);
    ASSERT_TRUE(registry.ok()) << registry.status();
    registry_ = *std::move(registry);
    resolver_ = std::make_unique<NameResolver>(store_.get());
    preparer_ =
        std::make_unique<FactPreparer>(registry_.get(), resolver_.get());
  }

  // Prepares `fact` as the first fact of a request of its own.
  PreparedFact Prepare(
      const v1::Fact& fact,
      v1::MissingEntityPolicy policy = v1::MISSING_ENTITY_POLICY_REJECT) {
    NameCache names;
    return preparer_->Prepare(fact, "facts[0]", policy, &names, &arena_);
  }

  factstore::testing::TempDir dir_;
  // Holds the prepared facts of a test.
  google::protobuf::Arena arena_;
  std::unique_ptr<storage::Store> store_;
  std::unique_ptr<PredicateRegistry> registry_;
  std::unique_ptr<NameResolver> resolver_;
  std::unique_ptr<FactPreparer> preparer_;
};

v1::Fact RawFact(const std::string& subject, const std::string& predicate,
                 const std::string& raw, const std::string& language = "") {
  v1::Fact fact;
  fact.set_subject(subject);
  fact.set_predicate(predicate);
  fact.mutable_value()->set_raw(raw);
  fact.set_language(language);
  return fact;
}

// The one violation of a rejected fact.
const v1::FieldViolation& OnlyViolation(const PreparedFact& prepared) {
  static const v1::FieldViolation* const kNone = new v1::FieldViolation();
  EXPECT_TRUE(prepared.error.has_value());
  if (!prepared.error.has_value()) return *kNone;
  EXPECT_EQ(prepared.error->violations_size(), 1)
      << prepared.error->ShortDebugString();
  if (prepared.error->violations_size() == 0) return *kNone;
  return prepared.error->violations(0);
}

struct QuantityCase {
  const char* language;
  const char* predicate;
  const char* raw;
  const char* amount;
  const char* unit;
  v1::Comparator comparator;
};

class RawQuantityTest : public FactPreparerTest,
                        public ::testing::WithParamInterface<QuantityCase> {};

TEST_P(RawQuantityTest, IsNormalizedInTheFactsLanguage) {
  const QuantityCase& c = GetParam();
  PreparedFact prepared =
      Prepare(RawFact("place:da-nang", c.predicate, c.raw, c.language));
  ASSERT_FALSE(prepared.error.has_value()) << prepared.error->message();
  const v1::Value& value = prepared.fact->value();
  ASSERT_EQ(value.kind_case(), v1::Value::kQuantity)
      << value.ShortDebugString();
  EXPECT_EQ(value.quantity().amount(), c.amount);
  EXPECT_EQ(value.quantity().unit(), c.unit);
  EXPECT_EQ(value.quantity().comparator(), c.comparator)
      << v1::Comparator_Name(value.quantity().comparator());
  // The source's wording is kept.
  EXPECT_EQ(value.quantity().surface_text(), c.raw);
  ASSERT_NE(prepared.predicate, nullptr);
  EXPECT_EQ(prepared.predicate->name(), c.predicate);
  EXPECT_TRUE(storage::IsDerivedFactId(prepared.fact->id()))
      << prepared.fact->id();
}

INSTANTIATE_TEST_SUITE_P(
    Languages, RawQuantityTest,
    ::testing::Values(
        QuantityCase{"vi", "workforce.size", "khoảng 53.000 người", "53000",
                     "person", v1::COMPARATOR_APPROXIMATELY},
        QuantityCase{"ko", "workforce.size", "약 5만 3천 명", "53000", "person",
                     v1::COMPARATOR_APPROXIMATELY},
        QuantityCase{"en", "workforce.size",
                     "more than 10 Vietnamese digital firms", "10",
                     "organization", v1::COMPARATOR_MORE_THAN},
        QuantityCase{"vi", "investment.cumulative_total", "85,9 tỷ USD",
                     "85900000000", "USD", v1::COMPARATOR_EXACT},
        QuantityCase{"ko", "investment.cumulative_total", "600억 달러",
                     "60000000000", "USD", v1::COMPARATOR_EXACT},
        QuantityCase{"en", "investment.cumulative_total", "US$85.9 billion",
                     "85900000000", "USD", v1::COMPARATOR_EXACT},
        QuantityCase{"en", "energy.capacity", "2,500 MW", "2500", "MW",
                     v1::COMPARATOR_EXACT},
        QuantityCase{"ko", "energy.capacity", "5천 메가와트", "5000", "MW",
                     v1::COMPARATOR_EXACT},
        QuantityCase{"vi", "land.area", "khoảng 300 héc-ta", "300", "ha",
                     v1::COMPARATOR_APPROXIMATELY}));

TEST_F(FactPreparerTest, LanguageIsTheFirstMentionsWhenTheFactGivesNone) {
  // "1,234" is 1.234 in Vietnamese and 1234 in English.
  v1::Fact fact = RawFact("place:da-nang", "workforce.size", "1,234");
  PreparedFact english = Prepare(fact);
  ASSERT_FALSE(english.error.has_value()) << english.error->message();
  EXPECT_EQ(english.fact->value().quantity().amount(), "1234");

  v1::Mention* mention = fact.add_mentions();
  mention->set_document_id("doc:vnexpress-1");
  mention->set_language("vi");
  PreparedFact vietnamese = Prepare(fact);
  ASSERT_FALSE(vietnamese.error.has_value()) << vietnamese.error->message();
  EXPECT_EQ(vietnamese.fact->value().quantity().amount(), "1.234");

  // The fact's own language wins over its mention's.
  fact.set_language("en");
  EXPECT_EQ(Prepare(fact).fact->value().quantity().amount(), "1234");
}

TEST_F(FactPreparerTest, QuotesAreCutIntoWordsWhenAsked) {
  v1::Fact fact = RawFact("place:da-nang", "workforce.size", "1,234");
  for (const char* document : {"doc:vnexpress-1", "doc:vnexpress-2"}) {
    v1::Mention* mention = fact.add_mentions();
    mention->set_document_id(document);
    mention->set_quote("Đà Nẵng đầu tư vào bán dẫn");
  }
  // Not asked (a store without a word index): nothing is cut.
  EXPECT_TRUE(Prepare(fact).cut_texts.empty());
  FactPreparer cutting(registry_.get(), resolver_.get(), /*cut_words=*/true);
  NameCache names;
  PreparedFact prepared = cutting.Prepare(
      fact, "facts[0]", v1::MISSING_ENTITY_POLICY_REJECT, &names, &arena_);
  ASSERT_FALSE(prepared.error.has_value()) << prepared.error->message();
  // The quote both mentions share, once, with the words the store indexes.
  ASSERT_EQ(prepared.cut_texts.size(), 1u);
  EXPECT_EQ(prepared.cut_texts[0].text, "Đà Nẵng đầu tư vào bán dẫn");
  EXPECT_EQ(prepared.cut_texts[0].word_hashes,
            storage::TextWordHashes("Đà Nẵng đầu tư vào bán dẫn"));
  EXPECT_FALSE(prepared.cut_texts[0].word_hashes.empty());
}

TEST_F(FactPreparerTest, QuantityWithoutTheUnitsThePredicateTakesIsInvalid) {
  // investment.cumulative_total takes money; people are not.
  PreparedFact prepared = Prepare(RawFact(
      "place:da-nang", "investment.cumulative_total", "53.000 người", "vi"));
  ASSERT_TRUE(prepared.error.has_value());
  EXPECT_EQ(prepared.error->code(), kInvalidArgument);
  EXPECT_EQ(OnlyViolation(prepared).field(), "facts[0].value");
  EXPECT_THAT(OnlyViolation(prepared).description(), HasSubstr("MONEY"));
  EXPECT_EQ(prepared.fact->id(), "");
}

TEST_F(FactPreparerTest, PhysicalUnitsMustFitThePredicate) {
  // energy.capacity takes power; hectares are area.
  PreparedFact prepared = Prepare(
      RawFact("place:da-nang", "energy.capacity", "300 hectares", "en"));
  EXPECT_EQ(OnlyViolation(prepared).field(), "facts[0].value");
  EXPECT_THAT(OnlyViolation(prepared).description(),
              HasSubstr("unit \"ha\" is an AREA unit, but a POWER unit is "
                        "expected"));
  // land.area takes ha and km2 only.
  prepared = Prepare(RawFact("place:da-nang", "land.area", "2,000 m²", "en"));
  EXPECT_THAT(OnlyViolation(prepared).description(),
              HasSubstr("unit \"m2\" is not among the allowed units"));

  // Typed units are UCUM codes, whose case matters.
  v1::Fact fact;
  fact.set_subject("place:da-nang");
  fact.set_predicate("energy.capacity");
  v1::Quantity* quantity = fact.mutable_value()->mutable_quantity();
  quantity->set_amount("2500");
  quantity->set_unit("MW");
  prepared = Prepare(fact);
  ASSERT_FALSE(prepared.error.has_value()) << prepared.error->message();
  EXPECT_EQ(prepared.fact->value().quantity().unit(), "MW");
  quantity->set_unit("mw");
  prepared = Prepare(fact);
  EXPECT_EQ(OnlyViolation(prepared).field(), "facts[0].value.quantity");
  EXPECT_THAT(OnlyViolation(prepared).description(),
              HasSubstr("did you mean \"MW\"?"));
  quantity->set_unit("t");
  prepared = Prepare(fact);
  EXPECT_EQ(OnlyViolation(prepared).field(), "facts[0].value.quantity.unit");
  EXPECT_EQ(OnlyViolation(prepared).description(),
            "unit \"t\" is not a power unit, which predicate "
            "\"energy.capacity\" takes");
}

struct DateCase {
  const char* language;
  const char* raw;
  const char* date;
  v1::DatePrecision precision;
  v1::DateModifier modifier;
};

class RawDateTest : public FactPreparerTest,
                    public ::testing::WithParamInterface<DateCase> {};

TEST_P(RawDateTest, GetsItsPrecision) {
  const DateCase& c = GetParam();
  PreparedFact prepared = Prepare(
      RawFact("event:vn-kr-forum-2024", "event.date", c.raw, c.language));
  ASSERT_FALSE(prepared.error.has_value()) << prepared.error->message();
  const v1::Value& value = prepared.fact->value();
  ASSERT_EQ(value.kind_case(), v1::Value::kTime) << value.ShortDebugString();
  EXPECT_EQ(value.time().date(), c.date);
  EXPECT_EQ(value.time().precision(), c.precision)
      << v1::DatePrecision_Name(value.time().precision());
  EXPECT_EQ(value.time().modifier(), c.modifier)
      << v1::DateModifier_Name(value.time().modifier());
  EXPECT_EQ(value.time().surface_text(), c.raw);
  EXPECT_EQ(value.time().raw(), "");
}

INSTANTIATE_TEST_SUITE_P(
    Languages, RawDateTest,
    ::testing::Values(DateCase{"ko", "2024년 8월 2일", "2024-08-02",
                               v1::DATE_PRECISION_DAY, v1::DATE_MODIFIER_EXACT},
                      DateCase{"vi", "ngày 2 tháng 8 năm 2024", "2024-08-02",
                               v1::DATE_PRECISION_DAY, v1::DATE_MODIFIER_EXACT},
                      DateCase{"en", "Aug. 2024", "2024-08",
                               v1::DATE_PRECISION_MONTH,
                               v1::DATE_MODIFIER_EXACT},
                      DateCase{"en", "by 2028", "2028", v1::DATE_PRECISION_YEAR,
                               v1::DATE_MODIFIER_BY}));

TEST_F(FactPreparerTest, TypedDateGetsThePrecisionOfItsShape) {
  v1::Fact fact;
  fact.set_subject("event:vn-kr-forum-2024");
  fact.set_predicate("event.date");
  fact.mutable_value()->mutable_time()->set_date("2024-08");
  PreparedFact prepared = Prepare(fact);
  ASSERT_FALSE(prepared.error.has_value()) << prepared.error->message();
  EXPECT_EQ(prepared.fact->value().time().date(), "2024-08");
  EXPECT_EQ(prepared.fact->value().time().precision(),
            v1::DATE_PRECISION_MONTH);
  EXPECT_EQ(prepared.fact->value().time().modifier(), v1::DATE_MODIFIER_EXACT);
}

TEST_F(FactPreparerTest, RawValidTimeIsNormalized) {
  v1::Fact fact = RawFact("place:da-nang", "workforce.size", "53,000 people");
  fact.mutable_valid_time()->set_raw("in 2022");
  PreparedFact prepared = Prepare(fact);
  ASSERT_FALSE(prepared.error.has_value()) << prepared.error->message();
  const v1::ValidTime& valid = prepared.fact->valid_time();
  EXPECT_EQ(valid.at().date(), "2022");
  EXPECT_EQ(valid.at().precision(), v1::DATE_PRECISION_YEAR);
  EXPECT_EQ(valid.raw(), "");
}

// Valid times read from text are remembered per thread; the same text must
// still be read against each fact's own language and publication date.
TEST_F(FactPreparerTest, RawValidTimeIsReadAgainstEachFactsContext) {
  auto prepare = [this](const std::string& raw, const std::string& language,
                        const std::string& published) {
    v1::Fact fact =
        RawFact("place:da-nang", "workforce.size", "53,000 people", language);
    fact.mutable_valid_time()->set_raw(raw);
    if (!published.empty()) {
      v1::Mention* mention = fact.add_mentions();
      mention->set_document_id("doc:vnexpress-1");
      mention->set_publication_date(published);
    }
    return Prepare(fact);
  };
  // The date a fact's valid time was read as; "" if it was refused.
  auto date = [&prepare](const std::string& raw, const std::string& language,
                         const std::string& published) {
    PreparedFact prepared = prepare(raw, language, published);
    return prepared.error.has_value() ? std::string()
                                      : prepared.fact->valid_time().at().date();
  };
  for (int round = 0; round < 2; ++round) {
    SCOPED_TRACE(round == 0 ? "read" : "remembered");
    EXPECT_EQ(date("last year", "en", "2024-08-02"), "2023");
    EXPECT_EQ(date("last year", "en", "2020-01-15"), "2019");
    // Without a publication date a relative date cannot be read.
    EXPECT_EQ(OnlyViolation(prepare("last year", "en", "")).field(),
              "facts[0].valid_time.raw");
    // English writes the month first, Vietnamese the day.
    EXPECT_EQ(date("3/5/2024", "en", ""), "2024-03-05");
    EXPECT_EQ(date("3/5/2024", "vi", ""), "2024-05-03");
  }
}

TEST_F(FactPreparerTest, EntitiesNamedByNameResolveToTheirIds) {
  v1::Fact fact;
  fact.set_subject_name("fpt");  // an alias, in another case
  fact.set_predicate("organization.headquarters");
  fact.mutable_value()->set_entity_name("DA NANG");  // without diacritics
  NameCache names;
  PreparedFact prepared = preparer_->Prepare(
      fact, "facts[0]", v1::MISSING_ENTITY_POLICY_REJECT, &names, &arena_);
  ASSERT_FALSE(prepared.error.has_value()) << prepared.error->message();
  EXPECT_EQ(prepared.fact->subject(), "org:fpt");
  EXPECT_EQ(prepared.fact->subject_name(), "");
  EXPECT_EQ(prepared.fact->value().entity_id(), "place:da-nang");
  // The committer checks that both still exist, with these types.
  ASSERT_EQ(prepared.references.size(), 2u);
  EXPECT_EQ(prepared.references[0].id, "org:fpt");
  EXPECT_EQ(prepared.references[0].field, "facts[0].subject_name");
  EXPECT_THAT(prepared.references[0].allowed_types,
              ElementsAre(v1::ENTITY_TYPE_ORGANIZATION));
  EXPECT_EQ(prepared.references[1].id, "place:da-nang");
  EXPECT_EQ(prepared.references[1].field, "facts[0].value.entity_name");
  EXPECT_THAT(prepared.references[1].allowed_types,
              ElementsAre(v1::ENTITY_TYPE_PLACE));
  EXPECT_THAT(prepared.creates, IsEmpty());
  // The request remembers what each name resolved to.
  EXPECT_THAT(names, UnorderedElementsAre(Pair("fpt", "org:fpt"),
                                          Pair("danang", "place:da-nang")));

  // Raw text names the object of an entity predicate too.
  fact.mutable_value()->set_raw("다낭");
  prepared = Prepare(fact);
  ASSERT_FALSE(prepared.error.has_value()) << prepared.error->message();
  EXPECT_EQ(prepared.fact->value().entity_id(), "place:da-nang");
}

TEST_F(FactPreparerTest, EntityGivenByIdIsLeftToTheCommitterToFind) {
  // Whether it exists depends on the store at commit time.
  PreparedFact prepared = Prepare(
      RawFact("org:not-yet-upserted", "organization.headquarters", "Đà Nẵng"),
      v1::MISSING_ENTITY_POLICY_CREATE);
  ASSERT_FALSE(prepared.error.has_value()) << prepared.error->message();
  EXPECT_EQ(prepared.fact->subject(), "org:not-yet-upserted");
  ASSERT_FALSE(prepared.references.empty());
  EXPECT_EQ(prepared.references[0].id, "org:not-yet-upserted");
  EXPECT_EQ(prepared.references[0].field, "facts[0].subject");
  EXPECT_THAT(prepared.creates, IsEmpty());
}

TEST_F(FactPreparerTest, UnregisteredPredicateIsNotFoundAtItsField) {
  PreparedFact prepared =
      Prepare(RawFact("place:da-nang", "market.size", "$5 billion"));
  ASSERT_TRUE(prepared.error.has_value());
  EXPECT_EQ(prepared.error->code(), kNotFound);
  EXPECT_EQ(OnlyViolation(prepared).field(), "facts[0].predicate");
  EXPECT_THAT(OnlyViolation(prepared).description(),
              HasSubstr("predicate \"market.size\" is not registered"));
  EXPECT_EQ(prepared.predicate, nullptr);
  EXPECT_EQ(prepared.fact->id(), "");
}

TEST_F(FactPreparerTest, ValueOfTheWrongKindIsInvalidAtTheValueField) {
  v1::Fact fact;
  fact.set_subject("event:vn-kr-forum-2024");
  fact.set_predicate("event.date");
  fact.mutable_value()->set_boolean(true);
  NameCache names;
  // The path given is the one reported.
  PreparedFact prepared = preparer_->Prepare(
      fact, "facts[2]", v1::MISSING_ENTITY_POLICY_REJECT, &names, &arena_);
  ASSERT_TRUE(prepared.error.has_value());
  EXPECT_EQ(prepared.error->code(), kInvalidArgument);
  EXPECT_EQ(OnlyViolation(prepared).field(), "facts[2].value");
  EXPECT_EQ(OnlyViolation(prepared).description(),
            "predicate \"event.date\" takes a date, not boolean");
  EXPECT_EQ(prepared.fact->id(), "");

  fact.set_subject("org:fpt");
  fact.set_predicate("organization.headquarters");
  fact.mutable_value()->mutable_quantity()->set_amount("5");
  prepared = Prepare(fact);
  EXPECT_EQ(OnlyViolation(prepared).field(), "facts[0].value");
  EXPECT_EQ(OnlyViolation(prepared).description(),
            "predicate \"organization.headquarters\" takes an entity, not "
            "quantity");
}

class MissingEntityRejectedTest
    : public FactPreparerTest,
      public ::testing::WithParamInterface<v1::MissingEntityPolicy> {};

TEST_P(MissingEntityRejectedTest, UnknownNameIsNotFoundAtItsField) {
  v1::Fact fact;
  fact.set_subject_name("Unknown Co");
  fact.set_predicate("organization.headquarters");
  fact.mutable_value()->set_entity_id("place:da-nang");
  PreparedFact prepared = Prepare(fact, GetParam());
  ASSERT_TRUE(prepared.error.has_value());
  EXPECT_EQ(prepared.error->code(), kNotFound);
  EXPECT_EQ(OnlyViolation(prepared).field(), "facts[0].subject_name");
  EXPECT_THAT(OnlyViolation(prepared).description(),
              HasSubstr("no entity is named \"Unknown Co\""));
  EXPECT_THAT(OnlyViolation(prepared).description(),
              HasSubstr("MISSING_ENTITY_POLICY_CREATE"));
  EXPECT_THAT(prepared.creates, IsEmpty());
  EXPECT_EQ(prepared.fact->id(), "");
}

TEST_P(MissingEntityRejectedTest, NameOfAnEntityOfAnotherTypeIsNotFound) {
  v1::Fact fact;
  fact.set_subject("org:fpt");
  fact.set_predicate("organization.headquarters");
  fact.mutable_value()->set_entity_name("FPT");  // not a PLACE
  PreparedFact prepared = Prepare(fact, GetParam());
  ASSERT_TRUE(prepared.error.has_value());
  EXPECT_EQ(prepared.error->code(), kNotFound);
  EXPECT_EQ(OnlyViolation(prepared).field(), "facts[0].value.entity_name");
  EXPECT_THAT(OnlyViolation(prepared).description(),
              HasSubstr("no entity is named \"FPT\" of type PLACE (org:fpt is "
                        "a ORGANIZATION)"));
}

INSTANTIATE_TEST_SUITE_P(
    Policies, MissingEntityRejectedTest,
    ::testing::Values(v1::MISSING_ENTITY_POLICY_UNSPECIFIED,
                      v1::MISSING_ENTITY_POLICY_REJECT),
    [](const auto& info) { return v1::MissingEntityPolicy_Name(info.param); });

TEST_F(FactPreparerTest, UnknownNameIsCreatedOnceUnderCreate) {
  v1::Fact fact;
  fact.set_subject_name("Unknown Co");
  fact.set_predicate("organization.headquarters");
  fact.mutable_value()->set_entity_id("place:da-nang");
  v1::Mention* mention = fact.add_mentions();
  mention->set_document_id("doc:new-article");
  mention->set_title("A new article");
  NameCache names;
  PreparedFact first = preparer_->Prepare(
      fact, "facts[0]", v1::MISSING_ENTITY_POLICY_CREATE, &names, &arena_);
  ASSERT_FALSE(first.error.has_value()) << first.error->message();
  // The subject's type is the one the predicate allows.
  EXPECT_EQ(first.fact->subject(), "org:unknown-co");
  ASSERT_EQ(first.creates.size(), 2u);
  EXPECT_EQ(first.creates[0].id, "org:unknown-co");
  EXPECT_EQ(first.creates[0].type, v1::ENTITY_TYPE_ORGANIZATION);
  EXPECT_EQ(first.creates[0].name, "Unknown Co");
  EXPECT_EQ(first.creates[0].field, "facts[0].subject_name");
  // A mention's missing document is created from its title.
  EXPECT_EQ(first.creates[1].id, "doc:new-article");
  EXPECT_EQ(first.creates[1].type, v1::ENTITY_TYPE_DOCUMENT);
  EXPECT_EQ(first.creates[1].name, "A new article");
  EXPECT_EQ(first.creates[1].field, "facts[0].mentions[0].document_id");

  // Another fact of the same request naming it refers to the same new
  // entity without creating it again.
  fact.set_subject_name("UNKNOWN CO");
  fact.clear_mentions();
  PreparedFact second = preparer_->Prepare(
      fact, "facts[1]", v1::MISSING_ENTITY_POLICY_CREATE, &names, &arena_);
  ASSERT_FALSE(second.error.has_value()) << second.error->message();
  EXPECT_EQ(second.fact->subject(), "org:unknown-co");
  EXPECT_THAT(second.creates, IsEmpty());
  ASSERT_FALSE(second.references.empty());
  EXPECT_EQ(second.references[0].id, "org:unknown-co");
  EXPECT_EQ(second.references[0].field, "facts[1].subject_name");
}

TEST_F(FactPreparerTest, FactIdDependsOnlyOnTheNormalizedClaim) {
  v1::Fact english = RawFact("place:da-nang", "investment.cumulative_total",
                             "US$85.9 billion", "en");
  english.mutable_valid_time()->set_raw("in 2023");
  PreparedFact prepared = Prepare(english);
  ASSERT_FALSE(prepared.error.has_value()) << prepared.error->message();
  const std::string id = prepared.fact->id();
  EXPECT_TRUE(storage::IsDerivedFactId(id)) << id;
  // The same input gives the same id.
  EXPECT_EQ(Prepare(english).fact->id(), id);

  // So does the same claim in other words, with another mention and
  // modality: its subject by name, its amount and date in Vietnamese.
  v1::Fact vietnamese;
  vietnamese.set_subject_name("Đà Nẵng");
  vietnamese.set_predicate("investment.cumulative_total");
  vietnamese.mutable_value()->set_raw("85,9 tỷ USD");
  vietnamese.mutable_valid_time()->set_raw("năm 2023");
  vietnamese.set_modality(v1::MODALITY_FORECAST);
  v1::Mention* mention = vietnamese.add_mentions();
  mention->set_document_id("doc:vnexpress-1");
  mention->set_language("vi");
  PreparedFact same = Prepare(vietnamese);
  ASSERT_FALSE(same.error.has_value()) << same.error->message();
  EXPECT_EQ(same.fact->id(), id);

  // Another amount or another time is another claim.
  v1::Fact other_amount = english;
  other_amount.mutable_value()->set_raw("US$86 billion");
  EXPECT_NE(Prepare(other_amount).fact->id(), id);
  v1::Fact other_time = english;
  other_time.mutable_valid_time()->set_raw("in 2024");
  EXPECT_NE(Prepare(other_time).fact->id(), id);
}

}  // namespace
}  // namespace factstore::ingest
