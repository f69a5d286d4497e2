// Splitting raw source text into tokens, shared by the quantity and date
// normalizers (internal to normalizer/).
//
// The normalizers read short texts such as "US$85.9 billion", "khoảng 53.000
// người" or "2024년 8월 2일". Tokenize() checks the text (length, UTF-8),
// composes it (NFC) and cuts it into runs of digits, runs of letters of one
// script, and single symbols, remembering which tokens touch each other:
//
//   Tokenize("US$85.9bn") -> word "US", symbol "$", digits "85", symbol ".",
//                            digits "9", word "bn" (none separated by space)
//   Tokenize("5만3천명")   -> digits "5", word "만", digits "3", word "천명"
//
// Words carry a match key (FoldName(), so "Tỷ", "tỷ" and "ty" share the key
// "ty") which the grammars compare against their word lists. Korean writes
// particles and counters onto the word before them ("명까지", "년부터");
// SegmentHangul() cuts such a word into known pieces.
#ifndef FACTSTORE_NORMALIZER_TEXT_TOKENS_H_
#define FACTSTORE_NORMALIZER_TEXT_TOKENS_H_

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace factstore::normalizer {

// The languages whose grammars the normalizers know.
enum class Language { kEnglish, kVietnamese, kKorean };

// Maps a BCP-47 tag to a Language by its primary subtag, ignoring case:
// "vi", "vi-VN" -> kVietnamese; "ko", "ko-KR" -> kKorean; anything else,
// including "" and "en-GB", -> kEnglish.
Language LanguageFromTag(absl::string_view tag);

// The longest raw text the normalizers read, in bytes.
inline constexpr size_t kMaxRawTextBytes = 256;

// True if `text` is well-formed UTF-8 (the empty text is).
bool IsValidUtf8(absl::string_view text);

// Returns `text` in double quotes for an error message: quotes, backslashes
// and control characters escaped, bytes that are not valid UTF-8 written as
// \xNN, and text over 80 bytes cut at a character boundary and ended with
// "...". The result is always valid UTF-8, so it can go into a proto string.
std::string QuoteText(absl::string_view text);

enum class TokenKind {
  kDigits,  // a run of decimal digits of any script, stored as ASCII digits
  kWord,    // a run of letters (and combining marks) of one script
  kSymbol,  // one other character (punctuation, currency sign, ...)
};

struct Token {
  TokenKind kind = TokenKind::kSymbol;
  // The token as written, NFC; ASCII digits for kDigits; NFKC for kSymbol
  // (so a full-width "％" reads "%").
  std::string text;
  // What grammars match on: FoldName(text) for words ("Tỷ" -> "ty"); `text`
  // for digits and symbols.
  std::string key;
  // Words only: case-folded NFKC with diacritics kept ("Đ" -> "đ"), for the
  // few words whose diacritics matter.
  std::string lower;
  // True when whitespace separates this token from the one before it; true
  // for the first token.
  bool space_before = true;
  // True for a word of ASCII capital letters only ("USD", "IT").
  bool upper_ascii = false;
  // True for a word in Hangul.
  bool hangul = false;
};

// Splits `text` into tokens. Whitespace separates tokens and is dropped.
// Returns INVALID_ARGUMENT whose message is a bare reason ("the text is
// empty", "the text is longer than 256 bytes", "the text is not valid
// UTF-8") for callers to put after their own context.
// Thread-safe.
absl::StatusOr<std::vector<Token>> Tokenize(absl::string_view text);

// Tokenize() without its shortcut for text of ASCII characters only, which
// skips ICU: for tests that check the two agree.
absl::StatusOr<std::vector<Token>> TokenizeWithIcu(absl::string_view text);

// Cuts a Hangul word into pieces that `is_piece` accepts, using as few pieces
// as possible ("년까지" -> {"년", "까지"}). Returns an empty vector when the
// word cannot be cut so. Words over 64 characters are not cut.
std::vector<std::string> SegmentHangul(
    absl::string_view word,
    const std::function<bool(absl::string_view)>& is_piece);

// Makes a word token for a piece of a Hangul word (as cut by SegmentHangul),
// attached to the token before it unless `space_before`.
Token HangulPieceToken(absl::string_view piece, bool space_before);

}  // namespace factstore::normalizer

#endif  // FACTSTORE_NORMALIZER_TEXT_TOKENS_H_
