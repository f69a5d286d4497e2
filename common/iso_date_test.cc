#include "common/iso_date.h"

#include "gtest/gtest.h"

namespace factstore {
namespace {

TEST(IsoDateTest, ParsesEachPrecisionAsAnInterval) {
  auto year = ParseIsoDate("2028");
  ASSERT_TRUE(year.ok());
  EXPECT_EQ(year->precision, v1::DATE_PRECISION_YEAR);
  EXPECT_EQ(year->first_day, absl::CivilDay(2028, 1, 1));
  EXPECT_EQ(year->end_day, absl::CivilDay(2029, 1, 1));

  auto month = ParseIsoDate("2024-12");
  ASSERT_TRUE(month.ok());
  EXPECT_EQ(month->precision, v1::DATE_PRECISION_MONTH);
  EXPECT_EQ(month->end_day, absl::CivilDay(2025, 1, 1));

  auto day = ParseIsoDate("2024-02-29");
  ASSERT_TRUE(day.ok());
  EXPECT_EQ(day->precision, v1::DATE_PRECISION_DAY);
  EXPECT_EQ(day->end_day, absl::CivilDay(2024, 3, 1));
}

TEST(IsoDateTest, RejectsMalformedDates) {
  for (const char* bad : {"", "24", "2024-8", "2024-13", "2023-02-29",
                          "2024-02-30", "0000", "2024/08/02", "2024-08-02T00",
                          "abcd", "2024-00", "2024-01-00", "+202"}) {
    auto parsed = ParseIsoDate(bad);
    EXPECT_FALSE(parsed.ok()) << bad;
    EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument);
  }
}

TEST(IsoDateTest, FormatsToPrecision) {
  absl::CivilDay day(2024, 8, 2);
  EXPECT_EQ(FormatIsoDate(day, v1::DATE_PRECISION_YEAR), "2024");
  EXPECT_EQ(FormatIsoDate(day, v1::DATE_PRECISION_MONTH), "2024-08");
  EXPECT_EQ(FormatIsoDate(day, v1::DATE_PRECISION_DAY), "2024-08-02");
  EXPECT_EQ(FormatIsoDate(absl::CivilDay(7, 1, 1), v1::DATE_PRECISION_YEAR),
            "0007");
}

TEST(IsoDateTest, DayNumbersRoundTripAndOrder) {
  EXPECT_EQ(DayNumber(absl::CivilDay(1, 1, 1)), 0);
  absl::CivilDay a(2024, 8, 2), b(2028, 1, 1);
  EXPECT_LT(DayNumber(a), DayNumber(b));
  EXPECT_EQ(DayFromNumber(DayNumber(a)), a);
  EXPECT_EQ(DayFromNumber(DayNumber(absl::CivilDay(9999, 12, 31))),
            absl::CivilDay(9999, 12, 31));
}

TEST(IsoDateTest, ValidTimeRanges) {
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
