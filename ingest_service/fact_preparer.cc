#include "ingest_service/fact_preparer.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "common/enum_names.h"
#include "common/limits.h"
#include "ingest_service/fact_identity.h"
#include "ingest_service/request_validator.h"
#include "normalizer/date_normalizer.h"
#include "normalizer/name_folding.h"
#include "normalizer/quantity_normalizer.h"
#include "normalizer/units.h"
#include "normalizer/value_parsers.h"
#include "storage/source_weighing.h"

namespace factstore::ingest {
namespace {

const char* ValueTypeName(v1::ValueType type) {
  switch (type) {
    case v1::VALUE_TYPE_ENTITY:
      return "an entity";
    case v1::VALUE_TYPE_QUANTITY:
      return "a quantity";
    case v1::VALUE_TYPE_TEXT:
      return "text";
    case v1::VALUE_TYPE_TIME:
      return "a date";
    case v1::VALUE_TYPE_BOOLEAN:
      return "a boolean";
    default:
      return "an unknown type";
  }
}

const char* KindName(v1::Value::KindCase kind) {
  switch (kind) {
    case v1::Value::kEntityId:
      return "entity_id";
    case v1::Value::kQuantity:
      return "quantity";
    case v1::Value::kText:
      return "text";
    case v1::Value::kTime:
      return "time";
    case v1::Value::kBoolean:
      return "boolean";
    case v1::Value::kEntityName:
      return "entity_name";
    case v1::Value::kRaw:
      return "raw";
    default:
      return "nothing";
  }
}

std::string TypeList(const EntityTypes& types) {
  std::vector<std::string> names;
  for (v1::EntityType t : types) names.push_back(ShortEnumName(t));
  return absl::StrJoin(names, " or ");
}

// Collects a fact's problems and the code that best describes them: NOT_FOUND
// when every problem is a reference to something that does not exist,
// INVALID_ARGUMENT otherwise.
class Problems {
 public:
  void Invalid(const FieldPath& field, absl::string_view description) {
    violations_.Add(field, description);
  }
  void Missing(const FieldPath& field, absl::string_view description) {
    violations_.Add(field, description);
    ++missing_;
  }
  void AddCandidates(const std::vector<NamedEntity>& candidates) {
    for (const NamedEntity& c : candidates) candidates_.push_back(c.id);
  }
  // For the validators, which report invalid input only.
  Violations* violations() { return &violations_; }
  bool empty() const { return violations_.empty(); }
  v1::ItemError ToItemError() const {
    bool all_missing = missing_ == violations_.list().size();
    v1::ItemError error = violations_.ToItemError(
        all_missing ? absl::StatusCode::kNotFound
                    : absl::StatusCode::kInvalidArgument);
    for (const std::string& c : candidates_) error.add_candidates(c);
    return error;
  }

