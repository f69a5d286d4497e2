#include "normalizer/units.h"

#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "normalizer/test_names.h"

namespace factstore::normalizer {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

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
    // Physical units: UCUM codes, exactly as written.
    {"W", true, v1::UNIT_DIMENSION_POWER},
    {"kW", true, v1::UNIT_DIMENSION_POWER},
    {"MW", true, v1::UNIT_DIMENSION_POWER},
    {"GW", true, v1::UNIT_DIMENSION_POWER},
    {"W.h", true, v1::UNIT_DIMENSION_ENERGY},
    {"kW.h", true, v1::UNIT_DIMENSION_ENERGY},
    {"MW.h", true, v1::UNIT_DIMENSION_ENERGY},
    {"GW.h", true, v1::UNIT_DIMENSION_ENERGY},
    {"TW.h", true, v1::UNIT_DIMENSION_ENERGY},
    {"g", true, v1::UNIT_DIMENSION_MASS},
    {"kg", true, v1::UNIT_DIMENSION_MASS},
    {"t", true, v1::UNIT_DIMENSION_MASS},
    {"m2", true, v1::UNIT_DIMENSION_AREA},
    {"ha", true, v1::UNIT_DIMENSION_AREA},
    {"km2", true, v1::UNIT_DIMENSION_AREA},
    {"m", true, v1::UNIT_DIMENSION_LENGTH},
    {"km", true, v1::UNIT_DIMENSION_LENGTH},
    {"By", true, v1::UNIT_DIMENSION_DATA},
    {"kBy", true, v1::UNIT_DIMENSION_DATA},
    {"MBy", true, v1::UNIT_DIMENSION_DATA},
    {"GBy", true, v1::UNIT_DIMENSION_DATA},
    {"TBy", true, v1::UNIT_DIMENSION_DATA},
    {"bit/s", true, v1::UNIT_DIMENSION_DATA_RATE},
    {"kbit/s", true, v1::UNIT_DIMENSION_DATA_RATE},
    {"Mbit/s", true, v1::UNIT_DIMENSION_DATA_RATE},
    {"Gbit/s", true, v1::UNIT_DIMENSION_DATA_RATE},
    {"t/a", true, v1::UNIT_DIMENSION_MASS},
    {"GW.h/a", true, v1::UNIT_DIMENSION_ENERGY},
    {"ha/mo", true, v1::UNIT_DIMENSION_AREA},
    {"mW", false, v1::UNIT_DIMENSION_UNSPECIFIED},
    {"mw", false, v1::UNIT_DIMENSION_UNSPECIFIED},
    {"Mw", false, v1::UNIT_DIMENSION_UNSPECIFIED},
    {"MWW", false, v1::UNIT_DIMENSION_UNSPECIFIED},
    {"MWh", false, v1::UNIT_DIMENSION_UNSPECIFIED},
    {"kWh", false, v1::UNIT_DIMENSION_UNSPECIFIED},
    {"KW", false, v1::UNIT_DIMENSION_UNSPECIFIED},
    {"T", false, v1::UNIT_DIMENSION_UNSPECIFIED},
    {"HA", false, v1::UNIT_DIMENSION_UNSPECIFIED},
    {"GB", false, v1::UNIT_DIMENSION_UNSPECIFIED},
    {"mbit/s", false, v1::UNIT_DIMENSION_UNSPECIFIED},
    {"Mbit", false, v1::UNIT_DIMENSION_UNSPECIFIED},
    {"Mbit/", false, v1::UNIT_DIMENSION_UNSPECIFIED},
    {"Mbit/s/a", false, v1::UNIT_DIMENSION_UNSPECIFIED},
    {"bit/s/d", false, v1::UNIT_DIMENSION_UNSPECIFIED},
    {"t/A", false, v1::UNIT_DIMENSION_UNSPECIFIED},
    {"t/w", false, v1::UNIT_DIMENSION_UNSPECIFIED},
    {"km2/a/a", false, v1::UNIT_DIMENSION_UNSPECIFIED},
    {"m²", false, v1::UNIT_DIMENSION_UNSPECIFIED},
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
    // Physical units: the exact UCUM code only, since case tells their
    // prefixes apart; a code in another case or without its '.' is named.
    {"MW", "MW", ""},
    {"kW.h", "kW.h", ""},
    {"t", "t", ""},
    {"ha", "ha", ""},
    {"km2", "km2", ""},
    {"GBy", "GBy", ""},
    {"Mbit/s", "Mbit/s", ""},
    {"t/A", "t/a", ""},
    {"GW.h/Mo", "GW.h/mo", ""},
    {"mW", "",
     "unknown unit \"mW\" (physical units are UCUM codes, "
     "case-sensitive and written as listed: did you mean \"MW\"?)"},
    {"mw", "", "did you mean \"MW\"?"},
    {"Mw", "", "did you mean \"MW\"?"},
    {"MWh", "", "did you mean \"MW.h\"?"},
    {"kwh", "", "did you mean \"kW.h\"?"},
    {"KW", "", "did you mean \"kW\"?"},
    {"T", "", "did you mean \"t\"?"},
    {"HA", "", "did you mean \"ha\"?"},
    {"gby", "", "did you mean \"GBy\"?"},
    {"mbit/s", "", "did you mean \"Mbit/s\"?"},
    {"MBIT/S/a", "", "did you mean \"Mbit/s\"?"},
    {"MWW", "", "unknown currency \"MWW\""},
    {"GB", "", "unknown unit \"GB\""},
    {"m²", "", "unknown unit \"m²\""},
    {"Mbit/s/a", "", "\"Mbit/s\" is a data rate, already per second"},
    {"Mbit/s/w", "", "unknown period \"w\""},
    {"t/w", "", "unknown period \"w\" in \"t/w\""},
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
  EXPECT_EQ(RateUnit("t", kPeriodYear), "t/a");
  EXPECT_EQ(BaseUnit("t/a"), "t");
  EXPECT_EQ(BaseUnit("Mbit/s"), "Mbit/s");
  EXPECT_EQ(BaseUnit("kW.h/mo"), "kW.h");
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
  EXPECT_EQ(DimensionName(v1::UNIT_DIMENSION_POWER), "POWER");
  EXPECT_EQ(DimensionName(v1::UNIT_DIMENSION_ENERGY), "ENERGY");
  EXPECT_EQ(DimensionName(v1::UNIT_DIMENSION_MASS), "MASS");
  EXPECT_EQ(DimensionName(v1::UNIT_DIMENSION_AREA), "AREA");
  EXPECT_EQ(DimensionName(v1::UNIT_DIMENSION_LENGTH), "LENGTH");
  EXPECT_EQ(DimensionName(v1::UNIT_DIMENSION_DATA), "DATA");
  EXPECT_EQ(DimensionName(v1::UNIT_DIMENSION_DATA_RATE), "DATA_RATE");
  EXPECT_EQ(DimensionName(v1::UNIT_DIMENSION_UNSPECIFIED), "UNSPECIFIED");
}

