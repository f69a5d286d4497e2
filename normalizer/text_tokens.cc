#include "normalizer/text_tokens.h"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "absl/algorithm/container.h"
#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "common/remembered_words.h"
#include "normalizer/name_folding.h"
#include "unicode/normalizer2.h"
#include "unicode/uchar.h"
#include "unicode/unistr.h"
#include "unicode/uscript.h"
#include "unicode/utf16.h"
#include "unicode/utf8.h"

namespace factstore::normalizer {
namespace {

constexpr size_t kMaxQuotedBytes = 80;
constexpr size_t kMaxSegmentedChars = 64;

// Byte offsets of the code points of valid UTF-8 `text`, plus text.size();
// empty if `text` is not valid UTF-8.
std::vector<int32_t> CodePointBounds(absl::string_view text) {
  std::vector<int32_t> bounds;
  const auto* bytes = reinterpret_cast<const uint8_t*>(text.data());
  const int32_t length = static_cast<int32_t>(text.size());
  int32_t i = 0;
  while (i < length) {
    bounds.push_back(i);
    UChar32 c;
    U8_NEXT(bytes, i, length, c);
    if (c < 0) return {};
  }
  bounds.push_back(length);
  return bounds;
}

std::string ToUtf8(const icu::UnicodeString& s) {
  std::string out;
  s.toUTF8String(out);
  return out;
}

// Returns the normalized form of `s` by `normalizer`, or `s` itself if ICU
// fails (only on allocation failure).
icu::UnicodeString Normalize(const icu::Normalizer2* normalizer,
                             const icu::UnicodeString& s) {
  if (normalizer == nullptr) return s;
  UErrorCode status = U_ZERO_ERROR;
  icu::UnicodeString out = normalizer->normalize(s, status);
  return U_FAILURE(status) ? s : out;
}

// ICU's normalizers, looked up once. ICU's own lazy initialization is
// thread-safe; holding them in function-local statics also makes that visible
// to ThreadSanitizer, which cannot see inside the uninstrumented ICU.
using NormalizerGetter = const icu::Normalizer2* (*)(UErrorCode&);

const icu::Normalizer2* Lookup(NormalizerGetter get) {
  UErrorCode status = U_ZERO_ERROR;
  const icu::Normalizer2* n = get(status);
  return U_FAILURE(status) ? nullptr : n;
}

const icu::Normalizer2* Nfc() {
  static const icu::Normalizer2* const n =
      Lookup(&icu::Normalizer2::getNFCInstance);
  return n;
}

const icu::Normalizer2* Nfkc() {
  static const icu::Normalizer2* const n =
      Lookup(&icu::Normalizer2::getNFKCInstance);
  return n;
}

const icu::Normalizer2* NfkcCasefold() {
  static const icu::Normalizer2* const n =
      Lookup(&icu::Normalizer2::getNFKCCasefoldInstance);
  return n;
}

bool IsSpace(UChar32 c) {
  return u_isUWhiteSpace(c) || (U_GET_GC_MASK(c) & U_GC_Z_MASK) != 0;
}

bool IsWordChar(UChar32 c) {
  return u_hasBinaryProperty(c, UCHAR_ALPHABETIC) ||
         (U_GET_GC_MASK(c) & U_GC_M_MASK) != 0;
}

// The script a character gives its word; USCRIPT_COMMON for characters that
// go with any script (combining marks, the prolonged sound mark, ...).
UScriptCode WordScript(UChar32 c) {
  UErrorCode status = U_ZERO_ERROR;
  UScriptCode script = uscript_getScript(c, &status);
  if (U_FAILURE(status) || script == USCRIPT_INHERITED) return USCRIPT_COMMON;
  return script;
}

// FoldName of a word, remembered per thread. Words of value texts repeat
// ("triệu", "người", "tháng", "năm"), and folding one that is not ASCII runs
// ICU's transliterator, which was a twentieth of the ingest service's CPU.
// ASCII words fold cheaply and are not kept. At most 4096 are kept, and an
// erasure forgets them (common/remembered_words.h).
std::string FoldWord(const std::string& word) {
  if (absl::c_all_of(word, [](char c) { return absl::ascii_isascii(c); })) {
    return FoldName(word);  // cheap: no transliteration
  }
  thread_local RememberedWords<std::string> folded(/*capacity=*/4096);
  return folded.Get(word, [](absl::string_view w) { return FoldName(w); });
}

// A word token of `text`; `lower` is its NFKC_Casefold.
Token WordToken(std::string text, std::string lower, UScriptCode script,
                bool space_before) {
  Token token;
  token.kind = TokenKind::kWord;
  token.key = FoldWord(text);
  token.lower = std::move(lower);
  token.space_before = space_before;
  token.hangul = script == USCRIPT_HANGUL;
  token.upper_ascii = !text.empty();
  for (char c : text) {
    if (c < 'A' || c > 'Z') token.upper_ascii = false;
  }
  token.text = std::move(text);
  return token;
}

Token MakeWord(const icu::UnicodeString& text, UScriptCode script,
               bool space_before) {
  return WordToken(ToUtf8(text), ToUtf8(Normalize(NfkcCasefold(), text)),
                   script, space_before);
}

// Tokenize() for text of ASCII characters only, without ICU: the same
// tokens, because ASCII text is its own NFC, its letters (the only ASCII
// characters ICU calls alphabetic) are Latin, its whitespace and control
// characters are exactly those up to the space and DEL, and each of its
// other characters is its own NFKC. The values and valid times of English
// sources are mostly ASCII, and reading them through ICU's UTF-16 strings
// was a third of reading a quantity (bench/normalizing.cc).
std::vector<Token> TokenizeAscii(absl::string_view text) {
  std::vector<Token> tokens;
  tokens.reserve(std::min<size_t>(text.size(), 16));
  bool space_pending = true;
  for (size_t i = 0; i < text.size();) {
    const char c = text[i];
    if (c <= ' ' || c == 0x7f) {
      space_pending = true;
      ++i;
      continue;
    }
    size_t end = i + 1;
    if (absl::ascii_isdigit(c)) {
      while (end < text.size() && absl::ascii_isdigit(text[end])) ++end;
      Token digits;
      digits.kind = TokenKind::kDigits;
      digits.text = std::string(text.substr(i, end - i));
      digits.key = digits.text;
      digits.space_before = space_pending;
      tokens.push_back(std::move(digits));
    } else if (absl::ascii_isalpha(c)) {
      while (end < text.size() && absl::ascii_isalpha(text[end])) ++end;
      std::string word(text.substr(i, end - i));
      std::string lower = absl::AsciiStrToLower(word);
      tokens.push_back(WordToken(std::move(word), std::move(lower),
                                 USCRIPT_LATIN, space_pending));
    } else {
      Token symbol;
      symbol.kind = TokenKind::kSymbol;
      symbol.text = std::string(1, c);
      symbol.key = symbol.text;
      symbol.space_before = space_pending;
      tokens.push_back(std::move(symbol));
    }
    space_pending = false;
    i = end;
  }
  return tokens;
}

}  // namespace

Language LanguageFromTag(absl::string_view tag) {
  absl::string_view primary = tag.substr(0, tag.find_first_of("-_"));
  std::string lower = absl::AsciiStrToLower(primary);
  if (lower == "vi" || lower == "vie") return Language::kVietnamese;
  if (lower == "ko" || lower == "kor") return Language::kKorean;
  return Language::kEnglish;
}

std::string QuoteText(absl::string_view text) {
  bool valid = IsValidUtf8(text);
  bool cut = text.size() > kMaxQuotedBytes;
  absl::string_view shown = text.substr(0, kMaxQuotedBytes);
  if (cut && valid) {
    // Back up to the start of a character.
    size_t end = shown.size();
    while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) {
      --end;
    }
    shown = text.substr(0, end);
  }
  std::string escaped =
      valid ? absl::Utf8SafeCEscape(shown) : absl::CHexEscape(shown);
  return absl::StrCat("\"", escaped, cut ? "...\"" : "\"");
}

