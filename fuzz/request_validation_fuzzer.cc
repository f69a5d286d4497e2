// Fuzz target for the ingest service's checks of facts, before anything
// reaches the committer: the bytes are parsed as a
// factstore.v1.IngestFactsRequest (as gRPC would parse them) and every fact
// goes through ingest::ValidateFactShape and ingest::FactPreparer::Prepare,
// with a predicate registry holding predicates of every value type and a
// name resolver over a small real store in a temporary directory.
//
// Invariants checked, per fact i:
//   - every violation names a field under "facts[i]" ("facts[i]" itself or
//     "facts[i]." followed by the path), and every field and description is
//     valid UTF-8 (responses carry them in proto3 strings);
//   - a rejected fact has INVALID_ARGUMENT or NOT_FOUND and at least one
//     violation; ValidateFactShape's problems reject it in Prepare too;
//   - an accepted fact is normalized: a content id "f_" + 32 hex digits, a
//     subject id, a value of the predicate's type that the store can index
//     (storage::FactIndexEntries accepts the record the committer would
//     write), canonical quantities, dates that fit their precision with
//     the interval TimeValueDays gives, a valid time with a sound interval,
//     qualifiers without raw or entity_name values, entities to create that
//     are themselves valid entities; it serializes to a message that parses
//     back; and preparing it again gives the same fact id.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "common/decimal.h"
#include "common/iso_date.h"
#include "common/limits.h"
#include "factstore/v1/ingest_service.pb.h"
#include "factstore/v1/types.pb.h"
#include "fuzz/fuzz_check.h"
#include "google/protobuf/arena.h"
#include "google/protobuf/stubs/logging.h"
#include "google/protobuf/text_format.h"
#include "ingest_service/entity_ops.h"
#include "ingest_service/fact_preparer.h"
#include "ingest_service/name_resolver.h"
#include "ingest_service/predicate_registry.h"
#include "ingest_service/request_validator.h"
#include "normalizer/units.h"
#include "protos/api_dates.h"
#include "storage/commit_batch.h"
#include "storage/store.h"
#include "tests/support/temp_dir.h"

namespace factstore::fuzz {
namespace {

// The registry: a few predicates of every value type, as text protos.
constexpr const char* kPredicates[] = {
    R"pb(name: "q.money"
         value_type: VALUE_TYPE_QUANTITY
         unit_dimension: UNIT_DIMENSION_MONEY
         subject_types: ENTITY_TYPE_PLACE
         cardinality: CARDINALITY_ONE)pb",
    R"pb(name: "q.people"
         value_type: VALUE_TYPE_QUANTITY
         unit_dimension: UNIT_DIMENSION_COUNT
         allowed_units: "person")pb",
    R"pb(name: "q.count"
         value_type: VALUE_TYPE_QUANTITY
         unit_dimension: UNIT_DIMENSION_COUNT)pb",
    R"pb(name: "q.ratio"
         value_type: VALUE_TYPE_QUANTITY
         unit_dimension: UNIT_DIMENSION_RATIO)pb",
    R"pb(name: "q.duration"
         value_type: VALUE_TYPE_QUANTITY
         unit_dimension: UNIT_DIMENSION_DURATION)pb",
    R"pb(name: "q.any" value_type: VALUE_TYPE_QUANTITY)pb",
    R"pb(name: "e.place"
         value_type: VALUE_TYPE_ENTITY
         object_types: ENTITY_TYPE_PLACE)pb",
    R"pb(name: "e.agent"
         value_type: VALUE_TYPE_ENTITY
         object_types: ENTITY_TYPE_PERSON
         object_types: ENTITY_TYPE_ORGANIZATION
         subject_types: ENTITY_TYPE_EVENT)pb",
    R"pb(name: "e.any" value_type: VALUE_TYPE_ENTITY)pb",
    R"pb(name: "t.note" value_type: VALUE_TYPE_TEXT)pb",
    R"pb(name: "d.date" value_type: VALUE_TYPE_TIME)pb",
    R"pb(name: "b.flag" value_type: VALUE_TYPE_BOOLEAN)pb",
};

