#include "ingest_service/request_validator.h"

#include <cmath>
#include <map>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/iso_date.h"
#include "common/language_tag.h"
#include "common/limits.h"
#include "unicode/uchar.h"
#include "unicode/utf8.h"

namespace factstore::ingest {
namespace {

// Shows a value in a message without flooding it or breaking the terminal.
std::string Quoted(absl::string_view value) {
  constexpr size_t kShown = 64;
  std::string shown = absl::CHexEscape(value.substr(0, kShown));
  return absl::StrCat("\"", shown, value.size() > kShown ? "...\"" : "\"");
}

enum class TextKind { kId, kLine, kMultiline };

// Checks encoding and characters; returns false after reporting a problem.
bool CheckCharacters(absl::string_view value, const FieldPath& field,
                     TextKind kind, Violations* violations) {
  const uint8_t* s = reinterpret_cast<const uint8_t*>(value.data());
  int32_t length = static_cast<int32_t>(value.size());
  int32_t i = 0;
  while (i < length) {
    UChar32 c;
    U8_NEXT(s, i, length, c);
    if (c < 0) {
      violations->Add(field, "is not valid UTF-8");
      return false;
    }
    // Most characters of ids and of English and Vietnamese text are ASCII:
    // those are classified here as ICU classifies them (C0 controls and DEL
    // are U_CONTROL_CHAR; tab to carriage return and space are white space),
    // without a call per character.
    const bool ascii = c < 0x80;
    const bool control =
        ascii ? c < 0x20 || c == 0x7f : u_charType(c) == U_CONTROL_CHAR;
    bool allowed_space =
        kind == TextKind::kMultiline && (c == '\n' || c == '\t' || c == '\r');
    if (control && !allowed_space) {
      violations->Add(field, absl::StrCat("contains control character U+",
                                          absl::Hex(c, absl::kZeroPad4)));
      return false;
    }
    if (kind == TextKind::kId &&
        (ascii ? c == ' ' || (c >= '\t' && c <= '\r') : u_isUWhiteSpace(c))) {
      violations->Add(field,
                      absl::StrCat("contains whitespace: ", Quoted(value)));
      return false;
    }
  }
  return true;
}

bool IsLowerSnakeSegment(absl::string_view segment) {
  if (segment.empty() || !absl::ascii_islower(segment[0])) return false;
  for (char c : segment) {
    if (!absl::ascii_islower(c) && !absl::ascii_isdigit(c) && c != '_') {
      return false;
    }
  }
  return true;
}

bool IsKnownEnum(int value, int max) { return value >= 0 && value <= max; }

}  // namespace

void Violations::Add(const FieldPath& field, absl::string_view description) {
  v1::FieldViolation v;
  v.set_field(field.ToString());
  v.set_description(std::string(description));
  list_.push_back(std::move(v));
}

v1::ItemError ItemErrorFromStatus(const absl::Status& status) {
  v1::ItemError error;
  error.set_code(static_cast<int>(status.code()));
  error.set_message(std::string(status.message()));
  for (const FieldViolation& v : FieldViolationsOf(status)) {
    v1::FieldViolation* out = error.add_violations();
    out->set_field(v.field);
    out->set_description(v.description);
  }
  return error;
}

absl::Status Violations::ToStatus(absl::string_view context) const {
  std::vector<FieldViolation> violations;
  violations.reserve(list_.size());
  for (const v1::FieldViolation& v : list_) {
    violations.push_back({v.field(), v.description()});
  }
  return InvalidFields(absl::StrCat(context, Summary()), violations);
}

std::string Violations::Summary() const {
  if (list_.empty()) return "";
  std::string summary =
      absl::StrCat(list_[0].field(), ": ", list_[0].description());
  if (list_.size() > 1) {
    absl::StrAppend(&summary, " (and ", list_.size() - 1, " more problem",
                    list_.size() > 2 ? "s" : "", ")");
  }
  return summary;
}

v1::ItemError Violations::ToItemError(absl::StatusCode code) const {
  v1::ItemError error;
  error.set_code(static_cast<int>(code));
  error.set_message(Summary());
  for (const v1::FieldViolation& v : list_) *error.add_violations() = v;
  return error;
}

bool IsValidUtf8(absl::string_view text) {
  const uint8_t* s = reinterpret_cast<const uint8_t*>(text.data());
  int32_t length = static_cast<int32_t>(text.size());
  int32_t i = 0;
  while (i < length) {
    UChar32 c;
    U8_NEXT(s, i, length, c);
    if (c < 0) return false;
  }
  return true;
}

void CheckId(absl::string_view value, const FieldPath& field, size_t max_bytes,
             bool required, Violations* violations) {
  if (value.empty()) {
    if (required) violations->Add(field, "is required");
    return;
  }
  if (value.size() > max_bytes) {
    violations->Add(field, absl::StrCat("is longer than ", max_bytes,
                                        " bytes (", value.size(), ")"));
    return;
  }
  CheckCharacters(value, field, TextKind::kId, violations);
}

void CheckText(absl::string_view value, const FieldPath& field,
               size_t max_bytes, bool required, bool multiline,
               Violations* violations) {
  if (value.empty()) {
    if (required) violations->Add(field, "is required");
    return;
  }
  if (value.size() > max_bytes) {
    violations->Add(field, absl::StrCat("is longer than ", max_bytes,
                                        " bytes (", value.size(), ")"));
    return;
  }
  if (!CheckCharacters(value, field,
                       multiline ? TextKind::kMultiline : TextKind::kLine,
                       violations)) {
    return;
  }
  if (absl::StripAsciiWhitespace(value).empty()) {
    violations->Add(field, "is blank");
  }
}

void CheckLanguage(absl::string_view value, const FieldPath& field,
                   Violations* violations) {
  if (value.empty() || IsLanguageTag(value)) return;
  violations->Add(field, absl::StrCat("is not a BCP-47 language tag like "
                                      "\"en\", \"vi\" or \"ko\": ",
                                      Quoted(value)));
}

void CheckPredicateName(absl::string_view value, const FieldPath& field,
                        Violations* violations) {
  if (value.empty()) {
    violations->Add(field, "is required");
    return;
  }
  if (value.size() > kMaxPredicateNameBytes) {
    violations->Add(field, absl::StrCat("is longer than ",
                                        kMaxPredicateNameBytes, " bytes"));
    return;
  }
  size_t start = 0;
  while (true) {
    size_t dot = value.find('.', start);
    if (!IsLowerSnakeSegment(value.substr(start, dot - start))) {
      violations->Add(field,
                      absl::StrCat("must be dotted lower_snake_case like "
                                   "\"investment.cumulative_total\": ",
                                   Quoted(value)));
      return;
    }
    if (dot == absl::string_view::npos) return;
    start = dot + 1;
  }
}

namespace {

// The name (required), aliases and description of an entity or of one of
// its labels, at `path`.
void CheckNames(const std::string& name,
                const google::protobuf::RepeatedPtrField<std::string>& aliases,
                const std::string& description, absl::string_view path,
                Violations* violations) {
  CheckText(name, absl::StrCat(path, ".name"), kMaxNameBytes, true, false,
            violations);
  if (aliases.size() > kMaxAliases) {
    violations->Add(absl::StrCat(path, ".aliases"),
                    absl::StrCat("has more than ", kMaxAliases, " aliases"));
  } else {
    for (int i = 0; i < aliases.size(); ++i) {
      CheckText(aliases[i], absl::StrCat(path, ".aliases[", i, "]"),
                kMaxNameBytes, true, false, violations);
    }
  }
  CheckText(description, absl::StrCat(path, ".description"),
            kMaxDescriptionBytes, false, true, violations);
}

}  // namespace

void CheckDocumentFields(absl::string_view url, absl::string_view title,
                         absl::string_view publisher,
                         absl::string_view publication_date,
                         absl::string_view language, absl::string_view path,
                         Violations* violations) {
  CheckText(url, {path, ".url"}, kMaxUrlBytes, false, false, violations);
  CheckText(title, {path, ".title"}, kMaxTitleBytes, false, false, violations);
  CheckText(publisher, {path, ".publisher"}, kMaxShortTextBytes, false, false,
            violations);
  if (!publication_date.empty() && !ParseIsoDate(publication_date).ok()) {
    violations->Add(absl::StrCat(path, ".publication_date"),
                    absl::StrCat("is not an ISO-8601 date (YYYY, YYYY-MM or "
                                 "YYYY-MM-DD): ",
                                 Quoted(publication_date)));
  }
  CheckLanguage(language, {path, ".language"}, violations);
}

void ValidateEntity(const v1::Entity& entity, absl::string_view path,
                    Violations* violations) {
  CheckId(entity.id(), absl::StrCat(path, ".id"), kMaxIdBytes, true,
          violations);
  if (entity.type() == v1::ENTITY_TYPE_UNSPECIFIED) {
    violations->Add(absl::StrCat(path, ".type"), "is required");
  } else if (!v1::EntityType_IsValid(entity.type())) {
    violations->Add(absl::StrCat(path, ".type"),
                    absl::StrCat("unknown entity type ", entity.type()));
  }
  CheckNames(entity.name(), entity.aliases(), entity.description(), path,
             violations);
  if (entity.labels_size() > kMaxLabels) {
    violations->Add(
        absl::StrCat(path, ".labels"),
        absl::StrCat("has labels in more than ", kMaxLabels, " languages"));
  } else {
    // In key order, so that the violations come in the same order each time.
    std::map<std::string, const v1::EntityLabel*> labels;
    for (const auto& [language, label] : entity.labels()) {
      labels[language] = &label;
    }
    std::map<std::string, std::string> seen;  // lowercased key -> key
    for (const auto& [language, label_pointer] : labels) {
      const v1::EntityLabel& label = *label_pointer;
      std::string field =
          absl::StrCat(path, ".labels[\"", absl::CHexEscape(language), "\"]");
      auto [other, added] =
          seen.emplace(absl::AsciiStrToLower(language), language);
      if (!added) {
        violations->Add(field, absl::StrCat("is the language of labels[\"",
                                            absl::CHexEscape(other->second),
                                            "\"] written in another case"));
      }
      if (!IsLanguageTag(language)) {
        violations->Add(field, absl::StrCat("is not keyed by a BCP-47 "
                                            "language tag like \"vi\" or "
                                            "\"ko\": ",
                                            Quoted(language)));
      }
      CheckNames(label.name(), label.aliases(), label.description(), field,
                 violations);
    }
  }
  if (entity.external_ids_size() > kMaxExternalIds) {
    violations->Add(
        absl::StrCat(path, ".external_ids"),
        absl::StrCat("has more than ", kMaxExternalIds, " entries"));
  } else {
    for (const auto& [system, id] : entity.external_ids()) {
      std::string field = absl::StrCat(path, ".external_ids[\"",
                                       absl::CHexEscape(system), "\"]");
      CheckId(system, field, kMaxExternalIdBytes, true, violations);
      CheckText(id, field, kMaxExternalIdBytes, true, false, violations);
    }
  }
  if (entity.has_document()) {
    std::string field = absl::StrCat(path, ".document");
    if (entity.type() != v1::ENTITY_TYPE_DOCUMENT) {
      violations->Add(field,
                      "only entities of type DOCUMENT describe a document");
    }
    const v1::DocumentMetadata& d = entity.document();
    CheckDocumentFields(d.url(), d.title(), d.publisher(), d.publication_date(),
                        d.language(), field, violations);
  }
}

void ValidatePredicate(const v1::Predicate& predicate, absl::string_view path,
                       Violations* violations) {
  CheckPredicateName(predicate.name(), absl::StrCat(path, ".name"), violations);
  std::string type_field = absl::StrCat(path, ".value_type");
  if (predicate.value_type() == v1::VALUE_TYPE_UNSPECIFIED) {
    violations->Add(type_field, "is required");
  } else if (!v1::ValueType_IsValid(predicate.value_type())) {
    violations->Add(type_field, absl::StrCat("unknown value type ",
                                             predicate.value_type()));
  }
  if (!v1::UnitDimension_IsValid(predicate.unit_dimension())) {
    violations->Add(absl::StrCat(path, ".unit_dimension"), "unknown dimension");
  }
  bool quantity = predicate.value_type() == v1::VALUE_TYPE_QUANTITY;
  if (!quantity &&
      (predicate.unit_dimension() != v1::UNIT_DIMENSION_UNSPECIFIED ||
       predicate.allowed_units_size() > 0)) {
    violations->Add(absl::StrCat(path, ".unit_dimension"),
                    "units only apply to VALUE_TYPE_QUANTITY predicates");
  }
  if (predicate.allowed_units_size() > kMaxUnitsPerPredicate) {
    violations->Add(
        absl::StrCat(path, ".allowed_units"),
        absl::StrCat("has more than ", kMaxUnitsPerPredicate, " units"));
  }
  if (predicate.value_type() != v1::VALUE_TYPE_ENTITY &&
      predicate.object_types_size() > 0) {
    violations->Add(absl::StrCat(path, ".object_types"),
                    "object types only apply to VALUE_TYPE_ENTITY predicates");
  }
  for (int i = 0; i < predicate.subject_types_size(); ++i) {
    int t = predicate.subject_types(i);
    if (t == v1::ENTITY_TYPE_UNSPECIFIED || !v1::EntityType_IsValid(t)) {
      violations->Add(absl::StrCat(path, ".subject_types[", i, "]"),
                      "is not an entity type");
    }
  }
  for (int i = 0; i < predicate.object_types_size(); ++i) {
    int t = predicate.object_types(i);
    if (t == v1::ENTITY_TYPE_UNSPECIFIED || !v1::EntityType_IsValid(t)) {
      violations->Add(absl::StrCat(path, ".object_types[", i, "]"),
                      "is not an entity type");
    }
  }
  if (!v1::Cardinality_IsValid(predicate.cardinality())) {
    violations->Add(absl::StrCat(path, ".cardinality"), "unknown cardinality");
  }
  CheckText(predicate.description(), absl::StrCat(path, ".description"),
            kMaxDescriptionBytes, false, true, violations);
}

void ValidateMention(const v1::Mention& mention, absl::string_view path,
                     Violations* violations) {
  CheckId(mention.document_id(), {path, ".document_id"}, kMaxIdBytes, true,
          violations);
  CheckDocumentFields(mention.url(), mention.title(), mention.publisher(),
                      mention.publication_date(), mention.language(), path,
                      violations);
  CheckText(mention.quote(), {path, ".quote"}, kMaxQuoteBytes, false, true,
            violations);
  if (mention.quote_start() < 0 || mention.quote_end() < 0) {
    if (!(mention.quote_start() == -1 && mention.quote_end() <= 0)) {
      violations->Add(absl::StrCat(path, ".quote_start"),
                      "offsets must not be negative (use -1 or leave unset "
                      "when unknown)");
    }
  } else if (mention.quote_end() < mention.quote_start()) {
    violations->Add(absl::StrCat(path, ".quote_end"),
                    absl::StrCat("is before quote_start (", mention.quote_end(),
                                 " < ", mention.quote_start(), ")"));
  }
  CheckId(mention.attributed_to(), {path, ".attributed_to"}, kMaxIdBytes, false,
          violations);
  CheckText(mention.extractor(), {path, ".extractor"}, kMaxShortTextBytes,
            false, false, violations);
  double confidence = mention.confidence();
  if (!std::isfinite(confidence) || confidence < 0 || confidence > 1) {
    violations->Add(
        absl::StrCat(path, ".confidence"),
        absl::StrCat("must be a number in [0, 1], not ", confidence));
  }
  if (!IsKnownEnum(mention.modality(), v1::Modality_MAX)) {
    violations->Add(absl::StrCat(path, ".modality"), "unknown modality");
  }
  if (!IsKnownEnum(mention.rank(), v1::Rank_MAX)) {
    violations->Add(absl::StrCat(path, ".rank"), "unknown rank");
  }
}

void ValidateFactShape(const v1::Fact& fact, absl::string_view path,
                       Violations* violations) {
  if (fact.subject().empty() && fact.subject_name().empty()) {
    violations->Add(absl::StrCat(path, ".subject"),
                    "is required (or subject_name)");
  } else if (!fact.subject().empty() && !fact.subject_name().empty()) {
    violations->Add(absl::StrCat(path, ".subject_name"),
                    "give either subject or subject_name, not both");
  } else {
    CheckId(fact.subject(), {path, ".subject"}, kMaxIdBytes, false, violations);
    CheckText(fact.subject_name(), {path, ".subject_name"}, kMaxNameBytes,
              false, false, violations);
  }
  CheckPredicateName(fact.predicate(), {path, ".predicate"}, violations);
  if (fact.value().kind_case() == v1::Value::KIND_NOT_SET) {
    violations->Add(absl::StrCat(path, ".value"), "is required");
  }
  if (!IsKnownEnum(fact.modality(), v1::Modality_MAX)) {
    violations->Add(absl::StrCat(path, ".modality"), "unknown modality");
  }
  if (!IsKnownEnum(fact.rank(), v1::Rank_MAX)) {
    violations->Add(absl::StrCat(path, ".rank"), "unknown rank");
  }
  CheckLanguage(fact.language(), {path, ".language"}, violations);
  if (fact.qualifiers_size() > kMaxQualifiers) {
    violations->Add(
        absl::StrCat(path, ".qualifiers"),
        absl::StrCat("has more than ", kMaxQualifiers, " qualifiers"));
  }
  for (const auto& [name, value] : fact.qualifiers()) {
    std::string field =
        absl::StrCat(path, ".qualifiers[\"", absl::CHexEscape(name), "\"]");
    if (name.size() > kMaxQualifierNameBytes || !IsLowerSnakeSegment(name)) {
      violations->Add(field,
                      "qualifier names must be lower_snake_case, at "
                      "most 64 bytes");
    }
    if (value.kind_case() == v1::Value::KIND_NOT_SET) {
      violations->Add(field, "has no value");
    }
  }
  if (fact.mentions_size() > kMaxMentionsPerFactInRequest) {
    violations->Add(absl::StrCat(path, ".mentions"),
                    absl::StrCat("has more than ", kMaxMentionsPerFactInRequest,
                                 " mentions"));
    return;
  }
  for (int i = 0; i < fact.mentions_size(); ++i) {
    ValidateMention(fact.mentions(i), absl::StrCat(path, ".mentions[", i, "]"),
                    violations);
  }
}

}  // namespace factstore::ingest
