// Reading dates and valid times as sources write them in English, Vietnamese
// and Korean, into factstore's v1::TimeValue and v1::ValidTime; and checking
// ones that arrive already typed.
//
//   NormalizeDate("August 2, 2024", "en")  -> {date "2024-08-02", DAY, EXACT}
//   NormalizeDate("Aug. 2024", "en")       -> {date "2024-08", MONTH, EXACT}
//   NormalizeDate("by 2028", "en")         -> {date "2028", YEAR, BY}
//   NormalizeDate("ngày 2 tháng 8 năm 2024", "vi") -> {"2024-08-02", DAY}
//   NormalizeDate("2028년까지", "ko")       -> {date "2028", YEAR, BY}
//   NormalizeDate("02/08/2024", "vi")      -> "2024-08-02" (day first)
//   NormalizeDate("02/08/2024", "en")      -> "2024-02-08" (month first)
//   NormalizeDate("February 30, 2024", "en") -> INVALID_ARGUMENT (no such day)
//   NormalizeDate("Q3 2024", "en")         -> {date "2024-07", QUARTER,
//                                              interval 2024-07-01..2024-10-01}
//   NormalizeDate("2024년 하반기", "ko")    -> {date "2024-07", HALF_YEAR}
//   NormalizeDate("the 2020s", "en")       -> {date "2020", DECADE}
//   NormalizeDate("FY2023", "en")          -> {date "2023", YEAR}
//   NormalizeDate("cuối năm 2024", "vi")   -> {date "2024-09", FOUR_MONTHS,
//                                              APPROXIMATELY}
//
// Relative dates resolve against the mention's publication date, at the
// precision the phrase has, and are errors without one:
//
//   DateContext published{"2024-08-02"};
//   NormalizeDate("yesterday", "en", published) -> {"2024-08-01", DAY}
//   NormalizeDate("năm ngoái", "vi", published) -> {"2023", YEAR}
//   NormalizeDate("지난달 30일", "ko", published) -> {"2024-07-30", DAY}
//   NormalizeDate("by next year", "en", published) -> {"2025", YEAR, BY}
//   NormalizeDate("yesterday", "en")  -> INVALID_ARGUMENT ("yesterday" is
//                                        relative: give the mention's
//                                        publication_date to resolve it)
//
//   NormalizeValidTime("from 2020 to 2024", "en")
//       -> {start "2020", end "2024",
//           interval_start "2020-01-01", interval_end "2025-01-01"}
//   NormalizeValidTime("in 2022", "en")
//       -> {at "2022", interval_start "2022-01-01", interval_end "2023-01-01"}
//   NormalizeValidTime("since 2019", "en")
//       -> {start {"2019", SINCE}, interval_start "2019-01-01", open end}
//
// Dates are never corrected: February 30, month 13 or quarter 5 are errors,
// and so are dates and periods without a year and two-digit years ("3Q24").
// normalizer/README.md lists the forms accepted per language and the numeric
// date order (English M/D/Y, Vietnamese D/M/Y, Korean Y/M/D; a four-digit
// year first is Y/M/D everywhere).
#ifndef FACTSTORE_NORMALIZER_DATE_NORMALIZER_H_
#define FACTSTORE_NORMALIZER_DATE_NORMALIZER_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "factstore/v1/types.pb.h"

