// What the API's dates mean, for every layer that reads them: the precision
// of a factstore.v1.TimeValue as common/iso_date's, the days a TimeValue
// covers at its precision (what the value index stores), and the days a
// factstore.v1.ValidTime covers (what the valid-time index stores and the
// filters compare).
//
//   time.set_precision(ToApiPrecision(parsed->precision));
//   FS_ASSIGN_OR_RETURN(DayRange days, TimeValueDays(fact.value().time()));
//       // {date "2024-07", QUARTER} -> [2024-07-01, 2024-10-01)
//   FS_ASSIGN_OR_RETURN(std::optional<DayRange> days,
//                       ValidTimeRange(fact.valid_time()));
#ifndef FACTSTORE_PROTOS_API_DATES_H_
#define FACTSTORE_PROTOS_API_DATES_H_

#include <optional>

#include "absl/status/statusor.h"
#include "common/iso_date.h"
#include "factstore/v1/types.pb.h"

namespace factstore {

v1::DatePrecision ToApiPrecision(DatePrecision precision);

// The days `time` covers: from the first day of its date to the end of the
// period its precision names (a YEAR, MONTH or DAY as ParseIsoDate reads
// it; a QUARTER, HALF_YEAR or FOUR_MONTHS from its first month, "YYYY-MM";
// a DECADE from its first year, "YYYY"). An unset precision is inferred from
// the date's shape (YEAR, MONTH or DAY). The modifier and the output-only
// interval fields are ignored.
// Returns INVALID_ARGUMENT for a malformed date, an unknown precision, a
// date whose shape does not fit the precision, or a period that does not
// start where one starts (2024-08/QUARTER, 2025/DECADE); the message starts
// with the field at fault ("date: ...", "precision: ...").
absl::StatusOr<DayRange> TimeValueDays(const v1::TimeValue& time);

// The days a valid time covers: `at` for its whole precision, or from
// `start`'s first day to `end`'s last day, either open (each as
// TimeValueDays() reads it). Returns nullopt when no time is stated, and
// INVALID_ARGUMENT for a malformed date or an end before the start.
absl::StatusOr<std::optional<DayRange>> ValidTimeRange(
    const v1::ValidTime& valid_time);

}  // namespace factstore

#endif  // FACTSTORE_PROTOS_API_DATES_H_
