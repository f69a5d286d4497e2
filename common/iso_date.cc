#include "common/iso_date.h"

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

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
    date.precision = v1::DATE_PRECISION_YEAR;
  } else if (text.size() == 7 && text[4] == '-') {
    date.precision = v1::DATE_PRECISION_MONTH;
    if (!ParseDigits(text.substr(5, 2), 2, &month))
      return Bad(text, "bad month");
  } else if (text.size() == 10 && text[4] == '-' && text[7] == '-') {
    date.precision = v1::DATE_PRECISION_DAY;
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
    case v1::DATE_PRECISION_YEAR:
      date.end_day = absl::CivilDay(year + 1, 1, 1);
      break;
    case v1::DATE_PRECISION_MONTH:
      date.end_day = absl::CivilDay(absl::CivilMonth(year, month) + 1);
      break;
    default:
      date.end_day = first + 1;
      break;
  }
  return date;
}

std::string FormatIsoDate(absl::CivilDay day, v1::DatePrecision precision) {
  switch (precision) {
    case v1::DATE_PRECISION_YEAR:
      return absl::StrFormat("%04d", day.year());
    case v1::DATE_PRECISION_MONTH:
      return absl::StrFormat("%04d-%02d", day.year(), day.month());
    default:
      return absl::StrFormat("%04d-%02d-%02d", day.year(), day.month(),
                             day.day());
  }
}

int32_t DayNumber(absl::CivilDay day) {
  return static_cast<int32_t>(day - kDayZero);
}

absl::CivilDay DayFromNumber(int32_t number) { return kDayZero + number; }

absl::StatusOr<std::optional<DayRange>> ValidTimeRange(
    const v1::ValidTime& valid_time) {
  if (!valid_time.at().date().empty()) {
    auto at = ParseIsoDate(valid_time.at().date());
    if (!at.ok()) return at.status();
    return DayRange{DayNumber(at->first_day), DayNumber(at->end_day)};
  }
  if (valid_time.start().date().empty() && valid_time.end().date().empty()) {
    return std::nullopt;
  }
  DayRange range{kOpenFirstDay, kOpenEndDay};
  if (!valid_time.start().date().empty()) {
    auto start = ParseIsoDate(valid_time.start().date());
    if (!start.ok()) return start.status();
    range.first = DayNumber(start->first_day);
  }
  if (!valid_time.end().date().empty()) {
    auto end = ParseIsoDate(valid_time.end().date());
    if (!end.ok()) return end.status();
    range.end = DayNumber(end->end_day);
  }
  if (range.end <= range.first) {
    return absl::InvalidArgumentError(
        absl::StrCat("valid time ends (", valid_time.end().date(),
                     ") before it starts (", valid_time.start().date(), ")"));
  }
  return range;
}

}  // namespace factstore
