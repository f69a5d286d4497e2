#include "normalizer/units.h"

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/decimal.h"
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

// A physical unit: its UCUM code, its dimension, and the base unit of that
// dimension with the exact factor to it (1 MW = 1000000 W). Prefixes are
// UCUM's decimal ones, data included (1 GBy = 10^9 By, not 2^30).
struct PhysicalUnit {
  absl::string_view code;
  v1::UnitDimension dimension;
  absl::string_view base;
  absl::string_view factor;
};

constexpr PhysicalUnit kPhysicalUnits[] = {
    {"W", v1::UNIT_DIMENSION_POWER, "W", "1"},
    {"kW", v1::UNIT_DIMENSION_POWER, "W", "1000"},
    {"MW", v1::UNIT_DIMENSION_POWER, "W", "1000000"},
    {"GW", v1::UNIT_DIMENSION_POWER, "W", "1000000000"},
    {"W.h", v1::UNIT_DIMENSION_ENERGY, "W.h", "1"},
    {"kW.h", v1::UNIT_DIMENSION_ENERGY, "W.h", "1000"},
    {"MW.h", v1::UNIT_DIMENSION_ENERGY, "W.h", "1000000"},
    {"GW.h", v1::UNIT_DIMENSION_ENERGY, "W.h", "1000000000"},
    {"TW.h", v1::UNIT_DIMENSION_ENERGY, "W.h", "1000000000000"},
    {"g", v1::UNIT_DIMENSION_MASS, "g", "1"},
    {"kg", v1::UNIT_DIMENSION_MASS, "g", "1000"},
    {"t", v1::UNIT_DIMENSION_MASS, "g", "1000000"},
    {"m2", v1::UNIT_DIMENSION_AREA, "m2", "1"},
    {"ha", v1::UNIT_DIMENSION_AREA, "m2", "10000"},
    {"km2", v1::UNIT_DIMENSION_AREA, "m2", "1000000"},
    {"m", v1::UNIT_DIMENSION_LENGTH, "m", "1"},
    {"km", v1::UNIT_DIMENSION_LENGTH, "m", "1000"},
    {"By", v1::UNIT_DIMENSION_DATA, "By", "1"},
    {"kBy", v1::UNIT_DIMENSION_DATA, "By", "1000"},
    {"MBy", v1::UNIT_DIMENSION_DATA, "By", "1000000"},
    {"GBy", v1::UNIT_DIMENSION_DATA, "By", "1000000000"},
    {"TBy", v1::UNIT_DIMENSION_DATA, "By", "1000000000000"},
    {"bit/s", v1::UNIT_DIMENSION_DATA_RATE, "bit/s", "1"},
    {"kbit/s", v1::UNIT_DIMENSION_DATA_RATE, "bit/s", "1000"},
    {"Mbit/s", v1::UNIT_DIMENSION_DATA_RATE, "bit/s", "1000000"},
    {"Gbit/s", v1::UNIT_DIMENSION_DATA_RATE, "bit/s", "1000000000"},
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
  // A data rate's own '/' ("Mbit/s", in any case) belongs to its unit; a
  // rate's comes after it.
  size_t from = 0;
  for (const PhysicalUnit& p : kPhysicalUnits) {
    if (p.dimension == v1::UNIT_DIMENSION_DATA_RATE &&
        absl::StartsWithIgnoreCase(unit, p.code) &&
        (unit.size() == p.code.size() || unit[p.code.size()] == '/')) {
      from = p.code.size();
      break;
    }
  }
  size_t slash = unit.find('/', from);
  if (slash == absl::string_view::npos) return {unit, "", false};
  return {unit.substr(0, slash), unit.substr(slash + 1), true};
}

const VocabularyUnit* FindVocabularyUnit(absl::string_view unit) {
  for (const VocabularyUnit& v : kVocabulary) {
    if (v.name == unit) return &v;
  }
  return nullptr;
}

const PhysicalUnit* FindPhysicalUnit(absl::string_view unit) {
  for (const PhysicalUnit& p : kPhysicalUnits) {
    if (p.code == unit) return &p;
  }
  return nullptr;
}

