#include "normalizer/date_normalizer.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "normalizer/test_names.h"
#include "normalizer/text_tokens.h"

namespace factstore::normalizer {
namespace {

using ::testing::HasSubstr;

constexpr v1::DatePrecision YEAR = v1::DATE_PRECISION_YEAR;
constexpr v1::DatePrecision MONTH = v1::DATE_PRECISION_MONTH;
constexpr v1::DatePrecision DAY = v1::DATE_PRECISION_DAY;
constexpr v1::DatePrecision QUARTER = v1::DATE_PRECISION_QUARTER;
constexpr v1::DatePrecision HALF = v1::DATE_PRECISION_HALF_YEAR;
constexpr v1::DatePrecision DECADE = v1::DATE_PRECISION_DECADE;
constexpr v1::DatePrecision FOUR = v1::DATE_PRECISION_FOUR_MONTHS;
constexpr v1::DateModifier EXACT = v1::DATE_MODIFIER_EXACT;
constexpr v1::DateModifier APPROX = v1::DATE_MODIFIER_APPROXIMATELY;
constexpr v1::DateModifier BY = v1::DATE_MODIFIER_BY;
constexpr v1::DateModifier BEFORE = v1::DATE_MODIFIER_BEFORE;
constexpr v1::DateModifier AFTER = v1::DATE_MODIFIER_AFTER;
constexpr v1::DateModifier SINCE = v1::DATE_MODIFIER_SINCE;

struct DateCase {
  const char* text;
  const char* language;
  const char* date;
  v1::DatePrecision precision;
  v1::DateModifier modifier;
};

class NormalizeDateTest : public ::testing::TestWithParam<DateCase> {};

TEST_P(NormalizeDateTest, ReadsDate) {
  const DateCase& c = GetParam();
  absl::StatusOr<v1::TimeValue> t = NormalizeDate(c.text, c.language);
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->date(), c.date);
  EXPECT_EQ(t->precision(), c.precision);
  EXPECT_EQ(t->modifier(), c.modifier) << v1::DateModifier_Name(t->modifier());
  EXPECT_EQ(t->surface_text(), c.text);
  EXPECT_TRUE(t->raw().empty());
  // Already canonical, interval included.
  EXPECT_FALSE(t->interval_start().empty());
  absl::StatusOr<v1::TimeValue> again = CanonicalizeTimeValue(*t);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->SerializeAsString(), t->SerializeAsString())
      << again->ShortDebugString() << " vs " << t->ShortDebugString();
}

std::string DateCaseName(const ::testing::TestParamInfo<DateCase>& info) {
  return CaseName(info.param.language, info.index, info.param.text);
}

// The examples from the project's seed articles.
const DateCase kSeedDates[] = {
    {"August 2, 2024", "en", "2024-08-02", DAY, EXACT},
    {"by 2028", "en", "2028", YEAR, BY},
    {"In 2022", "en", "2022", YEAR, EXACT},
    {"ngày 2 tháng 8 năm 2024", "vi", "2024-08-02", DAY, EXACT},
    {"2024년 8월 2일", "ko", "2024-08-02", DAY, EXACT},
    {"02/08/2024", "vi", "2024-08-02", DAY, EXACT},
    {"Aug. 2024", "en", "2024-08", MONTH, EXACT},
};
INSTANTIATE_TEST_SUITE_P(Seeds, NormalizeDateTest,
                         ::testing::ValuesIn(kSeedDates), DateCaseName);

const DateCase kEnglishDates[] = {
    {"2028", "en", "2028", YEAR, EXACT},
    {"0001", "en", "0001", YEAR, EXACT},
    {"9999", "en", "9999", YEAR, EXACT},
    {"2024-08-02", "en", "2024-08-02", DAY, EXACT},
    {"2024-8-2", "en", "2024-08-02", DAY, EXACT},
    {"2024/08/02", "en", "2024-08-02", DAY, EXACT},
    {"2024.08.02", "en", "2024-08-02", DAY, EXACT},
    {"2024-08", "en", "2024-08", MONTH, EXACT},
    {"2024/08", "en", "2024-08", MONTH, EXACT},
    {"08/2024", "en", "2024-08", MONTH, EXACT},
    {"8/2024", "en", "2024-08", MONTH, EXACT},
    {"02/08/2024", "en", "2024-02-08", DAY, EXACT},
    {"2/8/2024", "en", "2024-02-08", DAY, EXACT},
    {"12/31/2024", "en", "2024-12-31", DAY, EXACT},
    {"02-08-2024", "en", "2024-02-08", DAY, EXACT},
    {"02.08.2024", "en", "2024-02-08", DAY, EXACT},
    {"August 2, 2024", "en", "2024-08-02", DAY, EXACT},
    {"August 2 2024", "en", "2024-08-02", DAY, EXACT},
    {"august 2, 2024", "en", "2024-08-02", DAY, EXACT},
    {"AUGUST 2, 2024", "en", "2024-08-02", DAY, EXACT},
    {"Aug 2, 2024", "en", "2024-08-02", DAY, EXACT},
    {"Aug. 2, 2024", "en", "2024-08-02", DAY, EXACT},
    {"August 2nd, 2024", "en", "2024-08-02", DAY, EXACT},
    {"2 August 2024", "en", "2024-08-02", DAY, EXACT},
    {"2nd August 2024", "en", "2024-08-02", DAY, EXACT},
    {"2 Aug 2024", "en", "2024-08-02", DAY, EXACT},
    {"the 2nd of August, 2024", "en", "2024-08-02", DAY, EXACT},
    {"21st March 2023", "en", "2023-03-21", DAY, EXACT},
    {"Aug. 2nd 2024", "en", "2024-08-02", DAY, EXACT},
    {"ca. 1990", "en", "1990", YEAR, APPROX},
    {"starting 2026", "en", "2026", YEAR, SINCE},
    {"2024. 8. 2.", "en", "2024-08-02", DAY, EXACT},
    {"Friday, August 2, 2024", "en", "2024-08-02", DAY, EXACT},
    {"Fri, 2 Aug 2024", "en", "2024-08-02", DAY, EXACT},
    {"August 2024", "en", "2024-08", MONTH, EXACT},
    {"Aug 2024", "en", "2024-08", MONTH, EXACT},
    {"January 2020", "en", "2020-01", MONTH, EXACT},
    {"Feb. 2020", "en", "2020-02", MONTH, EXACT},
    {"March 2020", "en", "2020-03", MONTH, EXACT},
    {"Apr 2020", "en", "2020-04", MONTH, EXACT},
    {"May 2020", "en", "2020-05", MONTH, EXACT},
    {"June 2020", "en", "2020-06", MONTH, EXACT},
    {"Jul 2020", "en", "2020-07", MONTH, EXACT},
    {"Sept. 2020", "en", "2020-09", MONTH, EXACT},
    {"Sep 2020", "en", "2020-09", MONTH, EXACT},
    {"October 2020", "en", "2020-10", MONTH, EXACT},
    {"Nov 2020", "en", "2020-11", MONTH, EXACT},
    {"December 2020", "en", "2020-12", MONTH, EXACT},
    {"February 29, 2024", "en", "2024-02-29", DAY, EXACT},
    {"in 2022", "en", "2022", YEAR, EXACT},
    {"in August 2024", "en", "2024-08", MONTH, EXACT},
    {"on August 2, 2024", "en", "2024-08-02", DAY, EXACT},
    {"during 2023", "en", "2023", YEAR, EXACT},
    {"as of 2024", "en", "2024", YEAR, EXACT},
    {"by 2028", "en", "2028", YEAR, BY},
    {"By 2030", "en", "2030", YEAR, BY},
    {"by the end of 2028", "en", "2028", YEAR, BY},
    {"until 2025", "en", "2025", YEAR, BY},
    {"no later than June 2025", "en", "2025-06", MONTH, BY},
    {"around 2025", "en", "2025", YEAR, APPROX},
    {"about 2025", "en", "2025", YEAR, APPROX},
    {"approximately 2025", "en", "2025", YEAR, APPROX},
    {"circa 1990", "en", "1990", YEAR, APPROX},
    {"c. 1990", "en", "1990", YEAR, APPROX},
    {"in around 2025", "en", "2025", YEAR, APPROX},
    {"before 2030", "en", "2030", YEAR, BEFORE},
    {"prior to 2030", "en", "2030", YEAR, BEFORE},
    {"after 2020", "en", "2020", YEAR, AFTER},
    {"since 2019", "en", "2019", YEAR, SINCE},
    {"since March 2019", "en", "2019-03", MONTH, SINCE},
    {"from 2019", "en", "2019", YEAR, SINCE},
    {"２０２４", "en", "2024", YEAR, EXACT},
};

const DateCase kVietnameseDates[] = {
    {"ngày 2 tháng 8 năm 2024", "vi", "2024-08-02", DAY, EXACT},
    {"Ngày 2 Tháng 8 Năm 2024", "vi", "2024-08-02", DAY, EXACT},
    {"ngay 2 thang 8 nam 2024", "vi", "2024-08-02", DAY, EXACT},
    {"ngày 02 tháng 08 năm 2024", "vi", "2024-08-02", DAY, EXACT},
    {"2 tháng 8 năm 2024", "vi", "2024-08-02", DAY, EXACT},
    {"ngày 2 tháng 8, 2024", "vi", "2024-08-02", DAY, EXACT},
    {"ngày 2/8/2024", "vi", "2024-08-02", DAY, EXACT},
    {"ngày 02-08-2024", "vi", "2024-08-02", DAY, EXACT},
    {"02/08/2024", "vi", "2024-08-02", DAY, EXACT},
    {"2/8/2024", "vi", "2024-08-02", DAY, EXACT},
    {"31/12/2024", "vi", "2024-12-31", DAY, EXACT},
    {"02.08.2024", "vi", "2024-08-02", DAY, EXACT},
    {"2024-08-02", "vi", "2024-08-02", DAY, EXACT},
    {"tháng 8/2024", "vi", "2024-08", MONTH, EXACT},
    {"tháng 08/2024", "vi", "2024-08", MONTH, EXACT},
    {"tháng 8-2024", "vi", "2024-08", MONTH, EXACT},
    {"tháng 8 năm 2024", "vi", "2024-08", MONTH, EXACT},
    {"tháng Tám năm 2024", "vi", "2024-08", MONTH, EXACT},
    {"tháng Một năm 2024", "vi", "2024-01", MONTH, EXACT},
    {"tháng Tư năm 2024", "vi", "2024-04", MONTH, EXACT},
    {"tháng Năm năm 2024", "vi", "2024-05", MONTH, EXACT},
    {"tháng Mười năm 2024", "vi", "2024-10", MONTH, EXACT},
    {"tháng Mười Một năm 2024", "vi", "2024-11", MONTH, EXACT},
    {"tháng Mười Hai năm 2024", "vi", "2024-12", MONTH, EXACT},
    {"ngày 2 tháng Tám năm 2024", "vi", "2024-08-02", DAY, EXACT},
    {"8/2024", "vi", "2024-08", MONTH, EXACT},
    {"năm 2024", "vi", "2024", YEAR, EXACT},
    {"2024", "vi", "2024", YEAR, EXACT},
    {"vào năm 2022", "vi", "2022", YEAR, EXACT},
    {"trong năm 2022", "vi", "2022", YEAR, EXACT},
    {"vào ngày 2 tháng 8 năm 2024", "vi", "2024-08-02", DAY, EXACT},
    {"khoảng năm 2025", "vi", "2025", YEAR, APPROX},
    {"vào khoảng năm 2025", "vi", "2025", YEAR, APPROX},
    {"đến năm 2028", "vi", "2028", YEAR, BY},
    {"đến 2028", "vi", "2028", YEAR, BY},
    {"tới năm 2028", "vi", "2028", YEAR, BY},
    {"trước năm 2030", "vi", "2030", YEAR, BEFORE},
    {"sau năm 2020", "vi", "2020", YEAR, AFTER},
    {"từ năm 2019", "vi", "2019", YEAR, SINCE},
    {"kể từ năm 2019", "vi", "2019", YEAR, SINCE},
    {"từ tháng 3/2019", "vi", "2019-03", MONTH, SINCE},
    {"Aug. 2024", "vi", "2024-08", MONTH, EXACT},
};

