// Exact decimal numbers as strings, the form factstore stores amounts in.
//
// A canonical decimal has an optional minus sign, an integer part without
// leading zeros, and an optional fractional part without trailing zeros:
// "0", "85900000000", "2.3", "-0.05". There is no "-0", no exponent and no
// grouping separator. Amounts never pass through floating point, so
// "85.9 billion" is stored as exactly "85900000000".
//
//   CanonicalizeDecimal("085.900")  -> "85.9"
//   ShiftDecimal("85.9", 9)         -> "85900000000"
//   AddDecimals("3000000000000", "500000000000") -> "3500000000000"
#ifndef FACTSTORE_COMMON_DECIMAL_H_
#define FACTSTORE_COMMON_DECIMAL_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace factstore {

// The longest canonical decimal factstore accepts, in bytes.
inline constexpr size_t kMaxDecimalLength = 100;

// True if `s` is a canonical decimal of at most kMaxDecimalLength bytes.
bool IsCanonicalDecimal(absl::string_view s);

// Converts a plain decimal ("+085.900", "-0.0", "12.", ".5") to canonical
// form. Returns INVALID_ARGUMENT if `s` is not an optionally signed run of
// ASCII digits with at most one '.', or if the result is too long.
absl::StatusOr<std::string> CanonicalizeDecimal(absl::string_view s);

// Compares two canonical decimals numerically: negative if a < b, zero if
// equal, positive if a > b.
// REQUIRES: IsCanonicalDecimal(a) && IsCanonicalDecimal(b).
int CompareDecimals(absl::string_view a, absl::string_view b);

// Returns `value` * 10^exponent in canonical form; `exponent` may be negative.
// REQUIRES: IsCanonicalDecimal(value).
std::string ShiftDecimal(absl::string_view value, int exponent);

// Returns a + b in canonical form, exactly (either may be negative).
// REQUIRES: both canonical.
std::string AddDecimals(absl::string_view a, absl::string_view b);

// Returns a * b in canonical form.
// REQUIRES: both canonical and non-negative.
std::string MultiplyDecimals(absl::string_view a, absl::string_view b);

}  // namespace factstore

#endif  // FACTSTORE_COMMON_DECIMAL_H_
