#include "normalizer/quantity_normalizer.h"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/types/span.h"
#include "common/decimal.h"
#include "common/status_macros.h"
#include "normalizer/numerals.h"
#include "normalizer/quantity_words.h"
#include "normalizer/text_tokens.h"
#include "normalizer/units.h"
#include "unicode/uchar.h"
#include "unicode/utf8.h"

namespace factstore::normalizer {
namespace {

// The quantity grammar. ICU parses numbers and spelled-out numbers of one
// locale, but not the mixtures sources write ("US$85.9 billion", "85,9 tỷ
// USD", "3조 5천억 원") and not comparators or units, so the grammar is
// written here by hand:
//
//   quantity := (lead-noun-phrase | lead-period)*   (Korean: "IT 인력 74만 명",
//                                                    "연간 10억 원")
//               (comparator | filler | range-open | lead-period)*
//               amount (range-join amount)?
//               tail*
//   amount   := currency? sign? number currency? (percent | measure)?
//   number   := (coefficient scale*)+        ("3 tỷ 500 triệu", "1.5 million")
//             | Korean number                ("3조 5천억", "5만 3천")
//             | vague                        ("tens of thousands", "hàng trăm
//                                             triệu", "수천억")
//   vague    := vague-word ("of" vague-word)*   (each larger than the last)
//             | "hàng" scale+ | "수" Korean-unit+
//   tail     := currency | percent | measure | postfix-comparator | "+"
//             | per-1000 | period | "of" (first, after a vague amount)
//             | noun-phrase
//
// A noun phrase names the unit by its head noun: the last word in English and
// Korean ("Vietnamese digital tech firms"), the first in Vietnamese
// ("doanh nghiệp công nghệ số Việt Nam"), whose later words are modifiers and
// are skipped. Any other word is an error.
//
// "percent" stands for every word that names a percentage or percentage
// points, "measure" for the names and symbols of physical units ("MW",
// "hectares", "tấn", "톤"), whose symbols match only as written ("mW" is not
// "MW"). What follows a percentage or a measure only says of what: "of ..."
// in English ("300 hectares of farmland"), any words in Vietnamese ("300 ha
// đất nông nghiệp"). A period ("a year", "/tháng", "/일"; Korean "연간", "월"
// before the amount) makes the unit a rate, "USD/a". A vague amount
// ("hundreds") is at least two of what its words count (AT_LEAST 200) and
// cannot end a range.

enum class ItemType {
  kNumber,         // digits; value = canonical decimal
  kWord,           // a lexicon entry; word, value (entry text), number
  kPer1000,        // "per 1,000 residents", "trên 1.000 dân", "1,000명당"
  kUnknownWord,    // a word the lexicon does not know
  kUnknownSymbol,  // any other character
};

struct Item {
  ItemType type = ItemType::kUnknownSymbol;
  WordKind word = WordKind::kFiller;
  std::string value;
  int number = 0;
  std::string key;      // the first token's key
  std::string surface;  // as written, for messages
  bool space_before = true;
  bool upper_ascii = false;
  // For an unknown word: the unit symbol it would be if written in another
  // case ("MW" for "mW"), for messages.
  std::string resembles;
};

std::string Surface(const std::vector<Token>& tokens, size_t begin,
                    size_t end) {
  std::string out;
  for (size_t i = begin; i < end; ++i) {
    if (i > begin && tokens[i].space_before) out += ' ';
    out += tokens[i].text;
  }
  return out;
}

// The currency of "US$", "HK$" and the like; "" if unknown.
absl::string_view DollarPrefixCurrency(absl::string_view prefix) {
  static constexpr struct {
    absl::string_view prefix;
    absl::string_view code;
  } kPrefixes[] = {{"US", "USD"}, {"A", "AUD"},  {"AU", "AUD"}, {"C", "CAD"},
                   {"CA", "CAD"}, {"HK", "HKD"}, {"S", "SGD"},  {"SG", "SGD"},
                   {"NZ", "NZD"}, {"NT", "TWD"}, {"R", "BRL"},  {"MX", "MXN"}};
  for (const auto& p : kPrefixes) {
    if (p.prefix == prefix) return p.code;
  }
  return "";
}

bool IsThousand(const Token& token, Language language) {
  if (token.kind == TokenKind::kDigits) {
    absl::StatusOr<std::string> value = ReadDigitGroups(token.text, language);
    return value.ok() && *value == "1000";
  }
  return token.key == "thousand" || token.key == "nghin" ||
         token.key == "ngan" || token.key == "천";
}

// The number of tokens of a "per 1,000 people" phrase at `i`, or 0.
size_t MatchPer1000(const std::vector<Token>& tokens, size_t i,
                    Language language, bool after_number) {
  const QuantityLexicon& lexicon = QuantityLexicon::Get();
  auto at = [&](size_t j) -> const Token* {
    return j < tokens.size() ? &tokens[j] : nullptr;
  };
  // Korean: "(인구) 1,000명당", "(인구) 천 명당"; 당 ("per") makes it
  // unambiguous, so it may come first.
  size_t j = i;
  if (at(j) != nullptr && at(j)->key == "인구") ++j;
  if (at(j) != nullptr && at(j + 2) != nullptr &&
      IsThousand(*at(j), language) && at(j + 1)->key == "명" &&
      at(j + 2)->key == "당") {
    return j + 3 - i;
  }
  // English and Vietnamese: "per 1,000 residents", "trên 1.000 dân",
  // "/1.000 dân", "mỗi nghìn người". Only after the number: "trên 1.000
  // người" at the start is "more than 1,000 people".
  const Token* per = at(i);
  if (!after_number) return 0;
  if (per == nullptr || !(per->key == "per" || per->key == "tren" ||
                          per->key == "moi" || per->text == "/")) {
    return 0;
  }
  j = i + 1;
  if (at(j) != nullptr && at(j + 1) != nullptr &&
      (at(j)->key == "a" || at(j)->key == "one" || at(j)->key == "mot") &&
      at(j + 1)->kind == TokenKind::kWord && IsThousand(*at(j + 1), language)) {
    ++j;
  }
  if (at(j) == nullptr || !IsThousand(*at(j), language)) return 0;
  ++j;
  if (at(j) == nullptr) return 0;
  if (at(j + 1) != nullptr &&
      lexicon.IsPer1000Noun(at(j)->key + at(j + 1)->key)) {
    return j + 2 - i;
  }
  return lexicon.IsPer1000Noun(at(j)->key) ? j + 1 - i : 0;
}

bool IsCurrencySymbol(const Token& token) {
  if (token.kind != TokenKind::kSymbol) return false;
  const auto* bytes = reinterpret_cast<const uint8_t*>(token.text.data());
  int32_t i = 0;
  UChar32 c;
  U8_NEXT(bytes, i, static_cast<int32_t>(token.text.size()), c);
  return c >= 0 && u_charType(c) == U_CURRENCY_SYMBOL;
}

absl::Status UnknownCurrency(absl::string_view what) {
  return absl::InvalidArgumentError(
      absl::StrCat("unknown currency ", QuoteText(what)));
}

// Turns prepared tokens into grammar items: numbers, lexicon phrases (longest
// first), and unknown words and symbols.
absl::StatusOr<std::vector<Item>> Classify(const std::vector<Token>& tokens,
                                           Language language) {
  const QuantityLexicon& lexicon = QuantityLexicon::Get();
  std::vector<Item> items;
  items.reserve(tokens.size());
  // The tokens' keys and texts side by side, for the lexicon's lookups of
  // the phrase starting at each token.
  std::vector<std::string> all_keys, all_texts;
  all_keys.reserve(tokens.size());
  all_texts.reserve(tokens.size());
  for (const Token& token : tokens) {
    all_keys.push_back(token.key);
    all_texts.push_back(token.text);
  }
  bool seen_number = false;
  for (size_t i = 0; i < tokens.size();) {
    const Token& token = tokens[i];
    Item item;
    item.key = token.key;
    item.space_before = token.space_before;
    item.upper_ascii = token.upper_ascii;
    size_t length = 1;
    if (token.kind == TokenKind::kDigits) {
      FS_ASSIGN_OR_RETURN(item.value, ReadDigitGroups(token.text, language));
      item.type = ItemType::kNumber;
      seen_number = true;
    } else if (size_t per = MatchPer1000(tokens, i, language, seen_number);
               per > 0) {
      item.type = ItemType::kPer1000;
      length = per;
    } else if (token.kind == TokenKind::kWord && token.upper_ascii &&
               token.text.size() <= 3 && i + 1 < tokens.size() &&
               tokens[i + 1].text == "$" && !tokens[i + 1].space_before) {
      // "US$", "HK$": capitals written onto a dollar sign.
      absl::string_view code = DollarPrefixCurrency(token.text);
      if (code.empty()) return UnknownCurrency(token.text + "$");
      item.type = ItemType::kWord;
      item.word = WordKind::kCurrency;
      item.value = std::string(code);
      length = 2;
    } else if (token.kind == TokenKind::kWord && token.lower == "đ") {
      // "đ" is the Vietnamese dong; its key "d" would match too much.
      item.type = ItemType::kWord;
      item.word = WordKind::kCurrency;
      item.value = "VND";
    } else {
      const size_t phrase =
          std::min(tokens.size() - i, lexicon.max_phrase_tokens());
      const auto keys = absl::MakeConstSpan(all_keys).subspan(i, phrase);
      const auto texts = absl::MakeConstSpan(all_texts).subspan(i, phrase);
      size_t joined = 0;  // tokens from i on with no space between them
      for (size_t j = i; j < i + phrase; ++j) {
        if (joined == j - i && (j == i || !tokens[j].space_before)) ++joined;
      }
      if (const LexiconEntry* entry = lexicon.Match(keys, joined, texts)) {
        item.type = ItemType::kWord;
        item.word = entry->kind;
        item.value = entry->text;
        item.number = entry->number;
        length = entry->keys.size();
      } else if (token.kind == TokenKind::kWord && token.upper_ascii &&
                 IsCurrencyCode(token.text)) {
        item.type = ItemType::kWord;
        item.word = WordKind::kCurrency;
        item.value = token.text;
      } else if (IsCurrencySymbol(token)) {
        return UnknownCurrency(token.text);
      } else if (const LexiconEntry* symbol =
                     lexicon.MatchMiscased(keys, joined, texts);
                 symbol != nullptr && token.kind == TokenKind::kWord) {
        item.type = ItemType::kUnknownWord;
        item.resembles = symbol->written;
        length = symbol->keys.size();
      } else {
        item.type = token.kind == TokenKind::kWord ? ItemType::kUnknownWord
                                                   : ItemType::kUnknownSymbol;
      }
    }
    item.surface = Surface(tokens, i, i + length);
    items.push_back(std::move(item));
    i += length;
  }
  return items;
}

// A number read from digits and words, before its sign.
struct NumberValue {
  std::string value;  // canonical, non-negative
  bool scaled = false;
  // A vague amount's words as written ("tens of thousands", "hàng trăm"), ""
  // for a number.
  std::string vague;
  // When one coefficient carries all the scale words ("200 million",
  // "5천만"), their product; the lower end of a range without scale words
  // takes it over ("100-200 million").
  std::string multiplier;
};

struct Amount {
  NumberValue number;
  bool negative = false;
};

// What the grammar read, before the unit is checked against the hint.
struct Reading {
  std::string low;   // canonical decimal
  std::string high;  // canonical decimal; set for ranges only
  v1::Comparator comparator = v1::COMPARATOR_UNSPECIFIED;
  std::string currency;
  // kUnitPercent or kUnitPercentagePoint when "%"-like words name it.
  std::string percent_unit;
  std::string measure;  // the physical unit named ("MW"), "" for none
  bool per_1000 = false;
  std::string noun_unit;  // the unit the nouns name, "" for none
  std::string period;     // a rate's period (kPeriodYear, ...), "" for none
};

// How a range opens before its first number.
struct RangeOpening {
  bool between = false;  // "between" (joins with "and")
  bool from = false;     // "from", "từ" (join with "to", "đến")
};

class Parser {
 public:
  Parser(Language language, std::vector<Item> items)
      : language_(language), items_(std::move(items)) {}

