#include "protos/api_dates.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"

namespace factstore {
namespace {

// How a period longer than a month is written and how long it is.
struct Period {
  DatePrecision shape;  // kMonth ("YYYY-MM") or kYear ("YYYY")
  int months;           // its length; a period of months starts in month
                        // 1 + k*months, a decade in a year k*10
  const char* what;     // "a quarter"
  const char* starts;   // where one starts, for error messages
};

std::optional<Period> PeriodOf(v1::DatePrecision precision) {
  switch (precision) {
    case v1::DATE_PRECISION_QUARTER:
      return Period{DatePrecision::kMonth, 3, "a quarter",
                    "its month must be 01, 04, 07 or 10"};
    case v1::DATE_PRECISION_HALF_YEAR:
      return Period{DatePrecision::kMonth, 6, "a half year",
                    "its month must be 01 or 07"};
    case v1::DATE_PRECISION_FOUR_MONTHS:
      return Period{DatePrecision::kMonth, 4, "a four-month period",
                    "its month must be 01, 05 or 09"};
    case v1::DATE_PRECISION_DECADE:
      return Period{DatePrecision::kYear, 120, "a decade",
                    "its year must be a multiple of 10"};
    default:
      return std::nullopt;
  }
}

absl::Status Bad(absl::string_view field, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", why));
}

}  // namespace

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

absl::StatusOr<DayRange> TimeValueDays(const v1::TimeValue& time) {
  absl::StatusOr<IsoDate> date = ParseIsoDate(time.date());
  if (!date.ok()) return Bad("date", date.status().message());
  const v1::DatePrecision precision = time.precision();
  if (!v1::DatePrecision_IsValid(precision)) {
    return Bad("precision", absl::StrCat("unknown value ", precision));
  }
  const std::optional<Period> period = PeriodOf(precision);
  if (!period.has_value()) {
    // UNSPECIFIED, YEAR, MONTH, DAY: the date's shape says it all.
    if (precision != v1::DATE_PRECISION_UNSPECIFIED &&
        precision != ToApiPrecision(date->precision)) {
      return Bad(
          "precision",
          absl::StrCat(v1::DatePrecision_Name(precision),
                       " does not match date \"", time.date(), "\" (",
                       v1::DatePrecision_Name(ToApiPrecision(date->precision)),
                       ")"));
    }
    return DayRange{DayNumber(date->first_day), DayNumber(date->end_day)};
  }
  const absl::CivilDay first = date->first_day;
  if (date->precision != period->shape) {
    return Bad("precision",
               absl::StrCat(v1::DatePrecision_Name(precision),
                            " does not match date \"", time.date(), "\" (",
                            period->what, " is written as its first ",
                            period->shape == DatePrecision::kYear
                                ? "year, \"YYYY\")"
                                : "month, \"YYYY-MM\")"));
  }
  const bool aligned = period->shape == DatePrecision::kYear
                           ? first.year() % 10 == 0
                           : (first.month() - 1) % period->months == 0;
  if (!aligned) {
    return Bad("date", absl::StrCat("\"", time.date(), "\" does not start ",
                                    period->what, " (", period->starts, ")"));
  }
  const absl::CivilDay end(absl::CivilMonth(first) + period->months);
  return DayRange{DayNumber(first), DayNumber(end)};
}

absl::StatusOr<std::optional<DayRange>> ValidTimeRange(
    const v1::ValidTime& valid_time) {
  auto days = [](const v1::TimeValue& time,
                 absl::string_view part) -> absl::StatusOr<DayRange> {
    absl::StatusOr<DayRange> range = TimeValueDays(time);
    if (!range.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(part, ": ", range.status().message()));
    }
    return range;
  };
  if (!valid_time.at().date().empty()) {
    return days(valid_time.at(), "at");
  }
  if (valid_time.start().date().empty() && valid_time.end().date().empty()) {
    return std::nullopt;
  }
  DayRange range{kOpenFirstDay, kOpenEndDay};
  if (!valid_time.start().date().empty()) {
    absl::StatusOr<DayRange> start = days(valid_time.start(), "start");
    if (!start.ok()) return start.status();
    range.first = start->first;
  }
  if (!valid_time.end().date().empty()) {
    absl::StatusOr<DayRange> end = days(valid_time.end(), "end");
    if (!end.ok()) return end.status();
    range.end = end->end;
  }
  if (range.end <= range.first) {
    return absl::InvalidArgumentError(
        absl::StrCat("valid time ends (", valid_time.end().date(),
                     ") before it starts (", valid_time.start().date(), ")"));
  }
  return range;
}

}  // namespace factstore
