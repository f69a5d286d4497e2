#include "common/iso_date.h"

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace factstore {
namespace {

const absl::CivilDay kDayZero(1, 1, 1);

bool ParseDigits(absl::string_view s, size_t width, int* out) {
  if (s.size() != width) return false;
  for (char c : s) {
    if (!absl::ascii_isdigit(c)) return false;
  }
  return absl::SimpleAtoi(s, out);
}

absl::Status Bad(absl::string_view text, absl::string_view why) {
  return absl::InvalidArgumentError(
      absl::StrCat("invalid date \"", text, "\": ", why,
                   " (expected YYYY, YYYY-MM or YYYY-MM-DD)"));
}

}  // namespace

absl::StatusOr<IsoDate> ParseIsoDate(absl::string_view text) {
  int year = 0, month = 1, day = 1;
  IsoDate date;
  if (text.size() == 4) {
    date.precision = DatePrecision::kYear;
  } else if (text.size() == 7 && text[4] == '-') {
    date.precision = DatePrecision::kMonth;
    if (!ParseDigits(text.substr(5, 2), 2, &month))
      return Bad(text, "bad month");
  } else if (text.size() == 10 && text[4] == '-' && text[7] == '-') {
    date.precision = DatePrecision::kDay;
    if (!ParseDigits(text.substr(5, 2), 2, &month))
      return Bad(text, "bad month");
    if (!ParseDigits(text.substr(8, 2), 2, &day)) return Bad(text, "bad day");
  } else {
    return Bad(text, "wrong shape");
  }
  if (!ParseDigits(text.substr(0, 4), 4, &year)) return Bad(text, "bad year");
  if (year < kMinYear || year > kMaxYear) return Bad(text, "year out of range");
  if (month < 1 || month > 12) return Bad(text, "month out of range");
  absl::CivilDay first(year, month, day);
  // CivilDay normalizes out-of-range days (Feb 30 -> Mar 2); reject those.
  if (first.month() != month || first.day() != day) {
    return Bad(text, "no such day");
  }
  date.first_day = first;
  switch (date.precision) {
    case DatePrecision::kYear:
      date.end_day = absl::CivilDay(year + 1, 1, 1);
      break;
    case DatePrecision::kMonth:
      date.end_day = absl::CivilDay(absl::CivilMonth(year, month) + 1);
      break;
    case DatePrecision::kDay:
      date.end_day = first + 1;
      break;
  }
  return date;
}

std::string FormatIsoDate(absl::CivilDay day, DatePrecision precision) {
  const int year = static_cast<int>(day.year());
  switch (precision) {
    case DatePrecision::kYear:
      return IsoDateText(year);
    case DatePrecision::kMonth:
      return IsoDateText(year, day.month());
    case DatePrecision::kDay:
      break;
  }
  return IsoDateText(year, day.month(), day.day());
}

// absl::StrCat rather than absl::StrFormat: this runs for every date the
// ingest service reads and writes, and StrFormat's parsing of its format
// was a sixth of reading a valid time (bench/normalizing.cc).
std::string IsoDateText(int year, int month, int day) {
  std::string text = absl::StrCat(absl::Dec(year, absl::kZeroPad4));
  if (month != 0)
    absl::StrAppend(&text, "-", absl::Dec(month, absl::kZeroPad2));
  if (day != 0) absl::StrAppend(&text, "-", absl::Dec(day, absl::kZeroPad2));
  return text;
}

int32_t DayNumber(absl::CivilDay day) {
  return static_cast<int32_t>(day - kDayZero);
}

absl::CivilDay DayFromNumber(int32_t number) { return kDayZero + number; }

}  // namespace factstore