  absl::StatusOr<Reading> Parse();

 private:
  bool IsWord(size_t i, WordKind kind) const {
    return i < items_.size() && items_[i].type == ItemType::kWord &&
           items_[i].word == kind;
  }
  bool IsNumber(size_t i) const {
    return i < items_.size() && items_[i].type == ItemType::kNumber;
  }
  // Whether the item at `i` is part of a number (digits, number words,
  // scale words, Korean units, vague words, "hàng"/"수" before their units).
  bool IsNumberLike(size_t i) const;
  // The end of the units that follow the kVaguePrefix item at `i` ("hàng
  // trăm triệu": scale words, each larger than the last; "수천억": at most
  // one of 십/백/천, then at most one of 만/억/조/경); i + 1 if none do.
  size_t VaguePrefixEnd(size_t i) const;
  bool IsKoreanUnit(size_t i) const {
    return IsWord(i, WordKind::kKoreanSmallUnit) ||
           IsWord(i, WordKind::kKoreanBigUnit);
  }

  // Whether an amount starts at `i`: a number, maybe after a currency and a
  // sign.
  bool StartsAmount(size_t i) const {
    if (IsWord(i, WordKind::kCurrency)) ++i;
    if (IsWord(i, WordKind::kDash) || IsWord(i, WordKind::kPlus)) ++i;
    return IsNumberLike(i) || IsWord(i, WordKind::kArticle);
  }

  // Whether the item at `i` may be part of a noun phrase: an unknown word, a
  // unit noun or a particle. REQUIRES: i < items_.size().
  bool InNounPhrase(size_t i) const {
    return items_[i].type == ItemType::kUnknownWord ||
           IsWord(i, WordKind::kUnitNoun) || IsWord(i, WordKind::kParticle);
  }
  // Whether the item at `i` joins the ends of a range ("to", "-"; "and" when
  // the range opened with `between`).
  bool IsRangeJoin(size_t i, bool between) const;