const DateCase kKoreanDates[] = {
    {"2024년 8월 2일", "ko", "2024-08-02", DAY, EXACT},
    {"2024년8월2일", "ko", "2024-08-02", DAY, EXACT},
    {"2024년 08월 02일", "ko", "2024-08-02", DAY, EXACT},
    {"2024년 8월", "ko", "2024-08", MONTH, EXACT},
    {"2024년", "ko", "2024", YEAR, EXACT},
    {"2024. 8. 2.", "ko", "2024-08-02", DAY, EXACT},
    {"2024.08.02", "ko", "2024-08-02", DAY, EXACT},
    {"2024.8.2", "ko", "2024-08-02", DAY, EXACT},
    {"2024/08/02", "ko", "2024-08-02", DAY, EXACT},
    {"2024-08-02", "ko", "2024-08-02", DAY, EXACT},
    {"2024. 8.", "ko", "2024-08", MONTH, EXACT},
    {"2028년까지", "ko", "2028", YEAR, BY},
    {"2028년 까지", "ko", "2028", YEAR, BY},
    {"2030년 이전", "ko", "2030", YEAR, BEFORE},
    {"2030년 전", "ko", "2030", YEAR, BEFORE},
    {"2020년 이후", "ko", "2020", YEAR, AFTER},
    {"2020년이후", "ko", "2020", YEAR, AFTER},
    {"2019년부터", "ko", "2019", YEAR, SINCE},
    {"2019년 이래", "ko", "2019", YEAR, SINCE},
    {"2025년경", "ko", "2025", YEAR, APPROX},
    {"2025년 쯤", "ko", "2025", YEAR, APPROX},
    {"약 2025년", "ko", "2025", YEAR, APPROX},
    {"2022년에", "ko", "2022", YEAR, EXACT},
    {"2024년 8월 2일에", "ko", "2024-08-02", DAY, EXACT},
    {"2024년 8월까지", "ko", "2024-08", MONTH, BY},
};

INSTANTIATE_TEST_SUITE_P(English, NormalizeDateTest,
                         ::testing::ValuesIn(kEnglishDates), DateCaseName);
INSTANTIATE_TEST_SUITE_P(Vietnamese, NormalizeDateTest,
                         ::testing::ValuesIn(kVietnameseDates), DateCaseName);
INSTANTIATE_TEST_SUITE_P(Korean, NormalizeDateTest,
                         ::testing::ValuesIn(kKoreanDates), DateCaseName);

// Periods longer than a month, and fiscal years, with the days they cover.
struct PeriodCase {
  const char* text;
  const char* language;
  const char* date;
  v1::DatePrecision precision;
  v1::DateModifier modifier;
  const char* interval_start;
  const char* interval_end;
};

class NormalizePeriodTest : public ::testing::TestWithParam<PeriodCase> {};

TEST_P(NormalizePeriodTest, ReadsPeriod) {
  const PeriodCase& c = GetParam();
  absl::StatusOr<v1::TimeValue> t = NormalizeDate(c.text, c.language);
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->date(), c.date);
  EXPECT_EQ(t->precision(), c.precision)
      << v1::DatePrecision_Name(t->precision());
  EXPECT_EQ(t->modifier(), c.modifier) << v1::DateModifier_Name(t->modifier());
  EXPECT_EQ(t->interval_start(), c.interval_start);
  EXPECT_EQ(t->interval_end(), c.interval_end);
  EXPECT_EQ(t->surface_text(), c.text);
  EXPECT_TRUE(t->raw().empty());
  absl::StatusOr<v1::TimeValue> again = CanonicalizeTimeValue(*t);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->SerializeAsString(), t->SerializeAsString())
      << again->ShortDebugString() << " vs " << t->ShortDebugString();
}

std::string PeriodCaseName(const ::testing::TestParamInfo<PeriodCase>& info) {
  return CaseName(info.param.language, info.index, info.param.text);
}

const PeriodCase kQuarters[] = {
    {"Q3 2024", "en", "2024-07", QUARTER, EXACT, "2024-07-01", "2024-10-01"},
    {"Q1 2024", "en", "2024-01", QUARTER, EXACT, "2024-01-01", "2024-04-01"},
    {"Q2 2024", "en", "2024-04", QUARTER, EXACT, "2024-04-01", "2024-07-01"},
    {"Q4 2024", "en", "2024-10", QUARTER, EXACT, "2024-10-01", "2025-01-01"},
    {"q3 2024", "en", "2024-07", QUARTER, EXACT, "2024-07-01", "2024-10-01"},
    {"Q3/2024", "en", "2024-07", QUARTER, EXACT, "2024-07-01", "2024-10-01"},
    {"Q3-2024", "en", "2024-07", QUARTER, EXACT, "2024-07-01", "2024-10-01"},
    {"Q3, 2024", "en", "2024-07", QUARTER, EXACT, "2024-07-01", "2024-10-01"},
    {"Q3 of 2024", "en", "2024-07", QUARTER, EXACT, "2024-07-01", "2024-10-01"},
    {"3Q 2024", "en", "2024-07", QUARTER, EXACT, "2024-07-01", "2024-10-01"},
    {"3Q2024", "en", "2024-07", QUARTER, EXACT, "2024-07-01", "2024-10-01"},
    {"third quarter of 2024", "en", "2024-07", QUARTER, EXACT, "2024-07-01",
     "2024-10-01"},
    {"the third quarter of 2024", "en", "2024-07", QUARTER, EXACT, "2024-07-01",
     "2024-10-01"},
    {"The Third Quarter of 2024", "en", "2024-07", QUARTER, EXACT, "2024-07-01",
     "2024-10-01"},
    {"3rd quarter 2024", "en", "2024-07", QUARTER, EXACT, "2024-07-01",
     "2024-10-01"},
    {"the first quarter of 2025", "en", "2025-01", QUARTER, EXACT, "2025-01-01",
     "2025-04-01"},
    {"fourth quarter 2024", "en", "2024-10", QUARTER, EXACT, "2024-10-01",
     "2025-01-01"},
    {"by Q3 2024", "en", "2024-07", QUARTER, BY, "2024-07-01", "2024-10-01"},
    {"in Q3 2024", "en", "2024-07", QUARTER, EXACT, "2024-07-01", "2024-10-01"},
    {"around Q3 2024", "en", "2024-07", QUARTER, APPROX, "2024-07-01",
     "2024-10-01"},
    {"before the third quarter of 2024", "en", "2024-07", QUARTER, BEFORE,
     "2024-07-01", "2024-10-01"},
    {"since Q3 2024", "en", "2024-07", QUARTER, SINCE, "2024-07-01",
     "2024-10-01"},
    {"quý 3/2024", "vi", "2024-07", QUARTER, EXACT, "2024-07-01", "2024-10-01"},
    {"Quý 3/2024", "vi", "2024-07", QUARTER, EXACT, "2024-07-01", "2024-10-01"},
    {"quy 3/2024", "vi", "2024-07", QUARTER, EXACT, "2024-07-01", "2024-10-01"},
    {"quý III/2024", "vi", "2024-07", QUARTER, EXACT, "2024-07-01",
     "2024-10-01"},
    {"quý IV/2024", "vi", "2024-10", QUARTER, EXACT, "2024-10-01",
     "2025-01-01"},
    {"quý I năm 2024", "vi", "2024-01", QUARTER, EXACT, "2024-01-01",
     "2024-04-01"},
    {"quý 3 năm 2024", "vi", "2024-07", QUARTER, EXACT, "2024-07-01",
     "2024-10-01"},
    {"quý 3-2024", "vi", "2024-07", QUARTER, EXACT, "2024-07-01", "2024-10-01"},
    {"trong quý 3/2024", "vi", "2024-07", QUARTER, EXACT, "2024-07-01",
     "2024-10-01"},
    {"đến quý 3/2024", "vi", "2024-07", QUARTER, BY, "2024-07-01",
     "2024-10-01"},
    {"2024년 3분기", "ko", "2024-07", QUARTER, EXACT, "2024-07-01",
     "2024-10-01"},
    {"2024년 1분기", "ko", "2024-01", QUARTER, EXACT, "2024-01-01",
     "2024-04-01"},
    {"2024년 3/4분기", "ko", "2024-07", QUARTER, EXACT, "2024-07-01",
     "2024-10-01"},
    {"2024년 3분기까지", "ko", "2024-07", QUARTER, BY, "2024-07-01",
     "2024-10-01"},
    {"2024년 3분기 중", "ko", "2024-07", QUARTER, EXACT, "2024-07-01",
     "2024-10-01"},
};

const PeriodCase kHalves[] = {
    {"H1 2024", "en", "2024-01", HALF, EXACT, "2024-01-01", "2024-07-01"},
    {"H2 2024", "en", "2024-07", HALF, EXACT, "2024-07-01", "2025-01-01"},
    {"1H 2024", "en", "2024-01", HALF, EXACT, "2024-01-01", "2024-07-01"},
    {"2H 2024", "en", "2024-07", HALF, EXACT, "2024-07-01", "2025-01-01"},
    {"H1/2024", "en", "2024-01", HALF, EXACT, "2024-01-01", "2024-07-01"},
    {"first half of 2024", "en", "2024-01", HALF, EXACT, "2024-01-01",
     "2024-07-01"},
    {"the second half of 2024", "en", "2024-07", HALF, EXACT, "2024-07-01",
     "2025-01-01"},
    {"in the first half of 2024", "en", "2024-01", HALF, EXACT, "2024-01-01",
     "2024-07-01"},
    {"1st half 2024", "en", "2024-01", HALF, EXACT, "2024-01-01", "2024-07-01"},
    {"by H2 2025", "en", "2025-07", HALF, BY, "2025-07-01", "2026-01-01"},
    {"6 tháng đầu năm 2024", "vi", "2024-01", HALF, EXACT, "2024-01-01",
     "2024-07-01"},
    {"6 tháng cuối năm 2024", "vi", "2024-07", HALF, EXACT, "2024-07-01",
     "2025-01-01"},
    {"nửa đầu năm 2024", "vi", "2024-01", HALF, EXACT, "2024-01-01",
     "2024-07-01"},
    {"nửa cuối năm 2024", "vi", "2024-07", HALF, EXACT, "2024-07-01",
     "2025-01-01"},
    {"trong 6 tháng đầu năm 2024", "vi", "2024-01", HALF, EXACT, "2024-01-01",
     "2024-07-01"},
    {"2024년 상반기", "ko", "2024-01", HALF, EXACT, "2024-01-01", "2024-07-01"},
    {"2024년 하반기", "ko", "2024-07", HALF, EXACT, "2024-07-01", "2025-01-01"},
    {"2024년 하반기까지", "ko", "2024-07", HALF, BY, "2024-07-01",
     "2025-01-01"},
};

const PeriodCase kDecades[] = {
    {"the 2020s", "en", "2020", DECADE, EXACT, "2020-01-01", "2030-01-01"},
    {"2020s", "en", "2020", DECADE, EXACT, "2020-01-01", "2030-01-01"},
    {"the 1990s", "en", "1990", DECADE, EXACT, "1990-01-01", "2000-01-01"},
    {"the 2020's", "en", "2020", DECADE, EXACT, "2020-01-01", "2030-01-01"},
    {"in the 2020s", "en", "2020", DECADE, EXACT, "2020-01-01", "2030-01-01"},
    {"by the 2030s", "en", "2030", DECADE, BY, "2030-01-01", "2040-01-01"},
    {"the 9990s", "en", "9990", DECADE, EXACT, "9990-01-01", "10000-01-01"},
    {"thập niên 2020", "vi", "2020", DECADE, EXACT, "2020-01-01", "2030-01-01"},
    {"thập kỷ 1990", "vi", "1990", DECADE, EXACT, "1990-01-01", "2000-01-01"},
    {"những năm 2020", "vi", "2020", DECADE, EXACT, "2020-01-01", "2030-01-01"},
    {"trong những năm 1990", "vi", "1990", DECADE, EXACT, "1990-01-01",
     "2000-01-01"},
    {"2020년대", "ko", "2020", DECADE, EXACT, "2020-01-01", "2030-01-01"},
    {"2020년대에", "ko", "2020", DECADE, EXACT, "2020-01-01", "2030-01-01"},
};