// Entities the names in the corpus resolve to; "Mercury" is ambiguous.
constexpr const char* kEntities[] =
    {
        R"pb(id: "place:da-nang"
             type: ENTITY_TYPE_PLACE
             name: "Đà Nẵng"
             aliases: "Da Nang"
             aliases: "Danang")pb",
        R"pb(id: "place:seoul"
             type: ENTITY_TYPE_PLACE
             name: "Seoul"
             aliases: "서울")pb",
        R"pb(id: "org:fpt" type: ENTITY_TYPE_ORGANIZATION name: "FPT")pb",
        R"pb(id: "person:nguyen-van-khoa"
             type: ENTITY_TYPE_PERSON
             name: "Nguyễn Văn Khoa")pb",
        R"pb(id: "event:forum"
             type: ENTITY_TYPE_EVENT
             name: "Vietnam - Korea Digital Forum")pb",
        R"pb(id: "doc:report" type: ENTITY_TYPE_DOCUMENT name: "ICT report")pb",
        R"pb(id: "place:mercury" type: ENTITY_TYPE_PLACE name: "Mercury")pb",
        R"pb(id: "product:mercury" type: ENTITY_TYPE_PRODUCT name: "Mercury")pb",
};

template <typename Message>
Message ParseText(const char* text) {
  Message message;
  if (!google::protobuf::TextFormat::ParseFromString(text, &message)) {
    std::fprintf(stderr, "bad text proto: %s\n", text);
    std::abort();
  }
  return message;
}

void Die(absl::string_view what, const absl::Status& status) {
  std::fprintf(stderr, "request_validation_fuzzer: %s: %s\n",
               std::string(what).c_str(), status.ToString().c_str());
  std::abort();
}