  // The steps of Parse, in order; each reads from pos_ on and advances it.
  // Reads the Korean noun phrase (and per-1000 phrase and period) that may
  // come before the number; returns the phrase's items, empty if there is
  // none.
  absl::StatusOr<std::vector<size_t>> ParseKoreanLead();
  // Reads the comparators, fillers, periods and range opening before the
  // first amount; returns how the range opened (both false if it did not).
  absl::StatusOr<RangeOpening> ParsePrefix();
  // Reads, after the first amount, the join and the range's upper end;
  // returns it, nullopt if there is none, or an error if `opening` wants one.
  absl::StatusOr<std::optional<Amount>> ParseRangeEnd(
      const RangeOpening& opening);
  // Reads everything after the amounts (units, noun phrases, comparators,
  // periods); `is_range` says whether there were two, `vague` whether the
  // amount was vague (and so may be followed by "of"). Returns the first
  // error.
  absl::Status ParseTail(bool is_range, bool vague);
  // Reads the tail item at pos_ that no noun phrase takes (currency, "%",
  // "of", "+", "until"), setting `*modifiers` when the rest only describes
  // what is counted; returns an error for any other item.
  absl::Status ParseTailMarker(bool is_range, bool* modifiers);
  // Sets reading_.noun_unit from noun_units_; returns an error if they name
  // two different units.
  absl::Status ResolveNounUnit();
  // Makes the vague amount written `vague`, whose value is `value`,
  // AT_LEAST; returns an error if the text gives it another comparator.
  absl::Status SetVagueComparator(const std::string& vague,
                                  const std::string& value);
  // Sets reading_'s low and high ends (and RANGE) from the amounts read;
  // returns an error for a range that cannot be one, ends below its start,
  // or an amount longer than kMaxDecimalLength.
  absl::Status SetAmounts(Amount low, const std::optional<Amount>& high);

  absl::Status SetComparator(int comparator, const Item& item);
  absl::Status SetPeriod(const Item& item);
  absl::Status AddCurrency(const std::string& code);
  absl::Status AddPercent(const std::string& unit);
  absl::Status AddMeasure(const std::string& unit);
  absl::StatusOr<Amount> ParseAmount(bool in_between);
  absl::StatusOr<std::optional<NumberValue>> ParseNumber(bool in_between);
  absl::StatusOr<std::optional<NumberValue>> ParseVagueNumber();
  absl::StatusOr<NumberValue> ParseKoreanNumber();
  std::optional<std::string> ParseCoefficient(bool in_between);
  std::optional<int64_t> ParseEnglishWords(bool in_between);
  absl::Status CheckNounPhrase(const std::vector<size_t>& run);
  absl::Status Unexpected(size_t i) const;
  absl::Status UnknownWords(size_t begin, size_t end) const;

  const Language language_;
  const std::vector<Item> items_;
  size_t pos_ = 0;
  Reading reading_;
  const Item* comparator_item_ = nullptr;
  const Item* period_item_ = nullptr;
  std::vector<std::string> noun_units_;
};

bool Parser::IsNumberLike(size_t i) const {
  if (IsNumber(i)) return true;
  if (i >= items_.size() || items_[i].type != ItemType::kWord) return false;
  switch (items_[i].word) {
    case WordKind::kScale:
    case WordKind::kKoreanSmallUnit:
    case WordKind::kKoreanBigUnit:
    case WordKind::kNumberWord:
    case WordKind::kHalf:
    case WordKind::kVague:
      return true;
    case WordKind::kVaguePrefix:
      // Alone, "hàng" is also "goods" or "row" ("hàng đầu", "leading").
      return VaguePrefixEnd(i) > i + 1;
    default:
      return false;
  }
}

size_t Parser::VaguePrefixEnd(size_t i) const {
  size_t p = i + 1;
  if (items_[i].number == 0) {
    // "hàng chục nghìn": scale words, each larger than the last.
    std::string last = "1";
    for (int words = 0; words < 3 && IsWord(p, WordKind::kScale) &&
                        CompareDecimals(items_[p].value, last) > 0;
         ++words, ++p) {
      last = items_[p].value;
    }
    return p;
  }
  if (IsWord(p, WordKind::kKoreanSmallUnit)) ++p;
  if (IsWord(p, WordKind::kKoreanBigUnit)) ++p;
  return p;
}

absl::Status Parser::SetComparator(int comparator, const Item& item) {
  auto value = static_cast<v1::Comparator>(comparator);
  if (comparator_item_ != nullptr && reading_.comparator != value) {
    return absl::InvalidArgumentError(
        absl::StrCat("two comparators, ", QuoteText(comparator_item_->surface),
                     " and ", QuoteText(item.surface)));
  }
  reading_.comparator = value;
  comparator_item_ = &item;
  return absl::OkStatus();
}

absl::Status Parser::SetPeriod(const Item& item) {
  if (item.value.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("a rate ", QuoteText(item.surface),
                     " is not read; rates are per year, month or day"));
  }
  if (period_item_ != nullptr && reading_.period != item.value) {
    return absl::InvalidArgumentError(
        absl::StrCat("two periods, ", QuoteText(period_item_->surface), " and ",
                     QuoteText(item.surface)));
  }
  reading_.period = item.value;
  period_item_ = &item;
  return absl::OkStatus();
}

absl::Status Parser::AddPercent(const std::string& unit) {
  if (!reading_.percent_unit.empty() && reading_.percent_unit != unit) {
    return absl::InvalidArgumentError(
        absl::StrCat("the text names two units, \"", reading_.percent_unit,
                     "\" and \"", unit, "\""));
  }
  reading_.percent_unit = unit;
  return absl::OkStatus();
}

absl::Status Parser::AddMeasure(const std::string& unit) {
  if (!reading_.measure.empty() && reading_.measure != unit) {
    return absl::InvalidArgumentError(
        absl::StrCat("the text names two units, \"", reading_.measure,
                     "\" and \"", unit, "\""));
  }
  reading_.measure = unit;
  return absl::OkStatus();
}

absl::Status Parser::AddCurrency(const std::string& code) {
  if (!reading_.currency.empty() && reading_.currency != code) {
    return absl::InvalidArgumentError(
        absl::StrCat("two currencies, ", reading_.currency, " and ", code));
  }
  reading_.currency = code;
  return absl::OkStatus();
}

absl::Status Parser::UnknownWords(size_t begin, size_t end) const {
  std::vector<std::string> words;
  for (size_t i = begin; i < end && i < items_.size(); ++i) {
    const Item& item = items_[i];
    if (!item.resembles.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(QuoteText(item.surface),
                       " is not a unit (unit symbols are case-sensitive; ",
                       QuoteText(item.resembles), " is one)"));
    }
  }
  for (size_t i = begin; i < end && i < items_.size(); ++i) {
    const Item& item = items_[i];
    // Three or four capitals where a currency code could stand.
    if (item.type == ItemType::kUnknownWord && item.upper_ascii &&
        (item.surface.size() == 3 || item.surface.size() == 4)) {
      return UnknownCurrency(item.surface);
    }
    words.push_back(item.surface);
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "unrecognized words ", QuoteText(absl::StrJoin(words, " "))));
}