const PeriodCase kFiscalYears[] = {
    {"FY2023", "en", "2023", YEAR, EXACT, "2023-01-01", "2024-01-01"},
    {"FY 2023", "en", "2023", YEAR, EXACT, "2023-01-01", "2024-01-01"},
    {"fiscal year 2023", "en", "2023", YEAR, EXACT, "2023-01-01", "2024-01-01"},
    {"fiscal 2023", "en", "2023", YEAR, EXACT, "2023-01-01", "2024-01-01"},
    {"in fiscal year 2023", "en", "2023", YEAR, EXACT, "2023-01-01",
     "2024-01-01"},
    {"by FY2028", "en", "2028", YEAR, BY, "2028-01-01", "2029-01-01"},
    {"năm tài chính 2023", "vi", "2023", YEAR, EXACT, "2023-01-01",
     "2024-01-01"},
    {"2023 회계연도", "ko", "2023", YEAR, EXACT, "2023-01-01", "2024-01-01"},
    {"2023회계연도", "ko", "2023", YEAR, EXACT, "2023-01-01", "2024-01-01"},
    {"2023년 회계연도", "ko", "2023", YEAR, EXACT, "2023-01-01", "2024-01-01"},
};

const PeriodCase kThirdsOfYears[] = {
    {"early 2023", "en", "2023-01", FOUR, APPROX, "2023-01-01", "2023-05-01"},
    {"mid-2025", "en", "2025-05", FOUR, APPROX, "2025-05-01", "2025-09-01"},
    {"mid 2025", "en", "2025-05", FOUR, APPROX, "2025-05-01", "2025-09-01"},
    {"the middle of 2025", "en", "2025-05", FOUR, APPROX, "2025-05-01",
     "2025-09-01"},
    {"late 2024", "en", "2024-09", FOUR, APPROX, "2024-09-01", "2025-01-01"},
    {"Late 2024", "en", "2024-09", FOUR, APPROX, "2024-09-01", "2025-01-01"},
    {"in early 2023", "en", "2023-01", FOUR, APPROX, "2023-01-01",
     "2023-05-01"},
    {"around mid-2025", "en", "2025-05", FOUR, APPROX, "2025-05-01",
     "2025-09-01"},
    {"by late 2024", "en", "2024-09", FOUR, BY, "2024-09-01", "2025-01-01"},
    {"since early 2023", "en", "2023-01", FOUR, SINCE, "2023-01-01",
     "2023-05-01"},
    {"before mid-2025", "en", "2025-05", FOUR, BEFORE, "2025-05-01",
     "2025-09-01"},
    {"đầu năm 2023", "vi", "2023-01", FOUR, APPROX, "2023-01-01", "2023-05-01"},
    {"giữa năm 2025", "vi", "2025-05", FOUR, APPROX, "2025-05-01",
     "2025-09-01"},
    {"cuối năm 2024", "vi", "2024-09", FOUR, APPROX, "2024-09-01",
     "2025-01-01"},
    {"khoảng giữa năm 2025", "vi", "2025-05", FOUR, APPROX, "2025-05-01",
     "2025-09-01"},
    {"vào cuối năm 2024", "vi", "2024-09", FOUR, APPROX, "2024-09-01",
     "2025-01-01"},
    {"đến cuối năm 2024", "vi", "2024-09", FOUR, BY, "2024-09-01",
     "2025-01-01"},
    {"từ đầu năm 2023", "vi", "2023-01", FOUR, SINCE, "2023-01-01",
     "2023-05-01"},
    {"2023년 초", "ko", "2023-01", FOUR, APPROX, "2023-01-01", "2023-05-01"},
    {"2023년초", "ko", "2023-01", FOUR, APPROX, "2023-01-01", "2023-05-01"},
    {"2023년 초반", "ko", "2023-01", FOUR, APPROX, "2023-01-01", "2023-05-01"},
    {"2025년 중반", "ko", "2025-05", FOUR, APPROX, "2025-05-01", "2025-09-01"},
    {"2024년 말", "ko", "2024-09", FOUR, APPROX, "2024-09-01", "2025-01-01"},
    {"2024년 후반", "ko", "2024-09", FOUR, APPROX, "2024-09-01", "2025-01-01"},
    {"2024년 말까지", "ko", "2024-09", FOUR, BY, "2024-09-01", "2025-01-01"},
    {"2025년 중반경", "ko", "2025-05", FOUR, APPROX, "2025-05-01",
     "2025-09-01"},
};

INSTANTIATE_TEST_SUITE_P(Quarters, NormalizePeriodTest,
                         ::testing::ValuesIn(kQuarters), PeriodCaseName);
INSTANTIATE_TEST_SUITE_P(Halves, NormalizePeriodTest,
                         ::testing::ValuesIn(kHalves), PeriodCaseName);
INSTANTIATE_TEST_SUITE_P(Decades, NormalizePeriodTest,
                         ::testing::ValuesIn(kDecades), PeriodCaseName);
INSTANTIATE_TEST_SUITE_P(FiscalYears, NormalizePeriodTest,
                         ::testing::ValuesIn(kFiscalYears), PeriodCaseName);
INSTANTIATE_TEST_SUITE_P(ThirdsOfYears, NormalizePeriodTest,
                         ::testing::ValuesIn(kThirdsOfYears), PeriodCaseName);

struct BadDateCase {
  const char* text;
  const char* language;
  const char* reason;
};

class NormalizeDateErrorTest : public ::testing::TestWithParam<BadDateCase> {};

TEST_P(NormalizeDateErrorTest, RejectsWithMessageQuotingText) {
  const BadDateCase& c = GetParam();
  absl::StatusOr<v1::TimeValue> t = NormalizeDate(c.text, c.language);
  ASSERT_FALSE(t.ok()) << "read as " << t->ShortDebugString();
  EXPECT_EQ(t.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(t.status().message()),
              HasSubstr(absl::StrCat("cannot read ", QuoteText(c.text),
                                     " as a date: ")));
  EXPECT_THAT(std::string(t.status().message()), HasSubstr(c.reason));
}

std::string BadDateCaseName(const ::testing::TestParamInfo<BadDateCase>& info) {
  return CaseName(info.param.language, info.index, info.param.text);
}

const BadDateCase kBadDates[] = {
    {"", "en", "the text is empty"},
    {" ", "en", "the text is empty"},
    {"\xff", "en", "not valid UTF-8"},
    {"2024 \xe2\x82", "en", "not valid UTF-8"},
    {"yesterday", "en",
     "\"yesterday\" is relative: it needs a publication date (the "
     "mention's, or its document's) to resolve it"},
    {"soon", "vi", "unrecognized words"},
    {"February 30, 2024", "en", "no such day"},
    {"February 29, 2023", "en", "no such day"},
    {"April 31, 2024", "en", "no such day"},
    {"30/02/2024", "vi", "no such day"},
    {"2024-02-30", "en", "no such day"},
    {"ngày 30 tháng 2 năm 2024", "vi", "no such day"},
    {"2024년 2월 30일", "ko", "no such day"},
    {"13/08/2024", "en", "month out of range"},
    {"2024-13", "en", "month out of range"},
    {"2024-13-01", "en", "month out of range"},
    {"tháng 13/2024", "vi", "month out of range"},
    {"2024년 13월", "ko", "month out of range"},
    {"02/13/2024", "vi", "month out of range"},
    {"0000", "en", "year out of range"},
    {"August 2", "en", "no year in \"August 2\""},
    {"2 August", "en", "no year"},
    {"August", "en", "no year"},
    {"tháng 8", "vi", "no year"},
    {"8월 2일", "ko", "no year"},
    {"02/08/2024", "ko", "ambiguous in Korean"},
    {"24", "en", "not a date form"},
    {"202", "en", "unrecognized words \"202\""},
    {"20245", "en", "unrecognized words \"20245\""},
    {"02/08/24", "en", "not a date form"},
    {"2024 2025", "en", "not a date form"},
    {"August 2, 2024 xyz", "en", "unrecognized words \"xyz\""},
    {"end of 2024", "en", "unrecognized words \"end\""},
    {"by around 2028", "en", "two modifiers"},
    {"Thursday, August 2, 2024", "en", "2024-08-02 is not a thursday"},
    {"Friday 2024", "en", "a weekday needs a full date"},
    {"from 2020 to 2024", "en", "a range of dates"},
    {"2020-2024", "en", "a range of dates"},
    {"2020년부터 2024년까지", "ko", "a range of dates"},
    {"by", "en", "no date found"},
    {"2024//08", "en", "not a date form"},
};
INSTANTIATE_TEST_SUITE_P(Bad, NormalizeDateErrorTest,
                         ::testing::ValuesIn(kBadDates), BadDateCaseName);

const BadDateCase kBadPeriods[] = {
    // No year: never guessed.
    {"Q3", "en", "no year in \"Q3\""},
    {"3Q", "en", "no year in \"3Q\""},
    {"the third quarter", "en", "no year in \"third quarter\""},
    {"H1", "en", "no year in \"H1\""},
    {"the first half", "en", "no year"},
    {"early", "en", "no year in \"early\""},
    {"by mid", "en", "no year in \"mid\""},
    {"late", "en", "no year"},
    {"quý 3", "vi", "no year in \"quý 3\""},
    {"6 tháng đầu năm", "vi", "no year"},
    {"nửa cuối năm", "vi", "no year"},
    {"cuối năm", "vi", "no year in \"cuối năm\""},
    {"3분기", "ko", "no year in \"3분기\""},
    {"상반기", "ko", "no year"},
    // Periods that do not exist.
    {"Q5 2024", "en", "there is no quarter 5 (quarters are 1 to 4)"},
    {"Q0 2024", "en", "there is no quarter 0"},
    {"5Q 2024", "en", "there is no quarter 5"},
    {"H3 2024", "en", "there is no half 3 (halves are 1 and 2)"},
    {"third half of 2024", "en", "there is no half 3"},
    {"quý 5/2024", "vi", "there is no quarter 5"},
    {"quý 5 năm 2024", "vi", "there is no quarter 5"},
    {"2024년 5분기", "ko", "there is no quarter 5"},
    {"fifth quarter of 2024", "en", "unrecognized words \"fifth quarter\""},
    {"quý V/2024", "vi", "unrecognized words \"quý V\""},
    {"the 2025s", "en",
     "no decade starts in 2025 (a decade's first year ends in 0"},
    {"thập niên 2025", "vi", "no decade starts in 2025"},
    {"2025년대", "ko", "no decade starts in 2025"},
    {"Q1 0000", "en", "year out of range"},
    // Two-digit years: which century is not said.
    {"3Q24", "en", "a two-digit year (\"24\") is ambiguous"},
    {"Q3 24", "en", "a two-digit year"},
    {"1H24", "en", "a two-digit year"},
    {"FY23", "en", "a two-digit year (\"23\") is ambiguous"},
    {"the 90s", "en", "a two-digit year (\"90\") is ambiguous"},
    {"thập niên 90", "vi", "a two-digit year"},
    {"quý 3/24", "vi", "a two-digit year"},
    // Other mistakes.
    {"Friday Q3 2024", "en", "a weekday needs a full date"},
    {"by around late 2024", "en", "two modifiers"},
    {"Q3 2024 to Q4 2024", "en", "a range of dates"},
    {"9 tháng đầu năm 2024", "vi", "unrecognized words"},
};
INSTANTIATE_TEST_SUITE_P(BadPeriods, NormalizeDateErrorTest,
                         ::testing::ValuesIn(kBadPeriods), BadDateCaseName);

TEST(NormalizeDateTest, RejectsTextOverTheLengthLimit) {
  std::string text = "2024" + std::string(300, ' ');
  absl::StatusOr<v1::TimeValue> t = NormalizeDate(text, "en");
  ASSERT_EQ(t.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(t.status().message()),
              HasSubstr("longer than 256 bytes"));
}

// Valid times.
struct ValidTimeCase {
  const char* text;
  const char* language;
  const char* at;     // "" when not set
  const char* start;  // "" when open or not set
  const char* end;
  const char* interval_start;
  const char* interval_end;
};

class NormalizeValidTimeTest : public ::testing::TestWithParam<ValidTimeCase> {
};

