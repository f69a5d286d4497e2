#include "normalizer/search_terms.h"

#include <cstdio>
#include <cstdlib>
#include <memory>

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

}  // namespace

void ForEachSearchWord(absl::string_view text,
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
    absl::string_view view = word;
    // An English possessive is the word it is written onto ("FPT's").
    for (absl::string_view possessive : {"'s", "\u2019s", "'S", "\u2019S"}) {
      if (view.size() > possessive.size() && absl::EndsWith(view, possessive)) {
        view.remove_suffix(possessive.size());
        break;
      }
    }
    visit(view);
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