absl::Status Parser::Unexpected(size_t i) const {
  bool any_number = false;
  for (size_t j = 0; j < items_.size(); ++j) any_number |= IsNumberLike(j);
  if (!any_number) return absl::InvalidArgumentError("no number found");
  if (i >= items_.size()) {
    return absl::InvalidArgumentError("the text ends before a number");
  }
  if (items_[i].type == ItemType::kUnknownWord) {
    size_t end = i;
    while (end < items_.size() && items_[end].type == ItemType::kUnknownWord) {
      ++end;
    }
    return UnknownWords(i, end);
  }
  return absl::InvalidArgumentError(
      absl::StrCat("unexpected ", QuoteText(items_[i].surface)));
}

std::optional<int64_t> Parser::ParseEnglishWords(bool in_between) {
  // Number words below a thousand ("two hundred and thirty-five"); larger
  // numbers add scale words, which the caller reads.
  enum class State { kStart, kUnits, kTeens, kTens, kHundred, kAnd };
  size_t p = pos_;
  int64_t value = 0;
  State state = State::kStart;
  if (IsWord(p, WordKind::kArticle)) {
    if (IsWord(p + 1, WordKind::kScale)) {
      pos_ = p + 1;
      return 1;
    }
    if (!IsWord(p + 1, WordKind::kNumberWord) || items_[p + 1].number != 100) {
      return std::nullopt;
    }
    value = 1;
    state = State::kUnits;
    ++p;
  }
  for (; p < items_.size(); ++p) {
    if (IsWord(p, WordKind::kAnd) && !in_between && state == State::kHundred &&
        IsWord(p + 1, WordKind::kNumberWord) && items_[p + 1].number < 100) {
      state = State::kAnd;
      continue;
    }
    if (!IsWord(p, WordKind::kNumberWord)) break;
    const int word = items_[p].number;
    const bool fresh = state == State::kStart || state == State::kHundred ||
                       state == State::kAnd;
    if (word == 100) {
      if (state == State::kStart || state == State::kHundred ||
          state == State::kAnd || value < 1 || value > 99) {
        break;
      }
      value *= 100;
      state = State::kHundred;
    } else if (word >= 20) {
      if (!fresh) break;
      value += word;
      state = State::kTens;
    } else if (fresh) {
      value += word;
      state = word < 10 ? State::kUnits : State::kTeens;
    } else if (state == State::kTens && word > 0 && word < 10) {
      value += word;
      state = State::kUnits;
    } else {
      break;
    }
  }
  if (state == State::kStart) return std::nullopt;
  if (state == State::kAnd) --p;  // "and" not followed by a number word
  pos_ = p;
  return value;
}

std::optional<std::string> Parser::ParseCoefficient(bool in_between) {
  if (IsNumber(pos_)) return items_[pos_++].value;
  if (IsWord(pos_, WordKind::kHalf)) {
    // "half a million"
    size_t p = pos_ + 1;
    if (IsWord(p, WordKind::kArticle)) ++p;
    if (!IsWord(p, WordKind::kScale)) return std::nullopt;
    pos_ = p;
    return "0.5";
  }
  if (std::optional<int64_t> words = ParseEnglishWords(in_between)) {
    return absl::StrCat(*words);
  }
  // Vietnamese numerals count only before a scale word ("hai tỷ"): "năm"
  // alone is "year".
  if (pos_ < items_.size() && IsWord(pos_ + 1, WordKind::kScale)) {
    if (std::optional<int> numeral =
            QuantityLexicon::Get().VietnameseNumeral(items_[pos_].key)) {
      ++pos_;
      return absl::StrCat(*numeral);
    }
  }
  return std::nullopt;
}

absl::StatusOr<std::optional<NumberValue>> Parser::ParseVagueNumber() {
  const size_t start = pos_;
  std::string counted;  // the magnitude the words name: 100 for "hundreds"
  if (IsWord(pos_, WordKind::kVague)) {
    // "tens of thousands": each later word counts more than the one before.
    counted = items_[pos_].value;
    std::string last = counted;
    ++pos_;
    while (IsWord(pos_, WordKind::kOf) && IsWord(pos_ + 1, WordKind::kVague) &&
           CompareDecimals(items_[pos_ + 1].value, last) > 0) {
      last = items_[pos_ + 1].value;
      counted = MultiplyDecimals(counted, last);
      pos_ += 2;
    }
  } else if (IsWord(pos_, WordKind::kVaguePrefix)) {
    const size_t end = VaguePrefixEnd(pos_);
    if (end == pos_ + 1) {
      return absl::InvalidArgumentError(
          absl::StrCat(QuoteText(items_[pos_].surface), " is not followed by ",
                       items_[pos_].number == 0
                           ? "a scale word such as \"trăm\" or \"triệu\""
                           : "십, 백, 천, 만, 억, 조 or 경"));
    }
    counted = "1";
    for (size_t p = pos_ + 1; p < end; ++p) {
      counted = MultiplyDecimals(counted, items_[p].value);
    }
    pos_ = end;
  } else {
    return std::optional<NumberValue>();
  }
  NumberValue number;
  number.value = MultiplyDecimals("2", counted);
  number.scaled = true;
  for (size_t p = start; p < pos_; ++p) {
    if (p > start && items_[p].space_before) number.vague += ' ';
    number.vague += items_[p].surface;
  }
  return std::optional<NumberValue>(std::move(number));
}

absl::StatusOr<std::optional<NumberValue>> Parser::ParseNumber(
    bool in_between) {
  if (IsWord(pos_, WordKind::kVague) || IsWord(pos_, WordKind::kVaguePrefix)) {
    return ParseVagueNumber();
  }
  for (size_t p = pos_; p < items_.size() && (IsNumber(p) || IsKoreanUnit(p));
       ++p) {
    if (IsKoreanUnit(p)) {
      FS_ASSIGN_OR_RETURN(NumberValue korean, ParseKoreanNumber());
      return korean;
    }
  }
  // Terms of a coefficient and scale words, each smaller than the scale of
  // the one before: "3 tỷ 500 triệu", "two million five hundred thousand".
  struct Term {
    std::string value;
    std::string multiplier;
    int scales = 0;
  };
  std::vector<Term> terms;
  while (true) {
    const size_t start = pos_;
    const bool digits = IsNumber(pos_);
    std::optional<std::string> coefficient = ParseCoefficient(in_between);
    if (!coefficient) break;
    Term term;
    term.multiplier = "1";
    while (IsWord(pos_, WordKind::kScale)) {
      if (++term.scales > 3) {
        return absl::InvalidArgumentError(absl::StrCat(
            "too many scale words at ", QuoteText(items_[pos_].surface)));
      }
      term.multiplier = MultiplyDecimals(term.multiplier, items_[pos_].value);
      ++pos_;
    }
    term.value = MultiplyDecimals(*coefficient, term.multiplier);
    if (!terms.empty()) {
      const Term& previous = terms.back();
      bool continues = previous.scales > 0 && (term.scales > 0 || !digits) &&
                       CompareDecimals(term.value, previous.multiplier) < 0;
      if (!continues) {
        pos_ = start;  // another number: left for the caller to report
        break;
      }
    }
    terms.push_back(std::move(term));
  }
  if (terms.empty()) return std::optional<NumberValue>();
  NumberValue number;
  number.value = "0";
  for (const Term& term : terms) {
    number.value = AddDecimals(number.value, term.value);
    number.scaled |= term.scales > 0;
  }
  if (terms.size() == 1 && terms[0].scales > 0) {
    number.multiplier = terms[0].multiplier;
  }
  return std::optional<NumberValue>(std::move(number));
}