TEST(UnitsTest, EveryDimensionHasANameAndPhysicalOnesHaveUnits) {
  for (int d = 0; d < v1::UnitDimension_ARRAYSIZE; ++d) {
    if (!v1::UnitDimension_IsValid(d)) continue;
    auto dimension = static_cast<v1::UnitDimension>(d);
    EXPECT_EQ(absl::StrCat("UNIT_DIMENSION_", DimensionName(dimension)),
              v1::UnitDimension_Name(dimension));
    bool physical = d > v1::UNIT_DIMENSION_DURATION;
    EXPECT_EQ(IsPhysicalDimension(dimension), physical) << d;
    for (absl::string_view unit : PhysicalUnitsOf(dimension)) {
      EXPECT_EQ(DimensionOfUnit(unit), dimension) << unit;
      std::optional<UnitScale> scale = ScaleToBaseUnit(unit);
      ASSERT_TRUE(scale.has_value()) << unit;
      // The base unit comes first, and is its own base.
      EXPECT_EQ(scale->base_unit, PhysicalUnitsOf(dimension).front()) << unit;
      absl::StatusOr<std::string> canonical = CanonicalizeUnit(unit);
      ASSERT_TRUE(canonical.ok()) << canonical.status();
      EXPECT_EQ(*canonical, unit);
    }
  }
  EXPECT_THAT(PhysicalUnitsOf(v1::UNIT_DIMENSION_POWER),
              ElementsAre("W", "kW", "MW", "GW"));
  EXPECT_THAT(PhysicalUnitsOf(v1::UNIT_DIMENSION_MONEY), IsEmpty());
}

struct ScaleCase {
  const char* unit;
  const char* base_unit;  // "" when the unit is never converted
  const char* factor;
};

class ScaleToBaseUnitTest : public ::testing::TestWithParam<ScaleCase> {};

