#include "normalizer/name_folding.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "common/mutex.h"
#include "unicode/normalizer2.h"
#include "unicode/translit.h"
#include "unicode/uchar.h"
#include "unicode/unistr.h"
#include "unicode/uscript.h"
#include "unicode/utf16.h"
#include "unicode/utf8.h"

namespace factstore::normalizer {
namespace {

// The ICU transform applied after NFKC_Casefold: decompose; drop the
// combining marks that follow a Latin, Greek or Cyrillic letter (accents,
// Vietnamese tone marks); map the Latin letters that do not decompose to
// ASCII ("đ" -> "d", "ø" -> "o"); drop marks again, now that more letters are
// Latin; compose again (which rebuilds Hangul syllables that NFD took apart).
constexpr char kFoldRules[] =
    ":: NFD ;"
    "$base = [[:Latin:][:Greek:][:Cyrillic:]] ;"
    "($base) [:Mn:]+ > $1 ;"
    ":: Latin-ASCII ;"
    ":: Null ;"
    "($base) [:Mn:]+ > $1 ;"
    ":: NFC ;";

void Die(const char* what, UErrorCode status) {
  std::fprintf(stderr, "factstore name folding: %s: %s\n", what,
               u_errorName(status));
  std::abort();
}

// The transform, built once. Creating it parses rules and loads Latin-ASCII
// from ICU's data; without it names cannot be folded consistently, so a
// failure (a broken ICU installation) is fatal rather than a silent change of
// every key.
class FoldTransform {
 public:
  static FoldTransform& Get() {
    static FoldTransform* const instance = new FoldTransform();
    return *instance;
  }

  // A copy of the prototype for the calling thread: ICU does not document
  // Transliterator::transliterate() as safe for concurrent use of one object.
  icu::Transliterator& ForThisThread() {
    thread_local std::unique_ptr<icu::Transliterator> local = Clone();
    return *local;
  }

 private:
  FoldTransform() {
    UErrorCode status = U_ZERO_ERROR;
    UParseError parse_error;
    prototype_.reset(icu::Transliterator::createFromRules(
        "factstore-fold", icu::UnicodeString::fromUTF8(kFoldRules),
        UTRANS_FORWARD, parse_error, status));
    if (U_FAILURE(status) || prototype_ == nullptr) {
      Die("cannot build the folding transliterator", status);
    }
  }

  std::unique_ptr<icu::Transliterator> Clone() {
    MutexLock lock(&mutex_);
    std::unique_ptr<icu::Transliterator> copy(prototype_->clone());
    if (copy == nullptr)
      Die("cannot clone the folding transliterator", U_MEMORY_ALLOCATION_ERROR);
    return copy;
  }