absl::StatusOr<NumberValue> Parser::ParseKoreanNumber() {
  // Korean groups digits by 만 (10^4), 억 (10^8), 조 (10^12) and 경
  // (10^16); within a group 천, 백 and 십 multiply the digits before them:
  // "3조 5천억" = 3·10^12 + 5·10^3·10^8, "2천5백만" = (2·10^3 + 5·10^2)·10^4.
  const size_t start = pos_;
  std::string total = "0";
  std::string group = "0";
  bool group_set = false;
  std::optional<std::string> pending;
  std::string last_small;  // the last 천/백/십 in this group
  std::string last_big;    // the last 만/억/조
  std::string units = "1";
  int numbers = 0;
  auto malformed = [&]() {
    std::vector<std::string> parts;
    for (size_t i = start; i <= pos_ && i < items_.size(); ++i) {
      parts.push_back(items_[i].surface);
    }
    return absl::InvalidArgumentError(absl::StrCat(
        "malformed Korean number ", QuoteText(absl::StrJoin(parts, " "))));
  };
  for (; pos_ < items_.size(); ++pos_) {
    const Item& item = items_[pos_];
    if (IsNumber(pos_)) {
      if (pending) break;
      pending = item.value;
      ++numbers;
    } else if (IsWord(pos_, WordKind::kKoreanSmallUnit)) {
      if (!last_small.empty() && CompareDecimals(item.value, last_small) >= 0) {
        return malformed();
      }
      group = AddDecimals(group,
                          MultiplyDecimals(pending.value_or("1"), item.value));
      group_set = true;
      pending.reset();
      last_small = item.value;
      units = MultiplyDecimals(units, item.value);
    } else if (IsWord(pos_, WordKind::kKoreanBigUnit)) {
      if (!last_big.empty() && CompareDecimals(item.value, last_big) >= 0) {
        return malformed();
      }
      std::string g = AddDecimals(group, pending.value_or("0"));
      if (!group_set && !pending) g = "1";  // "만 명" is 10,000 people
      total = AddDecimals(total, MultiplyDecimals(g, item.value));
      group = "0";
      group_set = false;
      pending.reset();
      last_small.clear();
      last_big = item.value;
      units = MultiplyDecimals(units, item.value);
    } else {
      break;
    }
  }
  // Digits after a unit need a unit of their own ("5만 3" is not a number).
  if (pending && (group_set || total != "0")) return malformed();
  NumberValue number;
  number.value = AddDecimals(AddDecimals(total, group), pending.value_or("0"));
  number.scaled = true;
  if (numbers == 1 && IsNumber(start)) number.multiplier = units;
  return number;
}

absl::StatusOr<Amount> Parser::ParseAmount(bool in_between) {
  Amount amount;
  if (IsWord(pos_, WordKind::kCurrency)) {
    FS_RETURN_IF_ERROR(AddCurrency(items_[pos_].value));
    ++pos_;
  }
  if ((IsWord(pos_, WordKind::kDash) || IsWord(pos_, WordKind::kPlus)) &&
      IsNumber(pos_ + 1) && !items_[pos_ + 1].space_before) {
    amount.negative = IsWord(pos_, WordKind::kDash);
    ++pos_;
  }
  FS_ASSIGN_OR_RETURN(std::optional<NumberValue> number,
                      ParseNumber(in_between));
  if (!number) return Unexpected(pos_);
  amount.number = *std::move(number);
  if (IsWord(pos_, WordKind::kCurrency)) {
    FS_RETURN_IF_ERROR(AddCurrency(items_[pos_].value));
    ++pos_;
  }
  if (IsWord(pos_, WordKind::kPercent)) {
    FS_RETURN_IF_ERROR(AddPercent(items_[pos_].value));
    ++pos_;
  } else if (IsWord(pos_, WordKind::kMeasure)) {
    FS_RETURN_IF_ERROR(AddMeasure(items_[pos_].value));
    ++pos_;
  }
  return amount;
}

absl::Status Parser::CheckNounPhrase(const std::vector<size_t>& run) {
  // The head is the last word, particles aside.
  size_t last = run.size();
  while (last > 0 && IsWord(run[last - 1], WordKind::kParticle)) --last;
  if (last == 0) return absl::OkStatus();  // particles only
  if (!IsWord(run[last - 1], WordKind::kUnitNoun)) {
    return UnknownWords(run.front(), run.back() + 1);
  }
  noun_units_.push_back(items_[run[last - 1]].value);
  return absl::OkStatus();
}

std::string WithSign(const Amount& amount, const std::string& value) {
  return amount.negative && value != "0" ? absl::StrCat("-", value) : value;
}

bool Parser::IsRangeJoin(size_t i, bool between) const {
  return IsWord(i, WordKind::kRangeJoin) || IsWord(i, WordKind::kDash) ||
         (between && IsWord(i, WordKind::kAnd));
}

absl::StatusOr<std::vector<size_t>> Parser::ParseKoreanLead() {
  std::vector<size_t> lead;
  for (; pos_ < items_.size(); ++pos_) {
    if (InNounPhrase(pos_)) {
      lead.push_back(pos_);
    } else if (items_[pos_].type == ItemType::kPer1000) {
      reading_.per_1000 = true;
    } else if (IsWord(pos_, WordKind::kLeadPeriod)) {
      FS_RETURN_IF_ERROR(SetPeriod(items_[pos_]));
    } else {
      break;
    }
  }
  return lead;
}

absl::StatusOr<RangeOpening> Parser::ParsePrefix() {
  RangeOpening opening;
  for (; pos_ < items_.size(); ++pos_) {
    const Item& item = items_[pos_];
    if (IsWord(pos_, WordKind::kPrefixComparator)) {
      FS_RETURN_IF_ERROR(SetComparator(item.number, item));
    } else if (IsWord(pos_, WordKind::kLeadPeriod)) {
      FS_RETURN_IF_ERROR(SetPeriod(item));
    } else if (IsWord(pos_, WordKind::kFiller)) {
      continue;
    } else if (IsWord(pos_, WordKind::kRangeOpen) && !opening.between &&
               !opening.from) {
      (item.number == 1 ? opening.between : opening.from) = true;
    } else {
      break;
    }
  }
  return opening;
}

