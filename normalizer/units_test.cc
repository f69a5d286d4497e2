#include "normalizer/units.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "normalizer/test_names.h"

namespace factstore::normalizer {
namespace {

using ::testing::HasSubstr;

struct UnitCase {
  const char* unit;
  bool known;
  v1::UnitDimension dimension;
};

class UnitVocabularyTest : public ::testing::TestWithParam<UnitCase> {};

TEST_P(UnitVocabularyTest, KnowsUnitAndDimension) {
  const UnitCase& c = GetParam();
  EXPECT_EQ(IsKnownUnit(c.unit), c.known);
  EXPECT_EQ(DimensionOfUnit(c.unit), c.dimension);
}

std::string UnitCaseName(const ::testing::TestParamInfo<UnitCase>& info) {
  return CaseName("unit", info.index, info.param.unit);
}

const UnitCase kUnitCases[] = {
    {"count", true, v1::UNIT_DIMENSION_COUNT},
    {"person", true, v1::UNIT_DIMENSION_COUNT},
    {"organization", true, v1::UNIT_DIMENSION_COUNT},
    {"document", true, v1::UNIT_DIMENSION_COUNT},
    {"event", true, v1::UNIT_DIMENSION_COUNT},
    {"percent", true, v1::UNIT_DIMENSION_RATIO},
    {"percentage_point", true, v1::UNIT_DIMENSION_RATIO},
    {"per_1000_people", true, v1::UNIT_DIMENSION_RATIO},
    {"year", true, v1::UNIT_DIMENSION_DURATION},
    {"month", true, v1::UNIT_DIMENSION_DURATION},
    {"day", true, v1::UNIT_DIMENSION_DURATION},
    {"USD", true, v1::UNIT_DIMENSION_MONEY},
    {"VND", true, v1::UNIT_DIMENSION_MONEY},
    {"KRW", true, v1::UNIT_DIMENSION_MONEY},
    {"EUR", true, v1::UNIT_DIMENSION_MONEY},
    {"JPY", true, v1::UNIT_DIMENSION_MONEY},
    {"GBP", true, v1::UNIT_DIMENSION_MONEY},
    {"CNY", true, v1::UNIT_DIMENSION_MONEY},
    {"CHF", true, v1::UNIT_DIMENSION_MONEY},
    {"SGD", true, v1::UNIT_DIMENSION_MONEY},
    {"THB", true, v1::UNIT_DIMENSION_MONEY},
    {"XAU", true, v1::UNIT_DIMENSION_MONEY},
    {"DEM", true, v1::UNIT_DIMENSION_MONEY},  // historic codes stay valid
    {"XXX", false, v1::UNIT_DIMENSION_UNSPECIFIED},
    {"XTS", false, v1::UNIT_DIMENSION_UNSPECIFIED},
    {"usd", false, v1::UNIT_DIMENSION_UNSPECIFIED},
    {"USDD", false, v1::UNIT_DIMENSION_UNSPECIFIED},
    {"ZZZ", false, v1::UNIT_DIMENSION_UNSPECIFIED},
    {"US", false, v1::UNIT_DIMENSION_UNSPECIFIED},
    {"Person", false, v1::UNIT_DIMENSION_UNSPECIFIED},
    {"people", false, v1::UNIT_DIMENSION_UNSPECIFIED},
    {"persons", false, v1::UNIT_DIMENSION_UNSPECIFIED},
    {"years", false, v1::UNIT_DIMENSION_UNSPECIFIED},
    {"week", false, v1::UNIT_DIMENSION_UNSPECIFIED},
    {"%", false, v1::UNIT_DIMENSION_UNSPECIFIED},
    {"", false, v1::UNIT_DIMENSION_UNSPECIFIED},
    {"percentage_points", false, v1::UNIT_DIMENSION_UNSPECIFIED},
    {"pp", false, v1::UNIT_DIMENSION_UNSPECIFIED},
    // Rates: the base unit's dimension.
    {"USD/a", true, v1::UNIT_DIMENSION_MONEY},
    {"USD/mo", true, v1::UNIT_DIMENSION_MONEY},
    {"KRW/d", true, v1::UNIT_DIMENSION_MONEY},
    {"person/d", true, v1::UNIT_DIMENSION_COUNT},
    {"count/a", true, v1::UNIT_DIMENSION_COUNT},
    {"percent/a", true, v1::UNIT_DIMENSION_RATIO},
    {"per_1000_people/a", true, v1::UNIT_DIMENSION_RATIO},
    {"day/a", true, v1::UNIT_DIMENSION_DURATION},
    {"usd/a", false, v1::UNIT_DIMENSION_UNSPECIFIED},
    {"USD/A", false, v1::UNIT_DIMENSION_UNSPECIFIED},
    {"USD/w", false, v1::UNIT_DIMENSION_UNSPECIFIED},
    {"USD/year", false, v1::UNIT_DIMENSION_UNSPECIFIED},
    {"USD/", false, v1::UNIT_DIMENSION_UNSPECIFIED},
    {"/a", false, v1::UNIT_DIMENSION_UNSPECIFIED},
    {"USD/a/a", false, v1::UNIT_DIMENSION_UNSPECIFIED},
    {"USD/mo/d", false, v1::UNIT_DIMENSION_UNSPECIFIED},
    {"people/d", false, v1::UNIT_DIMENSION_UNSPECIFIED},
    {"XXX/a", false, v1::UNIT_DIMENSION_UNSPECIFIED},
    {"a", false, v1::UNIT_DIMENSION_UNSPECIFIED},
};
INSTANTIATE_TEST_SUITE_P(Vocabulary, UnitVocabularyTest,
                         ::testing::ValuesIn(kUnitCases), UnitCaseName);

struct CanonicalUnitCase {
  const char* in;
  const char* out;     // "" for an error
  const char* reason;  // part of the error
};

class CanonicalizeUnitTest
    : public ::testing::TestWithParam<CanonicalUnitCase> {};

TEST_P(CanonicalizeUnitTest, Canonicalizes) {
  const CanonicalUnitCase& c = GetParam();
  absl::StatusOr<std::string> unit = CanonicalizeUnit(c.in);
  if (*c.out != '\0') {
    ASSERT_TRUE(unit.ok()) << unit.status();
    EXPECT_EQ(*unit, c.out);
    EXPECT_TRUE(IsKnownUnit(*unit));
  } else {
    ASSERT_EQ(unit.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(unit.status().message()), HasSubstr(c.reason));
  }
}

std::string CanonicalUnitCaseName(
    const ::testing::TestParamInfo<CanonicalUnitCase>& info) {
  return CaseName("unit", info.index, info.param.in);
}

const CanonicalUnitCase kCanonicalUnitCases[] = {
    {"USD", "USD", ""},
    {"usd", "USD", ""},
    {"Usd", "USD", ""},
    {"vnd", "VND", ""},
    {"krw", "KRW", ""},
    {"person", "person", ""},
    {"Person", "person", ""},
    {"PERCENT", "percent", ""},
    {"Per_1000_People", "per_1000_people", ""},
    {"USDD", "", "unknown currency \"USDD\""},
    {"ZZZ", "", "unknown currency \"ZZZ\""},
    {"xxx", "", "unknown currency \"xxx\""},
    {"people", "", "unknown unit \"people\""},
    {"%", "", "unknown unit \"%\""},
    {"", "", "unknown unit \"\""},
    {"U$D", "", "unknown unit"},
    {"\xff", "", "unknown unit \"\\xff\""},
    {"Percentage_Point", "percentage_point", ""},
    {"usd/a", "USD/a", ""},
    {"USD/A", "USD/a", ""},
    {"Usd/Mo", "USD/mo", ""},
    {"PERSON/D", "person/d", ""},
    {"percent/a", "percent/a", ""},
    {"USD/w", "", "unknown period \"w\" in \"USD/w\""},
    {"USD/year", "", "unknown period \"year\""},
    {"USD/", "", "unknown period \"\""},
    {"USD/a/a", "", "unknown period \"a/a\""},
    {"USDD/a", "", "unknown currency \"USDD\""},
    {"people/a", "", "unknown unit \"people/a\""},
    {"/a", "", "unknown unit \"/a\""},
};
INSTANTIATE_TEST_SUITE_P(Units, CanonicalizeUnitTest,
                         ::testing::ValuesIn(kCanonicalUnitCases),
                         CanonicalUnitCaseName);

TEST(UnitsTest, KnowsManyCurrencies) {
  int known = 0;
  for (char a = 'A'; a <= 'Z'; ++a) {
    for (char b = 'A'; b <= 'Z'; ++b) {
      for (char c = 'A'; c <= 'Z'; ++c) {
        known += IsCurrencyCode(std::string{a, b, c});
      }
    }
  }
  EXPECT_GT(known, 150);  // ISO 4217 lists about 180 current codes
  EXPECT_LT(known, 400);
}

TEST(UnitsTest, BuildsAndSplitsRates) {
  EXPECT_EQ(RateUnit("USD", kPeriodYear), "USD/a");
  EXPECT_EQ(RateUnit("person", kPeriodMonth), "person/mo");
  EXPECT_EQ(RateUnit("VND", kPeriodDay), "VND/d");
  EXPECT_EQ(BaseUnit("USD/a"), "USD");
  EXPECT_EQ(BaseUnit("person/d"), "person");
  EXPECT_EQ(BaseUnit("USD"), "USD");
  for (absl::string_view period : {kPeriodYear, kPeriodMonth, kPeriodDay}) {
    std::string rate = RateUnit("EUR", period);
    EXPECT_TRUE(IsKnownUnit(rate)) << rate;
    absl::StatusOr<std::string> canonical = CanonicalizeUnit(rate);
    ASSERT_TRUE(canonical.ok()) << canonical.status();
    EXPECT_EQ(*canonical, rate);
  }
}

TEST(UnitsTest, NamesDimensions) {
  EXPECT_EQ(DimensionName(v1::UNIT_DIMENSION_MONEY), "MONEY");
  EXPECT_EQ(DimensionName(v1::UNIT_DIMENSION_COUNT), "COUNT");
  EXPECT_EQ(DimensionName(v1::UNIT_DIMENSION_RATIO), "RATIO");
  EXPECT_EQ(DimensionName(v1::UNIT_DIMENSION_DURATION), "DURATION");
  EXPECT_EQ(DimensionName(v1::UNIT_DIMENSION_UNSPECIFIED), "UNSPECIFIED");
}

}  // namespace
}  // namespace factstore::normalizer
