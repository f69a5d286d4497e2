// Small readers for values of predicates whose value type is not a quantity
// or a date.
//
//   ParseBoolean("Yes", "en")   -> true
//   ParseBoolean("không", "vi") -> false
//   ParseBoolean("아니요", "ko") -> false
//   ParseBoolean("maybe", "en") -> INVALID_ARGUMENT
#ifndef FACTSTORE_NORMALIZER_VALUE_PARSERS_H_
#define FACTSTORE_NORMALIZER_VALUE_PARSERS_H_

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace factstore::normalizer {

// Reads a yes/no word: yes, no, true, false (English); có, không, đúng, sai
// (Vietnamese, with or without diacritics); 예, 네, 아니오, 아니요, 아니
// (Korean). Case and a trailing "." or "!" are ignored. The words of all three
// languages are accepted whatever `language` says, as they do not overlap;
// `language` is part of the signature so that every raw value is read the
// same way. Returns INVALID_ARGUMENT, quoting `text`, for anything else
// (including "1" and "0", which are not words a source writes for yes/no).
// Thread-safe.
absl::StatusOr<bool> ParseBoolean(absl::string_view text,
                                  absl::string_view language);

}  // namespace factstore::normalizer

#endif  // FACTSTORE_NORMALIZER_VALUE_PARSERS_H_
