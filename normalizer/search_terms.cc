#include "normalizer/search_terms.h"

#include <array>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "common/mutex.h"
#include "common/remembered_words.h"
#include "normalizer/name_folding.h"
#include "unicode/brkiter.h"
#include "unicode/locid.h"
#include "unicode/rbbi.h"
#include "unicode/ubrk.h"
#include "unicode/unistr.h"
#include "unicode/utf8.h"

namespace factstore::normalizer {
namespace {

// ICU's word break iterator for the root locale, built once and cloned per
// thread: one BreakIterator object is not safe for concurrent use.
class WordBreaks {
 public:
  static icu::BreakIterator& ForThisThread() {
    thread_local std::unique_ptr<icu::BreakIterator> local = Get().Clone();
    return *local;
  }

 private:
  static WordBreaks& Get() {
    static WordBreaks* const instance = new WordBreaks();
    return *instance;
  }

  WordBreaks() {
    UErrorCode status = U_ZERO_ERROR;
    prototype_.reset(
        icu::BreakIterator::createWordInstance(icu::Locale::getRoot(), status));
    if (U_FAILURE(status) || prototype_ == nullptr) {
      // Without word breaks the index cannot be built consistently: fatal,
      // as for the name folding transform.
      std::fprintf(stderr,
                   "factstore search terms: no word break iterator: %s\n",
                   u_errorName(status));
      std::abort();
    }
  }

  std::unique_ptr<icu::BreakIterator> Clone() {
    MutexLock lock(&mutex_);
    std::unique_ptr<icu::BreakIterator> copy(prototype_->clone());
    if (copy == nullptr) {
      std::fputs("factstore search terms: cannot clone the word breaks\n",
                 stderr);
      std::abort();
    }
    return copy;
  }