// The physical unit whose code `unit` spells but for ASCII case and UCUM's
// '.' ("mw" -> "MW", "MWh" -> "MW.h"), or nullptr. No two codes are alike
// so.
const PhysicalUnit* ResemblingPhysicalUnit(absl::string_view unit) {
  auto plain = [](absl::string_view s) {
    std::string out = absl::AsciiStrToLower(s);
    out.erase(std::remove(out.begin(), out.end(), '.'), out.end());
    return out;
  };
  const std::string wanted = plain(unit);
  for (const PhysicalUnit& p : kPhysicalUnits) {
    if (plain(p.code) == wanted) return &p;
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
  if (const PhysicalUnit* p = FindPhysicalUnit(unit)) return p->dimension;
  if (IsCurrencyCode(unit)) return v1::UNIT_DIMENSION_MONEY;
  return v1::UNIT_DIMENSION_UNSPECIFIED;
}

// The canonical spelling of a unit that is not a rate.
absl::StatusOr<std::string> CanonicalizeBaseUnit(absl::string_view unit,
                                                 absl::string_view whole) {
  if (FindPhysicalUnit(unit) != nullptr) return std::string(unit);
  std::string lower = absl::AsciiStrToLower(unit);
  if (FindVocabularyUnit(lower) != nullptr) return lower;
  std::string upper = absl::AsciiStrToUpper(unit);
  if (IsCurrencyCode(upper)) return upper;
  // Case tells UCUM's prefixes apart ("MW" megawatts, "mW" milliwatts), so a
  // physical unit in another case is not taken for the one it resembles.
  if (const PhysicalUnit* p = ResemblingPhysicalUnit(unit)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "unknown unit ", QuoteText(whole),
        " (physical units are UCUM codes, case-sensitive and written as "
        "listed: did you mean \"",
        p->code, "\"?)"));
  }
  if (AllAsciiLetters(unit) && (unit.size() == 3 || unit.size() == 4)) {
    return absl::InvalidArgumentError(
        absl::StrCat("unknown currency ", QuoteText(unit)));
  }
  std::vector<absl::string_view> codes;
  for (const PhysicalUnit& p : kPhysicalUnits) codes.push_back(p.code);
  return absl::InvalidArgumentError(absl::StrCat(
      "unknown unit ", QuoteText(whole),
      " (expected an ISO 4217 currency code; one of count, person, "
      "organization, document, event, percent, percentage_point, "
      "per_1000_people, year, month, day; a UCUM code of power, energy, "
      "mass, area, length, data or data rate: ",
      absl::StrJoin(codes, ", "),
      "; or a rate of one of them, such as USD/a, USD/mo, USD/d)"));
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
  v1::UnitDimension dimension = DimensionOfBaseUnit(parts.base);
  if (parts.rate && dimension == v1::UNIT_DIMENSION_DATA_RATE) {
    return v1::UNIT_DIMENSION_UNSPECIFIED;
  }
  return dimension;
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
  if (DimensionOfBaseUnit(base) == v1::UNIT_DIMENSION_DATA_RATE) {
    return absl::InvalidArgumentError(
        absl::StrCat("unknown unit ", QuoteText(unit), " (\"", base,
                     "\" is a data rate, already per second; it has no rate "
                     "per year, month or day)"));
  }
  return RateUnit(base, period);
}

std::string RateUnit(absl::string_view base, absl::string_view period) {
  return absl::StrCat(base, "/", period);
}

absl::string_view BaseUnit(absl::string_view unit) {
  return SplitUnit(unit).base;
}

std::optional<UnitScale> ScaleToBaseUnit(absl::string_view unit) {
  UnitParts parts = SplitUnit(unit);
  if (parts.rate && !IsPeriod(parts.period)) return std::nullopt;
  const PhysicalUnit* p = FindPhysicalUnit(parts.base);
  if (p == nullptr ||
      (parts.rate && p->dimension == v1::UNIT_DIMENSION_DATA_RATE)) {
    return std::nullopt;
  }
  UnitScale scale;
  scale.base_unit =
      parts.rate ? RateUnit(p->base, parts.period) : std::string(p->base);
  scale.factor = std::string(p->factor);
  return scale;
}

bool IsPhysicalDimension(v1::UnitDimension dimension) {
  return !PhysicalUnitsOf(dimension).empty();
}

std::vector<absl::string_view> PhysicalUnitsOf(v1::UnitDimension dimension) {
  std::vector<absl::string_view> units;
  for (const PhysicalUnit& p : kPhysicalUnits) {
    if (p.dimension == dimension) units.push_back(p.code);
  }
  return units;
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
    case v1::UNIT_DIMENSION_POWER:
      return "POWER";
    case v1::UNIT_DIMENSION_ENERGY:
      return "ENERGY";
    case v1::UNIT_DIMENSION_MASS:
      return "MASS";
    case v1::UNIT_DIMENSION_AREA:
      return "AREA";
    case v1::UNIT_DIMENSION_LENGTH:
      return "LENGTH";
    case v1::UNIT_DIMENSION_DATA:
      return "DATA";
    case v1::UNIT_DIMENSION_DATA_RATE:
      return "DATA_RATE";
    default:
      return "UNSPECIFIED";
  }
}

namespace {

// k if `factor` is 10^k written canonically ("1", "1000"); nullopt if not.
std::optional<int> PowerOfTen(absl::string_view factor) {
  if (factor.empty() || factor[0] != '1') return std::nullopt;
  for (char c : factor.substr(1)) {
    if (c != '0') return std::nullopt;
  }
  return static_cast<int>(factor.size()) - 1;
}

}  // namespace

std::optional<std::string> ConvertAmount(absl::string_view amount,
                                         absl::string_view from_unit,
                                         absl::string_view to_unit) {
  if (from_unit == to_unit) return std::string(amount);
  std::optional<UnitScale> from = ScaleToBaseUnit(from_unit);
  std::optional<UnitScale> to = ScaleToBaseUnit(to_unit);
  if (!from.has_value() || !to.has_value() ||
      from->base_unit != to->base_unit) {
    return std::nullopt;
  }
  // Every factor is a power of ten (decimal prefixes), so the conversion is
  // a shift of the decimal point and exact.
  std::optional<int> up = PowerOfTen(from->factor);
  std::optional<int> down = PowerOfTen(to->factor);
  if (!up.has_value() || !down.has_value()) return std::nullopt;
  return ShiftDecimal(amount, *up - *down);
}

IndexedQuantity IndexForm(absl::string_view unit, absl::string_view amount) {
  std::optional<UnitScale> scale = ScaleToBaseUnit(unit);
  if (scale.has_value()) {
    std::optional<std::string> scaled =
        ConvertAmount(amount, unit, scale->base_unit);
    if (scaled.has_value()) return {scale->base_unit, std::move(*scaled)};
  }
  return {std::string(unit), std::string(amount)};
}

}  // namespace factstore::normalizer