TEST_P(NormalizeValidTimeTest, ReadsValidTime) {
  const ValidTimeCase& c = GetParam();
  absl::StatusOr<v1::ValidTime> v = NormalizeValidTime(c.text, c.language);
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(v->at().date(), c.at);
  EXPECT_EQ(v->start().date(), c.start);
  EXPECT_EQ(v->end().date(), c.end);
  EXPECT_EQ(v->interval_start(), c.interval_start);
  EXPECT_EQ(v->interval_end(), c.interval_end);
  EXPECT_TRUE(v->raw().empty());
  // The result is already canonical.
  absl::StatusOr<v1::ValidTime> again = CanonicalizeValidTime(*v);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->SerializeAsString(), v->SerializeAsString());
}

std::string ValidTimeCaseName(
    const ::testing::TestParamInfo<ValidTimeCase>& info) {
  return CaseName(info.param.language, info.index, info.param.text);
}

const ValidTimeCase kValidTimes[] = {
    {"August 2, 2024", "en", "2024-08-02", "", "", "2024-08-02", "2024-08-03"},
    {"in 2022", "en", "2022", "", "", "2022-01-01", "2023-01-01"},
    {"In 2022", "en", "2022", "", "", "2022-01-01", "2023-01-01"},
    {"Aug. 2024", "en", "2024-08", "", "", "2024-08-01", "2024-09-01"},
    {"February 2024", "en", "2024-02", "", "", "2024-02-01", "2024-03-01"},
    {"by 2028", "en", "2028", "", "", "2028-01-01", "2029-01-01"},
    {"around 2025", "en", "2025", "", "", "2025-01-01", "2026-01-01"},
    {"since 2019", "en", "", "2019", "", "2019-01-01", ""},
    {"from 2019", "en", "", "2019", "", "2019-01-01", ""},
    {"from 2020 to 2024", "en", "", "2020", "2024", "2020-01-01", "2025-01-01"},
    {"From 2020 to 2024", "en", "", "2020", "2024", "2020-01-01", "2025-01-01"},
    {"2020-2024", "en", "", "2020", "2024", "2020-01-01", "2025-01-01"},
    {"2020 - 2024", "en", "", "2020", "2024", "2020-01-01", "2025-01-01"},
    {"2020–2024", "en", "", "2020", "2024", "2020-01-01", "2025-01-01"},
    {"2020 to 2024", "en", "", "2020", "2024", "2020-01-01", "2025-01-01"},
    {"between 2020 and 2024", "en", "", "2020", "2024", "2020-01-01",
     "2025-01-01"},
    {"from March 2020 to May 2024", "en", "", "2020-03", "2024-05",
     "2020-03-01", "2024-06-01"},
    {"March to May 2024", "en", "", "2024-03", "2024-05", "2024-03-01",
     "2024-06-01"},
    {"2-5 August 2024", "en", "", "2024-08-02", "2024-08-05", "2024-08-02",
     "2024-08-06"},
    {"2024-08-02 - 2024-08-05", "en", "", "2024-08-02", "2024-08-05",
     "2024-08-02", "2024-08-06"},
    {"2024-08", "en", "2024-08", "", "", "2024-08-01", "2024-09-01"},
    {"2024-08-02", "en", "2024-08-02", "", "", "2024-08-02", "2024-08-03"},
    {"2020-2020", "en", "", "2020", "2020", "2020-01-01", "2021-01-01"},
    {"ngày 2 tháng 8 năm 2024", "vi", "2024-08-02", "", "", "2024-08-02",
     "2024-08-03"},
    {"năm 2022", "vi", "2022", "", "", "2022-01-01", "2023-01-01"},
    {"từ 2020 đến 2024", "vi", "", "2020", "2024", "2020-01-01", "2025-01-01"},
    {"từ năm 2020 đến năm 2024", "vi", "", "2020", "2024", "2020-01-01",
     "2025-01-01"},
    {"giai đoạn 2021-2025", "vi", "", "2021", "2025", "2021-01-01",
     "2026-01-01"},
    {"từ tháng 3 đến tháng 5 năm 2024", "vi", "", "2024-03", "2024-05",
     "2024-03-01", "2024-06-01"},
    {"2020 - 2024", "vi", "", "2020", "2024", "2020-01-01", "2025-01-01"},
    {"từ năm 2019", "vi", "", "2019", "", "2019-01-01", ""},
    {"đến năm 2028", "vi", "2028", "", "", "2028-01-01", "2029-01-01"},
    {"2024년 8월 2일", "ko", "2024-08-02", "", "", "2024-08-02", "2024-08-03"},
    {"2020년부터 2024년까지", "ko", "", "2020", "2024", "2020-01-01",
     "2025-01-01"},
    {"2020년~2024년", "ko", "", "2020", "2024", "2020-01-01", "2025-01-01"},
    {"2020~2024년", "ko", "", "2020", "2024", "2020-01-01", "2025-01-01"},
    {"2020년 3월부터 2024년 5월까지", "ko", "", "2020-03", "2024-05",
     "2020-03-01", "2024-06-01"},
    {"2019년부터", "ko", "", "2019", "", "2019-01-01", ""},
    {"2028년까지", "ko", "2028", "", "", "2028-01-01", "2029-01-01"},
    // A year that ends a dash lends the start nothing: one month, not a
    // range from August 2024 to the end of 2024.
    {"tháng 8-2024", "vi", "2024-08", "", "", "2024-08-01", "2024-09-01"},
    // The end takes the start's year when both name a month or a period.
    {"2024년 3월부터 5월까지", "ko", "", "2024-03", "2024-05", "2024-03-01",
     "2024-06-01"},
    {"from March 2024 to May", "en", "", "2024-03", "2024-05", "2024-03-01",
     "2024-06-01"},
};
INSTANTIATE_TEST_SUITE_P(All, NormalizeValidTimeTest,
                         ::testing::ValuesIn(kValidTimes), ValidTimeCaseName);

const ValidTimeCase kPeriodValidTimes[] = {
    {"Q3 2024", "en", "2024-07", "", "", "2024-07-01", "2024-10-01"},
    {"in Q3 2024", "en", "2024-07", "", "", "2024-07-01", "2024-10-01"},
    {"Q3-2024", "en", "2024-07", "", "", "2024-07-01", "2024-10-01"},
    {"by Q3 2024", "en", "2024-07", "", "", "2024-07-01", "2024-10-01"},
    {"since Q3 2024", "en", "", "2024-07", "", "2024-07-01", ""},
    {"H2 2024", "en", "2024-07", "", "", "2024-07-01", "2025-01-01"},
    {"the 2020s", "en", "2020", "", "", "2020-01-01", "2030-01-01"},
    {"FY2023", "en", "2023", "", "", "2023-01-01", "2024-01-01"},
    {"mid-2025", "en", "2025-05", "", "", "2025-05-01", "2025-09-01"},
    {"late 2024", "en", "2024-09", "", "", "2024-09-01", "2025-01-01"},
    {"from Q1 2024 to Q3 2024", "en", "", "2024-01", "2024-07", "2024-01-01",
     "2024-10-01"},
    {"from Q1 to Q3 2024", "en", "", "2024-01", "2024-07", "2024-01-01",
     "2024-10-01"},
    {"Q1-Q3 2024", "en", "", "2024-01", "2024-07", "2024-01-01", "2024-10-01"},
    {"between H1 2024 and H2 2025", "en", "", "2024-01", "2025-07",
     "2024-01-01", "2026-01-01"},
    {"from the first quarter to the third quarter of 2024", "en", "", "2024-01",
     "2024-07", "2024-01-01", "2024-10-01"},
    {"from Q3 2024 to 2026", "en", "", "2024-07", "2026", "2024-07-01",
     "2027-01-01"},
    {"from early 2023 to late 2024", "en", "", "2023-01", "2024-09",
     "2023-01-01", "2025-01-01"},
    {"from early to late 2024", "en", "", "2024-01", "2024-09", "2024-01-01",
     "2025-01-01"},
    {"from the 2010s to the 2020s", "en", "", "2010", "2020", "2010-01-01",
     "2030-01-01"},
    {"quý 3/2024", "vi", "2024-07", "", "", "2024-07-01", "2024-10-01"},
    {"quý 3-2024", "vi", "2024-07", "", "", "2024-07-01", "2024-10-01"},
    {"từ quý 1/2024 đến quý 3/2024", "vi", "", "2024-01", "2024-07",
     "2024-01-01", "2024-10-01"},
    {"từ quý 1 đến quý 3/2024", "vi", "", "2024-01", "2024-07", "2024-01-01",
     "2024-10-01"},
    {"6 tháng đầu năm 2024", "vi", "2024-01", "", "", "2024-01-01",
     "2024-07-01"},
    {"thập niên 2020", "vi", "2020", "", "", "2020-01-01", "2030-01-01"},
    {"khoảng giữa năm 2025", "vi", "2025-05", "", "", "2025-05-01",
     "2025-09-01"},
    {"từ đầu năm 2023", "vi", "", "2023-01", "", "2023-01-01", ""},
    {"2024년 3분기", "ko", "2024-07", "", "", "2024-07-01", "2024-10-01"},
    {"2024년 1분기부터 3분기까지", "ko", "", "2024-01", "2024-07", "2024-01-01",
     "2024-10-01"},
    {"2024년 1분기부터 2024년 3분기까지", "ko", "", "2024-01", "2024-07",
     "2024-01-01", "2024-10-01"},
    {"2024년 상반기부터 2025년 하반기까지", "ko", "", "2024-01", "2025-07",
     "2024-01-01", "2026-01-01"},
    {"2020년대", "ko", "2020", "", "", "2020-01-01", "2030-01-01"},
    {"2024년 말까지", "ko", "2024-09", "", "", "2024-09-01", "2025-01-01"},
};
INSTANTIATE_TEST_SUITE_P(Periods, NormalizeValidTimeTest,
                         ::testing::ValuesIn(kPeriodValidTimes),
                         ValidTimeCaseName);

TEST(NormalizeValidTimeTest, PartsOfPeriodsKeepPrecisionModifierAndDays) {
  absl::StatusOr<v1::ValidTime> v =
      NormalizeValidTime("from Q1 to Q3 2024", "en");
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(v->start().precision(), QUARTER);
  EXPECT_EQ(v->start().surface_text(), "Q1");
  EXPECT_EQ(v->start().interval_start(), "2024-01-01");
  EXPECT_EQ(v->start().interval_end(), "2024-04-01");
  EXPECT_EQ(v->end().precision(), QUARTER);
  EXPECT_EQ(v->end().surface_text(), "Q3 2024");
  EXPECT_EQ(v->end().interval_start(), "2024-07-01");
  EXPECT_EQ(v->end().interval_end(), "2024-10-01");

  v = NormalizeValidTime("from early 2023 to late 2024", "en");
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(v->start().precision(), FOUR);
  EXPECT_EQ(v->start().modifier(), APPROX);
  EXPECT_EQ(v->end().modifier(), APPROX);

  v = NormalizeValidTime("by late 2024", "en");
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(v->at().modifier(), BY);
  EXPECT_EQ(v->at().precision(), FOUR);

  v = NormalizeValidTime("the 2020s", "en");
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(v->at().precision(), DECADE);
  EXPECT_EQ(v->at().interval_start(), "2020-01-01");
  EXPECT_EQ(v->at().interval_end(), "2030-01-01");
}

TEST(NormalizeValidTimeTest, KeepsModifiersAndSurfaceOfParts) {
  absl::StatusOr<v1::ValidTime> v = NormalizeValidTime("by 2028", "en");
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(v->at().modifier(), BY);
  EXPECT_EQ(v->at().surface_text(), "by 2028");

  v = NormalizeValidTime("since 2019", "en");
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(v->start().modifier(), SINCE);
  EXPECT_FALSE(v->has_end());
  EXPECT_FALSE(v->has_at());

  v = NormalizeValidTime("from March 2020 to May 2024", "en");
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(v->start().surface_text(), "March 2020");
  EXPECT_EQ(v->end().surface_text(), "May 2024");
  EXPECT_EQ(v->start().modifier(), EXACT);
  EXPECT_EQ(v->end().precision(), MONTH);
}

struct BadValidTimeCase {
  const char* text;
  const char* language;
  const char* reason;
};