  // Cloning only reads the prototype, but ICU does not promise that reads
  // from several threads are safe either; clones are made once per thread.
  Mutex mutex_;
  std::unique_ptr<icu::Transliterator> prototype_ ABSL_PT_GUARDED_BY(mutex_);
};

const icu::Normalizer2& NfkcCasefold() {
  static const icu::Normalizer2* const instance = [] {
    UErrorCode status = U_ZERO_ERROR;
    const icu::Normalizer2* n =
        icu::Normalizer2::getNFKCCasefoldInstance(status);
    if (U_FAILURE(status)) Die("cannot load NFKC_Casefold", status);
    return n;
  }();
  return *instance;
}

bool IsAscii(absl::string_view text) {
  for (char c : text) {
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  }
  return true;
}

// Whether `c` separates words and is dropped: whitespace, punctuation,
// symbols, controls and unassigned code points.
bool IsSeparator(UChar32 c) {
  constexpr uint32_t kMask =
      U_GC_Z_MASK | U_GC_P_MASK | U_GC_S_MASK | U_GC_C_MASK;
  return (U_GET_GC_MASK(c) & kMask) != 0;
}

// Splits ASCII text into lower-cased words of letters and digits.
std::vector<std::string> AsciiWords(absl::string_view text) {
  std::vector<std::string> words;
  std::string word;
  for (char c : text) {
    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
      word.push_back(c);
    } else if (c >= 'A' && c <= 'Z') {
      word.push_back(static_cast<char>(c - 'A' + 'a'));
    } else if (!word.empty()) {
      words.push_back(std::move(word));
      word.clear();
    }
  }
  if (!word.empty()) words.push_back(std::move(word));
  return words;
}

// Whether the transform can change `c`: ASCII and letters of scripts other
// than Latin, Greek and Cyrillic (Hangul, Han, ...) pass through it as they
// are, so text made only of those skips it.
bool NeedsTransform(UChar32 c) {
  if (c < 0x80) return false;
  if ((U_GET_GC_MASK(c) & U_GC_M_MASK) != 0) return true;
  UErrorCode status = U_ZERO_ERROR;
  UScriptCode script = uscript_getScript(c, &status);
  return U_FAILURE(status) || script == USCRIPT_LATIN ||
         script == USCRIPT_GREEK || script == USCRIPT_CYRILLIC ||
         script == USCRIPT_COMMON || script == USCRIPT_INHERITED;
}

// Decodes the valid UTF-8 in `text`, skipping ill-formed sequences.
icu::UnicodeString DecodeValidUtf8(absl::string_view text) {
  icu::UnicodeString out;
  const auto* bytes = reinterpret_cast<const uint8_t*>(text.data());
  const int32_t length = static_cast<int32_t>(text.size());
  int32_t i = 0;
  while (i < length) {
    UChar32 c;
    U8_NEXT(bytes, i, length, c);
    if (c >= 0) out.append(c);
  }
  return out;
}

// Folds any text into words (see the header comment for the steps).
std::vector<std::string> UnicodeWords(absl::string_view text) {
  UErrorCode status = U_ZERO_ERROR;
  icu::UnicodeString folded =
      NfkcCasefold().normalize(DecodeValidUtf8(text), status);
  if (U_FAILURE(status)) return {};
  // Separators become spaces before the transform, so that the transform
  // cannot turn a symbol into letters ("©" would become "(C)").
  icu::UnicodeString spaced;
  bool transform = false;
  for (int32_t i = 0; i < folded.length();) {
    UChar32 c = folded.char32At(i);
    const bool separator = IsSeparator(c);
    spaced.append(separator ? UChar32{' '} : c);
    transform |= !separator && NeedsTransform(c);
    i += U16_LENGTH(c);
  }
  if (transform) FoldTransform::Get().ForThisThread().transliterate(spaced);

  std::vector<std::string> words;
  icu::UnicodeString word;
  auto flush = [&] {
    if (word.isEmpty()) return;
    std::string utf8;
    word.toUTF8String(utf8);
    words.push_back(std::move(utf8));
    word.remove();
  };
  for (int32_t i = 0; i < spaced.length();) {
    UChar32 c = spaced.char32At(i);
    i += U16_LENGTH(c);
    if (IsSeparator(c)) {
      flush();
    } else if (word.isEmpty() && (U_GET_GC_MASK(c) & U_GC_M_MASK) != 0) {
      // A mark with no letter to sit on: dropped, or it would sit on the
      // last letter of the word before once the separator is gone.
    } else {
      // Latin-ASCII writes small capitals as capitals ("ʜ" -> "H").
      word.append(u_foldCase(c, U_FOLD_CASE_DEFAULT));
    }
  }
  flush();
  return words;
}

std::vector<std::string> FoldedWords(absl::string_view text) {
  return IsAscii(text) ? AsciiWords(text) : UnicodeWords(text);
}

}  // namespace

std::string FoldName(absl::string_view text) {
  std::string out;
  for (const std::string& word : FoldedWords(text)) out += word;
  return out;
}

NameFormParts FoldNameWithWords(absl::string_view text) {
  std::vector<std::string> words = FoldedWords(text);
  NameFormParts parts;
  for (const std::string& word : words) parts.folded += word;
  size_t offset = words.empty() ? 0 : words[0].size();
  for (size_t i = 1; i < words.size() && i <= kMaxWordSuffixes; ++i) {
    parts.word_suffixes.push_back(parts.folded.substr(offset));
    offset += words[i].size();
  }
  return parts;
}

}  // namespace factstore::normalizer
