#include "normalizer/value_finder.h"

#include <iostream>
#include <string>
#include <vector>

#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace factstore::normalizer {
namespace {

// A value as the tests state it: its span, its text, and its kind and
// normalized form in short.
std::vector<std::string> Describe(const std::vector<FoundValue>& values) {
  std::vector<std::string> out;
  for (const FoundValue& v : values) {
    std::string what;
    if (v.quantity.has_value()) {
      what = "quantity " + v.quantity->amount() + " " + v.quantity->unit() +
             " " +
             v1::Comparator_Name(v.quantity->comparator())
                 .substr(sizeof("COMPARATOR_") - 1);
    } else if (v.time.has_value()) {
      what = "date " + v.time->date() + " " +
             v1::DateModifier_Name(v.time->modifier())
                 .substr(sizeof("DATE_MODIFIER_") - 1);
      // Periods longer than a month, whose date alone reads as a month or
      // a year.
      if (v.time->precision() > v1::DATE_PRECISION_DAY) {
        what += " " + v1::DatePrecision_Name(v.time->precision())
                          .substr(sizeof("DATE_PRECISION_") - 1);
      }
    } else {
      what = "period " + v.period->interval_start() + ".." +
             v.period->interval_end();
    }
    out.push_back("[" + std::to_string(v.start) + "," + std::to_string(v.end) +
                  ") " + v.text + ": " + what);
  }
  return out;
}

std::vector<std::string> Find(const std::string& text,
                              const std::string& language) {
  absl::StatusOr<std::vector<FoundValue>> values = FindValues(text, language);
  EXPECT_TRUE(values.ok()) << values.status();
  return values.ok() ? Describe(*values) : std::vector<std::string>{};
}

using ::testing::ElementsAre;
using ::testing::IsEmpty;

// Quarters, halves, decades and early/mid/late years are dates like others.
TEST(ValueFinderTest, FindsPeriodsLongerThanAMonth) {
  EXPECT_THAT(
      Find("Revenue rose 20% in the first half of 2024 and is expected to "
           "double by late 2025.",
           "en"),
      ElementsAre("[13,16) 20%: quantity 20 percent EXACT",
                  "[24,42) first half of 2024: date 2024-01 EXACT "
                  "HALF_YEAR",
                  "[69,81) by late 2025: date 2025-09 BY FOUR_MONTHS"));
  EXPECT_THAT(Find("Doanh thu quý 3/2024 tăng 20% so với cùng kỳ.", "vi"),
              ElementsAre("[10,20) quý 3/2024: date 2024-07 EXACT QUARTER",
                          "[26,29) 20%: quantity 20 percent EXACT"));
  EXPECT_THAT(Find("2024년 1분기부터 3분기까지 매출이 늘었다.", "ko"),
              ElementsAre("[0,17) 2024년 1분기부터 3분기까지: period "
                          "2024-01-01..2024-10-01"));
  EXPECT_THAT(Find("Outsourcing grew fast in the 2010s.", "en"),
              ElementsAre("[29,34) 2010s: date 2010 EXACT DECADE"));
}

// Sentences of the seed articles: every figure is found, with its span.
TEST(ValueFinderTest, FindsEveryFigureOfTheSeedSentences) {
  EXPECT_THAT(
      Find("The South Korean IT outsourcing market is valued at $600 billion "
           "and the figure is expected to rise to $800 billion by 2028.",
           "en"),
      ElementsAre("[52,64) $600 billion: quantity 600000000000 USD EXACT",
                  "[103,115) $800 billion: quantity 800000000000 USD EXACT",
                  "[116,123) by 2028: date 2028 BY"));
  EXPECT_THAT(
      Find("South Korea is currently the largest investor in Vietnam, with a "
           "cumulative total investment capital of US$85.9 billion.",
           "en"),
      ElementsAre("[104,119) US$85.9 billion: quantity 85900000000 USD EXACT"));
  EXPECT_THAT(
      Find("the local area currently has 2.3 technology companies per 1,000 "
           "residents (ranking second after Ho Chi Minh City).",
           "en"),
      ElementsAre("[29,73) 2.3 technology companies per 1,000 residents: "
                  "quantity 2.3 per_1000_people EXACT"));
  EXPECT_THAT(Find("The workforce of digital technology professionals is "
                   "approximately 53,000 people.",
                   "en"),
              ElementsAre("[53,80) approximately 53,000 people: quantity 53000 "
                          "person APPROXIMATELY"));
  EXPECT_THAT(
      Find("jointly organized the first Vietnam - Korea Digital Forum in "
           "Seoul, Korea on August 2, 2024.",
           "en"),
      ElementsAre("[77,91) August 2, 2024: date 2024-08-02 EXACT"));
  EXPECT_THAT(
      Find("Nearly 20 Vietnamese digital tech firms and 150 delegates from "
           "South Korean associations and businesses attended the event.",
           "en"),
      ElementsAre("[0,39) Nearly 20 Vietnamese digital tech firms: quantity 20 "
                  "organization APPROXIMATELY",
                  "[44,57) 150 delegates: quantity 150 person EXACT"));
  EXPECT_THAT(
      Find("South Korea would need 740,000 IT officers in the next five "
           "years.",
           "en"),
      ElementsAre("[23,42) 740,000 IT officers: quantity 740000 person "
                  "EXACT",
                  "[55,65) five years: quantity 5 year EXACT"));
}

TEST(ValueFinderTest, ReadsVietnameseAndKoreanSentences) {
  EXPECT_THAT(Find("Hàn Quốc là nhà đầu tư lớn nhất vào Việt Nam với tổng vốn "
                   "85,9 tỷ USD.",
                   "vi"),
              ElementsAre("[58,69) 85,9 tỷ USD: quantity 85900000000 USD "
                          "EXACT"));
  // The words the grammar skips as modifiers ("công nghệ số", "từ năm")
  // stay out of a value's span.
  EXPECT_THAT(Find("khoảng 53.000 người từ năm 2020", "vi"),
              ElementsAre("[0,19) khoảng 53.000 người: quantity 53000 person "
                          "APPROXIMATELY",
                          "[20,31) từ năm 2020: period 2020-01-01.."));
  EXPECT_THAT(
      Find("Đà Nẵng có khoảng 53.000 nhân lực công nghệ số, ngày 2 tháng 8 "
           "năm 2024.",
           "vi"),
      ElementsAre("[11,33) khoảng 53.000 nhân lực: quantity 53000 person "
                  "APPROXIMATELY",
                  "[53,71) 2 tháng 8 năm 2024: date 2024-08-02 EXACT"));
  // A Korean value ends before the particle or ending its last word takes
  // ("달러이며", "달러로"), and keeps those that mean something ("까지").
  EXPECT_THAT(
      Find("한국 IT 아웃소싱 시장 규모는 6000억 달러이며 2028년까지 8000억 "
           "달러로 늘어날 전망이다.",
           "ko"),
      ElementsAre("[18,26) 6000억 달러: quantity 600000000000 USD EXACT",
                  "[29,36) 2028년까지: date 2028 BY",
                  "[37,45) 8000억 달러: quantity 800000000000 USD EXACT"));
  // A word's last syllable that could be a particle stays when it belongs
  // to the word ("유로", "정도", "초과").
  EXPECT_THAT(
      Find("매출은 50억 유로, 직원은 1,000명 정도, 주주는 100명 초과.", "ko"),
      ElementsAre("[4,10) 50억 유로: quantity 5000000000 EUR EXACT",
                  "[16,25) 1,000명 정도: quantity 1000 person "
                  "APPROXIMATELY",
                  "[31,38) 100명 초과: quantity 100 person MORE_THAN"));
  // Offsets count code points, not bytes.
  EXPECT_THAT(Find("포럼은 2024년 8월 2일 서울에서 열렸다.", "ko"),
              ElementsAre("[4,15) 2024년 8월 2일: date 2024-08-02 EXACT"));
}

TEST(ValueFinderTest, PrefersPeriodsAndDatesOverCountsAndKeepsToWordEdges) {
  EXPECT_THAT(
      Find("From 2020 to 2024 exports grew by 10-15% a year.", "en"),
      ElementsAre("[0,17) From 2020 to 2024: period "
                  "2020-01-01..2025-01-01",
                  "[34,47) 10-15% a year: quantity 10 percent/a RANGE"));
  EXPECT_THAT(Find("In 2022, 3 firms left.", "en"),
              ElementsAre("[3,7) 2022: date 2022 EXACT",
                          "[9,16) 3 firms: quantity 3 organization EXACT"));
  // Numbers inside an identifier are no values.
  EXPECT_THAT(Find("Resolution No. 136/2024/QH15 was issued.", "en"),
              IsEmpty());
  EXPECT_THAT(Find("", "en"), IsEmpty());
  EXPECT_THAT(Find("No figures here at all.", "en"), IsEmpty());
}

TEST(ValueFinderTest, StopsAtItsBudgetOnTextTooDenseToSearch) {
  std::string dense;
  for (int i = 0; i < 2000; ++i) dense += "1 ";
  bool truncated = false;
  auto start = absl::Now();
  absl::StatusOr<std::vector<FoundValue>> values =
      FindValues(dense, "en", {}, &truncated);
  std::cout << "dense text: " << absl::Now() - start << "\n";
  ASSERT_TRUE(values.ok()) << values.status();
  EXPECT_TRUE(truncated);
  EXPECT_FALSE(values->empty());
  EXPECT_LT(values->back().end, static_cast<int>(dense.size()));
  ASSERT_TRUE(FindValues("about 53,000 people", "en", {}, &truncated).ok());
  EXPECT_FALSE(truncated);
}

TEST(ValueFinderTest, RejectsTextThatIsNotUtf8) {
  absl::StatusOr<std::vector<FoundValue>> values =
      FindValues("costs $5 \xff", "en");
  ASSERT_FALSE(values.ok());
  EXPECT_EQ(values.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(values.status().message(), "the text is not valid UTF-8");
}

}  // namespace
}  // namespace factstore::normalizer