class NormalizeValidTimeErrorTest
    : public ::testing::TestWithParam<BadValidTimeCase> {};

TEST_P(NormalizeValidTimeErrorTest, RejectsWithMessageQuotingText) {
  const BadValidTimeCase& c = GetParam();
  absl::StatusOr<v1::ValidTime> v = NormalizeValidTime(c.text, c.language);
  ASSERT_FALSE(v.ok()) << "read as " << v->ShortDebugString();
  EXPECT_EQ(v.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(v.status().message()),
              HasSubstr(absl::StrCat("cannot read ", QuoteText(c.text),
                                     " as a valid time: ")));
  EXPECT_THAT(std::string(v.status().message()), HasSubstr(c.reason));
}

std::string BadValidTimeCaseName(
    const ::testing::TestParamInfo<BadValidTimeCase>& info) {
  return CaseName(info.param.language, info.index, info.param.text);
}

const BadValidTimeCase kBadValidTimes[] = {
    {"", "en", "the text is empty"},
    {"from 2024 to 2020", "en", "before it starts"},
    {"2024-2020", "en", "before it starts"},
    {"từ 2024 đến 2020", "vi", "before it starts"},
    {"from February 30, 2024 to March 2024", "en", "no such day"},
    {"from 2020 to sometime", "en", "unrecognized words"},
    {"March to May", "en", "no year"},
    {"whenever", "en", "unrecognized words"},
    {"8월 2일", "ko", "no year"},
    {"from Q1 to Q3", "en", "no year in \"Q3\""},
    {"2024 to Q3", "en", "no year in \"Q3\""},
    {"from Q3 2024 to Q1 2024", "en", "before it starts"},
    {"from December 2024 to March", "en", "before it starts"},
    {"2024년 3분기부터 1분기까지", "ko", "before it starts"},
    {"Q5 2024", "en", "there is no quarter 5"},
    {"from Q1 2024 to Q5 2024", "en", "there is no quarter 5"},
    {"the 2025s", "en", "no decade starts in 2025"},
    {"early", "en", "no year"},
    // Two years, not a range: "and" joins only after "between".
    {"2025 and 2027", "en", "unrecognized words"},
    {"from 2025 and 2027", "en", "unrecognized words"},
};
INSTANTIATE_TEST_SUITE_P(Bad, NormalizeValidTimeErrorTest,
                         ::testing::ValuesIn(kBadValidTimes),
                         BadValidTimeCaseName);

// Relative dates, resolved against the publication date.
struct RelativeCase {
  const char* text;
  const char* language;
  const char* published;  // DateContext::publication_date
  const char* date;
  v1::DatePrecision precision;
  v1::DateModifier modifier;
};

class NormalizeRelativeDateTest
    : public ::testing::TestWithParam<RelativeCase> {};

TEST_P(NormalizeRelativeDateTest, ResolvesAgainstPublicationDate) {
  const RelativeCase& c = GetParam();
  absl::StatusOr<v1::TimeValue> t =
      NormalizeDate(c.text, c.language, DateContext{c.published});
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->date(), c.date);
  EXPECT_EQ(t->precision(), c.precision)
      << v1::DatePrecision_Name(t->precision());
  EXPECT_EQ(t->modifier(), c.modifier) << v1::DateModifier_Name(t->modifier());
  EXPECT_EQ(t->surface_text(), c.text);
  EXPECT_TRUE(t->raw().empty());
  // Already canonical, interval included.
  EXPECT_FALSE(t->interval_start().empty());
  absl::StatusOr<v1::TimeValue> again = CanonicalizeTimeValue(*t);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->SerializeAsString(), t->SerializeAsString())
      << again->ShortDebugString() << " vs " << t->ShortDebugString();

  // Never a guess: without a publication date the text is refused.
  absl::StatusOr<v1::TimeValue> alone = NormalizeDate(c.text, c.language);
  ASSERT_FALSE(alone.ok()) << "read as " << alone->ShortDebugString();
  EXPECT_EQ(alone.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(alone.status().message()),
              HasSubstr(absl::StrCat("cannot read ", QuoteText(c.text),
                                     " as a date: ")));
  EXPECT_THAT(std::string(alone.status().message()),
              HasSubstr(" is relative: it needs a publication date (the "
                        "mention's, or its document's) to resolve it"));
}

std::string RelativeCaseName(
    const ::testing::TestParamInfo<RelativeCase>& info) {
  return CaseName(info.param.language, info.index, info.param.text);
}

constexpr const char* kPublished = "2024-08-02";  // a Friday

const RelativeCase kEnglishRelativeDates[] = {
    {"today", "en", kPublished, "2024-08-02", DAY, EXACT},
    {"Today", "en", kPublished, "2024-08-02", DAY, EXACT},
    {"yesterday", "en", kPublished, "2024-08-01", DAY, EXACT},
    {"tomorrow", "en", kPublished, "2024-08-03", DAY, EXACT},
    {"yesterday morning", "en", kPublished, "2024-08-01", DAY, EXACT},
    {"yesterday afternoon", "en", kPublished, "2024-08-01", DAY, EXACT},
    {"yesterday evening", "en", kPublished, "2024-08-01", DAY, EXACT},
    {"tomorrow night", "en", kPublished, "2024-08-03", DAY, EXACT},
    {"last night", "en", kPublished, "2024-08-01", DAY, EXACT},
    {"tonight", "en", kPublished, "2024-08-02", DAY, EXACT},
    {"this morning", "en", kPublished, "2024-08-02", DAY, EXACT},
    {"earlier today", "en", kPublished, "2024-08-02", DAY, EXACT},
    {"the day before yesterday", "en", kPublished, "2024-07-31", DAY, EXACT},
    {"the day after tomorrow", "en", kPublished, "2024-08-04", DAY, EXACT},
    {"this month", "en", kPublished, "2024-08", MONTH, EXACT},
    {"earlier this month", "en", kPublished, "2024-08", MONTH, EXACT},
    {"later this month", "en", kPublished, "2024-08", MONTH, EXACT},
    {"last month", "en", kPublished, "2024-07", MONTH, EXACT},
    {"next month", "en", kPublished, "2024-09", MONTH, EXACT},
    {"this quarter", "en", kPublished, "2024-07", QUARTER, EXACT},
    {"last quarter", "en", kPublished, "2024-04", QUARTER, EXACT},
    {"next quarter", "en", kPublished, "2024-10", QUARTER, EXACT},
    {"this year", "en", kPublished, "2024", YEAR, EXACT},
    {"later this year", "en", kPublished, "2024", YEAR, EXACT},
    {"last year", "en", kPublished, "2023", YEAR, EXACT},
    {"Last year", "en", kPublished, "2023", YEAR, EXACT},
    {"next year", "en", kPublished, "2025", YEAR, EXACT},
    {"the year before last", "en", kPublished, "2022", YEAR, EXACT},
    {"3 days ago", "en", kPublished, "2024-07-30", DAY, EXACT},
    {"a day ago", "en", kPublished, "2024-08-01", DAY, EXACT},
    {"two months ago", "en", kPublished, "2024-06", MONTH, EXACT},
    {"a year ago", "en", kPublished, "2023", YEAR, EXACT},
    {"10 years ago", "en", kPublished, "2014", YEAR, EXACT},
    {"100 years ago", "en", kPublished, "1924", YEAR, EXACT},
    // Composed with the grammar: the phrase stands for its date.
    {"August last year", "en", kPublished, "2023-08", MONTH, EXACT},
    {"August 2 last year", "en", kPublished, "2023-08-02", DAY, EXACT},
    {"May last year", "en", kPublished, "2023-05", MONTH, EXACT},
    {"the 2nd of last month", "en", kPublished, "2024-07-02", DAY, EXACT},
    {"Q3 last year", "en", kPublished, "2023-07", QUARTER, EXACT},
    {"the third quarter of last year", "en", kPublished, "2023-07", QUARTER,
     EXACT},
    {"the first half of this year", "en", kPublished, "2024-01", HALF, EXACT},
    {"early next year", "en", kPublished, "2025-01", FOUR, APPROX},
    {"late last year", "en", kPublished, "2023-09", FOUR, APPROX},
    {"mid-next year", "en", kPublished, "2025-05", FOUR, APPROX},
    {"FY next year", "en", kPublished, "2025", YEAR, EXACT},
    // Modifiers compose as with other dates.
    {"by next year", "en", kPublished, "2025", YEAR, BY},
    {"by the end of next year", "en", kPublished, "2025", YEAR, BY},
    {"until last month", "en", kPublished, "2024-07", MONTH, BY},
    {"as of today", "en", kPublished, "2024-08-02", DAY, EXACT},
    {"before tomorrow", "en", kPublished, "2024-08-03", DAY, BEFORE},
    {"since yesterday", "en", kPublished, "2024-08-01", DAY, SINCE},
    {"around 10 years ago", "en", kPublished, "2014", YEAR, APPROX},
    {"earlier than this year", "en", kPublished, "2024", YEAR, BEFORE},
    {"after next month", "en", kPublished, "2024-09", MONTH, AFTER},
    // Boundaries of months, years and leap days.
    {"yesterday", "en", "2024-01-01", "2023-12-31", DAY, EXACT},
    {"tomorrow", "en", "2024-12-31", "2025-01-01", DAY, EXACT},
    {"yesterday", "en", "2024-03-01", "2024-02-29", DAY, EXACT},
    {"yesterday", "en", "2023-03-01", "2023-02-28", DAY, EXACT},
    {"last month", "en", "2024-01-15", "2023-12", MONTH, EXACT},
    {"next month", "en", "2024-12-05", "2025-01", MONTH, EXACT},
    {"a month ago", "en", "2024-03-31", "2024-02", MONTH, EXACT},
    {"last quarter", "en", "2024-02-10", "2023-10", QUARTER, EXACT},
    {"next quarter", "en", "2024-12-31", "2025-01", QUARTER, EXACT},
    {"this quarter", "en", "2024-09-30", "2024-07", QUARTER, EXACT},
    {"last year", "en", "2024-01-01", "2023", YEAR, EXACT},
    // A publication date of month or year precision resolves the phrases no
    // finer than it.
    {"last year", "en", "2024-08", "2023", YEAR, EXACT},
    {"this month", "en", "2024-08", "2024-08", MONTH, EXACT},
    {"last month", "en", "2024-01", "2023-12", MONTH, EXACT},
    {"last quarter", "en", "2024-08", "2024-04", QUARTER, EXACT},
    {"August last year", "en", "2024", "2023-08", MONTH, EXACT},
    {"the 2nd of August last year", "en", "2024", "2023-08-02", DAY, EXACT},
    {"next year", "en", "2024", "2025", YEAR, EXACT},
};