 private:
  Violations violations_;
  std::vector<std::string> candidates_;
  size_t missing_ = 0;
};

// Reports a unit that the predicate does not accept; empty if it is fine.
std::string UnitProblem(const std::string& unit,
                        const v1::Predicate& predicate) {
  if (!normalizer::IsKnownUnit(unit)) {
    return absl::StrCat("unknown unit \"", absl::CHexEscape(unit),
                        "\" (see docs/units.md)");
  }
  if (predicate.allowed_units_size() > 0) {
    if (std::find(predicate.allowed_units().begin(),
                  predicate.allowed_units().end(),
                  unit) == predicate.allowed_units().end()) {
      return absl::StrCat("unit \"", unit, "\" is not allowed for predicate \"",
                          predicate.name(), "\" (allowed: ",
                          absl::StrJoin(predicate.allowed_units(), ", "), ")");
    }
  } else if (predicate.unit_dimension() != v1::UNIT_DIMENSION_UNSPECIFIED &&
             normalizer::DimensionOfUnit(unit) != predicate.unit_dimension()) {
    // "a money unit", "an energy unit", "a data rate unit".
    std::string dimension = absl::StrReplaceAll(
        absl::AsciiStrToLower(ShortEnumName(predicate.unit_dimension())),
        {{"_", " "}});
    bool vowel = absl::StrContains("aeiou", dimension.substr(0, 1));
    return absl::StrCat("unit \"", unit, "\" is not ", vowel ? "an " : "a ",
                        dimension, " unit, which predicate \"",
                        predicate.name(), "\" takes");
  }
  return "";
}

normalizer::UnitHint HintFor(const v1::Predicate& predicate) {
  normalizer::UnitHint hint;
  hint.dimension = predicate.unit_dimension();
  hint.allowed_units.assign(predicate.allowed_units().begin(),
                            predicate.allowed_units().end());
  return hint;
}

// State of preparing one fact.
struct Context {
  const v1::Fact& input;
  std::string path;
  std::string language;
  v1::MissingEntityPolicy policy;
  NameCache* names;
  const NameResolver* resolver;
  PreparedFact* out;
  Problems problems;
  // What raw dates such as "yesterday" are read against; set by Dates() on
  // first use.
  std::optional<normalizer::DateContext> dates;
  // What the first mention's document says of itself; read by
  // FirstDocument() at most once.
  std::optional<v1::DocumentMetadata> first_document;
};

// The stored description of the first mention's document (empty without a
// mention or a resolver), read from the store once per fact.
const v1::DocumentMetadata& FirstDocument(Context& ctx) {
  if (!ctx.first_document.has_value()) {
    ctx.first_document =
        ctx.input.mentions_size() > 0 && ctx.resolver != nullptr
            ? ctx.resolver->StoredDocument(ctx.input.mentions(0).document_id())
            : v1::DocumentMetadata();
  }
  return *ctx.first_document;
}

// What ctx's raw dates are read against: the first mention's publication
// date, or else its stored document's. Looked up only for facts with a raw
// date, so that others cost no read.
const normalizer::DateContext& Dates(Context& ctx) {
  if (!ctx.dates.has_value()) {
    ctx.dates.emplace();
    if (ctx.input.mentions_size() > 0) {
      ctx.dates->publication_date = ctx.input.mentions(0).publication_date();
      if (ctx.dates->publication_date.empty()) {
        ctx.dates->publication_date = FirstDocument(ctx).publication_date();
      }
    }
  }
  return *ctx.dates;
}

// Resolves an entity given by id (at `id_field`) or by name (at
// `name_field`); returns the id, or "" after reporting a problem.
std::string ResolveEntity(Context& ctx, const std::string& id,
                          const std::string& name, const FieldPath& id_field,
                          const FieldPath& name_field,
                          const EntityTypes& allowed_types) {
  if (!id.empty()) {
    ctx.out->references.push_back({id, id_field.ToString(), allowed_types});
    return id;
  }
  std::string folded = normalizer::FoldName(name);
  if (folded.empty()) {
    ctx.problems.Invalid(name_field, absl::StrCat("\"", absl::CHexEscape(name),
                                                  "\" is not a usable name"));
    return "";
  }
  if (auto cached = ctx.names->find(folded); cached != ctx.names->end()) {
    ctx.out->references.push_back(
        {cached->second, name_field.ToString(), allowed_types});
    return cached->second;
  }
  auto found = ctx.resolver->Find(name);
  if (!found.ok()) {
    ctx.problems.Invalid(name_field, found.status().ToString());
    return "";
  }
  std::vector<NamedEntity> matching;
  for (const NamedEntity& e : *found) {
    if (allowed_types.empty() ||
        std::find(allowed_types.begin(), allowed_types.end(), e.type) !=
            allowed_types.end()) {
      matching.push_back(e);
    }
  }
  if (matching.size() > 1) {
    std::vector<std::string> ids;
    for (const NamedEntity& e : matching) ids.push_back(e.id);
    ctx.problems.Invalid(
        name_field,
        absl::StrCat("\"", name, "\" is ambiguous: it names ",
                     absl::StrJoin(ids, ", "), "; give the id instead"));
    ctx.problems.AddCandidates(matching);
    return "";
  }
  if (matching.size() == 1) {
    (*ctx.names)[folded] = matching[0].id;
    ctx.out->references.push_back(
        {matching[0].id, name_field.ToString(), allowed_types});
    return matching[0].id;
  }
  if (ctx.policy != v1::MISSING_ENTITY_POLICY_CREATE) {
    std::string why = absl::StrCat("no entity is named \"", name, "\"");
    if (!found->empty()) {
      absl::StrAppend(&why, " of type ", TypeList(allowed_types), " (",
                      (*found)[0].id, " is a ", ShortEnumName((*found)[0].type),
                      ")");
    }
    absl::StrAppend(&why,
                    "; upsert it first or set missing_entities to "
                    "MISSING_ENTITY_POLICY_CREATE");
    ctx.problems.Missing(name_field, why);
    return "";
  }
  v1::EntityType type =
      allowed_types.size() == 1 ? allowed_types[0] : v1::ENTITY_TYPE_OTHER;
  std::string new_id = DeriveEntityId(type, name);
  (*ctx.names)[folded] = new_id;
  std::string field = name_field.ToString();
  ctx.out->creates.push_back({new_id, type, name, field});
  ctx.out->references.push_back({new_id, std::move(field), allowed_types});
  return new_id;
}

EntityTypes Types(const google::protobuf::RepeatedField<int>& types) {
  EntityTypes out;
  for (int t : types) out.push_back(static_cast<v1::EntityType>(t));
  return out;
}

// Normalizes a date given typed, as TimeValue.raw, or both empty (returns
// false without a problem when `optional`).
bool NormalizeTimeValue(Context& ctx, const v1::TimeValue& input,
                        const std::string& field, v1::TimeValue* out) {
  absl::StatusOr<v1::TimeValue> normalized;
  if (!input.raw().empty()) {
    if (!input.date().empty()) {
      ctx.problems.Invalid(field, "give either date or raw, not both");
      return false;
    }
    if (input.raw().size() > kMaxRawValueBytes) {
      ctx.problems.Invalid(
          absl::StrCat(field, ".raw"),
          absl::StrCat("is longer than ", kMaxRawValueBytes, " bytes"));
      return false;
    }
    normalized =
        normalizer::NormalizeDate(input.raw(), ctx.language, Dates(ctx));
    if (normalized.ok() && !input.surface_text().empty()) {
      normalized->set_surface_text(input.surface_text());
    }
  } else {
    normalized = normalizer::CanonicalizeTimeValue(input);
  }
  if (!normalized.ok()) {
    ctx.problems.Invalid(field, normalized.status().message());
    return false;
  }
  *out = *std::move(normalized);
  return true;
}

bool NormalizeQuantityValue(Context& ctx, const v1::Quantity& input,
                            const v1::Predicate* predicate,
                            const std::string& field, v1::Quantity* out) {
  absl::StatusOr<v1::Quantity> normalized;
  if (input.amount().empty() && !input.surface_text().empty()) {
    if (input.surface_text().size() > kMaxRawValueBytes) {
      ctx.problems.Invalid(
          absl::StrCat(field, ".surface_text"),
          absl::StrCat("is longer than ", kMaxRawValueBytes, " bytes"));
      return false;
    }
    normalized = normalizer::NormalizeQuantity(
        input.surface_text(), ctx.language,
        predicate != nullptr ? HintFor(*predicate) : normalizer::UnitHint());
  } else {
    normalized = normalizer::CanonicalizeQuantity(input);
  }
  if (!normalized.ok()) {
    ctx.problems.Invalid(field, normalized.status().message());
    return false;
  }
  std::string problem =
      predicate != nullptr
          ? UnitProblem(normalized->unit(), *predicate)
          : (normalizer::IsKnownUnit(normalized->unit())
                 ? ""
                 : absl::StrCat("unknown unit \"", normalized->unit(), "\""));
  if (!problem.empty()) {
    ctx.problems.Invalid(absl::StrCat(field, ".unit"), problem);
    return false;
  }
  *out = *std::move(normalized);
  return true;
}

void CheckTextValue(Context& ctx, const v1::Text& text,
                    const std::string& field, v1::Value* out) {
  CheckText(text.text(), absl::StrCat(field, ".text"), kMaxTextValueBytes, true,
            true, ctx.problems.violations());
  CheckLanguage(text.language(), absl::StrCat(field, ".language"),
                ctx.problems.violations());
  v1::Text* t = out->mutable_text();
  *t = text;
  if (t->language().empty()) t->set_language(ctx.language);
}

// Reports that the fact's main value, at `field`, is not of the kind the
// predicate's value type takes.
void ReportKindMismatch(Context& ctx, const v1::Predicate& predicate,
                        const std::string& field) {
  ctx.problems.Invalid(
      field, absl::StrCat("predicate \"", predicate.name(), "\" takes ",
                          ValueTypeName(predicate.value_type()), ", not ",
                          KindName(ctx.input.value().kind_case())));
}

// Resolves the main value of an ENTITY predicate (given as entity_id,
// entity_name or raw name) into out->entity_id; reports problems in `ctx`.
void NormalizeEntityMainValue(Context& ctx, const v1::Predicate& predicate,
                              const std::string& field, v1::Value* out) {
  const v1::Value& in = ctx.input.value();
  EntityTypes allowed = Types(predicate.object_types());
  std::string id;
  if (in.kind_case() == v1::Value::kEntityId) {
    CheckId(in.entity_id(), absl::StrCat(field, ".entity_id"), kMaxIdBytes,
            true, ctx.problems.violations());
    id = ResolveEntity(ctx, in.entity_id(), "",
                       absl::StrCat(field, ".entity_id"), "", allowed);
  } else if (in.kind_case() == v1::Value::kEntityName ||
             in.kind_case() == v1::Value::kRaw) {
    const std::string& name =
        in.kind_case() == v1::Value::kRaw ? in.raw() : in.entity_name();
    std::string name_field = absl::StrCat(
        field, in.kind_case() == v1::Value::kRaw ? ".raw" : ".entity_name");
    CheckText(name, name_field, kMaxNameBytes, true, false,
              ctx.problems.violations());
    if (ctx.problems.empty()) {
      id = ResolveEntity(ctx, "", name, "", name_field, allowed);
    }
  } else {
    ReportKindMismatch(ctx, predicate, field);
    return;
  }
  if (!id.empty()) out->set_entity_id(id);
}

// Normalizes the main value of a QUANTITY predicate (given as quantity or
// raw text) into out->quantity; reports problems in `ctx`.
void NormalizeQuantityMainValue(Context& ctx, const v1::Predicate& predicate,
                                const std::string& field, v1::Value* out) {
  const v1::Value& in = ctx.input.value();
  if (in.kind_case() == v1::Value::kRaw) {
    v1::Quantity q;
    q.set_surface_text(in.raw());
    NormalizeQuantityValue(ctx, q, &predicate, field, out->mutable_quantity());
  } else if (in.kind_case() == v1::Value::kQuantity) {
    NormalizeQuantityValue(ctx, in.quantity(), &predicate,
                           absl::StrCat(field, ".quantity"),
                           out->mutable_quantity());
  } else {
    ReportKindMismatch(ctx, predicate, field);
  }
}

// Checks the main value of a TEXT predicate (given as text or raw text) into
// out->text; reports problems in `ctx`.
void NormalizeTextMainValue(Context& ctx, const v1::Predicate& predicate,
                            const std::string& field, v1::Value* out) {
  const v1::Value& in = ctx.input.value();
  if (in.kind_case() == v1::Value::kRaw) {
    v1::Text text;
    text.set_text(in.raw());
    CheckTextValue(ctx, text, absl::StrCat(field, ".raw"), out);
  } else if (in.kind_case() == v1::Value::kText) {
    CheckTextValue(ctx, in.text(), absl::StrCat(field, ".text"), out);
  } else {
    ReportKindMismatch(ctx, predicate, field);
  }
}

// Normalizes the main value of a TIME predicate (given as time or raw text)
// into out->time; reports problems in `ctx`.
void NormalizeTimeMainValue(Context& ctx, const v1::Predicate& predicate,
                            const std::string& field, v1::Value* out) {
  const v1::Value& in = ctx.input.value();
  v1::TimeValue time;
  if (in.kind_case() == v1::Value::kRaw) {
    time.set_raw(in.raw());
    NormalizeTimeValue(ctx, time, absl::StrCat(field, ".raw"),
                       out->mutable_time());
  } else if (in.kind_case() == v1::Value::kTime) {
    NormalizeTimeValue(ctx, in.time(), absl::StrCat(field, ".time"),
                       out->mutable_time());
  } else {
    ReportKindMismatch(ctx, predicate, field);
  }
}

// Reads the main value of a BOOLEAN predicate (given as boolean or raw text
// in the fact's language) into out->boolean; reports problems in `ctx`.
void NormalizeBooleanMainValue(Context& ctx, const v1::Predicate& predicate,
                               const std::string& field, v1::Value* out) {
  const v1::Value& in = ctx.input.value();
  if (in.kind_case() == v1::Value::kBoolean) {
    out->set_boolean(in.boolean());
  } else if (in.kind_case() == v1::Value::kRaw) {
    auto parsed = normalizer::ParseBoolean(in.raw(), ctx.language);
    if (!parsed.ok()) {
      ctx.problems.Invalid(absl::StrCat(field, ".raw"),
                           parsed.status().message());
    } else {
      out->set_boolean(*parsed);
    }
  } else {
    ReportKindMismatch(ctx, predicate, field);
  }
}

// Normalizes the fact's main value against the predicate's value type.
void NormalizeMainValue(Context& ctx, const v1::Predicate& predicate,
                        v1::Value* out) {
  const v1::Value& in = ctx.input.value();
  std::string field = absl::StrCat(ctx.path, ".value");
  if (in.kind_case() == v1::Value::kRaw &&
      in.raw().size() > kMaxRawValueBytes) {
    ctx.problems.Invalid(
        absl::StrCat(field, ".raw"),
        absl::StrCat("is longer than ", kMaxRawValueBytes, " bytes"));
    return;
  }
  switch (predicate.value_type()) {
    case v1::VALUE_TYPE_ENTITY:
      NormalizeEntityMainValue(ctx, predicate, field, out);
      return;
    case v1::VALUE_TYPE_QUANTITY:
      NormalizeQuantityMainValue(ctx, predicate, field, out);
      return;
    case v1::VALUE_TYPE_TEXT:
      NormalizeTextMainValue(ctx, predicate, field, out);
      return;
    case v1::VALUE_TYPE_TIME:
      NormalizeTimeMainValue(ctx, predicate, field, out);
      return;
    case v1::VALUE_TYPE_BOOLEAN:
      NormalizeBooleanMainValue(ctx, predicate, field, out);
      return;
    default:
      ctx.problems.Invalid(field, "the predicate has no value type");
  }
}

// Normalizes a qualifier value. Without a predicate to say what raw text
// means, qualifiers must say which kind they are.
void NormalizeQualifier(Context& ctx, const v1::Value& in,
                        const std::string& field, v1::Value* out) {
  switch (in.kind_case()) {
    case v1::Value::kEntityId: {
      CheckId(in.entity_id(), absl::StrCat(field, ".entity_id"), kMaxIdBytes,
              true, ctx.problems.violations());
      std::string id = ResolveEntity(ctx, in.entity_id(), "",
                                     absl::StrCat(field, ".entity_id"), "", {});
      if (!id.empty()) out->set_entity_id(id);
      return;
    }
    case v1::Value::kEntityName: {
      std::string name_field = absl::StrCat(field, ".entity_name");
      CheckText(in.entity_name(), name_field, kMaxNameBytes, true, false,
                ctx.problems.violations());
      if (!ctx.problems.empty()) return;
      std::string id =
          ResolveEntity(ctx, "", in.entity_name(), "", name_field, {});
      if (!id.empty()) out->set_entity_id(id);
      return;
    }
    case v1::Value::kQuantity:
      NormalizeQuantityValue(ctx, in.quantity(), nullptr,
                             absl::StrCat(field, ".quantity"),
                             out->mutable_quantity());
      return;
    case v1::Value::kText:
      CheckTextValue(ctx, in.text(), absl::StrCat(field, ".text"), out);
      return;
    case v1::Value::kTime:
      NormalizeTimeValue(ctx, in.time(), absl::StrCat(field, ".time"),
                         out->mutable_time());
      return;
    case v1::Value::kBoolean:
      out->set_boolean(in.boolean());
      return;
    case v1::Value::kRaw:
      ctx.problems.Invalid(
          absl::StrCat(field, ".raw"),
          "a qualifier has no predicate to say what raw text means; use "
          "entity_name, quantity.surface_text, time.raw or text instead");
      return;
    default:
      ctx.problems.Invalid(field, "has no value");
  }
}

void NormalizeValidTime(Context& ctx, v1::ValidTime* out) {
  const v1::ValidTime& in = ctx.input.valid_time();
  std::string field = absl::StrCat(ctx.path, ".valid_time");
  absl::StatusOr<v1::ValidTime> normalized;
  if (!in.raw().empty()) {
    if (in.has_at() || in.has_start() || in.has_end()) {
      ctx.problems.Invalid(field, "give either raw or at/start/end, not both");
      return;
    }
    if (in.raw().size() > kMaxRawValueBytes) {
      ctx.problems.Invalid(
          absl::StrCat(field, ".raw"),
          absl::StrCat("is longer than ", kMaxRawValueBytes, " bytes"));
      return;
    }
    normalized = normalizer::NormalizeValidTimeRemembered(
        in.raw(), ctx.language, Dates(ctx));
    if (!normalized.ok()) {
      ctx.problems.Invalid(absl::StrCat(field, ".raw"),
                           normalized.status().message());
      return;
    }
  } else {
    v1::ValidTime typed;
    if (in.has_at() &&
        !NormalizeTimeValue(ctx, in.at(), absl::StrCat(field, ".at"),
                            typed.mutable_at())) {
      return;
    }
    if (in.has_start() &&
        !NormalizeTimeValue(ctx, in.start(), absl::StrCat(field, ".start"),
                            typed.mutable_start())) {
      return;
    }
    if (in.has_end() &&
        !NormalizeTimeValue(ctx, in.end(), absl::StrCat(field, ".end"),
                            typed.mutable_end())) {
      return;
    }
    normalized = normalizer::CanonicalizeValidTime(typed);
    if (!normalized.ok()) {
      ctx.problems.Invalid(field, normalized.status().message());
      return;
    }
  }
  *out = *std::move(normalized);
}

}  // namespace

PreparedFacts::PreparedFacts() {
  // Blocks grow from 8 KiB to 256 KiB, the largest size tcmalloc still
  // serves from its per-thread caches: a one-fact request takes one small
  // block, a batch of a thousand facts few large ones.
  google::protobuf::ArenaOptions options;
  options.start_block_size = 8 << 10;
  options.max_block_size = 256 << 10;
  arena = std::make_unique<google::protobuf::Arena>(options);
}

PreparedFact FactPreparer::Prepare(const v1::Fact& input,
                                   absl::string_view path,
                                   v1::MissingEntityPolicy policy,
                                   NameCache* names,
                                   google::protobuf::Arena* arena) const {
  PreparedFact out;
  out.fact = google::protobuf::Arena::CreateMessage<v1::Fact>(arena);
  Context ctx{input,        std::string(path), "",   policy,
              names,        resolver_,         &out, {},
              std::nullopt, std::nullopt};
  ValidateFactShape(input, path, ctx.problems.violations());
  if (!ctx.problems.empty()) {
    out.error = ctx.problems.ToItemError();
    return out;
  }
  // The fact's language, else its first mention's, else what its document
  // says it is in (mentions need not repeat it, ingest.md), else English.
  ctx.language = input.language();
  if (ctx.language.empty() && input.mentions_size() > 0) {
    ctx.language = input.mentions(0).language();
    if (ctx.language.empty()) ctx.language = FirstDocument(ctx).language();
  }
  if (ctx.language.empty()) ctx.language = "en";

  v1::Fact& fact = *out.fact;
  fact.set_predicate(input.predicate());
  out.predicate = registry_->Find(input.predicate());
  if (out.predicate == nullptr) {
    ctx.problems.Missing(absl::StrCat(path, ".predicate"),
                         absl::StrCat("predicate \"", input.predicate(),
                                      "\" is not registered; register it with "
                                      "RegisterPredicates first"));
    out.error = ctx.problems.ToItemError();
    return out;
  }
  const v1::Predicate& predicate = *out.predicate;

  // Room for the usual references: the subject, an entity value and each
  // mention's document.
  out.references.reserve(2 + input.mentions_size());
  std::string subject = ResolveEntity(
      ctx, input.subject(), input.subject_name(), {path, ".subject"},
      {path, ".subject_name"}, Types(predicate.subject_types()));
  fact.set_subject(subject);
  NormalizeMainValue(ctx, predicate, fact.mutable_value());
  NormalizeValidTime(ctx, fact.mutable_valid_time());
  for (const auto& [name, value] : input.qualifiers()) {
    NormalizeQualifier(
        ctx, value,
        absl::StrCat(path, ".qualifiers[\"", absl::CHexEscape(name), "\"]"),
        &(*fact.mutable_qualifiers())[name]);
  }
  for (int i = 0; i < input.mentions_size(); ++i) {
    const v1::Mention& in = input.mentions(i);
    v1::Mention* mention = fact.add_mentions();
    *mention = in;
    mention->clear_added_commit();
    if (mention->quote_start() == -1) mention->set_quote_end(0);
    std::string document_field =
        absl::StrCat(path, ".mentions[", i, "].document_id");
    if (policy == v1::MISSING_ENTITY_POLICY_CREATE) {
      out.creates.push_back({in.document_id(), v1::ENTITY_TYPE_DOCUMENT,
                             in.title().empty() ? in.document_id() : in.title(),
                             document_field});
    }
    out.references.push_back({in.document_id(),
                              std::move(document_field),
                              {v1::ENTITY_TYPE_DOCUMENT}});
    if (!in.attributed_to().empty()) {
      out.references.push_back(
          {in.attributed_to(),
           absl::StrCat(path, ".mentions[", i, "].attributed_to"),
           {v1::ENTITY_TYPE_PERSON, v1::ENTITY_TYPE_ORGANIZATION}});
    }
  }
  // The request's modality is that of the mentions that give none; the
  // fact's own is derived from its mentions when it is stored.
  const v1::Modality default_modality =
      input.modality() == v1::MODALITY_UNSPECIFIED ? v1::MODALITY_REPORTED
                                                   : input.modality();
  absl::InlinedVector<const v1::Mention*, 4> sources;
  for (v1::Mention& m : *fact.mutable_mentions()) {
    storage::FillMentionWeights(default_modality, &m);
    sources.push_back(&m);
  }
  fact.set_modality(sources.empty() ? default_modality
                                    : storage::ModalityOfSources(sources));
  fact.set_rank(input.rank() == v1::RANK_UNSPECIFIED ? v1::RANK_NORMAL
                                                     : input.rank());
  if (!ctx.problems.empty()) {
    out.error = ctx.problems.ToItemError();
    return out;
  }
  fact.set_id(DeriveFactId(fact));
  if (cut_words_) {
    // The views point into `fact`, on the arena.
    auto cut = [&out](absl::string_view text) {
      if (text.empty()) return;
      for (const storage::CutText& done : out.cut_texts) {
        if (done.text == text) return;
      }
      out.cut_texts.push_back({text, storage::TextWordHashes(text)});
    };
    if (fact.value().kind_case() == v1::Value::kText) {
      cut(fact.value().text().text());
    }
    for (const v1::Mention& mention : fact.mentions()) cut(mention.quote());
  }
  return out;
}

}  // namespace factstore::ingest