  Mutex mutex_;
  std::unique_ptr<icu::BreakIterator> prototype_ ABSL_PT_GUARDED_BY(mutex_);
};

bool IsStopWord(absl::string_view term) {
  static const auto* const kStopWords = new absl::flat_hash_set<std::string>{
      "a",   "an",   "and", "are",  "as", "at",  "be",   "by",
      "for", "from", "in",  "is",   "it", "its", "of",   "on",
      "or",  "that", "the", "this", "to", "was", "were", "with"};
  return kStopWords->contains(term);
}

bool IsHangulSyllable(UChar32 c) { return c >= 0xAC00 && c <= 0xD7A3; }

// `term` cut to kMaxSearchTermBytes at a character boundary.
std::string Cut(absl::string_view term) {
  if (term.size() <= kMaxSearchTermBytes) return std::string(term);
  int32_t end = 0;
  int32_t i = 0;
  const auto* bytes = reinterpret_cast<const uint8_t*>(term.data());
  const auto size = static_cast<int32_t>(term.size());
  while (i < size) {
    UChar32 c;
    U8_NEXT(bytes, i, size, c);
    if (static_cast<size_t>(i) > kMaxSearchTermBytes) break;
    end = i;
  }
  return std::string(term.substr(0, static_cast<size_t>(end)));
}

// Appends the terms of one folded word: its runs of other characters whole,
// its runs of Hangul syllables as overlapping pairs.
void AddWordTerms(absl::string_view folded, std::vector<std::string>* out) {
  const auto* bytes = reinterpret_cast<const uint8_t*>(folded.data());
  const auto size = static_cast<int32_t>(folded.size());
  std::vector<std::string> syllables;  // the current Hangul run
  std::string other;                   // the current run of anything else
  auto end_hangul = [&] {
    if (syllables.size() == 1) out->push_back(syllables[0]);
    for (size_t i = 0; i + 1 < syllables.size(); ++i) {
      out->push_back(syllables[i] + syllables[i + 1]);
    }
    syllables.clear();
  };
  auto end_other = [&] {
    if (!other.empty() && !IsStopWord(other)) out->push_back(Cut(other));
    other.clear();
  };
  int32_t i = 0;
  while (i < size) {
    const int32_t start = i;
    UChar32 c;
    U8_NEXT(bytes, i, size, c);
    if (c < 0) continue;  // FoldName's output is valid UTF-8; be safe anyway
    absl::string_view piece = folded.substr(static_cast<size_t>(start),
                                            static_cast<size_t>(i - start));
    if (IsHangulSyllable(c)) {
      end_other();
      syllables.emplace_back(piece);
    } else {
      end_hangul();
      other.append(piece.data(), piece.size());
    }
  }
  end_hangul();
  end_other();
}

// FoldName(word), remembered per thread: folding a word that is not ASCII
// runs ICU's transliterator, and the words of news repeat a lot. An erasure
// forgets them (common/remembered_words.h).
std::string FoldWord(absl::string_view word) {
  thread_local RememberedWords<std::string> folded(/*capacity=*/1 << 16);
  return folded.Get(word, [](absl::string_view w) { return FoldName(w); });
}

// Calls `visit` with `word` without an English possessive written onto it
// ("FPT's" -> "FPT").
void VisitWord(absl::string_view word,
               absl::FunctionRef<void(absl::string_view word)> visit) {
  if (!word.empty() && (word.back() == 's' || word.back() == 'S')) {
    for (absl::string_view possessive : {"'s", "\u2019s", "'S", "\u2019S"}) {
      if (word.size() > possessive.size() && absl::EndsWith(word, possessive)) {
        word.remove_suffix(possessive.size());
        break;
      }
    }
  }
  visit(word);
}

// What ICU's word break rules make of a character of the texts cut without
// ICU. Written by hand from the Word_Break property (UAX #29) as ICU's root
// rules tailor it, for the characters of English, Vietnamese and Korean
// quotes; WordsAreCutAsIcuCutsThem checks every one against ICU.
enum class WordBreakClass {
  kUnknown,        // none of those below: the text is cut by ICU
  kOther,          // breaks on both sides: ASCII spaces, control characters
                   // and punctuation except those below
  kLetter,         // ALetter: A-Z, a-z, and the precomposed Latin letters
                   // of U+00C0-U+024F (but U+00D7 and U+00F7) and
                   // U+1E00-U+1EFF (Vietnamese's)
  kHangul,         // a Hangul syllable: ICU's root rules join these only to
                   // each other ("ICT산업" is two words)
  kDigit,          // Numeric: 0-9
  kBetweenBoth,    // MidNumLet '.' and Single_Quote '\'': inside "U.S" and
                   // "don't" between letters, inside "85.9" between digits
  kBetweenDigits,  // MidNum ',' and ';': inside "1,000" between digits
};
// ('_', ExtendNumLet, joins whatever it touches; it is rare enough in
// quotes to be left to ICU, as is '@', a letter to ICU 72's root rules but
// not to later ICUs': text holding one is cut by the ICU it runs with. ':'
// is MidLetter in UAX #29, but ICU's root rules take it out of that class,
// so "ab:cd" is two words.)

// The class of each ASCII character, looked up: classifying is most of
// cutting text without ICU.
constexpr std::array<WordBreakClass, 128> kAsciiClasses = [] {
  std::array<WordBreakClass, 128> classes{};
  for (int c = 0; c < 128; ++c) {
    classes[c] = WordBreakClass::kOther;
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')) {
      classes[c] = WordBreakClass::kLetter;
    } else if (c >= '0' && c <= '9') {
      classes[c] = WordBreakClass::kDigit;
    }
  }
  classes['.'] = classes['\''] = WordBreakClass::kBetweenBoth;
  classes[','] = classes[';'] = WordBreakClass::kBetweenDigits;
  classes['_'] = classes['@'] = WordBreakClass::kUnknown;
  return classes;
}();

// The class of the character at `i`, and its size in bytes.
std::pair<WordBreakClass, size_t> ClassifyAt(absl::string_view text, size_t i) {
  const auto byte = static_cast<unsigned char>(text[i]);
  if (byte < 0x80) return {kAsciiClasses[byte], 1};
  const auto* bytes = reinterpret_cast<const uint8_t*>(text.data());
  const auto size = static_cast<int32_t>(text.size());
  auto next = static_cast<int32_t>(i);
  UChar32 code_point;
  U8_NEXT(bytes, next, size, code_point);
  const auto length = static_cast<size_t>(next) - i;
  // Invalid UTF-8 gives a negative code point: kUnknown.
  if ((code_point >= 0xC0 && code_point <= 0x24F && code_point != 0xD7 &&
       code_point != 0xF7) ||
      (code_point >= 0x1E00 && code_point <= 0x1EFF)) {
    return {WordBreakClass::kLetter, length};
  }
  if (IsHangulSyllable(code_point)) return {WordBreakClass::kHangul, length};
  return {WordBreakClass::kUnknown, length};
}

// True if a word that ends in a character of class `last` goes on over
// `next`, with no character between.
bool Joins(WordBreakClass last, WordBreakClass next) {
  const bool last_hangul = last == WordBreakClass::kHangul;
  const bool next_hangul = next == WordBreakClass::kHangul;
  if (last_hangul || next_hangul) return last_hangul && next_hangul;
  return (last == WordBreakClass::kLetter || last == WordBreakClass::kDigit) &&
         (next == WordBreakClass::kLetter || next == WordBreakClass::kDigit);
}

bool StartsWord(WordBreakClass c) {
  return c == WordBreakClass::kLetter || c == WordBreakClass::kDigit ||
         c == WordBreakClass::kHangul;
}

// ForEachSearchWord for text that CutsSearchWordsWithoutIcu, without ICU:
// the same words. A word is a run of Hangul syllables, or a run of letters and
// digits (UAX #29 rules WB5 and WB8-WB10) that also takes in a kBetweenBoth
// character between two letters (WB6-WB7) and a kBetweenBoth or
// kBetweenDigits one between two digits (WB11-WB12). ICU gives every other
// stretch the status UBRK_WORD_NONE, which ForEachSearchWord skips. Quotes
// are mostly such text, and ICU's UTF-16 copy of it, its break iterator and
// the UTF-8 copy of each word were more than half of cutting one
// (bench/word_cutting.cc).
void ForEachWordWithoutIcu(
    absl::string_view text,
    absl::FunctionRef<void(absl::string_view word)> visit) {
  size_t i = 0;
  while (i < text.size()) {
    auto [last, length] = ClassifyAt(text, i);
    if (!StartsWord(last)) {
      i += length;
      continue;
    }
    const size_t start = i;
    i += length;
    while (i < text.size()) {
      const auto [next, next_length] = ClassifyAt(text, i);
      if (Joins(last, next)) {
        last = next;
        i += next_length;
        continue;
      }
      const size_t after_at = i + next_length;
      if (after_at >= text.size()) break;
      const auto [after, after_length] = ClassifyAt(text, after_at);
      const bool joins_letters = last == WordBreakClass::kLetter &&
                                 after == WordBreakClass::kLetter &&
                                 next == WordBreakClass::kBetweenBoth;
      const bool joins_digits = last == WordBreakClass::kDigit &&
                                after == WordBreakClass::kDigit &&
                                (next == WordBreakClass::kBetweenBoth ||
                                 next == WordBreakClass::kBetweenDigits);
      if (!joins_letters && !joins_digits) break;
      last = after;
      i = after_at + after_length;
    }
    VisitWord(text.substr(start, i - start), visit);
  }
}

}  // namespace

