#include "protos/api_dates.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace factstore {
namespace {

TEST(ApiDatesTest, PrecisionsMapOneToOne) {
  EXPECT_EQ(ToApiPrecision(DatePrecision::kYear), v1::DATE_PRECISION_YEAR);
  EXPECT_EQ(ToApiPrecision(DatePrecision::kMonth), v1::DATE_PRECISION_MONTH);
  EXPECT_EQ(ToApiPrecision(DatePrecision::kDay), v1::DATE_PRECISION_DAY);
}

v1::TimeValue Time(const std::string& date, v1::DatePrecision precision) {
  v1::TimeValue time;
  time.set_date(date);
  time.set_precision(precision);
  return time;
}

// The days of `date` at `precision` as ISO dates "first..end".
std::string Days(const std::string& date, v1::DatePrecision precision) {
  absl::StatusOr<DayRange> days = TimeValueDays(Time(date, precision));
  if (!days.ok()) return std::string(days.status().message());
  return absl::StrCat(
      FormatIsoDate(DayFromNumber(days->first), DatePrecision::kDay), "..",
      FormatIsoDate(DayFromNumber(days->end), DatePrecision::kDay));
}

TEST(ApiDatesTest, TimeValueDaysOfEachPrecision) {
  EXPECT_EQ(Days("2028", v1::DATE_PRECISION_YEAR), "2028-01-01..2029-01-01");
  EXPECT_EQ(Days("2024-02", v1::DATE_PRECISION_MONTH),
            "2024-02-01..2024-03-01");
  EXPECT_EQ(Days("2024-08-02", v1::DATE_PRECISION_DAY),
            "2024-08-02..2024-08-03");
  // Unset: from the date's shape.
  EXPECT_EQ(Days("2028", v1::DATE_PRECISION_UNSPECIFIED),
            "2028-01-01..2029-01-01");
  EXPECT_EQ(Days("2024-07", v1::DATE_PRECISION_UNSPECIFIED),
            "2024-07-01..2024-08-01");
  EXPECT_EQ(Days("2024-12-31", v1::DATE_PRECISION_UNSPECIFIED),
            "2024-12-31..2025-01-01");

  EXPECT_EQ(Days("2024-01", v1::DATE_PRECISION_QUARTER),
            "2024-01-01..2024-04-01");
  EXPECT_EQ(Days("2024-04", v1::DATE_PRECISION_QUARTER),
            "2024-04-01..2024-07-01");
  EXPECT_EQ(Days("2024-07", v1::DATE_PRECISION_QUARTER),
            "2024-07-01..2024-10-01");
  EXPECT_EQ(Days("2024-10", v1::DATE_PRECISION_QUARTER),
            "2024-10-01..2025-01-01");

  EXPECT_EQ(Days("2024-01", v1::DATE_PRECISION_HALF_YEAR),
            "2024-01-01..2024-07-01");
  EXPECT_EQ(Days("2024-07", v1::DATE_PRECISION_HALF_YEAR),
            "2024-07-01..2025-01-01");

  EXPECT_EQ(Days("2023-01", v1::DATE_PRECISION_FOUR_MONTHS),
            "2023-01-01..2023-05-01");
  EXPECT_EQ(Days("2025-05", v1::DATE_PRECISION_FOUR_MONTHS),
            "2025-05-01..2025-09-01");
  EXPECT_EQ(Days("2024-09", v1::DATE_PRECISION_FOUR_MONTHS),
            "2024-09-01..2025-01-01");

  EXPECT_EQ(Days("2020", v1::DATE_PRECISION_DECADE), "2020-01-01..2030-01-01");
  EXPECT_EQ(Days("0010", v1::DATE_PRECISION_DECADE), "0010-01-01..0020-01-01");
  // The last decade ends after year 9999, as a year 9999 does.
  EXPECT_EQ(Days("9990", v1::DATE_PRECISION_DECADE), "9990-01-01..10000-01-01");
  EXPECT_EQ(Days("9999", v1::DATE_PRECISION_YEAR), "9999-01-01..10000-01-01");
}

TEST(ApiDatesTest, TimeValueDaysNameTheFieldAtFault) {
  using ::testing::HasSubstr;
  using ::testing::StartsWith;
  // Shapes that do not fit the precision.
  EXPECT_THAT(Days("2024", v1::DATE_PRECISION_DAY),
              StartsWith("precision: DATE_PRECISION_DAY does not match date "
                         "\"2024\" (DATE_PRECISION_YEAR)"));
  EXPECT_THAT(Days("2024", v1::DATE_PRECISION_QUARTER),
              StartsWith("precision: DATE_PRECISION_QUARTER does not match "
                         "date \"2024\" (a quarter is written as its first "
                         "month, \"YYYY-MM\")"));
  EXPECT_THAT(Days("2024-07-01", v1::DATE_PRECISION_HALF_YEAR),
              StartsWith("precision: DATE_PRECISION_HALF_YEAR does not match"));
  EXPECT_THAT(Days("2020-01", v1::DATE_PRECISION_DECADE),
              HasSubstr("a decade is written as its first year, \"YYYY\""));
  EXPECT_THAT(Days("2024-09-01", v1::DATE_PRECISION_FOUR_MONTHS),
              StartsWith("precision: DATE_PRECISION_FOUR_MONTHS"));
  // Periods that do not start where one starts.
  EXPECT_EQ(Days("2024-08", v1::DATE_PRECISION_QUARTER),
            "date: \"2024-08\" does not start a quarter (its month must be "
            "01, 04, 07 or 10)");
  EXPECT_EQ(Days("2024-04", v1::DATE_PRECISION_HALF_YEAR),
            "date: \"2024-04\" does not start a half year (its month must be "
            "01 or 07)");
  EXPECT_EQ(Days("2024-04", v1::DATE_PRECISION_FOUR_MONTHS),
            "date: \"2024-04\" does not start a four-month period (its month "
            "must be 01, 05 or 09)");
  EXPECT_EQ(Days("2025", v1::DATE_PRECISION_DECADE),
            "date: \"2025\" does not start a decade (its year must be a "
            "multiple of 10)");
  // Bad dates and precisions.
  EXPECT_THAT(Days("2024-13", v1::DATE_PRECISION_QUARTER),
              StartsWith("date: invalid date \"2024-13\": month out of range"));
  EXPECT_THAT(Days("", v1::DATE_PRECISION_YEAR), StartsWith("date: "));
  EXPECT_EQ(Days("2024", static_cast<v1::DatePrecision>(42)),
            "precision: unknown value 42");
}

TEST(ApiDatesTest, ValidTimeRanges) {
  v1::ValidTime none;
  EXPECT_FALSE(ValidTimeRange(none)->has_value());

  v1::ValidTime at;
  at.mutable_at()->set_date("2028");
  auto range = ValidTimeRange(at);
  ASSERT_TRUE(range.ok() && range->has_value());
  EXPECT_EQ((*range)->first, DayNumber(absl::CivilDay(2028, 1, 1)));
  EXPECT_EQ((*range)->end, DayNumber(absl::CivilDay(2029, 1, 1)));

  v1::ValidTime open_end;
  open_end.mutable_start()->set_date("2020-03");
  range = ValidTimeRange(open_end);
  ASSERT_TRUE(range.ok() && range->has_value());
  EXPECT_EQ((*range)->first, DayNumber(absl::CivilDay(2020, 3, 1)));
  EXPECT_EQ((*range)->end, kOpenEndDay);

  v1::ValidTime span;
  span.mutable_start()->set_date("2020");
  span.mutable_end()->set_date("2024");
  range = ValidTimeRange(span);
  ASSERT_TRUE(range.ok() && range->has_value());
  EXPECT_EQ((*range)->end, DayNumber(absl::CivilDay(2025, 1, 1)));

  v1::ValidTime backwards;
  backwards.mutable_start()->set_date("2024");
  backwards.mutable_end()->set_date("2020");
  EXPECT_FALSE(ValidTimeRange(backwards).ok());

  v1::ValidTime bad;
  bad.mutable_at()->set_date("2024-13");
  EXPECT_FALSE(ValidTimeRange(bad).ok());
}

TEST(ApiDatesTest, ValidTimeRangesHonorPrecision) {
  v1::ValidTime quarter;
  *quarter.mutable_at() = Time("2024-07", v1::DATE_PRECISION_QUARTER);
  auto range = ValidTimeRange(quarter);
  ASSERT_TRUE(range.ok() && range->has_value()) << range.status();
  EXPECT_EQ((*range)->first, DayNumber(absl::CivilDay(2024, 7, 1)));
  EXPECT_EQ((*range)->end, DayNumber(absl::CivilDay(2024, 10, 1)));

  v1::ValidTime decade;
  *decade.mutable_at() = Time("2020", v1::DATE_PRECISION_DECADE);
  range = ValidTimeRange(decade);
  ASSERT_TRUE(range.ok() && range->has_value()) << range.status();
  EXPECT_EQ((*range)->first, DayNumber(absl::CivilDay(2020, 1, 1)));
  EXPECT_EQ((*range)->end, DayNumber(absl::CivilDay(2030, 1, 1)));

  // From the first quarter to the end of the second half.
  v1::ValidTime span;
  *span.mutable_start() = Time("2024-01", v1::DATE_PRECISION_QUARTER);
  *span.mutable_end() = Time("2024-07", v1::DATE_PRECISION_HALF_YEAR);
  range = ValidTimeRange(span);
  ASSERT_TRUE(range.ok() && range->has_value()) << range.status();
  EXPECT_EQ((*range)->first, DayNumber(absl::CivilDay(2024, 1, 1)));
  EXPECT_EQ((*range)->end, DayNumber(absl::CivilDay(2025, 1, 1)));

  // An end (late 2024) before the start (2025).
  v1::ValidTime backwards;
  *backwards.mutable_start() = Time("2025", v1::DATE_PRECISION_YEAR);
  *backwards.mutable_end() = Time("2024-09", v1::DATE_PRECISION_FOUR_MONTHS);
  EXPECT_FALSE(ValidTimeRange(backwards).ok());

  v1::ValidTime misaligned;
  *misaligned.mutable_start() = Time("2024-08", v1::DATE_PRECISION_QUARTER);
  EXPECT_EQ(ValidTimeRange(misaligned).status().message(),
            "start: date: \"2024-08\" does not start a quarter (its month "
            "must be 01, 04, 07 or 10)");
}

}  // namespace
}  // namespace factstore