// The store, the registry and the preparer, made once per process. Members
// are destroyed in reverse order: the store closes before its directory goes.
struct Fixture {
  Fixture() {
    storage::StoreOptions options;
    options.block_cache_bytes = 1 << 20;
    options.write_buffer_bytes = 1 << 20;
    options.background_jobs = 1;
    options.collect_statistics = false;
    auto opened = storage::Store::OpenPrimary(dir.path() + "/db", options);
    if (!opened.ok()) Die("open the store", opened.status());
    store = *std::move(opened);

    storage::CommitBatch batch(*store);
    storage::StoreHead head;
    head.set_last_commit(1);
    for (const char* text : kPredicates) {
      storage::PredicateRecord record;
      storage::PredicateRevision* revision = record.add_revisions();
      revision->set_commit(1);
      *revision->mutable_predicate() = ParseText<v1::Predicate>(text);
      revision->mutable_predicate()->set_cardinality(
          revision->predicate().cardinality() == v1::CARDINALITY_UNSPECIFIED
              ? v1::CARDINALITY_MANY
              : revision->predicate().cardinality());
      batch.PutPredicate(revision->predicate().name(), record);
      head.set_predicate_count(head.predicate_count() + 1);
    }
    for (const char* text : kEntities) {
      storage::EntityRecord record;
      *record.add_revisions() =
          ingest::MakeEntityRevision(ParseText<v1::Entity>(text), 1);
      batch.PutEntity(record);
      head.set_entity_count(head.entity_count() + 1);
    }
    storage::CommitRecord log;
    log.set_commit(1);
    batch.PutCommitRecord(log);
    batch.PutHead(head);
    if (absl::Status s = store->Write(batch, false); !s.ok()) {
      Die("write the fixture", s);
    }
    auto loaded = ingest::PredicateRegistry::Load(*store);
    if (!loaded.ok()) Die("load the registry", loaded.status());
    registry = *std::move(loaded);
    // Update() as the committer does after a registration: a predicate
    // added after start-up.
    registry->Update(ParseText<v1::Predicate>(
        R"pb(name: "b.late"
             value_type: VALUE_TYPE_BOOLEAN
             cardinality: CARDINALITY_MANY)pb"));
    resolver = std::make_unique<ingest::NameResolver>(store.get());
    preparer =
        std::make_unique<ingest::FactPreparer>(registry.get(), resolver.get());
  }

  testing::TempDir dir;
  std::unique_ptr<storage::Store> store;
  std::unique_ptr<ingest::PredicateRegistry> registry;
  std::unique_ptr<ingest::NameResolver> resolver;
  std::unique_ptr<ingest::FactPreparer> preparer;
};

// "facts[3]" itself or a field under it.
bool UnderPath(absl::string_view field, absl::string_view path) {
  if (!absl::StartsWith(field, path)) return false;
  return field.size() == path.size() || field[path.size()] == '.';
}

void CheckViolations(const std::vector<v1::FieldViolation>& violations,
                     absl::string_view path, absl::string_view what) {
  for (const v1::FieldViolation& v : violations) {
    FUZZ_CHECK(absl::StartsWith(v.field(), "facts["))
        << what << ": field " << Show(v.field()) << " outside facts[";
    FUZZ_CHECK(UnderPath(v.field(), path))
        << what << ": field " << Show(v.field()) << " is not under " << path;
    FUZZ_CHECK(IsStrictUtf8(v.field()) && IsStrictUtf8(v.description()))
        << what << ": not UTF-8: " << Show(v.field()) << " "
        << Show(v.description());
    FUZZ_CHECK(!v.description().empty())
        << what << ": no description for " << v.field();
  }
}

bool IsFactId(absl::string_view id) {
  if (id.size() != 34 || !absl::StartsWith(id, "f_")) return false;
  for (char c : id.substr(2)) {
    if (!absl::ascii_isxdigit(c) || absl::ascii_isupper(c)) return false;
  }
  return true;
}

bool ValueKindFits(v1::ValueType type, v1::Value::KindCase kind) {
  switch (type) {
    case v1::VALUE_TYPE_ENTITY:
      return kind == v1::Value::kEntityId;
    case v1::VALUE_TYPE_QUANTITY:
      return kind == v1::Value::kQuantity;
    case v1::VALUE_TYPE_TEXT:
      return kind == v1::Value::kText;
    case v1::VALUE_TYPE_TIME:
      return kind == v1::Value::kTime;
    case v1::VALUE_TYPE_BOOLEAN:
      return kind == v1::Value::kBoolean;
    default:
      return false;
  }
}

void CheckNormalizedValue(const v1::Value& value, absl::string_view what) {
  FUZZ_CHECK(value.kind_case() != v1::Value::kRaw &&
             value.kind_case() != v1::Value::kEntityName &&
             value.kind_case() != v1::Value::KIND_NOT_SET)
      << what << " is not normalized: " << value.ShortDebugString();
  if (value.kind_case() == v1::Value::kQuantity) {
    const v1::Quantity& q = value.quantity();
    FUZZ_CHECK(IsCanonicalDecimal(q.amount()) &&
               normalizer::IsKnownUnit(q.unit()))
        << what << ": " << q.ShortDebugString();
  }
  if (value.kind_case() == v1::Value::kTime) {
    // The date fits its precision (a QUARTER's "2024-07" is its first month)
    // and the interval is the days it covers.
    const v1::TimeValue& time = value.time();
    absl::StatusOr<DayRange> days = TimeValueDays(time);
    FUZZ_CHECK(days.ok() &&
               time.precision() != v1::DATE_PRECISION_UNSPECIFIED &&
               time.raw().empty())
        << what << ": " << time.ShortDebugString() << ": "
        << days.status().ToString();
    FUZZ_CHECK(
        time.interval_start() ==
            FormatIsoDate(DayFromNumber(days->first), DatePrecision::kDay) &&
        time.interval_end() ==
            FormatIsoDate(DayFromNumber(days->end), DatePrecision::kDay))
        << what << ": " << time.ShortDebugString();
  }
  if (value.kind_case() == v1::Value::kEntityId) {
    ingest::Violations v;
    ingest::CheckId(value.entity_id(), "entity_id", kMaxIdBytes, true, &v);
    FUZZ_CHECK(v.empty()) << what << ": entity id: " << v.Summary();
  }
}

void CheckAccepted(const Fixture& fx, const v1::Fact& input,
                   const ingest::PreparedFact& prepared,
                   absl::string_view path) {
  const v1::Fact& fact = *prepared.fact;
  const std::string what =
      absl::StrCat(path, " (", fact.ShortDebugString(), ")");
  FUZZ_CHECK(prepared.predicate != nullptr) << what << ": no predicate";
  FUZZ_CHECK(IsFactId(fact.id())) << what << ": fact id " << Show(fact.id());
  {
    ingest::Violations v;
    ingest::CheckId(fact.subject(), "subject", kMaxIdBytes, true, &v);
    FUZZ_CHECK(v.empty()) << what << ": subject: " << v.Summary();
  }
  FUZZ_CHECK(fact.predicate() == input.predicate()) << what;
  FUZZ_CHECK(
      ValueKindFits(prepared.predicate->value_type(), fact.value().kind_case()))
      << what << ": a value of kind " << fact.value().kind_case()
      << " for a predicate of type " << prepared.predicate->value_type();
  CheckNormalizedValue(fact.value(), absl::StrCat(what, ": value"));
  for (const auto& [name, value] : fact.qualifiers()) {
    CheckNormalizedValue(value, absl::StrCat(what, ": qualifier ", Show(name)));
  }
  auto range = ValidTimeRange(fact.valid_time());
  FUZZ_CHECK(range.ok()) << what << ": valid time "
                         << range.status().ToString();
  if (range->has_value()) {
    FUZZ_CHECK((*range)->first < (*range)->end)
        << what << ": empty valid-time interval";
  }
  FUZZ_CHECK(fact.mentions_size() == input.mentions_size()) << what;

  // What the committer would create and store.
  for (const ingest::EntityToCreate& create : prepared.creates) {
    v1::Entity entity;
    entity.set_id(create.id);
    entity.set_type(create.type);
    entity.set_name(create.name);
    ingest::Violations v;
    ingest::ValidateEntity(entity, "entity", &v);
    FUZZ_CHECK(v.empty()) << what << ": would create an invalid entity "
                          << entity.ShortDebugString() << ": " << v.Summary();
    FUZZ_CHECK(UnderPath(create.field, path)) << what << ": " << create.field;
  }
  for (const ingest::EntityReference& ref : prepared.references) {
    FUZZ_CHECK(!ref.id.empty() && UnderPath(ref.field, path))
        << what << ": reference " << Show(ref.id) << " from "
        << Show(ref.field);
  }
  storage::FactRecord record;
  *record.mutable_content() = fact;
  record.mutable_content()->clear_mentions();
  record.add_revisions()->set_commit(2);
  for (const v1::Mention& m : fact.mentions()) {
    *record.add_mentions()->mutable_mention() = m;
  }
  std::vector<storage::IndexEntry> entries;
  absl::Status indexed = storage::FactIndexEntries(record, &entries);
  FUZZ_CHECK(indexed.ok()) << what << ": the store cannot index it: "
                           << indexed.ToString();

  v1::Fact parsed;
  FUZZ_CHECK(parsed.ParseFromString(fact.SerializeAsString()))
      << what << ": does not parse back (invalid UTF-8 in a string?)";

  // Normalizing a normalized fact changes nothing that identifies it.
  ingest::NameCache names;
  google::protobuf::Arena arena;
  ingest::PreparedFact again = fx.preparer->Prepare(
      fact, path, v1::MISSING_ENTITY_POLICY_REJECT, &names, &arena);
  FUZZ_CHECK(!again.error.has_value())
      << what
      << ": the prepared fact is refused: " << again.error->ShortDebugString();
  FUZZ_CHECK(again.fact->id() == fact.id())
      << what << ": preparing it again gives "
      << again.fact->ShortDebugString();
}

}  // namespace
}  // namespace factstore::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace factstore;
  using namespace factstore::fuzz;
  static Fixture* fx = [] {
    // Inputs with invalid UTF-8 in string fields do not parse, as on the
    // server; protobuf would log every one of them.
    google::protobuf::SetLogHandler(nullptr);
    static Fixture fixture;
    return &fixture;
  }();
  v1::IngestFactsRequest request;
  if (!request.ParseFromArray(data, static_cast<int>(size))) return 0;
  // The service refuses these requests as a whole before preparing facts.
  if (request.facts_size() > kMaxFactsPerRequest ||
      !v1::MissingEntityPolicy_IsValid(request.missing_entities())) {
    return 0;
  }
  ingest::NameCache names;
  google::protobuf::Arena arena;
  for (int i = 0; i < request.facts_size(); ++i) {
    const v1::Fact& fact = request.facts(i);
    const std::string path = absl::StrCat("facts[", i, "]");

    ingest::Violations shape;
    ingest::ValidateFactShape(fact, path, &shape);
    CheckViolations(shape.list(), path, "ValidateFactShape");

    ingest::PreparedFact prepared = fx->preparer->Prepare(
        fact, path, request.missing_entities(), &names, &arena);
    if (prepared.error.has_value()) {
      const v1::ItemError& error = *prepared.error;
      FUZZ_CHECK(error.code() ==
                     static_cast<int>(absl::StatusCode::kInvalidArgument) ||
                 error.code() == static_cast<int>(absl::StatusCode::kNotFound))
          << path << ": code " << error.code();
      FUZZ_CHECK(error.violations_size() > 0) << path << ": no violations";
      FUZZ_CHECK(IsStrictUtf8(error.message()))
          << path << ": message " << Show(error.message());
      std::vector<v1::FieldViolation> list(error.violations().begin(),
                                           error.violations().end());
      CheckViolations(list, path, "Prepare");
      continue;
    }
    FUZZ_CHECK(shape.empty())
        << path << ": accepted despite " << shape.Summary();
    CheckAccepted(*fx, fact, prepared, path);
  }
  return 0;
}
