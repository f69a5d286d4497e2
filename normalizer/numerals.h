// Reading numbers written with digit-group and decimal separators, per
// language (internal to normalizer/).
//
// English and Korean write "1,234.5"; Vietnamese writes "1.234,5". A lone
// separator is read by these rules, written by hand because ICU's number
// parser guesses where factstore must not:
//
//   English, Korean   ","  groups thousands, and only before exactly three
//                          digits: "53,000" -> 53000; "85,9" is an error.
//                     "."  is the decimal point: "1.234" -> 1.234.
//   Vietnamese        "."  groups thousands before exactly three digits
//                          ("53.000" -> 53000) and is otherwise the decimal
//                          point ("85.9" -> 85.9, "0.500" -> 0.5).
//                     ","  is the decimal point: "85,9" -> 85.9.
//   Any language      when both appear, the last one is the decimal point
//                     and must appear once ("1.234,5" and "1,234.5" ->
//                     1234.5); a separator that appears twice or more
//                     groups thousands ("1.234.567").
//
// Groups of thousands have 1-3 digits first (not starting with 0) and exactly
// 3 digits after that.
#ifndef FACTSTORE_NORMALIZER_NUMERALS_H_
#define FACTSTORE_NORMALIZER_NUMERALS_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "normalizer/text_tokens.h"

namespace factstore::normalizer {

// Reads `raw`, ASCII digits with single ',' or '.' between them, into a
// canonical decimal (common/decimal.h). Returns INVALID_ARGUMENT with a bare
// reason (the caller adds which text it was reading) when the separators do
// not follow the rules above or the number is longer than kMaxDecimalLength.
// Thread-safe.
absl::StatusOr<std::string> ReadDigitGroups(absl::string_view raw,
                                            Language language);

}  // namespace factstore::normalizer

#endif  // FACTSTORE_NORMALIZER_NUMERALS_H_
