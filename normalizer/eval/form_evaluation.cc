#include "normalizer/eval/form_evaluation.h"

#include "absl/container/flat_hash_set.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "factstore/v1/types.pb.h"
#include "normalizer/date_normalizer.h"
#include "normalizer/quantity_normalizer.h"
#include "normalizer/value_finder.h"

namespace factstore::normalizer {
namespace {

const absl::flat_hash_set<std::string>& QuantityKinds() {
  static const auto* kinds = new absl::flat_hash_set<std::string>{
      "money", "count", "percent", "unit", "rate", "vague"};
  return *kinds;
}

bool IsKnownKind(const std::string& kind) {
  return QuantityKinds().contains(kind) || kind == "date" ||
         kind == "relative_date" || kind == "period" || kind == "sentence" ||
         kind == "reject";
}

std::string Format(const v1::Quantity& q) {
  std::string comparator(
      absl::StripPrefix(v1::Comparator_Name(q.comparator()), "COMPARATOR_"));
  if (q.comparator() == v1::COMPARATOR_RANGE) {
    return absl::StrCat(q.lower_bound(), "..", q.upper_bound(), " ", q.unit(),
                        " ", comparator);
  }
  return absl::StrCat(q.amount(), " ", q.unit(), " ", comparator);
}

std::string Format(const v1::TimeValue& t) {
  return absl::StrCat(
      t.date(), " ",
      absl::StripPrefix(v1::DatePrecision_Name(t.precision()),
                        "DATE_PRECISION_"),
      " ",
      absl::StripPrefix(v1::DateModifier_Name(t.modifier()), "DATE_MODIFIER_"));
}

std::string Format(const v1::ValidTime& v) {
  return absl::StrCat(v.interval_start(), "..", v.interval_end());
}

std::string Rejected(const absl::Status& status) {
  return absl::StrCat("REJECT: ", status.message());
}

// Every normalizer refuses `text`; the first refusal, or what one read.
std::string ActualRejection(const Form& form) {
  auto quantity = NormalizeQuantity(form.text, form.language, {});
  if (quantity.ok()) return Format(*quantity);
  auto date = NormalizeDate(form.text, form.language);
  if (date.ok()) return Format(*date);
  auto period = NormalizeValidTime(form.text, form.language);
  if (period.ok()) return Format(*period);
  return Rejected(quantity.status());
}

}  // namespace

absl::StatusOr<std::vector<Form>> ParseForms(absl::string_view content,
                                             absl::string_view file) {
  std::vector<Form> forms;
  int number = 0;
  for (absl::string_view line : absl::StrSplit(content, '\n')) {
    ++number;
    if (line.empty() || absl::StartsWith(line, "#")) continue;
    std::vector<std::string> fields = absl::StrSplit(line, '\t');
    std::string where = absl::StrCat(file, ":", number);
    if (fields.size() < 4 || fields.size() > 5) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": expected 4 or 5 tab-separated fields, got ",
                       fields.size()));
    }
    Form form{fields[0],
              fields[1],
              fields[2],
              fields[3],
              fields.size() == 5 ? fields[4] : "",
              where};
    if (form.language != "en" && form.language != "vi" &&
        form.language != "ko") {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": unknown language \"", form.language, "\""));
    }
    if (!IsKnownKind(form.kind)) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": unknown kind \"", form.kind, "\""));
    }
    if (form.text.empty() || form.expected.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": empty text or expectation"));
    }
    forms.push_back(std::move(form));
  }
  return forms;
}

std::string Actual(const Form& form) {
  if (form.kind == "reject" || form.expected == "REJECT") {
    return ActualRejection(form);
  }
  if (QuantityKinds().contains(form.kind)) {
    auto quantity = NormalizeQuantity(form.text, form.language, {});
    return quantity.ok() ? Format(*quantity) : Rejected(quantity.status());
  }
  const DateContext dates{form.publication_date};
  if (form.kind == "date" || form.kind == "relative_date") {
    auto date = NormalizeDate(form.text, form.language, dates);
    return date.ok() ? Format(*date) : Rejected(date.status());
  }
  if (form.kind == "period") {
    auto period = NormalizeValidTime(form.text, form.language, dates);
    return period.ok() ? Format(*period) : Rejected(period.status());
  }
  auto found = FindValues(form.text, form.language, dates);
  if (!found.ok()) return Rejected(found.status());
  std::vector<std::string> values;
  for (const FoundValue& v : *found) {
    values.push_back(absl::StrCat(v.text, "=",
                                  v.quantity.has_value() ? Format(*v.quantity)
                                  : v.time.has_value()   ? Format(*v.time)
                                                         : Format(*v.period)));
  }
  return absl::StrJoin(values, " | ");
}

bool Matches(const Form& form, const std::string& actual) {
  if (form.kind == "reject" || form.expected == "REJECT") {
    // A refusal that quotes what it could not read.
    return absl::StartsWith(actual, "REJECT: ") &&
           absl::StrContains(actual, "\"");
  }
  return actual == form.expected;
}

Evaluation Evaluate(const std::vector<Form>& forms) {
  Evaluation evaluation;
  for (const Form& form : forms) {
    const std::string actual = Actual(form);
    const bool exact = Matches(form, actual);
    for (Tally* tally :
         {&evaluation.all, &evaluation.by_language[form.language],
          &evaluation.by_kind[form.kind]}) {
      ++tally->forms;
      if (exact) ++tally->exact;
    }
    if (!exact) {
      evaluation.misses.push_back(absl::StrCat(form.where, ": ", form.text,
                                               "\n    expected ", form.expected,
                                               "\n    got      ", actual));
    }
  }
  return evaluation;
}

}  // namespace factstore::normalizer
