#include "normalizer/units.h"

#include <string>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "normalizer/text_tokens.h"
#include "unicode/ucurr.h"
#include "unicode/uenum.h"

namespace factstore::normalizer {
namespace {

struct VocabularyUnit {
  absl::string_view name;
  v1::UnitDimension dimension;
};

constexpr VocabularyUnit kVocabulary[] = {
    {kUnitCount, v1::UNIT_DIMENSION_COUNT},
    {kUnitPerson, v1::UNIT_DIMENSION_COUNT},
    {kUnitOrganization, v1::UNIT_DIMENSION_COUNT},
    {kUnitDocument, v1::UNIT_DIMENSION_COUNT},
    {kUnitEvent, v1::UNIT_DIMENSION_COUNT},
    {kUnitPercent, v1::UNIT_DIMENSION_RATIO},
    {kUnitPercentagePoint, v1::UNIT_DIMENSION_RATIO},
    {kUnitPer1000People, v1::UNIT_DIMENSION_RATIO},
    {kUnitYear, v1::UNIT_DIMENSION_DURATION},
    {kUnitMonth, v1::UNIT_DIMENSION_DURATION},
    {kUnitDay, v1::UNIT_DIMENSION_DURATION},
};

// The ISO 4217 codes ICU knows, read once from ICU's currency data.
const absl::flat_hash_set<std::string>& CurrencyCodes() {
  static const auto* const codes = [] {
    auto* set = new absl::flat_hash_set<std::string>();
    UErrorCode status = U_ZERO_ERROR;
    UEnumeration* all = ucurr_openISOCurrencies(UCURR_ALL, &status);
    if (U_SUCCESS(status)) {
      int32_t length = 0;
      const char* code;
      while ((code = uenum_next(all, &length, &status)) != nullptr &&
             U_SUCCESS(status)) {
        absl::string_view c(code, static_cast<size_t>(length));
        if (c != "XXX" && c != "XTS") set->insert(std::string(c));
      }
    }
    uenum_close(all);
    return set;
  }();
  return *codes;
}

constexpr absl::string_view kPeriods[] = {kPeriodYear, kPeriodMonth,
                                          kPeriodDay};

bool IsPeriod(absl::string_view period) {
  for (absl::string_view p : kPeriods) {
    if (p == period) return true;
  }
  return false;
}

// A unit cut at its first '/': the base, and the period ("" when there is
// no '/').
struct UnitParts {
  absl::string_view base;
  absl::string_view period;
  bool rate = false;
};

UnitParts SplitUnit(absl::string_view unit) {
  size_t slash = unit.find('/');
  if (slash == absl::string_view::npos) return {unit, "", false};
  return {unit.substr(0, slash), unit.substr(slash + 1), true};
}

const VocabularyUnit* FindVocabularyUnit(absl::string_view unit) {
  for (const VocabularyUnit& v : kVocabulary) {
    if (v.name == unit) return &v;
  }
  return nullptr;
}

bool AllAsciiLetters(absl::string_view s) {
  for (char c : s) {
    if (!absl::ascii_isalpha(c)) return false;
  }
  return !s.empty();
}

v1::UnitDimension DimensionOfBaseUnit(absl::string_view unit) {
  if (const VocabularyUnit* v = FindVocabularyUnit(unit)) return v->dimension;
  if (IsCurrencyCode(unit)) return v1::UNIT_DIMENSION_MONEY;
  return v1::UNIT_DIMENSION_UNSPECIFIED;
}

// The canonical spelling of a unit that is not a rate.
absl::StatusOr<std::string> CanonicalizeBaseUnit(absl::string_view unit,
                                                 absl::string_view whole) {
  std::string lower = absl::AsciiStrToLower(unit);
  if (FindVocabularyUnit(lower) != nullptr) return lower;
  std::string upper = absl::AsciiStrToUpper(unit);
  if (IsCurrencyCode(upper)) return upper;
  if (AllAsciiLetters(unit) && (unit.size() == 3 || unit.size() == 4)) {
    return absl::InvalidArgumentError(
        absl::StrCat("unknown currency ", QuoteText(unit)));
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "unknown unit ", QuoteText(whole),
      " (expected an ISO 4217 currency code or one of count, person, "
      "organization, document, event, percent, percentage_point, "
      "per_1000_people, year, month, day; or a rate of one of them, such as "
      "USD/a, USD/mo, USD/d)"));
}

}  // namespace

bool IsCurrencyCode(absl::string_view code) {
  return code.size() == 3 && CurrencyCodes().contains(code);
}

bool IsKnownUnit(absl::string_view unit) {
  return DimensionOfUnit(unit) != v1::UNIT_DIMENSION_UNSPECIFIED;
}

v1::UnitDimension DimensionOfUnit(absl::string_view unit) {
  UnitParts parts = SplitUnit(unit);
  if (parts.rate && !IsPeriod(parts.period)) {
    return v1::UNIT_DIMENSION_UNSPECIFIED;
  }
  return DimensionOfBaseUnit(parts.base);
}

absl::StatusOr<std::string> CanonicalizeUnit(absl::string_view unit) {
  UnitParts parts = SplitUnit(unit);
  FS_ASSIGN_OR_RETURN(std::string base, CanonicalizeBaseUnit(parts.base, unit));
  if (!parts.rate) return base;
  std::string period = absl::AsciiStrToLower(parts.period);
  if (!IsPeriod(period)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "unknown period ", QuoteText(parts.period), " in ", QuoteText(unit),
        " (a rate is per year, month or day: UNIT/a, UNIT/mo or UNIT/d)"));
  }
  return RateUnit(base, period);
}

std::string RateUnit(absl::string_view base, absl::string_view period) {
  return absl::StrCat(base, "/", period);
}

absl::string_view BaseUnit(absl::string_view unit) {
  return SplitUnit(unit).base;
}

std::string DimensionName(v1::UnitDimension dimension) {
  switch (dimension) {
    case v1::UNIT_DIMENSION_MONEY:
      return "MONEY";
    case v1::UNIT_DIMENSION_COUNT:
      return "COUNT";
    case v1::UNIT_DIMENSION_RATIO:
      return "RATIO";
    case v1::UNIT_DIMENSION_DURATION:
      return "DURATION";
    default:
      return "UNSPECIFIED";
  }
}

}  // namespace factstore::normalizer