absl::StatusOr<std::optional<Amount>> Parser::ParseRangeEnd(
    const RangeOpening& opening) {
  // A unit written on both ends: "100명에서 200명".
  if (IsWord(pos_, WordKind::kUnitNoun) &&
      IsRangeJoin(pos_ + 1, opening.between)) {
    noun_units_.push_back(items_[pos_++].value);
  }
  if (!IsRangeJoin(pos_, opening.between)) {
    if (opening.between || opening.from) {
      return absl::InvalidArgumentError(
          absl::StrCat("a range needs two numbers joined by ",
                       opening.between ? "\"and\"" : "a word such as \"to\""));
    }
    return std::optional<Amount>();
  }
  const size_t join = pos_++;
  if (!StartsAmount(pos_)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the range has no number after ", QuoteText(items_[join].surface)));
  }
  FS_ASSIGN_OR_RETURN(Amount high, ParseAmount(opening.between));
  return std::optional<Amount>(std::move(high));
}

absl::Status Parser::ParseTail(bool is_range, bool vague) {
  const size_t n = items_.size();
  std::vector<size_t> run;  // the noun phrase being read
  // The rest only describes what is counted or measured: in Vietnamese,
  // everything after a measure ("300 ha đất nông nghiệp").
  bool modifiers =
      language_ == Language::kVietnamese && !reading_.measure.empty();
  auto close_run = [&]() -> absl::Status {
    if (run.empty()) return absl::OkStatus();
    absl::Status status = CheckNounPhrase(run);
    run.clear();
    return status;
  };
  if (vague && IsWord(pos_, WordKind::kOf)) {
    // "hundreds of companies", "millions of dollars": what is counted
    // follows.
    const size_t of = pos_++;
    if (pos_ >= n) {
      return absl::InvalidArgumentError(absl::StrCat(
          "nothing is counted after ", QuoteText(items_[of].surface)));
    }
    if (!InNounPhrase(pos_) && !IsWord(pos_, WordKind::kCurrency) &&
        !IsWord(pos_, WordKind::kMeasure)) {
      return Unexpected(pos_);
    }
  }
  for (; pos_ < n; ++pos_) {
    const Item& item = items_[pos_];
    if (IsNumberLike(pos_)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "more than one number (", QuoteText(item.surface),
          " follows the first; a range needs a word such as \"to\" or "
          "\"-\" between its ends)"));
    }
    if (item.type == ItemType::kPer1000) {
      FS_RETURN_IF_ERROR(close_run());
      reading_.per_1000 = true;
      continue;
    }
    if (IsWord(pos_, WordKind::kPostfixComparator)) {
      FS_RETURN_IF_ERROR(close_run());
      FS_RETURN_IF_ERROR(SetComparator(item.number, item));
      continue;
    }
    if (IsWord(pos_, WordKind::kPeriod)) {
      // "200 người mỗi ngày": a period ends even a Vietnamese noun phrase.
      FS_RETURN_IF_ERROR(close_run());
      FS_RETURN_IF_ERROR(SetPeriod(item));
      continue;
    }
    // "per", "mỗi", "/" before anything but a known period: a rate the
    // grammar cannot read, which no modifier may hide ("200 người mỗi giờ").
    if (IsWord(pos_, WordKind::kReserved)) return Unexpected(pos_);
    if (modifiers) continue;
    if (language_ == Language::kVietnamese) {
      // The head noun comes first; what follows it modifies it.
      if (IsWord(pos_, WordKind::kUnitNoun)) {
        noun_units_.push_back(item.value);
        modifiers = true;
        continue;
      }
      if (item.type == ItemType::kUnknownWord) {
        size_t end = pos_;
        while (end < n && items_[end].type == ItemType::kUnknownWord) ++end;
        return UnknownWords(pos_, end);
      }
    } else if (InNounPhrase(pos_)) {
      run.push_back(pos_);
      continue;
    }
    FS_RETURN_IF_ERROR(close_run());
    FS_RETURN_IF_ERROR(ParseTailMarker(is_range, &modifiers));
  }
  return close_run();
}

absl::Status Parser::ParseTailMarker(bool is_range, bool* modifiers) {
  const Item& item = items_[pos_];
  if (IsWord(pos_, WordKind::kCurrency)) {
    FS_RETURN_IF_ERROR(AddCurrency(item.value));
  } else if (IsWord(pos_, WordKind::kPercent) ||
             IsWord(pos_, WordKind::kMeasure)) {
    FS_RETURN_IF_ERROR(IsWord(pos_, WordKind::kPercent)
                           ? AddPercent(item.value)
                           : AddMeasure(item.value));
    // "10% doanh nghiệp", "300 ha đất": what follows says of what.
    *modifiers = language_ == Language::kVietnamese;
  } else if (IsWord(pos_, WordKind::kOf) &&
             (!reading_.percent_unit.empty() || !reading_.measure.empty())) {
    // "10 percent of companies", "300 hectares of farmland"
    *modifiers = true;
  } else if (IsWord(pos_, WordKind::kPlus) && !item.space_before) {
    FS_RETURN_IF_ERROR(SetComparator(v1::COMPARATOR_AT_LEAST, item));
  } else if (IsWord(pos_, WordKind::kUntil)) {
    if (!is_range)
      FS_RETURN_IF_ERROR(SetComparator(v1::COMPARATOR_AT_MOST, item));
  } else {
    return Unexpected(pos_);
  }
  return absl::OkStatus();
}

absl::Status Parser::ResolveNounUnit() {
  // Counters that name no unit ("개") give way to those that do.
  for (const std::string& unit : noun_units_) {
    if (unit.empty()) continue;
    if (!reading_.noun_unit.empty() && reading_.noun_unit != unit) {
      return absl::InvalidArgumentError(
          absl::StrCat("the text names two units, \"", reading_.noun_unit,
                       "\" and \"", unit, "\""));
    }
    reading_.noun_unit = unit;
  }
  return absl::OkStatus();
}

absl::Status Parser::SetVagueComparator(const std::string& vague,
                                        const std::string& value) {
  if (comparator_item_ != nullptr &&
      reading_.comparator != v1::COMPARATOR_AT_LEAST) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the vague amount ", QuoteText(vague), " (at least ", value,
        ") cannot also be ", QuoteText(comparator_item_->surface)));
  }
  reading_.comparator = v1::COMPARATOR_AT_LEAST;
  return absl::OkStatus();
}

