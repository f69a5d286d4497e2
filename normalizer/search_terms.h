// The words of a fact's quotes and text values, as the word index keeps them
// and as SearchFacts queries look for them.
//
//   SearchTerms("Microelectronics and semiconductors")
//       -> {"microelectronics", "semiconductors"}      ("and" is dropped)
//   SearchTerms("ngành bán dẫn")     -> {"nganh", "ban", "dan"}
//   SearchTerms("반도체를 육성한다")  -> {"반도", "도체", "체를", "육성",
//   "성한", "한다"}
//
// Text is cut into words with ICU's word break rules (which also segment
// Chinese, Japanese and Thai by dictionary; text of ASCII, precomposed Latin
// letters and Hangul syllables, most quotes, is cut into the same words
// without ICU, which is faster), and each word is folded as
// names are (normalizer/name_folding.h: case, Vietnamese and other Latin
// diacritics, punctuation), so "Bán Dẫn" and "ban dan" meet. Korean writes
// particles onto the word before them ("반도체를"), so Hangul is indexed as
// overlapping pairs of syllables (a single syllable stands alone): a query's
// pairs are then found inside longer words. A handful of English function
// words ("the", "and", "of", ...) are dropped: they would match most facts
// and say nothing, and an English possessive is dropped ("FPT's" -> "fpt").
// Numbers are words too ("85.9" -> "859").
#ifndef FACTSTORE_NORMALIZER_SEARCH_TERMS_H_
#define FACTSTORE_NORMALIZER_SEARCH_TERMS_H_

#include <cstddef>
#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/strings/string_view.h"

namespace factstore::normalizer {

// A term is cut to at most this many bytes (at a character boundary), so
// index keys stay small; a query term is cut the same way.
inline constexpr size_t kMaxSearchTermBytes = 64;

// The distinct terms of `text`, in order of first appearance. Invalid UTF-8
// is skipped. Thread-safe.
std::vector<std::string> SearchTerms(absl::string_view text);

// Every term of `text` in order, repeats included (for counting how often a
// term occurs). Thread-safe.
std::vector<std::string> SearchTermOccurrences(absl::string_view text);

// The two steps of SearchTermOccurrences, for callers that remember what a
// word gives (words repeat far more than texts do):
//
// Calls `visit` with each word of `text` in order, as ICU's word breaks cut
// it (spaces and punctuation skipped, an English possessive dropped). The
// view is valid during the call only. Thread-safe.
void ForEachSearchWord(absl::string_view text,
                       absl::FunctionRef<void(absl::string_view word)> visit);

// True if ForEachSearchWord() cuts `text` without ICU: its characters are
// ASCII (but '_' and '@'), precomposed Latin letters or Hangul syllables.
// For tests.
bool CutsSearchWordsWithoutIcu(absl::string_view text);

// ForEachSearchWord() without its shortcut for the texts above, which skips
// ICU: for tests that check the two agree.
void ForEachSearchWordWithIcu(
    absl::string_view text,
    absl::FunctionRef<void(absl::string_view word)> visit);

// The terms of one word that ForEachSearchWord gave, in order, repeats
// included: SearchTermOccurrences(text) is their concatenation over the
// words of `text`. Thread-safe.
std::vector<std::string> WordSearchTerms(absl::string_view word);

// The word a term is indexed and searched as: a term of ASCII letters loses
// its English inflection (plural -s/-es/-ies, -ed, -ing) and a final -e,
// where at least four letters stay, so that "semiconductors" and
// "semiconductor", or "trade", "trades" and "trading", meet; other terms
// ("ngan" from "ngân", Hangul pairs, numbers) are their own word.
std::string SearchStem(absl::string_view term);

}  // namespace factstore::normalizer

#endif  // FACTSTORE_NORMALIZER_SEARCH_TERMS_H_