const RelativeCase kVietnameseRelativeDates[] = {
    {"hôm nay", "vi", kPublished, "2024-08-02", DAY, EXACT},
    {"Hôm nay", "vi", kPublished, "2024-08-02", DAY, EXACT},
    {"ngày hôm nay", "vi", kPublished, "2024-08-02", DAY, EXACT},
    {"hôm qua", "vi", kPublished, "2024-08-01", DAY, EXACT},
    {"ngày hôm qua", "vi", kPublished, "2024-08-01", DAY, EXACT},
    {"ngày mai", "vi", kPublished, "2024-08-03", DAY, EXACT},
    {"hôm kia", "vi", kPublished, "2024-07-31", DAY, EXACT},
    {"ngày kia", "vi", kPublished, "2024-08-04", DAY, EXACT},
    {"ngày mốt", "vi", kPublished, "2024-08-04", DAY, EXACT},
    {"trưa nay", "vi", kPublished, "2024-08-02", DAY, EXACT},
    {"sáng hôm qua", "vi", kPublished, "2024-08-01", DAY, EXACT},
    {"chiều hôm qua", "vi", kPublished, "2024-08-01", DAY, EXACT},
    {"tối hôm qua", "vi", kPublished, "2024-08-01", DAY, EXACT},
    {"tối qua", "vi", kPublished, "2024-08-01", DAY, EXACT},
    {"đêm qua", "vi", kPublished, "2024-08-01", DAY, EXACT},
    {"sáng nay", "vi", kPublished, "2024-08-02", DAY, EXACT},
    {"chiều mai", "vi", kPublished, "2024-08-03", DAY, EXACT},
    {"tháng này", "vi", kPublished, "2024-08", MONTH, EXACT},
    {"tháng trước", "vi", kPublished, "2024-07", MONTH, EXACT},
    {"tháng sau", "vi", kPublished, "2024-09", MONTH, EXACT},
    {"tháng tới", "vi", kPublished, "2024-09", MONTH, EXACT},
    {"quý này", "vi", kPublished, "2024-07", QUARTER, EXACT},
    {"quý trước", "vi", kPublished, "2024-04", QUARTER, EXACT},
    {"quý tới", "vi", kPublished, "2024-10", QUARTER, EXACT},
    {"quý sau", "vi", kPublished, "2024-10", QUARTER, EXACT},
    {"năm nay", "vi", kPublished, "2024", YEAR, EXACT},
    {"Năm nay", "vi", kPublished, "2024", YEAR, EXACT},
    {"năm ngoái", "vi", kPublished, "2023", YEAR, EXACT},
    {"năm trước", "vi", kPublished, "2023", YEAR, EXACT},
    {"năm kia", "vi", kPublished, "2022", YEAR, EXACT},
    {"năm sau", "vi", kPublished, "2025", YEAR, EXACT},
    {"năm tới", "vi", kPublished, "2025", YEAR, EXACT},
    {"3 ngày trước", "vi", kPublished, "2024-07-30", DAY, EXACT},
    {"5 tháng trước", "vi", kPublished, "2024-03", MONTH, EXACT},
    {"10 năm trước", "vi", kPublished, "2014", YEAR, EXACT},
    {"cách đây 2 năm", "vi", kPublished, "2022", YEAR, EXACT},
    {"cách đây 3 ngày", "vi", kPublished, "2024-07-30", DAY, EXACT},
    // Composed with the grammar.
    {"tháng 8 năm ngoái", "vi", kPublished, "2023-08", MONTH, EXACT},
    {"tháng 3 năm trước", "vi", kPublished, "2023-03", MONTH, EXACT},
    {"tháng Sáu năm ngoái", "vi", kPublished, "2023-06", MONTH, EXACT},
    {"ngày 2 tháng trước", "vi", kPublished, "2024-07-02", DAY, EXACT},
    {"ngày 15 tháng này", "vi", kPublished, "2024-08-15", DAY, EXACT},
    {"ngày 2 tháng 8 năm ngoái", "vi", kPublished, "2023-08-02", DAY, EXACT},
    {"6 tháng đầu năm nay", "vi", kPublished, "2024-01", HALF, EXACT},
    {"nửa cuối năm ngoái", "vi", kPublished, "2023-07", HALF, EXACT},
    {"quý 3 năm ngoái", "vi", kPublished, "2023-07", QUARTER, EXACT},
    {"quý III năm nay", "vi", kPublished, "2024-07", QUARTER, EXACT},
    {"cuối năm nay", "vi", kPublished, "2024-09", FOUR, APPROX},
    {"đầu năm sau", "vi", kPublished, "2025-01", FOUR, APPROX},
    // Modifiers.
    {"đến năm sau", "vi", kPublished, "2025", YEAR, BY},
    {"tới hôm nay", "vi", kPublished, "2024-08-02", DAY, BY},
    {"khoảng năm ngoái", "vi", kPublished, "2023", YEAR, APPROX},
    {"từ năm ngoái", "vi", kPublished, "2023", YEAR, SINCE},
    {"trước năm ngoái", "vi", kPublished, "2023", YEAR, BEFORE},
    {"sau tháng tới", "vi", kPublished, "2024-09", MONTH, AFTER},
    {"vào năm tới", "vi", kPublished, "2025", YEAR, EXACT},
    // Boundaries and coarse publication dates.
    {"hôm qua", "vi", "2024-01-01", "2023-12-31", DAY, EXACT},
    {"tháng trước", "vi", "2024-01-15", "2023-12", MONTH, EXACT},
    {"năm ngoái", "vi", "2024-08", "2023", YEAR, EXACT},
    {"tháng trước", "vi", "2024-08", "2024-07", MONTH, EXACT},
    {"quý 3 năm ngoái", "vi", "2024", "2023-07", QUARTER, EXACT},
};

const RelativeCase kKoreanRelativeDates[] = {
    {"오늘", "ko", kPublished, "2024-08-02", DAY, EXACT},
    {"금일", "ko", kPublished, "2024-08-02", DAY, EXACT},
    {"어제", "ko", kPublished, "2024-08-01", DAY, EXACT},
    {"내일", "ko", kPublished, "2024-08-03", DAY, EXACT},
    {"그저께", "ko", kPublished, "2024-07-31", DAY, EXACT},
    {"그제", "ko", kPublished, "2024-07-31", DAY, EXACT},
    {"모레", "ko", kPublished, "2024-08-04", DAY, EXACT},
    {"어제 오후", "ko", kPublished, "2024-08-01", DAY, EXACT},
    {"어제 오전", "ko", kPublished, "2024-08-01", DAY, EXACT},
    {"어제오후", "ko", kPublished, "2024-08-01", DAY, EXACT},
    {"오늘 새벽", "ko", kPublished, "2024-08-02", DAY, EXACT},
    {"어젯밤", "ko", kPublished, "2024-08-01", DAY, EXACT},
    {"간밤", "ko", kPublished, "2024-08-01", DAY, EXACT},
    {"이번 달", "ko", kPublished, "2024-08", MONTH, EXACT},
    {"이번달", "ko", kPublished, "2024-08", MONTH, EXACT},
    {"이달", "ko", kPublished, "2024-08", MONTH, EXACT},
    {"지난달", "ko", kPublished, "2024-07", MONTH, EXACT},
    {"지난 달", "ko", kPublished, "2024-07", MONTH, EXACT},
    {"다음 달", "ko", kPublished, "2024-09", MONTH, EXACT},
    {"다음달", "ko", kPublished, "2024-09", MONTH, EXACT},
    {"내달", "ko", kPublished, "2024-09", MONTH, EXACT},
    {"이번 분기", "ko", kPublished, "2024-07", QUARTER, EXACT},
    {"지난 분기", "ko", kPublished, "2024-04", QUARTER, EXACT},
    {"다음 분기", "ko", kPublished, "2024-10", QUARTER, EXACT},
    {"올해", "ko", kPublished, "2024", YEAR, EXACT},
    {"금년", "ko", kPublished, "2024", YEAR, EXACT},
    {"작년", "ko", kPublished, "2023", YEAR, EXACT},
    {"지난해", "ko", kPublished, "2023", YEAR, EXACT},
    {"재작년", "ko", kPublished, "2022", YEAR, EXACT},
    {"내년", "ko", kPublished, "2025", YEAR, EXACT},
    {"3일 전", "ko", kPublished, "2024-07-30", DAY, EXACT},
    {"3일전", "ko", kPublished, "2024-07-30", DAY, EXACT},
    {"2개월 전", "ko", kPublished, "2024-06", MONTH, EXACT},
    {"3달 전", "ko", kPublished, "2024-05", MONTH, EXACT},
    {"3년 전", "ko", kPublished, "2021", YEAR, EXACT},
    // Composed with the grammar.
    {"작년 8월", "ko", kPublished, "2023-08", MONTH, EXACT},
    {"지난달 30일", "ko", kPublished, "2024-07-30", DAY, EXACT},
    {"이달 15일", "ko", kPublished, "2024-08-15", DAY, EXACT},
    {"작년 8월 2일", "ko", kPublished, "2023-08-02", DAY, EXACT},
    {"올해 상반기", "ko", kPublished, "2024-01", HALF, EXACT},
    {"올 하반기", "ko", kPublished, "2024-07", HALF, EXACT},
    {"작년 3분기", "ko", kPublished, "2023-07", QUARTER, EXACT},
    {"내년 말", "ko", kPublished, "2025-09", FOUR, APPROX},
    {"올해 초", "ko", kPublished, "2024-01", FOUR, APPROX},
    // Modifiers.
    {"내년까지", "ko", kPublished, "2025", YEAR, BY},
    {"어제까지", "ko", kPublished, "2024-08-01", DAY, BY},
    {"작년부터", "ko", kPublished, "2023", YEAR, SINCE},
    {"지난해 이후", "ko", kPublished, "2023", YEAR, AFTER},
    {"올해 중", "ko", kPublished, "2024", YEAR, EXACT},
    {"약 3년 전", "ko", kPublished, "2021", YEAR, APPROX},
    {"3년 전까지", "ko", kPublished, "2021", YEAR, BY},
    // Boundaries and coarse publication dates.
    {"어제", "ko", "2024-01-01", "2023-12-31", DAY, EXACT},
    {"지난달", "ko", "2024-01-15", "2023-12", MONTH, EXACT},
    {"작년", "ko", "2024-08", "2023", YEAR, EXACT},
    {"지난달", "ko", "2024-08", "2024-07", MONTH, EXACT},
    {"작년 8월", "ko", "2024", "2023-08", MONTH, EXACT},
};
INSTANTIATE_TEST_SUITE_P(English, NormalizeRelativeDateTest,
                         ::testing::ValuesIn(kEnglishRelativeDates),
                         RelativeCaseName);
INSTANTIATE_TEST_SUITE_P(Vietnamese, NormalizeRelativeDateTest,
                         ::testing::ValuesIn(kVietnameseRelativeDates),
                         RelativeCaseName);
INSTANTIATE_TEST_SUITE_P(Korean, NormalizeRelativeDateTest,
                         ::testing::ValuesIn(kKoreanRelativeDates),
                         RelativeCaseName);

TEST(NormalizeRelativeDateTest, SetsIntervalAndSurface) {
  const DateContext published{"2024-08-02"};
  absl::StatusOr<v1::TimeValue> t = NormalizeDate("yesterday", "en", published);
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->date(), "2024-08-01");
  EXPECT_EQ(t->interval_start(), "2024-08-01");
  EXPECT_EQ(t->interval_end(), "2024-08-02");
  EXPECT_EQ(t->surface_text(), "yesterday");

  t = NormalizeDate("지난달", "ko", published);
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->interval_start(), "2024-07-01");
  EXPECT_EQ(t->interval_end(), "2024-08-01");

  t = NormalizeDate("quý trước", "vi", published);
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->interval_start(), "2024-04-01");
  EXPECT_EQ(t->interval_end(), "2024-07-01");

  t = NormalizeDate("năm ngoái", "vi", published);
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->interval_start(), "2023-01-01");
  EXPECT_EQ(t->interval_end(), "2024-01-01");
}

TEST(NormalizeRelativeDateTest, AbsoluteDatesIgnoreThePublicationDate) {
  const DateContext published{"2024-08-02"};
  for (const auto& [text, language] :
       std::vector<std::pair<const char*, const char*>>{
           {"August 2, 2023", "en"},
           {"tháng Sáu năm 2024", "vi"},
           {"tháng 8/2024", "vi"},
           {"2030년 전", "ko"},
           {"Q3 2024", "en"}}) {
    absl::StatusOr<v1::TimeValue> with =
        NormalizeDate(text, language, published);
    absl::StatusOr<v1::TimeValue> without = NormalizeDate(text, language);
    ASSERT_TRUE(with.ok()) << text << ": " << with.status();
    ASSERT_TRUE(without.ok()) << text << ": " << without.status();
    EXPECT_EQ(with->SerializeAsString(), without->SerializeAsString()) << text;
  }
  // "tháng Sáu" is June, not "tháng sau" (next month).
  absl::StatusOr<v1::TimeValue> june =
      NormalizeDate("tháng Sáu năm 2024", "vi", published);
  ASSERT_TRUE(june.ok()) << june.status();
  EXPECT_EQ(june->date(), "2024-06");
}

struct BadRelativeCase {
  const char* text;
  const char* language;
  const char* published;
  const char* reason;
};

class NormalizeRelativeDateErrorTest
    : public ::testing::TestWithParam<BadRelativeCase> {};

