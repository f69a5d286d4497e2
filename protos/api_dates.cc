#include "protos/api_dates.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace factstore {

v1::DatePrecision ToApiPrecision(DatePrecision precision) {
  switch (precision) {
    case DatePrecision::kYear:
      return v1::DATE_PRECISION_YEAR;
    case DatePrecision::kMonth:
      return v1::DATE_PRECISION_MONTH;
    case DatePrecision::kDay:
      break;
  }
  return v1::DATE_PRECISION_DAY;
}

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
