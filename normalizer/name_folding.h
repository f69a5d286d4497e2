// Folding of entity names and aliases into the keys the alias index and name
// searches compare, so that spellings of one name meet:
//
//   FoldName("Đà Nẵng") == FoldName("Da Nang") == FoldName("DA-NANG")
//       == FoldName("Danang") == "danang"
//   FoldName("다낭") == "다낭"        (Hangul, Han and other scripts survive)
//   FoldName("Straße") == "strasse"
//
//   FoldNameWithWords("Ho Chi Minh City")
//       -> {folded "hochiminhcity",
//           word_suffixes {"chiminhcity", "minhcity", "city"}}
//
// The folding is: Unicode compatibility normalization with full case folding
// (NFKC_Casefold), removal of the diacritics of Latin, Greek and Cyrillic
// letters ("ệ" -> "e", "й" -> "и"), Latin letters without a decomposition
// mapped to ASCII by ICU's Latin-ASCII transform ("đ" -> "d", "ø" -> "o",
// "æ" -> "ae"), and removal of whitespace, punctuation, symbols and control
// characters. Combining marks of other scripts are kept (they change the
// letter, as in Devanagari), and the result is in NFC.
#ifndef FACTSTORE_NORMALIZER_NAME_FOLDING_H_
#define FACTSTORE_NORMALIZER_NAME_FOLDING_H_

#include <cstddef>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace factstore::normalizer {

// Returns the folded form of `text` (see above); "" when nothing is left.
// Byte sequences that are not valid UTF-8 are skipped, so the result is the
// folding of the valid part of `text`.
// Thread-safe. Text of ASCII characters only takes a fast path that does not
// touch ICU.
std::string FoldName(absl::string_view text);

// FoldNameWithWords() reports suffixes for at most this many later words.
inline constexpr size_t kMaxWordSuffixes = 16;

// A folded name and the folded name starting at each word after the first,
// for matching a name by a trailing part of it ("Minh City").
struct NameFormParts {
  // FoldName(text).
  std::string folded;
  // The folding of the text from its 2nd, 3rd, ... word on, in that order,
  // for at most kMaxWordSuffixes words. Words are split at whitespace,
  // punctuation and symbols ("Da-Nang" has the words "Da" and "Nang"); words
  // that fold to nothing are skipped.
  std::vector<std::string> word_suffixes;
};

// Folds `text` and lists its word suffixes. Invalid UTF-8 is skipped as in
// FoldName(). Thread-safe.
NameFormParts FoldNameWithWords(absl::string_view text);

}  // namespace factstore::normalizer

#endif  // FACTSTORE_NORMALIZER_NAME_FOLDING_H_