TEST_P(NormalizeRelativeDateErrorTest, RejectsWithMessageQuotingText) {
  const BadRelativeCase& c = GetParam();
  absl::StatusOr<v1::TimeValue> t =
      NormalizeDate(c.text, c.language, DateContext{c.published});
  ASSERT_FALSE(t.ok()) << "read as " << t->ShortDebugString();
  EXPECT_EQ(t.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(t.status().message()),
              HasSubstr(absl::StrCat("cannot read ", QuoteText(c.text),
                                     " as a date: ")));
  EXPECT_THAT(std::string(t.status().message()), HasSubstr(c.reason));
  // A valid time refuses it alike.
  absl::StatusOr<v1::ValidTime> v =
      NormalizeValidTime(c.text, c.language, DateContext{c.published});
  ASSERT_FALSE(v.ok()) << "read as " << v->ShortDebugString();
  EXPECT_THAT(std::string(v.status().message()), HasSubstr(c.reason));
}

std::string BadRelativeCaseName(
    const ::testing::TestParamInfo<BadRelativeCase>& info) {
  return CaseName(info.param.language, info.index, info.param.text);
}

const BadRelativeCase kBadRelativeDates[] = {
    // No publication date.
    {"yesterday", "en", "",
     "\"yesterday\" is relative: it needs a publication date (the "
     "mention's, or its document's) to resolve it"},
    {"last year", "en", "", "\"last year\" is relative"},
    {"by next year", "en", "", "\"next year\" is relative"},
    {"August last year", "en", "", "\"last year\" is relative"},
    {"yesterday afternoon", "en", "", "\"yesterday afternoon\" is relative"},
    {"3 days ago", "en", "", "\"3 days ago\" is relative"},
    {"hôm qua", "vi", "", "\"hôm qua\" is relative"},
    {"năm ngoái", "vi", "", "\"năm ngoái\" is relative"},
    {"tháng trước", "vi", "", "\"tháng trước\" is relative"},
    {"6 tháng đầu năm nay", "vi", "", "\"năm nay\" is relative"},
    {"어제", "ko", "", "\"어제\" is relative"},
    {"작년", "ko", "", "\"작년\" is relative"},
    {"지난달", "ko", "", "\"지난달\" is relative"},
    {"내년까지", "ko", "", "\"내년\" is relative"},
    // A publication date less precise than the phrase.
    {"yesterday", "en", "2024-08",
     "publication_date \"2024-08\" is not precise enough to resolve "
     "\"yesterday\" (it needs the day of publication)"},
    {"3 days ago", "en", "2024-08", "not precise enough"},
    {"the 2nd of last month", "en", "2024", "it needs the month"},
    {"last month", "en", "2024",
     "publication_date \"2024\" is not precise enough to resolve \"last "
     "month\" (it needs the month of publication)"},
    {"last quarter", "en", "2024", "not precise enough"},
    {"hôm qua", "vi", "2024-08", "not precise enough"},
    {"tháng trước", "vi", "2024", "not precise enough"},
    {"어제", "ko", "2024-08", "not precise enough"},
    {"지난달", "ko", "2024", "not precise enough"},
    {"3년 전", "ko", "", "is relative"},
    // A publication date that is no date.
    {"yesterday", "en", "2024-13-01", "publication_date \"2024-13-01\" is not"},
    {"2024", "en", "August 2, 2024", "is not a date"},
    {"yesterday", "en", "0001-01-01", "outside the years 1 to 9999"},
    {"next year", "en", "9999", "outside the years 1 to 9999"},
    // Spans of time and relative forms not read.
    {"the last year", "en", kPublished, "\"the last year\" is a span of time"},
    {"over the next month", "en", kPublished, "is a span of time"},
    {"last week", "en", kPublished, "unrecognized words"},
    {"last Monday", "en", kPublished, "unrecognized words"},
    {"3 weeks ago", "en", kPublished, "unrecognized words"},
    {"0 days ago", "en", kPublished, "unrecognized words"},
    {"yesterday 2024", "en", kPublished, "not a date form"},
    {"early this month", "en", kPublished, "unrecognized words \"early\""},
    {"tuần trước", "vi", kPublished, "unrecognized words"},
    {"năm trước đó", "vi", kPublished, "unrecognized words \"đó\""},
    {"2 năm sau", "vi", kPublished, "not a date form"},
    {"qua", "vi", kPublished, "unrecognized words"},
    {"지난주", "ko", kPublished, "unrecognized words"},
    {"지난 2일", "ko", kPublished, "unrecognized words"},
    {"지난 월요일", "ko", kPublished, "unrecognized words"},
    {"thứ Hai tuần trước", "vi", kPublished, "unrecognized words"},
    {"năm qua", "vi", kPublished, "unrecognized words \"qua\""},
    {"hai năm trước", "vi", kPublished, "unrecognized words \"hai\""},
    {"한 달 전", "ko", kPublished, "unrecognized words"},
    {"the following year", "en", kPublished, "unrecognized words"},
    {"이듬해", "ko", kPublished, "unrecognized words"},
    {"이달 말", "ko", kPublished, "unrecognized words \"말\""},
};
INSTANTIATE_TEST_SUITE_P(Bad, NormalizeRelativeDateErrorTest,
                         ::testing::ValuesIn(kBadRelativeDates),
                         BadRelativeCaseName);

struct RelativeValidTimeCase {
  const char* text;
  const char* language;
  const char* at;     // "" when not set
  const char* start;  // "" when open or not set
  const char* end;
  const char* interval_start;
  const char* interval_end;
};

class NormalizeRelativeValidTimeTest
    : public ::testing::TestWithParam<RelativeValidTimeCase> {};

TEST_P(NormalizeRelativeValidTimeTest, ResolvesAgainstPublicationDate) {
  const RelativeValidTimeCase& c = GetParam();
  absl::StatusOr<v1::ValidTime> v =
      NormalizeValidTime(c.text, c.language, DateContext{kPublished});
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(v->at().date(), c.at);
  EXPECT_EQ(v->start().date(), c.start);
  EXPECT_EQ(v->end().date(), c.end);
  EXPECT_EQ(v->interval_start(), c.interval_start);
  EXPECT_EQ(v->interval_end(), c.interval_end);
  absl::StatusOr<v1::ValidTime> again = CanonicalizeValidTime(*v);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->SerializeAsString(), v->SerializeAsString());

  absl::StatusOr<v1::ValidTime> alone = NormalizeValidTime(c.text, c.language);
  ASSERT_FALSE(alone.ok()) << "read as " << alone->ShortDebugString();
  EXPECT_THAT(std::string(alone.status().message()),
              HasSubstr(absl::StrCat("cannot read ", QuoteText(c.text),
                                     " as a valid time: ")));
  EXPECT_THAT(std::string(alone.status().message()), HasSubstr("is relative"));
}

std::string RelativeValidTimeCaseName(
    const ::testing::TestParamInfo<RelativeValidTimeCase>& info) {
  return CaseName(info.param.language, info.index, info.param.text);
}

const RelativeValidTimeCase kRelativeValidTimes[] = {
    {"yesterday", "en", "2024-08-01", "", "", "2024-08-01", "2024-08-02"},
    {"last month", "en", "2024-07", "", "", "2024-07-01", "2024-08-01"},
    {"by next year", "en", "2025", "", "", "2025-01-01", "2026-01-01"},
    {"since last year", "en", "", "2023", "", "2023-01-01", ""},
    {"since yesterday", "en", "", "2024-08-01", "", "2024-08-01", ""},
    {"from last year to next year", "en", "", "2023", "2025", "2023-01-01",
     "2026-01-01"},
    {"from 2020 to last year", "en", "", "2020", "2023", "2020-01-01",
     "2024-01-01"},
    {"from March to next month", "en", "", "2024-03", "2024-09", "2024-03-01",
     "2024-10-01"},
    {"between last month and next month", "en", "", "2024-07", "2024-09",
     "2024-07-01", "2024-10-01"},
    {"từ năm ngoái đến năm nay", "vi", "", "2023", "2024", "2023-01-01",
     "2025-01-01"},
    {"từ tháng trước đến tháng sau", "vi", "", "2024-07", "2024-09",
     "2024-07-01", "2024-10-01"},
    {"từ năm nay đến năm tới", "vi", "", "2024", "2025", "2024-01-01",
     "2026-01-01"},
    {"kể từ năm ngoái", "vi", "", "2023", "", "2023-01-01", ""},
    {"작년부터 올해까지", "ko", "", "2023", "2024", "2023-01-01", "2025-01-01"},
    {"지난달부터 다음 달까지", "ko", "", "2024-07", "2024-09", "2024-07-01",
     "2024-10-01"},
    {"어제부터", "ko", "", "2024-08-01", "", "2024-08-01", ""},
};
INSTANTIATE_TEST_SUITE_P(All, NormalizeRelativeValidTimeTest,
                         ::testing::ValuesIn(kRelativeValidTimes),
                         RelativeValidTimeCaseName);

// NormalizeValidTimeRemembered answers as NormalizeValidTime does: every
// text of the tables above, absolute, relative and wrong, read against no
// publication date, two of them and one that is not a date, three times over
// (the first round reads, the others mostly remember), in an order that
// reads each text first without a publication date and then with one, and
// the other way round.
TEST(NormalizeValidTimeRememberedTest, AnswersAsNormalizeValidTime) {
  std::vector<std::pair<std::string, std::string>> texts;
  for (const ValidTimeCase& c : kValidTimes) {
    texts.emplace_back(c.text, c.language);
  }
  for (const ValidTimeCase& c : kPeriodValidTimes) {
    texts.emplace_back(c.text, c.language);
  }
  for (const BadValidTimeCase& c : kBadValidTimes) {
    texts.emplace_back(c.text, c.language);
  }
  for (const RelativeValidTimeCase& c : kRelativeValidTimes) {
    texts.emplace_back(c.text, c.language);
  }
  // Too long to read: refused, as NormalizeValidTime refuses it.
  texts.emplace_back("2024" + std::string(300, ' '), "en");
  // The same text in two languages reads as two dates.
  texts.emplace_back("3/5/2024", "en");
  texts.emplace_back("3/5/2024", "vi");
  const std::vector<DateContext> contexts = {
      DateContext{}, DateContext{kPublished}, DateContext{"2019"},
      DateContext{"2024-13"}};
  int read_differently = 0;
  for (int round = 0; round < 3; ++round) {
    for (size_t i = 0; i < contexts.size(); ++i) {
      // Rounds take the contexts in turn, forwards then backwards.
      const DateContext& context =
          contexts[round % 2 == 0 ? i : contexts.size() - 1 - i];
      for (const auto& [text, language] : texts) {
        absl::StatusOr<v1::ValidTime> want =
            NormalizeValidTime(text, language, context);
        absl::StatusOr<v1::ValidTime> got =
            NormalizeValidTimeRemembered(text, language, context);
        SCOPED_TRACE(absl::StrCat(text, " (", language, ") published \"",
                                  context.publication_date, "\", round ",
                                  round));
        ASSERT_EQ(got.status(), want.status());
        if (want.ok()) {
          EXPECT_EQ(got->SerializeAsString(), want->SerializeAsString());
        }
        // A text read against a publication date, unlike without one.
        absl::StatusOr<v1::ValidTime> alone =
            NormalizeValidTime(text, language);
        if (want.ok() && (!alone.ok() || alone->SerializeAsString() !=
                                             want->SerializeAsString())) {
          ++read_differently;
        }
      }
    }
  }
  // Some texts read differently against different publication dates, so
  // the comparison above covers what may not be remembered.
  EXPECT_GT(read_differently, 0);
}

TEST(NormalizeRelativeValidTimeTest, PartsKeepTheirSurface) {
  absl::StatusOr<v1::ValidTime> v = NormalizeValidTime(
      "from last year to next year", "en", DateContext{kPublished});
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(v->start().surface_text(), "last year");
  EXPECT_EQ(v->end().surface_text(), "next year");
  EXPECT_EQ(v->start().precision(), YEAR);
  EXPECT_EQ(v->start().interval_start(), "2023-01-01");
}

TEST(NormalizeRelativeValidTimeTest, RejectsAnEndBeforeTheStart) {
  absl::StatusOr<v1::ValidTime> v = NormalizeValidTime(
      "from next year to last year", "en", DateContext{kPublished});
  ASSERT_FALSE(v.ok());
  EXPECT_THAT(std::string(v.status().message()), HasSubstr("before it starts"));
}

