// Finding the quantities and dates inside a sentence or quote, each with its
// span, so that an extractor can cite the exact offsets of what it read
// (IngestService.ParseText).
//
//   FindValues("The market is valued at $600 billion and is expected to "
//              "rise to $800 billion by 2028.", "en")
//       -> [24, 36) "$600 billion"  quantity 600000000000 USD
//          [64, 76) "$800 billion"  quantity 800000000000 USD
//          [77, 84) "by 2028"       date 2028, YEAR, BY
//
// Every value found is one the normalizers read whole (NormalizeDate,
// NormalizeValidTime, NormalizeQuantity): the finder proposes spans, the
// normalizers decide. Words either side that the grammars cannot place end a
// span, so "valued at $600 billion" yields "$600 billion".
#ifndef FACTSTORE_NORMALIZER_VALUE_FINDER_H_
#define FACTSTORE_NORMALIZER_VALUE_FINDER_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "factstore/v1/types.pb.h"
#include "normalizer/date_normalizer.h"

namespace factstore::normalizer {

// One value found in a text. Exactly one of quantity, time and period is set.
struct FoundValue {
  // Offsets in Unicode code points, like Mention.quote_start/quote_end:
  // the value's first character, and just past its last.
  int32_t start = 0;
  int32_t end = 0;
  // The text of the span, verbatim.
  std::string text;
  std::optional<v1::Quantity> quantity;
  // A single date ("by 2028", "ngày 2 tháng 8 năm 2024").
  std::optional<v1::TimeValue> time;
  // A stretch of time with a start or an end ("from 2020 to 2024", "since
  // 2019").
  std::optional<v1::ValidTime> period;
};

// The longest span a value may have, in word-break segments.
inline constexpr int kMaxValueSegments = 12;

// The most spans FindValues reads (each costs up to two normalizer calls),
// which bounds its time on any text (0.7 s for 4 KiB of "1 1 1 ..." in the
// unoptimized test build on this project's 2-core machine).
inline constexpr int kMaxSpanReadings = 20000;

// Returns the values in `text` written in `language` (a BCP-47 tag, read as
// the normalizers read it), in text order and never overlapping.
//
// The text is cut at ICU's word boundaries (and, in Korean, before the
// particles and endings a word may end in: "명이", "분기에", "달러로"). From
// each boundary on, the longest span of at most kMaxValueSegments segments
// (and of at most the normalizers' 256 bytes) that a normalizer reads whole
// is found. It is then cut back, from the end and (but for a stretch of
// time, whose "from" frames it) from the start, to the shortest span that
// still reads the same (so words a grammar skips as modifiers, and words
// such as "in", "on" or "ngày" that add nothing, stay out), and the search
// goes on after it. At equal length a period wins over
// a date, and a date over a quantity ("2028" is the year, not the count). A
// span starts and ends next to whitespace, sentence punctuation, a Korean
// particle or the text's ends (so "136/2024/QH15" holds no year and "2024년"
// no bare 2024), and holds sentence punctuation only before a number
// ("August 2, 2024").
//
// Returns INVALID_ARGUMENT for text that is not valid UTF-8. Reads up to
// about 2 × kMaxValueSegments spans per word (a few milliseconds for a long
// sentence) and never more than kMaxSpanReadings in all: when the budget
// runs out, the values found so far are returned and `*truncated` (if not
// null) is set. Thread-safe.
// Relative dates ("yesterday", "năm ngoái", "작년") are found when `dates`
// has a publication date to resolve them against, and are no values
// otherwise.
absl::StatusOr<std::vector<FoundValue>> FindValues(
    absl::string_view text, absl::string_view language,
    const DateContext& dates = {}, bool* truncated = nullptr);

}  // namespace factstore::normalizer

#endif  // FACTSTORE_NORMALIZER_VALUE_FINDER_H_