namespace factstore::normalizer {

// What a date's text is read against. The default resolves no relative
// dates.
struct DateContext {
  // The publication date of the mention the text comes from, as
  // v1::Mention.publication_date holds it: "YYYY", "YYYY-MM" or
  // "YYYY-MM-DD"; empty when unknown. Relative dates ("yesterday", "năm
  // ngoái", "지난달") resolve against it when it is at least as precise as
  // they are: against "2024-08", "last year" is 2023 and "this month"
  // 2024-08, while "yesterday" is an error.
  std::string publication_date;
  // NormalizeValidTimeRemembered() counts on this being the only field:
  // one added here that changes a reading must change what it remembers.
};

// Reads `text` (at most 256 bytes of UTF-8) written in `language` (a BCP-47
// tag: "en", "vi", "ko"; any other tag, or "", reads as "en") into a
// TimeValue: date cut to its precision ("2024-08-02", "2024-08", "2028"; a
// quarter, half year or four months as its first month, a decade as its
// first year), precision, modifier (EXACT unless the text says "by",
// "around", "before", "after", "since" or their Vietnamese and Korean
// equivalents; APPROXIMATELY for "early/mid/late YEAR" unless the text says
// otherwise), interval_start/interval_end (protos/api_dates.h
// TimeValueDays), surface_text = `text`, raw empty. A relative date
// ("yesterday", "last month", "năm ngoái", "작년 3분기", "3 days ago")
// is the date it names counted from context.publication_date, at the
// phrase's precision.
// Returns INVALID_ARGUMENT, with a message that quotes `text`, for text that
// is empty, too long or not UTF-8, is not a date form listed in the README,
// has no year or a two-digit one, names a day or period that does not exist
// ("Q5 2024", "the 2025s"), or is a range; for a relative date without a
// publication date or with one less precise than the phrase ("yesterday"
// against "2024-08"); and for a publication date that is not a date.
// Thread-safe.
absl::StatusOr<v1::TimeValue> NormalizeDate(absl::string_view text,
                                            absl::string_view language,
                                            const DateContext& context = {});

// Reads `text` into a ValidTime: a range ("from 2020 to 2024", "2020-2024",
// "từ 2020 đến 2024", "2020년부터 2024년까지", "March to May 2024") into
// start/end; "since 2019" and its equivalents into start with an open end;
// any other single date into `at`, keeping its modifier. Periods work as
// dates do ("Q3 2024", "from Q1 to Q3 2024", "2024년 1분기부터 3분기까지": a
// start without a year takes the end's, an end without one the start's).
// Sets interval_start/interval_end (protos/api_dates.h ValidTimeRange; empty
// when open) and those of each TimeValue. The TimeValues' surface_text is the
// text of their part. Relative dates resolve against `context` as in
// NormalizeDate() ("since last year", "từ năm ngoái đến năm nay").
// Returns INVALID_ARGUMENT as NormalizeDate() does, and for a range that ends
// before it starts. Thread-safe.
absl::StatusOr<v1::ValidTime> NormalizeValidTime(
    absl::string_view text, absl::string_view language,
    const DateContext& context = {});

// NormalizeValidTime(), with its readings remembered per thread: news
// states the same dates over and over ("2024", "tháng 3 năm 2024",
// "2024년 3월"), and reading one costs microseconds (bench/normalizing.cc
// measures both ways). What is remembered, by language and text, is the
// reading without a publication date: a text that reads so has no relative
// date in it, and a publication date that is a date changes nothing of its
// reading. Texts that do not read so (relative dates, errors) are read
// against `context` every time. The same answers as NormalizeValidTime().
// Each thread keeps at most 16,384 texts with their readings, a few hundred
// bytes each (up to about 1 KiB for a text of the 256-byte limit, which a
// reading holds again as its surface text; longer texts are refused and
// not kept), and ForgetRememberedWords()
// (common/remembered_words.h) empties them, as an erasure does.
// Thread-safe.
absl::StatusOr<v1::ValidTime> NormalizeValidTimeRemembered(
    absl::string_view text, absl::string_view language,
    const DateContext& context = {});

// Checks a TimeValue sent already typed: date must be "YYYY", "YYYY-MM" or
// "YYYY-MM-DD" of a real day; precision, when set, must match its shape
// (QUARTER, HALF_YEAR and FOUR_MONTHS "YYYY-MM" of the period's first month,
// DECADE "YYYY" of a year that is a multiple of 10) and is inferred from it
// otherwise (YEAR, MONTH or DAY: a bare "2024-07" is a MONTH); modifier
// UNSPECIFIED becomes EXACT; raw is cleared, surface_text kept, and
// interval_start/interval_end set (whatever they held). A TimeValue with only
// raw set is an error (read it with NormalizeDate()). Returns
// INVALID_ARGUMENT naming the field at fault otherwise. Thread-safe.
absl::StatusOr<v1::TimeValue> CanonicalizeTimeValue(const v1::TimeValue& time);

// Checks a ValidTime sent already typed: either `at` or start/end (either may
// be open), not both; each date as CanonicalizeTimeValue() checks it; end not
// before start. Fills interval_start/interval_end. An empty ValidTime ("not
// stated") stays empty. A ValidTime with raw set is an error (read it with
// NormalizeValidTime()). Returns INVALID_ARGUMENT naming the field at fault
// otherwise. Thread-safe.
absl::StatusOr<v1::ValidTime> CanonicalizeValidTime(
    const v1::ValidTime& valid_time);

}  // namespace factstore::normalizer

#endif  // FACTSTORE_NORMALIZER_DATE_NORMALIZER_H_