absl::StatusOr<std::vector<Token>> Tokenize(absl::string_view text) {
  if (text.size() <= kMaxRawTextBytes &&
      absl::c_all_of(text, [](char c) { return absl::ascii_isascii(c); })) {
    std::vector<Token> tokens = TokenizeAscii(text);
    if (tokens.empty()) return absl::InvalidArgumentError("the text is empty");
    return tokens;
  }
  return TokenizeWithIcu(text);
}

absl::StatusOr<std::vector<Token>> TokenizeWithIcu(absl::string_view text) {
  if (text.size() > kMaxRawTextBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("the text is longer than ", kMaxRawTextBytes, " bytes"));
  }
  if (!IsValidUtf8(text)) {
    return absl::InvalidArgumentError("the text is not valid UTF-8");
  }
  icu::UnicodeString composed =
      Normalize(Nfc(), icu::UnicodeString::fromUTF8(icu::StringPiece(
                           text.data(), static_cast<int32_t>(text.size()))));

  std::vector<Token> tokens;
  tokens.reserve(std::min<size_t>(text.size(), 16));
  // The word or digit run being read.
  icu::UnicodeString word;
  UScriptCode word_script = USCRIPT_COMMON;
  bool word_space_before = true;
  Token digits;
  bool in_digits = false;
  bool space_pending = true;

  auto flush = [&] {
    if (!word.isEmpty()) {
      tokens.push_back(MakeWord(word, word_script, word_space_before));
      word.remove();
    }
    if (in_digits) {
      tokens.push_back(std::move(digits));
      digits = Token();
      in_digits = false;
    }
  };

  for (int32_t i = 0; i < composed.length();) {
    UChar32 c = composed.char32At(i);
    i += U16_LENGTH(c);
    if (u_charType(c) == U_FORMAT_CHAR) continue;  // zero-width joiners, BOM
    if (IsSpace(c) || u_iscntrl(c)) {
      flush();
      space_pending = true;
      continue;
    }
    if (u_charType(c) == U_DECIMAL_DIGIT_NUMBER) {
      if (!in_digits) {
        flush();
        in_digits = true;
        digits.kind = TokenKind::kDigits;
        digits.space_before = space_pending;
      }
      digits.text.push_back(static_cast<char>('0' + u_charDigitValue(c)));
      digits.key = digits.text;
      space_pending = false;
      continue;
    }
    if (IsWordChar(c)) {
      UScriptCode script = WordScript(c);
      bool continues = !word.isEmpty() &&
                       (script == USCRIPT_COMMON ||
                        word_script == USCRIPT_COMMON || script == word_script);
      if (!continues) {
        flush();
        word_space_before = space_pending;
        word_script = script;
      } else if (word_script == USCRIPT_COMMON) {
        word_script = script;
      }
      word.append(c);
      space_pending = false;
      continue;
    }
    flush();
    Token symbol;
    symbol.kind = TokenKind::kSymbol;
    symbol.text = ToUtf8(Normalize(Nfkc(), icu::UnicodeString(c)));
    symbol.key = symbol.text;
    symbol.space_before = space_pending;
    tokens.push_back(std::move(symbol));
    space_pending = false;
  }
  flush();
  if (tokens.empty()) return absl::InvalidArgumentError("the text is empty");
  return tokens;
}

