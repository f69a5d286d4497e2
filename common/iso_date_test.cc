#include "common/iso_date.h"

#include "gtest/gtest.h"

namespace factstore {
namespace {

TEST(IsoDateTest, ParsesEachPrecisionAsAnInterval) {
  auto year = ParseIsoDate("2028");
  ASSERT_TRUE(year.ok());
  EXPECT_EQ(year->precision, DatePrecision::kYear);
  EXPECT_EQ(year->first_day, absl::CivilDay(2028, 1, 1));
  EXPECT_EQ(year->end_day, absl::CivilDay(2029, 1, 1));

  auto month = ParseIsoDate("2024-12");
  ASSERT_TRUE(month.ok());
  EXPECT_EQ(month->precision, DatePrecision::kMonth);
  EXPECT_EQ(month->end_day, absl::CivilDay(2025, 1, 1));

  auto day = ParseIsoDate("2024-02-29");
  ASSERT_TRUE(day.ok());
  EXPECT_EQ(day->precision, DatePrecision::kDay);
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
  EXPECT_EQ(FormatIsoDate(day, DatePrecision::kYear), "2024");
  EXPECT_EQ(FormatIsoDate(day, DatePrecision::kMonth), "2024-08");
  EXPECT_EQ(FormatIsoDate(day, DatePrecision::kDay), "2024-08-02");
  EXPECT_EQ(FormatIsoDate(absl::CivilDay(7, 1, 1), DatePrecision::kYear),
            "0007");
}

TEST(IsoDateTest, WritesDateTextsAsPrintfWould) {
  EXPECT_EQ(IsoDateText(2024), "2024");
  EXPECT_EQ(IsoDateText(2024, 8), "2024-08");
  EXPECT_EQ(IsoDateText(2024, 8, 2), "2024-08-02");
  EXPECT_EQ(IsoDateText(7, 12, 31), "0007-12-31");
  // Nothing is checked or cut: ParseIsoDate() refuses what is wrong.
  EXPECT_EQ(IsoDateText(2024, 0, 5), "2024-05");
  EXPECT_EQ(IsoDateText(12345, 123), "12345-123");
  EXPECT_EQ(IsoDateText(-5, -1), "-005--1");
  EXPECT_FALSE(ParseIsoDate(IsoDateText(2024, 13)).ok());
}

TEST(IsoDateTest, DayNumbersRoundTripAndOrder) {
  EXPECT_EQ(DayNumber(absl::CivilDay(1, 1, 1)), 0);
  absl::CivilDay a(2024, 8, 2), b(2028, 1, 1);
  EXPECT_LT(DayNumber(a), DayNumber(b));
  EXPECT_EQ(DayFromNumber(DayNumber(a)), a);
  EXPECT_EQ(DayFromNumber(DayNumber(absl::CivilDay(9999, 12, 31))),
            absl::CivilDay(9999, 12, 31));
}

}  // namespace
}  // namespace factstore