// CanonicalizeTimeValue.
v1::TimeValue MakeTime(const char* date, v1::DatePrecision precision,
                       v1::DateModifier modifier) {
  v1::TimeValue t;
  t.set_date(date);
  t.set_precision(precision);
  t.set_modifier(modifier);
  t.set_surface_text("as written");
  return t;
}

struct CanonicalTimeCase {
  v1::TimeValue in;
  const char* date;  // expected, or "" for an error
  v1::DatePrecision precision;
  v1::DateModifier modifier;
  const char* reason;
};

class CanonicalizeTimeValueTest
    : public ::testing::TestWithParam<CanonicalTimeCase> {};

TEST_P(CanonicalizeTimeValueTest, Canonicalizes) {
  const CanonicalTimeCase& c = GetParam();
  absl::StatusOr<v1::TimeValue> t = CanonicalizeTimeValue(c.in);
  if (*c.date == '\0') {
    ASSERT_EQ(t.status().code(), absl::StatusCode::kInvalidArgument)
        << (t.ok() ? t->ShortDebugString() : "");
    EXPECT_THAT(std::string(t.status().message()), HasSubstr(c.reason));
    return;
  }
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->date(), c.date);
  EXPECT_EQ(t->precision(), c.precision);
  EXPECT_EQ(t->modifier(), c.modifier);
  EXPECT_EQ(t->surface_text(), "as written");
  EXPECT_TRUE(t->raw().empty());
}

constexpr v1::DatePrecision UNSET_P = v1::DATE_PRECISION_UNSPECIFIED;
constexpr v1::DateModifier UNSET_M = v1::DATE_MODIFIER_UNSPECIFIED;

v1::TimeValue WithRaw(v1::TimeValue t, const char* raw) {
  t.set_raw(raw);
  return t;
}

const CanonicalTimeCase kCanonicalTimes[] = {
    {MakeTime("2024", UNSET_P, UNSET_M), "2024", YEAR, EXACT, ""},
    {MakeTime("2024-08", UNSET_P, BY), "2024-08", MONTH, BY, ""},
    {MakeTime("2024-08-02", DAY, APPROX), "2024-08-02", DAY, APPROX, ""},
    {MakeTime("2024-02-29", UNSET_P, SINCE), "2024-02-29", DAY, SINCE, ""},
    {WithRaw(MakeTime("2024", YEAR, EXACT), "in 2024"), "2024", YEAR, EXACT,
     ""},
    {MakeTime("2024", DAY, EXACT), "", YEAR, EXACT,
     "precision: DATE_PRECISION_DAY does not match date \"2024\""},
    {MakeTime("2024-08-02", MONTH, EXACT), "", YEAR, EXACT, "does not match"},
    {MakeTime("2024-02-30", UNSET_P, EXACT), "", YEAR, EXACT, "no such day"},
    {MakeTime("2024-13", UNSET_P, EXACT), "", YEAR, EXACT,
     "month out of range"},
    {MakeTime("24", UNSET_P, EXACT), "", YEAR, EXACT, "wrong shape"},
    {MakeTime("2024-8-2", UNSET_P, EXACT), "", YEAR, EXACT, "wrong shape"},
    {MakeTime("", UNSET_P, EXACT), "", YEAR, EXACT, "date: is empty"},
    {WithRaw(MakeTime("", UNSET_P, EXACT), "by 2028"), "", YEAR, EXACT,
     "must be read with NormalizeDate"},
    {MakeTime("2024", static_cast<v1::DatePrecision>(9), EXACT), "", YEAR,
     EXACT, "precision: unknown value 9"},
    {MakeTime("2024", YEAR, static_cast<v1::DateModifier>(9)), "", YEAR, EXACT,
     "modifier: unknown value 9"},
    // Periods longer than a month must be named: a bare "2024-07" is a month.
    {MakeTime("2024-07", UNSET_P, UNSET_M), "2024-07", MONTH, EXACT, ""},
    {MakeTime("2024-07", QUARTER, UNSET_M), "2024-07", QUARTER, EXACT, ""},
    {MakeTime("2024-10", QUARTER, BY), "2024-10", QUARTER, BY, ""},
    {MakeTime("2024-07", HALF, EXACT), "2024-07", HALF, EXACT, ""},
    {MakeTime("2024-09", FOUR, APPROX), "2024-09", FOUR, APPROX, ""},
    {MakeTime("2020", DECADE, UNSET_M), "2020", DECADE, EXACT, ""},
    {MakeTime("2024-08", QUARTER, EXACT), "", YEAR, EXACT,
     "invalid time: date: \"2024-08\" does not start a quarter (its month "
     "must be 01, 04, 07 or 10)"},
    {MakeTime("2024", QUARTER, EXACT), "", YEAR, EXACT,
     "invalid time: precision: DATE_PRECISION_QUARTER does not match date "
     "\"2024\" (a quarter is written as its first month, \"YYYY-MM\")"},
    {MakeTime("2024-07-01", QUARTER, EXACT), "", YEAR, EXACT,
     "precision: DATE_PRECISION_QUARTER does not match"},
    {MakeTime("2024-04", HALF, EXACT), "", YEAR, EXACT,
     "date: \"2024-04\" does not start a half year (its month must be 01 or "
     "07)"},
    {MakeTime("2024-03", FOUR, EXACT), "", YEAR, EXACT,
     "date: \"2024-03\" does not start a four-month period (its month must "
     "be 01, 05 or 09)"},
    {MakeTime("2025", DECADE, EXACT), "", YEAR, EXACT,
     "date: \"2025\" does not start a decade (its year must be a multiple of "
     "10)"},
    {MakeTime("2020-01", DECADE, EXACT), "", YEAR, EXACT,
     "precision: DATE_PRECISION_DECADE does not match date \"2020-01\" (a "
     "decade is written as its first year, \"YYYY\")"},
    {MakeTime("2024-13", QUARTER, EXACT), "", YEAR, EXACT,
     "date: invalid date \"2024-13\": month out of range"},
};
INSTANTIATE_TEST_SUITE_P(Canonical, CanonicalizeTimeValueTest,
                         ::testing::ValuesIn(kCanonicalTimes));

TEST(CanonicalizeTimeValueTest, SetsTheIntervalOfThePrecision) {
  v1::TimeValue in = MakeTime("2024-07", QUARTER, UNSET_M);
  in.set_interval_start("1999-01-01");  // output only: recomputed
  absl::StatusOr<v1::TimeValue> t = CanonicalizeTimeValue(in);
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->interval_start(), "2024-07-01");
  EXPECT_EQ(t->interval_end(), "2024-10-01");

  t = CanonicalizeTimeValue(MakeTime("2024-07", UNSET_P, UNSET_M));
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->interval_start(), "2024-07-01");
  EXPECT_EQ(t->interval_end(), "2024-08-01");

  t = CanonicalizeTimeValue(MakeTime("2020", DECADE, UNSET_M));
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->interval_start(), "2020-01-01");
  EXPECT_EQ(t->interval_end(), "2030-01-01");

  t = CanonicalizeTimeValue(MakeTime("9999", UNSET_P, UNSET_M));
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->interval_end(), "10000-01-01");
}

TEST(CanonicalizeValidTimeTest, PeriodsFillIntervals) {
  v1::ValidTime v;
  *v.mutable_start() = MakeTime("2024-01", QUARTER, UNSET_M);
  *v.mutable_end() = MakeTime("2024-07", QUARTER, UNSET_M);
  absl::StatusOr<v1::ValidTime> out = CanonicalizeValidTime(v);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->interval_start(), "2024-01-01");
  EXPECT_EQ(out->interval_end(), "2024-10-01");
  EXPECT_EQ(out->start().interval_end(), "2024-04-01");
  EXPECT_EQ(out->end().interval_start(), "2024-07-01");

  v1::ValidTime misaligned;
  *misaligned.mutable_at() = MakeTime("2024-08", HALF, UNSET_M);
  out = CanonicalizeValidTime(misaligned);
  ASSERT_EQ(out.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(out.status().message()),
              HasSubstr("at: invalid time: date: \"2024-08\" does not start "
                        "a half year"));
}

TEST(CanonicalizeValidTimeTest, AtFillsInterval) {
  v1::ValidTime v;
  *v.mutable_at() = MakeTime("2024-08", UNSET_P, UNSET_M);
  absl::StatusOr<v1::ValidTime> out = CanonicalizeValidTime(v);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->at().precision(), MONTH);
  EXPECT_EQ(out->at().modifier(), EXACT);
  EXPECT_EQ(out->interval_start(), "2024-08-01");
  EXPECT_EQ(out->interval_end(), "2024-09-01");
  EXPECT_FALSE(out->has_start());
  EXPECT_FALSE(out->has_end());
}

TEST(CanonicalizeValidTimeTest, StartEndFillInterval) {
  v1::ValidTime v;
  *v.mutable_start() = MakeTime("2020", UNSET_P, UNSET_M);
  *v.mutable_end() = MakeTime("2024-02", UNSET_P, UNSET_M);
  absl::StatusOr<v1::ValidTime> out = CanonicalizeValidTime(v);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->interval_start(), "2020-01-01");
  EXPECT_EQ(out->interval_end(), "2024-03-01");
}

TEST(CanonicalizeValidTimeTest, OpenEnds) {
  v1::ValidTime start_only;
  *start_only.mutable_start() = MakeTime("2020", UNSET_P, UNSET_M);
  absl::StatusOr<v1::ValidTime> out = CanonicalizeValidTime(start_only);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->interval_start(), "2020-01-01");
  EXPECT_EQ(out->interval_end(), "");
  EXPECT_FALSE(out->has_end());

  v1::ValidTime end_only;
  *end_only.mutable_end() = MakeTime("2020", UNSET_P, UNSET_M);
  out = CanonicalizeValidTime(end_only);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->interval_start(), "");
  EXPECT_EQ(out->interval_end(), "2021-01-01");
}

TEST(CanonicalizeValidTimeTest, EmptyStaysEmpty) {
  v1::ValidTime v;
  v.set_interval_start("2020-01-01");  // output only: recomputed
  absl::StatusOr<v1::ValidTime> out = CanonicalizeValidTime(v);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->SerializeAsString(), "");
}

TEST(CanonicalizeValidTimeTest, RejectsAtWithStartOrEnd) {
  v1::ValidTime v;
  *v.mutable_at() = MakeTime("2024", UNSET_P, UNSET_M);
  *v.mutable_end() = MakeTime("2025", UNSET_P, UNSET_M);
  absl::StatusOr<v1::ValidTime> out = CanonicalizeValidTime(v);
  ASSERT_EQ(out.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(out.status().message()), HasSubstr("not both"));
}

TEST(CanonicalizeValidTimeTest, RejectsEndBeforeStart) {
  v1::ValidTime v;
  *v.mutable_start() = MakeTime("2024-08-02", UNSET_P, UNSET_M);
  *v.mutable_end() = MakeTime("2024-08-01", UNSET_P, UNSET_M);
  absl::StatusOr<v1::ValidTime> out = CanonicalizeValidTime(v);
  ASSERT_EQ(out.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(out.status().message()),
              HasSubstr("before it starts"));
}

TEST(CanonicalizeValidTimeTest, AcceptsEndOnTheStartDay) {
  v1::ValidTime v;
  *v.mutable_start() = MakeTime("2024-08-02", UNSET_P, UNSET_M);
  *v.mutable_end() = MakeTime("2024-08-02", UNSET_P, UNSET_M);
  EXPECT_TRUE(CanonicalizeValidTime(v).ok());
}

TEST(CanonicalizeValidTimeTest, RejectsBadPartNamingIt) {
  v1::ValidTime v;
  *v.mutable_start() = MakeTime("2024-02-30", UNSET_P, UNSET_M);
  absl::StatusOr<v1::ValidTime> out = CanonicalizeValidTime(v);
  ASSERT_EQ(out.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(out.status().message()), HasSubstr("start: "));
  EXPECT_THAT(std::string(out.status().message()), HasSubstr("no such day"));
}

TEST(CanonicalizeValidTimeTest, RejectsRaw) {
  v1::ValidTime v;
  v.set_raw("by 2028");
  absl::StatusOr<v1::ValidTime> out = CanonicalizeValidTime(v);
  ASSERT_EQ(out.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(out.status().message()),
              HasSubstr("must be read with NormalizeValidTime"));
}

}  // namespace
}  // namespace factstore::normalizer
