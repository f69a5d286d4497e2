#include "protos/api_dates.h"

#include "gtest/gtest.h"

namespace factstore {
namespace {

TEST(ApiDatesTest, PrecisionsMapOneToOne) {
  EXPECT_EQ(ToApiPrecision(DatePrecision::kYear), v1::DATE_PRECISION_YEAR);
  EXPECT_EQ(ToApiPrecision(DatePrecision::kMonth), v1::DATE_PRECISION_MONTH);
  EXPECT_EQ(ToApiPrecision(DatePrecision::kDay), v1::DATE_PRECISION_DAY);
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

}  // namespace
}  // namespace factstore