absl::Status Parser::SetAmounts(Amount low, const std::optional<Amount>& high) {
  // A lower end without scale words takes the upper end's, when it then
  // stays below it: "10-15 triệu" is 10 to 15 million, but "500,000 to 1
  // million" starts at 500,000.
  if (high && !low.number.scaled && !high->number.multiplier.empty() &&
      !low.negative && !high->negative) {
    std::string scaled =
        MultiplyDecimals(low.number.value, high->number.multiplier);
    if (CompareDecimals(scaled, high->number.value) <= 0) {
      low.number.value = std::move(scaled);
    }
  }
  reading_.low = WithSign(low, low.number.value);
  if (high) {
    reading_.high = WithSign(*high, high->number.value);
    if (reading_.comparator != v1::COMPARATOR_UNSPECIFIED &&
        reading_.comparator != v1::COMPARATOR_APPROXIMATELY) {
      return absl::InvalidArgumentError(absl::StrCat(
          "a range cannot also be ", QuoteText(comparator_item_->surface)));
    }
    reading_.comparator = v1::COMPARATOR_RANGE;
  }
  for (const std::string* value : {&reading_.low, &reading_.high}) {
    if (value->size() > kMaxDecimalLength) {
      return absl::InvalidArgumentError(absl::StrCat(
          "the amount is longer than ", kMaxDecimalLength, " characters"));
    }
  }
  if (high && CompareDecimals(reading_.low, reading_.high) > 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("the range ends (", reading_.high, ") below its start (",
                     reading_.low, ")"));
  }
  return absl::OkStatus();
}

absl::StatusOr<Reading> Parser::Parse() {
  // Korean may name what is counted, or the rate's base, before the number.
  std::vector<size_t> lead;
  if (language_ == Language::kKorean) {
    FS_ASSIGN_OR_RETURN(lead, ParseKoreanLead());
  }
  FS_ASSIGN_OR_RETURN(RangeOpening opening, ParsePrefix());
  FS_ASSIGN_OR_RETURN(Amount low, ParseAmount(opening.between));
  FS_ASSIGN_OR_RETURN(std::optional<Amount> high, ParseRangeEnd(opening));
  // A vague amount is a lower bound of its own: "hundreds to thousands" has
  // no end to read.
  const NumberValue* vague = nullptr;
  if (!low.number.vague.empty()) {
    vague = &low.number;
  } else if (high && !high->number.vague.empty()) {
    vague = &high->number;
  }
  if (vague != nullptr && high) {
    return absl::InvalidArgumentError(absl::StrCat(
        "a range cannot end in the vague amount ", QuoteText(vague->vague)));
  }
  FS_RETURN_IF_ERROR(ParseTail(high.has_value(), vague != nullptr));
  // The lead is checked after the tail, whose errors and units come first.
  if (!lead.empty()) FS_RETURN_IF_ERROR(CheckNounPhrase(lead));
  FS_RETURN_IF_ERROR(ResolveNounUnit());
  if (vague != nullptr) {
    FS_RETURN_IF_ERROR(SetVagueComparator(vague->vague, vague->value));
  }
  FS_RETURN_IF_ERROR(SetAmounts(std::move(low), high));
  return reading_;
}

// A dimension's name after "a" or "an": "a MONEY", "an AREA".
std::string DimensionWithArticle(v1::UnitDimension dimension) {
  std::string name = DimensionName(dimension);
  bool vowel = absl::StrContains("AEIOU", name.substr(0, 1));
  return absl::StrCat(vowel ? "an " : "a ", name);
}

// The unit the reading names, or "" if none.
absl::StatusOr<std::string> NamedUnit(const Reading& reading) {
  std::vector<std::string> named;
  if (!reading.currency.empty()) named.push_back(reading.currency);
  if (!reading.percent_unit.empty()) named.push_back(reading.percent_unit);
  if (!reading.measure.empty()) named.push_back(reading.measure);
  if (reading.per_1000) named.emplace_back(kUnitPer1000People);
  // What a percentage or a rate counts ("10% of companies") is not its unit;
  // money and measures are not counted in people.
  if (!reading.noun_unit.empty() &&
      (named.empty() || !reading.currency.empty() ||
       !reading.measure.empty())) {
    named.push_back(reading.noun_unit);
  }
  if (named.size() > 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the text names two units, \"", named[0], "\" and \"", named[1], "\""));
  }
  return named.empty() ? std::string() : named[0];
}

absl::StatusOr<std::string> ResolveUnit(absl::string_view text,
                                        const Reading& reading,
                                        const UnitHint& hint) {
  FS_ASSIGN_OR_RETURN(std::string unit, NamedUnit(reading));
  // A rate is its base unit, as named or chosen, per the period read.
  auto per_period =
      [&reading](std::string base) -> absl::StatusOr<std::string> {
    if (reading.period.empty()) return base;
    if (DimensionOfUnit(base) == v1::UNIT_DIMENSION_DATA_RATE) {
      return absl::InvalidArgumentError(
          absl::StrCat("a data rate (\"", base,
                       "\") is already per second; it has no rate per year, "
                       "month or day"));
    }
    return RateUnit(base, reading.period);
  };
  if (!unit.empty()) {
    FS_ASSIGN_OR_RETURN(unit, per_period(std::move(unit)));
    FS_RETURN_IF_ERROR(CheckUnitFitsHint(unit, hint));
    return unit;
  }
  if (hint.allowed_units.size() == 1) {
    FS_ASSIGN_OR_RETURN(unit, CanonicalizeUnit(hint.allowed_units[0]));
    // "5 million a year" where only "USD/a" is allowed is USD/a; where only
    // "USD" is, USD/a does not fit.
    if (!reading.period.empty()) {
      FS_ASSIGN_OR_RETURN(unit, per_period(std::string(BaseUnit(unit))));
    }
  } else if (IsPhysicalDimension(hint.dimension)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "no unit in ", QuoteText(text), " (",
        DimensionWithArticle(hint.dimension),
        " amount needs one of its units: ",
        absl::StrJoin(PhysicalUnitsOf(hint.dimension), ", "), ")"));
  } else {
    switch (hint.dimension) {
      case v1::UNIT_DIMENSION_MONEY:
        return absl::InvalidArgumentError(
            absl::StrCat("no currency in ", QuoteText(text)));
      case v1::UNIT_DIMENSION_RATIO:
        return absl::InvalidArgumentError(absl::StrCat(
            "no unit in ", QuoteText(text),
            " (a ratio needs \"%\", \"percentage points\" or \"per 1,000 "
            "people\")"));
      case v1::UNIT_DIMENSION_DURATION:
        return absl::InvalidArgumentError(
            absl::StrCat("no unit in ", QuoteText(text),
                         " (a duration needs years, months or days)"));
      default:
        FS_ASSIGN_OR_RETURN(unit, per_period(std::string(kUnitCount)));
    }
  }
  FS_RETURN_IF_ERROR(CheckUnitFitsHint(unit, hint));
  return unit;
}

absl::Status CheckSign(absl::string_view amount, absl::string_view unit) {
  v1::UnitDimension dimension = DimensionOfUnit(unit);
  if (!amount.empty() && amount[0] == '-' &&
      (dimension == v1::UNIT_DIMENSION_COUNT ||
       dimension == v1::UNIT_DIMENSION_DURATION ||
       IsPhysicalDimension(dimension))) {
    return absl::InvalidArgumentError(
        absl::StrCat("a negative amount (", amount, ") of \"", unit, "\""));
  }
  return absl::OkStatus();
}

