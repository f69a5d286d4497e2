// What the API's dates mean, for every layer that reads them: the precision
// of a factstore.v1.TimeValue as common/iso_date's, and the days a
// factstore.v1.ValidTime covers (what the valid-time index stores and the
// filters compare).
//
//   time.set_precision(ToApiPrecision(parsed->precision));
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

// The days a valid time covers: `at` for its whole precision, or from
// `start`'s first day to `end`'s last day, either open. Returns nullopt when
// no time is stated, and INVALID_ARGUMENT for a malformed date or an end
// before the start.
absl::StatusOr<std::optional<DayRange>> ValidTimeRange(
    const v1::ValidTime& valid_time);

}  // namespace factstore

#endif  // FACTSTORE_PROTOS_API_DATES_H_
