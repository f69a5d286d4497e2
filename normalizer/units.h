// The unit vocabulary of factstore quantities and the dimension of each unit.
//
// Money is measured in ISO 4217 currency codes ("USD", "VND", "KRW"); other
// units come from a fixed vocabulary:
//
//   COUNT      "count", "person", "organization", "document", "event"
//   RATIO      "percent", "percentage_point", "per_1000_people"
//   DURATION   "year", "month", "day"
//
// and physical units from UCUM (the Unified Code for Units of Measure), whose
// codes are case-sensitive ("MW" is a megawatt, "mW" would be a milliwatt):
//
//   POWER      "W", "kW", "MW", "GW"
//   ENERGY     "W.h", "kW.h", "MW.h", "GW.h", "TW.h"
//   MASS       "g", "kg", "t"
//   AREA       "m2", "ha", "km2"
//   LENGTH     "m", "km"
//   DATA       "By", "kBy", "MBy", "GBy", "TBy"
//   DATA_RATE  "bit/s", "kbit/s", "Mbit/s", "Gbit/s"
//
// A rate, an amount per period, is a unit followed by "/a" (per year), "/mo"
// (per month) or "/d" (per day): "USD/a", "person/d", "t/a". Its dimension is
// its unit's, so a MONEY predicate accepts "USD/a" unless its allowed units
// say otherwise. A rate is never of a rate, nor of a data rate: the '/' of
// "Mbit/s" is part of the unit, and "Mbit/s/a" is no unit.
//
// Each physical unit converts exactly to its dimension's base unit ("MW" is
// 1000000 "W"), so that amounts of one dimension can be compared across
// units; money, counts, ratios and durations are never converted.
//
//   IsKnownUnit("USD")              -> true
//   DimensionOfUnit("person")       -> UNIT_DIMENSION_COUNT
//   DimensionOfUnit("USD/a")        -> UNIT_DIMENSION_MONEY
//   DimensionOfUnit("Mbit/s")       -> UNIT_DIMENSION_DATA_RATE
//   CanonicalizeUnit("usd")         -> "USD"
//   CanonicalizeUnit("usd/A")       -> "USD/a"
//   CanonicalizeUnit("mw")          -> INVALID_ARGUMENT (physical units are
//                                      case-sensitive; "MW" is one)
//   CanonicalizeUnit("USDD")        -> INVALID_ARGUMENT:
//                                      unknown currency "USDD"
//   ScaleToBaseUnit("MW")           -> {"W", "1000000"}
//   ScaleToBaseUnit("USD")          -> nullopt
//
// Currency codes are the ones ICU knows as ISO 4217 codes, current and
// historic ("DEM" stays valid for old sources), except "XXX" (no currency)
// and "XTS" (testing).
#ifndef FACTSTORE_NORMALIZER_UNITS_H_
#define FACTSTORE_NORMALIZER_UNITS_H_

#include <optional>
#include <string>
#include <vector>

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

// True if `unit` is a currency code, a vocabulary unit, a physical unit, or
// a rate of one of them (but not of a data rate), exactly as spelled
// canonically ("USD", "person", "MW", "USD/a", "t/a"; not "usd", "USD/A",
// "mw" or "MWh"). Thread-safe.
bool IsKnownUnit(absl::string_view unit);

// The dimension of a canonical unit (of a rate, its base's);
// UNIT_DIMENSION_UNSPECIFIED for anything that IsKnownUnit() rejects.
// Thread-safe.
v1::UnitDimension DimensionOfUnit(absl::string_view unit);

// Returns the canonical spelling of `unit`. Currencies, vocabulary units and
// periods are read ignoring ASCII case ("usd" -> "USD", "Person" -> "person",
// "usd/A" -> "USD/a"); physical units only as their exact UCUM code ("MW",
// "kW.h"; "t/A" -> "t/a"), since case tells their prefixes apart. Returns
// INVALID_ARGUMENT for anything else: a physical unit in another case or
// without UCUM's '.' ("mw", "MWh") names the code it resembles, `unknown
// currency "USDD"` for three or four other letters, `unknown period ...` for
// a rate per anything but a, mo or d, a rate of a data rate is refused, and
// `unknown unit "..."` otherwise. Thread-safe.
absl::StatusOr<std::string> CanonicalizeUnit(absl::string_view unit);

// The rate of `base` per `period` ("USD", kPeriodYear -> "USD/a").
// REQUIRES: `base` is canonical and neither a rate nor a data rate;
// `period` is one of the kPeriod* constants.
std::string RateUnit(absl::string_view base, absl::string_view period);

// The unit a rate is of ("USD/a" -> "USD", "t/a" -> "t"); any other unit
// itself ("Mbit/s" -> "Mbit/s"). Not to be confused with the base unit of a
// dimension, which ScaleToBaseUnit() gives.
absl::string_view BaseUnit(absl::string_view unit);

// How amounts in a physical unit convert to its dimension's base unit: an
// amount in the unit times `factor` is the amount in `base_unit`, exactly.
struct UnitScale {
  std::string base_unit;  // "W", "W.h", "g", "m2", "m", "By", "bit/s"
  std::string factor;     // a canonical decimal: "1000000" for "MW"
};

// The base unit of canonical `unit`'s dimension and the factor to it:
// "MW" -> {"W", "1000000"}, "ha" -> {"m2", "10000"}, "GBy" -> {"By",
// "1000000000"} (prefixes are decimal, as in UCUM); a base unit is its own
// with factor "1". A rate scales as its unit, per the same period: "GW.h/a"
// -> {"W.h/a", "1000000000"}. Returns nullopt for units that are never
// converted (currencies, counts, ratios, durations, and their rates) and for
// anything IsKnownUnit() rejects. Thread-safe.
std::optional<UnitScale> ScaleToBaseUnit(absl::string_view unit);

// `amount` (a canonical decimal) in `from_unit` expressed in `to_unit`,
// exactly: the amount itself when the units are the same, the amount scaled
// by the ratio of their factors when both are physical units of one base
// ("2.5" GW in "MW" is "2500"), nullopt otherwise (currencies are never
// converted). Thread-safe.
std::optional<std::string> ConvertAmount(absl::string_view amount,
                                         absl::string_view from_unit,
                                         absl::string_view to_unit);

// The unit and amount under which the value index keeps a quantity: its
// base unit and the amount scaled to it for a physical unit ("2.5" GW is
// W "2500000000"), so that ranges compare across the units of a dimension;
// the unit and amount as given for any other. Thread-safe.
struct IndexedQuantity {
  std::string unit;
  std::string amount;
};
IndexedQuantity IndexForm(absl::string_view unit, absl::string_view amount);

// True for the dimensions of physical units: POWER, ENERGY, MASS, AREA,
// LENGTH, DATA, DATA_RATE.
bool IsPhysicalDimension(v1::UnitDimension dimension);

// The physical units of `dimension`, its base unit first ("W", "kW", "MW",
// "GW" for POWER); empty for dimensions that are not physical.
std::vector<absl::string_view> PhysicalUnitsOf(v1::UnitDimension dimension);

// A dimension's short name for messages: "MONEY", "COUNT", "RATIO",
// "DURATION", "POWER", "ENERGY", "MASS", "AREA", "LENGTH", "DATA",
// "DATA_RATE", "UNSPECIFIED".
std::string DimensionName(v1::UnitDimension dimension);

}  // namespace factstore::normalizer

#endif  // FACTSTORE_NORMALIZER_UNITS_H_
