// The words the quantity grammar knows, in English, Vietnamese and Korean,
// and the token preparation that both the grammar's input and the word list
// go through (internal to normalizer/).
//
//   PrepareQuantityTokens(Tokenize("US$85.9 billion"))
//       -> "US", "$", "85.9", "billion"        (digit groups joined)
//   QuantityLexicon::Get().Match(keys of "more", "than", "10")
//       -> the entry "more than" (PREFIX comparator MORE_THAN), 2 tokens
//
// One merged list serves all three languages: their words hardly overlap,
// and sources mix them ("85,9 tỷ USD"). What differs per language (how digits
// are grouped, where the counted noun stands) is the grammar's business.
#ifndef FACTSTORE_NORMALIZER_QUANTITY_WORDS_H_
#define FACTSTORE_NORMALIZER_QUANTITY_WORDS_H_

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "normalizer/text_tokens.h"

namespace factstore::normalizer {

enum class WordKind {
  // "about", "more than", "khoảng", "약"; number = Comparator
  kPrefixComparator,
  kPostfixComparator,  // "or more", "trở lên", "이상"; number = Comparator
  kFiller,             // "a total of": allowed before the number, no meaning
  kRangeOpen,          // "between" (number 1), "from", "từ" (number 0)
  kRangeJoin,          // "to", "~", "đến", "에서"
  kAnd,                // "and": joins a range only after "between"
  kUntil,              // "까지": ends a range, or means AT_MOST
  kScale,              // "million", "k", "tỷ"; text = multiplier ("1000000")
  kKoreanSmallUnit,    // 십, 백, 천; text = multiplier
  kKoreanBigUnit,      // 만, 억, 조, 경; text = multiplier
  kNumberWord,         // "one" ... "ninety", "hundred"; number = value
  kArticle,            // "a", "an" (one, before a scale word)
  kHalf,               // "half" ("half a million")
  kCurrency,           // "$", "dollars", "đồng", "원"; text = ISO 4217 code
  // "dozens", "hundreds", "millions": a vague amount, at least two of what
  // the word counts; text = that ("12", "100", "1000000")
  kVague,
  // "hàng" (number 0, before scale words: "hàng trăm"), "수" (number 1,
  // before Korean units: "수천억"): a vague amount of what follows
  kVaguePrefix,
  // "%", "percent", "phần trăm", "퍼센트" (text "percent"); "percentage
  // points", "pp", "%p", "điểm phần trăm", "%포인트" (text "percentage_point")
  kPercent,
  // "people", "firms", "người", "명"; text = unit, or "" for a Korean counter
  // that names no unit (개, 곳)
  kUnitNoun,
  // "MW", "hectares", "tấn", "톤": a physical unit; text = its UCUM code
  // ("MW", "ha", "t")
  kMeasure,
  kOf,        // "of" ("10 percent of companies")
  kParticle,  // Korean particles (의, 이, ...): no meaning here
  kDash,      // "-", "–", "—", "−": a range or a minus sign
  kPlus,      // "+": "100+" means AT_LEAST
  // "a year", "per month", "/ngày", "/년": after the amount, makes it a rate;
  // text = the period ("a", "mo", "d"), or "" for a period factstore does not
  // measure rates in ("per week")
  kPeriod,
  // "연간", "월": the same, before the amount (Korean)
  kLeadPeriod,
  // "per", "each", "mỗi", "/": meaning the grammar does not read (unless a
  // period or per-1000 phrase follows), so never skipped as part of a noun
  // phrase or as a Vietnamese modifier
  kReserved,
};

struct LexiconEntry {
  std::vector<std::string> keys;  // token keys of the phrase
  WordKind kind;
  std::string text;
  int number = 0;
  // Written as one ("%p"): matches only tokens that touch each other.
  bool attached = false;
  // For unit symbols ("MW", "km2"), whose case matters: the token texts the
  // entry matches, exactly; empty for entries matched by keys alone.
  std::vector<std::string> texts;
  // The entry as listed ("MW"), for messages.
  std::string written;
};

// The word list, built once. Thread-safe (immutable after construction).
class QuantityLexicon {
 public:
  static const QuantityLexicon& Get();

  // The longest entry whose keys equal the first keys of `keys`, or nullptr.
  // `joined` is how many of the first tokens are written together, with no
  // space between them; an attached entry matches only within them. `texts`
  // are the tokens as written (Token::text); an entry with texts of its own
  // (a unit symbol) matches only tokens written exactly so, and never when
  // `texts` is empty.
  const LexiconEntry* Match(absl::Span<const std::string> keys,
                            size_t joined = 1,
                            absl::Span<const std::string> texts = {}) const;

  // The longest unit symbol that the tokens spell but for ASCII case ("mW"
  // -> "MW"), for messages; nullptr if none.
  const LexiconEntry* MatchMiscased(absl::Span<const std::string> keys,
                                    size_t joined,
                                    absl::Span<const std::string> texts) const;

  // The most tokens an entry spans.
  size_t max_phrase_tokens() const { return max_phrase_tokens_; }

  // Whether `word` is a one-token Hangul entry (a piece SegmentHangul may cut
  // a Korean word into).
  bool IsHangulPiece(absl::string_view word) const {
    return hangul_pieces_.contains(word);
  }

  // The value of a Vietnamese numeral key ("hai" -> 2, "nam" -> 5), which
  // the grammar reads as a number only before a scale word ("năm triệu").
  std::optional<int> VietnameseNumeral(absl::string_view key) const;

  // Whether `key` names people in "per 1,000 <key>" phrases ("residents",
  // "dân").
  bool IsPer1000Noun(absl::string_view key) const {
    return per_1000_nouns_.contains(key);
  }

 private:
  QuantityLexicon();

  absl::flat_hash_map<std::string, std::vector<LexiconEntry>> by_first_key_;
  absl::flat_hash_set<std::string> hangul_pieces_;
  absl::flat_hash_map<std::string, int> vietnamese_numerals_;
  absl::flat_hash_set<std::string> per_1000_nouns_;
  size_t max_phrase_tokens_ = 1;
};

// Prepares tokens for the grammar: joins digit runs with the separators
// inside them into one kDigits token ("1", ",", "234" -> "1,234"); drops
// punctuation that carries no meaning here (. , ; : quotes and brackets);
// drops a hyphen between two attached words ("twenty-five", "đô-la"); and,
// when `segment_hangul`, cuts Korean words the lexicon does not know whole
// into known pieces ("명까지" -> "명", "까지"), or keeps a known noun at the
// end of a compound ("교육기관" -> a token with the key "기관").
std::vector<Token> PrepareQuantityTokens(std::vector<Token> tokens,
                                         bool segment_hangul);

}  // namespace factstore::normalizer

#endif  // FACTSTORE_NORMALIZER_QUANTITY_WORDS_H_
