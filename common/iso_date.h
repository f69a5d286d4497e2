// ISO-8601 calendar dates of a stated precision, and the day intervals they
// stand for.
//
// factstore stores dates as "2028" (YEAR), "2024-08" (MONTH) or "2024-08-02"
// (DAY). A date stands for the interval its precision implies, which is what
// the valid-time index and filters use:
//
//   ParseIsoDate("2028")  -> first_day 2028-01-01, end_day 2029-01-01, YEAR
//   ParseIsoDate("2024-08-02") -> [2024-08-02, 2024-08-03), DAY
#ifndef FACTSTORE_COMMON_ISO_DATE_H_
#define FACTSTORE_COMMON_ISO_DATE_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"

namespace factstore {

// How much of a date is stated (factstore.v1.DatePrecision in the API;
// protos/api_dates.h converts).
enum class DatePrecision { kYear, kMonth, kDay };

// A parsed date: its precision and the half-open day interval it covers.
struct IsoDate {
  DatePrecision precision = DatePrecision::kDay;
  absl::CivilDay first_day;  // first day covered
  absl::CivilDay end_day;    // first day after the covered interval
};

// Years outside [kMinYear, kMaxYear] are rejected.
inline constexpr int kMinYear = 1;
inline constexpr int kMaxYear = 9999;

// Parses "YYYY", "YYYY-MM" or "YYYY-MM-DD" (four-digit year 0001-9999).
// Returns INVALID_ARGUMENT naming the problem otherwise (bad shape, month 13,
// February 30, ...).
absl::StatusOr<IsoDate> ParseIsoDate(absl::string_view text);

// Formats `day` cut to `precision`: "2024", "2024-08", "2024-08-02".
std::string FormatIsoDate(absl::CivilDay day, DatePrecision precision);

// Writes `year`, then `month` unless it is 0, then `day` unless it is 0,
// zero-padded to 4, 2 and 2 digits and joined by '-' ("2024", "2024-08",
// "2024-08-02"); numbers too wide are written whole and negative ones with
// their sign, as printf's "%04d" and "%02d" would. It checks nothing:
// ParseIsoDate() does.
std::string IsoDateText(int year, int month = 0, int day = 0);

// A half-open interval of days [first, end), as DayNumbers (a valid time's:
// protos/api_dates.h). Open ends are kOpenFirstDay and kOpenEndDay.
struct DayRange {
  int32_t first = 0;
  int32_t end = 0;
};
inline constexpr int32_t kOpenFirstDay = 0;
inline constexpr int32_t kOpenEndDay = 0x7FFFFFFF;

// Days since 0001-01-01 (which is day 0). Dates of years 1-9999 map to
// [0, 3652059]; the valid-time index stores these numbers.
int32_t DayNumber(absl::CivilDay day);

// The inverse of DayNumber.
absl::CivilDay DayFromNumber(int32_t number);

}  // namespace factstore

#endif  // FACTSTORE_COMMON_ISO_DATE_H_