bool CutsSearchWordsWithoutIcu(absl::string_view text) {
  // It holds no kUnknown.
  for (size_t i = 0; i < text.size();) {
    const auto [c, length] = ClassifyAt(text, i);
    if (c == WordBreakClass::kUnknown) return false;
    i += length;
  }
  return true;
}

void ForEachSearchWord(absl::string_view text,
                       absl::FunctionRef<void(absl::string_view word)> visit) {
  if (CutsSearchWordsWithoutIcu(text)) {
    ForEachWordWithoutIcu(text, visit);
    return;
  }
  ForEachSearchWordWithIcu(text, visit);
}

void ForEachSearchWordWithIcu(
    absl::string_view text,
    absl::FunctionRef<void(absl::string_view word)> visit) {
  if (text.empty()) return;
  icu::UnicodeString unicode = icu::UnicodeString::fromUTF8(
      icu::StringPiece(text.data(), static_cast<int32_t>(text.size())));
  icu::BreakIterator& breaks = WordBreaks::ForThisThread();
  breaks.setText(unicode);
  std::string word;  // one buffer for every word of the text
  int32_t start = breaks.first();
  for (int32_t end = breaks.next(); end != icu::BreakIterator::DONE;
       start = end, end = breaks.next()) {
    // Spaces and punctuation between words have the status UBRK_WORD_NONE.
    if (breaks.getRuleStatus() == UBRK_WORD_NONE) continue;
    word.clear();
    unicode.tempSubStringBetween(start, end).toUTF8String(word);
    VisitWord(word, visit);
  }
}

std::vector<std::string> WordSearchTerms(absl::string_view word) {
  std::vector<std::string> terms;
  AddWordTerms(FoldWord(word), &terms);
  return terms;
}

std::vector<std::string> SearchTermOccurrences(absl::string_view text) {
  std::vector<std::string> terms;
  ForEachSearchWord(text, [&terms](absl::string_view word) {
    AddWordTerms(FoldWord(word), &terms);
  });
  return terms;
}

std::string SearchStem(absl::string_view term) {
  // A light stemmer by hand, after the first step of Porter's (inflections
  // only): the languages' full stemmers (Snowball) are not among Debian's
  // C++ libraries here, and only English needs one (Vietnamese words do not
  // inflect; Korean particles are met by syllable pairs). Derivations
  // ("-ion", "-ment") are left alone: "billion" is no "bill".
  constexpr size_t kMinStemLetters = 4;
  for (char c : term) {
    if (!absl::ascii_islower(c)) return std::string(term);
  }
  std::string w(term);
  auto cut = [&](absl::string_view ending, absl::string_view replacement) {
    if (w.size() < ending.size() + kMinStemLetters - replacement.size() ||
        !absl::EndsWith(w, ending)) {
      return false;
    }
    w.resize(w.size() - ending.size());
    w.append(replacement.data(), replacement.size());
    return true;
  };
  // Plurals and third persons: "businesses" -> "business", "companies" ->
  // "company", "chips" -> "chip"; "business", "status", "analysis" stay.
  if (!cut("sses", "ss") && !cut("ies", "y") && !absl::EndsWith(w, "ss") &&
      !absl::EndsWith(w, "us") && !absl::EndsWith(w, "is")) {
    cut("s", "");
  }
  // Past and progressive forms: "designed", "growing".
  if (!cut("ing", "")) cut("ed", "");
  // A final "e" goes, so that "trade", "trades", "traded" and "trading" meet
  // ("trad"), as "service" and "services" do.
  cut("e", "");
  return w;
}

std::vector<std::string> SearchTerms(absl::string_view text) {
  std::vector<std::string> distinct;
  absl::flat_hash_set<std::string> seen;
  for (std::string& term : SearchTermOccurrences(text)) {
    if (seen.insert(term).second) distinct.push_back(std::move(term));
  }
  return distinct;
}

}  // namespace factstore::normalizer