// The value index keeps a physical quantity in its base unit (IndexForm):
// an amount that would outgrow kMaxDecimalLength there is refused here.
absl::Status CheckIndexable(absl::string_view amount, absl::string_view unit) {
  if (amount.empty() || IsCanonicalDecimal(IndexForm(unit, amount).amount)) {
    return absl::OkStatus();
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "the amount ", amount, " ", unit, " has more than ", kMaxDecimalLength,
      " digits in ", IndexForm(unit, "1").unit));
}

}  // namespace

absl::Status CheckUnitFitsHint(absl::string_view unit, const UnitHint& hint) {
  if (!hint.allowed_units.empty()) {
    bool allowed = false;
    std::vector<std::string> names;
    for (const std::string& a : hint.allowed_units) {
      absl::StatusOr<std::string> canonical = CanonicalizeUnit(a);
      names.push_back(canonical.ok() ? *canonical : a);
      allowed |= names.back() == unit;
    }
    if (!allowed) {
      return absl::InvalidArgumentError(
          absl::StrCat("unit \"", unit, "\" is not among the allowed units (",
                       absl::StrJoin(names, ", "), ")"));
    }
  }
  if (hint.dimension != v1::UNIT_DIMENSION_UNSPECIFIED &&
      DimensionOfUnit(unit) != hint.dimension) {
    return absl::InvalidArgumentError(absl::StrCat(
        "unit \"", unit, "\" is ", DimensionWithArticle(DimensionOfUnit(unit)),
        " unit, but ", DimensionWithArticle(hint.dimension),
        " unit is expected"));
  }
  return absl::OkStatus();
}

absl::StatusOr<v1::Quantity> NormalizeQuantity(absl::string_view text,
                                               absl::string_view language,
                                               const UnitHint& hint) {
  auto fail = [text](const absl::Status& status) {
    return absl::InvalidArgumentError(absl::StrCat(
        "cannot read ", QuoteText(text), " as a quantity: ", status.message()));
  };
  const Language lang = LanguageFromTag(language);
  absl::StatusOr<std::vector<Token>> tokens = Tokenize(text);
  if (!tokens.ok()) return fail(tokens.status());
  absl::StatusOr<std::vector<Item>> items =
      Classify(PrepareQuantityTokens(*std::move(tokens), true), lang);
  if (!items.ok()) return fail(items.status());
  absl::StatusOr<Reading> reading = Parser(lang, *std::move(items)).Parse();
  if (!reading.ok()) return fail(reading.status());
  absl::StatusOr<std::string> unit = ResolveUnit(text, *reading, hint);
  if (!unit.ok()) return fail(unit.status());
  if (absl::Status sign = CheckSign(reading->low, *unit); !sign.ok()) {
    return fail(sign);
  }
  for (const std::string* amount : {&reading->low, &reading->high}) {
    if (absl::Status fits = CheckIndexable(*amount, *unit); !fits.ok()) {
      return fail(fits);
    }
  }

  v1::Quantity quantity;
  quantity.set_amount(reading->low);
  quantity.set_unit(*unit);
  quantity.set_surface_text(std::string(text));
  if (reading->comparator == v1::COMPARATOR_RANGE) {
    quantity.set_comparator(v1::COMPARATOR_RANGE);
    quantity.set_lower_bound(reading->low);
    quantity.set_upper_bound(reading->high);
  } else {
    quantity.set_comparator(reading->comparator == v1::COMPARATOR_UNSPECIFIED
                                ? v1::COMPARATOR_EXACT
                                : reading->comparator);
  }
  return quantity;
}

absl::StatusOr<v1::Quantity> CanonicalizeQuantity(
    const v1::Quantity& quantity) {
  auto bad = [](absl::string_view field, const absl::Status& status) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid quantity: ", field, ": ", status.message()));
  };
  auto decimal = [&](absl::string_view field,
                     const std::string& value) -> absl::StatusOr<std::string> {
    if (value.empty()) {
      return bad(field, absl::InvalidArgumentError("is empty"));
    }
    absl::StatusOr<std::string> canonical = CanonicalizeDecimal(value);
    if (!canonical.ok()) return bad(field, canonical.status());
    return canonical;
  };

  v1::Quantity out = quantity;
  if (quantity.unit().empty()) {
    return bad("unit", absl::InvalidArgumentError("is empty"));
  }
  absl::StatusOr<std::string> unit = CanonicalizeUnit(quantity.unit());
  if (!unit.ok()) return bad("unit", unit.status());
  out.set_unit(*unit);

  if (!v1::Comparator_IsValid(quantity.comparator())) {
    return bad("comparator", absl::InvalidArgumentError(absl::StrCat(
                                 "unknown value ", quantity.comparator())));
  }
  if (quantity.comparator() == v1::COMPARATOR_RANGE) {
    FS_ASSIGN_OR_RETURN(std::string lower,
                        decimal("lower_bound", quantity.lower_bound()));
    FS_ASSIGN_OR_RETURN(std::string upper,
                        decimal("upper_bound", quantity.upper_bound()));
    if (CompareDecimals(lower, upper) > 0) {
      return bad("lower_bound", absl::InvalidArgumentError(absl::StrCat(
                                    lower, " is above upper_bound ", upper)));
    }
    std::string amount = lower;
    if (!quantity.amount().empty()) {
      FS_ASSIGN_OR_RETURN(amount, decimal("amount", quantity.amount()));
      if (amount != lower) {
        return bad("amount", absl::InvalidArgumentError(absl::StrCat(
                                 amount,
                                 " of a COMPARATOR_RANGE must equal "
                                 "lower_bound ",
                                 lower)));
      }
    }
    out.set_amount(amount);
    out.set_lower_bound(lower);
    out.set_upper_bound(upper);
  } else {
    if (!quantity.lower_bound().empty() || !quantity.upper_bound().empty()) {
      return bad("lower_bound/upper_bound",
                 absl::InvalidArgumentError(
                     "only a COMPARATOR_RANGE quantity has bounds"));
    }
    FS_ASSIGN_OR_RETURN(std::string amount,
                        decimal("amount", quantity.amount()));
    out.set_amount(amount);
    if (quantity.comparator() == v1::COMPARATOR_UNSPECIFIED) {
      out.set_comparator(v1::COMPARATOR_EXACT);
    }
  }
  if (absl::Status sign = CheckSign(out.amount(), out.unit()); !sign.ok()) {
    return bad("amount", sign);
  }
  for (const auto& [field, amount] :
       {std::pair<const char*, const std::string*>{"amount", &out.amount()},
        {"upper_bound", &out.upper_bound()}}) {
    if (absl::Status fits = CheckIndexable(*amount, out.unit()); !fits.ok()) {
      return bad(field, fits);
    }
  }
  return out;
}

}  // namespace factstore::normalizer
