// The unit vocabulary of factstore quantities and the dimension of each unit.
//
// Money is measured in ISO 4217 currency codes ("USD", "VND", "KRW"); every
// other unit comes from a fixed vocabulary:
//
//   COUNT     "count", "person", "organization", "document", "event"
//   RATIO     "percent", "percentage_point", "per_1000_people"
//   DURATION  "year", "month", "day"
//
// A rate, an amount per period, is a base unit followed by "/a" (per year),
// "/mo" (per month) or "/d" (per day): "USD/a", "person/d". Its dimension is
// its base unit's, so a MONEY predicate accepts "USD/a" unless its allowed
// units say otherwise. A rate's base is never itself a rate.
//
//   IsKnownUnit("USD")              -> true
//   DimensionOfUnit("person")       -> UNIT_DIMENSION_COUNT
//   DimensionOfUnit("USD/a")        -> UNIT_DIMENSION_MONEY
//   CanonicalizeUnit("usd")         -> "USD"
//   CanonicalizeUnit("usd/A")       -> "USD/a"
//   CanonicalizeUnit("USDD")        -> INVALID_ARGUMENT:
//                                      unknown currency "USDD"
//
// Currency codes are the ones ICU knows as ISO 4217 codes, current and
// historic ("DEM" stays valid for old sources), except "XXX" (no currency)
// and "XTS" (testing).
#ifndef FACTSTORE_NORMALIZER_UNITS_H_
#define FACTSTORE_NORMALIZER_UNITS_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "factstore/v1/types.pb.h"

namespace factstore::normalizer {

// Units of the non-money vocabulary.
inline constexpr absl::string_view kUnitCount = "count";
inline constexpr absl::string_view kUnitPerson = "person";
inline constexpr absl::string_view kUnitOrganization = "organization";
inline constexpr absl::string_view kUnitDocument = "document";
inline constexpr absl::string_view kUnitEvent = "event";
inline constexpr absl::string_view kUnitPercent = "percent";
inline constexpr absl::string_view kUnitPercentagePoint = "percentage_point";
inline constexpr absl::string_view kUnitPer1000People = "per_1000_people";
inline constexpr absl::string_view kUnitYear = "year";
inline constexpr absl::string_view kUnitMonth = "month";
inline constexpr absl::string_view kUnitDay = "day";

// The periods of rates, written after the base unit and a '/'.
inline constexpr absl::string_view kPeriodYear = "a";  // per annum
inline constexpr absl::string_view kPeriodMonth = "mo";
inline constexpr absl::string_view kPeriodDay = "d";

// True if `code` is an ISO 4217 code as written in canonical form (three
// capital letters) that ICU knows. Thread-safe.
bool IsCurrencyCode(absl::string_view code);

// True if `unit` is a currency code, a vocabulary unit, or a rate of one of
// them, exactly as spelled canonically ("USD", "person", "USD/a"; not "usd"
// or "USD/A"). Thread-safe.
bool IsKnownUnit(absl::string_view unit);

// The dimension of a canonical unit (of a rate, its base's);
// UNIT_DIMENSION_UNSPECIFIED for anything that IsKnownUnit() rejects.
// Thread-safe.
v1::UnitDimension DimensionOfUnit(absl::string_view unit);

// Returns the canonical spelling of `unit`, ignoring ASCII case ("usd" ->
// "USD", "Person" -> "person", "usd/A" -> "USD/a"). Returns INVALID_ARGUMENT
// for anything else: `unknown currency "USDD"` for three or four letters,
// `unknown period ...` for a rate per anything but a, mo or d, `unknown unit
// "..."` otherwise. Thread-safe.
absl::StatusOr<std::string> CanonicalizeUnit(absl::string_view unit);

// The rate of `base` per `period` ("USD", kPeriodYear -> "USD/a").
// REQUIRES: `base` is canonical and not a rate; `period` is one of the
// kPeriod* constants.
std::string RateUnit(absl::string_view base, absl::string_view period);

// The base unit of a rate ("USD/a" -> "USD"); any other unit itself.
absl::string_view BaseUnit(absl::string_view unit);

// A dimension's short name for messages: "MONEY", "COUNT", "RATIO",
// "DURATION", "UNSPECIFIED".
std::string DimensionName(v1::UnitDimension dimension);

}  // namespace factstore::normalizer

#endif  // FACTSTORE_NORMALIZER_UNITS_H_