std::vector<std::string> SegmentHangul(
    absl::string_view word,
    const std::function<bool(absl::string_view)>& is_piece) {
  std::vector<int32_t> bounds = CodePointBounds(word);
  if (bounds.size() < 2 || bounds.size() - 1 > kMaxSegmentedChars) return {};
  const size_t n = bounds.size() - 1;
  constexpr int kNone = std::numeric_limits<int>::max();
  // pieces[i]: fewest pieces covering the first i characters; from[i]: where
  // the last of them starts.
  std::vector<int> pieces(n + 1, kNone);
  std::vector<size_t> from(n + 1, 0);
  pieces[0] = 0;
  for (size_t end = 1; end <= n; ++end) {
    for (size_t start = 0; start < end; ++start) {
      if (pieces[start] == kNone || pieces[start] + 1 >= pieces[end]) continue;
      if (is_piece(word.substr(bounds[start], bounds[end] - bounds[start]))) {
        pieces[end] = pieces[start] + 1;
        from[end] = start;
      }
    }
  }
  if (pieces[n] == kNone) return {};
  std::vector<std::string> out(static_cast<size_t>(pieces[n]));
  for (size_t end = n, k = out.size(); end > 0; end = from[end]) {
    out[--k] = std::string(
        word.substr(bounds[from[end]], bounds[end] - bounds[from[end]]));
  }
  return out;
}

Token HangulPieceToken(absl::string_view piece, bool space_before) {
  return MakeWord(icu::UnicodeString::fromUTF8(icu::StringPiece(
                      piece.data(), static_cast<int32_t>(piece.size()))),
                  USCRIPT_HANGUL, space_before);
}

bool IsValidUtf8(absl::string_view text) {
  return text.empty() || !CodePointBounds(text).empty();
}

}  // namespace factstore::normalizer
