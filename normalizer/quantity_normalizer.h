// Reading quantities (money, counts, percentages, durations, physical
// measures) as sources write them in English, Vietnamese and Korean, into
// factstore's canonical v1::Quantity; and checking quantities that arrive
// already typed.
//
//   NormalizeQuantity("US$85.9 billion", "en", {})
//       -> {amount "85900000000", unit "USD", comparator EXACT}
//   NormalizeQuantity("khoảng 53.000 người", "vi", {})
//       -> {amount "53000", unit "person", comparator APPROXIMATELY}
//   NormalizeQuantity("3조 5천억 원", "ko", {})
//       -> {amount "3500000000000", unit "KRW"}
//   NormalizeQuantity("10-15%", "en", {})
//       -> {amount "10", unit "percent", comparator RANGE,
//           lower_bound "10", upper_bound "15"}
//   NormalizeQuantity("hàng trăm doanh nghiệp", "vi", {})
//       -> {amount "200", unit "organization", comparator AT_LEAST}
//   NormalizeQuantity("연간 10억 원", "ko", {})
//       -> {amount "1000000000", unit "KRW/a"}
//   NormalizeQuantity("3.5%p", "ko", {})
//       -> {amount "3.5", unit "percentage_point"}
//   NormalizeQuantity("3.5 billion kWh", "en", {})
//       -> {amount "3500000000", unit "kW.h"}
//   NormalizeQuantity("khoảng 300 héc-ta", "vi", {})
//       -> {amount "300", unit "ha", comparator APPROXIMATELY}
//   NormalizeQuantity("85.9 billion USDD", "en", {})
//       -> INVALID_ARGUMENT: cannot read "85.9 billion USDD" as a quantity:
//          unknown currency "USDD"
//
// The normalizer never guesses: text it cannot read completely is rejected
// with a message that quotes it and says what was wrong. normalizer/README.md
// documents the grammar per language, the words known and the conventions
// ("$" is USD, "nearly" is APPROXIMATELY, "100+" is AT_LEAST, "hundreds" is
// AT_LEAST 200, ...).
#ifndef FACTSTORE_NORMALIZER_QUANTITY_NORMALIZER_H_
#define FACTSTORE_NORMALIZER_QUANTITY_NORMALIZER_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "factstore/v1/types.pb.h"

namespace factstore::normalizer {

// What the predicate a quantity belongs to accepts (from v1::Predicate).
struct UnitHint {
  // The family of units accepted; UNSPECIFIED accepts any.
  v1::UnitDimension dimension = v1::UNIT_DIMENSION_UNSPECIFIED;
  // The exact units accepted, canonical or not ("usd" counts as "USD");
  // empty accepts any unit of `dimension`.
  std::vector<std::string> allowed_units;
};

// Reads `text` (at most 256 bytes of UTF-8) written in `language` (a BCP-47
// tag: "en", "vi", "ko"; any other tag, or "", reads as "en") into a canonical
// Quantity whose surface_text is `text`.
//
// The unit is the one the text names, which must fit `hint`. When the text
// names none ("53,000"), the unit is hint.allowed_units[0] if that is the only
// allowed unit, otherwise "count" for COUNT and UNSPECIFIED hints; hints of
// other dimensions (MONEY, RATIO, DURATION, the physical ones) then fail. A
// period in the text ("a year", "/tháng", "연간") makes that unit a rate of
// its base unit ("USD/a").
//
// Returns INVALID_ARGUMENT, with a message that quotes `text` and says what is
// wrong, for text that is empty, too long, not UTF-8, has no number, has words
// or numbers the grammar does not place, an unknown currency, a unit that does
// not fit `hint`, a unit symbol in the wrong case ("mW"), a range that ends
// below its start, a vague amount with another comparator than AT_LEAST or in
// a range, a rate per any period but a year, month or day, a rate of a data
// rate, or an amount longer than kMaxDecimalLength. Runs in time and memory
// bounded by the 256-byte limit. Thread-safe.
absl::StatusOr<v1::Quantity> NormalizeQuantity(absl::string_view text,
                                               absl::string_view language,
                                               const UnitHint& hint);

// Checks a Quantity sent already typed and returns its canonical form:
// amount and bounds canonical decimals ("085.90" -> "85.9"), unit spelled
// canonically ("usd" -> "USD", "usd/a" -> "USD/a"), comparator UNSPECIFIED ->
// EXACT. A RANGE needs lower_bound <= upper_bound and amount equal to
// lower_bound (an empty amount is set to it); other comparators must not have
// bounds. Amounts of COUNT, DURATION and physical units (and their rates)
// must not be negative. surface_text is kept as is. Returns INVALID_ARGUMENT
// naming the field at fault otherwise. Thread-safe.
absl::StatusOr<v1::Quantity> CanonicalizeQuantity(const v1::Quantity& quantity);

// Returns OK if canonical `unit` fits `hint` (is among allowed_units, when
// given, and of its dimension, when given); INVALID_ARGUMENT naming both the
// unit and what was expected otherwise. Thread-safe.
absl::Status CheckUnitFitsHint(absl::string_view unit, const UnitHint& hint);

}  // namespace factstore::normalizer

#endif  // FACTSTORE_NORMALIZER_QUANTITY_NORMALIZER_H_
