// Names for parameterized test cases built from their input text, so that a
// failing case reads "en_12_US_85_9_billion" rather than "12" (internal to
// normalizer/ tests).
#ifndef FACTSTORE_NORMALIZER_TEST_NAMES_H_
#define FACTSTORE_NORMALIZER_TEST_NAMES_H_

#include <cstddef>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace factstore::normalizer {

// "<language>_<index>_<the ASCII letters and digits of text>"; other
// characters become '_' (runs of them one '_'), and the text part is cut
// at 40 characters. The index keeps names unique.
inline std::string CaseName(absl::string_view language, size_t index,
                            absl::string_view text) {
  std::string name =
      absl::StrCat(language.empty() ? "xx" : language, "_", index, "_");
  size_t kept = 0;
  for (char c : text) {
    if (kept >= 40) break;
    bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                 (c >= '0' && c <= '9');
    if (alnum) {
      name.push_back(c);
    } else if (name.back() != '_') {
      name.push_back('_');
    }
    ++kept;
  }
  while (!name.empty() && name.back() == '_') name.pop_back();
  for (char& c : name) {
    if (c == '-') c = '_';
  }
  return name;
}

}  // namespace factstore::normalizer

#endif  // FACTSTORE_NORMALIZER_TEST_NAMES_H_