TEST_P(ScaleToBaseUnitTest, GivesBaseUnitAndExactFactor) {
  const ScaleCase& c = GetParam();
  std::optional<UnitScale> scale = ScaleToBaseUnit(c.unit);
  if (*c.base_unit == '\0') {
    EXPECT_FALSE(scale.has_value()) << scale->base_unit;
    return;
  }
  ASSERT_TRUE(scale.has_value());
  EXPECT_EQ(scale->base_unit, c.base_unit);
  EXPECT_EQ(scale->factor, c.factor);
  EXPECT_TRUE(IsKnownUnit(scale->base_unit));
  EXPECT_EQ(DimensionOfUnit(scale->base_unit), DimensionOfUnit(c.unit));
}

std::string ScaleCaseName(const ::testing::TestParamInfo<ScaleCase>& info) {
  return CaseName("unit", info.index, info.param.unit);
}

const ScaleCase kScaleCases[] = {
    {"W", "W", "1"},
    {"kW", "W", "1000"},
    {"MW", "W", "1000000"},
    {"GW", "W", "1000000000"},
    {"W.h", "W.h", "1"},
    {"kW.h", "W.h", "1000"},
    {"MW.h", "W.h", "1000000"},
    {"GW.h", "W.h", "1000000000"},
    {"TW.h", "W.h", "1000000000000"},
    {"g", "g", "1"},
    {"kg", "g", "1000"},
    {"t", "g", "1000000"},
    {"m2", "m2", "1"},
    {"ha", "m2", "10000"},
    {"km2", "m2", "1000000"},
    {"m", "m", "1"},
    {"km", "m", "1000"},
    {"By", "By", "1"},
    {"kBy", "By", "1000"},
    {"MBy", "By", "1000000"},
    {"GBy", "By", "1000000000"},
    {"TBy", "By", "1000000000000"},
    {"bit/s", "bit/s", "1"},
    {"kbit/s", "bit/s", "1000"},
    {"Mbit/s", "bit/s", "1000000"},
    {"Gbit/s", "bit/s", "1000000000"},
    // A rate scales as its unit, per the same period.
    {"GW.h/a", "W.h/a", "1000000000"},
    {"t/d", "g/d", "1000000"},
    {"ha/mo", "m2/mo", "10000"},
    // Never converted.
    {"USD", "", ""},
    {"USD/a", "", ""},
    {"person", "", ""},
    {"percent", "", ""},
    {"year", "", ""},
    {"day/a", "", ""},
    // Not canonical units.
    {"mW", "", ""},
    {"mw", "", ""},
    {"MWh", "", ""},
    {"Mbit/s/a", "", ""},
    {"t/w", "", ""},
    {"", "", ""},
};
INSTANTIATE_TEST_SUITE_P(Units, ScaleToBaseUnitTest,
                         ::testing::ValuesIn(kScaleCases), ScaleCaseName);

}  // namespace
TEST(UnitsTest, ConvertsAmountsWithinAPhysicalDimensionOnly) {
  EXPECT_EQ(ConvertAmount("2.5", "GW", "MW"), "2500");
  EXPECT_EQ(ConvertAmount("300000", "kW", "GW"), "0.3");
  EXPECT_EQ(ConvertAmount("5", "ha", "km2"), "0.05");
  EXPECT_EQ(ConvertAmount("1.5", "GW.h/a", "kW.h/a"), "1500000");
  EXPECT_EQ(ConvertAmount("12", "USD", "USD"), "12");
  EXPECT_EQ(ConvertAmount("12", "USD", "KRW"), std::nullopt);
  EXPECT_EQ(ConvertAmount("12", "MW", "MW.h"), std::nullopt);
  EXPECT_EQ(ConvertAmount("12", "GW.h/a", "GW.h"), std::nullopt);
  EXPECT_EQ(ConvertAmount("12", "person", "count"), std::nullopt);
}

TEST(UnitsTest, TheIndexKeepsPhysicalQuantitiesInTheirBaseUnit) {
  IndexedQuantity gw = IndexForm("GW", "2.5");
  EXPECT_EQ(gw.unit, "W");
  EXPECT_EQ(gw.amount, "2500000000");
  IndexedQuantity usd = IndexForm("USD", "85900000000");
  EXPECT_EQ(usd.unit, "USD");
  EXPECT_EQ(usd.amount, "85900000000");
}

}  // namespace factstore::normalizer
